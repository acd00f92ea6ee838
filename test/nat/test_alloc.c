/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat allocation: rules, mapping behaviour (endpoint-independent,
 * paired pooling, overlapping branch subnets), port reuse beyond 64K
 * sessions per address, and every refusal: ports, table, site cap, bad
 * input, return traffic without a session. Plus the config checks and the
 * memory per session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "helpers.h"
#include "net.h"

static uint64_t now = SEC(100);

static struct nat *
make(struct nat_config *c)
{
	struct nat *nat = nat_create(c);

	assert_non_null(nat);
	return nat;
}

/* Send s out; the verdict, and what the packet looked like after. */
static enum stats_drop
out1(struct nat_worker *w, const struct spec *s, uint32_t tunnel, uint32_t site, struct seen *after)
{
	struct rte_mbuf *m = spec_mbuf(s);
	enum stats_drop rc = nat_out(w, m, tunnel, site, now);

	if (after != NULL)
		*after = seen_mbuf(m);
	rte_pktmbuf_free(m);
	return rc;
}

/* The reply of the cloud to a translated datagram; verdict and tunnel. */
static enum stats_drop
in1(struct nat_worker *w, const struct seen *x, uint32_t *tunnel, struct seen *after)
{
	struct spec r = { .proto = x->proto,
			  .src = x->dst,
			  .dst = x->src,
			  .sport = x->dport,
			  .dport = x->sport,
			  .tcp_flags = 0x12 };
	struct rte_mbuf *m;
	enum stats_drop rc;

	if (x->proto == IPPROTO_ICMP) {
		r.sport = x->sport;
		r.icmp_type = 0xff; /* patched to echo reply below */
	}
	m = spec_mbuf(&r);
	if (x->proto == IPPROTO_ICMP) {
		uint8_t *l4 = rte_pktmbuf_mtod(m, uint8_t *) + 20;

		l4[0] = 0;
		l4[2] = l4[3] = 0;
		l4[2] = (uint8_t)(l4_cksum_full(rte_pktmbuf_mtod(m, uint8_t *)) >> 8);
		l4[3] = (uint8_t)l4_cksum_full(rte_pktmbuf_mtod(m, uint8_t *));
	}
	rc = nat_in(w, m, now, tunnel);
	if (after != NULL)
		*after = seen_mbuf(m);
	rte_pktmbuf_free(m);
	return rc;
}

static struct spec
udp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	return (struct spec){ .proto = IPPROTO_UDP,
			      .src = src,
			      .dst = dst,
			      .sport = sport,
			      .dport = dport,
			      .payload = 8 };
}

static void
rules_decide(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	struct seen v;
	struct spec s = udp(A(192, 168, 0, 10), 5000, A(172, 16, 5, 1), 53);

	(void)state;
	test_config(&c, 1, NULL);
	c.n_pools = 2;
	c.pools[1].n_addrs = 1;
	c.pools[1].addr[0] = A(172, 16, 0, 11);
	/* Given least specific first: the NAT sorts them. */
	c.rules[1] = (struct nat_rule_config){ .prefix = A(172, 16, 5, 0),
					       .plen = 24,
					       .site = NAT_SITE_ANY,
					       .pool = NAT_RULE_NO_NAT };
	c.rules[2] = (struct nat_rule_config){
		.prefix = A(172, 16, 5, 0), .plen = 24, .site = 3, .pool = 1
	};
	c.n_rules = 3;
	nat = make(&c);
	w = nat_worker_get(nat, 0);

	/* 172.16.5/24 is carved out for every site but 3, which uses pool 1. */
	assert_int_equal(out1(w, &s, 1, 0, &v), NAT_PASS);
	assert_int_equal(v.src, s.src);
	assert_int_equal(out1(w, &s, 2, 3, &v), DROP_NONE);
	assert_int_equal(v.src, A(172, 16, 0, 11));
	/* The rest of 172.16/16: pool 0. Outside it: routed unchanged. */
	s.dst = A(172, 16, 6, 1);
	assert_int_equal(out1(w, &s, 1, 0, &v), DROP_NONE);
	assert_int_equal(v.src, POOL_ADDR);
	s.dst = A(10, 1, 1, 1);
	assert_int_equal(out1(w, &s, 1, 0, &v), NAT_PASS);
	assert_int_equal(v.src, s.src);
	nat_free(nat);
}

