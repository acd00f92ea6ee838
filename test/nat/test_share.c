/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/nat sharing (issue 12, item 4): one branch cannot take every mapped
 * port toward a destination. A site's 5-tuples toward one remote (address,
 * port, protocol; ICMP: address) are capped at its share of a worker's
 * ports (nat/site-dest-cap), so other sites still get theirs; the share
 * comes back as sessions expire or are flushed; it is per remote, per
 * worker, and pass-through sessions take none. Plus the config rules that
 * make the default caps an even split among active_sites sites.
 *
 * The packet tests use only what main already had (refusals are compared
 * by name), so they can be run against it: there, the second site's flows
 * are refused as ports-exhausted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "helpers.h"

/* With the defaults: 64512 ports (1024-65535) among 16 active sites. */
#define SHARE ((65535 - 1024 + 1) / 16)

static uint64_t now = SEC(100);

/* The verdict by name, so a failure says which refusal it was. */
static const char *
verdict(enum stats_drop rc)
{
	return rc == DROP_NONE ? "translated" : rc == NAT_PASS ? "passed" : stats_drop_name(rc);
}

static const char *
out1(struct nat_worker *w, const struct spec *s, uint32_t tunnel, uint32_t site)
{
	struct rte_mbuf *m = spec_mbuf(s);
	enum stats_drop rc = nat_out(w, m, tunnel, site, now);

	rte_pktmbuf_free(m);
	return verdict(rc);
}

/* What a branch router relaying DNS does: one host, a new port per query. */
static struct spec
query(uint16_t sport, uint32_t dst, uint16_t dport)
{
	return (struct spec){ .proto = IPPROTO_UDP,
			      .src = A(192, 168, 0, 1),
			      .dst = dst,
			      .sport = sport,
			      .dport = dport,
			      .payload = 30 };
}

static struct spec
ping(uint16_t id, uint32_t dst)
{
	return (struct spec){ .proto = IPPROTO_ICMP,
			      .src = A(192, 168, 0, 1),
			      .dst = dst,
			      .sport = id,
			      .payload = 56 };
}

/*
 * A site tries new flows like s, from inside ports (or identifiers)
 * from, from + 1, ... (60000 per inside host, then the next host). How many
 * were translated; why the others were not ("translated" if none was
 * refused, "mixed" if for different reasons).
 */
static unsigned
fill(struct nat_worker *w, struct spec s, uint32_t tunnel, uint32_t site, uint16_t from,
     unsigned tries, const char **why)
{
	const uint32_t host = s.src;
	unsigned n = 0;

	*why = NULL;
	for (unsigned i = 0; i < tries; i++) {
		const char *v;

		s.src = host + i / 60000;
		s.sport = (uint16_t)(from + i % 60000);
		v = out1(w, &s, tunnel, site);
		if (strcmp(v, "translated") == 0)
			n++;
		else if (*why == NULL)
			*why = v;
		else if (strcmp(*why, v) != 0)
			*why = "mixed";
	}
	if (*why == NULL)
		*why = "translated";
	return n;
}

static struct nat *
make(struct nat_config *c)
{
	struct nat *nat = nat_create(c);

	assert_non_null(nat);
	return nat;
}

/*
 * The case: a site opens UDP flows to one DNS server from ever new
 * ports. It gets its share, then nat/site-dest-cap; the other sites, with
 * the same private subnet, still get theirs toward the same server.
 */
static void
one_site_cannot_take_every_port(void **state)
{
	const uint32_t dns = A(172, 16, 1, 53);
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	const char *why;
	unsigned n;
	struct spec s;

	(void)state;
	test_config(&c, 1, NULL);
	nat = make(&c);
	w = nat_worker_get(nat, 0);

	/* A relay under load keeps trying: twice the range. */
	n = fill(w, query(0, dns, 53), 1, 1, 1024, 2 * 64512, &why);
	print_message("site 1: %u flows to one server, the others refused: %s\n", n, why);
	/* Site 2 first: on main this is where it fails (ports-exhausted). */
	s = query(40000, dns, 53);
	assert_string_equal(out1(w, &s, 2, 2), "translated");
	assert_string_equal(why, "site-dest-cap");
	assert_int_equal(n, SHARE);
	assert_int_equal(nat_site_sessions(nat, 1), SHARE);
	/* Site 2's share is its own, whole; then it is capped too. */
	n = fill(w, query(0, dns, 53), 2, 2, 1024, SHARE + 100, &why);
	assert_int_equal(n, SHARE - 1);
	assert_string_equal(why, "site-dest-cap");
	s = query(40000, dns, 53);
	assert_string_equal(out1(w, &s, 3, 3), "translated");
	/* Site 1's flows keep working; other remotes are other shares. */
	s = query(1024, dns, 53);
	assert_string_equal(out1(w, &s, 1, 1), "translated");
	s = query(60000, dns, 5353);
	assert_string_equal(out1(w, &s, 1, 1), "translated");
	s = query(60000, dns + 1, 53);
	assert_string_equal(out1(w, &s, 1, 1), "translated");
	s.proto = IPPROTO_TCP;
	s.tcp_flags = 0x02;
	s.dst = dns;
	assert_string_equal(out1(w, &s, 1, 1), "translated");
	nat_free(nat);
}

