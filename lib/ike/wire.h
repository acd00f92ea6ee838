/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISAKMP/IKEv1 wire constants and fixed-size wire headers.
 *
 * The packed structs describe the fixed part of each header; they are only
 * ever filled with memcpy from (or copied into) a message buffer, never
 * overlaid on it. Multi-byte fields are big-endian on the wire; use
 * get16()/get32()/put16()/put32() to read and write them.
 */
#ifndef IKE_WIRE_H
#define IKE_WIRE_H

#include <stdint.h>
#include <string.h>

/* ISAKMP header (RFC 2408 s3.1). */
struct __attribute__((packed)) isakmp_hdr_wire {
	uint8_t ih_icookie[8]; /* initiator cookie */
	uint8_t ih_rcookie[8]; /* responder cookie */
	uint8_t ih_np;         /* first payload */
	uint8_t ih_version;    /* major << 4 | minor */
	uint8_t ih_exch;       /* exchange type */
	uint8_t ih_flags;      /* ISAKMP_FLAG_* */
	uint8_t ih_msgid[4];   /* message ID */
	uint8_t ih_length[4];  /* total length, header included */
};
#define ISAKMP_HDR_LEN 28

/* Generic payload header (RFC 2408 s3.2). Followed by the payload body. */
struct __attribute__((packed)) isakmp_gen_wire {
	uint8_t pld_np;        /* next payload */
	uint8_t pld_reserved;  /* 0; bit 0x80 is IKEv2's critical bit */
	uint8_t pld_length[2]; /* payload length, this header included */
};
#define ISAKMP_GEN_LEN  4
#define ISAKMP_CRITICAL 0x80

#define ISAKMP_VERSION 0x10 /* 1.0 (RFC 2408 s3.1) */

/* Header flags (RFC 2408 s3.1). */
#define ISAKMP_FLAG_E 0x01 /* encryption */
#define ISAKMP_FLAG_C 0x02 /* commit */
#define ISAKMP_FLAG_A 0x04 /* authentication only */

/* Exchange types (RFC 2408 s3.1, RFC 2409 s5/s5.5). */
#define ISAKMP_EXCH_IDPROT 2  /* Main Mode */
#define ISAKMP_EXCH_AGGR   4  /* Aggressive Mode */
#define ISAKMP_EXCH_INFO   5  /* Informational */
#define ISAKMP_EXCH_QUICK  32 /* Quick Mode (RFC 2409 s5.5) */

/* Payload types (RFC 2408 s3.1, RFC 3947 s3.2/s5.2, drafts). */
#define ISAKMP_PLD_NONE        0
#define ISAKMP_PLD_SA          1
#define ISAKMP_PLD_P           2
#define ISAKMP_PLD_T           3
#define ISAKMP_PLD_KE          4
#define ISAKMP_PLD_ID          5
#define ISAKMP_PLD_CERT        6
#define ISAKMP_PLD_CR          7
#define ISAKMP_PLD_HASH        8
#define ISAKMP_PLD_SIG         9
#define ISAKMP_PLD_NONCE       10
#define ISAKMP_PLD_N           11
#define ISAKMP_PLD_D           12
#define ISAKMP_PLD_VID         13
#define ISAKMP_PLD_NATD        20  /* RFC 3947 */
#define ISAKMP_PLD_NATOA       21  /* RFC 3947 */
#define ISAKMP_PLD_NATD_DRAFT  130 /* draft-ietf-ipsec-nat-t-ike-02/03 */
#define ISAKMP_PLD_NATOA_DRAFT 131

/* Domain of interpretation and situation (RFC 2407 s4.2, s4.2.1). */
#define IPSEC_DOI         1
#define SIT_IDENTITY_ONLY 1

/* Protocol IDs (RFC 2407 s4.4.1). */
#define PROTO_ISAKMP    1
#define PROTO_IPSEC_AH  2
#define PROTO_IPSEC_ESP 3

