/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flows the cloud opens toward a branch. The SPD forwards them into the
 * tunnel unchanged, but the branch's replies come back through nat_out(),
 * where a masquerade rule covering the cloud would rewrite them: the cloud
 * would see the box answer instead of the host it called. So such a flow
 * gets a pass-through session, the branch endpoint mapped to itself, which
 * nat_out() finds before any rule. It lives, expires and is flushed like
 * any other session and counts against the site's cap.
 */
#include "pkt.h"
#include "priv.h"

/* The cloud's side of a TCP connection, as in.c marks it. */
static void
tcp_track_cloud(struct nat_worker *nw, struct nat_session *s, uint8_t f)
{
	uint8_t t = __atomic_load_n(&s->tcp, __ATOMIC_RELAXED);

	/* A new SYN on a closed connection's 5-tuple opens a new one. */
	if ((f & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	    ((t & TCPF_RST) ||
	     (t & (TCPF_FIN_IN | TCPF_FIN_OUT)) == (TCPF_FIN_IN | TCPF_FIN_OUT))) {
		__atomic_store_n(&s->tcp, TCPF_SEEN_OUT | TCPF_SYN_OUT, __ATOMIC_RELAXED);
		nw->st.ctr[NAT_CTR_TCP_REOPEN]++;
		return;
	}
	session_tcp_mark(s, (uint8_t)(TCPF_SEEN_OUT | ((f & TCP_SYN) ? TCPF_SYN_OUT : 0) |
				      ((f & TCP_FIN) ? TCPF_FIN_OUT : 0) |
				      ((f & TCP_RST) ? TCPF_RST : 0)));
}

enum stats_drop
nat_track(struct nat_worker *nw, struct rte_mbuf *m, uint32_t tunnel, uint32_t site, uint64_t tsc)
{
	const struct nat *nat = nw->nat;
	struct nat_session *s;
	struct ip_view v;
	struct out_key k;
	enum stats_drop rc = ip_view(m, &v);
	uint32_t now, hout;
	uint8_t flags = 0;

	if (unlikely(rc != DROP_NONE))
		return rc;
	/* Replies to this source would not be masqueraded: nothing to keep. */
	if (rule_match(nat, ld32(v.ip + IP_SRC), site) == NAT_RULE_NO_NAT)
		return DROP_NONE;
	if (unlikely(tunnel >= nat->max_tunnels || site >= nat->max_sites))
		return DROP_NAT_SITE_CAP;
	/* Later fragments carry no ports; what NAT cannot translate, it cannot track. */
	if ((ld16(v.ip + IP_FRAG) & RTE_BE16(0x1fff)) != 0 || l4_min(v.proto) == 0)
		return DROP_NONE;
	if (unlikely(v.l4_len < l4_min(v.proto)))
		return DROP_NAT_MALFORMED;
	/* Of ICMP, echo requests open a flow; errors and the rest pass. */
	if (v.proto == IPPROTO_ICMP && v.l4[0] != ICMP_ECHO_REQUEST)
		return DROP_NONE;
	if (v.proto == IPPROTO_TCP)
		flags = v.l4[TCP_FLAGS];
	k = (struct out_key){
		.tunnel = tunnel,
		.isrc = ld32(v.ip + IP_DST),
		.rdst = ld32(v.ip + IP_SRC),
		.isport = ld16(v.l4 + port_off(v.proto, true)),
		.rport = v.proto == IPPROTO_ICMP ? 0 : ld16(v.l4 + L4_SPORT),
		.proto = v.proto,
	};
	now = nat_clock(nat, tsc);
	hout = hash_out(nat, &k);
	s = nat_out_lookup(nw, &k, hout, now, true);
	if (s == NULL) {
		/* Only a SYN opens a TCP connection. */
		if (v.proto == IPPROTO_TCP && (flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
			return DROP_NONE;
		rc = nat_session_create(nw, &k, hout, site, NAT_RULE_NO_NAT, now, &s);
		if (rc != DROP_NONE)
			return rc;
		nw->st.ctr[NAT_CTR_CLOUD_OPENED]++;
	}
	/* The same 5-tuple masqueraded already (the branch opened it): leave it. */
	if (!session_is_pass(s))
		return DROP_NONE;
	session_touch(s, now);
	if (v.proto == IPPROTO_TCP)
		tcp_track_cloud(nw, s, flags);
	return DROP_NONE;
}
