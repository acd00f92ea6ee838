/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/worker: the per-worker state and the stages' entry points. */
#ifndef ESPHUB_WORKER_PRIV_H
#define ESPHUB_WORKER_PRIV_H

#include <rte_mbuf_dyn.h>

#include "esp.h"
#include "nat.h"
#include "net.h"
#include "reass.h"
#include "sa.h"
#include "worker.h"

#define TXQ_SIZE            (2 * WORKER_BURST)
#define PENDING_HOPS        16 /* next hops awaiting ARP at once */
#define PENDING_PER_HOP     8  /* packets parked per next hop */
#define PENDING_TIMEOUT_MS  3000
#define ARP_RETRY_MS        1000
#define PENDING_CHECK_MS    100
#define NAT_EXPIRE_BUDGET   64 /* NAT index buckets scanned per loop at most */
#define REASS_EXPIRE_BUDGET 16 /* reassembly entries looked at per loop, per table */
/* RFC 791 suggests up to 15 s; fragments of one datagram arrive together or not at all */
#define REASS_TIMEOUT_S 2
#define IDLE_POLLS      1000 /* empty polls in a row before idle_sleep_us applies */

struct txq {
	uint16_t n;
	uint64_t bytes;
	struct rte_mbuf *m[TXQ_SIZE];
};

/* Packets waiting for one next hop's MAC; data at the IPv4 header. */
struct pending_hop {
	uint32_t ip;
	uint16_t port;
	uint16_t n; /* 0 = slot free */
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

/* Packets waiting for one batched NAT call; m->port = origin. */
#define SNAT_VEC_MAX ESP_BURST_MAX
struct snat_vec {
	uint16_t n;
	struct rte_mbuf *m[SNAT_VEC_MAX];
	uint32_t tunnel[SNAT_VEC_MAX]; /* out: where it came from; in: where it goes */
	uint32_t site[SNAT_VEC_MAX];   /* out only */
};

/* Forwarded datagrams waiting for one bulk SPD lookup; m->port = origin. */
#define FWD_VEC_MAX WORKER_BURST
struct fwd_vec {
	uint16_t n;
	struct rte_mbuf *m[FWD_VEC_MAX];
	struct net_ipv4_info info[FWD_VEC_MAX];
};

/*
 * Where a packet came from (its origin: the from arguments below, and
 * m->port while it waits in a vector or for ARP):
 *   0 .. n_ports-1  received in clear on that port;
 *   PORT_TUNNEL     decrypted; its tunnel is in the mbuf (pkt_tunnel());
 *   PORT_LOCAL      the box made it: no ICMP error is ever sent about it.
 * Answers (echo replies, ICMP errors) go back the way their packet came:
 * into its tunnel, or by route to the side of the port it came in on.
 */
#define PORT_LOCAL  UINT16_MAX
#define PORT_TUNNEL (UINT16_MAX - 1)

/* The reassembly tables, one per trust zone (reass.h). */
enum reass_zone { REASS_OUTSIDE, REASS_INSIDE, REASS_TUNNEL, REASS_N };

/* IKE punt classes: datagrams of the box's known IKE SAs go first. */
#define PUNT_BUCKET_BITS 10
#define PUNT_BUCKETS     (1u << PUNT_BUCKET_BITS) /* per-source buckets per worker */

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
	uint8_t outside_ports; /* bit p: port p faces the outside */
	uint64_t tsc_hz;
	uint64_t tsc_per_ms;

	/* ICMP errors (answer.c): GCRA due times per port of origin, per site. */
	uint64_t icmp_interval;
	uint64_t icmp_port_due[STATS_MAX_PORTS];
	uint64_t *icmp_site_due; /* env->max_sites */

	unsigned idle_polls; /* empty loop iterations in a row */
	int tunnel_field;    /* mbuf dynfield offset: the tunnel of PORT_TUNNEL */

	/* IKE punts (punt.c): GCRA due times per source hash, per known IKE SA. */
	uint64_t punt_tsc_per_token;
	uint64_t punt_burst_tsc;
	uint64_t punt_key[2];
	uint64_t *punt_known_due; /* per cookie table slot */
	uint64_t punt_bucket[PUNT_BUCKETS];

	uint64_t pending_gen;
	uint64_t pending_next_tsc;
	unsigned pending_active;
	struct pending_hop pending[PENDING_HOPS];

	struct sa_worker *sw;
	const uint64_t *spd_summary; /* sa_worker_spd_summary(sw) */
	struct esp_worker *ew;
	struct esp_vec esp_in;    /* to decrypt; m->port = ingress port */
	struct esp_vec esp_out;   /* to encrypt */
	struct fwd_vec fwd;       /* forwarded, to look up in the SPD */
	struct nat_worker *nw;    /* NULL: no source NAT */
	struct snat_vec snat_out; /* decrypted, to masquerade */
	struct snat_vec snat_in;  /* to a pool address, to restore */
	struct reass *reass[REASS_N];

	struct neigh_cache ncache[STATS_MAX_PORTS];
	struct txq tx[STATS_MAX_PORTS];

	/* env->bypass as masks: each transit packet across an outside port
	 * tests them all. */
	unsigned n_bypass;
	struct bypass_rule {
		uint32_t local, local_mask, remote, remote_mask;
	} bypass[WORKER_BYPASS_MAX];
} __rte_cache_aligned;

/*
 * A rate limit of one word (GCRA): *due is when the credit of the events
 * so far runs out; an event passes while that stays within burst of now
 * (burst / interval events at once, then one per interval). false: over
 * the rate, *due unchanged.
 */
