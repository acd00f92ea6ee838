/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config: defaults, checks, derived limits, and how the mapped ports
 * are split among workers. Free of DPDK (lib/conf links it alone, through
 * nat_config_dep); ctl.c builds the NAT on nat_port_split() and
 * nat_config_limits().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "net_addr.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

void
nat_config_init(struct nat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->n_workers = 1;
	c->socket_id = -1; /* SOCKET_ID_ANY */
	c->capacity = 1000000;
	/* active_sites, site_cap, site_dest_cap: 0, derived (nat_config_resolve). */
	c->max_sites = 16384;
	c->max_tunnels = 65536;
	c->port_min = 1024;
	c->port_max = 65535;
	c->timeout_s[NAT_TMO_UDP] = 300;
	c->timeout_s[NAT_TMO_TCP_EST] = 7440;
	c->timeout_s[NAT_TMO_TCP_TRANS] = 240;
	c->timeout_s[NAT_TMO_ICMP] = 60;
	c->scan_period_ms = 10000;
}

/*
 * Split [port_min, port_max] into n runs of whole 256-port blocks (the
 * first and last block may be partial), so the owner of a port is one
 * table lookup. Returns the smallest run.
 */
uint32_t
nat_port_split(const struct nat_config *c, uint8_t owner[256], uint16_t *lo, uint16_t *hi)
{
	unsigned first = c->port_min >> 8, nblk = (c->port_max >> 8) - first + 1;
	uint32_t smallest = UINT32_MAX;

	memset(owner, NO_OWNER, 256);
	for (unsigned w = 0; w < c->n_workers; w++) {
		unsigned b0 = first + w * nblk / c->n_workers;
		unsigned b1 = first + (w + 1) * nblk / c->n_workers;

		if (b1 == b0)
			return 0;
		for (unsigned b = b0; b < b1; b++)
			owner[b] = (uint8_t)w;
		lo[w] = (uint16_t)MAX((unsigned)c->port_min, b0 << 8);
		hi[w] = (uint16_t)MIN((unsigned)c->port_max, (b1 << 8) - 1);
		smallest = MIN(smallest, (uint32_t)hi[w] - lo[w] + 1);
	}
	return smallest;
}

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -EINVAL;                     \
	} while (0)

static int
check_sizes(const struct nat_config *c, char *err, size_t errlen)
{
	uint8_t owner[256];
	uint16_t lo[NAT_WORKERS_MAX], hi[NAT_WORKERS_MAX];

	if (c->n_workers < 1 || c->n_workers > NAT_WORKERS_MAX)
		FAIL("workers: %u not in 1..%u", c->n_workers, NAT_WORKERS_MAX);
	if (c->capacity < 1024 || c->capacity > NAT_CAPACITY_MAX)
		FAIL("capacity: %u not in 1024..%u", c->capacity, NAT_CAPACITY_MAX);
	if (c->site_cap > c->capacity)
		FAIL("site_cap: %u not in 1..%u (capacity)", c->site_cap, c->capacity);
	if (c->max_sites < 1 || c->max_sites > (1u << 20))
		FAIL("max_sites: %u not in 1..%u", c->max_sites, 1u << 20);
	if (c->max_tunnels < 1 || c->max_tunnels > (1u << 20))
		FAIL("max_tunnels: %u not in 1..%u", c->max_tunnels, 1u << 20);
	if (c->port_min < 1 || c->port_min > c->port_max)
		FAIL("ports: %u-%u is not a range of ports", c->port_min, c->port_max);
	if (nat_port_split(c, owner, lo, hi) < MIN_WORKER_PORTS)
		FAIL("ports: %u-%u leaves a worker fewer than %u ports (%u workers)", c->port_min,
		     c->port_max, MIN_WORKER_PORTS, c->n_workers);
	for (unsigned t = 0; t < NAT_TMO_N; t++)
		if (c->timeout_s[t] < 1 || c->timeout_s[t] > 2000000)
			FAIL("timeouts.%s: %u s not in 1..2000000", nat_timeout_name(t),
			     c->timeout_s[t]);
	if (c->scan_period_ms < 100 || c->scan_period_ms > 600000)
		FAIL("scan_period_ms: %u not in 100..600000", c->scan_period_ms);
	return 0;
}

static int
check_pools(const struct nat_config *c, char *err, size_t errlen)
{
	char a[NET_IPV4_STR_MAX];
	uint32_t seen[NAT_POOLS_MAX * NAT_POOL_ADDRS_MAX];
	unsigned n_seen = 0;

	if (c->n_pools > NAT_POOLS_MAX)
		FAIL("pools: %u, at most %u", c->n_pools, NAT_POOLS_MAX);
	for (unsigned p = 0; p < c->n_pools; p++) {
		const struct nat_pool_config *pc = &c->pools[p];

		if (pc->n_addrs < 1 || pc->n_addrs > NAT_POOL_ADDRS_MAX)
			FAIL("pools[%u]: %u addresses, 1..%u", p, pc->n_addrs, NAT_POOL_ADDRS_MAX);
		for (unsigned i = 0; i < pc->n_addrs; i++) {
			unsigned j;

			if (net_ipv4_martian_src(pc->addr[i]))
				FAIL("pools[%u].addresses[%u]: %s cannot be a source", p, i,
				     net_ipv4_str(pc->addr[i], a));
			for (j = 0; j < n_seen && seen[j] != pc->addr[i]; j++)
				;
			if (j == n_seen)
				seen[n_seen++] = pc->addr[i];
		}
	}
	if (n_seen > NAT_ADDRS_MAX)
		FAIL("pools: %u distinct addresses, at most %u", n_seen, NAT_ADDRS_MAX);
	return 0;
}

