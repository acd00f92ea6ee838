/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cloud -> branch: a datagram to a pool address. The mapped port (or the
 * identifier of an echo reply, or the quoted source port of an ICMP error)
 * names the worker whose index holds the session, so one lookup finds it
 * whichever worker received the packet.
 */
#include "pkt.h"
#include "priv.h"

struct in_pkt {
	struct ip_view v;
	struct in_key k;
	uint32_t hash;
	unsigned owner;
	bool error;
	struct quote q;
	uint8_t tcp_flags;
};

/* The session an ICMP error from the cloud is about: one we translated. */
static enum stats_drop
error_key(struct in_pkt *p)
{
	struct quote *q = &p->q;
	enum stats_drop rc = nat_quote_parse(p->v.l4, p->v.l4_len, q);

	/* A quote that cannot be a NAT session's is the box's business. */
	if (rc == DROP_NAT_UNSUPPORTED ||
	    (rc == DROP_NONE && q->proto == IPPROTO_ICMP && q->icmp_type != ICMP_ECHO_REQUEST))
		return NAT_PASS;
	if (rc != DROP_NONE)
		return rc;
	p->k = (struct in_key){
		.xaddr = ld32(q->ip + IP_SRC),
		.rdst = ld32(q->ip + IP_DST),
		.xport = ld16(q->l4 + port_off(q->proto, false)),
		.rport = q->proto == IPPROTO_ICMP ? 0 : ld16(q->l4 + L4_DPORT),
		.proto = q->proto,
	};
	/* About a packet from this pool address, or not one of ours. */
	if (p->k.xaddr != ld32(p->v.ip + IP_DST))
		return DROP_NAT_NO_SESSION;
	p->error = true;
	return DROP_NONE;
}

static __rte_always_inline enum stats_drop
in_parse(const struct nat *nat, struct rte_mbuf *m, struct in_pkt *p)
{
	enum stats_drop rc = ip_view(m, &p->v);
	const uint8_t *l4;

	if (unlikely(rc != DROP_NONE))
		return rc;
	if (!is_pool_addr(nat, ld32(p->v.ip + IP_DST)))
		return NAT_PASS;
	if (unlikely(p->v.fragment))
		return DROP_NAT_FRAGMENT;
	if (l4_min(p->v.proto) == 0)
		return NAT_PASS;
	if (unlikely(p->v.l4_len < l4_min(p->v.proto)))
		return DROP_NAT_MALFORMED;
	l4 = p->v.l4;
	p->error = false;
	p->tcp_flags = 0;
	if (p->v.proto == IPPROTO_ICMP) {
		if (nat_icmp_is_error(l4[0])) {
			rc = error_key(p);
			if (rc != DROP_NONE)
				return rc;
		} else if (l4[0] != ICMP_ECHO_REPLY) {
			/* Echo requests and the rest are the box's own. */
			return NAT_PASS;
		}
	}
	if (!p->error) {
		p->k = (struct in_key){
			.xaddr = ld32(p->v.ip + IP_DST),
			.rdst = ld32(p->v.ip + IP_SRC),
			.xport = ld16(l4 + port_off(p->v.proto, true)),
			.rport = p->v.proto == IPPROTO_ICMP ? 0 : ld16(l4 + L4_SPORT),
			.proto = p->v.proto,
		};
		if (p->v.proto == IPPROTO_TCP)
			p->tcp_flags = l4[TCP_FLAGS];
	}
	/* Outside the mapped range, or IKE's: the box's own traffic. */
	p->owner = port_owner(nat, p->k.xport);
	if (p->owner == NO_OWNER || box_port(p->k.proto, p->k.xport))
		return NAT_PASS;
	p->hash = hash_in(nat, &p->k);
	return DROP_NONE;
}

