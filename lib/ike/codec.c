/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISAKMP codec (RFC 2408 s3): header, payload chain, simple payloads,
 * builders. The SA payload's nested structure lives in sapld.c.
 */
#include <stdint.h>
#include <string.h>

#include "codec.h"

/* ------------------------------------------------------------------ */
/* Header (RFC 2408 s3.1) */

bool
ike_hdr_validate(const uint8_t *buf, size_t len, struct ike_hdr *h, enum ike_stat *why)
{
	struct isakmp_hdr_wire w;

	if (len < sizeof(w)) {
		*why = IKE_DROP_SHORT;
		return false;
	}
	if (len > IKE_MSG_MAX) {
		*why = IKE_DROP_LONG;
		return false;
	}
	memcpy(&w, buf, sizeof(w));
	memcpy(h->icookie, w.ih_icookie, 8);
	memcpy(h->rcookie, w.ih_rcookie, 8);
	h->np = w.ih_np;
	h->version = w.ih_version;
	h->exch = w.ih_exch;
	h->flags = w.ih_flags;
	h->msgid = get32(w.ih_msgid);
	h->len = get32(w.ih_length);

	/* Major version 1 only; a higher minor is refused as RFC 2408
	 * s5.2 allows (INVALID-MINOR-VERSION). */
	if (h->version != ISAKMP_VERSION) {
		*why = IKE_DROP_VERSION;
		return false;
	}
	if (h->len != len) {
		*why = IKE_DROP_LENGTH;
		return false;
	}
	switch (h->exch) {
	case ISAKMP_EXCH_IDPROT:
	case ISAKMP_EXCH_AGGR:
	case ISAKMP_EXCH_INFO:
	case ISAKMP_EXCH_QUICK:
		break;
	default:
		*why = IKE_DROP_EXCHANGE;
		return false;
	}
	/* Commit is tolerated (and ignored); authentication-only is not
	 * supported; undefined bits are refused. */
	if (h->flags & ~(ISAKMP_FLAG_E | ISAKMP_FLAG_C)) {
		*why = IKE_DROP_FLAGS;
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Payload chain (RFC 2408 s3.2) */

static bool
pld_known(uint8_t type)
{
	return (type >= ISAKMP_PLD_SA && type <= ISAKMP_PLD_VID) || type == ISAKMP_PLD_NATD ||
	       type == ISAKMP_PLD_NATOA || type == ISAKMP_PLD_NATD_DRAFT ||
	       type == ISAKMP_PLD_NATOA_DRAFT;
}

bool
ike_chain_parse(const uint8_t *p, size_t len, uint8_t np, bool padded, struct ike_msg *m,
		enum ike_stat *why)
{
	size_t off = 0;

	m->n = 0;
	m->skipped = 0;
	m->chain = p;
	while (np != ISAKMP_PLD_NONE) {
		struct isakmp_gen_wire g;
		size_t left = len - off;
		uint16_t plen;

		if (left < sizeof(g)) {
			*why = IKE_DROP_TRUNCATED;
			return false;
		}
		memcpy(&g, p + off, sizeof(g));
		plen = get16(g.pld_length);
		if (plen < sizeof(g)) {
			*why = IKE_DROP_PLD_LENGTH;
			return false;
		}
		if (left < plen) {
			*why = IKE_DROP_TRUNCATED;
			return false;
		}
		if (np == ISAKMP_PLD_P || np == ISAKMP_PLD_T) {
			/* only ever nested inside an SA payload */
			*why = IKE_DROP_UNEXPECTED;
			return false;
		}
		if (pld_known(np)) {
			struct ike_pld *pl;

			if (m->n == IKE_MSG_PLD_MAX) {
				*why = IKE_DROP_TOO_MANY;
				return false;
			}
			pl = &m->pld[m->n++];
			pl->type = np;
			pl->len = plen;
			pl->raw = p + off;
			pl->body = p + off + sizeof(g);
			pl->body_len = (uint16_t)(plen - sizeof(g));
		} else if (g.pld_reserved & ISAKMP_CRITICAL) {
			*why = IKE_DROP_CRITICAL;
			return false;
		} else {
			m->skipped++;
		}
		np = g.pld_np;
		off += plen;
	}
	m->chain_len = off;
	/* Encrypted messages carry cipher padding after the chain. */
	if (off != len && (!padded || len - off > IKE_PAD_MAX)) {
		*why = IKE_DROP_TRAILING;
		return false;
	}
	return true;
}

const struct ike_pld *
ike_msg_find(const struct ike_msg *m, uint8_t type, unsigned nth)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->pld[i].type == type && nth-- == 0)
			return &m->pld[i];
	return NULL;
}

