/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protection of the responder against floods of message 1 (spoofed or
 * not), checked in this order:
 *
 *   - per source address: a token bucket for new exchanges
 *     (new_per_source_per_second) and a bound on its half-open ones
 *     (max_half_open_per_source);
 *   - in all: max_half_open half-open responder exchanges, of which
 *     sources with no site bound to their address ("unbound": dynamic
 *     branches, or anyone) may hold three quarters. The last quarter is
 *     kept for sources a site names as its fixed peer ("bound"). When a
 *     new exchange finds no room, the oldest unbound one goes
 *     (ev_HALF_OPEN_EVICTED): a flood from spoofed addresses turns its own
 *     exchanges over, while a real branch's exchange, which answers within
 *     round trips and moves to the back of the line when its message 3
 *     arrives, completes. Only when nothing unbound is left to evict is a
 *     new exchange refused (drop_HALF_OPEN).
 *
 * What one half-open exchange holds is bounded too: message 1's SA
 * payload, kept for the auth hashes, at most HALF_OPEN_SA_MAX bytes
 * (drop_HALF_OPEN_SIZE otherwise), and our reply echoes one transform of
 * it, at most XFORM_MAX bytes (proposal.c): under 8 KiB with the SA
 * itself. A responder waits msg3_timeout_s for message 3 after sending
 * message 2 (a spoofed source never answers), then half_open_timeout_s in
 * all.
 *
 * The per-source entries are bounded too: at most SRCS_PER_HALF_OPEN x
 * max_half_open (65536 entries, a few MiB, by default). When full, the least
 * recently used one with nothing half-open goes (ev_SOURCE_EVICTED): it
 * holds only a rate budget, which a spoofed flood may then reset, but not
 * grow the table with. Entries idle for a minute with nothing half-open
 * are aged out by T_GC.
 */
#include <stdlib.h>

#include "priv.h"

#define SRC_IDLE_MS        60000
#define SRCS_PER_HALF_OPEN 16

static void
src_free(struct ike *ike, struct src *s)
{
	ike_htab_del(&ike->srcs, &s->node);
	list_del(&s->idle_link);
	free(s);
}

