/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sa: lifetimes and their events, the SPD, SA add/remove while a worker
 * runs (no SA used after it is freed), and 100,000 SAs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "sa.h"

static const struct crypto_engine *engine;

static struct sa_db *
db_create(uint32_t max_sas, uint32_t max_tunnels)
{
	struct sa_db_params p = {
		.max_sas = max_sas,
		.max_tunnels = max_tunnels,
		.max_spd = max_tunnels * 2,
		.n_workers = 1,
		.engine = engine,
		.socket_id = 0,
	};
	struct sa_db *db = sa_db_create(&p);

	assert_non_null(db);
	return db;
}

static void
params(struct sa_params *p, uint32_t spi, bool inbound, uint32_t tunnel)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->inbound = inbound;
	p->tunnel = tunnel;
	p->local_addr = 0xc6336401; /* 198.51.100.1 */
	p->peer_addr = 0xcb007100 + tunnel % 250 + 1;
	p->replay_window = inbound ? 1024 : 0;
	p->keys = (struct crypto_keys){
		.cipher = CRYPTO_CIPHER_AES_CBC,
		.integ = CRYPTO_INTEG_HMAC_SHA1_96,
		.cipher_key_len = 16,
		.integ_key_len = 20,
	};
	memset(p->keys.cipher_key, (int)spi, 16);
	p->n_local_ts = p->n_remote_ts = 1;
	p->local_ts[0] = (struct sa_ts){ 0xac100000, 16 };
	p->remote_ts[0] = (struct sa_ts){ 0x0a000000 + (tunnel << 8), 24 };
	p->outside_mtu = 1500;
}

static void
tunnel(struct sa_db *db, uint32_t t)
{
	struct sa_ts remote = { 0x0a000000 + (t << 8), 24 };

	assert_int_equal(sa_tunnel_add(db, t, t, &remote, 1), 0);
}

struct events {
	unsigned n[3];
	uint32_t last;
};

static void
on_event(void *arg, uint32_t id, enum sa_event ev)
{
	struct events *e = arg;

	e->n[ev]++;
	e->last = id;
}

static void
lifetimes(void **state)
{
	struct sa_db *db = db_create(64, 16);
	struct sa_counters *ctr = sa_worker_counters(sa_db_worker(db, 0));
	struct events ev = { 0 };
	struct sa_params p;
	uint32_t in, out, timed;
	struct sa *sa;

	(void)state;
	tunnel(db, 1);
	params(&p, 0x1001, true, 1);
	p.soft.bytes = 1000;
	p.hard.packets = 10;
	assert_int_equal(sa_add(db, &p, &in), 0);
	params(&p, 0x2001, false, 1);
	p.hard.packets = 100; /* outbound: counted by the sequence number */
	assert_int_equal(sa_add(db, &p, &out), 0);
	params(&p, 0x1002, true, 1);
	p.soft.seconds = 2;
	p.hard.seconds = 4;
	assert_int_equal(sa_add(db, &p, &timed), 0);

	sa_db_poll(db, 10000, on_event, &ev); /* clocks start */
	assert_int_equal(ev.n[SA_EVENT_SOFT] + ev.n[SA_EVENT_HARD], 0);

	ctr[in].bytes = 999;
	sa_db_poll(db, 10100, on_event, &ev);
	assert_int_equal(ev.n[SA_EVENT_SOFT], 0);
	ctr[in].bytes = 1000; /* soft bytes reached */
	sa_db_poll(db, 10200, on_event, &ev);
	assert_int_equal(ev.n[SA_EVENT_SOFT], 1);
	assert_int_equal(ev.last, in);
	sa_db_poll(db, 10300, on_event, &ev); /* reported once */
	assert_int_equal(ev.n[SA_EVENT_SOFT], 1);
	ctr[in].packets = 10; /* hard packets reached */
	sa_db_poll(db, 10400, on_event, &ev);
	assert_int_equal(ev.n[SA_EVENT_HARD], 1);
	assert_true(sa_db_get(db, in)->dead); /* workers stop using it at once */

	sa = (struct sa *)(uintptr_t)sa_db_get(db, out);
	sa->seq = 99;
	sa_db_poll(db, 10500, on_event, &ev);
	assert_int_equal(ev.n[SA_EVENT_HARD], 1);
	assert_int_equal(sa->seq_limit, 100); /* hard.packets caps the sequence */
	sa->seq = 100;
	sa_db_poll(db, 10600, on_event, &ev);
	assert_int_equal(ev.n[SA_EVENT_HARD], 2);
	assert_int_equal(ev.n[SA_EVENT_SEQ_EXHAUSTED], 1);

	sa_db_poll(db, 11900, on_event, &ev); /* 1.9 s */
	assert_int_equal(ev.n[SA_EVENT_SOFT], 1);
	sa_db_poll(db, 12000, on_event, &ev); /* 2 s: soft */
	assert_int_equal(ev.n[SA_EVENT_SOFT], 2);
	assert_int_equal(ev.last, timed);
	sa_db_poll(db, 14000, on_event, &ev); /* 4 s: hard */
	assert_int_equal(ev.n[SA_EVENT_HARD], 3);
	assert_true(sa_db_get(db, timed)->dead);
	sa_db_free(db);
}

