/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Branch -> cloud: match the masquerade rules, find or create the session,
 * translate the source. Creating a session is where the mapping behaviour
 * lives (nat.h): paired pool address, endpoint-independent preferred port,
 * keyed probing for a free 5-tuple, the site cap and the site's share
 * toward one remote (share.c), and the creation race between workers.
 */
#include "pkt.h"
#include "priv.h"

/* What out_parse() learned about a packet. */
struct out_pkt {
	struct ip_view v;
	struct out_key k;
	uint32_t hash;
	uint32_t site;
	int pool;
	bool error; /* an ICMP error: translate its quote, never create */
	bool reply; /* an echo reply: only to a ping the cloud sent */
	struct quote q;
	uint8_t tcp_flags;
};

/*
 * The key of the session an ICMP error from a branch is about: the quoted
 * datagram went cloud -> branch, so its destination is the inside end.
 */
static enum stats_drop
error_key(struct out_pkt *p, uint32_t tunnel)
{
	struct quote *q = &p->q;
	enum stats_drop rc = nat_quote_parse(p->v.l4, p->v.l4_len, q);

	if (rc != DROP_NONE)
		return rc;
	if (q->proto == IPPROTO_ICMP && q->icmp_type != ICMP_ECHO_REPLY)
		return DROP_NAT_UNSUPPORTED;
	p->k = (struct out_key){
		.tunnel = tunnel,
		.isrc = ld32(q->ip + IP_DST),
		.rdst = ld32(q->ip + IP_SRC),
		.isport = ld16(q->l4 + port_off(q->proto, true)),
		.rport = q->proto == IPPROTO_ICMP ? 0 : ld16(q->l4 + L4_SPORT),
		.proto = q->proto,
	};
	p->error = true;
	return DROP_NONE;
}

/* Everything that does not touch the session table. */
static __rte_always_inline enum stats_drop
out_parse(const struct nat *nat, struct rte_mbuf *m, uint32_t tunnel, uint32_t site,
	  struct out_pkt *p)
{
	enum stats_drop rc = ip_view(m, &p->v);
	const uint8_t *l4;

	if (unlikely(rc != DROP_NONE))
		return rc;
	p->pool = rule_match(nat, ld32(p->v.ip + IP_DST), site);
	if (p->pool == NAT_RULE_NO_NAT)
		return NAT_PASS;
	if (unlikely(tunnel >= nat->max_tunnels || site >= nat->max_sites))
		return DROP_NAT_SITE_CAP;
	if (unlikely(p->v.fragment))
		return DROP_NAT_FRAGMENT;
	if (unlikely(l4_min(p->v.proto) == 0))
		return DROP_NAT_UNSUPPORTED;
	if (unlikely(p->v.l4_len < l4_min(p->v.proto)))
		return DROP_NAT_MALFORMED;
	l4 = p->v.l4;
	p->site = site;
	p->error = false;
	p->reply = false;
	p->tcp_flags = 0;
	if (p->v.proto == IPPROTO_ICMP) {
		if (nat_icmp_is_error(l4[0]))
			rc = error_key(p, tunnel);
		else if (l4[0] == ICMP_ECHO_REPLY)
			p->reply = true;
		else if (l4[0] != ICMP_ECHO_REQUEST)
			return DROP_NAT_UNSUPPORTED;
		if (rc != DROP_NONE)
			return rc;
	}
	if (!p->error) {
		p->k = (struct out_key){
			.tunnel = tunnel,
			.isrc = ld32(p->v.ip + IP_SRC),
			.rdst = ld32(p->v.ip + IP_DST),
			.isport = ld16(l4 + port_off(p->v.proto, false)),
			.rport = p->v.proto == IPPROTO_ICMP ? 0 : ld16(l4 + L4_DPORT),
			.proto = p->v.proto,
		};
		if (p->v.proto == IPPROTO_TCP)
			p->tcp_flags = l4[TCP_FLAGS];
	}
	p->hash = hash_out(nat, &p->k);
	return DROP_NONE;
}

struct nat_session *
nat_out_lookup(struct nat_worker *nw, const struct out_key *k, uint32_t hout, uint32_t now,
	       bool skip_superseded)
{
	const struct nat *nat = nw->nat;
	uint32_t b = bucket(nat, hout);
	struct nat_session *s;

	s = out_find(nat, nw->out_head, b, k, now, skip_superseded);
	for (unsigned w = 0; s == NULL && w < nat->n_workers; w++)
		if (w != nw->index)
			s = out_find(nat, nat->out_head[w], b, k, now, skip_superseded);
	return s;
}

