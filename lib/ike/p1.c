/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Phase 1 pieces shared by Main Mode (main.c) and Aggressive Mode
 * (aggr.c): the responder's half-open SA and its message 2, key exchange
 * and SKEYID (RFC 2409 s5), identities, HASH_I / HASH_R, binding a
 * responder SA to its site once the peer's ID is known, establishment,
 * failure, rekey and INITIAL-CONTACT.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

/* Generate our DH key pair and nonce; gx receives our public value. */
bool
ike_p1_send(struct ike_sa *sa, struct ike_wbuf *w, bool wait)
{
	ike_wb_hdr_finish(w);
	if (w->overflow || !ike_xmit_store(&sa->x, w->buf, w->len))
		return false;
	ike_xmit_send(sa, &sa->x);
	if (wait)
		ike_xmit_wait(sa, &sa->x, T_P1_XMIT);
	return true;
}

int
ike_p1_initiate(struct ike_sa *sa, struct ike_wbuf *w, size_t sa_off, enum p1_state state,
		const char *mode)
{
	char a[IKE_ADDR_STR_MAX];
	size_t len;

	if (w->overflow)
		goto fail;
	/* The auth hashes cover the SA payload's body as it was sent. */
	len = get16(w->buf + sa_off + 2) - ISAKMP_GEN_LEN;
	if ((sa->sai_b = malloc(len)) == NULL)
		goto fail;
	sa->sai_b_len = len;
	memcpy(sa->sai_b, w->buf + sa_off + ISAKMP_GEN_LEN, len);
	if (!ike_p1_send(sa, w, true))
		goto fail;
	ike_sa_logf(sa, IKE_LOG_INFO, "initiating %s to %s:%u", mode,
		    ike_addr_str(sa->remote.addr, a), sa->remote.port);
	sa->state = state;
	sa->in_window = true;
	sa->ike->n_initiating++;
	return 0;
fail:
	ike_sa_kill(sa);
	return -ENOMEM;
}

/*
 * Responder, message 1 with SA payload sap: small enough to keep while
 * half-open, and its source within its rate. The source's entry, or NULL
 * (dropped and counted).
 */
struct src *
ike_p1_r_admit(struct ike *ike, const struct rx *rx, const struct ike_pld *sap)
{
	if (sap->body_len > HALF_OPEN_SA_MAX) {
		char a[IKE_ADDR_STR_MAX];

		ike_drop(ike, NULL, IKE_DROP_HALF_OPEN_SIZE, "%u bytes from %s", sap->body_len,
			 ike_addr_str(rx->remote->addr, a));
		return NULL;
	}
	return ike_src_rate(ike, rx->remote);
}

/*
 * Responder, message 1 accepted with proposal c: the new half-open SA,
 * charged to src (bound: a site names the peer's address as its fixed
 * peer), found again by the initiator's cookie, its lifetime at most
 * site's phase 1 lifetime (site may be NULL), sap's body kept for the
 * auth hashes, the peer's NAT-T and DPD VIDs noted. NULL: no room for src
 * or no memory (dropped and counted). The caller binds the site and PSK.
 */
struct ike_sa *
ike_p1_r_half_open(struct ike *ike, const struct rx *rx, struct src *src, bool bound,
		   const struct ike_pld *sap, const struct p1_choice *c, const struct site *site)
{
	struct ike_sa *sa;

	if (!ike_src_room(ike, src, bound))
		return NULL;
	sa = ike_sa_new(ike, false, rx->local, rx->remote);
	if (sa == NULL || (sa->sai_b = malloc(sap->body_len)) == NULL) {
		if (sa != NULL)
			ike_sa_kill(sa);
		ike_drop(ike, NULL, IKE_DROP_NOMEM, "new SA");
		return NULL;
	}
	ike_sa_set_icky(sa, rx->hdr.icookie);
	ike_src_charge(sa, src, bound);
	sa->prop = c->prop;
	sa->life_s = c->life_s;
	if (site != NULL && sa->life_s > site->p.p1_lifetime_s)
		sa->life_s = site->p.p1_lifetime_s;
	memcpy(sa->sai_b, sap->body, sap->body_len);
	sa->sai_b_len = sap->body_len;
	ike_natt_scan_vids(sa, rx->m);
	return sa;
}

