/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet and ARP: classify frames, answer and learn ARP, and put the
 * Ethernet header on outgoing IPv4 packets, parking them while their next
 * hop is resolved.
 */
#include <rte_arp.h>
#include <rte_cycles.h>

#include "priv.h"

static const struct worker_port *
port_of(const struct worker *w, uint16_t p)
{
	return &w->env->port[p];
}

static void
arp_send_request(struct worker *w, uint16_t port, uint32_t ip, const struct rte_ether_addr *dst_mac)
{
	const struct worker_port *pt = port_of(w, port);
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	void *frame;

	if (unlikely(m == NULL)) {
		w->st->drop[DROP_NO_MBUF]++;
		return;
	}
	frame = rte_pktmbuf_append(m, NET_ARP_FRAME_LEN);
	net_arp_build(frame, RTE_ARP_OP_REQUEST, &pt->mac, dst_mac, pt->addr, NULL, ip);
	w->st->ctr[WCTR_ARP_REQUESTS]++;
	worker_txq_push(w, port, m);
}

/* Tell the control core, unless the table already says exactly this. */
static void
learn(struct worker *w, uint16_t port, const struct net_arp *a, bool always)
{
	struct neigh_learn_msg msg = { .ip = a->sip, .port = port, .mac = a->sha };
	struct rte_ether_addr cur;

	if (!always && neigh_lookup(&w->neigh, port, a->sip, &cur) &&
	    rte_is_same_ether_addr(&cur, &a->sha))
		return;
	if (rte_ring_mp_enqueue_elem(w->env->learn, &msg, sizeof(msg)) == 0)
		w->st->ctr[WCTR_ARP_LEARNED]++;
}

static void
arp_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m)
{
	const struct worker_port *pt = port_of(w, in_port);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct net_arp a;
	enum stats_drop rc;

	rc = net_arp_parse(frame + sizeof(struct rte_ether_hdr),
			   rte_pktmbuf_data_len(m) - (uint32_t)sizeof(struct rte_ether_hdr), &a);
	if (unlikely(rc != DROP_NONE)) {
		stats_drop(w->st, m, rc);
		return;
	}
	if (a.tip != pt->addr) {
		struct rte_ether_addr cur;

		/* Gratuitous ARP updates an entry we hold, never creates one. */
		if (a.sip == a.tip && neigh_lookup(&w->neigh, in_port, a.sip, &cur))
			learn(w, in_port, &a, false);
		stats_drop(w->st, m, DROP_ARP_NOT_FOR_US);
		return;
	}
	/* Never learn our own, unassigned or group addresses (RFC 5227 s2.4). */
	if (a.sip == pt->addr || net_ipv4_martian_src(a.sip) ||
	    !rte_is_unicast_ether_addr(&a.sha) || rte_is_zero_ether_addr(&a.sha) ||
	    ((a.sip ^ pt->addr) & net_mask(pt->plen)) != 0) {
		stats_drop(w->st, m, DROP_ARP_BAD_SENDER);
		return;
	}
	/* A reply answers our own request: it also confirms a known entry. */
	learn(w, in_port, &a, a.op == RTE_ARP_OP_REPLY);
	if (a.op == RTE_ARP_OP_REPLY) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Answer in place. */
	rte_pktmbuf_reset(m);
	net_arp_build(rte_pktmbuf_append(m, NET_ARP_FRAME_LEN), RTE_ARP_OP_REPLY, &pt->mac, &a.sha,
		      pt->addr, &a.sha, a.sip);
	w->st->ctr[WCTR_ARP_REPLIES]++;
	worker_txq_push(w, in_port, m);
}

void
worker_eth_input(struct worker *w, uint16_t in_port, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint16_t type;
	enum stats_drop rc;

	rc = net_eth_parse(eh, rte_pktmbuf_data_len(m), &type);
	if (unlikely(rc != DROP_NONE)) {
		stats_drop(w->st, m, rc);
		return;
	}
	if (unlikely(!rte_is_same_ether_addr(&eh->dst_addr, &port_of(w, in_port)->mac) &&
		     !rte_is_multicast_ether_addr(&eh->dst_addr))) {
		stats_drop(w->st, m, DROP_ETH_OTHER_HOST);
		return;
	}
	switch (type) {
	case RTE_ETHER_TYPE_IPV4: {
		bool l2_group = rte_is_multicast_ether_addr(&eh->dst_addr);

		rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
		worker_ipv4_input(w, in_port, m, l2_group);
		break;
	}
	case RTE_ETHER_TYPE_ARP:
		arp_input(w, in_port, m);
		break;
	default:
		stats_drop(w->st, m, DROP_ETH_UNKNOWN_TYPE);
		break;
	}
}

