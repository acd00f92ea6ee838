/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sites = ( { name; peer; [local;] remote_subnets; local_subnets;
 *             [replay_window;] and either psk and the IKE fields
 *             (site_ike.c) or sa_in, sa_out and the fields of a site keyed
 *             by hand (site_manual.c) }, ... );
 *
 * What every site has, which of the two keys it, and what must be unique
 * across sites. conf_parse_site() also parses `site add` text (site_text.c).
 */
#include <stdlib.h>
#include <string.h>

#include "net_addr.h"
#include "parser.h"

static const char *const site_fields[] = {
	"name", "peer", "local", "remote_subnets", "local_subnets", "replay_window",
	/* hand-keyed */
	"cipher", "integ", "encap", "peer_port", "local_port", "esn", "lifetime", "sa_in", "sa_out",
	"allow_unsafe_manual_gcm",
	/* IKE */
	"id", "local_id", "psk", "ike_proposals", "esp_proposals", "dpd_delay", "dpd_timeout",
	"ike_lifetime", "esp_lifetime", "esp_lifetime_kb", "aggressive", "initiate", "max_pairs",
	NULL
};
/* What IKE negotiates, or what only hand-keyed SAs have. */
static const char *const manual_only[] = { "cipher",     "integ",
					   "encap",      "peer_port",
					   "local_port", "esn",
					   "lifetime",   "allow_unsafe_manual_gcm",
					   NULL };

static bool
parse_subnets(struct parser *p, const config_setting_t *g, const char *parent, const char *name,
	      struct cfg_prefix *out, unsigned *n)
{
	const config_setting_t *a = config_setting_get_member(g, name);
	char f[FIELD_MAX], fi[FIELD_MAX];
	bool ok = true;

	conf_field(f, parent, name);
	if (a == NULL) {
		conf_error(p, g, f, "missing");
		return false;
	}
	if (!config_setting_is_array(a) || config_setting_length(a) == 0 ||
	    config_setting_length(a) > CFG_MAX_SUBNETS) {
		conf_error(p, a, f,
			   "expected an array of 1 to %d prefixes [ \"a.b.c.d/len\", ... ]",
			   CFG_MAX_SUBNETS);
		return false;
	}
	*n = (unsigned)config_setting_length(a);
	for (unsigned i = 0; i < *n; i++) {
		const config_setting_t *e = config_setting_get_elem(a, i);
		const char *s = config_setting_get_string(e);

		conf_field_index(fi, f, i);
		if (s == NULL || !net_prefix_from_str(s, &out[i].addr, &out[i].plen) ||
		    (out[i].addr & ~net_mask(out[i].plen)) != 0) {
			conf_error(p, e, fi, "\"%s\" is not an IPv4 prefix without host bits",
				   s ? s : "(not a string)");
			ok = false;
		}
	}
	return ok;
}

static int
outside_addr(const struct cfg *cfg)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].role == CFG_ROLE_OUTSIDE)
			return (int)i;
	return -1;
}

/* peer: an address, or "any" for an IKE site whose branch has a dynamic one. */
static bool
parse_peer(struct parser *p, const config_setting_t *g, const char *field, bool ike, uint32_t *peer)
{
	const config_setting_t *m = config_setting_get_member(g, "peer");
	char f[FIELD_MAX];

	if (ike && m != NULL && config_setting_type(m) == CONFIG_TYPE_STRING &&
	    strcmp(config_setting_get_string(m), "any") == 0) {
		*peer = 0;
		return true;
	}
	if (!conf_addr(p, g, field, "peer", true, peer))
		return false;
	if (m != NULL && net_ipv4_martian_src(*peer)) {
		conf_error(p, m, conf_field(f, field, "peer"), "not a usable peer address");
		return false;
	}
	return m != NULL;
}

static bool
parse_local(struct parser *p, const config_setting_t *g, const char *field, const struct cfg *cfg,
	    struct cfg_site *st)
{
	char f[FIELD_MAX];
	int out = outside_addr(cfg), port;

	st->local = out >= 0 ? cfg->ports[out].addr : 0;
	if (config_setting_get_member(g, "local") == NULL) {
		if (out >= 0)
			return true;
		conf_error(p, g, conf_field(f, field, "local"),
			   "missing, and no port has role \"outside\"");
		return false;
	}
	if (!conf_addr(p, g, field, "local", false, &st->local))
		return false;
	port = conf_port_for_addr(cfg, st->local);
	if (port < 0 || cfg->ports[port].addr != st->local) {
		conf_error(p, config_setting_get_member(g, "local"), conf_field(f, field, "local"),
			   "not one of the box's port addresses");
		return false;
	}
	return true;
}

/* Keyed by IKE (psk) or by hand (sa_in, sa_out): exactly one of them. */
static bool
keying(struct parser *p, const config_setting_t *g, const char *field, bool *ike)
{
	bool psk = config_setting_get_member(g, "psk") != NULL;
	bool hand = config_setting_get_member(g, "sa_in") != NULL ||
		    config_setting_get_member(g, "sa_out") != NULL;
	char f[FIELD_MAX];
	bool ok = true;

	if (psk && hand) {
		conf_error(p, config_setting_get_member(g, "psk"), conf_field(f, field, "psk"),
			   "a site is keyed by IKE (psk) or by hand (sa_in, sa_out), not both");
		return false;
	}
	if (!psk && !hand) {
		conf_error(p, g, field, "missing psk (IKE) or sa_in and sa_out (keyed by hand)");
		return false;
	}
	for (unsigned i = 0; psk && manual_only[i] != NULL; i++) {
		const config_setting_t *m = config_setting_get_member(g, manual_only[i]);

		if (m != NULL) {
			conf_error(p, m, conf_field(f, field, manual_only[i]),
				   "only for sites keyed by hand; IKE negotiates it");
			ok = false;
		}
	}
	*ike = psk;
	return ok;
}

