/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat ICMP (RFC 5508): echo sessions keyed by identifier, and errors
 * from the cloud (port unreachable, fragmentation needed, time exceeded)
 * translated with their quoted datagram into the right tunnel; errors from
 * branches translated toward the cloud; what is refused and why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "net.h"

static uint64_t now;
static struct nat *nat;
static struct nat_worker *w;

static int
setup(void **state)
{
	struct nat_config c;

	(void)state;
	now = SEC(500);
	test_config(&c, 1, NULL);
	nat = nat_create(&c);
	assert_non_null(nat);
	w = nat_worker_get(nat, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nat_free(nat);
	return 0;
}

static uint16_t
be16_at(const struct rte_mbuf *m, unsigned off)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *) + off;

	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
echo_sessions(void **state)
{
	struct spec a = { .proto = IPPROTO_ICMP,
			  .src = A(192, 168, 0, 7),
			  .dst = A(172, 16, 3, 3),
			  .sport = 0x1234,
			  .payload = 56 };
	struct rte_mbuf *m = spec_mbuf(&a), *r, *m2;
	struct seen x, back;
	uint32_t tunnel = 0;

	(void)state;
	assert_int_equal(nat_out(w, m, 11, 1, now), DROP_NONE);
	x = seen_mbuf(m);
	assert_int_equal(x.src, POOL_ADDR);
	assert_true(x.sport >= 1024);
	/* A second branch pinging with the same identifier gets another one. */
	m2 = spec_mbuf(&a);
	assert_int_equal(nat_out(w, m2, 12, 2, now), DROP_NONE);
	assert_true(seen_mbuf(m2).sport != x.sport);
	r = reply_mbuf(m, 0);
	assert_int_equal(nat_in(w, r, now, &tunnel), DROP_NONE);
	back = seen_mbuf(r);
	assert_int_equal(tunnel, 11);
	assert_int_equal(back.dst, a.src);
	assert_int_equal(back.sport, 0x1234);
	assert_true(cksums_ok(rte_pktmbuf_mtod(r, const uint8_t *)));
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(m2);
	rte_pktmbuf_free(r);
}

/* Port unreachable, fragmentation needed, time exceeded: back into the tunnel. */
/*
 * An echo reply restored to identifier 0, sequence 0 and no data is all
 * zeros: its checksum must be 0xffff (computed from scratch), not the
 * 0x0000 RFC 1624 eqn. 3 gives there, which receivers reject. Found by
 * fuzz_nat (corpus/nat/crash-icmp-zero-cksum).
 */
static void
echo_all_zero(void **state)
{
	uint8_t req[28] = { 0x45, 0,   0, 28, 0,   1,  0, 0, 64, IPPROTO_ICMP, 0, 0,
			    192,  168, 0, 7,  172, 16, 3, 3, 8 };
	uint8_t rep[28];
	uint16_t c;
	struct rte_mbuf *m, *r;
	uint32_t tunnel = 0;

	(void)state;
	c = net_cksum(req, 20);
	memcpy(req + 10, &c, 2);
	c = net_cksum(req + 20, 8);
	memcpy(req + 22, &c, 2);
	m = bytes_mbuf(req, sizeof(req));
	assert_int_equal(nat_out(w, m, 11, 1, now), DROP_NONE);
	/* The cloud's reply: addresses swapped, type 0, the mapped identifier. */
	memcpy(rep, rte_pktmbuf_mtod(m, const uint8_t *), sizeof(rep));
	memcpy(rep + 12, rte_pktmbuf_mtod(m, const uint8_t *) + 16, 4);
	memcpy(rep + 16, rte_pktmbuf_mtod(m, const uint8_t *) + 12, 4);
	memset(rep + 10, 0, 2);
	c = net_cksum(rep, 20);
	memcpy(rep + 10, &c, 2);
	rep[20] = 0;
	memset(rep + 22, 0, 2);
	c = net_cksum(rep + 20, 8);
	memcpy(rep + 22, &c, 2);
	r = bytes_mbuf(rep, sizeof(rep));
	assert_int_equal(nat_in(w, r, now, &tunnel), DROP_NONE);
	assert_int_equal(tunnel, 11);
	/* RFC 1071 verification: the sum over the message, checksum included. */
	assert_int_equal(net_cksum(rte_pktmbuf_mtod(r, const uint8_t *) + 20, 8), 0);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(r);
}