static void
bad_params(void **state)
{
	struct sa_db *db = db_create(16, 4);
	struct sa_params p;
	uint32_t id;

	(void)state;
	tunnel(db, 0);
	params(&p, 255, true, 0);
	assert_int_equal(sa_add(db, &p, &id), -EINVAL); /* reserved SPI */
	params(&p, 0x1000, true, 3);
	assert_int_equal(sa_add(db, &p, &id), -EINVAL); /* no such tunnel */
	params(&p, 0x1000, true, 0);
	p.replay_window = 1000;
	assert_int_equal(sa_add(db, &p, &id), -EINVAL); /* not a power of two */
	params(&p, 0x1000, true, 0);
	p.esn = true;
	p.replay_window = 0;
	assert_int_equal(sa_add(db, &p, &id), -EINVAL); /* ESN needs a window */
	params(&p, 0x1000, true, 0);
	p.keys.cipher_key_len = 24;
	assert_int_not_equal(sa_add(db, &p, &id), 0); /* AES-192 unsupported */
	params(&p, 0x1000, true, 0);
	assert_int_equal(sa_add(db, &p, &id), 0);
	assert_int_equal(sa_add(db, &p, &id), -EEXIST);          /* same SPI and address */
	assert_int_equal(sa_tunnel_set_out(db, 0, id), -EINVAL); /* inbound SA */
	assert_int_equal(sa_db_count(db), 1);
	sa_db_free(db);
}

/* A NAT in front of the peer rebound: only UDP-encapsulated outbound SAs move. */
static void
peer_moves(void **state)
{
	struct sa_db *db = db_create(16, 4);
	struct sa_params p;
	uint32_t in, out, plain;

	(void)state;
	tunnel(db, 0);
	params(&p, 0x1000, true, 0);
	p.peer_port = 4500;
	p.local_port = 4500;
	assert_int_equal(sa_add(db, &p, &in), 0);
	params(&p, 0x2000, false, 0);
	p.peer_port = 4500;
	p.local_port = 4500;
	assert_int_equal(sa_add(db, &p, &out), 0);
	params(&p, 0x2001, false, 0);
	assert_int_equal(sa_add(db, &p, &plain), 0);
	assert_int_equal(sa_set_peer(db, out, 0xcb007163, 61234), 0);
	assert_int_equal(sa_db_get(db, out)->peer_addr, 0xcb007163);
	assert_int_equal(sa_db_get(db, out)->peer_port, 61234);
	assert_int_equal(sa_set_peer(db, in, 0xcb007163, 61234), -EINVAL);
	assert_int_equal(sa_set_peer(db, plain, 0xcb007163, 61234), -EINVAL);
	assert_int_equal(sa_set_peer(db, out, 0xcb007163, 0), -EINVAL);
	assert_int_equal(sa_set_peer(db, 15, 0xcb007163, 61234), -ENOENT);
	sa_db_free(db);
}

static void
spd_collect(const struct sa_ts *p, uint32_t tunnel, void *arg)
{
	struct {
		struct sa_ts p;
		uint32_t tunnel;
		unsigned n;
	} *rows = arg;

	rows->p = *p;
	rows->tunnel = tunnel;
	rows->n++;
}

static void
spd_longest_prefix(void **state)
{
	struct sa_db *db = db_create(16, 8);
	struct sa_worker *sw = sa_db_worker(db, 0);
	struct sa_ts a[] = { { 0x0a000000, 8 } }, b[] = { { 0x0a010000, 16 } },
		     c[] = { { 0x0a010200, 24 }, { 0xc0a80000, 24 } };

	(void)state;
	assert_int_equal(sa_tunnel_add(db, 1, 1, a, 1), 0);
	assert_int_equal(sa_tunnel_add(db, 2, 2, b, 1), 0);
	assert_int_equal(sa_tunnel_add(db, 3, 3, c, 2), 0);
	assert_int_equal(sa_tunnel_add(db, 4, 4, b, 1), -EEXIST); /* taken */
	assert_int_equal(sa_worker_spd(sw, 0x0a0a0a0a), 1);
	assert_int_equal(sa_worker_spd(sw, 0x0a01ff01), 2);
	assert_int_equal(sa_worker_spd(sw, 0x0a010203), 3);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), 3);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80105), SA_NONE);
	assert_int_equal(sa_tunnel_del(db, 3), 0);
	assert_int_equal(sa_worker_spd(sw, 0x0a010203), 2);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_NONE);
	sa_db_free(db);
}