static inline bool
worker_gcra(uint64_t *due, uint64_t now, uint64_t interval, uint64_t burst)
{
	uint64_t next = RTE_MAX(*due, now) + interval;

	if (next > now + burst)
		return false;
	*due = next;
	return true;
}

static inline uint32_t
pkt_tunnel(const struct worker *w, const struct rte_mbuf *m)
{
	return *RTE_MBUF_DYNFIELD(m, w->tunnel_field, const uint32_t *);
}

/* m came out of tunnel: its origin from now on. */
static inline void
pkt_set_tunnel(const struct worker *w, struct rte_mbuf *m, uint32_t tunnel)
{
	m->port = PORT_TUNNEL;
	*RTE_MBUF_DYNFIELD(m, w->tunnel_field, uint32_t *) = tunnel;
}

/* The port whose address a is, or -1. */
static inline int
worker_own_port(const struct worker *w, uint32_t a)
{
	for (uint16_t p = 0; p < w->n_ports; p++)
		if (w->env->port[p].addr == a)
			return p;
	return -1;
}

static inline bool
worker_is_pool_address(const struct worker *w, uint32_t a)
{
	int p = worker_own_port(w, a);

	return p >= 0 && w->env->port[p].nat_pool;
}

/* p: a port (below n_ports), not an origin such as PORT_TUNNEL. */
static inline bool
worker_port_outside(const struct worker *w, uint16_t p)
{
	return (w->outside_ports >> p) & 1;
}

/* l2.c */
void worker_eth_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m);
/* m->port is the packet's origin (for an ICMP error if ARP fails). */
void worker_l3_output(struct worker *w, uint16_t out_port, uint32_t next_hop, struct rte_mbuf *m);
void worker_pending_check(struct worker *w, uint64_t now);
void worker_pending_drop_all(struct worker *w);
void worker_txq_push(struct worker *w, uint16_t port, struct rte_mbuf *m);

#include "boundary.h"

/* ipv4.c: data at the IPv4 header from here on. */
/* l2_group: received as link-layer broadcast/multicast (never forwarded). */
void worker_ipv4_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m, bool l2_group);
/* A datagram for the box, from a port or (PORT_TUNNEL, whole) out of a tunnel. */
void worker_ipv4_local(struct worker *w, uint16_t from, struct rte_mbuf *m,
		       struct net_ipv4_info *info);
/* Forward a datagram: TTL, then (batched, worker_fwd_flush) tunnel by SPD or route. */
void worker_ipv4_forward(struct worker *w, uint16_t from, struct rte_mbuf *m,
			 const struct net_ipv4_info *info);
void worker_fwd_flush(struct worker *w);
/*
 * By the route table, not the SPD: ESP and IKE packets (RFC 4301 bypass),
 * answers, and forwarded datagrams the SPD passed (forwarded: lower the
 * TTL; cleartext leaving by an outside port needs a bypass rule).
 */
void worker_ipv4_route(struct worker *w, uint16_t from, struct rte_mbuf *m,
		       const struct net_ipv4_info *info, bool forwarded);
/* A datagram for the box that no service takes: refused as a host would. */
void worker_ipv4_unserved(struct worker *w, uint16_t from, struct rte_mbuf *m,
			  const struct net_ipv4_info *info);

/* answer.c: what the box says back; from is the origin of m. */
void worker_icmp_error(struct worker *w, uint16_t from, const struct rte_mbuf *m,
		       const struct net_ipv4_info *info, uint8_t type, uint8_t code, uint16_t mtu);
/* reply: a datagram the box built (echo reply, ICMP error) answering a
 * packet from from; tunnel when from is PORT_TUNNEL. Takes reply. */
void worker_answer(struct worker *w, uint16_t from, uint32_t tunnel, struct rte_mbuf *reply);

/* punt.c: IKE datagrams for the control core. */
void worker_punt_ike(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		     const struct net_ipv4_info *info, uint16_t ike_off);

/* tunnel.c */
void worker_esp_in_push(struct worker *w, uint16_t in_port, struct rte_mbuf *m, uint8_t l3_len,
			uint8_t l4_len);
/* Into sa's tunnel (sa NULL: the tunnel is not up, dropped). */
void worker_tunnel_send(struct worker *w, uint16_t from, struct rte_mbuf *m,
			const struct net_ipv4_info *info, struct sa *sa, bool forwarded);
void worker_tunnel_flush(struct worker *w);

/* snat.c */
void worker_snat_out_push(struct worker *w, struct rte_mbuf *m, const struct sa *sa);
void worker_snat_in_push(struct worker *w, uint16_t from, struct rte_mbuf *m,
			 const struct net_ipv4_info *info);
void worker_snat_flush(struct worker *w);
/* m goes into sa's tunnel by the SPD: false if NAT refused it (dropped, counted). */
bool worker_snat_track(struct worker *w, struct rte_mbuf *m, const struct sa *sa);

/* frag.c */
/* Fragment m (freed) into direct mbufs of at most mtu bytes; 0 on failure. */
uint16_t worker_ipv4_fragment(struct worker *w, struct rte_mbuf *m, uint16_t mtu,
			      struct rte_mbuf **out, uint16_t max);
/*
 * A fragment: the whole datagram once complete, else NULL. zone picks the
 * table; for REASS_TUNNEL, tunnel and site are where it came from (part of
 * the key, and whose share it takes); 0 for the others.
 */
struct rte_mbuf *worker_ipv4_reassemble(struct worker *w, enum reass_zone zone, uint32_t tunnel,
					uint32_t site, struct rte_mbuf *m,
					struct net_ipv4_info *info);
void worker_reassembly_housekeeping(struct worker *w);

#endif
