/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CBC IVs must be unpredictable (RFC 3602 s2.3, RFC 4303 s3.3.2): each
 * worker draws them from an AES-128-CTR keystream under a random key, a
 * burst's worth per call. (GCM needs unique IVs only: the sequence number.)
 */
#include <string.h>

#include <openssl/rand.h>

#include "priv.h"

int
esp_iv_init(struct esp_worker *ew)
{
	uint8_t key[16], ctr[16];
	int ok;

	if (RAND_bytes(key, sizeof(key)) != 1 || RAND_bytes(ctr, sizeof(ctr)) != 1)
		return -1;
	ew->iv_ctx = EVP_CIPHER_CTX_new();
	ok = ew->iv_ctx != NULL &&
	     EVP_EncryptInit_ex(ew->iv_ctx, EVP_aes_128_ctr(), NULL, key, ctr) == 1;
	OPENSSL_cleanse(key, sizeof(key));
	return ok ? 0 : -1;
}

void
esp_iv_fini(struct esp_worker *ew)
{
	EVP_CIPHER_CTX_free(ew->iv_ctx);
	ew->iv_ctx = NULL;
}

int
esp_iv_fill(struct esp_worker *ew, unsigned n)
{
	static const uint8_t zero[ESP_BURST_MAX * 16];
	int len = 0;

	return EVP_EncryptUpdate(ew->iv_ctx, &ew->iv[0][0], &len, zero, (int)n * 16) == 1 ? 0 : -1;
}