/*
 * Protected prefixes (RFC 4301 s4.4.1): with no tunnel a branch subnet is
 * DISCARD, never bypass; a tunnel carries it while it lives; sites sharing
 * a subnet each hold it protected; a source in one is known as protected.
 */
static void
spd_protect_discard(void **state)
{
	struct sa_db *db = db_create(16, 8);
	struct sa_worker *sw = sa_db_worker(db, 0);
	struct sa_ts lan = { 0xc0a80000, 24 }, half = { 0xc0a80000, 25 }, wide = { 0x0a000000, 8 },
		     bad = { 0xc0a80001, 24 };
	struct {
		struct sa_ts p;
		uint32_t tunnel;
		unsigned n;
	} rows = { 0 };

	(void)state;
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_NONE);
	assert_false(sa_worker_protected(sw, 0xc0a80005));
	assert_int_equal(sa_spd_protect(db, &bad), -EINVAL);
	assert_int_equal(sa_spd_protect(db, &lan), 0);
	assert_int_equal(sa_spd_protect(db, &lan), 0); /* a second site */
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_DISCARD);
	assert_true(sa_worker_protected(sw, 0xc0a800ff));
	assert_false(sa_worker_protected(sw, 0xc0a80105));
	/* A narrower tunnel carries its half; the rest stays discarded. */
	assert_int_equal(sa_tunnel_add(db, 1, 1, &half, 1), 0);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), 1);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80085), SA_DISCARD);
	assert_int_equal(sa_tunnel_add(db, 2, 2, &lan, 1), 0);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80085), 2);
	/* Tunnels go: discard again, not bypass. */
	assert_int_equal(sa_tunnel_del(db, 2), 0);
	assert_int_equal(sa_tunnel_del(db, 1), 0);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_DISCARD);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80085), SA_DISCARD);
	/* show spd lists the discarded prefix once. */
	sa_db_spd_walk(db, spd_collect, &rows);
	assert_int_equal(rows.n, 1);
	assert_int_equal(rows.tunnel, SA_DISCARD);
	/* Protected until the last site lets go. */
	assert_int_equal(sa_spd_unprotect(db, &lan), 0);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_DISCARD);
	assert_int_equal(sa_spd_unprotect(db, &lan), 0);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_NONE);
	assert_false(sa_worker_protected(sw, 0xc0a80005));
	assert_int_equal(sa_spd_unprotect(db, &lan), -ENOENT);
	/* A prefix wider than a /16 covers every /16 under it. */
	assert_int_equal(sa_spd_protect(db, &wide), 0);
	assert_true(sa_worker_protected(sw, 0x0a000001));
	assert_true(sa_worker_protected(sw, 0x0affffff));
	assert_false(sa_worker_protected(sw, 0x0b000000));
	assert_int_equal(sa_spd_unprotect(db, &wide), 0);
	assert_false(sa_worker_protected(sw, 0x0a800001));
	sa_db_free(db);
}

/* --- add/remove while a worker runs ---------------------------------- */

#define CHURN_SPIS 64

struct churn {
	struct sa_worker *sw;
	volatile int stop;
	uint64_t lookups, hits, bad;
};

static int
churn_worker(void *arg)
{
	struct churn *c = arg;
	uint32_t spi[CHURN_SPIS], dst[CHURN_SPIS];
	struct sa *sa[CHURN_SPIS];

	for (unsigned i = 0; i < CHURN_SPIS; i++) {
		spi[i] = 0x1000 + i;
		dst[i] = 0xc6336401;
	}
	while (!c->stop) {
		sa_worker_apply(c->sw);
		sa_worker_lookup_in(c->sw, spi, dst, CHURN_SPIS, sa);
		c->lookups += CHURN_SPIS;
		for (unsigned i = 0; i < CHURN_SPIS; i++) {
			if (sa[i] == NULL)
				continue;
			c->hits++;
			/* A freed SA is poisoned; a recycled one has another SPI. */
			if (sa[i]->spi != spi[i] || sa[i]->replay.win != 1024)
				c->bad++;
		}
		sa_worker_tunnel_out(c->sw, 0);
	}
	return 0;
}

