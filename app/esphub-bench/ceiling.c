/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `ceiling`: what intel-ipsec-mb alone does on this core, for the ESP
 * crypto of the benchmark's packets: no packet I/O, no parsing, no SA
 * lookup, buffers hot in cache. esphub's figure divided by this one is the
 * share of the core's crypto capacity that reaches the wire.
 *
 * Written against the library directly (not drivers/crypto), so that a
 * slowdown in esphub's engine wrapper shows up as a lower ratio instead
 * of a lower ceiling, and in the library's fastest way per transform:
 * CBC+HMAC jobs stream through one manager without ever draining it,
 * which keeps every multi-buffer lane busy; GCM, single-buffer in the
 * library, goes through its direct GCM calls, which skip the job's
 * filling and copying. (The 1.3 burst API used the streaming way lost
 * and duplicated jobs here; esphub's engine drains after every burst of
 * jobs, which is sound.)
 * Each op is shaped like the ESP op for one packet of the frame size:
 * cipher over the padded inner packet, HMAC over header, IV and ciphertext
 * (CBC) or GMAC with 8 bytes of AAD (GCM); a self-test checks that it
 * computes exactly what esphub's engine computes.
 *
 * Output: one JSON object per (size, arch) on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include <intel-ipsec-mb.h>

#include "bench.h"

#define CEIL_BUFS  96 /* a multiple of the IMIX period and of 32 */
#define CEIL_BUF   2048
#define CEIL_SIZES 16
#define DIM(a)     (sizeof(a) / sizeof((a)[0]))

struct ceil_keys {
	struct gcm_key_data gcm __attribute__((aligned(64)));
	uint8_t enc[16 * 15] __attribute__((aligned(16)));
	uint8_t dec[16 * 15] __attribute__((aligned(16)));
	uint8_t ipad[32] __attribute__((aligned(16)));
	uint8_t opad[32] __attribute__((aligned(16)));
};

struct ceil_buf {
	uint8_t data[CEIL_BUF] __attribute__((aligned(64)));
	uint8_t iv[16];
	uint8_t tag[16];
	uint32_t clen;
};

struct ceil {
	enum bench_algo algo;
	bool encrypt;
	double seconds;
	int cpu;
	IMB_MGR *mgr;
	struct ceil_keys *k;
	struct crypto_keys raw; /* the same keys for esphub's engine (self-test) */
	struct ceil_buf *b;
	uint64_t errors;
	double cpu_share;
};

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double
now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static void
setup_keys(struct ceil *c)
{
	uint8_t key[16], ik[64];
	uint64_t st = 42;

	memset(&c->raw, 0, sizeof(c->raw));
	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)bench_rand(&st);
	memcpy(c->raw.cipher_key, key, 16);
	c->raw.cipher_key_len = 16;
	if (c->algo == BENCH_GCM128) {
		c->raw.cipher = CRYPTO_CIPHER_AES_GCM16;
		IMB_AES128_GCM_PRE(c->mgr, key, &c->k->gcm);
		return;
	}
	c->raw.cipher = CRYPTO_CIPHER_AES_CBC;
	c->raw.integ = CRYPTO_INTEG_HMAC_SHA1_96;
	c->raw.integ_key_len = 20;
	IMB_AES_KEYEXP_128(c->mgr, key, c->k->enc, c->k->dec);
	/* HMAC (RFC 2104): hash states after one block of key ^ ipad / opad. */
	memset(ik, 0x36, sizeof(ik));
	for (unsigned i = 0; i < 20; i++) {
		c->raw.integ_key[i] = (uint8_t)bench_rand(&st);
		ik[i] ^= c->raw.integ_key[i];
	}
	IMB_SHA1_ONE_BLOCK(c->mgr, ik, c->k->ipad);
	for (unsigned i = 0; i < 64; i++)
		ik[i] ^= 0x36 ^ 0x5c;
	IMB_SHA1_ONE_BLOCK(c->mgr, ik, c->k->opad);
}

