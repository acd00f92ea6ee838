/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bad input: unsupported keys are refused at session init (-EINVAL), bad
 * lengths and pointers fail one op with CRYPTO_ERROR before any byte is
 * touched, and no bad op disturbs its neighbours in a burst. Also the
 * registry and the engine descriptions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "ipsec_mb.h" /* white-box: the refused-job path, the session layout */

static const struct crypto_keys cbc_keys = {
	.cipher = CRYPTO_CIPHER_AES_CBC,
	.integ = CRYPTO_INTEG_HMAC_SHA1_96,
	.cipher_key_len = 16,
	.integ_key_len = 20,
};
static const struct crypto_keys gcm_keys = {
	.cipher = CRYPTO_CIPHER_AES_GCM16,
	.integ = CRYPTO_INTEG_NONE,
	.cipher_key_len = 32,
};

static void
test_registry(void **state)
{
	int e;

	(void)state;
	assert_null(crypto_engine_find("aesni_mb"));
	assert_null(crypto_engine_find(""));
	assert_null(crypto_engine_find(NULL));
	assert_string_equal(crypto_engine_name(eng[0]), "ipsec_mb");
	assert_string_equal(crypto_engine_name(eng[1]), "openssl");
	assert_true(strncmp(crypto_engine_describe(eng[0]), "intel-ipsec-mb 1.", 17) == 0);
	assert_non_null(strchr(crypto_engine_describe(eng[0]), '('));
	assert_true(strncmp(crypto_engine_describe(eng[1]), "OpenSSL 3.", 10) == 0);
	for (e = 0; e < N_ENG; e++)
		assert_int_equal(crypto_session_size(eng[e]) % 64, 0);
}

static void
test_icv_len(void **state)
{
	struct crypto_keys k = cbc_keys;
	void *s;
	int e;

	(void)state;
	for (e = 0; e < N_ENG; e++) {
		s = sess_new(eng[e], &k);
		assert_int_equal(crypto_session_icv_len(eng[e], s), 12);
		sess_free(eng[e], s);
		k.integ = CRYPTO_INTEG_HMAC_SHA256_128;
		k.integ_key_len = 32;
		s = sess_new(eng[e], &k);
		assert_int_equal(crypto_session_icv_len(eng[e], s), 16);
		sess_free(eng[e], s);
		k = cbc_keys;
		s = sess_new(eng[e], &gcm_keys);
		assert_int_equal(crypto_session_icv_len(eng[e], s), 16);
		sess_free(eng[e], s);
	}
}

static int
init_rc(int e, const struct crypto_keys *k)
{
	void *s = aligned_alloc(64, 4096);
	int rc;

	assert_non_null(s);
	rc = crypto_session_init(eng[e], s, k);
	free(s);
	return rc;
}

/* RFC 8221 profile only: AES-128/256, SHA1-96 or SHA256-128, GCM-16. */
static void
test_bad_keys(void **state)
{
	struct crypto_keys k;
	uint8_t raw[4096 + 64];
	int e;

	(void)state;
	for (e = 0; e < N_ENG; e++) {
		k = cbc_keys, k.cipher_key_len = 24; /* AES-192 */
		assert_int_equal(init_rc(e, &k), -EINVAL);
		k = cbc_keys, k.cipher_key_len = 0;
		assert_int_equal(init_rc(e, &k), -EINVAL);
		k = cbc_keys, k.cipher_key_len = 33;
		assert_int_equal(init_rc(e, &k), -EINVAL);
		k = gcm_keys, k.cipher_key_len = 24;
		assert_int_equal(init_rc(e, &k), -EINVAL);
		k = cbc_keys, k.integ_key_len = 32; /* SHA1 takes 20 */
		assert_int_equal(init_rc(e, &k), -EINVAL);
		k = cbc_keys, k.integ = CRYPTO_INTEG_HMAC_SHA256_128;
		assert_int_equal(init_rc(e, &k), -EINVAL); /* ... SHA256 32 */
		k = cbc_keys, k.integ = CRYPTO_INTEG_NONE; /* CBC needs one */
		assert_int_equal(init_rc(e, &k), -EINVAL);
		k = cbc_keys, k.integ = CRYPTO_INTEG_N;
		assert_int_equal(init_rc(e, &k), -EINVAL);
		k = gcm_keys, k.integ = CRYPTO_INTEG_HMAC_SHA1_96;
		k.integ_key_len = 20; /* GCM has none */
		assert_int_equal(init_rc(e, &k), -EINVAL);
		k = cbc_keys, k.cipher = CRYPTO_CIPHER_N;
		assert_int_equal(init_rc(e, &k), -EINVAL);
		/* session memory must be 64-byte aligned */
		assert_int_equal(
			crypto_session_init(eng[e],
					    (char *)(((uintptr_t)raw + 64) & ~(uintptr_t)63) + 8,
					    &cbc_keys),
			-EINVAL);
	}
}