/* Transform IDs: ISAKMP (RFC 2407 s4.4.2), ESP (s4.4.4, RFC 4106 s8.4). */
#define KEY_IKE        1
#define ESP_AES_CBC    12 /* RFC 3602 */
#define ESP_AES_GCM_16 20 /* RFC 4106 */

/* Phase 1 attributes (RFC 2409 appendix A). */
#define P1A_ENC           1
#define P1A_HASH          2
#define P1A_AUTH          3
#define P1A_GROUP         4
#define P1A_GROUP_TYPE    5
#define P1A_LIFE_TYPE     11
#define P1A_LIFE_DURATION 12
#define P1A_PRF           13
#define P1A_KEY_LENGTH    14
#define P1_ENC_AES_CBC    7 /* RFC 3602 s5 */
#define P1_HASH_SHA1      2
#define P1_HASH_SHA256    4 /* RFC 4868 s4 */
#define P1_HASH_SHA384    5
#define P1_HASH_SHA512    6
#define P1_AUTH_PSK       1
#define LIFE_SECONDS      1
#define LIFE_KILOBYTES    2

/* Phase 2 (IPsec DOI) attributes (RFC 2407 s4.5). */
#define P2A_LIFE_TYPE             1
#define P2A_LIFE_DURATION         2
#define P2A_GROUP                 3
#define P2A_ENCAP                 4
#define P2A_AUTH                  5
#define P2A_KEY_LENGTH            6
#define P2A_KEY_ROUNDS            7
#define P2A_COMP_DICT             8
#define P2A_COMP_ALG              9
#define P2A_ESN                   11 /* RFC 4304 */
#define P2_AUTH_HMAC_SHA1         2
#define P2_AUTH_HMAC_SHA256       5 /* RFC 4868 s4 */
#define ENCAP_TUNNEL              1
#define ENCAP_TRANSPORT           2
#define ENCAP_UDP_TUNNEL          3 /* RFC 3947 s5.1 */
#define ENCAP_UDP_TRANSPORT       4
#define ENCAP_UDP_TUNNEL_DRAFT    61443 /* draft-ietf-ipsec-nat-t-ike */
#define ENCAP_UDP_TRANSPORT_DRAFT 61444

#define ISAKMP_ATTR_AF 0x8000 /* attribute is TV (RFC 2408 s3.3) */

/* ID types (RFC 2407 s4.6.2.1). */
#define ID_IPV4_ADDR        1
#define ID_FQDN             2
#define ID_USER_FQDN        3
#define ID_IPV4_ADDR_SUBNET 4
#define ID_IPV6_ADDR        5
#define ID_IPV4_ADDR_RANGE  7
#define ID_KEY_ID           11

/* Notify message types (RFC 2408 s3.14.1, RFC 2407 s4.6.3, RFC 3706 s5). */
#define N_INVALID_PAYLOAD_TYPE  1
#define N_INVALID_COOKIE        4
#define N_INVALID_EXCHANGE_TYPE 7
#define N_INVALID_MESSAGE_ID    9
#define N_INVALID_SPI           11
#define N_NO_PROPOSAL_CHOSEN    14
#define N_PAYLOAD_MALFORMED     16
#define N_INVALID_KEY_INFO      17
#define N_INVALID_ID_INFO       18
#define N_INVALID_HASH_INFO     23
#define N_AUTHENTICATION_FAILED 24
#define N_RESPONDER_LIFETIME    24576
#define N_REPLAY_STATUS         24577
#define N_INITIAL_CONTACT       24578
#define N_R_U_THERE             36136
#define N_R_U_THERE_ACK         36137

