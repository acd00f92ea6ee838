/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 codec (RFC 7296 s3, RFC 7383 s2.5): header, payload chain, typed
 * payloads, builders. What IKEv1 shares (the chain types, the cursor, the
 * write buffer, the attribute format) comes from codec.c and sapld.c.
 */
#include <stdint.h>
#include <string.h>

#include "v2_codec.h"

#define V2_PROP_LEN  (ISAKMP_GEN_LEN + sizeof(struct ikev2_prop_wire))
#define V2_XFORM_LEN (ISAKMP_GEN_LEN + sizeof(struct ikev2_xform_wire))
#define V2_TS_LEN    sizeof(struct ikev2_ts_wire)

static bool
fail(enum ike_stat *why, enum ike_stat reason)
{
	*why = reason;
	return false;
}

/* ------------------------------------------------------------------ */
/* Header (s3.1) */

bool
ike_v2_hdr_validate(const uint8_t *buf, size_t len, struct ike_hdr *h, enum ike_stat *why)
{
	struct isakmp_hdr_wire w;

	if (len < sizeof(w))
		return fail(why, IKE_DROP_SHORT);
	if (len > IKE_MSG_MAX)
		return fail(why, IKE_DROP_LONG);
	memcpy(&w, buf, sizeof(w));
	memcpy(h->icookie, w.ih_icookie, 8);
	memcpy(h->rcookie, w.ih_rcookie, 8);
	h->np = w.ih_np;
	h->version = w.ih_version;
	h->exch = w.ih_exch;
	h->flags = w.ih_flags;
	h->msgid = get32(w.ih_msgid);
	h->len = get32(w.ih_length);

	/* A higher major version has its own reason: s2.5 wants it answered
	 * with INVALID_MAJOR_VERSION, which needs the header parsed above.
	 * The minor version is ignored on receipt (s2.5). */
	if ((h->version >> 4) > IKEV2_MAJOR)
		return fail(why, IKE_DROP_V2_MAJOR);
	if ((h->version >> 4) != IKEV2_MAJOR)
		return fail(why, IKE_DROP_VERSION);
	if (h->len != len)
		return fail(why, IKE_DROP_LENGTH);
	switch (h->exch) {
	case IKEV2_EXCH_IKE_SA_INIT:
	case IKEV2_EXCH_IKE_AUTH:
	case IKEV2_EXCH_CREATE_CHILD_SA:
	case IKEV2_EXCH_INFORMATIONAL:
		break;
	default:
		return fail(why, IKE_DROP_EXCHANGE);
	}
	/* Reserved flag bits are ignored, not refused: s3.1 says so, and a
	 * future peer may use them. */
	return true;
}

/* ------------------------------------------------------------------ */
/* Payload chain (s3.2) */

static bool
v2_pld_known(uint8_t type)
{
	return (type >= IKEV2_PLD_SA && type <= IKEV2_PLD_EAP) || type == IKEV2_PLD_SKF;
}

