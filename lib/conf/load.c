/* SPDX-License-Identifier: BSD-3-Clause */
/* conf_load(): the file, its top-level fields, and the order sections go in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

static const char *const root_fields[] = { "workers",         "idle_sleep_us", "log_level",
					   "icmp_error_rate", "tables",        "ports",
					   "routes",          "neighbours",    "bypass",
					   "crypto_engine",   "esp",           "ike",
					   "sites",           "nat",           NULL };
static const char *const table_fields[] = { "neighbours", "routes", "mbufs", NULL };

static const char *const level_names[] = { NULL,      "emerg",  "alert", "crit", "err",
					   "warning", "notice", "info",  "debug" };

const char *
conf_log_level_name(unsigned level)
{
	return level >= 1 && level <= 8 ? level_names[level] : "?";
}

bool
conf_log_level_from_str(const char *s, unsigned *level)
{
	for (unsigned i = 1; i <= 8; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*level = i;
			return true;
		}
	}
	return false;
}

static bool
parse_log_level(struct parser *p, const config_setting_t *root, unsigned *level)
{
	const char *s = NULL;

	if (!conf_string(p, root, "", "log_level", false, 16, &s))
		return false;
	if (s != NULL && !conf_log_level_from_str(s, level)) {
		conf_error(p, config_setting_get_member(root, "log_level"), "log_level",
			   "\"%s\" is not one of emerg, alert, crit, err, warning, "
			   "notice, info, debug",
			   s);
		return false;
	}
	return true;
}

static bool
parse_tables(struct parser *p, const config_setting_t *root, struct cfg_tables *t)
{
	const config_setting_t *g = config_setting_get_member(root, "tables");
	bool ok;

	if (g == NULL)
		return true;
	if (!config_setting_is_group(g)) {
		conf_error(p, g, "tables", "expected a group { ... }");
		return false;
	}
	ok = conf_known_members(p, g, "tables", table_fields);
	ok &= conf_uint(p, g, "tables", "neighbours", false, 16, 1u << 20, &t->neighbours);
	ok &= conf_uint(p, g, "tables", "routes", false, 16, 1u << 20, &t->routes);
	ok &= conf_uint(p, g, "tables", "mbufs", false, 0, 1u << 24, &t->mbufs);
	if (t->mbufs != 0 && t->mbufs < 4096) {
		conf_error(p, config_setting_get_member(g, "mbufs"), "tables.mbufs",
			   "%u is too few; use 0 (automatic) or at least 4096", t->mbufs);
		ok = false;
	}
	return ok;
}

static void
set_defaults(struct cfg *cfg)
{
	cfg->workers = 1;
	cfg->log_level = 7; /* info */
	cfg->icmp_error_rate = 100;
	cfg->tables.neighbours = 4096;
	cfg->tables.routes = 1024;
	cfg->tables.mbufs = 0;
}

static bool
parse_root(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	bool ok = conf_known_members(p, root, "", root_fields);

	ok &= conf_uint(p, root, "", "workers", false, 1, CFG_MAX_WORKERS, &cfg->workers);
	if (config_setting_get_member(root, "workers") != NULL)
		cfg->workers_line =
			config_setting_source_line(config_setting_get_member(root, "workers"));
	ok &= parse_log_level(p, root, &cfg->log_level);
	ok &= conf_uint(p, root, "", "icmp_error_rate", false, 0, 100000, &cfg->icmp_error_rate);
	ok &= conf_uint(p, root, "", "idle_sleep_us", false, 0, 10000, &cfg->idle_sleep_us);
	ok &= parse_tables(p, root, &cfg->tables);
	/* Routes and neighbours are checked against the ports' subnets. */
	if (!conf_parse_ports(p, root, cfg))
		return false;
	ok &= conf_parse_routes(p, root, cfg);
	ok &= conf_parse_neighbours(p, root, cfg);
	ok &= conf_parse_bypass(p, root, cfg);
	ok &= conf_parse_engine(p, root, cfg);
	ok &= conf_parse_ike(p, root, cfg);
	/* Sites take their defaults from esp. */
	ok &= conf_parse_esp(p, root, cfg) && conf_parse_sites(p, root, cfg);
	/* Masquerade rules name sites. */
	ok &= conf_parse_nat(p, root, cfg);
	return ok;
}

int
conf_load(const char *path, struct cfg *cfg, char *err, size_t errlen)
{
	struct parser p = { .file = path, .err = err, .errlen = errlen };
	config_t lc;
	FILE *f;
	bool ok;

	memset(cfg, 0, sizeof(*cfg));
	if (errlen > 0)
		err[0] = '\0';
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s:0: file: cannot open: %s", path, strerror(errno));
		return -1;
	}
	config_init(&lc);
	/* Only '=' assigns and ';' ends: one syntax, no implicit conversions. */
	config_set_options(&lc, 0);
	if (config_read(&lc, f) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: syntax: %s", path, config_error_line(&lc),
			 config_error_text(&lc));
		config_destroy(&lc);
		fclose(f);
		return -1;
	}
	fclose(f);

	set_defaults(cfg);
	cfg->path = strdup(path);
	ok = cfg->path != NULL && parse_root(&p, config_root_setting(&lc), cfg);
	config_destroy(&lc);
	if (!ok || p.n_errors > 0) {
		conf_free(cfg);
		return -1;
	}
	return 0;
}

void
conf_free(struct cfg *cfg)
{
	free(cfg->path);
	free(cfg->routes);
	free(cfg->neighbours);
	explicit_bzero(&cfg->ike, sizeof(cfg->ike)); /* default PSK */
	if (cfg->sites != NULL) {
		/* Manual keys and PSKs: wipe before the memory goes back. */
		explicit_bzero(cfg->sites, sizeof(*cfg->sites) * cfg->n_sites);
		free(cfg->sites);
	}
	memset(cfg, 0, sizeof(*cfg));
}
