/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 codec: every payload type round-trips through the builders and the
 * validate/parse pairs; an IKE_SA_INIT request laid out byte by byte as
 * strongSwan sends it parses back; each refusal names its reason.
 *
 * With IKE_V2_SEED_DIR set, every datagram the tests check is also written
 * there as seed-NNN: that is how test/fuzz/corpus/ikev2 is made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "v2_codec.h"

static const uint8_t SPII[8] = { 0x5a, 0x13, 0x77, 0x01, 0xc2, 0x9e, 0x4b, 0x30 };
static const uint8_t SPIR[8] = { 0x81, 0x02, 0x6f, 0xd4, 0x19, 0xa0, 0x3c, 0x55 };
static const uint8_t ESPSPI[4] = { 0xc1, 0x00, 0x2a, 0x07 };
static const uint8_t DSPIS[8] = { 0xc1, 0, 0, 1, 0xc1, 0, 0, 2 };
static const uint8_t NONCE[32] = { 0x11, 0x22, 0x33 };
static const uint8_t KEDATA[256] = { 0xaa, 0xbb };
static const uint8_t CERTV[10] = { 0x30, 0x82 };
static const uint8_t AUTHV[32] = { 0x9f };
static const uint8_t VIDV[16] = { 0x88, 0x2f, 0xe5, 0x6d };
static const uint8_t NET4[4] = { 10, 0, 0, 0 };
static const uint8_t NET4_END[4] = { 10, 0, 255, 255 };
static const uint8_t HOST4[4] = { 192, 168, 1, 2 };
static const uint8_t V6S[16] = { 0x20, 0x01, 0x0d, 0xb8 };
static const uint8_t V6E[16] = { 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
				 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint8_t last_crit;

/* Writes buf as the next seed when IKE_V2_SEED_DIR names a folder. */
static void
seed(const uint8_t *buf, size_t len)
{
	static unsigned n;
	const char *dir = getenv("IKE_V2_SEED_DIR");
	char path[512];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/seed-%03u", dir, n++);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Header, chain and every payload's validator: IKE_STAT_N when all pass,
 * else the reason. */
static enum ike_stat
check(const uint8_t *buf, size_t len, struct ike_msg *m)
{
	enum ike_stat why = IKE_STAT_N;

	seed(buf, len);
	if (!ike_v2_hdr_validate(buf, len, &m->hdr, &why) ||
	    !ike_v2_chain_parse(buf + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, m->hdr.np, false, m,
				&last_crit, &why) ||
	    !ike_v2_msg_validate(m, &why))
		return why;
	return IKE_STAT_N;
}

static void
hdr_start(struct ike_wbuf *w, uint8_t *buf, size_t cap, uint8_t exch, uint8_t flags)
{
	struct ike_hdr h = { .exch = exch, .flags = flags, .msgid = 1 };

	memcpy(h.icookie, SPII, 8);
	memcpy(h.rcookie, SPIR, 8);
	ike_wb_init(w, buf, cap);
	ike_v2_wb_hdr(w, &h);
}

static size_t
finish(struct ike_wbuf *w)
{
	ike_wb_hdr_finish(w);
	assert_false(w->overflow);
	return w->len;
}

/* A message of one payload with the given body. */
static size_t
one(uint8_t *buf, size_t cap, uint8_t type, const uint8_t *body, size_t len)
{
	struct ike_wbuf w;

	hdr_start(&w, buf, cap, IKEV2_EXCH_INFORMATIONAL, IKEV2_FLAG_I);
	ike_build_data(&w, type, body, len);
	return finish(&w);
}

/* ------------------------------------------------------------------ */
/* Round trips */

static size_t
build_all(uint8_t *buf, size_t cap)
{
	struct ike_wbuf w;
	struct ike_v2_sab b;
	struct ike_v2_pl_notify n1 = { .proto = IKEV2_PROTO_ESP,
				       .spi_size = 4,
				       .type = IKEV2_N_INVALID_SPI,
				       .spi = ESPSPI,
				       .data = (const uint8_t *)"\x01\x02\x03",
				       .data_len = 3 };
	struct ike_v2_pl_notify n2 = { .type = IKEV2_N_INITIAL_CONTACT };
	struct ike_v2_pl_delete d1 = {
		.proto = IKEV2_PROTO_ESP, .spi_size = 4, .nspi = 2, .spis = DSPIS
	};
	struct ike_v2_pl_delete d2 = { .proto = IKEV2_PROTO_IKE };
	struct ike_pl_cert c = { .encoding = 4, .data = CERTV, .len = sizeof(CERTV) };
	struct ike_pl_cert cr = { .encoding = 4, .data = NULL, .len = 0 };
	struct ike_v2_ts tsi[2] = {
		{ .type = IKEV2_TS_IPV4_ADDR_RANGE,
		  .proto = 17,
		  .sport = 500,
		  .eport = 4500,
		  .start = NET4,
		  .end = NET4_END,
		  .alen = 4 },
		{ .type = IKEV2_TS_IPV6_ADDR_RANGE,
		  .eport = 65535,
		  .start = V6S,
		  .end = V6E,
		  .alen = 16 },
	};
	struct ike_v2_ts tsr = { .type = IKEV2_TS_IPV4_ADDR_RANGE,
				 .sport = 65535,
				 .eport = 0,
				 .start = HOST4,
				 .end = HOST4,
				 .alen = 4 };

	hdr_start(&w, buf, cap, IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_I);
	ike_v2_sab_begin(&b, &w);
	ike_v2_sab_prop(&b, 1, IKEV2_PROTO_ESP, ESPSPI, 4);
	ike_v2_sab_xform(&b, IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16);
	ike_v2_sab_keylen(&b, 256);
	ike_v2_sab_xform_end(&b);
	ike_v2_sab_xform(&b, IKEV2_XF_ESN, 0);
	ike_v2_sab_xform_end(&b);
	ike_v2_sab_prop_end(&b);
	ike_v2_sab_prop(&b, 2, IKEV2_PROTO_IKE, SPII, 8);
	ike_v2_sab_xform(&b, IKEV2_XF_DH, IKEV2_DH_MODP2048);
	ike_v2_sab_xform_end(&b);
	ike_v2_sab_prop_end(&b);
	ike_v2_sab_end(&b);
	ike_v2_build_ke(&w, IKEV2_DH_MODP2048, KEDATA, sizeof(KEDATA));
	ike_v2_build_id(&w, IKEV2_PLD_IDI, IKEV2_ID_FQDN, (const uint8_t *)"branch.example", 14);
	ike_v2_build_id(&w, IKEV2_PLD_IDR, IKEV2_ID_IPV4_ADDR, HOST4, 4);
	ike_build_cert(&w, IKEV2_PLD_CERT, &c);
	ike_build_cert(&w, IKEV2_PLD_CERTREQ, &cr);
	ike_v2_build_id(&w, IKEV2_PLD_AUTH, IKEV2_AUTH_PSK, AUTHV, sizeof(AUTHV));
	ike_build_data(&w, IKEV2_PLD_NONCE, NONCE, sizeof(NONCE));
	ike_v2_build_notify(&w, &n1);
	ike_v2_build_notify(&w, &n2);
	ike_v2_build_delete(&w, &d1);
	ike_v2_build_delete(&w, &d2);
	ike_build_data(&w, IKEV2_PLD_VID, VIDV, sizeof(VIDV));
	ike_v2_build_ts(&w, IKEV2_PLD_TSI, tsi, 2);
	ike_v2_build_ts(&w, IKEV2_PLD_TSR, &tsr, 1);
	return finish(&w);
}

static void
test_roundtrip_all(void **state)
{
	static const uint8_t order[] = { IKEV2_PLD_SA,   IKEV2_PLD_KE,    IKEV2_PLD_IDI,
					 IKEV2_PLD_IDR,  IKEV2_PLD_CERT,  IKEV2_PLD_CERTREQ,
					 IKEV2_PLD_AUTH, IKEV2_PLD_NONCE, IKEV2_PLD_N,
					 IKEV2_PLD_N,    IKEV2_PLD_D,     IKEV2_PLD_D,
					 IKEV2_PLD_VID,  IKEV2_PLD_TSI,   IKEV2_PLD_TSR };
	uint8_t buf[2048];
	size_t len = build_all(buf, sizeof(buf));
	struct ike_msg m;
	struct ike_v2_pl_sa sa;
	struct ike_prop p;
	struct ike_v2_xform x;
	struct ike_attr a;
	struct ike_iter pi, xi, ai, ti;
	struct ike_v2_pl_ke ke;
	struct ike_v2_pl_id id;
	struct ike_pl_cert c;
	struct ike_pl_data d;
	struct ike_v2_pl_notify n;
	struct ike_v2_pl_delete del;
	struct ike_v2_pl_ts ts;
	struct ike_v2_ts t;

	(void)state;
	assert_int_equal(check(buf, len, &m), IKE_STAT_N);
	assert_memory_equal(m.hdr.icookie, SPII, 8);
	assert_memory_equal(m.hdr.rcookie, SPIR, 8);
	assert_int_equal(m.hdr.version, IKEV2_VERSION);
	assert_int_equal(m.hdr.exch, IKEV2_EXCH_IKE_AUTH);
	assert_int_equal(m.hdr.flags, IKEV2_FLAG_I);
	assert_int_equal(m.hdr.msgid, 1);
	assert_int_equal(m.hdr.len, len);
	assert_int_equal(m.n, sizeof(order));
	for (unsigned i = 0; i < m.n; i++)
		assert_int_equal(m.pld[i].type, order[i]);
	assert_int_equal(m.skipped, 0);
	assert_int_equal(m.chain_len, len - ISAKMP_HDR_LEN);

	/* SA: ESP (ENCR with key length, ESN), then IKE with an SPI */
	ike_v2_sa_parse(&m.pld[0], &sa);
	ike_v2_prop_iter(&sa, &pi);
	assert_true(ike_v2_prop_next(&pi, &p));
	assert_int_equal(p.num, 1);
	assert_int_equal(p.proto, IKEV2_PROTO_ESP);
	assert_int_equal(p.spi_size, 4);
	assert_memory_equal(p.spi, ESPSPI, 4);
	assert_int_equal(p.ntrans, 2);
	ike_v2_xform_iter(&p, &xi);
	assert_true(ike_v2_xform_next(&xi, &x));
	assert_int_equal(x.type, IKEV2_XF_ENCR);
	assert_int_equal(x.id, IKEV2_ENCR_AES_GCM_16);
	ike_v2_attr_iter(&x, &ai);
	assert_true(ike_attr_next(&ai, &a));
	assert_true(a.tv);
	assert_int_equal(a.type, IKEV2_ATTR_KEY_LENGTH);
	assert_int_equal(a.val, 256);
	assert_false(ike_attr_next(&ai, &a));
	assert_true(ike_v2_xform_next(&xi, &x));
	assert_int_equal(x.type, IKEV2_XF_ESN);
	assert_int_equal(x.id, 0);
	assert_int_equal(x.attrs_len, 0);
	assert_false(ike_v2_xform_next(&xi, &x));
	assert_true(ike_v2_prop_next(&pi, &p));
	assert_int_equal(p.num, 2);
	assert_int_equal(p.proto, IKEV2_PROTO_IKE);
	assert_memory_equal(p.spi, SPII, 8);
	assert_int_equal(p.ntrans, 1);
	ike_v2_xform_iter(&p, &xi);
	assert_true(ike_v2_xform_next(&xi, &x));
	assert_int_equal(x.type, IKEV2_XF_DH);
	assert_int_equal(x.id, IKEV2_DH_MODP2048);
	assert_false(ike_v2_xform_next(&xi, &x));
	assert_false(ike_v2_prop_next(&pi, &p));

	ike_v2_ke_parse(&m.pld[1], &ke);
	assert_int_equal(ke.group, IKEV2_DH_MODP2048);
	assert_int_equal(ke.len, sizeof(KEDATA));
	assert_memory_equal(ke.data, KEDATA, sizeof(KEDATA));

	ike_v2_id_parse(&m.pld[2], &id);
	assert_int_equal(id.type, IKEV2_ID_FQDN);
	assert_int_equal(id.len, 14);
	assert_memory_equal(id.data, "branch.example", 14);
	ike_v2_id_parse(&m.pld[3], &id);
	assert_int_equal(id.type, IKEV2_ID_IPV4_ADDR);
	assert_memory_equal(id.data, HOST4, 4);

	ike_cert_parse(&m.pld[4], &c);
	assert_int_equal(c.encoding, 4);
	assert_int_equal(c.len, sizeof(CERTV));
	assert_memory_equal(c.data, CERTV, sizeof(CERTV));
	ike_cert_parse(&m.pld[5], &c);
	assert_int_equal(c.encoding, 4);
	assert_int_equal(c.len, 0);

	ike_v2_auth_parse(&m.pld[6], &id);
	assert_int_equal(id.type, IKEV2_AUTH_PSK);
	assert_int_equal(id.len, sizeof(AUTHV));
	assert_memory_equal(id.data, AUTHV, sizeof(AUTHV));

	ike_data_parse(&m.pld[7], &d);
	assert_int_equal(d.len, sizeof(NONCE));
	assert_memory_equal(d.data, NONCE, sizeof(NONCE));

	ike_v2_notify_parse(&m.pld[8], &n);
	assert_int_equal(n.proto, IKEV2_PROTO_ESP);
	assert_int_equal(n.spi_size, 4);
	assert_int_equal(n.type, IKEV2_N_INVALID_SPI);
	assert_memory_equal(n.spi, ESPSPI, 4);
	assert_int_equal(n.data_len, 3);
	assert_memory_equal(n.data, "\x01\x02\x03", 3);
	ike_v2_notify_parse(&m.pld[9], &n);
	assert_int_equal(n.proto, 0);
	assert_int_equal(n.spi_size, 0);
	assert_int_equal(n.type, IKEV2_N_INITIAL_CONTACT);
	assert_int_equal(n.data_len, 0);

	ike_v2_delete_parse(&m.pld[10], &del);
	assert_int_equal(del.proto, IKEV2_PROTO_ESP);
	assert_int_equal(del.spi_size, 4);
	assert_int_equal(del.nspi, 2);
	assert_memory_equal(del.spis, DSPIS, 8);
	ike_v2_delete_parse(&m.pld[11], &del);
	assert_int_equal(del.proto, IKEV2_PROTO_IKE);
	assert_int_equal(del.spi_size, 0);
	assert_int_equal(del.nspi, 0);

	ike_data_parse(&m.pld[12], &d);
	assert_int_equal(d.len, sizeof(VIDV));
	assert_memory_equal(d.data, VIDV, sizeof(VIDV));

	ike_v2_ts_parse(&m.pld[13], &ts);
	assert_int_equal(ts.count, 2);
	ike_v2_ts_iter(&ts, &ti);
	assert_true(ike_v2_ts_next(&ti, &t));
	assert_int_equal(t.type, IKEV2_TS_IPV4_ADDR_RANGE);
	assert_int_equal(t.proto, 17);
	assert_int_equal(t.sport, 500);
	assert_int_equal(t.eport, 4500);
	assert_int_equal(t.alen, 4);
	assert_memory_equal(t.start, NET4, 4);
	assert_memory_equal(t.end, NET4_END, 4);
	assert_true(ike_v2_ts_next(&ti, &t));
	assert_int_equal(t.type, IKEV2_TS_IPV6_ADDR_RANGE);
	assert_int_equal(t.alen, 16);
	assert_int_equal(t.sport, 0);
	assert_int_equal(t.eport, 65535);
	assert_memory_equal(t.start, V6S, 16);
	assert_memory_equal(t.end, V6E, 16);
	assert_false(ike_v2_ts_next(&ti, &t));
	ike_v2_ts_parse(&m.pld[14], &ts);
	assert_int_equal(ts.count, 1);
	ike_v2_ts_iter(&ts, &ti);
	assert_true(ike_v2_ts_next(&ti, &t));
	assert_int_equal(t.sport, 65535); /* OPAQUE */
	assert_int_equal(t.eport, 0);
	assert_memory_equal(t.start, HOST4, 4);
	assert_false(ike_v2_ts_next(&ti, &t));
}

/* SK and SKF end a message and carry their first inner payload. */
static void
test_roundtrip_sk(void **state)
{
	static const uint8_t ct[40] = { 0xe1, 0xe2 };
	uint8_t buf[256], skf[44] = { 0, 2, 0, 3, 0xe1 };
	struct ike_wbuf w;
	struct ike_msg m;
	struct ike_v2_pl_sk sk;
	struct ike_v2_pl_skf f;
	size_t off;

	(void)state;
	hdr_start(&w, buf, sizeof(buf), IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_I);
	ike_build_data(&w, IKEV2_PLD_VID, VIDV, sizeof(VIDV));
	off = ike_wb_pld_begin(&w, IKEV2_PLD_SK);
	ike_wb_put(&w, ct, sizeof(ct));
	ike_wb_pld_end(&w, off);
	w.buf[off] = IKEV2_PLD_IDI; /* what the engine sets once encrypted */
	assert_int_equal(check(buf, finish(&w), &m), IKE_STAT_N);
	assert_int_equal(m.n, 2);
	ike_v2_sk_parse(&m.pld[1], &sk);
	assert_int_equal(sk.np, IKEV2_PLD_IDI);
	assert_int_equal(sk.len, sizeof(ct));
	assert_memory_equal(sk.data, ct, sizeof(ct));

	hdr_start(&w, buf, sizeof(buf), IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_I);
	ike_build_data(&w, IKEV2_PLD_SKF, skf, sizeof(skf));
	assert_int_equal(check(buf, finish(&w), &m), IKE_STAT_N);
	ike_v2_skf_parse(&m.pld[0], &f);
	assert_int_equal(f.np, IKEV2_PLD_NONE);
	assert_int_equal(f.num, 2);
	assert_int_equal(f.total, 3);
	assert_int_equal(f.len, sizeof(skf) - 4);
	assert_int_equal(f.data[0], 0xe1);

	/* A decrypted chain may hold neither. */
	assert_false(ike_v2_chain_parse(buf + ISAKMP_HDR_LEN, w.len - ISAKMP_HDR_LEN, IKEV2_PLD_SKF,
					true, &m, &last_crit, &(enum ike_stat){ 0 }));
}

/* A reply's SA holds one proposal, numbered as the one it accepted. */
static void
test_reply_sa(void **state)
{
	uint8_t buf[256];
	struct ike_wbuf w;
	struct ike_v2_sab b;
	struct ike_msg m;

	(void)state;
	for (unsigned nprops = 1; nprops <= 2; nprops++) {
		hdr_start(&w, buf, sizeof(buf), IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_R);
		ike_v2_sab_begin(&b, &w);
		for (unsigned i = 0; i < nprops; i++) {
			ike_v2_sab_prop(&b, (uint8_t)(2 + i), IKEV2_PROTO_IKE, NULL, 0);
			ike_v2_sab_xform(&b, IKEV2_XF_DH, IKEV2_DH_MODP2048);
			ike_v2_sab_xform_end(&b);
			ike_v2_sab_prop_end(&b);
		}
		ike_v2_sab_end(&b);
		assert_int_equal(check(buf, finish(&w), &m),
				 nprops == 1 ? IKE_STAT_N : IKE_DROP_V2_PROP_NUM);
	}
	/* the same single proposal numbered 2 is refused in a request */
	hdr_start(&w, buf, sizeof(buf), IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_I);
	ike_v2_sab_begin(&b, &w);
	ike_v2_sab_prop(&b, 2, IKEV2_PROTO_IKE, NULL, 0);
	ike_v2_sab_xform(&b, IKEV2_XF_DH, IKEV2_DH_MODP2048);
	ike_v2_sab_xform_end(&b);
	ike_v2_sab_prop_end(&b);
	ike_v2_sab_end(&b);
	assert_int_equal(check(buf, finish(&w), &m), IKE_DROP_V2_PROP_NUM);
}

/* ------------------------------------------------------------------ */
/* IKE_SA_INIT request as strongSwan 5.9 sends it (proposals
 * aes256gcm16-prfsha256-modp2048 and aes128-sha256-modp2048), laid out by
 * hand from RFC 7296 s3, not by the builders. */

struct bb {
	uint8_t b[1024];
	size_t n;
};

static void
b8(struct bb *o, unsigned v)
{
	o->b[o->n++] = (uint8_t)v;
}

static void
b16(struct bb *o, unsigned v)
{
	b8(o, v >> 8);
	b8(o, v);
}

static void
b32(struct bb *o, uint32_t v)
{
	b16(o, v >> 16);
	b16(o, v);
}

static void
bn(struct bb *o, const uint8_t *p, size_t len)
{
	memcpy(o->b + o->n, p, len);
	o->n += len;
}

/* generic payload header */
static void
gen(struct bb *o, unsigned np, unsigned len)
{
	b8(o, np);
	b8(o, 0);
	b16(o, len);
}

/* transform: last/more, length, type, reserved, ID; then Key Length */
static void
xf(struct bb *o, bool last, unsigned type, unsigned id, unsigned keylen)
{
	gen(o, last ? 0 : 3, keylen ? 12 : 8);
	b8(o, type);
	b8(o, 0);
	b16(o, id);
	if (keylen) {
		b16(o, 0x8000 | 14);
		b16(o, keylen);
	}
}

static const uint8_t NATD_S[20] = { 0x6b, 0x1f, 0x0e, 0x93, 0x42 };
static const uint8_t NATD_D[20] = { 0x2d, 0xc0, 0x11, 0x5e, 0x07 };

static size_t
strongswan_sa_init(struct bb *o)
{
	o->n = 0;
	/* header: SPIi, SPIr 0, SA next, 2.0, IKE_SA_INIT, I, ID 0, 500 */
	bn(o, SPII, 8);
	for (int i = 0; i < 8; i++)
		b8(o, 0);
	b8(o, 33);
	b8(o, 0x20);
	b8(o, 34);
	b8(o, 0x08);
	b32(o, 0);
	b32(o, 500);
	/* SA (84): proposal 1 (36) IKE, no SPI, 3 transforms */
	gen(o, 34, 84);
	gen(o, 2, 36);
	b8(o, 1);
	b8(o, 1);
	b8(o, 0);
	b8(o, 3);
	xf(o, false, 1, 20, 256); /* ENCR_AES_GCM_16, 256 bits */
	xf(o, false, 2, 5, 0);    /* PRF_HMAC_SHA2_256 */
	xf(o, true, 4, 14, 0);    /* 2048-bit MODP */
	/* proposal 2 (44): 4 transforms */
	gen(o, 0, 44);
	b8(o, 2);
	b8(o, 1);
	b8(o, 0);
	b8(o, 4);
	xf(o, false, 1, 12, 128); /* ENCR_AES_CBC, 128 bits */
	xf(o, false, 3, 12, 0);   /* AUTH_HMAC_SHA2_256_128 */
	xf(o, false, 2, 5, 0);
	xf(o, true, 4, 14, 0);
	/* KE (264): group 14, reserved, 256 bytes */
	gen(o, 40, 264);
	b16(o, 14);
	b16(o, 0);
	for (int i = 0; i < 256; i++)
		b8(o, (unsigned)(i * 7 + 1));
	/* Nonce (36) */
	gen(o, 41, 36);
	for (int i = 0; i < 32; i++)
		b8(o, (unsigned)(0xa0 + i));
	/* N(NAT_DETECTION_SOURCE_IP) (28): SHA-1 of SPIs, address, port */
	gen(o, 41, 28);
	b8(o, 0);
	b8(o, 0);
	b16(o, 16388);
	bn(o, NATD_S, 20);
	/* N(NAT_DETECTION_DESTINATION_IP) (28) */
	gen(o, 41, 28);
	b8(o, 0);
	b8(o, 0);
	b16(o, 16389);
	bn(o, NATD_D, 20);
	/* N(IKEV2_FRAGMENTATION_SUPPORTED) (8) */
	gen(o, 41, 8);
	b8(o, 0);
	b8(o, 0);
	b16(o, 16430);
	/* N(SIGNATURE_HASH_ALGORITHMS) (16): SHA2-256, -384, -512, Identity */
	gen(o, 41, 16);
	b8(o, 0);
	b8(o, 0);
	b16(o, 16431);
	b16(o, 2);
	b16(o, 3);
	b16(o, 4);
	b16(o, 5);
	/* N(REDIRECT_SUPPORTED) (8), the last payload */
	gen(o, 0, 8);
	b8(o, 0);
	b8(o, 0);
	b16(o, 16406);
	return o->n;
}

static void
test_strongswan_sa_init(void **state)
{
	static const struct {
		uint8_t type;
		uint16_t id;
		uint16_t keylen;
	} want[2][4] = {
		{ { IKEV2_XF_ENCR, IKEV2_ENCR_AES_GCM_16, 256 },
		  { IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_256, 0 },
		  { IKEV2_XF_DH, IKEV2_DH_MODP2048, 0 } },
		{ { IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC, 128 },
		  { IKEV2_XF_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128, 0 },
		  { IKEV2_XF_PRF, IKEV2_PRF_HMAC_SHA2_256, 0 },
		  { IKEV2_XF_DH, IKEV2_DH_MODP2048, 0 } },
	};
	static const uint16_t notes[] = { IKEV2_N_NAT_DETECTION_SOURCE_IP,
					  IKEV2_N_NAT_DETECTION_DESTINATION_IP,
					  IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED,
					  IKEV2_N_SIGNATURE_HASH_ALGORITHMS,
					  IKEV2_N_REDIRECT_SUPPORTED };
	struct bb o;
	size_t len = strongswan_sa_init(&o);
	struct ike_msg m;
	struct ike_v2_pl_sa sa;
	struct ike_iter pi, xi, ai;
	struct ike_prop p;
	struct ike_v2_xform x;
	struct ike_attr a;
	struct ike_v2_pl_ke ke;
	struct ike_pl_data d;
	struct ike_v2_pl_notify n;
	unsigned np = 0;

	(void)state;
	assert_int_equal(len, 500);
	assert_int_equal(check(o.b, len, &m), IKE_STAT_N);
	assert_int_equal(m.hdr.exch, IKEV2_EXCH_IKE_SA_INIT);
	assert_int_equal(m.hdr.flags, IKEV2_FLAG_I);
	assert_int_equal(m.hdr.msgid, 0);
	assert_int_equal(m.n, 8);
	assert_int_equal(m.pld[0].type, IKEV2_PLD_SA);
	assert_int_equal(m.pld[1].type, IKEV2_PLD_KE);
	assert_int_equal(m.pld[2].type, IKEV2_PLD_NONCE);

	ike_v2_sa_parse(&m.pld[0], &sa);
	ike_v2_prop_iter(&sa, &pi);
	while (ike_v2_prop_next(&pi, &p)) {
		unsigned nx = 0;

		assert_true(np < 2);
		assert_int_equal(p.num, np + 1);
		assert_int_equal(p.proto, IKEV2_PROTO_IKE);
		assert_int_equal(p.spi_size, 0);
		assert_int_equal(p.ntrans, np == 0 ? 3 : 4);
		ike_v2_xform_iter(&p, &xi);
		while (ike_v2_xform_next(&xi, &x)) {
			assert_true(nx < p.ntrans);
			assert_int_equal(x.type, want[np][nx].type);
			assert_int_equal(x.id, want[np][nx].id);
			ike_v2_attr_iter(&x, &ai);
			if (want[np][nx].keylen) {
				assert_true(ike_attr_next(&ai, &a));
				assert_int_equal(a.type, IKEV2_ATTR_KEY_LENGTH);
				assert_int_equal(a.val, want[np][nx].keylen);
			}
			assert_false(ike_attr_next(&ai, &a));
			nx++;
		}
		assert_int_equal(nx, p.ntrans);
		np++;
	}
	assert_int_equal(np, 2);

	ike_v2_ke_parse(&m.pld[1], &ke);
	assert_int_equal(ke.group, 14);
	assert_int_equal(ke.len, 256);
	assert_int_equal(ke.data[0], 1);
	ike_data_parse(&m.pld[2], &d);
	assert_int_equal(d.len, 32);
	assert_int_equal(d.data[31], 0xa0 + 31);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(m.pld[3 + i].type, IKEV2_PLD_N);
		ike_v2_notify_parse(&m.pld[3 + i], &n);
		assert_int_equal(n.type, notes[i]);
		assert_int_equal(n.proto, 0);
		assert_int_equal(n.spi_size, 0);
	}
	ike_v2_notify_parse(&m.pld[3], &n);
	assert_int_equal(n.data_len, 20);
	assert_memory_equal(n.data, NATD_S, 20);
	ike_v2_notify_parse(&m.pld[6], &n);
	assert_int_equal(n.data_len, 8);
	assert_int_equal(get16(n.data + 6), 5);
}

/* ------------------------------------------------------------------ */
/* Refusals */

static void
test_header_refusals(void **state)
{
	struct bb o;
	size_t len = strongswan_sa_init(&o);
	struct ike_msg m;
	uint8_t big[IKE_MSG_MAX + 1];

	(void)state;
	assert_int_equal(check(o.b, ISAKMP_HDR_LEN - 1, &m), IKE_DROP_SHORT);
	assert_int_equal(check(o.b, len - 1, &m), IKE_DROP_LENGTH);
	put32(o.b + 24, 27);
	assert_int_equal(check(o.b, len, &m), IKE_DROP_LENGTH);
	put32(o.b + 24, (uint32_t)len);
	memset(big, 0, sizeof(big));
	memcpy(big, o.b, ISAKMP_HDR_LEN);
	assert_int_equal(check(big, sizeof(big), &m), IKE_DROP_LONG);

	/* versions: 3.0 gets its own reason, 1.0 is IKEv1's, 2.1 passes */
	o.b[17] = 0x30;
	assert_int_equal(check(o.b, len, &m), IKE_DROP_V2_MAJOR);
	assert_int_equal(m.hdr.exch, IKEV2_EXCH_IKE_SA_INIT); /* for the answer */
	o.b[17] = 0x10;
	assert_int_equal(check(o.b, len, &m), IKE_DROP_VERSION);
	o.b[17] = 0x21;
	assert_int_equal(check(o.b, len, &m), IKE_STAT_N);
	o.b[17] = 0x20;

	o.b[18] = 38;
	assert_int_equal(check(o.b, len, &m), IKE_DROP_EXCHANGE);
	o.b[18] = 34;
	/* reserved flag bits are ignored (s3.1) */
	o.b[19] = 0xc7 | IKEV2_FLAG_I;
	assert_int_equal(check(o.b, len, &m), IKE_STAT_N);
	o.b[19] = IKEV2_FLAG_I;
	assert_int_equal(check(o.b, len, &m), IKE_STAT_N);
}

static void
test_chain_refusals(void **state)
{
	uint8_t buf[256];
	struct ike_wbuf w;
	struct ike_msg m;
	size_t len, off;

	(void)state;
	/* payload running past the end */
	len = one(buf, sizeof(buf), IKEV2_PLD_NONCE, NONCE, sizeof(NONCE));
	put16(buf + ISAKMP_HDR_LEN + 2, 4 + sizeof(NONCE) + 1);
	assert_int_equal(check(buf, len, &m), IKE_DROP_TRUNCATED);
	/* a next payload with no room for its header */
	put16(buf + ISAKMP_HDR_LEN + 2, 4 + sizeof(NONCE) - 2);
	buf[ISAKMP_HDR_LEN] = IKEV2_PLD_VID;
	assert_int_equal(check(buf, len, &m), IKE_DROP_TRUNCATED);
	/* zero-length payload */
	len = one(buf, sizeof(buf), IKEV2_PLD_NONCE, NONCE, sizeof(NONCE));
	put16(buf + ISAKMP_HDR_LEN + 2, 0);
	assert_int_equal(check(buf, len, &m), IKE_DROP_PLD_LENGTH);
	/* bytes after the last payload */
	put16(buf + ISAKMP_HDR_LEN + 2, 4 + sizeof(NONCE) - 1);
	assert_int_equal(check(buf, len, &m), IKE_DROP_TRAILING);

	/* SK followed by a payload */
	hdr_start(&w, buf, sizeof(buf), IKEV2_EXCH_IKE_AUTH, IKEV2_FLAG_I);
	ike_build_data(&w, IKEV2_PLD_SK, NONCE, sizeof(NONCE));
	ike_build_data(&w, IKEV2_PLD_VID, VIDV, sizeof(VIDV));
	len = finish(&w);
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_SK_NOT_LAST);
	/* the same as SKF */
	buf[offsetof(struct isakmp_hdr_wire, ih_np)] = IKEV2_PLD_SKF;
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_SK_NOT_LAST);

	/* unknown payloads: critical refused with its type, else skipped */
	hdr_start(&w, buf, sizeof(buf), IKEV2_EXCH_INFORMATIONAL, IKEV2_FLAG_I);
	ike_build_data(&w, IKEV2_PLD_VID, VIDV, sizeof(VIDV));
	off = w.len;
	ike_build_data(&w, 49, VIDV, 4);
	ike_build_data(&w, IKEV2_PLD_VID, VIDV, sizeof(VIDV));
	len = finish(&w);
	assert_int_equal(check(buf, len, &m), IKE_STAT_N);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.skipped, 1);
	buf[off + 1] = ISAKMP_CRITICAL;
	assert_int_equal(check(buf, len, &m), IKE_DROP_CRITICAL);
	assert_int_equal(last_crit, 49);
	/* the critical bit on a known payload changes nothing */
	buf[off + 1] = 0;
	buf[ISAKMP_HDR_LEN + 1] = ISAKMP_CRITICAL;
	assert_int_equal(check(buf, len, &m), IKE_STAT_N);

	/* more payloads than a message keeps */
	hdr_start(&w, buf, sizeof(buf), IKEV2_EXCH_INFORMATIONAL, IKEV2_FLAG_I);
	for (unsigned i = 0; i <= IKE_MSG_PLD_MAX; i++)
		ike_build_data(&w, IKEV2_PLD_VID, VIDV, 1);
	assert_int_equal(check(buf, finish(&w), &m), IKE_DROP_TOO_MANY);
}

