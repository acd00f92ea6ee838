/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragmentation into direct mbufs (each fragment its own writable buffer,
 * so ESP can encrypt it in place and append a trailer), and reassembly in
 * one table per trust zone (reass.h).
 *
 * Reassembly is per worker: RSS and af_packet fanout hash fragments by
 * addresses only, so all fragments of a datagram reach one worker; and
 * all fragments of a decrypted datagram come out of one SA's packets,
 * which share outer addresses.
 */
#include <rte_cycles.h>

#include "priv.h"

uint16_t
worker_ipv4_fragment(struct worker *w, struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out,
		     uint16_t max)
{
	const uint8_t *src = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_ipv4_hdr ip;
	uint16_t hlen, payload, chunk, off0, n = 0;

	memcpy(&ip, src, sizeof(ip));
	hlen = (uint16_t)rte_ipv4_hdr_len(&ip);
	payload = (uint16_t)(rte_be_to_cpu_16(ip.total_length) - hlen);
	chunk = (uint16_t)((mtu - hlen) & ~7u); /* offsets count 8-byte units */
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
		/* Same origin as the datagram: an ICMP error about the first
		 * fragment goes where one about the datagram would. */
		f->port = m->port;
		*RTE_MBUF_DYNFIELD(f, w->tunnel_field, uint32_t *) = pkt_tunnel(w, m);
		memcpy(p, src, hlen);
		memcpy(p + hlen, src + hlen + done, len);
		fh = (struct rte_ipv4_hdr *)p;
		fh->total_length = rte_cpu_to_be_16((uint16_t)(hlen + len));
		/* MF on all but the last, and on the last if the original had it. */
		fh->fragment_offset = rte_cpu_to_be_16(
			(uint16_t)(((off0 + done) / 8) | (last ? flags : RTE_IPV4_HDR_MF_FLAG)));
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
worker_ipv4_reassemble(struct worker *w, enum reass_zone zone, uint32_t tunnel, uint32_t site,
		       struct rte_mbuf *m, struct net_ipv4_info *info)
{
	return worker_reass_input(w->reass[zone], w->st, tunnel, site, m, info, rte_rdtsc());
}

void
worker_reassembly_housekeeping(struct worker *w)
{
	uint64_t now = rte_rdtsc();

	for (unsigned z = 0; z < REASS_N; z++)
		worker_reass_expire(w->reass[z], w->st, now, REASS_EXPIRE_BUDGET);
}
