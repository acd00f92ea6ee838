/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sites at run time: add, replace, remove, and "config reload", which
 * applies the file's site changes without touching unchanged tunnels.
 *
 * cfg.sites is the site table. A site keeps its slot (its index is what
 * SAs and NAT sessions refer to); a removed site leaves a hole (empty
 * name) that the next added site fills.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

/* A NAT rule names the slot: it keeps it, so no other site inherits the rule. */
static bool
nat_rule_slot(const struct app *app, unsigned idx)
{
	for (unsigned r = 0; app->nat != NULL && r < app->cfg.nat.n_rules; r++)
		if (app->cfg.nat.rules[r].site == idx)
			return true;
	return false;
}

static int
free_slot(struct app *app, unsigned *idx)
{
	struct cfg_site *grown;
	unsigned n = app->cfg.n_sites;

	for (unsigned i = 0; i < n; i++)
		if (app->cfg.sites[i].name[0] == '\0' && !nat_rule_slot(app, i)) {
			*idx = i;
			return 0;
		}
	if (n >= app->cfg.esp.max_tunnels)
		return -ENOSPC;
	/* Under app->lock, as all control-core work: telemetry reads names. */
	grown = realloc(app->cfg.sites, sizeof(*grown) * (n + 1));
	if (grown != NULL) {
		memset(&grown[n], 0, sizeof(*grown));
		app->cfg.sites = grown;
		app->cfg.n_sites = n + 1;
	}
	if (grown == NULL)
		return -ENOMEM;
	*idx = n;
	return 0;
}

/*
 * A configured site's branch subnets are protected whether its tunnels are
 * up or not: traffic toward them is encrypted or dropped, and cleartext
 * from them refused (lib/sa's SPD DISCARD).
 */
static int
protect(struct app *app, const struct cfg_site *s, bool on)
{
	for (unsigned i = 0; i < s->n_remote; i++) {
		struct sa_ts p = { s->remote[i].addr, s->remote[i].plen };
		int rc = on ? sa_spd_protect(app->sa, &p) : sa_spd_unprotect(app->sa, &p);

		if (rc != 0 && on) {
			while (i-- > 0)
				sa_spd_unprotect(app->sa, &(struct sa_ts){ s->remote[i].addr,
									   s->remote[i].plen });
			return rc;
		}
	}
	return 0;
}

int
app_site_install(struct app *app, unsigned idx)
{
	const struct cfg_site *s = &app->cfg.sites[idx];
	int rc = protect(app, s, true);

	if (rc != 0)
		return rc;
	rc = s->ike ? app_ike_site_add(app, idx) : app_manual_site_setup(app, idx);
	if (rc != 0)
		protect(app, s, false);
	return rc;
}

/* Remove what slot idx installed: IKE deletes its SAs; ours go here. */
static void
uninstall(struct app *app, unsigned idx)
{
	const struct cfg_site *s = &app->cfg.sites[idx];

	if (s->ike) {
		uint64_t key = app->site[idx].ike_id;

		ike_site_del(app->ike, s->name, app_now_ms());
		rte_hash_del_key(app->ike_site_map, &key);
	} else {
		for (uint32_t id = 0; id < app->cfg.esp.max_sas; id++) {
			const struct sa *sa = sa_db_get(app->sa, id);

			if (sa != NULL && sa->site == idx && !app->sa_meta[id].ike)
				app_sa_del(app, id);
		}
	}
	protect(app, s, false);
}

int
app_site_insert(struct app *app, const struct cfg_site *s, unsigned *idx)
{
	int rc;

	if (app_site_index(app, s->name) >= 0)
		return -EEXIST;
	rc = free_slot(app, idx);
	if (rc != 0)
		return rc;
	app->cfg.sites[*idx] = *s;
	app->site[*idx] = (struct app_site){ 0 };
	app_tunnels_sites_changed(app);
	rc = app_site_install(app, *idx);
	if (rc != 0) {
		explicit_bzero(&app->cfg.sites[*idx], sizeof(struct cfg_site));
		app_tunnels_sites_changed(app);
	}
	return rc;
}

void
app_site_remove(struct app *app, unsigned idx)
{
	uninstall(app, idx);
	if (app->nat != NULL)
		nat_flush_site(app->nat, idx);
	explicit_bzero(&app->cfg.sites[idx], sizeof(struct cfg_site));
	app_tunnels_sites_changed(app);
}

/*
 * Replace slot idx's configuration with s (same name). IKE decides itself
 * whether its tunnels survive (only DPD, lifetimes, aggressive, initiate
 * changed: they do); a hand-keyed site is set up anew.
 */
int
app_site_replace(struct app *app, unsigned idx, const struct cfg_site *s)
{
	struct cfg_site *cur = &app->cfg.sites[idx];
	int rc;

	if (cur->ike && s->ike) {
		rc = protect(app, s, true);
		if (rc != 0)
			return rc;        /* protect() undid itself */
		rc = ike_site_update(app->ike, &s->ike_params, app_now_ms());
		if (rc == 0) {
			protect(app, cur, false);
			*cur = *s;
		} else {
			protect(app, s, false);
		}
		app_tunnels_sites_changed(app);
		return rc;
	}
	uninstall(app, idx);
	*cur = *s;
	app_tunnels_sites_changed(app);
	return app_site_install(app, idx);
}