static __rte_always_inline void
translate(struct nat_worker *nw, struct in_pkt *p, struct nat_session *s, uint32_t now)
{
	uint8_t f = p->tcp_flags;

	if (p->error) {
		/* An ICMP error is no sign of life: it does not refresh the session. */
		rewrite_ip_only(p->v.ip, IP_DST, s->isrc);
		nat_quote_rewrite(p->v.l4, &p->q, IP_SRC, port_off(p->q.proto, false), s->isrc,
				  s->isport);
		nw->st.ctr[NAT_CTR_ICMP_ERR_IN]++;
		return;
	}
	rewrite(p->v.ip, IP_DST, p->v.l4, port_off(p->v.proto, true), p->v.proto, s->isrc,
		s->isport);
	if (p->v.proto == IPPROTO_ICMP)
		icmp_cksum_zero_fix(p->v.l4, p->v.l4_len);
	session_touch(s, now);
	if (p->v.proto == IPPROTO_TCP)
		session_tcp_mark(s, (uint8_t)(TCPF_SEEN_OUT | ((f & TCP_SYN) ? TCPF_SYN_OUT : 0) |
					      ((f & TCP_FIN) ? TCPF_FIN_OUT : 0) |
					      ((f & TCP_RST) ? TCPF_RST : 0)));
	nw->st.ctr[NAT_CTR_IN_XLATE]++;
}

static __rte_always_inline enum stats_drop
in_process(struct nat_worker *nw, struct in_pkt *p, uint32_t now, uint32_t *tunnel)
{
	const struct nat *nat = nw->nat;
	struct nat_session *s;

	s = in_find(nat, nat->in_head[p->owner], bucket(nat, p->hash), &p->k, now);
	if (s == NULL)
		return DROP_NAT_NO_SESSION;
	translate(nw, p, s, now);
	*tunnel = s->tunnel;
	return DROP_NONE;
}

enum stats_drop
nat_in(struct nat_worker *nw, struct rte_mbuf *m, uint64_t tsc, uint32_t *tunnel)
{
	struct in_pkt p;
	enum stats_drop rc = in_parse(nw->nat, m, &p);

	if (rc != DROP_NONE) {
		if (rc == NAT_PASS)
			nw->st.ctr[NAT_CTR_IN_PASS]++;
		return rc;
	}
	return in_process(nw, &p, nat_clock(nw->nat, tsc), tunnel);
}

/* Three passes, as out_group() (out.c). */
static void
in_group(struct nat_worker *nw, struct rte_mbuf **m, unsigned n, uint32_t now, uint32_t *tunnel,
	 enum stats_drop *rc)
{
	const struct nat *nat = nw->nat;
	struct in_pkt p[NAT_BURST];

	for (unsigned i = 0; i < n; i++) {
		rc[i] = in_parse(nat, m[i], &p[i]);
		if (rc[i] == DROP_NONE)
			rte_prefetch0(&nat->in_head[p[i].owner][bucket(nat, p[i].hash)]);
		else if (rc[i] == NAT_PASS)
			nw->st.ctr[NAT_CTR_IN_PASS]++;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t idx;

		if (rc[i] != DROP_NONE)
			continue;
		idx = __atomic_load_n(&nat->in_head[p[i].owner][bucket(nat, p[i].hash)],
				      __ATOMIC_RELAXED);
		if (idx != NAT_NIL)
			rte_prefetch0(&nat->sess[idx]);
	}
	for (unsigned i = 0; i < n; i++)
		if (rc[i] == DROP_NONE)
			rc[i] = in_process(nw, &p[i], now, &tunnel[i]);
}

void
nat_in_burst(struct nat_worker *nw, struct rte_mbuf **m, uint16_t n, uint64_t tsc, uint32_t *tunnel,
	     enum stats_drop *rc)
{
	uint32_t now = nat_clock(nw->nat, tsc);

	for (unsigned i = 0; i < n; i += NAT_BURST)
		in_group(nw, m + i, RTE_MIN((unsigned)NAT_BURST, n - i), now, tunnel + i, rc + i);
}