bool
ike_v2_chain_parse(const uint8_t *p, size_t len, uint8_t np, bool inner, struct ike_msg *m,
		   uint8_t *crit, enum ike_stat *why)
{
	size_t off = 0;

	m->n = 0;
	m->skipped = 0;
	m->chain = p;
	*crit = IKEV2_PLD_NONE;
	while (np != IKEV2_PLD_NONE) {
		struct isakmp_gen_wire g;
		size_t left = len - off;
		bool sk = np == IKEV2_PLD_SK || np == IKEV2_PLD_SKF;
		uint16_t plen;

		if (left < sizeof(g))
			return fail(why, IKE_DROP_TRUNCATED);
		memcpy(&g, p + off, sizeof(g));
		plen = get16(g.pld_length);
		if (plen < sizeof(g))
			return fail(why, IKE_DROP_PLD_LENGTH);
		if (left < plen)
			return fail(why, IKE_DROP_TRUNCATED);
		if (sk && inner)
			return fail(why, IKE_DROP_UNEXPECTED);
		/* SK's next-payload byte names the first payload inside it,
		 * not a successor: nothing may follow it (s3.14). */
		if (sk && plen != left)
			return fail(why, IKE_DROP_V2_SK_NOT_LAST);
		if (v2_pld_known(np)) {
			struct ike_pld *pl;

			if (m->n == IKE_MSG_PLD_MAX)
				return fail(why, IKE_DROP_TOO_MANY);
			pl = &m->pld[m->n++];
			pl->type = np;
			pl->len = plen;
			pl->raw = p + off;
			pl->body = p + off + sizeof(g);
			pl->body_len = (uint16_t)(plen - sizeof(g));
		} else if (g.pld_reserved & ISAKMP_CRITICAL) {
			/* The engine answers UNSUPPORTED_CRITICAL_PAYLOAD
			 * with this type (s2.5). */
			*crit = np;
			return fail(why, IKE_DROP_CRITICAL);
		} else {
			m->skipped++;
		}
		np = sk ? IKEV2_PLD_NONE : g.pld_np;
		off += plen;
	}
	m->chain_len = off;
	/* IKEv2 pads only inside SK, which the engine strips before an
	 * inner walk: nothing may follow the last payload. */
	if (off != len)
		return fail(why, IKE_DROP_TRAILING);
	return true;
}

/* ------------------------------------------------------------------ */
/* SA (s3.3): proposals, transforms, attributes. The validator checks the
 * whole nested structure once; after it, the iterators cannot run off. */

/* Follow the transforms' own last/more chain to the proposal's end, then
 * hold the count against it: a count that lies is told apart from
 * lengths that do. Unknown transform types and attributes pass: s3.3.6
 * has the engine reject the proposal, not the message. */
static bool
v2_xforms_validate(const uint8_t *p, size_t left, unsigned ntrans, enum ike_stat *why)
{
	unsigned n = 0;
	uint8_t more = IKEV2_XFORM_MORE;

	while (more == IKEV2_XFORM_MORE) {
		struct isakmp_gen_wire g;
		uint16_t len;

		if (left < V2_XFORM_LEN)
			return fail(why, IKE_DROP_NESTED);
		memcpy(&g, p, sizeof(g));
		len = get16(g.pld_length);
		if (len < V2_XFORM_LEN || left < len)
			return fail(why, IKE_DROP_NESTED);
		if (g.pld_np != IKEV2_XFORM_MORE && g.pld_np != IKEV2_PLD_NONE)
			return fail(why, IKE_DROP_NESTED);
		if (!ike_attrs_validate(p + V2_XFORM_LEN, len - V2_XFORM_LEN))
			return fail(why, IKE_DROP_NESTED);
		n++;
		more = g.pld_np;
		p += len;
		left -= len;
	}
	if (left != 0)
		return fail(why, IKE_DROP_NESTED);
	if (n != ntrans)
		return fail(why, IKE_DROP_V2_XFORM_COUNT);
	return true;
}

static bool
v2_spi_size_ok(uint8_t proto, uint8_t size)
{
	/* s3.3.1: none in IKE_SA_INIT, the new SPI when rekeying the IKE
	 * SA; AH and ESP SPIs are 4 bytes. */
	if (proto == IKEV2_PROTO_IKE)
		return size == 0 || size == 8;
	return size == 4;
}

