/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/worker: the trust boundary's checks (boundary.c says
 * what they decide and why). Each returns false if it dropped m; the
 * quick half that nearly every packet takes is inline.
 */
#ifndef ESPHUB_WORKER_BOUNDARY_H
#define ESPHUB_WORKER_BOUNDARY_H

/* boundary.c */
bool worker_boundary_outside_in(struct worker *w, struct rte_mbuf *m,
				const struct net_ipv4_info *info, int own_port);
bool worker_boundary_branch_source(struct worker *w, struct rte_mbuf *m,
				   const struct net_ipv4_info *info);
/* An answer to a packet from port, about to leave by out_port. */
bool worker_boundary_answer_out(struct worker *w, uint16_t port, uint16_t out_port,
				struct rte_mbuf *m);

/* Cleartext from port, before anything else; own_port: whose address the
 * destination is, or -1 (transit). */
static inline bool
boundary_port_in(struct worker *w, uint16_t port, struct rte_mbuf *m,
		 const struct net_ipv4_info *info, int own_port)
{
	return likely(!worker_port_outside(w, port)) ||
	       worker_boundary_outside_in(w, m, info, own_port);
}

/* Cleartext that the box forwards or serves (not IKE, not ESP): the
 * inbound SPD check (a source in a branch subnet is refused). */
static inline bool
boundary_clear_source(struct worker *w, struct rte_mbuf *m, const struct net_ipv4_info *info)
{
	return likely(!sa_summary_hit(w->spd_summary, info->src)) ||
	       worker_boundary_branch_source(w, m, info);
}

/* Does a bypass rule let local and remote talk across an outside port? */
static inline bool
boundary_bypass(const struct worker *w, uint32_t local, uint32_t remote)
{
	for (unsigned i = 0; i < w->n_bypass; i++) {
		const struct bypass_rule *b = &w->bypass[i];

		if (((local ^ b->local) & b->local_mask) == 0 &&
		    ((remote ^ b->remote) & b->remote_mask) == 0)
			return true;
	}
	return false;
}

/* A forwarded datagram about to leave by out_port in clear: across an
 * outside port only under a bypass rule (local -> remote). */
static inline bool
boundary_transit_out(struct worker *w, uint16_t out_port, struct rte_mbuf *m,
		     const struct net_ipv4_info *info)
{
	if (likely(!worker_port_outside(w, out_port)) || boundary_bypass(w, info->src, info->dst))
		return true;
	stats_drop(w->st, m, DROP_POLICY_TO_OUTSIDE);
	return false;
}

/* A forwarded datagram from from that the SPD puts into a tunnel: never
 * cleartext that came in by an outside port. */
static inline bool
boundary_into_tunnel(struct worker *w, uint16_t from, struct rte_mbuf *m)
{
	if (likely(from >= w->n_ports || !worker_port_outside(w, from)))
		return true;
	stats_drop(w->st, m, DROP_POLICY_OUTSIDE_INTO_TUNNEL);
	return false;
}

#endif