unsigned
ike_msg_count(const struct ike_msg *m, uint8_t type)
{
	unsigned c = 0;

	for (unsigned i = 0; i < m->n; i++)
		c += m->pld[i].type == type;
	return c;
}

/* ------------------------------------------------------------------ */
/* Simple payloads: KE, HASH, SIG, NONCE, VID, NAT-D (opaque data) */

bool
ike_data_validate(const struct ike_pld *pl, size_t min, size_t max, enum ike_stat *why)
{
	if (pl->body_len < min || pl->body_len > max) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	return true;
}

void
ike_data_parse(const struct ike_pld *pl, struct ike_pl_data *out)
{
	out->data = pl->body;
	out->len = pl->body_len;
}

/* ID (RFC 2407 s4.6.2): type, protocol, port, data */

static bool
id_data_len_ok(uint8_t type, size_t len)
{
	switch (type) {
	case ID_IPV4_ADDR:
		return len == 4;
	case ID_IPV4_ADDR_SUBNET:
	case ID_IPV4_ADDR_RANGE:
		return len == 8;
	case ID_IPV6_ADDR:
		return len == 16;
	case ID_FQDN:
	case ID_USER_FQDN:
	case ID_KEY_ID:
		return len >= 1 && len <= IKE_ID_MAX;
	default:
		return true; /* other types: judged by the exchange */
	}
}

bool
ike_id_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	if (pl->body_len < ID_FIXED_LEN ||
	    !id_data_len_ok(pl->body[0], pl->body_len - ID_FIXED_LEN)) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	return true;
}

void
ike_id_parse(const struct ike_pld *pl, struct ike_pl_id *out)
{
	out->type = pl->body[0];
	out->proto = pl->body[1];
	out->port = get16(pl->body + 2);
	out->data = pl->body + ID_FIXED_LEN;
	out->len = (uint16_t)(pl->body_len - ID_FIXED_LEN);
}

/* Notification (RFC 2408 s3.14) */

bool
ike_notify_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	uint32_t doi;

	if (pl->body_len < N_FIXED_LEN) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	doi = get32(pl->body);
	if ((doi != 0 && doi != IPSEC_DOI) || pl->body_len - N_FIXED_LEN < pl->body[5]) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	return true;
}

void
ike_notify_parse(const struct ike_pld *pl, struct ike_pl_notify *out)
{
	out->doi = get32(pl->body);
	out->proto = pl->body[4];
	out->spi_size = pl->body[5];
	out->type = get16(pl->body + 6);
	out->spi = pl->body + N_FIXED_LEN;
	out->data = out->spi + out->spi_size;
	out->data_len = (uint16_t)(pl->body_len - N_FIXED_LEN - out->spi_size);
}

/* Delete (RFC 2408 s3.15): the SPIs must fill the payload exactly. */

bool
ike_delete_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	size_t need;

	if (pl->body_len < D_FIXED_LEN) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	need = (size_t)pl->body[5] * get16(pl->body + 6);
	if (get32(pl->body) != IPSEC_DOI || pl->body[5] == 0 || need == 0 ||
	    (size_t)pl->body_len - D_FIXED_LEN != need) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	return true;
}

