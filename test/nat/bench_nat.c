/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT benchmark (a meson benchmark, never a timed unit test): TSC cycles
 * per packet of nat_out()/nat_in() and their burst variants on 64-byte
 * frames (46-byte IPv4/UDP datagrams), with 1 session and with 1,000,000,
 * and the memory per session. For scale, in the same run: the esphub
 * crypto engine decrypting the ESP packets that carry such frames
 * (AES-CBC-128/HMAC-SHA1-96 and AES-GCM-128), plus the forwarding cost
 * bench_forward measured, if given.
 *
 *   bench_nat [--no-huge] [sessions [forward-cycles]]   (default 1000000, 0)
 *
 * Only the calls measured are inside the timed region; restoring the
 * packets between rounds is not.
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
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "nat.h"
#include "net.h"

#define BURST     32
#define DGRAM     46          /* 64-byte frame: 14 Ethernet + 46 IP + 4 FCS */
#define WINDOW    65536       /* packets prepared ahead (random flows) */
#define ROUNDS    20000       /* bursts per measurement */
#define POOL_ADDR 0xac10000au /* 172.16.0.10 */

static struct rte_mempool *pool;

/* --- datagrams ------------------------------------------------------------- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* A 46-byte UDP datagram with valid checksums. Host-order arguments. */
static void
dgram(uint8_t *ip, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	uint8_t ph[12];
	uint16_t c;
	uint32_t s = 0;

	memset(ip, 0, DGRAM);
	ip[0] = 0x45;
	put16(ip + 2, DGRAM);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	c = net_cksum(ip, 20);
	memcpy(ip + 10, &c, 2);
	put16(ip + 20, sport);
	put16(ip + 22, dport);
	put16(ip + 24, DGRAM - 20);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	put16(ph + 10, DGRAM - 20);
	for (unsigned i = 0; i < 12; i += 2)
		s += (uint32_t)ph[i] << 8 | ph[i + 1];
	for (unsigned i = 20; i < DGRAM; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(ip + 26, (uint16_t)~s ? (uint16_t)~s : 0xffff);
}

/* Flow f of the benchmark: 250 tunnels of the same /16, 64 servers. */
static void
flow_dgram(uint8_t *ip, uint32_t f)
{
	dgram(ip, 0x0a000000u + (f / 250) % 65536, (uint16_t)(1024 + f / (250 * 65536)),
	      0xac100100u + f % 64, 443);
}

static uint32_t
flow_tunnel(uint32_t f)
{
	return f % 250;
}

/* --- NAT ----------------------------------------------------------------- */

struct set {
	uint8_t ip[WINDOW][64]; /* prepared datagrams */
	uint32_t tunnel[WINDOW];
	uint32_t site[WINDOW];
};

static struct set *out_set, *in_set;

static struct {
	char what[48];
	double cycles;
} results[16];
static unsigned n_results;

static double
record(uint32_t sessions, const char *call, double cycles)
{
	if (n_results < RTE_DIM(results)) {
		snprintf(results[n_results].what, sizeof(results[0].what), "%s, %u session%s", call,
			 sessions, sessions == 1 ? "" : "s");
		results[n_results++].cycles = cycles;
	}
	return cycles;
}
static struct rte_mbuf *mb[BURST];

static void
load(const struct set *s, uint32_t at)
{
	for (unsigned i = 0; i < BURST; i++) {
		uint8_t *d = rte_pktmbuf_mtod(mb[i], uint8_t *);

		rte_prefetch0(s->ip[(at + i + BURST) % WINDOW]);
		memcpy(d, s->ip[(at + i) % WINDOW], DGRAM);
	}
}

/* Cycles per packet of one of four ways to call NAT over a prepared set. */
enum way { OUT_ONE, OUT_BURST, IN_ONE, IN_BURST };

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median over the bursts, per packet: this machine is shared, and a burst
 * that lost the CPU says nothing about NAT.
 */
static double
median_per_packet(uint64_t *per_burst)
{
	qsort(per_burst, ROUNDS, sizeof(*per_burst), cmp_u64);
	return (double)per_burst[ROUNDS / 2] / BURST;
}

static double
measure(struct nat_worker *nw, const struct set *s, enum way how)
{
	static uint64_t per_burst[ROUNDS];
	enum stats_drop rc[BURST];
	uint32_t tunnel[BURST];
	uint64_t bad = 0;
	uint32_t at = 0;

	for (unsigned r = 0; r < ROUNDS; r++, at += BURST) {
		uint64_t t0, t1;

		load(s, at);
		t0 = rte_rdtsc_precise();
		switch (how) {
		case OUT_ONE:
			for (unsigned i = 0; i < BURST; i++)
				rc[i] = nat_out(nw, mb[i], s->tunnel[(at + i) % WINDOW],
						s->site[(at + i) % WINDOW], t0);
			break;
		case OUT_BURST:
			nat_out_burst(nw, mb, &s->tunnel[at % WINDOW], &s->site[at % WINDOW], BURST,
				      t0, rc);
			break;
		case IN_ONE:
			for (unsigned i = 0; i < BURST; i++)
				rc[i] = nat_in(nw, mb[i], t0, &tunnel[i]);
			break;
		case IN_BURST:
			nat_in_burst(nw, mb, BURST, t0, tunnel, rc);
			break;
		}
		t1 = rte_rdtsc_precise();
		per_burst[r] = t1 - t0;
		for (unsigned i = 0; i < BURST; i++)
			bad += rc[i] != DROP_NONE;
	}
	if (bad != 0)
		printf("  (%" PRIu64 " packets not translated!)\n", bad);
	return median_per_packet(per_burst);
}

/* The rdtsc pair alone, to subtract. */
static double
overhead(void)
{
	static uint64_t per_burst[ROUNDS];

	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t t0 = rte_rdtsc_precise();

		per_burst[r] = rte_rdtsc_precise() - t0;
	}
	return median_per_packet(per_burst);
}

