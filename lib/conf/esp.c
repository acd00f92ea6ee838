/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * crypto_engine = "ipsec_mb";
 * esp = { replay_window; tcp_mss_clamp; max_sas; max_tunnels; };
 * A site's own replay_window follows the same rule (conf_replay_window).
 */
#include <string.h>

#include "parser.h"

static const char *const esp_fields[] = { "replay_window", "tcp_mss_clamp", "max_sas",
					  "max_tunnels", NULL };

bool
conf_parse_engine(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const char *s = NULL;

	strcpy(cfg->crypto_engine, "ipsec_mb");
	if (!conf_string(p, root, "", "crypto_engine", false, 15, &s))
		return false;
	if (s == NULL)
		return true;
	if (strcmp(s, "ipsec_mb") != 0 && strcmp(s, "openssl") != 0) {
		conf_error(p, config_setting_get_member(root, "crypto_engine"), "crypto_engine",
			   "\"%s\" is neither \"ipsec_mb\" nor \"openssl\"", s);
		return false;
	}
	strcpy(cfg->crypto_engine, s);
	return true;
}

/* replay_window in g: 0 (off) or a power of two from 64 to 65536. */
bool
conf_replay_window(struct parser *p, const config_setting_t *g, const char *parent, uint32_t *win)
{
	char f[FIELD_MAX];

	if (!conf_uint(p, g, parent, "replay_window", false, 0, 65536, win))
		return false;
	if (*win != 0 && (*win < 64 || (*win & (*win - 1)) != 0)) {
		conf_error(p, config_setting_get_member(g, "replay_window"),
			   conf_field(f, parent, "replay_window"),
			   "%u is not 0 (off) or a power of two from 64 to 65536", *win);
		return false;
	}
	return true;
}

static bool
parse_mss(struct parser *p, const config_setting_t *g, uint16_t *mss)
{
	const config_setting_t *m = config_setting_get_member(g, "tcp_mss_clamp");
	uint32_t v;

	if (m == NULL)
		return true;
	if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		const char *s = config_setting_get_string(m);

		if (strcmp(s, "auto") == 0 || strcmp(s, "off") == 0) {
			*mss = s[0] == 'a' ? 0 : UINT16_MAX;
			return true;
		}
		conf_error(p, m, "esp.tcp_mss_clamp",
			   "\"%s\" is not \"auto\", \"off\" or an MSS (536..9000)", s);
		return false;
	}
	if (!conf_uint(p, g, "esp", "tcp_mss_clamp", false, 536, 9000, &v))
		return false;
	*mss = (uint16_t)v;
	return true;
}

bool
conf_parse_esp(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const config_setting_t *g = config_setting_get_member(root, "esp");
	struct cfg_esp *e = &cfg->esp;
	bool ok;

	e->replay_window = 1024;
	e->mss_clamp = 0;
	e->max_sas = 16384;
	e->max_tunnels = 8192;
	if (g == NULL)
		return true;
	if (!config_setting_is_group(g)) {
		conf_error(p, g, "esp", "expected a group { ... }");
		return false;
	}
	ok = conf_known_members(p, g, "esp", esp_fields);
	ok &= conf_replay_window(p, g, "esp", &e->replay_window);
	ok &= parse_mss(p, g, &e->mss_clamp);
	ok &= conf_uint(p, g, "esp", "max_sas", false, 16, 4u << 20, &e->max_sas);
	ok &= conf_uint(p, g, "esp", "max_tunnels", false, 16, 4u << 20, &e->max_tunnels);
	return ok;
}
