/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Informational exchanges (RFC 2408 s4.8, RFC 2409 s5.7): notifications,
 * DELETE for ISAKMP and IPsec SAs, INITIAL-CONTACT, and Dead Peer
 * Detection (RFC 3706).
 *
 *   HDR*, HASH(1), N/D     HASH(1) = prf(SKEYID_a, M-ID | N/D)
 *
 * Only authenticated (encrypted, HASH-checked) informationals act on
 * anything; cleartext ones are counted and logged. And only fresh ones: a
 * replay must not act, refresh liveness nor move a NAT-T peer. DPD
 * messages are fresh by their sequence numbers (RFC 3706 s7), any other
 * by a message ID the ISAKMP SA has not seen (msgid.c).
 */
#include <string.h>

#include "priv.h"

/* Build and send one protected Informational holding one N or D. */
static void
send_info(struct ike_sa *sa, const struct ike_pl_notify *n, const struct ike_pl_delete *d)
{
	struct ike *ike = sa->ike;
	uint8_t iv[BLOCK_LEN], mid[4];
	struct chunk pre = { mid, 4 };
	struct ike_wbuf w;
	uint32_t msgid;
	size_t hoff;

	if (sa->state != P1_ESTABLISHED)
		return;
	do {
		ike_random(&msgid, sizeof(msgid));
	} while (ike_qm_msgid_busy(sa, msgid));
	put32(mid, msgid);
	if (!ike_kdf_p2_iv(sa->prop.hash, sa->p1_last, msgid, iv))
		return;
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_msg_hdr(&w, sa, ISAKMP_EXCH_INFO, msgid, true);
	hoff = ike_wb_pld_begin(&w, ISAKMP_PLD_HASH);
	ike_wb_put(&w, NULL, sa->keys.prf_len);
	ike_wb_pld_end(&w, hoff);
	if (n != NULL)
		ike_build_notify(&w, n);
	if (d != NULL)
		ike_build_delete(&w, d);
	ike_wb_hdr_finish(&w);
	if (!ike_hash_payload_fill(sa, &w, hoff, &pre, 1) || !ike_msg_encrypt(sa, &w, iv))
		return;
	ike_msg_send(ike, &sa->local, &sa->remote, w.buf, w.len);
}

void
ike_info_send_notify(struct ike_sa *sa, uint16_t type, uint8_t proto, const uint8_t *spi,
		     uint8_t spi_size, const uint8_t *data, uint16_t data_len)
{
	struct ike_pl_notify n = {
		.doi = IPSEC_DOI,
		.proto = proto,
		.spi_size = spi_size,
		.type = type,
		.spi = spi,
		.data = data,
		.data_len = data_len,
	};

	ike_count(sa->ike, IKE_EV_NOTIFY_TX);
	send_info(sa, &n, NULL);
}

void
ike_info_send_delete_sa(struct ike_sa *sa)
{
	uint8_t spi[16];
	struct ike_pl_delete d = {
		.doi = IPSEC_DOI,
		.proto = PROTO_ISAKMP,
		.spi_size = 16,
		.nspi = 1,
		.spis = spi,
	};

	memcpy(spi, sa->icky, 8);
	memcpy(spi + 8, sa->rcky, 8);
	ike_count(sa->ike, IKE_EV_DELETE_TX);
	ike_sa_logf(sa, IKE_LOG_INFO, "sending DELETE for the ISAKMP SA");
	send_info(sa, NULL, &d);
}

/* DELETE names our inbound SPIs: the peer's outbound ones. */
void
ike_info_send_delete_child(struct ike_sa *sa, const uint32_t *spis, unsigned n)
{
	uint8_t buf[4 * 16];
	struct ike_pl_delete d = {
		.doi = IPSEC_DOI,
		.proto = PROTO_IPSEC_ESP,
		.spi_size = 4,
		.spis = buf,
	};

	for (unsigned i = 0; i < n && i < 16; i++)
		put32(buf + 4 * i, spis[i]);
	d.nspi = (uint16_t)(n < 16 ? n : 16);
	ike_count(sa->ike, IKE_EV_DELETE_TX);
	send_info(sa, NULL, &d);
}

