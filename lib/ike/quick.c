/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Mode, RFC 2409 s5.5 (with PFS when a KE is present), on an
 * established ISAKMP SA:
 *
 *   Initiator                                Responder
 *   1 HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]  -->
 *                    <--  2 HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
 *                                                 [, RESPONDER-LIFETIME]
 *   3 HDR*, HASH(3)                                -->
 *
 *   HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr])
 *   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr])
 *   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
 *
 * Make-before-break: the responder installs its inbound SA before it sends
 * message 2 (after which the initiator may use it); the initiator installs
 * both directions before it sends message 3 (after which the responder
 * may use its outbound one). Message bodies after the first are chained
 * to the previous message's last cipher block.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

static const uint8_t zero_byte;

/* ------------------------------------------------------------------ */
/* Responder */

/* Traffic selectors of message 1: IDci is the branch, IDcr us. */
static bool
r_selectors(struct qm *q, const struct ike_msg *m, enum ike_stat *why)
{
	struct ike_sa *sa = q->sa;
	const struct site *s = sa->site;
	unsigned nid = ike_msg_count(m, ISAKMP_PLD_ID);
	struct ike_pl_id ci, cr;

	if (nid == 0) {
		/* no IDs: the two peers' own addresses (RFC 2409 s5.5) */
		q->ts_remote = (struct ike_prefix){ sa->remote.addr, 32 };
		q->ts_local = (struct ike_prefix){ sa->local.addr, 32 };
	} else if (nid == 2) {
		ike_id_parse(ike_msg_find(m, ISAKMP_PLD_ID, 0), &ci);
		ike_id_parse(ike_msg_find(m, ISAKMP_PLD_ID, 1), &cr);
		if (!ike_ts_from_id(&ci, &q->ts_remote) || !ike_ts_from_id(&cr, &q->ts_local)) {
			*why = IKE_DROP_BAD_ID;
			return false;
		}
		q->ids = true;
	} else {
		*why = IKE_DROP_BAD_ID;
		return false;
	}
	if (!ike_ts_inside(&q->ts_remote, s->p.remote_subnets, s->p.n_remote) ||
	    !ike_ts_inside(&q->ts_local, s->p.local_subnets, s->p.n_local)) {
		*why = IKE_DROP_TS;
		return false;
	}
	return true;
}

/* The newest live pair with the same selectors: what a peer's QM replaces. */
static struct child *
same_ts(const struct site *s, const struct qm *q)
{
	struct child *best = NULL;

	for (struct link *l = s->children.next; l != &s->children; l = l->next) {
		struct child *c = container_of(l, struct child, site_link);

		if (c->established && !c->rekeyed && c->ts_local.addr == q->ts_local.addr &&
		    c->ts_local.len == q->ts_local.len && c->ts_remote.addr == q->ts_remote.addr &&
		    c->ts_remote.len == q->ts_remote.len &&
		    (best == NULL || c->established_ms >= best->established_ms))
			best = c;
	}
	return best;
}

