/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <openssl/crypto.h>

#include "v2_kdf.h"

bool
ike_v2_prf_plus(enum ike_hash h, const uint8_t *key, size_t klen, const struct chunk *s, size_t n,
		uint8_t *out, size_t out_len)
{
	size_t blk_len = ike_kdf_hash_len(h), have = 0;
	struct chunk in[8];
	uint8_t t[PRF_MAX];
	uint8_t counter = 1;
	bool ok = true;

	if (blk_len == 0 || n + 2 > sizeof(in) / sizeof(in[0]) || out_len > 255 * blk_len)
		return false;
	while (have < out_len) {
		size_t m = 0, take = out_len - have;

		if (counter > 1)
			in[m++] = (struct chunk){ t, blk_len };
		for (size_t i = 0; i < n; i++)
			in[m++] = s[i];
		in[m++] = (struct chunk){ &counter, 1 };
		if (!ike_kdf_prf(h, key, klen, in, m, t)) {
			ok = false;
			break;
		}
		if (take > blk_len)
			take = blk_len;
		memcpy(out + have, t, take);
		have += take;
		counter++;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return ok;
}

bool
ike_v2_ike_keys(enum ike_hash prf, const struct ike_v2_keys *old, const uint8_t *gir,
		size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		const uint8_t spii[8], const uint8_t spir[8], size_t integ_len, size_t enc_len,
		struct ike_v2_keys *k)
{
	size_t prf_len = ike_kdf_hash_len(prf);
	uint8_t seed[PRF_MAX], nn[2 * 256], out[3 * PRF_MAX + 2 * PRF_MAX + 2 * IKE_V2_ENC_KEY_MAX];
	const struct chunk s[] = { { ni, ni_len }, { nr, nr_len }, { spii, 8 }, { spir, 8 } };
	size_t total = 3 * prf_len + 2 * integ_len + 2 * enc_len, o = 0;
	bool ok;

	if (prf_len == 0 || integ_len > PRF_MAX || enc_len > IKE_V2_ENC_KEY_MAX ||
	    ni_len + nr_len > sizeof(nn))
		return false;
	if (old == NULL) {
		/* The nonces are the key: HMAC takes any length (s2.14). */
		memcpy(nn, ni, ni_len);
		memcpy(nn + ni_len, nr, nr_len);
		ok = ike_kdf_prf(prf, nn, ni_len + nr_len, &(struct chunk){ gir, gir_len }, 1,
				 seed);
	} else {
		const struct chunk r[] = { { gir, gir_len }, { ni, ni_len }, { nr, nr_len } };

		ok = ike_kdf_prf(old->prf, old->sk_d, old->prf_len, r, 3, seed);
	}
	/* SKEYSEED is as long as the PRF that made it: the old one on rekey. */
	ok = ok &&
	     ike_v2_prf_plus(prf, seed, old != NULL ? old->prf_len : prf_len, s, 4, out, total);
	if (ok) {
		uint8_t *const dst[] = { k->sk_d,  k->sk_ai, k->sk_ar, k->sk_ei,
					 k->sk_er, k->sk_pi, k->sk_pr };
		const size_t len[] = { prf_len, integ_len, integ_len, enc_len,
				       enc_len, prf_len,   prf_len };

		*k = (struct ike_v2_keys){
			.prf = prf, .prf_len = prf_len, .integ_len = integ_len, .enc_len = enc_len
		};
		for (unsigned i = 0; i < sizeof(len) / sizeof(len[0]); i++) {
			memcpy(dst[i], out + o, len[i]);
			o += len[i];
		}
	}
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(nn, sizeof(nn));
	OPENSSL_cleanse(out, sizeof(out));
	return ok;
}

bool
ike_v2_child_keymat(const struct ike_v2_keys *k, const uint8_t *gir, size_t gir_len,
		    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		    uint8_t *out, size_t out_len)
{
	const struct chunk pfs[] = { { gir, gir_len }, { ni, ni_len }, { nr, nr_len } };

	/* Without PFS the chunk list starts at the nonces. */
	return ike_v2_prf_plus(k->prf, k->sk_d, k->prf_len, gir != NULL ? pfs : pfs + 1,
			       gir != NULL ? 3 : 2, out, out_len);
}

bool
ike_v2_psk_auth(const struct ike_v2_keys *k, const uint8_t *sk_p, const uint8_t *psk,
		size_t psk_len, const uint8_t *msg, size_t msg_len, const uint8_t *nonce,
		size_t nonce_len, const uint8_t *id_body, size_t id_len, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2"; /* 17 octets, no NUL (s2.15) */
	uint8_t key[PRF_MAX], maced_id[PRF_MAX];
	bool ok = ike_kdf_prf(k->prf, psk, psk_len, &(struct chunk){ pad, sizeof(pad) - 1 }, 1,
			      key) &&
		  ike_kdf_prf(k->prf, sk_p, k->prf_len, &(struct chunk){ id_body, id_len }, 1,
			      maced_id);

	if (ok) {
		const struct chunk signed_octets[] = { { msg, msg_len },
						       { nonce, nonce_len },
						       { maced_id, k->prf_len } };

		ok = ike_kdf_prf(k->prf, key, k->prf_len, signed_octets, 3, out);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(maced_id, sizeof(maced_id));
	return ok;
}

void
ike_v2_keys_wipe(struct ike_v2_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}
