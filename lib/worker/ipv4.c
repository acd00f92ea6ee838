/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4: validate, pass the trust boundary (boundary.c), then deliver to
 * the box (ICMP echo, IKE to the control core, ESP to decryption, NAT
 * replies to lib/nat) or forward: into a tunnel if the SPD names one,
 * dropped if it names a branch subnet with no tunnel, else by route. On
 * entry the mbuf's data starts at the IPv4 header.
 */
#include <rte_udp.h>

#include "priv.h"

#define IKE_PORT       500
#define NATT_PORT      4500
#define NON_ESP_MARKER 4 /* RFC 3948 s2.2 */
#define MAX_FRAGS      16

void
worker_ipv4_route(struct worker *w, uint16_t from, struct rte_mbuf *m,
		  const struct net_ipv4_info *info, bool forwarded)
{
	const struct route_nh *nh = route_lookup(&w->fib, info->dst);
	struct rte_mbuf *frags[MAX_FRAGS];
	uint32_t next_hop;
	uint16_t mtu, n;

	if (unlikely(nh == NULL)) {
		worker_icmp_error(w, from, m, info, NET_ICMP_DEST_UNREACH, NET_ICMP_UNREACH_NET, 0);
		stats_drop(w->st, m, DROP_FWD_NO_ROUTE);
		return;
	}
	if (forwarded && !boundary_transit_out(w, nh->port, m, info))
		return;
	next_hop = nh->gateway ? nh->gateway : info->dst;
	mtu = w->env->port[nh->port].mtu;
	/* A forwarded datagram's TTL drops only once it is sure to leave, so
	 * ICMP errors quote it as it was received. */
	if (unlikely(rte_pktmbuf_pkt_len(m) > mtu) && info->df) {
		worker_icmp_error(w, from, m, info, NET_ICMP_DEST_UNREACH,
				  NET_ICMP_UNREACH_NEEDFRAG, mtu);
		stats_drop(w->st, m, DROP_FWD_NEEDS_FRAG);
		return;
	}
	if (forwarded)
		net_ipv4_ttl_dec(rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *));
	m->port = from; /* for the ICMP error if ARP fails */
	if (likely(rte_pktmbuf_pkt_len(m) <= mtu)) {
		worker_l3_output(w, nh->port, next_hop, m);
		return;
	}
	n = worker_ipv4_fragment(w, m, mtu, frags, MAX_FRAGS);
	for (uint16_t i = 0; i < n; i++)
		worker_l3_output(w, nh->port, next_hop, frags[i]);
}

/*
 * The SPD's answer for a forwarded datagram (RFC 4301 s5.1): PROTECT into
 * the tunnel, DISCARD, or BYPASS by route.
 */
static void
output(struct worker *w, uint16_t from, struct rte_mbuf *m, const struct net_ipv4_info *info,
       uint32_t tunnel, struct sa *sa)
{
	if (tunnel == SA_NONE) {
		worker_ipv4_route(w, from, m, info, true);
		return;
	}
	if (unlikely(tunnel == SA_DISCARD)) {
		stats_drop(w->st, m, DROP_POLICY_DISCARD);
		return;
	}
	if (!boundary_into_tunnel(w, from, m))
		return;
	/* A flow opened toward a branch: NAT must let its replies through. */
	if (w->nw != NULL && sa != NULL && !worker_snat_track(w, m, sa))
		return;
	worker_tunnel_send(w, from, m, info, sa, true);
}

/*
 * Forwarded datagrams wait in w->fwd for one bulk SPD lookup: with many
 * branches each lookup, tunnel and SA is a cache miss, and a burst's
 * misses then overlap. m->port holds the origin meanwhile.
 */
static void
fwd_push(struct worker *w, uint16_t from, struct rte_mbuf *m, const struct net_ipv4_info *info)
{
	struct fwd_vec *v = &w->fwd;

	if (v->n == FWD_VEC_MAX)
		worker_tunnel_flush(w);
	m->port = from;
	v->m[v->n] = m;
	v->info[v->n++] = *info;
}

