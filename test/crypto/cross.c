/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cross-engine tests: for random keys, IVs, lengths and ESN use (seeded;
 * ESPHUB_SEED replays a run), intel-ipsec-mb and OpenSSL must produce the
 * same bytes, open each other's packets, reject any flipped bit in the
 * authenticated region, and give the same results for a mixed burst as
 * for the same ops run one by one.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define PAYLOAD_MAX  1504
#define PKT_BUF      (8 + 16 + PAYLOAD_MAX + 4)
#define ITERATIONS   400
#define BURST_ROUNDS 150

enum alg { CBC128_SHA1, CBC128_SHA256, CBC256_SHA1, CBC256_SHA256, GCM128, GCM256, ALG_N };

static const char *const alg_names[ALG_N] = {
	"aes128-cbc/sha1",   "aes128-cbc/sha256", "aes256-cbc/sha1",
	"aes256-cbc/sha256", "aes128-gcm16",      "aes256-gcm16",
};

static bool
is_gcm(enum alg a)
{
	return a == GCM128 || a == GCM256;
}

/* One SA direction, built with the same keys in both engines. */
struct sa {
	enum alg alg;
	void *sess[N_ENG];
};

/*
 * An ESP packet laid out as the data plane will lay it out:
 * SPI|seq|IV|payload[|seq-hi], and for GCM the AAD SPI|[seq-hi|]seq-lo.
 * Ops point into their own packet; copies go through pkt_copy().
 */
struct pkt {
	const struct sa *sa;
	bool esn, tampered, invalid;
	unsigned len;
	uint8_t buf[PKT_BUF];
	uint8_t aad[12];
	uint8_t icv[CRYPTO_ICV_MAX];
	struct crypto_op op;
};

/* The seed a failing run prints: ESPHUB_SEED=<seed> replays it. */
static uint64_t seed;

static void
sa_init(struct sa *sa, enum alg alg, uint64_t *rng)
{
	struct crypto_keys k = { 0 };
	int e;

	sa->alg = alg;
	k.cipher = is_gcm(alg) ? CRYPTO_CIPHER_AES_GCM16 : CRYPTO_CIPHER_AES_CBC;
	k.cipher_key_len = alg == CBC256_SHA1 || alg == CBC256_SHA256 || alg == GCM256 ? 32 : 16;
	if (alg == CBC128_SHA1 || alg == CBC256_SHA1)
		k.integ = CRYPTO_INTEG_HMAC_SHA1_96, k.integ_key_len = 20;
	else if (!is_gcm(alg))
		k.integ = CRYPTO_INTEG_HMAC_SHA256_128, k.integ_key_len = 32;
	rng_fill(rng, k.cipher_key, sizeof(k.cipher_key));
	rng_fill(rng, k.integ_key, sizeof(k.integ_key));
	rng_fill(rng, k.salt, sizeof(k.salt));
	for (e = 0; e < N_ENG; e++)
		sa->sess[e] = sess_new(eng[e], &k);
}

static void
sa_fini(struct sa *sa)
{
	int e;

	for (e = 0; e < N_ENG; e++)
		sess_free(eng[e], sa->sess[e]);
}

/* (Re)point the op at this packet's own bytes. */
static void
pkt_bind(struct pkt *p, int e, bool encrypt)
{
	bool gcm = is_gcm(p->sa->alg);
	uint32_t hdr = gcm ? 16 : 24;

	p->op = (struct crypto_op){
		.sess = p->sa->sess[e],
		.buf = p->buf,
		.iv = p->buf + 8,
		.icv = p->icv,
		.cipher_off = hdr,
		.cipher_len = p->len,
		.encrypt = encrypt,
	};
	if (gcm) {
		/* RFC 4106 s5: the AAD is the ESP header, or SPI|seq-hi|seq-lo */
		p->op.aad = p->esn ? p->aad : p->buf;
		p->op.aad_len = p->esn ? 12 : 8;
	} else {
		/* RFC 4303 s2.2.1: seq-hi is authenticated after the payload */
		p->op.auth_len = hdr + p->len + (p->esn ? 4 : 0);
	}
	if (p->invalid) {
		if (gcm)
			p->op.aad_len = CRYPTO_AAD_MAX + 1;
		else
			p->op.cipher_len -= 8;
	}
}

static void
pkt_copy(struct pkt *dst, const struct pkt *src, int e, bool encrypt)
{
	memcpy(dst, src, sizeof(*dst));
	pkt_bind(dst, e, encrypt);
}

static void
pkt_fill(struct pkt *p, const struct sa *sa, uint64_t *rng)
{
	memset(p, 0, sizeof(*p));
	p->sa = sa;
	p->esn = rng_below(rng, 2);
	if (is_gcm(sa->alg))
		p->len = 1 + rng_below(rng, PAYLOAD_MAX);
	else
		p->len = 16 * (1 + rng_below(rng, PAYLOAD_MAX / 16));
	rng_fill(rng, p->buf, sizeof(p->buf));
	memcpy(p->aad, p->buf, 4);         /* SPI */
	rng_fill(rng, p->aad + 4, 4);      /* seq-hi */
	memcpy(p->aad + 8, p->buf + 4, 4); /* seq-lo */
	if (!is_gcm(sa->alg))
		memcpy(p->buf + 24 + p->len, p->aad + 4, 4);
}