bool
ike_v2_sa_validate(const struct ike_pld *pl, bool reply, enum ike_stat *why)
{
	const uint8_t *p = pl->body;
	size_t left = pl->body_len;
	uint8_t more = IKEV2_PROP_MORE;
	unsigned n = 0;

	if (left == 0)
		return fail(why, IKE_DROP_MALFORMED);
	while (more == IKEV2_PROP_MORE) {
		struct isakmp_gen_wire g;
		struct ikev2_prop_wire pw;
		uint16_t len;
		size_t fixed;

		if (left < V2_PROP_LEN)
			return fail(why, IKE_DROP_NESTED);
		memcpy(&g, p, sizeof(g));
		memcpy(&pw, p + sizeof(g), sizeof(pw));
		len = get16(g.pld_length);
		fixed = V2_PROP_LEN + (size_t)pw.pr_spi_size;
		if (len < fixed || left < len)
			return fail(why, IKE_DROP_NESTED);
		if (g.pld_np != IKEV2_PROP_MORE && g.pld_np != IKEV2_PLD_NONE)
			return fail(why, IKE_DROP_NESTED);
		n++;
		/* A request numbers its proposals 1, 2, ...; a reply holds
		 * one, numbered as the proposal it accepted (s3.3.1). */
		if (reply ? n > 1 || pw.pr_num == 0 : pw.pr_num != n)
			return fail(why, IKE_DROP_V2_PROP_NUM);
		/* AH passes so that the engine can skip its proposal rather
		 * than refuse the message. */
		if (pw.pr_proto != IKEV2_PROTO_IKE && pw.pr_proto != IKEV2_PROTO_AH &&
		    pw.pr_proto != IKEV2_PROTO_ESP)
			return fail(why, IKE_DROP_V2_PROTO);
		if (!v2_spi_size_ok(pw.pr_proto, pw.pr_spi_size))
			return fail(why, IKE_DROP_V2_SPI_SIZE);
		if (!v2_xforms_validate(p + fixed, len - fixed, pw.pr_ntrans, why))
			return false;
		more = g.pld_np;
		p += len;
		left -= len;
	}
	if (left != 0)
		return fail(why, IKE_DROP_NESTED);
	return true;
}

void
ike_v2_sa_parse(const struct ike_pld *pl, struct ike_v2_pl_sa *out)
{
	out->props = pl->body;
	out->props_len = pl->body_len;
}

void
ike_v2_prop_iter(const struct ike_v2_pl_sa *sa, struct ike_iter *it)
{
	it->p = sa->props;
	it->left = sa->props_len;
}

bool
ike_v2_prop_next(struct ike_iter *it, struct ike_prop *out)
{
	struct ikev2_prop_wire pw;
	size_t len, fixed;

	if (it->left < V2_PROP_LEN)
		return false;
	len = get16(it->p + 2);
	memcpy(&pw, it->p + ISAKMP_GEN_LEN, sizeof(pw));
	fixed = V2_PROP_LEN + (size_t)pw.pr_spi_size;
	if (len < fixed || len > it->left)
		return false;
	out->num = pw.pr_num;
	out->proto = pw.pr_proto;
	out->spi_size = pw.pr_spi_size;
	out->ntrans = pw.pr_ntrans;
	out->spi = it->p + V2_PROP_LEN;
	out->xforms = it->p + fixed;
	out->xforms_len = (uint16_t)(len - fixed);
	it->p += len;
	it->left -= len;
	return true;
}

void
ike_v2_xform_iter(const struct ike_prop *p, struct ike_iter *it)
{
	it->p = p->xforms;
	it->left = p->xforms_len;
}

bool
ike_v2_xform_next(struct ike_iter *it, struct ike_v2_xform *out)
{
	struct ikev2_xform_wire xw;
	size_t len;

	if (it->left < V2_XFORM_LEN)
		return false;
	len = get16(it->p + 2);
	if (len < V2_XFORM_LEN || len > it->left)
		return false;
	memcpy(&xw, it->p + ISAKMP_GEN_LEN, sizeof(xw));
	out->type = xw.xf_type;
	out->id = get16(xw.xf_id);
	out->raw = it->p;
	out->raw_len = (uint16_t)len;
	out->attrs = it->p + V2_XFORM_LEN;
	out->attrs_len = (uint16_t)(len - V2_XFORM_LEN);
	it->p += len;
	it->left -= len;
	return true;
}

/* The attribute format is ISAKMP's (s3.3.5): ike_attr_next reads it. */
void
ike_v2_attr_iter(const struct ike_v2_xform *x, struct ike_iter *it)
{
	it->p = x->attrs;
	it->left = x->attrs_len;
}