/* An SA payload of IKE proposals, as a request; spi_size 8 gets SPII. */
static size_t
sa_msg(uint8_t *buf, size_t cap, const uint8_t *nums, unsigned nprops, uint8_t proto,
       uint8_t spi_size)
{
	static const uint8_t spi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ike_wbuf w;
	struct ike_v2_sab b;

	hdr_start(&w, buf, cap, IKEV2_EXCH_CREATE_CHILD_SA, IKEV2_FLAG_I);
	ike_v2_sab_begin(&b, &w);
	for (unsigned i = 0; i < nprops; i++) {
		ike_v2_sab_prop(&b, nums[i], proto, spi, spi_size);
		ike_v2_sab_xform(&b, IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC);
		ike_v2_sab_keylen(&b, 128);
		ike_v2_sab_xform_end(&b);
		ike_v2_sab_xform(&b, IKEV2_XF_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128);
		ike_v2_sab_xform_end(&b);
		ike_v2_sab_prop_end(&b);
	}
	ike_v2_sab_end(&b);
	return finish(&w);
}

static void
test_sa_refusals(void **state)
{
	static const uint8_t seq[3] = { 1, 2, 3 }, gap[3] = { 1, 3, 4 }, zero[1] = { 0 };
	uint8_t buf[512];
	struct ike_msg m;
	size_t len;
	const size_t sa = ISAKMP_HDR_LEN, prop = sa + 4;

	(void)state;
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), seq, 3, IKEV2_PROTO_ESP, 4), &m),
			 IKE_STAT_N);
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), gap, 3, IKEV2_PROTO_ESP, 4), &m),
			 IKE_DROP_V2_PROP_NUM);
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), zero, 1, IKEV2_PROTO_ESP, 4), &m),
			 IKE_DROP_V2_PROP_NUM);
	/* SPI sizes: IKE 0 or 8, ESP and AH 4 */
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), seq, 1, IKEV2_PROTO_IKE, 8), &m),
			 IKE_STAT_N);
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), seq, 1, IKEV2_PROTO_AH, 4), &m),
			 IKE_STAT_N);
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), seq, 1, IKEV2_PROTO_IKE, 4), &m),
			 IKE_DROP_V2_SPI_SIZE);
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), seq, 1, IKEV2_PROTO_ESP, 0), &m),
			 IKE_DROP_V2_SPI_SIZE);
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), seq, 1, IKEV2_PROTO_ESP, 8), &m),
			 IKE_DROP_V2_SPI_SIZE);
	assert_int_equal(check(buf, sa_msg(buf, sizeof(buf), seq, 1, 4, 4), &m), IKE_DROP_V2_PROTO);

	/* transform count: one too many, one too few, none */
	len = sa_msg(buf, sizeof(buf), seq, 1, IKEV2_PROTO_ESP, 4);
	buf[prop + 7] = 3;
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_XFORM_COUNT);
	buf[prop + 7] = 1;
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_XFORM_COUNT);
	buf[prop + 7] = 0;
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_XFORM_COUNT);
	buf[prop + 7] = 2;
	assert_int_equal(check(buf, len, &m), IKE_STAT_N);

	/* nested lengths and chains that disagree */
	buf[prop + 12] = IKEV2_PLD_NONE; /* first transform says last */
	assert_int_equal(check(buf, len, &m), IKE_DROP_NESTED);
	buf[prop + 12] = IKEV2_XFORM_MORE;
	buf[prop] = IKEV2_PROP_MORE; /* a proposal promised, none follows */
	assert_int_equal(check(buf, len, &m), IKE_DROP_NESTED);
	buf[prop] = IKEV2_PLD_NONE;
	put16(buf + prop + 2, get16(buf + prop + 2) - 1);
	assert_int_equal(check(buf, len, &m), IKE_DROP_NESTED);
	put16(buf + prop + 2, get16(buf + prop + 2) + 1);
	put16(buf + prop + 12 + 2, 7); /* transform shorter than its fixed part */
	assert_int_equal(check(buf, len, &m), IKE_DROP_NESTED);
	put16(buf + prop + 12 + 2, 10); /* attribute cut short */
	assert_int_equal(check(buf, len, &m), IKE_DROP_NESTED);
	put16(buf + prop + 12 + 2, 12);
	assert_int_equal(check(buf, len, &m), IKE_STAT_N);

	/* an SA without proposals */
	len = one(buf, sizeof(buf), IKEV2_PLD_SA, NULL, 0);
	assert_int_equal(check(buf, len, &m), IKE_DROP_MALFORMED);
}