/*
 * Create n sessions (flows 0..n-1), then prepare WINDOW outbound datagrams
 * of random existing flows and the replies to them.
 */
static void
populate(struct nat_worker *nw, uint32_t n)
{
	uint8_t ip[64];
	uint64_t t0 = rte_rdtsc();

	for (uint32_t f = 0; f < n; f++) {
		struct rte_mbuf *m = mb[0];
		enum stats_drop rc;

		flow_dgram(ip, f);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), ip, DGRAM);
		rc = nat_out(nw, m, flow_tunnel(f), flow_tunnel(f) % 50, rte_rdtsc());
		if (rc != DROP_NONE) {
			printf("flow %u: %s\n", f, stats_drop_name(rc));
			exit(1);
		}
	}
	printf("  created %u sessions in %.0f ms (%.0f cycles each)\n", n,
	       (double)(rte_rdtsc() - t0) * 1000 / (double)rte_get_tsc_hz(),
	       (double)(rte_rdtsc() - t0) / n);
	srand(7);
	for (uint32_t i = 0; i < WINDOW; i++) {
		uint32_t f =
			n == 1 ? 0 : (uint32_t)(((uint64_t)rand() << 16 ^ (uint64_t)rand()) % n);
		uint8_t *o = out_set->ip[i], *r = in_set->ip[i];
		struct rte_mbuf *m = mb[0];
		uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
		uint32_t xaddr;
		uint16_t xport;

		flow_dgram(o, f);
		out_set->tunnel[i] = flow_tunnel(f);
		out_set->site[i] = flow_tunnel(f) % 50;
		/* Learn the mapping from a translated copy; the reply goes to it. */
		memcpy(d, o, DGRAM);
		nat_out(nw, m, out_set->tunnel[i], out_set->site[i], rte_rdtsc());
		xaddr = (uint32_t)d[12] << 24 | (uint32_t)d[13] << 16 | (uint32_t)d[14] << 8 |
			d[15];
		xport = (uint16_t)(d[20] << 8 | d[21]);
		dgram(r, 0xac100100u + f % 64, 443, xaddr, xport);
	}
}