/*
 * Responder: send message 2 in w (wait: retransmit it until answered) and
 * enter state; on failure the SA fails (no memory).
 */
void
ike_p1_r_reply(struct ike_sa *sa, const struct rx *rx, struct ike_wbuf *w, bool wait,
	       enum p1_state state, const char *mode)
{
	char a[IKE_ADDR_STR_MAX];

	if (!ike_p1_send(sa, w, wait)) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	ike_sa_logf(sa, IKE_LOG_DEBUG, "%s from %s:%u, message 2 sent", mode,
		    ike_addr_str(rx->remote->addr, a), rx->remote->port);
	sa->state = state;
}

bool
ike_p1_gen_ke(struct ike_sa *sa, uint8_t *gx)
{
	size_t len = ike_dh_pub_len(sa->prop.group);

	ike_dh_free(sa->dh);
	sa->dh = ike_dh_new(sa->prop.group);
	if (sa->dh == NULL || !ike_dh_public(sa->dh, gx, len))
		return false;
	sa->gx_len = len;
	if (sa->initiator) {
		sa->ni_len = NONCE_LEN;
		ike_random(sa->ni, NONCE_LEN);
	} else {
		sa->nr_len = NONCE_LEN;
		ike_random(sa->nr, NONCE_LEN);
	}
	return true;
}

/* The peer's KE: exactly the group's length (checked again by DH). */
bool
ike_p1_take_ke(struct ike_sa *sa, const struct ike_msg *m, const uint8_t **gx, enum ike_stat *why)
{
	const struct ike_pld *ke = ike_msg_find(m, ISAKMP_PLD_KE, 0);

	if (ke == NULL) {
		*why = IKE_DROP_MISSING;
		return false;
	}
	if (ke->body_len != ike_dh_pub_len(sa->prop.group)) {
		*why = IKE_DROP_BAD_KE;
		return false;
	}
	*gx = ke->body;
	return true;
}

bool
ike_p1_take_nonce(struct ike_sa *sa, const struct ike_msg *m, bool initiator)
{
	const struct ike_pld *n = ike_msg_find(m, ISAKMP_PLD_NONCE, 0);

	if (n == NULL)
		return false;
	if (initiator) {
		memcpy(sa->ni, n->body, n->body_len);
		sa->ni_len = n->body_len;
	} else {
		memcpy(sa->nr, n->body, n->body_len);
		sa->nr_len = n->body_len;
	}
	return true;
}

/* g^xy, SKEYID and friends, the first IV. The DH key is done with after. */
bool
ike_p1_compute_keys(struct ike_sa *sa, const uint8_t *peer_gx, size_t len, enum ike_stat *why)
{
	uint8_t gxy[DH_SECRET_MAX];
	size_t slen = ike_dh_secret_len(sa->prop.group);
	bool ok;

	memcpy(sa->initiator ? sa->gxr : sa->gxi, peer_gx, len);
	if (!ike_dh_derive(sa->dh, peer_gx, len, gxy, slen)) {
		*why = IKE_DROP_BAD_KE;
		return false;
	}
	ok = ike_kdf_p1_psk(sa->prop.hash, sa->psk, sa->psk_len, sa->ni, sa->ni_len, sa->nr,
			    sa->nr_len, gxy, slen, sa->icky, sa->rcky,
			    ike_prop_enc_key_len(&sa->prop), &sa->keys) &&
	     ike_kdf_p1_iv(sa->prop.hash, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len, sa->iv);
	OPENSSL_cleanse(gxy, sizeof(gxy));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	if (!ok)
		*why = IKE_DROP_DH;
	return ok;
}

