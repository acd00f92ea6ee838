/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"

const struct crypto_engine *eng[N_ENG];
struct crypto_lcore *lcore[N_ENG];

int
engines_setup(void **state)
{
	static const char *const names[N_ENG] = { "ipsec_mb", "openssl" };
	int i;

	(void)state;
	for (i = 0; i < N_ENG; i++) {
		eng[i] = crypto_engine_find(names[i]);
		if (eng[i] == NULL)
			return -1;
		lcore[i] = crypto_lcore_create(eng[i], 0);
		if (lcore[i] == NULL)
			return -1;
		print_message("engine %s: %s\n", names[i], crypto_engine_describe(eng[i]));
	}
	return 0;
}

int
engines_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < N_ENG; i++) {
		crypto_lcore_destroy(lcore[i]);
		lcore[i] = NULL;
	}
	return 0;
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
hex(const char *text, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *text != '\0'; text++) {
		if (*text == ' ' || *text == '\n')
			continue;
		v = nibble(*text);
		assert_true(v >= 0);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1); /* odd digit count: a typo */
	return n;
}

void *
sess_new(const struct crypto_engine *e, const struct crypto_keys *k)
{
	size_t size = crypto_session_size(e);
	void *s = aligned_alloc(64, (size + 63) & ~(size_t)63);

	assert_non_null(s);
	assert_int_equal(crypto_session_init(e, s, k), 0);
	return s;
}

void
sess_free(const struct crypto_engine *e, void *sess)
{
	crypto_session_clear(e, sess);
	free(sess);
}

uint64_t
rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

unsigned
rng_below(uint64_t *state, unsigned n)
{
	return (unsigned)(rng_next(state) % n);
}

void
rng_fill(uint64_t *state, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next(state);
}

uint64_t
test_seed(const char *test)
{
	const char *env = getenv("ESPHUB_SEED");
	uint64_t seed;

	if (env != NULL && *env != '\0')
		seed = strtoull(env, NULL, 0);
	else
		seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	print_message("%s: seed %llu (replay with ESPHUB_SEED=%llu)\n", test,
		      (unsigned long long)seed, (unsigned long long)seed);
	return seed;
}

void
dump(const char *what, const uint8_t *p, size_t n)
{
	size_t i;

	print_error("%s (%zu):", what, n);
	for (i = 0; i < n; i++)
		print_error("%s%02x", i % 32 == 0 ? "\n  " : "", p[i]);
	print_error("\n");
}