static void
setup_bufs(struct ceil *c, unsigned size)
{
	uint64_t st = 7;

	for (unsigned j = 0; j < CEIL_BUFS; j++) {
		struct ceil_buf *b = &c->b[j];
		unsigned ip_len = bench_frame_size(size, j) - BENCH_FCS - BENCH_ETH_HDR;

		for (unsigned i = 0; i < CEIL_BUF; i += 8) {
			uint64_t r = bench_rand(&st);

			memcpy(b->data + i, &r, 8);
		}
		for (unsigned i = 0; i < 16; i += 8) {
			uint64_t r = bench_rand(&st);

			memcpy(b->iv + i, &r, 8);
		}
		b->clen = bench_esp_cipher_len(c->algo, ip_len);
	}
}

static void
fill(struct ceil *c, IMB_JOB *job, struct ceil_buf *b)
{
	unsigned iv = bench_esp_iv_len(c->algo), off = 8 + iv;

	job->src = b->data;
	job->dst = b->data + off;
	job->key_len_in_bytes = 16;
	job->cipher_start_src_offset_in_bytes = off;
	job->msg_len_to_cipher_in_bytes = b->clen;
	job->cipher_direction = c->encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = c->encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->auth_tag_output = b->tag;
	job->auth_tag_output_len_in_bytes = bench_esp_icv_len(c->algo);
	job->user_data = b;
	if (c->algo == BENCH_GCM128) {
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->enc_keys = &c->k->gcm;
		job->dec_keys = &c->k->gcm;
		job->iv = b->iv;
		job->iv_len_in_bytes = 12;
		job->hash_start_src_offset_in_bytes = off;
		job->msg_len_to_hash_in_bytes = b->clen;
		job->u.GCM.aad = b->data;
		job->u.GCM.aad_len_in_bytes = 8;
		job->u.GCM.ctx = NULL;
	} else {
		job->cipher_mode = IMB_CIPHER_CBC;
		job->hash_alg = IMB_AUTH_HMAC_SHA_1;
		job->enc_keys = c->k->enc;
		job->dec_keys = c->k->dec;
		job->iv = b->iv;
		job->iv_len_in_bytes = 16;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = off + b->clen;
		job->u.HMAC._hashed_auth_key_xor_ipad = c->k->ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = c->k->opad;
	}
}

static uint64_t
done(struct ceil *c, const IMB_JOB *job)
{
	if (job->status != IMB_STATUS_COMPLETED)
		c->errors++;
	return 1;
}

/* One GCM op on b, in place, through the direct calls (no job). */
static void
gcm_direct(struct ceil *c, struct ceil_buf *b, struct gcm_context_data *ctx)
{
	uint8_t *data = b->data + 8 + bench_esp_iv_len(c->algo);

	if (c->encrypt)
		IMB_AES128_GCM_ENC(c->mgr, &c->k->gcm, ctx, data, data, b->clen, b->iv, b->data, 8,
				   b->tag, bench_esp_icv_len(c->algo));
	else
		IMB_AES128_GCM_DEC(c->mgr, &c->k->gcm, ctx, data, data, b->clen, b->iv, b->data, 8,
				   b->tag, bench_esp_icv_len(c->algo));
}

/*
 * Run for `seconds`; returns ops completed, *cycles and *secs measured.
 * c->cpu_share: the share of that time this thread was on a CPU (below
 * 1 when the machine gave the core to something else meanwhile).
 */
