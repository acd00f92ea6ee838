/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/nat: reading and patching header fields in place.
 *
 * Fields are read and written through memcpy (the inner datagram after ESP
 * is only 2-byte aligned), in network order as they sit in the packet;
 * ones' complement sums do not care about byte order. Offsets are from the
 * start of each header.
 */
#ifndef ESPHUB_NAT_PKT_H
#define ESPHUB_NAT_PKT_H

#include <string.h>

#include <rte_tcp.h>
#include <rte_udp.h>

#include "net.h"

#define IP_FRAG    6 /* flags + fragment offset */
#define IP_PROTO   9
#define IP_CKSUM   10
#define IP_SRC     12
#define IP_DST     16
#define L4_SPORT   0 /* TCP and UDP */
#define L4_DPORT   2
#define TCP_FLAGS  13
#define TCP_CKSUM  16
#define UDP_CKSUM  6
#define ICMP_CKSUM 2
#define ICMP_ID    4 /* echo request/reply identifier */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define ICMP_ECHO_REPLY   0
#define ICMP_ECHO_REQUEST 8

static inline uint16_t
ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void
st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Where the port (or ICMP identifier) of a datagram sits. */
static inline unsigned
port_off(uint8_t proto, bool dst)
{
	if (proto == IPPROTO_ICMP)
		return ICMP_ID;
	return dst ? L4_DPORT : L4_SPORT;
}

/* Offset of the L4 checksum for proto, 0 if it has none we patch. */
static inline unsigned
l4_cksum_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? TCP_CKSUM : proto == IPPROTO_UDP ? UDP_CKSUM : ICMP_CKSUM;
}

/*
 * RFC 1624 eqn. 3 in two steps, so one address change is summed once and
 * applied to both the IP and the L4 checksum: delta() is ~m + m' for each
 * 16-bit word of a field (not folded; a few of them fit 32 bits easily),
 * apply() folds HC' = ~(~HC + delta).
 */
static inline uint32_t
delta32(uint32_t old, uint32_t new)
{
	return (uint32_t)(uint16_t) ~(old >> 16) + (uint16_t)~old + (new >> 16) + (new & 0xffff);
}

static inline uint32_t
delta16(uint16_t old, uint16_t new)
{
	return (uint32_t)(uint16_t)~old + new;
}

static inline uint16_t
cksum_apply(uint16_t cksum, uint32_t delta)
{
	uint32_t s = (uint32_t)(uint16_t)~cksum + delta;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * Patch an L4 checksum by delta (address change in the pseudo-header, not
 * for ICMP, plus the port change). A UDP checksum of zero means "none"
 * (RFC 768) and stays zero; a computed zero is sent as all ones.
 */
static inline void
l4_cksum_patch(uint8_t *l4, uint8_t proto, uint32_t d_addr, uint32_t d_port)
{
	uint8_t *c = l4 + l4_cksum_off(proto);
	uint16_t sum = ld16(c);

	if (proto == IPPROTO_UDP && sum == 0)
		return;
	sum = cksum_apply(sum, (proto != IPPROTO_ICMP ? d_addr : 0) + d_port);
	if (proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff;
	st16(c, sum);
}

/*
 * RFC 1624 eqn. 3 gives 0x0000 where the message's words sum to +0, which
 * only an all-zero message does; from scratch its checksum is 0xffff, and
 * receivers reject 0x0000 there (RFC 1071 verification sums to +0, not -0).
 * RFC 1624 s3 reasons about IP headers, never all zero; an ICMP echo reply
 * restored to identifier 0 with sequence 0 and no data is. Call after
 * patching an ICMP checksum; len: the message's bytes.
 */
static inline void
icmp_cksum_zero_fix(uint8_t *icmp, uint32_t len)
{
	if (ld16(icmp + ICMP_CKSUM) != 0)
		return;
	for (uint32_t i = 0; i < len; i++)
		if ((i < ICMP_CKSUM || i > ICMP_CKSUM + 1) && icmp[i] != 0)
			return;
	st16(icmp + ICMP_CKSUM, 0xffff);
}

/*
 * Rewrite the address at ip + addr_off (IP_SRC or IP_DST) and the port at
 * l4 + poff, with the IP and L4 checksums. The whole L4 header is present.
 */
static inline void
rewrite(uint8_t *ip, unsigned addr_off, uint8_t *l4, unsigned poff, uint8_t proto, uint32_t new_a,
	uint16_t new_p)
{
	uint32_t da = delta32(ld32(ip + addr_off), new_a);
	uint32_t dp = delta16(ld16(l4 + poff), new_p);

	st32(ip + addr_off, new_a);
	st16(ip + IP_CKSUM, cksum_apply(ld16(ip + IP_CKSUM), da));
	st16(l4 + poff, new_p);
	l4_cksum_patch(l4, proto, da, dp);
}

/* Rewrite only an IPv4 address (an ICMP error's outer header). */
static inline void
rewrite_ip_only(uint8_t *ip, unsigned addr_off, uint32_t new_a)
{
	uint32_t da = delta32(ld32(ip + addr_off), new_a);

	st32(ip + addr_off, new_a);
	st16(ip + IP_CKSUM, cksum_apply(ld16(ip + IP_CKSUM), da));
}

/* What the IPv4 header says, after the minimum checks NAT relies on. */
struct ip_view {
	uint8_t *ip;
	uint8_t *l4;
	uint32_t l4_len; /* bytes from l4 to the end of the datagram */
	uint8_t proto;
	bool fragment;
};

/*
 * The caller (the worker) validated the header; NAT only makes sure it
 * never reads outside the datagram.
 */
static inline enum stats_drop
ip_view(struct rte_mbuf *m, struct ip_view *v)
{
	uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint32_t hlen, tot;

	if (unlikely(len < sizeof(struct rte_ipv4_hdr)))
		return DROP_NAT_MALFORMED;
	hlen = (uint32_t)(ip[0] & 0xf) * 4;
	tot = rte_be_to_cpu_16(ld16(ip + 2));
	if (unlikely((ip[0] >> 4) != 4 || hlen < sizeof(struct rte_ipv4_hdr) || tot < hlen ||
		     tot > len))
		return DROP_NAT_MALFORMED;
	v->ip = ip;
	v->l4 = ip + hlen;
	v->l4_len = tot - hlen;
	v->proto = ip[IP_PROTO];
	/* MF or a non-zero offset; DF (0x4000) is no fragment. */
	v->fragment = (ld16(ip + IP_FRAG) & rte_cpu_to_be_16(0x3fff)) != 0;
	return DROP_NONE;
}

/* Bytes of L4 header NAT needs to read and patch, 0 if unsupported. */
static inline uint32_t
l4_min(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct rte_tcp_hdr);
	case IPPROTO_UDP:
		return sizeof(struct rte_udp_hdr);
	case IPPROTO_ICMP:
		return 8;
	}
	return 0;
}

#endif /* ESPHUB_NAT_PKT_H */
