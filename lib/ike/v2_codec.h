/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 message codec (RFC 7296 s3, RFC 7383 s2.5): validate/parse pairs
 * for the header and every payload, the payload-chain walk, and builders.
 *
 * Same rules as codec.h, whose message, payload, cursor and write-buffer
 * types it shares: validators memcpy fixed parts into the wire structs of
 * wire.h and check every length (left >= fixed size, length >= fixed size,
 * left >= length); a parser runs only on what its validator accepted and
 * points into the caller's buffer; failures return false and set *why.
 * struct ike_hdr carries the IKEv2 header: icookie is SPIi, rcookie SPIr.
 */
#ifndef IKE_V2_CODEC_H
#define IKE_V2_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/* Typed payloads (bodies point into the message). Nonce and Vendor ID
 * use struct ike_pl_data (ike_data_parse), CERT and CERTREQ struct
 * ike_pl_cert (ike_cert_parse), a proposal struct ike_prop and an
 * attribute struct ike_attr (ike_attr_next): their layouts fit. */
struct ike_v2_pl_ke {
	uint16_t group;
	const uint8_t *data;
	uint16_t len;
};

struct ike_v2_pl_id { /* IDi, IDr; AUTH (type is the method) */
	uint8_t type;
	const uint8_t *data;
	uint16_t len;
};

struct ike_v2_pl_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	uint16_t data_len;
};

struct ike_v2_pl_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t nspi;
	const uint8_t *spis; /* nspi * spi_size bytes */
};

struct ike_v2_pl_sa {
	const uint8_t *props;
	uint16_t props_len;
};

struct ike_v2_xform { /* s3.3.2 */
	uint8_t type;
	uint16_t id;
	const uint8_t *raw; /* generic header included */
	uint16_t raw_len;
	const uint8_t *attrs;
	uint16_t attrs_len;
};

struct ike_v2_pl_ts { /* TSi, TSr */
	uint8_t count;
	const uint8_t *sels;
	uint16_t sels_len;
};

/* One traffic selector: the addresses are alen bytes each, network order.
 * IPv6 ranges parse; whether to accept one is the engine's call. */
struct ike_v2_ts {
	uint8_t type;
	uint8_t proto; /* 0: any */
	uint16_t sport, eport;
	const uint8_t *start, *end;
	uint8_t alen; /* 4 or 16 */
};

struct ike_v2_pl_sk { /* IV, ciphertext, padding and ICV, unsplit */
	uint8_t np;   /* the first inner payload */
	const uint8_t *data;
	uint16_t len;
};

struct ike_v2_pl_skf {
	uint8_t np; /* the first inner payload; 0 past the first fragment */
	uint16_t num;
	uint16_t total;
	const uint8_t *data;
	uint16_t len;
};

/* Header and chain. ike_v2_hdr_validate takes the datagram after any
 * non-ESP marker. ike_v2_chain_parse walks from the first payload type
 * np: the outer chain (inner false) may end with SK or SKF, whose length
 * must run to the end; a decrypted chain (inner true) may hold neither.
 * An unknown payload marked critical fails with IKE_DROP_CRITICAL and its
 * type in *crit, for UNSUPPORTED_CRITICAL_PAYLOAD. */
bool ike_v2_hdr_validate(const uint8_t *buf, size_t len, struct ike_hdr *h, enum ike_stat *why);
bool ike_v2_chain_parse(const uint8_t *p, size_t len, uint8_t np, bool inner, struct ike_msg *m,
			uint8_t *crit, enum ike_stat *why);
/* Every payload of m by its validator; m->hdr.flags' R bit says whether
 * SA payloads are a reply's (one proposal, the number it accepted). */
bool ike_v2_msg_validate(const struct ike_msg *m, enum ike_stat *why);