struct one {
	uint8_t buf[128], copy[128], iv[16], aad[CRYPTO_AAD_MAX + 1];
	uint8_t icv[CRYPTO_ICV_MAX];
	struct crypto_op op;
};

static void
one_init(struct one *o, void *sess, bool gcm, bool encrypt)
{
	memset(o, 0x5a, sizeof(*o));
	o->op = (struct crypto_op){ .sess = sess,
				    .buf = o->buf,
				    .iv = o->iv,
				    .icv = o->icv,
				    .cipher_off = 24,
				    .cipher_len = 64,
				    .auth_len = 88,
				    .encrypt = encrypt };
	if (gcm) {
		o->op.cipher_off = 16;
		o->op.aad = o->aad;
		o->op.aad_len = 8;
	}
	memcpy(o->copy, o->buf, sizeof(o->buf));
}

/* The op fails alone and the engine did not write to the buffer. */
static void
expect_error(int e, struct one *o)
{
	memcpy(o->copy, o->buf, sizeof(o->buf));
	assert_int_equal(crypto_process(lcore[e], &o->op, 1), 0);
	assert_int_equal(o->op.status, CRYPTO_ERROR);
	assert_memory_equal(o->buf, o->copy, sizeof(o->buf));
}

static void
bad_cbc_ops(int e, void *sess, bool enc)
{
	static const uint32_t bad_len[] = { 0, 8, 15, 17, 31, 63 };
	struct one o;
	size_t i;

	for (i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		one_init(&o, sess, false, enc);
		o.op.cipher_len = bad_len[i];
		expect_error(e, &o);
	}
	one_init(&o, sess, false, enc);
	o.op.auth_len = 24 + 64 - 1; /* ciphertext not all covered */
	expect_error(e, &o);
	one_init(&o, sess, false, enc);
	o.op.cipher_off = CRYPTO_BUF_MAX;
	o.op.auth_len = UINT32_MAX;
	expect_error(e, &o);
	one_init(&o, sess, false, enc);
	o.op.buf = NULL;
	expect_error(e, &o);
	one_init(&o, sess, false, enc);
	o.op.iv = NULL;
	expect_error(e, &o);
	one_init(&o, sess, false, enc);
	o.op.icv = NULL;
	expect_error(e, &o);
	one_init(&o, sess, false, enc);
	o.op.sess = NULL;
	expect_error(e, &o);
}

static void
bad_gcm_ops(int e, void *sess, bool enc)
{
	struct one o;

	one_init(&o, sess, true, enc);
	o.op.aad_len = CRYPTO_AAD_MAX + 1;
	expect_error(e, &o);
	one_init(&o, sess, true, enc);
	o.op.aad = NULL;
	expect_error(e, &o);
	one_init(&o, sess, true, enc);
	o.op.cipher_len = CRYPTO_BUF_MAX;
	expect_error(e, &o);
}

static void
test_bad_ops(void **state)
{
	void *cbc, *gcm;
	int e, enc;

	(void)state;
	for (e = 0; e < N_ENG; e++) {
		cbc = sess_new(eng[e], &cbc_keys);
		gcm = sess_new(eng[e], &gcm_keys);
		for (enc = 0; enc < 2; enc++) {
			bad_cbc_ops(e, cbc, enc);
			bad_gcm_ops(e, gcm, enc);
		}
		sess_free(eng[e], cbc);
		sess_free(eng[e], gcm);
	}
}

/* A wiped session, or one built by the other engine, fails every op. */
static void
test_foreign_session(void **state)
{
	void *s[N_ENG];
	struct one o;
	int e;

	(void)state;
	for (e = 0; e < N_ENG; e++)
		s[e] = sess_new(eng[e], &cbc_keys);
	for (e = 0; e < N_ENG; e++) {
		one_init(&o, s[1 - e], false, true);
		expect_error(e, &o);
	}
	for (e = 0; e < N_ENG; e++) {
		crypto_session_clear(eng[e], s[e]);
		one_init(&o, s[e], false, true);
		expect_error(e, &o);
		free(s[e]);
	}
	for (e = 0; e < N_ENG; e++)
		assert_int_equal(crypto_process(lcore[e], NULL, 0), 0);
}