/* ICMP echo: the identifier is the port; one site pings one host. */
static void
echo_identifiers_shared(void **state)
{
	const uint32_t host = A(172, 16, 7, 7);
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	const char *why;
	unsigned n;
	struct spec s;

	(void)state;
	test_config(&c, 1, NULL);
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	n = fill(w, ping(0, host), 1, 1, 1, 2 * 64512, &why);
	s = ping(7, host);
	assert_string_equal(out1(w, &s, 2, 2), "translated");
	assert_string_equal(why, "site-dest-cap");
	assert_int_equal(n, SHARE);
	nat_free(nat);
}

/* Run the expiry scan until a full pass is certainly done. */
static void
sweep(struct nat_worker *w)
{
	for (int i = 0; i < 8; i++) {
		now += SEC(10);
		nat_worker_expire(w, now, 1u << 22);
	}
}

/* The share comes back as the site's sessions expire, or are flushed. */
static void
share_released(void **state)
{
	const uint32_t dns = A(172, 16, 1, 53);
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	const char *why;
	unsigned n;

	(void)state;
	test_config(&c, 1, NULL);
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	n = fill(w, query(0, dns, 53), 1, 1, 1024, SHARE + 100, &why);
	assert_int_equal(n, SHARE);
	assert_string_equal(why, "site-dest-cap");

	/* Idle past the UDP timeout and scanned: a whole share again. */
	now += SEC(c.timeout_s[NAT_TMO_UDP] + 1);
	sweep(w);
	assert_int_equal(nat_site_sessions(nat, 1), 0);
	n = fill(w, query(0, dns, 53), 1, 1, 30000, SHARE + 100, &why);
	assert_int_equal(n, SHARE);
	assert_string_equal(why, "site-dest-cap");

	/* Flushed with its site. */
	assert_int_equal(nat_flush_site(nat, 1), 0);
	nat_worker_expire(w, now, 1u << 22);
	sweep(w);
	n = fill(w, query(0, dns, 53), 1, 1, 1024, SHARE + 100, &why);
	assert_int_equal(n, SHARE);
	nat_free(nat);
}

/*
 * Flows the cloud opens to a branch take no mapped port: however many,
 * the branch's own flows to that remote still get the whole share.
 */
static void
passthrough_takes_no_share(void **state)
{
	const uint32_t cloud = A(172, 16, 1, 1), branch = A(192, 168, 0, 1);
	struct nat_config c;
	struct nat *nat;
	struct nat_worker *w;
	const char *why;
	unsigned n;

	(void)state;
	test_config(&c, 1, NULL);
	c.capacity = 1u << 20; /* a site cap of 65536: no obstacle here */
	nat = make(&c);
	w = nat_worker_get(nat, 0);
	for (unsigned i = 0; i < SHARE + 100; i++) {
		struct spec q = { .proto = IPPROTO_UDP,
				  .src = cloud,
				  .dst = branch,
				  .sport = 5353,
				  .dport = (uint16_t)(1024 + i),
				  .payload = 8 };
		struct rte_mbuf *m = spec_mbuf(&q);

		assert_string_equal(verdict(nat_track(w, m, 1, 1, now)), "translated");
		rte_pktmbuf_free(m);
	}
	assert_int_equal(nat_site_sessions(nat, 1), SHARE + 100);
	n = fill(w, query(0, cloud, 5353), 1, 1, 20000, SHARE + 100, &why);
	assert_int_equal(n, SHARE);
	assert_string_equal(why, "site-dest-cap");
	nat_free(nat);
}

/*
 * Each worker's range is its own, and so is a site's share of it: capped
 * on one worker, the site still has its share of the other's ports.
 */