static int
run1(int e, struct pkt *p)
{
	return crypto_process(lcore[e], &p->op, 1);
}

static void
fail_ctx(const char *what, int iter, const struct pkt *p)
{
	print_error("FAIL %s: seed %llu iteration %d alg %s len %u esn %d\n", what,
		    (unsigned long long)seed, iter, alg_names[p->sa->alg], p->len, p->esn);
	fail();
}

#define CHECK(cond, what, iter, p)               \
	do {                                     \
		if (!(cond))                     \
			fail_ctx(what, iter, p); \
	} while (0)

/* Both engines encrypt alike, and each opens the other's packet. */
static void
cross_one(int iter, const struct pkt *plain, struct pkt *w)
{
	struct pkt *enc = &w[0], *ref = &w[1], *dec = &w[2];
	unsigned icv = crypto_session_icv_len(eng[0], plain->sa->sess[0]);
	int e;

	pkt_copy(enc, plain, 0, true);
	pkt_copy(ref, plain, 1, true);
	CHECK(run1(0, enc) == 1 && run1(1, ref) == 1, "encrypt", iter, plain);
	CHECK(memcmp(enc->buf, ref->buf, sizeof(enc->buf)) == 0 &&
		      memcmp(enc->icv, ref->icv, icv) == 0,
	      "same ciphertext+ICV", iter, plain);
	for (e = 0; e < N_ENG; e++) {
		pkt_copy(dec, e == 0 ? ref : enc, e, false);
		CHECK(run1(e, dec) == 1, "decrypt the other's packet", iter, plain);
		CHECK(memcmp(dec->buf, plain->buf, sizeof(dec->buf)) == 0, "plaintext back", iter,
		      plain);
	}
}

/*
 * The bytes the engine authenticates, as the caller hands them over. With
 * ESN and GCM the AAD is a separate array and the ESP header in buf is not
 * read by the engine (the caller builds the AAD from it), so it is left out.
 */
struct region {
	uint8_t *p;
	unsigned n;
};

static unsigned
regions(struct pkt *p, struct region r[3])
{
	unsigned icv = crypto_session_icv_len(eng[0], p->sa->sess[0]);

	if (!is_gcm(p->sa->alg)) {
		r[0] = (struct region){ p->buf, p->op.auth_len };
		r[1] = (struct region){ p->icv, icv };
		return 2;
	}
	if (!p->esn) {
		r[0] = (struct region){ p->buf, 16 + p->len }; /* AAD, IV, C */
		r[1] = (struct region){ p->icv, icv };
		return 2;
	}
	r[0] = (struct region){ p->aad, 12 };
	r[1] = (struct region){ p->buf + 8, 8 + p->len }; /* IV, C */
	r[2] = (struct region){ p->icv, icv };
	return 3;
}

static unsigned
auth_bits(struct pkt *p)
{
	struct region r[3];
	unsigned i, n = regions(p, r), bits = 0;

	for (i = 0; i < n; i++)
		bits += 8 * r[i].n;
	return bits;
}

static void
flip(struct pkt *p, unsigned bit)
{
	struct region r[3];
	unsigned i, n = regions(p, r);

	for (i = 0; i < n; i++) {
		if (bit < 8 * r[i].n) {
			r[i].p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			return;
		}
		bit -= 8 * r[i].n;
	}
	fail();
}

/* Any flipped bit in what the ICV covers, or in the ICV: both reject. */
static void
flips_one(int iter, const struct pkt *plain, struct pkt *w, uint64_t *rng)
{
	struct pkt *enc = &w[0], *bad = &w[1];
	unsigned span, bits[4], i;
	int e;

	pkt_copy(enc, plain, 1, true);
	CHECK(run1(1, enc) == 1, "encrypt", iter, plain);
	span = auth_bits(enc);
	bits[0] = 0;
	bits[1] = span - 1;
	bits[2] = rng_below(rng, span);
	bits[3] = rng_below(rng, span);
	for (i = 0; i < 4; i++)
		for (e = 0; e < N_ENG; e++) {
			pkt_copy(bad, enc, e, false);
			flip(bad, bits[i]);
			CHECK(run1(e, bad) == 0 && bad->op.status == CRYPTO_AUTH_FAILED,
			      "flipped bit accepted", iter, plain);
		}
}

static void
test_cross_random(void **state)
{
	static struct pkt plain[1], w[3];
	uint64_t rng = test_seed("cross_random");
	struct sa sa;
	int i;

	(void)state;
	seed = rng;
	for (i = 0; i < ITERATIONS; i++) {
		sa_init(&sa, (enum alg)(i % ALG_N), &rng);
		pkt_fill(plain, &sa, &rng);
		cross_one(i, plain, w);
		flips_one(i, plain, w, &rng);
		sa_fini(&sa);
	}
}

/* ---------------------------------------------------------- bursts */

