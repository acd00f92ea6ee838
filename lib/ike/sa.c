/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISAKMP SA and IPsec SA pair objects: allocation, the cookie and SPI
 * indexes, binding to sites, deletion.
 *
 * An ISAKMP SA is indexed by our own cookie (CKY-I when we initiated,
 * CKY-R when we responded), which we chose at random; a responder SA is
 * also indexed by (CKY-I, peer address) while half-open, so a retransmitted
 * message 1 finds it. Killing an SA unhooks it at once and frees it at the
 * end of the current library call (ike_sa_reap), so no caller is left holding
 * a freed SA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

static const uint8_t zero_cky[8];

static uint64_t
cky_hash(const struct ike *ike, const uint8_t cky[8])
{
	return ike_hash(ike, cky, 8);
}

static uint64_t
icky_hash(const struct ike *ike, const uint8_t cky[8], uint32_t addr)
{
	uint8_t k[12];

	memcpy(k, cky, 8);
	memcpy(k + 8, &addr, 4);
	return ike_hash(ike, k, sizeof(k));
}

static const uint8_t *
own_cky(const struct ike_sa *sa)
{
	return sa->initiator ? sa->icky : sa->rcky;
}

struct ike_sa *
ike_sa_new(struct ike *ike, bool initiator, const struct ike_endpoint *local,
	   const struct ike_endpoint *remote)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->ike = ike;
	sa->serial = ++ike->next_serial;
	sa->initiator = initiator;
	sa->local = *local;
	sa->remote = *remote;
	sa->created_ms = ike->now;
	sa->natt_vid = -1;
	list_init(&sa->qms);
	list_init(&sa->site_link);
	list_init(&sa->addr_link);
	list_init(&sa->ho_link);
	do {
		ike_random(initiator ? sa->icky : sa->rcky, 8);
	} while (memcmp(own_cky(sa), zero_cky, 8) == 0);
	ike_htab_add(&ike->sas_by_cookie, &sa->by_cookie, cky_hash(ike, own_cky(sa)));
	list_add_tail(&ike->sas, &sa->all);
	ike->n_sas++;
	return sa;
}

/* Authenticated: tell the host our cookie (cookie_own; once). */
void
ike_sa_cookie_announce(struct ike_sa *sa)
{
	struct ike *ike = sa->ike;

	if (sa->cookie_announced || ike->ops->cookie_own == NULL)
		return;
	sa->cookie_announced = true;
	ike->ops->cookie_own(ike->ctx, own_cky(sa), true);
}

/* Responder: remember CKY-I so a retransmitted message 1 finds us. */
void
ike_sa_set_icky(struct ike_sa *sa, const uint8_t icky[8])
{
	memcpy(sa->icky, icky, 8);
	ike_htab_add(&sa->ike->sas_by_icky, &sa->by_icky,
		     icky_hash(sa->ike, icky, sa->remote.addr));
	sa->in_icky = true;
}

void
ike_sa_set_rcky(struct ike_sa *sa, const uint8_t rcky[8])
{
	memcpy(sa->rcky, rcky, 8);
}

/*
 * The SA a message belongs to. Message 1 (CKY-R zero) matches a half-open
 * responder SA by (CKY-I, source address); otherwise our own cookie, in
 * whichever role, and then the other cookie must match too.
 */
struct ike_sa *
ike_sa_lookup(struct ike *ike, const struct ike_hdr *h, const struct ike_endpoint *remote)
{
	struct hnode *n;
	uint64_t k;

	if (memcmp(h->rcookie, zero_cky, 8) == 0) {
		k = icky_hash(ike, h->icookie, remote->addr);
		for (n = ike_htab_first(&ike->sas_by_icky, k); n; n = ike_htab_next(n, k)) {
			struct ike_sa *sa = container_of(n, struct ike_sa, by_icky);

			if (memcmp(sa->icky, h->icookie, 8) == 0 && sa->remote.addr == remote->addr)
				return sa;
		}
		return NULL;
	}
	k = cky_hash(ike, h->rcookie);
	for (n = ike_htab_first(&ike->sas_by_cookie, k); n; n = ike_htab_next(n, k)) {
		struct ike_sa *sa = container_of(n, struct ike_sa, by_cookie);

		if (!sa->initiator && memcmp(sa->rcky, h->rcookie, 8) == 0 &&
		    memcmp(sa->icky, h->icookie, 8) == 0)
			return sa;
	}
	k = cky_hash(ike, h->icookie);
	for (n = ike_htab_first(&ike->sas_by_cookie, k); n; n = ike_htab_next(n, k)) {
		struct ike_sa *sa = container_of(n, struct ike_sa, by_cookie);

		if (sa->initiator && memcmp(sa->icky, h->icookie, 8) == 0 &&
		    (memcmp(sa->rcky, h->rcookie, 8) == 0 ||
		     (sa->state == MM_I_SA_SENT || sa->state == AM_I_SENT)))
			return sa;
	}
	return NULL;
}