/*
 * Good and bad ops interleaved in one burst: each bad one fails alone.
 * For ipsec_mb, one op is also made invalid in a way only the library
 * notices (a session whose hash algorithm we corrupt): the library hands
 * that job back as invalid and the others still complete.
 */
static void
test_burst_isolation(void **state)
{
	enum { N = 40 };
	struct one *o = calloc(N, sizeof(*o));
	struct crypto_op ops[N];
	void *good, *broken;
	unsigned i, ok;
	int e;

	(void)state;
	assert_non_null(o);
	for (e = 0; e < N_ENG; e++) {
		good = sess_new(eng[e], &cbc_keys);
		broken = sess_new(eng[e], &cbc_keys);
		if (e == 0)
			((struct mb_sess *)broken)->hash_alg = IMB_AUTH_NUM;
		for (i = 0; i < N; i++) {
			one_init(&o[i], good, false, true);
			if (i % 5 == 1)
				o[i].op.cipher_len = 40;
			if (e == 0 && i % 5 == 3)
				o[i].op.sess = broken;
			ops[i] = o[i].op;
		}
		ok = crypto_process(lcore[e], ops, N);
		assert_int_equal(ok, e == 0 ? N - 16 : N - 8);
		for (i = 0; i < N; i++)
			assert_int_equal(ops[i].status, i % 5 == 1 || (e == 0 && i % 5 == 3) ?
								CRYPTO_ERROR :
								CRYPTO_OK);
		sess_free(eng[e], good);
		sess_free(eng[e], broken);
	}
	free(o);
}

/*
 * The lines to prefetch lie inside the session and cover what an op
 * reads: the header, and for ipsec_mb the round keys of the op's
 * direction and the HMAC states (or GCM's round keys); longer ops more.
 */
static void
test_hot_lines(void **state)
{
	const size_t k = offsetof(struct mb_sess, k);
	const struct crypto_keys *keys[] = { &cbc_keys, &gcm_keys };
	uint32_t enc, dec, all, long_op;
	void *s;
	int e;

	(void)state;
	for (e = 0; e < N_ENG; e++)
		for (unsigned t = 0; t < 2; t++) {
			s = sess_new(eng[e], keys[t]);
			enc = crypto_session_hot_lines(eng[e], s, 1, 64);
			dec = crypto_session_hot_lines(eng[e], s, 0, 64);
			all = (uint32_t)((UINT64_C(1) << (crypto_session_size(eng[e]) / 64)) - 1);
			assert_true(enc & 1);
			assert_true(dec & 1);
			assert_int_equal(enc & ~all, 0);
			assert_int_equal(dec & ~all, 0);
			/* a longer op reads what a shorter one does, within the session */
			long_op = crypto_session_hot_lines(eng[e], s, 1, CRYPTO_BUF_MAX);
			assert_int_equal(long_op & enc, enc);
			assert_int_equal(long_op & ~all, 0);
			sess_free(eng[e], s);
		}
	s = sess_new(eng[0], &cbc_keys);
	enc = crypto_session_hot_lines(eng[0], s, 1, 64);
	dec = crypto_session_hot_lines(eng[0], s, 0, 64);
	assert_true(enc & (1u << ((k + offsetof(struct mb_cbc_keys, enc)) / 64)));
	assert_true(dec & (1u << ((k + offsetof(struct mb_cbc_keys, dec)) / 64)));
	assert_false(enc & (1u << ((k + offsetof(struct mb_cbc_keys, dec) + 16 * 10) / 64)));
	for (uint32_t *l = &enc; l != NULL; l = l == &enc ? &dec : NULL) {
		assert_true(*l & (1u << ((k + offsetof(struct mb_cbc_keys, ipad)) / 64)));
		assert_true(*l & (1u << ((k + offsetof(struct mb_cbc_keys, opad) + 31) / 64)));
	}
	sess_free(eng[0], s);
	s = sess_new(eng[0], &gcm_keys);
	enc = crypto_session_hot_lines(eng[0], s, 1, 64);
	assert_true(enc & (1u << (k / 64)));
	assert_true(enc & (1u << ((k + 16 * 14) / 64))); /* AES-256: 15 round keys */
	assert_int_equal(enc, crypto_session_hot_lines(eng[0], s, 0, 64));
	sess_free(eng[0], s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),        cmocka_unit_test(test_icv_len),
		cmocka_unit_test(test_bad_keys),        cmocka_unit_test(test_bad_ops),
		cmocka_unit_test(test_foreign_session), cmocka_unit_test(test_burst_isolation),
		cmocka_unit_test(test_hot_lines),
	};

	return cmocka_run_group_tests(tests, engines_setup, engines_teardown);
}