struct burst {
	unsigned n;
	struct pkt *in; /* prepared ops: plaintext or ciphertext */
	bool *encrypt;
	struct pkt *one; /* results one by one */
	struct pkt *all; /* results as one burst */
	struct crypto_op *ops;
};

/* A mix of directions, SAs, tampered and invalid ops. */
static void
burst_prepare(struct burst *b, const struct sa *sas, uint64_t *rng)
{
	struct pkt *p;
	unsigned i;

	for (i = 0; i < b->n; i++) {
		p = &b->in[i];
		pkt_fill(p, &sas[rng_below(rng, ALG_N)], rng);
		b->encrypt[i] = rng_below(rng, 2);
		if (!b->encrypt[i]) {
			pkt_bind(p, 1, true);
			assert_int_equal(run1(1, p), 1);
			if (rng_below(rng, 8) == 0) {
				/* any bit of any byte: the compare goes a word at a time */
				unsigned len = crypto_session_icv_len(eng[1], p->sa->sess[1]);

				p->tampered = true;
				p->icv[rng_below(rng, len)] ^= (uint8_t)(1u << rng_below(rng, 8));
			}
		}
		p->invalid = rng_below(rng, 16) == 0;
	}
}

static unsigned
burst_run(struct burst *b, int e)
{
	unsigned i, ok1 = 0, ok;

	for (i = 0; i < b->n; i++) {
		pkt_copy(&b->one[i], &b->in[i], e, b->encrypt[i]);
		ok1 += run1(e, &b->one[i]);
		pkt_copy(&b->all[i], &b->in[i], e, b->encrypt[i]);
		b->ops[i] = b->all[i].op;
	}
	ok = crypto_process(lcore[e], b->ops, (uint16_t)b->n);
	assert_int_equal(ok, ok1);
	return ok;
}

static enum crypto_status
expected(const struct pkt *p)
{
	if (p->invalid)
		return CRYPTO_ERROR;
	return p->tampered ? CRYPTO_AUTH_FAILED : CRYPTO_OK;
}

static void
burst_compare(struct burst *b, int e, int round, struct pkt *other)
{
	unsigned i, icv;

	for (i = 0; i < b->n; i++) {
		const struct pkt *one = &b->one[i], *all = &b->all[i];

		icv = crypto_session_icv_len(eng[e], one->sa->sess[e]);
		CHECK(b->ops[i].status == one->op.status && one->op.status == expected(one),
		      "burst status", round, one);
		CHECK(one->op.status != CRYPTO_OK ||
			      (memcmp(all->buf, one->buf, sizeof(all->buf)) == 0 &&
			       memcmp(all->icv, one->icv, icv) == 0),
		      "burst bytes differ from one-by-one", round, one);
		if (other != NULL && one->op.status == CRYPTO_OK)
			CHECK(memcmp(other[i].buf, one->buf, sizeof(one->buf)) == 0 &&
				      memcmp(other[i].icv, one->icv, icv) == 0,
			      "engines differ in a burst", round, one);
	}
}

static void
burst_alloc(struct burst *b, unsigned max)
{
	b->in = calloc(max, sizeof(*b->in));
	b->one = calloc(max, sizeof(*b->one));
	b->all = calloc(max, sizeof(*b->all));
	b->encrypt = calloc(max, sizeof(*b->encrypt));
	b->ops = calloc(max, sizeof(*b->ops));
	assert_true(b->in && b->one && b->all && b->encrypt && b->ops);
}

static void
burst_free(struct burst *b)
{
	free(b->in);
	free(b->one);
	free(b->all);
	free(b->encrypt);
	free(b->ops);
}

static void
bursts(unsigned max_n, unsigned rounds, const char *name)
{
	struct pkt *mb_all = calloc(max_n, sizeof(*mb_all));
	uint64_t rng = test_seed(name);
	struct sa sas[ALG_N];
	struct burst b;
	unsigned r, a;

	assert_non_null(mb_all);
	seed = rng;
	burst_alloc(&b, max_n);
	for (a = 0; a < ALG_N; a++)
		sa_init(&sas[a], (enum alg)a, &rng);
	for (r = 0; r < rounds; r++) {
		b.n = 1 + rng_below(&rng, max_n);
		burst_prepare(&b, sas, &rng);
		burst_run(&b, 0);
		burst_compare(&b, 0, (int)r, NULL);
		memcpy(mb_all, b.all, b.n * sizeof(*mb_all));
		burst_run(&b, 1);
		burst_compare(&b, 1, (int)r, mb_all);
	}
	for (a = 0; a < ALG_N; a++)
		sa_fini(&sas[a]);
	burst_free(&b);
	free(mb_all);
}

static void
test_mixed_bursts(void **state)
{
	(void)state;
	bursts(64, BURST_ROUNDS, "mixed_bursts");
}

/* Past IMB_MAX_BURST_SIZE (128): the engine cuts the call into chunks. */
static void
test_long_bursts(void **state)
{
	(void)state;
	bursts(400, 12, "long_bursts");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_random),
		cmocka_unit_test(test_mixed_bursts),
		cmocka_unit_test(test_long_bursts),
	};

	return cmocka_run_group_tests(tests, engines_setup, engines_teardown);
}
