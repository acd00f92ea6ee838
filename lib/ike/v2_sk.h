/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 Encrypted payload (RFC 7296 s3.14): AES-CBC with an HMAC
 * checksum over the whole message (encrypt, then MAC), or AES-GCM with
 * the header up to the SK payload's generic header as associated data
 * (RFC 5282). Protection works in place on the message buffer.
 *
 * Layout, from the start of the message: the IKE header and any payloads
 * before SK; SK's 4-byte generic header at sk_off; then the IV
 * (ike_v2_sk_iv_len()), the payloads to protect, padding, the pad length
 * octet, and the checksum (icv_len).
 */
#ifndef IKE_V2_SK_H
#define IKE_V2_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdf.h"

/* One direction's protection: SK_ei and SK_ai, or SK_er and SK_ar. */
struct ike_v2_sk {
	bool gcm;                 /* AES-GCM-16 (RFC 5282), else AES-CBC + HMAC */
	size_t key_len;           /* AES key: 16 or 32 */
	const uint8_t *key;       /* the key, then with GCM the 4-byte salt */
	enum ike_hash integ;      /* CBC: the HMAC's hash */
	const uint8_t *integ_key; /* CBC: SK_ax */
	size_t integ_key_len;
	size_t icv_len; /* 12 (HMAC-SHA1-96), 16 (HMAC-SHA2-256-128, GCM) */
};

size_t ike_v2_sk_iv_len(const struct ike_v2_sk *sk);

/* Room after the payloads for padding, the pad length and the checksum. */
size_t ike_v2_sk_trailer_max(const struct ike_v2_sk *sk);

/*
 * msg holds the header, SK's generic header at sk_off (its next-payload
 * field set) and plain_len bytes of payloads after the IV's room. Pads,
 * sets the SK payload's and the header's lengths, draws the IV, encrypts
 * and appends the checksum. *msg_len gets the message's length.
 * @return false if it does not fit in cap or the crypto library fails.
 */
bool ike_v2_sk_seal(const struct ike_v2_sk *sk, uint8_t *msg, size_t cap, size_t sk_off,
		    size_t plain_len, size_t *msg_len) __attribute__((warn_unused_result));

/*
 * Check and decrypt the SK payload at sk_off, which runs to the end of the
 * msg_len-byte message (the codec made sure). The checksum is checked
 * before anything is decrypted. On success the payloads are at
 * msg + *plain_off, *plain_len bytes.
 * @return false: a wrong checksum, or a length or padding that cannot be.
 */
bool ike_v2_sk_open(const struct ike_v2_sk *sk, uint8_t *msg, size_t msg_len, size_t sk_off,
		    size_t *plain_off, size_t *plain_len) __attribute__((warn_unused_result));

#endif /* IKE_V2_SK_H */
