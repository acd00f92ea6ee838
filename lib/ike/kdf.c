/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 key derivation and message cipher (RFC 2409 s5, appendix B).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kdf.h"

static const char *
md_name(enum ike_hash h)
{
	switch (h) {
	case IKE_HASH_SHA1:
		return "SHA1";
	case IKE_HASH_SHA256:
		return "SHA256";
	case IKE_HASH_SHA384:
		return "SHA384";
	case IKE_HASH_SHA512:
		return "SHA512";
	default:
		return NULL;
	}
}

size_t
ike_kdf_hash_len(enum ike_hash h)
{
	switch (h) {
	case IKE_HASH_SHA1:
		return 20;
	case IKE_HASH_SHA256:
		return 32;
	case IKE_HASH_SHA384:
		return 48;
	case IKE_HASH_SHA512:
		return 64;
	default:
		return 0;
	}
}

/* HMAC algorithm handle, fetched once (control core only). */
static EVP_MAC *
hmac_alg(void)
{
	static EVP_MAC *mac;

	if (mac == NULL)
		mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	return mac;
}

bool
ike_kdf_prf(enum ike_hash h, const uint8_t *key, size_t klen, const struct chunk *c, size_t n,
	    uint8_t *out)
{
	const char *md = md_name(h);
	EVP_MAC *mac = hmac_alg();
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t outl = 0;
	bool ok = false;

	if (md == NULL || mac == NULL || (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		return false;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, klen, params) != 1)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (c[i].len > 0 && EVP_MAC_update(ctx, c[i].p, c[i].len) != 1)
			goto out;
	ok = EVP_MAC_final(ctx, out, &outl, PRF_MAX) == 1 && outl == ike_kdf_hash_len(h);
out:
	EVP_MAC_CTX_free(ctx);
	return ok;
}

