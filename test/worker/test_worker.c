/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/worker through its public API, on ports backed by rings (what the
 * worker sends can be read back): IKE punts in two classes (issue 12 item
 * 9), so that a flood of spoofed new exchanges neither starves the IKE
 * SAs already up nor passes one source's rate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "net.h"
#include "worker.h"

#define WAN_ADDR  0xc6336401u /* 198.51.100.1 */
#define LAN_ADDR  0xac100001u /* 172.16.0.1 */
#define PUNT_SIZE 64
#define IKE_RATE  20

static struct rte_mempool *pool;

struct bed {
	struct worker_env env;
	struct worker *w;
	struct rte_ring *rx[2], *tx[2];
};

static uint16_t
ring_port(struct bed *b, unsigned i)
{
	static unsigned made;
	char name[32];
	struct rte_eth_conf conf = { 0 };
	int pid;

	made++;
	snprintf(name, sizeof(name), "wr%u", made);
	b->rx[i] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "wt%u", made);
	b->tx[i] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(b->rx[i]);
	assert_non_null(b->tx[i]);
	snprintf(name, sizeof(name), "net_ring_w%u", made);
	pid = rte_eth_from_rings(name, &b->rx[i], 1, &b->tx[i], 1, 0);
	assert_true(pid >= 0);
	assert_int_equal(rte_eth_dev_configure((uint16_t)pid, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup((uint16_t)pid, 0, 256, 0, NULL, pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup((uint16_t)pid, 0, 256, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start((uint16_t)pid), 0);
	return (uint16_t)pid;
}

static struct bed *
bed_create(void)
{
	static struct bed b;
	static unsigned n;
	char name[32];

	memset(&b, 0, sizeof(b));
	b.env.n_workers = 1;
	b.env.n_ports = 2;
	for (unsigned i = 0; i < 2; i++) {
		b.env.port[i] = (struct worker_port){ .port_id = ring_port(&b, i),
						      .mtu = 1500,
						      .plen = i ? 16 : 24,
						      .addr = i ? LAN_ADDR : WAN_ADDR,
						      .role = i ? WORKER_ROLE_INSIDE :
								  WORKER_ROLE_OUTSIDE };
		rte_eth_macaddr_get(b.env.port[i].port_id, &b.env.port[i].mac);
	}
	n++;
	snprintf(name, sizeof(name), "rt%u", n);
	b.env.routes = route_table_create(name, 64, 0, NULL);
	snprintf(name, sizeof(name), "nb%u", n);
	b.env.neigh = neigh_table_create(name, 64, 0, NULL);
	snprintf(name, sizeof(name), "punt%u", n);
	b.env.punt = rte_ring_create(name, PUNT_SIZE, 0, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "known%u", n);
	b.env.punt_known = rte_ring_create(name, PUNT_SIZE, 0, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "learn%u", n);
	b.env.learn =
		rte_ring_create_elem(name, sizeof(struct neigh_learn_msg), 64, 0, RING_F_SC_DEQ);
	b.env.cookies = worker_cookies_create(64, 0);
	b.env.ike_rate = IKE_RATE;
	b.env.qsbr = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), 64);
	b.env.pool = pool;
	b.env.engine = crypto_engine_find("ipsec_mb");
	b.env.sa = sa_db_create(&(struct sa_db_params){ .max_sas = 16,
							.max_tunnels = 16,
							.max_spd = 32,
							.n_workers = 1,
							.engine = b.env.engine,
							.socket_id = 0 });
	b.env.frag_entries = 64;
	b.env.max_sites = 16;
	assert_non_null(b.env.routes);
	assert_non_null(b.env.neigh);
	assert_non_null(b.env.punt);
	assert_non_null(b.env.punt_known);
	assert_non_null(b.env.learn);
	assert_non_null(b.env.cookies);
	assert_non_null(b.env.sa);
	assert_int_equal(rte_rcu_qsbr_init(b.env.qsbr, 1), 0);
	b.w = worker_create(&b.env, 0, 0);
	assert_non_null(b.w);
	return &b;
}

static void
drain(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

static void
bed_free(struct bed *b)
{
	unsigned in_use;

	drain(b->env.punt);
	drain(b->env.punt_known);
	worker_free(b->w);
	for (unsigned i = 0; i < 2; i++) {
		rte_eth_dev_stop(b->env.port[i].port_id);
		rte_eth_dev_close(b->env.port[i].port_id);
		drain(b->tx[i]);
		rte_ring_free(b->rx[i]);
		rte_ring_free(b->tx[i]);
	}
	sa_db_free(b->env.sa);
	worker_cookies_free(b->env.cookies);
	rte_ring_free(b->env.punt);
	rte_ring_free(b->env.punt_known);
	rte_ring_free(b->env.learn);
	route_table_free(b->env.routes);
	neigh_table_free(b->env.neigh);
	rte_free(b->env.qsbr);
	in_use = rte_mempool_in_use_count(pool);
	assert_int_equal(in_use, 0);
}

/* An IKE datagram (UDP dport, non-ESP marker on 4500) from src to the wan address. */
static struct rte_mbuf *
ike_frame(const struct bed *b, uint32_t src, uint16_t dport, uint64_t icookie, uint64_t rcookie)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint16_t marker = dport == 4500 ? 4 : 0, len = (uint16_t)(20 + 8 + marker + 28);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	uint8_t *udp;

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eh) + len));
	memset(eh, 0, sizeof(*eh) + len);
	eh->dst_addr = b->env.port[0].mac;
	eh->src_addr = (struct rte_ether_addr){ { 2, 0, 0, 0, 0, 9 } };
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16(len),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(src),
		.dst_addr = rte_cpu_to_be_32(WAN_ADDR),
	};
	ip->hdr_checksum = net_cksum(ip, 20);
	udp = (uint8_t *)(ip + 1);
	udp[0] = (uint8_t)(dport >> 8);
	udp[1] = (uint8_t)dport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[5] = (uint8_t)(len - 20);
	memcpy(udp + 8 + marker, &icookie, 8);
	memcpy(udp + 16 + marker, &rcookie, 8);
	return m;
}

