/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fields of a site keyed by IKE, read into lib/ike's ike_site_params
 * (its addresses, subnets and replay window are parsed already, sites.c):
 *
 * sites = ( { ...; id; psk; ike_proposals; esp_proposals; dpd_delay;
 *             dpd_timeout; ike_lifetime; esp_lifetime; esp_lifetime_kb;
 *             aggressive; initiate; local_id; max_pairs; } );
 *
 * The syntax of identities, PSKs and proposals is ike.c's. PSKs are
 * secrets: never quoted in an error.
 */
#include <stdio.h>
#include <string.h>

#include "parser.h"

static bool
parse_flag(struct parser *p, const config_setting_t *g, const char *parent, const char *name,
	   bool *out)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	char f[FIELD_MAX];
	int b;

	if (m == NULL)
		return true;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL) {
		conf_error(p, m, conf_field(f, parent, name), "expected true or false");
		return false;
	}
	b = config_setting_get_bool(m);
	*out = b;
	return true;
}

/*
 * IKEv1 Main Mode picks the PSK before the peer's ID is known: from a
 * dynamic address that is default_psk, and whoever holds it may then claim
 * any site whose own psk is the same. Say so (never quoting the PSK).
 */
static void
psk_check(struct parser *p, const config_setting_t *g, const char *field,
	  const struct ike_config *ike, const struct ike_site_params *k)
{
	char f[FIELD_MAX];

	if (ike->default_psk_len == 0 || k->psk_len != ike->default_psk_len ||
	    memcmp(k->psk, ike->default_psk, k->psk_len) != 0)
		return;
	conf_warn(p, config_setting_get_member(g, "psk"), conf_field(f, field, "psk"),
		  "site \"%s\" has the same PSK as ike.default_psk: %s", k->name,
		  k->peer_addr != 0 ?
			  "only its fixed peer address keeps other branches from claiming it" :
			  "any branch holding default_psk can claim its ID (README: IKE)");
}

/* The IKE fields of a site (its addresses and subnets are parsed already). */
bool
conf_parse_site_ike(struct parser *p, const config_setting_t *g, const char *field,
		    const struct ike_config *ike, struct cfg_site *st)
{
	struct ike_site_params *k = &st->ike_params;
	uint32_t v64lo = 0, pairs = 0;
	const char *why;
	bool ok = true;

	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", st->name);
	k->peer_addr = st->peer;
	k->local_addr = st->local;
	k->n_remote = (uint8_t)st->n_remote;
	k->n_local = (uint8_t)st->n_local;
	for (unsigned i = 0; i < st->n_remote; i++)
		k->remote_subnets[i] =
			(struct ike_prefix){ st->remote[i].addr, st->remote[i].plen };
	for (unsigned i = 0; i < st->n_local; i++)
		k->local_subnets[i] =
			(struct ike_prefix){ st->local_subnets[i].addr, st->local_subnets[i].plen };
	ok &= conf_ike_id_member(p, g, field, "id", &k->id);
	ok &= conf_ike_id_member(p, g, field, "local_id", &k->local_id);
	ok &= conf_psk(p, g, field, "psk", true, k->psk, &k->psk_len);
	ok &= conf_proposals(p, g, field, "ike_proposals", false, k->p1, &k->n_p1);
	ok &= conf_proposals(p, g, field, "esp_proposals", true, k->esp, &k->n_esp);
	ok &= conf_uint(p, g, field, "dpd_delay", false, 0, 3600, &k->dpd_delay_s);
	ok &= conf_uint(p, g, field, "dpd_timeout", false, 0, 86400, &k->dpd_timeout_s);
	ok &= conf_uint(p, g, field, "ike_lifetime", false, 60, 7 * 86400, &k->p1_lifetime_s);
	ok &= conf_uint(p, g, field, "esp_lifetime", false, 60, 7 * 86400, &k->child_lifetime_s);
	ok &= conf_uint(p, g, field, "esp_lifetime_kb", false, 0, UINT32_MAX, &v64lo);
	k->child_lifetime_kb = v64lo;
	ok &= parse_flag(p, g, field, "aggressive", &k->aggressive);
	ok &= parse_flag(p, g, field, "initiate", &k->initiate);
	if (conf_uint(p, g, field, "max_pairs", false, 1, IKE_PAIRS_MAX, &pairs) && pairs != 0 &&
	    pairs < st->n_local * st->n_remote) {
		char f[FIELD_MAX];

		conf_error(p, config_setting_get_member(g, "max_pairs"),
			   conf_field(f, field, "max_pairs"),
			   "%u is below the %u pairs "
			   "its subnets make (local x remote)",
			   pairs, st->n_local * st->n_remote);
		ok = false;
	}
	k->max_pairs = (uint16_t)pairs;
	if (ok && ike_site_params_validate(k, &why) != 0) {
		conf_error(p, g, field, "%s", why);
		ok = false;
	}
	if (ok)
		psk_check(p, g, field, ike, k);
	st->ike = true;
	return ok;
}
