/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * intel-ipsec-mb engine: the data path.
 *
 * One IMB_MGR per lcore. AES-CBC+HMAC goes through the job API
 * (IMB_GET_NEXT_JOB / IMB_SUBMIT_JOB / IMB_FLUSH_JOB), whose out-of-order
 * managers fill the multi-lane CBC-encrypt and HMAC code with jobs of any
 * session and direction. (The 1.3 burst API measured no faster: both copy
 * each job inside the library. And it refuses a whole burst for one bad
 * job, where IMB_SUBMIT_JOB hands back just that job as invalid.)
 * AES-GCM skips jobs altogether: the library's GCM is single-buffer on
 * every arch (a GCM job runs when it is submitted), so a job would only
 * add its filling and that copy; the direct GCM calls do the same work on
 * the op itself.
 *
 * A call is cut into chunks of at most IMB_MAX_BURST_SIZE ops (the
 * scratch per job). Per chunk: check each op's lengths (a bad op stays
 * CRYPTO_ERROR), run GCM ops at once, submit CBC ops and finish the jobs
 * the manager returns; then flush until every job is back. The manager's
 * queue is therefore empty between chunks and between calls: nothing is
 * left in flight when crypto_process() returns.
 *
 * Inbound ICVs are computed into per-lcore scratch and compared there in
 * constant time. Chain order is cipher-then-hash outbound and
 * hash-then-cipher inbound, so the ICV always covers the ciphertext.
 */
#include <errno.h>
#include <string.h>

#include "ipsec_mb.h"

#define MB_BURST IMB_MAX_BURST_SIZE

/* Per-job scratch: the ICV computed of an inbound packet. */
struct mb_scratch {
	uint8_t icv[CRYPTO_ICV_MAX];
};

struct mb_lcore {
	IMB_MGR *mgr;
	struct gcm_context_data gcm_ctx; /* scratch of the direct GCM calls */
	struct mb_scratch scr[MB_BURST] __attribute__((aligned(CRYPTO_CACHE_LINE)));
};

static bool
op_valid(const struct crypto_op *op)
{
	const struct mb_sess *s = op->sess;

	return op_ptrs_ok(op) && s->h.magic == MB_MAGIC && op_lengths_ok(&s->h, op);
}

static void
fill_cbc(IMB_JOB *job, const struct mb_sess *s, const struct crypto_op *op)
{
	job->enc_keys = s->k.cbc.enc;
	job->dec_keys = s->k.cbc.dec;
	job->iv = op->iv;
	job->iv_len_in_bytes = 16;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->auth_len;
	job->u.HMAC._hashed_auth_key_xor_ipad = s->k.cbc.ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = s->k.cbc.opad;
}

/* Job slots are reused across calls: every field the library reads is set. */
static void
fill(IMB_JOB *job, struct crypto_op *op, struct mb_scratch *scr)
{
	const struct mb_sess *s = op->sess;

	job->cipher_mode = s->cipher_mode;
	job->hash_alg = s->hash_alg;
	job->key_len_in_bytes = s->h.key_len;
	job->src = op->buf;
	job->dst = op->buf + op->cipher_off;
	job->cipher_start_src_offset_in_bytes = op->cipher_off;
	job->msg_len_to_cipher_in_bytes = op->cipher_len;
	job->auth_tag_output_len_in_bytes = s->h.icv_len;
	if (op->encrypt) {
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_CIPHER_HASH;
		job->auth_tag_output = op->icv;
	} else {
		job->cipher_direction = IMB_DIR_DECRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
		job->auth_tag_output = scr->icv;
	}
	job->user_data = op;
	fill_cbc(job, s, op);
}

/*
 * One AES-GCM op, in place; 1 if CRYPTO_OK. RFC 4106 s4: the nonce is the
 * salt (from the SA) followed by the explicit IV (from the packet).
 * Inbound, the plaintext is written before the tag is known to match:
 * crypto.h leaves the buffer unspecified on CRYPTO_AUTH_FAILED.
 */
