/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/worker's reassembly (reass.h), white-box: datagrams complete in any
 * order, owners never mix (two tunnels' fragments with the same addresses
 * and ID), every refusal drops the whole datagram under its reason, a
 * site holds at most its share, a table never holds more buffers than its
 * budget, nobody can aim at a bucket, and no mbuf is lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "reass.h"

#define SRC 0xc0a80002u    /* 192.168.0.2 */
#define DST 0xac10000au    /* 172.16.0.10 */
#define HZ  1000000000ull  /* the tests' clock: 1 tick = 1 ns */
#define U   REASS_MIN_FRAG /* the smallest fragment but the last */

static struct rte_mempool *pool;
static struct stats_worker st;
static unsigned baseline;

/* A fragment of datagram id: payload bytes [off, off + len) of a pattern ^ fill. */
static struct rte_mbuf *
frag(uint16_t id, uint16_t off, uint16_t len, bool more, uint8_t fill, struct net_ipv4_info *info)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;
	uint8_t *p;

	assert_non_null(m);
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(20 + len));
	assert_non_null(ip);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16(20 + len),
		.packet_id = rte_cpu_to_be_16(id),
		.fragment_offset =
			rte_cpu_to_be_16((uint16_t)(off / 8 | (more ? RTE_IPV4_HDR_MF_FLAG : 0))),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(SRC),
		.dst_addr = rte_cpu_to_be_32(DST),
	};
	ip->hdr_checksum = net_cksum(ip, 20);
	p = (uint8_t *)(ip + 1);
	for (uint16_t i = 0; i < len; i++)
		p[i] = (uint8_t)(off + i) ^ fill;
	assert_int_equal(net_ipv4_parse(ip, 20 + len, true, info), DROP_NONE);
	return m;
}

static struct rte_mbuf *
add_fill(struct reass *r, uint32_t owner, uint32_t site, uint16_t id, uint16_t off, uint16_t len,
	 bool more, uint64_t now, uint8_t fill)
{
	struct net_ipv4_info info;
	struct rte_mbuf *m = frag(id, off, len, more, fill, &info);

	return worker_reass_input(r, &st, owner, site, m, &info, now);
}

static struct rte_mbuf *
add(struct reass *r, uint32_t owner, uint32_t site, uint16_t id, uint16_t off, uint16_t len,
    bool more, uint64_t now)
{
	return add_fill(r, owner, site, id, off, len, more, now, 0);
}

static void
check_whole(struct rte_mbuf *m, uint16_t payload)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const uint8_t *p = (const uint8_t *)(ip + 1);
	struct net_ipv4_info info;

	assert_int_equal(rte_pktmbuf_pkt_len(m), 20 + payload);
	assert_int_equal(net_ipv4_parse(ip, rte_pktmbuf_data_len(m), true, &info), DROP_NONE);
	assert_false(info.fragment);
	assert_int_equal(info.tot_len, 20 + payload);
	for (uint16_t i = 0; i < payload; i++)
		assert_int_equal(p[i], (uint8_t)i);
	rte_pktmbuf_free(m);
}

static struct reass *
table_frags(uint32_t entries, uint32_t max_frags, uint32_t sites)
{
	struct reass *r = worker_reass_create("test_reass", entries, max_frags, sites, 2 * HZ, 0);

	assert_non_null(r);
	memset(&st, 0, sizeof(st));
	baseline = rte_mempool_in_use_count(pool);
	return r;
}

static struct reass *
table(uint32_t entries, uint32_t sites)
{
	return table_frags(entries, 4 * entries, sites);
}

static void
done(struct reass *r)
{
	worker_reass_free(r);
	assert_int_equal(rte_mempool_in_use_count(pool), baseline);
}

static void
any_order(void **state)
{
	struct reass *r = table(64, 0);

	(void)state;
	assert_null(add(r, 0, 0, 1, U, U, true, 1));
	assert_null(add(r, 0, 0, 1, 2 * U, 5, false, 2));
	check_whole(add(r, 0, 0, 1, 0, U, true, 3), 2 * U + 5);
	/* Last first. */
	assert_null(add(r, 0, 0, 2, U, 8, false, 4));
	check_whole(add(r, 0, 0, 2, 0, U, true, 5), U + 8);
	done(r);
}

