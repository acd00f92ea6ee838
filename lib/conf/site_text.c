/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf_site_from_text(): one site given as CLI text (`site add ...`) in the
 * file's syntax, parsed as sites.c parses an element of sites = ( ... ).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

int
conf_site_from_text(const struct cfg *cfg, const char *text, struct cfg_site *out, char *err,
		    size_t errlen)
{
	struct parser p = { .file = "(cli)", .err = err, .errlen = errlen };
	const config_setting_t *g;
	config_t lc;
	char *wrapped;
	size_t n = strlen(text) + 16;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	wrapped = malloc(n);
	if (wrapped == NULL)
		return -1;
	snprintf(wrapped, n, "site = %s;", text);
	config_init(&lc);
	config_set_options(&lc, 0);
	if (config_read_string(&lc, wrapped) != CONFIG_TRUE) {
		snprintf(err, errlen, "(cli):%d: syntax: %s", config_error_line(&lc),
			 config_error_text(&lc));
		ok = false;
	} else {
		g = config_lookup(&lc, "site");
		ok = config_setting_is_group(g);
		if (!ok)
			snprintf(err, errlen,
				 "(cli):1: site: expected a group { name = ...; ... }");
		else
			ok = conf_parse_site(&p, g, "site", cfg, out) && p.n_errors == 0;
	}
	config_destroy(&lc);
	explicit_bzero(wrapped, n); /* it held the keys */
	free(wrapped);
	if (!ok)
		explicit_bzero(out, sizeof(*out));
	return ok ? 0 : -1;
}
