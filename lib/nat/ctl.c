/* SPDX-License-Identifier: BSD-3-Clause */
/* Control core: the config, and building and freeing the NAT. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "net.h"
#include "priv.h"

#define MIN_WORKER_PORTS 64

void
nat_config_init(struct nat_config *c)
{
	memset(c, 0, sizeof(*c));
	c->n_workers = 1;
	c->socket_id = SOCKET_ID_ANY;
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
static uint32_t
port_split(const struct nat_config *c, uint8_t owner[256], uint16_t *lo, uint16_t *hi)
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
		lo[w] = (uint16_t)RTE_MAX((unsigned)c->port_min, b0 << 8);
		hi[w] = (uint16_t)RTE_MIN((unsigned)c->port_max, (b1 << 8) - 1);
		smallest = RTE_MIN(smallest, (uint32_t)hi[w] - lo[w] + 1);
	}
	return smallest;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -EINVAL; } while (0)

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
	if (port_split(c, owner, lo, hi) < MIN_WORKER_PORTS)
		FAIL("ports: %u-%u leaves a worker fewer than %u ports (%u workers)",
		     c->port_min, c->port_max, MIN_WORKER_PORTS, c->n_workers);
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
			FAIL("pools[%u]: %u addresses, 1..%u", p, pc->n_addrs,
			     NAT_POOL_ADDRS_MAX);
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
			FAIL("rules[%u].pool: %d is not a pool (%u pools)", i, r->pool,
			     c->n_pools);
	}
	return 0;
}

/* The smallest worker's mapped ports (check_sizes() passed). */
static uint32_t
worker_ports(const struct nat_config *c)
{
	uint8_t owner[256];
	uint16_t lo[NAT_WORKERS_MAX], hi[NAT_WORKERS_MAX];

	return port_split(c, owner, lo, hi);
}

/* What the limits left 0 stand for (nat.h, struct nat_config). */
static void
limits(const struct nat_config *c, uint32_t *active, uint32_t *site_cap, uint32_t *dest_cap)
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
	limits(c, &active, &site_cap, &dest_cap);
	if ((uint64_t)site_cap * active > c->capacity)
		FAIL("site_cap: %u x %u active_sites exceeds capacity %u (at most %u each)",
		     site_cap, active, c->capacity, c->capacity / active);
	if (dest_cap == 0)
		FAIL("active_sites: %u above the %u ports of a worker (%u worker%s): a site "
		     "could hold no port toward a destination", active, ports, c->n_workers,
		     c->n_workers > 1 ? "s" : "");
	if ((uint64_t)dest_cap * active > ports)
		FAIL("site_dest_cap: %u x %u active_sites exceeds the %u ports of a worker "
		     "(at most %u each)", dest_cap, active, ports, ports / active);
	return 0;
}

void
nat_config_resolve(struct nat_config *c)
{
	uint32_t active, site_cap, dest_cap;

	limits(c, &active, &site_cap, &dest_cap);
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

/* Most specific first: longer prefix, then a named site; else config order. */
static bool
rule_before(const struct nat_rule_config *a, const struct nat_rule_config *b)
{
	if (a->plen != b->plen)
		return a->plen > b->plen;
	return a->site != NAT_SITE_ANY && b->site == NAT_SITE_ANY;
}

static void
rules_load(struct nat *nat, const struct nat_config *c)
{
	struct nat_rule_config r[NAT_RULES_MAX];

	memcpy(r, c->rules, c->n_rules * sizeof(r[0]));
	for (unsigned i = 1; i < c->n_rules; i++)      /* stable insertion sort */
		for (unsigned j = i; j > 0 && rule_before(&r[j], &r[j - 1]); j--)
			RTE_SWAP(r[j], r[j - 1]);
	nat->n_rules = c->n_rules;
	for (unsigned i = 0; i < c->n_rules; i++)
		nat->rule[i] = (struct nat_rule){ .prefix = r[i].prefix,
			.mask = net_mask(r[i].plen), .site = r[i].site, .pool = r[i].pool };
}

static void
pools_load(struct nat *nat, const struct nat_config *c)
{
	nat->n_pools = c->n_pools;
	for (unsigned p = 0; p < c->n_pools; p++) {
		nat->pool[p].n = c->pools[p].n_addrs;
		for (unsigned i = 0; i < c->pools[p].n_addrs; i++) {
			uint32_t a = rte_cpu_to_be_32(c->pools[p].addr[i]);

			nat->pool[p].addr[i] = a;
			if (!is_pool_addr(nat, a))
				nat->addr[nat->n_addrs++] = a;
		}
	}
}

static void *
zalloc(struct nat *nat, const char *what, size_t size, int socket)
{
	void *p = rte_zmalloc_socket(what, size, RTE_CACHE_LINE_SIZE, socket);

	if (p != NULL)
		nat->mem += size;
	return p;
}

static int
ring_fill(struct nat *nat, int socket)
{
	static unsigned instance;
	char name[RTE_RING_NAMESIZE];
	uint32_t chunk[256];

	snprintf(name, sizeof(name), "nat_free%u",
		 __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED));
	nat->free = rte_ring_create_elem(name, sizeof(uint32_t), nat->capacity, socket,
					 RING_F_EXACT_SZ);
	if (nat->free == NULL)
		return -ENOMEM;
	nat->mem += rte_ring_get_memsize_elem(sizeof(uint32_t),
					      rte_align32pow2(nat->capacity + 1));
	for (uint32_t i = 0; i < nat->capacity; i += RTE_DIM(chunk)) {
		uint32_t n = RTE_MIN((uint32_t)RTE_DIM(chunk), nat->capacity - i);

		for (uint32_t j = 0; j < n; j++)
			chunk[j] = i + j;
		rte_ring_enqueue_bulk_elem(nat->free, chunk, sizeof(uint32_t), n, NULL);
	}
	return 0;
}