/* ------------------------------------------------------------------ */
/* KE (s3.4): the data's length against the group is the engine's check,
 * which answers INVALID_KE_PAYLOAD for a group it does not want. */

bool
ike_v2_ke_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	if (pl->body_len <= sizeof(struct ikev2_ke_wire))
		return fail(why, IKE_DROP_MALFORMED);
	return true;
}

void
ike_v2_ke_parse(const struct ike_pld *pl, struct ike_v2_pl_ke *out)
{
	struct ikev2_ke_wire kw;

	memcpy(&kw, pl->body, sizeof(kw));
	out->group = get16(kw.ke_group);
	out->data = pl->body + sizeof(kw);
	out->len = (uint16_t)(pl->body_len - sizeof(kw));
}

/* ID (s3.5) and AUTH (s3.8): a type or method, 3 reserved, the data. */

static bool
v2_id_len_ok(uint8_t type, size_t len)
{
	switch (type) {
	case IKEV2_ID_IPV4_ADDR:
		return len == 4;
	case IKEV2_ID_IPV6_ADDR:
		return len == 16;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
	case IKEV2_ID_KEY_ID:
		return len >= 1 && len <= IKE_ID_MAX;
	default:
		return len >= 1; /* other types: judged by the exchange */
	}
}

bool
ike_v2_id_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	struct ikev2_id_wire iw;

	if (pl->body_len < sizeof(iw))
		return fail(why, IKE_DROP_MALFORMED);
	memcpy(&iw, pl->body, sizeof(iw));
	if (!v2_id_len_ok(iw.id_type, pl->body_len - sizeof(iw)))
		return fail(why, IKE_DROP_MALFORMED);
	return true;
}

void
ike_v2_id_parse(const struct ike_pld *pl, struct ike_v2_pl_id *out)
{
	struct ikev2_id_wire iw;

	memcpy(&iw, pl->body, sizeof(iw));
	out->type = iw.id_type;
	out->data = pl->body + sizeof(iw);
	out->len = (uint16_t)(pl->body_len - sizeof(iw));
}

bool
ike_v2_auth_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	if (pl->body_len <= sizeof(struct ikev2_id_wire))
		return fail(why, IKE_DROP_MALFORMED);
	return true;
}

void
ike_v2_auth_parse(const struct ike_pld *pl, struct ike_v2_pl_id *out)
{
	ike_v2_id_parse(pl, out);
}

/* Nonce (s3.9, s2.10); parsed by ike_data_parse. */

bool
ike_v2_nonce_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	if (pl->body_len < IKEV2_NONCE_MIN || pl->body_len > IKEV2_NONCE_MAX)
		return fail(why, IKE_DROP_V2_NONCE);
	return true;
}

/* Notify (s3.10): the SPI's size by protocol is the notification's to
 * define, but none is other than 0, 4 or 8. */

bool
ike_v2_notify_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	struct ikev2_notify_wire nw;

	if (pl->body_len < sizeof(nw))
		return fail(why, IKE_DROP_MALFORMED);
	memcpy(&nw, pl->body, sizeof(nw));
	if (nw.n_spi_size != 0 && nw.n_spi_size != 4 && nw.n_spi_size != 8)
		return fail(why, IKE_DROP_V2_SPI_SIZE);
	if (pl->body_len - sizeof(nw) < nw.n_spi_size)
		return fail(why, IKE_DROP_MALFORMED);
	return true;
}

void
ike_v2_notify_parse(const struct ike_pld *pl, struct ike_v2_pl_notify *out)
{
	struct ikev2_notify_wire nw;

	memcpy(&nw, pl->body, sizeof(nw));
	out->proto = nw.n_proto;
	out->spi_size = nw.n_spi_size;
	out->type = get16(nw.n_type);
	out->spi = pl->body + sizeof(nw);
	out->data = out->spi + out->spi_size;
	out->data_len = (uint16_t)(pl->body_len - sizeof(nw) - out->spi_size);
}

/* Delete (s3.11): the IKE SA's has no SPI (its own are in the header);
 * AH and ESP SPIs must fill the payload exactly. */

