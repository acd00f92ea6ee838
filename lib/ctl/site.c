/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sites: the slots of cfg->sites, their protected subnets, and who keys
 * them (an engine, or the file's hand-keyed pair).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>

#include "nat.h"
#include "priv.h"

/* A NAT rule names the slot: it keeps it, so no other site inherits the rule. */
static bool
nat_rule_slot(const struct ctl *ctl, uint32_t site)
{
	for (unsigned r = 0; ctl->nat != NULL && r < ctl->cfg->nat.n_rules; r++)
		if (ctl->cfg->nat.rules[r].site == site)
			return true;
	return false;
}

/*
 * A hole (not one a NAT rule names), else a new slot. The table grows by
 * half again and never in place: the block it leaves holds every site's
 * PSK and keys, and is wiped before it goes back to malloc.
 */
static int
free_slot(struct ctl *ctl, uint32_t *site)
{
	struct cfg *cfg = ctl->cfg;
	struct cfg_site *grown;
	unsigned n = cfg->n_sites, cap;

	for (unsigned i = 0; i < n; i++)
		if (cfg->sites[i].name[0] == '\0' && !nat_rule_slot(ctl, i)) {
			*site = i;
			return 0;
		}
	/* A site id is also a NAT site id and fits beside the tunnels. */
	if (n >= ctl->max_tunnels)
		return -ENOSPC;
	if (n == ctl->site_slots_allocated) {
		cap = n + n / 2 + 8 < ctl->max_tunnels ? n + n / 2 + 8 : ctl->max_tunnels;
		grown = calloc(cap, sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		if (n > 0) {
			memcpy(grown, cfg->sites, sizeof(*grown) * n);
			explicit_bzero(cfg->sites, sizeof(*grown) * n);
		}
		free(cfg->sites);
		cfg->sites = grown;
		ctl->site_slots_allocated = cap;
	}
	memset(&cfg->sites[n], 0, sizeof(cfg->sites[n]));
	cfg->n_sites = n + 1;
	*site = n;
	return 0;
}

/*
 * A configured site's branch subnets are protected whether its tunnels are
 * up or not: traffic toward them is encrypted or dropped, and cleartext
 * from them refused (lib/sa's SPD DISCARD).
 */
static int
protect(struct ctl *ctl, const struct cfg_site *s, bool on)
{
	for (unsigned i = 0; i < s->n_remote; i++) {
		struct sa_ts p = { s->remote[i].addr, s->remote[i].plen };
		int rc = on ? sa_spd_protect(ctl->sa, &p) : sa_spd_unprotect(ctl->sa, &p);

		if (rc != 0 && on) {
			while (i-- > 0)
				sa_spd_unprotect(ctl->sa, &(struct sa_ts){ s->remote[i].addr,
									   s->remote[i].plen });
			return rc;
		}
	}
	return 0;
}

static int
engine_site_add(struct ctl *ctl, uint32_t site, uint64_t now_ms)
{
	const struct cfg_site *s = &ctl->cfg->sites[site];
	struct ctl_site_state *st = &ctl->site[site];
	int rc;

	if (ctl->ops == NULL)
		return -ENOTSUP;
	rc = ctl->ops->site_add(ctl->engine, site, s, now_ms, &st->engine_site, &st->max_sas);
	if (rc != 0)
		return rc;
	rc = ctl_engine_site_map(ctl, st->engine_site, site);
	if (rc != 0)
		ctl->ops->site_del(ctl->engine, s, now_ms);
	return rc;
}

/* Key the site as cfg->sites[site] says: an engine's site, or the file's pair. */
static int
key(struct ctl *ctl, uint32_t site, uint64_t now_ms)
{
	const struct cfg_site *s = &ctl->cfg->sites[site];
	int rc = s->ike ? engine_site_add(ctl, site, now_ms) : ctl_manual_site_setup(ctl, site);

	if (rc != 0 && !s->ike)
		ctl_manual_site_clear(ctl, site);
	ctl->site[site].keyed = rc == 0;
	return rc;
}

/*
 * Undo key(): an engine deletes its SAs. Then every SA left on the site's
 * list goes, keyed or not: hand-keyed ones (those of an unkeyed site were
 * added by hand), and any an engine forgot (its stale handles miss).
 */
static void
unkey(struct ctl *ctl, uint32_t site, uint64_t now_ms)
{
	const struct cfg_site *s = &ctl->cfg->sites[site];
	uint32_t id;

	if (ctl->site[site].keyed && s->ike) {
		ctl->ops->site_del(ctl->engine, s, now_ms);
		ctl_engine_site_unmap(ctl, ctl->site[site].engine_site);
	}
	while ((id = ctl->site[site].first_sa) != SA_NONE)
		if (ctl_sa_del(ctl, id) != 0)
			break; /* cannot be: the list holds live SAs only */
	ctl->site[site].keyed = false;
}

static void
site_state_reset(struct ctl *ctl, uint32_t site)
{
	ctl->site[site] = (struct ctl_site_state){ .first_sa = SA_NONE };
}

/* A name as the map's key: NUL-padded; false if no site can have it. */
static bool
name_key(const char *name, char key[CTL_SITE_NAME_LEN])
{
	size_t len = strnlen(name, CTL_SITE_NAME_LEN);

	if (len == 0 || len == CTL_SITE_NAME_LEN)
		return false;
	memset(key, 0, CTL_SITE_NAME_LEN);
	memcpy(key, name, len);
	return true;
}

/* Set up slot site (cfg->sites[site] filled): subnets protected, then keys. */
int
ctl_site_install(struct ctl *ctl, uint32_t site, uint64_t now_ms)
{
	const struct cfg_site *s = &ctl->cfg->sites[site];
	int rc = protect(ctl, s, true);

	if (rc != 0)
		return rc;
	rc = key(ctl, site, now_ms);
	if (rc == 0) {
		char k[CTL_SITE_NAME_LEN];

		rc = name_key(s->name, k) ?
			     rte_hash_add_key_data(ctl->site_by_name, k, (void *)(uintptr_t)site) :
			     -EINVAL;
		if (rc != 0)
			unkey(ctl, site, now_ms);
	}
	if (rc != 0) {
		protect(ctl, s, false);
		return rc;
	}
	ctl->ctr[CTL_CTR_SITES_ADDED]++;
	return 0;
}

int
ctl_sites_install(struct ctl *ctl, uint64_t now_ms)
{
	const struct cfg *cfg = ctl->cfg;

	if (cfg->n_sites > ctl->max_tunnels) {
		CTL_LOG(ERR, "%s: %u sites, but esp.max_tunnels = %u", cfg->path, cfg->n_sites,
			ctl->max_tunnels);
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < cfg->n_sites; i++) {
		int rc = ctl_site_install(ctl, i, now_ms);

		if (rc != 0) {
			CTL_LOG(ERR,
				"%s:%u: sites[%u] (%s): cannot install: %s "
				"(esp.max_sas = %u, esp.max_tunnels = %u)",
				cfg->path, cfg->sites[i].line, i, cfg->sites[i].name, strerror(-rc),
				ctl->max_sas, ctl->max_tunnels);
			return rc;
		}
	}
	if (cfg->n_sites)
		CTL_LOG(INFO, "%u sites, %u SAs", cfg->n_sites, sa_db_count(ctl->sa));
	return 0;
}

int
ctl_site_add(struct ctl *ctl, const struct cfg_site *s, uint64_t now_ms, uint32_t *site)
{
	int rc;

	if (s->name[0] == '\0')
		return -EINVAL;
	if (ctl_site_find(ctl, s->name) >= 0)
		return -EEXIST;
	rc = free_slot(ctl, site);
	if (rc != 0)
		return rc;
	ctl->cfg->sites[*site] = *s;
	site_state_reset(ctl, *site);
	ctl_tunnels_sites_changed(ctl);
	rc = ctl_site_install(ctl, *site, now_ms);
	if (rc != 0) {
		explicit_bzero(&ctl->cfg->sites[*site], sizeof(struct cfg_site));
		ctl_tunnels_sites_changed(ctl);
		return rc;
	}
	ctl_tunnels_withdraw_shared(ctl, *site);
	return 0;
}

void
ctl_site_del(struct ctl *ctl, uint32_t site, uint64_t now_ms)
{
	char k[CTL_SITE_NAME_LEN];

	if (ctl_site(ctl, site) == NULL)
		return;
	unkey(ctl, site, now_ms);
	protect(ctl, &ctl->cfg->sites[site], false);
	if (name_key(ctl->cfg->sites[site].name, k))
		rte_hash_del_key(ctl->site_by_name, k);
	if (ctl->nat != NULL)
		nat_flush_site(ctl->nat, site);
	explicit_bzero(&ctl->cfg->sites[site], sizeof(struct cfg_site));
	ctl_tunnels_sites_changed(ctl);
	ctl->ctr[CTL_CTR_SITES_REMOVED]++;
}

/*
 * An engine's site keeps its tunnels if the engine can apply s in place
 * (it decides: only timers and the like changed); a hand-keyed site, or a
 * change of keying, is keyed anew. Either way the new subnets are
 * protected before the old ones are let go, so no packet toward the branch
 * leaves in clear meanwhile. If the new keys cannot be set up, the site
 * stays with s, down but protected, and the next reload tries again.
 */
int
ctl_site_set(struct ctl *ctl, uint32_t site, const struct cfg_site *s, uint64_t now_ms)
{
	struct cfg_site *cur = ctl->cfg->sites + site;
	struct ctl_site_state *st = &ctl->site[site];
	struct cfg_site old;
	int rc;

	if (ctl_site(ctl, site) == NULL)
		return -ENOENT;
	if (strcmp(cur->name, s->name) != 0)
		return -EINVAL;
	rc = protect(ctl, s, true);
	if (rc != 0)
		return rc; /* protect() undid itself */
	if (cur->ike && s->ike && st->keyed) {
		rc = ctl->ops->site_update(ctl->engine, s, now_ms, &st->max_sas);
		if (rc != 0) {
			protect(ctl, s, false);
			return rc;
		}
		protect(ctl, cur, false);
		*cur = *s;
		ctl_tunnels_sites_changed(ctl);
		ctl_tunnels_withdraw_shared(ctl, site);
		return 0;
	}
	unkey(ctl, site, now_ms);
	old = *cur;
	*cur = *s;
	ctl_tunnels_sites_changed(ctl);
	ctl_tunnels_withdraw_shared(ctl, site);
	rc = key(ctl, site, now_ms);
	protect(ctl, &old, false);
	explicit_bzero(&old, sizeof(old));
	if (rc != 0)
		CTL_LOG(ERR, "site %s: down: its new configuration cannot be keyed: %s", s->name,
			strerror(-rc));
	return rc;
}

bool
ctl_site_keyed(const struct ctl *ctl, uint32_t site)
{
	return ctl_site(ctl, site) != NULL && ctl->site[site].keyed;
}

uint32_t
ctl_site_slots(const struct ctl *ctl)
{
	return ctl->cfg->n_sites;
}

const struct cfg_site *
ctl_site(const struct ctl *ctl, uint32_t site)
{
	if (site >= ctl->cfg->n_sites || ctl->cfg->sites[site].name[0] == '\0')
		return NULL;
	return &ctl->cfg->sites[site];
}

int
ctl_site_find(const struct ctl *ctl, const char *name)
{
	char k[CTL_SITE_NAME_LEN];
	void *data;

	if (!name_key(name, k) || rte_hash_lookup_data(ctl->site_by_name, k, &data) < 0)
		return -1;
	return (int)(uintptr_t)data;
}

const char *
ctl_site_name(const struct ctl *ctl, uint32_t site)
{
	const struct cfg_site *s = ctl_site(ctl, site);

	return s != NULL ? s->name : "-";
}
