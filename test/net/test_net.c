/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/net: checksums, header parsing of good, truncated and garbage frames, builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_arp.h>
#include <rte_tcp.h>

#include "net.h"

/* RFC 1071 s3 example: words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d. */
static void
cksum_rfc1071_example(void **state)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = net_cksum(b, sizeof(b));

	(void)state;
	assert_int_equal(rte_be_to_cpu_16(c), 0x220d);
}

/* Every length and alignment against a plain 16-bit big-endian sum. */
static void
cksum_matches_reference(void **state)
{
	uint8_t buf[160];

	(void)state;
	srand(1071);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len++) {
			uint32_t sum = 0;

			for (size_t i = 0; i < len; i++)
				sum += (i & 1) ? buf[off + i] : (uint32_t)buf[off + i] << 8;
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			assert_int_equal(rte_be_to_cpu_16(net_cksum(buf + off, len)),
					 (uint16_t)~sum);
		}
}

/* A real IPv4 header (from a capture) verifies to zero. */
static const uint8_t ip_hdr[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void
cksum_verifies_real_header(void **state)
{
	(void)state;
	assert_int_equal(net_cksum(ip_hdr, sizeof(ip_hdr)), 0);
}

/* RFC 1624: incremental updates equal full recomputation, for random changes. */
static void
cksum_incremental_matches_full(void **state)
{
	uint8_t buf[64];

	(void)state;
	srand(1624);
	for (int iter = 0; iter < 100000; iter++) {
		uint16_t c, old16, new16;
		uint32_t old32, new32;
		size_t off16 = (size_t)(rand() % 31) * 2, off32 = (size_t)(rand() % 15) * 4;

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rand();
		memset(buf + 62, 0, 2);
		c = net_cksum(buf, sizeof(buf));
		memcpy(buf + 62, &c, 2);
		assert_int_equal(net_cksum(buf, sizeof(buf)), 0);

		/* Change a 16-bit word (also to 0x0000 / 0xffff, the edge cases). */
		memcpy(&old16, buf + off16, 2);
		new16 = iter % 7 == 0 ? 0 : iter % 11 == 0 ? 0xffff : (uint16_t)rand();
		if (off16 == 62)
			continue;
		memcpy(buf + off16, &new16, 2);
		memcpy(&c, buf + 62, 2);
		c = net_cksum_adjust16(c, old16, new16);
		memcpy(buf + 62, &c, 2);
		assert_int_equal(net_cksum(buf, sizeof(buf)), 0);

		/* And a 32-bit field, as an address rewrite does. */
		if (off32 == 60)
			continue;
		memcpy(&old32, buf + off32, 4);
		new32 = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		memcpy(buf + off32, &new32, 4);
		memcpy(&c, buf + 62, 2);
		c = net_cksum_adjust32(c, old32, new32);
		memcpy(buf + 62, &c, 2);
		assert_int_equal(net_cksum(buf, sizeof(buf)), 0);
	}
}

static void
ttl_dec_keeps_checksum_valid(void **state)
{
	uint8_t h[20];

	(void)state;
	memcpy(h, ip_hdr, sizeof(h));
	for (int i = 0; i < 63; i++) {
		net_ipv4_ttl_dec((struct rte_ipv4_hdr *)h);
		assert_int_equal(net_cksum(h, sizeof(h)), 0);
	}
	assert_int_equal(h[8], 1);
}

static void
eth_runt(void **state)
{
	uint8_t f[14] = { 0 };
	uint16_t type = 0;

	(void)state;
	for (uint32_t len = 0; len < 14; len++)
		assert_int_equal(net_eth_parse(f, len, &type), DROP_ETH_RUNT);
	f[12] = 0x08;
	assert_int_equal(net_eth_parse(f, 14, &type), DROP_NONE);
	assert_int_equal(type, RTE_ETHER_TYPE_IPV4);
}

static void
ipv4_good(void **state)
{
	uint8_t p[0x73 + 4] = { 0 };
	struct net_ipv4_info info;

	(void)state;
	memcpy(p, ip_hdr, sizeof(ip_hdr));
	/* Ethernet padding after tot_len is allowed. */
	assert_int_equal(net_ipv4_parse(p, sizeof(p), true, &info), DROP_NONE);
	assert_int_equal(info.src, 0xc0a80001);
	assert_int_equal(info.dst, 0xc0a800c7);
	assert_int_equal(info.hlen, 20);
	assert_int_equal(info.tot_len, 0x73);
	assert_int_equal(info.proto, IPPROTO_UDP);
	assert_true(info.df);
	assert_false(info.fragment);
	assert_true(info.first_fragment);
}

static void
ipv4_truncated_every_length(void **state)
{
	uint8_t p[0x73] = { 0 };
	struct net_ipv4_info info;

	(void)state;
	memcpy(p, ip_hdr, sizeof(ip_hdr));
	for (uint32_t len = 0; len < 20; len++)
		assert_int_equal(net_ipv4_parse(p, len, true, &info), DROP_IP_TRUNCATED);
	/* Header complete, but the datagram is shorter than total length. */
	for (uint32_t len = 20; len < 0x73; len++)
		assert_int_equal(net_ipv4_parse(p, len, true, &info), DROP_IP_TRUNCATED);
}

static void
ipv4_bad_fields(void **state)
{
	uint8_t p[0x73] = { 0 };
	struct net_ipv4_info info;

	(void)state;
	memcpy(p, ip_hdr, 20);
	p[0] = 0x65; /* version 6 */
	assert_int_equal(net_ipv4_parse(p, sizeof(p), true, &info), DROP_IP_BAD_VERSION);
	p[0] = 0x44; /* IHL 4 */
	assert_int_equal(net_ipv4_parse(p, sizeof(p), true, &info), DROP_IP_BAD_HLEN);
	p[0] = 0x4f;
	p[2] = 0;
	p[3] = 40; /* IHL 60 > total length 40 */
	assert_int_equal(net_ipv4_parse(p, sizeof(p), true, &info), DROP_IP_BAD_HLEN);
	memcpy(p, ip_hdr, 20);
	p[10] ^= 0x01; /* checksum */
	assert_int_equal(net_ipv4_parse(p, sizeof(p), true, &info), DROP_IP_BAD_CHECKSUM);
	/* ...unless the NIC has verified it. */
	assert_int_equal(net_ipv4_parse(p, sizeof(p), false, &info), DROP_NONE);
	memcpy(p, ip_hdr, 20);
	p[12] = 127;
	p[10] = 0;
	p[11] = 0; /* loopback source */
	{
		uint16_t c = net_cksum(p, 20);
		memcpy(p + 10, &c, 2);
	}
	assert_int_equal(net_ipv4_parse(p, sizeof(p), true, &info), DROP_IP_MARTIAN_SRC);
}

/* Random garbage never crashes or reads out of bounds (ASan watches). */
static void
garbage_frames(void **state)
{
	(void)state;
	srand(7);
	for (int iter = 0; iter < 200000; iter++) {
		uint32_t len = (uint32_t)(rand() % 80);
		uint8_t *p = malloc(len ? len : 1);
		struct net_ipv4_info info;
		struct net_arp arp;
		uint16_t type;

		for (uint32_t i = 0; i < len; i++)
			p[i] = (uint8_t)rand();
		if (len > 0 && iter % 2)
			p[0] = (uint8_t)(0x45 + rand() % 11);
		(void)net_eth_parse(p, len, &type);
		(void)net_ipv4_parse(p, len, true, &info);
		(void)net_arp_parse(p, len, &arp);
		free(p);
	}
}

static void
arp_roundtrip_and_malformed(void **state)
{
	struct rte_ether_addr a = { .addr_bytes = { 2, 0, 0, 0, 0, 1 } };
	struct rte_ether_addr b = { .addr_bytes = { 2, 0, 0, 0, 0, 2 } };
	uint8_t f[NET_ARP_FRAME_LEN];
	struct net_arp arp;
	const uint32_t eh = sizeof(struct rte_ether_hdr);

	(void)state;
	assert_int_equal(net_arp_build(f, RTE_ARP_OP_REPLY, &a, &b, 0x0a000001, &b, 0x0a000002),
			 NET_ARP_FRAME_LEN);
	assert_int_equal(net_arp_parse(f + eh, sizeof(f) - eh, &arp), DROP_NONE);
	assert_int_equal(arp.op, RTE_ARP_OP_REPLY);
	assert_int_equal(arp.sip, 0x0a000001);
	assert_int_equal(arp.tip, 0x0a000002);
	assert_memory_equal(&arp.sha, &a, 6);
	assert_memory_equal(&arp.tha, &b, 6);
	assert_memory_equal(f, &b, 6); /* Ethernet destination */

	for (uint32_t len = 0; len < sizeof(f) - eh; len++)
		assert_int_equal(net_arp_parse(f + eh, len, &arp), DROP_ARP_MALFORMED);
	f[eh + 1] = 6; /* hardware type 6 */
	assert_int_equal(net_arp_parse(f + eh, sizeof(f) - eh, &arp), DROP_ARP_MALFORMED);
	f[eh + 1] = 1;
	f[eh + 7] = 9; /* opcode 9 */
	assert_int_equal(net_arp_parse(f + eh, sizeof(f) - eh, &arp), DROP_ARP_MALFORMED);
	f[eh + 7] = 1;
	f[eh + 5] = 16; /* protocol length 16 */
	assert_int_equal(net_arp_parse(f + eh, sizeof(f) - eh, &arp), DROP_ARP_MALFORMED);
}

static void
icmp_error_quotes_and_caps(void **state)
{
	uint8_t orig[1500] = { 0 }, out[NET_ICMP_ERROR_MAX];
	struct net_ipv4_info info;
	size_t n;

	(void)state;
	memcpy(orig, ip_hdr, 20);
	orig[2] = 1500 >> 8;
	orig[3] = 1500 & 0xff;
	orig[10] = 0;
	orig[11] = 0;
	{
		uint16_t c = net_cksum(orig, 20);
		memcpy(orig + 10, &c, 2);
	}
	n = net_icmp_error_build(out, orig, sizeof(orig), NET_ICMP_DEST_UNREACH,
				 NET_ICMP_UNREACH_NEEDFRAG, 1400, 0x0a000001);
	assert_int_equal(n, NET_ICMP_ERROR_MAX); /* RFC 1812: at most 576 */
	assert_int_equal(net_ipv4_parse(out, (uint32_t)n, true, &info), DROP_NONE);
	assert_int_equal(info.proto, IPPROTO_ICMP);
	assert_int_equal(info.dst, 0xc0a80001); /* back to the source */
	assert_int_equal(info.src, 0x0a000001);
	assert_int_equal(net_cksum(out + 20, n - 20), 0);
	assert_int_equal(out[20], 3);
	assert_int_equal(out[21], 4);
	assert_int_equal(out[26] << 8 | out[27], 1400); /* RFC 1191 next-hop MTU */
	assert_memory_equal(out + 28, orig, n - 28);

	/* A short datagram is quoted whole. */
	orig[2] = 0;
	orig[3] = 40;
	n = net_icmp_error_build(out, orig, 40, NET_ICMP_TIME_EXCEEDED, 0, 0, 0x0a000001);
	assert_int_equal(n, 20 + 8 + 40);
}

static void
icmp_error_not_about_errors_or_fragments(void **state)
{
	uint8_t p[64] = { 0 };
	struct net_ipv4_info info = { .src = 0x0a000001,
				      .dst = 0x0a000002,
				      .hlen = 20,
				      .tot_len = 64,
				      .proto = IPPROTO_UDP,
				      .first_fragment = true };

	(void)state;
	assert_true(net_icmp_error_allowed(p, &info));
	info.first_fragment = false;
	assert_false(net_icmp_error_allowed(p, &info));
	info.first_fragment = true;
	info.proto = IPPROTO_ICMP;
	p[20] = 3; /* an ICMP error */
	assert_false(net_icmp_error_allowed(p, &info));
	p[20] = 8; /* echo request */
	assert_true(net_icmp_error_allowed(p, &info));
	info.proto = IPPROTO_UDP;
	info.dst = 0xe0000001; /* multicast */
	assert_false(net_icmp_error_allowed(p, &info));
	info.dst = 0xffffffff;
	assert_false(net_icmp_error_allowed(p, &info));
}

static void
echo_reply_checksums(void **state)
{
	uint8_t p[20 + 8 + 32];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct net_ipv4_info info;
	uint16_t c;

	(void)state;
	memset(p, 0xa5, sizeof(p));
	memcpy(p, ip_hdr, 20);
	p[2] = 0;
	p[3] = sizeof(p);
	p[9] = IPPROTO_ICMP;
	p[10] = 0;
	p[11] = 0;
	c = net_cksum(p, 20);
	memcpy(p + 10, &c, 2);
	p[20] = 8;
	p[21] = 0;
	p[22] = 0;
	p[23] = 0;
	c = net_cksum(p + 20, sizeof(p) - 20);
	memcpy(p + 22, &c, 2);

	net_icmp_echo_reply(ip, 20);
	assert_int_equal(net_ipv4_parse(p, sizeof(p), true, &info), DROP_NONE);
	assert_int_equal(info.src, 0xc0a800c7);
	assert_int_equal(info.dst, 0xc0a80001);
	assert_int_equal(p[20], 0);
	assert_int_equal(net_cksum(p + 20, sizeof(p) - 20), 0);
}

/* A TCP SYN with options (raw bytes after the 20-byte TCP header). */
static size_t
syn(uint8_t *p, const uint8_t *opts, size_t olen, uint8_t flags)
{
	struct rte_ipv4_hdr ip = {
		.version_ihl = RTE_IPV4_VHL_DEF,
		.time_to_live = 64,
		.next_proto_id = IPPROTO_TCP,
		.src_addr = rte_cpu_to_be_32(0xac10000a),
		.dst_addr = rte_cpu_to_be_32(0xc0a80002),
	};
	struct rte_tcp_hdr th = {
		.src_port = rte_cpu_to_be_16(40000),
		.dst_port = rte_cpu_to_be_16(80),
		.sent_seq = rte_cpu_to_be_32(0x12345678),
		.data_off = (uint8_t)((20 + olen) / 4 << 4),
		.tcp_flags = flags,
		.rx_win = rte_cpu_to_be_16(64240),
	};
	size_t len = 20 + 20 + olen;

	ip.total_length = rte_cpu_to_be_16((uint16_t)len);
	ip.hdr_checksum = net_cksum(&ip, sizeof(ip));
	memcpy(p, &ip, 20);
	memcpy(p + 20, &th, 20);
	memcpy(p + 40, opts, olen);
	th.cksum = rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)p, p + 20);
	memcpy(p + 20 + offsetof(struct rte_tcp_hdr, cksum), &th.cksum, 2);
	return len;
}

