/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer tests: published vectors through both engines, both
 * directions, plus one tampered copy of each that must fail.
 *
 * Sources (each vector names its own):
 *   RFC 3602 s4            AES-CBC-128 (cases 1-4; case 5 is an ESP packet)
 *   NIST SP 800-38A F.2    AES-CBC-128/256 (RFC 3602 has no 256-bit case)
 *   RFC 2202 s3            HMAC-SHA-1, truncated to 96 bits per RFC 2404 s2
 *   RFC 4231 s4            HMAC-SHA-256, truncated to 128 bits per RFC 4868
 *   RFC 4868 s2.7.2.1      HMAC-SHA-256-128 with 32-byte keys (AUTH256-n)
 *   McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", revised
 *     spec, test cases 1-4 (AES-128) and 13-16 (AES-256)
 *   draft-mcgrew-gcm-test-01 s4: whole ESP packets, 8- and 12-byte (ESN) AAD
 *
 * HMAC keys shorter than the ESP key size (20 or 32 bytes) are zero-padded:
 * HMAC pads every key shorter than the hash block with zeros (RFC 2104 s2),
 * so the padded key gives the published MAC. Vectors with 8-byte data, or
 * keys longer than the ESP key size, cannot be expressed and are left out.
 */
#include <string.h>

#include "helpers.h"

#define BUF 256

/* ---------------------------------------------------------------- CBC */

struct cbc_kat {
	const char *src;
	const char *key;
	const char *iv;
	const char *pt; /* hex, or NULL and pt_str */
	const char *pt_str;
	const char *ct;
	const char *esp_hdr; /* SPI|seq when the vector is an ESP packet */
};

static const struct cbc_kat cbc_kats[] = {
	{ "RFC 3602 case #1", "06a9214036b8a15b512e03d534120006",
	  "3dafba429d9eb430b422da802c9fac41", NULL, "Single block msg",
	  "e353779c1079aeb82708942dbe77181a", NULL },
	{ "RFC 3602 case #2", "c286696d887c9aa0611bbb3e2025a45a",
	  "562e17996d093d28ddb3ba695a2e6f58",
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", NULL,
	  "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1", NULL },
	{ "RFC 3602 case #3", "6c3ea0477630ce21a2ce334aa746c2cd",
	  "c782dc4c098c66cbd9cd27d825682c81", NULL,
	  "This is a 48-byte message (exactly 3 AES blocks)",
	  "d0a02b3836451753d493665d33f0e886 2dea54cdb293abc7506939276772f8d5"
	  "021c19216bad525c8579695d83ba2684",
	  NULL },
	{ "RFC 3602 case #4", "56e47a38c5598974bc46903dba290349",
	  "8ce82eefbea0da3c44699ed7db51b7d9",
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf d0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
	  NULL,
	  "c30e32ffedc0774e6aff6af0869f71aa 0f3af07a9a31a9c684db207eb0ef8e4e"
	  "35907aa632c3ffdf868bb7b29d3d46ad 83ce9f9a102ee99d49a53e87f4c3da55",
	  NULL },
	{ "RFC 3602 case #5 (transport-mode ESP, SPI 4321, seq 1)",
	  "90d382b410eeba7ad938c46cec1a82bf", "e96e8c08ab465763fd098d45dd3ff893",
	  "08000ebda70a00008e9c083db95b0700 08090a0b0c0d0e0f1011121314151617"
	  "18191a1b1c1d1e1f2021222324252627 28292a2b2c2d2e2f3031323334353637"
	  "0102030405060708090a0b0c0d0e0e01",
	  NULL,
	  "f663c25d325c18c6a9453e194e120849 a4870b66cc6b9965330013b4898dc856"
	  "a4699e523a55db080b59ec3a8e4b7e52 775b07d1db34ed9c538ab50c551b874a"
	  "a269add047ad2d5913ac19b7cfbad4a6",
	  "0000432100000001" },
	{ "NIST SP 800-38A F.2.1 CBC-AES128.Encrypt", "2b7e151628aed2a6abf7158809cf4f3c",
	  "000102030405060708090a0b0c0d0e0f",
	  "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
	  "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
	  NULL,
	  "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
	  "73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7",
	  NULL },
	{ "NIST SP 800-38A F.2.5 CBC-AES256.Encrypt",
	  "603deb1015ca71be2b73aef0857d7781 1f352c073b6108d72d9810a30914dff4",
	  "000102030405060708090a0b0c0d0e0f",
	  "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
	  "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
	  NULL,
	  "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d"
	  "39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b",
	  NULL },
};