void
ike_delete_parse(const struct ike_pld *pl, struct ike_pl_delete *out)
{
	out->doi = get32(pl->body);
	out->proto = pl->body[4];
	out->spi_size = pl->body[5];
	out->nspi = get16(pl->body + 6);
	out->spis = pl->body + D_FIXED_LEN;
}

/* NAT-OA (RFC 3947 s5.2): IPv4 only */

bool
ike_natoa_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	if (pl->body_len != NATOA_FIXED_LEN + 4 || pl->body[0] != ID_IPV4_ADDR) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	return true;
}

void
ike_natoa_parse(const struct ike_pld *pl, struct ike_pl_natoa *out)
{
	out->id_type = pl->body[0];
	out->addr = get32(pl->body + NATOA_FIXED_LEN);
}

/* CERT and CR (RFC 2408 s3.9, s3.10) */

bool
ike_cert_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	if (pl->body_len < CERT_FIXED_LEN ||
	    (pl->type == ISAKMP_PLD_CERT && pl->body_len == CERT_FIXED_LEN)) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	return true;
}

void
ike_cert_parse(const struct ike_pld *pl, struct ike_pl_cert *out)
{
	out->encoding = pl->body[0];
	out->data = pl->body + CERT_FIXED_LEN;
	out->len = (uint16_t)(pl->body_len - CERT_FIXED_LEN);
}

/* ------------------------------------------------------------------ */
/* Every payload of a message, each by its own validator */