/* Our phase 1 ID: the site's, the config's, or our address. */
void
ike_p1_my_id(struct ike_sa *sa, struct ike_pl_id *id, uint8_t data[IKE_ID_MAX])
{
	const struct ike_id *cfg = NULL;

	if (sa->site != NULL && sa->site->p.local_id.type != IKE_ID_NONE)
		cfg = &sa->site->p.local_id;
	else if (sa->ike->cfg.local_id.type != IKE_ID_NONE)
		cfg = &sa->ike->cfg.local_id;
	/* RFC 2407 s4.6.2: phase 1 protocol/port zero (or UDP/500) */
	id->proto = 0;
	id->port = 0;
	id->data = data;
	if (cfg != NULL) {
		id->type = (uint8_t)cfg->type;
		id->len = cfg->len;
		memcpy(data, cfg->value, cfg->len);
	} else {
		id->type = ID_IPV4_ADDR;
		id->len = 4;
		put32(data, sa->local.addr);
	}
	sa->my_id.type = (enum ike_id_type)id->type;
	sa->my_id.len = (uint8_t)id->len;
	memcpy(sa->my_id.value, data, id->len);
}

/* IDx_b: the ID payload body (type, protocol, port, data). */
size_t
ike_p1_id_body(const struct ike_pl_id *id, uint8_t *out, size_t cap)
{
	if (cap < ID_FIXED_LEN + (size_t)id->len)
		return 0;
	out[0] = id->type;
	out[1] = id->proto;
	put16(out + 2, id->port);
	memcpy(out + ID_FIXED_LEN, id->data, id->len);
	return ID_FIXED_LEN + (size_t)id->len;
}

/* HASH_I (of_initiator) or HASH_R over the given ID body. */
bool
ike_p1_auth_hash(struct ike_sa *sa, bool of_initiator, const uint8_t *id_b, size_t id_len,
		 uint8_t *out)
{
	if (of_initiator)
		return ike_kdf_auth_hash(&sa->keys, sa->gxi, sa->gx_len, sa->gxr, sa->gx_len,
					 sa->icky, sa->rcky, sa->sai_b, sa->sai_b_len, id_b, id_len,
					 out);
	return ike_kdf_auth_hash(&sa->keys, sa->gxr, sa->gx_len, sa->gxi, sa->gx_len, sa->rcky,
				 sa->icky, sa->sai_b, sa->sai_b_len, id_b, id_len, out);
}

/* The peer's phase 1 ID into sa->peer_id; id_b gets its body for HASH_x. */
bool
ike_p1_peer_id(struct ike_sa *sa, const struct ike_msg *m, uint8_t *id_b, size_t *id_len,
	       enum ike_stat *why)
{
	const struct ike_pld *pl = ike_msg_find(m, ISAKMP_PLD_ID, 0);
	struct ike_pl_id id;

	if (pl == NULL || ike_msg_count(m, ISAKMP_PLD_ID) != 1) {
		*why = pl == NULL ? IKE_DROP_MISSING : IKE_DROP_UNEXPECTED;
		return false;
	}
	ike_id_parse(pl, &id);
	if ((id.type != ID_IPV4_ADDR && id.type != ID_FQDN && id.type != ID_USER_FQDN &&
	     id.type != ID_KEY_ID) ||
	    id.len > IKE_ID_MAX) {
		*why = IKE_DROP_BAD_ID;
		return false;
	}
	sa->peer_id.type = (enum ike_id_type)id.type;
	sa->peer_id.len = (uint8_t)id.len;
	memcpy(sa->peer_id.value, id.data, id.len);
	memcpy(id_b, pl->body, pl->body_len);
	*id_len = pl->body_len;
	return true;
}

/*
 * Choose the PSK a responder uses before it knows the peer's ID (Main
 * Mode): a site bound to the peer address, else the default PSK. With s
 * (Aggressive Mode, ID known) that site's PSK.
 */
bool
ike_p1_choose_psk(struct ike_sa *sa, struct site *s)
{
	const uint8_t *psk;
	uint16_t len;

	if (s == NULL)
		s = sa->addr_site;
	if (s != NULL) {
		psk = s->p.psk;
		len = s->p.psk_len;
	} else {
		psk = sa->ike->cfg.default_psk;
		len = sa->ike->cfg.default_psk_len;
	}
	if (len == 0)
		return false;
	memcpy(sa->psk, psk, len);
	sa->psk_len = len;
	return true;
}