static size_t
text(const char *hexs, const char *str, uint8_t *out)
{
	if (hexs != NULL)
		return hex(hexs, out, BUF);
	memcpy(out, str, strlen(str));
	return strlen(str);
}

static void
cbc_kat_run(int e, const struct cbc_kat *v, enum crypto_integ integ)
{
	struct crypto_keys k = { .cipher = CRYPTO_CIPHER_AES_CBC, .integ = integ };
	uint8_t pt[BUF], ct[BUF], buf[BUF], icv[32];
	struct crypto_op op;
	size_t pt_len, off = 0;
	unsigned icv_len, i;
	void *sess;

	k.cipher_key_len = (uint8_t)hex(v->key, k.cipher_key, CRYPTO_KEY_MAX);
	k.integ_key_len = integ == CRYPTO_INTEG_HMAC_SHA1_96 ? 20 : 32;
	memset(k.integ_key, 0x42, k.integ_key_len);
	sess = sess_new(eng[e], &k);
	icv_len = crypto_session_icv_len(eng[e], sess);
	pt_len = text(v->pt, v->pt_str, pt);
	assert_int_equal(hex(v->ct, ct, BUF), pt_len);
	if (v->esp_hdr != NULL)
		off = hex(v->esp_hdr, buf, BUF);
	hex(v->iv, buf + off, 16);
	off += 16;
	memcpy(buf + off, pt, pt_len);
	memset(icv, 0xa5, sizeof(icv));
	op = (struct crypto_op){ .sess = sess,
				 .buf = buf,
				 .iv = buf + off - 16,
				 .icv = icv,
				 .auth_len = (uint32_t)(off + pt_len),
				 .cipher_off = (uint32_t)off,
				 .cipher_len = (uint32_t)pt_len,
				 .encrypt = 1 };

	print_message("  %s %s/%s\n", crypto_engine_name(eng[e]), v->src,
		      integ == CRYPTO_INTEG_HMAC_SHA1_96 ? "sha1" : "sha256");
	assert_int_equal(crypto_process(lcore[e], &op, 1), 1);
	assert_memory_equal(buf + off, ct, pt_len);
	for (i = icv_len; i < sizeof(icv); i++)
		assert_int_equal(icv[i], 0xa5); /* only icv_len bytes written */

	op.encrypt = 0;
	assert_int_equal(crypto_process(lcore[e], &op, 1), 1);
	assert_int_equal(op.status, CRYPTO_OK);
	assert_memory_equal(buf + off, pt, pt_len);

	/* the same ciphertext with its last bit flipped must not verify */
	memcpy(buf + off, ct, pt_len);
	buf[off + pt_len - 1] ^= 1;
	assert_int_equal(crypto_process(lcore[e], &op, 1), 0);
	assert_int_equal(op.status, CRYPTO_AUTH_FAILED);
	sess_free(eng[e], sess);
}

static void
test_cbc(void **state)
{
	size_t i;
	int e;

	(void)state;
	for (e = 0; e < N_ENG; e++)
		for (i = 0; i < sizeof(cbc_kats) / sizeof(cbc_kats[0]); i++) {
			cbc_kat_run(e, &cbc_kats[i], CRYPTO_INTEG_HMAC_SHA1_96);
			cbc_kat_run(e, &cbc_kats[i], CRYPTO_INTEG_HMAC_SHA256_128);
		}
}

/* --------------------------------------------------------------- HMAC */

struct hmac_kat {
	const char *src;
	enum crypto_integ integ;
	const char *key; /* hex, or NULL and key_str */
	const char *key_str;
	const char *data; /* hex, or NULL and data_str */
	const char *data_str;
	const char *icv; /* the truncated MAC */
};

