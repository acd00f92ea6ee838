/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethernet, ARP, IPv4 and ICMP helpers for the data plane and the tests.
 *
 * Parsers take (pointer, length) and never read past length; they return
 * DROP_NONE or the drop reason that names what is wrong, so the worker
 * can count it directly. Builders write into caller memory and return the
 * number of bytes written.
 *
 * Conventions: IPv4 addresses in uint32_t are in host byte order unless the
 * name says _be; header structs are DPDK's (rte_ether.h, rte_ip.h, ...).
 * All functions are thread-safe (no state).
 */
#ifndef ESPHUB_NET_H
#define ESPHUB_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_icmp.h>

#include "net_addr.h"
#include "stats.h"

#define NET_MAC_STR_MAX 18

/* ICMP types and codes the box sends (RFC 792, RFC 1191). */
#define NET_ICMP_DEST_UNREACH     3
#define NET_ICMP_UNREACH_NET      0
#define NET_ICMP_UNREACH_HOST     1
#define NET_ICMP_UNREACH_PROTOCOL 2
#define NET_ICMP_UNREACH_PORT     3
#define NET_ICMP_UNREACH_NEEDFRAG 4
#define NET_ICMP_TIME_EXCEEDED    11
#define NET_ICMP_TIMX_INTRANS     0

/* --- checksums ---------------------------------------------------------- */

/**
 * Internet checksum of buf, ready to store (network order in memory).
 * RFC 1071: the one's-complement sum does not care about byte order or
 * word width, so it adds 32-bit words in host order into 64 bits and
 * folds once at the end; the odd last byte is the high byte of a word in
 * network order, which is the low byte of a host-order word here (x86
 * and every other little-endian host DPDK runs on).
 */
_Static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN, "net_cksum: odd byte placement");

static inline uint16_t
net_cksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;
	uint32_t w32;
	uint16_t w16;

	for (; len >= 4; len -= 4, p += 4) {
		memcpy(&w32, p, 4);
		sum += w32;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		sum += w16;
		p += 2;
		len -= 2;
	}
	if (len != 0)
		sum += *p;
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * RFC 1624 eqn. 3 incremental update: the checksum after a 16-bit field
 * changes from old to new. All three as they sit in the packet.
 */
static inline uint16_t
net_cksum_adjust16(uint16_t cksum, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~cksum + (uint16_t)~old + (uint32_t) new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/** Same for a 32-bit field (an IPv4 address), as it sits in the packet. */
static inline uint16_t
net_cksum_adjust32(uint16_t cksum, uint32_t old, uint32_t new)
{
	cksum = net_cksum_adjust16(cksum, (uint16_t)(old >> 16), (uint16_t)(new >> 16));
	return net_cksum_adjust16(cksum, (uint16_t)old, (uint16_t) new);
}

/**
 * Decrement TTL and patch the header checksum (RFC 1624; RFC 1812 s5.3.5).
 * The caller has checked ttl > 1.
 */
static inline void
net_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	/* TTL and protocol form one 16-bit word of the checksum. Both words
	 * come from the bytes' values: reading the word back over the byte
	 * just stored would stall on store forwarding. */
	uint8_t ttl = ip->time_to_live, proto = ip->next_proto_id;
	uint16_t old = rte_cpu_to_be_16((uint16_t)(ttl << 8 | proto));
	uint16_t new = rte_cpu_to_be_16((uint16_t)((ttl - 1) << 8 | proto));

	ip->time_to_live = (uint8_t)(ttl - 1);
	ip->hdr_checksum = net_cksum_adjust16(ip->hdr_checksum, old, new);
}

/* --- parsing ------------------------------------------------------------ */

/** What net_ipv4_parse() learned about a valid IPv4 header. */
struct net_ipv4_info {
	uint32_t src;     /**< host order */
	uint32_t dst;     /**< host order */
	uint16_t hlen;    /**< header bytes */
	uint16_t tot_len; /**< from the header; <= bytes available */
	uint8_t proto;
	uint8_t ttl;
	bool fragment;       /**< MF set or offset non-zero */
	bool first_fragment; /**< offset zero (also true when not a fragment) */
	bool df;
};