bool
ike_v2_delete_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	struct ikev2_delete_wire dw;
	uint16_t nspi;

	if (pl->body_len < sizeof(dw))
		return fail(why, IKE_DROP_MALFORMED);
	memcpy(&dw, pl->body, sizeof(dw));
	nspi = get16(dw.d_nspi);
	switch (dw.d_proto) {
	case IKEV2_PROTO_IKE:
		if (dw.d_spi_size != 0)
			return fail(why, IKE_DROP_V2_SPI_SIZE);
		if (nspi != 0 || pl->body_len != sizeof(dw))
			return fail(why, IKE_DROP_V2_DELETE);
		return true;
	case IKEV2_PROTO_AH:
	case IKEV2_PROTO_ESP:
		if (dw.d_spi_size != 4)
			return fail(why, IKE_DROP_V2_SPI_SIZE);
		if (nspi == 0 || (size_t)pl->body_len - sizeof(dw) != (size_t)nspi * 4)
			return fail(why, IKE_DROP_V2_DELETE);
		return true;
	default:
		return fail(why, IKE_DROP_V2_PROTO);
	}
}

void
ike_v2_delete_parse(const struct ike_pld *pl, struct ike_v2_pl_delete *out)
{
	struct ikev2_delete_wire dw;

	memcpy(&dw, pl->body, sizeof(dw));
	out->proto = dw.d_proto;
	out->spi_size = dw.d_spi_size;
	out->nspi = get16(dw.d_nspi);
	out->spis = pl->body + sizeof(dw);
}

/* Traffic selectors (s3.13): count, then that many selectors, filling
 * the payload exactly, each of its type's length and ordered. */

static size_t
v2_ts_len(uint8_t type)
{
	switch (type) {
	case IKEV2_TS_IPV4_ADDR_RANGE:
		return IKEV2_TS_IPV4_LEN;
	case IKEV2_TS_IPV6_ADDR_RANGE:
		return IKEV2_TS_IPV6_LEN;
	default:
		return 0;
	}
}

bool
ike_v2_ts_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	struct ikev2_tsp_wire tw;
	const uint8_t *p;
	size_t left;
	unsigned n = 0;

	if (pl->body_len < sizeof(tw))
		return fail(why, IKE_DROP_MALFORMED);
	memcpy(&tw, pl->body, sizeof(tw));
	p = pl->body + sizeof(tw);
	left = pl->body_len - sizeof(tw);
	while (left > 0) {
		struct ikev2_ts_wire sw;
		uint16_t len, sport, eport;
		size_t alen;

		if (left < sizeof(sw))
			return fail(why, IKE_DROP_NESTED);
		memcpy(&sw, p, sizeof(sw));
		len = get16(sw.ts_length);
		if (len < sizeof(sw) || left < len)
			return fail(why, IKE_DROP_NESTED);
		if (v2_ts_len(sw.ts_type) == 0 || len != v2_ts_len(sw.ts_type))
			return fail(why, IKE_DROP_V2_TS_TYPE);
		sport = get16(sw.ts_sport);
		eport = get16(sw.ts_eport);
		alen = (len - sizeof(sw)) / 2;
		/* 65535..0 is OPAQUE (s3.13.1), the one range allowed to
		 * run backwards. */
		if (sport > eport && !(sport == UINT16_MAX && eport == 0))
			return fail(why, IKE_DROP_V2_TS_RANGE);
		if (memcmp(p + sizeof(sw), p + sizeof(sw) + alen, alen) > 0)
			return fail(why, IKE_DROP_V2_TS_RANGE);
		n++;
		p += len;
		left -= len;
	}
	if (n == 0 || n != tw.tsp_count)
		return fail(why, IKE_DROP_V2_TS_COUNT);
	return true;
}

void
ike_v2_ts_parse(const struct ike_pld *pl, struct ike_v2_pl_ts *out)
{
	struct ikev2_tsp_wire tw;

	memcpy(&tw, pl->body, sizeof(tw));
	out->count = tw.tsp_count;
	out->sels = pl->body + sizeof(tw);
	out->sels_len = (uint16_t)(pl->body_len - sizeof(tw));
}