/* SA: validate the whole nested structure once, then iterate. */
bool ike_v2_sa_validate(const struct ike_pld *pl, bool reply, enum ike_stat *why);
void ike_v2_sa_parse(const struct ike_pld *pl, struct ike_v2_pl_sa *out);
void ike_v2_prop_iter(const struct ike_v2_pl_sa *sa, struct ike_iter *it);
bool ike_v2_prop_next(struct ike_iter *it, struct ike_prop *out);
void ike_v2_xform_iter(const struct ike_prop *p, struct ike_iter *it);
bool ike_v2_xform_next(struct ike_iter *it, struct ike_v2_xform *out);
void ike_v2_attr_iter(const struct ike_v2_xform *x, struct ike_iter *it);

bool ike_v2_ke_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_v2_ke_parse(const struct ike_pld *pl, struct ike_v2_pl_ke *out);
bool ike_v2_id_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_v2_id_parse(const struct ike_pld *pl, struct ike_v2_pl_id *out);
bool ike_v2_auth_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_v2_auth_parse(const struct ike_pld *pl, struct ike_v2_pl_id *out);
bool ike_v2_nonce_validate(const struct ike_pld *pl, enum ike_stat *why);
bool ike_v2_notify_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_v2_notify_parse(const struct ike_pld *pl, struct ike_v2_pl_notify *out);
bool ike_v2_delete_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_v2_delete_parse(const struct ike_pld *pl, struct ike_v2_pl_delete *out);
bool ike_v2_ts_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_v2_ts_parse(const struct ike_pld *pl, struct ike_v2_pl_ts *out);
void ike_v2_ts_iter(const struct ike_v2_pl_ts *ts, struct ike_iter *it);
bool ike_v2_ts_next(struct ike_iter *it, struct ike_v2_ts *out);
bool ike_v2_cert_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_v2_sk_parse(const struct ike_pld *pl, struct ike_v2_pl_sk *out);
bool ike_v2_skf_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_v2_skf_parse(const struct ike_pld *pl, struct ike_v2_pl_skf *out);

/* Builders, on struct ike_wbuf: ike_v2_wb_hdr, then payloads (each sets
 * the previous one's next-payload byte through ike_wb_pld_begin), then
 * ike_wb_hdr_finish for the length. */
void ike_v2_wb_hdr(struct ike_wbuf *w, const struct ike_hdr *h);
void ike_v2_build_ke(struct ike_wbuf *w, uint16_t group, const uint8_t *d, size_t len);
void ike_v2_build_id(struct ike_wbuf *w, uint8_t pld, uint8_t type, const uint8_t *d, size_t len);
void ike_v2_build_notify(struct ike_wbuf *w, const struct ike_v2_pl_notify *n);
void ike_v2_build_delete(struct ike_wbuf *w, const struct ike_v2_pl_delete *d);
void ike_v2_build_ts(struct ike_wbuf *w, uint8_t pld, const struct ike_v2_ts *ts, unsigned n);
/* Nonce, Vendor ID: ike_build_data; CERT, CERTREQ: ike_build_cert;
 * AUTH: ike_v2_build_id with IKEV2_PLD_AUTH and the method. */

/* SA builder: sab_begin, { prop, { xform, [keylen], xform_end },
 * prop_end }, sab_end. Proposal numbers are the caller's: a reply
 * repeats the number of the proposal it accepted. */
struct ike_v2_sab {
	struct ike_wbuf *w;
	size_t sa_off, prop_off, xf_off;
	size_t prev_prop, prev_xf; /* offsets of the previous np bytes, or SIZE_MAX */
	uint8_t nxf;
};

void ike_v2_sab_begin(struct ike_v2_sab *b, struct ike_wbuf *w);
void ike_v2_sab_prop(struct ike_v2_sab *b, uint8_t num, uint8_t proto, const uint8_t *spi,
		     uint8_t spi_size);
void ike_v2_sab_xform(struct ike_v2_sab *b, uint8_t type, uint16_t id);
void ike_v2_sab_keylen(struct ike_v2_sab *b, uint16_t bits);
void ike_v2_sab_xform_end(struct ike_v2_sab *b);
void ike_v2_sab_prop_end(struct ike_v2_sab *b);
void ike_v2_sab_end(struct ike_v2_sab *b);

const char *ike_v2_pld_name(uint8_t type);
const char *ike_v2_exch_name(uint8_t exch);

#endif /* IKE_V2_CODEC_H */
