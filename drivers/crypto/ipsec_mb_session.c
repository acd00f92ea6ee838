/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * intel-ipsec-mb sessions: AES round keys (both directions), HMAC inner
 * and outer hash states, GCM key and GHASH tables, all computed once here
 * on the control core so that the data path only points jobs at them.
 *
 * Key expansion needs an IMB_MGR for its function pointers but none of
 * its state. One process-wide manager, set up once, serves that purpose;
 * after setup it is only read, so any thread may build sessions.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ipsec_mb.h"

#define HMAC_BLOCK 64 /* SHA-1 and SHA-256 block size */

static struct {
	pthread_once_t once;
	IMB_MGR *mgr;
	IMB_ARCH arch;
	int err;
	char desc[64];
} keymgr = { .once = PTHREAD_ONCE_INIT };

static const char *
arch_name(IMB_ARCH arch)
{
	switch (arch) {
	case IMB_ARCH_NOAESNI:
		return "no AES-NI";
	case IMB_ARCH_SSE:
		return "SSE";
	case IMB_ARCH_AVX:
		return "AVX";
	case IMB_ARCH_AVX2:
		return "AVX2";
	case IMB_ARCH_AVX512:
		return "AVX512";
	default:
		return "unknown";
	}
}

static void
keymgr_setup(void)
{
	keymgr.mgr = alloc_mb_mgr(0);
	if (keymgr.mgr == NULL) {
		keymgr.err = -ENOMEM;
		snprintf(keymgr.desc, sizeof(keymgr.desc), "intel-ipsec-mb %s (no memory)",
			 imb_get_version_str());
		return;
	}
	init_mb_mgr_auto(keymgr.mgr, &keymgr.arch);
	if (imb_get_errno(keymgr.mgr) != 0 || keymgr.arch == IMB_ARCH_NONE) {
		keymgr.err = -ENOTSUP;
		snprintf(keymgr.desc, sizeof(keymgr.desc), "intel-ipsec-mb %s (unsupported CPU)",
			 imb_get_version_str());
		return;
	}
	snprintf(keymgr.desc, sizeof(keymgr.desc), "intel-ipsec-mb %s (%s)", imb_get_version_str(),
		 arch_name(keymgr.arch));
}

static IMB_MGR *
keymgr_get(int *err)
{
	pthread_once(&keymgr.once, keymgr_setup);
	*err = keymgr.err;
	return keymgr.err == 0 ? keymgr.mgr : NULL;
}

int
crypto_mb_key_arch(IMB_ARCH *arch)
{
	int err;

	if (keymgr_get(&err) != NULL)
		*arch = keymgr.arch;
	return err;
}

const char *
crypto_mb_describe(void)
{
	int err;

	(void)keymgr_get(&err);
	return keymgr.desc;
}

/* One SHA block of key ^ pad (RFC 2104 s2); keys here are <= 64 bytes. */
static void
hmac_half(IMB_MGR *m, uint8_t hash_alg, const uint8_t *key, unsigned len, uint8_t pad,
	  uint8_t *state)
{
	uint8_t block[HMAC_BLOCK];
	unsigned i;

	memset(block, pad, sizeof(block));
	for (i = 0; i < len; i++)
		block[i] ^= key[i];
	if (hash_alg == IMB_AUTH_HMAC_SHA_1)
		IMB_SHA1_ONE_BLOCK(m, block, state);
	else
		IMB_SHA256_ONE_BLOCK(m, block, state);
	explicit_bzero(block, sizeof(block));
}

static void
cbc_init(IMB_MGR *m, struct mb_sess *s, const struct crypto_keys *k)
{
	struct mb_cbc_keys *ck = &s->k.cbc;

	if (k->cipher_key_len == 16)
		IMB_AES_KEYEXP_128(m, k->cipher_key, ck->enc, ck->dec);
	else
		IMB_AES_KEYEXP_256(m, k->cipher_key, ck->enc, ck->dec);
	s->cipher_mode = IMB_CIPHER_CBC;
	s->hash_alg =
		k->integ == CRYPTO_INTEG_HMAC_SHA1_96 ? IMB_AUTH_HMAC_SHA_1 : IMB_AUTH_HMAC_SHA_256;
	hmac_half(m, s->hash_alg, k->integ_key, k->integ_key_len, 0x36, ck->ipad);
	hmac_half(m, s->hash_alg, k->integ_key, k->integ_key_len, 0x5c, ck->opad);
}

