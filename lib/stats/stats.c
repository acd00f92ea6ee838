/* SPDX-License-Identifier: BSD-3-Clause */
#include "stats.h"

/* By hand: clang-format 14 takes what follows an X-macro expansion for a continuation. */
/* clang-format off */
static const char *const drop_stage[DROP_N] = {
	[DROP_NONE] = "-",
#define _(sym, stage, name, descr) [DROP_##sym] = stage,
	foreach_drop(_)
#undef _
};

static const char *const drop_name[DROP_N] = {
	[DROP_NONE] = "none",
#define _(sym, stage, name, descr) [DROP_##sym] = name,
	foreach_drop(_)
#undef _
};

static const char *const drop_descr[DROP_N] = {
	[DROP_NONE] = "not dropped",
#define _(sym, stage, name, descr) [DROP_##sym] = descr,
	foreach_drop(_)
#undef _
};
/* clang-format on */

const char *
stats_drop_stage(enum stats_drop d)
{
	return d < DROP_N ? drop_stage[d] : "?";
}

const char *
stats_drop_name(enum stats_drop d)
{
	return d < DROP_N ? drop_name[d] : "?";
}

const char *
stats_drop_descr(enum stats_drop d)
{
	return d < DROP_N ? drop_descr[d] : "?";
}

STATS_COUNTER_TEXT(foreach_worker_counter, enum stats_worker_counter, WCTR_N,
		   stats_worker_counter_name, stats_worker_counter_descr)

/* The block is a flat array of uint64_t; treat it so. */
#define WORDS (sizeof(struct stats_worker) / sizeof(uint64_t))

void
stats_worker_sum(struct stats_worker *out, struct stats_worker *const *blocks, unsigned n)
{
	uint64_t *o = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	for (unsigned b = 0; b < n; b++) {
		const volatile uint64_t *in = (const volatile uint64_t *)blocks[b];

		for (size_t i = 0; i < WORDS; i++)
			o[i] += in[i];
	}
}

void
stats_worker_sub(struct stats_worker *out, const struct stats_worker *a,
		 const struct stats_worker *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	uint64_t *o = (uint64_t *)out;

	for (size_t i = 0; i < WORDS; i++)
		o[i] = x[i] - y[i];
}
