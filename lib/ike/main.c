/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Main Mode (Identity Protection) with pre-shared keys, RFC 2409 s5.4:
 *
 *   Initiator                          Responder
 *   1 HDR, SA, VID...             -->
 *                                 <--  2 HDR, SA, VID...
 *   3 HDR, KE, Ni, NAT-D, NAT-D   -->
 *                                 <--  4 HDR, KE, Nr, NAT-D, NAT-D
 *   5 HDR*, IDii, HASH_I [, N]    -->        (floated to 4500 behind NAT)
 *                                 <--  6 HDR*, IDir, HASH_R
 *
 * Each handler checks the state it expects first and writes the next
 * state last. The responder answers a repeated request with its stored
 * reply; the initiator retransmits its request until answered.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

#define ID_BODY_MAX (ID_FIXED_LEN + IKE_ID_MAX)

/* ------------------------------------------------------------------ */
/* Responder */

/* Message 1 -> 2: choose a proposal and the PSK, answer. */
static void
mm_r_msg1(struct ike *ike, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_SA, ISAKMP_PLD_VID };
	const struct ike_msg *m = rx->m;
	struct site *as = ike_site_by_addr(ike, rx->remote->addr);
	const struct ike_pld *sap = m ? ike_msg_find(m, ISAKMP_PLD_SA, 0) : NULL;
	struct p1_choice c;
	struct ike_sa *sa;
	struct ike_wbuf w;
	struct src *src;
	char a[IKE_ADDR_STR_MAX];

	if (m == NULL || rx->hdr.msgid != 0 || sap == NULL ||
	    ike_msg_count(m, ISAKMP_PLD_SA) != 1 || !msg_only(m, ok, sizeof(ok))) {
		ike_drop(ike, NULL,
			 m == NULL   ? IKE_DROP_CLEARTEXT :
			 sap == NULL ? IKE_DROP_MISSING :
				       IKE_DROP_UNEXPECTED,
			 "malformed message 1 from %s", ike_addr_str(rx->remote->addr, a));
		return;
	}
	if ((src = ike_p1_r_admit(ike, rx, sap)) == NULL)
		return;
	if (as == NULL && ike->cfg.default_psk_len == 0) {
		ike_drop(ike, NULL, IKE_DROP_NO_PSK, "no PSK for %s",
			 ike_addr_str(rx->remote->addr, a));
		return;
	}
	if (!ike_prop_p1_select(sap, as ? as->p.p1 : ike->cfg.p1, as ? as->p.n_p1 : ike->cfg.n_p1,
				IKE_DH_NONE, &c)) {
		ike_drop(ike, NULL, IKE_DROP_NO_PROPOSAL, "from %s",
			 ike_addr_str(rx->remote->addr, a));
		ike_info_send_clear_notify(ike, rx, N_NO_PROPOSAL_CHOSEN);
		return;
	}
	sa = ike_p1_r_half_open(ike, rx, src, as != NULL, sap, &c, as);
	if (sa == NULL)
		return;
	ike_sa_set_addr_site(sa, as);
	ike_p1_choose_psk(sa, NULL);

	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_IDPROT, 0, false);
	ike_prop_p1_reply(&w, &c);
	ike_natt_add_vids(sa, &w);
	ike_xmit_rx(&sa->x, rx->raw, rx->len);
	ike_p1_r_reply(sa, rx, &w, false, MM_R_SA_SENT, "Main Mode");
}

/* Message 3 -> 4: key exchange. */
static void
mm_r_msg3(struct ike_sa *sa, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_KE, ISAKMP_PLD_NONCE, ISAKMP_PLD_NATD,
				      ISAKMP_PLD_NATD_DRAFT, ISAKMP_PLD_VID };
	struct ike *ike = sa->ike;
	const struct ike_msg *m = rx->m;
	enum ike_stat why = IKE_DROP_MISSING;
	const uint8_t *gxi;
	struct ike_wbuf w;

	if (sa->state != MM_R_SA_SENT)
		return;
	if (m == NULL || !msg_only(m, ok, sizeof(ok)) || !ike_p1_take_ke(sa, m, &gxi, &why) ||
	    !ike_p1_take_nonce(sa, m, true)) {
		ike_drop(ike, sa, m == NULL ? IKE_DROP_CLEARTEXT : why, "bad message 3");
		return;
	}
	if (!ike_natt_check_natd(sa, m)) {
		ike_drop(ike, sa, IKE_DROP_MALFORMED, "NAT-D");
		return;
	}
	ike_src_progress(sa);
	if (!ike_p1_gen_ke(sa, sa->gxr) || !ike_p1_compute_keys(sa, gxi, sa->gx_len, &why)) {
		ike_p1_failed(sa, why == IKE_DROP_MISSING ? IKE_DROP_DH : why);
		return;
	}
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_IDPROT, 0, false);
	ike_build_data(&w, ISAKMP_PLD_KE, sa->gxr, sa->gx_len);
	ike_build_data(&w, ISAKMP_PLD_NONCE, sa->nr, sa->nr_len);
	ike_natt_add_natd(sa, &w);
	ike_xmit_rx(&sa->x, rx->raw, rx->len);
	if (!ike_p1_send(sa, &w, false)) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	sa->state = MM_R_KE_SENT;
}