bool
ike_msg_validate(const struct ike_msg *m, enum ike_stat *why)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pld *pl = &m->pld[i];
		bool ok;

		switch (pl->type) {
		case ISAKMP_PLD_SA:
			ok = ike_sa_validate(pl, why);
			break;
		case ISAKMP_PLD_KE:
			ok = ike_data_validate(pl, 1, 1024, why);
			break;
		case ISAKMP_PLD_ID:
			ok = ike_id_validate(pl, why);
			break;
		case ISAKMP_PLD_CERT:
		case ISAKMP_PLD_CR:
			ok = ike_cert_validate(pl, why);
			break;
		case ISAKMP_PLD_HASH:
		case ISAKMP_PLD_NATD:
		case ISAKMP_PLD_NATD_DRAFT:
			ok = ike_data_validate(pl, 1, 64, why);
			break;
		case ISAKMP_PLD_SIG:
			ok = ike_data_validate(pl, 1, 1024, why);
			break;
		case ISAKMP_PLD_NONCE:
			ok = ike_data_validate(pl, NONCE_MIN, NONCE_MAX, why);
			break;
		case ISAKMP_PLD_N:
			ok = ike_notify_validate(pl, why);
			break;
		case ISAKMP_PLD_D:
			ok = ike_delete_validate(pl, why);
			break;
		case ISAKMP_PLD_VID:
			ok = ike_data_validate(pl, 1, 512, why);
			break;
		case ISAKMP_PLD_NATOA:
		case ISAKMP_PLD_NATOA_DRAFT:
			ok = ike_natoa_validate(pl, why);
			break;
		default:
			*why = IKE_DROP_UNEXPECTED;
			ok = false;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Builders */

void
ike_wb_init(struct ike_wbuf *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->np_at = SIZE_MAX; /* no header yet: the caller knows the first type */
	w->overflow = false;
}

uint8_t *
ike_wb_put(struct ike_wbuf *w, const void *data, size_t len)
{
	uint8_t *p;

	if (w->overflow || w->cap - w->len < len) {
		w->overflow = true;
		return NULL;
	}
	p = w->buf + w->len;
	if (data != NULL)
		memcpy(p, data, len);
	else
		memset(p, 0, len);
	w->len += len;
	return p;
}

void
ike_wb_put8(struct ike_wbuf *w, uint8_t v)
{
	ike_wb_put(w, &v, 1);
}

void
ike_wb_put16(struct ike_wbuf *w, uint16_t v)
{
	uint8_t b[2];

	put16(b, v);
	ike_wb_put(w, b, 2);
}

void
ike_wb_put32(struct ike_wbuf *w, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	ike_wb_put(w, b, 4);
}

void
ike_wb_hdr(struct ike_wbuf *w, const struct ike_hdr *h)
{
	ike_wb_hdr_version(w, h, ISAKMP_VERSION);
}

/* IKEv1 and IKEv2 share the header's layout; only the version differs. */
void
ike_wb_hdr_version(struct ike_wbuf *w, const struct ike_hdr *h, uint8_t version)
{
	struct isakmp_hdr_wire hw;
	size_t at = w->len;

	memcpy(hw.ih_icookie, h->icookie, 8);
	memcpy(hw.ih_rcookie, h->rcookie, 8);
	hw.ih_np = ISAKMP_PLD_NONE; /* IKEV2_PLD_NONE too */
	hw.ih_version = version;
	hw.ih_exch = h->exch;
	hw.ih_flags = h->flags;
	put32(hw.ih_msgid, h->msgid);
	put32(hw.ih_length, 0);
	ike_wb_put(w, &hw, sizeof(hw));
	w->np_at = at + offsetof(struct isakmp_hdr_wire, ih_np);
}

/* Patch the header's length; the header is at offset 0. */
void
ike_wb_hdr_finish(struct ike_wbuf *w)
{
	if (!w->overflow && w->len >= ISAKMP_HDR_LEN)
		put32(w->buf + offsetof(struct isakmp_hdr_wire, ih_length), (uint32_t)w->len);
}

size_t
ike_wb_pld_begin(struct ike_wbuf *w, uint8_t type)
{
	size_t off = w->len;

	if (ike_wb_put(w, NULL, ISAKMP_GEN_LEN) == NULL)
		return off;
	if (w->np_at != SIZE_MAX)
		w->buf[w->np_at] = type;
	w->np_at = off;
	return off;
}

void
ike_wb_pld_end(struct ike_wbuf *w, size_t off)
{
	if (w->overflow || w->len - off > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	put16(w->buf + off + 2, (uint16_t)(w->len - off));
}

void
ike_build_data(struct ike_wbuf *w, uint8_t type, const uint8_t *d, size_t len)
{
	size_t off = ike_wb_pld_begin(w, type);

	ike_wb_put(w, d, len);
	ike_wb_pld_end(w, off);
}

void
ike_build_id(struct ike_wbuf *w, const struct ike_pl_id *id)
{
	size_t off = ike_wb_pld_begin(w, ISAKMP_PLD_ID);

	ike_wb_put8(w, id->type);
	ike_wb_put8(w, id->proto);
	ike_wb_put16(w, id->port);
	ike_wb_put(w, id->data, id->len);
	ike_wb_pld_end(w, off);
}

void
ike_build_notify(struct ike_wbuf *w, const struct ike_pl_notify *n)
{
	size_t off = ike_wb_pld_begin(w, ISAKMP_PLD_N);

	ike_wb_put32(w, n->doi);
	ike_wb_put8(w, n->proto);
	ike_wb_put8(w, n->spi_size);
	ike_wb_put16(w, n->type);
	ike_wb_put(w, n->spi, n->spi_size);
	ike_wb_put(w, n->data, n->data_len);
	ike_wb_pld_end(w, off);
}

void
ike_build_delete(struct ike_wbuf *w, const struct ike_pl_delete *d)
{
	size_t off = ike_wb_pld_begin(w, ISAKMP_PLD_D);

	ike_wb_put32(w, d->doi);
	ike_wb_put8(w, d->proto);
	ike_wb_put8(w, d->spi_size);
	ike_wb_put16(w, d->nspi);
	ike_wb_put(w, d->spis, (size_t)d->nspi * d->spi_size);
	ike_wb_pld_end(w, off);
}

void
ike_build_natoa(struct ike_wbuf *w, uint8_t type, uint32_t addr)
{
	size_t off = ike_wb_pld_begin(w, type);

	ike_wb_put8(w, ID_IPV4_ADDR);
	ike_wb_put(w, NULL, 3);
	ike_wb_put32(w, addr);
	ike_wb_pld_end(w, off);
}

void
ike_build_cert(struct ike_wbuf *w, uint8_t type, const struct ike_pl_cert *c)
{
	size_t off = ike_wb_pld_begin(w, type);

	ike_wb_put8(w, c->encoding);
	ike_wb_put(w, c->data, c->len);
	ike_wb_pld_end(w, off);
}

/* ------------------------------------------------------------------ */
/* Names for logs */

const char *
ike_pld_name(uint8_t type)
{
	static const char *const names[] = {
		[ISAKMP_PLD_NONE] = "NONE",   [ISAKMP_PLD_SA] = "SA",
		[ISAKMP_PLD_P] = "P",         [ISAKMP_PLD_T] = "T",
		[ISAKMP_PLD_KE] = "KE",       [ISAKMP_PLD_ID] = "ID",
		[ISAKMP_PLD_CERT] = "CERT",   [ISAKMP_PLD_CR] = "CR",
		[ISAKMP_PLD_HASH] = "HASH",   [ISAKMP_PLD_SIG] = "SIG",
		[ISAKMP_PLD_NONCE] = "NONCE", [ISAKMP_PLD_N] = "N",
		[ISAKMP_PLD_D] = "D",         [ISAKMP_PLD_VID] = "VID",
		[ISAKMP_PLD_NATD] = "NAT-D",  [ISAKMP_PLD_NATOA] = "NAT-OA",
	};

	if (type == ISAKMP_PLD_NATD_DRAFT)
		return "NAT-D(draft)";
	if (type == ISAKMP_PLD_NATOA_DRAFT)
		return "NAT-OA(draft)";
	if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
		return names[type];
	return "unknown";
}

const char *
ike_exch_name(uint8_t exch)
{
	switch (exch) {
	case ISAKMP_EXCH_IDPROT:
		return "Main";
	case ISAKMP_EXCH_AGGR:
		return "Aggressive";
	case ISAKMP_EXCH_INFO:
		return "Informational";
	case ISAKMP_EXCH_QUICK:
		return "Quick";
	default:
		return "unknown";
	}
}

const char *
ike_notify_name(uint16_t type)
{
	switch (type) {
	case N_INVALID_PAYLOAD_TYPE:
		return "INVALID-PAYLOAD-TYPE";
	case N_INVALID_COOKIE:
		return "INVALID-COOKIE";
	case N_INVALID_EXCHANGE_TYPE:
		return "INVALID-EXCHANGE-TYPE";
	case N_INVALID_MESSAGE_ID:
		return "INVALID-MESSAGE-ID";
	case N_INVALID_SPI:
		return "INVALID-SPI";
	case N_NO_PROPOSAL_CHOSEN:
		return "NO-PROPOSAL-CHOSEN";
	case N_PAYLOAD_MALFORMED:
		return "PAYLOAD-MALFORMED";
	case N_INVALID_KEY_INFO:
		return "INVALID-KEY-INFORMATION";
	case N_INVALID_ID_INFO:
		return "INVALID-ID-INFORMATION";
	case N_INVALID_HASH_INFO:
		return "INVALID-HASH-INFORMATION";
	case N_AUTHENTICATION_FAILED:
		return "AUTHENTICATION-FAILED";
	case N_RESPONDER_LIFETIME:
		return "RESPONDER-LIFETIME";
	case N_REPLAY_STATUS:
		return "REPLAY-STATUS";
	case N_INITIAL_CONTACT:
		return "INITIAL-CONTACT";
	case N_R_U_THERE:
		return "R-U-THERE";
	case N_R_U_THERE_ACK:
		return "R-U-THERE-ACK";
	default:
		return "other";
	}
}
