/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP MSS clamping for SYNs that cross a tunnel. */
#include <string.h>

#include <rte_tcp.h>

#include "net.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2

bool
net_tcp_mss_clamp(void *ip, uint32_t len, uint16_t mss)
{
	struct rte_ipv4_hdr iph;
	struct rte_tcp_hdr th;
	uint8_t *p = ip, *opt;
	uint32_t hlen, thlen, off;

	if (len < sizeof(iph))
		return false;
	memcpy(&iph, p, sizeof(iph));
	hlen = rte_ipv4_hdr_len(&iph);
	if (iph.next_proto_id != IPPROTO_TCP ||
	    (rte_be_to_cpu_16(iph.fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0 ||
	    len < hlen + sizeof(th))
		return false;
	memcpy(&th, p + hlen, sizeof(th));
	if (!(th.tcp_flags & RTE_TCP_SYN_FLAG))
		return false;
	thlen = (uint32_t)(th.data_off >> 4) * 4;
	if (thlen < sizeof(th) || len < hlen + thlen)
		return false;
	opt = p + hlen;
	for (off = sizeof(th); off < thlen;) {
		uint8_t kind = opt[off], olen;
		uint16_t cur, old_be, new_be;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= thlen || (olen = opt[off + 1]) < 2 || off + olen > thlen)
			break;
		if (kind == TCPOPT_MSS && olen == 4) {
			memcpy(&old_be, opt + off + 2, 2);
			cur = rte_be_to_cpu_16(old_be);
			if (cur <= mss)
				return false;
			new_be = rte_cpu_to_be_16(mss);
			memcpy(opt + off + 2, &new_be, 2);
			/*
			 * RFC 1624 update of the word the field occupies. At an odd
			 * offset the field straddles two words and contributes its
			 * bytes swapped (RFC 1071 s2(B)); a bad checksum stays bad.
			 */
			if (off % 2 == 0)
				th.cksum = net_cksum_adjust16(th.cksum, old_be, new_be);
			else
				th.cksum = net_cksum_adjust16(th.cksum, rte_bswap16(old_be),
							      rte_bswap16(new_be));
			memcpy(p + hlen + offsetof(struct rte_tcp_hdr, cksum), &th.cksum, 2);
			return true;
		}
		off += olen;
	}
	return false;
}