void
ike_sa_bind_site(struct ike_sa *sa, struct site *s)
{
	if (sa->site == s)
		return;
	if (sa->site != NULL)
		list_del(&sa->site_link);
	sa->site = s;
	list_add_tail(&s->sas, &sa->site_link);
}

/* Responder, message 1: the site bound to the peer's address chose the PSK. */
void
ike_sa_set_addr_site(struct ike_sa *sa, struct site *s)
{
	sa->addr_site = s;
	if (s != NULL)
		list_add_tail(&s->half_open, &sa->addr_link);
}

/* The responder phase 1 is no longer half-open (done or gone). */
void
ike_sa_half_open_done(struct ike_sa *sa)
{
	list_del(&sa->addr_link);
	sa->addr_site = NULL;
	if (sa->in_icky) {
		ike_htab_del(&sa->ike->sas_by_icky, &sa->by_icky);
		sa->in_icky = false;
	}
	if (sa->src != NULL) {
		if (--sa->src->half_open == 0)
			list_add_tail(&sa->ike->srcs_idle, &sa->src->idle_link);
		sa->ike->n_half_open--;
		sa->src = NULL;
	}
	if (!list_empty(&sa->ho_link)) {
		list_del(&sa->ho_link);
		sa->ike->n_half_open_unbound--;
	}
	if (sa->in_window) {
		sa->in_window = false;
		sa->ike->n_initiating--;
	}
}

/* Unhook now, free at the end of the call. Idempotent. */
void
ike_sa_kill(struct ike_sa *sa)
{
	struct ike *ike = sa->ike;
	struct link *l, *t;

	if (sa->state == P1_DEAD)
		return;
	sa->state = P1_DEAD;
	ike_sa_half_open_done(sa);
	ike_htab_del(&ike->sas_by_cookie, &sa->by_cookie);
	if (sa->cookie_announced && ike->ops->cookie_own != NULL)
		ike->ops->cookie_own(ike->ctx, own_cky(sa), false);
	list_for_each_safe(l, t, &sa->qms)
		ike_qm_free(container_of(l, struct qm, link));
	ike_timer_cancel(ike, &sa->t_life);
	ike_timer_cancel(ike, &sa->t_rekey);
	ike_timer_cancel(ike, &sa->t_dpd);
	ike_timer_cancel(ike, &sa->t_keepalive);
	ike_xmit_fini(ike, &sa->x);
	if (sa->site != NULL)
		list_del(&sa->site_link);
	list_del(&sa->all);
	list_add_tail(&ike->dead, &sa->all);
	ike->n_sas--;
}

