/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 and IKEv2 key derivation checked against a second derivation written here
 * from RFC 2409 s5/appendix B and RFC 2104 (HMAC built from the bare hash,
 * CBC built from single-block AES-ECB, DH from BN_mod_exp), for every hash
 * and key length we support; DH/ECDH groups and peer-value validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include "dh.h"
#include "kdf.h"
#include "v2_kdf.h"

/* ---- reference implementation (RFC 2104 HMAC over EVP_Digest) ---- */

static const EVP_MD *
ref_md(enum ike_hash h)
{
	switch (h) {
	case IKE_HASH_SHA1:
		return EVP_sha1();
	case IKE_HASH_SHA256:
		return EVP_sha256();
	case IKE_HASH_SHA384:
		return EVP_sha384();
	default:
		return EVP_sha512();
	}
}

static size_t
ref_block(enum ike_hash h)
{
	return h == IKE_HASH_SHA384 || h == IKE_HASH_SHA512 ? 128 : 64;
}

static void
ref_digest(enum ike_hash h, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
	   uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, ref_md(h), NULL);
	EVP_DigestUpdate(c, a, alen);
	EVP_DigestUpdate(c, b, blen);
	EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
}

/* H(K ^ opad, H(K ^ ipad, text)) */
static void
ref_hmac(enum ike_hash h, const uint8_t *key, size_t klen, const uint8_t *text, size_t tlen,
	 uint8_t *out)
{
	uint8_t k0[128] = { 0 }, ipad[128], opad[128], inner[64];
	size_t bs = ref_block(h), hl = (size_t)EVP_MD_get_size(ref_md(h));

	if (klen > bs)
		ref_digest(h, key, klen, NULL, 0, k0);
	else
		memcpy(k0, key, klen);
	for (size_t i = 0; i < bs; i++) {
		ipad[i] = k0[i] ^ 0x36;
		opad[i] = k0[i] ^ 0x5c;
	}
	ref_digest(h, ipad, bs, text, tlen, inner);
	ref_digest(h, opad, bs, inner, hl, out);
}

/* A growable concatenation buffer for PRF inputs. */
struct cat {
	uint8_t b[4096];
	size_t n;
};

static void
cat(struct cat *c, const void *p, size_t len)
{
	assert_true(c->n + len <= sizeof(c->b));
	memcpy(c->b + c->n, p, len);
	c->n += len;
}

struct ref_keys {
	uint8_t skeyid[64], d[64], a[64], e[64], ka[32];
};

