/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nat = {
 *   capacity; active_sites; site_cap; site_dest_cap; ports = "1024-65535";
 *   scan_period_ms;
 *   timeouts = { udp; tcp_established; tcp_transitory; icmp; };
 *   pools = ( { name; addresses = [ ... ]; }, ... );
 *   masquerade = ( { destination; [site;] [pool;] }, ... );
 * };
 * Read into lib/nat's own struct nat_config; rules name sites and pools
 * and are resolved here, so errors point at the line.
 */
#include <stdlib.h>
#include <string.h>

#include "net_addr.h"
#include "parser.h"

static const char *const nat_fields[] = {
	"capacity",       "active_sites", "site_cap", "site_dest_cap", "ports",
	"scan_period_ms", "timeouts",     "pools",    "masquerade",    NULL
};
static const char *const timeout_fields[] = { "udp", "tcp_established", "tcp_transitory", "icmp",
					      NULL };
static const char *const pool_fields[] = { "name", "addresses", NULL };
static const char *const rule_fields[] = { "destination", "site", "pool", NULL };

#define MAX_POOL_NAME 32

static bool
parse_ports(struct parser *p, const config_setting_t *g, struct nat_config *c)
{
	const char *s = NULL;
	char *end;
	unsigned long lo, hi;

	if (!conf_string(p, g, "nat", "ports", false, 16, &s) || s == NULL)
		return s == NULL;
	lo = strtoul(s, &end, 10);
	if (*end != '-' || (hi = strtoul(end + 1, &end, 10), *end != '\0') || lo < 1 ||
	    hi > 65535 || lo >= hi) {
		conf_error(p, config_setting_get_member(g, "ports"), "nat.ports",
			   "\"%s\" is not a port range LOW-HIGH within 1-65535", s);
		return false;
	}
	c->port_min = (uint16_t)lo;
	c->port_max = (uint16_t)hi;
	return true;
}

static bool
parse_timeouts(struct parser *p, const config_setting_t *g, struct nat_config *c)
{
	const config_setting_t *t = config_setting_get_member(g, "timeouts");
	bool ok;

	if (t == NULL)
		return true;
	if (!config_setting_is_group(t)) {
		conf_error(p, t, "nat.timeouts", "expected a group { udp; tcp_established; ... }");
		return false;
	}
	ok = conf_known_members(p, t, "nat.timeouts", timeout_fields);
	ok &= conf_uint(p, t, "nat.timeouts", "udp", false, 1, 2000000, &c->timeout_s[NAT_TMO_UDP]);
	ok &= conf_uint(p, t, "nat.timeouts", "tcp_established", false, 1, 2000000,
			&c->timeout_s[NAT_TMO_TCP_EST]);
	ok &= conf_uint(p, t, "nat.timeouts", "tcp_transitory", false, 1, 2000000,
			&c->timeout_s[NAT_TMO_TCP_TRANS]);
	ok &= conf_uint(p, t, "nat.timeouts", "icmp", false, 1, 2000000,
			&c->timeout_s[NAT_TMO_ICMP]);
	return ok;
}

static bool
own_address(const struct cfg *cfg, uint32_t a)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].addr == a)
			return true;
	return false;
}

static bool
parse_pools(struct parser *p, const config_setting_t *g, const struct cfg *cfg,
	    struct nat_config *c, char names[][MAX_POOL_NAME])
{
	const config_setting_t *l = config_setting_get_member(g, "pools");
	char f[FIELD_MAX], fa[FIELD_MAX], fi[FIELD_MAX];
	bool ok = true;
	int n;

	if (l == NULL) {
		/* Default: one pool, the first inside port's address. */
		for (unsigned i = 0; i < cfg->n_ports; i++)
			if (cfg->ports[i].role == CFG_ROLE_INSIDE) {
				c->n_pools = 1;
				c->pools[0].n_addrs = 1;
				c->pools[0].addr[0] = cfg->ports[i].addr;
				strcpy(names[0], "inside");
				return true;
			}
		conf_error(p, g, "nat.pools", "missing, and no port has role \"inside\"");
		return false;
	}
	n = conf_list(p, g, "pools");
	if (n < 1 || n > NAT_POOLS_MAX) {
		if (n >= 0)
			conf_error(p, l, "nat.pools", "1 to %d pools", NAT_POOLS_MAX);
		return false;
	}
	for (unsigned i = 0; i < (unsigned)n; i++) {
		const config_setting_t *pg = config_setting_get_elem(l, i);
		const config_setting_t *a;
		const char *name = NULL;

		conf_field_index(f, "nat.pools", i);
		ok &= conf_known_members(p, pg, f, pool_fields);
		if (conf_string(p, pg, f, "name", true, MAX_POOL_NAME - 1, &name) && name)
			strcpy(names[i], name);
		a = config_setting_get_member(pg, "addresses");
		conf_field(fa, f, "addresses");
		if (a == NULL || !config_setting_is_array(a) || config_setting_length(a) < 1 ||
		    config_setting_length(a) > NAT_POOL_ADDRS_MAX) {
			conf_error(p, a ? a : pg, fa, "expected an array of 1 to %d addresses",
				   NAT_POOL_ADDRS_MAX);
			ok = false;
			continue;
		}
		c->pools[i].n_addrs = (unsigned)config_setting_length(a);
		for (unsigned j = 0; j < c->pools[i].n_addrs; j++) {
			const char *s = config_setting_get_string_elem(a, (int)j);

			conf_field_index(fi, fa, j);
			if (s == NULL || !net_ipv4_from_str(s, &c->pools[i].addr[j])) {
				conf_error(p, config_setting_get_elem(a, j), fi,
					   "\"%s\" is not an IPv4 address",
					   s ? s : "(not a string)");
				ok = false;
			} else if (!own_address(cfg, c->pools[i].addr[j])) {
				/* The workers answer ARP for port addresses only. */
				conf_error(p, config_setting_get_elem(a, j), fi,
					   "%s is not one of the box's port addresses", s);
				ok = false;
			}
		}
	}
	c->n_pools = (unsigned)n;
	return ok;
}