static int
check_rules(const struct nat_config *c, char *err, size_t errlen)
{
	char p[NET_PREFIX_STR_MAX];

	if (c->n_rules > NAT_RULES_MAX)
		FAIL("rules: %u, at most %u", c->n_rules, NAT_RULES_MAX);
	for (unsigned i = 0; i < c->n_rules; i++) {
		const struct nat_rule_config *r = &c->rules[i];

		if (r->plen > 32)
			FAIL("rules[%u].prefix: length %u above 32", i, r->plen);
		if ((r->prefix & ~net_mask(r->plen)) != 0)
			FAIL("rules[%u].prefix: %s has bits beyond its length", i,
			     net_prefix_str(r->prefix, r->plen, p));
		if (r->site != NAT_SITE_ANY && r->site >= c->max_sites)
			FAIL("rules[%u].site: id %u not below max_sites %u", i, r->site,
			     c->max_sites);
		if (r->pool != NAT_RULE_NO_NAT && (r->pool < 0 || (unsigned)r->pool >= c->n_pools))
			FAIL("rules[%u].pool: %d is not a pool (%u pools)", i, r->pool, c->n_pools);
	}
	return 0;
}

/* The smallest worker's mapped ports (check_sizes() passed). */
static uint32_t
worker_ports(const struct nat_config *c)
{
	uint8_t owner[256];
	uint16_t lo[NAT_WORKERS_MAX], hi[NAT_WORKERS_MAX];

	return nat_port_split(c, owner, lo, hi);
}

/* What the limits left 0 stand for (nat.h, struct nat_config). */
void
nat_config_limits(const struct nat_config *c, uint32_t *active, uint32_t *site_cap,
		  uint32_t *dest_cap)
{
	uint32_t a = c->active_sites;

	if (a == 0)
		a = c->site_cap != 0 ? c->capacity / c->site_cap : NAT_ACTIVE_SITES_DEFAULT;
	*active = a;
	*site_cap = c->site_cap != 0 ? c->site_cap : c->capacity / a;
	*dest_cap = c->site_dest_cap != 0 ? c->site_dest_cap : worker_ports(c) / a;
}

/*
 * The caps are shares: active_sites sites at their caps must fit in the
 * table and in one worker's ports toward one destination, or one more
 * site's sessions could be refused because of the others' (issue 12).
 */
static int
check_shares(const struct nat_config *c, char *err, size_t errlen)
{
	uint32_t ports = worker_ports(c), active, site_cap, dest_cap;

	if (c->active_sites > c->capacity)
		FAIL("active_sites: %u above capacity %u: a site could hold no session",
		     c->active_sites, c->capacity);
	if (c->site_dest_cap > ports)
		FAIL("site_dest_cap: %u above the %u ports of a worker (%u worker%s)",
		     c->site_dest_cap, ports, c->n_workers, c->n_workers > 1 ? "s" : "");
	nat_config_limits(c, &active, &site_cap, &dest_cap);
	if ((uint64_t)site_cap * active > c->capacity)
		FAIL("site_cap: %u x %u active_sites exceeds capacity %u (at most %u each)",
		     site_cap, active, c->capacity, c->capacity / active);
	if (dest_cap == 0)
		FAIL("active_sites: %u above the %u ports of a worker (%u worker%s): a site "
		     "could hold no port toward a destination",
		     active, ports, c->n_workers, c->n_workers > 1 ? "s" : "");
	if ((uint64_t)dest_cap * active > ports)
		FAIL("site_dest_cap: %u x %u active_sites exceeds the %u ports of a worker "
		     "(at most %u each)",
		     dest_cap, active, ports, ports / active);
	return 0;
}

void
nat_config_resolve(struct nat_config *c)
{
	uint32_t active, site_cap, dest_cap;

	nat_config_limits(c, &active, &site_cap, &dest_cap);
	c->active_sites = active;
	c->site_cap = site_cap;
	c->site_dest_cap = dest_cap;
}

int
nat_config_check(const struct nat_config *c, char *err, size_t errlen)
{
	int rc = check_sizes(c, err, errlen);

	if (rc == 0)
		rc = check_shares(c, err, errlen);
	if (rc == 0)
		rc = check_pools(c, err, errlen);
	if (rc == 0)
		rc = check_rules(c, err, errlen);
	return rc;
}

#undef FAIL

const char *
nat_timeout_name(enum nat_timeout t)
{
	static const char *const name[NAT_TMO_N] = {
		[NAT_TMO_UDP] = "udp",
		[NAT_TMO_TCP_EST] = "tcp_established",
		[NAT_TMO_TCP_TRANS] = "tcp_transitory",
		[NAT_TMO_ICMP] = "icmp",
	};

	return t < NAT_TMO_N ? name[t] : "?";
}
