/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The worker pipeline: what one worker lcore does with the packets it
 * receives, run to completion.
 *
 *   RX burst (queue = worker index, on every port)
 *     -> Ethernet -> ARP (answer, learn, resolve)
 *                 -> IPv4 -> local: ICMP echo; IKE punted to the control core;
 *                                   ESP -> decrypt (batched) -> inner datagram
 *                                          -> masquerade (batched, lib/nat)
 *                                          -> received again
 *                                   else to a pool address -> restore
 *                                          (batched) -> its session's tunnel
 *                         -> forward: TTL -> SPD: tunnel -> encrypt (batched)
 *                                             else route -> MTU
 *                                  -> neighbour -> TX burst
 *
 * Workers share only read-mostly tables (routes, neighbours) and rings to
 * and from the control core; every counter a worker writes is its own.
 * No locks, no system calls, no allocation beyond mbufs on the packet path.
 *
 * Trust boundary (RFC 4301 s5): an outside port takes in only what is
 * addressed to the box's outside address (ARP, ICMP, IKE, ESP) and the
 * cleartext transit a bypass rule names; what a tunnel delivers is answered
 * back into that tunnel; a destination in a branch subnet is encrypted or
 * dropped, never routed in clear; cleartext from a branch subnet is
 * refused on every port; forwarded cleartext leaves by an outside port
 * only under a bypass rule.
 *
 * Rings between the control core and the workers:
 *   punt_known worker -> control  IKE datagrams (UDP 500, 4500 with the
 *   punt                          non-ESP marker) of the box's known IKE
 *                                 SAs (either cookie is one of ours), and
 *                                 all others, rate-limited per source;
 *                                 data at the IPv4 header, m->port =
 *                                 ingress port index. The control core
 *                                 drains punt_known first.
 *   learn   worker -> control  struct neigh_learn_msg: ARP taught a worker a
 *                              mapping; the control core writes the table.
 *   inject  control -> worker  packets the control core sends (one ring per
 *                              worker, single producer/consumer); see
 *                              worker_inject().
 */
#ifndef ESPHUB_WORKER_H
#define ESPHUB_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "crypto.h"
#include "nat.h"
#include "neigh.h"
#include "route.h"
#include "sa.h"
#include "stats.h"

/*
 * Packets per RX burst, and so per crypto call: intel-ipsec-mb drains its
 * CBC+HMAC lanes at the end of each call, and with 32 that flush cost a
 * third of the throughput at IMIX (bench: 2.6 -> 3.4 Mpps at 128).
 */
#define WORKER_BURST 128

/* worker_env.mss_clamp: TCP MSS on SYNs crossing a tunnel. */
#define WORKER_MSS_AUTO 0          /**< what the SA's tunnel MTU allows */
#define WORKER_MSS_OFF  UINT16_MAX /**< leave SYNs alone */

/** m->port of an injected packet that is to be routed (data at IPv4 header). */
#define WORKER_INJECT_ROUTE UINT16_MAX

/** Which side of the boundary a port is on. */
enum worker_role {
	WORKER_ROLE_OUTSIDE, /**< unprotected: the Internet, branches' ESP */
	WORKER_ROLE_INSIDE,  /**< protected: the cloud */
};

/** A port as the workers see it. Read-only once workers run. */
struct worker_port {
	uint16_t port_id; /**< DPDK port id */
	uint16_t mtu;     /**< IPv4 MTU */
	uint32_t addr;    /**< the box's address on it, host order */
	uint8_t plen;
	uint8_t role;  /**< enum worker_role */
	bool nat_pool; /**< addr is a NAT pool address */
	struct rte_ether_addr mac;
};

/**
 * Cleartext allowed across an outside port (an RFC 4301 BYPASS entry):
 * leaving, from local to remote; arriving, from remote to local. Host order.
 * A branch subnet's policy comes first: no bypass lets cleartext into or
 * out of one.
 */
struct worker_bypass {
	uint32_t local, remote;
	uint8_t local_len, remote_len;
};
#define WORKER_BYPASS_MAX 64

struct worker_cookies;

/**
 * Buffers one worker may hold in reassembly at most, for frag_entries
 * (three tables, each of frag_entries datagrams and twice as many
 * fragments): the packet pool must have them on top of its other needs.
 */