/**
 * Check an Ethernet frame's length and read its EtherType.
 * @return DROP_NONE or DROP_ETH_RUNT.
 */
enum stats_drop net_eth_parse(const void *frame, uint32_t len, uint16_t *ether_type);

/**
 * Validate an IPv4 header at p with len bytes available (from the IP header
 * to the end of the frame; Ethernet padding may follow tot_len).
 * verify_cksum false when the NIC already verified it.
 */
enum stats_drop net_ipv4_parse(const void *p, uint32_t len, bool verify_cksum,
			       struct net_ipv4_info *out);

/** An Ethernet/IPv4 ARP packet. */
struct net_arp {
	uint16_t op; /**< RTE_ARP_OP_REQUEST or _REPLY */
	struct rte_ether_addr sha;
	struct rte_ether_addr tha;
	uint32_t sip; /**< host order */
	uint32_t tip; /**< host order */
};

/** Parse an ARP packet (after the Ethernet header). DROP_NONE or DROP_ARP_MALFORMED. */
enum stats_drop net_arp_parse(const void *p, uint32_t len, struct net_arp *out);

/* --- building ----------------------------------------------------------- */

/** Bytes of an Ethernet + ARP frame (without FCS, before padding). */
#define NET_ARP_FRAME_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))

/**
 * Write a whole Ethernet/ARP frame: request (tha zero, Ethernet broadcast
 * unless dst_mac given) or reply. Returns NET_ARP_FRAME_LEN.
 */
size_t net_arp_build(void *frame, uint16_t op, const struct rte_ether_addr *src_mac,
		     const struct rte_ether_addr *dst_mac, uint32_t sip,
		     const struct rte_ether_addr *tha, uint32_t tip);

/**
 * RFC 1812 s4.3.2.7: may an ICMP error be sent about this packet? Not about
 * ICMP errors, non-first fragments, or packets from/to broadcast, multicast,
 * zero or loopback addresses.
 */
bool net_icmp_error_allowed(const void *ip_hdr, const struct net_ipv4_info *info);

/** Largest IPv4 datagram net_icmp_error_build() writes (RFC 1812 s4.3.2.3). */
#define NET_ICMP_ERROR_MAX 576

/**
 * Build an IPv4 ICMP error (time exceeded, destination unreachable) about
 * the datagram at orig (orig_len bytes available), quoting as much of it as
 * fits in NET_ICMP_ERROR_MAX. next_hop_mtu is used for fragmentation-needed
 * (RFC 1191). src is the box's address (host order). Writes into out (at
 * least NET_ICMP_ERROR_MAX bytes) and returns the datagram length.
 */
size_t net_icmp_error_build(void *out, const void *orig, uint32_t orig_len, uint8_t type,
			    uint8_t code, uint16_t next_hop_mtu, uint32_t src);

/**
 * Turn an ICMP echo request datagram (already validated) into the reply in
 * place: swap addresses, type 0, fresh TTL, checksums patched.
 */
void net_icmp_echo_reply(struct rte_ipv4_hdr *ip, uint16_t hlen);

/**
 * RFC 4459 s3.2 / RFC 6691: if the IPv4 datagram (whole, at ip) is a TCP SYN
 * whose MSS option exceeds mss, lower it and patch the TCP checksum
 * (RFC 1624). Returns true if it changed. Bounds-checked; other packets
 * and malformed options are left alone.
 */
bool net_tcp_mss_clamp(void *ip, uint32_t len, uint16_t mss);

/* --- addresses (IPv4 ones: net_addr.h) ----------------------------------- */

/** Parse "aa:bb:cc:dd:ee:ff". */
bool net_mac_from_str(const char *s, struct rte_ether_addr *mac);

const char *net_mac_str(const struct rte_ether_addr *mac, char buf[NET_MAC_STR_MAX]);

#endif /* ESPHUB_NET_H */