static int
pool_index(const struct nat_config *c, char names[][MAX_POOL_NAME], const char *name)
{
	for (unsigned i = 0; i < c->n_pools; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -2;
}

static bool
parse_rule(struct parser *p, const config_setting_t *rg, const char *f, const struct cfg *cfg,
	   struct nat_config *c, char names[][MAX_POOL_NAME], struct nat_rule_config *r)
{
	const char *site = NULL, *pool = NULL;
	char ff[FIELD_MAX];
	bool ok = conf_known_members(p, rg, f, rule_fields);

	ok &= conf_prefix(p, rg, f, "destination", true, false, &r->prefix, &r->plen);
	r->site = NAT_SITE_ANY;
	if (conf_string(p, rg, f, "site", false, 31, &site) && site != NULL) {
		unsigned s;

		for (s = 0; s < cfg->n_sites && strcmp(cfg->sites[s].name, site) != 0; s++)
			;
		if (s == cfg->n_sites) {
			conf_error(p, config_setting_get_member(rg, "site"),
				   conf_field(ff, f, "site"), "no site is named \"%s\"", site);
			ok = false;
		}
		r->site = s;
	}
	r->pool = 0;
	if (conf_string(p, rg, f, "pool", false, MAX_POOL_NAME - 1, &pool) && pool != NULL) {
		r->pool = strcmp(pool, "none") == 0 ? NAT_RULE_NO_NAT : pool_index(c, names, pool);
		if (r->pool == -2) {
			conf_error(p, config_setting_get_member(rg, "pool"),
				   conf_field(ff, f, "pool"),
				   "no pool is named \"%s\" (or \"none\": no NAT)", pool);
			ok = false;
		}
	}
	return ok;
}

/*
 * nat_config_check() says "FIELD: why" in lib/nat's names; point at the
 * field's line in the file's names ("rules" are "masquerade" here).
 */
static void
report_check(struct parser *p, const config_setting_t *g, char *err)
{
	char *why = strstr(err, ": "), f[FIELD_MAX], member[FIELD_MAX];
	const char *rest = err;
	const config_setting_t *m;

	if (why == NULL) {
		conf_error(p, g, "nat", "%s", err);
		return;
	}
	*why = '\0';
	if (strncmp(err, "rules", 5) == 0) {
		strcpy(member, "masquerade");
		rest = err + 5;
	} else {
		snprintf(member, sizeof(member), "%.*s", (int)strcspn(err, ".["), err);
		rest = err + strlen(member);
	}
	snprintf(f, sizeof(f), "nat.%s%.*s", member, (int)(sizeof(f) - 16), rest);
	m = config_setting_get_member(g, member);
	conf_error(p, m ? m : g, f, "%s", why + 2);
}

bool
conf_parse_nat(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const config_setting_t *g = config_setting_get_member(root, "nat");
	struct nat_config *c = &cfg->nat;
	char names[NAT_POOLS_MAX][MAX_POOL_NAME] = { { 0 } };
	const config_setting_t *l;
	char f[FIELD_MAX], err[256];
	bool ok;
	int n;

	nat_config_init(c);
	if (g == NULL)
		return true;
	if (!config_setting_is_group(g)) {
		conf_error(p, g, "nat", "expected a group { ... }");
		return false;
	}
	ok = conf_known_members(p, g, "nat", nat_fields);
	ok &= conf_uint(p, g, "nat", "capacity", false, 1024, NAT_CAPACITY_MAX, &c->capacity);
	/* Left out, these three are derived (nat_config_resolve()). */
	ok &= conf_uint(p, g, "nat", "active_sites", false, 1, NAT_CAPACITY_MAX, &c->active_sites);
	ok &= conf_uint(p, g, "nat", "site_cap", false, 1, NAT_CAPACITY_MAX, &c->site_cap);
	ok &= conf_uint(p, g, "nat", "site_dest_cap", false, 1, 65535, &c->site_dest_cap);
	ok &= conf_uint(p, g, "nat", "scan_period_ms", false, 100, 600000, &c->scan_period_ms);
	ok &= parse_ports(p, g, c);
	ok &= parse_timeouts(p, g, c);
	if (!parse_pools(p, g, cfg, c, names))
		return false;
	l = config_setting_get_member(g, "masquerade");
	n = conf_list(p, g, "masquerade");
	if (n < 1 || n > NAT_RULES_MAX) {
		if (n >= 0)
			conf_error(p, l ? l : g, "nat.masquerade",
				   "1 to %d rules { destination; [site;] [pool;] }", NAT_RULES_MAX);
		return false;
	}
	for (unsigned i = 0; i < (unsigned)n; i++)
		ok &= parse_rule(p, config_setting_get_elem(l, i),
				 conf_field_index(f, "nat.masquerade", i), cfg, c, names,
				 &c->rules[i]);
	c->n_rules = (unsigned)n;
	/* What lib/nat itself refuses (caps that are no even share, ...). */
	c->n_workers = cfg->workers;
	if (ok && nat_config_check(c, err, sizeof(err)) != 0) {
		report_check(p, g, err);
		ok = false;
	}
	/* The caps in force, for the log and the reload comparison. */
	if (ok)
		nat_config_resolve(c);
	cfg->nat_enabled = ok;
	return ok;
}
