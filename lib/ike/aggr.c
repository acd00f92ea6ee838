/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Aggressive Mode with pre-shared keys, RFC 2409 s5.4, NAT-D per RFC 3947
 * s3.2. Off unless the site opts in: the peer's ID travels in the clear
 * and HASH_R lets an eavesdropper test PSK guesses offline; dynamic-IP
 * branches identified by FQDN or KEY-ID need it all the same.
 *
 *   Initiator                              Responder
 *   1 HDR, SA, KE, Ni, IDii, VID...   -->
 *                                     <--  2 HDR, SA, KE, Nr, IDir, HASH_R,
 *                                             VID..., NAT-D, NAT-D
 *   3 HDR*, HASH_I, NAT-D, NAT-D [, N] -->  (HDR without * is accepted too)
 *
 * The responder retransmits message 2 until message 3 arrives; the
 * initiator answers a repeated message 2 with its stored message 3.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

#define ID_BODY_MAX (ID_FIXED_LEN + IKE_ID_MAX)

/* ID, HASH_x payloads for our side; of_initiator picks HASH_I/HASH_R. */
static bool
add_id_hash(struct ike_sa *sa, struct ike_wbuf *w, bool with_id)
{
	uint8_t idv[IKE_ID_MAX], idb[ID_BODY_MAX], h[PRF_MAX];
	struct ike_pl_id my;
	size_t idl, off;

	ike_p1_my_id(sa, &my, idv);
	idl = ike_p1_id_body(&my, idb, sizeof(idb));
	if (with_id)
		ike_build_id(w, &my);
	off = ike_wb_pld_begin(w, ISAKMP_PLD_HASH);
	if (!ike_p1_auth_hash(sa, sa->initiator, idb, idl, h) ||
	    ike_wb_put(w, h, sa->keys.prf_len) == NULL)
		return false;
	ike_wb_pld_end(w, off);
	return true;
}

static bool
check_hash(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pld *hp = ike_msg_find(m, ISAKMP_PLD_HASH, 0);
	uint8_t h[PRF_MAX];

	return hp != NULL && hp->body_len == sa->keys.prf_len &&
	       ike_p1_auth_hash(sa, !sa->initiator, sa->peer_id_b, sa->peer_id_b_len, h) &&
	       CRYPTO_memcmp(h, hp->body, sa->keys.prf_len) == 0;
}

/* ------------------------------------------------------------------ */
/* Responder */

/* Everything message 1 must carry, checked before any SA exists. */
static struct site *
am_r_site(struct ike *ike, const struct rx *rx, struct ike_sa *tmp, enum ike_stat *why)
{
	static const uint8_t ok[] = { ISAKMP_PLD_SA, ISAKMP_PLD_KE, ISAKMP_PLD_NONCE, ISAKMP_PLD_ID,
				      ISAKMP_PLD_VID };
	const struct ike_msg *m = rx->m;
	struct site *s;

	if (m == NULL || rx->hdr.msgid != 0 || !msg_only(m, ok, sizeof(ok)) ||
	    ike_msg_count(m, ISAKMP_PLD_SA) != 1 || ike_msg_find(m, ISAKMP_PLD_NONCE, 0) == NULL) {
		*why = m == NULL ? IKE_DROP_CLEARTEXT : IKE_DROP_MISSING;
		return NULL;
	}
	if (!ike_p1_peer_id(tmp, m, tmp->peer_id_b, &tmp->peer_id_b_len, why))
		return NULL;
	s = ike_site_by_id(ike, tmp->peer_id.type, tmp->peer_id.value, tmp->peer_id.len);
	if (s == NULL) {
		*why = IKE_DROP_NO_SITE;
		return NULL;
	}
	if (!s->p.aggressive) {
		*why = IKE_DROP_AGGR_REFUSED;
		return NULL;
	}
	if (!ike_site_addr_ok(s, rx->remote->addr)) {
		*why = IKE_DROP_PEER_ADDR;
		return NULL;
	}
	return s;
}

