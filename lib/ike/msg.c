/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages on the wire: sending (with the RFC 3947 non-ESP marker on the
 * NAT-T port), encryption and decryption of message bodies (RFC 2409 s5,
 * appendix B), the HASH payload of Quick Mode and Informational exchanges,
 * and retransmission state: requests re-sent with back-off, replies
 * re-sent when the same request arrives again.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "priv.h"

#define DUP_MIN_INTERVAL_MS 200 /* a flood of duplicates gets one answer */
#define NON_ESP_MARKER_LEN  4

void
ike_msg_send(struct ike *ike, const struct ike_endpoint *local, const struct ike_endpoint *remote,
	     const uint8_t *buf, size_t len)
{
	uint8_t *out = ike->out;
	size_t off = 0;

	if (len > IKE_MSG_MAX)
		return;
	/* RFC 3947 s4 / RFC 3948 s2.2: IKE on 4500 starts with 4 zero bytes */
	if (local->port == IKE_NATT_PORT) {
		memset(out, 0, NON_ESP_MARKER_LEN);
		off = NON_ESP_MARKER_LEN;
	}
	memcpy(out + off, buf, len);
	ike_count(ike, IKE_EV_TX);
	ike->ops->send(ike->ctx, local, remote, out, off + len);
}

void
ike_msg_hdr(struct ike_wbuf *w, const struct ike_sa *sa, uint8_t exch, uint32_t msgid,
	    bool encrypted)
{
	struct ike_hdr h = {
		.exch = exch,
		.flags = encrypted ? ISAKMP_FLAG_E : 0,
		.msgid = msgid,
	};

	memcpy(h.icookie, sa->icky, 8);
	memcpy(h.rcookie, sa->rcky, 8);
	ike_wb_hdr(w, &h);
}

/* Pad the body to the block size, encrypt it in place, chain the IV. */
bool
ike_msg_encrypt(struct ike_sa *sa, struct ike_wbuf *w, uint8_t iv[BLOCK_LEN])
{
	size_t body, pad;

	if (w->overflow || w->len < ISAKMP_HDR_LEN)
		return false;
	body = w->len - ISAKMP_HDR_LEN;
	pad = (BLOCK_LEN - body % BLOCK_LEN) % BLOCK_LEN;
	if (body == 0)
		pad = BLOCK_LEN;
	if (ike_wb_put(w, NULL, pad) == NULL)
		return false;
	w->buf[offsetof(struct isakmp_hdr_wire, ih_flags)] |= ISAKMP_FLAG_E;
	ike_wb_hdr_finish(w);
	return ike_kdf_cbc(true, sa->keys.ka, sa->keys.ka_len, iv, w->buf + ISAKMP_HDR_LEN,
			   w->len - ISAKMP_HDR_LEN, iv);
}

/*
 * Decrypt a message into ike->plain and parse its payloads into m. The
 * caller commits next_iv only once the message is authenticated, so a
 * forged message cannot derail the IV chain.
 */
bool
ike_msg_decrypt(struct ike_sa *sa, const uint8_t *raw, size_t len, const uint8_t iv[BLOCK_LEN],
		struct ike_msg *m, uint8_t next_iv[BLOCK_LEN], enum ike_stat *why)
{
	uint8_t *plain = sa->ike->plain;
	size_t body = len - ISAKMP_HDR_LEN;

	if (len <= ISAKMP_HDR_LEN || body % BLOCK_LEN != 0 || sa->keys.ka_len == 0) {
		*why = IKE_DROP_DECRYPT;
		return false;
	}
	memcpy(plain, raw, len);
	if (!ike_kdf_cbc(false, sa->keys.ka, sa->keys.ka_len, iv, plain + ISAKMP_HDR_LEN, body,
			 next_iv)) {
		*why = IKE_DROP_DECRYPT;
		return false;
	}
	if (!ike_hdr_validate(plain, len, &m->hdr, why))
		return false;
	return ike_chain_parse(plain + ISAKMP_HDR_LEN, body, m->hdr.np, true, m, why) &&
	       ike_msg_validate(m, why);
}

/* ------------------------------------------------------------------ */
/* HASH(1)/(2)/(3) and Informational HASH (RFC 2409 s5.5, s5.7) */

/*
 * prf(SKEYID_a, pre... | everything after the HASH payload): the HASH
 * payload sits at hash_off with room for the PRF output.
 */
