/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of source NAT (lib/nat does the translating). Like
 * ESP, packets collect in two vectors during a burst and go to lib/nat in
 * one burst call each, so its table lookups overlap:
 *   snat_out: decrypted datagrams (whole: fragments are reassembled first)
 *             -> masqueraded, or not ours -> forwarded like any other.
 *   snat_in:  datagrams to a pool address that no service of the box took
 *             -> restored to the branch -> encrypted into the tunnel of
 *             their session (no SPD lookup: two branches may share a
 *             subnet); not NAT traffic -> refused as the box refuses.
 * And one packet at a time, worker_snat_track(): what the SPD forwards into a
 * tunnel opens a pass-through session, so the branch's replies to a flow
 * opened toward it are not masqueraded.
 * m->port holds the packet's origin while it waits.
 */
#include <rte_cycles.h>

#include "priv.h"

void
worker_snat_out_push(struct worker *w, struct rte_mbuf *m, const struct sa *sa)
{
	struct snat_vec *v = &w->snat_out;

	if (v->n == SNAT_VEC_MAX)
		worker_tunnel_flush(w);
	v->m[v->n] = m;
	v->tunnel[v->n] = sa->tunnel;
	v->site[v->n++] = sa->site;
}

void
worker_snat_in_push(struct worker *w, uint16_t from, struct rte_mbuf *m,
		    const struct net_ipv4_info *info)
{
	struct snat_vec *v = &w->snat_in;

	/* Forwarded into a branch if NAT's: the TTL rule of any forwarding,
	 * before the translation (the error quotes what the sender sent). */
	if (info->ttl <= 1) {
		worker_icmp_error(w, from, m, info, NET_ICMP_TIME_EXCEEDED, NET_ICMP_TIMX_INTRANS,
				  0);
		stats_drop(w->st, m, DROP_FWD_TTL_EXPIRED);
		return;
	}
	if (v->n == SNAT_VEC_MAX)
		worker_tunnel_flush(w);
	m->port = from;
	v->m[v->n++] = m;
}

bool
worker_snat_track(struct worker *w, struct rte_mbuf *m, const struct sa *sa)
{
	enum stats_drop rc = nat_track(w->nw, m, sa->tunnel, sa->site, rte_rdtsc());

	if (likely(rc == DROP_NONE))
		return true;
	stats_drop(w->st, m, rc);
	return false;
}

/* lib/nat patched the checksums it changed; the header is known good. */
static void
reparse(struct rte_mbuf *m, struct net_ipv4_info *info)
{
	net_ipv4_parse(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m), false, info);
}

static void
flush_out(struct worker *w)
{
	struct snat_vec v = w->snat_out; /* forwarding may queue more */
	enum stats_drop rc[SNAT_VEC_MAX];
	struct net_ipv4_info info;

	w->snat_out.n = 0;
	nat_out_burst(w->nw, v.m, v.tunnel, v.site, v.n, rte_rdtsc(), rc);
	for (uint16_t i = 0; i < v.n; i++) {
		if (rc[i] != DROP_NONE && rc[i] != NAT_PASS) {
			stats_drop(w->st, v.m[i], rc[i]);
			continue;
		}
		reparse(v.m[i], &info);
		worker_ipv4_forward(w, v.m[i]->port, v.m[i], &info);
	}
}

static void
flush_in(struct worker *w)
{
	struct snat_vec v = w->snat_in;
	enum stats_drop rc[SNAT_VEC_MAX];
	struct net_ipv4_info info;

	w->snat_in.n = 0;
	nat_in_burst(w->nw, v.m, v.n, rte_rdtsc(), v.tunnel, rc);
	for (uint16_t i = 0; i < v.n; i++) {
		struct rte_mbuf *m = v.m[i];

		if (rc[i] != DROP_NONE && rc[i] != NAT_PASS) {
			stats_drop(w->st, m, rc[i]);
			continue;
		}
		reparse(m, &info);
		if (rc[i] == NAT_PASS) {
			worker_ipv4_unserved(w, m->port, m, &info);
			continue;
		}
		w->st->ctr[WCTR_FORWARDED]++;
		worker_tunnel_send(w, m->port, m, &info, sa_worker_tunnel_out(w->sw, v.tunnel[i]),
				   true);
	}
}

void
worker_snat_flush(struct worker *w)
{
	if (w->snat_out.n != 0)
		flush_out(w);
	if (w->snat_in.n != 0)
		flush_in(w);
}
