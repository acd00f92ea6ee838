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
	app->tunnel_by_key = rte_hash_create(&hp);
	return app->tunnel == NULL || app->tunnel_by_key == NULL ? -ENOMEM : 0;
}

void
app_tunnels_free(struct app *app)
{
	rte_hash_free(app->tunnel_by_key);
	rte_free(app->tunnel);
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

/* Does p overlap a branch subnet of another site? */
static bool
shared(const struct app *app, uint32_t site, const struct sa_ts *p)
{
	for (uint32_t i = 0; i < app->cfg.n_sites; i++) {
		const struct cfg_site *o = &app->cfg.sites[i];

		if (i == site || o->name[0] == '\0')
			continue;
		for (unsigned j = 0; j < o->n_remote; j++) {
			uint8_t l = RTE_MIN(p->plen, o->remote[j].plen);

			if (((p->addr ^ o->remote[j].addr) & net_mask(l)) == 0)
				return true;
		}
	}
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
	for (t = 0; t < app->cfg.esp.max_tunnels && app->tunnel[t].used; t++)
		;
	if (t == app->cfg.esp.max_tunnels)
		return -ENOSPC;
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