static void
test_payload_refusals(void **state)
{
	uint8_t buf[512], body[300];
	struct ike_msg m;
	size_t len;

	(void)state;
	/* nonce 16..256 */
	memset(body, 0x5c, sizeof(body));
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_NONCE, body, 15), &m),
			 IKE_DROP_V2_NONCE);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_NONCE, body, 16), &m),
			 IKE_STAT_N);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_NONCE, body, 256), &m),
			 IKE_STAT_N);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_NONCE, body, 257), &m),
			 IKE_DROP_V2_NONCE);

	/* Delete: ESP count must fill it, IKE has none */
	memcpy(body, "\x03\x04\x00\x03", 4);
	memcpy(body + 4, DSPIS, 8);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_D, body, 12), &m),
			 IKE_DROP_V2_DELETE);
	body[3] = 2;
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_D, body, 12), &m), IKE_STAT_N);
	body[3] = 0;
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_D, body, 4), &m),
			 IKE_DROP_V2_DELETE);
	body[1] = 8;
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_D, body, 4), &m),
			 IKE_DROP_V2_SPI_SIZE);
	memcpy(body, "\x01\x00\x00\x01", 4);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_D, body, 4), &m),
			 IKE_DROP_V2_DELETE);
	body[3] = 0;
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_D, body, 4), &m), IKE_STAT_N);
	body[0] = 9;
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_D, body, 4), &m),
			 IKE_DROP_V2_PROTO);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_D, body, 3), &m),
			 IKE_DROP_MALFORMED);

	/* Notify: SPI size 0, 4 or 8 and within the payload */
	memcpy(body, "\x03\x04\x40\x00", 4);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_N, body, 8), &m), IKE_STAT_N);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_N, body, 7), &m),
			 IKE_DROP_MALFORMED);
	body[1] = 3;
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_N, body, 8), &m),
			 IKE_DROP_V2_SPI_SIZE);

	/* SKF: 1 <= number <= total */
	memcpy(body, "\x00\x00\x00\x02", 4);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_SKF, body, 20), &m),
			 IKE_DROP_V2_SKF);
	body[1] = 3;
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_SKF, body, 20), &m),
			 IKE_DROP_V2_SKF);
	body[1] = 2;
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_SKF, body, 20), &m),
			 IKE_STAT_N);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_SKF, body, 3), &m),
			 IKE_DROP_MALFORMED);

	/* KE, ID, AUTH, CERT: their fixed parts and some data */
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_KE, body, 4), &m),
			 IKE_DROP_MALFORMED);
	memcpy(body, "\x01\x00\x00\x00", 4);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_IDI, body, 8), &m), IKE_STAT_N);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_IDI, body, 9), &m),
			 IKE_DROP_MALFORMED);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_AUTH, body, 4), &m),
			 IKE_DROP_MALFORMED);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_CERT, body, 1), &m),
			 IKE_DROP_MALFORMED);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_CERTREQ, body, 1), &m),
			 IKE_STAT_N);
	/* EAP's own length must be the body's */
	memcpy(body, "\x02\x07\x00\x05\x01", 5);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_EAP, body, 5), &m), IKE_STAT_N);
	assert_int_equal(check(buf, one(buf, sizeof(buf), IKEV2_PLD_EAP, body, 6), &m),
			 IKE_DROP_MALFORMED);
	len = one(buf, sizeof(buf), IKEV2_PLD_VID, body, 0);
	assert_int_equal(check(buf, len, &m), IKE_DROP_MALFORMED);
}

