/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 Encrypted payload (RFC 7296 s3.14, RFC 5282): sealed and
 * opened for every cipher and integrity we take, checked against OpenSSL
 * driven directly (EVP ciphers, HMAC()) on the layout the RFCs give; every
 * byte of the message covered by the checksum or the tag; padding and
 * lengths that cannot be are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "v2_sk.h"

#define HDR 28
#define SK  4
#define CAP 2048

static const uint8_t enc_key[36] = "0123456789abcdef0123456789abcdefSALT";
static const uint8_t integ_key[32] = "integrity key, 32 bytes long...";

static const struct ike_v2_sk algs[] = {
	{ .key_len = 16,
	  .key = enc_key,
	  .integ = IKE_HASH_SHA1,
	  .integ_key = integ_key,
	  .integ_key_len = 20,
	  .icv_len = 12 },
	{ .key_len = 32,
	  .key = enc_key,
	  .integ = IKE_HASH_SHA256,
	  .integ_key = integ_key,
	  .integ_key_len = 32,
	  .icv_len = 16 },
	{ .gcm = true, .key_len = 16, .key = enc_key, .icv_len = 16 },
	{ .gcm = true, .key_len = 32, .key = enc_key, .icv_len = 16 },
};

/* A header (SPIs, next payload SK, version 2.0, IKE_AUTH, I flag, message
 * ID 1) and SK's generic header (next payload IDi), then plain_len bytes
 * of payloads after the IV's room. */
static size_t
message(const struct ike_v2_sk *sk, uint8_t *msg, size_t plain_len)
{
	memset(msg, 0, CAP);
	for (int i = 0; i < 16; i++)
		msg[i] = (uint8_t)(0x11 * (i + 1));
	msg[16] = 46;
	msg[17] = 0x20;
	msg[18] = 35;
	msg[19] = 0x08;
	msg[23] = 1;
	msg[HDR] = 35;
	for (size_t i = 0; i < plain_len; i++)
		msg[HDR + SK + ike_v2_sk_iv_len(sk) + i] = (uint8_t)(i * 13 + 7);
	return HDR + SK + ike_v2_sk_iv_len(sk);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decrypt as the RFCs say, with OpenSSL alone; returns the padded length
 * and checks the checksum or tag on the way. */
static size_t
reference_open(const struct ike_v2_sk *sk, const uint8_t *msg, size_t len, uint8_t *plain)
{
	size_t iv_len = ike_v2_sk_iv_len(sk), body = HDR + SK + iv_len;
	size_t enc_len = len - body - sk->icv_len;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;

	assert_non_null(ctx);
	if (sk->gcm) {
		uint8_t nonce[12];

		memcpy(nonce, sk->key + sk->key_len, 4);
		memcpy(nonce + 4, msg + HDR + SK, 8);
		assert_int_equal(EVP_DecryptInit_ex(ctx,
						    sk->key_len == 16 ? EVP_aes_128_gcm() :
									EVP_aes_256_gcm(),
						    NULL, NULL, NULL),
				 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), 1);
		assert_int_equal(EVP_DecryptInit_ex(ctx, NULL, NULL, sk->key, nonce), 1);
		assert_int_equal(EVP_DecryptUpdate(ctx, NULL, &outl, msg, HDR + SK), 1);
		assert_int_equal(EVP_DecryptUpdate(ctx, plain, &outl, msg + body, (int)enc_len), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
						     (void *)(msg + body + enc_len)),
				 1);
		assert_int_equal(EVP_DecryptFinal_ex(ctx, plain + outl, &outl), 1);
	} else {
		uint8_t mac[64];
		unsigned mac_len = 0;

		HMAC(sk->integ == IKE_HASH_SHA1 ? EVP_sha1() : EVP_sha256(), sk->integ_key,
		     (int)sk->integ_key_len, msg, body + enc_len, mac, &mac_len);
		assert_memory_equal(mac, msg + body + enc_len, sk->icv_len);
		assert_int_equal(EVP_DecryptInit_ex(ctx,
						    sk->key_len == 16 ? EVP_aes_128_cbc() :
									EVP_aes_256_cbc(),
						    NULL, sk->key, msg + HDR + SK),
				 1);
		EVP_CIPHER_CTX_set_padding(ctx, 0);
		assert_int_equal(EVP_DecryptUpdate(ctx, plain, &outl, msg + body, (int)enc_len), 1);
		assert_int_equal((size_t)outl, enc_len);
	}
	EVP_CIPHER_CTX_free(ctx);
	return enc_len;
}