void
worker_fwd_flush(struct worker *w)
{
	struct fwd_vec *v = &w->fwd;
	struct rte_mbuf *m[FWD_VEC_MAX];
	struct net_ipv4_info info[FWD_VEC_MAX];
	uint32_t dst[FWD_VEC_MAX], tunnel[FWD_VEC_MAX];
	struct sa *sa[FWD_VEC_MAX];
	uint16_t n = v->n;

	/* Taken out first: output may queue more (ICMP errors). */
	memcpy(m, v->m, sizeof(m[0]) * n);
	memcpy(info, v->info, sizeof(info[0]) * n);
	v->n = 0;
	for (uint16_t i = 0; i < FWD_VEC_MAX; i++)
		dst[i] = i < n ? info[i].dst : 0; /* all set: the compiler cannot see n */
	sa_worker_spd_bulk(w->sw, dst, n, tunnel);
	sa_worker_tunnel_out_bulk(w->sw, tunnel, n, sa);
	for (uint16_t i = 0; i < n; i++)
		output(w, m[i]->port, m[i], &info[i], tunnel[i], sa[i]);
}

void
worker_ipv4_forward(struct worker *w, uint16_t from, struct rte_mbuf *m,
		    const struct net_ipv4_info *info)
{
	if (info->ttl <= 1) {
		worker_icmp_error(w, from, m, info, NET_ICMP_TIME_EXCEEDED, NET_ICMP_TIMX_INTRANS,
				  0);
		stats_drop(w->st, m, DROP_FWD_TTL_EXPIRED);
		return;
	}
	w->st->ctr[WCTR_FORWARDED]++;
	fwd_push(w, from, m, info);
}

/* Limited broadcast, multicast, or the broadcast address of a port's subnet. */
static bool
is_broadcast(const struct worker *w, uint32_t a)
{
	if (a == UINT32_MAX || (a >> 28) == 0xe)
		return true;
	for (uint16_t p = 0; p < w->n_ports; p++) {
		const struct worker_port *pt = &w->env->port[p];

		if (pt->plen < 31 && (a | net_mask(pt->plen)) == UINT32_MAX &&
		    ((a ^ pt->addr) & net_mask(pt->plen)) == 0)
			return true;
	}
	return false;
}

void
worker_ipv4_unserved(struct worker *w, uint16_t from, struct rte_mbuf *m,
		     const struct net_ipv4_info *info)
{
	switch (info->proto) {
	case IPPROTO_TCP:
		/* No TCP service: stay silent like a firewall, no RST. */
		stats_drop(w->st, m, DROP_LOCAL_NO_SERVICE);
		return;
	case IPPROTO_ICMP:
		stats_drop(w->st, m, DROP_LOCAL_ICMP_OTHER);
		return;
	case IPPROTO_UDP:
		worker_icmp_error(w, from, m, info, NET_ICMP_DEST_UNREACH, NET_ICMP_UNREACH_PORT,
				  0);
		break;
	default:
		worker_icmp_error(w, from, m, info, NET_ICMP_DEST_UNREACH,
				  NET_ICMP_UNREACH_PROTOCOL, 0);
		break;
	}
	stats_drop(w->st, m, DROP_LOCAL_NO_SERVICE);
}

/*
 * Not served, but to a pool address from a port it may be a NAT reply
 * (lib/nat passes back what is not).
 */
static void
unserved(struct worker *w, uint16_t from, struct rte_mbuf *m, const struct net_ipv4_info *info)
{
	if (from != PORT_TUNNEL && w->nw != NULL && worker_is_pool_address(w, info->dst))
		worker_snat_in_push(w, from, m, info);
	else
		worker_ipv4_unserved(w, from, m, info);
}

/* Echo requests are answered the way they came. */
static void
icmp_input(struct worker *w, uint16_t from, struct rte_mbuf *m, const struct net_ipv4_info *info)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t icmp_len = info->tot_len - info->hlen;
	const uint8_t *icmp = (const uint8_t *)ip + info->hlen;

	if (icmp_len < sizeof(struct rte_icmp_hdr) || net_cksum(icmp, icmp_len) != 0) {
		stats_drop(w->st, m, DROP_LOCAL_ICMP_BAD);
		return;
	}
	if (icmp[0] != RTE_IP_ICMP_ECHO_REQUEST) {
		unserved(w, from, m, info);
		return;
	}
	net_icmp_echo_reply(ip, info->hlen);
	w->st->ctr[WCTR_ICMP_ECHO_REPLIES]++;
	worker_answer(w, from, from == PORT_TUNNEL ? pkt_tunnel(w, m) : SA_NONE, m);
}

/*
 * What the box serves besides IKE and ESP: echo, and from a port NAT
 * replies on a pool address. From a port, a branch's source is refused
 * here: a branch speaks through its tunnel.
 */
static void
service(struct worker *w, uint16_t from, struct rte_mbuf *m, const struct net_ipv4_info *info)
{
	if (from != PORT_TUNNEL && !boundary_clear_source(w, m, info))
		return;
	if (info->proto == IPPROTO_ICMP)
		icmp_input(w, from, m, info);
	else
		unserved(w, from, m, info);
}

