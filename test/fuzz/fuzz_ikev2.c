/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the IKEv2 codec (lib/ike v2_codec). The input is a
 * datagram: header, outer chain and every payload's validator; then each
 * payload's body under every typed validator (a notify's body read as a
 * TS, and so on), and what passes through its parser and iterators. The
 * invariants: whatever a parser points at lies inside the input, an
 * iterator yields exactly what its validator counted, and rebuilding a
 * parsed payload gives back its bytes. The input is also walked as a
 * decrypted chain (first byte: first payload type and the R flag).
 * Seeds: test/ike/test_v2_codec with IKE_V2_SEED_DIR=test/fuzz/corpus/ikev2.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "v2_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in_lo, *in_hi;
static volatile uint8_t sink;

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* Inside the input, and read every byte so ASan sees any overrun. */
static void
inside(const uint8_t *p, size_t len)
{
	if (len == 0)
		return;
	CHECK(p >= in_lo && p <= in_hi && len <= (size_t)(in_hi - p));
	for (size_t i = 0; i < len; i++)
		sink ^= p[i];
}

/* The payload rebuilt from its parsed form equals it from body byte
 * skip on: the generic header's next-payload and critical bytes are the
 * builder's, and reserved bytes are written as zeros. */
static void
same(const struct ike_pld *pl, const struct ike_wbuf *w, size_t skip)
{
	CHECK(!w->overflow);
	CHECK(w->len == pl->len);
	CHECK(memcmp(w->buf + ISAKMP_GEN_LEN + skip, pl->body + skip, pl->body_len - skip) == 0);
}

static uint8_t wbuf[UINT16_MAX + 1]; /* a payload's largest */

static void
walk_sa(const struct ike_pld *pl)
{
	struct ike_v2_pl_sa sa;
	struct ike_iter pi, xi, ai;
	struct ike_prop p;
	struct ike_v2_xform x;
	struct ike_attr a;

	ike_v2_sa_parse(pl, &sa);
	ike_v2_prop_iter(&sa, &pi);
	while (ike_v2_prop_next(&pi, &p)) {
		unsigned nx = 0;
		size_t xseen = 0;

		inside(p.spi, p.spi_size);
		inside(p.xforms, p.xforms_len);
		ike_v2_xform_iter(&p, &xi);
		while (ike_v2_xform_next(&xi, &x)) {
			inside(x.raw, x.raw_len);
			ike_v2_attr_iter(&x, &ai);
			while (ike_attr_next(&ai, &a))
				inside(a.data, a.len);
			CHECK(ai.left == 0);
			xseen += x.raw_len;
			nx++;
		}
		CHECK(nx == p.ntrans && xseen == p.xforms_len);
	}
	CHECK(pi.left == 0);
}

static void
walk_ts(const struct ike_pld *pl)
{
	struct ike_v2_pl_ts ts;
	struct ike_v2_ts t[8];
	struct ike_iter it;
	unsigned n = 0;
	struct ike_wbuf w;

	ike_v2_ts_parse(pl, &ts);
	ike_v2_ts_iter(&ts, &it);
	while (n < 8 && ike_v2_ts_next(&it, &t[n])) {
		inside(t[n].start, t[n].alen);
		inside(t[n].end, t[n].alen);
		CHECK(t[n].alen == 4 || t[n].alen == 16);
		CHECK(memcmp(t[n].start, t[n].end, t[n].alen) <= 0);
		n++;
	}
	if (n == 8)
		while (ike_v2_ts_next(&it, &t[7]))
			n++;
	CHECK(n == ts.count && it.left == 0);
	if (n <= 8) {
		ike_wb_init(&w, wbuf, sizeof(wbuf));
		ike_v2_build_ts(&w, pl->type, t, n);
		same(pl, &w, 4);
		CHECK(wbuf[ISAKMP_GEN_LEN] == pl->body[0]);
	}
}

