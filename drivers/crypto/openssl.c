/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSL 3 engine: the independent second implementation that checks
 * the first. It shares no code with intel-ipsec-mb (no key schedules, no
 * HMAC precomputes): a session keeps the raw keys, and each op keys a
 * per-lcore EVP context that was bound to its algorithm once, at lcore
 * creation. Ops run one at a time, in order; correctness over speed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "engine.h"

#define OSSL_MAGIC 0x6c73736fu /* "ossl" */

struct ossl_sess {
	struct sess_hdr h;
	uint8_t salt[CRYPTO_SALT_LEN];
	uint8_t ikey_len;
	uint8_t ckey[CRYPTO_KEY_MAX];
	uint8_t ikey[CRYPTO_IKEY_MAX];
} __attribute__((aligned(CRYPTO_CACHE_LINE))); /* sizes stay 64-multiples */

/* Context slots: cipher by (mode, key size), MAC by digest. */
enum { C_CBC128, C_CBC256, C_GCM128, C_GCM256, C_N };
enum { M_SHA1, M_SHA256, M_N };

static const char *const cipher_names[C_N] = {
	"AES-128-CBC",
	"AES-256-CBC",
	"AES-128-GCM",
	"AES-256-GCM",
};
static const char *const digest_names[M_N] = { "SHA1", "SHA256" };

struct ossl_lcore {
	EVP_CIPHER_CTX *cctx[C_N];
	EVP_MAC_CTX *mctx[M_N];
};

static unsigned
cipher_slot(const struct sess_hdr *h)
{
	return (h->cipher == CRYPTO_CIPHER_AES_GCM16 ? C_GCM128 : C_CBC128) + (h->key_len == 32);
}

static bool
cbc_crypt(EVP_CIPHER_CTX *c, const struct ossl_sess *s, const struct crypto_op *op)
{
	uint8_t *p = op->buf + op->cipher_off;
	int len = 0, fin = 0;

	/* ESP pads itself (RFC 4303 s2.4): no PKCS#7 padding here. */
	return EVP_CipherInit_ex2(c, NULL, s->ckey, op->iv, op->encrypt, NULL) == 1 &&
	       EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	       EVP_CipherUpdate(c, p, &len, p, (int)op->cipher_len) == 1 &&
	       EVP_CipherFinal_ex(c, p + len, &fin) == 1 && (uint32_t)(len + fin) == op->cipher_len;
}

static bool
hmac(EVP_MAC_CTX *m, const struct ossl_sess *s, const struct crypto_op *op, uint8_t *out,
     size_t out_size)
{
	size_t len = 0;

	return EVP_MAC_init(m, s->ikey, s->ikey_len, NULL) == 1 &&
	       EVP_MAC_update(m, op->buf, op->auth_len) == 1 &&
	       EVP_MAC_final(m, out, &len, out_size) == 1 && len >= s->h.icv_len;
}

/* RFC 3602 + RFC 2404/4868: encrypt then MAC; verify MAC then decrypt. */
static enum crypto_status
cbc_op(struct ossl_lcore *lc, const struct ossl_sess *s, const struct crypto_op *op)
{
	EVP_CIPHER_CTX *c = lc->cctx[cipher_slot(&s->h)];
	EVP_MAC_CTX *m = lc->mctx[s->h.integ == CRYPTO_INTEG_HMAC_SHA1_96 ? M_SHA1 : M_SHA256];
	uint8_t tag[EVP_MAX_MD_SIZE];

	if (op->encrypt) {
		if (!cbc_crypt(c, s, op) || !hmac(m, s, op, tag, sizeof(tag)))
			return CRYPTO_ERROR;
		memcpy(op->icv, tag, s->h.icv_len);
		return CRYPTO_OK;
	}
	if (!hmac(m, s, op, tag, sizeof(tag)))
		return CRYPTO_ERROR;
	if (CRYPTO_memcmp(tag, op->icv, s->h.icv_len) != 0)
		return CRYPTO_AUTH_FAILED;
	return cbc_crypt(c, s, op) ? CRYPTO_OK : CRYPTO_ERROR;
}

static bool
gcm_start(EVP_CIPHER_CTX *c, const struct ossl_sess *s, const struct crypto_op *op)
{
	uint8_t nonce[CRYPTO_SALT_LEN + 8];
	int len = 0;

	/* RFC 4106 s4: nonce = salt | explicit IV */
	memcpy(nonce, s->salt, CRYPTO_SALT_LEN);
	memcpy(nonce + CRYPTO_SALT_LEN, op->iv, 8);
	if (EVP_CipherInit_ex2(c, NULL, s->ckey, nonce, op->encrypt, NULL) != 1)
		return false;
	return op->aad_len == 0 || EVP_CipherUpdate(c, NULL, &len, op->aad, op->aad_len) == 1;
}

