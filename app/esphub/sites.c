/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configured sites: a hand-keyed site gets its tunnel and SA pair at
 * start; an IKE site is handed to lib/ike, whose child SAs get tunnels as
 * they are negotiated (ike.c). Site i is cfg.sites[i] everywhere (SA site
 * field, NAT caps, CLI).
 */
#include <string.h>

#include "app.h"
#include "net.h"

static void
keys_from_cfg(enum cfg_cipher cipher, enum cfg_integ integ,
	      const struct cfg_manual_sa *m, struct crypto_keys *k)
{
	bool gcm = cipher == CFG_AES128_GCM || cipher == CFG_AES256_GCM;

	memset(k, 0, sizeof(*k));
	k->cipher = gcm ? CRYPTO_CIPHER_AES_GCM16 : CRYPTO_CIPHER_AES_CBC;
	k->integ = integ == CFG_HMAC_SHA1_96 ? CRYPTO_INTEG_HMAC_SHA1_96 :
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

void
app_sa_params(const struct app *app, unsigned site, uint32_t tunnel, bool inbound,
	      enum cfg_cipher cipher, enum cfg_integ integ,
	      const struct cfg_manual_sa *keys, struct sa_params *p)
{
	const struct cfg_site *s = &app->cfg.sites[site];
	int port = cfg_port_for_addr(&app->cfg, s->local);

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
	p->outside_mtu = port >= 0 ? app->cfg.ports[port].mtu : 1500;
}

int
app_sa_add(struct app *app, const struct sa_params *p, uint32_t *id)
{
	int rc = sa_add(app->sa, p, id);

	if (rc == 0) {
		app->tunnel[p->tunnel].refs++;
		app->sa_meta[*id] = (struct app_sa_meta){ 0 };
	}
	return rc;
}

int
app_sa_del(struct app *app, uint32_t id)
{
	const struct sa *sa = sa_db_get(app->sa, id);
	uint32_t tunnel;
	int rc;

	if (sa == NULL)
		return -ENOENT;
	tunnel = sa->tunnel;
	app_tunnel_sa_leaving(app, tunnel, id);
	rc = sa_del(app->sa, id);
	if (rc == 0)
		app_tunnel_put(app, tunnel);
	return rc;
}

int
app_manual_site_setup(struct app *app, unsigned i)
{
	const struct cfg_site *s = &app->cfg.sites[i];
	struct sa_ts local = { s->local_subnets[0].addr, s->local_subnets[0].plen };
	struct sa_ts remote = { s->remote[0].addr, s->remote[0].plen };
	struct sa_ts spd[CFG_MAX_SUBNETS];
	struct sa_params p;
	uint32_t tunnel, in_id, out_id;
	int rc;

	if (s->allow_unsafe_gcm)
		LOG(WARNING, "site %s: hand-keyed %s (allow_unsafe_manual_gcm): nonces repeat "
		    "across restarts with these keys; for tests only", s->name,
		    cfg_cipher_name(s->cipher));
	for (unsigned j = 0; j < s->n_remote; j++)
		spd[j] = (struct sa_ts){ s->remote[j].addr, s->remote[j].plen };
	rc = app_tunnel_get(app, i, &local, &remote, spd, s->n_remote, &tunnel);
	if (rc != 0)
		return rc;
	app->site[i].tunnel = tunnel;
	app_sa_params(app, i, tunnel, true, s->cipher, s->integ, &s->sa_in, &p);
	rc = app_sa_add(app, &p, &in_id);
	if (rc == 0) {
		app_sa_params(app, i, tunnel, false, s->cipher, s->integ, &s->sa_out, &p);
		rc = app_sa_add(app, &p, &out_id);
	}
	if (rc == 0)
		rc = sa_tunnel_set_out(app->sa, tunnel, out_id);
	explicit_bzero(&p, sizeof(p));
	/* The SAs hold the tunnel now. */
	app_tunnel_put(app, tunnel);
	return rc;
}

static int
setup_site(struct app *app, unsigned i)
{
	const struct cfg_site *s = &app->cfg.sites[i];
	int rc = app_site_install(app, i);

	if (rc != 0)
		fprintf(stderr, "%s:%u: sites[%u]: cannot install: %s (esp.max_sas = %u, "
			"esp.max_tunnels = %u)\n", app->cfg.path, s->line, i, strerror(-rc),
			app->cfg.esp.max_sas, app->cfg.esp.max_tunnels);
	return rc;
}

int
app_sites_setup(struct app *app)
{
	if (app->cfg.n_sites > app->cfg.esp.max_tunnels) {
		fprintf(stderr, "%s: %u sites, but esp.max_tunnels = %u\n", app->cfg.path,
			app->cfg.n_sites, app->cfg.esp.max_tunnels);
		return -ENOSPC;
	}
	for (unsigned i = 0; i < app->cfg.n_sites; i++) {
		int rc = setup_site(app, i);

		if (rc != 0)
			return rc;
	}
	/* Sites added at run time may fill the table up to one per tunnel. */
	if (app->cfg.n_sites)
		LOG(INFO, "%u sites, %u SAs", app->cfg.n_sites, sa_db_count(app->sa));
	return 0;
}

int
app_site_index(const struct app *app, const char *name)
{
	if (name[0] == '\0')
		return -1;
	for (unsigned i = 0; i < app->cfg.n_sites; i++)
		if (strcmp(app->cfg.sites[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
app_site_name(const struct app *app, uint32_t site)
{
	return site < app->cfg.n_sites ? app->cfg.sites[site].name : "-";
}

/* Lifetime events of the data plane (control core, from sa_db_poll). */
void
app_sa_event(void *arg, uint32_t id, enum sa_event ev)
{
	struct app *app = arg;
	const struct sa *sa = sa_db_get(app->sa, id);

	if (sa == NULL)
		return;
	LOG(NOTICE, "site %s: SA %u (%s, SPI 0x%08x) %s", app_site_name(app, sa->site), id,
	    sa->inbound ? "in" : "out", sa->spi, sa_event_name(ev));
	switch (ev) {
	case SA_EVENT_SOFT:
		/* IKE rekeys its own; a hand-keyed SA waits for the operator. */
		app->ctr[CCTR_SA_SOFT_EXPIRED]++;
		if (app->sa_meta[id].ike)
			app_ike_sa_event(app, id, ev);
		break;
	case SA_EVENT_HARD:
		app->ctr[CCTR_SA_HARD_EXPIRED]++;
		if (app->sa_meta[id].ike)
			app_ike_sa_event(app, id, ev);   /* IKE deletes the pair */
		else
			app_sa_del(app, id);
		break;
	case SA_EVENT_SEQ_EXHAUSTED:
		app->ctr[CCTR_SA_SEQ_EXHAUSTED]++;
		break;
	}
}
