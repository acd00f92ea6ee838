/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounds-checked parsing of Ethernet, IPv4 and ARP headers. */
#include <string.h>

#include <rte_arp.h>

#include "net.h"

enum stats_drop
net_eth_parse(const void *frame, uint32_t len, uint16_t *ether_type)
{
	struct rte_ether_hdr eh;

	if (len < sizeof(eh))
		return DROP_ETH_RUNT;
	memcpy(&eh, frame, sizeof(eh));
	*ether_type = rte_be_to_cpu_16(eh.ether_type);
	return DROP_NONE;
}

enum stats_drop
net_ipv4_parse(const void *p, uint32_t len, bool verify_cksum, struct net_ipv4_info *out)
{
	struct rte_ipv4_hdr ip;
	uint16_t hlen, tot_len, frag;

	if (len < sizeof(ip))
		return DROP_IP_TRUNCATED;
	memcpy(&ip, p, sizeof(ip));
	if ((ip.version_ihl >> 4) != 4)
		return DROP_IP_BAD_VERSION;
	hlen = (uint16_t)((ip.version_ihl & 0xf) * 4);
	tot_len = rte_be_to_cpu_16(ip.total_length);
	if (hlen < sizeof(ip) || hlen > tot_len)
		return DROP_IP_BAD_HLEN;
	if (tot_len > len)
		return DROP_IP_TRUNCATED;
	if (verify_cksum && net_cksum(p, hlen) != 0)
		return DROP_IP_BAD_CHECKSUM;

	out->src = rte_be_to_cpu_32(ip.src_addr);
	out->dst = rte_be_to_cpu_32(ip.dst_addr);
	if (net_ipv4_martian_src(out->src))
		return DROP_IP_MARTIAN_SRC;
	if (out->dst == 0 || (out->dst >> 24) == 127)
		return DROP_IP_MARTIAN_DST;

	frag = rte_be_to_cpu_16(ip.fragment_offset);
	out->hlen = hlen;
	out->tot_len = tot_len;
	out->proto = ip.next_proto_id;
	out->ttl = ip.time_to_live;
	out->df = (frag & RTE_IPV4_HDR_DF_FLAG) != 0;
	out->first_fragment = (frag & RTE_IPV4_HDR_OFFSET_MASK) == 0;
	out->fragment = (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
	return DROP_NONE;
}

enum stats_drop
net_arp_parse(const void *p, uint32_t len, struct net_arp *out)
{
	struct rte_arp_hdr a;

	if (len < sizeof(a))
		return DROP_ARP_MALFORMED;
	memcpy(&a, p, sizeof(a));
	if (a.arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a.arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a.arp_hlen != RTE_ETHER_ADDR_LEN || a.arp_plen != 4)
		return DROP_ARP_MALFORMED;
	out->op = rte_be_to_cpu_16(a.arp_opcode);
	if (out->op != RTE_ARP_OP_REQUEST && out->op != RTE_ARP_OP_REPLY)
		return DROP_ARP_MALFORMED;
	out->sha = a.arp_data.arp_sha;
	out->tha = a.arp_data.arp_tha;
	out->sip = rte_be_to_cpu_32(a.arp_data.arp_sip);
	out->tip = rte_be_to_cpu_32(a.arp_data.arp_tip);
	return DROP_NONE;
}
