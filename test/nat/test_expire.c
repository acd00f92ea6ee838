/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat time: idle timeouts per protocol and TCP state, the incremental
 * and paced expiry scan, flushes of a tunnel, a site, everything, and the
 * QSBR grace period before a slot is reused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_malloc.h>

#include "helpers.h"

static uint64_t now;
static struct nat *nat;
static struct nat_worker *w;

static void
start(struct nat_config *c)
{
	now = SEC(1000);
	nat = nat_create(c);
	assert_non_null(nat);
	w = nat_worker_get(nat, 0);
}

static void
start_default(void)
{
	struct nat_config c;

	test_config(&c, 1, NULL);
	start(&c);
}

static enum stats_drop
out1(const struct spec *s, uint32_t tunnel, uint32_t site, struct seen *after)
{
	struct rte_mbuf *m = spec_mbuf(s);
	enum stats_drop rc = nat_out(w, m, tunnel, site, now);

	if (after != NULL)
		*after = seen_mbuf(m);
	rte_pktmbuf_free(m);
	return rc;
}

/* The cloud answers x (a translated datagram) with tcp flags f. */
static enum stats_drop
in1(const struct seen *x, uint8_t f)
{
	struct spec r = { .proto = x->proto,
			  .src = x->dst,
			  .dst = x->src,
			  .sport = x->dport,
			  .dport = x->sport,
			  .tcp_flags = f };
	struct rte_mbuf *m;
	enum stats_drop rc;
	uint32_t tunnel;

	if (x->proto == IPPROTO_ICMP) {
		uint8_t *ip;

		r.sport = x->sport;
		m = spec_mbuf(&r);
		ip = rte_pktmbuf_mtod(m, uint8_t *);
		ip[20] = 0; /* echo reply */
		ip[22] = ip[23] = 0;
		ip[22] = (uint8_t)(l4_cksum_full(ip) >> 8);
		ip[23] = (uint8_t)l4_cksum_full(ip);
	} else {
		m = spec_mbuf(&r);
	}
	rc = nat_in(w, m, now, &tunnel);
	rte_pktmbuf_free(m);
	return rc;
}

static struct nat_stats
stats(void)
{
	struct nat_stats st;

	nat_stats_get(nat, -1, &st);
	return st;
}

/* Run the scan until a full pass is certainly done. */
static unsigned
sweep(void)
{
	unsigned freed = 0;

	for (int i = 0; i < 8; i++) {
		now += SEC(10);
		freed += nat_worker_expire(w, now, 1u << 22);
	}
	return freed;
}

static void
udp_and_icmp_timeouts(void **state)
{
	struct spec u = { .proto = IPPROTO_UDP,
			  .src = A(192, 168, 0, 5),
			  .dst = A(172, 16, 1, 1),
			  .sport = 4000,
			  .dport = 53 };
	struct spec p = { .proto = IPPROTO_ICMP,
			  .src = A(192, 168, 0, 5),
			  .dst = A(172, 16, 1, 1),
			  .sport = 77,
			  .payload = 56 };
	struct seen xu, xp;
	uint64_t t0;

	(void)state;
	start_default();
	assert_int_equal(out1(&u, 1, 0, &xu), DROP_NONE);
	assert_int_equal(out1(&p, 1, 0, &xp), DROP_NONE);
	t0 = now;
	/* Replies refresh (inbound refresh); 300 s UDP, 60 s ICMP. */
	now = t0 + SEC(59);
	assert_int_equal(in1(&xp, 0), DROP_NONE);
	assert_int_equal(in1(&xu, 0), DROP_NONE);
	now = t0 + SEC(59 + 61);
	assert_int_equal(in1(&xp, 0), DROP_NAT_NO_SESSION);
	now = t0 + SEC(59 + 299);
	assert_int_equal(in1(&xu, 0), DROP_NONE);
	now = t0 + SEC(59 + 299 + 301);
	assert_int_equal(in1(&xu, 0), DROP_NAT_NO_SESSION);
	/* Dead at once, freed by the scan. */
	assert_int_equal(stats().sessions, 2);
	assert_int_equal(sweep(), 2);
	assert_int_equal(stats().sessions, 0);
	assert_int_equal(stats().ctr[NAT_CTR_EXPIRED], 2);
	nat_free(nat);
}

static int
grab_state(const struct nat_session_info *si, void *arg)
{
	strcpy(arg, si->state);
	return 1;
}

/* The state of the first (only) live session. */
static const char *
state_of(void)
{
	static char st[32];

	st[0] = '\0';
	nat_session_walk(nat, now, NAT_SITE_ANY, 1, grab_state, st);
	return st;
}

