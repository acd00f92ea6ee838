/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 keying (RFC 2409 s5, s5.5, appendix B): the PRF (HMAC of the
 * negotiated hash), SKEYID and its derivatives for pre-shared keys, HASH_I
 * and HASH_R, KEYMAT, the phase 1 and phase 2 IVs, and AES-CBC for message
 * bodies with IV chaining. Every intermediate secret is wiped.
 */
#ifndef IKE_KDF_H
#define IKE_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike.h"

#define PRF_MAX     64 /* SHA-512 */
#define BLOCK_LEN   16 /* AES */
#define ENC_KEY_MAX 32

/* A piece of PRF/hash input. */
struct chunk {
	const void *p;
	size_t len;
};

/* Phase 1 key material of one ISAKMP SA. */
struct p1_keys {
	enum ike_hash hash;
	size_t prf_len;
	uint8_t skeyid[PRF_MAX];
	uint8_t skeyid_d[PRF_MAX];
	uint8_t skeyid_a[PRF_MAX];
	uint8_t skeyid_e[PRF_MAX];
	uint8_t ka[ENC_KEY_MAX]; /* the IKE cipher key */
	size_t ka_len;
};

size_t ike_kdf_hash_len(enum ike_hash h);

/* prf(key, c[0] | c[1] | ...) = HMAC-<h>; out gets ike_kdf_hash_len(h) bytes. */
bool ike_kdf_prf(enum ike_hash h, const uint8_t *key, size_t klen, const struct chunk *c, size_t n,
		 uint8_t *out) __attribute__((warn_unused_result));

/* Plain hash of the concatenation (IVs, NAT-D). */
bool ike_kdf_hash(enum ike_hash h, const struct chunk *c, size_t n, uint8_t *out)
	__attribute__((warn_unused_result));

/*
 * SKEYID = prf(PSK, Ni_b | Nr_b); SKEYID_d/_a/_e chained from it with
 * g^xy | CKY-I | CKY-R | 0/1/2; Ka = SKEYID_e, expanded per appendix B
 * when it is shorter than ka_len.
 */
bool ike_kdf_p1_psk(enum ike_hash h, const uint8_t *psk, size_t psk_len, const uint8_t *ni,
		    size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t *gxy,
		    size_t gxy_len, const uint8_t icky[8], const uint8_t rcky[8], size_t ka_len,
		    struct p1_keys *k) __attribute__((warn_unused_result));

/*
 * HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) and
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b):
 * pass the sender's values first (gx_s, cky_s).
 */
bool ike_kdf_auth_hash(const struct p1_keys *k, const uint8_t *gx_s, size_t gx_s_len,
		       const uint8_t *gx_o, size_t gx_o_len, const uint8_t cky_s[8],
		       const uint8_t cky_o[8], const uint8_t *sai_b, size_t sai_len,
		       const uint8_t *id_b, size_t id_len, uint8_t *out)
	__attribute__((warn_unused_result));

/* Phase 1 IV = hash(g^xi | g^xr), first BLOCK_LEN bytes. */
bool ike_kdf_p1_iv(enum ike_hash h, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
		   size_t gxr_len, uint8_t iv[BLOCK_LEN]) __attribute__((warn_unused_result));

/* Phase 2/Informational IV = hash(last phase 1 CBC block | M-ID). */
bool ike_kdf_p2_iv(enum ike_hash h, const uint8_t last[BLOCK_LEN], uint32_t msgid,
		   uint8_t iv[BLOCK_LEN]) __attribute__((warn_unused_result));

/*
 * KEYMAT = K1 | K2 | ..., K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI |
 * Ni_b | Nr_b), Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI |
 * Ni_b | Nr_b). gxy may be NULL (no PFS). spi is in wire order.
 */
bool ike_kdf_keymat(const struct p1_keys *k, const uint8_t *gxy, size_t gxy_len, uint8_t proto,
		    const uint8_t spi[4], const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		    size_t nr_len, uint8_t *out, size_t out_len)
	__attribute__((warn_unused_result));

/* AES-CBC in place, len a multiple of BLOCK_LEN; next_iv gets the last
 * ciphertext block (the IV of the next message in the chain). */
bool ike_kdf_cbc(bool encrypt, const uint8_t *key, size_t klen, const uint8_t iv[BLOCK_LEN],
		 uint8_t *buf, size_t len, uint8_t next_iv[BLOCK_LEN])
	__attribute__((warn_unused_result));

/* Wipe p1 keys. */
void ike_kdf_p1_wipe(struct p1_keys *k);

#endif /* IKE_KDF_H */
