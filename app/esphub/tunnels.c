/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnels: one per (site, local selector, remote selector), shared by the
 * SAs that carry that traffic (a hand-keyed pair, or IKE's successive
 * pairs across rekeys). A tunnel lives while it holds SAs.
 *
 * A remote prefix that overlaps another site's branch subnets (two offices
 * with 192.168.0.0/24) stays out of the SPD for all of them: traffic the
 * cloud starts toward it would be ambiguous. Such tunnels are reached
 * through NAT sessions.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "app.h"
#include "net.h"

struct tunnel_key {
	uint32_t site;
	uint32_t local_addr, remote_addr;
	uint8_t local_len, remote_len;
	uint8_t pad[2];
};

int
app_tunnels_setup(struct app *app)
{
	struct rte_hash_parameters hp = {
		.name = "tunnels",
		.entries = app->cfg.esp.max_tunnels,
		.key_len = sizeof(struct tunnel_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	app->tunnel = rte_zmalloc("app_tunnels", sizeof(*app->tunnel) * app->cfg.esp.max_tunnels, 0);
	app->prefix_index_stale = true;
	app->tunnel_by_key = rte_hash_create(&hp);
	return app->tunnel == NULL || app->tunnel_by_key == NULL ? -ENOMEM : 0;
}

void
app_tunnels_free(struct app *app)
{
	rte_hash_free(app->tunnel_by_key);
	rte_free(app->tunnel);
	free(app->prefix_index);
}

static struct tunnel_key
key_of(uint32_t site, const struct sa_ts *local, const struct sa_ts *remote)
{
	struct tunnel_key k = {
		.site = site, .local_addr = local->addr, .local_len = local->plen,
		.remote_addr = remote->addr, .remote_len = remote->plen,
	};

	return k;
}

/*
 * Every site's branch prefixes, sorted by (address, length): "does this
 * prefix overlap another site's?" in O(log n), so 100,000 sites start in
 * seconds. Rebuilt when the sites change (app_tunnels_sites_changed()).
 */
struct branch_prefix {
	uint32_t addr;
	uint8_t plen;
	uint32_t site;
};

static int
prefix_order(const void *a, const void *b)
{
	const struct branch_prefix *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->plen - (int)y->plen;
}

static int
index_build(struct app *app)
{
	struct branch_prefix *bp;
	unsigned n = 0;

	for (unsigned i = 0; i < app->cfg.n_sites; i++)
		n += app->cfg.sites[i].name[0] != '\0' ? app->cfg.sites[i].n_remote : 0;
	bp = realloc(app->prefix_index, sizeof(*bp) * (n ? n : 1));
	if (bp == NULL)
		return -ENOMEM;
	n = 0;
	for (unsigned i = 0; i < app->cfg.n_sites; i++) {
		const struct cfg_site *st = &app->cfg.sites[i];

		for (unsigned j = 0; st->name[0] != '\0' && j < st->n_remote; j++)
			bp[n++] = (struct branch_prefix){ st->remote[j].addr, st->remote[j].plen, i };
	}
	qsort(bp, n, sizeof(*bp), prefix_order);
	app->prefix_index = bp;
	app->n_prefix_index = n;
	app->prefix_index_stale = false;
	return 0;
}

void
app_tunnels_sites_changed(struct app *app)
{
	app->prefix_index_stale = true;
}

/* First entry not below (addr, plen). */
static unsigned
lower_bound(const struct app *app, uint32_t addr, uint8_t plen)
{
	const struct branch_prefix key = { addr, plen, 0 };
	unsigned lo = 0, hi = app->n_prefix_index;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (prefix_order(&app->prefix_index[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does p overlap a branch prefix of another site? */
static bool
shared(struct app *app, uint32_t site, const struct sa_ts *p)
{
	uint32_t end = p->addr | ~net_mask(p->plen);
	unsigned k;

	if (app->prefix_index_stale && index_build(app) != 0)
		return true;   /* unsure: keep it out of the SPD */
	/* Prefixes containing p: p's address cut to each shorter length. */
	for (unsigned l = 0; l < p->plen; l++)
		for (k = lower_bound(app, p->addr & net_mask((uint8_t)l), (uint8_t)l);
		     k < app->n_prefix_index && app->prefix_index[k].plen == l &&
		     app->prefix_index[k].addr == (p->addr & net_mask((uint8_t)l)); k++)
			if (app->prefix_index[k].site != site)
				return true;
	/* p itself, and prefixes inside it (a site has at most a few). */
	for (k = lower_bound(app, p->addr, p->plen);
	     k < app->n_prefix_index && app->prefix_index[k].addr <= end &&
	     app->prefix_index[k].addr >= p->addr; k++)
		if (app->prefix_index[k].site != site)
			return true;
	return false;
}

/*
 * The tunnel for this site and selectors, created if new, with one more
 * reference. spd/n_spd: the remote prefixes the SPD should map to it.
 */
int
app_tunnel_get(struct app *app, uint32_t site, const struct sa_ts *local,
	       const struct sa_ts *remote, const struct sa_ts *spd, unsigned n_spd,
	       uint32_t *tunnel)
{
	struct tunnel_key k = key_of(site, local, remote);
	struct sa_ts routed[SA_MAX_TS];
	char pfx[NET_PREFIX_STR_MAX];
	unsigned n = 0;
	void *data;
	uint32_t t;
	int rc;

	if (rte_hash_lookup_data(app->tunnel_by_key, &k, &data) >= 0) {
		t = (uint32_t)(uintptr_t)data;
		app->tunnel[t].refs++;
		*tunnel = t;
		return 0;
	}
	/* Next fit: ids are handed out in turn, so finding one is O(1) in practice. */
	t = app->tunnel_next % app->cfg.esp.max_tunnels;
	for (uint32_t tries = 0; tries < app->cfg.esp.max_tunnels && app->tunnel[t].used; tries++)
		t = (t + 1) % app->cfg.esp.max_tunnels;
	if (app->tunnel[t].used)
		return -ENOSPC;
	app->tunnel_next = t + 1;
	for (unsigned i = 0; i < n_spd && n < SA_MAX_TS; i++) {
		if (!shared(app, site, &spd[i]))
			routed[n++] = spd[i];
		else
			LOG(INFO, "site %s: %s overlaps another site's subnet: reached through "
			    "NAT sessions only", app_site_name(app, site),
			    net_prefix_str(spd[i].addr, spd[i].plen, pfx));
	}
	rc = sa_tunnel_add(app->sa, t, site, routed, n);
	if (rc == -EEXIST)   /* the same prefix in another tunnel of this site */
		rc = sa_tunnel_add(app->sa, t, site, NULL, 0);
	if (rc != 0)
		return rc;
	if (rte_hash_add_key_data(app->tunnel_by_key, &k, (void *)(uintptr_t)t) != 0) {
		sa_tunnel_del(app->sa, t);
		return -ENOSPC;
	}
	app->tunnel[t] = (struct app_tunnel){ .used = 1, .refs = 1, .site = site,
					      .next_out = SA_NONE, .key_local = *local,
					      .key_remote = *remote };
	*tunnel = t;
	return 0;
}

/* Drop a reference; the last one removes the tunnel and its SPD entries. */
void
app_tunnel_put(struct app *app, uint32_t tunnel)
{
	struct app_tunnel *t = &app->tunnel[tunnel];
	struct tunnel_key k;

	if (!t->used || --t->refs > 0)
		return;
	k = key_of(t->site, &t->key_local, &t->key_remote);
	rte_hash_del_key(app->tunnel_by_key, &k);
	sa_tunnel_del(app->sa, tunnel);
	/* Its NAT sessions die with it: the id may serve another branch next. */
	if (app->nat != NULL)
		nat_flush_tunnel(app->nat, tunnel);
	memset(t, 0, sizeof(*t));
}

/*
 * The tunnel's outbound SA. The first one is used at once. A successor (a
 * rekey) waits in next_out until app_tunnel_out_commit(): the old one
 * carries the traffic meanwhile (see ike.c for when to commit).
 */
int
app_tunnel_out_offer(struct app *app, uint32_t tunnel, uint32_t id)
{
	if (sa_db_tunnel_out(app->sa, tunnel) == SA_NONE)
		return sa_tunnel_set_out(app->sa, tunnel, id);
	app->tunnel[tunnel].next_out = id;
	return 0;
}

int
app_tunnel_out_commit(struct app *app, uint32_t tunnel)
{
	uint32_t id = app->tunnel[tunnel].next_out;

	if (id == SA_NONE)
		return 0;
	app->tunnel[tunnel].next_out = SA_NONE;
	return sa_tunnel_set_out(app->sa, tunnel, id);
}

/* SA id is about to go: a waiting successor of it takes over now. */
void
app_tunnel_sa_leaving(struct app *app, uint32_t tunnel, uint32_t id)
{
	struct app_tunnel *t = &app->tunnel[tunnel];

	if (t->next_out == id)
		t->next_out = SA_NONE;
	else if (t->next_out != SA_NONE && sa_db_tunnel_out(app->sa, tunnel) == id)
		app_tunnel_out_commit(app, tunnel);
}
