/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "route.h"

/* One slot per route: the LPM's next-hop value is the slot number. */
struct route_entry {
	uint32_t prefix;
	uint8_t plen;
	uint8_t used;
	uint32_t seq; /* insertion order, for route_walk() */
};

struct route_table {
	struct rte_lpm *lpm;
	struct rte_rcu_qsbr *qsbr;
	struct route_nh *nh;       /* read by workers */
	struct route_entry *entry; /* control core only */
	uint32_t max;
	uint32_t count;
	uint32_t next_seq;
	volatile int32_t default_slot; /* the /0 route's slot, or -1 */
};

struct route_table *
route_table_create(const char *name, uint32_t max_routes, int socket_id, struct rte_rcu_qsbr *qsbr)
{
	struct rte_lpm_config lc = {
		.max_rules = max_routes,
		.number_tbl8s = RTE_MAX(max_routes / 4, 256u),
	};
	struct route_table *rt;

	rt = rte_zmalloc_socket(name, sizeof(*rt), 0, socket_id);
	if (rt == NULL)
		return NULL;
	rt->max = max_routes;
	rt->qsbr = qsbr;
	rt->default_slot = -1;
	rt->nh = rte_zmalloc_socket(name, sizeof(*rt->nh) * max_routes, 0, socket_id);
	rt->entry = rte_zmalloc_socket(name, sizeof(*rt->entry) * max_routes, 0, socket_id);
	rt->lpm = rte_lpm_create(name, socket_id, &lc);
	if (rt->nh == NULL || rt->entry == NULL || rt->lpm == NULL)
		goto fail;
	if (qsbr != NULL) {
		struct rte_lpm_rcu_config rc = { .v = qsbr };

		if (rte_lpm_rcu_qsbr_add(rt->lpm, &rc) != 0)
			goto fail;
	}
	return rt;
fail:
	route_table_free(rt);
	return NULL;
}

void
route_table_free(struct route_table *rt)
{
	if (rt == NULL)
		return;
	rte_lpm_free(rt->lpm);
	rte_free(rt->nh);
	rte_free(rt->entry);
	rte_free(rt);
}

static int
find(const struct route_table *rt, uint32_t prefix, uint8_t plen)
{
	for (uint32_t i = 0; i < rt->max; i++)
		if (rt->entry[i].used && rt->entry[i].prefix == prefix && rt->entry[i].plen == plen)
			return (int)i;
	return -1;
}

int
route_add(struct route_table *rt, uint32_t prefix, uint8_t plen, const struct route_nh *nh)
{
	int slot, rc = 0;

	if (plen > 32)
		return -EINVAL;
	prefix &= plen ? UINT32_MAX << (32 - plen) : 0;
	/* Replacing: a new slot, so workers never see a half-written next hop. */
	slot = -1;
	for (uint32_t i = 0; i < rt->max; i++) {
		if (!rt->entry[i].used) {
			slot = (int)i;
			break;
		}
	}
	if (slot < 0)
		return -ENOSPC;
	rt->nh[slot] = *nh;
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	if (plen == 0)
		rt->default_slot = slot; /* one aligned store: workers see old or new */
	else if ((rc = rte_lpm_add(rt->lpm, prefix, plen, (uint32_t)slot)) != 0)
		return rc;
	rc = find(rt, prefix, plen);
	if (rc >= 0) {
		rt->entry[rc].used = 0;
		rt->count--;
		if (rt->qsbr != NULL)
			rte_rcu_qsbr_synchronize(rt->qsbr, RTE_QSBR_THRID_INVALID);
	}
	rt->entry[slot] = (struct route_entry){
		.prefix = prefix,
		.plen = plen,
		.used = 1,
		.seq = rt->next_seq++,
	};
	rt->count++;
	return 0;
}

int
route_del(struct route_table *rt, uint32_t prefix, uint8_t plen)
{
	int slot;

	if (plen > 32)
		return -EINVAL;
	prefix &= plen ? UINT32_MAX << (32 - plen) : 0;
	slot = find(rt, prefix, plen);
	if (slot < 0)
		return -ENOENT;
	if (plen == 0)
		rt->default_slot = -1;
	else if (rte_lpm_delete(rt->lpm, prefix, plen) != 0)
		return -ENOENT;
	if (rt->qsbr != NULL)
		rte_rcu_qsbr_synchronize(rt->qsbr, RTE_QSBR_THRID_INVALID);
	rt->entry[slot].used = 0;
	rt->count--;
	return 0;
}

void
route_walk(const struct route_table *rt,
	   void (*fn)(uint32_t prefix, uint8_t plen, const struct route_nh *nh, void *arg),
	   void *arg)
{
	/* Few routes, rarely walked: an ordered scan per step is fine. */
	uint32_t last = 0;

	for (uint32_t n = 0; n < rt->count; n++) {
		int best = -1;

		for (uint32_t i = 0; i < rt->max; i++) {
			const struct route_entry *e = &rt->entry[i];

			if (e->used && (n == 0 || e->seq > last) &&
			    (best < 0 || e->seq < rt->entry[best].seq))
				best = (int)i;
		}
		if (best < 0)
			break;
		last = rt->entry[best].seq;
		fn(rt->entry[best].prefix, rt->entry[best].plen, &rt->nh[best], arg);
	}
}

uint32_t
route_count(const struct route_table *rt)
{
	return rt->count;
}

struct route_fib
route_table_fib(const struct route_table *rt)
{
	return (struct route_fib){ .lpm = rt->lpm,
				   .nh = rt->nh,
				   .default_slot = &rt->default_slot };
}