/* R-U-THERE / R-U-THERE-ACK (RFC 3706 s5): SPI = cookies, data = seq. */
void
ike_info_send_dpd(struct ike_sa *sa, bool ack, uint32_t seq)
{
	uint8_t spi[16], data[4];

	memcpy(spi, sa->icky, 8);
	memcpy(spi + 8, sa->rcky, 8);
	put32(data, seq);
	ike_count(sa->ike, ack ? IKE_EV_DPD_ACK_TX : IKE_EV_DPD_TX);
	ike_info_send_notify(sa, ack ? N_R_U_THERE_ACK : N_R_U_THERE, PROTO_ISAKMP, spi, 16, data,
			     4);
}

/* A cleartext notify answering a message 1 we cannot accept. */
void
ike_info_send_clear_notify(struct ike *ike, const struct rx *rx, uint16_t type)
{
	struct ike_hdr h = { .exch = ISAKMP_EXCH_INFO };
	uint8_t spi[16] = { 0 };
	struct ike_pl_notify n = {
		.doi = IPSEC_DOI,
		.proto = PROTO_ISAKMP,
		.spi_size = 16,
		.type = type,
		.spi = spi,
	};
	struct ike_wbuf w;

	memcpy(h.icookie, rx->hdr.icookie, 8);
	memcpy(spi, rx->hdr.icookie, 8);
	ike_wb_init(&w, ike->buf, sizeof(ike->buf));
	ike_wb_hdr(&w, &h);
	ike_build_notify(&w, &n);
	ike_wb_hdr_finish(&w);
	if (w.overflow)
		return;
	ike_count(ike, IKE_EV_NOTIFY_TX);
	ike_msg_send(ike, rx->local, rx->remote, w.buf, w.len);
}

/* ------------------------------------------------------------------ */
/* Receiving */

static bool
cookies_are(const struct ike_sa *sa, const uint8_t *spi)
{
	return memcmp(spi, sa->icky, 8) == 0 && memcmp(spi + 8, sa->rcky, 8) == 0;
}

/*
 * RFC 3706 s7: an R-U-THERE's sequence number must be above the last one
 * the peer sent on this SA (serial arithmetic: a random start may wrap),
 * an R-U-THERE-ACK's one of ours still unanswered. Anything else is a
 * replay (or a confused peer): dropped, and not a sign of life.
 */
static bool
dpd_fresh(struct ike_sa *sa, const struct ike_pl_notify *n)
{
	struct ike *ike = sa->ike;
	uint32_t seq;

	if (n->spi_size != 16 || n->data_len != 4 || !cookies_are(sa, n->spi)) {
		ike_drop(ike, sa, IKE_DROP_MALFORMED, "DPD notify");
		return false;
	}
	seq = get32(n->data);
	if (n->type == N_R_U_THERE) {
		if (sa->peer_dpd_seen && (int32_t)(seq - sa->peer_dpd_seq) <= 0) {
			ike_drop(ike, sa, IKE_DROP_REPLAY, "R-U-THERE %u after %u", seq,
				 sa->peer_dpd_seq);
			return false;
		}
		return true;
	}
	if (!sa->dpd_pending || seq - sa->dpd_first_seq > sa->dpd_seq - sa->dpd_first_seq) {
		ike_drop(ike, sa, IKE_DROP_DPD_SEQ, "ACK %u", seq);
		return false;
	}
	return true;
}

/* A fresh R-U-THERE is answered, a fresh ACK ends our wait. */
static void
dpd_act(struct ike_sa *sa, const struct ike_pl_notify *n)
{
	uint32_t seq = get32(n->data);

	if (n->type == N_R_U_THERE) {
		sa->peer_dpd_seq = seq;
		sa->peer_dpd_seen = true;
		ike_info_send_dpd(sa, true, seq);
		return;
	}
	ike_count(sa->ike, IKE_EV_DPD_ACK_RX);
	sa->dpd_pending = false;
}

/* HASH(1) and one DPD notify, nothing else: n gets the notify. */
static bool
dpd_only(const struct ike_msg *m, struct ike_pl_notify *n)
{
	if (m->n != 2 || m->pld[1].type != ISAKMP_PLD_N)
		return false;
	ike_notify_parse(&m->pld[1], n);
	return n->type == N_R_U_THERE || n->type == N_R_U_THERE_ACK;
}