static bool
r_build2(struct qm *q, const struct ike_msg *m)
{
	struct ike_sa *sa = q->sa;
	struct ike *ike = sa->ike;
	uint8_t mid[4], gx[DH_PUB_MAX];
	struct chunk pre[2] = { { mid, 4 }, { q->ni, q->ni_len } };
	struct ike_wbuf w;
	size_t hoff;

	put32(mid, q->msgid);
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_QUICK, q->msgid, true);
	hoff = ike_wb_pld_begin(&w, ISAKMP_PLD_HASH);
	ike_wb_put(&w, NULL, sa->keys.prf_len);
	ike_wb_pld_end(&w, hoff);
	ike_prop_esp_reply(&w, &q->ch, q->spi_in);
	ike_build_data(&w, ISAKMP_PLD_NONCE, q->nr, q->nr_len);
	if (q->dh != NULL) {
		if (!ike_dh_public(q->dh, gx, ike_dh_pub_len(ike_dh_group(q->dh))))
			return false;
		ike_build_data(&w, ISAKMP_PLD_KE, gx, ike_dh_pub_len(ike_dh_group(q->dh)));
	}
	for (unsigned i = 0; q->ids && i < 2; i++) {
		const struct ike_pld *id = ike_msg_find(m, ISAKMP_PLD_ID, i);

		ike_build_data(&w, ISAKMP_PLD_ID, id->body, id->body_len);
	}
	if ((q->ch.life_s != 0 && q->life_s < q->ch.life_s) ||
	    (q->ch.life_kb != 0 && q->life_kb < q->ch.life_kb)) {
		/* RFC 2407 s4.6.3.1: we keep it shorter than proposed. Room for
		 * two life types (TV, 4 bytes) and two durations of up to 8
		 * bytes (TLV, 12 bytes: ike_sab_attr() never writes more). */
		uint8_t attrs[2 * 4 + 2 * 12], spi[4];
		struct ike_wbuf a;
		struct ike_sab b = { .w = &a };
		struct ike_pl_notify n = {
			.doi = IPSEC_DOI,
			.proto = PROTO_IPSEC_ESP,
			.spi_size = 4,
			.type = N_RESPONDER_LIFETIME,
			.spi = spi,
			.data = attrs,
		};

		ike_wb_init(&a, attrs, sizeof(attrs));
		ike_sab_attr(&b, P2A_LIFE_TYPE, LIFE_SECONDS);
		ike_sab_attr(&b, P2A_LIFE_DURATION, q->life_s);
		if (q->life_kb != 0) {
			ike_sab_attr(&b, P2A_LIFE_TYPE, LIFE_KILOBYTES);
			ike_sab_attr(&b, P2A_LIFE_DURATION, q->life_kb);
		}
		put32(spi, q->spi_in);
		n.data_len = (uint16_t)a.len;
		ike_build_notify(&w, &n);
	}
	ike_wb_hdr_finish(&w);
	if (!ike_hash_payload_fill(sa, &w, hoff, pre, 2) || !ike_msg_encrypt(sa, &w, q->iv) ||
	    !ike_xmit_store(&q->x, w.buf, w.len))
		return false;
	ike_xmit_send(sa, &q->x);
	return true;
}