static unsigned
run_gcm(struct mb_lcore *lc, struct crypto_op *op)
{
	const struct mb_sess *s = op->sess;
	uint8_t nonce[IMB_GCM_IV_DATA_LEN];
	uint8_t tag[CRYPTO_ICV_MAX];
	uint8_t *data = op->buf + op->cipher_off;
	IMB_MGR *m = lc->mgr;

	memcpy(nonce, s->salt, CRYPTO_SALT_LEN);
	memcpy(nonce + CRYPTO_SALT_LEN, op->iv, sizeof(nonce) - CRYPTO_SALT_LEN);
	if (op->encrypt) {
		if (s->h.key_len == 16)
			IMB_AES128_GCM_ENC(m, &s->k.gcm, &lc->gcm_ctx, data, data, op->cipher_len,
					   nonce, op->aad, op->aad_len, op->icv, s->h.icv_len);
		else
			IMB_AES256_GCM_ENC(m, &s->k.gcm, &lc->gcm_ctx, data, data, op->cipher_len,
					   nonce, op->aad, op->aad_len, op->icv, s->h.icv_len);
		op->status = CRYPTO_OK;
		return 1;
	}
	if (s->h.key_len == 16)
		IMB_AES128_GCM_DEC(m, &s->k.gcm, &lc->gcm_ctx, data, data, op->cipher_len, nonce,
				   op->aad, op->aad_len, tag, s->h.icv_len);
	else
		IMB_AES256_GCM_DEC(m, &s->k.gcm, &lc->gcm_ctx, data, data, op->cipher_len, nonce,
				   op->aad, op->aad_len, tag, s->h.icv_len);
	if (!icv_equal(tag, op->icv, s->h.icv_len)) {
		op->status = CRYPTO_AUTH_FAILED;
		return 0;
	}
	op->status = CRYPTO_OK;
	return 1;
}

/* A job came back: set its op's status; 1 if CRYPTO_OK. */
static unsigned
finish(const IMB_JOB *job)
{
	struct crypto_op *op = job->user_data;

	if (unlikely(job->status != IMB_STATUS_COMPLETED)) {
		op->status = CRYPTO_ERROR;
		return 0;
	}
	if (!op->encrypt && !icv_equal(job->auth_tag_output, op->icv,
				       (unsigned)job->auth_tag_output_len_in_bytes)) {
		op->status = CRYPTO_AUTH_FAILED;
		return 0;
	}
	op->status = CRYPTO_OK;
	return 1;
}

/*
 * Every op starts as CRYPTO_ERROR and only a returned job overwrites it,
 * so no path can leave a stale status. The manager hands jobs back in
 * submission order, some at submit, the rest when flushed; a job it
 * refuses comes back at once as IMB_STATUS_INVALID_ARGS.
 */
static uint16_t
run_chunk(struct mb_lcore *lc, struct crypto_op *ops, uint16_t n)
{
	IMB_MGR *m = lc->mgr;
	IMB_JOB *job;
	unsigned ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct mb_sess *s = ops[i].sess;

		ops[i].status = CRYPTO_ERROR;
		if (unlikely(!op_valid(&ops[i])))
			continue;
		if (s->h.cipher == CRYPTO_CIPHER_AES_GCM16) {
			ok += run_gcm(lc, &ops[i]);
			continue;
		}
		fill(IMB_GET_NEXT_JOB(m), &ops[i], &lc->scr[i]);
		for (job = IMB_SUBMIT_JOB(m); job != NULL; job = IMB_GET_COMPLETED_JOB(m))
			ok += finish(job);
	}
	while ((job = IMB_FLUSH_JOB(m)) != NULL)
		for (; job != NULL; job = IMB_GET_COMPLETED_JOB(m))
			ok += finish(job);
	return (uint16_t)ok;
}

static uint16_t
mb_process(void *priv, struct crypto_op *ops, uint16_t n)
{
	struct mb_lcore *lc = priv;
	uint16_t i, k, ok = 0;

	for (i = 0; i < n; i += k) {
		k = n - i < MB_BURST ? n - i : MB_BURST;
		ok += run_chunk(lc, ops + i, k);
	}
	return ok;
}

/*
 * Every manager must pick the arch the session keys were built for: the
 * GHASH tables in struct gcm_key_data are laid out per arch.
 */
static int
mb_lcore_init(void *priv, int socket_id)
{
	struct mb_lcore *lc = priv;
	IMB_ARCH key_arch, arch;
	int rc;

	(void)socket_id;
	rc = crypto_mb_key_arch(&key_arch);
	if (rc != 0)
		return rc;
	lc->mgr = alloc_mb_mgr(0);
	if (lc->mgr == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(lc->mgr, &arch);
	if (imb_get_errno(lc->mgr) != 0 || arch != key_arch) {
		free_mb_mgr(lc->mgr);
		lc->mgr = NULL;
		return -ENOTSUP;
	}
	return 0;
}

static void
mb_lcore_fini(void *priv)
{
	struct mb_lcore *lc = priv;

	free_mb_mgr(lc->mgr);
	lc->mgr = NULL;
}

const struct crypto_engine crypto_engine_ipsec_mb = {
	.name = "ipsec_mb",
	.sess_size = sizeof(struct mb_sess),
	.lcore_size = sizeof(struct mb_lcore),
	.describe = crypto_mb_describe,
	.sess_init = crypto_mb_sess_init,
	.hot_lines = crypto_mb_hot_lines,
	.lcore_init = mb_lcore_init,
	.lcore_fini = mb_lcore_fini,
	.process = mb_process,
};