/* Same configuration? (The line it was read from does not count.) */
static bool
same_site(const struct cfg_site *a, const struct cfg_site *b)
{
	struct cfg_site x = *a, y = *b;
	bool same;

	x.line = y.line = 0;
	same = memcmp(&x, &y, sizeof(x)) == 0;
	explicit_bzero(&x, sizeof(x));
	explicit_bzero(&y, sizeof(y));
	return same;
}

#define SAME(field) (memcmp(&old->field, &new->field, sizeof(old->field)) == 0)

/*
 * The nat sections agree? Rules name sites by slot in the running
 * configuration and by index in the file: compare the names.
 */
static bool
same_nat(const struct cfg *old, const struct cfg *new)
{
	struct nat_config a = old->nat, b = new->nat;

	if (old->nat_enabled != new->nat_enabled || a.n_rules != b.n_rules)
		return false;
	for (unsigned r = 0; r < a.n_rules; r++) {
		uint32_t sa = a.rules[r].site, sb = b.rules[r].site;

		if ((sa == NAT_SITE_ANY) != (sb == NAT_SITE_ANY) ||
		    (sa != NAT_SITE_ANY &&
		     strcmp(old->sites[sa].name, new->sites[sb].name) != 0))
			return false;
		a.rules[r].site = b.rules[r].site = 0;
	}
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Sections a running esphub cannot change. */
static void
restart_needed(const struct cfg *old, const struct cfg *new, char *out, size_t len)
{
	size_t used = strlen(out);

	if (old->workers != new->workers || old->n_ports != new->n_ports ||
	    memcmp(old->ports, new->ports, sizeof(old->ports[0]) * old->n_ports) != 0 ||
	    old->n_routes != new->n_routes ||
	    (old->n_routes && memcmp(old->routes, new->routes,
				     sizeof(old->routes[0]) * old->n_routes) != 0) ||
	    old->n_neighbours != new->n_neighbours || !SAME(tables) || !SAME(esp) ||
	    old->n_bypass != new->n_bypass || !SAME(bypass) ||
	    strcmp(old->crypto_engine, new->crypto_engine) != 0 ||
	    old->icmp_error_rate != new->icmp_error_rate ||
	    old->idle_sleep_us != new->idle_sleep_us || !same_nat(old, new))
		snprintf(out + used, len - used,
			 "not applied: changes outside sites and ike.default_psk need a restart\n");
}

int
app_config_reload(struct app *app, char *out, size_t len)
{
	struct cfg *old = &app->cfg, fresh;
	struct cfg *new = &fresh;
	unsigned added = 0, changed = 0, removed = 0, kept = 0, failed = 0;
	size_t used;

	out[0] = '\0';
	if (cfg_load(old->path, new, out, len) != 0)
		return -EINVAL;    /* the running configuration stays */
	used = strlen(out);
	if (used > 0)          /* warnings: the report goes on below them */
		snprintf(out + used, len - used, "\n");
	restart_needed(old, new, out, len);
	if (new->ike.default_psk_len != old->ike.default_psk_len ||
	    memcmp(new->ike.default_psk, old->ike.default_psk, sizeof(new->ike.default_psk)) != 0) {
		ike_default_psk_set(app->ike, new->ike.default_psk, new->ike.default_psk_len);
		memcpy(old->ike.default_psk, new->ike.default_psk, sizeof(old->ike.default_psk));
		old->ike.default_psk_len = new->ike.default_psk_len;
	}
	for (unsigned i = 0; i < old->n_sites; i++) {
		int j = -1;

		if (old->sites[i].name[0] == '\0')
			continue;
		for (unsigned k = 0; k < new->n_sites && j < 0; k++)
			if (strcmp(new->sites[k].name, old->sites[i].name) == 0)
				j = (int)k;
		if (j < 0) {
			app_site_remove(app, i);
			removed++;
		} else if (same_site(&old->sites[i], &new->sites[j])) {
			kept++;
		} else if (app_site_replace(app, i, &new->sites[j]) == 0) {
			changed++;
		} else {
			failed++;
		}
	}
	for (unsigned k = 0; k < new->n_sites; k++) {
		unsigned idx;

		if (app_site_index(app, new->sites[k].name) >= 0)
			continue;
		if (app_site_insert(app, &new->sites[k], &idx) == 0)
			added++;
		else
			failed++;
	}
	cfg_free(new);
	used = strlen(out);
	snprintf(out + used, len - used, "sites: %u added, %u changed, %u removed, %u unchanged%s\n",
		 added, changed, removed, kept, failed ? " (some failed: see the log)" : "");
	LOG(NOTICE, "config reload: %u sites added, %u changed, %u removed, %u unchanged, %u failed",
	    added, changed, removed, kept, failed);
	return failed ? -EIO : 0;
}