/* Issue 12 item 3: one tunnel's first fragment and another's second. */
static void
owners_never_mix(void **state)
{
	struct reass *r = table(64, 16);

	(void)state;
	assert_null(add(r, 7, 1, 9, 0, U, true, 1));  /* tunnel 7 (site 1) */
	assert_null(add(r, 8, 2, 9, U, U, false, 2)); /* tunnel 8 (site 2) */
	/* Each completes only with its own. */
	check_whole(add(r, 8, 2, 9, 0, U, true, 3), 2 * U);
	check_whole(add(r, 7, 1, 9, U, U, false, 4), 2 * U);
	done(r);
}

static void
refusals(void **state)
{
	struct reass *r = table(64, 0);

	(void)state;
	/* Overlap: the whole datagram goes, both fragments counted. */
	assert_null(add(r, 0, 0, 1, 0, 2 * U, true, 1));
	assert_null(add(r, 0, 0, 1, U, 2 * U, true, 2));
	assert_int_equal(st.drop[DROP_REASS_OVERLAP], 2);
	/* A duplicate goes alone; the datagram still completes. */
	assert_null(add(r, 0, 0, 2, 0, U, true, 3));
	assert_null(add(r, 0, 0, 2, 0, U, true, 4));
	assert_int_equal(st.drop[DROP_REASS_DUPLICATE], 1);
	check_whole(add(r, 0, 0, 2, U, 4, false, 5), U + 4);
	/* A "duplicate" saying something else refuses the datagram. */
	assert_null(add(r, 0, 0, 3, 0, U, true, 6));
	assert_null(add_fill(r, 0, 0, 3, 0, U, true, 7, 0xff));
	assert_int_equal(st.drop[DROP_REASS_OVERLAP], 4);
	/* Two ends, or a fragment past the end. */
	assert_null(add(r, 0, 0, 4, U, U, false, 8));
	assert_null(add(r, 0, 0, 4, 2 * U, U, false, 9));
	assert_int_equal(st.drop[DROP_REASS_OVERLAP], 6);
	assert_null(add(r, 0, 0, 5, 4 * U, U, true, 10));
	assert_null(add(r, 0, 0, 5, U, U, false, 11));
	assert_int_equal(st.drop[DROP_REASS_OVERLAP], 8);
	/* Not a multiple of 8, or smaller than REASS_MIN_FRAG, before the end. */
	assert_null(add(r, 0, 0, 6, 0, U + 4, true, 12));
	assert_null(add(r, 0, 0, 6, 0, 8, true, 13));
	assert_int_equal(st.drop[DROP_REASS_MALFORMED], 2);
	/* More than REASS_MAX_FRAGS. */
	for (uint16_t i = 0; i < REASS_MAX_FRAGS; i++)
		assert_null(add(r, 0, 0, 7, (uint16_t)(U * i), U, true, 14));
	assert_null(add(r, 0, 0, 7, U * REASS_MAX_FRAGS, U, false, 15));
	assert_int_equal(st.drop[DROP_REASS_TOO_MANY], REASS_MAX_FRAGS + 1);
	/* Larger than the first fragment's buffer. */
	assert_null(add(r, 0, 0, 8, 0, 1024, true, 16));
	assert_null(add(r, 0, 0, 8, 1024, 1400, true, 17));
	assert_null(add(r, 0, 0, 8, 2424, 1000, false, 18));
	assert_int_equal(st.drop[DROP_REASS_TOO_BIG], 3);
	done(r);
}

static void
timeout_and_eviction(void **state)
{
	struct reass *r = table(16, 0); /* four buckets of four */

	(void)state;
	assert_null(add(r, 0, 0, 1, 0, U, true, 1));
	worker_reass_expire(r, &st, 1 + HZ, 64);
	assert_int_equal(st.drop[DROP_REASS_TIMEOUT], 0);
	worker_reass_expire(r, &st, 1 + 2 * HZ, 64);
	assert_int_equal(st.drop[DROP_REASS_TIMEOUT], 1);
	/* Sixteen ways in all: once every bucket is full, each new datagram
	 * evicts the oldest of its bucket. */
	for (uint16_t id = 100; id < 100 + 200; id++)
		assert_null(add(r, id, 0, id, 0, U, true, 10 + id));
	assert_int_equal(st.drop[DROP_REASS_EVICTED], 200 - 16);
	done(r);
}

