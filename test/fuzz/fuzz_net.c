/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/net, what every frame from either port meets
 * first. The input is one frame (or datagram): the Ethernet, ARP and IPv4
 * parsers read it from an exact heap copy; on what IPv4 accepts, the ICMP
 * error rules and builder, the echo reply, the TTL decrement and MSS
 * clamping run as the worker runs them, and their results are checked
 * (a built error parses with good checksums and quotes the datagram's
 * first bytes; a good checksum stays good through each rewrite). The
 * address parsers of config and CLI get the input as text.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "fuzz.h"
#include "net.h"

#define CHECK(c)                                               \
	do {                                                   \
		if (!(c)) {                                    \
			fprintf(stderr, "fuzz_net: %s\n", #c); \
			abort();                               \
		}                                              \
	} while (0)

static uint8_t *
copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	CHECK(c != NULL);
	memcpy(c, p, n);
	return c;
}

/* A datagram net_ipv4_parse() accepted: what the worker does with it. */
static void
datagram(const uint8_t *p, const struct net_ipv4_info *info, uint8_t sel)
{
	static const uint8_t kinds[][2] = {
		{ NET_ICMP_TIME_EXCEEDED, NET_ICMP_TIMX_INTRANS },
		{ NET_ICMP_DEST_UNREACH, NET_ICMP_UNREACH_NET },
		{ NET_ICMP_DEST_UNREACH, NET_ICMP_UNREACH_PORT },
		{ NET_ICMP_DEST_UNREACH, NET_ICMP_UNREACH_NEEDFRAG },
	};
	uint8_t *d = copy(p, info->tot_len), out[NET_ICMP_ERROR_MAX];
	struct net_ipv4_info e;
	size_t n, quote;

	CHECK(info->hlen >= 20 && info->hlen <= info->tot_len);
	/* The worker trims Ethernet padding first: data_len == tot_len. */
	(void)net_icmp_error_allowed(d, info);
	n = net_icmp_error_build(out, d, info->tot_len, kinds[sel % 4][0], kinds[sel % 4][1], 1400,
				 0xc6336401);
	quote = n - 28;
	CHECK(n <= NET_ICMP_ERROR_MAX && n >= 28);
	CHECK(quote == RTE_MIN((size_t)info->tot_len, (size_t)NET_ICMP_ERROR_MAX - 28));
	CHECK(net_ipv4_parse(out, (uint32_t)n, true, &e) == DROP_NONE);
	CHECK(e.proto == IPPROTO_ICMP && e.dst == info->src && e.tot_len == n);
	CHECK(net_cksum(out + 20, n - 20) == 0);
	CHECK(memcmp(out + 28, d, quote) == 0);

	if (info->ttl > 1) {
		net_ipv4_ttl_dec((struct rte_ipv4_hdr *)d);
		CHECK(net_cksum(d, info->hlen) == 0 && d[8] == info->ttl - 1);
		memcpy(d, p, info->hlen);
	}
	/* An echo request the box answers: checked first, as icmp_input() does. */
	if (info->proto == IPPROTO_ICMP && !info->fragment &&
	    (size_t)(info->tot_len - info->hlen) >= sizeof(struct rte_icmp_hdr) &&
	    d[info->hlen] == RTE_IP_ICMP_ECHO_REQUEST &&
	    net_cksum(d + info->hlen, info->tot_len - info->hlen) == 0) {
		net_icmp_echo_reply((struct rte_ipv4_hdr *)d, info->hlen);
		CHECK(net_cksum(d, info->hlen) == 0);
		CHECK(net_cksum(d + info->hlen, info->tot_len - info->hlen) == 0);
		CHECK(d[info->hlen] == RTE_IP_ICMP_ECHO_REPLY);
	}
	free(d);
}

/* MSS clamping on any bytes: bounded, and a good TCP checksum stays good. */
static void
mss(const uint8_t *p, size_t size, uint16_t to)
{
	uint8_t *d = copy(p, size);
	bool good = fz_cksum_ok(d, size);

	if (!net_tcp_mss_clamp(d, (uint32_t)size, to))
		CHECK(memcmp(d, p, size) == 0);
	else if (good)
		CHECK(fz_cksum_ok(d, size));
	free(d);
}

/* The address parsers, on text; what they accept prints and parses back. */
static void
text(const uint8_t *p, size_t size)
{
	char s[64], buf[NET_PREFIX_STR_MAX];
	struct rte_ether_addr mac, mac2;
	uint32_t a, a2;
	uint8_t plen, plen2;
	size_t n = RTE_MIN(size, sizeof(s) - 1);

	memcpy(s, p, n);
	s[n] = '\0';
	if (net_ipv4_from_str(s, &a)) {
		CHECK(net_ipv4_from_str(net_ipv4_str(a, buf), &a2) && a2 == a);
	}
	if (net_prefix_from_str(s, &a, &plen)) {
		CHECK(plen <= 32);
		CHECK(net_prefix_from_str(net_prefix_str(a, plen, buf), &a2, &plen2));
		CHECK(a2 == a && plen2 == plen);
	}
	if (net_mac_from_str(s, &mac)) {
		char m[NET_MAC_STR_MAX];

		CHECK(net_mac_from_str(net_mac_str(&mac, m), &mac2));
		CHECK(rte_is_same_ether_addr(&mac, &mac2));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f = copy(data, size);
	struct net_ipv4_info info;
	struct net_arp arp;
	uint16_t type;
	uint32_t len = (uint32_t)RTE_MIN(size, (size_t)UINT16_MAX);

	if (net_eth_parse(f, len, &type) == DROP_NONE)
		CHECK(len >= sizeof(struct rte_ether_hdr));
	if (net_arp_parse(f, len, &arp) == DROP_NONE)
		CHECK(arp.op == RTE_ARP_OP_REQUEST || arp.op == RTE_ARP_OP_REPLY);
	(void)net_ipv4_parse(f, len, false, &info);
	if (net_ipv4_parse(f, len, true, &info) == DROP_NONE) {
		CHECK(info.tot_len <= len && net_cksum(f, info.hlen) == 0);
		datagram(f, &info, size > 1 ? data[1] : 0);
	}
	mss(f, len, size > 2 ? (uint16_t)(data[size - 1] << 8 | data[size - 2]) : 536);
	text(f, size);
	free(f);
	return 0;
}
