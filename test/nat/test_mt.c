/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat with two workers on two lcores, replies and outbound packets
 * spread over both:
 *  - replies and later packets of flows one worker created, handled by
 *    the other;
 *  - both workers seeing the first packets of the same new flows at once;
 *  - a stress run with short timeouts (sessions expire and slots are
 *    reused under the readers' feet), flushes and CLI walks from a
 *    control thread, every translation checked by its reply.
 */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "helpers.h"

#define FLOWS 20000

struct flow {
	struct spec s;
	uint32_t tunnel;
	uint32_t site;
};

static struct nat *nat;
static struct rte_rcu_qsbr *qsbr;
static struct flow *flows;
static struct seen *mapped[2]; /* what each worker translated flow i to */
static volatile int go;
static uint64_t errors; /* failed checks, any thread */
static uint64_t tolerated;
static volatile uint32_t flush_count;

static void
check_failed(const char *what, unsigned i, int rc)
{
	if (__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED) < 10)
		fprintf(stderr, "lcore %u flow %u: %s (rc %d)\n", rte_lcore_id(), i, what, rc);
}

static void
flows_init(unsigned n, bool same_subnet)
{
	srand(4787);
	for (unsigned i = 0; i < n; i++) {
		static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP };
		struct flow *f = &flows[i];

		f->tunnel = i % 100;
		f->site = i % 10;
		f->s = (struct spec){
			.proto = protos[i % 3],
			/* Every tunnel reuses the same private addresses. */
			.src = A(192, 168, 0, 0) + (same_subnet ? (i / 100) % 256 : i % 256),
			.dst = A(172, 16, 1, 0) + i % 64,
			.sport = (uint16_t)(10000 + i / 25600 + (i % 25600) * 2),
			.dport = 443,
			.tcp_flags = 0x02,
			.payload = 16,
		};
	}
}

static struct nat *
make(unsigned capacity, uint32_t timeout_s, bool real_clock)
{
	struct nat_config c;
	struct nat *n;

	test_config(&c, 2, qsbr);
	c.capacity = capacity;
	c.site_cap = capacity;
	if (real_clock)
		c.tsc_hz = 0;
	for (unsigned t = 0; t < NAT_TMO_N; t++)
		c.timeout_s[t] = timeout_s;
	c.scan_period_ms = 200;
	n = nat_create(&c);
	assert_non_null(n);
	return n;
}

/* Translate flow i out on w; fill x with the result. */
static int
out_flow(struct nat_worker *w, unsigned i, uint64_t now, struct seen *x, uint8_t tcp_flags)
{
	struct spec s = flows[i].s;
	struct rte_mbuf *m;
	int rc;

	s.tcp_flags = tcp_flags;
	m = spec_mbuf(&s);
	if (m == NULL)
		return -1;
	rc = (int)nat_out(w, m, flows[i].tunnel, flows[i].site, now);
	if (rc == DROP_NONE)
		*x = seen_mbuf(m);
	rte_pktmbuf_free(m);
	return rc;
}

/* The reply to mapping x on w must come back as flow i, into its tunnel. */
static int
reply_flow(struct nat_worker *w, unsigned i, const struct seen *x, uint64_t now)
{
	struct spec r = { .proto = x->proto,
			  .src = x->dst,
			  .dst = x->src,
			  .sport = x->dport,
			  .dport = x->sport,
			  .tcp_flags = 0x12 };
	struct rte_mbuf *m;
	uint32_t tunnel = UINT32_MAX;
	struct seen b;
	int rc;

	if (x->proto == IPPROTO_ICMP)
		r.icmp_type = 0xff; /* not a request: only errors and replies come in */
	m = spec_mbuf(&r);
	if (m == NULL)
		return -1;
	if (x->proto == IPPROTO_ICMP) {
		uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);
		uint16_t ck;

		ip[20] = 0;
		ip[22] = ip[23] = 0;
		ck = l4_cksum_full(ip);
		ip[22] = (uint8_t)(ck >> 8);
		ip[23] = (uint8_t)ck;
	}
	rc = (int)nat_in(w, m, now, &tunnel);
	if (rc == DROP_NONE) {
		b = seen_mbuf(m);
		if (tunnel != flows[i].tunnel || b.dst != flows[i].s.src ||
		    b.dport != flows[i].s.sport || !cksums_ok(rte_pktmbuf_mtod(m, uint8_t *)))
			rc = -2;
	}
	rte_pktmbuf_free(m);
	return rc;
}

