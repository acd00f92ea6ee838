/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * crypto_engine = "ipsec_mb";
 * esp = { replay_window; tcp_mss_clamp; max_sas; max_tunnels; };
 * sites = ( { name; peer; [local;] remote_subnets; local_subnets; cipher;
 *             [integ;] [encap; peer_port; local_port;] [esn;] [replay_window;]
 *             [lifetime = { soft = {...}; hard = {...}; };]
 *             sa_in = { spi; key; [auth_key;] }; sa_out = { ... };
 *             [allow_unsafe_manual_gcm;] }, ... );
 * Keys are secrets: errors say what is wrong with them, never what they are.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net_addr.h"
#include "parser.h"

static const char *const esp_fields[] = {
	"replay_window", "tcp_mss_clamp", "max_sas", "max_tunnels", NULL
};
static const char *const site_fields[] = {
	"name", "peer", "local", "remote_subnets", "local_subnets", "replay_window",
	/* hand-keyed */
	"cipher", "integ", "encap", "peer_port", "local_port", "esn", "lifetime",
	"sa_in", "sa_out", "allow_unsafe_manual_gcm",
	/* IKE */
	"id", "local_id", "psk", "ike_proposals", "esp_proposals", "dpd_delay",
	"dpd_timeout", "ike_lifetime", "esp_lifetime", "esp_lifetime_kb", "aggressive",
	"initiate", "max_pairs", NULL
};
/* What IKE negotiates, or what only hand-keyed SAs have. */
static const char *const manual_only[] = {
	"cipher", "integ", "encap", "peer_port", "local_port", "esn", "lifetime",
	"allow_unsafe_manual_gcm", NULL
};
static const char *const sa_fields[] = { "spi", "key", "auth_key", NULL };
static const char *const lifetime_fields[] = { "soft", "hard", NULL };
static const char *const limit_fields[] = { "bytes", "packets", "seconds", NULL };

static const char *const cipher_names[] = {
	[CFG_AES128_CBC] = "aes128-cbc", [CFG_AES256_CBC] = "aes256-cbc",
	[CFG_AES128_GCM] = "aes128-gcm", [CFG_AES256_GCM] = "aes256-gcm",
};
static const char *const integ_names[] = {
	[CFG_INTEG_NONE] = "none", [CFG_HMAC_SHA1_96] = "hmac-sha1-96",
	[CFG_HMAC_SHA256_128] = "hmac-sha256-128",
};

const char *
cfg_cipher_name(enum cfg_cipher c)
{
	return c < CONF_DIM(cipher_names) ? cipher_names[c] : "?";
}

const char *
cfg_integ_name(enum cfg_integ i)
{
	return i < CONF_DIM(integ_names) ? integ_names[i] : "?";
}

bool
cfg_cipher_from_str(const char *s, enum cfg_cipher *c)
{
	for (unsigned i = 0; i < CONF_DIM(cipher_names); i++)
		if (strcmp(s, cipher_names[i]) == 0) {
			*c = (enum cfg_cipher)i;
			return true;
		}
	return false;
}

bool
cfg_integ_from_str(const char *s, enum cfg_integ *g)
{
	for (unsigned i = 0; i < CONF_DIM(integ_names); i++)
		if (strcmp(s, integ_names[i]) == 0) {
			*g = (enum cfg_integ)i;
			return true;
		}
	return false;
}

bool
cfg_cipher_is_gcm(enum cfg_cipher c)
{
	return c == CFG_AES128_GCM || c == CFG_AES256_GCM;
}

bool
cfg_key_lengths(enum cfg_cipher c, enum cfg_integ g, uint8_t *key, uint8_t *auth)
{
	bool gcm = cfg_cipher_is_gcm(c);

	if (gcm != (g == CFG_INTEG_NONE))
		return false;
	*key = (uint8_t)((c == CFG_AES128_CBC || c == CFG_AES128_GCM ? 16 : 32) +
			 (gcm ? 4 : 0));   /* RFC 4106 s8.1: salt follows the key */
	*auth = g == CFG_HMAC_SHA1_96 ? 20 : g == CFG_HMAC_SHA256_128 ? 32 : 0;
	return true;
}

int
cfg_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++) {
		int v;

		if (*s == ':' && hi < 0)
			continue;
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}

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

static bool
parse_window(struct parser *p, const config_setting_t *g, const char *parent,
	     uint32_t *win)
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
	ok &= parse_window(p, g, "esp", &e->replay_window);
	ok &= parse_mss(p, g, &e->mss_clamp);
	ok &= conf_uint(p, g, "esp", "max_sas", false, 16, 4u << 20, &e->max_sas);
	ok &= conf_uint(p, g, "esp", "max_tunnels", false, 16, 4u << 20, &e->max_tunnels);
	return ok;
}