static void
tcp_states(void **state)
{
	struct spec s = { .proto = IPPROTO_TCP,
			  .src = A(192, 168, 0, 5),
			  .dst = A(172, 16, 1, 1),
			  .sport = 4000,
			  .dport = 443,
			  .tcp_flags = 0x02 };
	struct seen x;
	uint64_t t;

	(void)state;
	start_default();
	assert_int_equal(out1(&s, 1, 0, &x), DROP_NONE);
	assert_string_equal(state_of(), "syn-sent");
	/* Transitory until the SYN-ACK: 240 s. */
	now += SEC(239);
	assert_int_equal(in1(&x, 0x12), DROP_NONE);
	assert_string_equal(state_of(), "established");
	/* Established: 2 h 4 min idle is still fine. */
	now += SEC(7439);
	s.tcp_flags = 0x10;
	assert_int_equal(out1(&s, 1, 0, NULL), DROP_NONE);
	/* FIN from the branch: still established (half-close may last). */
	s.tcp_flags = 0x11;
	assert_int_equal(out1(&s, 1, 0, NULL), DROP_NONE);
	assert_string_equal(state_of(), "half-closed");
	now += SEC(3600);
	assert_int_equal(in1(&x, 0x10), DROP_NONE);
	/* FIN from the cloud too: transitory again. */
	assert_int_equal(in1(&x, 0x11), DROP_NONE);
	assert_string_equal(state_of(), "closing");
	t = now;
	now = t + SEC(241);
	assert_int_equal(in1(&x, 0x10), DROP_NAT_NO_SESSION);
	/* A new SYN on the same 5-tuple before expiry reopens the session. */
	now = t + SEC(100);
	s.tcp_flags = 0x02;
	{
		struct seen again;

		assert_int_equal(out1(&s, 1, 0, &again), DROP_NONE);
		assert_int_equal(again.sport, x.sport);
	}
	assert_string_equal(state_of(), "syn-sent");
	assert_int_equal(stats().ctr[NAT_CTR_TCP_REOPEN], 1);
	/* A reset: transitory. */
	assert_int_equal(in1(&x, 0x14), DROP_NONE);
	assert_string_equal(state_of(), "reset");
	now += SEC(241);
	assert_int_equal(in1(&x, 0x10), DROP_NAT_NO_SESSION);
	nat_free(nat);
}

/* A flow picked up without its SYN is established once the cloud answers. */
static void
tcp_pickup(void **state)
{
	struct spec s = { .proto = IPPROTO_TCP,
			  .src = A(192, 168, 0, 5),
			  .dst = A(172, 16, 1, 1),
			  .sport = 4001,
			  .dport = 443,
			  .tcp_flags = 0x18 };
	struct seen x;

	(void)state;
	start_default();
	assert_int_equal(out1(&s, 1, 0, &x), DROP_NONE);
	assert_string_equal(state_of(), "opening");
	assert_int_equal(in1(&x, 0x10), DROP_NONE);
	assert_string_equal(state_of(), "established");
	nat_free(nat);
}

/* An expired session's port toward the same destination comes back. */
static void
expired_mapping_reused(void **state)
{
	struct spec s = { .proto = IPPROTO_UDP,
			  .src = A(192, 168, 0, 5),
			  .dst = A(172, 16, 1, 1),
			  .sport = 4000,
			  .dport = 53 };
	struct seen a, b;

	(void)state;
	start_default();
	assert_int_equal(out1(&s, 1, 0, &a), DROP_NONE);
	now += SEC(301);
	/* Not scanned yet: the dead session is freed on the spot. */
	assert_int_equal(out1(&s, 1, 0, &b), DROP_NONE);
	assert_int_equal(a.sport, b.sport);
	assert_int_equal(stats().sessions, 1);
	assert_int_equal(stats().ctr[NAT_CTR_EXPIRED], 1);
	nat_free(nat);
}

/* Bounded work per call, and paced to the scan period. */
static void
scan_incremental_and_paced(void **state)
{
	struct nat_config c;
	unsigned freed, calls = 0, last = 0;

	(void)state;
	test_config(&c, 1, NULL);
	c.capacity = 1u << 14;
	c.site_cap = c.capacity;
	c.scan_period_ms = 1000;
	start(&c);
	for (unsigned i = 0; i < 10000; i++) {
		struct spec s = { .proto = IPPROTO_UDP,
				  .src = A(192, 168, 0, 0) + i / 100,
				  .dst = A(172, 16, 1, 1) + i % 100,
				  .sport = 4000,
				  .dport = 53 };

		assert_int_equal(out1(&s, 1, 0, NULL), DROP_NONE);
	}
	now += SEC(301);
	/* 32768 buckets; 16 per call at most: each call frees a few. */
	nat_worker_expire(w, now, 0);
	for (freed = 0; freed < 10000 && calls < 100000; calls++) {
		unsigned f = nat_worker_expire(w, now + calls, 16);

		assert_true(f <= 16 * 4);
		freed += f;
		last = f > 0 ? calls : last;
	}
	assert_int_equal(freed, 10000);
	/* The clock pays 32768 buckets per 1000 ms: ~33 per ms, capped at 16. */
	assert_true(calls >= 32768 / 16 - 64);
	/* Without the clock moving there is nothing to do. */
	assert_int_equal(nat_worker_expire(w, now + calls, 1u << 20), 0);
	(void)last;
	nat_free(nat);
}

