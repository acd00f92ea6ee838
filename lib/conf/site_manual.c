/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fields of a site keyed by hand (its addresses, subnets and replay
 * window are parsed already, sites.c):
 *
 * sites = ( { ...; cipher; [integ;] [encap; peer_port; local_port;] [esn;]
 *             [lifetime = { soft = {...}; hard = {...}; };]
 *             sa_in = { spi; key; [auth_key;] }; sa_out = { ... };
 *             [allow_unsafe_manual_gcm;] }, ... );
 *
 * Keys are secrets: errors say what is wrong with them, never what they are.
 */
#include <string.h>

#include "parser.h"

static const char *const sa_fields[] = { "spi", "key", "auth_key", NULL };
static const char *const lifetime_fields[] = { "soft", "hard", NULL };
static const char *const limit_fields[] = { "bytes", "packets", "seconds", NULL };

static bool
parse_key(struct parser *p, const config_setting_t *g, const char *parent, const char *name,
	  uint8_t want, uint8_t *out, const char *what)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	char f[FIELD_MAX];
	const char *s = NULL;
	int n;

	conf_field(f, parent, name);
	if (want == 0) {
		if (m != NULL) {
			conf_error(p, m, f, "not used with %s", what);
			return false;
		}
		return true;
	}
	if (!conf_string(p, g, parent, name, true, 256, &s) || s == NULL)
		return false;
	n = conf_hex(s, out, CFG_KEY_MAX);
	if (n != want) {
		conf_error(p, m, f, "expected %u bytes of hex for %s, got %s", want, what,
			   n < 0    ? "something else" :
			   n < want ? "fewer" :
				      "more");
		return false;
	}
	return true;
}

static bool
parse_manual_sa(struct parser *p, const config_setting_t *site, const char *parent,
		const char *name, const struct cfg_site *st, struct cfg_manual_sa *sa)
{
	const config_setting_t *g = config_setting_get_member(site, name);
	char f[FIELD_MAX];
	bool ok;

	conf_field(f, parent, name);
	if (g == NULL) {
		conf_error(p, site, f, "missing (sites are keyed by hand: sa_in and sa_out)");
		return false;
	}
	if (!config_setting_is_group(g)) {
		conf_error(p, g, f, "expected a group { spi; key; auth_key; }");
		return false;
	}
	ok = conf_known_members(p, g, f, sa_fields);
	/* SPIs 0..255 are reserved (RFC 4303 s2.1). */
	ok &= conf_uint(p, g, f, "spi", true, 256, UINT32_MAX, &sa->spi);
	if (!conf_key_lengths(st->cipher, st->integ, &sa->key_len, &sa->auth_key_len))
		return false; /* reported with cipher/integ */
	ok &= parse_key(p, g, f, "key", sa->key_len, sa->key, conf_cipher_name(st->cipher));
	ok &= parse_key(p, g, f, "auth_key", sa->auth_key_len, sa->auth_key,
			conf_integ_name(st->integ));
	return ok;
}

static bool
parse_limits(struct parser *p, const config_setting_t *lt, const char *parent, const char *name,
	     struct cfg_lifetime *l)
{
	const config_setting_t *g = config_setting_get_member(lt, name);
	char f[FIELD_MAX];
	uint32_t sec = 0, pk = 0;
	long long bytes = 0;
	bool ok;

	if (g == NULL)
		return true;
	conf_field(f, parent, name);
	if (!config_setting_is_group(g)) {
		conf_error(p, g, f, "expected a group { bytes; packets; seconds; }");
		return false;
	}
	ok = conf_known_members(p, g, f, limit_fields);
	ok &= conf_uint(p, g, f, "seconds", false, 0, UINT32_MAX, &sec);
	ok &= conf_uint(p, g, f, "packets", false, 0, UINT32_MAX, &pk);
	if (config_setting_lookup_int64(g, "bytes", &bytes) == CONFIG_TRUE && bytes < 0) {
		char fb[FIELD_MAX];

		conf_error(p, config_setting_get_member(g, "bytes"), conf_field(fb, f, "bytes"),
			   "must not be negative");
		ok = false;
	}
	l->seconds = sec;
	l->packets = pk;
	l->bytes = (uint64_t)bytes;
	return ok;
}

static bool
parse_lifetime(struct parser *p, const config_setting_t *site, const char *parent,
	       struct cfg_site *st)
{
	const config_setting_t *g = config_setting_get_member(site, "lifetime");
	char f[FIELD_MAX];
	bool ok;

	if (g == NULL)
		return true;
	conf_field(f, parent, "lifetime");
	if (!config_setting_is_group(g)) {
		conf_error(p, g, f, "expected a group { soft = {...}; hard = {...}; }");
		return false;
	}
	ok = conf_known_members(p, g, f, lifetime_fields);
	ok &= parse_limits(p, g, f, "soft", &st->soft);
	ok &= parse_limits(p, g, f, "hard", &st->hard);
	if (ok && ((st->hard.seconds && st->soft.seconds > st->hard.seconds) ||
		   (st->hard.bytes && st->soft.bytes > st->hard.bytes) ||
		   (st->hard.packets && st->soft.packets > st->hard.packets))) {
		conf_error(p, g, f, "a soft limit exceeds its hard limit");
		ok = false;
	}
	return ok;
}