bool
ike_kdf_hash(enum ike_hash h, const struct chunk *c, size_t n, uint8_t *out)
{
	const char *name = md_name(h);
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	bool ok = false;

	if (name == NULL || (md = EVP_get_digestbyname(name)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		return false;
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (c[i].len > 0 && EVP_DigestUpdate(ctx, c[i].p, c[i].len) != 1)
			goto out;
	ok = EVP_DigestFinal_ex(ctx, out, NULL) == 1;
out:
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* Appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1). */
static bool
expand_ka(struct p1_keys *k, size_t ka_len)
{
	static const uint8_t zero;
	uint8_t blk[PRF_MAX];
	struct chunk c = { &zero, 1 };
	size_t have = 0;
	bool ok = true;

	if (ka_len > ENC_KEY_MAX)
		return false;
	k->ka_len = ka_len;
	if (k->prf_len >= ka_len) {
		memcpy(k->ka, k->skeyid_e, ka_len);
		return true;
	}
	while (have < ka_len) {
		size_t take = ka_len - have;

		if (!ike_kdf_prf(k->hash, k->skeyid_e, k->prf_len, &c, 1, blk)) {
			ok = false;
			break;
		}
		if (take > k->prf_len)
			take = k->prf_len;
		memcpy(k->ka + have, blk, take);
		/* a short last block ends the loop, so c is only reused whole */
		c = (struct chunk){ k->ka + have, k->prf_len };
		have += take;
	}
	OPENSSL_cleanse(blk, sizeof(blk));
	return ok;
}

bool
ike_kdf_p1_psk(enum ike_hash h, const uint8_t *psk, size_t psk_len, const uint8_t *ni,
	       size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t *gxy, size_t gxy_len,
	       const uint8_t icky[8], const uint8_t rcky[8], size_t ka_len, struct p1_keys *k)
{
	static const uint8_t n0 = 0, n1 = 1, n2 = 2;
	struct chunk c[5];
	bool ok;

	memset(k, 0, sizeof(*k));
	k->hash = h;
	k->prf_len = ike_kdf_hash_len(h);
	if (k->prf_len == 0)
		return false;
	/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
	c[0] = (struct chunk){ ni, ni_len };
	c[1] = (struct chunk){ nr, nr_len };
	ok = ike_kdf_prf(h, psk, psk_len, c, 2, k->skeyid);
	/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0) */
	c[0] = (struct chunk){ gxy, gxy_len };
	c[1] = (struct chunk){ icky, 8 };
	c[2] = (struct chunk){ rcky, 8 };
	c[3] = (struct chunk){ &n0, 1 };
	ok = ok && ike_kdf_prf(h, k->skeyid, k->prf_len, c, 4, k->skeyid_d);
	/* SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1) */
	c[0] = (struct chunk){ k->skeyid_d, k->prf_len };
	c[1] = (struct chunk){ gxy, gxy_len };
	c[2] = (struct chunk){ icky, 8 };
	c[3] = (struct chunk){ rcky, 8 };
	c[4] = (struct chunk){ &n1, 1 };
	ok = ok && ike_kdf_prf(h, k->skeyid, k->prf_len, c, 5, k->skeyid_a);
	/* SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) */
	c[0] = (struct chunk){ k->skeyid_a, k->prf_len };
	c[4] = (struct chunk){ &n2, 1 };
	ok = ok && ike_kdf_prf(h, k->skeyid, k->prf_len, c, 5, k->skeyid_e);
	ok = ok && expand_ka(k, ka_len);
	if (!ok)
		ike_kdf_p1_wipe(k);
	return ok;
}

bool
ike_kdf_auth_hash(const struct p1_keys *k, const uint8_t *gx_s, size_t gx_s_len,
		  const uint8_t *gx_o, size_t gx_o_len, const uint8_t cky_s[8],
		  const uint8_t cky_o[8], const uint8_t *sai_b, size_t sai_len, const uint8_t *id_b,
		  size_t id_len, uint8_t *out)
{
	const struct chunk c[6] = {
		{ gx_s, gx_s_len }, { gx_o, gx_o_len }, { cky_s, 8 },
		{ cky_o, 8 },       { sai_b, sai_len }, { id_b, id_len },
	};

	return ike_kdf_prf(k->hash, k->skeyid, k->prf_len, c, 6, out);
}

bool
ike_kdf_p1_iv(enum ike_hash h, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
	      size_t gxr_len, uint8_t iv[BLOCK_LEN])
{
	uint8_t d[PRF_MAX];
	const struct chunk c[2] = { { gxi, gxi_len }, { gxr, gxr_len } };

	if (!ike_kdf_hash(h, c, 2, d))
		return false;
	memcpy(iv, d, BLOCK_LEN);
	return true;
}

bool
ike_kdf_p2_iv(enum ike_hash h, const uint8_t last[BLOCK_LEN], uint32_t msgid, uint8_t iv[BLOCK_LEN])
{
	uint8_t d[PRF_MAX], m[4] = {
		(uint8_t)(msgid >> 24),
		(uint8_t)(msgid >> 16),
		(uint8_t)(msgid >> 8),
		(uint8_t)msgid,
	};
	const struct chunk c[2] = { { last, BLOCK_LEN }, { m, 4 } };

	if (!ike_kdf_hash(h, c, 2, d))
		return false;
	memcpy(iv, d, BLOCK_LEN);
	return true;
}

bool
ike_kdf_keymat(const struct p1_keys *k, const uint8_t *gxy, size_t gxy_len, uint8_t proto,
	       const uint8_t spi[4], const uint8_t *ni, size_t ni_len, const uint8_t *nr,
	       size_t nr_len, uint8_t *out, size_t out_len)
{
	uint8_t blk[PRF_MAX];
	struct chunk c[6];
	size_t have = 0, n;
	bool ok = true;

	while (have < out_len) {
		size_t take = out_len - have;

		n = 0;
		if (have > 0) /* Kn-1 */
			c[n++] = (struct chunk){ out + have - k->prf_len, k->prf_len };
		if (gxy != NULL)
			c[n++] = (struct chunk){ gxy, gxy_len };
		c[n++] = (struct chunk){ &proto, 1 };
		c[n++] = (struct chunk){ spi, 4 };
		c[n++] = (struct chunk){ ni, ni_len };
		c[n++] = (struct chunk){ nr, nr_len };
		if (!ike_kdf_prf(k->hash, k->skeyid_d, k->prf_len, c, n, blk)) {
			ok = false;
			break;
		}
		if (take > k->prf_len)
			take = k->prf_len;
		memcpy(out + have, blk, take);
		have += take;
	}
	OPENSSL_cleanse(blk, sizeof(blk));
	if (!ok)
		OPENSSL_cleanse(out, out_len);
	return ok;
}

bool
ike_kdf_cbc(bool encrypt, const uint8_t *key, size_t klen, const uint8_t iv[BLOCK_LEN],
	    uint8_t *buf, size_t len, uint8_t next_iv[BLOCK_LEN])
{
	const EVP_CIPHER *ciph = klen == 16 ? EVP_aes_128_cbc() :
				 klen == 24 ? EVP_aes_192_cbc() :
				 klen == 32 ? EVP_aes_256_cbc() :
					      NULL;
	uint8_t last[BLOCK_LEN];
	EVP_CIPHER_CTX *ctx;
	int outl = 0;
	bool ok = false;

	if (ciph == NULL || len == 0 || len % BLOCK_LEN != 0 || len > INT32_MAX)
		return false;
	if (!encrypt)
		memcpy(last, buf + len - BLOCK_LEN, BLOCK_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return false;
	if (EVP_CipherInit_ex(ctx, ciph, NULL, key, iv, encrypt ? 1 : 0) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) != 1 || (size_t)outl != len)
		goto out;
	memcpy(next_iv, encrypt ? buf + len - BLOCK_LEN : last, BLOCK_LEN);
	ok = true;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

void
ike_kdf_p1_wipe(struct p1_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}