static int
workers_create(struct nat *nat, const struct nat_config *c)
{
	uint16_t lo[NAT_WORKERS_MAX], hi[NAT_WORKERS_MAX];
	size_t heads = (sizeof(uint32_t) << nat->bits);

	port_split(c, nat->port_owner, lo, hi);
	for (unsigned w = 0; w < c->n_workers; w++) {
		struct nat_worker *nw = zalloc(nat, "nat_worker", sizeof(*nw), c->socket_id);

		nat->w[w] = nw;
		nat->out_head[w] = zalloc(nat, "nat_out_index", heads, c->socket_id);
		nat->in_head[w] = zalloc(nat, "nat_in_index", heads, c->socket_id);
		nat->site_count[w] = zalloc(nat, "nat_site_count",
					    c->max_sites * sizeof(uint32_t), c->socket_id);
		nat->share[w] = zalloc(nat, "nat_share", SHARE_COUNTERS(nat) * sizeof(uint16_t),
				       c->socket_id);
		if (nw == NULL || nat->out_head[w] == NULL || nat->in_head[w] == NULL ||
		    nat->site_count[w] == NULL || nat->share[w] == NULL)
			return -ENOMEM;
		memset(nat->out_head[w], 0xff, heads);     /* NAT_NIL */
		memset(nat->in_head[w], 0xff, heads);
		nw->nat = nat;
		nw->sess = nat->sess;
		nw->index = w;
		nw->port_lo = lo[w];
		nw->port_hi = hi[w];
		nw->site_count = nat->site_count[w];
		nw->share = nat->share[w];
		nw->out_head = nat->out_head[w];
		nw->in_head = nat->in_head[w];
	}
	return 0;
}

struct nat *
nat_create(const struct nat_config *c)
{
	uint64_t hz = c->tsc_hz != 0 ? c->tsc_hz : rte_get_tsc_hz();
	char err[160];
	struct nat *nat;
	uint32_t active;
	int rc = -ENOMEM;

	if (nat_config_check(c, err, sizeof(err)) != 0 || hz == 0 ||
	    (c->n_workers > 1 && c->qsbr == NULL)) {
		rte_errno = EINVAL;
		return NULL;
	}
	nat = rte_zmalloc_socket("nat", sizeof(*nat), RTE_CACHE_LINE_SIZE, c->socket_id);
	if (nat == NULL)
		goto fail;
	nat->mem = sizeof(*nat);
	nat->capacity = c->capacity;
	nat->n_workers = c->n_workers;
	limits(c, &active, &nat->site_cap, &nat->site_dest_cap);
	nat->max_sites = c->max_sites;
	nat->max_tunnels = c->max_tunnels;
	nat->qsbr = c->qsbr;
	nat->port_min = c->port_min;
	nat->port_max = c->port_max;
	nat->scan_period = c->scan_period_ms;
	nat->clock_mul = (1000ull << 32) / hz;
	for (unsigned t = 0; t < NAT_TMO_N; t++)
		nat->tmo[t] = c->timeout_s[t] * 1000;
	for (unsigned i = 0; i < RTE_DIM(nat->hk); i++)
		nat->hk[i] = rte_rand();
	for (unsigned r = 0; r < RTE_DIM(nat->sk); r++)
		for (unsigned i = 0; i < RTE_DIM(nat->sk[r]); i++)
			nat->sk[r][i] = rte_rand();
	/* Two buckets per session a worker holds when the load is even. */
	nat->bits = rte_log2_u32(rte_align32pow2(RTE_MAX(1024u,
			(uint32_t)((uint64_t)c->capacity * 2 / c->n_workers))));
	rules_load(nat, c);
	pools_load(nat, c);

	nat->sess = zalloc(nat, "nat_sessions", (size_t)c->capacity * sizeof(*nat->sess),
			   c->socket_id);
	nat->tunnel_gen = zalloc(nat, "nat_tunnel_gen", c->max_tunnels * sizeof(uint16_t),
				 c->socket_id);
	nat->site_gen = zalloc(nat, "nat_site_gen", c->max_sites * sizeof(uint16_t),
			       c->socket_id);
	if (nat->sess == NULL || nat->tunnel_gen == NULL || nat->site_gen == NULL)
		goto fail;
	rc = ring_fill(nat, c->socket_id);
	if (rc == 0)
		rc = workers_create(nat, c);
	if (rc == 0)
		return nat;
fail:
	nat_free(nat);
	rte_errno = -rc;
	return NULL;
}

void
nat_free(struct nat *nat)
{
	if (nat == NULL)
		return;
	for (unsigned w = 0; w < NAT_WORKERS_MAX; w++) {
		rte_free(nat->w[w]);
		rte_free(nat->out_head[w]);
		rte_free(nat->in_head[w]);
		rte_free(nat->site_count[w]);
		rte_free(nat->share[w]);
	}
	rte_ring_free(nat->free);
	rte_free(nat->tunnel_gen);
	rte_free(nat->site_gen);
	rte_free(nat->sess);
	rte_free(nat);
}

size_t
nat_memory(const struct nat *nat)
{
	return nat->mem;
}

struct nat_worker *
nat_worker_get(struct nat *nat, unsigned index)
{
	return index < nat->n_workers ? nat->w[index] : NULL;
}