/* RFC 4787 REQ-1 and REQ-2: one endpoint, one mapping, whatever the destination. */
static void
endpoint_independent(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	struct seen first, v;
	unsigned used[4] = { 0 };

	(void)state;
	test_config(&c, 1, NULL);
	c.pools[0].n_addrs = 4;
	for (unsigned i = 0; i < 4; i++)
		c.pools[0].addr[i] = POOL_ADDR + i;
	nat = make(&c);
	w = nat_worker_get(nat, 0);

	for (unsigned d = 0; d < 200; d++) {
		struct spec s =
			udp(A(192, 168, 0, 10), 40001, CLOUD | (d + 1), (uint16_t)(1000 + d));

		assert_int_equal(out1(w, &s, 4, 0, d == 0 ? &first : &v), DROP_NONE);
		if (d == 0) {
			/* Parity preserved (REQ-4). */
			assert_int_equal(first.sport & 1, 40001 & 1);
			continue;
		}
		assert_int_equal(v.src, first.src);
		assert_int_equal(v.sport, first.sport);
	}
	/* Paired pooling: other inside hosts spread over the pool's addresses. */
	for (unsigned h = 0; h < 400; h++) {
		struct spec s = udp(A(192, 168, 1, 0) + h, 40001, A(172, 16, 9, 9), 53);

		assert_int_equal(out1(w, &s, 4, 0, &v), DROP_NONE);
		assert_true(v.src >= POOL_ADDR && v.src < POOL_ADDR + 4);
		used[v.src - POOL_ADDR]++;
	}
	for (unsigned i = 0; i < 4; i++)
		assert_true(used[i] > 50);
	nat_free(nat);
}

/* Two branches, one private subnet: each reply goes back into its tunnel. */
static void
overlapping_branches(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	struct seen a, b, back;
	uint32_t tunnel;

	(void)state;
	test_config(&c, 1, NULL);
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	for (unsigned d = 0; d < 50; d++) {
		struct spec s = { .proto = d % 2 ? IPPROTO_TCP : IPPROTO_ICMP,
				  .src = A(192, 168, 0, 10),
				  .dst = A(172, 16, 1, 1) + d % 3,
				  .sport = 5000,
				  .dport = 443,
				  .tcp_flags = 0x02,
				  .payload = 10 };

		assert_int_equal(out1(w, &s, 100, 1, &a), DROP_NONE);
		assert_int_equal(out1(w, &s, 200, 2, &b), DROP_NONE);
		assert_true(a.sport != b.sport || a.dst != b.dst || a.dport != b.dport);
		assert_int_equal(in1(w, &a, &tunnel, &back), DROP_NONE);
		assert_int_equal(tunnel, 100);
		assert_int_equal(back.dst, s.src);
		assert_int_equal(back.dport, 5000);
		assert_int_equal(in1(w, &b, &tunnel, &back), DROP_NONE);
		assert_int_equal(tunnel, 200);
		assert_int_equal(back.dst, s.src);
		assert_int_equal(back.dport, 5000);
	}
	nat_free(nat);
}

static int
cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * One pool address, 300,000 sessions: a mapped port is reused for other
 * destinations, and no cloud-side 5-tuple is used twice.
 */
static void
beyond_64k_per_address(void **state)
{
	enum { HOSTS = 1000, DESTS = 300 };
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	uint64_t *tuples = malloc(sizeof(uint64_t) * HOSTS * DESTS);
	struct nat_stats st;
	size_t n = 0;

	(void)state;
	test_config(&c, 1, NULL);
	c.capacity = 1u << 19;
	c.site_cap = c.capacity;
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	for (unsigned h = 0; h < HOSTS; h++)
		for (unsigned d = 0; d < DESTS; d++) {
			struct spec s = udp(A(192, 168, 0, 0) + h, (uint16_t)(30000 + h),
					    CLOUD | (d + 1), 443);
			struct seen v;

			assert_int_equal(out1(w, &s, 1, 0, &v), DROP_NONE);
			assert_int_equal(v.src, POOL_ADDR);
			tuples[n++] = (uint64_t)v.sport << 32 | v.dst;
		}
	qsort(tuples, n, sizeof(*tuples), cmp64);
	for (size_t i = 1; i < n; i++)
		assert_true(tuples[i] != tuples[i - 1]);
	nat_stats_get(nat, -1, &st);
	assert_int_equal(st.sessions, (uint64_t)HOSTS * DESTS);
	assert_int_equal(st.sessions_proto[NAT_PROTO_UDP], (uint64_t)HOSTS * DESTS);
	free(tuples);
	nat_free(nat);
}

