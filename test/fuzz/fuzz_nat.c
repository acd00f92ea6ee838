/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/nat's data path, nat_out(), nat_in(), nat_track()
 * and their burst forms, on datagrams in buffers that end where they end.
 * Each input gets a fresh NAT (one or two workers, a wide or a narrow port
 * range, small shares or the defaults: the input's first byte) and is a
 * list of operations:
 *   out / in / track   a datagram of the input's (checksums fixed or not)
 *                      from a branch tunnel, from the cloud, or forwarded
 *                      into a tunnel by the SPD;
 *   reply              the cloud's answer to the last datagram nat_out()
 *                      translated (mapped port and all, which the input
 *                      could not guess);
 *   error-in           an ICMP error from the cloud quoting that datagram
 *                      (RFC 5508), quote cut where the input says;
 *   error-out          an ICMP error from the branch quoting the last
 *                      datagram nat_in() restored;
 *   time / flush       the clock moves and the workers expire; a tunnel,
 *                      a site or everything is flushed.
 * Checked: a translated datagram keeps good checksums good (the outer
 * ones, an error's ICMP checksum and its quoted header's), leaves with a
 * pool address, and is restored into a tunnel that exists; NAT_PASS
 * changes nothing; sessions walked never exceed sessions counted; no mbuf
 * or buffer leaks.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "fuzz_dpdk.h"
#include "nat.h"
#include "net.h"

#define CHECK(c)                                               \
	do {                                                   \
		if (!(c)) {                                    \
			fprintf(stderr, "fuzz_nat: %s\n", #c); \
			abort();                               \
		}                                              \
	} while (0)

#define MAX_OPS   64
#define DGRAM_MAX 1500
#define TUNNELS   16
#define SITES     16
#define HZ        1000 /* the NAT clock: one tick a millisecond */

static const uint32_t pool_addrs[] = { 0xac10000a, 0x64400001, 0x64400002 };

static struct rte_rcu_qsbr *qsbr;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);

	(void)argc;
	(void)argv;
	fz_eal_init("fuzz_nat");
	qsbr = rte_zmalloc("fuzz_qsbr", sz, RTE_CACHE_LINE_SIZE);
	CHECK(qsbr != NULL && rte_rcu_qsbr_init(qsbr, 2) == 0);
	for (unsigned t = 0; t < 2; t++) {
		CHECK(rte_rcu_qsbr_thread_register(qsbr, t) == 0);
		rte_rcu_qsbr_thread_online(qsbr, t);
	}
	return 0;
}

