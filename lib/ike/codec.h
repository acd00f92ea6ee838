/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISAKMP message codec: validate/parse pairs for the header and every
 * payload, the payload-chain walk, and builders.
 *
 * Parsing never casts into the message: validators memcpy the fixed part
 * into a wire struct and check (left >= fixed size, length >= fixed size,
 * left >= length); parsed structs point into the caller's buffer, which
 * must outlive them. Failures return false and set *why to a drop reason.
 */
#ifndef IKE_CODEC_H
#define IKE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike.h"
#include "wire.h"

#define IKE_MSG_MAX     16384 /* largest datagram we accept or build */
#define IKE_MSG_PLD_MAX 32    /* payloads kept per message */
#define IKE_PAD_MAX     255   /* padding allowed after an encrypted chain */

/* Parsed ISAKMP header. */
struct ike_hdr {
	uint8_t icookie[8];
	uint8_t rcookie[8];
	uint8_t np;
	uint8_t version;
	uint8_t exch;
	uint8_t flags;
	uint32_t msgid;
	uint32_t len;
};

/* One payload of a message; body points into the message. */
struct ike_pld {
	uint8_t type;
	uint16_t len;        /* generic header included */
	const uint8_t *raw;  /* generic header */
	const uint8_t *body; /* after the generic header */
	uint16_t body_len;
};

/* The payload chain of one (decrypted) message. */
struct ike_msg {
	struct ike_hdr hdr;
	struct ike_pld pld[IKE_MSG_PLD_MAX];
	unsigned n;
	const uint8_t *chain; /* first payload */
	size_t chain_len;     /* up to the end of the last payload, no padding */
	unsigned skipped;     /* unknown non-critical payloads skipped */
};

/* Typed payloads (bodies point into the message). */
struct ike_pl_data { /* KE, HASH, SIG, NONCE, VID, NAT-D */
	const uint8_t *data;
	uint16_t len;
};

struct ike_pl_id {
	uint8_t type;
	uint8_t proto;
	uint16_t port;
	const uint8_t *data;
	uint16_t len;
};

struct ike_pl_notify {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	uint16_t data_len;
};

struct ike_pl_delete {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t nspi;
	const uint8_t *spis; /* nspi * spi_size bytes */
};

struct ike_pl_natoa {
	uint8_t id_type; /* ID_IPV4_ADDR */
	uint32_t addr;   /* host order */
};

struct ike_pl_cert { /* CERT and CR */
	uint8_t encoding;
	const uint8_t *data;
	uint16_t len;
};

/* SA payload (RFC 2408 s3.4): the proposal chain, validated as a whole. */
struct ike_pl_sa {
	uint32_t doi;
	uint32_t situation;
	const uint8_t *props;
	uint16_t props_len;
};

struct ike_prop { /* RFC 2408 s3.5 */
	uint8_t num;
	uint8_t proto;
	uint8_t spi_size;
	uint8_t ntrans;
	const uint8_t *spi;
	const uint8_t *xforms;
	uint16_t xforms_len;
};

struct ike_xform { /* RFC 2408 s3.6 */
	uint8_t num;
	uint8_t id;
	const uint8_t *raw; /* generic header included */
	uint16_t raw_len;
	const uint8_t *attrs;
	uint16_t attrs_len;
};

struct ike_attr { /* RFC 2408 s3.3 */
	uint16_t type;
	bool tv;             /* basic (TV) form */
	uint64_t val;        /* TV value, or a TLV value of <= 8 bytes */
	bool val_ok;         /* val holds the value */
	const uint8_t *data; /* TLV value */
	uint16_t len;
};

/* A cursor over a validated chain (proposals, transforms, attributes). */
struct ike_iter {
	const uint8_t *p;
	size_t left;
};

/* header.c-ish: header and chain (codec.c) */
bool ike_hdr_validate(const uint8_t *buf, size_t len, struct ike_hdr *h, enum ike_stat *why);
bool ike_chain_parse(const uint8_t *p, size_t len, uint8_t np, bool padded, struct ike_msg *m,
		     enum ike_stat *why);
const struct ike_pld *ike_msg_find(const struct ike_msg *m, uint8_t type, unsigned nth);
unsigned ike_msg_count(const struct ike_msg *m, uint8_t type);
bool ike_msg_validate(const struct ike_msg *m, enum ike_stat *why);