/* Message 5 -> 6: authenticate the initiator, find its site, answer. */
static void
mm_r_msg5(struct ike_sa *sa, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_ID, ISAKMP_PLD_HASH, ISAKMP_PLD_N,
				      ISAKMP_PLD_VID };
	struct ike *ike = sa->ike;
	uint8_t next_iv[BLOCK_LEN], idb[ID_BODY_MAX], mine[ID_BODY_MAX];
	uint8_t h[PRF_MAX], idv[IKE_ID_MAX];
	enum ike_stat why = IKE_DROP_MISSING;
	const struct ike_pld *hp;
	struct ike_pl_id my;
	struct ike_msg m;
	struct ike_wbuf w;
	size_t idl, myl;
	size_t off;

	if (sa->state != MM_R_KE_SENT)
		return;
	if (!(rx->hdr.flags & ISAKMP_FLAG_E)) {
		ike_drop(ike, sa, IKE_DROP_CLEARTEXT, "message 5");
		return;
	}
	if (!ike_msg_decrypt(sa, rx->raw, rx->len, sa->iv, &m, next_iv, &why) ||
	    !(msg_only(&m, ok, sizeof(ok)) || (why = IKE_DROP_UNEXPECTED, false)) ||
	    !ike_p1_peer_id(sa, &m, idb, &idl, &why) ||
	    (hp = ike_msg_find(&m, ISAKMP_PLD_HASH, 0)) == NULL) {
		/*
		 * Garbage after decryption is what a wrong PSK looks like, and
		 * what anyone who saw the cookies can send: drop it and keep
		 * the exchange. The initiator retransmits message 5; a wrong
		 * PSK ends at T_HALF_OPEN.
		 */
		if (sa->addr_site != NULL)
			sa->addr_site->cnt.auth_failures++;
		ike_drop(ike, sa, why, "message 5 undecodable (PSK mismatch?)");
		return;
	}
	if (!ike_p1_auth_hash(sa, true, idb, idl, h) || hp->body_len != sa->keys.prf_len ||
	    CRYPTO_memcmp(h, hp->body, sa->keys.prf_len) != 0) {
		struct site *s =
			ike_site_by_id(ike, sa->peer_id.type, sa->peer_id.value, sa->peer_id.len);

		if (s != NULL)
			s->cnt.auth_failures++;
		ike_drop(ike, sa, IKE_DROP_AUTH, "HASH_I mismatch");
		return; /* unauthenticated: kept, as above */
	}
	if (!ike_p1_bind_responder(sa, rx->remote->addr, &why)) {
		ike_drop(ike, sa, why, "peer ID not acceptable");
		ike_p1_failed(sa, IKE_EV_P1_FAILED);
		return;
	}
	/* authenticated: the peer may have floated to 4500 behind a NAT */
	memcpy(sa->iv, next_iv, BLOCK_LEN);
	sa->local = *rx->local;
	sa->remote = *rx->remote;

	ike_p1_my_id(sa, &my, idv);
	myl = ike_p1_id_body(&my, mine, sizeof(mine));
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_IDPROT, 0, true);
	ike_build_id(&w, &my);
	off = ike_wb_pld_begin(&w, ISAKMP_PLD_HASH);
	if (!ike_p1_auth_hash(sa, false, mine, myl, h) ||
	    ike_wb_put(&w, h, sa->keys.prf_len) == NULL) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	ike_wb_pld_end(&w, off);
	ike_xmit_rx(&sa->x, rx->raw, rx->len);
	if (!ike_msg_encrypt(sa, &w, sa->iv) || !ike_p1_send(sa, &w, false)) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	ike_p1_established(sa);
	ike_info_process_notifies(sa, &m);
	ike_site_kick(sa->site);
}

/* ------------------------------------------------------------------ */
/* Initiator */