static void
am_r_msg1(struct ike *ike, const struct rx *rx)
{
	const struct ike_msg *m = rx->m;
	enum ike_stat why = IKE_DROP_MISSING;
	struct ike_sa tmp, *sa;
	const struct ike_pld *sap;
	const uint8_t *gxi;
	struct p1_choice c;
	struct ike_wbuf w;
	struct site *s;
	struct src *src;

	memset(&tmp, 0, sizeof(tmp));
	s = am_r_site(ike, rx, &tmp, &why);
	if (s == NULL) {
		char a[IKE_ADDR_STR_MAX];

		ike_drop(ike, NULL, why, "Aggressive Mode from %s",
			 ike_addr_str(rx->remote->addr, a));
		return;
	}
	sap = ike_msg_find(m, ISAKMP_PLD_SA, 0);
	if ((src = ike_p1_r_admit(ike, rx, sap)) == NULL)
		return;
	if (!ike_prop_p1_select(sap, s->p.p1, s->p.n_p1, IKE_DH_NONE, &c)) {
		ike_drop(ike, NULL, IKE_DROP_NO_PROPOSAL, "site %s", s->p.name);
		ike_info_send_clear_notify(ike, rx, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	/* bound: the site's fixed peer (ike_site_addr_ok() let only it through) */
	sa = ike_p1_r_half_open(ike, rx, src, s->p.peer_addr != 0, sap, &c, s);
	if (sa == NULL)
		return;
	sa->aggressive = true;
	sa->peer_id = tmp.peer_id;
	memcpy(sa->peer_id_b, tmp.peer_id_b, tmp.peer_id_b_len);
	sa->peer_id_b_len = tmp.peer_id_b_len;
	ike_sa_bind_site(sa, s);
	ike_p1_choose_psk(sa, s);
	ike_xmit_rx(&sa->x, rx->raw, rx->len);
	if (!ike_p1_take_ke(sa, m, &gxi, &why) || !ike_p1_take_nonce(sa, m, true) ||
	    !ike_p1_gen_ke(sa, sa->gxr) || !ike_p1_compute_keys(sa, gxi, sa->gx_len, &why)) {
		ike_p1_failed(sa, why == IKE_DROP_MISSING ? IKE_DROP_DH : why);
		return;
	}
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_AGGR, 0, false);
	ike_prop_p1_reply(&w, &c);
	ike_build_data(&w, ISAKMP_PLD_KE, sa->gxr, sa->gx_len);
	ike_build_data(&w, ISAKMP_PLD_NONCE, sa->nr, sa->nr_len);
	if (!add_id_hash(sa, &w, true)) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	ike_natt_add_vids(sa, &w);
	ike_natt_add_natd(sa, &w);
	ike_p1_r_reply(sa, rx, &w, true, AM_R_SENT, "Aggressive Mode");
}

static void
am_r_msg3(struct ike_sa *sa, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_HASH, ISAKMP_PLD_NATD, ISAKMP_PLD_NATD_DRAFT,
				      ISAKMP_PLD_N, ISAKMP_PLD_VID };
	struct ike *ike = sa->ike;
	uint8_t next_iv[BLOCK_LEN];
	enum ike_stat why = IKE_DROP_MISSING;
	const struct ike_msg *m = rx->m;
	struct ike_msg dm;
	bool enc = rx->hdr.flags & ISAKMP_FLAG_E;

	if (sa->state != AM_R_SENT)
		return;
	if (enc) {
		if (!ike_msg_decrypt(sa, rx->raw, rx->len, sa->iv, &dm, next_iv, &why)) {
			ike_drop(ike, sa, why, "message 3");
			sa->site->cnt.auth_failures++;
			return;
		}
		m = &dm;
	}
	/* Unauthenticated garbage (a wrong PSK, or anyone who saw the
	 * cookies): dropped, the exchange waits for the real message 3
	 * until T_HALF_OPEN. */
	if (!msg_only(m, ok, sizeof(ok)) || !check_hash(sa, m)) {
		sa->site->cnt.auth_failures++;
		ike_drop(ike, sa, IKE_DROP_AUTH, "HASH_I mismatch");
		return;
	}
	if (!ike_natt_check_natd(sa, m)) {
		ike_drop(ike, sa, IKE_DROP_MALFORMED, "NAT-D");
		ike_p1_failed(sa, IKE_EV_P1_FAILED);
		return;
	}
	if (enc)
		memcpy(sa->iv, next_iv, BLOCK_LEN);
	sa->local = *rx->local;
	sa->remote = *rx->remote;
	ike_xmit_rx(&sa->x, rx->raw, rx->len);
	free(sa->x.tx);
	sa->x.tx = NULL;
	ike_p1_established(sa);
	ike_info_process_notifies(sa, m);
	ike_site_kick(sa->site);
}

/* ------------------------------------------------------------------ */
/* Initiator (for peers that want us to dial them in Aggressive Mode) */

int
ike_aggr_initiate(struct site *s, const struct ike_endpoint *local,
		  const struct ike_endpoint *remote)
{
	struct ike *ike = s->ike;
	struct ike_sa *sa = ike_sa_new(ike, true, local, remote);
	uint8_t idv[IKE_ID_MAX];
	struct ike_pl_id my;
	struct ike_wbuf w;
	size_t off;

	if (sa == NULL)
		return -ENOMEM;
	ike_sa_bind_site(sa, s);
	sa->aggressive = true;
	ike_p1_choose_psk(sa, s);
	sa->life_s = s->p.p1_lifetime_s;
	sa->prop = s->p.p1[0]; /* KE goes out now: the first group it is */
	sa->send_initial_contact = !s->up && list_empty(&s->children);
	if (!ike_p1_gen_ke(sa, sa->gxi)) {
		ike_sa_kill(sa);
		return -ENOMEM;
	}
	ike_p1_my_id(sa, &my, idv);
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_AGGR, 0, false);
	off = ike_prop_p1_build(&w, s->p.p1, s->p.n_p1, sa->life_s, sa->prop.group);
	ike_build_data(&w, ISAKMP_PLD_KE, sa->gxi, sa->gx_len);
	ike_build_data(&w, ISAKMP_PLD_NONCE, sa->ni, sa->ni_len);
	ike_build_id(&w, &my);
	ike_natt_add_vids(sa, &w);
	return ike_p1_initiate(sa, &w, off, AM_I_SENT, "Aggressive Mode");
}