static void
errors_from_cloud(void **state)
{
	static const struct {
		uint8_t type, code;
		size_t quote;
	} cases[] = {
		{ 3, 3, 28 }, /* RFC 792 minimum: IP header + 8 bytes */
		{ 3, 4, 0 },  /* the whole datagram, as RFC 1812 routers do */
		{ 11, 0, 48 },
	};
	uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP };

	(void)state;
	for (unsigned p = 0; p < RTE_DIM(protos); p++)
		for (unsigned i = 0; i < RTE_DIM(cases); i++) {
			struct spec s = { .proto = protos[p],
					  .src = A(192, 168, 0, 8),
					  .dst = A(172, 16, 4, 4),
					  .sport = (uint16_t)(3000 + p),
					  .dport = 8080,
					  .tcp_flags = 0x02,
					  .payload = 100,
					  .df = true };
			uint8_t orig[2048];
			size_t len = spec_write(orig, &s);
			struct rte_mbuf *m = bytes_mbuf(orig, len), *e;
			uint32_t tunnel = 0;
			size_t q;

			assert_int_equal(nat_out(w, m, 21 + p, 1, now), DROP_NONE);
			e = icmp_error_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), A(172, 16, 0, 1),
					    cases[i].type, cases[i].code, 1400, cases[i].quote);
			assert_int_equal(nat_in(w, e, now, &tunnel), DROP_NONE);
			assert_int_equal(tunnel, 21 + p);
			assert_int_equal(seen_mbuf(e).dst, s.src);
			assert_true(cksums_ok(rte_pktmbuf_mtod(e, const uint8_t *)));
			assert_int_equal(be16_at(e, 26), 1400);
			q = rte_pktmbuf_data_len(e) - 28;
			/* The quote is the branch's datagram again, as far as it
			 * goes (an 8-byte TCP quote stops before its checksum). */
			assert_memory_equal(rte_pktmbuf_mtod(e, uint8_t *) + 28, orig, q);
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(e);
		}
}

/* Errors that are not about a NAT session, or broken. */
static void
errors_refused(void **state)
{
	struct spec s = { .proto = IPPROTO_UDP,
			  .src = A(192, 168, 0, 9),
			  .dst = A(172, 16, 4, 4),
			  .sport = 3333,
			  .dport = 53,
			  .payload = 20 };
	struct rte_mbuf *m = spec_mbuf(&s), *e;
	uint8_t *inner;
	uint32_t tunnel;

	(void)state;
	assert_int_equal(nat_out(w, m, 1, 1, now), DROP_NONE);

	/* Quoting a mapped port no session holds. */
	e = icmp_error_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), A(172, 16, 0, 1), 3, 3, 0, 0);
	inner = rte_pktmbuf_mtod(e, uint8_t *) + 28;
	inner[20] ^= 0x02;
	assert_int_equal(nat_in(w, e, now, &tunnel), DROP_NAT_NO_SESSION);
	rte_pktmbuf_free(e);
	/* About the box's own traffic (IKE from the inside address). */
	e = icmp_error_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), A(172, 16, 0, 1), 3, 3, 0, 0);
	inner = rte_pktmbuf_mtod(e, uint8_t *) + 28;
	inner[20] = 0x01;
	inner[21] = 0xf4;
	assert_int_equal(nat_in(w, e, now, &tunnel), NAT_PASS);
	rte_pktmbuf_free(e);
	/* About a non-first fragment: no ports to look up. */
	e = icmp_error_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), A(172, 16, 0, 1), 11, 1, 0, 0);
	inner = rte_pktmbuf_mtod(e, uint8_t *) + 28;
	inner[7] = 0x10;
	assert_int_equal(nat_in(w, e, now, &tunnel), NAT_PASS);
	rte_pktmbuf_free(e);
	/* A quote too short to hold the ports. */
	e = icmp_error_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), A(172, 16, 0, 1), 3, 3, 0, 24);
	assert_int_equal(nat_in(w, e, now, &tunnel), DROP_NAT_MALFORMED);
	rte_pktmbuf_free(e);
	/* A branch reporting about a flow NAT never saw. */
	{
		struct spec r = { .proto = IPPROTO_UDP,
				  .src = A(172, 16, 4, 4),
				  .dst = A(192, 168, 0, 9),
				  .sport = 53,
				  .dport = 3334 };
		struct rte_mbuf *rm = spec_mbuf(&r);

		e = icmp_error_mbuf(rte_pktmbuf_mtod(rm, const uint8_t *), A(192, 168, 0, 9), 3, 3,
				    0, 0);
		assert_int_equal(nat_out(w, e, 1, 1, now), DROP_NAT_NO_SESSION);
		rte_pktmbuf_free(e);
		rte_pktmbuf_free(rm);
	}
	rte_pktmbuf_free(m);
}

/* Errors are no sign of life: they do not keep a session open. */
static void
errors_do_not_refresh(void **state)
{
	struct spec s = { .proto = IPPROTO_UDP,
			  .src = A(192, 168, 0, 10),
			  .dst = A(172, 16, 4, 4),
			  .sport = 4444,
			  .dport = 53,
			  .payload = 20 };
	struct rte_mbuf *m = spec_mbuf(&s), *e;
	uint32_t tunnel;
	uint64_t t0 = now;

	(void)state;
	assert_int_equal(nat_out(w, m, 1, 1, now), DROP_NONE);
	now = t0 + SEC(200);
	e = icmp_error_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), A(172, 16, 0, 1), 3, 3, 0, 0);
	assert_int_equal(nat_in(w, e, now, &tunnel), DROP_NONE);
	rte_pktmbuf_free(e);
	now = t0 + SEC(301);
	e = icmp_error_mbuf(rte_pktmbuf_mtod(m, const uint8_t *), A(172, 16, 0, 1), 3, 3, 0, 0);
	assert_int_equal(nat_in(w, e, now, &tunnel), DROP_NAT_NO_SESSION);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(echo_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(echo_all_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_from_cloud, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_do_not_refresh, setup, teardown),
	};

	test_eal_init("nat_icmp");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