static bool
parse_subnets(struct parser *p, const config_setting_t *g, const char *parent,
	      const char *name, struct cfg_prefix *out, unsigned *n)
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
		conf_error(p, a, f, "expected an array of 1 to %d prefixes [ \"a.b.c.d/len\", ... ]",
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

static bool
parse_key(struct parser *p, const config_setting_t *g, const char *parent,
	  const char *name, uint8_t want, uint8_t *out, const char *what)
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
	n = cfg_hex(s, out, CFG_KEY_MAX);
	if (n != want) {
		conf_error(p, m, f, "expected %u bytes of hex for %s, got %s", want, what,
			   n < 0 ? "something else" : n < want ? "fewer" : "more");
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
	if (!cfg_key_lengths(st->cipher, st->integ, &sa->key_len, &sa->auth_key_len))
		return false;   /* reported with cipher/integ */
	ok &= parse_key(p, g, f, "key", sa->key_len, sa->key, cfg_cipher_name(st->cipher));
	ok &= parse_key(p, g, f, "auth_key", sa->auth_key_len, sa->auth_key,
			cfg_integ_name(st->integ));
	return ok;
}

static bool
parse_limits(struct parser *p, const config_setting_t *lt, const char *parent,
	     const char *name, struct cfg_lifetime *l)
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
	if (!cfg_cipher_from_str(c, &st->cipher)) {
		conf_error(p, config_setting_get_member(g, "cipher"), conf_field(f, parent, "cipher"),
			   "\"%s\" is not one of aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm", c);
		return false;
	}
	st->integ = CFG_INTEG_NONE;
	if (!conf_string(p, g, parent, "integ", false, 32, &i))
		return false;
	if (i != NULL && !cfg_integ_from_str(i, &st->integ)) {
		conf_error(p, config_setting_get_member(g, "integ"), conf_field(f, parent, "integ"),
			   "\"%s\" is not one of hmac-sha1-96, hmac-sha256-128, none", i);
		return false;
	}
	if (!cfg_key_lengths(st->cipher, st->integ, &k, &a)) {
		conf_error(p, config_setting_get_member(g, i ? "integ" : "cipher"),
			   conf_field(f, parent, i ? "integ" : "cipher"),
			   st->integ == CFG_INTEG_NONE ? "%s needs integ (hmac-sha1-96 or hmac-sha256-128)"
						       : "%s is an AEAD: no integ", c);
		return false;
	}
	return true;
}

static bool
parse_encap(struct parser *p, const config_setting_t *g, const char *parent,
	    struct cfg_site *st)
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
parse_peer(struct parser *p, const config_setting_t *g, const char *field, bool ike,
	   uint32_t *peer)
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
parse_local(struct parser *p, const config_setting_t *g, const char *field,
	    const struct cfg *cfg, struct cfg_site *st)
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
	port = cfg_port_for_addr(cfg, st->local);
	if (port < 0 || cfg->ports[port].addr != st->local) {
		conf_error(p, config_setting_get_member(g, "local"), conf_field(f, field, "local"),
			   "not one of the box's port addresses");
		return false;
	}
	return true;
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
		if (b && !cfg_cipher_is_gcm(st->cipher)) {
			conf_error(p, m, f, "only for aes128-gcm and aes256-gcm");
			return false;
		}
	}
	st->allow_unsafe_gcm = b;
	if (cfg_cipher_is_gcm(st->cipher) && !b) {
		conf_error(p, config_setting_get_member(g, "cipher"), conf_field(f, field, "cipher"),
			   "%s", CFG_MANUAL_GCM_REFUSED);
		return false;
	}
	return true;
}

static bool
parse_manual(struct parser *p, const config_setting_t *g, const char *field,
	     struct cfg_site *st)
{
	char f[FIELD_MAX];
	bool ok = parse_encap(p, g, field, st);

	if (config_setting_get_member(g, "esn") != NULL) {
		int b = 0;

		if (config_setting_lookup_bool(g, "esn", &b) != CONFIG_TRUE) {
			conf_error(p, config_setting_get_member(g, "esn"), conf_field(f, field, "esn"),
				   "expected true or false");
			ok = false;
		}
		st->esn = b;
		if (st->esn && st->replay_window == 0) {
			conf_error(p, config_setting_get_member(g, "esn"), conf_field(f, field, "esn"),
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

static bool
parse_site(struct parser *p, const config_setting_t *g, const char *field,
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
	ok &= parse_window(p, g, field, &st->replay_window);
	st->line = config_setting_source_line(g);
	if (!ok)
		return false;
	return ike ? conf_parse_site_ike(p, g, field, &cfg->ike, st) :
		     parse_manual(p, g, field, st);
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
	unsigned i, j;          /* sites[i] repeats sites[j], j < i */
	bool spi;               /* the inbound SPI, else the name */
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
		if (!parse_site(p, g, f, cfg, &cfg->sites[i]))
			ok = false;
	}
	return ok && check_unique(p, list, cfg);
}

int
cfg_site_from_text(const struct cfg *cfg, const char *text, struct cfg_site *out,
		   char *err, size_t errlen)
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
			snprintf(err, errlen, "(cli):1: site: expected a group { name = ...; ... }");
		else
			ok = parse_site(&p, g, "site", cfg, out) && p.n_errors == 0;
	}
	config_destroy(&lc);
	explicit_bzero(wrapped, n);   /* it held the keys */
	free(wrapped);
	if (!ok)
		explicit_bzero(out, sizeof(*out));
	return ok ? 0 : -1;
}
