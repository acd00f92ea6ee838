/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to drivers/crypto: what an engine provides to crypto.c, and the
 * rules every engine applies in the same way, so that two engines given
 * the same ops fail the same ops with the same status.
 */
#ifndef ESPHUB_CRYPTO_ENGINE_H
#define ESPHUB_CRYPTO_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define CRYPTO_CACHE_LINE 64

/*
 * Every session starts with this header. Sessions are plain bytes in
 * caller memory (no pointers, nothing to free), so clearing one is a wipe
 * and a built session may be read by any lcore. magic names the engine
 * that built it; a wiped session has magic 0 and fails every op.
 */
struct sess_hdr {
	uint32_t magic;
	uint8_t cipher;  /* enum crypto_cipher */
	uint8_t integ;   /* enum crypto_integ */
	uint8_t key_len; /* AES key bytes: 16 or 32 */
	uint8_t icv_len;
};

/* Bit l set for every 64-byte line of bytes [off, off + len). */
static inline uint32_t
lines_of(size_t off, size_t len)
{
	size_t first = off / CRYPTO_CACHE_LINE;
	size_t last = (off + len - 1) / CRYPTO_CACHE_LINE;

	return len == 0 || last >= 32 ? 0 :
					(uint32_t)((UINT64_C(2) << last) - (UINT64_C(1) << first));
}

/*
 * Engine ops. keys handed to sess_init are already checked by crypto.c
 * (keys_check); priv is the engine's per-lcore area, lcore_size bytes,
 * 64-byte aligned and zeroed.
 */
struct crypto_engine {
	const char *name;
	size_t sess_size;
	size_t lcore_size;
	const char *(*describe)(void);
	int (*sess_init)(void *sess, const struct crypto_keys *k);
	/* NULL: the first 8 lines */
	uint32_t (*hot_lines)(const void *sess, int encrypt, uint32_t len);
	int (*lcore_init)(void *priv, int socket_id);
	void (*lcore_fini)(void *priv);
	uint16_t (*process)(void *priv, struct crypto_op *ops, uint16_t n);
};

extern const struct crypto_engine crypto_engine_ipsec_mb;
extern const struct crypto_engine crypto_engine_openssl;

/*
 * The length rules of crypto.h, applied before any op reaches a library.
 * No range may pass CRYPTO_BUF_MAX (no IP packet is longer; it also keeps
 * OpenSSL's int lengths safe). CBC: whole blocks, at least one (an ESP
 * trailer needs two bytes), and the ciphertext inside the ICV's coverage,
 * so that no caller mistake can leave decrypted bytes unauthenticated.
 * GCM: AAD bounded; the AAD pointer is only read when aad_len says so.
 */
static inline bool
op_lengths_ok(const struct sess_hdr *h, const struct crypto_op *op)
{
	if ((uint64_t)op->cipher_off + op->cipher_len > CRYPTO_BUF_MAX ||
	    op->auth_len > CRYPTO_BUF_MAX)
		return false;
	if (h->cipher == CRYPTO_CIPHER_AES_CBC)
		return op->cipher_len != 0 && (op->cipher_len & 15) == 0 &&
		       (uint64_t)op->cipher_off + op->cipher_len <= op->auth_len;
	return op->aad_len <= CRYPTO_AAD_MAX && (op->aad_len == 0 || op->aad != NULL);
}

/* Pointers every op needs, whatever the transform. */
static inline bool
op_ptrs_ok(const struct crypto_op *op)
{
	return op->sess != NULL && op->buf != NULL && op->iv != NULL && op->icv != NULL;
}

/*
 * Constant-time ICV compare: the time taken does not depend on where the
 * first difference is, so a forger learns nothing from it (RFC 4303 s3.4.4
 * leaves the method to us; timing is the classic leak). The differences
 * are gathered a word at a time in a register; the empty asm keeps the
 * compiler from turning the loop into an early exit. (A volatile byte
 * accumulator does the same at a store and a load per byte, which cost
 * more than the GCM of a 64-byte packet.)
 */
static inline bool
icv_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	uint64_t diff = 0, x, y;
	unsigned i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
		__asm__ volatile("" : "+r"(diff));
	}
	for (; i < len; i++) {
		diff |= (uint64_t)(a[i] ^ b[i]);
		__asm__ volatile("" : "+r"(diff));
	}
	return diff == 0;
}

#endif /* ESPHUB_CRYPTO_ENGINE_H */
