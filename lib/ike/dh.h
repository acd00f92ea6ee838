/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diffie-Hellman (RFC 2409 s6.2 group 2, RFC 3526 groups 5, 14 and 15),
 * ECDH (RFC 5903 groups 19, 20 and 21) and Curve25519 (RFC 8031 group 31)
 * through OpenSSL 3 EVP.
 *
 * Wire forms: MODP public values are big-endian, left-padded to the prime's
 * length; ECP public values are x | y, each padded to the field size (RFC
 * 5903 s7); Curve25519 the 32-byte u-coordinate (RFC 7748). Shared
 * secrets: MODP g^xy padded to the prime length; ECP the x coordinate only
 * (RFC 5903 s9); Curve25519 the 32-byte X25519 output, never all zeros
 * (RFC 8031 s2.3).
 */
#ifndef IKE_DH_H
#define IKE_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike.h"

#define DH_PUB_MAX    384 /* MODP 3072 */
#define DH_SECRET_MAX 384

struct dh_key;

/* Public value / shared secret length of a group; 0 if unsupported. */
size_t ike_dh_pub_len(enum ike_dh g);
size_t ike_dh_secret_len(enum ike_dh g);

/* Generate a key pair for group g; NULL on failure or unknown group. */
struct dh_key *ike_dh_new(enum ike_dh g);

/* Our public value in wire form into out (ike_dh_pub_len bytes). */
bool ike_dh_public(const struct dh_key *k, uint8_t *out, size_t len)
	__attribute__((warn_unused_result));

/*
 * Check the peer's public value (length, range, on-curve) and compute the
 * shared secret into secret (ike_dh_secret_len bytes). false: invalid peer
 * value or library failure.
 */
bool ike_dh_derive(const struct dh_key *k, const uint8_t *peer, size_t len, uint8_t *secret,
		   size_t secret_len) __attribute__((warn_unused_result));

enum ike_dh ike_dh_group(const struct dh_key *k);
void ike_dh_free(struct dh_key *k);

#endif /* IKE_DH_H */