/* Validate/parse pairs for the simple payloads (codec.c). */
bool ike_data_validate(const struct ike_pld *pl, size_t min, size_t max, enum ike_stat *why);
void ike_data_parse(const struct ike_pld *pl, struct ike_pl_data *out);
bool ike_id_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_id_parse(const struct ike_pld *pl, struct ike_pl_id *out);
bool ike_notify_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_notify_parse(const struct ike_pld *pl, struct ike_pl_notify *out);
bool ike_delete_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_delete_parse(const struct ike_pld *pl, struct ike_pl_delete *out);
bool ike_natoa_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_natoa_parse(const struct ike_pld *pl, struct ike_pl_natoa *out);
bool ike_cert_validate(const struct ike_pld *pl, enum ike_stat *why);
void ike_cert_parse(const struct ike_pld *pl, struct ike_pl_cert *out);

/* SA payload: validate the whole nested structure, then iterate (sapld.c). */
bool ike_sa_validate(const struct ike_pld *pl, enum ike_stat *why);
/* A transform's attribute list (TV and TLV, the same in IKEv1 and IKEv2)
 * fills exactly left bytes. */
bool ike_attrs_validate(const uint8_t *p, size_t left);
void ike_sa_parse(const struct ike_pld *pl, struct ike_pl_sa *out);
void ike_prop_iter(const struct ike_pl_sa *sa, struct ike_iter *it);
bool ike_prop_next(struct ike_iter *it, struct ike_prop *out);
void ike_xform_iter(const struct ike_prop *p, struct ike_iter *it);
bool ike_xform_next(struct ike_iter *it, struct ike_xform *out);
void ike_attr_iter(const struct ike_xform *x, struct ike_iter *it);
bool ike_attr_next(struct ike_iter *it, struct ike_attr *out);

/* Builders (codec.c): a bounded output buffer; any overflow sticks. */
struct ike_wbuf {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t np_at; /* offset of the next-payload byte to patch */
	bool overflow;
};

void ike_wb_init(struct ike_wbuf *w, uint8_t *buf, size_t cap);
uint8_t *ike_wb_put(struct ike_wbuf *w, const void *data, size_t len);
void ike_wb_put8(struct ike_wbuf *w, uint8_t v);
void ike_wb_put16(struct ike_wbuf *w, uint16_t v);
void ike_wb_put32(struct ike_wbuf *w, uint32_t v);
void ike_wb_hdr(struct ike_wbuf *w, const struct ike_hdr *h);
void ike_wb_hdr_version(struct ike_wbuf *w, const struct ike_hdr *h, uint8_t version);
void ike_wb_hdr_finish(struct ike_wbuf *w);
size_t ike_wb_pld_begin(struct ike_wbuf *w, uint8_t type);
void ike_wb_pld_end(struct ike_wbuf *w, size_t off);

void ike_build_data(struct ike_wbuf *w, uint8_t type, const uint8_t *d, size_t len);
void ike_build_id(struct ike_wbuf *w, const struct ike_pl_id *id);
void ike_build_notify(struct ike_wbuf *w, const struct ike_pl_notify *n);
void ike_build_delete(struct ike_wbuf *w, const struct ike_pl_delete *d);
void ike_build_natoa(struct ike_wbuf *w, uint8_t type, uint32_t addr);
void ike_build_cert(struct ike_wbuf *w, uint8_t type, const struct ike_pl_cert *c);

/* SA builder (sapld.c): sa_begin, { prop_begin, { xform_begin, attrs,
 * xform_end }, prop_end }, sa_end. */
struct ike_sab {
	struct ike_wbuf *w;
	size_t sa_off, prop_off, xf_off;
	size_t prev_prop, prev_xf; /* offsets of the previous np bytes, or 0 */
	uint8_t nxf;
};

void ike_sab_begin(struct ike_sab *b, struct ike_wbuf *w, uint32_t doi, uint32_t sit);
void ike_sab_prop(struct ike_sab *b, uint8_t num, uint8_t proto, const uint8_t *spi,
		  uint8_t spi_size);
void ike_sab_xform(struct ike_sab *b, uint8_t num, uint8_t id);
void ike_sab_attr(struct ike_sab *b, uint16_t type, uint64_t val);
void ike_sab_attr_tlv(struct ike_sab *b, uint16_t type, const uint8_t *d, uint16_t len);
void ike_sab_xform_raw(struct ike_sab *b, const uint8_t *raw, uint16_t len);
void ike_sab_xform_end(struct ike_sab *b);
void ike_sab_prop_end(struct ike_sab *b);
void ike_sab_end(struct ike_sab *b);

const char *ike_pld_name(uint8_t type);
const char *ike_exch_name(uint8_t exch);
const char *ike_notify_name(uint16_t type);

#endif /* IKE_CODEC_H */