static void
ref_p1(enum ike_hash h, const uint8_t *psk, size_t psklen, const uint8_t *ni, size_t nilen,
       const uint8_t *nr, size_t nrlen, const uint8_t *gxy, size_t gxylen, const uint8_t *ci,
       const uint8_t *cr, size_t kalen, struct ref_keys *r)
{
	size_t hl = ike_kdf_hash_len(h);
	struct cat c = { .n = 0 };
	uint8_t b;

	cat(&c, ni, nilen);
	cat(&c, nr, nrlen);
	ref_hmac(h, psk, psklen, c.b, c.n, r->skeyid);
	c.n = 0;
	cat(&c, gxy, gxylen);
	cat(&c, ci, 8);
	cat(&c, cr, 8);
	b = 0;
	cat(&c, &b, 1);
	ref_hmac(h, r->skeyid, hl, c.b, c.n, r->d);
	c.n = 0;
	cat(&c, r->d, hl);
	cat(&c, gxy, gxylen);
	cat(&c, ci, 8);
	cat(&c, cr, 8);
	b = 1;
	cat(&c, &b, 1);
	ref_hmac(h, r->skeyid, hl, c.b, c.n, r->a);
	c.n = 0;
	cat(&c, r->a, hl);
	cat(&c, gxy, gxylen);
	cat(&c, ci, 8);
	cat(&c, cr, 8);
	b = 2;
	cat(&c, &b, 1);
	ref_hmac(h, r->skeyid, hl, c.b, c.n, r->e);
	if (kalen <= hl) {
		memcpy(r->ka, r->e, kalen);
	} else {
		/* Appendix B: K1 = prf(SKEYID_e, 0); K2 = prf(SKEYID_e, K1) */
		uint8_t k[3][64];

		b = 0;
		ref_hmac(h, r->e, hl, &b, 1, k[0]);
		ref_hmac(h, r->e, hl, k[0], hl, k[1]);
		ref_hmac(h, r->e, hl, k[1], hl, k[2]);
		memcpy(r->ka, k, 0);
		for (size_t i = 0, have = 0; have < kalen; i++) {
			size_t t = kalen - have < hl ? kalen - have : hl;

			memcpy(r->ka + have, k[i], t);
			have += t;
		}
	}
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void
test_p1_keys_vs_reference(void **state)
{
	static const enum ike_hash hs[] = { IKE_HASH_SHA1, IKE_HASH_SHA256, IKE_HASH_SHA384,
					    IKE_HASH_SHA512 };
	static const size_t kas[] = { 16, 32 };
	uint8_t psk[] = "rtx-shared-secret", ni[32], nr[24], gxy[128], ci[8], cr[8];

	(void)state;
	fill(ni, sizeof(ni), 1);
	fill(nr, sizeof(nr), 2);
	fill(gxy, sizeof(gxy), 3);
	fill(ci, 8, 4);
	fill(cr, 8, 5);
	for (size_t i = 0; i < 4; i++) {
		for (size_t j = 0; j < 2; j++) {
			struct p1_keys k;
			struct ref_keys r;
			size_t hl = ike_kdf_hash_len(hs[i]);

			assert_true(ike_kdf_p1_psk(hs[i], psk, sizeof(psk) - 1, ni, sizeof(ni), nr,
						   sizeof(nr), gxy, sizeof(gxy), ci, cr, kas[j],
						   &k));
			ref_p1(hs[i], psk, sizeof(psk) - 1, ni, sizeof(ni), nr, sizeof(nr), gxy,
			       sizeof(gxy), ci, cr, kas[j], &r);
			assert_int_equal(k.prf_len, hl);
			assert_memory_equal(k.skeyid, r.skeyid, hl);
			assert_memory_equal(k.skeyid_d, r.d, hl);
			assert_memory_equal(k.skeyid_a, r.a, hl);
			assert_memory_equal(k.skeyid_e, r.e, hl);
			assert_int_equal(k.ka_len, kas[j]);
			assert_memory_equal(k.ka, r.ka, kas[j]);
			ike_kdf_p1_wipe(&k);
		}
	}
}

static void
test_auth_hash_and_ivs(void **state)
{
	uint8_t gxi[128], gxr[128], ci[8], cr[8], sai[60], idb[8], out[64], ref[64];
	uint8_t iv[16], last[16];
	struct p1_keys k;
	struct cat c = { .n = 0 };

	(void)state;
	fill(gxi, 128, 9);
	fill(gxr, 128, 10);
	fill(ci, 8, 11);
	fill(cr, 8, 12);
	fill(sai, sizeof(sai), 13);
	fill(idb, sizeof(idb), 14);
	assert_true(ike_kdf_p1_psk(IKE_HASH_SHA256, (const uint8_t *)"k", 1, gxi, 16, gxr, 16, gxi,
				   128, ci, cr, 32, &k));
	/* HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) */
	assert_true(ike_kdf_auth_hash(&k, gxr, 128, gxi, 128, cr, ci, sai, sizeof(sai), idb,
				      sizeof(idb), out));
	cat(&c, gxr, 128);
	cat(&c, gxi, 128);
	cat(&c, cr, 8);
	cat(&c, ci, 8);
	cat(&c, sai, sizeof(sai));
	cat(&c, idb, sizeof(idb));
	ref_hmac(IKE_HASH_SHA256, k.skeyid, 32, c.b, c.n, ref);
	assert_memory_equal(out, ref, 32);
	/* phase 1 IV = hash(g^xi | g^xr) */
	assert_true(ike_kdf_p1_iv(IKE_HASH_SHA1, gxi, 128, gxr, 128, iv));
	ref_digest(IKE_HASH_SHA1, gxi, 128, gxr, 128, ref);
	assert_memory_equal(iv, ref, 16);
	/* phase 2 IV = hash(last block | M-ID) */
	fill(last, 16, 15);
	assert_true(ike_kdf_p2_iv(IKE_HASH_SHA1, last, 0xa1b2c3d4, iv));
	ref_digest(IKE_HASH_SHA1, last, 16, (const uint8_t *)"\xa1\xb2\xc3\xd4", 4, ref);
	assert_memory_equal(iv, ref, 16);
	ike_kdf_p1_wipe(&k);
}

static void
test_keymat_vs_reference(void **state)
{
	uint8_t ni[32], nr[32], gxy[128], spi[4] = { 0xc0, 0x01, 0x02, 0x03 };
	uint8_t km[64 + 4], ref[100];
	struct p1_keys k;

	(void)state;
	fill(ni, 32, 20);
	fill(nr, 32, 21);
	fill(gxy, 128, 22);
	assert_true(ike_kdf_p1_psk(IKE_HASH_SHA1, (const uint8_t *)"psk", 3, ni, 32, nr, 32, gxy,
				   128, ni, nr, 16, &k));
	for (int pfs = 0; pfs < 2; pfs++) {
		/* 64 bytes = AES-256 + HMAC-SHA256 key: four SHA1 blocks */
		uint8_t kn[5][20];
		struct cat c;
		uint8_t proto = 3;

		assert_true(ike_kdf_keymat(&k, pfs ? gxy : NULL, 128, proto, spi, ni, 32, nr, 32,
					   km, 64));
		for (int i = 0; i < 4; i++) {
			c.n = 0;
			if (i > 0)
				cat(&c, kn[i - 1], 20);
			if (pfs)
				cat(&c, gxy, 128);
			cat(&c, &proto, 1);
			cat(&c, spi, 4);
			cat(&c, ni, 32);
			cat(&c, nr, 32);
			ref_hmac(IKE_HASH_SHA1, k.skeyid_d, 20, c.b, c.n, kn[i]);
			memcpy(ref + 20 * i, kn[i], 20);
		}
		assert_memory_equal(km, ref, 64);
	}
	ike_kdf_p1_wipe(&k);
}

/* CBC against one-block ECB steps: C_i = E(P_i ^ C_{i-1}). */
static void
test_cbc_chaining(void **state)
{
	uint8_t key[32], iv[16], pt[64], buf[64], ref[64], next[16], next2[16];
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
	int outl;

	(void)state;
	fill(key, 32, 30);
	fill(iv, 16, 31);
	fill(pt, 64, 32);
	for (size_t kl = 16; kl <= 32; kl += 16) {
		uint8_t prev[16], blk[16];

		EVP_EncryptInit_ex(e, kl == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(), NULL, key,
				   NULL);
		EVP_CIPHER_CTX_set_padding(e, 0);
		memcpy(prev, iv, 16);
		for (int b = 0; b < 4; b++) {
			for (int i = 0; i < 16; i++)
				blk[i] = pt[16 * b + i] ^ prev[i];
			EVP_EncryptUpdate(e, ref + 16 * b, &outl, blk, 16);
			memcpy(prev, ref + 16 * b, 16);
		}
		memcpy(buf, pt, 64);
		assert_true(ike_kdf_cbc(true, key, kl, iv, buf, 64, next));
		assert_memory_equal(buf, ref, 64);
		assert_memory_equal(next, ref + 48, 16);
		assert_true(ike_kdf_cbc(false, key, kl, iv, buf, 64, next2));
		assert_memory_equal(buf, pt, 64);
		assert_memory_equal(next2, ref + 48, 16);
		assert_false(ike_kdf_cbc(true, key, kl, iv, buf, 63, next));
	}
	EVP_CIPHER_CTX_free(e);
}

static BIGNUM *
group_prime(enum ike_dh g)
{
	return g == IKE_DH_MODP1024 ? BN_get_rfc2409_prime_1024(NULL) :
	       g == IKE_DH_MODP1536 ? BN_get_rfc3526_prime_1536(NULL) :
	       g == IKE_DH_MODP2048 ? BN_get_rfc3526_prime_2048(NULL) :
				      BN_get_rfc3526_prime_3072(NULL);
}

/* MODP: our derive equals (g^a)^x mod p computed here with BN_mod_exp. */
static void
test_modp_vs_bn(void **state)
{
	static const enum ike_dh gs[] = { IKE_DH_MODP1024, IKE_DH_MODP1536, IKE_DH_MODP2048,
					  IKE_DH_MODP3072 };

	(void)state;
	for (size_t i = 0; i < sizeof(gs) / sizeof(gs[0]); i++) {
		size_t len = ike_dh_pub_len(gs[i]);
		struct dh_key *k = ike_dh_new(gs[i]);
		uint8_t pub[DH_PUB_MAX], mine[DH_PUB_MAX], s1[DH_SECRET_MAX], s2[DH_SECRET_MAX];
		BN_CTX *bc = BN_CTX_new();
		BIGNUM *p = group_prime(gs[i]), *g = BN_new(), *x = BN_new();
		BIGNUM *y = BN_new(), *ka = NULL, *s = BN_new();

		assert_non_null(k);
		assert_true(ike_dh_public(k, pub, len));
		BN_set_word(g, 2);
		BN_rand(x, 256, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
		BN_mod_exp(y, g, x, p, bc);
		BN_bn2binpad(y, mine, (int)len);
		assert_true(ike_dh_derive(k, mine, len, s1, len));
		ka = BN_bin2bn(pub, (int)len, NULL);
		BN_mod_exp(s, ka, x, p, bc);
		BN_bn2binpad(s, s2, (int)len);
		assert_memory_equal(s1, s2, len);
		/* invalid peer values: 0, 1, p-1, p, short */
		memset(mine, 0, len);
		assert_false(ike_dh_derive(k, mine, len, s1, len));
		mine[len - 1] = 1;
		assert_false(ike_dh_derive(k, mine, len, s1, len));
		BN_sub_word(p, 1);
		BN_bn2binpad(p, mine, (int)len);
		assert_false(ike_dh_derive(k, mine, len, s1, len));
		BN_add_word(p, 1);
		BN_bn2binpad(p, mine, (int)len);
		assert_false(ike_dh_derive(k, mine, len, s1, len));
		assert_false(ike_dh_derive(k, pub, len - 1, s1, len));
		ike_dh_free(k);
		BN_free(p);
		BN_free(g);
		BN_free(x);
		BN_free(y);
		BN_free(ka);
		BN_free(s);
		BN_CTX_free(bc);
	}
}

static void
test_ecp(void **state)
{
	static const enum ike_dh gs[] = { IKE_DH_ECP256, IKE_DH_ECP384, IKE_DH_ECP521 };

	(void)state;
	for (size_t i = 0; i < sizeof(gs) / sizeof(gs[0]); i++) {
		size_t len = ike_dh_pub_len(gs[i]), sl = ike_dh_secret_len(gs[i]);
		struct dh_key *a = ike_dh_new(gs[i]), *b = ike_dh_new(gs[i]);
		uint8_t pa[132], pb[132], sa[66], sb[66];

		assert_int_equal(len, 2 * sl);
		assert_true(ike_dh_public(a, pa, len));
		assert_true(ike_dh_public(b, pb, len));
		assert_true(ike_dh_derive(a, pb, len, sa, sl));
		assert_true(ike_dh_derive(b, pa, len, sb, sl));
		assert_memory_equal(sa, sb, sl);
		/* a point off the curve */
		pb[len - 1] ^= 1;
		assert_false(ike_dh_derive(a, pb, len, sa, sl));
		memset(pb, 0, len);
		assert_false(ike_dh_derive(a, pb, len, sa, sl));
		ike_dh_free(a);
		ike_dh_free(b);
	}
	assert_null(ike_dh_new((enum ike_dh)1));
	assert_int_equal(ike_dh_pub_len((enum ike_dh)24), 0);
}

/*
 * Curve25519 (RFC 8031): our secret equals X25519(b, our public) computed
 * by OpenSSL with RFC 7748 s6.1's Bob key; low-order points refused.
 */
static void
test_x25519(void **state)
{
	static const uint8_t bob_priv[32] = {
		0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b, 0x79, 0xe1, 0x7f,
		0x8b, 0x83, 0x80, 0x0e, 0xe6, 0x6f, 0x3b, 0xb1, 0x29, 0x26, 0x18,
		0xb6, 0xfd, 0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88, 0xe0, 0xeb,
	};
	static const uint8_t bob_pub[32] = {
		0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61,
		0xc2, 0xec, 0xe4, 0x35, 0x37, 0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78,
		0x67, 0x4d, 0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f,
	};
	struct dh_key *k = ike_dh_new(IKE_DH_CURVE25519);
	EVP_PKEY *bob = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, bob_priv, 32);
	uint8_t pub[32], mine[32], want[32], low[32] = { 0 }, bob_pub_got[32];
	size_t wl = sizeof(want), bl = sizeof(bob_pub_got);
	EVP_PKEY *ours;
	EVP_PKEY_CTX *ctx;

	(void)state;
	assert_non_null(k);
	assert_non_null(bob);
	assert_int_equal(ike_dh_pub_len(IKE_DH_CURVE25519), 32);
	assert_int_equal(EVP_PKEY_get_raw_public_key(bob, bob_pub_got, &bl), 1);
	assert_memory_equal(bob_pub_got, bob_pub, 32); /* the vector is right */
	assert_true(ike_dh_public(k, pub, 32));
	assert_true(ike_dh_derive(k, bob_pub, 32, mine, 32));
	ours = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, 32);
	ctx = EVP_PKEY_CTX_new(bob, NULL);
	assert_non_null(ours);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, ours), 1);
	assert_int_equal(EVP_PKEY_derive(ctx, want, &wl), 1);
	assert_memory_equal(mine, want, 32);
	/* u = 0 and u = 1 are of low order: the secret would be all zeros. */
	assert_false(ike_dh_derive(k, low, 32, mine, 32));
	low[0] = 1;
	assert_false(ike_dh_derive(k, low, 32, mine, 32));
	assert_false(ike_dh_derive(k, bob_pub, 31, mine, 32));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(ours);
	EVP_PKEY_free(bob);
	ike_dh_free(k);
}