static void
r_msg1(struct ike_sa *sa, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_HASH,        ISAKMP_PLD_SA, ISAKMP_PLD_NONCE,
				      ISAKMP_PLD_KE,          ISAKMP_PLD_ID, ISAKMP_PLD_NATOA,
				      ISAKMP_PLD_NATOA_DRAFT, ISAKMP_PLD_N };
	struct ike *ike = sa->ike;
	uint8_t iv[BLOCK_LEN], next_iv[BLOCK_LEN], mid[4];
	struct chunk pre = { mid, 4 };
	enum ike_stat why = IKE_DROP_MISSING;
	const struct ike_pld *ke, *nonce;
	struct site *s = sa->site;
	struct child *old;
	struct ike_msg m;
	struct qm *q;
	uint16_t e1 = ENCAP_TUNNEL, e2 = ENCAP_TUNNEL;

	put32(mid, rx->hdr.msgid);
	if (!ike_kdf_p2_iv(sa->prop.hash, sa->p1_last, rx->hdr.msgid, iv) ||
	    !ike_msg_decrypt(sa, rx->raw, rx->len, iv, &m, next_iv, &why)) {
		ike_drop(ike, sa, why, "Quick Mode %08x", rx->hdr.msgid);
		return;
	}
	if (!ike_hash_payload_check(sa, &m, &pre, 1)) {
		ike_drop(ike, sa, IKE_DROP_HASH, "HASH(1) of %08x", rx->hdr.msgid);
		return;
	}
	/* authentic and (ike_quick_input) new: its ID is used up, whatever the
	 * outcome, so no replay of it ever runs again */
	if (!ike_msgid_note(sa, rx->hdr.msgid))
		return;
	sa->last_rx_ms = ike->now;
	ike_sa_peer_moved(sa, rx);
	nonce = ike_msg_find(&m, ISAKMP_PLD_NONCE, 0);
	ke = ike_msg_find(&m, ISAKMP_PLD_KE, 0);
	if (!msg_only(&m, ok, sizeof(ok)) || ike_msg_count(&m, ISAKMP_PLD_SA) != 1 ||
	    nonce == NULL || ike_msg_count(&m, ISAKMP_PLD_KE) > 1) {
		ike_drop(ike, sa, IKE_DROP_UNEXPECTED, "Quick Mode message 1");
		return;
	}
	q = ike_qm_new(sa, rx->hdr.msgid, false);
	if (q == NULL) {
		ike_drop(ike, sa, IKE_DROP_NOMEM, "qm");
		return;
	}
	memcpy(q->iv, next_iv, BLOCK_LEN);
	memcpy(q->ni, nonce->body, nonce->body_len);
	q->ni_len = nonce->body_len;
	if (!r_selectors(q, &m, &why)) {
		char ra[IKE_ADDR_STR_MAX], la[IKE_ADDR_STR_MAX];

		ike_drop(ike, sa, why, "IDs %s/%u <-> %s/%u", ike_addr_str(q->ts_remote.addr, ra),
			 q->ts_remote.len, ike_addr_str(q->ts_local.addr, la), q->ts_local.len);
		ike_info_send_notify(sa, N_INVALID_ID_INFO, PROTO_IPSEC_ESP, NULL, 0, NULL, 0);
		goto fail;
	}
	if (sa->nat_local || sa->nat_remote) {
		e1 = ENCAP_UDP_TUNNEL;
		e2 = ENCAP_UDP_TUNNEL_DRAFT;
	}
	if (!ike_prop_esp_select(ike_msg_find(&m, ISAKMP_PLD_SA, 0), s->p.esp, s->p.n_esp, e1, e2,
				 ke ? ke->body_len : 0, &q->ch)) {
		ike_drop(ike, sa, IKE_DROP_NO_PROPOSAL, "Quick Mode %08x", q->msgid);
		ike_info_send_notify(sa, N_NO_PROPOSAL_CHOSEN, PROTO_IPSEC_ESP, NULL, 0, NULL, 0);
		goto fail;
	}
	if (!ike_child_room(s, &q->ts_local, &q->ts_remote)) {
		/* IKEv1 has no "no more SAs": NO-PROPOSAL-CHOSEN tells the
		 * peer at once, so it neither retransmits nor waits */
		ike_drop(ike, sa, IKE_DROP_PAIR_LIMIT, "%u pairs, Quick Mode %08x", s->n_children,
			 q->msgid);
		ike_info_send_notify(sa, N_NO_PROPOSAL_CHOSEN, PROTO_IPSEC_ESP, NULL, 0, NULL, 0);
		goto fail;
	}
	ike_qm_lifetimes(q, s);
	if (ke != NULL) {
		q->dh = ike_dh_new(q->ch.prop.pfs);
		q->gxy_len = ike_dh_secret_len(q->ch.prop.pfs);
		if (q->dh == NULL ||
		    !ike_dh_derive(q->dh, ke->body, ke->body_len, q->gxy, q->gxy_len)) {
			ike_drop(ike, sa, IKE_DROP_BAD_KE, "PFS KE");
			goto fail;
		}
	}
	q->nr_len = NONCE_LEN;
	ike_random(q->nr, NONCE_LEN);
	q->spi_in = ike_spi_alloc(ike);
	q->spi_out = get32(q->ch.peer_spi);
	if (ike_qm_make_child(q) == NULL) {
		ike_drop(ike, sa, IKE_DROP_NOMEM, "child");
		goto fail;
	}
	ike_qm_child_fill(q);
	ike_qm_note_nonces(q);
	old = same_ts(s, q);
	q->child->replaces = old != NULL ? old->spi_in : 0;
	/* inbound first: the peer may use it as soon as it has message 2 */
	if (!ike_qm_install(q, true)) {
		ike_drop(ike, sa, IKE_DROP_INSTALL, "inbound %08x", q->spi_in);
		goto fail;
	}
	ike_xmit_rx(&q->x, rx->raw, rx->len);
	if (!r_build2(q, &m)) {
		ike_drop(ike, sa, IKE_DROP_NOMEM, "message 2");
		goto fail;
	}
	ike_xmit_wait(sa, &q->x, T_QM_XMIT);
	q->state = QM_R_SENT2;
	return;
fail:
	ike_count(ike, IKE_EV_QM_FAILED);
	ike_qm_free(q);
}