/* Apply a TCP segment from the branch to the session's state. */
static __rte_always_inline void
tcp_track_out(struct nat_worker *nw, struct nat_session *s, uint8_t f)
{
	uint8_t t = __atomic_load_n(&s->tcp, __ATOMIC_RELAXED);

	/* A new SYN on a closed connection's 5-tuple opens a new one. */
	if ((f & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	    ((t & TCPF_RST) ||
	     (t & (TCPF_FIN_IN | TCPF_FIN_OUT)) == (TCPF_FIN_IN | TCPF_FIN_OUT))) {
		__atomic_store_n(&s->tcp, TCPF_SYN_IN, __ATOMIC_RELAXED);
		nw->st.ctr[NAT_CTR_TCP_REOPEN]++;
		return;
	}
	session_tcp_mark(s, (uint8_t)(((f & TCP_SYN) ? TCPF_SYN_IN : 0) |
				      ((f & TCP_FIN) ? TCPF_FIN_IN : 0) |
				      ((f & TCP_RST) ? TCPF_RST : 0)));
}

/* Returns DROP_NONE, or NAT_PASS for a flow the cloud opened (nothing rewritten). */
static __rte_always_inline enum stats_drop
translate(struct nat_worker *nw, struct out_pkt *p, struct nat_session *s, uint32_t now)
{
	if (unlikely(session_is_pass(s))) {
		if (!p->error) {
			session_touch(s, now);
			if (p->v.proto == IPPROTO_TCP)
				tcp_track_out(nw, s, p->tcp_flags);
		}
		nw->st.ctr[NAT_CTR_OUT_PASS]++;
		return NAT_PASS;
	}
	if (p->error) {
		/* The quote names the inside end as destination. */
		rewrite_ip_only(p->v.ip, IP_SRC, s->xaddr);
		nat_quote_rewrite(p->v.l4, &p->q, IP_DST, port_off(p->q.proto, true), s->xaddr,
				  s->xport);
		nw->st.ctr[NAT_CTR_ICMP_ERR_OUT]++;
		return DROP_NONE;
	}
	rewrite(p->v.ip, IP_SRC, p->v.l4, port_off(p->v.proto, false), p->v.proto, s->xaddr,
		s->xport);
	session_touch(s, now);
	if (p->v.proto == IPPROTO_TCP)
		tcp_track_out(nw, s, p->tcp_flags);
	nw->st.ctr[NAT_CTR_OUT_XLATE]++;
	return DROP_NONE;
}

static __rte_always_inline enum stats_drop
out_process(struct nat_worker *nw, struct out_pkt *p, uint32_t now)
{
	struct nat_session *s;
	enum stats_drop rc;

	/* Errors may be about replies a superseded session restored. */
	s = nat_out_lookup(nw, &p->k, p->hash, now, !p->error);
	if (s == NULL) {
		/* Errors, echo replies and resets never open a session. */
		if (p->error || p->reply || (p->tcp_flags & TCP_RST))
			return DROP_NAT_NO_SESSION;
		rc = nat_session_create(nw, &p->k, p->hash, p->site, p->pool, now, &s);
		if (rc != DROP_NONE)
			return rc;
	}
	return translate(nw, p, s, now);
}

enum stats_drop
nat_out(struct nat_worker *nw, struct rte_mbuf *m, uint32_t tunnel, uint32_t site, uint64_t tsc)
{
	struct out_pkt p;
	enum stats_drop rc = out_parse(nw->nat, m, tunnel, site, &p);

	if (rc != DROP_NONE) {
		if (rc == NAT_PASS)
			nw->st.ctr[NAT_CTR_OUT_PASS]++;
		return rc;
	}
	return out_process(nw, &p, nat_clock(nw->nat, tsc));
}

/*
 * Three passes so the memory loads of a burst overlap: parse and prefetch
 * the bucket, read the bucket and prefetch its first session, translate.
 */
static void
out_group(struct nat_worker *nw, struct rte_mbuf **m, const uint32_t *tunnel, const uint32_t *site,
	  unsigned n, uint32_t now, enum stats_drop *rc)
{
	const struct nat *nat = nw->nat;
	struct out_pkt p[NAT_BURST];

	for (unsigned i = 0; i < n; i++) {
		rc[i] = out_parse(nat, m[i], tunnel[i], site[i], &p[i]);
		if (rc[i] == DROP_NONE)
			rte_prefetch0(&nw->out_head[bucket(nat, p[i].hash)]);
		else if (rc[i] == NAT_PASS)
			nw->st.ctr[NAT_CTR_OUT_PASS]++;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t idx;

		if (rc[i] != DROP_NONE)
			continue;
		idx = __atomic_load_n(&nw->out_head[bucket(nat, p[i].hash)], __ATOMIC_RELAXED);
		if (idx != NAT_NIL)
			rte_prefetch0(&nw->sess[idx]);
	}
	for (unsigned i = 0; i < n; i++)
		if (rc[i] == DROP_NONE)
			rc[i] = out_process(nw, &p[i], now);
}

void
nat_out_burst(struct nat_worker *nw, struct rte_mbuf **m, const uint32_t *tunnel,
	      const uint32_t *site, uint16_t n, uint64_t tsc, enum stats_drop *rc)
{
	uint32_t now = nat_clock(nw->nat, tsc);

	for (unsigned i = 0; i < n; i += NAT_BURST)
		out_group(nw, m + i, tunnel + i, site + i, RTE_MIN((unsigned)NAT_BURST, n - i), now,
			  rc + i);
}

/* --- session creation ------------------------------------------------------ */

static bool
site_full(const struct nat *nat, uint32_t site)
{
	uint32_t total = 0;

	/* Other workers' counts may be a moment old: the cap can be passed by
	 * at most n_workers - 1 sessions created at the same instant. */
	for (unsigned w = 0; w < nat->n_workers; w++)
		total += __atomic_load_n(&nat->site_count[w][site], __ATOMIC_RELAXED);
	return total >= nat->site_cap;
}

/*
 * A free cloud-side 5-tuple (pool address, port, remote) for k in this
 * worker's port range: the endpoint's preferred port first (keyed hash of
 * the inside endpoint, the parity of its own port), then a keyed probe
 * sequence. A dead session of ours still holding a candidate is freed on
 * the spot. Only this worker inserts ports of its range, so the answer
 * stays true until we publish.
 */
static bool
port_pick(struct nat_worker *nw, const struct out_key *k, struct in_key *ik, uint32_t now)
{
	const struct nat *nat = nw->nat;
	uint32_t span = (uint32_t)nw->port_hi - nw->port_lo + 1;
	uint64_t h = ((uint64_t)k->tunnel * nat->hk[1] + k->isrc * nat->hk[2] +
		      ((uint32_t)k->isport | (uint32_t)k->proto << 16) * nat->hk[4]) >>
		     32;
	uint32_t parity = rte_be_to_cpu_16(k->isport) & 1;
	uint32_t off = (uint32_t)(h % span);
	uint32_t stride = (uint32_t)(2 * (1 + (h >> 16) % (span / 2 - 1)));

	if (((nw->port_lo + off) & 1) != parity)
		off = (off + 1) % span;
	for (unsigned i = 0; i < PORT_PROBES; i++) {
		uint32_t hin, idx;

		/* The last quarter leaves the parity: better than no port. */
		if (i == PORT_PROBES * 3 / 4)
			stride++;
		ik->xport = rte_cpu_to_be_16((uint16_t)(nw->port_lo + off));
		if (unlikely(box_port(k->proto, ik->xport))) {
			off = (off + stride) % span;
			continue;
		}
		hin = hash_in(nat, ik);
		idx = in_find_any(nat, nw->in_head, bucket(nat, hin), ik);
		if (idx != NAT_NIL && !session_alive(nat, &nw->sess[idx], now) &&
		    nat_retire_room(nw)) {
			nw->st.ctr[session_flushed(nat, &nw->sess[idx]) ? NAT_CTR_FLUSHED :
									  NAT_CTR_EXPIRED]++;
			nat_session_unlink(nw, idx);
			idx = NAT_NIL;
		}
		if (idx == NAT_NIL)
			return true;
		nw->st.ctr[NAT_CTR_PORT_PROBES]++;
		off = (off + stride) % span;
	}
	return false;
}

/*
 * After publishing our session, look for the same flow in the other
 * workers' indexes (nat.h: the creation race). Returns the session to use.
 */
static struct nat_session *
race_check(struct nat_worker *nw, struct nat_session *mine, uint32_t idx, const struct out_key *k,
	   uint32_t hout, uint32_t now)
{
	const struct nat *nat = nw->nat;
	uint32_t b = bucket(nat, hout);

	/* Our publication before their lookups, or theirs before ours. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned w = 0; w < nat->n_workers; w++) {
		struct nat_session *other;

		if (w == nw->index)
			continue;
		other = out_find(nat, nat->out_head[w], b, k, now, true);
		if (other == NULL)
			continue;
		nw->st.ctr[NAT_CTR_RACED]++;
		if (w < nw->index) {
			/* Nobody translated with ours yet: withdraw it. */
			if (nat_retire_room(nw))
				nat_session_unlink(nw, idx);
			else
				__atomic_fetch_or(&mine->flags, SF_SUPERSEDED, __ATOMIC_RELEASE);
			return other;
		}
		__atomic_fetch_or(&other->flags, SF_SUPERSEDED, __ATOMIC_RELEASE);
	}
	return mine;
}