static void
bench_nat(uint32_t sessions)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *nw;
	double ovh = overhead();

	nat_config_init(&c);
	c.capacity = RTE_MAX(sessions + sessions / 16, 1024u);
	c.site_cap = c.capacity;
	c.n_pools = 1;
	c.pools[0].n_addrs = 1;
	c.pools[0].addr[0] = POOL_ADDR;
	c.n_rules = 1;
	c.rules[0] = (struct nat_rule_config){
		.prefix = 0xac100000u, .plen = 16, .site = NAT_SITE_ANY, .pool = 0
	};
	nat = nat_create(&c);
	if (nat == NULL) {
		printf("nat_create: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	nw = nat_worker_get(nat, 0);
	printf("\n%u session(s), capacity %u: %zu bytes, %.1f bytes per session of capacity\n",
	       sessions, c.capacity, nat_memory(nat), (double)nat_memory(nat) / c.capacity);
	populate(nw, sessions);
	printf("  nat_out        %6.1f cycles/packet\n",
	       record(sessions, "nat_out", measure(nw, out_set, OUT_ONE) - ovh));
	printf("  nat_out_burst  %6.1f cycles/packet\n",
	       record(sessions, "nat_out_burst", measure(nw, out_set, OUT_BURST) - ovh));
	printf("  nat_in         %6.1f cycles/packet\n",
	       record(sessions, "nat_in", measure(nw, in_set, IN_ONE) - ovh));
	printf("  nat_in_burst   %6.1f cycles/packet\n",
	       record(sessions, "nat_in_burst", measure(nw, in_set, IN_BURST) - ovh));
	nat_free(nat);
}

#ifdef NAT_BENCH_BASELINE
#include "baseline.h"

/*
 * NAT's cycles against decrypt alone, and against decrypt plus a forward
 * cost given on the command line (bench_forward prints it).
 */
static void
compare(double fwd)
{
	struct baseline b;

	baseline_measure(&b);
	if (b.cbc < 0 || b.gcm < 0)
		return;
	printf("\nNAT per packet as a share of decrypt+forward (%.1f CBC/SHA1, %.1f GCM,"
	       " forward %.1f):\n",
	       b.cbc + fwd, b.gcm + fwd, fwd);
	for (unsigned i = 0; i < n_results; i++)
		printf("  %-34s %6.1f cycles  %5.1f%% (CBC/SHA1)  %5.1f%% (GCM)\n", results[i].what,
		       results[i].cycles, 100 * results[i].cycles / (b.cbc + fwd),
		       100 * results[i].cycles / (b.gcm + fwd));
}
#endif

int
main(int argc, char **argv)
{
	char prefix[64];
	/* Hugepages as in production (2 MiB pages keep the table's TLB
	 * footprint small); --no-huge measures 4 KiB pages instead. */
	bool huge = !(argc > 1 && strcmp(argv[1], "--no-huge") == 0);
	char *eal[] = { (char *)"bench_nat",
			(char *)"--no-pci",
			(char *)"-m",
			(char *)"1024",
			(char *)"-l",
			(char *)"0",
			(char *)"--file-prefix",
			prefix,
			(char *)"--log-level",
			(char *)"lib.eal:error",
			huge ? NULL : (char *)"--no-huge",
			NULL };
	int eal_argc = huge ? 10 : 11;
	uint32_t sessions;
	double fwd;

	if (!huge) {
		argc--;
		argv++;
	}
	sessions = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1000000;
	fwd = argc > 2 ? strtod(argv[2], NULL) : 0;
	snprintf(prefix, sizeof(prefix), "bench_nat_%d", (int)getpid());
	if (rte_eal_init(eal_argc, eal) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	pool = rte_pktmbuf_pool_create("bench", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	out_set = rte_zmalloc("out_set", sizeof(*out_set), 64);
	in_set = rte_zmalloc("in_set", sizeof(*in_set), 64);
	if (pool == NULL || out_set == NULL || in_set == NULL ||
	    rte_pktmbuf_alloc_bulk(pool, mb, BURST) != 0) {
		fprintf(stderr, "no memory\n");
		return 1;
	}
	for (unsigned i = 0; i < BURST; i++)
		rte_pktmbuf_append(mb[i], DGRAM);
	printf("TSC %.3f GHz; 64-byte frames (46-byte IPv4/UDP datagrams), bursts of %u;"
	       " %s; median of %u bursts\n",
	       (double)rte_get_tsc_hz() / 1e9, BURST, huge ? "hugepages" : "4 KiB pages", ROUNDS);
	bench_nat(1);
	if (sessions > 1)
		bench_nat(sessions);
#ifdef NAT_BENCH_BASELINE
	compare(fwd);
#endif
	rte_pktmbuf_free_bulk(mb, BURST);
	rte_eal_cleanup();
	return 0;
}
