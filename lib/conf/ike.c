/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE settings, read straight into lib/ike's own types:
 *
 * ike = { local_id; default_psk; proposals; max_half_open; ...;
 *         max_pairs_per_site; };
 *
 * and the syntax of the values the ike section and IKE sites (site_ike.c)
 * share. Identities: "a.b.c.d" (ID_IPV4_ADDR), "fqdn:NAME", "user_fqdn:USER@NAME",
 * "key_id:TEXT". Proposals, strongSwan style: phase 1
 * "aes128-sha1-modp1024" (cipher-hash-group), ESP "aes128-sha1",
 * "aes128-sha1-modp1024" (with PFS), "aes128gcm16", "aes256gcm16-modp2048".
 * PSKs are secrets: never quoted in an error.
 */
#include <arpa/inet.h>
#include <string.h>

#include "net_addr.h"
#include "parser.h"

static const char *const ike_fields[] = { "local_id",
					  "default_psk",
					  "proposals",
					  "max_half_open",
					  "max_half_open_per_source",
					  "new_per_source_per_second",
					  "half_open_timeout",
					  "msg3_timeout",
					  "rekey_margin",
					  "rekey_fuzz",
					  "natt_keepalive",
					  "max_pairs_per_site",
					  NULL };

struct name_val {
	const char *name;
	int val;
};

static const struct name_val hashes[] = {
	{ "sha1", IKE_HASH_SHA1 },
	{ "sha256", IKE_HASH_SHA256 },
	{ "sha384", IKE_HASH_SHA384 },
	{ "sha512", IKE_HASH_SHA512 },
	{ NULL, 0 },
};
static const struct name_val groups[] = {
	{ "modp1024", IKE_DH_MODP1024 }, { "modp1536", IKE_DH_MODP1536 },
	{ "modp2048", IKE_DH_MODP2048 }, { "ecp256", IKE_DH_ECP256 },
	{ "ecp384", IKE_DH_ECP384 },     { NULL, 0 },
};

static bool
lookup(const struct name_val *t, const char *s, size_t n, int *val)
{
	for (; t->name != NULL; t++)
		if (strlen(t->name) == n && strncmp(t->name, s, n) == 0) {
			*val = t->val;
			return true;
		}
	return false;
}

/* "aes128" / "aes256" (+ "gcm16" when gcm is allowed) at s, up to '-' or end. */
static bool
cipher(const char *s, size_t n, bool allow_gcm, enum ike_cipher *c, uint16_t *bits)
{
	if (n >= 6 && strncmp(s, "aes128", 6) == 0)
		*bits = 128;
	else if (n >= 6 && strncmp(s, "aes256", 6) == 0)
		*bits = 256;
	else
		return false;
	if (n == 6) {
		*c = IKE_CIPHER_AES_CBC;
		return true;
	}
	if (allow_gcm && n == 11 && strncmp(s + 6, "gcm16", 5) == 0) {
		*c = IKE_CIPHER_AES_GCM16;
		return true;
	}
	return false;
}

/* Split s at '-' into up to 3 parts. */
static unsigned
split(const char *s, const char *part[3], size_t len[3])
{
	unsigned n = 0;

	while (n < 3) {
		const char *dash = strchr(s, '-');

		part[n] = s;
		len[n] = dash ? (size_t)(dash - s) : strlen(s);
		n++;
		if (dash == NULL)
			return n;
		s = dash + 1;
	}
	return *s ? 4 : n; /* more than three parts */
}

bool
conf_p1_proposal(const char *s, struct ike_p1_proposal *p)
{
	const char *part[3];
	size_t len[3];
	int h, g;

	if (split(s, part, len) != 3 || !cipher(part[0], len[0], false, &p->cipher, &p->key_bits) ||
	    !lookup(hashes, part[1], len[1], &h) || !lookup(groups, part[2], len[2], &g))
		return false;
	p->hash = (enum ike_hash)h;
	p->group = (enum ike_dh)g;
	return true;
}

bool
conf_esp_proposal(const char *s, struct ike_esp_proposal *p)
{
	const char *part[3];
	size_t len[3];
	unsigned n = split(s, part, len);
	unsigned next = 1;
	int v;

	if (n < 1 || n > 3 || !cipher(part[0], len[0], true, &p->cipher, &p->key_bits))
		return false;
	p->integ = IKE_HASH_NONE;
	p->pfs = IKE_DH_NONE;
	if (p->cipher == IKE_CIPHER_AES_CBC) {
		if (n < 2 || !lookup(hashes, part[1], len[1], &v) ||
		    (v != IKE_HASH_SHA1 && v != IKE_HASH_SHA256))
			return false;
		p->integ = (enum ike_hash)v;
		next = 2;
	}
	if (next < n) {
		if (next + 1 != n || !lookup(groups, part[next], len[next], &v))
			return false;
		p->pfs = (enum ike_dh)v;
	}
	return next + 1 >= n;
}

bool
conf_ike_id(const char *s, struct ike_id *id)
{
	static const struct {
		const char *prefix;
		enum ike_id_type type;
	} kinds[] = {
		{ "fqdn:", IKE_ID_FQDN },
		{ "user_fqdn:", IKE_ID_USER_FQDN },
		{ "key_id:", IKE_ID_KEY_ID },
	};
	uint32_t a;

	memset(id, 0, sizeof(*id));
	if (net_ipv4_from_str(s, &a)) {
		uint32_t be = htonl(a);

		id->type = IKE_ID_IPV4_ADDR;
		id->len = 4;
		memcpy(id->value, &be, 4);
		return true;
	}
	for (size_t i = 0; i < CONF_DIM(kinds); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (strncmp(s, kinds[i].prefix, n) == 0 && s[n] != '\0' &&
		    strlen(s + n) <= IKE_ID_MAX) {
			id->type = kinds[i].type;
			id->len = (uint8_t)strlen(s + n);
			memcpy(id->value, s + n, id->len);
			return true;
		}
	}
	return false;
}