void
ike_v2_ts_iter(const struct ike_v2_pl_ts *ts, struct ike_iter *it)
{
	it->p = ts->sels;
	it->left = ts->sels_len;
}

bool
ike_v2_ts_next(struct ike_iter *it, struct ike_v2_ts *out)
{
	struct ikev2_ts_wire sw;
	size_t len;

	if (it->left < sizeof(sw))
		return false;
	memcpy(&sw, it->p, sizeof(sw));
	len = get16(sw.ts_length);
	if (len < sizeof(sw) || len > it->left)
		return false;
	out->type = sw.ts_type;
	out->proto = sw.ts_proto;
	out->sport = get16(sw.ts_sport);
	out->eport = get16(sw.ts_eport);
	out->alen = (uint8_t)((len - sizeof(sw)) / 2);
	out->start = it->p + sizeof(sw);
	out->end = out->start + out->alen;
	it->p += len;
	it->left -= len;
	return true;
}

/* CERT, CERTREQ (s3.6, s3.7): an encoding and data; a CERTREQ may name
 * no CA. Parsed by ike_cert_parse. */

bool
ike_v2_cert_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	if (pl->body_len < CERT_FIXED_LEN ||
	    (pl->type == IKEV2_PLD_CERT && pl->body_len == CERT_FIXED_LEN))
		return fail(why, IKE_DROP_MALFORMED);
	return true;
}

/* SK (s3.14): IV, ciphertext and ICV sizes depend on the SA's cipher,
 * so the engine splits the body. */

void
ike_v2_sk_parse(const struct ike_pld *pl, struct ike_v2_pl_sk *out)
{
	out->np = pl->raw[0];
	out->data = pl->body;
	out->len = pl->body_len;
}

/* SKF (RFC 7383 s2.5) */

bool
ike_v2_skf_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	struct ikev2_skf_wire fw;
	uint16_t num, total;

	if (pl->body_len < sizeof(fw))
		return fail(why, IKE_DROP_MALFORMED);
	memcpy(&fw, pl->body, sizeof(fw));
	num = get16(fw.skf_num);
	total = get16(fw.skf_total);
	if (num == 0 || num > total)
		return fail(why, IKE_DROP_V2_SKF);
	return true;
}

void
ike_v2_skf_parse(const struct ike_pld *pl, struct ike_v2_pl_skf *out)
{
	struct ikev2_skf_wire fw;

	memcpy(&fw, pl->body, sizeof(fw));
	out->np = pl->raw[0];
	out->num = get16(fw.skf_num);
	out->total = get16(fw.skf_total);
	out->data = pl->body + sizeof(fw);
	out->len = (uint16_t)(pl->body_len - sizeof(fw));
}

/* EAP (s3.16): the EAP message's own length must be the body's. */
static bool
v2_eap_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	if (pl->body_len < 4 || get16(pl->body + 2) != pl->body_len)
		return fail(why, IKE_DROP_MALFORMED);
	return true;
}

/* ------------------------------------------------------------------ */
/* Every payload of a message, each by its own validator */