static void
wait_go(void)
{
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		rte_pause();
}

static void
qsbr_online(unsigned id)
{
	rte_rcu_qsbr_thread_register(qsbr, id);
	rte_rcu_qsbr_thread_online(qsbr, id);
}

static void
qsbr_offline(unsigned id)
{
	rte_rcu_qsbr_thread_offline(qsbr, id);
	rte_rcu_qsbr_thread_unregister(qsbr, id);
}

/* --- replies anywhere ------------------------------------------------------- */

static int
spread_worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	struct nat_worker *w = nat_worker_get(nat, me);
	uint64_t now = SEC(100);

	qsbr_online(me);
	wait_go();
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < FLOWS; i++) {
			struct seen x;
			int rc;

			if ((i + (unsigned)round) % 2 != me)
				continue;
			/* A later packet of flow i: same mapping as worker 0 gave. */
			rc = out_flow(w, i, now, &x, 0x10);
			if (rc != DROP_NONE || x.sport != mapped[0][i].sport ||
			    x.src != mapped[0][i].src)
				check_failed("later packet remapped", i, rc);
			rc = reply_flow(w, i, &mapped[0][i], now);
			if (rc != DROP_NONE)
				check_failed("reply not restored", i, rc);
			if (i % 32 == 0) {
				nat_worker_expire(w, now, 64);
				rte_rcu_qsbr_quiescent(qsbr, me);
			}
		}
	qsbr_offline(me);
	return 0;
}

static void
replies_on_any_worker(void **state)
{
	struct nat_worker *w0;

	(void)state;
	nat = make(1u << 17, 300, false);
	w0 = nat_worker_get(nat, 0);
	flows_init(FLOWS, true);
	for (unsigned i = 0; i < FLOWS; i++)
		assert_int_equal(out_flow(w0, i, SEC(100), &mapped[0][i], 0x02), DROP_NONE);
	go = 0;
	errors = 0;
	rte_eal_remote_launch(spread_worker, (void *)(uintptr_t)1, 1);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	spread_worker((void *)(uintptr_t)0);
	rte_eal_wait_lcore(1);
	assert_int_equal(errors, 0);
	nat_free(nat);
}

/* --- the first packet on both workers at once ---------------------------------- */

#define RACE_FLOWS 4000
static unsigned arrived[2];

/* Both workers start flow i together (a two-party spin barrier). */
static void
lockstep(unsigned me, unsigned i)
{
	__atomic_store_n(&arrived[me], i + 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&arrived[!me], __ATOMIC_ACQUIRE) < i + 1)
		rte_pause();
}

static int
race_worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	struct nat_worker *w = nat_worker_get(nat, me);

	qsbr_online(me);
	wait_go();
	for (unsigned i = 0; i < RACE_FLOWS; i++) {
		int rc;

		lockstep(me, i);
		rc = out_flow(w, i, SEC(100), &mapped[me][i], 0x02);

		if (rc != DROP_NONE)
			check_failed("first packet refused", i, rc);
		if (i % 32 == 0) {
			nat_worker_expire(w, SEC(100), 64);
			rte_rcu_qsbr_quiescent(qsbr, me);
		}
	}
	qsbr_offline(me);
	return 0;
}

