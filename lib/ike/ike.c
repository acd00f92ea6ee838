/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Instance lifecycle, configuration, logging and randomness.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "priv.h"

/* The RTX installed base first, then stronger suites (issue: profiles). */
static const struct ike_p1_proposal default_p1[] = {
	{ IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_MODP1024 },
	{ IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA256, IKE_DH_MODP2048 },
	{ IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA256, IKE_DH_MODP2048 },
	{ IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA256, IKE_DH_ECP256 },
	{ IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA384, IKE_DH_ECP384 },
	{ IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA512, IKE_DH_MODP2048 },
	{ IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_MODP1536 },
	{ IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA1, IKE_DH_MODP1024 },
};

void
ike_config_defaults(struct ike_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->p1, default_p1, sizeof(default_p1));
	cfg->n_p1 = sizeof(default_p1) / sizeof(default_p1[0]);
	cfg->sites_hint = 1024;
	cfg->max_half_open = 4096;
	cfg->max_half_open_per_src = 16;
	cfg->new_per_src_per_s = 10;
	cfg->new_per_src_burst = 20;
	cfg->half_open_timeout_s = 30;
	cfg->msg3_timeout_s = 10;
	cfg->max_pairs_per_site = IKE_PAIRS_DEFAULT;
	cfg->rekey_margin_s = 540;
	cfg->rekey_fuzz_pct = 100;
	cfg->natt_keepalive_s = 20;
	cfg->retransmit_base_ms = 2000;
	cfg->retransmit_tries = 5;
	cfg->rekeyed_delete_s = 5;
}

static bool
config_ok(const struct ike_config *c)
{
	for (unsigned i = 0; i < c->n_p1 && i < IKE_PROPS_MAX; i++)
		if (ike_prop_enc_key_len(&c->p1[i]) == 0 || ike_dh_pub_len(c->p1[i].group) == 0 ||
		    ike_kdf_hash_len(c->p1[i].hash) == 0)
			return false;
	return c->n_p1 >= 1 && c->n_p1 <= IKE_PROPS_MAX && c->default_psk_len <= IKE_PSK_MAX &&
	       c->max_half_open > 0 && c->max_half_open_per_src > 0 && c->new_per_src_burst > 0 &&
	       c->half_open_timeout_s > 0 && c->msg3_timeout_s > 0 && c->retransmit_base_ms > 0 &&
	       c->max_pairs_per_site >= 1 && c->max_pairs_per_site <= IKE_PAIRS_MAX &&
	       c->retransmit_tries > 0 && c->local_id.len <= IKE_ID_MAX;
}

struct ike *
ike_create(const struct ike_config *cfg, const struct ike_host_ops *ops, void *ctx)
{
	struct ike *ike;
	size_t hint;

	if (cfg == NULL || ops == NULL || ops->send == NULL || ops->child_sa_install == NULL ||
	    ops->child_sa_delete == NULL || ops->peer_down == NULL || !config_ok(cfg))
		return NULL;
	ike = calloc(1, sizeof(*ike));
	if (ike == NULL)
		return NULL;
	ike->cfg = *cfg;
	ike->ops = ops;
	ike->ctx = ctx;
	ike->next_site_id = 1;
	ike_random(ike->hkey, sizeof(ike->hkey));
	list_init(&ike->sites);
	list_init(&ike->sas);
	list_init(&ike->dead);
	list_init(&ike->start_queue);
	list_init(&ike->ho_unbound);
	list_init(&ike->srcs_idle);
	hint = cfg->sites_hint;
	if (!ike_htab_init(&ike->sites_by_name, hint) || !ike_htab_init(&ike->sites_by_id, hint) ||
	    !ike_htab_init(&ike->sites_by_addr, hint) ||
	    !ike_htab_init(&ike->sas_by_cookie, hint) || !ike_htab_init(&ike->sas_by_icky, hint) ||
	    !ike_htab_init(&ike->children_by_spi, hint * 2) || !ike_htab_init(&ike->srcs, hint)) {
		ike_destroy(ike);
		return NULL;
	}
	return ike;
}

