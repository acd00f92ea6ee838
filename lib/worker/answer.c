/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the box says back: echo replies and ICMP errors go back the way
 * their packet came, by construction rather than by a route lookup.
 *   from a tunnel  into that tunnel, from an address of the box inside the
 *                  tunnel's local selectors (so the outbound SA's selector
 *                  check passes, RFC 4301 s6); an error about a packet NAT
 *                  translated is addressed to the pool address and goes
 *                  through nat_in(), which restores the quoted header and
 *                  names the tunnel (RFC 5508);
 *   from a port    by route, and only out of a port on the same side.
 * Never by the SPD: a branch subnet shared by two sites has no SPD tunnel,
 * and an answer routed toward it would leave in clear.
 */
#include <rte_cycles.h>

#include "priv.h"

/*
 * RFC 1812 s4.3.2.8 asks for a rate limit; it is kept per origin (each
 * port, each site's tunnels), so a stranger's probes of the outside port
 * or one branch's cannot silence the errors everyone else needs (PMTU
 * discovery, traceroute). A second's worth may come at once.
 */
static bool
icmp_rate_ok(struct worker *w, uint16_t from, const struct sa *sa)
{
	uint64_t *due = from == PORT_TUNNEL ?
				&w->icmp_site_due[sa->site % RTE_MAX(w->env->max_sites, 1u)] :
				&w->icmp_port_due[from];

	return worker_gcra(due, rte_rdtsc(), w->icmp_interval, w->tsc_hz);
}

/* An address of the box inside sa's local selectors, inside ports first; 0: none. */
static uint32_t
tunnel_source(const struct worker *w, const struct sa *sa)
{
	uint32_t any = 0;

	for (uint16_t p = 0; p < w->n_ports; p++) {
		uint32_t a = w->env->port[p].addr;

		if (!sa_ts_match(sa->local_ts, sa->n_local_ts, a))
			continue;
		if (!worker_port_outside(w, p))
			return a;
		if (any == 0)
			any = a;
	}
	return any;
}

void
worker_icmp_error(struct worker *w, uint16_t from, const struct rte_mbuf *m,
		  const struct net_ipv4_info *info, uint8_t type, uint8_t code, uint16_t mtu)
{
	const void *ip = rte_pktmbuf_mtod(m, const void *);
	uint32_t tunnel = SA_NONE, src;
	const struct sa *sa = NULL;
	struct rte_mbuf *e;
	void *out;

	if (from == PORT_LOCAL || w->env->icmp_error_rate == 0 || !net_icmp_error_allowed(ip, info))
		return;
	if (from == PORT_TUNNEL) {
		tunnel = pkt_tunnel(w, m);
		sa = sa_worker_tunnel_out(w->sw, tunnel);
		src = sa != NULL ? tunnel_source(w, sa) : 0;
		if (src == 0) {
			/* The error would be refused by the tunnel's selectors. */
			w->st->drop[sa != NULL ? DROP_POLICY_NO_TUNNEL_SOURCE : DROP_ESPO_NO_SA]++;
			return;
		}
	} else {
		src = w->env->port[from].addr;
	}
	if (!icmp_rate_ok(w, from, sa)) {
		w->st->ctr[WCTR_ICMP_SUPPRESSED]++;
		return;
	}
	e = rte_pktmbuf_alloc(w->pool);
	if (unlikely(e == NULL)) {
		w->st->drop[DROP_NO_MBUF]++;
		return;
	}
	out = rte_pktmbuf_append(e, NET_ICMP_ERROR_MAX);
	if (unlikely(out == NULL)) {
		stats_drop(w->st, e, DROP_NO_MBUF);
		return;
	}
	rte_pktmbuf_trim(e, (uint16_t)(NET_ICMP_ERROR_MAX -
				       net_icmp_error_build(out, ip, rte_pktmbuf_data_len(m), type,
							    code, mtu, src)));
	w->st->ctr[WCTR_ICMP_ERRORS]++;
	worker_answer(w, from, tunnel, e);
}

void
worker_answer(struct worker *w, uint16_t from, uint32_t tunnel, struct rte_mbuf *reply)
{
	const struct route_nh *nh;
	struct net_ipv4_info info;

	/* Our own header, built correctly: parse without the checksum. */
	net_ipv4_parse(rte_pktmbuf_mtod(reply, void *), rte_pktmbuf_data_len(reply), false, &info);
	reply->port = PORT_LOCAL;
	if (from == PORT_TUNNEL) {
		if (w->nw != NULL && worker_is_pool_address(w, info.dst))
			worker_snat_in_push(w, PORT_LOCAL, reply, &info);
		else
			worker_tunnel_send(w, PORT_LOCAL, reply, &info,
					   sa_worker_tunnel_out(w->sw, tunnel), false);
		return;
	}
	nh = route_lookup(&w->fib, info.dst);
	if (unlikely(nh == NULL)) {
		stats_drop(w->st, reply, DROP_FWD_NO_ROUTE);
		return;
	}
	if (worker_boundary_answer_out(w, from, nh->port, reply))
		worker_ipv4_route(w, PORT_LOCAL, reply, &info, false);
}