/* Every typed validator on this payload's body, whatever its type. */
static void
try_all(const struct ike_pld *pl)
{
	enum ike_stat why;
	struct ike_wbuf w;
	struct ike_v2_pl_ke ke;
	struct ike_v2_pl_id id;
	struct ike_v2_pl_notify n;
	struct ike_v2_pl_delete d;
	struct ike_pl_cert c;
	struct ike_pl_data nd;
	struct ike_v2_pl_sk sk;
	struct ike_v2_pl_skf f;

	inside(pl->raw, pl->len);
	CHECK(pl->body == pl->raw + ISAKMP_GEN_LEN && pl->body_len + ISAKMP_GEN_LEN == pl->len);
	if (ike_v2_sa_validate(pl, false, &why))
		walk_sa(pl);
	if (ike_v2_sa_validate(pl, true, &why))
		walk_sa(pl);
	if (ike_v2_ts_validate(pl, &why))
		walk_ts(pl);
	if (ike_v2_ke_validate(pl, &why)) {
		ike_v2_ke_parse(pl, &ke);
		inside(ke.data, ke.len);
		ike_wb_init(&w, wbuf, sizeof(wbuf));
		ike_v2_build_ke(&w, ke.group, ke.data, ke.len);
		same(pl, &w, 4);
		CHECK(get16(wbuf + ISAKMP_GEN_LEN) == get16(pl->body));
	}
	if (ike_v2_id_validate(pl, &why)) {
		ike_v2_id_parse(pl, &id);
		inside(id.data, id.len);
		CHECK(id.len >= 1);
		ike_wb_init(&w, wbuf, sizeof(wbuf));
		ike_v2_build_id(&w, pl->type, id.type, id.data, id.len);
		same(pl, &w, 4);
		CHECK(wbuf[ISAKMP_GEN_LEN] == pl->body[0]);
	}
	if (ike_v2_auth_validate(pl, &why)) {
		ike_v2_auth_parse(pl, &id);
		inside(id.data, id.len);
	}
	if (ike_v2_nonce_validate(pl, &why)) {
		ike_data_parse(pl, &nd);
		inside(nd.data, nd.len);
		CHECK(nd.len >= IKEV2_NONCE_MIN && nd.len <= IKEV2_NONCE_MAX);
	}
	if (ike_v2_notify_validate(pl, &why)) {
		ike_v2_notify_parse(pl, &n);
		inside(n.spi, n.spi_size);
		inside(n.data, n.data_len);
		CHECK(n.spi_size + n.data_len + 4u == pl->body_len);
		ike_wb_init(&w, wbuf, sizeof(wbuf));
		ike_v2_build_notify(&w, &n);
		same(pl, &w, 0);
	}
	if (ike_v2_delete_validate(pl, &why)) {
		ike_v2_delete_parse(pl, &d);
		inside(d.spis, (size_t)d.nspi * d.spi_size);
		CHECK((size_t)d.nspi * d.spi_size + 4 == pl->body_len);
		ike_wb_init(&w, wbuf, sizeof(wbuf));
		ike_v2_build_delete(&w, &d);
		same(pl, &w, 0);
	}
	if (ike_v2_cert_validate(pl, &why)) {
		ike_cert_parse(pl, &c);
		inside(c.data, c.len);
	}
	if (ike_v2_skf_validate(pl, &why)) {
		ike_v2_skf_parse(pl, &f);
		inside(f.data, f.len);
		CHECK(f.num >= 1 && f.num <= f.total);
	}
	ike_v2_sk_parse(pl, &sk);
	inside(sk.data, sk.len);
}

static void
walk(const uint8_t *chain, size_t len, const struct ike_msg *m)
{
	enum ike_stat why;
	size_t off = 0;

	CHECK(m->chain == chain && m->chain_len == len && m->n <= IKE_MSG_PLD_MAX);
	for (unsigned i = 0; i < m->n; i++) {
		/* in order, each after the one before */
		CHECK(m->pld[i].raw >= chain + off);
		off = (size_t)(m->pld[i].raw - chain) + m->pld[i].len;
		CHECK(off <= len);
		try_all(&m->pld[i]);
	}
	(void)ike_v2_msg_validate(m, &why);
	(void)ike_v2_pld_name(m->n ? m->pld[0].type : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_msg m;
	enum ike_stat why;
	uint8_t crit;

	in_lo = data;
	in_hi = data + size;
	/* As a whole datagram ... */
	if (ike_v2_hdr_validate(data, size, &m.hdr, &why)) {
		(void)ike_v2_exch_name(m.hdr.exch);
		if (ike_v2_chain_parse(data + ISAKMP_HDR_LEN, size - ISAKMP_HDR_LEN, m.hdr.np,
				       false, &m, &crit, &why))
			walk(data + ISAKMP_HDR_LEN, size - ISAKMP_HDR_LEN, &m);
		else if (why == IKE_DROP_CRITICAL)
			CHECK(crit != IKEV2_PLD_NONE &&
			      (crit < IKEV2_PLD_SA ||
			       (crit > IKEV2_PLD_EAP && crit != IKEV2_PLD_SKF)));
	}
	/* ... and as a decrypted chain, as SK's plaintext arrives. */
	if (size >= 1) {
		uint8_t np = (uint8_t)(IKEV2_PLD_SA + (data[0] & 0x1f));

		m.hdr.flags = data[0] & 0x80 ? IKEV2_FLAG_R : 0;
		if (ike_v2_chain_parse(data + 1, size - 1, np, true, &m, &crit, &why))
			walk(data + 1, size - 1, &m);
	}
	return 0;
}