static bool
parse_algorithms(struct parser *p, const config_setting_t *g, const char *parent,
		 struct cfg_site *st)
{
	const char *c = NULL, *i = NULL;
	char f[FIELD_MAX];
	uint8_t k, a;

	if (!conf_string(p, g, parent, "cipher", true, 32, &c) || c == NULL)
		return false;
	if (!conf_cipher_from_str(c, &st->cipher)) {
		conf_error(
			p, config_setting_get_member(g, "cipher"), conf_field(f, parent, "cipher"),
			"\"%s\" is not one of aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm", c);
		return false;
	}
	st->integ = CFG_INTEG_NONE;
	if (!conf_string(p, g, parent, "integ", false, 32, &i))
		return false;
	if (i != NULL && !conf_integ_from_str(i, &st->integ)) {
		conf_error(p, config_setting_get_member(g, "integ"), conf_field(f, parent, "integ"),
			   "\"%s\" is not one of hmac-sha1-96, hmac-sha256-128, none", i);
		return false;
	}
	if (!conf_key_lengths(st->cipher, st->integ, &k, &a)) {
		conf_error(p, config_setting_get_member(g, i ? "integ" : "cipher"),
			   conf_field(f, parent, i ? "integ" : "cipher"),
			   st->integ == CFG_INTEG_NONE ?
				   "%s needs integ (hmac-sha1-96 or hmac-sha256-128)" :
				   "%s is an AEAD: no integ",
			   c);
		return false;
	}
	return true;
}

static bool
parse_encap(struct parser *p, const config_setting_t *g, const char *parent, struct cfg_site *st)
{
	const char *e = NULL;
	char f[FIELD_MAX];
	uint32_t pp = 4500, lp = 4500;
	bool ok;

	if (!conf_string(p, g, parent, "encap", false, 8, &e))
		return false;
	if (e != NULL && strcmp(e, "udp") != 0 && strcmp(e, "esp") != 0) {
		conf_error(p, config_setting_get_member(g, "encap"), conf_field(f, parent, "encap"),
			   "\"%s\" is neither \"esp\" nor \"udp\" (RFC 3948)", e);
		return false;
	}
	st->udp_encap = e != NULL && strcmp(e, "udp") == 0;
	ok = conf_uint(p, g, parent, "peer_port", false, 1, 65535, &pp);
	ok &= conf_uint(p, g, parent, "local_port", false, 1, 65535, &lp);
	if (!st->udp_encap && (config_setting_get_member(g, "peer_port") ||
			       config_setting_get_member(g, "local_port"))) {
		conf_error(p, g, conf_field(f, parent, "encap"),
			   "ports given but encap is not \"udp\"");
		ok = false;
	}
	st->peer_port = st->udp_encap ? (uint16_t)pp : 0;
	st->local_port = st->udp_encap ? (uint16_t)lp : 0;
	return ok;
}

/* GCM with keys by hand only where a site says it accepts the risk (conf.h). */
static bool
parse_manual_gcm(struct parser *p, const config_setting_t *g, const char *field,
		 struct cfg_site *st)
{
	const config_setting_t *m = config_setting_get_member(g, "allow_unsafe_manual_gcm");
	char f[FIELD_MAX];
	int b = 0;

	if (m != NULL) {
		conf_field(f, field, "allow_unsafe_manual_gcm");
		if (config_setting_lookup_bool(g, "allow_unsafe_manual_gcm", &b) != CONFIG_TRUE) {
			conf_error(p, m, f, "expected true or false");
			return false;
		}
		if (b && !conf_cipher_is_gcm(st->cipher)) {
			conf_error(p, m, f, "only for aes128-gcm and aes256-gcm");
			return false;
		}
	}
	st->allow_unsafe_gcm = b;
	if (conf_cipher_is_gcm(st->cipher) && !b) {
		conf_error(p, config_setting_get_member(g, "cipher"),
			   conf_field(f, field, "cipher"), "%s", CFG_MANUAL_GCM_REFUSED);
		return false;
	}
	return true;
}

bool
conf_parse_site_manual(struct parser *p, const config_setting_t *g, const char *field,
		       struct cfg_site *st)
{
	char f[FIELD_MAX];
	bool ok = parse_encap(p, g, field, st);

	if (config_setting_get_member(g, "esn") != NULL) {
		int b = 0;

		if (config_setting_lookup_bool(g, "esn", &b) != CONFIG_TRUE) {
			conf_error(p, config_setting_get_member(g, "esn"),
				   conf_field(f, field, "esn"), "expected true or false");
			ok = false;
		}
		st->esn = b;
		if (st->esn && st->replay_window == 0) {
			conf_error(p, config_setting_get_member(g, "esn"),
				   conf_field(f, field, "esn"),
				   "needs a replay window (RFC 4303 A2)");
			ok = false;
		}
	}
	ok &= parse_lifetime(p, g, field, st);
	if (!parse_algorithms(p, g, field, st))
		return false;
	ok &= parse_manual_gcm(p, g, field, st);
	ok &= parse_manual_sa(p, g, field, "sa_in", st, &st->sa_in);
	ok &= parse_manual_sa(p, g, field, "sa_out", st, &st->sa_out);
	st->manual = true;
	return ok;
}