bool
conf_parse_site(struct parser *p, const config_setting_t *g, const char *field,
		const struct cfg *cfg, struct cfg_site *st)
{
	const char *name = NULL;
	bool ike = false;
	bool ok = conf_known_members(p, g, field, site_fields);

	if (conf_string(p, g, field, "name", true, sizeof(st->name) - 1, &name) && name)
		strcpy(st->name, name);
	else
		ok = false;
	if (!keying(p, g, field, &ike))
		return false;
	ok &= parse_peer(p, g, field, ike, &st->peer);
	ok &= parse_local(p, g, field, cfg, st);
	ok &= parse_subnets(p, g, field, "remote_subnets", st->remote, &st->n_remote);
	ok &= parse_subnets(p, g, field, "local_subnets", st->local_subnets, &st->n_local);
	st->replay_window = cfg->esp.replay_window;
	ok &= conf_replay_window(p, g, field, &st->replay_window);
	st->line = config_setting_source_line(g);
	if (!ok)
		return false;
	return ike ? conf_parse_site_ike(p, g, field, &cfg->ike, st) :
		     conf_parse_site_manual(p, g, field, st);
}

/* Sites in order of (name) or (local address, inbound SPI), then index. */
static const struct cfg_site *sort_base;

static int
by_name(const void *a, const void *b)
{
	unsigned i = *(const unsigned *)a, j = *(const unsigned *)b;
	int c = strcmp(sort_base[i].name, sort_base[j].name);

	return c != 0 ? c : (i > j) - (i < j);
}

static int
by_spi(const void *a, const void *b)
{
	const struct cfg_site *x = &sort_base[*(const unsigned *)a];
	const struct cfg_site *y = &sort_base[*(const unsigned *)b];

	if (x->local != y->local)
		return x->local < y->local ? -1 : 1;
	if (x->sa_in.spi != y->sa_in.spi)
		return x->sa_in.spi < y->sa_in.spi ? -1 : 1;
	return (x > y) - (x < y);
}

struct dup {
	unsigned i, j; /* sites[i] repeats sites[j], j < i */
	bool spi;      /* the inbound SPI, else the name */
};

static int
dup_order(const void *a, const void *b)
{
	const struct dup *x = a, *y = b;

	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return x->spi - y->spi;
}

/*
 * Names, and inbound SPIs of hand-keyed sites on one address, are unique:
 * found by sorting (100,000 sites load in well under a second), reported
 * in file order, each repeat naming the first site that had it.
 */
static bool
check_unique(struct parser *p, const config_setting_t *list, struct cfg *cfg)
{
	unsigned n = cfg->n_sites, n_dup = 0, n_man = 0;
	unsigned *idx = malloc(sizeof(*idx) * n), *man = malloc(sizeof(*man) * n);
	struct dup *dup = malloc(sizeof(*dup) * 2 * n);
	char f[FIELD_MAX], ff[FIELD_MAX];
	bool ok = true;

	if (idx == NULL || man == NULL || dup == NULL) {
		conf_error(p, list, "sites", "out of memory");
		ok = false;
		goto out;
	}
	sort_base = cfg->sites;
	for (unsigned i = 0; i < n; i++) {
		idx[i] = i;
		if (cfg->sites[i].manual)
			man[n_man++] = i;
	}
	qsort(idx, n, sizeof(*idx), by_name);
	for (unsigned k = 1, first = 0; k < n; k++) {
		if (strcmp(cfg->sites[idx[k]].name, cfg->sites[idx[first]].name) != 0)
			first = k;
		else
			dup[n_dup++] = (struct dup){ idx[k], idx[first], false };
	}
	qsort(man, n_man, sizeof(*man), by_spi);
	for (unsigned k = 1, first = 0; k < n_man; k++) {
		const struct cfg_site *a = &cfg->sites[man[k]], *b = &cfg->sites[man[first]];

		if (a->local != b->local || a->sa_in.spi != b->sa_in.spi)
			first = k;
		else
			dup[n_dup++] = (struct dup){ man[k], man[first], true };
	}
	qsort(dup, n_dup, sizeof(*dup), dup_order);
	for (unsigned k = 0; k < n_dup; k++) {
		const config_setting_t *g = config_setting_get_elem(list, dup[k].i);
		const struct cfg_site *st = &cfg->sites[dup[k].i];

		conf_field_index(f, "sites", dup[k].i);
		if (dup[k].spi)
			conf_error(p, config_setting_get_member(g, "sa_in"),
				   conf_field(ff, f, "sa_in"),
				   "inbound SPI 0x%x already used by sites[%u]", st->sa_in.spi,
				   dup[k].j);
		else
			conf_error(p, config_setting_get_member(g, "name"),
				   conf_field(ff, f, "name"), "\"%s\" already names sites[%u]",
				   st->name, dup[k].j);
		ok = false;
	}
out:
	free(idx);
	free(man);
	free(dup);
	return ok;
}

bool
conf_parse_sites(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const config_setting_t *list = config_setting_get_member(root, "sites");
	int n = conf_list(p, root, "sites");
	char f[FIELD_MAX];
	bool ok = true;

	if (n <= 0)
		return n == 0;
	cfg->sites = calloc((size_t)n, sizeof(*cfg->sites));
	if (cfg->sites == NULL) {
		conf_error(p, list, "sites", "out of memory");
		return false;
	}
	cfg->n_sites = (unsigned)n;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);

		conf_field_index(f, "sites", i);
		if (!conf_parse_site(p, g, f, cfg, &cfg->sites[i]))
			ok = false;
	}
	return ok && check_unique(p, list, cfg);
}
