/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/nat: the session, the per-worker indexes and context, and
 * the lookups every file shares. Layout and ownership rules are stated
 * next to each field; nat.h explains the design.
 */
#ifndef ESPHUB_NAT_PRIV_H
#define ESPHUB_NAT_PRIV_H

#include <netinet/in.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ring.h>

#include "config.h"
#include "nat.h"

#define NAT_NIL      UINT32_MAX /* ends a chain; no session */
#define PORT_PROBES  64         /* candidate ports tried for one new session */
#define CACHE_MAX    128        /* free session slots a worker keeps */
#define CACHE_MOVE   64         /* moved to or from the shared ring at once */
#define RETIRE_BATCH 256        /* slots per grace-period batch */
#define RETIRE_SLOTS 8          /* batches in flight per worker */

/* session->flags */
#define SF_LIVE       0x01 /* in its owner's indexes */
#define SF_SUPERSEDED 0x02 /* lost a creation race: outbound lookups skip it */

/* session->tcp: what the NAT has seen of a TCP connection. */
#define TCPF_SYN_IN   0x01 /* SYN from the branch */
#define TCPF_SYN_OUT  0x02 /* SYN from the cloud (the SYN-ACK) */
#define TCPF_FIN_IN   0x04
#define TCPF_FIN_OUT  0x08
#define TCPF_RST      0x10
#define TCPF_SEEN_OUT 0x20 /* any packet from the cloud */

/*
 * One session: 64 bytes, one cache line, so a lookup costs one miss per
 * chain step. Key fields and links are network order as in the packet,
 * so translation copies them without swapping.
 */
struct nat_session {
	/* Written by the owner before publication; constant while SF_LIVE. */
	uint32_t tunnel;
	uint32_t isrc;   /* inside (branch) address */
	uint32_t rdst;   /* remote (cloud) address */
	uint16_t isport; /* inside port / ICMP identifier */
	uint16_t rport;  /* remote port; 0 for ICMP */
	uint32_t xaddr;  /* mapped (pool) address */
	uint16_t xport;  /* mapped port / identifier */
	uint8_t proto;
	uint8_t owner; /* creating worker: the only writer of its links */
	uint32_t site;
	uint16_t tgen; /* tunnel_gen[tunnel] at creation */
	uint16_t sgen; /* site_gen[site] at creation */
	/*
	 * Chain links (session index). Kept intact after unlinking until the
	 * grace period ends, so a reader standing here walks on.
	 */
	uint32_t next_out;
	uint32_t next_in;
	/* Written by whichever worker sees a packet (rarely two at once). */
	uint32_t last;    /* nat clock (ms) of the last packet */
	uint8_t tcp;      /* TCPF_*, set with atomic OR */
	uint8_t flags;    /* SF_*, atomic */
	uint16_t seq;     /* odd while the owner rewrites the slot (snapshots) */
	uint32_t created; /* nat clock at creation */
} __rte_cache_aligned;

/* Branch-side key: what nat_out() looks up. Same layout as the session's start. */
struct out_key {
	uint32_t tunnel;
	uint32_t isrc;
	uint32_t rdst;
	uint16_t isport;
	uint16_t rport;
	uint8_t proto;
};

_Static_assert(offsetof(struct nat_session, rport) == offsetof(struct out_key, rport) &&
		       offsetof(struct nat_session, tunnel) == 0 &&
		       offsetof(struct out_key, tunnel) == 0,
	       "out_match() compares the first 16 bytes");
_Static_assert(sizeof(struct nat_session) == 64, "one cache line per session");

/*
 * A pass-through session (a flow the cloud opened, nat_track()) maps the
 * branch endpoint to itself: nothing is rewritten, replies are routed by
 * the SPD as the cloud's packets were.
 */
static inline bool
session_is_pass(const struct nat_session *s)
{
	return s->xaddr == s->isrc && s->xport == s->isport;
}

