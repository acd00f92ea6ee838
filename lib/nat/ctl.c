/* SPDX-License-Identifier: BSD-3-Clause */
/* Control core: building and freeing the NAT (its config: config.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "net.h"
#include "priv.h"

_Static_assert(SOCKET_ID_ANY == -1, "nat_config_init() sets socket_id -1");

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
	for (unsigned i = 1; i < c->n_rules; i++) /* stable insertion sort */
		for (unsigned j = i; j > 0 && rule_before(&r[j], &r[j - 1]); j--)
			RTE_SWAP(r[j], r[j - 1]);
	nat->n_rules = c->n_rules;
	for (unsigned i = 0; i < c->n_rules; i++)
		nat->rule[i] = (struct nat_rule){ .prefix = r[i].prefix,
						  .mask = net_mask(r[i].plen),
						  .site = r[i].site,
						  .pool = r[i].pool };
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
	nat->mem += rte_ring_get_memsize_elem(sizeof(uint32_t), rte_align32pow2(nat->capacity + 1));
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

	nat_port_split(c, nat->port_owner, lo, hi);
	for (unsigned w = 0; w < c->n_workers; w++) {
		struct nat_worker *nw = zalloc(nat, "nat_worker", sizeof(*nw), c->socket_id);

		nat->w[w] = nw;
		nat->out_head[w] = zalloc(nat, "nat_out_index", heads, c->socket_id);
		nat->in_head[w] = zalloc(nat, "nat_in_index", heads, c->socket_id);
		nat->site_count[w] = zalloc(nat, "nat_site_count", c->max_sites * sizeof(uint32_t),
					    c->socket_id);
		nat->share[w] = zalloc(nat, "nat_share", SHARE_COUNTERS(nat) * sizeof(uint16_t),
				       c->socket_id);
		if (nw == NULL || nat->out_head[w] == NULL || nat->in_head[w] == NULL ||
		    nat->site_count[w] == NULL || nat->share[w] == NULL)
			return -ENOMEM;
		memset(nat->out_head[w], 0xff, heads); /* NAT_NIL */
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
	nat_config_limits(c, &active, &nat->site_cap, &nat->site_dest_cap);
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
	nat->bits = rte_log2_u32(rte_align32pow2(
		RTE_MAX(1024u, (uint32_t)((uint64_t)c->capacity * 2 / c->n_workers))));
	rules_load(nat, c);
	pools_load(nat, c);

	nat->sess =
		zalloc(nat, "nat_sessions", (size_t)c->capacity * sizeof(*nat->sess), c->socket_id);
	nat->tunnel_gen =
		zalloc(nat, "nat_tunnel_gen", c->max_tunnels * sizeof(uint16_t), c->socket_id);
	nat->site_gen = zalloc(nat, "nat_site_gen", c->max_sites * sizeof(uint16_t), c->socket_id);
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