static void
flushes(void **state)
{
	struct seen x[30];
	unsigned i;

	(void)state;
	start_default();
	/* 10 sessions each: tunnel 1 of site 1, tunnel 2 of site 1, tunnel 3 of site 2. */
	for (i = 0; i < 30; i++) {
		struct spec s = { .proto = IPPROTO_UDP,
				  .src = A(192, 168, 0, 1),
				  .dst = A(172, 16, 1, 1),
				  .sport = (uint16_t)(1000 + i),
				  .dport = 53 };

		assert_int_equal(out1(&s, 1 + i / 10, i < 20 ? 1 : 2, &x[i]), DROP_NONE);
	}
	assert_int_equal(nat_flush_tunnel(nat, 1), 0);
	for (i = 0; i < 30; i++)
		assert_int_equal(in1(&x[i], 0), i < 10 ? DROP_NAT_NO_SESSION : DROP_NONE);
	/* Freed by the fast pass, without waiting for the scan period. */
	assert_int_equal(nat_worker_expire(w, now, 1u << 22), 10);
	assert_int_equal(nat_site_sessions(nat, 1), 10);
	assert_int_equal(stats().ctr[NAT_CTR_FLUSHED], 10);

	assert_int_equal(nat_flush_site(nat, 1), 0);
	for (i = 10; i < 30; i++)
		assert_int_equal(in1(&x[i], 0), i < 20 ? DROP_NAT_NO_SESSION : DROP_NONE);
	nat_flush_all(nat);
	assert_int_equal(in1(&x[25], 0), DROP_NAT_NO_SESSION);
	assert_int_equal(nat_worker_expire(w, now, 1u << 22), 20);
	assert_int_equal(stats().sessions, 0);
	assert_int_equal(nat_site_sessions(nat, 1) + nat_site_sessions(nat, 2), 0);
	/* The tunnel id comes back for a new child SA: fresh sessions work. */
	{
		struct spec s = { .proto = IPPROTO_UDP,
				  .src = A(192, 168, 0, 1),
				  .dst = A(172, 16, 1, 1),
				  .sport = 1000,
				  .dport = 53 };
		struct seen y;

		assert_int_equal(out1(&s, 1, 1, &y), DROP_NONE);
		assert_int_equal(in1(&y, 0), DROP_NONE);
	}
	assert_int_equal(nat_flush_tunnel(nat, 1u << 30), -EINVAL);
	assert_int_equal(nat_flush_site(nat, 1u << 30), -EINVAL);
	nat_free(nat);
}

/* A freed slot is not reused before every worker passed a quiescent state. */
static void
grace_period(void **state)
{
	struct nat_config c;
	struct rte_rcu_qsbr *v;
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct spec s = {
		.proto = IPPROTO_UDP, .src = A(192, 168, 0, 1), .dst = A(172, 16, 1, 1), .dport = 53
	};
	unsigned i;

	(void)state;
	v = rte_zmalloc("qsbr", sz, RTE_CACHE_LINE_SIZE);
	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, 1), 0);
	assert_int_equal(rte_rcu_qsbr_thread_register(v, 0), 0);
	rte_rcu_qsbr_thread_online(v, 0);
	test_config(&c, 1, v);
	c.capacity = 1024;
	c.site_cap = 1024;
	start(&c);
	for (i = 0; i < 1024; i++) {
		s.sport = (uint16_t)(1000 + i);
		assert_int_equal(out1(&s, 1, 0, NULL), DROP_NONE);
	}
	now += SEC(400);
	assert_int_equal(nat_worker_expire(w, now, 1u << 22), 1024);
	/* All dead and unlinked, but a reader may still stand on them. */
	s.sport = 9;
	s.dst = A(172, 16, 2, 2);
	assert_int_equal(out1(&s, 1, 0, NULL), DROP_NAT_TABLE_FULL);
	rte_rcu_qsbr_quiescent(v, 0);
	assert_int_equal(out1(&s, 1, 0, NULL), DROP_NONE);
	nat_free(nat);
	rte_rcu_qsbr_thread_offline(v, 0);
	rte_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(udp_and_icmp_timeouts),
		cmocka_unit_test(tcp_states),
		cmocka_unit_test(tcp_pickup),
		cmocka_unit_test(expired_mapping_reused),
		cmocka_unit_test(scan_incremental_and_paced),
		cmocka_unit_test(flushes),
		cmocka_unit_test(grace_period),
	};

	test_eal_init("nat_expire");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