static void
send_resolved(struct worker *w, uint16_t port, const struct rte_ether_addr *dst, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (unlikely(eh == NULL)) {
		stats_drop(w->st, m, DROP_NO_MBUF);
		return;
	}
	eh->dst_addr = *dst;
	eh->src_addr = port_of(w, port)->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	worker_txq_push(w, port, m);
}

static void
pending_release(struct worker *w, struct pending_hop *h)
{
	h->n = 0;
	w->pending_active--;
}

/*
 * Park m until next hop ip answers ARP. With every slot waiting, the
 * oldest hop makes room: whoever sends toward unused addresses (a stranger
 * spoofing on-link sources, a branch probing the cloud) cannot stop the
 * box from asking for a new hop, and the answer is learned even if what
 * was parked for it went.
 */
static void
pending_add(struct worker *w, uint16_t port, uint32_t ip, struct rte_mbuf *m)
{
	struct pending_hop *slot = NULL, *h = NULL;
	uint64_t now = rte_rdtsc();

	for (unsigned i = 0; i < PENDING_HOPS; i++) {
		struct pending_hop *s = &w->pending[i];

		if (s->n != 0 && s->ip == ip && s->port == port) {
			h = s;
			break;
		}
		if (slot == NULL || (slot->n != 0 && (s->n == 0 || s->first_tsc < slot->first_tsc)))
			slot = s;
	}
	if (h == NULL) {
		h = slot;
		if (h->n != 0) {
			for (uint16_t k = 0; k < h->n; k++)
				stats_drop(w->st, h->m[k], DROP_NEIGH_EVICTED);
			pending_release(w, h);
		}
		*h = (struct pending_hop){
			.ip = ip, .port = port, .first_tsc = now, .request_tsc = now
		};
		w->pending_active++;
		arp_send_request(w, port, ip, NULL);
	}
	if (h->n == PENDING_PER_HOP) {
		stats_drop(w->st, m, DROP_NEIGH_QUEUE_FULL);
		return;
	}
	h->m[h->n++] = m;
	w->st->ctr[WCTR_NEIGH_QUEUED]++;
}

void
worker_pending_check(struct worker *w, uint64_t now)
{
	for (unsigned i = 0; i < PENDING_HOPS; i++) {
		struct pending_hop *h = &w->pending[i];
		struct rte_ether_addr mac;

		if (h->n == 0)
			continue;
		if (neigh_lookup(&w->neigh, h->port, h->ip, &mac)) {
			for (uint16_t k = 0; k < h->n; k++)
				send_resolved(w, h->port, &mac, h->m[k]);
			pending_release(w, h);
		} else if (now - h->first_tsc >= PENDING_TIMEOUT_MS * w->tsc_per_ms) {
			struct net_ipv4_info info;

			/* RFC 1812 s4.3.3.1: host unreachable, once per hop, to
			 * where the first packet came from. */
			if (net_ipv4_parse(rte_pktmbuf_mtod(h->m[0], void *),
					   rte_pktmbuf_data_len(h->m[0]), false,
					   &info) == DROP_NONE)
				worker_icmp_error(w, h->m[0]->port, h->m[0], &info,
						  NET_ICMP_DEST_UNREACH, NET_ICMP_UNREACH_HOST, 0);
			for (uint16_t k = 0; k < h->n; k++)
				stats_drop(w->st, h->m[k], DROP_NEIGH_UNRESOLVED);
			pending_release(w, h);
		} else if (now - h->request_tsc >= ARP_RETRY_MS * w->tsc_per_ms) {
			h->request_tsc = now;
			arp_send_request(w, h->port, h->ip, NULL);
		}
	}
}

void
worker_pending_drop_all(struct worker *w)
{
	for (unsigned i = 0; i < PENDING_HOPS; i++) {
		struct pending_hop *h = &w->pending[i];

		for (uint16_t k = 0; k < h->n; k++)
			stats_drop(w->st, h->m[k], DROP_NEIGH_UNRESOLVED);
		if (h->n != 0)
			pending_release(w, h);
	}
}

void
worker_l3_output(struct worker *w, uint16_t out_port, uint32_t next_hop, struct rte_mbuf *m)
{
	struct neigh_cache *c = &w->ncache[out_port];
	uint64_t gen = neigh_generation(w->neigh.generation);

	if (c->valid && c->ip == next_hop && c->generation == gen) {
		send_resolved(w, out_port, &c->mac, m);
		return;
	}
	if (neigh_lookup(&w->neigh, out_port, next_hop, &c->mac)) {
		c->ip = next_hop;
		c->generation = gen;
		c->valid = true;
		send_resolved(w, out_port, &c->mac, m);
		return;
	}
	c->valid = false;
	pending_add(w, out_port, next_hop, m);
}
