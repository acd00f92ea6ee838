/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors about translated flows (RFC 5508 s4.2): the error carries
 * the IP header and at least 8 bytes of the datagram it is about (RFC 792;
 * routers quote up to 576 bytes, RFC 1812 s4.3.2.3). The quoted header is
 * translated like the datagram was, its checksums patched when quoted, and
 * the ICMP checksum patched for every 16-bit word that changed. All the
 * changed words are at even offsets from the ICMP header, so RFC 1624
 * applies to them directly.
 */
#include "pkt.h"
#include "priv.h"

#define ICMP_HDR 8

bool
nat_icmp_is_error(uint8_t type)
{
	/* Destination unreachable (incl. fragmentation needed), time exceeded,
	 * parameter problem. Source quench and redirect are not forwarded. */
	return type == 3 || type == 11 || type == 12;
}

enum stats_drop
nat_quote_parse(uint8_t *icmp, uint32_t icmp_len, struct quote *q)
{
	uint8_t *ip = icmp + ICMP_HDR;
	uint32_t avail, hlen;

	if (unlikely(icmp_len < ICMP_HDR + sizeof(struct rte_ipv4_hdr)))
		return DROP_NAT_MALFORMED;
	avail = icmp_len - ICMP_HDR;
	hlen = (uint32_t)(ip[0] & 0xf) * 4;
	if (unlikely((ip[0] >> 4) != 4 || hlen < sizeof(struct rte_ipv4_hdr) || avail < hlen + 8))
		return DROP_NAT_MALFORMED;
	/* A non-first fragment quotes no ports. */
	if ((ld16(ip + IP_FRAG) & rte_cpu_to_be_16(0x1fff)) != 0 || l4_min(ip[IP_PROTO]) == 0)
		return DROP_NAT_UNSUPPORTED;
	q->ip = ip;
	q->l4 = ip + hlen;
	q->l4_len = avail - hlen;
	q->proto = ip[IP_PROTO];
	q->icmp_type = q->l4[0];
	return DROP_NONE;
}

void
nat_quote_rewrite(uint8_t *icmp, const struct quote *q, unsigned addr_off, unsigned poff,
		  uint32_t addr, uint16_t port)
{
	unsigned l4c = l4_cksum_off(q->proto);
	uint32_t da = delta32(ld32(q->ip + addr_off), addr);
	uint32_t dp = delta16(ld16(q->l4 + poff), port);
	uint16_t old_ipc = ld16(q->ip + IP_CKSUM);
	uint16_t new_ipc = cksum_apply(old_ipc, da);
	/* The ICMP checksum covers every word we change. */
	uint32_t d_icmp = da + dp + delta16(old_ipc, new_ipc);

	st32(q->ip + addr_off, addr);
	st16(q->ip + IP_CKSUM, new_ipc);
	st16(q->l4 + poff, port);
	/* A checksum the quote cuts in half stays as it is: the new value's
	 * high byte depends on the missing low byte through the carry. */
	if (q->l4_len >= l4c + 2) {
		uint16_t old_l4c = ld16(q->l4 + l4c);

		l4_cksum_patch(q->l4, q->proto, da, dp);
		d_icmp += delta16(old_l4c, ld16(q->l4 + l4c));
	}
	st16(icmp + ICMP_CKSUM, cksum_apply(ld16(icmp + ICMP_CKSUM), d_icmp));
}