/* A small port range toward one destination runs out: counted, no crash. */
static void
port_exhaustion(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	unsigned ok = 0, refused = 0;
	struct seen v;
	struct spec other = udp(A(192, 168, 3, 3), 999, A(172, 16, 2, 2), 53);

	(void)state;
	test_config(&c, 1, NULL);
	c.port_min = 2048;
	c.port_max = 2048 + 255;
	/* The range running out, not a site's share of it (test_share.c):
	 * each site may take the whole range, and four sites share it. */
	c.active_sites = 1;
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	for (unsigned h = 0; h < 400; h++) {
		struct spec s =
			udp(A(192, 168, 1, 0) + h, (uint16_t)(1000 + h), A(172, 16, 1, 1), 53);
		enum stats_drop rc = out1(w, &s, 1 + h % 4, h % 4, &v);

		if (rc == DROP_NONE) {
			ok++;
			assert_true(v.sport >= 2048 && v.sport <= 2048 + 255);
		} else {
			assert_int_equal(rc, DROP_NAT_PORTS);
			refused++;
		}
	}
	/* Probing gives up a little before the last free port. */
	assert_true(ok >= 230 && ok <= 256);
	assert_int_equal(ok + refused, 400);
	/* Other destinations still have every port. */
	assert_int_equal(out1(w, &other, 1, 0, &v), DROP_NONE);
	nat_free(nat);
}

static void
table_full_and_site_cap(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	unsigned i;

	(void)state;
	test_config(&c, 1, NULL);
	c.capacity = 1024;
	c.site_cap = 10;
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	for (i = 0; i < 10; i++) {
		struct spec s = udp(A(192, 168, 0, 1), (uint16_t)(2000 + i), A(172, 16, 1, 1), 53);

		assert_int_equal(out1(w, &s, 1, 7, NULL), DROP_NONE);
	}
	{
		struct spec s = udp(A(192, 168, 0, 1), 3000, A(172, 16, 1, 1), 53);

		assert_int_equal(out1(w, &s, 1, 7, NULL), DROP_NAT_SITE_CAP);
		assert_int_equal(nat_site_sessions(nat, 7), 10);
		/* Existing sessions of the capped site still translate. */
		s.sport = 2000;
		assert_int_equal(out1(w, &s, 1, 7, NULL), DROP_NONE);
	}
	/* Other sites fill the table; then it is full for everybody. */
	for (i = 0; i < 1024 - 10; i++) {
		struct spec s = udp(A(192, 168, 0, 2), (uint16_t)(2000 + i), A(172, 16, 1, 1), 53);

		assert_int_equal(out1(w, &s, 2, 100 + i / 5, NULL), DROP_NONE);
	}
	{
		struct spec s = udp(A(192, 168, 0, 3), 1, A(172, 16, 1, 1), 53);
		struct nat_stats st;

		assert_int_equal(out1(w, &s, 2, 1, NULL), DROP_NAT_TABLE_FULL);
		nat_stats_get(nat, -1, &st);
		assert_int_equal(st.sessions, 1024);
		assert_int_equal(st.ctr[NAT_CTR_CREATED], 1024);
	}
	/* Out-of-range ids are refused, not indexed. */
	{
		struct spec s = udp(A(192, 168, 0, 3), 1, A(172, 16, 1, 1), 53);

		assert_int_equal(out1(w, &s, c.max_tunnels, 1, NULL), DROP_NAT_SITE_CAP);
		assert_int_equal(out1(w, &s, 1, c.max_sites, NULL), DROP_NAT_SITE_CAP);
	}
	nat_free(nat);
}

/*
 * UDP 500 and 4500 of a pool address are IKE's: a range that covers them
 * never hands them out, and datagrams to them are passed to the box.
 */