/* Cloud-side key: what nat_in() looks up. */
struct in_key {
	uint32_t xaddr;
	uint32_t rdst;
	uint16_t xport;
	uint16_t rport;
	uint8_t proto;
};

struct nat_rule {
	uint32_t prefix; /* host order */
	uint32_t mask;
	uint32_t site;
	int pool;
};

struct nat_pool {
	unsigned n;
	uint32_t addr[NAT_POOL_ADDRS_MAX]; /* network order */
};

struct nat_wstats {
	uint64_t ctr[NAT_CTR_N];
	uint64_t created[NAT_PROTO_N];
	uint64_t freed[NAT_PROTO_N];
} __rte_cache_aligned;

/* Freed session slots waiting for every worker to pass a quiescent state. */
struct retire_batch {
	uint64_t token;
	uint32_t n;
	uint32_t idx[RETIRE_BATCH];
};

/* One worker's context: written by that worker only (stats read by others). */
struct nat_worker {
	struct nat *nat;
	struct nat_session *sess;
	unsigned index;
	uint16_t port_lo; /* this worker's mapped ports, host order, inclusive */
	uint16_t port_hi;
	uint32_t *site_count; /* sessions this worker owns, per site */
	uint16_t *share;      /* share.c: its sketch; this worker only, no atomics */
	uint32_t *out_head;   /* this worker's indexes (also in struct nat) */
	uint32_t *in_head;

	unsigned n_cache;
	uint32_t cache[CACHE_MAX];

	unsigned rt_first;  /* oldest closed batch */
	unsigned rt_closed; /* closed batches; the open one follows them */
	unsigned rt_open;   /* entries in the open batch */

	uint32_t cursor;      /* next cloud-side bucket to scan */
	uint32_t scan_last;   /* nat clock of the last scan */
	uint64_t scan_credit; /* bucket-milliseconds owed to the scan */
	uint32_t urgent;      /* buckets to scan at full budget (after a flush) */
	uint32_t flush_seen;

	struct nat_wstats st;
	struct retire_batch rt[RETIRE_SLOTS];
} __rte_cache_aligned;

struct nat {
	/* Read-only once created. */
	struct nat_session *sess;
	uint32_t capacity;
	unsigned n_workers;
	uint32_t site_cap;
	uint32_t site_dest_cap;
	uint32_t max_sites;
	uint32_t max_tunnels;
	uint32_t tmo[NAT_TMO_N]; /* ms */
	uint64_t clock_mul;      /* ms = tsc * clock_mul >> 32 */
	uint32_t scan_period;    /* ms */
	uint32_t bits;           /* log2 of buckets per index */
	uint64_t hk[8];          /* secret hash multipliers */
	uint64_t sk[2][4];       /* share.c's, one set per row */
	struct rte_rcu_qsbr *qsbr;
	struct rte_ring *free; /* free session slots (uint32) */
	uint16_t port_min;
	uint16_t port_max;
	uint8_t port_owner[256]; /* worker owning ports [b*256, b*256+255] */
	unsigned n_rules;
	struct nat_rule rule[NAT_RULES_MAX]; /* sorted: first match wins */
	unsigned n_pools;
	struct nat_pool pool[NAT_POOLS_MAX];
	unsigned n_addrs;
	uint32_t addr[NAT_ADDRS_MAX]; /* every pool address, network order */
	uint32_t *out_head[NAT_WORKERS_MAX];
	uint32_t *in_head[NAT_WORKERS_MAX];
	uint32_t *site_count[NAT_WORKERS_MAX];
	uint16_t *share[NAT_WORKERS_MAX];
	struct nat_worker *w[NAT_WORKERS_MAX];
	size_t mem;

	/* Written by the control core (atomically), read by the workers. */
	uint16_t *tunnel_gen;
	uint16_t *site_gen;
	uint32_t flush_seq;
};

/* --- time and timeouts -------------------------------------------------- */

