/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 keying (RFC 7296 s2.13, s2.14, s2.15, s2.17, s2.18): prf+, the
 * seven keys of an IKE SA (from IKE_SA_INIT, or from the IKE SA a
 * CREATE_CHILD_SA rekeys), Child SA KEYMAT, and AUTH with a pre-shared
 * key. The PRFs are HMACs (ike_kdf_prf). Every intermediate secret is
 * wiped; the caller wipes what it gets (ike_v2_keys_wipe).
 */
#ifndef IKE_V2_KDF_H
#define IKE_V2_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdf.h"

#define IKE_V2_ENC_KEY_MAX 36 /* AES-256 + the 4-byte GCM salt (RFC 5282 s7.1) */

/* The keys of one IKE SA, in prf+ order. */
struct ike_v2_keys {
	enum ike_hash prf;
	size_t prf_len;   /* SK_d, SK_pi, SK_pr */
	size_t integ_len; /* SK_ai, SK_ar; 0 with an AEAD cipher */
	size_t enc_len;   /* SK_ei, SK_er, a GCM salt included */
	uint8_t sk_d[PRF_MAX];
	uint8_t sk_ai[PRF_MAX], sk_ar[PRF_MAX];
	uint8_t sk_ei[IKE_V2_ENC_KEY_MAX], sk_er[IKE_V2_ENC_KEY_MAX];
	uint8_t sk_pi[PRF_MAX], sk_pr[PRF_MAX];
};

/*
 * prf+ (K, S) = T1 | T2 | ..., T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 |
 * S | n): out_len bytes, at most 255 blocks of the PRF (s2.13).
 */
bool ike_v2_prf_plus(enum ike_hash h, const uint8_t *key, size_t klen, const struct chunk *s,
		     size_t n, uint8_t *out, size_t out_len) __attribute__((warn_unused_result));

/*
 * The keys of an IKE SA. From IKE_SA_INIT (old == NULL):
 * SKEYSEED = prf(Ni | Nr, g^ir) (s2.14); from the IKE SA `old` rekeyed by
 * CREATE_CHILD_SA: SKEYSEED = prf_old(SK_d old, g^ir | Ni | Nr) (s2.18),
 * the old SA's PRF. Then {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi |
 * SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) with the new PRF.
 */
bool ike_v2_ike_keys(enum ike_hash prf, const struct ike_v2_keys *old, const uint8_t *gir,
		     size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		     size_t nr_len, const uint8_t spii[8], const uint8_t spir[8], size_t integ_len,
		     size_t enc_len, struct ike_v2_keys *k) __attribute__((warn_unused_result));

/*
 * Child SA KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (s2.17); gir NULL
 * without PFS. The initiator-to-responder SA's keys come first.
 */
bool ike_v2_child_keymat(const struct ike_v2_keys *k, const uint8_t *gir, size_t gir_len,
			 const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			 uint8_t *out, size_t out_len) __attribute__((warn_unused_result));

/*
 * AUTH with a shared secret (s2.15): prf(prf(PSK, "Key Pad for IKEv2"),
 * <SignedOctets>), where SignedOctets = the sender's first message | the
 * other side's nonce | prf(SK_px, the sender's ID payload body). sk_p is
 * the sender's SK_pi or SK_pr; out gets the PRF's length.
 */
bool ike_v2_psk_auth(const struct ike_v2_keys *k, const uint8_t *sk_p, const uint8_t *psk,
		     size_t psk_len, const uint8_t *msg, size_t msg_len, const uint8_t *nonce,
		     size_t nonce_len, const uint8_t *id_body, size_t id_len, uint8_t *out)
	__attribute__((warn_unused_result));

void ike_v2_keys_wipe(struct ike_v2_keys *k);

#endif /* IKE_V2_KDF_H */