static void
first_packet_race(void **state)
{
	struct nat_stats st;
	unsigned differ = 0;

	(void)state;
	nat = make(1u << 17, 300, false);
	flows_init(RACE_FLOWS, false);
	go = 0;
	errors = 0;
	arrived[0] = arrived[1] = 0;
	rte_eal_remote_launch(race_worker, (void *)(uintptr_t)1, 1);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	race_worker((void *)(uintptr_t)0);
	rte_eal_wait_lcore(1);
	assert_int_equal(errors, 0);

	for (unsigned i = 0; i < RACE_FLOWS; i++) {
		struct seen a, b;

		differ += mapped[0][i].sport != mapped[1][i].sport;
		/* Converged: both workers now translate the flow alike... */
		assert_int_equal(out_flow(nat_worker_get(nat, 0), i, SEC(101), &a, 0x10),
				 DROP_NONE);
		assert_int_equal(out_flow(nat_worker_get(nat, 1), i, SEC(101), &b, 0x10),
				 DROP_NONE);
		assert_int_equal(a.sport, b.sport);
		assert_int_equal(a.src, b.src);
		/* ...and the replies to what either gave out during the race
		 * come back (a superseded session still restores). */
		assert_int_equal(reply_flow(nat_worker_get(nat, 1), i, &mapped[0][i], SEC(101)),
				 DROP_NONE);
		assert_int_equal(reply_flow(nat_worker_get(nat, 0), i, &mapped[1][i], SEC(101)),
				 DROP_NONE);
	}
	nat_stats_get(nat, -1, &st);
	print_message("race: %" PRIu64 " sessions for %u flows, %" PRIu64 " races, %u flows mapped"
		      " differently during the race\n",
		      st.sessions, RACE_FLOWS, st.ctr[NAT_CTR_RACED], differ);
	assert_true(st.sessions >= RACE_FLOWS && st.sessions <= 2 * RACE_FLOWS);
	/* Sessions given up by worker 1 are freed; the rest stay. */
	assert_true(st.ctr[NAT_CTR_RACED] > 0);
	nat_free(nat);
}

/* --- stress: expiry, slot reuse, flushes, walks, all at once --------------------- */

#define STRESS_FLOWS 4096
static uint64_t stress_end;
static uint64_t last_use[STRESS_FLOWS];

static int
stress_worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	struct nat_worker *w = nat_worker_get(nat, me);
	uint64_t hz = rte_get_tsc_hz(), n = 0;
	uint32_t seed = 77 + me;

	qsbr_online(me);
	wait_go();
	while (rte_rdtsc() < stress_end) {
		/* Half the flows are busy; the others come back now and then,
		 * after their 1 s timeout, to a reused slot and maybe a new port. */
		unsigned i = (seed = seed * 1103515245 + 12345) >> 8;
		uint64_t now = rte_rdtsc(), prev;
		uint32_t flushes = __atomic_load_n(&flush_count, __ATOMIC_ACQUIRE);
		struct seen x;
		int rc;

		i %= STRESS_FLOWS;
		if (i >= STRESS_FLOWS / 2 && (n & 1023) != 0)
			i -= STRESS_FLOWS / 2;
		prev = __atomic_exchange_n(&last_use[i], now, __ATOMIC_RELAXED);
		rc = out_flow(w, i, now, &x, 0x02);
		if (rc == DROP_NONE)
			rc = reply_flow(w, i, &x, rte_rdtsc());
		if (rc != DROP_NONE) {
			/* Fine only if a flush came in between, or the session was
			 * right at its timeout while the other worker expired it. */
			bool at_timeout = now - prev > hz * 99 / 100 && now - prev < hz * 101 / 100;

			if (flushes != __atomic_load_n(&flush_count, __ATOMIC_ACQUIRE) ||
			    at_timeout)
				__atomic_fetch_add(&tolerated, 1, __ATOMIC_RELAXED);
			else
				check_failed("stress translation", i, rc);
		}
		if ((++n & 15) == 0) {
			nat_worker_expire(w, rte_rdtsc(), 64);
			rte_rcu_qsbr_quiescent(qsbr, me);
		}
	}
	qsbr_offline(me);
	return 0;
}

