/* SPDX-License-Identifier: BSD-3-Clause */
/* Hand-keyed sites: one tunnel, SAs from the file or the CLI. */
#include <string.h>

#include "priv.h"

static void
keys_from_cfg(enum cfg_cipher cipher, enum cfg_integ integ, const struct cfg_manual_sa *m,
	      struct crypto_keys *k)
{
	bool gcm = conf_cipher_is_gcm(cipher);

	memset(k, 0, sizeof(*k));
	k->cipher = gcm ? CRYPTO_CIPHER_AES_GCM16 : CRYPTO_CIPHER_AES_CBC;
	k->integ = integ == CFG_HMAC_SHA1_96    ? CRYPTO_INTEG_HMAC_SHA1_96 :
		   integ == CFG_HMAC_SHA256_128 ? CRYPTO_INTEG_HMAC_SHA256_128 :
						  CRYPTO_INTEG_NONE;
	/* RFC 4106 s8.1: the last 4 bytes of a GCM key are the salt. */
	k->cipher_key_len = (uint8_t)(m->key_len - (gcm ? CRYPTO_SALT_LEN : 0));
	memcpy(k->cipher_key, m->key, k->cipher_key_len);
	if (gcm)
		memcpy(k->salt, m->key + k->cipher_key_len, CRYPTO_SALT_LEN);
	k->integ_key_len = m->auth_key_len;
	memcpy(k->integ_key, m->auth_key, m->auth_key_len);
}

static void
copy_ts(struct sa_ts *ts, const struct cfg_prefix *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ts[i] = (struct sa_ts){ .addr = p[i].addr, .plen = p[i].plen };
}

static void
manual_params(const struct ctl *ctl, uint32_t site, uint32_t tunnel, bool inbound,
	      enum cfg_cipher cipher, enum cfg_integ integ, const struct cfg_manual_sa *keys,
	      struct sa_params *p)
{
	const struct cfg_site *s = &ctl->cfg->sites[site];

	memset(p, 0, sizeof(*p));
	p->spi = keys->spi;
	p->inbound = inbound;
	p->tunnel = tunnel;
	p->site = site;
	p->local_addr = s->local;
	p->peer_addr = s->peer;
	p->local_port = s->local_port;
	p->peer_port = s->peer_port;
	p->esn = s->esn;
	p->replay_window = inbound ? s->replay_window : 0;
	keys_from_cfg(cipher, integ, keys, &p->keys);
	p->soft = (struct sa_lifetime){ s->soft.bytes, s->soft.packets, s->soft.seconds };
	p->hard = (struct sa_lifetime){ s->hard.bytes, s->hard.packets, s->hard.seconds };
	p->n_local_ts = (uint8_t)s->n_local;
	p->n_remote_ts = (uint8_t)s->n_remote;
	copy_ts(p->local_ts, s->local_subnets, s->n_local);
	copy_ts(p->remote_ts, s->remote, s->n_remote);
	p->outside_mtu = ctl_outside_mtu(ctl, s->local);
}

/*
 * The site's tunnel carries all its subnets. It is found by its selectors
 * each time, not remembered: once its last SA is gone the id may serve
 * another site.
 */
static int
manual_sa_add(struct ctl *ctl, uint32_t site, bool inbound, enum cfg_cipher cipher,
	      enum cfg_integ integ, const struct cfg_manual_sa *keys, uint32_t *id)
{
	const struct cfg_site *s = &ctl->cfg->sites[site];
	struct sa_ts local = { s->local_subnets[0].addr, s->local_subnets[0].plen };
	struct sa_ts remote = { s->remote[0].addr, s->remote[0].plen };
	struct sa_ts spd[CFG_MAX_SUBNETS];
	struct sa_params p;
	uint32_t tunnel;
	int rc;

	for (unsigned j = 0; j < s->n_remote; j++)
		spd[j] = (struct sa_ts){ s->remote[j].addr, s->remote[j].plen };
	rc = ctl_tunnel_hold(ctl, site, &local, &remote, spd, s->n_remote, &tunnel);
	if (rc != 0)
		return rc;
	manual_params(ctl, site, tunnel, inbound, cipher, integ, keys, &p);
	rc = ctl_sa_add(ctl, &p, CTL_SA_MANUAL, id);
	explicit_bzero(&p, sizeof(p));
	if (rc == 0 && !inbound)
		rc = sa_tunnel_set_out(ctl->sa, tunnel, *id);
	/* The SA holds the tunnel now. */
	ctl_tunnel_release(ctl, tunnel);
	return rc;
}

/* The pair from the file. On failure the caller removes what was added. */
int
ctl_manual_site_setup(struct ctl *ctl, uint32_t site)
{
	const struct cfg_site *s = &ctl->cfg->sites[site];
	uint32_t in_id, out_id;
	int rc;

	if (s->allow_unsafe_gcm)
		CTL_LOG(WARNING,
			"site %s: hand-keyed %s (allow_unsafe_manual_gcm): nonces repeat "
			"across restarts with these keys; for tests only",
			s->name, conf_cipher_name(s->cipher));
	rc = manual_sa_add(ctl, site, true, s->cipher, s->integ, &s->sa_in, &in_id);
	if (rc == 0)
		rc = manual_sa_add(ctl, site, false, s->cipher, s->integ, &s->sa_out, &out_id);
	return rc;
}

/* Every hand-keyed SA of the site (the tunnel goes with the last). */
void
ctl_manual_site_clear(struct ctl *ctl, uint32_t site)
{
	uint32_t id = ctl->site[site].first_sa;

	while (id != SA_NONE) {
		uint32_t next = ctl->sa_meta[id].site_next;

		if (ctl->sa_meta[id].owner == CTL_SA_MANUAL)
			ctl_sa_del(ctl, id);
		id = next;
	}
}

int
ctl_manual_sa_add(struct ctl *ctl, uint32_t site, bool inbound, enum cfg_cipher cipher,
		  enum cfg_integ integ, const struct cfg_manual_sa *keys, uint32_t *id)
{
	const struct cfg_site *s = ctl_site(ctl, site);

	if (s == NULL)
		return -ENOENT;
	if (s->ike)
		return -EPERM;
	return manual_sa_add(ctl, site, inbound, cipher, integ, keys, id);
}

int
ctl_manual_sa_del(struct ctl *ctl, uint32_t id)
{
	switch (ctl_sa_owner(ctl, id)) {
	case CTL_SA_NONE:
		return -ENOENT;
	case CTL_SA_ENGINE:
		return -EPERM;
	case CTL_SA_MANUAL:
		break;
	}
	return ctl_sa_del(ctl, id);
}