#define AA20 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DD50                                                 \
	"dddddddddddddddddddddddddddddddddddddddddddddddddd" \
	"dddddddddddddddddddddddddddddddddddddddddddddddddd"
#define CD50                                                 \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" \
	"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
#define OC20 "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"

static const struct hmac_kat hmac_kats[] = {
	{ "RFC 2202 HMAC-SHA-1 test case 2", CRYPTO_INTEG_HMAC_SHA1_96, NULL, "Jefe", NULL,
	  "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5" },
	{ "RFC 2202 HMAC-SHA-1 test case 3", CRYPTO_INTEG_HMAC_SHA1_96, AA20, NULL, DD50, NULL,
	  "125d7342b9ac11cd91a39af4" },
	{ "RFC 2202 HMAC-SHA-1 test case 5 (digest-96)", CRYPTO_INTEG_HMAC_SHA1_96, OC20, NULL,
	  NULL, "Test With Truncation", "4c1a03424b55e07fe7f27be1" },
	{ "RFC 4231 test case 2", CRYPTO_INTEG_HMAC_SHA256_128, NULL, "Jefe", NULL,
	  "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c7" },
	{ "RFC 4231 test case 3", CRYPTO_INTEG_HMAC_SHA256_128, AA20, NULL, DD50, NULL,
	  "773ea91e36800e46854db8ebd09181a7" },
	{ "RFC 4231 test case 4", CRYPTO_INTEG_HMAC_SHA256_128,
	  "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL, CD50, NULL,
	  "82558a389a443c0ea4cc819899f2083a" },
	{ "RFC 4231 test case 5 (128-bit truncation)", CRYPTO_INTEG_HMAC_SHA256_128, OC20, NULL,
	  NULL, "Test With Truncation", "a3b6167473100ee06e0c796c2955552b" },
	{ "RFC 4868 AUTH256-2", CRYPTO_INTEG_HMAC_SHA256_128, NULL,
	  "JefeJefeJefeJefeJefeJefeJefeJefe", NULL, "what do ya want for nothing?",
	  "167f928588c5cc2eef8e3093caa0e87c" },
	{ "RFC 4868 AUTH256-3", CRYPTO_INTEG_HMAC_SHA256_128, AA20 "aaaaaaaaaaaaaaaaaaaaaaaa", NULL,
	  DD50, NULL, "cdcb1220d1ecccea91e53aba3092f962" },
	{ "RFC 4868 AUTH256-4", CRYPTO_INTEG_HMAC_SHA256_128,
	  "0102030405060708090a0b0c0d0e0f10 1112131415161718191a1b1c1d1e1f20", NULL, CD50, NULL,
	  "372efcf9b40b35c2115b1346903d2ef4" },
};

/*
 * An inbound op checks the ICV over buf[0, auth_len) before it decrypts,
 * so the published MAC of the data verifies exactly when the engine's
 * HMAC is right. The cipher range (required for CBC) sits inside the data.
 */
static int
hmac_verify(int e, void *sess, const uint8_t *data, size_t len, const uint8_t *icv,
	    unsigned icv_len)
{
	uint8_t buf[BUF], tag[CRYPTO_ICV_MAX], iv[16] = { 0 };
	struct crypto_op op = { .sess = sess,
				.buf = buf,
				.iv = iv,
				.icv = tag,
				.auth_len = (uint32_t)len,
				.cipher_off = 0,
				.cipher_len = (uint32_t)(len & ~(size_t)15) };

	memcpy(buf, data, len);
	memcpy(tag, icv, icv_len);
	crypto_process(lcore[e], &op, 1);
	return op.status;
}

