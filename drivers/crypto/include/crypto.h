/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP crypto engines: one interface, several engines.
 *
 * An engine turns a batch of ESP crypto operations into finished ones,
 * synchronously: when crypto_process() returns, every op of the batch is
 * done and has its status. Engines:
 *   "ipsec_mb"  intel-ipsec-mb multi-buffer manager (default, fast path)
 *   "openssl"   OpenSSL 3 EVP (independent second engine, cross-checks)
 *
 * Threads: sessions are built and cleared on the control core; a built
 * session is read-only and may be used by any number of lcores at once.
 * A crypto_lcore belongs to exactly one lcore.
 */
#ifndef ESPHUB_CRYPTO_H
#define ESPHUB_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto_key.h"

#define CRYPTO_ICV_MAX 16
#define CRYPTO_AAD_MAX 32    /**< GCM AAD bytes accepted (ESP uses 8 or 12) */
#define CRYPTO_BUF_MAX 65535 /**< longest range an op may cover (an IP packet) */

/** Status of one op after crypto_process(). */
enum crypto_status {
	CRYPTO_OK = 0,
	CRYPTO_AUTH_FAILED, /**< ICV mismatch (inbound); the plaintext is not to be used */
	CRYPTO_ERROR,       /**< bad lengths or engine failure */
};

/**
 * One ESP crypto operation on a contiguous buffer.
 *
 * Outbound (encrypt = 1): the cipher range is encrypted in place, then the
 * ICV is computed and written to icv (CBC+HMAC: HMAC over buf[0, auth_len)
 * after encryption; GCM: the tag over aad and the ciphertext).
 * Inbound (encrypt = 0): the ICV is computed first and compared in constant
 * time with icv; then the cipher range is decrypted in place. On mismatch
 * status is CRYPTO_AUTH_FAILED and the buffer content is unspecified.
 *
 * Lengths are checked before any work: a CBC cipher_len that is 0 or not a
 * multiple of 16, a CBC cipher range reaching past auth_len (ciphertext the
 * ICV would not cover), a range past CRYPTO_BUF_MAX, a GCM aad_len above
 * CRYPTO_AAD_MAX, or a NULL sess/buf/iv/icv give CRYPTO_ERROR for that op
 * only.
 *
 * ESN (RFC 4303 s2.2.1): the caller makes the covered bytes contiguous.
 * CBC+HMAC: it writes the high 32 bits of the sequence number right after
 * the ciphertext and counts them in auth_len (so icv must then point to a
 * copy of the received ICV). GCM: it passes the 12-byte AAD.
 */
struct crypto_op {
	const void *sess;    /**< built by crypto_session_init() */
	uint8_t *buf;        /**< the ESP header; authenticated region starts here */
	const uint8_t *iv;   /**< CBC: 16 bytes; GCM: the 8-byte explicit IV */
	const uint8_t *aad;  /**< GCM: SPI|[SeqHi|]SeqLo */
	uint8_t *icv;        /**< written (outbound) or compared (inbound) */
	uint32_t auth_len;   /**< CBC+HMAC: bytes of buf covered by the ICV */
	uint32_t cipher_off; /**< from buf to the first byte to en/decrypt */
	uint32_t cipher_len; /**< CBC: a multiple of 16 */
	uint8_t aad_len;     /**< GCM: 8, or 12 with ESN (0..CRYPTO_AAD_MAX) */
	uint8_t encrypt;     /**< 1 outbound, 0 inbound */
	uint8_t status;      /**< out: enum crypto_status */
	uint8_t pad_;
};

struct crypto_engine;
struct crypto_lcore;

/** Engine by name ("ipsec_mb", "openssl"), or NULL if unknown. */
const struct crypto_engine *crypto_engine_find(const char *name);

/** The engine's name, as given to crypto_engine_find(). */
const char *crypto_engine_name(const struct crypto_engine *e);

/** Human-readable description: library version, code path (e.g. "AVX512"). */
const char *crypto_engine_describe(const struct crypto_engine *e);

/** Bytes of session memory the caller provides (64-byte aligned). */
size_t crypto_session_size(const struct crypto_engine *e);

/**
 * Build a session from keys into caller memory. Control core.
 * @return 0, or -EINVAL for an unsupported cipher/integ/key length
 *   combination, -ENOTSUP if the engine cannot run on this CPU, -ENOMEM
 *   if the engine's one-time setup could not allocate.
 */
int crypto_session_init(const struct crypto_engine *e, void *sess, const struct crypto_keys *keys)
	__attribute__((warn_unused_result));

/** Wipe a session's key material. Control core, after no lcore uses it. */
void crypto_session_clear(const struct crypto_engine *e, void *sess);

/** ICV length of a session's SA in bytes. */
unsigned crypto_session_icv_len(const struct crypto_engine *e, const void *sess);

/**
 * The session's cache lines an op on up to len bytes reads, as a bitmap
 * (bit l: bytes [64 l, 64 l + 64) of the session), for callers that
 * prefetch them ahead of crypto_process() when there are too many SAs to
 * stay cached. Longer ops may read more (GCM: higher hash-key powers).
 * Stable for the session's life.
 */
uint32_t crypto_session_hot_lines(const struct crypto_engine *e, const void *sess, int encrypt,
				  uint32_t len);

/**
 * Per-lcore engine state (e.g. an IMB_MGR). NULL on allocation failure.
 * socket_id is advisory (memory comes from the C heap; no EAL needed).
 */
struct crypto_lcore *crypto_lcore_create(const struct crypto_engine *e, int socket_id);
void crypto_lcore_destroy(struct crypto_lcore *lc);

/**
 * Run n ops to completion on the calling lcore; ops may mix sessions and
 * directions. Each op's status is set; a bad op never affects the others.
 * No allocation, no system call, no logging.
 * @return the number of ops whose status is CRYPTO_OK.
 */
uint16_t crypto_process(struct crypto_lcore *lc, struct crypto_op *ops, uint16_t n);

#endif /* ESPHUB_CRYPTO_H */
