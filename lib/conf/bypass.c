/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bypass = ( { local = "a.b.c.d/len"; remote = "a.b.c.d/len"; }, ... )
 *
 * Cleartext the operator lets cross an outside port (RFC 4301 BYPASS):
 * leaving, from local to remote; arriving, from remote to local. Without a
 * rule, an outside port takes in only what is addressed to the box, and
 * forwarded cleartext never leaves by one. A rule cannot open a branch
 * subnet: their policy is PROTECT or DISCARD, checked first.
 */
#include "net_addr.h"
#include "parser.h"

static const char *const bypass_fields[] = { "local", "remote", NULL };

static bool
parse_rule(struct parser *p, const config_setting_t *g, const char *field, struct cfg_bypass *b)
{
	bool ok = conf_known_members(p, g, field, bypass_fields);

	ok &= conf_prefix(p, g, field, "local", true, false, &b->local, &b->local_len);
	ok &= conf_prefix(p, g, field, "remote", true, false, &b->remote, &b->remote_len);
	b->line = config_setting_source_line(g);
	return ok;
}

bool
conf_parse_bypass(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const config_setting_t *list = config_setting_get_member(root, "bypass");
	int n = conf_list(p, root, "bypass");
	char f[FIELD_MAX];
	bool ok = true;

	if (n <= 0)
		return n == 0;
	if (n > CFG_MAX_BYPASS) {
		conf_error(p, list, "bypass", "%d rules, at most %d", n, CFG_MAX_BYPASS);
		return false;
	}
	for (unsigned i = 0; i < (unsigned)n; i++)
		ok &= parse_rule(p, config_setting_get_elem(list, i),
				 conf_field_index(f, "bypass", i), &cfg->bypass[i]);
	cfg->n_bypass = (unsigned)n;
	return ok;
}
