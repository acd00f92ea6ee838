/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Source NAT (masquerade) of decrypted branch traffic, on the worker cores.
 *
 * Two directions, named for the packet's way through esphub:
 *   nat_out()  branch -> cloud: a decrypted inner datagram whose destination
 *              a masquerade rule covers gets a pool address and a mapped
 *              port as its source; the first packet creates the session.
 *   nat_in()   cloud -> branch: a datagram to a pool address and a mapped
 *              port is restored to the branch's address and port and comes
 *              back with the tunnel id of its session, so it is encrypted
 *              into the tunnel it came from (no SPD lookup). Two branches
 *              may use the same private subnet.
 *   nat_track() cloud -> branch, forwarded by the SPD: a flow the cloud
 *              opens to a branch's own address gets a pass-through session,
 *              so nat_out() lets its replies through unchanged instead of
 *              masquerading them.
 * TCP, UDP and ICMP echo (the identifier plays the port) are translated;
 * ICMP errors about them are translated in both directions, the quoted
 * header included (RFC 5508). Checksums are patched (RFC 1624), never
 * recomputed.
 *
 * Mapping (RFC 4787): endpoint-independent by construction, with no mapping
 * table. An inside endpoint (tunnel, protocol, address, port) hashes, with
 * a secret key, to one preferred port in the creating worker's range, of
 * the same parity as its own (REQ-4); (tunnel, address) hashes to one pool
 * address (paired pooling, REQ-2).
 * All its sessions take that port (REQ-1) unless the 5-tuple toward that
 * destination is already held by another endpoint; then a keyed probe
 * sequence picks another port for that session only. 5-tuples on the cloud
 * side are always unique, and a port is reused for every destination, so
 * one pool address carries far more than 64K sessions (as Linux MASQUERADE
 * does). Filtering is address and port dependent: only the remote endpoint
 * a session was opened to gets in.
 *
 * Workers and sessions: one session array shared by all workers (free
 * slots in a lock-free ring, cached per worker), and per worker two chained
 * hash indexes over the sessions that worker created: by branch-side key
 * (tunnel, proto, inside address/port, remote address/port) and by
 * cloud-side key (proto, pool address/port, remote address/port). Each
 * index has exactly one writer, its worker; every worker reads every
 * index without locks. Mapped ports are partitioned per worker, so
 *  - allocation never contends: a worker probes only its own ports, in
 *    its own cloud-side index, and the 5-tuple it picks cannot be taken
 *    by another worker meanwhile;
 *  - a reply on any worker goes straight to the owning worker's index
 *    (the mapped port names the owner): one lookup;
 *  - an outbound packet looks in its own worker's index first, then in the
 *    others' (a flow created elsewhere).
 * Two workers seeing the first packets of one flow at the same time both
 * create a session; after publishing its own, each looks again in the
 * others' indexes (with a full fence, so at least one sees the other). The
 * lower worker index wins: a higher worker that sees a lower one's session
 * withdraws its own before using it; a lower worker that sees a higher
 * one's marks it superseded. A superseded session is skipped by outbound
 * lookups (so every worker then uses the winner) but still restores
 * replies to the packet it translated, until its idle timeout.
 *
 * Reclaiming: a session leaves its indexes only through its owner, which
 * keeps its slot out of reuse until every worker has passed a quiescent
 * state (rte_rcu QSBR, the workers' own variable: they already report once
 * per loop), so a reader standing on it never sees it rewritten.
 *
 * UDP 500 and 4500 are never mapped: a pool address is one of the box's
 * own, and those are its IKE ports (nat_in() passes them to the box).
 *
 * Timeouts (idle, in seconds, configurable; nat_config_init() defaults):
 *   udp            300   RFC 4787 REQ-5: at least 2 min, 5 min recommended
 *   tcp-est       7440   RFC 5382 REQ-5: at least 2 h 4 min
 *   tcp-transitory 240   RFC 5382 REQ-5: at least 4 min; until both sides
 *                        sent SYN, after FINs from both sides, after RST
 *   icmp            60   RFC 5508: ICMP query sessions, at least 60 s
 * Packets in either direction refresh a session; ICMP errors do not. A
 * session past its timeout is dead to lookups at once; its owner frees it
 * in an incremental scan of its indexes, nat_worker_expire(), paced to one
 * full pass per scan period and bounded per call, so it never stalls a
 * worker.
 *
 * Flushing (tunnel down, DPD timeout, "clear nat sessions"): the control
 * core bumps the tunnel's or the site's generation number, O(1). Sessions
 * created under an older generation are dead to lookups at once; the
 * owners free them in a fast pass of their scans. Tunnel and site ids are
 * therefore slot numbers below nat_config.max_tunnels / max_sites.
 *
 * Capacity: each worker keeps up to 128 free slots of the shared table in
 * a cache of its own, so DROP_NAT_TABLE_FULL may come while up to 128 per
 * other worker are free; a worker's freed slots return after one grace
 * period (every worker's next loop). The site cap is checked against all
 * workers' counts without a lock: workers creating sessions of one site at
 * the same instant may pass it by at most one each.
 *
 * Sharing (no branch can starve another): a site may hold at most
 * site_cap sessions of the table, and at most site_dest_cap 5-tuples of a
 * worker's range toward one remote (address, port, protocol), the
 * resource a mapped port is reused across (DROP_NAT_SITE_DEST_CAP; share.c
 * says why that unit and how it is counted). Both default to an even split
 * among active_sites sites: capacity / active_sites and the smallest
 * worker's ports / active_sites, so it takes active_sites sites at their
 * caps to fill the table or a worker's ports toward one destination.
 *
 * Not done here: hairpinning (a branch reaching another branch through a
 * pool address: feed nat_out()'s result to nat_in() when its destination
 * is a pool address); answering ARP for pool addresses other than the
 * inside port's own.
 *
 * Conventions: addresses in this API are host byte order (as net.h). Drop
 * reasons are returned (DROP_NAT_*), never counted here: the caller frees
 * and counts the packet with stats_drop(). NAT_PASS is not a drop. The
 * packet is a single-segment mbuf whose data starts at a complete IPv4
 * header (options allowed); fragments are refused (DROP_NAT_FRAGMENT), so
 * reassemble first. NAT does not touch the TTL.
 */
#ifndef ESPHUB_NAT_H
#define ESPHUB_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "nat_config.h"
#include "stats.h"

/**
 * Returned by nat_out() and nat_in() for a packet that is not NAT's to
 * translate: out, no rule masquerades it (route it unchanged, by the SPD);
 * in, it is not NAT traffic (deliver it to the box). Not a drop reason:
 * never pass it to stats_drop().
 */
#define NAT_PASS ((enum stats_drop)DROP_N)

#define NAT_BURST 32 /**< packets the burst calls prefetch together */

/** Counters each worker keeps: _(SYM, name, description). */
/* clang-format off */
#define foreach_nat_counter(_)                                                 \
	_(OUT_XLATE,   "out-translated",   "branch->cloud packets translated")    \
	_(OUT_PASS,    "out-passed",       "branch->cloud packets no rule masquerades (routed unchanged)") \
	_(IN_XLATE,    "in-translated",    "cloud->branch packets restored to their branch") \
	_(IN_PASS,     "in-passed",        "packets to a pool address that are not NAT traffic") \
	_(ICMP_ERR_OUT,"icmp-errors-out",  "ICMP errors from branches translated, quoted header included") \
	_(ICMP_ERR_IN, "icmp-errors-in",   "ICMP errors from the cloud translated into their tunnel") \
	_(CREATED,     "sessions-created", "sessions created")                     \
	_(EXPIRED,     "sessions-expired", "sessions freed after their idle timeout") \
	_(FLUSHED,     "sessions-flushed", "sessions freed after a tunnel, site or global flush") \
	_(CLOUD_OPENED,"cloud-opened",     "pass-through sessions for flows the cloud opened to a branch") \
	_(RACED,       "sessions-raced",   "new sessions that met the same flow just created by another worker (the lower worker keeps it)") \
	_(PORT_PROBES, "port-collisions",  "preferred port already held toward that destination; another tried") \
	_(TCP_REOPEN,  "tcp-reopened",     "closed TCP sessions reused by a new SYN")

enum nat_counter {
#define _(sym, name, descr) NAT_CTR_##sym,
	foreach_nat_counter(_)
#undef _
	NAT_CTR_N
};
/* clang-format on */

/** Protocols with sessions (gauges). */
enum nat_proto { NAT_PROTO_TCP, NAT_PROTO_UDP, NAT_PROTO_ICMP, NAT_PROTO_N };

/** Counters and gauges, summed over workers (or of one worker). */
struct nat_stats {
	uint64_t ctr[NAT_CTR_N];
	uint64_t sessions; /**< in the table, dead or alive, not yet freed */
	uint64_t sessions_proto[NAT_PROTO_N];
	uint32_t capacity;
};

/** One session as the CLI shows it. Host order. */
struct nat_session_info {
	uint32_t tunnel;
	uint32_t site;
	uint8_t proto; /**< IPPROTO_TCP, _UDP, _ICMP */
	uint32_t inside_addr;
	uint16_t inside_port; /**< ICMP: the branch's identifier */
	uint32_t remote_addr;
	uint16_t remote_port; /**< ICMP: 0 */
	uint32_t mapped_addr;
	uint16_t mapped_port;
	const char *state; /**< "udp", "icmp", "syn-sent", "established", ... */
	uint32_t age_s;    /**< since the session was created */
	uint32_t idle_s;
	uint32_t expires_s; /**< seconds until the idle timeout */
	unsigned worker;    /**< the owning worker */
	bool superseded;    /**< lost a creation race; replies only */
	bool passthrough;   /**< opened by the cloud: mapped to itself */
};

struct nat;
struct nat_worker;

/* --- control core ------------------------------------------------------- */

/* nat_config_init(), nat_config_check(), nat_config_resolve(): nat_config.h. */

/**
 * Allocate everything (sessions, indexes, worker contexts) for c, which
 * is copied. Control core, before the workers run.
 * @return the NAT, or NULL with rte_errno EINVAL (see nat_config_check;
 *   or no qsbr with several workers) or ENOMEM.
 */
struct nat *nat_create(const struct nat_config *c);

/** Free it all. Control core, after the workers stopped. NULL is a no-op. */
void nat_free(struct nat *nat);

/** Bytes allocated for the NAT (sessions, indexes, rings, contexts). */
size_t nat_memory(const struct nat *nat);

/** Worker index's context. The worker lcore keeps it; the pointer is stable. */
struct nat_worker *nat_worker_get(struct nat *nat, unsigned index);

/**
 * Release every session of a tunnel (its SAs are gone), of a site, or all.
 * O(1): dead to lookups on return; the owners free them within a fast
 * scan pass. Any thread (control core).
 * @return 0, or -EINVAL for an id out of range.
 */
int nat_flush_tunnel(struct nat *nat, uint32_t tunnel);
int nat_flush_site(struct nat *nat, uint32_t site);
void nat_flush_all(struct nat *nat);

/**
 * Counters summed over all workers (worker < 0) or of one worker. Any
 * thread; values are a moment old, never torn.
 */
void nat_stats_get(const struct nat *nat, int worker, struct nat_stats *out);

/** Sessions a site holds now (what its cap counts). Any thread. */
uint32_t nat_site_sessions(const struct nat *nat, uint32_t site);

/**
 * Call fn for the live sessions (site NAT_SITE_ANY: all), at most limit
 * of them (0: no limit), until fn returns non-zero. tsc is now, for ages.
 * A snapshot taken while workers run: a session being replaced is skipped.
 * Control core or telemetry thread. O(capacity).
 * @return the number of sessions passed to fn.
 */
unsigned nat_session_walk(const struct nat *nat, uint64_t tsc, uint32_t site, unsigned limit,
			  int (*fn)(const struct nat_session_info *si, void *arg), void *arg);

/** Names for the CLI and telemetry. */
const char *nat_counter_name(enum nat_counter c);
const char *nat_counter_descr(enum nat_counter c);
const char *nat_proto_name(enum nat_proto p);

/* --- worker lcore ------------------------------------------------------- */

/*
 * The data path. nw is the calling worker's own context; tsc is rte_rdtsc()
 * (read once per burst is enough). No locks, no allocation, no system
 * calls, no logging. On DROP_NONE or NAT_PASS the caller keeps m; on a
 * drop reason it frees and counts m (stats_drop()).
 */

/**
 * Branch -> cloud. m: the decrypted inner datagram, checked against the
 * tunnel's selectors; tunnel and site: where it came from (ids below
 * max_tunnels / max_sites, else DROP_NAT_SITE_CAP).
 * @return DROP_NONE: source translated, forward m (checksums patched);
 *   NAT_PASS: no rule masquerades it, or it answers a flow the cloud
 *   opened (nat_track()): route it unchanged;
 *   DROP_NAT_FRAGMENT, _MALFORMED, _UNSUPPORTED (a protocol or ICMP type
 *   NAT cannot translate), _NO_SESSION (TCP RST, ICMP echo reply or
 *   error about no session), _TABLE_FULL, _SITE_CAP, _SITE_DEST_CAP,
 *   _PORTS.
 */
enum stats_drop nat_out(struct nat_worker *nw, struct rte_mbuf *m, uint32_t tunnel, uint32_t site,
			uint64_t tsc);

/**
 * Cloud -> branch: m was received on the inside port. Not NAT traffic
 * (NAT_PASS): not to a pool address; a protocol other than TCP, UDP and
 * ICMP; a port or identifier outside the mapped range; ICMP other than
 * echo reply and errors (an echo request to the box is the box's to
 * answer); an error quoting what cannot be a NAT session.
 * @return DROP_NONE: destination restored (an ICMP error's quoted header
 *   too), encrypt m into *tunnel; NAT_PASS; DROP_NAT_NO_SESSION (includes
 *   expired and flushed sessions, and remotes the session was not opened
 *   to), _FRAGMENT, _MALFORMED.
 */
enum stats_drop nat_in(struct nat_worker *nw, struct rte_mbuf *m, uint64_t tsc, uint32_t *tunnel);

/**
 * Cloud -> branch: m is forwarded into tunnel (of site) unchanged, by the
 * SPD. If a masquerade rule covers its source for the site, open or
 * refresh the flow's pass-through session (TCP: only a SYN opens one;
 * ICMP: echo requests), so the branch's replies are not masqueraded.
 * @return DROP_NONE: forward m; DROP_NAT_TABLE_FULL, _SITE_CAP or
 *   _MALFORMED: a session was needed and could not be made.
 */
enum stats_drop nat_track(struct nat_worker *nw, struct rte_mbuf *m, uint32_t tunnel, uint32_t site,
			  uint64_t tsc);

/**
 * nat_out() over a burst, prefetching index buckets and sessions ahead:
 * rc[i] is what nat_out() would return for m[i]. Same contract. Any n
 * (worked in groups of NAT_BURST); the form to use with large tables.
 */
void nat_out_burst(struct nat_worker *nw, struct rte_mbuf **m, const uint32_t *tunnel,
		   const uint32_t *site, uint16_t n, uint64_t tsc, enum stats_drop *rc);

/** nat_in() over a burst: rc[i] and tunnel[i] as nat_in() gives them. */
void nat_in_burst(struct nat_worker *nw, struct rte_mbuf **m, uint16_t n, uint64_t tsc,
		  uint32_t *tunnel, enum stats_drop *rc);

/**
 * Housekeeping: free sessions whose slots passed their grace period, and
 * scan at most budget index buckets for expired and flushed sessions
 * (fewer when the scan is ahead of its period). Call once per loop
 * iteration, before the worker's QSBR quiescent report. Worker lcore.
 * @return sessions freed by this call.
 */
unsigned nat_worker_expire(struct nat_worker *nw, uint64_t tsc, unsigned budget);

#endif /* ESPHUB_NAT_H */