/*
 * UDP 4500 (RFC 3948 s2.2): a zero non-ESP marker starts IKE, a single 0xff
 * byte is a NAT keepalive, anything else is ESP.
 */
static void
natt_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m, const struct net_ipv4_info *info)
{
	uint16_t off = (uint16_t)(info->hlen + sizeof(struct rte_udp_hdr));
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	uint32_t len = info->tot_len - off;

	if (len == 1 && p[0] == 0xff) {
		stats_drop(w->st, m, DROP_NATT_KEEPALIVE);
		return;
	}
	if (len >= NON_ESP_MARKER && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) {
		worker_punt_ike(w, in_port, m, info, (uint16_t)(off + NON_ESP_MARKER));
		return;
	}
	worker_esp_in_push(w, in_port, m, (uint8_t)info->hlen, sizeof(struct rte_udp_hdr));
}

/* A datagram from a port for the box: IKE and ESP, or the clear services. */
static void
port_local(struct worker *w, uint16_t in_port, struct rte_mbuf *m, const struct net_ipv4_info *info)
{
	struct rte_udp_hdr uh;

	switch (info->proto) {
	case IPPROTO_ESP:
		worker_esp_in_push(w, in_port, m, (uint8_t)info->hlen, 0);
		return;
	case IPPROTO_UDP:
		if (info->tot_len < info->hlen + sizeof(uh)) {
			stats_drop(w->st, m, DROP_IP_TRUNCATED);
			return;
		}
		memcpy(&uh, rte_pktmbuf_mtod_offset(m, const uint8_t *, info->hlen), sizeof(uh));
		switch (rte_be_to_cpu_16(uh.dst_port)) {
		case IKE_PORT:
			worker_punt_ike(w, in_port, m, info, (uint16_t)(info->hlen + sizeof(uh)));
			return;
		case NATT_PORT:
			natt_input(w, in_port, m, info);
			return;
		}
		break;
	}
	service(w, in_port, m, info);
}

void
worker_ipv4_local(struct worker *w, uint16_t from, struct rte_mbuf *m, struct net_ipv4_info *info)
{
	w->st->ctr[WCTR_LOCAL_IN]++;
	if (from == PORT_TUNNEL) {
		/* Out of a tunnel (whole: tunnel.c reassembled it): echo and
		 * refusals only, answered into it. No IKE, no ESP, no NAT: those
		 * belong to the outside. */
		service(w, from, m, info);
		return;
	}
	if (info->fragment) {
		/* ESP and IKE may arrive fragmented, and NAT replies. */
		if (info->proto != IPPROTO_ESP && info->proto != IPPROTO_UDP &&
		    (w->nw == NULL || !worker_is_pool_address(w, info->dst))) {
			stats_drop(w->st, m, DROP_LOCAL_FRAGMENT);
			return;
		}
		m = worker_ipv4_reassemble(
			w, worker_port_outside(w, from) ? REASS_OUTSIDE : REASS_INSIDE, 0, 0, m,
			info);
		if (m == NULL)
			return;
	}
	port_local(w, from, m, info);
}

void
worker_ipv4_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m, bool l2_group)
{
	struct net_ipv4_info info;
	enum stats_drop rc;
	int own;
	bool hw_ok = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;

	rc = net_ipv4_parse(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m), !hw_ok, &info);
	if (unlikely(rc != DROP_NONE)) {
		stats_drop(w->st, m, rc);
		return;
	}
	/* Drop the Ethernet padding of short frames. */
	if (rte_pktmbuf_pkt_len(m) > info.tot_len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - info.tot_len));

	own = worker_own_port(w, info.dst);
	if (!boundary_port_in(w, in_port, m, &info, own))
		return;
	if (own >= 0) {
		worker_ipv4_local(w, in_port, m, &info);
		return;
	}
	if (l2_group) {
		stats_drop(w->st, m, DROP_FWD_L2_BROADCAST);
		return;
	}
	if (is_broadcast(w, info.dst)) {
		/* Nothing the box serves listens on broadcast or multicast. */
		stats_drop(w->st, m,
			   info.dst == UINT32_MAX || (info.dst >> 28) == 0xe ?
				   DROP_LOCAL_BROADCAST :
				   DROP_FWD_SAME_PORT_BCAST);
		return;
	}
	if (!boundary_clear_source(w, m, &info))
		return;
	worker_ipv4_forward(w, in_port, m, &info);
}