static uint16_t
mss_of(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] << 8 | p[off + 1]);
}

/* The TCP checksum verifies: recomputing over the segment gives 0 (RFC 1071). */
static bool
tcp_ok(const uint8_t *p)
{
	return rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)p, p + 20) == 0;
}

static void
mss_clamp(void **state)
{
	/* MSS first (even offset); after one NOP (odd offset); after SACK-permitted. */
	static const uint8_t even[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
	static const uint8_t odd[] = { 1, 2, 4, 0x05, 0xb4, 4, 2, 0 };
	static const uint8_t late[] = { 4, 2, 1, 1, 1, 1, 2, 4, 0x05, 0xb4, 0, 0 };
	static const uint8_t bad_len[] = { 2, 9, 0x05, 0xb4, 0, 0, 0, 0 };
	uint8_t p[128];
	size_t n;

	(void)state;
	n = syn(p, even, sizeof(even), RTE_TCP_SYN_FLAG);
	assert_true(tcp_ok(p));
	assert_true(net_tcp_mss_clamp(p, (uint32_t)n, 1360));
	assert_int_equal(mss_of(p, 42), 1360);
	assert_true(tcp_ok(p));
	assert_false(net_tcp_mss_clamp(p, (uint32_t)n, 1400)); /* already smaller */
	assert_int_equal(mss_of(p, 42), 1360);

	n = syn(p, odd, sizeof(odd), RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_true(net_tcp_mss_clamp(p, (uint32_t)n, 1322));
	assert_int_equal(mss_of(p, 43), 1322);
	assert_true(tcp_ok(p)); /* odd offset, still valid */

	n = syn(p, late, sizeof(late), RTE_TCP_SYN_FLAG);
	assert_true(net_tcp_mss_clamp(p, (uint32_t)n, 536));
	assert_int_equal(mss_of(p, 48), 536);
	assert_true(tcp_ok(p));

	/* Not a SYN, truncated, malformed option: left alone. */
	n = syn(p, even, sizeof(even), RTE_TCP_ACK_FLAG);
	assert_false(net_tcp_mss_clamp(p, (uint32_t)n, 536));
	n = syn(p, even, sizeof(even), RTE_TCP_SYN_FLAG);
	assert_false(net_tcp_mss_clamp(p, 44, 536));
	n = syn(p, bad_len, sizeof(bad_len), RTE_TCP_SYN_FLAG);
	assert_false(net_tcp_mss_clamp(p, (uint32_t)n, 536));
	assert_int_equal(mss_of(p, 42), 1460);

	/* A bad checksum stays bad: clamping never launders it. */
	n = syn(p, even, sizeof(even), RTE_TCP_SYN_FLAG);
	p[20 + 16] ^= 0x40;
	assert_true(net_tcp_mss_clamp(p, (uint32_t)n, 1000));
	assert_false(tcp_ok(p));
}

static void
addresses(void **state)
{
	struct rte_ether_addr mac;
	char buf[NET_PREFIX_STR_MAX];
	uint32_t a;
	uint8_t l;

	(void)state;
	assert_true(net_prefix_from_str("192.168.0.0/24", &a, &l));
	assert_int_equal(a, 0xc0a80000);
	assert_int_equal(l, 24);
	assert_true(net_prefix_from_str("10.1.2.3", &a, &l));
	assert_int_equal(l, 32);
	assert_false(net_prefix_from_str("10.1.2.3/33", &a, &l));
	assert_false(net_prefix_from_str("10.1.2.3/", &a, &l));
	assert_false(net_prefix_from_str("10.1.2/8", &a, &l));
	assert_false(net_prefix_from_str("10.1.2.300/8", &a, &l));
	assert_false(net_prefix_from_str("10.1.2.3/8x", &a, &l));
	assert_false(net_prefix_from_str("10.1.2.3/-1", &a, &l));
	assert_false(net_ipv4_from_str(" 10.1.2.3", &a));
	assert_string_equal(net_prefix_str(0xac100000, 16, buf), "172.16.0.0/16");
	assert_true(net_mac_from_str("02:00:5e:10:00:ff", &mac));
	assert_int_equal(mac.addr_bytes[5], 0xff);
	assert_false(net_mac_from_str("02:00:5e:10:00", &mac));
	assert_false(net_mac_from_str("02:00:5e:10:00:fg", &mac));
	assert_int_equal(net_mask(0), 0);
	assert_int_equal(net_mask(32), 0xffffffff);
	assert_int_equal(net_mask(20), 0xfffff000);
	assert_true(net_ipv4_martian_src(0));
	assert_true(net_ipv4_martian_src(0x7f000001));
	assert_true(net_ipv4_martian_src(0xe0000001));
	assert_false(net_ipv4_martian_src(0x0a000001));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cksum_rfc1071_example),
		cmocka_unit_test(cksum_matches_reference),
		cmocka_unit_test(cksum_verifies_real_header),
		cmocka_unit_test(cksum_incremental_matches_full),
		cmocka_unit_test(ttl_dec_keeps_checksum_valid),
		cmocka_unit_test(eth_runt),
		cmocka_unit_test(ipv4_good),
		cmocka_unit_test(ipv4_truncated_every_length),
		cmocka_unit_test(ipv4_bad_fields),
		cmocka_unit_test(garbage_frames),
		cmocka_unit_test(arp_roundtrip_and_malformed),
		cmocka_unit_test(icmp_error_quotes_and_caps),
		cmocka_unit_test(icmp_error_not_about_errors_or_fragments),
		cmocka_unit_test(echo_reply_checksums),
		cmocka_unit_test(mss_clamp),
		cmocka_unit_test(addresses),
	};

	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