/* ---- IKEv2 (RFC 7296 s2.13-2.18) against a second derivation ---- */

static const enum ike_hash v2_prfs[] = { IKE_HASH_SHA1, IKE_HASH_SHA256, IKE_HASH_SHA384,
					 IKE_HASH_SHA512 };

/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
static void
ref_prf_plus(enum ike_hash h, const uint8_t *key, size_t klen, const uint8_t *seed, size_t slen,
	     uint8_t *out, size_t len)
{
	size_t hl = ike_kdf_hash_len(h);
	uint8_t t[64];

	for (size_t have = 0, n = 1; have < len; n++) {
		struct cat c = { .n = 0 };
		uint8_t b = (uint8_t)n;
		size_t take = len - have < hl ? len - have : hl;

		if (n > 1)
			cat(&c, t, hl);
		cat(&c, seed, slen);
		cat(&c, &b, 1);
		ref_hmac(h, key, klen, c.b, c.n, t);
		memcpy(out + have, t, take);
		have += take;
	}
}

static void
test_v2_prf_plus(void **state)
{
	uint8_t key[48], seed[100], got[255 * 64], want[255 * 64];

	(void)state;
	fill(key, sizeof(key), 3);
	fill(seed, sizeof(seed), 9);
	for (size_t i = 0; i < sizeof(v2_prfs) / sizeof(v2_prfs[0]); i++) {
		enum ike_hash h = v2_prfs[i];
		size_t hl = ike_kdf_hash_len(h);
		const size_t lens[] = { 1, hl - 1, hl, hl + 1, 3 * hl + 5, 255 * hl };
		/* The seed in two pieces: prf+ takes S as a list of chunks. */
		const struct chunk s[] = { { seed, 37 }, { seed + 37, sizeof(seed) - 37 } };

		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			assert_true(ike_v2_prf_plus(h, key, sizeof(key), s, 2, got, lens[j]));
			ref_prf_plus(h, key, sizeof(key), seed, sizeof(seed), want, lens[j]);
			assert_memory_equal(got, want, lens[j]);
		}
		/* The counter is one octet: 255 blocks at most. */
		assert_false(ike_v2_prf_plus(h, key, sizeof(key), s, 2, got, 255 * hl + 1));
	}
}