#define WORKER_REASS_MBUFS(frag_entries) (3u * 2u * (frag_entries))

/** What all workers share. Filled by the application before launch. */
struct worker_env {
	unsigned n_workers; /**< workers that will be created */
	unsigned n_ports;
	struct worker_port port[STATS_MAX_PORTS];
	struct route_table *routes;
	struct neigh_table *neigh;
	struct rte_ring *punt;          /**< MP/SC, mbufs: IKE, new exchanges */
	struct rte_ring *punt_known;    /**< MP/SC, mbufs: IKE of known IKE SAs */
	struct worker_cookies *cookies; /**< the box's live IKE cookies, or NULL */
	uint32_t ike_rate;              /**< IKE datagrams per second per source
					      per worker, unknown cookies; 0 = no limit */
	struct rte_ring *learn;         /**< MP/SC, struct neigh_learn_msg elements */
	struct rte_rcu_qsbr *qsbr;      /**< one thread id per worker index */
	struct rte_mempool *pool;       /**< for packets workers build */
	struct sa_db *sa;               /**< worker i uses sa_db_worker(sa, i) */
	struct nat *nat;                /**< NULL: no source NAT; worker i uses
					      nat_worker_get(nat, i) */
	const struct crypto_engine *engine;
	uint32_t icmp_error_rate;                       /**< per second per worker, for each port of
					      origin and each site; 0 = none */
	uint16_t mss_clamp;                             /**< WORKER_MSS_AUTO, _OFF, or an MSS */
	uint32_t frag_entries;                          /**< datagrams being reassembled, per worker
					      and trust zone */
	uint32_t max_sites;                             /**< site ids are below this */
	unsigned n_bypass;                              /**< the rules and the ports' roles are */
	struct worker_bypass bypass[WORKER_BYPASS_MAX]; /**< copied by worker_create() */
	uint32_t idle_sleep_us; /**< sleep per poll once idle a while; 0 = never */
	volatile uint32_t stop; /**< set by worker_env_stop() */
};

struct worker;

/**
 * Create worker number index (also its RX/TX queue and QSBR thread id).
 * Control core, before launch. NULL on allocation failure.
 */
struct worker *worker_create(struct worker_env *env, unsigned index, int socket_id);

/** Free a worker that has returned from worker_main(). */
void worker_free(struct worker *w);

/** The lcore entry point (rte_eal_remote_launch); arg is the worker. */
int worker_main(void *arg);

/**
 * The box's own IKE cookies of established IKE SAs (ours: the initiator
 * cookie of those we started, the responder cookie of those we answered),
 * so workers can tell authenticated peers' datagrams from the rest
 * without the control core. A
 * hint, never a decision: IKE checks every datagram itself. Written by the
 * control core only; workers read it without locks.
 */
struct worker_cookies *worker_cookies_create(uint32_t max, int socket_id);
void worker_cookies_free(struct worker_cookies *c);
/** Control core. false: no room near its slot (the SA's datagrams then
 *  share the rate-limited ring; counted by the caller). */
bool worker_cookies_add(struct worker_cookies *c, const uint8_t cookie[8]);
void worker_cookies_del(struct worker_cookies *c, const uint8_t cookie[8]);
/** Slots in the table (each worker keeps a rate per slot). */
uint32_t worker_cookies_slots(const struct worker_cookies *c);

/** Ask every worker to return from worker_main(). Control core. */
void worker_env_stop(struct worker_env *env);

/** The worker's own counters (the control core reads, never writes). */
struct stats_worker *worker_stats(struct worker *w);

/**
 * Hand a packet to a worker for transmission. Control core only.
 * m->port = a port index: m is a whole Ethernet frame sent as is on that
 * port. m->port = WORKER_INJECT_ROUTE: m starts at a complete IPv4 header
 * and is routed, resolved and sent like a forwarded packet.
 * @return 0, or -ENOBUFS (the caller still owns m).
 */
int worker_inject(struct worker *w, struct rte_mbuf *m);

/**
 * Process packets received on port index in_port as the loop would, then
 * transmit. For harnesses that feed packets without an RX queue.
 * Worker lcore (the one that owns w).
 */
void worker_input(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n);

/** Transmit everything buffered. Worker lcore. */
void worker_flush(struct worker *w);

#endif /* ESPHUB_WORKER_H */