static struct src *
src_get(struct ike *ike, uint32_t addr, bool create)
{
	uint64_t h = ike_hash(ike, &addr, sizeof(addr));
	struct hnode *n;
	struct src *s;

	for (n = ike_htab_first(&ike->srcs, h); n != NULL; n = ike_htab_next(n, h)) {
		s = container_of(n, struct src, node);
		if (s->addr != addr)
			continue;
		if (s->half_open == 0) { /* most recently used last */
			list_del(&s->idle_link);
			list_add_tail(&ike->srcs_idle, &s->idle_link);
		}
		return s;
	}
	if (!create)
		return NULL;
	if (ike->srcs.n >= (uint64_t)ike->cfg.max_half_open * SRCS_PER_HALF_OPEN &&
	    !list_empty(&ike->srcs_idle)) {
		src_free(ike, container_of(ike->srcs_idle.next, struct src, idle_link));
		ike_count(ike, IKE_EV_SOURCE_EVICTED);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	list_init(&s->idle_link);
	list_add_tail(&ike->srcs_idle, &s->idle_link);
	s->addr = addr;
	s->tokens_milli = ike->cfg.new_per_src_burst * 1000ULL;
	s->last_ms = ike->now;
	ike_htab_add(&ike->srcs, &s->node, h);
	ike_timers_gc_start(ike);
	return s;
}

/* Unbound exchanges may hold max_half_open less the bound sources' room. */
static uint64_t
unbound_max(const struct ike *ike)
{
	return ike->cfg.max_half_open - ike->cfg.max_half_open / 4;
}

/* Make room for one more: false if only bound exchanges are left. */
static bool
evict_oldest_unbound(struct ike *ike)
{
	struct ike_sa *old;
	char a[IKE_ADDR_STR_MAX];

	if (list_empty(&ike->ho_unbound))
		return false;
	old = container_of(ike->ho_unbound.next, struct ike_sa, ho_link);
	ike_count(ike, IKE_EV_HALF_OPEN_EVICTED);
	ike_sa_logf(old, IKE_LOG_DEBUG, "half-open from %s evicted for a newer one",
		    ike_addr_str(old->remote.addr, a));
	ike_sa_kill(old);
	return true;
}

/*
 * May remote start a new phase 1 exchange now, by its rate? Takes a token
 * (even if the exchange is refused later: the message was worked on).
 * Returns its source entry, or NULL (counted).
 */
struct src *
ike_src_rate(struct ike *ike, const struct ike_endpoint *remote)
{
	struct src *s = src_get(ike, remote->addr, true);
	uint64_t add;

	if (s == NULL) {
		ike_drop(ike, NULL, IKE_DROP_NOMEM, "source entry");
		return NULL;
	}
	add = (ike->now - s->last_ms) * ike->cfg.new_per_src_per_s;
	s->last_ms = ike->now;
	s->tokens_milli += add;
	if (s->tokens_milli > ike->cfg.new_per_src_burst * 1000ULL)
		s->tokens_milli = ike->cfg.new_per_src_burst * 1000ULL;
	if (s->tokens_milli < 1000) {
		char a[IKE_ADDR_STR_MAX];

		ike_drop(ike, NULL, IKE_DROP_RATE, "source %s", ike_addr_str(remote->addr, a));
		return NULL;
	}
	s->tokens_milli -= 1000;
	return s;
}

/*
 * Is there room for one more half-open exchange from s, once its message
 * 1 proved acceptable? bound: a site names s's address as its fixed peer.
 * May evict the oldest unbound exchange. false: refused (counted).
 */
bool
ike_src_room(struct ike *ike, const struct src *s, bool bound)
{
	if (s->half_open >= ike->cfg.max_half_open_per_src) {
		char a[IKE_ADDR_STR_MAX];

		ike_drop(ike, NULL, IKE_DROP_HALF_OPEN_SRC, "%u half-open from %s", s->half_open,
			 ike_addr_str(s->addr, a));
		return false;
	}
	if ((ike->n_half_open >= ike->cfg.max_half_open ||
	     (!bound && ike->n_half_open_unbound >= unbound_max(ike))) &&
	    !evict_oldest_unbound(ike)) {
		ike_drop(ike, NULL, IKE_DROP_HALF_OPEN, "%u half-open, all bound",
			 (unsigned)ike->n_half_open);
		return false;
	}
	return true;
}

/* The new responder SA sa is half-open, charged to src (ike_sa_half_open_done
 * undoes it); its first deadline is message 3. */
void
ike_src_charge(struct ike_sa *sa, struct src *src, bool bound)
{
	struct ike *ike = sa->ike;
	uint32_t t = ike->cfg.msg3_timeout_s < ike->cfg.half_open_timeout_s ?
			     ike->cfg.msg3_timeout_s :
			     ike->cfg.half_open_timeout_s;

	sa->src = src;
	if (src->half_open++ == 0)
		list_del(&src->idle_link); /* not evictable while in use */
	ike->n_half_open++;
	if (!bound) {
		list_add_tail(&ike->ho_unbound, &sa->ho_link);
		ike->n_half_open_unbound++;
	}
	ike_timer_arm(ike, &sa->t_life, T_HALF_OPEN, ike->now + t * 1000ULL);
}

/* Message 3 came: the peer hears us at its address. It gets the whole
 * half-open time and goes to the back of the eviction line. */
void
ike_src_progress(struct ike_sa *sa)
{
	struct ike *ike = sa->ike;

	ike_timer_arm(ike, &sa->t_life, T_HALF_OPEN,
		      sa->created_ms + ike->cfg.half_open_timeout_s * 1000ULL);
	if (!list_empty(&sa->ho_link)) {
		list_del(&sa->ho_link);
		list_add_tail(&ike->ho_unbound, &sa->ho_link);
	}
}

void
ike_src_gc(struct ike *ike)
{
	for (size_t i = 0; i < ike->srcs.nb; i++) {
		struct hnode *n = ike->srcs.b[i], *next;

		for (; n != NULL; n = next) {
			struct src *s = container_of(n, struct src, node);

			next = n->next;
			if (s->half_open == 0 && ike->now - s->last_ms >= SRC_IDLE_MS)
				src_free(ike, s);
		}
	}
}

void
ike_srcs_fini(struct ike *ike)
{
	for (size_t i = 0; i < ike->srcs.nb; i++) {
		struct hnode *n = ike->srcs.b[i], *next;

		for (; n != NULL; n = next) {
			next = n->next;
			free(container_of(n, struct src, node));
		}
		ike->srcs.b[i] = NULL;
	}
	ike->srcs.n = 0;
	list_init(&ike->srcs_idle);
}
