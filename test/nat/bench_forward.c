/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker pipeline forwarding 64-byte frames between two net_null ports
 * (Ethernet, IPv4 checks, route, TTL, neighbour, TX): the "forward" part
 * of decrypt+forward that bench_nat compares NAT's cycles with. It follows
 * lib/worker's environment (struct worker_env), so it is built on demand
 * only: ninja -C BUILD test/nat/bench_forward && BUILD/test/nat/bench_forward
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "crypto.h"
#include "net.h"
#include "sa.h"
#include "worker.h"

#define BURST  32
#define ROUNDS 20000

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
port_setup(uint16_t pid, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };

	if (rte_eth_dev_configure(pid, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(pid, 0, 256, SOCKET_ID_ANY, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(pid, 0, 256, SOCKET_ID_ANY, NULL) != 0)
		return -1;
	return rte_eth_dev_start(pid);
}

/* Forward 64-byte frames from port 0 to a neighbour on port 1. */
static double
forward_cycles(struct rte_mempool *pool)
{
	static struct worker_env env;
	struct route_nh nh = { .port = 1, .connected = 1 };
	struct rte_ether_addr peer = { { 2, 0, 0, 0, 0, 1 } };
	struct rte_mbuf *m[BURST];
	struct worker *w;
	uint8_t frame[60];
	static uint64_t per_burst[ROUNDS];
	uint64_t cycles;
	size_t qs = rte_rcu_qsbr_get_memsize(1);

	if (rte_eth_dev_count_avail() < 2 || port_setup(0, pool) != 0 || port_setup(1, pool) != 0)
		return -1;
	env.n_workers = 1;
	env.n_ports = 2;
	/* Both inside: plain routing, no trust boundary crossed. */
	for (uint16_t p = 0; p < 2; p++) {
		env.port[p] = (struct worker_port){ .port_id = p,
						    .mtu = 1500,
						    .plen = 16,
						    .addr = p == 0 ? 0xc633640au : 0xac10000au,
						    .role = WORKER_ROLE_INSIDE };
		rte_eth_macaddr_get(p, &env.port[p].mac);
	}
	env.routes = route_table_create("bench_rt", 64, SOCKET_ID_ANY, NULL);
	env.neigh = neigh_table_create("bench_nb", 64, SOCKET_ID_ANY, NULL);
	env.punt = rte_ring_create("bench_punt", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	env.learn = rte_ring_create_elem("bench_learn", sizeof(struct neigh_learn_msg), 64,
					 SOCKET_ID_ANY, RING_F_SC_DEQ);
	env.qsbr = rte_zmalloc("bench_qsbr", qs, 64);
	env.pool = pool;
	env.engine = crypto_engine_find("ipsec_mb");
	env.sa = sa_db_create(&(struct sa_db_params){ .max_sas = 16,
						      .max_tunnels = 16,
						      .max_spd = 16,
						      .n_workers = 1,
						      .engine = env.engine,
						      .socket_id = SOCKET_ID_ANY });
	env.mss_clamp = WORKER_MSS_OFF;
	env.frag_entries = 64;
	if (env.routes == NULL || env.neigh == NULL || env.punt == NULL || env.learn == NULL ||
	    env.sa == NULL || env.qsbr == NULL || rte_rcu_qsbr_init(env.qsbr, 1) != 0 ||
	    route_add(env.routes, 0xac100000u, 16, &nh) != 0 ||
	    neigh_update(env.neigh, 1, 0xac100101u, &peer, true, 0) != 0)
		return -1;
	w = worker_create(&env, 0, SOCKET_ID_ANY);
	if (w == NULL)
		return -1;
	memset(frame, 0, sizeof(frame));
	memcpy(frame, &env.port[0].mac, 6);
	frame[12] = 0x08;
	{
		uint8_t *ip = frame + 14;
		uint16_t c;

		ip[0] = 0x45;
		ip[3] = 46;
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, (uint8_t[]){ 10, 0, 0, 1, 172, 16, 1, 1 }, 8);
		c = net_cksum(ip, 20);
		memcpy(ip + 10, &c, 2);
		ip[21] = 80;
		ip[23] = 80;
		ip[25] = 26;
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t t0;

		if (rte_pktmbuf_alloc_bulk(pool, m, BURST) != 0)
			return -1;
		for (unsigned i = 0; i < BURST; i++)
			memcpy(rte_pktmbuf_append(m[i], sizeof(frame)), frame, sizeof(frame));
		t0 = rte_rdtsc_precise();
		worker_input(w, 0, m, BURST);
		worker_flush(w);
		per_burst[r] = rte_rdtsc_precise() - t0;
	}
	/* The median burst: the machine is shared. */
	qsort(per_burst, ROUNDS, sizeof(per_burst[0]), cmp_u64);
	cycles = per_burst[ROUNDS / 2];
	{
		struct stats_worker *st = worker_stats(w);

		if (st->ctr[WCTR_FORWARDED] != (uint64_t)ROUNDS * BURST)
			printf("  (forward: %" PRIu64 " of %u forwarded)\n",
			       st->ctr[WCTR_FORWARDED], ROUNDS * BURST);
	}
	worker_free(w);
	return (double)cycles / BURST;
}

int
main(void)
{
	char prefix[64];
	char *eal[] = { (char *)"bench_forward",
			(char *)"--no-pci",
			(char *)"-m",
			(char *)"256",
			(char *)"-l",
			(char *)"0",
			(char *)"--file-prefix",
			prefix,
			(char *)"--log-level",
			(char *)"lib.eal:error",
			(char *)"--vdev=net_null0",
			(char *)"--vdev=net_null1",
			NULL };
	struct rte_mempool *pool;
	double c;

	snprintf(prefix, sizeof(prefix), "bench_fwd_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	pool = rte_pktmbuf_pool_create("bench", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		return 1;
	c = forward_cycles(pool);
	if (c < 0) {
		fprintf(stderr, "could not set up the worker\n");
		return 1;
	}
	printf("forward (worker_input + worker_flush, net_null, 64-byte frames): %.1f cycles/packet\n",
	       c);
	rte_eal_cleanup();
	return 0;
}