bool
conf_ike_id_member(struct parser *p, const config_setting_t *g, const char *parent,
		   const char *name, struct ike_id *id)
{
	const char *s = NULL;
	char f[FIELD_MAX];

	if (!conf_string(p, g, parent, name, false, 200, &s))
		return false;
	if (s != NULL && !conf_ike_id(s, id)) {
		conf_error(p, config_setting_get_member(g, name), conf_field(f, parent, name),
			   "\"%s\" is not a.b.c.d, fqdn:NAME, user_fqdn:USER@NAME or key_id:TEXT",
			   s);
		return false;
	}
	return true;
}

/* A PSK: the string's bytes, or hex after "0x". Never quoted. */
bool
conf_psk(struct parser *p, const config_setting_t *g, const char *parent, const char *name,
	 bool required, uint8_t *out, uint16_t *len)
{
	const char *s = NULL;
	char f[FIELD_MAX];
	int n;

	if (!conf_string(p, g, parent, name, required, 512, &s))
		return false;
	if (s == NULL)
		return true; /* optional and absent */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		n = conf_hex(s, out, IKE_PSK_MAX);
	else
		n = strlen(s) <= IKE_PSK_MAX ? (int)strlen(s) : -1;
	if (n <= 0) {
		conf_error(p, config_setting_get_member(g, name), conf_field(f, parent, name),
			   "must be 1 to %d bytes (text, or hex after 0x)", IKE_PSK_MAX);
		return false;
	}
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		memcpy(out, s, (size_t)n);
	*len = (uint16_t)n;
	return true;
}

/* An array of proposal strings. */
bool
conf_proposals(struct parser *p, const config_setting_t *g, const char *parent, const char *name,
	       bool esp, void *out, uint8_t *n_out)
{
	const config_setting_t *a = config_setting_get_member(g, name);
	char f[FIELD_MAX], fi[FIELD_MAX];
	bool ok = true;
	int n;

	if (a == NULL)
		return true;
	conf_field(f, parent, name);
	n = config_setting_is_array(a) ? config_setting_length(a) : -1;
	if (n < 1 || n > IKE_PROPS_MAX) {
		conf_error(p, a, f, "expected an array of 1 to %d proposals [ \"%s\", ... ]",
			   IKE_PROPS_MAX, esp ? "aes128-sha1" : "aes128-sha1-modp1024");
		return false;
	}
	for (int i = 0; i < n; i++) {
		const char *s = config_setting_get_string_elem(a, i);
		bool good = s != NULL &&
			    (esp ? conf_esp_proposal(s, &((struct ike_esp_proposal *)out)[i]) :
				   conf_p1_proposal(s, &((struct ike_p1_proposal *)out)[i]));

		if (!good) {
			conf_error(
				p, config_setting_get_elem(a, (unsigned)i),
				conf_field_index(fi, f, (unsigned)i),
				esp ? "\"%s\" is not an ESP proposal (aes128|aes256-sha1|sha256"
				      "[-group], aes128gcm16|aes256gcm16[-group])" :
				      "\"%s\" is not a phase 1 proposal (aes128|aes256-sha1|sha256"
				      "|sha384|sha512-modp1024|modp1536|modp2048|ecp256|ecp384)",
				s ? s : "(not a string)");
			ok = false;
		}
	}
	*n_out = (uint8_t)n;
	return ok;
}

bool
conf_parse_ike(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const config_setting_t *g = config_setting_get_member(root, "ike");
	struct ike_config *c = &cfg->ike;
	uint32_t pairs;
	bool ok;

	ike_config_defaults(c);
	if (g == NULL)
		return true;
	if (!config_setting_is_group(g)) {
		conf_error(p, g, "ike", "expected a group { ... }");
		return false;
	}
	ok = conf_known_members(p, g, "ike", ike_fields);
	ok &= conf_ike_id_member(p, g, "ike", "local_id", &c->local_id);
	ok &= conf_psk(p, g, "ike", "default_psk", false, c->default_psk, &c->default_psk_len);
	ok &= conf_proposals(p, g, "ike", "proposals", false, c->p1, &c->n_p1);
	ok &= conf_uint(p, g, "ike", "max_half_open", false, 1, 1u << 20, &c->max_half_open);
	ok &= conf_uint(p, g, "ike", "max_half_open_per_source", false, 1, 1u << 20,
			&c->max_half_open_per_src);
	ok &= conf_uint(p, g, "ike", "new_per_source_per_second", false, 1, 1u << 20,
			&c->new_per_src_per_s);
	ok &= conf_uint(p, g, "ike", "half_open_timeout", false, 1, 3600, &c->half_open_timeout_s);
	ok &= conf_uint(p, g, "ike", "msg3_timeout", false, 1, 3600, &c->msg3_timeout_s);
	ok &= conf_uint(p, g, "ike", "rekey_margin", false, 10, 86400, &c->rekey_margin_s);
	ok &= conf_uint(p, g, "ike", "rekey_fuzz", false, 0, 100, &c->rekey_fuzz_pct);
	ok &= conf_uint(p, g, "ike", "natt_keepalive", false, 0, 3600, &c->natt_keepalive_s);
	pairs = c->max_pairs_per_site;
	ok &= conf_uint(p, g, "ike", "max_pairs_per_site", false, 1, IKE_PAIRS_MAX, &pairs);
	c->max_pairs_per_site = (uint16_t)pairs;
	c->new_per_src_burst = CONF_MAX(c->new_per_src_burst, 2 * c->new_per_src_per_s);
	return ok;
}