/* Wire sizes of fixed parts of payload bodies (after the generic header). */
#define SA_FIXED_LEN    8 /* DOI, situation */
#define PROP_FIXED_LEN  4 /* #, protocol, SPI size, #transforms */
#define XFORM_FIXED_LEN 4 /* #, transform ID, reserved */
#define ID_FIXED_LEN    4 /* type, protocol, port */
#define N_FIXED_LEN     8 /* DOI, protocol, SPI size, type */
#define D_FIXED_LEN     8 /* DOI, protocol, SPI size, #SPIs */
#define NATOA_FIXED_LEN 4 /* ID type, reserved */
#define CERT_FIXED_LEN  1 /* encoding */

#define NONCE_MIN 8 /* RFC 2409 s5: 8..256 bytes */
#define NONCE_MAX 256
#define NONCE_LEN 32 /* what we send */

/* ------------------------------------------------------------------ */
/* IKEv2 (RFC 7296). The header and the generic payload header have
 * ISAKMP's layout (isakmp_hdr_wire, isakmp_gen_wire, ISAKMP_CRITICAL);
 * the bodies differ. */

#define IKEV2_VERSION 0x20 /* 2.0 (s3.1) */
#define IKEV2_MAJOR   2

/* Header flags (s3.1); bits 0-2 and 6-7 are reserved. */
#define IKEV2_FLAG_I 0x08 /* initiator of the IKE SA */
#define IKEV2_FLAG_V 0x10 /* higher version supported */
#define IKEV2_FLAG_R 0x20 /* response */

/* Exchange types (s3.1). */
#define IKEV2_EXCH_IKE_SA_INIT     34
#define IKEV2_EXCH_IKE_AUTH        35
#define IKEV2_EXCH_CREATE_CHILD_SA 36
#define IKEV2_EXCH_INFORMATIONAL   37

/* Payload types (s3.2, RFC 7383 s2.5). */
#define IKEV2_PLD_NONE    0
#define IKEV2_PLD_SA      33
#define IKEV2_PLD_KE      34
#define IKEV2_PLD_IDI     35
#define IKEV2_PLD_IDR     36
#define IKEV2_PLD_CERT    37
#define IKEV2_PLD_CERTREQ 38
#define IKEV2_PLD_AUTH    39
#define IKEV2_PLD_NONCE   40
#define IKEV2_PLD_N       41
#define IKEV2_PLD_D       42
#define IKEV2_PLD_VID     43
#define IKEV2_PLD_TSI     44
#define IKEV2_PLD_TSR     45
#define IKEV2_PLD_SK      46
#define IKEV2_PLD_CP      47
#define IKEV2_PLD_EAP     48
#define IKEV2_PLD_SKF     53

/* Proposal substructure (s3.3.1), after a generic header whose next
 * payload is 2 (more) or 0 (last). */
struct __attribute__((packed)) ikev2_prop_wire {
	uint8_t pr_num;      /* 1, 2, ... */
	uint8_t pr_proto;    /* IKEV2_PROTO_* */
	uint8_t pr_spi_size; /* followed by the SPI */
	uint8_t pr_ntrans;
};
#define IKEV2_PROP_MORE 2

/* Transform substructure (s3.3.2), after a generic header whose next
 * payload is 3 (more) or 0 (last); attributes follow. */
struct __attribute__((packed)) ikev2_xform_wire {
	uint8_t xf_type;
	uint8_t xf_reserved;
	uint8_t xf_id[2];
};
#define IKEV2_XFORM_MORE 3

/* Protocol IDs (s3.3.1). */
#define IKEV2_PROTO_IKE 1
#define IKEV2_PROTO_AH  2
#define IKEV2_PROTO_ESP 3

/* Transform types and the IDs we name (s3.3.2, IANA). */
#define IKEV2_XF_ENCR                1
#define IKEV2_XF_PRF                 2
#define IKEV2_XF_INTEG               3
#define IKEV2_XF_DH                  4
#define IKEV2_XF_ESN                 5
#define IKEV2_ENCR_AES_CBC           12
#define IKEV2_ENCR_AES_GCM_16        20
#define IKEV2_PRF_HMAC_SHA2_256      5
#define IKEV2_AUTH_HMAC_SHA2_256_128 12
#define IKEV2_DH_MODP2048            14
#define IKEV2_ATTR_KEY_LENGTH        14 /* the only attribute, TV (s3.3.5) */