static void
ike_ports_never_mapped(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	struct seen v;
	uint32_t tunnel;
	unsigned mapped = 0;

	(void)state;
	test_config(&c, 1, NULL);
	c.port_min = 4480;
	c.port_max = 4543;
	c.active_sites = 1; /* one site may fill the range */
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	/* Fill the range toward one remote: every port but 4500 may go. */
	for (unsigned i = 0; i < 80; i++) {
		struct spec s =
			udp(A(192, 168, 0, 1), (uint16_t)(1000 + i), A(172, 16, 1, 1), 4500);

		if (out1(w, &s, 1, 0, &v) != DROP_NONE)
			continue;
		mapped++;
		assert_int_not_equal(v.sport, 4500);
	}
	assert_in_range(mapped, 56, 63);
	{
		struct spec r = udp(A(172, 16, 1, 1), 4500, POOL_ADDR, 4500);
		struct rte_mbuf *m = spec_mbuf(&r);

		assert_int_equal(nat_in(w, m, now, &tunnel), NAT_PASS);
		rte_pktmbuf_free(m);
	}
	nat_free(nat);
}

/* Packets NAT will not translate, each with its reason. */
static void
refusals_out(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	struct spec s = udp(A(192, 168, 0, 1), 1234, A(172, 16, 1, 1), 53);
	uint8_t buf[2048];
	size_t len;
	struct rte_mbuf *m;

	(void)state;
	test_config(&c, 1, NULL);
	nat = make(&c);
	w = nat_worker_get(nat, 0);

	/* GRE, and an ICMP timestamp request: nothing to translate them by. */
	len = spec_write(buf, &s);
	buf[9] = 47;
	m = bytes_mbuf(buf, len);
	assert_int_equal(nat_out(w, m, 1, 0, now), DROP_NAT_UNSUPPORTED);
	rte_pktmbuf_free(m);
	s.proto = IPPROTO_ICMP;
	s.icmp_type = 13;
	assert_int_equal(out1(w, &s, 1, 0, NULL), DROP_NAT_UNSUPPORTED);
	/* An echo reply to no ping the cloud sent (cloud_opened_flows: to one). */
	s.icmp_type = 0xff;
	len = spec_write(buf, &s);
	buf[20] = 0;
	m = bytes_mbuf(buf, len);
	assert_int_equal(nat_out(w, m, 1, 0, now), DROP_NAT_NO_SESSION);
	rte_pktmbuf_free(m);

	/* A fragment; truncated L4; a bad header; a reset opening nothing. */
	s = udp(A(192, 168, 0, 1), 1234, A(172, 16, 1, 1), 53);
	len = spec_write(buf, &s);
	buf[6] = 0x20; /* MF */
	m = bytes_mbuf(buf, len);
	assert_int_equal(nat_out(w, m, 1, 0, now), DROP_NAT_FRAGMENT);
	rte_pktmbuf_free(m);
	s.proto = IPPROTO_TCP;
	s.payload = 0;
	len = spec_write(buf, &s);
	m = bytes_mbuf(buf, 20 + 12);
	rte_pktmbuf_mtod(m, uint8_t *)[3] = 32;
	assert_int_equal(nat_out(w, m, 1, 0, now), DROP_NAT_MALFORMED);
	rte_pktmbuf_free(m);
	m = bytes_mbuf(buf, 12);
	assert_int_equal(nat_out(w, m, 1, 0, now), DROP_NAT_MALFORMED);
	rte_pktmbuf_free(m);
	s.tcp_flags = 0x04;
	assert_int_equal(out1(w, &s, 1, 0, NULL), DROP_NAT_NO_SESSION);
	nat_free(nat);
}

/* nat_track() on a cloud -> branch datagram; its verdict. */
static enum stats_drop
track1(struct nat_worker *w, const struct spec *s, uint32_t tunnel, uint32_t site)
{
	struct rte_mbuf *m = spec_mbuf(s);
	enum stats_drop rc = nat_track(w, m, tunnel, site, now);

	rte_pktmbuf_free(m);
	return rc;
}

