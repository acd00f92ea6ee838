/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISAKMP codec: every payload type round-trips through the builders and
 * the validate/parse pairs; truncated, overlong, nested-length-lie and
 * unknown-critical inputs are refused with the expected reason; attribute
 * values too large for their field are refused, not truncated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "priv.h"

static const uint8_t ICK[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t RCK[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t KEDATA[128] = { 0xaa, 0xbb };
static const uint8_t NONCE[32] = { 0x11, 0x22 };
static const uint8_t HASHV[20] = { 0x33 };
static const uint8_t SIGV[40] = { 0x44 };
static const uint8_t VIDV[16] = { 0x4a, 0x13, 0x1c, 0x81 };
static const uint8_t CERTV[10] = { 0x30, 0x82 };
static const uint8_t SPI4[4] = { 0xde, 0xad, 0xbe, 0xef };
static const uint8_t DSPIS[8] = { 0, 0, 1, 0, 0, 0, 2, 0 };

/* Build a message holding every payload type once (twice for NAT-D). */
static size_t
build_all(uint8_t *buf, size_t cap)
{
	struct ike_wbuf w;
	struct ike_hdr h = { .exch = ISAKMP_EXCH_IDPROT, .msgid = 0x01020304 };
	struct ike_sab b;
	struct ike_pl_id id = { .type = ID_IPV4_ADDR,
				.proto = 17,
				.port = 500,
				.data = (const uint8_t *)"\xc0\xa8\x00\x01",
				.len = 4 };
	struct ike_pl_notify n = { .doi = IPSEC_DOI,
				   .proto = PROTO_IPSEC_ESP,
				   .spi_size = 4,
				   .type = N_RESPONDER_LIFETIME,
				   .spi = SPI4,
				   .data = (const uint8_t *)"\x80\x01\x00\x01",
				   .data_len = 4 };
	struct ike_pl_delete d = {
		.doi = IPSEC_DOI, .proto = PROTO_IPSEC_ESP, .spi_size = 4, .nspi = 2, .spis = DSPIS
	};
	struct ike_pl_cert c = { .encoding = 4, .data = CERTV, .len = sizeof(CERTV) };
	struct ike_pl_cert cr = { .encoding = 4, .data = NULL, .len = 0 };
	static const uint8_t tlv[3] = { 7, 8, 9 };

	memcpy(h.icookie, ICK, 8);
	memcpy(h.rcookie, RCK, 8);
	ike_wb_init(&w, buf, cap);
	ike_wb_hdr(&w, &h);
	ike_sab_begin(&b, &w, IPSEC_DOI, SIT_IDENTITY_ONLY);
	ike_sab_prop(&b, 1, PROTO_ISAKMP, NULL, 0);
	ike_sab_xform(&b, 1, KEY_IKE);
	ike_sab_attr(&b, P1A_ENC, P1_ENC_AES_CBC);
	ike_sab_attr(&b, P1A_LIFE_DURATION, 28800);
	ike_sab_attr(&b, P1A_LIFE_DURATION, 0x12345678);
	ike_sab_xform_end(&b);
	ike_sab_xform(&b, 2, KEY_IKE);
	ike_sab_attr_tlv(&b, 99, tlv, sizeof(tlv));
	ike_sab_xform_end(&b);
	ike_sab_prop_end(&b);
	ike_sab_prop(&b, 2, PROTO_IPSEC_ESP, SPI4, 4);
	ike_sab_xform(&b, 1, ESP_AES_CBC);
	ike_sab_xform_end(&b);
	ike_sab_prop_end(&b);
	ike_sab_end(&b);
	ike_build_data(&w, ISAKMP_PLD_KE, KEDATA, sizeof(KEDATA));
	ike_build_id(&w, &id);
	ike_build_cert(&w, ISAKMP_PLD_CERT, &c);
	ike_build_cert(&w, ISAKMP_PLD_CR, &cr);
	ike_build_data(&w, ISAKMP_PLD_HASH, HASHV, sizeof(HASHV));
	ike_build_data(&w, ISAKMP_PLD_SIG, SIGV, sizeof(SIGV));
	ike_build_data(&w, ISAKMP_PLD_NONCE, NONCE, sizeof(NONCE));
	ike_build_notify(&w, &n);
	ike_build_delete(&w, &d);
	ike_build_data(&w, ISAKMP_PLD_VID, VIDV, sizeof(VIDV));
	ike_build_data(&w, ISAKMP_PLD_NATD, HASHV, sizeof(HASHV));
	ike_build_data(&w, ISAKMP_PLD_NATD_DRAFT, HASHV, 16);
	ike_build_natoa(&w, ISAKMP_PLD_NATOA, 0xc0a80001);
	ike_build_natoa(&w, ISAKMP_PLD_NATOA_DRAFT, 0x0a000001);
	ike_wb_hdr_finish(&w);
	assert_false(w.overflow);
	return w.len;
}

static void
parse_ok(const uint8_t *buf, size_t len, struct ike_msg *m)
{
	enum ike_stat why = IKE_STAT_N;

	assert_true(ike_hdr_validate(buf, len, &m->hdr, &why));
	assert_true(ike_chain_parse(buf + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, m->hdr.np, false, m,
				    &why));
	assert_true(ike_msg_validate(m, &why));
}

static void
test_roundtrip_all(void **state)
{
	uint8_t buf[2048];
	size_t len = build_all(buf, sizeof(buf));
	struct ike_msg m;
	struct ike_pl_sa sa;
	struct ike_prop p;
	struct ike_xform x;
	struct ike_attr a;
	struct ike_iter pi, xi, ai;
	struct ike_pl_data dd;
	struct ike_pl_id id;
	struct ike_pl_notify n;
	struct ike_pl_delete d;
	struct ike_pl_natoa oa;
	struct ike_pl_cert c;
	static const uint8_t order[] = {
		ISAKMP_PLD_SA,         ISAKMP_PLD_KE,    ISAKMP_PLD_ID,          ISAKMP_PLD_CERT,
		ISAKMP_PLD_CR,         ISAKMP_PLD_HASH,  ISAKMP_PLD_SIG,         ISAKMP_PLD_NONCE,
		ISAKMP_PLD_N,          ISAKMP_PLD_D,     ISAKMP_PLD_VID,         ISAKMP_PLD_NATD,
		ISAKMP_PLD_NATD_DRAFT, ISAKMP_PLD_NATOA, ISAKMP_PLD_NATOA_DRAFT,
	};

	(void)state;
	parse_ok(buf, len, &m);
	assert_memory_equal(m.hdr.icookie, ICK, 8);
	assert_memory_equal(m.hdr.rcookie, RCK, 8);
	assert_int_equal(m.hdr.msgid, 0x01020304);
	assert_int_equal(m.hdr.exch, ISAKMP_EXCH_IDPROT);
	assert_int_equal(m.hdr.len, len);
	assert_int_equal(m.n, sizeof(order));
	for (unsigned i = 0; i < sizeof(order); i++)
		assert_int_equal(m.pld[i].type, order[i]);
	assert_int_equal(m.chain_len, len - ISAKMP_HDR_LEN);

	/* SA: two proposals, 2 + 1 transforms, TV and TLV attributes */
	ike_sa_parse(&m.pld[0], &sa);
	assert_int_equal(sa.doi, IPSEC_DOI);
	assert_int_equal(sa.situation, SIT_IDENTITY_ONLY);
	ike_prop_iter(&sa, &pi);
	assert_true(ike_prop_next(&pi, &p));
	assert_int_equal(p.num, 1);
	assert_int_equal(p.proto, PROTO_ISAKMP);
	assert_int_equal(p.ntrans, 2);
	ike_xform_iter(&p, &xi);
	assert_true(ike_xform_next(&xi, &x));
	assert_int_equal(x.id, KEY_IKE);
	ike_attr_iter(&x, &ai);
	assert_true(ike_attr_next(&ai, &a));
	assert_true(a.tv);
	assert_int_equal(a.type, P1A_ENC);
	assert_int_equal(a.val, P1_ENC_AES_CBC);
	assert_true(ike_attr_next(&ai, &a));
	assert_int_equal(a.val, 28800);
	assert_true(ike_attr_next(&ai, &a));
	assert_false(a.tv);
	assert_int_equal(a.len, 4);
	assert_true(a.val_ok);
	assert_int_equal(a.val, 0x12345678);
	assert_false(ike_attr_next(&ai, &a));
	assert_true(ike_xform_next(&xi, &x));
	assert_int_equal(x.num, 2);
	ike_attr_iter(&x, &ai);
	assert_true(ike_attr_next(&ai, &a));
	assert_int_equal(a.type, 99);
	assert_int_equal(a.len, 3);
	assert_memory_equal(a.data, "\x07\x08\x09", 3);
	assert_false(ike_xform_next(&xi, &x));
	assert_true(ike_prop_next(&pi, &p));
	assert_int_equal(p.proto, PROTO_IPSEC_ESP);
	assert_int_equal(p.spi_size, 4);
	assert_memory_equal(p.spi, SPI4, 4);
	assert_false(ike_prop_next(&pi, &p));

	ike_data_parse(&m.pld[1], &dd);
	assert_int_equal(dd.len, sizeof(KEDATA));
	assert_memory_equal(dd.data, KEDATA, sizeof(KEDATA));
	ike_id_parse(&m.pld[2], &id);
	assert_int_equal(id.type, ID_IPV4_ADDR);
	assert_int_equal(id.proto, 17);
	assert_int_equal(id.port, 500);
	assert_int_equal(id.len, 4);
	assert_memory_equal(id.data, "\xc0\xa8\x00\x01", 4);
	ike_cert_parse(&m.pld[3], &c);
	assert_int_equal(c.encoding, 4);
	assert_int_equal(c.len, sizeof(CERTV));
	ike_cert_parse(&m.pld[4], &c);
	assert_int_equal(c.len, 0);
	ike_data_parse(&m.pld[5], &dd);
	assert_memory_equal(dd.data, HASHV, sizeof(HASHV));
	ike_data_parse(&m.pld[6], &dd);
	assert_int_equal(dd.len, sizeof(SIGV));
	ike_data_parse(&m.pld[7], &dd);
	assert_memory_equal(dd.data, NONCE, sizeof(NONCE));
	ike_notify_parse(&m.pld[8], &n);
	assert_int_equal(n.type, N_RESPONDER_LIFETIME);
	assert_int_equal(n.proto, PROTO_IPSEC_ESP);
	assert_int_equal(n.spi_size, 4);
	assert_memory_equal(n.spi, SPI4, 4);
	assert_int_equal(n.data_len, 4);
	ike_delete_parse(&m.pld[9], &d);
	assert_int_equal(d.nspi, 2);
	assert_memory_equal(d.spis, DSPIS, 8);
	ike_data_parse(&m.pld[10], &dd);
	assert_memory_equal(dd.data, VIDV, 16);
	ike_data_parse(&m.pld[12], &dd);
	assert_int_equal(dd.len, 16);
	ike_natoa_parse(&m.pld[13], &oa);
	assert_int_equal(oa.addr, 0xc0a80001);
	ike_natoa_parse(&m.pld[14], &oa);
	assert_int_equal(oa.addr, 0x0a000001);
}

/* Every prefix of a valid message is refused, never read past. */
static void
test_truncated(void **state)
{
	uint8_t buf[2048];
	size_t len = build_all(buf, sizeof(buf));
	struct ike_msg m;
	enum ike_stat why;

	(void)state;
	for (size_t l = 0; l < len; l++) {
		why = IKE_STAT_N;
		assert_false(ike_hdr_validate(buf, l, &m.hdr, &why));
		assert_true(why == IKE_DROP_SHORT || why == IKE_DROP_LENGTH);
	}
	/* the chain alone, cut anywhere but at a payload boundary */
	assert_true(ike_hdr_validate(buf, len, &m.hdr, &why));
	for (size_t l = 0; l < len - ISAKMP_HDR_LEN; l++) {
		bool ok = ike_chain_parse(buf + ISAKMP_HDR_LEN, l, m.hdr.np, false, &m, &why);
		assert_false(ok);
		assert_true(why == IKE_DROP_TRUNCATED || why == IKE_DROP_TRAILING);
	}
}

/* Payload length larger than what is left, or below 4. */
static void
test_overlong_and_short_payload(void **state)
{
	uint8_t buf[2048];
	size_t len = build_all(buf, sizeof(buf));
	struct ike_msg m;
	enum ike_stat why;
	uint8_t *ke;

	(void)state;
	assert_true(ike_hdr_validate(buf, len, &m.hdr, &why));
	assert_true(ike_chain_parse(buf + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, m.hdr.np, false, &m,
				    &why));
	ke = (uint8_t *)m.pld[1].raw;
	put16(ke + 2, 0xfff0);
	assert_false(ike_chain_parse(buf + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, m.hdr.np, false,
				     &m, &why));
	assert_int_equal(why, IKE_DROP_TRUNCATED);
	put16(ke + 2, 3);
	assert_false(ike_chain_parse(buf + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, m.hdr.np, false,
				     &m, &why));
	assert_int_equal(why, IKE_DROP_PLD_LENGTH);
	/* header length larger than the datagram */
	len = build_all(buf, sizeof(buf));
	put32(buf + 24, (uint32_t)len + 1);
	assert_false(ike_hdr_validate(buf, len, &m.hdr, &why));
	assert_int_equal(why, IKE_DROP_LENGTH);
}

/* Build SA payloads with inner lengths that lie about their contents. */
static size_t
build_sa(uint8_t *buf, size_t cap)
{
	struct ike_wbuf w;
	struct ike_sab b;

	ike_wb_init(&w, buf, cap);
	ike_sab_begin(&b, &w, IPSEC_DOI, SIT_IDENTITY_ONLY);
	ike_sab_prop(&b, 1, PROTO_IPSEC_ESP, SPI4, 4);
	ike_sab_xform(&b, 1, ESP_AES_CBC);
	ike_sab_attr(&b, P2A_KEY_LENGTH, 128);
	ike_sab_attr(&b, P2A_LIFE_DURATION, 100000);
	ike_sab_xform_end(&b);
	ike_sab_xform(&b, 2, ESP_AES_CBC);
	ike_sab_attr(&b, P2A_KEY_LENGTH, 256);
	ike_sab_xform_end(&b);
	ike_sab_prop_end(&b);
	ike_sab_end(&b);
	assert_false(w.overflow);
	return w.len;
}

static enum ike_stat
sa_check(const uint8_t *buf, size_t len)
{
	struct ike_msg m;
	enum ike_stat why = IKE_STAT_N;

	if (!ike_chain_parse(buf, len, ISAKMP_PLD_SA, false, &m, &why))
		return why;
	if (!ike_msg_validate(&m, &why))
		return why;
	return IKE_STAT_N;
}

static void
test_nested_lies(void **state)
{
	uint8_t good[256], b[256];
	size_t len = build_sa(good, sizeof(good));
	const size_t prop = ISAKMP_GEN_LEN + SA_FIXED_LEN;
	const size_t xf1 = prop + ISAKMP_GEN_LEN + PROP_FIXED_LEN + 4;
	const size_t at1 = xf1 + ISAKMP_GEN_LEN + XFORM_FIXED_LEN;
	uint16_t plen = get16(good + prop + 2), xlen = get16(good + xf1 + 2);

	(void)state;
	assert_int_equal(sa_check(good, len), IKE_STAT_N);
#define LIE(stmt)                                                    \
	do {                                                         \
		memcpy(b, good, len);                                \
		stmt;                                                \
		assert_int_equal(sa_check(b, len), IKE_DROP_NESTED); \
	} while (0)
	LIE(put16(b + prop + 2, plen + 4));                          /* proposal too long */
	LIE(put16(b + prop + 2, plen - 4));                          /* proposal too short */
	LIE(put16(b + prop + 2, 3));                                 /* below its header */
	LIE(b[prop + ISAKMP_GEN_LEN + 3] = 3);                       /* #transforms lies up */
	LIE(b[prop + ISAKMP_GEN_LEN + 3] = 1);                       /* ... and down */
	LIE(b[prop + ISAKMP_GEN_LEN + 3] = 0);                       /* no transforms */
	LIE(b[prop + ISAKMP_GEN_LEN + 2] = 200);                     /* SPI size past the end */
	LIE(put16(b + xf1 + 2, xlen + 2));                           /* transform too long */
	LIE(put16(b + xf1 + 2, xlen - 2));                           /* splits an attribute */
	LIE(b[xf1] = ISAKMP_PLD_NONE);                               /* chain ends early */
	LIE(b[prop] = ISAKMP_PLD_P);                                 /* says more proposals */
	LIE(b[prop] = ISAKMP_PLD_KE);                                /* wrong nested type */
	LIE(put16(b + at1, P2A_KEY_LENGTH); put16(b + at1 + 2, 60)); /* TLV overrun */
#undef LIE
}

static void
test_unknown_payloads(void **state)
{
	uint8_t buf[64];
	struct ike_msg m;
	enum ike_stat why;

	(void)state;
	/* unknown type 77, not critical: skipped; then a VID */
	memset(buf, 0, sizeof(buf));
	buf[0] = ISAKMP_PLD_VID;
	put16(buf + 2, 8);
	buf[8] = ISAKMP_PLD_NONE;
	put16(buf + 10, 8);
	assert_true(ike_chain_parse(buf, 16, 77, false, &m, &why));
	assert_int_equal(m.n, 1);
	assert_int_equal(m.skipped, 1);
	/* critical bit on an unknown type */
	buf[1] = ISAKMP_CRITICAL;
	assert_false(ike_chain_parse(buf, 16, 77, false, &m, &why));
	assert_int_equal(why, IKE_DROP_CRITICAL);
	/* proposal payload at the top level */
	assert_false(ike_chain_parse(buf, 16, ISAKMP_PLD_P, false, &m, &why));
	assert_int_equal(why, IKE_DROP_UNEXPECTED);
	/* trailing bytes: refused in cleartext, allowed as cipher padding */
	buf[1] = 0;
	assert_false(ike_chain_parse(buf + 8, 16, ISAKMP_PLD_VID, false, &m, &why));
	assert_int_equal(why, IKE_DROP_TRAILING);
	assert_true(ike_chain_parse(buf + 8, 16, ISAKMP_PLD_VID, true, &m, &why));
	assert_int_equal(m.chain_len, 8);
}

static void
test_header_checks(void **state)
{
	uint8_t buf[2048];
	size_t len;
	struct ike_hdr h;
	enum ike_stat why;

	(void)state;
	len = build_all(buf, sizeof(buf));
	buf[17] = 0x20;
	assert_false(ike_hdr_validate(buf, len, &h, &why));
	assert_int_equal(why, IKE_DROP_VERSION);
	buf[17] = 0x11;
	assert_false(ike_hdr_validate(buf, len, &h, &why));
	assert_int_equal(why, IKE_DROP_VERSION);
	buf[17] = ISAKMP_VERSION;
	buf[18] = 34; /* IKEv2 IKE_SA_INIT */
	assert_false(ike_hdr_validate(buf, len, &h, &why));
	assert_int_equal(why, IKE_DROP_EXCHANGE);
	buf[18] = ISAKMP_EXCH_IDPROT;
	buf[19] = ISAKMP_FLAG_A;
	assert_false(ike_hdr_validate(buf, len, &h, &why));
	assert_int_equal(why, IKE_DROP_FLAGS);
	buf[19] = 0x80;
	assert_false(ike_hdr_validate(buf, len, &h, &why));
	assert_int_equal(why, IKE_DROP_FLAGS);
	buf[19] = ISAKMP_FLAG_C;
	assert_true(ike_hdr_validate(buf, len, &h, &why));
}

static void
test_payload_contents(void **state)
{
	struct ike_pld pl = { .type = ISAKMP_PLD_N };
	uint8_t body[32] = { 0 };
	enum ike_stat why;

	(void)state;
	pl.body = body;
	/* notify SPI size past the end */
	put32(body, IPSEC_DOI);
	body[5] = 16;
	pl.body_len = N_FIXED_LEN + 8;
	assert_false(ike_notify_validate(&pl, &why));
	pl.body_len = N_FIXED_LEN + 16;
	assert_true(ike_notify_validate(&pl, &why));
	/* delete: SPIs must fill the payload exactly */
	pl.type = ISAKMP_PLD_D;
	body[5] = 4;
	put16(body + 6, 2);
	pl.body_len = D_FIXED_LEN + 8;
	assert_true(ike_delete_validate(&pl, &why));
	pl.body_len = D_FIXED_LEN + 9;
	assert_false(ike_delete_validate(&pl, &why));
	put16(body + 6, 0);
	pl.body_len = D_FIXED_LEN;
	assert_false(ike_delete_validate(&pl, &why));
	/* ID lengths per type */
	pl.type = ISAKMP_PLD_ID;
	memset(body, 0, sizeof(body));
	body[0] = ID_IPV4_ADDR_SUBNET;
	pl.body_len = ID_FIXED_LEN + 4;
	assert_false(ike_id_validate(&pl, &why));
	pl.body_len = ID_FIXED_LEN + 8;
	assert_true(ike_id_validate(&pl, &why));
	body[0] = ID_FQDN;
	pl.body_len = ID_FIXED_LEN;
	assert_false(ike_id_validate(&pl, &why));
	/* nonce bounds (RFC 2409 s5: 8..256) */
	pl.type = ISAKMP_PLD_NONCE;
	pl.body_len = 7;
	assert_false(ike_data_validate(&pl, NONCE_MIN, NONCE_MAX, &why));
	/* NAT-OA: IPv4 only */
	pl.type = ISAKMP_PLD_NATOA;
	body[0] = ID_IPV6_ADDR;
	pl.body_len = NATOA_FIXED_LEN + 4;
	assert_false(ike_natoa_validate(&pl, &why));
}

static void
test_builder_overflow(void **state)
{
	uint8_t buf[40];
	struct ike_wbuf w;
	struct ike_hdr h = { .exch = ISAKMP_EXCH_INFO };

	(void)state;
	ike_wb_init(&w, buf, sizeof(buf));
	ike_wb_hdr(&w, &h);
	ike_build_data(&w, ISAKMP_PLD_NONCE, NONCE, sizeof(NONCE));
	assert_true(w.overflow);
}

/*
 * One SA payload holding one transform: phase 1 (AES-CBC, SHA1, PSK,
 * MODP1024) or ESP (AES-CBC, HMAC-SHA1, tunnel), with attribute `type`
 * set to `val` (any width: the builder picks TV or TLV).
 */
static void
sa_one(struct ike_msg *m, uint8_t *buf, size_t cap, bool esp, uint16_t type, uint64_t val)
{
	struct ike_hdr h = { .exch = esp ? ISAKMP_EXCH_QUICK : ISAKMP_EXCH_IDPROT };
	struct ike_wbuf w;
	struct ike_sab b;
	uint64_t v;

	ike_wb_init(&w, buf, cap);
	ike_wb_hdr(&w, &h);
	ike_sab_begin(&b, &w, IPSEC_DOI, SIT_IDENTITY_ONLY);
	ike_sab_prop(&b, 1, esp ? PROTO_IPSEC_ESP : PROTO_ISAKMP, SPI4, esp ? 4 : 0);
	ike_sab_xform(&b, 1, esp ? ESP_AES_CBC : KEY_IKE);
	if (esp) {
		static const uint16_t t[] = { P2A_ENCAP, P2A_AUTH, P2A_KEY_LENGTH };
		static const uint64_t d[] = { ENCAP_TUNNEL, P2_AUTH_HMAC_SHA1, 128 };

		for (unsigned i = 0; i < 3; i++) {
			v = t[i] == type ? val : d[i];
			ike_sab_attr(&b, t[i], v);
		}
	} else {
		static const uint16_t t[] = { P1A_ENC, P1A_KEY_LENGTH, P1A_HASH, P1A_AUTH,
					      P1A_GROUP };
		static const uint64_t d[] = { P1_ENC_AES_CBC, 128, P1_HASH_SHA1, P1_AUTH_PSK, 2 };

		for (unsigned i = 0; i < 5; i++) {
			v = t[i] == type ? val : d[i];
			ike_sab_attr(&b, t[i], v);
		}
	}
	ike_sab_xform_end(&b);
	ike_sab_prop_end(&b);
	ike_sab_end(&b);
	ike_wb_hdr_finish(&w);
	assert_false(w.overflow);
	parse_ok(buf, w.len, m);
}

/* A key length of 0x10080 is not 128, a group 0x10002 not MODP1024. */
static void
test_attr_range(void **state)
{
	static const struct ike_p1_proposal p1 = { IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1,
						   IKE_DH_MODP1024 };
	static const struct ike_esp_proposal esp = { IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1,
						     IKE_DH_NONE };
	uint8_t buf[512];
	struct ike_msg m;
	struct p1_choice c;
	struct esp_choice e;

	(void)state;
	sa_one(&m, buf, sizeof(buf), false, P1A_KEY_LENGTH, 128);
	assert_true(ike_prop_p1_select(&m.pld[0], &p1, 1, IKE_DH_NONE, &c));
	sa_one(&m, buf, sizeof(buf), false, P1A_KEY_LENGTH, 0x10080);
	assert_false(ike_prop_p1_select(&m.pld[0], &p1, 1, IKE_DH_NONE, &c));
	sa_one(&m, buf, sizeof(buf), false, P1A_GROUP, 0x100000002ULL);
	assert_false(ike_prop_p1_select(&m.pld[0], &p1, 1, IKE_DH_NONE, &c));

	sa_one(&m, buf, sizeof(buf), true, P2A_KEY_LENGTH, 128);
	assert_true(ike_prop_esp_select(&m.pld[0], &esp, 1, ENCAP_TUNNEL, ENCAP_TUNNEL, 0, &e));
	sa_one(&m, buf, sizeof(buf), true, P2A_KEY_LENGTH, 0x10080);
	assert_false(ike_prop_esp_select(&m.pld[0], &esp, 1, ENCAP_TUNNEL, ENCAP_TUNNEL, 0, &e));
	sa_one(&m, buf, sizeof(buf), true, P2A_ENCAP, 0x10000 | ENCAP_TUNNEL);
	assert_false(ike_prop_esp_select(&m.pld[0], &esp, 1, ENCAP_TUNNEL, ENCAP_TUNNEL, 0, &e));
}

static void
test_stat_names(void **state)
{
	(void)state;
	assert_string_equal(ike_stat_name(IKE_DROP_SHORT), "drop_SHORT");
	assert_string_equal(ike_stat_name(IKE_EV_RX), "ev_RX");
	assert_non_null(ike_stat_text(IKE_STAT_N - 1));
	assert_null(ike_stat_name(IKE_STAT_N));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_overlong_and_short_payload),
		cmocka_unit_test(test_nested_lies),
		cmocka_unit_test(test_unknown_payloads),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_payload_contents),
		cmocka_unit_test(test_builder_overflow),
		cmocka_unit_test(test_attr_range),
		cmocka_unit_test(test_stat_names),
	};

	return cmocka_run_group_tests_name("ike_codec", tests, NULL, NULL);
}