/* Split ref prf+ output into the seven keys and compare. */
static void
check_v2_keys(const struct ike_v2_keys *k, const uint8_t *ref, size_t prf_len, size_t integ_len,
	      size_t enc_len)
{
	const uint8_t *const got[] = { k->sk_d,  k->sk_ai, k->sk_ar, k->sk_ei,
				       k->sk_er, k->sk_pi, k->sk_pr };
	const size_t len[] = { prf_len, integ_len, integ_len, enc_len, enc_len, prf_len, prf_len };
	size_t o = 0;

	assert_int_equal(k->prf_len, prf_len);
	for (size_t i = 0; i < 7; i++) {
		assert_memory_equal(got[i], ref + o, len[i]);
		o += len[i];
	}
}

static void
test_v2_ike_keys(void **state)
{
	uint8_t ni[32], nr[48], gir[256], gir2[256], spii[8], spir[8];
	uint8_t seed[64], ref[7 * 64];
	struct ike_v2_keys k, rekeyed;

	(void)state;
	fill(ni, sizeof(ni), 1);
	fill(nr, sizeof(nr), 2);
	fill(gir, sizeof(gir), 3);
	fill(gir2, sizeof(gir2), 4);
	fill(spii, 8, 5);
	fill(spir, 8, 6);
	for (size_t i = 0; i < sizeof(v2_prfs) / sizeof(v2_prfs[0]); i++) {
		enum ike_hash h = v2_prfs[i], h2 = v2_prfs[(i + 1) % 4];
		size_t hl = ike_kdf_hash_len(h), hl2 = ike_kdf_hash_len(h2);
		/* AES-256-CBC with HMAC-SHA2-256-128, then AES-128-GCM (no integ, salt). */
		size_t integ = 32, enc = 32, integ2 = 0, enc2 = 20;
		struct cat c = { .n = 0 }, s = { .n = 0 };

		/* SKEYSEED = prf(Ni | Nr, g^ir) */
		cat(&c, ni, sizeof(ni));
		cat(&c, nr, sizeof(nr));
		ref_hmac(h, c.b, c.n, gir, sizeof(gir), seed);
		cat(&s, ni, sizeof(ni));
		cat(&s, nr, sizeof(nr));
		cat(&s, spii, 8);
		cat(&s, spir, 8);
		ref_prf_plus(h, seed, hl, s.b, s.n, ref, 3 * hl + 2 * integ + 2 * enc);
		assert_true(ike_v2_ike_keys(h, NULL, gir, sizeof(gir), ni, sizeof(ni), nr,
					    sizeof(nr), spii, spir, integ, enc, &k));
		check_v2_keys(&k, ref, hl, integ, enc);

		/* Rekeyed by CREATE_CHILD_SA: SKEYSEED = prf_old(SK_d old, g^ir | Ni | Nr),
		 * then prf+ of the new SA's PRF (here another hash). */
		c.n = 0;
		cat(&c, gir2, sizeof(gir2));
		cat(&c, nr, sizeof(nr)); /* the new exchange's nonces: swapped here */
		cat(&c, ni, sizeof(ni));
		ref_hmac(h, k.sk_d, hl, c.b, c.n, seed);
		s.n = 0;
		cat(&s, nr, sizeof(nr));
		cat(&s, ni, sizeof(ni));
		cat(&s, spir, 8);
		cat(&s, spii, 8);
		ref_prf_plus(h2, seed, hl, s.b, s.n, ref, 3 * hl2 + 2 * integ2 + 2 * enc2);
		assert_true(ike_v2_ike_keys(h2, &k, gir2, sizeof(gir2), nr, sizeof(nr), ni,
					    sizeof(ni), spir, spii, integ2, enc2, &rekeyed));
		check_v2_keys(&rekeyed, ref, hl2, integ2, enc2);
		ike_v2_keys_wipe(&k);
		ike_v2_keys_wipe(&rekeyed);
	}
	assert_false(ike_v2_ike_keys(IKE_HASH_SHA256, NULL, gir, sizeof(gir), ni, sizeof(ni), nr,
				     sizeof(nr), spii, spir, 32, IKE_V2_ENC_KEY_MAX + 1, &k));
}