/* An echo reply from the branch (spec_write builds requests). */
static enum stats_drop
echo_reply_out(struct nat_worker *w, struct spec s, struct seen *after)
{
	uint8_t buf[256];
	size_t len;
	struct rte_mbuf *m;
	enum stats_drop rc;

	s.proto = IPPROTO_ICMP;
	len = spec_write(buf, &s);
	buf[20] = 0;
	buf[22] = buf[23] = 0;
	m = bytes_mbuf(buf, len);
	{
		uint16_t c = l4_cksum_full(rte_pktmbuf_mtod(m, uint8_t *));
		uint8_t *l4 = rte_pktmbuf_mtod(m, uint8_t *) + 20;

		l4[2] = (uint8_t)(c >> 8);
		l4[3] = (uint8_t)c;
	}
	rc = nat_out(w, m, 1, 0, now);
	if (after != NULL)
		*after = seen_mbuf(m);
	assert_true(cksums_ok(rte_pktmbuf_mtod(m, uint8_t *)));
	rte_pktmbuf_free(m);
	return rc;
}

static int
count_pass(const struct nat_session_info *si, void *arg)
{
	unsigned *n = arg;

	if (si->passthrough && strcmp(si->state, "established") == 0)
		n[0]++;
	n[1] += si->passthrough;
	return 0;
}

/*
 * Flows the cloud opens to a branch's own address: the branch's replies go
 * back unchanged (not masqueraded), until the pass-through session expires.
 */
static void
cloud_opened_flows(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	struct nat_stats st;
	struct seen v;
	const uint32_t cloud = A(172, 16, 1, 1), branch = A(192, 168, 0, 5);
	struct spec q = udp(cloud, 5353, branch, 53), r = udp(branch, 53, cloud, 5353);
	struct spec syn = { .proto = IPPROTO_TCP,
			    .src = cloud,
			    .dst = branch,
			    .sport = 40000,
			    .dport = 22,
			    .tcp_flags = 0x02 };
	struct spec synack = { .proto = IPPROTO_TCP,
			       .src = branch,
			       .dst = cloud,
			       .sport = 22,
			       .dport = 40000,
			       .tcp_flags = 0x12 };
	struct spec ping = { .proto = IPPROTO_ICMP, .src = cloud, .dst = branch, .sport = 77 };
	struct spec pong = { .src = branch, .dst = cloud, .sport = 77 };
	unsigned n[2] = { 0, 0 };

	(void)state;
	test_config(&c, 1, NULL);
	nat = make(&c);
	w = nat_worker_get(nat, 0);

	/* UDP: the query opens the flow; the answer passes unchanged. */
	assert_int_equal(track1(w, &q, 1, 0), DROP_NONE);
	assert_int_equal(out1(w, &r, 1, 0, &v), NAT_PASS);
	assert_int_equal(v.src, branch);
	assert_int_equal(v.sport, 53);
	/* The same branch port toward another cloud port is the branch's own flow. */
	r.dport = 5354;
	assert_int_equal(out1(w, &r, 1, 0, &v), DROP_NONE);
	assert_int_equal(v.src, POOL_ADDR);
	r.dport = 5353;
	/* TCP: only a SYN opens; the SYN-ACK passes; both SYNs make it established. */
	syn.tcp_flags = 0x10;
	assert_int_equal(track1(w, &syn, 1, 0), DROP_NONE);
	nat_stats_get(nat, -1, &st);
	assert_int_equal(st.ctr[NAT_CTR_CLOUD_OPENED], 1);
	syn.tcp_flags = 0x02;
	assert_int_equal(track1(w, &syn, 1, 0), DROP_NONE);
	assert_int_equal(out1(w, &synack, 1, 0, &v), NAT_PASS);
	assert_int_equal(v.src, branch);
	/* ICMP: the cloud's echo request opens, the branch's reply passes. */
	assert_int_equal(track1(w, &ping, 1, 0), DROP_NONE);
	assert_int_equal(echo_reply_out(w, pong, &v), NAT_PASS);
	assert_int_equal(v.src, branch);
	nat_stats_get(nat, -1, &st);
	assert_int_equal(st.ctr[NAT_CTR_CLOUD_OPENED], 3);
	assert_int_equal(st.ctr[NAT_CTR_OUT_PASS], 3);
	nat_session_walk(nat, now, NAT_SITE_ANY, 0, count_pass, n);
	assert_int_equal(n[1], 3);
	assert_int_equal(n[0], 1); /* the TCP connection */
	/* A source no rule covers needs nothing. */
	q.src = A(10, 1, 1, 1);
	assert_int_equal(track1(w, &q, 1, 0), DROP_NONE);
	nat_stats_get(nat, -1, &st);
	assert_int_equal(st.ctr[NAT_CTR_CLOUD_OPENED], 3);
	/* Idle past the UDP timeout: the answer is the branch's own flow again. */
	now += SEC(c.timeout_s[NAT_TMO_UDP] + 1);
	assert_int_equal(out1(w, &r, 1, 0, &v), DROP_NONE);
	assert_int_equal(v.src, POOL_ADDR);
	now -= SEC(c.timeout_s[NAT_TMO_UDP] + 1);
	nat_free(nat);
}