static uint64_t
run(struct ceil *c, double seconds, uint64_t *cycles, double *secs)
{
	uint64_t ops = 0, next = 0, t0 = __rdtsc();
	double s0 = now_s(), deadline = s0 + seconds;
	double cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	struct gcm_context_data ctx;
	IMB_JOB *job;

	for (uint64_t iter = 1;; iter++) {
		struct ceil_buf *b = &c->b[next++ % CEIL_BUFS];

		if (c->algo == BENCH_GCM128) {
			gcm_direct(c, b, &ctx);
			ops++;
		} else {
			job = IMB_GET_NEXT_JOB(c->mgr);
			fill(c, job, b);
			for (job = IMB_SUBMIT_JOB_NOCHECK(c->mgr); job != NULL;
			     job = IMB_GET_COMPLETED_JOB(c->mgr))
				ops += done(c, job);
		}
		if ((iter & 1023) == 0 && now_s() >= deadline)
			break;
	}
	while ((job = IMB_FLUSH_JOB(c->mgr)) != NULL)
		for (; job != NULL; job = IMB_GET_COMPLETED_JOB(c->mgr))
			ops += done(c, job);
	*cycles = __rdtsc() - t0;
	*secs = now_s() - s0;
	c->cpu_share = (clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0) / *secs;
	return ops;
}

/*
 * One op the way run() does it, to completion; 0 if it came back (a job
 * through the checked job API; GCM through the direct calls).
 */
static int
one_op(struct ceil *c, struct ceil_buf *b)
{
	struct gcm_context_data ctx;
	IMB_JOB *job;

	if (c->algo == BENCH_GCM128) {
		gcm_direct(c, b, &ctx);
		return 0;
	}
	job = IMB_GET_NEXT_JOB(c->mgr);

	fill(c, job, b);
	job = IMB_SUBMIT_JOB(c->mgr);
	if (job == NULL)
		job = IMB_FLUSH_JOB(c->mgr);
	return job != NULL && job->user_data == b && job->status == IMB_STATUS_COMPLETED &&
			       IMB_QUEUE_SIZE(c->mgr) == 0 ?
		       0 :
		       -EIO;
}

/*
 * The ops measured are the ESP transform esphub runs: encrypt one buffer
 * with them and with esphub's engine (same keys, IV, AAD), compare
 * ciphertext and ICV, then decrypt it back with them.
 */
static int
selftest(struct ceil *c, const struct ceil_buf *src)
{
	const struct crypto_engine *e = crypto_engine_find("ipsec_mb");
	static struct ceil_buf a, b;
	struct crypto_keys keys = c->raw;
	struct crypto_lcore *lc = NULL;
	unsigned iv = bench_esp_iv_len(c->algo), icv = bench_esp_icv_len(c->algo);
	bool enc = c->encrypt;
	void *sess = NULL;
	int rc = -EIO;

	a = *src;
	b = *src;
	if (c->algo == BENCH_GCM128)
		memcpy(keys.salt, src->iv, CRYPTO_SALT_LEN); /* nonce = salt | IV */
	if (e == NULL ||
	    (sess = aligned_alloc(64, (crypto_session_size(e) + 63) & ~63ul)) == NULL ||
	    crypto_session_init(e, sess, &keys) != 0 || (lc = crypto_lcore_create(e, 0)) == NULL)
		goto out;
	struct crypto_op op = {
		.sess = sess,
		.buf = b.data,
		.aad = b.data,
		.aad_len = c->algo == BENCH_GCM128 ? 8 : 0,
		.iv = c->algo == BENCH_GCM128 ? b.iv + CRYPTO_SALT_LEN : b.iv,
		.icv = b.tag,
		.auth_len = 8 + iv + b.clen,
		.cipher_off = 8 + iv,
		.cipher_len = b.clen,
		.encrypt = 1,
	};
	c->encrypt = true;
	if (one_op(c, &a) != 0 || crypto_process(lc, &op, 1) != 1 ||
	    memcmp(a.data, b.data, 8 + iv + b.clen) != 0 || memcmp(a.tag, b.tag, icv) != 0)
		goto out;
	c->encrypt = false;
	if (one_op(c, &a) != 0 || memcmp(a.data, src->data, 8 + iv + a.clen) != 0 ||
	    memcmp(a.tag, b.tag, icv) != 0)
		goto out;
	rc = 0;
out:
	c->encrypt = enc;
	if (lc != NULL)
		crypto_lcore_destroy(lc);
	if (sess != NULL)
		crypto_session_clear(e, sess);
	free(sess);
	return rc;
}