/*
 * Buffers held are bounded, whatever the datagrams: fragments nobody
 * completes (a stranger's flood) never take more than the table's budget
 * of the packet pool.
 */
static void
buffer_budget(void **state)
{
	struct reass *r = table_frags(1024, 64, 0);

	(void)state;
	for (uint16_t id = 0; id < 500; id++) {
		assert_null(add(r, 0, 0, id, 0, U, true, 1 + id));
		assert_null(add(r, 0, 0, id, U, U, true, 1 + id));
		assert_true(rte_mempool_in_use_count(pool) - baseline <= 64);
	}
	assert_int_equal(st.drop[DROP_REASS_EVICTED], 1000 - 64);
	/* And a datagram still completes. */
	assert_null(add(r, 0, 0, 9999, 0, U, true, 600));
	check_whole(add(r, 0, 0, 9999, U, 8, false, 601), U + 8);
	done(r);
}

static void
site_share(void **state)
{
	/* Big enough that no bucket of 4 ways overflows by chance (the hash
	 * keys are random): an eviction would give back a share. */
	struct reass *r = table(4096, 4);

	(void)state;
	for (uint16_t id = 0; id < REASS_SITE_SHARE; id++)
		assert_null(add(r, 5, 3, id, 0, U, true, 1));
	assert_int_equal(st.drop[DROP_REASS_EVICTED], 0);
	assert_null(add(r, 5, 3, 99, 0, U, true, 2));
	assert_int_equal(st.drop[DROP_REASS_SITE_SHARE], 1);
	/* Another site of the same table is not held back ... */
	assert_null(add(r, 6, 2, 99, 0, U, true, 3));
	assert_int_equal(st.drop[DROP_REASS_SITE_SHARE], 1);
	/* ... and a completed datagram gives its share back. */
	check_whole(add(r, 5, 3, 0, U, 8, false, 4), U + 8);
	assert_null(add(r, 5, 3, 99, 0, U, true, 5));
	assert_int_equal(st.drop[DROP_REASS_SITE_SHARE], 1);
	done(r);
}

/*
 * Nobody aims at a bucket: these IP IDs shared a bucket of every table
 * when the hash was a CRC with a random seed (CRC is affine in the seed);
 * with secret multiply-shift keys they almost never do.
 */
static void
no_aiming(void **state)
{
	static const uint16_t aimed[] = { 1, 1688, 2829, 3476, 4224 };
	unsigned hit = 0;

	(void)state;
	for (unsigned t = 0; t < 100; t++) {
		struct reass *r = table(4096, 0);

		for (unsigned i = 0; i < RTE_DIM(aimed); i++) {
			struct net_ipv4_info info;
			struct rte_mbuf *m = frag(aimed[i], 0, U, true, 0, &info);
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

			/* The stranger and the box the IDs were aimed with. */
			ip->src_addr = rte_cpu_to_be_32(0xcb007109);
			ip->dst_addr = rte_cpu_to_be_32(0xc6336401);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = net_cksum(ip, 20);
			assert_int_equal(net_ipv4_parse(ip, 20 + U, true, &info), DROP_NONE);
			assert_null(worker_reass_input(r, &st, 0, 0, m, &info, 10 + i));
		}
		hit += st.drop[DROP_REASS_EVICTED] != 0;
		done(r);
	}
	assert_true(hit < 5);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge",   "-m",          "256",           "--no-pci", "-l",
			"0",     "--log-level", "lib.*:error", "--file-prefix", prefix };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(any_order),     cmocka_unit_test(owners_never_mix),
		cmocka_unit_test(refusals),      cmocka_unit_test(timeout_and_eviction),
		cmocka_unit_test(buffer_budget), cmocka_unit_test(site_share),
		cmocka_unit_test(no_aiming),
	};
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "test_reass%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0)
		return 1;
	/* 2 KiB buffers: the too-big case needs a datagram that cannot fit. */
	pool = rte_pktmbuf_pool_create("reass", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return 1;
	rc = cmocka_run_group_tests_name("reass", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