static void
add_remove_while_worker_runs(void **state)
{
	struct sa_db *db = db_create(4 * CHURN_SPIS, 4);
	struct churn c = { .sw = sa_db_worker(db, 0) };
	uint32_t id[CHURN_SPIS];
	bool have[CHURN_SPIS] = { 0 };
	unsigned lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	struct events ev = { 0 };
	struct sa_params p;
	uint64_t now = 1000;

	(void)state;
	assert_true(lcore < RTE_MAX_LCORE);
	tunnel(db, 0);
	sa_db_set_running(db, true);
	assert_int_equal(rte_eal_remote_launch(churn_worker, &c, lcore), 0);
	srand(42);
	for (int iter = 0; iter < 20000; iter++) {
		unsigned k = (unsigned)rand() % CHURN_SPIS;

		if (have[k]) {
			assert_int_equal(sa_del(db, id[k]), 0);
			have[k] = false;
		} else {
			params(&p, 0x1000 + k, true, 0);
			assert_int_equal(sa_add(db, &p, &id[k]), 0);
			have[k] = true;
		}
		if (iter % 16 == 0)
			sa_db_poll(db, now += 10, on_event, &ev); /* frees what workers let go */
	}
	c.stop = 1;
	rte_eal_wait_lcore(lcore);
	sa_db_set_running(db, false);
	assert_true(c.hits > 0);
	assert_int_equal(c.bad, 0);
	printf("# %lu lookups, %lu hits, none of a freed or recycled SA\n",
	       (unsigned long)c.lookups, (unsigned long)c.hits);
	for (unsigned k = 0; k < CHURN_SPIS; k++)
		if (have[k])
			assert_int_equal(sa_del(db, id[k]), 0);
	sa_db_poll(db, now += 10, on_event, &ev);
	assert_int_equal(sa_db_count(db), 0);
	sa_db_free(db);
}

/* --- capacity ------------------------------------------------------------ */

static void
hundred_thousand_sas(void **state)
{
	const uint32_t tunnels = 50000;
	struct sa_db *db = db_create(2 * tunnels, tunnels);
	struct sa_worker *sw = sa_db_worker(db, 0);
	struct events ev = { 0 };
	struct sa_params p;
	uint32_t in, out;

	(void)state;
	for (uint32_t t = 0; t < tunnels; t++) {
		struct sa_ts remote = { 0x0a000000 + (t << 8), 24 };

		assert_int_equal(sa_tunnel_add(db, t, t, &remote, 1), 0);
		params(&p, 0x10000 + t, true, t);
		assert_int_equal(sa_add(db, &p, &in), 0);
		params(&p, 0x80000 + t, false, t);
		assert_int_equal(sa_add(db, &p, &out), 0);
		assert_int_equal(sa_tunnel_set_out(db, t, out), 0);
	}
	assert_int_equal(sa_db_count(db), 2 * tunnels);
	params(&p, 0xfffffff, true, 0);
	assert_int_equal(sa_add(db, &p, &in), -ENOSPC); /* full */
	printf("# 100000 SAs: %zu bytes, %zu per SA\n", sa_db_memory(db),
	       sa_db_memory(db) / (2 * tunnels));

	for (uint32_t t = 0; t < tunnels; t += 7) {
		uint32_t spi = 0x10000 + t, dst = 0xc6336401;
		struct sa *sa;

		sa_worker_lookup_in(sw, &spi, &dst, 1, &sa);
		assert_non_null(sa);
		assert_int_equal(sa->tunnel, t);
		assert_int_equal(sa_worker_spd(sw, 0x0a000000 + (t << 8) + 9), t);
		assert_int_equal(sa_worker_tunnel_out(sw, t)->spi, 0x80000 + t);
	}
	for (uint32_t id = 0; id < 2 * tunnels; id++)
		assert_int_equal(sa_del(db, id), 0);
	sa_db_poll(db, 1000, on_event, &ev);
	assert_int_equal(sa_db_count(db), 0);
	sa_db_free(db);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge",   "-m",          "1024",          "--no-pci", "-l",
			"0-1",   "--log-level", "lib.*:error", "--file-prefix", prefix };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifetimes),
		cmocka_unit_test(bad_params),
		cmocka_unit_test(peer_moves),
		cmocka_unit_test(spd_longest_prefix),
		cmocka_unit_test(spd_protect_discard),
		cmocka_unit_test(add_remove_while_worker_runs),
		cmocka_unit_test(hundred_thousand_sas),
	};
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "test_sa%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	engine = crypto_engine_find("ipsec_mb");
	rc = cmocka_run_group_tests_name("sa", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