static void
gcm_init(IMB_MGR *m, struct mb_sess *s, const struct crypto_keys *k)
{
	if (k->cipher_key_len == 16)
		IMB_AES128_GCM_PRE(m, k->cipher_key, &s->k.gcm);
	else
		IMB_AES256_GCM_PRE(m, k->cipher_key, &s->k.gcm);
	s->cipher_mode = IMB_CIPHER_GCM;
	s->hash_alg = IMB_AUTH_AES_GMAC;
	memcpy(s->salt, k->salt, CRYPTO_SALT_LEN);
}

int
crypto_mb_sess_init(void *sess, const struct crypto_keys *k)
{
	struct mb_sess *s = sess;
	IMB_MGR *m;
	int err;

	m = keymgr_get(&err);
	if (m == NULL)
		return err;
	if (k->cipher == CRYPTO_CIPHER_AES_CBC)
		cbc_init(m, s, k);
	else
		gcm_init(m, s, k);
	s->h.magic = MB_MAGIC;
	return 0;
}

/*
 * The GCM code path in use keeps its hash-key powers in a 48-entry table,
 * HashKey^48 first and HashKey^1 last (VAES), or in a table of eight (the
 * others). An op on n blocks multiplies by at most the n + 1 lowest
 * (the AAD block adds one).
 */
static bool
gcm_keys_vaes(void)
{
	const uint64_t vaes = IMB_FEATURE_VAES | IMB_FEATURE_VPCLMULQDQ;

	return keymgr.arch == IMB_ARCH_AVX512 && (keymgr.mgr->features & vaes) == vaes;
}

/*
 * What an op reads: the header line, the round keys of its direction,
 * and the MAC state (HMAC: the inner and outer hash states; GCM: the
 * hash-key powers an op of that length uses).
 */
uint32_t
crypto_mb_hot_lines(const void *sess, int encrypt, uint32_t len)
{
	const struct mb_sess *s = sess;
	const size_t k = offsetof(struct mb_sess, k);
	const size_t round_keys = (s->h.key_len == 16 ? 11 : 15) * 16;
	uint32_t lines = lines_of(0, 1);
	int err;

	if (s->h.cipher == CRYPTO_CIPHER_AES_CBC) {
		lines |= lines_of(k + (encrypt ? offsetof(struct mb_cbc_keys, enc) :
						 offsetof(struct mb_cbc_keys, dec)),
				  round_keys);
		return lines | lines_of(k + offsetof(struct mb_cbc_keys, ipad),
					offsetof(struct mb_cbc_keys, opad) + MB_SHA_STATE -
						offsetof(struct mb_cbc_keys, ipad));
	}
	lines |= lines_of(k + offsetof(struct gcm_key_data, expanded_keys), round_keys);
	if (keymgr_get(&err) == NULL)
		return lines;
	if (gcm_keys_vaes()) {
		uint32_t powers = len / 16 + 2 < 48 ? len / 16 + 2 : 48;

		return lines |
		       lines_of(k + offsetof(struct gcm_key_data, ghash_keys) + (48 - powers) * 16,
				powers * 16);
	}
	if (keymgr.arch == IMB_ARCH_AVX2 || keymgr.arch == IMB_ARCH_AVX512)
		return lines | lines_of(k + offsetof(struct gcm_key_data, ghash_keys),
					sizeof(((struct gcm_key_data *)0)->ghash_keys.avx2_avx512));
	return lines | lines_of(k + offsetof(struct gcm_key_data, ghash_keys),
				sizeof(((struct gcm_key_data *)0)->ghash_keys.sse_avx));
}