static void
sa_free(struct ike_sa *sa)
{
	ike_sa_kill(sa);
	list_del(&sa->all);
	ike_dh_free(sa->dh);
	free(sa->sai_b);
	ike_msgid_fini(sa);
	ike_kdf_p1_wipe(&sa->keys);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

void
ike_sa_reap(struct ike *ike)
{
	while (!list_empty(&ike->dead))
		sa_free(container_of(ike->dead.next, struct ike_sa, all));
}

/*
 * Delete an ISAKMP SA: tell the peer if asked (and possible), drop it,
 * and if it was the site's last established one the site goes down.
 */
void
ike_sa_teardown(struct ike_sa *sa, bool send_delete, enum ike_down_reason why)
{
	struct site *s = sa->site;

	if (sa->state == P1_DEAD)
		return;
	if (send_delete && sa->state == P1_ESTABLISHED)
		ike_info_send_delete_sa(sa);
	ike_sa_kill(sa);
	if (s != NULL)
		ike_site_check_down(s, why);
}

/*
 * An authenticated message came from elsewhere than the SA's peer
 * endpoint: behind a NAT, the mapping changed (RFC 3947 s7); answer there
 * from now on. Without NAT-T the peer must not move.
 */
void
ike_sa_peer_moved(struct ike_sa *sa, const struct rx *rx)
{
	char a[IKE_ADDR_STR_MAX];

	if (sa->local.port != IKE_NATT_PORT || rx->local->port != IKE_NATT_PORT ||
	    (rx->remote->addr == sa->remote.addr && rx->remote->port == sa->remote.port))
		return;
	ike_sa_logf(sa, IKE_LOG_INFO, "peer moved to %s:%u", ike_addr_str(rx->remote->addr, a),
		    rx->remote->port);
	sa->remote = *rx->remote;
	if (sa->site != NULL)
		ike_site_peer_moved(sa->site, rx->remote);
}

int
ike_sa_delete(struct ike *ike, const uint8_t icookie[8], const uint8_t rcookie[8], uint64_t now_ms)
{
	struct ike_hdr h;
	struct ike_sa *sa = NULL;

	if (now_ms > ike->now)
		ike->now = now_ms;
	memcpy(h.icookie, icookie, 8);
	memcpy(h.rcookie, rcookie, 8);
	if (memcmp(rcookie, zero_cky, 8) != 0) {
		sa = ike_sa_lookup(ike, &h, NULL);
	} else {
		/* an initiator still waiting for message 2: by CKY-I alone */
		uint64_t k = cky_hash(ike, icookie);

		for (struct hnode *n = ike_htab_first(&ike->sas_by_cookie, k); n != NULL;
		     n = ike_htab_next(n, k)) {
			struct ike_sa *o = container_of(n, struct ike_sa, by_cookie);

			if (o->initiator && memcmp(o->icky, icookie, 8) == 0 &&
			    memcmp(o->rcky, zero_cky, 8) == 0)
				sa = o;
		}
	}
	if (sa == NULL || memcmp(sa->rcky, rcookie, 8) != 0)
		return -ENOENT;
	ike_sa_teardown(sa, true, IKE_DOWN_ADMIN);
	ike_sa_reap(ike);
	return 0;
}

const char *
ike_sa_state_name(enum p1_state st)
{
	static const char *const names[] = {
		[P1_NONE] = "NONE",
		[MM_I_SA_SENT] = "MM_I_SA_SENT",
		[MM_I_KE_SENT] = "MM_I_KE_SENT",
		[MM_I_ID_SENT] = "MM_I_ID_SENT",
		[MM_R_SA_SENT] = "MM_R_SA_SENT",
		[MM_R_KE_SENT] = "MM_R_KE_SENT",
		[AM_I_SENT] = "AM_I_SENT",
		[AM_R_SENT] = "AM_R_SENT",
		[P1_ESTABLISHED] = "ESTABLISHED",
		[P1_DEAD] = "DEAD",
	};

	return st <= P1_DEAD ? names[st] : "?";
}

/* ------------------------------------------------------------------ */
/* IPsec SA pairs */

struct child *
ike_child_new(struct site *s, bool initiator)
{
	struct child *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ike = s->ike;
	c->site = s;
	c->initiator = initiator;
	c->start_ms = s->ike->now;
	list_add_tail(&s->children, &c->site_link);
	s->n_children++;
	s->ike->n_children++;
	return c;
}

struct child *
ike_child_by_spi(struct ike *ike, uint32_t spi_in)
{
	uint64_t k = ike_hash(ike, &spi_in, sizeof(spi_in));

	for (struct hnode *n = ike_htab_first(&ike->children_by_spi, k); n != NULL;
	     n = ike_htab_next(n, k)) {
		struct child *c = container_of(n, struct child, by_spi);

		if (c->spi_in == spi_in)
			return c;
	}
	return NULL;
}

struct child *
ike_child_by_spi_out(struct site *s, uint32_t spi_out)
{
	for (struct link *l = s->children.next; l != &s->children; l = l->next) {
		struct child *c = container_of(l, struct child, site_link);

		if (c->spi_out == spi_out && c->out_installed)
			return c;
	}
	return NULL;
}

/* A fresh inbound SPI: random, above the reserved 1..255, unused. */
uint32_t
ike_spi_alloc(struct ike *ike)
{
	uint32_t spi;

	do {
		ike_random(&spi, sizeof(spi));
	} while (spi < 256 || ike_child_by_spi(ike, spi) != NULL);
	return spi;
}

void
ike_child_set_spi(struct child *c, uint32_t spi_in)
{
	c->spi_in = spi_in;
	ike_htab_add(&c->ike->children_by_spi, &c->by_spi,
		     ike_hash(c->ike, &spi_in, sizeof(spi_in)));
}

/* Remove both directions from the host and forget the pair. */
void
ike_child_free(struct child *c)
{
	struct ike *ike = c->ike;

	if (c->out_installed)
		ike->ops->child_sa_delete(ike->ctx, c->out_handle);
	if (c->in_installed)
		ike->ops->child_sa_delete(ike->ctx, c->in_handle);
	if (c->spi_in != 0)
		ike_htab_del(&ike->children_by_spi, &c->by_spi);
	if (c->qm != NULL)
		c->qm->child = NULL;
	ike_timer_cancel(ike, &c->t_rekey);
	ike_timer_cancel(ike, &c->t_expire);
	list_del(&c->site_link);
	c->site->n_children--;
	ike->n_children--;
	free(c);
}

/* Delete a pair, telling the peer (our inbound SPI) when asked. */
void
ike_child_delete(struct child *c, bool send_delete)
{
	struct ike_sa *sa = ike_site_newest_sa(c->site);

	if (send_delete && sa != NULL && c->in_installed)
		ike_info_send_delete_child(sa, &c->spi_in, 1);
	ike_logf(c->ike, IKE_LOG_INFO, "[%s] IPsec SA pair in %08x out %08x deleted",
		 c->site->p.name, c->spi_in, c->spi_out);
	ike_child_free(c);
}