/* The NAT clock: milliseconds, 32 bits, compared only as signed differences. */
static inline uint32_t
nat_clock(const struct nat *nat, uint64_t tsc)
{
	return (uint32_t)(((unsigned __int128)tsc * nat->clock_mul) >> 32);
}

static inline uint32_t
tcp_timeout(const struct nat *nat, uint8_t t)
{
	if ((t & TCPF_RST) || (t & (TCPF_FIN_IN | TCPF_FIN_OUT)) == (TCPF_FIN_IN | TCPF_FIN_OUT))
		return nat->tmo[NAT_TMO_TCP_TRANS];
	/* Established once both sides sent their SYN (whichever opened it),
	 * or for a connection picked up without one, once the cloud spoke. */
	if ((t & TCPF_SEEN_OUT) && !(t & TCPF_SYN_IN) == !(t & TCPF_SYN_OUT))
		return nat->tmo[NAT_TMO_TCP_EST];
	return nat->tmo[NAT_TMO_TCP_TRANS];
}

static inline uint32_t
session_timeout(const struct nat *nat, const struct nat_session *s)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return tcp_timeout(nat, __atomic_load_n(&s->tcp, __ATOMIC_RELAXED));
	case IPPROTO_UDP:
		return nat->tmo[NAT_TMO_UDP];
	default:
		return nat->tmo[NAT_TMO_ICMP];
	}
}

static inline bool
session_expired(const struct nat *nat, const struct nat_session *s, uint32_t now)
{
	/* Signed: another worker's clock may be a little ahead of ours. */
	return (int32_t)(now - __atomic_load_n(&s->last, __ATOMIC_RELAXED)) >
	       (int32_t)session_timeout(nat, s);
}

static inline bool
session_flushed(const struct nat *nat, const struct nat_session *s)
{
	return s->tgen != __atomic_load_n(&nat->tunnel_gen[s->tunnel], __ATOMIC_RELAXED) ||
	       s->sgen != __atomic_load_n(&nat->site_gen[s->site], __ATOMIC_RELAXED);
}

/* May a packet use s? (Superseded sessions: the caller decides.) */
static inline bool
session_alive(const struct nat *nat, const struct nat_session *s, uint32_t now)
{
	return (__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & SF_LIVE) &&
	       !session_flushed(nat, s) && !session_expired(nat, s, now);
}