static const struct {
	const char *name;
	IMB_ARCH arch;
	uint64_t need;
	void (*init)(IMB_MGR *);
} archs[] = {
	{ "sse", IMB_ARCH_SSE, IMB_CPUFLAGS_SSE, init_mb_mgr_sse },
	{ "avx", IMB_ARCH_AVX, IMB_CPUFLAGS_AVX, init_mb_mgr_avx },
	{ "avx2", IMB_ARCH_AVX2, IMB_CPUFLAGS_AVX2, init_mb_mgr_avx2 },
	{ "avx512", IMB_ARCH_AVX512, IMB_CPUFLAGS_AVX512, init_mb_mgr_avx512 },
};

static const char *
arch_name(IMB_ARCH a)
{
	for (unsigned i = 0; i < DIM(archs); i++)
		if (archs[i].arch == a)
			return archs[i].name;
	return "none";
}

/* Measure every size on one manager (arch -1 = the library's choice). */
static int
measure(struct ceil *c, int arch, const unsigned *sizes, unsigned n_sizes)
{
	IMB_ARCH used = IMB_ARCH_NONE;
	int rc = 0;

	c->mgr = alloc_mb_mgr(0);
	if (c->mgr == NULL)
		return -ENOMEM;
	if (arch < 0)
		init_mb_mgr_auto(c->mgr, &used);
	else {
		archs[arch].init(c->mgr);
		used = archs[arch].arch;
	}
	if (imb_get_errno(c->mgr) != 0) {
		rc = -ENOTSUP;
		goto out;
	}
	setup_keys(c);
	for (unsigned s = 0; s < n_sizes; s++) {
		uint64_t ops, cyc;
		double secs;
		char size[16];

		setup_bufs(c, sizes[s]);
		if (selftest(c, &c->b[0]) != 0) {
			fprintf(stderr, "ceiling: %s jobs disagree with esphub's engine\n",
				bench_algo_name(c->algo));
			rc = -EIO;
			break;
		}
		c->errors = 0;
		run(c, 0.02, &cyc, &secs); /* warm caches and clocks */
		ops = run(c, c->seconds, &cyc, &secs);
		if (selftest(c, &c->b[0]) != 0) /* the manager is still sane */
			c->errors++;
		if (sizes[s] == BENCH_SIZE_IMIX)
			snprintf(size, sizeof(size), "imix");
		else
			snprintf(size, sizeof(size), "%u", sizes[s]);
		printf("{\"algo\": \"%s\", \"dir\": \"%s\", \"frame_size\": \"%s\", "
		       "\"arch\": \"%s\", \"cpu\": %d, \"ops\": %llu, "
		       "\"seconds\": %.6f, \"mops\": %.4f, \"cycles_per_op\": %.1f, "
		       "\"cpu_share\": %.3f, \"errors\": %llu}\n",
		       bench_algo_name(c->algo), c->encrypt ? "enc" : "dec", size, arch_name(used),
		       c->cpu, (unsigned long long)ops, secs, (double)ops / secs / 1e6,
		       (double)cyc / (double)ops, c->cpu_share, (unsigned long long)c->errors);
		fflush(stdout);
		if (c->errors != 0)
			rc = -EIO;
	}
out:
	free_mb_mgr(c->mgr);
	c->mgr = NULL;
	return rc;
}

static bool
parse_sizes(char *s, unsigned *sizes, unsigned *n)
{
	for (char *t = strtok(s, ","); t != NULL; t = strtok(NULL, ",")) {
		if (*n == CEIL_SIZES || !bench_parse_size(t, &sizes[*n]))
			return false;
		(*n)++;
	}
	return *n != 0;
}

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : -errno;
}

/*
 * esphub-bench ceiling --algo A --dir enc|dec --sizes 64,1420,imix
 *   [--seconds 0.5] [--cpu 1] [--arch auto|all|sse|avx|avx2|avx512]
 */
