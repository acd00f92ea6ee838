/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trust boundary (RFC 4301 s5): every decision about what may cross
 * between the unprotected side (outside ports: the Internet, where every
 * branch and every stranger is), the protected side (inside ports, the
 * box itself) and the tunnels is made here.
 *
 *   outside -> box      only to an outside address of the box: ARP, ICMP,
 *                       IKE, ESP (worker_ipv4_local() serves nothing else there)
 *   outside -> transit  only what a bypass rule names (remote -> local),
 *                       and never into a tunnel, rule or not
 *   any port -> *       cleartext from a branch subnet is refused: a
 *                       branch speaks through its tunnel (s5.2)
 *   * -> branch subnet  encrypted into its tunnel or dropped (the SPD's
 *                       DISCARD, worker_fwd_flush()); never routed in clear
 *   transit -> outside  only what a bypass rule names (local -> remote)
 *   answers             back the way their packet came: into its tunnel
 *                       (worker_answer()), or to the side of its port
 *
 * Tunnels are checked by lib/esp: a decrypted packet must lie within its
 * SA's selectors, and what is encrypted within the outbound SA's.
 *
 * The checks every packet meets have their quick half inline in
 * boundary.h (an inside port, a source in no /16 of any branch), and so
 * do the bypass rules, which the forward path tests per packet; the rest
 * is here.
 */
#include "priv.h"

bool
worker_boundary_outside_in(struct worker *w, struct rte_mbuf *m, const struct net_ipv4_info *info,
			   int own_port)
{
	if (own_port >= 0) {
		/* Strong host: the inside addresses (NAT pools among them) are
		 * not reachable from the Internet. */
		if (worker_port_outside(w, (uint16_t)own_port))
			return true;
		stats_drop(w->st, m, DROP_POLICY_OUTSIDE_INSIDE_ADDR);
		return false;
	}
	if (boundary_bypass(w, info->dst, info->src))
		return true;
	stats_drop(w->st, m, DROP_POLICY_OUTSIDE_TRANSIT);
	return false;
}

bool
worker_boundary_branch_source(struct worker *w, struct rte_mbuf *m,
			      const struct net_ipv4_info *info)
{
	if (!sa_worker_protected(w->sw, info->src))
		return true;
	stats_drop(w->st, m, DROP_POLICY_BRANCH_SOURCE);
	return false;
}

bool
worker_boundary_answer_out(struct worker *w, uint16_t port, uint16_t out_port, struct rte_mbuf *m)
{
	if (worker_port_outside(w, port) == worker_port_outside(w, out_port))
		return true;
	stats_drop(w->st, m, DROP_POLICY_ANSWER_SIDE);
	return false;
}