/* Return traffic: what is not NAT's passes, what has no session is dropped. */
static void
refusals_in(void **state)
{
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	struct spec s = udp(A(192, 168, 0, 1), 1234, A(172, 16, 1, 1), 53);
	struct seen x, y;
	uint32_t tunnel;

	(void)state;
	test_config(&c, 1, NULL);
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	assert_int_equal(out1(w, &s, 1, 0, &x), DROP_NONE);
	assert_int_equal(in1(w, &x, &tunnel, NULL), DROP_NONE);

	y = x;
	y.dst = A(172, 16, 1, 2); /* another remote: filtered (APDF) */
	assert_int_equal(in1(w, &y, &tunnel, NULL), DROP_NAT_NO_SESSION);
	y = x;
	y.dport = 54;
	assert_int_equal(in1(w, &y, &tunnel, NULL), DROP_NAT_NO_SESSION);
	y = x;
	y.sport = (uint16_t)(x.sport ^ 2); /* an unused mapped port */
	assert_int_equal(in1(w, &y, &tunnel, NULL), DROP_NAT_NO_SESSION);
	y = x;
	y.sport = 500; /* IKE: below the mapped range */
	assert_int_equal(in1(w, &y, &tunnel, NULL), NAT_PASS);
	y = x;
	y.src = A(172, 16, 0, 99); /* not a pool address */
	assert_int_equal(in1(w, &y, &tunnel, NULL), NAT_PASS);
	{
		/* Echo requests to the box are the box's. */
		struct spec e = { .proto = IPPROTO_ICMP,
				  .src = A(172, 16, 1, 1),
				  .dst = POOL_ADDR,
				  .sport = 7777,
				  .payload = 8 };
		struct rte_mbuf *m = spec_mbuf(&e);

		assert_int_equal(nat_in(w, m, now, &tunnel), NAT_PASS);
		rte_pktmbuf_free(m);
	}
	nat_free(nat);
}

/*
 * The burst calls give what the single calls give, packet by packet, over
 * more than one prefetch group: new flows (twice in a burst), existing
 * ones, traffic no rule masquerades, refusals; replies and strangers.
 */
static void
burst_matches_single(void **state)
{
	enum { N = 75 };
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	struct rte_mbuf *a[N], *b[N];
	uint32_t tunnel[N], site[N], ta[N], tb[N];
	enum stats_drop ra[N], rb[N];

	(void)state;
	test_config(&c, 1, NULL);
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	srand(32);
	for (unsigned i = 0; i < N; i++) {
		struct spec s = { .proto = (uint8_t)(i % 3 == 0 ? IPPROTO_TCP :
						     i % 3 == 1 ? IPPROTO_UDP :
								  IPPROTO_ICMP),
				  .src = A(192, 168, 0, 1 + i % 7),
				  .dst = A(172, 16, 1, 1 + i % 5),
				  .sport = (uint16_t)(2000 + i % 40),
				  .dport = 80,
				  .tcp_flags = 0x02,
				  .payload = 12 };
		uint8_t buf[2048];
		size_t len;

		if (i % 11 == 0)
			s.dst = A(10, 9, 9, 9); /* no rule */
		len = spec_write(buf, &s);
		if (i % 13 == 0)
			buf[9] = 47; /* GRE: refused */
		a[i] = bytes_mbuf(buf, len);
		b[i] = bytes_mbuf(buf, len);
		tunnel[i] = i % 3;
		site[i] = i % 2;
	}
	nat_out_burst(w, a, tunnel, site, N, now, ra);
	for (unsigned i = 0; i < N; i++) {
		rb[i] = nat_out(w, b[i], tunnel[i], site[i], now);
		assert_int_equal(ra[i], rb[i]);
		assert_memory_equal(rte_pktmbuf_mtod(a[i], uint8_t *),
				    rte_pktmbuf_mtod(b[i], uint8_t *), rte_pktmbuf_data_len(a[i]));
	}
	/* Replies to what went out, and to ports nobody holds. */
	for (unsigned i = 0; i < N; i++) {
		struct rte_mbuf *r = reply_mbuf(a[i], 0x12);

		if (i % 4 == 0)
			rte_pktmbuf_mtod(r, uint8_t *)[23] ^= 0x40;
		rte_pktmbuf_free(a[i]);
		rte_pktmbuf_free(b[i]);
		a[i] = r;
		b[i] = bytes_mbuf(rte_pktmbuf_mtod(r, uint8_t *), rte_pktmbuf_data_len(r));
	}
	nat_in_burst(w, a, N, now, ta, ra);
	for (unsigned i = 0; i < N; i++) {
		rb[i] = nat_in(w, b[i], now, &tb[i]);
		assert_int_equal(ra[i], rb[i]);
		if (ra[i] == DROP_NONE)
			assert_int_equal(ta[i], tb[i]);
		assert_memory_equal(rte_pktmbuf_mtod(a[i], uint8_t *),
				    rte_pktmbuf_mtod(b[i], uint8_t *), rte_pktmbuf_data_len(a[i]));
		rte_pktmbuf_free(a[i]);
		rte_pktmbuf_free(b[i]);
	}
	nat_free(nat);
}