/* Fixed parts of the bodies (s3.4-3.14, RFC 7383 s2.5): 4 bytes each. */
struct __attribute__((packed)) ikev2_ke_wire {
	uint8_t ke_group[2];
	uint8_t ke_reserved[2];
};
struct __attribute__((packed)) ikev2_id_wire { /* AUTH's too: method */
	uint8_t id_type;
	uint8_t id_reserved[3];
};
struct __attribute__((packed)) ikev2_notify_wire {
	uint8_t n_proto;
	uint8_t n_spi_size; /* followed by the SPI, then the data */
	uint8_t n_type[2];
};
struct __attribute__((packed)) ikev2_delete_wire {
	uint8_t d_proto;
	uint8_t d_spi_size;
	uint8_t d_nspi[2];
};
struct __attribute__((packed)) ikev2_tsp_wire {
	uint8_t tsp_count;
	uint8_t tsp_reserved[3];
};
struct __attribute__((packed)) ikev2_skf_wire {
	uint8_t skf_num[2];
	uint8_t skf_total[2];
};
#define IKEV2_FIXED_LEN 4 /* each of the above */

/* Traffic selector (s3.13.1): then start and end addresses. */
struct __attribute__((packed)) ikev2_ts_wire {
	uint8_t ts_type;
	uint8_t ts_proto;
	uint8_t ts_length[2]; /* this selector, addresses included */
	uint8_t ts_sport[2];
	uint8_t ts_eport[2];
};
#define IKEV2_TS_IPV4_ADDR_RANGE 7
#define IKEV2_TS_IPV6_ADDR_RANGE 8
#define IKEV2_TS_IPV4_LEN        16
#define IKEV2_TS_IPV6_LEN        40

/* ID types (s3.5). */
#define IKEV2_ID_IPV4_ADDR   1
#define IKEV2_ID_FQDN        2
#define IKEV2_ID_RFC822_ADDR 3
#define IKEV2_ID_IPV6_ADDR   5
#define IKEV2_ID_DER_ASN1_DN 9
#define IKEV2_ID_KEY_ID      11

/* AUTH methods (s3.8, RFC 7427). */
#define IKEV2_AUTH_RSA_SIG     1
#define IKEV2_AUTH_PSK         2
#define IKEV2_AUTH_DIGITAL_SIG 14

#define IKEV2_NONCE_MIN 16 /* s2.10: at least 16 bytes, at most 256 */
#define IKEV2_NONCE_MAX 256

/* Notify types we name (s3.10.1, RFC 7383, RFC 7427, RFC 5685). */
#define IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD  1
#define IKEV2_N_INVALID_IKE_SPI               4
#define IKEV2_N_INVALID_MAJOR_VERSION         5
#define IKEV2_N_INVALID_SYNTAX                7
#define IKEV2_N_INVALID_MESSAGE_ID            9
#define IKEV2_N_INVALID_SPI                   11
#define IKEV2_N_NO_PROPOSAL_CHOSEN            14
#define IKEV2_N_INVALID_KE_PAYLOAD            17
#define IKEV2_N_AUTHENTICATION_FAILED         24
#define IKEV2_N_TS_UNACCEPTABLE               38
#define IKEV2_N_INITIAL_CONTACT               16384
#define IKEV2_N_NAT_DETECTION_SOURCE_IP       16388
#define IKEV2_N_NAT_DETECTION_DESTINATION_IP  16389
#define IKEV2_N_COOKIE                        16390
#define IKEV2_N_REDIRECT_SUPPORTED            16406
#define IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED 16430
#define IKEV2_N_SIGNATURE_HASH_ALGORITHMS     16431

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* IKE_WIRE_H */
