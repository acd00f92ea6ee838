/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Expiry: each worker frees its own dead sessions (idle past their timeout,
 * or flushed) by walking its cloud-side index a few buckets at a time.
 *
 * Timers (nat.h lists the defaults and their RFCs):
 *   idle timeout   per session, by protocol and TCP state; a dead session
 *                  is refused by lookups the moment it passes it, so the
 *                  scan only decides when its memory and port come back.
 *   scan period    one full pass of a worker's buckets per period, paced by
 *                  the clock: the credit grows by buckets/period each ms.
 *   fast pass      after a flush, one pass at the full per-call budget so
 *                  a flushed site's cap and ports come back quickly.
 *   grace period   a freed slot is reused once every worker has reported a
 *                  quiescent state after it was unlinked (table.c).
 */
#include "priv.h"

/* Buckets this call may visit. */
static uint32_t
scan_quota(struct nat_worker *nw, uint32_t now, unsigned budget)
{
	const struct nat *nat = nw->nat;
	uint64_t nb = 1ull << nat->bits;
	uint64_t cap = nb * nat->scan_period;
	uint32_t flush = __atomic_load_n(&nat->flush_seq, __ATOMIC_ACQUIRE);
	uint64_t due;
	uint32_t n;

	if (flush != nw->flush_seen) {
		nw->flush_seen = flush;
		nw->urgent = (uint32_t)nb;
	}
	if ((int32_t)(now - nw->scan_last) > 0)
		nw->scan_credit =
			RTE_MIN(cap, nw->scan_credit + (uint64_t)(now - nw->scan_last) * nb);
	nw->scan_last = now;
	due = nw->scan_credit / nat->scan_period;
	n = (uint32_t)RTE_MIN((uint64_t)budget, due);
	nw->scan_credit -= (uint64_t)n * nat->scan_period;
	if (nw->urgent > 0) {
		uint32_t fast = RTE_MIN(budget, nw->urgent);

		n = RTE_MAX(n, fast);
		nw->urgent -= RTE_MIN(n, nw->urgent);
	}
	return n;
}

/* Free the dead sessions of one cloud-side chain. */
static unsigned
scan_bucket(struct nat_worker *nw, uint32_t b, uint32_t now)
{
	const struct nat *nat = nw->nat;
	uint32_t i = nw->in_head[b];
	unsigned freed = 0;

	while (i != NAT_NIL) {
		struct nat_session *s = &nw->sess[i];
		uint32_t next = s->next_in; /* intact after unlinking */

		if (!nat_retire_room(nw))
			break;
		if (session_flushed(nat, s)) {
			nw->st.ctr[NAT_CTR_FLUSHED]++;
			nat_session_unlink(nw, i);
			freed++;
		} else if (session_expired(nat, s, now)) {
			nw->st.ctr[NAT_CTR_EXPIRED]++;
			nat_session_unlink(nw, i);
			freed++;
		}
		i = next;
	}
	return freed;
}

unsigned
nat_worker_expire(struct nat_worker *nw, uint64_t tsc, unsigned budget)
{
	const struct nat *nat = nw->nat;
	uint32_t now = nat_clock(nat, tsc);
	uint32_t mask = (1u << nat->bits) - 1;
	uint32_t n = scan_quota(nw, now, budget);
	unsigned freed = 0;

	nat_retire_reclaim(nw);
	for (uint32_t k = 0; k < n && nat_retire_room(nw); k++) {
		uint32_t b = nw->cursor;

		/* The next chain's head is a sequential read; its sessions are not. */
		if (k + 1 < n) {
			uint32_t nxt = nw->in_head[(b + 1) & mask];

			if (nxt != NAT_NIL)
				rte_prefetch0(&nw->sess[nxt]);
		}
		freed += scan_bucket(nw, b, now);
		nw->cursor = (b + 1) & mask;
	}
	/* Start the grace period of what this call freed. */
	nat_retire_close(nw);
	return freed;
}
