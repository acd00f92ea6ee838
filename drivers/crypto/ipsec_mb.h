/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the intel-ipsec-mb engine: the session layout shared by
 * ipsec_mb_session.c (builds it) and ipsec_mb.c (reads it per op).
 */
#ifndef ESPHUB_CRYPTO_IPSEC_MB_H
#define ESPHUB_CRYPTO_IPSEC_MB_H

#include <stddef.h>

#include <intel-ipsec-mb.h>

#include "engine.h"

#define MB_MAGIC 0x626d7069u /* "ipmb" */

#define MB_AES_ROUND_KEYS (16 * 15) /* AES-256: 15 round keys */
#define MB_SHA_STATE      32        /* SHA-256 state; SHA-1 uses 20 */

struct mb_cbc_keys {
	uint8_t enc[MB_AES_ROUND_KEYS] __attribute__((aligned(16)));
	uint8_t dec[MB_AES_ROUND_KEYS] __attribute__((aligned(16)));
	/* HMAC (RFC 2104): the hash state after one block of key^ipad/opad */
	uint8_t ipad[MB_SHA_STATE] __attribute__((aligned(16)));
	uint8_t opad[MB_SHA_STATE] __attribute__((aligned(16)));
};

/*
 * Everything the job needs, computed once by crypto_mb_sess_init(). The
 * key union follows the header at 16 bytes, not on a line of its own:
 * every op reads the header and the first round keys, and with AES-128
 * both then fit the session's first three lines, one line fewer per op.
 * 16 is what the library needs (it declares struct gcm_key_data aligned
 * only when LINUX is defined; its key loads are 16-byte aligned).
 */
struct mb_sess {
	struct sess_hdr h;
	uint8_t salt[CRYPTO_SALT_LEN];
	uint8_t cipher_mode; /* IMB_CIPHER_MODE */
	uint8_t hash_alg;    /* IMB_HASH_ALG */
	union {
		struct mb_cbc_keys cbc;
		struct gcm_key_data gcm;
	} k __attribute__((aligned(16)));
};

_Static_assert(offsetof(struct mb_sess, k) + 11 * 16 <= 3 * CRYPTO_CACHE_LINE,
	       "the header and the AES-128 round keys share the first three lines");

/* ipsec_mb_session.c */
int crypto_mb_sess_init(void *sess, const struct crypto_keys *k);
const char *crypto_mb_describe(void);
uint32_t crypto_mb_hot_lines(const void *sess, int encrypt, uint32_t len);
/* Arch the session keys were laid out for (GHASH tables differ per arch). */
int crypto_mb_key_arch(IMB_ARCH *arch);

#endif /* ESPHUB_CRYPTO_IPSEC_MB_H */
