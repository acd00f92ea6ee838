/* SPDX-License-Identifier: BSD-3-Clause */
/* Checksums and the packets the box writes itself: ARP, ICMP. */
#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>

#include "net.h"

#define NET_TTL 64

size_t
net_arp_build(void *frame, uint16_t op, const struct rte_ether_addr *src_mac,
	      const struct rte_ether_addr *dst_mac, uint32_t sip, const struct rte_ether_addr *tha,
	      uint32_t tip)
{
	static const struct rte_ether_addr bcast = { .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff,
								     0xff } };
	static const struct rte_ether_addr zero;
	struct rte_ether_hdr eh = {
		.src_addr = *src_mac,
		.dst_addr = dst_mac ? *dst_mac : bcast,
		.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP),
	};
	struct rte_arp_hdr a = {
		.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER),
		.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
		.arp_hlen = RTE_ETHER_ADDR_LEN,
		.arp_plen = 4,
		.arp_opcode = rte_cpu_to_be_16(op),
		.arp_data = {
			.arp_sha = *src_mac,
			.arp_sip = rte_cpu_to_be_32(sip),
			.arp_tha = tha ? *tha : zero,
			.arp_tip = rte_cpu_to_be_32(tip),
		},
	};

	memcpy(frame, &eh, sizeof(eh));
	memcpy((uint8_t *)frame + sizeof(eh), &a, sizeof(a));
	return NET_ARP_FRAME_LEN;
}

bool
net_icmp_error_allowed(const void *ip_hdr, const struct net_ipv4_info *info)
{
	const uint8_t *p = ip_hdr;
	uint8_t type;

	if (!info->first_fragment)
		return false;
	/* Martian sources are also never valid destinations of an error. */
	if (net_ipv4_martian_src(info->src) || net_ipv4_martian_src(info->dst))
		return false;
	if (info->proto != IPPROTO_ICMP)
		return true;
	if (info->tot_len < info->hlen + 1)
		return false;
	/* Only informational ICMP (echo, timestamp, ...) may provoke an error. */
	type = p[info->hlen];
	return type == RTE_IP_ICMP_ECHO_REQUEST || type == RTE_IP_ICMP_ECHO_REPLY ||
	       (type >= 13 && type <= 18);
}

size_t
net_icmp_error_build(void *out, const void *orig, uint32_t orig_len, uint8_t type, uint8_t code,
		     uint16_t next_hop_mtu, uint32_t src)
{
	struct rte_ipv4_hdr oip, ip;
	struct rte_icmp_hdr icmp;
	uint8_t *o = out;
	size_t quote, room;
	size_t len;

	memcpy(&oip, orig, sizeof(oip));
	room = NET_ICMP_ERROR_MAX - sizeof(ip) - sizeof(icmp);
	quote = RTE_MIN((size_t)orig_len, room);
	quote = RTE_MIN(quote, (size_t)rte_be_to_cpu_16(oip.total_length));
	len = sizeof(ip) + sizeof(icmp) + quote;

	ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)len),
		.time_to_live = NET_TTL,
		.next_proto_id = IPPROTO_ICMP,
		.src_addr = rte_cpu_to_be_32(src),
		.dst_addr = oip.src_addr,
	};
	ip.hdr_checksum = net_cksum(&ip, sizeof(ip));

	icmp = (struct rte_icmp_hdr){ .icmp_type = type, .icmp_code = code };
	/* RFC 1191: the next-hop MTU sits in the low half of the unused word. */
	icmp.icmp_seq_nb = rte_cpu_to_be_16(next_hop_mtu);

	memcpy(o, &ip, sizeof(ip));
	memcpy(o + sizeof(ip), &icmp, sizeof(icmp));
	memcpy(o + sizeof(ip) + sizeof(icmp), orig, quote);
	icmp.icmp_cksum = net_cksum(o + sizeof(ip), sizeof(icmp) + quote);
	memcpy(o + sizeof(ip) + offsetof(struct rte_icmp_hdr, icmp_cksum), &icmp.icmp_cksum,
	       sizeof(icmp.icmp_cksum));
	return len;
}

void
net_icmp_echo_reply(struct rte_ipv4_hdr *ip, uint16_t hlen)
{
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + hlen);
	uint32_t a = ip->src_addr;
	uint16_t old, new;

	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	/* Address swap leaves the header sum unchanged; TTL does not. */
	memcpy(&old, &ip->time_to_live, sizeof(old));
	ip->time_to_live = NET_TTL;
	memcpy(&new, &ip->time_to_live, sizeof(new));
	ip->hdr_checksum = net_cksum_adjust16(ip->hdr_checksum, old, new);

	old = rte_cpu_to_be_16((uint16_t)(icmp->icmp_type << 8 | icmp->icmp_code));
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	new = rte_cpu_to_be_16((uint16_t)(icmp->icmp_type << 8 | icmp->icmp_code));
	icmp->icmp_cksum = net_cksum_adjust16(icmp->icmp_cksum, old, new);
}
