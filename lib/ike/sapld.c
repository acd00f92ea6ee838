/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SA payload (RFC 2408 s3.4-3.6, RFC 2407 s4.6.1): proposals, transforms,
 * attributes. ike_sa_validate() checks the whole nested structure once:
 * every length inside must agree with the one around it, a last proposal
 * must end the SA payload exactly, a last transform its proposal, and the
 * attributes their transform. After it, the iterators cannot run off.
 */
#include <string.h>

#include "codec.h"

bool
ike_attrs_validate(const uint8_t *p, size_t left)
{
	while (left > 0) {
		uint16_t type, len;

		if (left < 4)
			return false;
		type = get16(p);
		len = (type & ISAKMP_ATTR_AF) ? 0 : get16(p + 2);
		if (left - 4 < len)
			return false;
		p += 4 + len;
		left -= 4 + (size_t)len;
	}
	return true;
}

/* Transforms of one proposal: exactly ntrans of them, filling it. */
static bool
xforms_validate(const uint8_t *p, size_t left, unsigned ntrans)
{
	for (unsigned i = 0; i < ntrans; i++) {
		struct isakmp_gen_wire g;
		uint16_t len;

		if (left < ISAKMP_GEN_LEN + XFORM_FIXED_LEN)
			return false;
		memcpy(&g, p, sizeof(g));
		len = get16(g.pld_length);
		if (len < ISAKMP_GEN_LEN + XFORM_FIXED_LEN || left < len)
			return false;
		if (g.pld_np != (i + 1 == ntrans ? ISAKMP_PLD_NONE : ISAKMP_PLD_T))
			return false;
		if (!ike_attrs_validate(p + ISAKMP_GEN_LEN + XFORM_FIXED_LEN,
					len - ISAKMP_GEN_LEN - XFORM_FIXED_LEN))
			return false;
		p += len;
		left -= len;
	}
	return left == 0;
}

bool
ike_sa_validate(const struct ike_pld *pl, enum ike_stat *why)
{
	const uint8_t *p = pl->body + SA_FIXED_LEN;
	size_t left;
	uint8_t np = ISAKMP_PLD_P;

	if (pl->body_len < SA_FIXED_LEN) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	/* IPsec DOI, identity-only situation (RFC 2407 s4.2) */
	if (get32(pl->body) != IPSEC_DOI || get32(pl->body + 4) != SIT_IDENTITY_ONLY) {
		*why = IKE_DROP_MALFORMED;
		return false;
	}
	left = pl->body_len - SA_FIXED_LEN;
	if (left == 0)
		goto nested;
	while (np == ISAKMP_PLD_P) {
		struct isakmp_gen_wire g;
		uint16_t len;
		uint8_t spi_size, ntrans;
		size_t fixed;

		if (left < ISAKMP_GEN_LEN + PROP_FIXED_LEN)
			goto nested;
		memcpy(&g, p, sizeof(g));
		len = get16(g.pld_length);
		spi_size = p[ISAKMP_GEN_LEN + 2];
		ntrans = p[ISAKMP_GEN_LEN + 3];
		fixed = ISAKMP_GEN_LEN + PROP_FIXED_LEN + (size_t)spi_size;
		if (len < fixed || left < len || ntrans == 0)
			goto nested;
		if (g.pld_np != ISAKMP_PLD_P && g.pld_np != ISAKMP_PLD_NONE)
			goto nested;
		if (!xforms_validate(p + fixed, len - fixed, ntrans))
			goto nested;
		np = g.pld_np;
		p += len;
		left -= len;
	}
	if (left != 0)
		goto nested;
	return true;
nested:
	*why = IKE_DROP_NESTED;
	return false;
}

void
ike_sa_parse(const struct ike_pld *pl, struct ike_pl_sa *out)
{
	out->doi = get32(pl->body);
	out->situation = get32(pl->body + 4);
	out->props = pl->body + SA_FIXED_LEN;
	out->props_len = (uint16_t)(pl->body_len - SA_FIXED_LEN);
}

void
ike_prop_iter(const struct ike_pl_sa *sa, struct ike_iter *it)
{
	it->p = sa->props;
	it->left = sa->props_len;
}

bool
ike_prop_next(struct ike_iter *it, struct ike_prop *out)
{
	size_t len, fixed;

	if (it->left < ISAKMP_GEN_LEN + PROP_FIXED_LEN)
		return false;
	len = get16(it->p + 2);
	out->num = it->p[ISAKMP_GEN_LEN];
	out->proto = it->p[ISAKMP_GEN_LEN + 1];
	out->spi_size = it->p[ISAKMP_GEN_LEN + 2];
	out->ntrans = it->p[ISAKMP_GEN_LEN + 3];
	fixed = ISAKMP_GEN_LEN + PROP_FIXED_LEN + out->spi_size;
	if (len < fixed || len > it->left)
		return false;
	out->spi = it->p + ISAKMP_GEN_LEN + PROP_FIXED_LEN;
	out->xforms = it->p + fixed;
	out->xforms_len = (uint16_t)(len - fixed);
	it->p += len;
	it->left -= len;
	return true;
}

void
ike_xform_iter(const struct ike_prop *p, struct ike_iter *it)
{
	it->p = p->xforms;
	it->left = p->xforms_len;
}

bool
ike_xform_next(struct ike_iter *it, struct ike_xform *out)
{
	size_t len, fixed = ISAKMP_GEN_LEN + XFORM_FIXED_LEN;

	if (it->left < fixed)
		return false;
	len = get16(it->p + 2);
	if (len < fixed || len > it->left)
		return false;
	out->num = it->p[ISAKMP_GEN_LEN];
	out->id = it->p[ISAKMP_GEN_LEN + 1];
	out->raw = it->p;
	out->raw_len = (uint16_t)len;
	out->attrs = it->p + fixed;
	out->attrs_len = (uint16_t)(len - fixed);
	it->p += len;
	it->left -= len;
	return true;
}