static void
config_checks(void **state)
{
	struct nat_config c;
	char err[160];

	(void)state;
	test_config(&c, 1, NULL);
	assert_int_equal(nat_config_check(&c, err, sizeof(err)), 0);
	c.rules[0].pool = 3;
	assert_int_equal(nat_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "rules[0].pool"));
	/* The config is fine; creating it without the workers' QSBR is not. */
	test_config(&c, 2, NULL);
	assert_int_equal(nat_config_check(&c, err, sizeof(err)), 0);
	assert_null(nat_create(&c));
	assert_int_equal(rte_errno, EINVAL);
	test_config(&c, 1, NULL);
	c.rules[0].prefix = A(172, 16, 0, 1);
	assert_int_equal(nat_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "172.16.0.1/16"));
	test_config(&c, 1, NULL);
	c.pools[0].addr[0] = A(127, 0, 0, 1);
	assert_int_equal(nat_config_check(&c, err, sizeof(err)), -EINVAL);
	test_config(&c, 1, NULL);
	c.port_min = 60000;
	c.port_max = 60010;
	assert_int_equal(nat_config_check(&c, err, sizeof(err)), -EINVAL);
	test_config(&c, 1, NULL);
	c.timeout_s[NAT_TMO_TCP_EST] = 0;
	assert_int_equal(nat_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tcp_established"));
	assert_null(nat_create(&c));
}

/*
 * The target: 1,000,000 sessions in at most 128 MiB, hash tables and
 * every other allocation included, whatever the number of workers.
 */
static void
memory_per_session(void **state)
{
	static const unsigned workers[] = { 1, 2, 16 };
	struct rte_rcu_qsbr *v = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(16), 64);

	(void)state;
	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, 16), 0);
	for (unsigned i = 0; i < RTE_DIM(workers); i++) {
		struct nat_config c;
		struct nat *nat;
		size_t mem;

		test_config(&c, workers[i], v);
		c.capacity = 1000000;
		nat = make(&c);
		mem = nat_memory(nat);
		print_message("1,000,000 sessions, %2u workers: %zu bytes = %.1f MiB, "
			      "%.1f bytes/session\n",
			      workers[i], mem, (double)mem / (1 << 20), (double)mem / c.capacity);
		assert_true(mem <= 128u << 20);
		nat_free(nat);
	}
	rte_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_decide),
		cmocka_unit_test(endpoint_independent),
		cmocka_unit_test(overlapping_branches),
		cmocka_unit_test(beyond_64k_per_address),
		cmocka_unit_test(port_exhaustion),
		cmocka_unit_test(table_full_and_site_cap),
		cmocka_unit_test(ike_ports_never_mapped),
		cmocka_unit_test(refusals_out),
		cmocka_unit_test(refusals_in),
		cmocka_unit_test(cloud_opened_flows),
		cmocka_unit_test(burst_matches_single),
		cmocka_unit_test(config_checks),
		cmocka_unit_test(memory_per_session),
	};

	test_eal_init("nat_alloc");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
