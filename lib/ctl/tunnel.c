/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnels: one per (site, local selector, remote selector), held by the
 * SAs that carry that traffic, and the overlap index that decides which
 * remote prefixes the SPD may map to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "nat.h"
#include "net.h"
#include "priv.h"

struct tunnel_key {
	uint32_t site;
	uint32_t local_addr, remote_addr;
	uint8_t local_len, remote_len;
	uint8_t pad[2];
};

int
ctl_tunnels_create(struct ctl *ctl, int socket_id)
{
	static unsigned instances;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = ctl->max_tunnels,
		.key_len = sizeof(struct tunnel_key),
		.hash_func = rte_jhash,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "ctl_tunnels_%u", instances++);
	ctl->tunnel = rte_zmalloc_socket("ctl_tunnels", sizeof(*ctl->tunnel) * ctl->max_tunnels, 0,
					 socket_id);
	ctl->prefix_index_stale = true;
	ctl->tunnel_by_key = rte_hash_create(&hp);
	return ctl->tunnel == NULL || ctl->tunnel_by_key == NULL ? -ENOMEM : 0;
}

void
ctl_tunnels_free(struct ctl *ctl)
{
	rte_hash_free(ctl->tunnel_by_key);
	rte_free(ctl->tunnel);
	free(ctl->prefix_index);
}

static struct tunnel_key
key_of(uint32_t site, const struct sa_ts *local, const struct sa_ts *remote)
{
	struct tunnel_key k = {
		.site = site,
		.local_addr = local->addr,
		.local_len = local->plen,
		.remote_addr = remote->addr,
		.remote_len = remote->plen,
	};

	return k;
}

/*
 * Every site's branch prefixes, sorted by (address, length): "does this
 * prefix overlap another site's?" in O(log n), so 100,000 sites start in
 * seconds. Rebuilt on first use after the sites changed.
 */
static int
prefix_order(const void *a, const void *b)
{
	const struct ctl_branch_prefix *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->plen - (int)y->plen;
}

static int
index_build(struct ctl *ctl)
{
	const struct cfg *cfg = ctl->cfg;
	struct ctl_branch_prefix *bp;
	unsigned n = 0;

	for (unsigned i = 0; i < cfg->n_sites; i++)
		n += cfg->sites[i].name[0] != '\0' ? cfg->sites[i].n_remote : 0;
	bp = realloc(ctl->prefix_index, sizeof(*bp) * (n ? n : 1));
	if (bp == NULL)
		return -ENOMEM;
	n = 0;
	for (unsigned i = 0; i < cfg->n_sites; i++) {
		const struct cfg_site *st = &cfg->sites[i];

		for (unsigned j = 0; st->name[0] != '\0' && j < st->n_remote; j++)
			bp[n++] = (struct ctl_branch_prefix){ st->remote[j].addr,
							      st->remote[j].plen, i };
	}
	qsort(bp, n, sizeof(*bp), prefix_order);
	ctl->prefix_index = bp;
	ctl->n_prefix_index = n;
	ctl->prefix_index_stale = false;
	return 0;
}

void
ctl_tunnels_sites_changed(struct ctl *ctl)
{
	ctl->prefix_index_stale = true;
}