void
ike_attr_iter(const struct ike_xform *x, struct ike_iter *it)
{
	it->p = x->attrs;
	it->left = x->attrs_len;
}

bool
ike_attr_next(struct ike_iter *it, struct ike_attr *out)
{
	uint16_t type;

	if (it->left < 4)
		return false;
	type = get16(it->p);
	out->type = type & (uint16_t)~ISAKMP_ATTR_AF;
	out->tv = (type & ISAKMP_ATTR_AF) != 0;
	if (out->tv) {
		out->val = get16(it->p + 2);
		out->val_ok = true;
		out->data = it->p + 2;
		out->len = 2;
		it->p += 4;
		it->left -= 4;
		return true;
	}
	out->len = get16(it->p + 2);
	if (it->left - 4 < out->len)
		return false;
	out->data = it->p + 4;
	out->val = 0;
	out->val_ok = out->len >= 1 && out->len <= 8;
	for (unsigned i = 0; out->val_ok && i < out->len; i++)
		out->val = out->val << 8 | out->data[i];
	it->p += 4 + out->len;
	it->left -= 4 + (size_t)out->len;
	return true;
}

/* ------------------------------------------------------------------ */
/* Builder */

void
ike_sab_begin(struct ike_sab *b, struct ike_wbuf *w, uint32_t doi, uint32_t sit)
{
	b->w = w;
	b->sa_off = ike_wb_pld_begin(w, ISAKMP_PLD_SA);
	b->prev_prop = 0;
	ike_wb_put32(w, doi);
	ike_wb_put32(w, sit);
}

void
ike_sab_prop(struct ike_sab *b, uint8_t num, uint8_t proto, const uint8_t *spi, uint8_t spi_size)
{
	struct ike_wbuf *w = b->w;

	if (b->prev_prop != 0 && !w->overflow)
		w->buf[b->prev_prop] = ISAKMP_PLD_P;
	b->prop_off = w->len;
	ike_wb_put(w, NULL, ISAKMP_GEN_LEN);
	ike_wb_put8(w, num);
	ike_wb_put8(w, proto);
	ike_wb_put8(w, spi_size);
	ike_wb_put8(w, 0); /* #transforms, patched by prop_end */
	ike_wb_put(w, spi, spi_size);
	b->prev_prop = b->prop_off;
	b->prev_xf = 0;
	b->nxf = 0;
}

void
ike_sab_xform(struct ike_sab *b, uint8_t num, uint8_t id)
{
	struct ike_wbuf *w = b->w;

	if (b->prev_xf != 0 && !w->overflow)
		w->buf[b->prev_xf] = ISAKMP_PLD_T;
	b->xf_off = w->len;
	ike_wb_put(w, NULL, ISAKMP_GEN_LEN);
	ike_wb_put8(w, num);
	ike_wb_put8(w, id);
	ike_wb_put16(w, 0);
	b->prev_xf = b->xf_off;
	b->nxf++;
}

/* TV if the value fits 16 bits, else a minimal TLV (RFC 2408 s3.3). */
void
ike_sab_attr(struct ike_sab *b, uint16_t type, uint64_t val)
{
	uint8_t v[8];
	unsigned n = 0;

	if (val <= UINT16_MAX) {
		ike_wb_put16(b->w, type | ISAKMP_ATTR_AF);
		ike_wb_put16(b->w, (uint16_t)val);
		return;
	}
	for (int i = 7; i >= 0; i--)
		v[7 - i] = (uint8_t)(val >> (8 * i));
	while (n < 4 && v[n] == 0) /* at least 4 bytes, as peers expect */
		n++;
	ike_sab_attr_tlv(b, type, v + n, (uint16_t)(8 - n));
}

void
ike_sab_attr_tlv(struct ike_sab *b, uint16_t type, const uint8_t *d, uint16_t len)
{
	ike_wb_put16(b->w, type & (uint16_t)~ISAKMP_ATTR_AF);
	ike_wb_put16(b->w, len);
	ike_wb_put(b->w, d, len);
}

/* Copy a transform verbatim (a responder's echo), as the last one. */
void
ike_sab_xform_raw(struct ike_sab *b, const uint8_t *raw, uint16_t len)
{
	struct ike_wbuf *w = b->w;
	uint8_t *p;

	if (b->prev_xf != 0 && !w->overflow)
		w->buf[b->prev_xf] = ISAKMP_PLD_T;
	b->prev_xf = w->len;
	p = ike_wb_put(w, raw, len);
	if (p != NULL && len >= ISAKMP_GEN_LEN)
		p[0] = ISAKMP_PLD_NONE;
	b->nxf++;
}

void
ike_sab_xform_end(struct ike_sab *b)
{
	struct ike_wbuf *w = b->w;

	if (!w->overflow)
		put16(w->buf + b->xf_off + 2, (uint16_t)(w->len - b->xf_off));
}

void
ike_sab_prop_end(struct ike_sab *b)
{
	struct ike_wbuf *w = b->w;

	if (w->overflow)
		return;
	w->buf[b->prop_off + ISAKMP_GEN_LEN + 3] = b->nxf;
	put16(w->buf + b->prop_off + 2, (uint16_t)(w->len - b->prop_off));
}

void
ike_sab_end(struct ike_sab *b)
{
	ike_wb_pld_end(b->w, b->sa_off);
}