static void
r_msg3(struct qm *q, const struct rx *rx)
{
	struct ike_sa *sa = q->sa;
	struct ike *ike = sa->ike;
	uint8_t next_iv[BLOCK_LEN], mid[4];
	const struct chunk pre[4] = {
		{ &zero_byte, 1 },
		{ mid, 4 },
		{ q->ni, q->ni_len },
		{ q->nr, q->nr_len },
	};
	enum ike_stat why = IKE_DROP_DECRYPT;
	struct ike_msg m;

	if (q->state != QM_R_SENT2)
		return;
	put32(mid, q->msgid);
	if (!ike_msg_decrypt(sa, rx->raw, rx->len, q->iv, &m, next_iv, &why)) {
		ike_drop(ike, sa, why, "Quick Mode %08x message 3", q->msgid);
		return;
	}
	if (m.n != 1 || !ike_hash_payload_check(sa, &m, pre, 4)) {
		ike_drop(ike, sa, IKE_DROP_HASH, "HASH(3) of %08x", q->msgid);
		return;
	}
	memcpy(q->iv, next_iv, BLOCK_LEN);
	sa->last_rx_ms = ike->now;
	ike_sa_peer_moved(sa, rx);
	if (q->child == NULL || !ike_qm_install(q, false)) {
		ike_drop(ike, sa, IKE_DROP_INSTALL, "outbound %08x", q->spi_out);
		ike_count(ike, IKE_EV_QM_FAILED);
		ike_qm_free(q);
		return;
	}
	ike_child_established(q->child, q);
	ike_qm_free(q);
}

/* ------------------------------------------------------------------ */
/* Initiator */

int
ike_quick_initiate(struct ike_sa *sa, const struct ike_prefix *local,
		   const struct ike_prefix *remote, uint32_t rekey_of)
{
	struct ike *ike = sa->ike;
	struct site *s = sa->site;
	uint8_t mid[4], gx[DH_PUB_MAX], idl[8], idr[8];
	struct chunk pre = { mid, 4 };
	struct ike_pl_id ci, cr;
	struct ike_wbuf w;
	struct qm *q;
	uint32_t msgid;
	size_t hoff;

	if (sa->state != P1_ESTABLISHED || s == NULL)
		return -EINVAL;
	do {
		ike_random(&msgid, sizeof(msgid));
	} while (ike_qm_msgid_busy(sa, msgid));
	q = ike_qm_new(sa, msgid, true);
	if (q == NULL)
		return -ENOMEM;
	q->ts_local = *local;
	q->ts_remote = *remote;
	q->ids = true;
	q->rekey_of = rekey_of;
	q->ni_len = NONCE_LEN;
	ike_random(q->ni, NONCE_LEN);
	q->spi_in = ike_spi_alloc(ike);
	if (s->p.esp[0].pfs != IKE_DH_NONE && (q->dh = ike_dh_new(s->p.esp[0].pfs)) == NULL)
		goto fail;
	if (ike_qm_make_child(q) == NULL ||
	    !ike_kdf_p2_iv(sa->prop.hash, sa->p1_last, msgid, q->iv))
		goto fail;
	put32(mid, msgid);
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_QUICK, msgid, true);
	hoff = ike_wb_pld_begin(&w, ISAKMP_PLD_HASH);
	ike_wb_put(&w, NULL, sa->keys.prf_len);
	ike_wb_pld_end(&w, hoff);
	ike_prop_esp_build(&w, s->p.esp, s->p.n_esp, q->spi_in, s->p.child_lifetime_s,
			   s->p.child_lifetime_kb, ike_prop_encap_mode(sa));
	ike_build_data(&w, ISAKMP_PLD_NONCE, q->ni, q->ni_len);
	if (q->dh != NULL) {
		size_t len = ike_dh_pub_len(ike_dh_group(q->dh));

		if (!ike_dh_public(q->dh, gx, len))
			goto fail;
		ike_build_data(&w, ISAKMP_PLD_KE, gx, len);
	}
	ike_ts_to_id(local, &ci, idl);
	ike_ts_to_id(remote, &cr, idr);
	ike_build_id(&w, &ci);
	ike_build_id(&w, &cr);
	ike_wb_hdr_finish(&w);
	if (!ike_hash_payload_fill(sa, &w, hoff, &pre, 1) || !ike_msg_encrypt(sa, &w, q->iv) ||
	    !ike_xmit_store(&q->x, w.buf, w.len))
		goto fail;
	ike_xmit_send(sa, &q->x);
	ike_xmit_wait(sa, &q->x, T_QM_XMIT);
	ike_sa_logf(sa, IKE_LOG_DEBUG, "Quick Mode %08x started%s", msgid,
		    rekey_of ? " (rekey)" : "");
	q->state = QM_I_SENT1;
	return 0;