void
ike_destroy(struct ike *ike)
{
	if (ike == NULL)
		return;
	ike_sites_fini(ike); /* pairs and bound SAs, through the host */
	while (!list_empty(&ike->sas))
		ike_sa_kill(container_of(ike->sas.next, struct ike_sa, all));
	ike_sa_reap(ike);
	ike_srcs_fini(ike);
	ike_timers_fini(ike);
	ike_htab_fini(&ike->sites_by_name);
	ike_htab_fini(&ike->sites_by_id);
	ike_htab_fini(&ike->sites_by_addr);
	ike_htab_fini(&ike->sas_by_cookie);
	ike_htab_fini(&ike->sas_by_icky);
	ike_htab_fini(&ike->children_by_spi);
	ike_htab_fini(&ike->srcs);
	OPENSSL_cleanse(ike->cfg.default_psk, sizeof(ike->cfg.default_psk));
	OPENSSL_cleanse(ike->plain, sizeof(ike->plain));
	free(ike);
}

int
ike_default_psk_set(struct ike *ike, const uint8_t *psk, size_t len)
{
	if (len > IKE_PSK_MAX || (len > 0 && psk == NULL))
		return -EINVAL;
	OPENSSL_cleanse(ike->cfg.default_psk, sizeof(ike->cfg.default_psk));
	if (len > 0)
		memcpy(ike->cfg.default_psk, psk, len);
	ike->cfg.default_psk_len = (uint16_t)len;
	return 0;
}

void
ike_stats_get(const struct ike *ike, struct ike_stats *out)
{
	memcpy(out->c, ike->stats, sizeof(out->c));
	out->ike_sas = ike->n_sas;
	out->half_open = ike->n_half_open;
	out->sources = ike->srcs.n;
	out->child_sas = ike->n_children;
	out->sites = ike->n_sites;
}

/* ------------------------------------------------------------------ */

static void __attribute__((format(printf, 3, 0)))
vlog(struct ike *ike, enum ike_log_level lvl, const char *fmt, va_list ap)
{
	if (ike->ops->log != NULL)
		ike->ops->log(ike->ctx, lvl, fmt, ap);
}

const char *
ike_addr_str(uint32_t addr, char buf[IKE_ADDR_STR_MAX])
{
	char *p = buf;

	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned b = (addr >> shift) & 0xff;

		if (b >= 100)
			*p++ = (char)('0' + b / 100);
		if (b >= 10)
			*p++ = (char)('0' + b / 10 % 10);
		*p++ = (char)('0' + b % 10);
		*p++ = shift > 0 ? '.' : '\0';
	}
	return buf;
}

void
ike_logf(struct ike *ike, enum ike_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ike, lvl, fmt, ap);
	va_end(ap);
}

/* Lines about an SA start with its tag: site name and the cookies. */
void
ike_sa_logf(const struct ike_sa *sa, enum ike_log_level lvl, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (sa->ike->ops->log == NULL)
		return;
	n = snprintf(line, sizeof(line),
		     "[%s %02x%02x%02x%02x%02x%02x%02x%02x:"
		     "%02x%02x%02x%02x%02x%02x%02x%02x] ",
		     sa->site != NULL ? sa->site->p.name : "-", sa->icky[0], sa->icky[1],
		     sa->icky[2], sa->icky[3], sa->icky[4], sa->icky[5], sa->icky[6], sa->icky[7],
		     sa->rcky[0], sa->rcky[1], sa->rcky[2], sa->rcky[3], sa->rcky[4], sa->rcky[5],
		     sa->rcky[6], sa->rcky[7]);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	ike_logf(sa->ike, lvl, "%s", line);
}

/*
 * Cookies, nonces, SPIs, message IDs and DH secrets all come from here.
 * Without randomness the protocol is unsafe to run at all, so a failing
 * generator stops the process rather than let it go on predictably.
 */
void
ike_random(void *p, size_t n)
{
	if (n > 0 && RAND_bytes(p, (int)n) != 1)
		abort();
}

uint64_t
ike_hash(const struct ike *ike, const void *p, size_t n)
{
	return ike_siphash24(ike->hkey, p, n);
}