/* Notifications of an authenticated message (also MM 5/6, AM 3). */
void
ike_info_process_notifies(struct ike_sa *sa, const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->n && sa->state == P1_ESTABLISHED; i++) {
		struct ike_pl_notify n;

		if (m->pld[i].type != ISAKMP_PLD_N)
			continue;
		ike_notify_parse(&m->pld[i], &n);
		ike_count(sa->ike, IKE_EV_NOTIFY_RX);
		switch (n.type) {
		case N_INITIAL_CONTACT:
			if (sa->site != NULL)
				ike_p1_initial_contact(sa);
			break;
		case N_R_U_THERE:
		case N_R_U_THERE_ACK:
			if (dpd_fresh(sa, &n))
				dpd_act(sa, &n);
			break;
		default:
			ike_sa_logf(sa, n.type < 16384 ? IKE_LOG_WARNING : IKE_LOG_DEBUG,
				    "peer notifies %s (%u)", ike_notify_name(n.type), n.type);
			break;
		}
	}
}

static void
process_delete(struct ike_sa *sa, const struct ike_pl_delete *d)
{
	struct ike *ike = sa->ike;
	struct site *s = sa->site;

	ike_count(ike, IKE_EV_DELETE_RX);
	if (d->proto == PROTO_ISAKMP && d->spi_size == 16) {
		for (uint16_t i = 0; i < d->nspi; i++) {
			const uint8_t *spi = d->spis + 16 * i;

			for (struct link *l = s->sas.next; l != &s->sas; l = l->next) {
				struct ike_sa *o = container_of(l, struct ike_sa, site_link);

				if (cookies_are(o, spi)) {
					ike_sa_logf(o, IKE_LOG_INFO, "peer deleted ISAKMP SA");
					ike_sa_teardown(o, false, IKE_DOWN_DELETE);
					break;
				}
			}
		}
	} else if (d->proto == PROTO_IPSEC_ESP && d->spi_size == 4) {
		for (uint16_t i = 0; i < d->nspi; i++) {
			struct child *c = ike_child_by_spi_out(s, get32(d->spis + 4 * i));

			if (c != NULL)
				ike_child_delete(c, false);
			else
				ike_sa_logf(sa, IKE_LOG_DEBUG, "DELETE for unknown SPI %08x",
					    get32(d->spis + 4 * i));
		}
	} else {
		ike_drop(ike, sa, IKE_DROP_MALFORMED, "DELETE protocol %u", d->proto);
	}
}

static void
log_cleartext(struct ike *ike, struct ike_sa *sa, const struct rx *rx)
{
	const struct ike_pld *pl = rx->m ? ike_msg_find(rx->m, ISAKMP_PLD_N, 0) : NULL;
	struct ike_pl_notify n = { 0 };
	char a[IKE_ADDR_STR_MAX];

	if (pl != NULL)
		ike_notify_parse(pl, &n);
	ike_drop(ike, sa, IKE_DROP_UNAUTH_INFO,
		 "cleartext Informational from "
		 "%s: %s (%u)",
		 ike_addr_str(rx->remote->addr, a), pl ? ike_notify_name(n.type) : "no notify",
		 n.type);
}