static size_t
ts_msg(uint8_t *buf, size_t cap, const struct ike_v2_ts *ts, unsigned n)
{
	struct ike_wbuf w;

	hdr_start(&w, buf, cap, IKEV2_EXCH_CREATE_CHILD_SA, IKEV2_FLAG_I);
	ike_v2_build_ts(&w, IKEV2_PLD_TSI, ts, n);
	return finish(&w);
}

static void
test_ts_refusals(void **state)
{
	struct ike_v2_ts ts[2] = {
		{ .type = IKEV2_TS_IPV4_ADDR_RANGE,
		  .eport = 65535,
		  .start = NET4,
		  .end = NET4_END,
		  .alen = 4 },
		{ .type = IKEV2_TS_IPV6_ADDR_RANGE,
		  .eport = 65535,
		  .start = V6S,
		  .end = V6E,
		  .alen = 16 },
	};
	uint8_t buf[256];
	struct ike_msg m;
	size_t len;
	const size_t body = ISAKMP_HDR_LEN + 4;

	(void)state;
	len = ts_msg(buf, sizeof(buf), ts, 2);
	assert_int_equal(check(buf, len, &m), IKE_STAT_N);
	buf[body] = 3;
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_TS_COUNT);
	buf[body] = 1;
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_TS_COUNT);
	len = ts_msg(buf, sizeof(buf), ts, 1);
	buf[body] = 2;
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_TS_COUNT);
	buf[body] = 0;
	len = ts_msg(buf, sizeof(buf), ts, 0);
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_TS_COUNT);

	/* start above end: addresses, ports (OPAQUE excepted) */
	ts[0].start = NET4_END;
	ts[0].end = NET4;
	assert_int_equal(check(buf, ts_msg(buf, sizeof(buf), ts, 1), &m), IKE_DROP_V2_TS_RANGE);
	ts[1].start = V6E;
	ts[1].end = V6S;
	assert_int_equal(check(buf, ts_msg(buf, sizeof(buf), ts + 1, 1), &m), IKE_DROP_V2_TS_RANGE);
	ts[0].start = NET4;
	ts[0].end = NET4_END;
	ts[0].sport = 501;
	ts[0].eport = 500;
	assert_int_equal(check(buf, ts_msg(buf, sizeof(buf), ts, 1), &m), IKE_DROP_V2_TS_RANGE);
	ts[0].sport = 65535;
	ts[0].eport = 0;
	assert_int_equal(check(buf, ts_msg(buf, sizeof(buf), ts, 1), &m), IKE_STAT_N);

	/* type and length */
	len = ts_msg(buf, sizeof(buf), ts, 1);
	buf[body + 4] = 9;
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_TS_TYPE);
	buf[body + 4] = IKEV2_TS_IPV6_ADDR_RANGE; /* 16 bytes long */
	assert_int_equal(check(buf, len, &m), IKE_DROP_V2_TS_TYPE);
	buf[body + 4] = IKEV2_TS_IPV4_ADDR_RANGE;
	put16(buf + body + 6, 17);
	assert_int_equal(check(buf, len, &m), IKE_DROP_NESTED);
	put16(buf + body + 6, 7);
	assert_int_equal(check(buf, len, &m), IKE_DROP_NESTED);
}

