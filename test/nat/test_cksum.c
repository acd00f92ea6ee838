/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat checksums: every incremental update (RFC 1624) of IP, TCP, UDP
 * and ICMP headers, and of ICMP errors with their quoted datagram, checked
 * against full recomputation on random packets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"

#define ROUNDS 20000

static struct nat *nat;
static struct nat_worker *nw;
static uint64_t now = SEC(1000);

static int
setup(void **state)
{
	struct nat_config c;

	(void)state;
	test_config(&c, 1, NULL);
	c.capacity = 1u << 17;
	c.site_cap = c.capacity;
	nat = nat_create(&c);
	assert_non_null(nat);
	nw = nat_worker_get(nat, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nat_free(nat);
	return 0;
}

static struct spec
random_spec(void)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	static const uint8_t flags[] = { 0x02, 0x12, 0x10, 0x18, 0x11, 0x04 };
	struct spec s = {
		.proto = protos[rand() % 3],
		.src = A(192, 168, rand() % 4, rand() % 256),
		.dst = CLOUD | (uint32_t)(rand() & 0xffff),
		.sport = (uint16_t)rand(),
		.dport = (uint16_t)rand(),
		.payload = (uint16_t)(rand() % 1400),
		.udp_no_cksum = rand() % 8 == 0,
		.df = rand() & 1,
	};

	s.tcp_flags = rand() % 2 ? 0x02 : flags[rand() % RTE_DIM(flags)];
	if (s.tcp_flags == 0x04)
		s.tcp_flags = 0x02; /* a reset opens nothing */
	return s;
}

/* Every byte but the ones NAT may change is as it was. */
static void
assert_only_fields_changed(const uint8_t *before, const uint8_t *after, size_t len, uint8_t proto,
			   bool src_side)
{
	uint8_t a[2048], b[2048];
	unsigned poff = proto == IPPROTO_ICMP ? 4 : src_side ? 0 : 2;
	unsigned coff = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;

	memcpy(a, before, len);
	memcpy(b, after, len);
	memset(a + 10, 0, 2);
	memset(b + 10, 0, 2);
	memset(a + (src_side ? 12 : 16), 0, 4);
	memset(b + (src_side ? 12 : 16), 0, 4);
	memset(a + 20 + poff, 0, 2);
	memset(b + 20 + poff, 0, 2);
	memset(a + 20 + coff, 0, 2);
	memset(b + 20 + coff, 0, 2);
	assert_memory_equal(a, b, len);
}

/* Outbound translation and the reply's restoration, random datagrams. */
static void
random_both_ways(void **state)
{
	(void)state;
	srand(1624);
	for (int i = 0; i < ROUNDS; i++) {
		struct spec s = random_spec();
		uint8_t orig[2048], mid[2048];
		size_t len = spec_write(orig, &s);
		struct rte_mbuf *m = bytes_mbuf(orig, len), *r;
		const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t tunnel = ~0u;
		struct seen v;
		enum stats_drop rc;
		uint16_t udp_ck;

		rc = nat_out(nw, m, (uint32_t)(i % 50), 0, now);
		assert_int_equal(rc, DROP_NONE);
		assert_true(cksums_ok(ip));
		v = seen_of(ip);
		assert_int_equal(v.src, POOL_ADDR);
		assert_int_equal(v.dst, s.dst);
		assert_only_fields_changed(orig, ip, len, s.proto, true);
		memcpy(&udp_ck, ip + 26, 2);
		if (s.proto == IPPROTO_UDP && s.udp_no_cksum)
			assert_int_equal(udp_ck, 0);

		/* The cloud's reply comes back restored, checksums right. */
		r = reply_mbuf(m, 0x12);
		memcpy(mid, rte_pktmbuf_mtod(r, const uint8_t *), rte_pktmbuf_data_len(r));
		rc = nat_in(nw, r, now, &tunnel);
		assert_int_equal(rc, DROP_NONE);
		assert_int_equal(tunnel, (uint32_t)(i % 50));
		ip = rte_pktmbuf_mtod(r, const uint8_t *);
		assert_true(cksums_ok(ip));
		v = seen_of(ip);
		assert_int_equal(v.dst, s.src);
		assert_int_equal(v.dport, s.sport);
		assert_only_fields_changed(mid, ip, rte_pktmbuf_data_len(r), s.proto, false);
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(r);
	}
}

/* An error from the cloud about a datagram we translated: quote restored. */
static void
random_icmp_errors_in(void **state)
{
	static const uint8_t types[][2] = { { 3, 3 }, { 3, 4 }, { 11, 0 }, { 3, 1 }, { 12, 0 } };

	(void)state;
	srand(5508);
	for (int i = 0; i < ROUNDS / 4; i++) {
		struct spec s = random_spec();
		uint8_t orig[2048];
		size_t len = spec_write(orig, &s);
		struct rte_mbuf *m = bytes_mbuf(orig, len), *e;
		const uint8_t *t = types[rand() % RTE_DIM(types)];
		size_t quote = rand() % 3 == 0 ? 28 : rand() % 2 ? 0 : 28 + rand() % 40;
		const uint8_t *ip, *inner;
		uint32_t tunnel = ~0u;
		struct seen v;

		assert_int_equal(nat_out(nw, m, 7, 0, now), DROP_NONE);
		e = icmp_error_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), CLOUD | 1, t[0], t[1],
				    1400, quote);
		assert_int_equal(nat_in(nw, e, now, &tunnel), DROP_NONE);
		assert_int_equal(tunnel, 7);
		ip = rte_pktmbuf_mtod(e, const uint8_t *);
		inner = ip + 28;
		assert_true(cksums_ok(ip));
		v = seen_of(ip);
		assert_int_equal(v.dst, s.src);
		/* The quoted datagram is the branch's own again, byte for byte,
		 * as far as quoted (the L4 checksum included when quoted). */
		quote = rte_pktmbuf_data_len(e) - 28;
		if (quote == 20u + (s.proto == IPPROTO_TCP ? 17 : s.proto == IPPROTO_UDP ? 7 : 3)) {
			/* A checksum cut in half cannot be patched: the carry
			 * needs both bytes. Everything before it is restored. */
			quote--;
		}
		assert_memory_equal(inner, orig, quote);
		/* The next-hop MTU of fragmentation-needed is untouched. */
		assert_int_equal(ip[20 + 6] << 8 | ip[20 + 7], 1400);
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(e);
	}
}