/* Refresh the idle timer; write the line only when the clock moved. */
static inline void
session_touch(struct nat_session *s, uint32_t now)
{
	if (__atomic_load_n(&s->last, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&s->last, now, __ATOMIC_RELAXED);
}

static inline void
session_tcp_mark(struct nat_session *s, uint8_t bits)
{
	if (bits & ~__atomic_load_n(&s->tcp, __ATOMIC_RELAXED))
		__atomic_fetch_or(&s->tcp, bits, __ATOMIC_RELAXED);
}

/* --- hashing and lookups ------------------------------------------------ */

/*
 * Keyed multiply-shift over 32-bit words (Dietzfelbinger): with secret
 * multipliers a branch cannot aim its flows at one bucket. The top bits of
 * the sum are the well-mixed ones; bucket() takes those.
 */
static inline uint32_t
hash_out(const struct nat *nat, const struct out_key *k)
{
	uint64_t h = nat->hk[0];

	h += k->tunnel * nat->hk[1];
	h += k->isrc * nat->hk[2];
	h += k->rdst * nat->hk[3];
	h += ((uint32_t)k->isport | (uint32_t)k->rport << 16) * nat->hk[4];
	h += (uint64_t)k->proto * nat->hk[5];
	return (uint32_t)(h >> 32);
}

static inline uint32_t
hash_in(const struct nat *nat, const struct in_key *k)
{
	uint64_t h = nat->hk[6];

	h += k->xaddr * nat->hk[2];
	h += k->rdst * nat->hk[3];
	h += ((uint32_t)k->xport | (uint32_t)k->rport << 16) * nat->hk[7];
	h += (uint64_t)k->proto * nat->hk[5];
	return (uint32_t)(h >> 32);
}

static inline uint32_t
bucket(const struct nat *nat, uint32_t hash)
{
	return hash >> (32 - nat->bits);
}

/*
 * The branch-side key is the session's first 16 bytes, in the same order
 * as struct out_key: two 64-bit compares.
 */
static inline bool
out_match(const struct nat_session *s, const struct out_key *k)
{
	uint64_t a[2], b[2];

	memcpy(a, s, sizeof(a));
	memcpy(b, k, sizeof(b));
	return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0 && s->proto == k->proto;
}

static inline bool
in_match(const struct nat_session *s, const struct in_key *k)
{
	return s->xaddr == k->xaddr && s->rdst == k->rdst &&
	       ((uint32_t)s->xport | (uint32_t)s->rport << 16) ==
		       ((uint32_t)k->xport | (uint32_t)k->rport << 16) &&
	       s->proto == k->proto;
}

/*
 * The usable session for k in one branch-side index, or NULL. Lock-free;
 * any worker. skip_superseded for outbound translation.
 */
static inline struct nat_session *
out_find(const struct nat *nat, const uint32_t *head, uint32_t b, const struct out_key *k,
	 uint32_t now, bool skip_superseded)
{
	uint32_t i = __atomic_load_n(&head[b], __ATOMIC_ACQUIRE);

	while (i != NAT_NIL) {
		struct nat_session *s = &nat->sess[i];

		if (out_match(s, k) && session_alive(nat, s, now) &&
		    !(skip_superseded &&
		      (__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & SF_SUPERSEDED)))
			return s;
		i = __atomic_load_n(&s->next_out, __ATOMIC_ACQUIRE);
	}
	return NULL;
}

/* Any session holding k in one cloud-side index, alive or not (NAT_NIL if none). */
static inline uint32_t
in_find_any(const struct nat *nat, const uint32_t *head, uint32_t b, const struct in_key *k)
{
	uint32_t i = __atomic_load_n(&head[b], __ATOMIC_ACQUIRE);

	while (i != NAT_NIL && !in_match(&nat->sess[i], k))
		i = __atomic_load_n(&nat->sess[i].next_in, __ATOMIC_ACQUIRE);
	return i;
}

/* The live session for k (superseded ones included), or NULL. */
static inline struct nat_session *
in_find(const struct nat *nat, const uint32_t *head, uint32_t b, const struct in_key *k,
	uint32_t now)
{
	uint32_t i = __atomic_load_n(&head[b], __ATOMIC_ACQUIRE);

	while (i != NAT_NIL) {
		struct nat_session *s = &nat->sess[i];

		if (in_match(s, k) && session_alive(nat, s, now))
			return s;
		i = __atomic_load_n(&s->next_in, __ATOMIC_ACQUIRE);
	}
	return NULL;
}

/* Worker owning mapped port p (network order), or NO_OWNER. */
static inline unsigned
port_owner(const struct nat *nat, uint16_t p_be)
{
	uint16_t p = rte_be_to_cpu_16(p_be);

	if (p < nat->port_min || p > nat->port_max)
		return NO_OWNER;
	return nat->port_owner[p >> 8];
}

/*
 * UDP 500 and 4500 on a pool address are the box's IKE and NAT-T ports
 * (pool addresses are port addresses): never mapped, never restored.
 */
static inline bool
box_port(uint8_t proto, uint16_t p_be)
{
	return proto == IPPROTO_UDP && (p_be == RTE_BE16(500) || p_be == RTE_BE16(4500));
}

static inline bool
is_pool_addr(const struct nat *nat, uint32_t a_be)
{
	for (unsigned i = 0; i < nat->n_addrs; i++)
		if (nat->addr[i] == a_be)
			return true;
	return false;
}

/* The pool of the most specific rule, NAT_RULE_NO_NAT if none masquerades. */
static __rte_always_inline int
rule_match(const struct nat *nat, uint32_t dst_be, uint32_t site)
{
	uint32_t dst = rte_be_to_cpu_32(dst_be);

	for (unsigned i = 0; i < nat->n_rules; i++) {
		const struct nat_rule *r = &nat->rule[i];

		if ((dst & r->mask) == r->prefix && (r->site == NAT_SITE_ANY || r->site == site))
			return r->pool;
	}
	return NAT_RULE_NO_NAT;
}

static inline enum nat_proto
proto_index(uint8_t proto)
{
	return proto == IPPROTO_TCP ? NAT_PROTO_TCP :
	       proto == IPPROTO_UDP ? NAT_PROTO_UDP :
				      NAT_PROTO_ICMP;
}

/* --- table.c: owner-side index and slot management ------------------------ */

/* A free session slot, or NAT_NIL when the table is full. */
uint32_t nat_slot_alloc(struct nat_worker *nw);
/* Give back a slot that was never published. */
void nat_slot_unused(struct nat_worker *nw, uint32_t idx);
/* Insert a filled session into the worker's two indexes (cloud side first). */
void nat_session_publish(struct nat_worker *nw, uint32_t idx, uint32_t hout, uint32_t hin);
/* Can nat_session_unlink() retire one more slot now? */
bool nat_retire_room(const struct nat_worker *nw);
/* Take an owned session out of both indexes and retire its slot. Needs nat_retire_room(). */
void nat_session_unlink(struct nat_worker *nw, uint32_t idx);
/* Start the grace period of the open batch; free batches whose grace ended. */
void nat_retire_close(struct nat_worker *nw);
void nat_retire_reclaim(struct nat_worker *nw);

/* --- share.c: a site's share of the worker's ports toward one remote -------- */

/* Counters per worker (two rows); both rows' slots of one (site, remote). */
#define SHARE_COUNTERS(nat) ((size_t)1 << (nat)->bits)
struct share_slots {
	uint32_t i[2];
};

/* Does the site hold its share toward k's remote? Fills where it is counted. */
bool nat_share_full(const struct nat_worker *nw, uint32_t site, const struct out_key *k,
		    struct share_slots *sl);
/* Count a published masqueraded session (slots from nat_share_full()). */
void nat_share_take(struct nat_worker *nw, const struct share_slots *sl);
/* Uncount a masqueraded session the owner unlinks. */
void nat_share_release(struct nat_worker *nw, const struct nat_session *s);

/* --- out.c / in.c / icmp.c ------------------------------------------------ */

/* pool NAT_RULE_NO_NAT: a pass-through session (nat_track()). */
enum stats_drop nat_session_create(struct nat_worker *nw, const struct out_key *k, uint32_t hout,
				   uint32_t site, int pool, uint32_t now, struct nat_session **out);

/* Search every worker's branch-side index, the caller's first. */
struct nat_session *nat_out_lookup(struct nat_worker *nw, const struct out_key *k, uint32_t hout,
				   uint32_t now, bool skip_superseded);

/* The datagram an ICMP error quotes (RFC 792): its header and 8+ bytes. */
struct quote {
	uint8_t *ip;
	uint8_t *l4;
	uint8_t proto;
	uint8_t icmp_type; /* if proto is ICMP */
	uint32_t l4_len;   /* quoted bytes from l4 on (>= 8) */
};

bool nat_icmp_is_error(uint8_t type);
enum stats_drop nat_quote_parse(uint8_t *icmp, uint32_t icmp_len, struct quote *q);
void nat_quote_rewrite(uint8_t *icmp, const struct quote *q, unsigned addr_off, unsigned port_off,
		       uint32_t addr, uint16_t port);

#endif /* ESPHUB_NAT_PRIV_H */
