/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protection of the responder: a token bucket per source address for new
 * phase 1 exchanges, and bounds on half-open exchanges in total and per
 * source. Entries idle for a minute with nothing half-open are aged out
 * by T_GC.
 */
#include <stdlib.h>

#include "priv.h"

#define SRC_IDLE_MS 60000

static struct src *src_get(struct ike *ike, uint32_t addr, bool create)
{
	uint64_t h = ike_hash(ike, &addr, sizeof(addr));
	struct hnode *n;
	struct src *s;

	for (n = htab_first(&ike->srcs, h); n != NULL; n = htab_next(n, h)) {
		s = container_of(n, struct src, node);
		if (s->addr == addr)
			return s;
	}
	if (!create || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->addr = addr;
	s->tokens_milli = ike->cfg.new_per_src_burst * 1000ULL;
	s->last_ms = ike->now;
	htab_add(&ike->srcs, &s->node, h);
	timers_gc_start(ike);
	return s;
}

/*
 * May remote start a new phase 1 exchange now? Checks, in order, the
 * global half-open bound, the source's half-open bound and its rate.
 * On success *out is the source entry to charge the half-open SA to.
 */
bool src_admit(struct ike *ike, const struct ike_endpoint *remote,
	       struct src **out)
{
	struct src *s;
	uint64_t add;

	if (ike->n_half_open >= ike->cfg.max_half_open) {
		ike_drop(ike, NULL, IKE_DROP_HALF_OPEN, "%u half-open",
			 (unsigned)ike->n_half_open);
		return false;
	}
	s = src_get(ike, remote->addr, true);
	if (s == NULL) {
		ike_drop(ike, NULL, IKE_DROP_NOMEM, "source entry");
		return false;
	}
	if (s->half_open >= ike->cfg.max_half_open_per_src) {
		ike_drop(ike, NULL, IKE_DROP_HALF_OPEN_SRC, "%u half-open from %08x",
			 s->half_open, remote->addr);
		return false;
	}
	add = (ike->now - s->last_ms) * ike->cfg.new_per_src_per_s;
	s->last_ms = ike->now;
	s->tokens_milli += add;
	if (s->tokens_milli > ike->cfg.new_per_src_burst * 1000ULL)
		s->tokens_milli = ike->cfg.new_per_src_burst * 1000ULL;
	if (s->tokens_milli < 1000) {
		ike_drop(ike, NULL, IKE_DROP_RATE, "source %08x", remote->addr);
		return false;
	}
	s->tokens_milli -= 1000;
	*out = s;
	return true;
}

void src_gc(struct ike *ike)
{
	for (size_t i = 0; i < ike->srcs.nb; i++) {
		struct hnode *n = ike->srcs.b[i], *next;

		for (; n != NULL; n = next) {
			struct src *s = container_of(n, struct src, node);

			next = n->next;
			if (s->half_open == 0 && ike->now - s->last_ms >= SRC_IDLE_MS) {
				htab_del(&ike->srcs, n);
				free(s);
			}
		}
	}
}

void srcs_fini(struct ike *ike)
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
}
