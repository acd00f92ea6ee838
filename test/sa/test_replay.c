/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The anti-replay window (lib/sa/include/replay.h): in-window, duplicate, too old,
 * window slides, and ESN inference across 2^32 (RFC 4303 A2.2), checked
 * against a plain reference model: a set of every accepted number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "replay.h"

static struct replay *
window(uint32_t win)
{
	struct replay *r = calloc(1, sizeof(*r) + replay_blocks(win) * sizeof(uint64_t));

	replay_init(r, win);
	return r;
}

static bool
accept(struct replay *r, uint64_t seq)
{
	return replay_check(r, seq) && replay_update(r, seq);
}

static void
in_window_duplicate_too_old(void **state)
{
	struct replay *r = window(1024);

	(void)state;
	assert_false(accept(r, 0)); /* 0 is never sent */
	assert_true(accept(r, 1));
	assert_false(accept(r, 1)); /* duplicate */
	assert_true(accept(r, 5));
	assert_true(accept(r, 3)); /* late, inside the window */
	assert_false(accept(r, 3));
	assert_true(accept(r, 2000)); /* jump: window now 977..2000 */
	assert_false(accept(r, 976)); /* left of the window */
	assert_true(accept(r, 977));  /* its left edge */
	assert_false(accept(r, 977));
	assert_true(accept(r, 1999));
	assert_false(accept(r, 5)); /* seen long ago, now too old */
	assert_int_equal(r->top, 2000);
	free(r);
}

/* Random arrival orders against a reference: accept iff new and not too old. */
static void
matches_reference_model(void **state)
{
	const uint32_t wins[] = { 64, 128, 1024, 4096 };

	(void)state;
	srand(6479);
	for (unsigned w = 0; w < sizeof(wins) / sizeof(wins[0]); w++) {
		uint32_t win = wins[w];
		struct replay *r = window(win);
		uint8_t *seen = calloc(1, 1 << 20);
		uint64_t top = 0, base = 1;

		for (int i = 0; i < 200000; i++) {
			/* Mostly forward, some reordering, some replays, some jumps. */
			uint64_t seq;
			int k = rand() % 100;
			bool want;

			if (k < 70)
				seq = base++;
			else if (k < 90)
				seq = base > 2 * win ? base - (uint64_t)(rand() % (2 * win)) : 1;
			else if (k < 99)
				seq = base + (uint64_t)(rand() % 50);
			else {
				base += (uint64_t)(rand() % (3 * win));
				seq = base;
			}
			if (seq >= (1u << 20) - 4096)
				break;
			want = seq != 0 && !seen[seq] && !(top >= win && seq <= top - win);
			assert_int_equal(accept(r, seq), want);
			if (want) {
				seen[seq] = 1;
				if (seq > top)
					top = seq;
			}
		}
		free(seen);
		free(r);
	}
}

/* RFC 4303 A2.2: the high half follows the window across 2^32. */
static void
esn_across_2_32(void **state)
{
	struct replay *r = window(1024);
	const uint64_t w = 1ull << 32;

	(void)state;
	assert_true(accept(r, replay_infer(r, 0xfffffff0, true)));
	assert_int_equal(r->top, 0xfffffff0);
	/* Low halves just past the wrap belong to the next subspace. */
	assert_int_equal(replay_infer(r, 5, true), w + 5);
	assert_true(accept(r, replay_infer(r, 5, true)));
	assert_int_equal(r->top, w + 5);
	/* Late packets from before the wrap are still inside the window ... */
	assert_int_equal(replay_infer(r, 0xfffffffe, true), 0xfffffffe);
	assert_true(accept(r, replay_infer(r, 0xfffffffe, true)));
	assert_false(accept(r, replay_infer(r, 0xfffffffe, true)));
	assert_false(accept(r, replay_infer(r, 0xfffffff0, true)));
	/*
	 * ... and far older ones are read as ahead in this subspace (A2.2);
	 * their ICV, computed with the old high half, then fails.
	 */
	assert_int_equal(replay_infer(r, 0xfffff000, true), w + 0xfffff000);
	/* Move on well past the wrap: the window lies inside one subspace. */
	assert_true(accept(r, replay_infer(r, 5000, true)));
	assert_int_equal(r->top, w + 5000);
	assert_int_equal(replay_infer(r, 4500, true), w + 4500);
	assert_int_equal(replay_infer(r, 3000, true), 2 * w + 3000); /* below: next */
	/* Without ESN the number is the wire's 32 bits. */
	assert_int_equal(replay_infer(r, 7, false), 7);
	free(r);
}

/* A second wrap, and a long run exactly one per number. */
static void
esn_long_run(void **state)
{
	struct replay *r = window(64);
	uint64_t seq = 0xffffff00;

	(void)state;
	r->top = seq - 1;
	for (int i = 0; i < 100000; i++, seq++) {
		uint64_t full = replay_infer(r, (uint32_t)seq, true);

		assert_int_equal(full, seq);
		assert_true(accept(r, full));
	}
	assert_int_equal(r->top >> 32, 1);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_window_duplicate_too_old),
		cmocka_unit_test(matches_reference_model),
		cmocka_unit_test(esn_across_2_32),
		cmocka_unit_test(esn_long_run),
	};

	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