static void
test_builder_overflow(void **state)
{
	uint8_t buf[64];
	struct ike_wbuf w;
	struct ike_v2_sab b;

	(void)state;
	hdr_start(&w, buf, sizeof(buf), IKEV2_EXCH_IKE_SA_INIT, IKEV2_FLAG_I);
	ike_v2_sab_begin(&b, &w);
	for (unsigned i = 1; i <= 4; i++) {
		ike_v2_sab_prop(&b, (uint8_t)i, IKEV2_PROTO_IKE, NULL, 0);
		ike_v2_sab_xform(&b, IKEV2_XF_ENCR, IKEV2_ENCR_AES_CBC);
		ike_v2_sab_keylen(&b, 256);
		ike_v2_sab_xform_end(&b);
		ike_v2_sab_prop_end(&b);
	}
	ike_v2_sab_end(&b);
	ike_v2_build_ke(&w, 14, KEDATA, sizeof(KEDATA));
	ike_wb_hdr_finish(&w);
	assert_true(w.overflow);
	assert_true(w.len <= sizeof(buf));
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ike_v2_pld_name(IKEV2_PLD_SA), "SA");
	assert_string_equal(ike_v2_pld_name(IKEV2_PLD_EAP), "EAP");
	assert_string_equal(ike_v2_pld_name(IKEV2_PLD_SKF), "SKF");
	assert_string_equal(ike_v2_pld_name(49), "unknown");
	assert_string_equal(ike_v2_exch_name(IKEV2_EXCH_INFORMATIONAL), "INFORMATIONAL");
	assert_string_equal(ike_stat_name(IKE_DROP_V2_MAJOR), "drop_V2_MAJOR");
	assert_non_null(ike_stat_text(IKE_DROP_V2_SKF));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all),   cmocka_unit_test(test_roundtrip_sk),
		cmocka_unit_test(test_reply_sa),        cmocka_unit_test(test_strongswan_sa_init),
		cmocka_unit_test(test_header_refusals), cmocka_unit_test(test_chain_refusals),
		cmocka_unit_test(test_sa_refusals),     cmocka_unit_test(test_payload_refusals),
		cmocka_unit_test(test_ts_refusals),     cmocka_unit_test(test_builder_overflow),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("ike_v2_codec", tests, NULL, NULL);
}