static void
hmac_kat_run(int e, const struct hmac_kat *v)
{
	struct crypto_keys k = { .cipher = CRYPTO_CIPHER_AES_CBC,
				 .cipher_key_len = 16,
				 .integ = v->integ };
	uint8_t data[BUF], key[BUF], icv[CRYPTO_ICV_MAX];
	size_t len, icv_len, key_len;
	void *sess;

	/* zero-padded to the ESP key size: the same MAC (RFC 2104 s2) */
	k.integ_key_len = v->integ == CRYPTO_INTEG_HMAC_SHA1_96 ? 20 : 32;
	key_len = text(v->key, v->key_str, key);
	assert_true(key_len <= k.integ_key_len);
	memcpy(k.integ_key, key, key_len);
	sess = sess_new(eng[e], &k);
	len = text(v->data, v->data_str, data);
	icv_len = hex(v->icv, icv, sizeof(icv));
	assert_int_equal(icv_len, crypto_session_icv_len(eng[e], sess));
	print_message("  %s %s\n", crypto_engine_name(eng[e]), v->src);

	assert_int_equal(hmac_verify(e, sess, data, len, icv, icv_len), CRYPTO_OK);
	icv[icv_len - 1] ^= 0x01;
	assert_int_equal(hmac_verify(e, sess, data, len, icv, icv_len), CRYPTO_AUTH_FAILED);
	icv[icv_len - 1] ^= 0x01;
	data[len - 1] ^= 0x80;
	assert_int_equal(hmac_verify(e, sess, data, len, icv, icv_len), CRYPTO_AUTH_FAILED);
	sess_free(eng[e], sess);
}

static void
test_hmac(void **state)
{
	size_t i;
	int e;

	(void)state;
	for (e = 0; e < N_ENG; e++)
		for (i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++)
			hmac_kat_run(e, &hmac_kats[i]);
}

/* ---------------------------------------------------------------- GCM */

/*
 * Either a raw GCM vector (iv: the last 8 bytes of the spec's 12-byte IV,
 * whose first 4 are the salt; ct_tag: C|T) or an ESP packet from
 * draft-mcgrew-gcm-test-01 (packet: SPI|seq|IV|C|T, as printed there).
 */
struct gcm_kat {
	const char *src;
	const char *key;
	const char *salt;
	const char *aad;
	const char *pt;
	const char *iv;
	const char *ct_tag;
	const char *packet;
};

#define Z16  "00000000000000000000000000000000"
#define FEFF "feffe9928665731c6d6a8f9467308308"
#define SPEC_P                                                              \
	"d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b39"
#define SPEC_A "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define ABBC   "abbccddef00112233445566778899aab"