fail:
	ike_qm_fail(q);
	return -ENOMEM;
}

/* RFC 2407 s4.6.3.1: the responder keeps the SA for less than proposed. */
static void
responder_lifetime(struct qm *q, const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		struct ike_pl_notify n;
		struct ike_xform x = { 0 };
		struct ike_iter it;
		struct ike_attr a;
		uint64_t type = 0;

		if (m->pld[i].type != ISAKMP_PLD_N)
			continue;
		ike_notify_parse(&m->pld[i], &n);
		if (n.type != N_RESPONDER_LIFETIME)
			continue;
		x.attrs = n.data;
		x.attrs_len = n.data_len;
		ike_attr_iter(&x, &it);
		while (ike_attr_next(&it, &a) && a.val_ok) {
			if (a.type == P2A_LIFE_TYPE)
				type = a.val;
			else if (a.type == P2A_LIFE_DURATION && type == LIFE_SECONDS && a.val > 0 &&
				 a.val < q->life_s)
				q->life_s = a.val;
			else if (a.type == P2A_LIFE_DURATION && type == LIFE_KILOBYTES &&
				 a.val > 0 && (q->life_kb == 0 || a.val < q->life_kb))
				q->life_kb = a.val;
		}
	}
}

/* Message 2's IDs, when present, must be the ones we sent. */
static bool
i_ids_ok(const struct qm *q, const struct ike_msg *m)
{
	struct ike_prefix l, r;
	struct ike_pl_id ci, cr;
	unsigned n = ike_msg_count(m, ISAKMP_PLD_ID);

	if (n == 0)
		return true;
	if (n != 2)
		return false;
	ike_id_parse(ike_msg_find(m, ISAKMP_PLD_ID, 0), &ci);
	ike_id_parse(ike_msg_find(m, ISAKMP_PLD_ID, 1), &cr);
	return ike_ts_from_id(&ci, &l) && ike_ts_from_id(&cr, &r) && l.addr == q->ts_local.addr &&
	       l.len == q->ts_local.len && r.addr == q->ts_remote.addr && r.len == q->ts_remote.len;
}

