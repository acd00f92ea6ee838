/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/conf: typed, range-checked access to libconfig settings. */
#ifndef ESPHUB_CONF_PARSER_H
#define ESPHUB_CONF_PARSER_H

#include <libconfig.h>

#include "conf.h"

#define FIELD_MAX 96

/* lib/conf has no DPDK: its own RTE_DIM, RTE_MIN, RTE_MAX. */
#define CONF_DIM(a)    (sizeof(a) / sizeof((a)[0]))
#define CONF_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CONF_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Collects error lines; parsing goes on after an error to report them all. */
struct parser {
	const char *file;
	char *err;
	size_t errlen;
	size_t used;
	unsigned n_errors;
	unsigned n_warnings;
};

#define CONF_WARN_MAX 16 /* warning lines kept; then one "more ..." line */

void conf_error(struct parser *p, const config_setting_t *s, const char *field, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
/* "FILE:LINE: field: warning: ..." in the same buffer; loading goes on. */
void conf_warn(struct parser *p, const config_setting_t *s, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* field = "<parent>.<name>" or "<parent>[<i>]" into buf. */
const char *conf_field(char buf[FIELD_MAX], const char *parent, const char *name);
const char *conf_field_index(char buf[FIELD_MAX], const char *parent, unsigned i);

/* Every member of group must be named in known[] (NULL-terminated). */
bool conf_known_members(struct parser *p, const config_setting_t *group, const char *field,
			const char *const known[]);

/*
 * Member lookups. *_opt leave *out untouched when the member is absent and
 * return true; the plain forms report "missing" against the group.
 */
bool conf_uint(struct parser *p, const config_setting_t *group, const char *parent,
	       const char *name, bool required, uint32_t min, uint32_t max, uint32_t *out);
bool conf_string(struct parser *p, const config_setting_t *group, const char *parent,
		 const char *name, bool required, size_t max_len, const char **out);
bool conf_prefix(struct parser *p, const config_setting_t *group, const char *parent,
		 const char *name, bool required, bool interface_addr, uint32_t *addr,
		 uint8_t *plen);
bool conf_addr(struct parser *p, const config_setting_t *group, const char *parent,
	       const char *name, bool required, uint32_t *addr);

/* A list of groups (or empty/absent): its length, or -1 after an error. */
int conf_list(struct parser *p, const config_setting_t *root, const char *name);

/* Sections, one file each. */
bool conf_parse_ports(struct parser *p, const config_setting_t *root, struct cfg *cfg);
bool conf_parse_routes(struct parser *p, const config_setting_t *root, struct cfg *cfg);
bool conf_parse_neighbours(struct parser *p, const config_setting_t *root, struct cfg *cfg);
bool conf_parse_bypass(struct parser *p, const config_setting_t *root, struct cfg *cfg);
bool conf_parse_engine(struct parser *p, const config_setting_t *root, struct cfg *cfg);
bool conf_parse_esp(struct parser *p, const config_setting_t *root, struct cfg *cfg);
bool conf_parse_sites(struct parser *p, const config_setting_t *root, struct cfg *cfg);
bool conf_parse_ike(struct parser *p, const config_setting_t *root, struct cfg *cfg);
bool conf_parse_nat(struct parser *p, const config_setting_t *root, struct cfg *cfg);

/* esp.c: replay_window in g, 0 (off) or a power of two from 64 to 65536. */
bool conf_replay_window(struct parser *p, const config_setting_t *g, const char *parent,
			uint32_t *win);

/* sites.c: one element of sites (or `site add` text, site_text.c). */
bool conf_parse_site(struct parser *p, const config_setting_t *g, const char *field,
		     const struct cfg *cfg, struct cfg_site *st);
/* The fields of a site keyed by hand (site_manual.c) or by IKE (site_ike.c). */
bool conf_parse_site_manual(struct parser *p, const config_setting_t *g, const char *field,
			    struct cfg_site *st);
bool conf_parse_site_ike(struct parser *p, const config_setting_t *g, const char *field,
			 const struct ike_config *ike, struct cfg_site *st);

/* ike.c: IKE values, as strings and as members of a group. */
bool conf_p1_proposal(const char *s, struct ike_p1_proposal *p);
bool conf_esp_proposal(const char *s, struct ike_esp_proposal *p);
bool conf_ike_id(const char *s, struct ike_id *id);
bool conf_ike_id_member(struct parser *p, const config_setting_t *g, const char *parent,
			const char *name, struct ike_id *id);
/* A PSK: the string's bytes, or hex after "0x". Never quoted. */
bool conf_psk(struct parser *p, const config_setting_t *g, const char *parent, const char *name,
	      bool required, uint8_t *out, uint16_t *len);
/* An array of phase 1 (esp false) or ESP proposal strings into out[]. */
bool conf_proposals(struct parser *p, const config_setting_t *g, const char *parent,
		    const char *name, bool esp, void *out, uint8_t *n_out);

#endif
