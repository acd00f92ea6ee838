/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP transforms and keys: what an engine builds a session from
 * (crypto_session_init() in crypto.h), and what IKE derives.
 *
 * Types only, no engine: lib/ike uses this header alone, through
 * crypto_key_dep (header-only: no intel-ipsec-mb, no DPDK).
 */
#ifndef ESPHUB_CRYPTO_KEY_H
#define ESPHUB_CRYPTO_KEY_H

#include <stdint.h>

/** ESP encryption transforms. */
enum crypto_cipher {
	CRYPTO_CIPHER_AES_CBC,   /**< RFC 3602; 16-byte IV in the packet */
	CRYPTO_CIPHER_AES_GCM16, /**< RFC 4106; 8-byte IV, 16-byte ICV, 4-byte salt */
	CRYPTO_CIPHER_N
};

/** ESP integrity transforms (CRYPTO_INTEG_NONE with AES-GCM only). */
enum crypto_integ {
	CRYPTO_INTEG_NONE,
	CRYPTO_INTEG_HMAC_SHA1_96,    /**< RFC 2404: 20-byte key, 12-byte ICV */
	CRYPTO_INTEG_HMAC_SHA256_128, /**< RFC 4868: 32-byte key, 16-byte ICV */
	CRYPTO_INTEG_N
};

#define CRYPTO_KEY_MAX  32 /**< AES-256 */
#define CRYPTO_IKEY_MAX 32 /**< HMAC-SHA2-256 */
#define CRYPTO_SALT_LEN 4

/** Everything an engine needs to build a session for one SA direction. */
struct crypto_keys {
	enum crypto_cipher cipher;
	enum crypto_integ integ;
	uint8_t cipher_key_len; /**< 16 or 32 */
	uint8_t integ_key_len;  /**< 20 (SHA1) or 32 (SHA256) */
	uint8_t cipher_key[CRYPTO_KEY_MAX];
	uint8_t integ_key[CRYPTO_IKEY_MAX];
	uint8_t salt[CRYPTO_SALT_LEN]; /**< GCM: last 4 KEYMAT bytes (RFC 4106 s8.1) */
};

#endif /* ESPHUB_CRYPTO_KEY_H */