static void
test_v2_child_keymat_and_auth(void **state)
{
	uint8_t ni[32], nr[32], gir[384], psk[40], msg[300], id[12];
	uint8_t got[4 * 36], want[4 * 36], auth[64], ref_auth[64], key[64], maced[64];
	struct ike_v2_keys k;
	struct cat c = { .n = 0 };

	(void)state;
	fill(ni, sizeof(ni), 11);
	fill(nr, sizeof(nr), 12);
	fill(gir, sizeof(gir), 13);
	fill(psk, sizeof(psk), 14);
	fill(msg, sizeof(msg), 15);
	fill(id, sizeof(id), 16);
	assert_true(ike_v2_ike_keys(IKE_HASH_SHA256, NULL, gir, sizeof(gir), ni, sizeof(ni), nr,
				    sizeof(nr), msg, msg + 8, 32, 32, &k));

	/* KEYMAT = prf+(SK_d, Ni | Nr), and with PFS prf+(SK_d, g^ir | Ni | Nr) */
	cat(&c, ni, sizeof(ni));
	cat(&c, nr, sizeof(nr));
	ref_prf_plus(IKE_HASH_SHA256, k.sk_d, 32, c.b, c.n, want, sizeof(want));
	assert_true(
		ike_v2_child_keymat(&k, NULL, 0, ni, sizeof(ni), nr, sizeof(nr), got, sizeof(got)));
	assert_memory_equal(got, want, sizeof(got));
	c.n = 0;
	cat(&c, gir, sizeof(gir));
	cat(&c, ni, sizeof(ni));
	cat(&c, nr, sizeof(nr));
	ref_prf_plus(IKE_HASH_SHA256, k.sk_d, 32, c.b, c.n, want, sizeof(want));
	assert_true(ike_v2_child_keymat(&k, gir, sizeof(gir), ni, sizeof(ni), nr, sizeof(nr), got,
					sizeof(got)));
	assert_memory_equal(got, want, sizeof(got));

	/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), msg | nonce | prf(SK_pi, ID)) */
	ref_hmac(IKE_HASH_SHA256, psk, sizeof(psk), (const uint8_t *)"Key Pad for IKEv2", 17, key);
	ref_hmac(IKE_HASH_SHA256, k.sk_pi, 32, id, sizeof(id), maced);
	c.n = 0;
	cat(&c, msg, sizeof(msg));
	cat(&c, nr, sizeof(nr));
	cat(&c, maced, 32);
	ref_hmac(IKE_HASH_SHA256, key, 32, c.b, c.n, ref_auth);
	assert_true(ike_v2_psk_auth(&k, k.sk_pi, psk, sizeof(psk), msg, sizeof(msg), nr, sizeof(nr),
				    id, sizeof(id), auth));
	assert_memory_equal(auth, ref_auth, 32);
	/* The other side's SK_pr gives another AUTH. */
	assert_true(ike_v2_psk_auth(&k, k.sk_pr, psk, sizeof(psk), msg, sizeof(msg), nr, sizeof(nr),
				    id, sizeof(id), auth));
	assert_memory_not_equal(auth, ref_auth, 32);
	ike_v2_keys_wipe(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p1_keys_vs_reference),
		cmocka_unit_test(test_auth_hash_and_ivs),
		cmocka_unit_test(test_keymat_vs_reference),
		cmocka_unit_test(test_cbc_chaining),
		cmocka_unit_test(test_modp_vs_bn),
		cmocka_unit_test(test_ecp),
		cmocka_unit_test(test_x25519),
		cmocka_unit_test(test_v2_prf_plus),
		cmocka_unit_test(test_v2_ike_keys),
		cmocka_unit_test(test_v2_child_keymat_and_auth),
	};

	return cmocka_run_group_tests_name("ike_kdf", tests, NULL, NULL);
}