static const struct gcm_kat gcm_kats[] = {
	{ "GCM spec test case 1", Z16, "00000000", NULL, "", "0000000000000000",
	  "58e2fccefa7e3061367f1d57a4e7455a", NULL },
	{ "GCM spec test case 2", Z16, "00000000", NULL, Z16, "0000000000000000",
	  "0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf", NULL },
	{ "GCM spec test case 3", FEFF, "cafebabe", NULL, SPEC_P "1aafd255", "facedbaddecaf888",
	  "42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091473f5985"
	  "4d5c2af327cd64a62cf35abd2ba6fab4",
	  NULL },
	{ "GCM spec test case 4", FEFF, "cafebabe", SPEC_A, SPEC_P, "facedbaddecaf888",
	  "42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091"
	  "5bc94fbc3221a5db94fae95ae7121a47",
	  NULL },
	{ "GCM spec test case 13", Z16 Z16, "00000000", NULL, "", "0000000000000000",
	  "530f8afbc74536b9a963b4f1c4cb738b", NULL },
	{ "GCM spec test case 14", Z16 Z16, "00000000", NULL, Z16, "0000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18 d0d1c8a799996bf0265b98b5d48ab919", NULL },
	{ "GCM spec test case 15", FEFF FEFF, "cafebabe", NULL, SPEC_P "1aafd255",
	  "facedbaddecaf888",
	  "522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662898015ad"
	  "b094dac5d93471bdec1a502270e3cc6c",
	  NULL },
	{ "GCM spec test case 16", FEFF FEFF, "cafebabe", SPEC_A, SPEC_P, "facedbaddecaf888",
	  "522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662"
	  "76fc6ece0f4e1768cddf8853bb2d551b",
	  NULL },
	{ "draft-mcgrew-gcm-test-01 AES-128, ESN (12-byte AAD)", "4c80cdefbb5d10da906ac73c3613a634",
	  "2e443b68", "000043218765432100000000",
	  "45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000"
	  "00000000045f736970045f7564700373 69700963796265726369747902646b00"
	  "0021000101020201",
	  NULL, NULL,
	  "00004321000000004956ed7e3b244cfe"
	  "fecf537e729d5b07dc30df528dd22b76 8d1b98736696a6fd348509fa13ceac34"
	  "cfa2436f14a3f3cf65925bf1f4a13c5d 15b21e1884f5ff6247aeabb786b93bce"
	  "61bc17d768fd9732459018148f6cbe72 2fd04796562dfdb4" },
	{ "draft-mcgrew-gcm-test-01 AES-128", FEFF, "cafebabe", "0000a5f80000000a",
	  "4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100"
	  "00010000000000000373697009637962 65726369747902646b00000100010001",
	  NULL, NULL,
	  "0000a5f80000000afacedbaddecaf888"
	  "deb22cd9b07c72c16e3a65beeb8df304 a5a5897d33ae530f1ba76d5d114d2a5c"
	  "3de81827c10e9a4f51330d0eec416642 cfbb85a5b47e48a4ec3b9ba95d918bd1"
	  "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
	{ "draft-mcgrew-gcm-test-01 AES-256", ABBC ABBC, "11223344", "4a2cbfe300000002",
	  "4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000"
	  "7002400020bf0000020405b401010402 01020201",
	  NULL, NULL,
	  "4a2cbfe3000000020102030405060708"
	  "ff425c9b724599df7a3bcd510194e00d 6a78107f1b0b1cbf06efae9d65a5d763"
	  "748a637985771d347f0545659f14e99d ef842d8eb335f4eecfdbf831824b4c49"
	  "15956c96" },
	{ "draft-mcgrew-gcm-test-01 AES-128, zero key", Z16, "00000000", "0000000000000001",
	  "4500003c99c500008001cb7a40679318 010101010800075c0200440061626364"
	  "65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
	  NULL, NULL,
	  "00000000000000010000000000000000"
	  "4688daf2f973a392732909c331d56d60 f694abaa414b5e7ff5fdcdfff5e9a284"
	  "456476492719ffb64de7d9dca1e1d894 bc3bd57873ed4d181d19d4d5c8c18af3"
	  "f821d496eeb096e98ad2b69e4799c71d" },
	{ "draft-mcgrew-gcm-test-01 AES-128, ESN", "3de09874b388e6491988d0c3607eae1f", "57690e43",
	  "42f67e3f1010101010101010",
	  "4500003c99c300008001cb7c40679318 010101010800085c0200430061626364"
	  "65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
	  NULL, NULL,
	  "42f67e3f101010104e280000a2fca1a3"
	  "fba2caa4853cf9f0f22cb10d86dd83b0 fec75691cf1a04b00d1138ec9c357917"
	  "65acbd8701ad79845bf9fe3fba487bc9 1755e6662b4c8d0d1f5e22739530320a"
	  "e0d731cc978ecafaeae88f00e80d6e48" },
	{ "draft-mcgrew-gcm-test-01 AES-256, ESN", ABBC ABBC, "73616c74",
	  "17405e67156f3126dd0db99b",
	  "45080028732c00004006e9f90a010612 0a01038f06b88023dd6bafbecb712602"
	  "50101f646d540001",
	  NULL, NULL,
	  "17405e67dd0db99b616e640169766563"
	  "f2d69ecdbd5a0d5b8d5ef38bad4da58d 1f278fde98ef67549d524a3018d9a57f"
	  "f4d3a31ce673119e451626c2415771e3 b7eebca614c89b35" },
	{ "draft-mcgrew-gcm-test-01 AES-128, 4-byte payload", "7d773d00c144c525ac619d18c84a3f47",
	  "d9664267", "335467aeffffffff", "01020201", NULL, NULL,
	  "335467aeffffffff43457e9182443bc6"
	  "437f866bcb3f699fe9b0822bac961c45 04bef270" },
	{ "draft-mcgrew-gcm-test-01 AES-256, ESN, all-ones sequence",
	  "6c6567616c697a656d6172696a75616e 61616e64646f69746265666f72656961", "7475726e",
	  "796b6963ffffffffffffffff",
	  "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
	  "65666768696a6b6c6d6e6f7071727374 01020201",
	  NULL, NULL,
	  "796b6963ffffffff333021696765746d"
	  "f97ab2aa356d8edce17644ac8c78e25d d24dedbb29ebf1b64a274b39b49c3a86"
	  "4cd3d78ca4ae68a32b42458fb57dbe82 1dcc63b9d0937ba2945f669368661a32"
	  "9fb4c053" },
};

struct gcm_case {
	uint8_t buf[BUF];    /* [SPI|seq|IV] payload */
	uint8_t expect[BUF]; /* the same layout, encrypted, then the tag */
	uint8_t pt[BUF];
	uint8_t aad[CRYPTO_AAD_MAX];
	uint8_t iv[8];
	uint8_t icv[32];
	size_t off, pt_len;
};

static void
gcm_case_load(struct gcm_case *c, const struct gcm_kat *v)
{
	size_t n;

	c->pt_len = hex(v->pt, c->pt, BUF);
	if (v->packet != NULL) {
		n = hex(v->packet, c->expect, BUF);
		c->off = 16; /* SPI, sequence number, explicit IV */
		memcpy(c->iv, c->expect + 8, 8);
	} else {
		n = hex(v->ct_tag, c->expect, BUF);
		c->off = 0;
		assert_int_equal(hex(v->iv, c->iv, 8), 8);
	}
	assert_int_equal(n, c->off + c->pt_len + 16);
	memcpy(c->buf, c->expect, c->off);
	memcpy(c->buf + c->off, c->pt, c->pt_len);
}

static void
gcm_kat_run(int e, const struct gcm_kat *v)
{
	struct crypto_keys k = { .cipher = CRYPTO_CIPHER_AES_GCM16, .integ = CRYPTO_INTEG_NONE };
	struct gcm_case c;
	struct crypto_op op;
	unsigned i;
	void *sess;

	k.cipher_key_len = (uint8_t)hex(v->key, k.cipher_key, CRYPTO_KEY_MAX);
	assert_int_equal(hex(v->salt, k.salt, CRYPTO_SALT_LEN), 4);
	sess = sess_new(eng[e], &k);
	gcm_case_load(&c, v);
	memset(c.icv, 0xa5, sizeof(c.icv));
	op = (struct crypto_op){ .sess = sess,
				 .buf = c.buf,
				 .iv = c.iv,
				 .aad = c.aad,
				 .icv = c.icv,
				 .cipher_off = (uint32_t)c.off,
				 .cipher_len = (uint32_t)c.pt_len,
				 .encrypt = 1 };
	if (v->aad != NULL)
		op.aad_len = (uint8_t)hex(v->aad, c.aad, CRYPTO_AAD_MAX);
	print_message("  %s %s\n", crypto_engine_name(eng[e]), v->src);

	assert_int_equal(crypto_process(lcore[e], &op, 1), 1);
	assert_memory_equal(c.buf, c.expect, c.off + c.pt_len);
	assert_memory_equal(c.icv, c.expect + c.off + c.pt_len, 16);
	for (i = 16; i < sizeof(c.icv); i++)
		assert_int_equal(c.icv[i], 0xa5);

	op.encrypt = 0;
	assert_int_equal(crypto_process(lcore[e], &op, 1), 1);
	assert_memory_equal(c.buf + c.off, c.pt, c.pt_len);

	memcpy(c.buf, c.expect, c.off + c.pt_len);
	c.icv[15] ^= 0x40;
	assert_int_equal(crypto_process(lcore[e], &op, 1), 0);
	assert_int_equal(op.status, CRYPTO_AUTH_FAILED);
	sess_free(eng[e], sess);
}

static void
test_gcm(void **state)
{
	size_t i;
	int e;

	(void)state;
	for (e = 0; e < N_ENG; e++)
		for (i = 0; i < sizeof(gcm_kats) / sizeof(gcm_kats[0]); i++)
			gcm_kat_run(e, &gcm_kats[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cbc),
		cmocka_unit_test(test_hmac),
		cmocka_unit_test(test_gcm),
	};

	return cmocka_run_group_tests(tests, engines_setup, engines_teardown);
}
