/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "priv.h"
#include "v2_sk.h"

#define SK_HDR      4  /* the generic payload header */
#define GCM_SALT    4  /* RFC 5282 s7.1 */
#define GCM_IV      8  /* RFC 5282 s3.1 */
#define IKE_HDR_LEN 28 /* RFC 7296 s3.1 */

size_t
ike_v2_sk_iv_len(const struct ike_v2_sk *sk)
{
	return sk->gcm ? GCM_IV : BLOCK_LEN;
}

size_t
ike_v2_sk_trailer_max(const struct ike_v2_sk *sk)
{
	return (sk->gcm ? 0 : BLOCK_LEN - 1) + 1 + sk->icv_len;
}

static const EVP_CIPHER *
cipher(const struct ike_v2_sk *sk)
{
	if (sk->gcm)
		return sk->key_len == 16 ? EVP_aes_128_gcm() :
		       sk->key_len == 32 ? EVP_aes_256_gcm() :
					   NULL;
	return sk->key_len == 16 ? EVP_aes_128_cbc() : sk->key_len == 32 ? EVP_aes_256_cbc() : NULL;
}

/* The HMAC of msg[0, len), truncated to icv_len. */
static bool
hmac_icv(const struct ike_v2_sk *sk, const uint8_t *msg, size_t len, uint8_t *icv)
{
	uint8_t full[PRF_MAX];
	bool ok = ike_kdf_prf(sk->integ, sk->integ_key, sk->integ_key_len,
			      &(struct chunk){ msg, len }, 1, full);

	if (ok)
		memcpy(icv, full, sk->icv_len);
	OPENSSL_cleanse(full, sizeof(full));
	return ok;
}

/*
 * AES over data[0, len) in place. GCM: nonce = salt | iv, aad[0, aad_len)
 * authenticated, tag written (encrypt) or checked (decrypt); CBC ignores
 * aad and tag.
 */
static bool
sk_crypt(const struct ike_v2_sk *sk, bool encrypt, const uint8_t *iv, const uint8_t *aad,
	 size_t aad_len, uint8_t *data, size_t len, uint8_t *tag)
{
	const EVP_CIPHER *c = cipher(sk);
	uint8_t nonce[GCM_SALT + GCM_IV];
	EVP_CIPHER_CTX *ctx;
	int outl = 0, fin = 0;
	bool ok = false;

	if (c == NULL || len > INT32_MAX || aad_len > INT32_MAX ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return false;
	if (sk->gcm) {
		memcpy(nonce, sk->key + sk->key_len, GCM_SALT);
		memcpy(nonce + GCM_SALT, iv, GCM_IV);
		iv = nonce;
	}
	if (EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, encrypt) != 1 ||
	    (sk->gcm &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce), NULL) != 1) ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, sk->key, iv, encrypt) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		goto out;
	if (sk->gcm && (EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) != 1 ||
			(!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
							 (int)sk->icv_len, tag) != 1)))
		goto out;
	if (EVP_CipherUpdate(ctx, data, &outl, data, (int)len) != 1 || (size_t)outl != len ||
	    EVP_CipherFinal_ex(ctx, data + len, &fin) != 1 || fin != 0)
		goto out;
	ok = !sk->gcm || !encrypt ||
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int)sk->icv_len, tag) == 1;
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return ok;
}

bool
ike_v2_sk_seal(const struct ike_v2_sk *sk, uint8_t *msg, size_t cap, size_t sk_off,
	       size_t plain_len, size_t *msg_len)
{
	size_t iv_len = ike_v2_sk_iv_len(sk), body = sk_off + SK_HDR + iv_len;
	size_t block = sk->gcm ? 1 : BLOCK_LEN, pad, enc_len, total;
	uint8_t *iv = msg + sk_off + SK_HDR, *data = iv + iv_len;

	if (sk_off < IKE_HDR_LEN || body > cap || plain_len > cap - body)
		return false;
	pad = (block - (plain_len + 1) % block) % block;
	enc_len = plain_len + pad + 1;
	total = body + enc_len + sk->icv_len;
	if (total > cap || total > UINT16_MAX)
		return false;
	/* The padding's content is ours to choose (s3.14): zeros. */
	memset(data + plain_len, 0, pad);
	data[plain_len + pad] = (uint8_t)pad;
	/* Both lengths are final before the header is authenticated. */
	put16(msg + sk_off + 2, (uint16_t)(total - sk_off));
	put32(msg + 24, (uint32_t)total);
	ike_random(iv, iv_len);
	if (!sk_crypt(sk, true, iv, msg, sk_off + SK_HDR, data, enc_len, data + enc_len) ||
	    (!sk->gcm && !hmac_icv(sk, msg, body + enc_len, data + enc_len)))
		return false;
	*msg_len = total;
	return true;
}

bool
ike_v2_sk_open(const struct ike_v2_sk *sk, uint8_t *msg, size_t msg_len, size_t sk_off,
	       size_t *plain_off, size_t *plain_len)
{
	size_t iv_len = ike_v2_sk_iv_len(sk), body = sk_off + SK_HDR + iv_len, enc_len;
	uint8_t *iv = msg + sk_off + SK_HDR, *data = iv + iv_len, icv[PRF_MAX];
	uint8_t pad;

	if (sk_off < IKE_HDR_LEN || msg_len < body + 1 + sk->icv_len)
		return false;
	enc_len = msg_len - body - sk->icv_len;
	if (!sk->gcm && (enc_len % BLOCK_LEN != 0 || !hmac_icv(sk, msg, body + enc_len, icv) ||
			 CRYPTO_memcmp(icv, data + enc_len, sk->icv_len) != 0))
		return false;
	if (!sk_crypt(sk, false, iv, msg, sk_off + SK_HDR, data, enc_len, data + enc_len))
		return false;
	pad = data[enc_len - 1];
	if ((size_t)pad + 1 > enc_len)
		return false;
	*plain_off = (size_t)(data - msg);
	*plain_len = enc_len - 1 - pad;
	return true;
}