int
ike_main_initiate(struct site *s, const struct ike_endpoint *local,
		  const struct ike_endpoint *remote)
{
	struct ike *ike = s->ike;
	struct ike_sa *sa = ike_sa_new(ike, true, local, remote);
	struct ike_wbuf w;
	size_t off;

	if (sa == NULL)
		return -ENOMEM;
	ike_sa_bind_site(sa, s);
	ike_p1_choose_psk(sa, s);
	sa->life_s = s->p.p1_lifetime_s;
	sa->send_initial_contact = !s->up && list_empty(&s->children);
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_IDPROT, 0, false);
	off = ike_prop_p1_build(&w, s->p.p1, s->p.n_p1, sa->life_s, IKE_DH_NONE);
	ike_natt_add_vids(sa, &w);
	return ike_p1_initiate(sa, &w, off, MM_I_SA_SENT, "Main Mode");
}

/* Message 2 -> 3 */
static void
mm_i_msg2(struct ike_sa *sa, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_SA, ISAKMP_PLD_VID };
	struct ike *ike = sa->ike;
	const struct ike_msg *m = rx->m;
	const struct ike_pld *sap;
	struct p1_choice c;
	struct ike_wbuf w;

	if (sa->state != MM_I_SA_SENT)
		return;
	if (m == NULL || !msg_only(m, ok, sizeof(ok)) || ike_msg_count(m, ISAKMP_PLD_SA) != 1) {
		ike_drop(ike, sa, IKE_DROP_UNEXPECTED, "bad message 2");
		return;
	}
	sap = ike_msg_find(m, ISAKMP_PLD_SA, 0);
	if (!ike_prop_p1_select(sap, sa->site->p.p1, sa->site->p.n_p1, IKE_DH_NONE, &c)) {
		ike_drop(ike, sa, IKE_DROP_NO_PROPOSAL, "responder chose badly");
		ike_p1_failed(sa, IKE_EV_P1_FAILED);
		return;
	}
	ike_sa_set_rcky(sa, rx->hdr.rcookie);
	sa->prop = c.prop;
	if (c.life_s < sa->life_s)
		sa->life_s = c.life_s;
	ike_natt_scan_vids(sa, m);
	ike_xmit_rx(&sa->x, rx->raw, rx->len);
	if (!ike_p1_gen_ke(sa, sa->gxi)) {
		ike_p1_failed(sa, IKE_DROP_DH);
		return;
	}
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_IDPROT, 0, false);
	ike_build_data(&w, ISAKMP_PLD_KE, sa->gxi, sa->gx_len);
	ike_build_data(&w, ISAKMP_PLD_NONCE, sa->ni, sa->ni_len);
	ike_natt_add_natd(sa, &w);
	if (!ike_p1_send(sa, &w, true)) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	sa->state = MM_I_KE_SENT;
}

/* Message 4 -> 5 */
static void
mm_i_msg4(struct ike_sa *sa, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_KE,         ISAKMP_PLD_NONCE, ISAKMP_PLD_NATD,
				      ISAKMP_PLD_NATD_DRAFT, ISAKMP_PLD_VID,   ISAKMP_PLD_CR };
	struct ike *ike = sa->ike;
	const struct ike_msg *m = rx->m;
	enum ike_stat why = IKE_DROP_MISSING;
	uint8_t idb[ID_BODY_MAX], idv[IKE_ID_MAX], h[PRF_MAX];
	const uint8_t *gxr;
	struct ike_pl_id my;
	struct ike_wbuf w;
	size_t idl, off;

	if (sa->state != MM_I_KE_SENT)
		return;
	if (m == NULL || !msg_only(m, ok, sizeof(ok)) || !ike_p1_take_ke(sa, m, &gxr, &why) ||
	    !ike_p1_take_nonce(sa, m, false)) {
		ike_drop(ike, sa, m == NULL ? IKE_DROP_CLEARTEXT : why, "bad message 4");
		return;
	}
	if (!ike_natt_check_natd(sa, m)) {
		ike_drop(ike, sa, IKE_DROP_MALFORMED, "NAT-D");
		return;
	}
	if (!ike_p1_compute_keys(sa, gxr, sa->gx_len, &why)) {
		ike_p1_failed(sa, why);
		return;
	}
	ike_natt_float(sa);
	ike_xmit_rx(&sa->x, rx->raw, rx->len);
	ike_p1_my_id(sa, &my, idv);
	idl = ike_p1_id_body(&my, idb, sizeof(idb));
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_IDPROT, 0, true);
	ike_build_id(&w, &my);
	off = ike_wb_pld_begin(&w, ISAKMP_PLD_HASH);
	if (!ike_p1_auth_hash(sa, true, idb, idl, h) ||
	    ike_wb_put(&w, h, sa->keys.prf_len) == NULL) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	ike_wb_pld_end(&w, off);
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
	if (!ike_msg_encrypt(sa, &w, sa->iv) || !ike_p1_send(sa, &w, true)) {
		ike_p1_failed(sa, IKE_DROP_NOMEM);
		return;
	}
	sa->state = MM_I_ID_SENT;
}

