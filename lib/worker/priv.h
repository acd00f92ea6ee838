/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/worker: the per-worker state and the stages' entry points. */
#ifndef ESPHUB_WORKER_PRIV_H
#define ESPHUB_WORKER_PRIV_H

#include <rte_ip_frag.h>

#include "esp.h"
#include "nat.h"
#include "net.h"
#include "sa.h"
#include "worker.h"

#define TXQ_SIZE          (2 * WORKER_BURST)
#define PENDING_HOPS      16   /* next hops awaiting ARP at once */
#define PENDING_PER_HOP   8    /* packets parked per next hop */
#define PENDING_TIMEOUT_MS 3000
#define ARP_RETRY_MS      1000
#define PENDING_CHECK_MS  100
#define NAT_EXPIRE_BUDGET 64   /* NAT index buckets scanned per loop at most */
#define IDLE_POLLS        1000 /* empty polls in a row before idle_sleep_us applies */

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

/* Packets waiting for one batched ESP call. */
struct esp_vec {
	uint16_t n;
	struct rte_mbuf *m[ESP_BURST_MAX];
	struct sa *sa[ESP_BURST_MAX];
};

/* Packets waiting for one batched NAT call; m->port = ingress port. */
#define SNAT_VEC_MAX ESP_BURST_MAX
struct snat_vec {
	uint16_t n;
	struct rte_mbuf *m[SNAT_VEC_MAX];
	uint32_t tunnel[SNAT_VEC_MAX];   /* out: where it came from; in: where it goes */
	uint32_t site[SNAT_VEC_MAX];     /* out only */
};

/* Forwarded datagrams waiting for one bulk SPD lookup; m->port = ingress port. */
#define FWD_VEC_MAX WORKER_BURST
struct fwd_vec {
	uint16_t n;
	struct rte_mbuf *m[FWD_VEC_MAX];
	struct net_ipv4_info info[FWD_VEC_MAX];
};

/* in_port of a packet that the box originated: no ICMP errors about it. */
#define PORT_LOCAL UINT16_MAX

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

	unsigned idle_polls;         /* empty loop iterations in a row */

	uint64_t pending_gen;
	uint64_t pending_next_tsc;
	unsigned pending_active;
	struct pending_hop pending[PENDING_HOPS];

	struct sa_worker *sw;
	struct esp_worker *ew;
	struct esp_vec esp_in;       /* to decrypt; m->port = ingress port */
	struct esp_vec esp_out;      /* to encrypt */
	struct fwd_vec fwd;          /* forwarded, to look up in the SPD */
	struct nat_worker *nw;       /* NULL: no source NAT */
	struct snat_vec snat_out;    /* decrypted, to masquerade */
	struct snat_vec snat_in;     /* to a pool address, to restore */
	struct rte_ip_frag_tbl *frag_tbl;
	struct rte_ip_frag_death_row death_row;

	struct neigh_cache ncache[STATS_MAX_PORTS];
	struct txq tx[STATS_MAX_PORTS];
} __rte_cache_aligned;

static inline bool
worker_is_own_address(const struct worker *w, uint32_t a)
{
	for (uint16_t p = 0; p < w->n_ports; p++)
		if (w->env->port[p].addr == a)
			return true;
	return false;
}

static inline bool
worker_is_pool_address(const struct worker *w, uint32_t a)
{
	for (uint16_t p = 0; p < w->n_ports; p++)
		if (w->env->port[p].nat_pool && w->env->port[p].addr == a)
			return true;
	return false;
}

/* l2.c */
void eth_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m);
void l3_output(struct worker *w, uint16_t out_port, uint32_t next_hop,
	       struct rte_mbuf *m);
void pending_check(struct worker *w, uint64_t now);
void pending_drop_all(struct worker *w);
void txq_push(struct worker *w, uint16_t port, struct rte_mbuf *m);

/* ipv4.c: data at the IPv4 header from here on. */
/* l2_group: received as link-layer broadcast/multicast (never forwarded). */
void ipv4_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m, bool l2_group);
/* A valid datagram for the box (also decrypted ones and reassembled ones). */
void ipv4_local(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		const struct net_ipv4_info *info);
/* Forward a datagram: TTL, then (batched, fwd_flush) tunnel by SPD or route ... */
void ipv4_forward(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		  const struct net_ipv4_info *info);
void fwd_flush(struct worker *w);
/* ... or originates (complete header; into a tunnel if the SPD says so). */
void ipv4_originate(struct worker *w, struct rte_mbuf *m, enum stats_drop no_route);
/* By route, not SPD: for ESP packets themselves. forwarded: lower the TTL. */
void ipv4_route(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		const struct net_ipv4_info *info, bool forwarded);
/* A datagram for the box that no service takes: refused as a host would. */
void ipv4_unserved(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		   const struct net_ipv4_info *info);
void icmp_error(struct worker *w, uint16_t in_port, const struct rte_mbuf *m,
		const struct net_ipv4_info *info, uint8_t type, uint8_t code,
		uint16_t mtu);

/* tunnel.c */
void esp_in_push(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		 uint8_t l3_len, uint8_t l4_len);
/* Into sa's tunnel (sa NULL: the tunnel is not up, dropped). */
void tunnel_send(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		 const struct net_ipv4_info *info, struct sa *sa, bool forwarded);
void tunnel_flush(struct worker *w);

/* snat.c */
void snat_out_push(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		   const struct sa *sa);
void snat_in_push(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		  const struct net_ipv4_info *info);
void snat_flush(struct worker *w);
/* m goes into sa's tunnel by the SPD: false if NAT refused it (dropped, counted). */
bool snat_track(struct worker *w, struct rte_mbuf *m, const struct sa *sa);

/* frag.c */
/* Fragment m (freed) into direct mbufs of at most mtu bytes; 0 on failure. */
uint16_t ipv4_fragment(struct worker *w, struct rte_mbuf *m, uint16_t mtu,
		       struct rte_mbuf **out, uint16_t max);
/* A fragment for the box: the whole datagram (linear) once complete, else NULL. */
struct rte_mbuf *ipv4_reassemble(struct worker *w, struct rte_mbuf *m,
				 struct net_ipv4_info *info);
void reassembly_housekeeping(struct worker *w);

#endif