static struct nat *
create(uint8_t how)
{
	struct nat_config c;
	unsigned workers = 1 + (how & 1);
	char err[256];

	nat_config_init(&c);
	c.n_workers = workers;
	c.qsbr = qsbr;
	c.socket_id = SOCKET_ID_ANY;
	c.tsc_hz = HZ;
	c.capacity = 1024;
	if (how & 2) { /* small shares, soon reached */
		c.active_sites = 4;
		c.site_cap = 1 + (how >> 6);
		c.site_dest_cap = 1 + (how >> 4 & 3);
	}
	c.max_sites = SITES;
	c.max_tunnels = TUNNELS;
	if (how & 4) { /* one 256-port block per worker */
		c.port_min = 1024;
		c.port_max = (uint16_t)(1024 + 256 * workers - 1);
	}
	for (unsigned t = 0; t < NAT_TMO_N; t++)
		c.timeout_s[t] = how & 8 ? 1 + t : c.timeout_s[t];
	c.scan_period_ms = 100;
	c.n_pools = 2;
	c.pools[0] = (struct nat_pool_config){ 1, { pool_addrs[0] } };
	c.pools[1] = (struct nat_pool_config){ 2, { pool_addrs[1], pool_addrs[2] } };
	c.n_rules = 3;
	c.rules[0] = (struct nat_rule_config){ 0xac100000, 16, NAT_SITE_ANY, 0 };
	c.rules[1] = (struct nat_rule_config){ 0x0a000000, 8, 1, 1 };
	c.rules[2] = (struct nat_rule_config){ 0xac106300, 24, NAT_SITE_ANY, NAT_RULE_NO_NAT };
	if (nat_config_check(&c, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_nat: %s\n", err);
		abort();
	}
	return nat_create(&c);
}

struct dgram {
	uint8_t b[DGRAM_MAX];
	size_t len;
};

static uint32_t
ld32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
st32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
is_pool(uint32_t a)
{
	for (unsigned i = 0; i < RTE_DIM(pool_addrs); i++)
		if (pool_addrs[i] == a)
			return true;
	return false;
}

/* A datagram from the input, checksums fixed if the input says so. */
static void
from_input(struct fz *f, bool fix, struct dgram *d)
{
	const uint8_t *p = fz_string(f, DGRAM_MAX, &d->len);

	memcpy(d->b, p, d->len);
	if (fix)
		fz_cksum_fix(d->b, d->len);
}

/* The remote end's answer to d: addresses and ports swapped. */
static bool
reply_to(const struct dgram *d, uint8_t flags, struct dgram *r)
{
	unsigned hl;

	if (d->len < 28)
		return false;
	*r = *d;
	hl = (r->b[0] & 0xfu) * 4;
	memcpy(r->b + 12, d->b + 16, 4);
	memcpy(r->b + 16, d->b + 12, 4);
	if (r->b[9] == IPPROTO_ICMP) {
		r->b[hl] = r->b[hl] == 8 ? 0 : 8; /* echo request <-> reply */
	} else if (hl + 4 <= r->len) {
		memcpy(r->b + hl, d->b + hl + 2, 2);
		memcpy(r->b + hl + 2, d->b + hl, 2);
		if (r->b[9] == IPPROTO_TCP && hl + 14 <= r->len)
			r->b[hl + 13] = flags;
	}
	fz_cksum_fix(r->b, r->len);
	return true;
}

/* An ICMP error from src to the source of d quoting its first quote bytes. */
static bool
error_about(const struct dgram *d, uint32_t src, uint8_t type, uint8_t code, size_t quote,
	    struct dgram *e)
{
	size_t len;

	if (d->len < 20)
		return false;
	quote = RTE_MIN(quote, d->len);
	len = 28 + quote;
	if (len > DGRAM_MAX)
		return false;
	memset(e->b, 0, 28);
	e->b[0] = 0x45;
	e->b[2] = (uint8_t)(len >> 8);
	e->b[3] = (uint8_t)len;
	e->b[8] = 64;
	e->b[9] = IPPROTO_ICMP;
	st32be(e->b + 12, src);
	memcpy(e->b + 16, d->b + 12, 4);
	e->b[20] = type;
	e->b[21] = code;
	memcpy(e->b + 28, d->b, quote);
	e->len = len;
	fz_cksum_fix(e->b, e->len);
	return true;
}

/* The quoted IPv4 header of an ICMP error (whole in the quote): checksum right? */
static bool
quote_hdr_ok(const uint8_t *ip, size_t len, bool *present)
{
	const uint8_t *q = ip + (ip[0] & 0xfu) * 4 + 8;
	size_t hl;

	*present = false;
	if (ip[9] != IPPROTO_ICMP || (ip[0] & 0xfu) * 4u + 28 > len ||
	    (ip[(ip[0] & 0xfu) * 4] != 3 && ip[(ip[0] & 0xfu) * 4] != 11 &&
	     ip[(ip[0] & 0xfu) * 4] != 12))
		return true;
	hl = (q[0] & 0xfu) * 4;
	if (hl < 20 || q + hl > ip + len)
		return true;
	*present = true;
	return net_cksum(q, hl) == 0;
}

struct op_ctx {
	struct nat *nat;
	struct nat_worker *nw[2];
	unsigned workers;
	uint64_t tsc;
	struct dgram last_out, last_in;
	bool have_out, have_in;
};

enum dir { OUT, IN, TRACK };

/* Run one datagram through NAT and check what came back. */
static void
run(struct op_ctx *c, enum dir dir, unsigned w, bool burst, uint32_t tunnel, uint32_t site,
    const struct dgram *d)
{
	struct rte_mbuf *m = fz_mbuf_exact(d->b, d->len, 2);
	struct nat_worker *nw = c->nw[w % c->workers];
	bool good = fz_cksum_ok(d->b, d->len), qpresent, qgood;
	enum stats_drop rc;
	uint32_t to = UINT32_MAX;
	const uint8_t *ip;

	if (m == NULL)
		return;
	qgood = quote_hdr_ok(d->b, d->len, &qpresent);
	switch (dir) {
	case OUT:
		if (burst)
			nat_out_burst(nw, &m, &tunnel, &site, 1, c->tsc, &rc);
		else
			rc = nat_out(nw, m, tunnel, site, c->tsc);
		break;
	case IN:
		if (burst)
			nat_in_burst(nw, &m, 1, c->tsc, &to, &rc);
		else
			rc = nat_in(nw, m, c->tsc, &to);
		break;
	default:
		rc = nat_track(nw, m, tunnel, site, c->tsc);
		break;
	}
	ip = rte_pktmbuf_mtod(m, const uint8_t *);
	CHECK(rte_pktmbuf_data_len(m) == d->len);
	if (rc == NAT_PASS || (dir == TRACK && rc == DROP_NONE)) {
		CHECK(memcmp(ip, d->b, d->len) == 0);
	} else if (rc == DROP_NONE) {
		if (good)
			CHECK(fz_cksum_ok(ip, d->len));
		if (qpresent && qgood) {
			bool present;

			CHECK(quote_hdr_ok(ip, d->len, &present) && present);
		}
		if (dir == OUT) {
			CHECK(is_pool(ld32be(ip + 12)));
			c->last_out.len = d->len;
			memcpy(c->last_out.b, ip, d->len);
			c->have_out = true;
		} else {
			CHECK(to < TUNNELS);
			c->last_in.len = d->len;
			memcpy(c->last_in.b, ip, d->len);
			c->have_in = true;
		}
	}
	rte_pktmbuf_free(m);
}

static int
count(const struct nat_session_info *si, void *arg)
{
	unsigned *n = arg;

	CHECK(si->worker < 2 && si->tunnel < TUNNELS && si->site < SITES);
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	uint8_t how = fz_u8(&f);
	struct op_ctx c = { .nat = create(how), .workers = 1 + (how & 1), .tsc = 1000000 };
	struct nat_stats st;
	unsigned walked = 0;

	CHECK(c.nat != NULL);
	fz_leak_mark();
	for (unsigned w = 0; w < c.workers; w++)
		c.nw[w] = nat_worker_get(c.nat, w);
	for (unsigned i = 0; i < MAX_OPS && f.n > 0; i++) {
		uint8_t op = fz_u8(&f);
		unsigned w = op >> 3 & 1;
		bool fix = op & 0x80, burst = op & 0x40;
		uint32_t tunnel, site;
		struct dgram d;

		c.tsc++;
		switch (op & 7) {
		case 0:
		case 5:
			tunnel = fz_u8(&f) % (TUNNELS + 2);
			site = fz_u8(&f) % (SITES + 2);
			from_input(&f, fix, &d);
			run(&c, (op & 7) == 0 ? OUT : TRACK, w, burst, tunnel, site, &d);
			break;
		case 1:
			from_input(&f, fix, &d);
			run(&c, IN, w, burst, 0, 0, &d);
			break;
		case 2:
			if (c.have_out && reply_to(&c.last_out, fz_u8(&f), &d))
				run(&c, IN, w, burst, 0, 0, &d);
			break;
		case 3: {
			uint8_t t = fz_u8(&f), code = fz_u8(&f);
			size_t q = fz_u16(&f);

			if (c.have_out && error_about(&c.last_out, ld32be(c.last_out.b + 16),
						      t % 3 == 0 ? 3 :
						      t % 3 == 1 ? 11 :
								   12,
						      code % 16, q, &d))
				run(&c, IN, w, burst, 0, 0, &d);
			break;
		}
		case 4: {
			uint8_t t = fz_u8(&f);
			size_t q = fz_u16(&f);

			tunnel = fz_u8(&f) % (TUNNELS + 2);
			if (c.have_in && error_about(&c.last_in, ld32be(c.last_in.b + 16),
						     t & 1 ? 3 : 11, t >> 1 & 15, q, &d))
				run(&c, OUT, w, burst, tunnel, tunnel % SITES, &d);
			break;
		}
		case 6:
			c.tsc += (uint64_t)fz_u16(&f) * 10;
			for (unsigned k = 0; k < c.workers; k++)
				nat_worker_expire(c.nw[k], c.tsc, fz_u8(&f));
			/* Both registered threads: a grace period ends here. */
			rte_rcu_qsbr_quiescent(qsbr, 0);
			rte_rcu_qsbr_quiescent(qsbr, 1);
			break;
		default: {
			uint8_t which = fz_u8(&f);

			if (which < 0x40)
				(void)nat_flush_tunnel(c.nat, which % (TUNNELS + 2));
			else if (which < 0x80)
				(void)nat_flush_site(c.nat, which % (SITES + 2));
			else if (which == 0xff)
				nat_flush_all(c.nat);
			break;
		}
		}
	}
	nat_stats_get(c.nat, -1, &st);
	nat_session_walk(c.nat, c.tsc, NAT_SITE_ANY, 0, count, &walked);
	CHECK(walked <= st.sessions);
	fz_leak_check("fuzz_nat");
	nat_free(c.nat);
	return 0;
}