/* Message 6: authenticate the responder; done. */
static void
mm_i_msg6(struct ike_sa *sa, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_ID, ISAKMP_PLD_HASH, ISAKMP_PLD_N,
				      ISAKMP_PLD_VID };
	struct ike *ike = sa->ike;
	uint8_t next_iv[BLOCK_LEN], idb[ID_BODY_MAX], h[PRF_MAX];
	enum ike_stat why = IKE_DROP_MISSING;
	const struct ike_pld *hp;
	struct ike_msg m;
	size_t idl;

	if (sa->state != MM_I_ID_SENT)
		return;
	if (!(rx->hdr.flags & ISAKMP_FLAG_E)) {
		/* a cleartext notify here would be unauthenticated: ignore */
		ike_drop(ike, sa, IKE_DROP_CLEARTEXT, "message 6");
		return;
	}
	if (!ike_msg_decrypt(sa, rx->raw, rx->len, sa->iv, &m, next_iv, &why) ||
	    !(msg_only(&m, ok, sizeof(ok)) || (why = IKE_DROP_UNEXPECTED, false)) ||
	    !ike_p1_peer_id(sa, &m, idb, &idl, &why) ||
	    (hp = ike_msg_find(&m, ISAKMP_PLD_HASH, 0)) == NULL) {
		/* as for message 5: our retransmits of message 5 go on, and
		 * T_P1_XMIT ends an exchange that never authenticates */
		sa->site->cnt.auth_failures++;
		ike_drop(ike, sa, why, "message 6 undecodable (PSK mismatch?)");
		return;
	}
	if (!ike_p1_auth_hash(sa, false, idb, idl, h) || hp->body_len != sa->keys.prf_len ||
	    CRYPTO_memcmp(h, hp->body, sa->keys.prf_len) != 0) {
		sa->site->cnt.auth_failures++;
		ike_drop(ike, sa, IKE_DROP_AUTH, "HASH_R mismatch");
		return;
	}
	if (!ike_p1_check_initiator(sa, &why)) {
		ike_drop(ike, sa, why, "responder ID");
		ike_p1_failed(sa, IKE_EV_P1_FAILED);
		return;
	}
	memcpy(sa->iv, next_iv, BLOCK_LEN);
	sa->remote = *rx->remote;
	ike_xmit_fini(ike, &sa->x);
	ike_p1_established(sa);
	ike_info_process_notifies(sa, &m);
	ike_site_kick(sa->site);
}

/* ------------------------------------------------------------------ */

void
ike_main_input(struct ike *ike, struct ike_sa *sa, const struct rx *rx)
{
	if (sa == NULL) {
		mm_r_msg1(ike, rx);
		return;
	}
	if (sa->aggressive || rx->hdr.msgid != 0) {
		ike_drop(ike, sa, IKE_DROP_STATE, "Main Mode message");
		return;
	}
	if (ike_xmit_is_dup(&sa->x, rx->raw, rx->len)) {
		/* a responder answers again; an initiator has moved on and its
		 * own retransmit timer covers a lost request */
		if (sa->initiator)
			ike_drop(ike, sa, IKE_DROP_DUPLICATE, "repeated reply");
		else
			ike_xmit_answer_dup(sa, &sa->x);
		return;
	}
	/* cleartext messages must come from where the exchange started */
	if (!(rx->hdr.flags & ISAKMP_FLAG_E) &&
	    (rx->remote->addr != sa->remote.addr || rx->remote->port != sa->remote.port)) {
		char a[IKE_ADDR_STR_MAX];

		ike_drop(ike, sa, IKE_DROP_WRONG_PEER, "from %s:%u",
			 ike_addr_str(rx->remote->addr, a), rx->remote->port);
		return;
	}
	switch (sa->state) {
	case MM_R_SA_SENT:
		mm_r_msg3(sa, rx);
		break;
	case MM_R_KE_SENT:
		mm_r_msg5(sa, rx);
		break;
	case MM_I_SA_SENT:
		mm_i_msg2(sa, rx);
		break;
	case MM_I_KE_SENT:
		mm_i_msg4(sa, rx);
		break;
	case MM_I_ID_SENT:
		mm_i_msg6(sa, rx);
		break;
	default:
		ike_drop(ike, sa, IKE_DROP_STATE, "in %s", ike_sa_state_name(sa->state));
		break;
	}
}