static void
session_fill(struct nat_worker *nw, struct nat_session *s, const struct out_key *k,
	     const struct in_key *ik, uint32_t site, uint32_t now)
{
	const struct nat *nat = nw->nat;

	/* Odd while we write: a control-core snapshot skips the slot. */
	__atomic_store_n(&s->seq, (uint16_t)(s->seq | 1), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->tunnel = k->tunnel;
	s->isrc = k->isrc;
	s->rdst = k->rdst;
	s->isport = k->isport;
	s->rport = k->rport;
	s->xaddr = ik->xaddr;
	s->xport = ik->xport;
	s->proto = k->proto;
	s->owner = (uint8_t)nw->index;
	s->site = site;
	s->tgen = __atomic_load_n(&nat->tunnel_gen[k->tunnel], __ATOMIC_ACQUIRE);
	s->sgen = __atomic_load_n(&nat->site_gen[site], __ATOMIC_ACQUIRE);
	s->last = now;
	s->created = now;
	s->tcp = 0;
}

enum stats_drop
nat_session_create(struct nat_worker *nw, const struct out_key *k, uint32_t hout, uint32_t site,
		   int pool, uint32_t now, struct nat_session **out)
{
	const struct nat *nat = nw->nat;
	const struct nat_pool *pl = &nat->pool[pool < 0 ? 0 : pool];
	struct in_key ik = { .rdst = k->rdst, .rport = k->rport, .proto = k->proto };
	struct share_slots sl;
	struct nat_session *s;
	uint32_t idx;

	if (site_full(nat, site))
		return DROP_NAT_SITE_CAP;
	/* Only masquerading takes a port of the range (share.c). */
	if (pool != NAT_RULE_NO_NAT && nat_share_full(nw, site, k, &sl))
		return DROP_NAT_SITE_DEST_CAP;
	idx = nat_slot_alloc(nw);
	if (idx == NAT_NIL)
		return DROP_NAT_TABLE_FULL;
	if (pool == NAT_RULE_NO_NAT) {
		/* Pass-through: the branch endpoint maps to itself. */
		ik.xaddr = k->isrc;
		ik.xport = k->isport;
	} else {
		/* Paired pooling: every session of an inside address, one address. */
		ik.xaddr =
			pl->addr[(((uint64_t)k->tunnel * nat->hk[1] + k->isrc * nat->hk[2]) >> 32) %
				 pl->n];
		if (!port_pick(nw, k, &ik, now)) {
			nat_slot_unused(nw, idx);
			return DROP_NAT_PORTS;
		}
	}
	s = &nw->sess[idx];
	session_fill(nw, s, k, &ik, site, now);
	nat_session_publish(nw, idx, hout, hash_in(nat, &ik));
	nw->site_count[site]++;
	/* Counted by the very test nat_session_unlink() uncounts by. */
	if (!session_is_pass(s))
		nat_share_take(nw, &sl);
	nw->st.created[proto_index(k->proto)]++;
	nw->st.ctr[NAT_CTR_CREATED]++;
	*out = nat->n_workers > 1 ? race_check(nw, s, idx, k, hout, now) : s;
	return DROP_NONE;
}
