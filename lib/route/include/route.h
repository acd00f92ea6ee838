/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The IPv4 route table: longest-prefix match to a next hop.
 *
 * Workers look up without locks (rte_lpm). The control core adds and
 * deletes; a deleted route's next-hop slot is reused only after every
 * worker has passed a quiescent state (RCU QSBR), so a worker that read
 * the old slot number never sees it repointed.
 */
#ifndef ESPHUB_ROUTE_H
#define ESPHUB_ROUTE_H

#include <stdint.h>

#include <rte_lpm.h>
#include <rte_rcu_qsbr.h>

/** Where a route sends a packet. */
struct route_nh {
	uint32_t gateway;  /**< next-hop router; 0 = destination is on-link */
	uint16_t port;     /**< port index (not the DPDK port id) */
	uint8_t connected; /**< route to a port's own subnet */
};

struct route_table;

/**
 * Create a table of up to max_routes routes. qsbr: the workers' RCU
 * variable (may be NULL if routes never change after the workers start).
 */
struct route_table *route_table_create(const char *name, uint32_t max_routes, int socket_id,
				       struct rte_rcu_qsbr *qsbr);
void route_table_free(struct route_table *rt);

/**
 * Add or replace a route. Control core.
 * @return 0, -ENOSPC when full, -EINVAL on a bad prefix length.
 */
int route_add(struct route_table *rt, uint32_t prefix, uint8_t plen, const struct route_nh *nh)
	__attribute__((warn_unused_result));

/** Delete a route. Control core; waits for workers to quiesce. -ENOENT if absent. */
int route_del(struct route_table *rt, uint32_t prefix, uint8_t plen);

/** Visit every route in insertion order. Control core. */
void route_walk(const struct route_table *rt,
		void (*fn)(uint32_t prefix, uint8_t plen, const struct route_nh *nh, void *arg),
		void *arg);

/** Number of routes. */
uint32_t route_count(const struct route_table *rt);

/* Worker-side view: the LPM and the next-hop array, read-only. */
struct route_fib {
	const struct rte_lpm *lpm;
	const struct route_nh *nh;
	const volatile int32_t *default_slot; /* 0.0.0.0/0, which rte_lpm cannot hold; -1 */
};

/** The lookup view for workers. */
struct route_fib route_table_fib(const struct route_table *rt);

/**
 * Look up dst (host order). Worker lcore, lock-free.
 * @return the next hop, or NULL if no route matches.
 */
static inline const struct route_nh *
route_lookup(const struct route_fib *fib, uint32_t dst)
{
	uint32_t slot;
	int32_t def;

	if (rte_lpm_lookup((struct rte_lpm *)(uintptr_t)fib->lpm, dst, &slot) == 0)
		return &fib->nh[slot];
	def = *fib->default_slot;
	return def >= 0 ? &fib->nh[def] : NULL;
}

#endif /* ESPHUB_ROUTE_H */
