/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers for the crypto engine tests (cmocka, no EAL). */
#ifndef ESPHUB_TEST_CRYPTO_HELPERS_H
#define ESPHUB_TEST_CRYPTO_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "crypto.h"

#define N_ENG 2
/* Index 0 is the engine under test (ipsec_mb), 1 the reference (openssl). */
extern const struct crypto_engine *eng[N_ENG];
extern struct crypto_lcore *lcore[N_ENG];

/* cmocka group setup/teardown: finds both engines, one lcore each. */
int engines_setup(void **state);
int engines_teardown(void **state);

/* Hex text to bytes; spaces are skipped. Fails the test on bad input. */
size_t hex(const char *text, uint8_t *out, size_t max);

/* A session in 64-byte aligned heap memory; fails the test if init fails. */
void *sess_new(const struct crypto_engine *e, const struct crypto_keys *k);
void sess_free(const struct crypto_engine *e, void *sess);

/* Deterministic PRNG (splitmix64), so a failing seed can be replayed. */
uint64_t rng_next(uint64_t *state);
unsigned rng_below(uint64_t *state, unsigned n);
void rng_fill(uint64_t *state, uint8_t *p, size_t n);
/* ESPHUB_SEED from the environment, else the clock; printed. */
uint64_t test_seed(const char *test);

void dump(const char *what, const uint8_t *p, size_t n);

#endif /* ESPHUB_TEST_CRYPTO_HELPERS_H */