static int
count_row(const struct nat_session_info *si, void *arg)
{
	if (si->mapped_addr != POOL_ADDR || si->mapped_port < 1024 || si->tunnel >= 100)
		__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
	(*(unsigned *)arg)++;
	return 0;
}

static void *
control_thread(void *arg)
{
	unsigned rows = 0, walks = 0;

	(void)arg;
	wait_go();
	while (rte_rdtsc() < stress_end) {
		struct nat_stats st;

		usleep(50 * 1000);
		__atomic_fetch_add(&flush_count, 1, __ATOMIC_RELEASE);
		nat_flush_tunnel(nat, (uint32_t)(walks % 100));
		if (walks % 5 == 0)
			nat_flush_site(nat, walks % 10);
		__atomic_fetch_add(&flush_count, 1, __ATOMIC_RELEASE);
		nat_session_walk(nat, rte_rdtsc(), walks % 2 ? NAT_SITE_ANY : 3, 0, count_row,
				 &rows);
		nat_stats_get(nat, -1, &st);
		walks++;
	}
	print_message("control: %u walks, %u rows\n", walks, rows);
	return NULL;
}

static void
stress_expiry_and_reuse(void **state)
{
	pthread_t ctl;
	struct nat_stats st;

	(void)state;
	/* A table not much bigger than the working set: slots recycle. */
	nat = make(8192, 1, true);
	flows_init(STRESS_FLOWS, true);
	go = 0;
	errors = 0;
	stress_end = rte_rdtsc() + 3 * rte_get_tsc_hz();
	assert_int_equal(pthread_create(&ctl, NULL, control_thread, NULL), 0);
	rte_eal_remote_launch(stress_worker, (void *)(uintptr_t)1, 1);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	stress_worker((void *)(uintptr_t)0);
	rte_eal_wait_lcore(1);
	pthread_join(ctl, NULL);
	nat_stats_get(nat, -1, &st);
	print_message("stress: %" PRIu64 " out, %" PRIu64 " in, %" PRIu64 " created, %" PRIu64
		      " expired, %" PRIu64 " flushed, %" PRIu64 " raced, %" PRIu64 " tolerated\n",
		      st.ctr[NAT_CTR_OUT_XLATE], st.ctr[NAT_CTR_IN_XLATE], st.ctr[NAT_CTR_CREATED],
		      st.ctr[NAT_CTR_EXPIRED], st.ctr[NAT_CTR_FLUSHED], st.ctr[NAT_CTR_RACED],
		      tolerated);
	assert_int_equal(errors, 0);
	assert_true(st.ctr[NAT_CTR_EXPIRED] > 0);
	assert_true(st.ctr[NAT_CTR_FLUSHED] > 0);
	nat_free(nat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replies_on_any_worker),
		cmocka_unit_test(first_packet_race),
		cmocka_unit_test(stress_expiry_and_reuse),
	};
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	int rc;

	test_eal_init("nat_mt");
	if (rte_lcore_count() < 2) {
		fprintf(stderr, "needs 2 lcores\n");
		return 77;
	}
	qsbr = rte_zmalloc("qsbr", sz, RTE_CACHE_LINE_SIZE);
	flows = calloc(FLOWS, sizeof(*flows));
	mapped[0] = calloc(FLOWS, sizeof(struct seen));
	mapped[1] = calloc(FLOWS, sizeof(struct seen));
	if (qsbr == NULL || flows == NULL || mapped[0] == NULL || mapped[1] == NULL ||
	    rte_rcu_qsbr_init(qsbr, 2) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(flows);
	free(mapped[0]);
	free(mapped[1]);
	rte_free(qsbr);
	return rc;
}