bool
ike_v2_msg_validate(const struct ike_msg *m, enum ike_stat *why)
{
	bool reply = (m->hdr.flags & IKEV2_FLAG_R) != 0;

	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pld *pl = &m->pld[i];
		bool ok;

		switch (pl->type) {
		case IKEV2_PLD_SA:
			ok = ike_v2_sa_validate(pl, reply, why);
			break;
		case IKEV2_PLD_KE:
			ok = ike_v2_ke_validate(pl, why);
			break;
		case IKEV2_PLD_IDI:
		case IKEV2_PLD_IDR:
			ok = ike_v2_id_validate(pl, why);
			break;
		case IKEV2_PLD_CERT:
		case IKEV2_PLD_CERTREQ:
			ok = ike_v2_cert_validate(pl, why);
			break;
		case IKEV2_PLD_AUTH:
			ok = ike_v2_auth_validate(pl, why);
			break;
		case IKEV2_PLD_NONCE:
			ok = ike_v2_nonce_validate(pl, why);
			break;
		case IKEV2_PLD_N:
			ok = ike_v2_notify_validate(pl, why);
			break;
		case IKEV2_PLD_D:
			ok = ike_v2_delete_validate(pl, why);
			break;
		case IKEV2_PLD_VID:
			ok = ike_data_validate(pl, 1, UINT16_MAX, why);
			break;
		case IKEV2_PLD_TSI:
		case IKEV2_PLD_TSR:
			ok = ike_v2_ts_validate(pl, why);
			break;
		case IKEV2_PLD_SK:
			ok = true;
			break;
		case IKEV2_PLD_SKF:
			ok = ike_v2_skf_validate(pl, why);
			break;
		case IKEV2_PLD_CP:
			ok = ike_data_validate(pl, 4, UINT16_MAX, why);
			break;
		case IKEV2_PLD_EAP:
			ok = v2_eap_validate(pl, why);
			break;
		default:
			ok = fail(why, IKE_DROP_UNEXPECTED);
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
ike_v2_wb_hdr(struct ike_wbuf *w, const struct ike_hdr *h)
{
	ike_wb_hdr_version(w, h, IKEV2_VERSION);
}

void
ike_v2_build_ke(struct ike_wbuf *w, uint16_t group, const uint8_t *d, size_t len)
{
	size_t off = ike_wb_pld_begin(w, IKEV2_PLD_KE);

	ike_wb_put16(w, group);
	ike_wb_put16(w, 0);
	ike_wb_put(w, d, len);
	ike_wb_pld_end(w, off);
}

void
ike_v2_build_id(struct ike_wbuf *w, uint8_t pld, uint8_t type, const uint8_t *d, size_t len)
{
	size_t off = ike_wb_pld_begin(w, pld);

	ike_wb_put8(w, type);
	ike_wb_put(w, NULL, 3);
	ike_wb_put(w, d, len);
	ike_wb_pld_end(w, off);
}

void
ike_v2_build_notify(struct ike_wbuf *w, const struct ike_v2_pl_notify *n)
{
	size_t off = ike_wb_pld_begin(w, IKEV2_PLD_N);

	ike_wb_put8(w, n->proto);
	ike_wb_put8(w, n->spi_size);
	ike_wb_put16(w, n->type);
	ike_wb_put(w, n->spi, n->spi_size);
	ike_wb_put(w, n->data, n->data_len);
	ike_wb_pld_end(w, off);
}

void
ike_v2_build_delete(struct ike_wbuf *w, const struct ike_v2_pl_delete *d)
{
	size_t off = ike_wb_pld_begin(w, IKEV2_PLD_D);

	ike_wb_put8(w, d->proto);
	ike_wb_put8(w, d->spi_size);
	ike_wb_put16(w, d->nspi);
	ike_wb_put(w, d->spis, (size_t)d->nspi * d->spi_size);
	ike_wb_pld_end(w, off);
}

void
ike_v2_build_ts(struct ike_wbuf *w, uint8_t pld, const struct ike_v2_ts *ts, unsigned n)
{
	size_t off = ike_wb_pld_begin(w, pld);

	ike_wb_put8(w, (uint8_t)n);
	ike_wb_put(w, NULL, 3);
	for (unsigned i = 0; i < n; i++) {
		ike_wb_put8(w, ts[i].type);
		ike_wb_put8(w, ts[i].proto);
		ike_wb_put16(w, (uint16_t)(V2_TS_LEN + 2 * (size_t)ts[i].alen));
		ike_wb_put16(w, ts[i].sport);
		ike_wb_put16(w, ts[i].eport);
		ike_wb_put(w, ts[i].start, ts[i].alen);
		ike_wb_put(w, ts[i].end, ts[i].alen);
	}
	ike_wb_pld_end(w, off);
}

void
ike_v2_sab_begin(struct ike_v2_sab *b, struct ike_wbuf *w)
{
	b->w = w;
	b->sa_off = ike_wb_pld_begin(w, IKEV2_PLD_SA);
	b->prev_prop = SIZE_MAX;
}

void
ike_v2_sab_prop(struct ike_v2_sab *b, uint8_t num, uint8_t proto, const uint8_t *spi,
		uint8_t spi_size)
{
	struct ike_wbuf *w = b->w;

	if (b->prev_prop != SIZE_MAX && !w->overflow)
		w->buf[b->prev_prop] = IKEV2_PROP_MORE;
	b->prop_off = w->len;
	ike_wb_put(w, NULL, ISAKMP_GEN_LEN);
	ike_wb_put8(w, num);
	ike_wb_put8(w, proto);
	ike_wb_put8(w, spi_size);
	ike_wb_put8(w, 0); /* #transforms, patched by prop_end */
	ike_wb_put(w, spi, spi_size);
	b->prev_prop = b->prop_off;
	b->prev_xf = SIZE_MAX;
	b->nxf = 0;
}

void
ike_v2_sab_xform(struct ike_v2_sab *b, uint8_t type, uint16_t id)
{
	struct ike_wbuf *w = b->w;

	if (b->prev_xf != SIZE_MAX && !w->overflow)
		w->buf[b->prev_xf] = IKEV2_XFORM_MORE;
	b->xf_off = w->len;
	ike_wb_put(w, NULL, ISAKMP_GEN_LEN);
	ike_wb_put8(w, type);
	ike_wb_put8(w, 0);
	ike_wb_put16(w, id);
	b->prev_xf = b->xf_off;
	b->nxf++;
}

void
ike_v2_sab_keylen(struct ike_v2_sab *b, uint16_t bits)
{
	ike_wb_put16(b->w, IKEV2_ATTR_KEY_LENGTH | ISAKMP_ATTR_AF);
	ike_wb_put16(b->w, bits);
}

void
ike_v2_sab_xform_end(struct ike_v2_sab *b)
{
	struct ike_wbuf *w = b->w;

	if (!w->overflow)
		put16(w->buf + b->xf_off + 2, (uint16_t)(w->len - b->xf_off));
}

void
ike_v2_sab_prop_end(struct ike_v2_sab *b)
{
	struct ike_wbuf *w = b->w;

	if (w->overflow)
		return;
	w->buf[b->prop_off + ISAKMP_GEN_LEN + offsetof(struct ikev2_prop_wire, pr_ntrans)] = b->nxf;
	put16(w->buf + b->prop_off + 2, (uint16_t)(w->len - b->prop_off));
}

void
ike_v2_sab_end(struct ike_v2_sab *b)
{
	ike_wb_pld_end(b->w, b->sa_off);
}

/* ------------------------------------------------------------------ */
/* Names for logs */

const char *
ike_v2_pld_name(uint8_t type)
{
	static const char *const names[] = {
		"SA", "KE", "IDi", "IDr", "CERT", "CERTREQ", "AUTH", "Nonce",
		"N",  "D",  "V",   "TSi", "TSr",  "SK",      "CP",   "EAP",
	};

	if (type == IKEV2_PLD_NONE)
		return "NONE";
	if (type == IKEV2_PLD_SKF)
		return "SKF";
	if (type >= IKEV2_PLD_SA && type <= IKEV2_PLD_EAP)
		return names[type - IKEV2_PLD_SA];
	return "unknown";
}

const char *
ike_v2_exch_name(uint8_t exch)
{
	switch (exch) {
	case IKEV2_EXCH_IKE_SA_INIT:
		return "IKE_SA_INIT";
	case IKEV2_EXCH_IKE_AUTH:
		return "IKE_AUTH";
	case IKEV2_EXCH_CREATE_CHILD_SA:
		return "CREATE_CHILD_SA";
	case IKEV2_EXCH_INFORMATIONAL:
		return "INFORMATIONAL";
	default:
		return "unknown";
	}
}