static bool
id_equal(const struct ike_id *a, const struct ike_id *b)
{
	return a->type == b->type && a->len == b->len && memcmp(a->value, b->value, a->len) == 0;
}

/*
 * Responder, peer ID decrypted: find the site by ID (else the address-
 * bound site if it accepts any ID), check that it may be reached from the
 * exchange's addresses (where it began, and from, where message 5 came
 * from), that its PSK is the one SKEYID was made with and that it accepts
 * the chosen proposal, then bind.
 */
bool
ike_p1_bind_responder(struct ike_sa *sa, uint32_t from, enum ike_stat *why)
{
	struct ike *ike = sa->ike;
	struct site *s = ike_site_by_id(ike, sa->peer_id.type, sa->peer_id.value, sa->peer_id.len);

	if (s == NULL && sa->addr_site != NULL && sa->addr_site->p.id.type == IKE_ID_NONE)
		s = sa->addr_site;
	if (s == NULL) {
		*why = IKE_DROP_NO_SITE;
		return false;
	}
	if (!ike_site_addr_ok(s, sa->remote.addr) || !ike_site_addr_ok(s, from)) {
		*why = IKE_DROP_PEER_ADDR;
		return false;
	}
	if (!ike_site_psk_equal(s, sa->psk, sa->psk_len)) {
		s->cnt.auth_failures++;
		*why = IKE_DROP_PSK_MISMATCH;
		return false;
	}
	if (!ike_prop_p1_accepts(s->p.p1, s->p.n_p1, &sa->prop)) {
		*why = IKE_DROP_NO_PROPOSAL;
		return false;
	}
	ike_sa_bind_site(sa, s);
	if (sa->life_s > s->p.p1_lifetime_s)
		sa->life_s = s->p.p1_lifetime_s;
	return true;
}

/* Initiator, responder's ID decrypted: it must be the site's (if set). */
bool
ike_p1_check_initiator(struct ike_sa *sa, enum ike_stat *why)
{
	struct site *s = sa->site;

	if (s->p.id.type != IKE_ID_NONE && !id_equal(&s->p.id, &sa->peer_id)) {
		*why = IKE_DROP_ID_MISMATCH;
		return false;
	}
	return true;
}

/*
 * INITIAL-CONTACT (RFC 2407 s4.6.3.3): the peer kept no state from before
 * it started this SA, so every ISAKMP SA and IPsec SA pair of the site
 * established before this SA was begun goes, silently (the peer would not
 * understand DELETEs for them). Exchanges in progress, and anything set up
 * since, involve the peer as it is now (e.g. our own Main Mode crossing
 * its one): they stay.
 */
void
ike_p1_initial_contact(struct ike_sa *sa)
{
	struct site *s = sa->site;
	struct link *l, *t;

	ike_count(sa->ike, IKE_EV_INITIAL_CONTACT);
	ike_sa_logf(sa, IKE_LOG_INFO, "INITIAL-CONTACT: dropping older SAs");
	list_for_each_safe(l, t, &s->children) {
		struct child *c = container_of(l, struct child, site_link);

		if (c->established && c->established_ms < sa->created_ms &&
		    c->sa_serial != sa->serial)
			ike_child_free(c);
	}
	list_for_each_safe(l, t, &s->sas) {
		struct ike_sa *o = container_of(l, struct ike_sa, site_link);

		if (o != sa && o->state == P1_ESTABLISHED && o->established_ms < sa->created_ms)
			ike_sa_kill(o);
	}
}

/* An ISAKMP SA steps aside for a newer one; its initiator deletes it. */
static void
retire(struct ike_sa *sa)
{
	struct ike *ike = sa->ike;

	sa->rekeyed = true;
	ike_timer_cancel(ike, &sa->t_dpd);
	ike_timer_cancel(ike, &sa->t_rekey);
	if (sa->initiator)
		ike_timer_arm(ike, &sa->t_rekey, T_P1_DELETE,
			      ike->now + ike->cfg.rekeyed_delete_s * 1000ULL);
}