static void
seal_open_round_trip(void **state)
{
	static const size_t lens[] = { 0, 1, 14, 15, 16, 17, 200, 1000 };
	uint8_t msg[CAP], plain[CAP];

	(void)state;
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		const struct ike_v2_sk *sk = &algs[a];

		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			size_t off = message(sk, msg, lens[l]), len, poff, plen, padded;
			uint8_t want[CAP];

			memcpy(want, msg + off, lens[l]);
			assert_true(ike_v2_sk_seal(sk, msg, CAP, HDR, lens[l], &len));
			assert_true(len <= off + lens[l] + ike_v2_sk_trailer_max(sk));
			assert_int_equal(get32(msg + 24), len);
			assert_int_equal((size_t)(msg[HDR + 2] << 8 | msg[HDR + 3]), len - HDR);
			if (!sk->gcm)
				assert_int_equal((len - off - sk->icv_len) % 16, 0);
			/* What a peer following the RFC reads. */
			padded = reference_open(sk, msg, len, plain);
			assert_memory_equal(plain, want, lens[l]);
			assert_int_equal(plain[padded - 1], padded - 1 - lens[l]);
			/* What we read. */
			assert_true(ike_v2_sk_open(sk, msg, len, HDR, &poff, &plen));
			assert_int_equal(poff, off);
			assert_int_equal(plen, lens[l]);
			assert_memory_equal(msg + poff, want, lens[l]);
		}
	}
}

/* Every byte from the header to the checksum is covered. */
static void
every_byte_covered(void **state)
{
	uint8_t msg[CAP], copy[CAP];

	(void)state;
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		const struct ike_v2_sk *sk = &algs[a];
		size_t len, poff, plen;

		message(sk, msg, 40);
		assert_true(ike_v2_sk_seal(sk, msg, CAP, HDR, 40, &len));
		memcpy(copy, msg, len);
		for (size_t i = 0; i < len; i++) {
			memcpy(msg, copy, len);
			msg[i] ^= 0x01;
			assert_false(ike_v2_sk_open(sk, msg, len, HDR, &poff, &plen));
		}
		memcpy(msg, copy, len);
		assert_true(ike_v2_sk_open(sk, msg, len, HDR, &poff, &plen));
	}
}

/* Lengths and padding that cannot be: refused, nothing read past the end. */
static void
impossible_refused(void **state)
{
	const struct ike_v2_sk *cbc = &algs[1];
	uint8_t msg[CAP], block[16];
	size_t len, poff, plen, body = HDR + SK + 16;
	unsigned mac_len = 0;
	uint8_t mac[64];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;

	(void)state;
	/* No room in the buffer. */
	message(cbc, msg, 100);
	assert_false(ike_v2_sk_seal(cbc, msg, body + 100, HDR, 100, &len));
	/* Too short for a block and a checksum; ciphertext not whole blocks. */
	assert_true(ike_v2_sk_seal(cbc, msg, CAP, HDR, 100, &len));
	assert_false(ike_v2_sk_open(cbc, msg, body + cbc->icv_len, HDR, &poff, &plen));
	assert_false(ike_v2_sk_open(cbc, msg, len - 1, HDR, &poff, &plen));
	/* A pad length longer than what was encrypted, with a good checksum. */
	message(cbc, msg, 0);
	memset(block, 0, sizeof(block));
	block[15] = 200;
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, cbc->key, msg + HDR + SK),
			 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_EncryptUpdate(ctx, msg + body, &outl, block, 16), 1);
	EVP_CIPHER_CTX_free(ctx);
	len = body + 16 + cbc->icv_len;
	msg[24] = msg[25] = msg[26] = 0;
	msg[27] = (uint8_t)len;
	HMAC(EVP_sha256(), cbc->integ_key, (int)cbc->integ_key_len, msg, body + 16, mac, &mac_len);
	memcpy(msg + body + 16, mac, cbc->icv_len);
	assert_false(ike_v2_sk_open(cbc, msg, len, HDR, &poff, &plen));
	/* SK cannot start inside the IKE header. */
	assert_false(ike_v2_sk_open(cbc, msg, len, HDR - 1, &poff, &plen));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seal_open_round_trip),
		cmocka_unit_test(every_byte_covered),
		cmocka_unit_test(impossible_refused),
	};

	return cmocka_run_group_tests_name("ike_v2_sk", tests, NULL, NULL);
}
