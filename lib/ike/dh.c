/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DH and ECDH key pairs and shared secrets via OpenSSL 3 EVP. The MODP
 * domain parameters are built once per group and kept for the process.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "dh.h"

struct dh_key {
	enum ike_dh group;
	EVP_PKEY *pkey;
};

enum group_kind { MODP, ECP, ECX };

struct group_info {
	enum ike_dh id;
	enum group_kind kind;
	uint16_t pub_len;
	uint16_t secret_len;
	const char *curve;          /* ECP, ECX: OpenSSL's name */
	BIGNUM *(*prime)(BIGNUM *); /* MODP */
};

static const struct group_info groups[] = {
	{ IKE_DH_MODP1024, MODP, 128, 128, NULL, BN_get_rfc2409_prime_1024 },
	{ IKE_DH_MODP1536, MODP, 192, 192, NULL, BN_get_rfc3526_prime_1536 },
	{ IKE_DH_MODP2048, MODP, 256, 256, NULL, BN_get_rfc3526_prime_2048 },
	{ IKE_DH_MODP3072, MODP, 384, 384, NULL, BN_get_rfc3526_prime_3072 },
	{ IKE_DH_ECP256, ECP, 64, 32, "P-256", NULL },
	{ IKE_DH_ECP384, ECP, 96, 48, "P-384", NULL },
	{ IKE_DH_ECP521, ECP, 132, 66, "P-521", NULL },
	{ IKE_DH_CURVE25519, ECX, 32, 32, "X25519", NULL },
};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

/* Process-wide MODP parameter cache (control core only). */
static EVP_PKEY *modp_params[N_GROUPS];

static const struct group_info *
group_find(enum ike_dh g, size_t *idx)
{
	for (size_t i = 0; i < N_GROUPS; i++) {
		if (groups[i].id == g) {
			if (idx != NULL)
				*idx = i;
			return &groups[i];
		}
	}
	return NULL;
}

size_t
ike_dh_pub_len(enum ike_dh g)
{
	const struct group_info *gi = group_find(g, NULL);

	return gi != NULL ? gi->pub_len : 0;
}

size_t
ike_dh_secret_len(enum ike_dh g)
{
	const struct group_info *gi = group_find(g, NULL);

	return gi != NULL ? gi->secret_len : 0;
}

/* Build an FFC EVP_PKEY from p, g=2 and optionally a public value. */
static EVP_PKEY *
modp_pkey(const struct group_info *gi, const BIGNUM *pub, int selection)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *p = gi->prime(NULL), *g = BN_new();

	if (bld == NULL || p == NULL || g == NULL || !BN_set_word(g, 2))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) ||
	    /* 2x the group's strength is plenty for the exponent (RFC 3526 s8) */
	    !OSSL_PARAM_BLD_push_int(bld, OSSL_PKEY_PARAM_DH_PRIV_LEN, 256))
		goto out;
	if (pub != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, selection, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	return pkey;
}

struct dh_key *
ike_dh_new(enum ike_dh g)
{
	size_t idx;
	const struct group_info *gi = group_find(g, &idx);
	struct dh_key *k;
	EVP_PKEY_CTX *ctx;

	if (gi == NULL || (k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->group = g;
	if (gi->kind == ECP) {
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", gi->curve);
	} else if (gi->kind == ECX) {
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, gi->curve);
	} else {
		if (modp_params[idx] == NULL)
			modp_params[idx] = modp_pkey(gi, NULL, EVP_PKEY_KEY_PARAMETERS);
		ctx = modp_params[idx] != NULL ?
			      EVP_PKEY_CTX_new_from_pkey(NULL, modp_params[idx], NULL) :
			      NULL;
		if (ctx != NULL && EVP_PKEY_keygen_init(ctx) > 0)
			EVP_PKEY_generate(ctx, &k->pkey);
		EVP_PKEY_CTX_free(ctx);
	}
	if (k->pkey == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

bool
ike_dh_public(const struct dh_key *k, uint8_t *out, size_t len)
{
	const struct group_info *gi = group_find(k->group, NULL);
	uint8_t pt[1 + DH_PUB_MAX];
	size_t ptlen = 0;
	BIGNUM *pub = NULL;
	bool ok = false;

	if (gi == NULL || len != gi->pub_len)
		return false;
	if (gi->kind == ECX) {
		ok = EVP_PKEY_get_raw_public_key(k->pkey, out, &len) == 1 && len == gi->pub_len;
	} else if (gi->kind == ECP) {
		/* uncompressed point 0x04 | x | y */
		if (EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, pt,
						    sizeof(pt), &ptlen) &&
		    ptlen == 1 + len && pt[0] == 0x04) {
			memcpy(out, pt + 1, len);
			ok = true;
		}
	} else if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, &pub)) {
		ok = BN_bn2binpad(pub, out, (int)len) == (int)len;
		BN_free(pub);
	}
	return ok;
}

/* The peer's public key as an EVP_PKEY; validates range / curve. */
static EVP_PKEY *
peer_pkey(const struct group_info *gi, const uint8_t *peer, size_t len)
{
	EVP_PKEY *pkey = NULL;

	if (len != gi->pub_len)
		return NULL;
	if (gi->kind == ECX) {
		/* Any 32 bytes are a u-coordinate (RFC 7748 s5); a low-order one
		 * shows as an all-zero secret, refused in ike_dh_derive(). */
		pkey = EVP_PKEY_new_raw_public_key_ex(NULL, gi->curve, NULL, peer, len);
	} else if (gi->kind == ECP) {
		uint8_t pt[1 + DH_PUB_MAX];
		OSSL_PARAM params[3];
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

		pt[0] = 0x04;
		memcpy(pt + 1, peer, len);
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							     (char *)gi->curve, 0);
		params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + len);
		params[2] = OSSL_PARAM_construct_end();
		/* decoding the point checks that it is on the curve */
		if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
		    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
			pkey = NULL;
		EVP_PKEY_CTX_free(ctx);
	} else {
		/* 1 < y < p - 1 (RFC 2631 s2.1.5 style range check) */
		BIGNUM *y = BN_bin2bn(peer, (int)len, NULL);
		BIGNUM *pm1 = gi->prime(NULL);

		if (y != NULL && pm1 != NULL && BN_sub_word(pm1, 1) &&
		    BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, pm1) < 0)
			pkey = modp_pkey(gi, y, EVP_PKEY_PUBLIC_KEY);
		BN_free(y);
		BN_free(pm1);
	}
	return pkey;
}

static bool
all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

bool
ike_dh_derive(const struct dh_key *k, const uint8_t *peer, size_t len, uint8_t *secret,
	      size_t secret_len)
{
	const struct group_info *gi = group_find(k->group, NULL);
	EVP_PKEY *pp;
	EVP_PKEY_CTX *ctx = NULL;
	size_t out = secret_len;
	bool ok = false;

	if (gi == NULL || secret_len != gi->secret_len)
		return false;
	pp = peer_pkey(gi, peer, len);
	if (pp == NULL)
		return false;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	if (gi->kind == MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	if (EVP_PKEY_derive_set_peer(ctx, pp) <= 0 || EVP_PKEY_derive(ctx, secret, &out) <= 0 ||
	    out != secret_len)
		goto out;
	/* RFC 8031 s2.3: an all-zero X25519 result means a low-order point. */
	ok = gi->kind != ECX || !all_zero(secret, secret_len);
out:
	if (!ok)
		OPENSSL_cleanse(secret, secret_len);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pp);
	return ok;
}

enum ike_dh
ike_dh_group(const struct dh_key *k)
{
	return k->group;
}

void
ike_dh_free(struct dh_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}
