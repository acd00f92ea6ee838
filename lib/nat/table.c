/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner's side of the session table: taking slots, publishing a
 * session in the worker's two indexes, unlinking it, and keeping its slot
 * out of reuse until every worker has passed a quiescent state.
 *
 * Only the owning worker calls these. Readers on other workers may stand on
 * any session at any time; the rules that keep them safe:
 *  - a session is filled completely, then linked with a release store;
 *  - unlinking rewrites only the predecessor's link; the session's own
 *    links stay as they were, so a reader on it continues down the chain;
 *  - its slot is rewritten only after a QSBR grace period.
 */
#include "priv.h"

uint32_t
nat_slot_alloc(struct nat_worker *nw)
{
	if (nw->n_cache == 0) {
		nw->n_cache = rte_ring_dequeue_burst_elem(nw->nat->free, nw->cache,
							  sizeof(uint32_t), CACHE_MOVE, NULL);
		if (nw->n_cache == 0) {
			/* Slots in our grace batches may be ready by now. */
			nat_retire_close(nw);
			nat_retire_reclaim(nw);
			if (nw->n_cache == 0)
				return NAT_NIL;
		}
	}
	return nw->cache[--nw->n_cache];
}

static void
slot_free(struct nat_worker *nw, uint32_t idx)
{
	if (nw->n_cache == CACHE_MAX) {
		/* Cannot fail: the ring holds every slot of the table. */
		rte_ring_enqueue_bulk_elem(nw->nat->free, &nw->cache[CACHE_MAX - CACHE_MOVE],
					   sizeof(uint32_t), CACHE_MOVE, NULL);
		nw->n_cache -= CACHE_MOVE;
	}
	nw->cache[nw->n_cache++] = idx;
}

void
nat_slot_unused(struct nat_worker *nw, uint32_t idx)
{
	slot_free(nw, idx);
}

void
nat_session_publish(struct nat_worker *nw, uint32_t idx, uint32_t hout, uint32_t hin)
{
	const struct nat *nat = nw->nat;
	struct nat_session *s = &nw->sess[idx];
	uint32_t bo = bucket(nat, hout), bi = bucket(nat, hin);

	s->next_in = nw->in_head[bi];
	s->next_out = nw->out_head[bo];
	__atomic_store_n(&s->flags, SF_LIVE, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, (uint16_t)(s->seq + 1), __ATOMIC_RELEASE);
	/* Cloud side first: by the time another worker can translate with
	 * this session, its replies can find it. */
	__atomic_store_n(&nw->in_head[bi], idx, __ATOMIC_RELEASE);
	__atomic_store_n(&nw->out_head[bo], idx, __ATOMIC_RELEASE);
}

static void
unlink_in(struct nat_worker *nw, uint32_t idx)
{
	const struct nat_session *s = &nw->sess[idx];
	struct in_key k = { .xaddr = s->xaddr,
			    .rdst = s->rdst,
			    .xport = s->xport,
			    .rport = s->rport,
			    .proto = s->proto };
	uint32_t *link = &nw->in_head[bucket(nw->nat, hash_in(nw->nat, &k))];

	while (*link != idx) {
		RTE_ASSERT(*link != NAT_NIL);
		link = &nw->sess[*link].next_in;
	}
	__atomic_store_n(link, s->next_in, __ATOMIC_RELEASE);
}

static void
unlink_out(struct nat_worker *nw, uint32_t idx)
{
	const struct nat_session *s = &nw->sess[idx];
	struct out_key k = { .tunnel = s->tunnel,
			     .isrc = s->isrc,
			     .rdst = s->rdst,
			     .isport = s->isport,
			     .rport = s->rport,
			     .proto = s->proto };
	uint32_t *link = &nw->out_head[bucket(nw->nat, hash_out(nw->nat, &k))];

	while (*link != idx) {
		RTE_ASSERT(*link != NAT_NIL);
		link = &nw->sess[*link].next_out;
	}
	__atomic_store_n(link, s->next_out, __ATOMIC_RELEASE);
}

/*
 * The open batch sits in slot (first + closed): once every slot holds a
 * closed batch there is none until the oldest is reclaimed.
 */
bool
nat_retire_room(const struct nat_worker *nw)
{
	if (nw->nat->qsbr == NULL)
		return true;
	if (nw->rt_closed == RETIRE_SLOTS)
		return false;
	return nw->rt_open < RETIRE_BATCH || nw->rt_closed + 1 < RETIRE_SLOTS;
}

static void
retire(struct nat_worker *nw, uint32_t idx)
{
	if (nw->nat->qsbr == NULL) {
		slot_free(nw, idx);
		return;
	}
	if (nw->rt_open == RETIRE_BATCH)
		nat_retire_close(nw);
	nw->rt[(nw->rt_first + nw->rt_closed) % RETIRE_SLOTS].idx[nw->rt_open++] = idx;
}

void
nat_session_unlink(struct nat_worker *nw, uint32_t idx)
{
	struct nat_session *s = &nw->sess[idx];

	/* Dead to lookups first, then out of the chains. */
	__atomic_fetch_and(&s->flags, (uint8_t)~SF_LIVE, __ATOMIC_RELEASE);
	unlink_in(nw, idx);
	unlink_out(nw, idx);
	nw->site_count[s->site]--;
	if (!session_is_pass(s))
		nat_share_release(nw, s);
	nw->st.freed[proto_index(s->proto)]++;
	retire(nw, idx);
}

void
nat_retire_close(struct nat_worker *nw)
{
	struct retire_batch *b;

	if (nw->rt_open == 0)
		return;
	b = &nw->rt[(nw->rt_first + nw->rt_closed) % RETIRE_SLOTS];
	b->n = nw->rt_open;
	b->token = rte_rcu_qsbr_start(nw->nat->qsbr);
	nw->rt_closed++;
	nw->rt_open = 0;
}

void
nat_retire_reclaim(struct nat_worker *nw)
{
	while (nw->rt_closed > 0) {
		struct retire_batch *b = &nw->rt[nw->rt_first];

		if (rte_rcu_qsbr_check(nw->nat->qsbr, b->token, false) != 1)
			return;
		for (uint32_t i = 0; i < b->n; i++)
			slot_free(nw, b->idx[i]);
		nw->rt_first = (nw->rt_first + 1) % RETIRE_SLOTS;
		nw->rt_closed--;
	}
}