bool
ike_hash_payload_fill(struct ike_sa *sa, struct ike_wbuf *w, size_t hash_off,
		      const struct chunk *pre, size_t npre)
{
	struct chunk c[5];
	size_t after = hash_off + ISAKMP_GEN_LEN + sa->keys.prf_len;

	if (w->overflow || npre > 4 || after > w->len)
		return false;
	memcpy(c, pre, npre * sizeof(*c));
	c[npre] = (struct chunk){ w->buf + after, w->len - after };
	return ike_kdf_prf(sa->keys.hash, sa->keys.skeyid_a, sa->keys.prf_len, c, npre + 1,
			   w->buf + hash_off + ISAKMP_GEN_LEN);
}

/* The first payload must be a HASH of the right size and value. */
bool
ike_hash_payload_check(struct ike_sa *sa, const struct ike_msg *m, const struct chunk *pre,
		       size_t npre)
{
	const struct ike_pld *h = &m->pld[0];
	uint8_t mac[PRF_MAX];
	struct chunk c[5];
	const uint8_t *after;
	bool ok;

	if (m->n == 0 || h->type != ISAKMP_PLD_HASH || h->body_len != sa->keys.prf_len || npre > 4)
		return false;
	after = h->raw + h->len;
	memcpy(c, pre, npre * sizeof(*c));
	c[npre] = (struct chunk){ after, (size_t)(m->chain + m->chain_len - after) };
	ok = ike_kdf_prf(sa->keys.hash, sa->keys.skeyid_a, sa->keys.prf_len, c, npre + 1, mac) &&
	     CRYPTO_memcmp(mac, h->body, sa->keys.prf_len) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

/* ------------------------------------------------------------------ */
/* Retransmission */

bool
ike_xmit_store(struct xmit *x, const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len);

	if (p == NULL)
		return false;
	memcpy(p, buf, len);
	free(x->tx);
	x->tx = p;
	x->tx_len = len;
	return true;
}

static void
digest(const uint8_t *raw, size_t len, uint8_t out[20])
{
	if (EVP_Digest(raw, len, out, NULL, EVP_sha1(), NULL) != 1)
		memset(out, 0, 20);
}

/* Remember the request we are answering. */
void
ike_xmit_rx(struct xmit *x, const uint8_t *raw, size_t len)
{
	digest(raw, len, x->rx_digest);
	x->have_rx = true;
}

bool
ike_xmit_is_dup(const struct xmit *x, const uint8_t *raw, size_t len)
{
	uint8_t d[20];

	if (!x->have_rx)
		return false;
	digest(raw, len, d);
	return memcmp(d, x->rx_digest, sizeof(d)) == 0;
}

void
ike_xmit_send(struct ike_sa *sa, struct xmit *x)
{
	if (x->tx != NULL)
		ike_msg_send(sa->ike, &sa->local, &sa->remote, x->tx, x->tx_len);
}

/* The peer sent its request again: it lost our answer. */
void
ike_xmit_answer_dup(struct ike_sa *sa, struct xmit *x)
{
	struct ike *ike = sa->ike;

	if (x->tx == NULL ||
	    (x->last_resend_ms != 0 && ike->now - x->last_resend_ms < DUP_MIN_INTERVAL_MS)) {
		ike_drop(ike, sa, IKE_DROP_DUPLICATE, "duplicate ignored");
		return;
	}
	x->last_resend_ms = ike->now;
	ike_count(ike, IKE_EV_REPLY_RESENT);
	ike_sa_logf(sa, IKE_LOG_DEBUG, "duplicate request, reply re-sent");
	ike_xmit_send(sa, x);
}

/* We sent a request (x->tx): retransmit it until answered. */
void
ike_xmit_wait(struct ike_sa *sa, struct xmit *x, enum timer_kind kind)
{
	x->tries = 0;
	x->resend_on_timer = true;
	ike_timer_arm(sa->ike, &x->t, kind, sa->ike->now + sa->ike->cfg.retransmit_base_ms);
}

/* The retransmit timer fired: false once the tries are used up. */
bool
ike_xmit_timeout(struct ike_sa *sa, struct xmit *x)
{
	struct ike *ike = sa->ike;
	uint64_t delay;

	if (!x->resend_on_timer || x->tries >= ike->cfg.retransmit_tries)
		return false;
	x->tries++;
	delay = (uint64_t)ike->cfg.retransmit_base_ms << x->tries;
	ike_count(ike, IKE_EV_RETRANSMIT);
	ike_sa_logf(sa, IKE_LOG_DEBUG, "retransmit %u", x->tries);
	ike_xmit_send(sa, x);
	ike_timer_arm(ike, &x->t, (enum timer_kind)x->t.kind, ike->now + delay);
	return true;
}

void
ike_xmit_fini(struct ike *ike, struct xmit *x)
{
	ike_timer_cancel(ike, &x->t);
	free(x->tx);
	x->tx = NULL;
	x->tx_len = 0;
	x->resend_on_timer = false;
}
