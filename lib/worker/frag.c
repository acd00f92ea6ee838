/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragmentation into direct mbufs (each fragment its own writable buffer,
 * so ESP can encrypt it in place and append a trailer), and reassembly of
 * fragments addressed to the box (ESP and IKE) with rte_ip_frag, bounded by
 * its table size and timeout.
 *
 * Reassembly is per worker: RSS and af_packet fanout hash fragments by
 * addresses only, so all fragments of a datagram reach one worker.
 */
#include <rte_cycles.h>

#include "priv.h"

uint16_t
ipv4_fragment(struct worker *w, struct rte_mbuf *m, uint16_t mtu,
	      struct rte_mbuf **out, uint16_t max)
{
	const uint8_t *src = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_ipv4_hdr ip;
	uint16_t hlen, payload, chunk, off0, n = 0;

	memcpy(&ip, src, sizeof(ip));
	hlen = (uint16_t)rte_ipv4_hdr_len(&ip);
	payload = (uint16_t)(rte_be_to_cpu_16(ip.total_length) - hlen);
	chunk = (uint16_t)((mtu - hlen) & ~7u);    /* offsets count 8-byte units */
	off0 = (uint16_t)((rte_be_to_cpu_16(ip.fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) * 8);
	if (chunk == 0 || (payload + chunk - 1) / chunk > max)
		goto fail;

	for (uint16_t done = 0; done < payload; done += chunk) {
		uint16_t len = RTE_MIN(chunk, (uint16_t)(payload - done));
		bool last = done + len == payload;
		uint16_t flags = rte_be_to_cpu_16(ip.fragment_offset) & RTE_IPV4_HDR_MF_FLAG;
		struct rte_mbuf *f = rte_pktmbuf_alloc(w->pool);
		struct rte_ipv4_hdr *fh;
		uint8_t *p;

		if (f == NULL || (p = (uint8_t *)rte_pktmbuf_append(f, hlen + len)) == NULL) {
			rte_pktmbuf_free(f);
			rte_pktmbuf_free_bulk(out, n);
			goto fail;
		}
		memcpy(p, src, hlen);
		memcpy(p + hlen, src + hlen + done, len);
		fh = (struct rte_ipv4_hdr *)p;
		fh->total_length = rte_cpu_to_be_16((uint16_t)(hlen + len));
		/* MF on all but the last, and on the last if the original had it. */
		fh->fragment_offset = rte_cpu_to_be_16((uint16_t)(
			((off0 + done) / 8) | (last ? flags : RTE_IPV4_HDR_MF_FLAG)));
		fh->hdr_checksum = 0;
		fh->hdr_checksum = net_cksum(fh, hlen);
		out[n++] = f;
	}
	w->st->ctr[WCTR_FRAGMENTS_OUT] += n;
	rte_pktmbuf_free(m);
	return n;
fail:
	stats_drop(w->st, m, DROP_FWD_FRAG_FAILED);
	return 0;
}

struct rte_mbuf *
ipv4_reassemble(struct worker *w, struct rte_mbuf *m, struct net_ipv4_info *info)
{
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *whole;

	m->l2_len = 0;
	m->l3_len = (uint16_t)rte_ipv4_hdr_len(rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *));
	whole = rte_ipv4_frag_reassemble_packet(w->frag_tbl, &w->death_row, m, rte_rdtsc(),
						rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *));
	if (whole == NULL)
		return NULL;     /* held, or on the death row */
	/* Bounded: a datagram larger than one buffer is not for us. */
	if (whole->nb_segs > 1 && rte_pktmbuf_linearize(whole) != 0) {
		stats_drop(w->st, whole, DROP_REASS_FAILED);
		return NULL;
	}
	/*
	 * rte_ip_frag leaves the new header's checksum to a TX offload (zero);
	 * every fragment's header was verified on arrival, so compute it here.
	 */
	ip = rte_pktmbuf_mtod(whole, struct rte_ipv4_hdr *);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = net_cksum(ip, rte_ipv4_hdr_len(ip));
	if (net_ipv4_parse(ip, rte_pktmbuf_data_len(whole), false, info) != DROP_NONE) {
		stats_drop(w->st, whole, DROP_REASS_FAILED);
		return NULL;
	}
	return whole;
}

void
reassembly_housekeeping(struct worker *w)
{
	/* Fragments that timed out, overlapped or found the table full. */
	if (w->death_row.cnt != 0) {
		w->st->drop[DROP_REASS_FAILED] += w->death_row.cnt;
		rte_ip_frag_free_death_row(&w->death_row, 0);
	}
}