void
ike_info_input(struct ike *ike, struct ike_sa *sa, const struct rx *rx)
{
	uint8_t iv[BLOCK_LEN], next_iv[BLOCK_LEN], mid[4];
	struct chunk pre = { mid, 4 };
	enum ike_stat why = IKE_DROP_DECRYPT;
	struct ike_pl_notify dpd;
	struct ike_msg m;

	if (!(rx->hdr.flags & ISAKMP_FLAG_E)) {
		log_cleartext(ike, sa, rx);
		return;
	}
	if (sa == NULL || sa->state != P1_ESTABLISHED) {
		ike_drop(ike, sa, sa == NULL ? IKE_DROP_UNKNOWN_SA : IKE_DROP_STATE,
			 "Informational");
		return;
	}
	put32(mid, rx->hdr.msgid);
	if (!ike_kdf_p2_iv(sa->prop.hash, sa->p1_last, rx->hdr.msgid, iv) ||
	    !ike_msg_decrypt(sa, rx->raw, rx->len, iv, &m, next_iv, &why)) {
		ike_drop(ike, sa, why, "Informational %08x", rx->hdr.msgid);
		return;
	}
	if (!ike_hash_payload_check(sa, &m, &pre, 1)) {
		ike_drop(ike, sa, IKE_DROP_HASH, "Informational %08x", rx->hdr.msgid);
		return;
	}
	if (dpd_only(&m, &dpd)) {
		if (!dpd_fresh(sa, &dpd))
			return;
		sa->last_rx_ms = ike->now;
		ike_sa_peer_moved(sa, rx);
		ike_count(ike, IKE_EV_NOTIFY_RX);
		dpd_act(sa, &dpd);
		return;
	}
	if (ike_msgid_seen(sa, rx->hdr.msgid)) {
		ike_drop(ike, sa, IKE_DROP_REPLAY, "Informational %08x", rx->hdr.msgid);
		return;
	}
	if (!ike_msgid_note(sa, rx->hdr.msgid))
		return;
	sa->last_rx_ms = ike->now;
	ike_sa_peer_moved(sa, rx);
	ike_info_process_notifies(sa, &m);
	for (unsigned i = 0; i < m.n && sa->site != NULL; i++) {
		struct ike_pl_delete d;

		if (m.pld[i].type != ISAKMP_PLD_D)
			continue;
		ike_delete_parse(&m.pld[i], &d);
		process_delete(sa, &d);
	}
}

/* ------------------------------------------------------------------ */
/* DPD initiator (T_DPD): only on idle tunnels, only the newest SA. */

/* When the peer was last heard from: IKE, or ESP on one of its SAs. */
static uint64_t
last_heard(const struct ike_sa *sa)
{
	const struct site *s = sa->site;
	struct ike *ike = sa->ike;
	uint64_t last = sa->last_rx_ms;

	for (struct link *l = s->children.next; l != &s->children; l = l->next) {
		const struct child *c = container_of(l, struct child, site_link);

		if (!c->in_installed)
			continue;
		if (c->last_used_ms > last)
			last = c->last_used_ms;
		if (ike->ops->inbound_last != NULL) {
			uint64_t esp = ike->ops->inbound_last(ike->ctx, c->in_handle);

			if (esp > last)
				last = esp;
		}
	}
	return last;
}

void
ike_dpd_check(struct ike_sa *sa)
{
	struct ike *ike = sa->ike;
	struct site *s = sa->site;
	uint64_t delay, heard, timeout;

	if (s == NULL || sa->state != P1_ESTABLISHED || sa->rekeyed || s->p.dpd_delay_s == 0 ||
	    ike_site_newest_sa(s) != sa)
		return;
	delay = s->p.dpd_delay_s * 1000ULL;
	heard = last_heard(sa);
	if (sa->dpd_pending) {
		if (ike->now - sa->dpd_since_ms >= s->p.dpd_timeout_s * 1000ULL) {
			ike_count(ike, IKE_EV_DPD_TIMEOUT);
			s->cnt.dpd_failures++;
			ike_sa_logf(sa, IKE_LOG_WARNING, "DPD: no answer for %u s",
				    s->p.dpd_timeout_s);
			ike_site_flush(s, IKE_DOWN_DPD, false);
			return;
		}
	} else if (ike->now < heard + delay) {
		/* Not idle for a whole delay yet: look again when it would be. */
		ike_timer_arm(ike, &sa->t_dpd, T_DPD, heard + delay);
		return;
	} else {
		if (sa->dpd_seq == 0)
			ike_random(&sa->dpd_seq, sizeof(sa->dpd_seq));
		sa->dpd_seq &= 0x7fffffff;
		sa->dpd_first_seq = sa->dpd_seq + 1;
		sa->dpd_pending = true;
		sa->dpd_since_ms = ike->now;
	}
	sa->dpd_seq++;
	ike_info_send_dpd(sa, false, sa->dpd_seq);
	/* Resend every delay; give up at the timeout, not at the next resend. */
	timeout = sa->dpd_since_ms + s->p.dpd_timeout_s * 1000ULL;
	ike_timer_arm(ike, &sa->t_dpd, T_DPD,
		      ike->now + delay < timeout ? ike->now + delay : timeout);
}