/* First entry not below (addr, plen). */
static unsigned
lower_bound(const struct ctl *ctl, uint32_t addr, uint8_t plen)
{
	const struct ctl_branch_prefix key = { addr, plen, 0 };
	unsigned lo = 0, hi = ctl->n_prefix_index;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (prefix_order(&ctl->prefix_index[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does p overlap a branch prefix of another site? */
static bool
shared(struct ctl *ctl, uint32_t site, const struct sa_ts *p)
{
	const struct ctl_branch_prefix *ix;
	uint32_t end = p->addr | ~net_mask(p->plen);
	unsigned k;

	if (ctl->prefix_index_stale && index_build(ctl) != 0)
		return true; /* unsure: keep it out of the SPD */
	ix = ctl->prefix_index;
	/* Prefixes containing p: p's address cut to each shorter length. */
	for (unsigned l = 0; l < p->plen; l++) {
		uint32_t a = p->addr & net_mask((uint8_t)l);

		for (k = lower_bound(ctl, a, (uint8_t)l);
		     k < ctl->n_prefix_index && ix[k].plen == l && ix[k].addr == a; k++)
			if (ix[k].site != site)
				return true;
	}
	/* p itself, and prefixes inside it (a site has at most a few). */
	for (k = lower_bound(ctl, p->addr, p->plen);
	     k < ctl->n_prefix_index && ix[k].addr <= end && ix[k].addr >= p->addr; k++)
		if (ix[k].site != site)
			return true;
	return false;
}

static bool
overlap(const struct sa_ts *a, const struct sa_ts *b)
{
	uint8_t plen = a->plen < b->plen ? a->plen : b->plen;

	return ((a->addr ^ b->addr) & net_mask(plen)) == 0;
}

#define WITHDRAW_BATCH 16

struct withdraw_walk {
	const struct ctl *ctl;
	uint32_t site;
	const struct sa_ts *p;
	unsigned n;
	struct sa_ts prefix[WITHDRAW_BATCH];
	uint32_t tunnel[WITHDRAW_BATCH];
};

static void
find_routed_overlap(const struct sa_ts *q, uint32_t tunnel, void *arg)
{
	struct withdraw_walk *w = arg;

	if (tunnel >= w->ctl->max_tunnels || w->ctl->tunnel[tunnel].site == w->site ||
	    !overlap(q, w->p) || w->n == WITHDRAW_BATCH)
		return;
	w->prefix[w->n] = *q;
	w->tunnel[w->n++] = tunnel;
}

/*
 * Site's branch prefixes arrived at run time. A prefix another site's
 * tunnel routes that overlaps one of them leaves the SPD, as it would
 * have stayed out had both sites been there when that tunnel was made:
 * which branch the cloud means became ambiguous. (It does not come back
 * when the newcomer goes; the tunnel's next incarnation decides anew.)
 */
void
ctl_tunnels_withdraw_shared(struct ctl *ctl, uint32_t site)
{
	const struct cfg_site *s = ctl_site(ctl, site);
	char pfx[NET_PREFIX_STR_MAX];

	for (unsigned i = 0; s != NULL && i < s->n_remote; i++) {
		struct sa_ts p = { s->remote[i].addr, s->remote[i].plen };
		struct withdraw_walk w = { .ctl = ctl, .site = site, .p = &p };

		if (!shared(ctl, site, &p))
			continue; /* the common case: no walk */
		do {
			w.n = 0;
			sa_db_spd_walk(ctl->sa, find_routed_overlap, &w);
			for (unsigned k = 0; k < w.n; k++) {
				if (sa_tunnel_withdraw(ctl->sa, w.tunnel[k], &w.prefix[k]) != 0)
					continue;
				ctl->ctr[CTL_CTR_PREFIX_SHARED]++;
				CTL_LOG(INFO,
					"site %s: %s overlaps site %s's subnet: reached through "
					"NAT sessions only",
					ctl_site_name(ctl, ctl->tunnel[w.tunnel[k]].site),
					net_prefix_str(w.prefix[k].addr, w.prefix[k].plen, pfx),
					s->name);
			}
		} while (w.n == WITHDRAW_BATCH);
	}
}

/*
 * The tunnel for this site and selectors, created if new, with one more
 * reference. spd/n_spd: the remote prefixes the SPD should map to it.
 */
int
ctl_tunnel_hold(struct ctl *ctl, uint32_t site, const struct sa_ts *local,
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

	if (rte_hash_lookup_data(ctl->tunnel_by_key, &k, &data) >= 0) {
		t = (uint32_t)(uintptr_t)data;
		ctl->tunnel[t].refs++;
		*tunnel = t;
		return 0;
	}
	/* Next fit: ids are handed out in turn, so finding one is O(1) in practice. */
	t = ctl->tunnel_next % ctl->max_tunnels;
	for (uint32_t tries = 0; tries < ctl->max_tunnels && ctl->tunnel[t].used; tries++)
		t = (t + 1) % ctl->max_tunnels;
	if (ctl->tunnel[t].used)
		return -ENOSPC;
	ctl->tunnel_next = t + 1;
	for (unsigned i = 0; i < n_spd && n < SA_MAX_TS; i++) {
		if (!shared(ctl, site, &spd[i])) {
			routed[n++] = spd[i];
			continue;
		}
		ctl->ctr[CTL_CTR_PREFIX_SHARED]++;
		CTL_LOG(INFO,
			"site %s: %s overlaps another site's subnet: reached through "
			"NAT sessions only",
			ctl_site_name(ctl, site), net_prefix_str(spd[i].addr, spd[i].plen, pfx));
	}
	rc = sa_tunnel_add(ctl->sa, t, site, routed, n);
	if (rc == -EEXIST) /* the same prefix in another tunnel of this site */
		rc = sa_tunnel_add(ctl->sa, t, site, NULL, 0);
	if (rc != 0)
		return rc;
	if (rte_hash_add_key_data(ctl->tunnel_by_key, &k, (void *)(uintptr_t)t) != 0) {
		sa_tunnel_del(ctl->sa, t);
		return -ENOSPC;
	}
	ctl->tunnel[t] = (struct ctl_tunnel){ .used = 1,
					      .refs = 1,
					      .site = site,
					      .next_out = SA_NONE,
					      .key_local = *local,
					      .key_remote = *remote };
	*tunnel = t;
	return 0;
}

/* Drop a reference; the last one removes the tunnel and its SPD entries. */
void
ctl_tunnel_release(struct ctl *ctl, uint32_t tunnel)
{
	struct ctl_tunnel *t = &ctl->tunnel[tunnel];
	struct tunnel_key k;

	if (!t->used || --t->refs > 0)
		return;
	k = key_of(t->site, &t->key_local, &t->key_remote);
	rte_hash_del_key(ctl->tunnel_by_key, &k);
	sa_tunnel_del(ctl->sa, tunnel);
	/* Its NAT sessions die with it: the id may serve another branch next. */
	if (ctl->nat != NULL)
		nat_flush_tunnel(ctl->nat, tunnel);
	memset(t, 0, sizeof(*t));
}

/*
 * The tunnel's outbound SA. The first one is used at once. A successor (a
 * rekey) waits in next_out until ctl_tunnel_out_commit(): the old one
 * carries the traffic meanwhile (child.c says when to commit).
 */
int
ctl_tunnel_out_offer(struct ctl *ctl, uint32_t tunnel, uint32_t id)
{
	if (sa_db_tunnel_out(ctl->sa, tunnel) == SA_NONE)
		return sa_tunnel_set_out(ctl->sa, tunnel, id);
	ctl->tunnel[tunnel].next_out = id;
	return 0;
}

int
ctl_tunnel_out_commit(struct ctl *ctl, uint32_t tunnel)
{
	uint32_t id = ctl->tunnel[tunnel].next_out;

	if (id == SA_NONE)
		return 0;
	ctl->tunnel[tunnel].next_out = SA_NONE;
	ctl->sa_meta[id].commit_by_ms = 0;
	return sa_tunnel_set_out(ctl->sa, tunnel, id);
}

/* SA id is about to go: a waiting successor of it takes over now. */
void
ctl_tunnel_sa_leaving(struct ctl *ctl, uint32_t tunnel, uint32_t id)
{
	struct ctl_tunnel *t = &ctl->tunnel[tunnel];

	if (t->next_out == id) {
		t->next_out = SA_NONE;
	} else if (t->next_out != SA_NONE && sa_db_tunnel_out(ctl->sa, tunnel) == id) {
		ctl->ctr[CTL_CTR_COMMIT_LEAVING]++;
		ctl_tunnel_out_commit(ctl, tunnel);
	}
}

int
ctl_tunnel_get(const struct ctl *ctl, uint32_t tunnel, struct ctl_tunnel_info *out)
{
	const struct ctl_tunnel *t;

	if (tunnel >= ctl->max_tunnels || !ctl->tunnel[tunnel].used)
		return -ENOENT;
	t = &ctl->tunnel[tunnel];
	*out = (struct ctl_tunnel_info){
		.site = t->site,
		.sas = t->refs,
		.out = sa_db_tunnel_out(ctl->sa, tunnel),
		.next_out = t->next_out,
		.local = t->key_local,
		.remote = t->key_remote,
	};
	return 0;
}