static void
share_per_worker(void **state)
{
	const uint32_t dns = A(172, 16, 1, 53);
	struct rte_rcu_qsbr *v = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(2), 64);
	struct nat_config c;
	struct nat *nat;
	const char *why;
	unsigned n[2];

	(void)state;
	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, 2), 0);
	test_config(&c, 2, v);
	nat = make(&c);
	for (unsigned i = 0; i < 2; i++) {
		n[i] = fill(nat_worker_get(nat, i), query(0, dns, 53), 1, 1,
			    (uint16_t)(1024 + i * 20000), 32256 / 16 + 100, &why);
		assert_string_equal(why, "site-dest-cap");
	}
	/* 1024-65535 in two: 32256 ports each, 2016 for each of 16 sites. */
	assert_int_equal(n[0], 32256 / 16);
	assert_int_equal(n[1], 32256 / 16);
	nat_free(nat);
	rte_free(v);
}

static int
check(struct nat_config *c, const char *want)
{
	char err[200] = "";
	int rc = nat_config_check(c, err, sizeof(err));

	print_message("%s\n", rc == 0 ? "ok" : err);
	if (want != NULL)
		assert_non_null(strstr(err, want));
	return rc;
}

/*
 * The caps are an even split: active_sites sites at their caps fill the
 * table, or a worker's ports toward one remote, and no more. A cap that
 * would let fewer do it is refused, naming the field.
 */
static void
share_config(void **state)
{
	struct nat_config c;

	(void)state;
	/* The defaults: 16 sites; 1,000,000 sessions; 64512 ports. */
	nat_config_init(&c);
	assert_int_equal(check(&c, NULL), 0);
	nat_config_resolve(&c);
	assert_int_equal(c.active_sites, NAT_ACTIVE_SITES_DEFAULT);
	assert_int_equal(c.site_cap, 1000000 / 16);
	assert_int_equal(c.site_dest_cap, SHARE);
	assert_int_equal(check(&c, NULL), 0);
	/* Two workers: half the ports each, so half the share. */
	nat_config_init(&c);
	c.n_workers = 2;
	nat_config_resolve(&c);
	assert_int_equal(c.site_dest_cap, 32256 / 16);
	/* A site cap alone says how many sites may hold it at once. */
	nat_config_init(&c);
	c.site_cap = 5000;
	nat_config_resolve(&c);
	assert_int_equal(c.active_sites, 200);
	assert_int_equal(c.site_dest_cap, 64512 / 200);
	/* Both given: they must agree. */
	nat_config_init(&c);
	c.active_sites = 100;
	c.site_cap = 10001;
	assert_int_equal(check(&c, "site_cap: 10001 x 100 active_sites exceeds capacity "
				   "1000000 (at most 10000 each)"),
			 -EINVAL);
	c.site_cap = 10000;
	assert_int_equal(check(&c, NULL), 0);
	/* The defaults: a site cap above one worker's ports, 16 sites. */
	nat_config_init(&c);
	c.active_sites = 16;
	c.site_cap = 65536;
	assert_int_equal(check(&c, "site_cap: 65536 x 16 active_sites"), -EINVAL);
	/* The share toward one remote likewise. */
	nat_config_init(&c);
	c.site_dest_cap = SHARE + 1;
	assert_int_equal(check(&c, "site_dest_cap: 4033 x 16 active_sites exceeds the 64512 "
				   "ports of a worker (at most 4032 each)"),
			 -EINVAL);
	c.site_dest_cap = 70000;
	assert_int_equal(check(&c, "site_dest_cap: 70000 above the 64512 ports"), -EINVAL);
	c.site_dest_cap = 64512;
	c.active_sites = 1;
	assert_int_equal(check(&c, NULL), 0);
	/* More sites than sessions, or than a worker's ports. */
	nat_config_init(&c);
	c.active_sites = 1000001;
	assert_int_equal(check(&c, "active_sites: 1000001 above capacity"), -EINVAL);
	c.active_sites = 20000;
	c.port_min = 60000;
	c.port_max = 60127;
	assert_int_equal(check(&c, "active_sites: 20000 above the 128 ports of a worker"), -EINVAL);
	assert_null(nat_create(&c));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_site_cannot_take_every_port),
		cmocka_unit_test(echo_identifiers_shared),
		cmocka_unit_test(share_released),
		cmocka_unit_test(passthrough_takes_no_share),
		cmocka_unit_test(share_per_worker),
		cmocka_unit_test(share_config),
	};

	test_eal_init("nat_share");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
