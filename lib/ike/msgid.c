/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay protection of an ISAKMP SA's exchanges: every Quick Mode and every
 * authenticated Informational (but DPD, which its sequence numbers guard,
 * info.c) uses a message ID once for the life of the ISAKMP SA (RFC 2408
 * s3.1: message IDs are unique per exchange). An authenticated message is
 * acted on, refreshes liveness or moves the peer only when its ID is new.
 *
 * Memory is bounded: a sorted array per ISAKMP SA, grown by doubling up to
 * MSGID_MAX IDs (4 bytes each). When it is full the SA refuses new
 * exchanges (drop_MSGID_FULL) rather than forget an ID and take a replay;
 * the peer's own ISAKMP rekey gives it a fresh one. 512 is far above what
 * an ISAKMP SA's lifetime needs: at the pair cap (16), rekeying every pair
 * hourly over 8 hours takes 128 Quick Modes and 128 DELETEs.
 */
#include <stdlib.h>
#include <string.h>

#include "priv.h"

#define MSGID_FIRST 8

/* Index of the first ID not below msgid. */
static uint32_t
lower_bound(const struct ike_sa *sa, uint32_t msgid)
{
	uint32_t lo = 0, hi = sa->n_msgids;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (sa->msgids[mid] < msgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
ike_msgid_seen(const struct ike_sa *sa, uint32_t msgid)
{
	uint32_t i = lower_bound(sa, msgid);

	return i < sa->n_msgids && sa->msgids[i] == msgid;
}

/*
 * Remember msgid (already there: fine). false, counted and logged, when
 * the SA's memory is full or cannot grow: the exchange must not go on.
 */
bool
ike_msgid_note(struct ike_sa *sa, uint32_t msgid)
{
	uint32_t i = lower_bound(sa, msgid);

	if (i < sa->n_msgids && sa->msgids[i] == msgid)
		return true;
	if (sa->n_msgids == sa->cap_msgids) {
		uint32_t cap = sa->cap_msgids ? 2 * sa->cap_msgids : MSGID_FIRST;
		uint32_t *m = NULL;

		if (cap <= MSGID_MAX)
			m = realloc(sa->msgids, cap * sizeof(*m));
		if (m == NULL) {
			ike_drop(sa->ike, sa, IKE_DROP_MSGID_FULL,
				 "%u message IDs used: no new exchange on this SA", sa->n_msgids);
			return false;
		}
		sa->msgids = m;
		sa->cap_msgids = cap;
	}
	memmove(sa->msgids + i + 1, sa->msgids + i, (sa->n_msgids - i) * sizeof(*sa->msgids));
	sa->msgids[i] = msgid;
	sa->n_msgids++;
	return true;
}

void
ike_msgid_fini(struct ike_sa *sa)
{
	free(sa->msgids);
	sa->msgids = NULL;
	sa->n_msgids = sa->cap_msgids = 0;
}