static void
am_i_msg2(struct ike_sa *sa, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_SA,   ISAKMP_PLD_KE,        ISAKMP_PLD_NONCE,
				      ISAKMP_PLD_ID,   ISAKMP_PLD_HASH,      ISAKMP_PLD_VID,
				      ISAKMP_PLD_NATD, ISAKMP_PLD_NATD_DRAFT };
	struct ike *ike = sa->ike;
	const struct ike_msg *m = rx->m;
	enum ike_stat why = IKE_DROP_MISSING;
	const uint8_t *gxr;
	struct p1_choice c;
	struct ike_wbuf w;

	if (sa->state != AM_I_SENT)
		return;
	if (m == NULL || !msg_only(m, ok, sizeof(ok)) || ike_msg_count(m, ISAKMP_PLD_SA) != 1 ||
	    !ike_prop_p1_select(ike_msg_find(m, ISAKMP_PLD_SA, 0), sa->site->p.p1, sa->site->p.n_p1,
				sa->prop.group, &c)) {
		ike_drop(ike, sa, m == NULL ? IKE_DROP_CLEARTEXT : IKE_DROP_NO_PROPOSAL,
			 "message 2");
		return;
	}
	ike_sa_set_rcky(sa, rx->hdr.rcookie);
	sa->prop = c.prop;
	if (c.life_s < sa->life_s)
		sa->life_s = c.life_s;
	ike_natt_scan_vids(sa, m);
	if (!ike_p1_take_ke(sa, m, &gxr, &why) || !ike_p1_take_nonce(sa, m, false) ||
	    !ike_p1_peer_id(sa, m, sa->peer_id_b, &sa->peer_id_b_len, &why) ||
	    !ike_p1_compute_keys(sa, gxr, sa->gx_len, &why)) {
		ike_p1_failed(sa, why);
		return;
	}
	if (!check_hash(sa, m) || !ike_p1_check_initiator(sa, &why)) {
		sa->site->cnt.auth_failures++;
		ike_drop(ike, sa, why == IKE_DROP_MISSING ? IKE_DROP_AUTH : why, "HASH_R or ID");
		ike_p1_failed(sa, IKE_EV_P1_FAILED);
		return;
	}
	if (!ike_natt_check_natd(sa, m)) {
		ike_p1_failed(sa, IKE_DROP_MALFORMED);
		return;
	}
	ike_natt_float(sa);
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_AGGR, 0, true);
	if (!add_id_hash(sa, &w, false)) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	ike_natt_add_natd(sa, &w);
	if (sa->send_initial_contact) {
		uint8_t spi[16];
		struct ike_pl_notify n = {
			.doi = IPSEC_DOI,
			.proto = PROTO_ISAKMP,
			.spi_size = 16,
			.type = N_INITIAL_CONTACT,
			.spi = spi,
		};

		memcpy(spi, sa->icky, 8);
		memcpy(spi + 8, sa->rcky, 8);
		ike_build_notify(&w, &n);
	}
	ike_xmit_rx(&sa->x, rx->raw, rx->len);
	if (!ike_msg_encrypt(sa, &w, sa->iv) || !ike_p1_send(sa, &w, false)) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	ike_p1_established(sa);
	ike_site_kick(sa->site);
}

void
ike_aggr_input(struct ike *ike, struct ike_sa *sa, const struct rx *rx)
{
	if (sa == NULL) {
		am_r_msg1(ike, rx);
		return;
	}
	if (!sa->aggressive || rx->hdr.msgid != 0) {
		ike_drop(ike, sa, IKE_DROP_STATE, "Aggressive Mode message");
		return;
	}
	if (ike_xmit_is_dup(&sa->x, rx->raw, rx->len)) {
		ike_xmit_answer_dup(sa, &sa->x);
		return;
	}
	switch (sa->state) {
	case AM_R_SENT:
		am_r_msg3(sa, rx);
		break;
	case AM_I_SENT:
		if (rx->remote->addr != sa->remote.addr || rx->remote->port != sa->remote.port) {
			ike_drop(ike, sa, IKE_DROP_WRONG_PEER, "message 2");
			break;
		}
		am_i_msg2(sa, rx);
		break;
	default:
		ike_drop(ike, sa, IKE_DROP_STATE, "in %s", ike_sa_state_name(sa->state));
		break;
	}
}
