/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config reload: the file's site changes applied to the running sites,
 * unchanged ones untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat.h"
#include "priv.h"

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
		    (sa != NAT_SITE_ANY && strcmp(old->sites[sa].name, new->sites[sb].name) != 0))
			return false;
		a.rules[r].site = b.rules[r].site = 0;
	}
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Sections a running esphub cannot change. */
static bool
restart_needed(const struct cfg *old, const struct cfg *new)
{
	return old->workers != new->workers || old->n_ports != new->n_ports ||
	       memcmp(old->ports, new->ports, sizeof(old->ports[0]) * old->n_ports) != 0 ||
	       old->n_routes != new->n_routes ||
	       (old->n_routes &&
		memcmp(old->routes, new->routes, sizeof(old->routes[0]) * old->n_routes) != 0) ||
	       old->n_neighbours != new->n_neighbours || !SAME(tables) || !SAME(esp) ||
	       old->n_bypass != new->n_bypass || !SAME(bypass) ||
	       strcmp(old->crypto_engine, new->crypto_engine) != 0 ||
	       old->icmp_error_rate != new->icmp_error_rate ||
	       old->idle_sleep_us != new->idle_sleep_us || !same_nat(old, new);
}

static void
default_psk(struct ctl *ctl, const struct cfg *new)
{
	struct ike_config *cur = &ctl->cfg->ike;

	if (new->ike.default_psk_len == cur->default_psk_len &&
	    memcmp(new->ike.default_psk, cur->default_psk, sizeof(cur->default_psk)) == 0)
		return;
	if (ctl->ops != NULL && ctl->ops->default_psk_set(ctl->engine, new->ike.default_psk,
							  new->ike.default_psk_len) != 0)
		return;
	memcpy(cur->default_psk, new->ike.default_psk, sizeof(cur->default_psk));
	cur->default_psk_len = new->ike.default_psk_len;
}

/* The fresh file's sites by name, so that a reload is O(n log n) in sites. */
struct by_name {
	const struct cfg *cfg;
	uint32_t *idx;
};

static int
name_order(const void *a, const void *b, void *arg)
{
	const struct cfg *cfg = arg;

	return strcmp(cfg->sites[*(const uint32_t *)a].name, cfg->sites[*(const uint32_t *)b].name);
}

static bool
by_name_build(struct by_name *bn, const struct cfg *cfg)
{
	bn->cfg = cfg;
	bn->idx = malloc(sizeof(*bn->idx) * (cfg->n_sites ? cfg->n_sites : 1));
	if (bn->idx == NULL)
		return false;
	for (uint32_t k = 0; k < cfg->n_sites; k++)
		bn->idx[k] = k;
	qsort_r(bn->idx, cfg->n_sites, sizeof(*bn->idx), name_order, (void *)cfg);
	return true;
}

static int
name_in(const struct by_name *bn, const char *name)
{
	size_t lo = 0, hi = bn->cfg->n_sites;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(bn->cfg->sites[bn->idx[mid]].name, name);

		if (c == 0)
			return (int)bn->idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
ctl_reload(struct ctl *ctl, const struct cfg *new, uint64_t now_ms, char *out, size_t len)
{
	const struct cfg *old = ctl->cfg;
	unsigned added = 0, changed = 0, removed = 0, kept = 0, failed = 0;
	size_t used = strnlen(out, len);
	struct by_name fresh;

	if (!by_name_build(&fresh, new)) {
		if (used < len)
			snprintf(out + used, len - used, "not applied: out of memory\n");
		return -ENOMEM;
	}
	if (restart_needed(old, new))
		used += (size_t)snprintf(out + used, len - used,
					 "not applied: changes outside "
					 "sites and ike.default_psk need a restart\n");
	default_psk(ctl, new);
	for (uint32_t i = 0; i < old->n_sites; i++) {
		int j;

		if (old->sites[i].name[0] == '\0')
			continue;
		j = name_in(&fresh, old->sites[i].name);
		if (j < 0) {
			ctl_site_del(ctl, i, now_ms);
			removed++;
		} else if (same_site(&old->sites[i], &new->sites[j]) && ctl_site_keyed(ctl, i)) {
			kept++;
		} else if (ctl_site_set(ctl, i, &new->sites[j], now_ms) == 0) {
			changed++;
		} else {
			failed++;
		}
	}
	for (unsigned k = 0; k < new->n_sites; k++) {
		uint32_t site;

		if (ctl_site_find(ctl, new->sites[k].name) >= 0)
			continue;
		if (ctl_site_add(ctl, &new->sites[k], now_ms, &site) == 0)
			added++;
		else
			failed++;
	}
	free(fresh.idx);
	if (used < len)
		snprintf(out + used, len - used,
			 "sites: %u added, %u changed, %u removed, "
			 "%u unchanged%s\n",
			 added, changed, removed, kept,
			 failed ? " (some failed: see the log)" : "");
	CTL_LOG(NOTICE,
		"config reload: %u sites added, %u changed, %u removed, %u unchanged, "
		"%u failed",
		added, changed, removed, kept, failed);
	return failed ? -EIO : 0;
}
