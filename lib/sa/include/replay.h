/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inbound anti-replay window (RFC 4303 s3.4.3, Appendix A), kept as a
 * ring of 64-bit blocks (RFC 6479) so that sliding never shifts the bitmap.
 *
 * Part of lib/sa's contract (included by sa.h). Sequence numbers here are
 * the full 64-bit ones; with ESN the high half is inferred from the window
 * (RFC 4303 A2.2) before checking.
 */
#ifndef ESPHUB_SA_REPLAY_H
#define ESPHUB_SA_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WIN_MIN 64
#define REPLAY_WIN_MAX (1u << 16)

/* win bits plus one spare block: a full window always fits (RFC 6479 s2). */
#define REPLAY_BLOCKS(win) ((win) / 64 + 1)

struct replay {
	uint64_t top;    /* highest sequence number accepted, 0 = none yet */
	uint32_t win;    /* window size in bits: a power of two >= 64 */
	uint32_t mask;   /* REPLAY_BLOCKS(win) - 1 rounded to a power of two - 1 */
	uint64_t bits[]; /* REPLAY_BLOCKS(win) rounded up to a power of two */
};

/* Blocks of bitmap to allocate after struct replay for a window of win bits. */
static inline uint32_t
replay_blocks(uint32_t win)
{
	uint32_t b = 1;

	while (b < REPLAY_BLOCKS(win))
		b <<= 1;
	return b;
}

/*
 * RFC 4303 A2.2: the full sequence number of a packet whose low 32 bits
 * are lo, given the window's state. Without ESN the number is lo itself.
 */
static inline uint64_t
replay_infer(const struct replay *r, uint32_t lo, bool esn)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t bottom = tl - r->win + 1; /* low half of the window's bottom */

	if (!esn)
		return lo;
	if (tl >= r->win - 1) /* window within one subspace */
		return (uint64_t)(lo >= bottom ? th : th + 1) << 32 | lo;
	/*
	 * The window straddles a 2^32 boundary. Before the first wrap there is
	 * no earlier subspace: such numbers can only be ahead, in this one.
	 */
	return (uint64_t)(lo >= bottom && th != 0 ? th - 1 : th) << 32 | lo;
}

/* Would seq be accepted? Read-only: a cheap check before the ICV. */
static inline bool
replay_check(const struct replay *r, uint64_t seq)
{
	if (seq == 0)
		return false; /* never sent (RFC 4303 s3.3.3) */
	if (seq > r->top)
		return true;
	if (r->top - seq >= r->win)
		return false; /* left of the window */
	return !(r->bits[(seq >> 6) & r->mask] & (1ull << (seq & 63)));
}

/*
 * Record seq, which passed its ICV check. False if it is a replay after
 * all (a copy passed replay_check() concurrently, or the window moved).
 */
static inline bool
replay_update(struct replay *r, uint64_t seq)
{
	uint64_t blk = seq >> 6;

	if (!replay_check(r, seq))
		return false;
	if (seq > r->top) {
		uint64_t top_blk = r->top >> 6;
		uint64_t n = blk - top_blk;

		/* Clear the blocks the window slides over. */
		if (n > r->mask)
			n = r->mask + 1;
		for (uint64_t i = 1; i <= n; i++)
			r->bits[(top_blk + i) & r->mask] = 0;
		r->top = seq;
	}
	r->bits[blk & r->mask] |= 1ull << (seq & 63);
	return true;
}

/* Empty window of win bits (power of two, REPLAY_WIN_MIN..REPLAY_WIN_MAX). */
static inline void
replay_init(struct replay *r, uint32_t win)
{
	r->top = 0;
	r->win = win;
	r->mask = replay_blocks(win) - 1;
	for (uint32_t i = 0; i <= r->mask; i++)
		r->bits[i] = 0;
}

#endif /* ESPHUB_SA_REPLAY_H */