static bool
i_send3(struct qm *q)
{
	struct ike_sa *sa = q->sa;
	uint8_t mid[4];
	const struct chunk pre[4] = {
		{ &zero_byte, 1 },
		{ mid, 4 },
		{ q->ni, q->ni_len },
		{ q->nr, q->nr_len },
	};
	struct ike_wbuf w;
	size_t hoff;

	put32(mid, q->msgid);
	ike_wb_init(&w, sa->ike->buf, sizeof(sa->ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_QUICK, q->msgid, true);
	hoff = ike_wb_pld_begin(&w, ISAKMP_PLD_HASH);
	ike_wb_put(&w, NULL, sa->keys.prf_len);
	ike_wb_pld_end(&w, hoff);
	ike_wb_hdr_finish(&w);
	if (!ike_hash_payload_fill(sa, &w, hoff, pre, 4) || !ike_msg_encrypt(sa, &w, q->iv) ||
	    !ike_xmit_store(&q->x, w.buf, w.len))
		return false;
	ike_xmit_send(sa, &q->x);
	return true;
}

static void
i_msg2(struct qm *q, const struct rx *rx)
{
	static const uint8_t ok[] = { ISAKMP_PLD_HASH,        ISAKMP_PLD_SA, ISAKMP_PLD_NONCE,
				      ISAKMP_PLD_KE,          ISAKMP_PLD_ID, ISAKMP_PLD_NATOA,
				      ISAKMP_PLD_NATOA_DRAFT, ISAKMP_PLD_N };
	struct ike_sa *sa = q->sa;
	struct ike *ike = sa->ike;
	struct site *s = sa->site;
	uint8_t next_iv[BLOCK_LEN], mid[4];
	struct chunk pre[2] = { { mid, 4 }, { q->ni, q->ni_len } };
	const struct ike_pld *nonce, *ke;
	uint16_t encap = ike_prop_encap_mode(sa);
	enum ike_stat why = IKE_DROP_DECRYPT;
	struct ike_msg m;

	if (q->state != QM_I_SENT1)
		return;
	put32(mid, q->msgid);
	if (!ike_msg_decrypt(sa, rx->raw, rx->len, q->iv, &m, next_iv, &why)) {
		ike_drop(ike, sa, why, "Quick Mode %08x message 2", q->msgid);
		return;
	}
	if (!ike_hash_payload_check(sa, &m, pre, 2)) {
		ike_drop(ike, sa, IKE_DROP_HASH, "HASH(2) of %08x", q->msgid);
		return;
	}
	sa->last_rx_ms = ike->now;
	ike_sa_peer_moved(sa, rx);
	nonce = ike_msg_find(&m, ISAKMP_PLD_NONCE, 0);
	ke = ike_msg_find(&m, ISAKMP_PLD_KE, 0);
	if (!msg_only(&m, ok, sizeof(ok)) || nonce == NULL ||
	    ike_msg_count(&m, ISAKMP_PLD_SA) != 1 || (ke != NULL) != (q->dh != NULL) ||
	    !ike_prop_esp_select(ike_msg_find(&m, ISAKMP_PLD_SA, 0), s->p.esp, s->p.n_esp, encap,
				 encap, ke ? ke->body_len : 0, &q->ch) ||
	    (q->dh != NULL && q->ch.prop.pfs != ike_dh_group(q->dh)) || !i_ids_ok(q, &m)) {
		ike_drop(ike, sa, IKE_DROP_NO_PROPOSAL, "Quick Mode %08x answer", q->msgid);
		ike_qm_fail(q);
		return;
	}
	memcpy(q->nr, nonce->body, nonce->body_len);
	q->nr_len = nonce->body_len;
	if (q->dh != NULL) {
		q->gxy_len = ike_dh_secret_len(ike_dh_group(q->dh));
		if (!ike_dh_derive(q->dh, ke->body, ke->body_len, q->gxy, q->gxy_len)) {
			ike_drop(ike, sa, IKE_DROP_BAD_KE, "PFS KE");
			ike_qm_fail(q);
			return;
		}
	}
	memcpy(q->iv, next_iv, BLOCK_LEN);
	ike_qm_lifetimes(q, s);
	responder_lifetime(q, &m);
	q->spi_out = get32(q->ch.peer_spi);
	if (q->child != NULL) {
		ike_qm_note_nonces(q);
		ike_qm_child_fill(q);
	}
	/* both directions before message 3 lets the responder send */
	if (q->child == NULL || !ike_qm_install(q, true) || !ike_qm_install(q, false)) {
		ike_drop(ike, sa, IKE_DROP_INSTALL, "Quick Mode %08x", q->msgid);
		ike_qm_fail(q);
		return;
	}
	ike_xmit_rx(&q->x, rx->raw, rx->len);
	ike_timer_cancel(ike, &q->x.t);
	q->x.resend_on_timer = false;
	if (!i_send3(q)) {
		ike_qm_fail(q);
		return;
	}
	ike_child_established(q->child, q);
	/* linger to answer a repeated message 2 with message 3 for as long
	 * as the responder may retransmit it */
	ike_timer_arm(ike, &q->x.t, T_QM_XMIT,
		      ike->now + ((uint64_t)ike->cfg.retransmit_base_ms
				  << (ike->cfg.retransmit_tries + 1)));
	q->state = QM_DONE;
}

/* ------------------------------------------------------------------ */

void
ike_quick_input(struct ike_sa *sa, const struct rx *rx)
{
	struct ike *ike = sa->ike;
	struct qm *q;

	if (!(rx->hdr.flags & ISAKMP_FLAG_E)) {
		ike_drop(ike, sa, IKE_DROP_CLEARTEXT, "Quick Mode");
		return;
	}
	if (rx->hdr.msgid == 0) {
		ike_drop(ike, sa, IKE_DROP_MSGID, "Quick Mode with M-ID 0");
		return;
	}
	q = ike_qm_find(sa, rx->hdr.msgid);
	if (q == NULL) {
		/* a late retransmission, or a replay: either way no new run */
		if (ike_msgid_seen(sa, rx->hdr.msgid)) {
			ike_drop(ike, sa, IKE_DROP_DUPLICATE, "finished %08x", rx->hdr.msgid);
			return;
		}
		r_msg1(sa, rx);
		return;
	}
	if (ike_xmit_is_dup(&q->x, rx->raw, rx->len)) {
		ike_xmit_answer_dup(sa, &q->x);
		return;
	}
	if (q->initiator)
		i_msg2(q, rx);
	else
		r_msg3(q, rx);
}