int
bench_cmd_ceiling(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "algo", required_argument, NULL, 'a' },
		{ "dir", required_argument, NULL, 'd' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "arch", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct ceil c = { .encrypt = true, .seconds = 0.5, .cpu = -1 };
	unsigned sizes[CEIL_SIZES], n_sizes = 0;
	const char *arch = "auto";
	uint32_t v;
	bool ok = true;
	int opt, rc = 0;

	while (ok && (opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			ok = bench_algo_parse(optarg, &c.algo);
			break;
		case 'd':
			c.encrypt = strcmp(optarg, "enc") == 0;
			ok = c.encrypt || strcmp(optarg, "dec") == 0;
			break;
		case 'z':
			ok = parse_sizes(optarg, sizes, &n_sizes);
			break;
		case 't':
			c.seconds = strtod(optarg, NULL);
			ok = c.seconds > 0 && c.seconds <= 60;
			break;
		case 'c':
			ok = bench_parse_u32(optarg, 0, CPU_SETSIZE - 1, &v);
			c.cpu = (int)v;
			break;
		case 'A':
			arch = optarg;
			break;
		default:
			ok = false;
			break;
		}
	}
	if (!ok || n_sizes == 0) {
		fprintf(stderr, "usage: esphub-bench ceiling --algo aes-gcm-128|aes-cbc-128-sha1 "
				"--dir enc|dec --sizes 64,...,imix [--seconds S] [--cpu N] "
				"[--arch auto|all|sse|avx|avx2|avx512]\n");
		return 2;
	}
	if (c.cpu >= 0 && (rc = pin(c.cpu)) != 0) {
		fprintf(stderr, "ceiling: cannot pin to cpu %d: %s\n", c.cpu, strerror(-rc));
		return 1;
	}
	c.k = aligned_alloc(64, sizeof(*c.k));
	c.b = aligned_alloc(64, sizeof(*c.b) * CEIL_BUFS);
	if (c.k == NULL || c.b == NULL)
		return 1;
	if (strcmp(arch, "auto") == 0) {
		rc = measure(&c, -1, sizes, n_sizes);
	} else {
		uint64_t have = imb_get_feature_flags();
		bool found = false;

		for (unsigned i = 0; i < DIM(archs); i++) {
			if (strcmp(arch, "all") != 0 && strcmp(arch, archs[i].name) != 0)
				continue;
			found = true;
			if ((have & archs[i].need) == archs[i].need && rc == 0)
				rc = measure(&c, (int)i, sizes, n_sizes);
		}
		if (!found)
			rc = -EINVAL;
	}
	free(c.k);
	free(c.b);
	if (rc != 0)
		fprintf(stderr, "ceiling: %s\n", strerror(-rc));
	return rc == 0 ? 0 : 1;
}

/* TSC ticks per second, against CLOCK_MONOTONIC over 200 ms. */
static double
tsc_hz(void)
{
	double s0 = now_s(), s1;
	uint64_t t0 = __rdtsc(), t1;

	do {
		s1 = now_s();
	} while (s1 - s0 < 0.2);
	t1 = __rdtsc();
	return (double)(t1 - t0) / (s1 - s0);
}

/* esphub-bench info: facts the report prints next to the numbers. */
int
bench_cmd_info(int argc, char **argv)
{
	const struct crypto_engine *e = crypto_engine_find("ipsec_mb");
	uint64_t f = imb_get_feature_flags();

	(void)argc;
	(void)argv;
	printf("{\"engine\": \"%s\", \"ipsec_mb_version\": \"%s\", \"tsc_hz\": %.0f, "
	       "\"shani\": %s, \"vaes\": %s, \"avx512\": %s, \"sess_size\": %zu}\n",
	       e != NULL ? crypto_engine_describe(e) : "none", imb_get_version_str(), tsc_hz(),
	       f & IMB_FEATURE_SHANI ? "true" : "false", f & IMB_FEATURE_VAES ? "true" : "false",
	       (f & IMB_CPUFLAGS_AVX512) == IMB_CPUFLAGS_AVX512 ? "true" : "false",
	       e != NULL ? crypto_session_size(e) : 0);
	return 0;
}