/*
 * An error from a branch about a reply it received: the quote is
 * translated back to what the cloud sent.
 */
static void
random_icmp_errors_out(void **state)
{
	(void)state;
	srand(792);
	for (int i = 0; i < ROUNDS / 4; i++) {
		struct spec s = random_spec();
		struct rte_mbuf *m = spec_mbuf(&s), *r, *e;
		uint8_t cloud_sent[2048];
		size_t rlen;
		uint32_t tunnel;
		const uint8_t *ip;
		struct seen v;

		assert_int_equal(nat_out(nw, m, 9, 0, now), DROP_NONE);
		r = reply_mbuf(m, 0x12);
		rlen = rte_pktmbuf_data_len(r);
		memcpy(cloud_sent, rte_pktmbuf_mtod(r, const uint8_t *), rlen);
		assert_int_equal(nat_in(nw, r, now, &tunnel), DROP_NONE);
		/* The branch host (or a router on its way) reports a problem. */
		e = icmp_error_mbuf(rte_pktmbuf_mtod(r, const uint8_t *),
				    rand() % 2 ? s.src : A(192, 168, 9, 1), 3, 3, 0,
				    rand() % 2 ? 0 : 28);
		assert_int_equal(nat_out(nw, e, 9, 0, now), DROP_NONE);
		ip = rte_pktmbuf_mtod(e, const uint8_t *);
		assert_true(cksums_ok(ip));
		v = seen_of(ip);
		assert_int_equal(v.src, POOL_ADDR);
		assert_int_equal(v.dst, s.dst);
		assert_memory_equal(ip + 28, cloud_sent, rte_pktmbuf_data_len(e) - 28);
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(r);
		rte_pktmbuf_free(e);
	}
}

/*
 * Set the first payload word so the L4 checksum field is exactly target
 * (0x0000 and 0xffff both mean zero for TCP; the packet stays valid).
 */
static void
force_l4_cksum(uint8_t *ip, unsigned l4h, uint16_t target)
{
	uint8_t *l4 = ip + 20;
	unsigned coff = ip[9] == IPPROTO_TCP ? 16 : 6;
	uint32_t w;
	uint16_t full;

	memset(l4 + l4h, 0, 2);
	full = l4_cksum_full(ip);
	w = (uint32_t)(uint16_t)~target + full;
	w = (w & 0xffff) + (w >> 16);
	l4[l4h] = (uint8_t)(w >> 8);
	l4[l4h + 1] = (uint8_t)w;
	l4[coff] = (uint8_t)(target >> 8);
	l4[coff + 1] = (uint8_t)target;
}

/* Edge checksum values and extreme addresses and ports, both ways. */
static void
corner_values(void **state)
{
	static const uint16_t tcp_targets[] = { 0x0000, 0xffff, 0x0001, 0xfffe, 0x8000 };
	static const uint16_t udp_targets[] = { 0xffff, 0x0001, 0xfffe, 0x8000 };

	(void)state;
	srand(1071);
	for (int i = 0; i < 8192; i++) {
		bool tcp = i % 2;
		struct spec s = {
			.proto = (uint8_t)(tcp ? IPPROTO_TCP : IPPROTO_UDP),
			.src = i % 3 ? A(192, 168, 255, 255) : A(10, 0, 0, 1) + (uint32_t)i,
			.dst = CLOUD | (uint32_t)(i % 4 ? 0xffff : rand() & 0xffff),
			.sport = (uint16_t)(i % 5 ? 65535 - i : 1 + i),
			.dport = (uint16_t)(i % 7 ? rand() : 0xffff),
			.tcp_flags = 0x02,
			.payload = (uint16_t)(2 + i % 3),
		};
		uint16_t target = tcp ? tcp_targets[(i / 2) % RTE_DIM(tcp_targets)] :
					udp_targets[(i / 2) % RTE_DIM(udp_targets)];
		uint8_t buf[2048];
		size_t len = spec_write(buf, &s);
		struct rte_mbuf *m, *r;
		uint32_t tunnel;

		force_l4_cksum(buf, tcp ? 20 : 8, target);
		assert_true(cksums_ok(buf));
		m = bytes_mbuf(buf, len);
		assert_int_equal(nat_out(nw, m, 1, 0, now), DROP_NONE);
		assert_true(cksums_ok(rte_pktmbuf_mtod(m, const uint8_t *)));
		r = reply_mbuf(m, 0x12);
		force_l4_cksum(rte_pktmbuf_mtod(r, uint8_t *), tcp ? 20 : 8, target);
		assert_int_equal(nat_in(nw, r, now, &tunnel), DROP_NONE);
		assert_true(cksums_ok(rte_pktmbuf_mtod(r, const uint8_t *)));
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(random_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(random_icmp_errors_in, setup, teardown),
		cmocka_unit_test_setup_teardown(random_icmp_errors_out, setup, teardown),
		cmocka_unit_test_setup_teardown(corner_values, setup, teardown),
	};

	test_eal_init("nat_cksum");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