static enum crypto_status
gcm_op(struct ossl_lcore *lc, const struct ossl_sess *s, const struct crypto_op *op)
{
	EVP_CIPHER_CTX *c = lc->cctx[cipher_slot(&s->h)];
	uint8_t *p = op->buf + op->cipher_off;
	int len = 0, fin = 0;

	if (!gcm_start(c, s, op))
		return CRYPTO_ERROR;
	if (op->cipher_len != 0 && EVP_CipherUpdate(c, p, &len, p, (int)op->cipher_len) != 1)
		return CRYPTO_ERROR;
	if (!op->encrypt) {
		if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, op->icv) != 1)
			return CRYPTO_ERROR;
		/* The final call compares the tag (in constant time). */
		return EVP_CipherFinal_ex(c, p + len, &fin) == 1 ? CRYPTO_OK : CRYPTO_AUTH_FAILED;
	}
	if (EVP_CipherFinal_ex(c, p + len, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, op->icv) != 1)
		return CRYPTO_ERROR;
	return CRYPTO_OK;
}

static uint16_t
ossl_process(void *priv, struct crypto_op *ops, uint16_t n)
{
	struct ossl_lcore *lc = priv;
	uint16_t i, ok = 0;

	for (i = 0; i < n; i++) {
		struct crypto_op *op = &ops[i];
		const struct ossl_sess *s = op->sess;

		if (!op_ptrs_ok(op) || s->h.magic != OSSL_MAGIC || !op_lengths_ok(&s->h, op))
			op->status = CRYPTO_ERROR;
		else if (s->h.cipher == CRYPTO_CIPHER_AES_CBC)
			op->status = cbc_op(lc, s, op);
		else
			op->status = gcm_op(lc, s, op);
		ok += op->status == CRYPTO_OK;
	}
	return ok;
}

static int
ossl_sess_init(void *sess, const struct crypto_keys *k)
{
	struct ossl_sess *s = sess;

	memcpy(s->ckey, k->cipher_key, k->cipher_key_len);
	if (k->cipher == CRYPTO_CIPHER_AES_CBC) {
		memcpy(s->ikey, k->integ_key, k->integ_key_len);
		s->ikey_len = k->integ_key_len;
	} else {
		memcpy(s->salt, k->salt, CRYPTO_SALT_LEN);
	}
	s->h.magic = OSSL_MAGIC;
	return 0;
}

static EVP_CIPHER_CTX *
cipher_ctx(const char *name)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	EVP_CIPHER_CTX *c = cipher != NULL ? EVP_CIPHER_CTX_new() : NULL;

	/* Bind the algorithm now; per op only key, IV and direction change. */
	if (c != NULL && EVP_CipherInit_ex2(c, cipher, NULL, NULL, 1, NULL) != 1) {
		EVP_CIPHER_CTX_free(c);
		c = NULL;
	}
	EVP_CIPHER_free(cipher); /* the context holds its own reference */
	return c;
}

static EVP_MAC_CTX *
mac_ctx(const char *digest)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *m = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (m != NULL && EVP_MAC_CTX_set_params(m, params) != 1) {
		EVP_MAC_CTX_free(m);
		m = NULL;
	}
	EVP_MAC_free(mac);
	return m;
}

static void
ossl_lcore_fini(void *priv)
{
	struct ossl_lcore *lc = priv;
	unsigned i;

	/* The contexts hold keys of the last op; the free cleanses them. */
	for (i = 0; i < C_N; i++)
		EVP_CIPHER_CTX_free(lc->cctx[i]);
	for (i = 0; i < M_N; i++)
		EVP_MAC_CTX_free(lc->mctx[i]);
	memset(lc, 0, sizeof(*lc));
}

static int
ossl_lcore_init(void *priv, int socket_id)
{
	struct ossl_lcore *lc = priv;
	unsigned i;

	(void)socket_id;
	for (i = 0; i < C_N; i++)
		if ((lc->cctx[i] = cipher_ctx(cipher_names[i])) == NULL)
			goto fail;
	for (i = 0; i < M_N; i++)
		if ((lc->mctx[i] = mac_ctx(digest_names[i])) == NULL)
			goto fail;
	return 0;
fail:
	ossl_lcore_fini(lc);
	return -ENOMEM;
}

static struct {
	pthread_once_t once;
	char text[64];
} desc = { .once = PTHREAD_ONCE_INIT };

static void
describe_setup(void)
{
	snprintf(desc.text, sizeof(desc.text), "OpenSSL %s",
		 OpenSSL_version(OPENSSL_VERSION_STRING));
}

static const char *
ossl_describe(void)
{
	pthread_once(&desc.once, describe_setup);
	return desc.text;
}

const struct crypto_engine crypto_engine_openssl = {
	.name = "openssl",
	.sess_size = sizeof(struct ossl_sess),
	.lcore_size = sizeof(struct ossl_lcore),
	.describe = ossl_describe,
	.sess_init = ossl_sess_init,
	.lcore_init = ossl_lcore_init,
	.lcore_fini = ossl_lcore_fini,
	.process = ossl_process,
};
