/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/worker: the per-worker state and the stages' entry points. */
#ifndef ESPHUB_WORKER_PRIV_H
#define ESPHUB_WORKER_PRIV_H

#include "net.h"
#include "worker.h"

#define TXQ_SIZE          (2 * WORKER_BURST)
#define PENDING_HOPS      16   /* next hops awaiting ARP at once */
#define PENDING_PER_HOP   8    /* packets parked per next hop */
#define PENDING_TIMEOUT_MS 3000
#define ARP_RETRY_MS      1000
#define PENDING_CHECK_MS  100

struct txq {
	uint16_t n;
	uint64_t bytes;
	struct rte_mbuf *m[TXQ_SIZE];
};

/* Packets waiting for one next hop's MAC; data at the IPv4 header. */
struct pending_hop {
	uint32_t ip;
	uint16_t port;
	uint16_t n;              /* 0 = slot free */
	uint64_t first_tsc;
	uint64_t request_tsc;
	struct rte_mbuf *m[PENDING_PER_HOP];
};

/* The last resolved next hop of a port: most packets of a burst share it. */
struct neigh_cache {
	uint64_t generation;
	uint32_t ip;
	struct rte_ether_addr mac;
	bool valid;
};

struct worker {
	struct worker_env *env;
	struct stats_worker *st;
	struct route_fib fib;
	struct neigh_view neigh;
	struct rte_ring *inject;
	struct rte_mempool *pool;
	uint16_t queue;
	unsigned index;
	unsigned n_ports;
	uint64_t tsc_hz;
	uint64_t tsc_per_ms;

	/* ICMP error token bucket: tokens in units of 1/tsc_hz of an error. */
	uint64_t icmp_tokens;
	uint64_t icmp_last_tsc;
	uint64_t icmp_burst;

	uint64_t pending_gen;
	uint64_t pending_next_tsc;
	unsigned pending_active;
	struct pending_hop pending[PENDING_HOPS];

	struct neigh_cache ncache[STATS_MAX_PORTS];
	struct txq tx[STATS_MAX_PORTS];
} __rte_cache_aligned;

/* l2.c */
void eth_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m);
void l3_output(struct worker *w, uint16_t out_port, uint32_t next_hop,
	       struct rte_mbuf *m);
void pending_check(struct worker *w, uint64_t now);
void pending_drop_all(struct worker *w);
void txq_push(struct worker *w, uint16_t port, struct rte_mbuf *m);

/* ipv4.c */
/* l2_group: received as link-layer broadcast/multicast (never forwarded). */
void ipv4_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m, bool l2_group);
void ipv4_route_local(struct worker *w, struct rte_mbuf *m, enum stats_drop no_route);
void icmp_error(struct worker *w, uint16_t in_port, const struct rte_mbuf *m,
		const struct net_ipv4_info *info, uint8_t type, uint8_t code,
		uint16_t mtu);

#endif
