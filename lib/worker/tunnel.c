/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of ESP: packets collect in two vectors during a burst
 * and go to lib/esp in one call each, so the crypto engine sees the whole
 * burst at once.
 *   esp_in:  ESP for the box -> decrypt -> the inner datagram goes on
 *            with the tunnel as its origin (PORT_TUNNEL): to the box,
 *            masqueraded, or forwarded.
 *   esp_out: datagrams the SPD (or a NAT session) sent into a tunnel ->
 *            encrypt -> route the ESP packet to the peer.
 */
#include "priv.h"

#define MAX_FRAGS 16

void
worker_esp_in_push(struct worker *w, uint16_t in_port, struct rte_mbuf *m, uint8_t l3_len,
		   uint8_t l4_len)
{
	struct esp_vec *v = &w->esp_in;

	if (v->n == ESP_BURST_MAX)
		worker_tunnel_flush(w);
	m->port = in_port;
	m->l3_len = l3_len;
	m->l4_len = l4_len;
	v->m[v->n++] = m;
}

static void
esp_out_push(struct worker *w, struct rte_mbuf *m, struct sa *sa)
{
	struct esp_vec *v = &w->esp_out;

	if (v->n == ESP_BURST_MAX)
		worker_tunnel_flush(w);
	v->m[v->n] = m;
	v->sa[v->n++] = sa;
}

/* RFC 4459 s3.2: clamp the MSS of SYNs crossing a tunnel so TCP fits it. */
static void
clamp_mss(struct worker *w, struct rte_mbuf *m, const struct sa *sa)
{
	uint16_t mss = w->env->mss_clamp == WORKER_MSS_AUTO ? sa->mss : w->env->mss_clamp;

	if (mss != WORKER_MSS_OFF)
		net_tcp_mss_clamp(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m), mss);
}

void
worker_tunnel_send(struct worker *w, uint16_t from, struct rte_mbuf *m,
		   const struct net_ipv4_info *info, struct sa *sa, bool forwarded)
{
	struct rte_mbuf *frags[MAX_FRAGS];
	uint16_t n;

	if (unlikely(sa == NULL)) {
		stats_drop(w->st, m, DROP_ESPO_NO_SA);
		return;
	}
	if (unlikely(info->tot_len > sa->tunnel_mtu) && info->df) {
		worker_icmp_error(w, from, m, info, NET_ICMP_DEST_UNREACH,
				  NET_ICMP_UNREACH_NEEDFRAG, sa->tunnel_mtu);
		stats_drop(w->st, m, DROP_ESPO_NEEDS_FRAG);
		return;
	}
	if (forwarded)
		net_ipv4_ttl_dec(rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *));
	if (info->proto == IPPROTO_TCP)
		clamp_mss(w, m, sa);
	if (likely(info->tot_len <= sa->tunnel_mtu)) {
		esp_out_push(w, m, sa);
		return;
	}
	/* RFC 4459 s5: fragment before encryption; the peer need not reassemble. */
	n = worker_ipv4_fragment(w, m, sa->tunnel_mtu, frags, MAX_FRAGS);
	for (uint16_t i = 0; i < n; i++)
		esp_out_push(w, frags[i], sa);
}

/*
 * A decrypted datagram, checked against its SA's selectors: for the box,
 * or on its way out (masqueraded first, with NAT). Its tunnel is its
 * origin from here on: whatever answers it goes back into that tunnel.
 */
static void
inner_input(struct worker *w, struct rte_mbuf *m, const struct sa *sa)
{
	struct net_ipv4_info info;
	bool local;

	pkt_set_tunnel(w, m, sa->tunnel);
	/* lib/esp validated it, checksum included. */
	net_ipv4_parse(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m), false, &info);
	if (info.proto == IPPROTO_TCP)
		clamp_mss(w, m, sa);
	local = worker_own_port(w, info.dst) >= 0;
	/* Without NAT, and for what dies here anyway (ICMP error to the branch). */
	if (!local && (w->nw == NULL || info.ttl <= 1)) {
		worker_ipv4_forward(w, PORT_TUNNEL, m, &info);
		return;
	}
	/* The box and NAT take whole datagrams, reassembled per tunnel. */
	if (info.fragment) {
		m = worker_ipv4_reassemble(w, REASS_TUNNEL, sa->tunnel, sa->site, m, &info);
		if (m == NULL)
			return;
	}
	if (local)
		worker_ipv4_local(w, PORT_TUNNEL, m, &info);
	else
		worker_snat_out_push(w, m, sa);
}

static void
flush_in(struct worker *w)
{
	struct esp_vec v = w->esp_in; /* inner packets may queue more */
	uint16_t k;

	w->esp_in.n = 0;
	k = esp_inb(w->ew, w->sw, w->st, v.m, v.sa, v.n);
	w->st->ctr[WCTR_ESP_DECRYPTED] += k;
	for (uint16_t i = 0; i < k; i++)
		inner_input(w, v.m[i], v.sa[i]);
}

static void
flush_out(struct worker *w)
{
	struct esp_vec v = w->esp_out;
	uint16_t k;

	w->esp_out.n = 0;
	k = esp_outb(w->ew, w->sw, w->st, v.m, v.sa, v.n);
	w->st->ctr[WCTR_ESP_ENCRYPTED] += k;
	for (uint16_t i = 0; i < k; i++) {
		struct net_ipv4_info info = {
			.dst = v.sa[i]->peer_addr,
			.src = v.sa[i]->local_addr,
			.tot_len = (uint16_t)rte_pktmbuf_data_len(v.m[i]),
			.hlen = 20,
			.proto = v.sa[i]->peer_port ? IPPROTO_UDP : IPPROTO_ESP,
			.ttl = 64,
			.first_fragment = true,
		};

		/* ESP is the box's own packet now (RFC 4301: never into the SPD). */
		worker_ipv4_route(w, PORT_LOCAL, v.m[i], &info, false);
	}
}

void
worker_tunnel_flush(struct worker *w)
{
	/*
	 * Each stage may feed the others: decryption feeds NAT and forwarding
	 * (into other tunnels, branch to branch), NAT and forwarding feed
	 * encryption.
	 */
	while (w->esp_in.n != 0 || w->snat_out.n != 0 || w->snat_in.n != 0 || w->fwd.n != 0 ||
	       w->esp_out.n != 0) {
		if (w->esp_in.n != 0)
			flush_in(w);
		worker_snat_flush(w);
		if (w->fwd.n != 0)
			worker_fwd_flush(w);
		if (w->esp_out.n != 0)
			flush_out(w);
	}
}