static void
send1(struct bed *b, struct rte_mbuf *m)
{
	worker_input(b->w, 0, &m, 1);
}

static uint64_t
drop(struct bed *b, enum stats_drop d)
{
	return worker_stats(b->w)->drop[d];
}

/* One source beyond its rate is cut; another source is not held back. */
static void
punt_rate_per_source(void **state)
{
	struct bed *b = bed_create();
	uint64_t limited;

	(void)state;
	for (unsigned i = 0; i < 200; i++)
		send1(b, ike_frame(b, 0xcb007107, 500, 0x1000 + i, 0));
	/* A second's worth (the burst) and not many more: the test takes far
	 * less than a second. */
	assert_true(rte_ring_count(b->env.punt) >= IKE_RATE &&
		    rte_ring_count(b->env.punt) <= IKE_RATE + 2);
	assert_int_equal(drop(b, DROP_PUNT_RATE_LIMITED), 200 - rte_ring_count(b->env.punt));
	limited = drop(b, DROP_PUNT_RATE_LIMITED);
	/* Eight other sources: only one sharing the flooder's bucket (1 in
	 * 1024 each, keyed per worker) could be held back with it. */
	for (unsigned i = 0; i < 8; i++)
		send1(b, ike_frame(b, 0xcb007140 + i, 500, 0x9999, 0));
	assert_true(drop(b, DROP_PUNT_RATE_LIMITED) <= limited + 1);
	assert_true(rte_ring_count(b->env.punt) >= IKE_RATE + 7);
	bed_free(b);
}

/*
 * A flood from many sources fills the ring for new exchanges; a datagram
 * of an IKE SA the box knows (our cookie, either place; 500 or 4500) still
 * reaches the control core, and no longer once the SA is gone.
 */
static void
punt_known_first(void **state)
{
	struct bed *b = bed_create();
	uint64_t ours = 0x5ca1ab1e0ddba11ull, theirs = 0x1234567887654321ull;
	struct rte_mbuf *m = NULL;

	(void)state;
	for (unsigned i = 0; i < 4 * PUNT_SIZE; i++)
		send1(b, ike_frame(b, 0x0a000000 + i, 500, 0x2000 + i, 0));
	assert_int_equal(rte_ring_count(b->env.punt), PUNT_SIZE - 1);
	assert_int_equal(drop(b, DROP_PUNT_RING_FULL), 4 * PUNT_SIZE - (PUNT_SIZE - 1));

	assert_true(worker_cookies_add(b->env.cookies, (const uint8_t *)&ours));
	send1(b, ike_frame(b, 0xcb007150, 500, theirs, ours));  /* we answered */
	send1(b, ike_frame(b, 0xcb007151, 4500, ours, theirs)); /* we started it */
	assert_int_equal(rte_ring_count(b->env.punt_known), 2);
	assert_int_equal(worker_stats(b->w)->ctr[WCTR_PUNTED_KNOWN], 2);
	assert_int_equal(rte_ring_dequeue(b->env.punt_known, (void **)&m), 0);
	assert_int_equal(m->port, 0);
	rte_pktmbuf_free(m);

	worker_cookies_del(b->env.cookies, (const uint8_t *)&ours);
	send1(b, ike_frame(b, 0xcb007150, 500, theirs, ours));
	assert_int_equal(rte_ring_count(b->env.punt_known), 1);
	assert_int_equal(drop(b, DROP_PUNT_RING_FULL), 4 * PUNT_SIZE - (PUNT_SIZE - 1) + 1);
	bed_free(b);
}

/*
 * An established IKE SA's datagrams go first, but at most 64 a second on a
 * worker: whoever knows its cookie (the peer, or someone on its path)
 * cannot fill the ring for the other SAs.
 */
static void
punt_known_rate_per_sa(void **state)
{
	struct bed *b = bed_create();
	uint64_t loud = 0x1111222233334444ull, quiet = 0x5555666677778888ull;

	(void)state;
	assert_true(worker_cookies_add(b->env.cookies, (const uint8_t *)&loud));
	assert_true(worker_cookies_add(b->env.cookies, (const uint8_t *)&quiet));
	for (unsigned i = 0; i < 200; i++) {
		send1(b, ike_frame(b, 0xcb007160, 500, 0x77, loud));
		if (i % 16 == 15)
			drain(b->env.punt_known);
	}
	assert_true(worker_stats(b->w)->ctr[WCTR_PUNTED_KNOWN] >= 64 &&
		    worker_stats(b->w)->ctr[WCTR_PUNTED_KNOWN] <= 66);
	assert_int_equal(drop(b, DROP_PUNT_KNOWN_RATE),
			 200 - worker_stats(b->w)->ctr[WCTR_PUNTED_KNOWN]);
	assert_int_equal(drop(b, DROP_PUNT_KNOWN_RING_FULL), 0);
	send1(b, ike_frame(b, 0xcb007161, 500, 0x99, quiet));
	assert_int_equal(rte_ring_count(b->env.punt_known), 1);
	bed_free(b);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge",   "-m",          "512",           "--no-pci", "-l",
			"0",     "--log-level", "lib.*:error", "--file-prefix", prefix };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(punt_rate_per_source),
		cmocka_unit_test(punt_known_first),
		cmocka_unit_test(punt_known_rate_per_sa),
	};
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "test_worker%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("worker", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return 1;
	rc = cmocka_run_group_tests_name("worker", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