/*
 * Two established ISAKMP SAs for one site. If the old one was up before
 * the new one began, the new one is its rekey (ours or the peer's) and the
 * old one retires. If both were negotiated at once (each side dialled the
 * other), both sides keep the one with the higher cookie pair: the same
 * choice on both sides, whatever order they saw things in.
 */
static void
p1_supersede(struct ike_sa *sa, struct ike_sa *older)
{
	struct site *s = sa->site;
	struct ike_sa *loser = older;

	if (older->established_ms >= sa->created_ms) {
		uint8_t a[16], b[16];

		memcpy(a, sa->icky, 8);
		memcpy(a + 8, sa->rcky, 8);
		memcpy(b, older->icky, 8);
		memcpy(b + 8, older->rcky, 8);
		if (memcmp(a, b, 16) < 0)
			loser = sa;
		ike_count(sa->ike, IKE_EV_COLLISION);
		ike_sa_logf(loser, IKE_LOG_INFO, "ISAKMP SA collision: this one steps aside");
	} else {
		s->cnt.ike_rekeys++;
	}
	retire(loser);
}

/* Call once phase 1 authenticated both ways: the SA goes live. */
void
ike_p1_established(struct ike_sa *sa)
{
	struct ike *ike = sa->ike;
	struct site *s = sa->site;
	struct ike_sa *older = ike_site_newest_sa(s);
	char a[IKE_ADDR_STR_MAX];

	ike_sa_half_open_done(sa);
	ike_timer_cancel(ike, &sa->t_life);
	ike_timer_cancel(ike, &sa->x.t);
	sa->x.resend_on_timer = false;
	OPENSSL_cleanse(sa->psk, sizeof(sa->psk));
	memcpy(sa->p1_last, sa->iv, BLOCK_LEN);
	sa->established_ms = ike->now;
	sa->expire_ms = ike->now + sa->life_s * 1000;
	sa->last_rx_ms = ike->now;
	ike_site_peer_seen(s, &sa->remote);
	ike_count(ike, IKE_EV_P1_UP);
	ike_sa_logf(sa, IKE_LOG_INFO, "ISAKMP SA established (%s, %s), peer %s:%u",
		    sa->aggressive ? "Aggressive" : "Main",
		    sa->initiator ? "initiator" : "responder", ike_addr_str(sa->remote.addr, a),
		    sa->remote.port);
	sa->state = P1_ESTABLISHED;
	ike_timers_p1_established(sa);
	ike_sa_cookie_announce(sa);
	if (older != NULL)
		p1_supersede(sa, older);
	ike_site_sa_up(s, sa);
}

void
ike_p1_failed(struct ike_sa *sa, enum ike_stat why)
{
	if (sa->state == P1_DEAD)
		return;
	if (why != IKE_EV_P1_FAILED)
		ike_count(sa->ike, IKE_EV_P1_FAILED);
	ike_count(sa->ike, why);
	ike_sa_logf(sa, IKE_LOG_WARNING, "phase 1 failed in %s: %s", ike_sa_state_name(sa->state),
		    ike_stat_text(why));
	ike_sa_kill(sa);
}

/* T_P1_REKEY: replace the site's newest ISAKMP SA before it expires. */
void
ike_p1_rekey(struct ike_sa *sa)
{
	struct site *s = sa->site;

	if (sa->state != P1_ESTABLISHED || sa->rekeyed || s == NULL || ike_site_newest_sa(s) != sa)
		return;
	if (list_empty(&s->children) && !s->p.initiate)
		return; /* nothing to keep up: let it expire */
	ike_count(sa->ike, IKE_EV_P1_REKEY);
	ike_sa_logf(sa, IKE_LOG_INFO, "rekeying ISAKMP SA");
	if (s->p.aggressive && sa->aggressive)
		ike_aggr_initiate(s, &sa->local, &sa->remote);
	else
		ike_main_initiate(s, &sa->local, &sa->remote);
}
