/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proposals: building our offers, choosing from a peer's offer (in the
 * peer's order, the first transform that is on our list), checking a
 * peer's answer, and mapping ESP choices onto crypto_keys.
 *
 * Phase 1 attributes: RFC 2409 appendix A; phase 2: RFC 2407 s4.5.
 * A transform with an attribute we do not understand is skipped.
 */
#include <string.h>

#include "priv.h"

/*
 * Key lengths, group and encapsulation numbers are 16-bit quantities
 * (RFC 2409 appendix A, RFC 2407 s4.5), but any attribute may come in the
 * variable-length form with up to 8 bytes: a value that does not fit is
 * malformed, never the low bits of something (0x10080 is not 128).
 */
static bool
attr16(const struct ike_attr *a, uint16_t *out)
{
	if (a->val > UINT16_MAX)
		return false;
	*out = (uint16_t)a->val;
	return true;
}

/* ------------------------------------------------------------------ */
/* Phase 1 */

static uint16_t
p1_hash_wire(enum ike_hash h)
{
	switch (h) {
	case IKE_HASH_SHA1:
		return P1_HASH_SHA1;
	case IKE_HASH_SHA256:
		return P1_HASH_SHA256;
	case IKE_HASH_SHA384:
		return P1_HASH_SHA384;
	case IKE_HASH_SHA512:
		return P1_HASH_SHA512;
	default:
		return 0;
	}
}

static enum ike_hash
p1_hash_from(uint64_t v)
{
	switch (v) {
	case P1_HASH_SHA1:
		return IKE_HASH_SHA1;
	case P1_HASH_SHA256:
		return IKE_HASH_SHA256;
	case P1_HASH_SHA384:
		return IKE_HASH_SHA384;
	case P1_HASH_SHA512:
		return IKE_HASH_SHA512;
	default:
		return IKE_HASH_NONE;
	}
}

size_t
ike_prop_enc_key_len(const struct ike_p1_proposal *p)
{
	return p->cipher == IKE_CIPHER_AES_CBC &&
			       (p->key_bits == 128 || p->key_bits == 192 || p->key_bits == 256) ?
		       p->key_bits / 8 :
		       0;
}

size_t
ike_prop_p1_build(struct ike_wbuf *w, const struct ike_p1_proposal *list, uint8_t n,
		  uint64_t life_s, enum ike_dh only_group)
{
	struct ike_sab b;
	uint8_t num = 0;

	ike_sab_begin(&b, w, IPSEC_DOI, SIT_IDENTITY_ONLY);
	ike_sab_prop(&b, 1, PROTO_ISAKMP, NULL, 0);
	for (uint8_t i = 0; i < n; i++) {
		const struct ike_p1_proposal *p = &list[i];

		if (only_group != IKE_DH_NONE && p->group != only_group)
			continue;
		ike_sab_xform(&b, ++num, KEY_IKE);
		ike_sab_attr(&b, P1A_ENC, P1_ENC_AES_CBC);
		ike_sab_attr(&b, P1A_KEY_LENGTH, p->key_bits);
		ike_sab_attr(&b, P1A_HASH, p1_hash_wire(p->hash));
		ike_sab_attr(&b, P1A_AUTH, P1_AUTH_PSK);
		ike_sab_attr(&b, P1A_GROUP, (uint64_t)p->group);
		ike_sab_attr(&b, P1A_LIFE_TYPE, LIFE_SECONDS);
		ike_sab_attr(&b, P1A_LIFE_DURATION, life_s);
		ike_sab_xform_end(&b);
	}
	ike_sab_prop_end(&b);
	ike_sab_end(&b);
	return b.sa_off;
}

bool
ike_prop_p1_accepts(const struct ike_p1_proposal *list, uint8_t n, const struct ike_p1_proposal *p)
{
	for (uint8_t i = 0; i < n; i++)
		if (list[i].cipher == p->cipher && list[i].key_bits == p->key_bits &&
		    list[i].hash == p->hash && list[i].group == p->group)
			return true;
	return false;
}

/* Parse one ISAKMP transform; false if anything in it is unsupported. */
static bool
p1_xform_parse(const struct ike_xform *x, struct p1_choice *c)
{
	struct ike_iter it;
	struct ike_attr a;
	uint64_t life_type = 0;
	uint16_t v;
	bool enc = false, auth = false;

	memset(c, 0, sizeof(*c));
	c->life_s = 28800; /* RFC 2407 s4.5 default */
	/* a responder echoes it and keeps the echo while half-open (limit.c) */
	if (x->id != KEY_IKE || x->raw_len > XFORM_MAX)
		return false;
	ike_attr_iter(x, &it);
	while (ike_attr_next(&it, &a)) {
		if (!a.val_ok)
			return false;
		switch (a.type) {
		case P1A_ENC:
			enc = a.val == P1_ENC_AES_CBC;
			c->prop.cipher = IKE_CIPHER_AES_CBC;
			break;
		case P1A_KEY_LENGTH:
			if (!attr16(&a, &c->prop.key_bits))
				return false;
			break;
		case P1A_HASH:
			c->prop.hash = p1_hash_from(a.val);
			break;
		case P1A_AUTH:
			auth = a.val == P1_AUTH_PSK;
			break;
		case P1A_GROUP:
			if (!attr16(&a, &v))
				return false;
			c->prop.group = (enum ike_dh)v;
			break;
		case P1A_LIFE_TYPE:
			life_type = a.val;
			break;
		case P1A_LIFE_DURATION:
			if (life_type == LIFE_SECONDS)
				c->life_s = a.val;
			else if (life_type != LIFE_KILOBYTES)
				return false;
			break;
		default:
			return false;
		}
	}
	if (c->prop.key_bits == 0)
		c->prop.key_bits = 128; /* some peers omit it for AES-128 */
	c->xf_raw = x->raw;
	c->xf_len = x->raw_len;
	return enc && auth && c->prop.hash != IKE_HASH_NONE && c->life_s > 0 &&
	       ike_prop_enc_key_len(&c->prop) != 0 && ike_dh_pub_len(c->prop.group) != 0;
}

bool
ike_prop_p1_select(const struct ike_pld *pl, const struct ike_p1_proposal *list, uint8_t n,
		   enum ike_dh need_group, struct p1_choice *out)
{
	struct ike_pl_sa sa;
	struct ike_iter pi, xi;
	struct ike_prop p;
	struct ike_xform x;

	ike_sa_parse(pl, &sa);
	ike_prop_iter(&sa, &pi);
	while (ike_prop_next(&pi, &p)) {
		if (p.proto != PROTO_ISAKMP || (p.spi_size != 0 && p.spi_size != 16))
			continue;
		ike_xform_iter(&p, &xi);
		while (ike_xform_next(&xi, &x)) {
			if (!p1_xform_parse(&x, out))
				continue;
			if (need_group != IKE_DH_NONE && out->prop.group != need_group)
				continue;
			if (ike_prop_p1_accepts(list, n, &out->prop)) {
				out->prop_num = p.num;
				return true;
			}
		}
	}
	return false;
}

void
ike_prop_p1_reply(struct ike_wbuf *w, const struct p1_choice *c)
{
	struct ike_sab b;

	ike_sab_begin(&b, w, IPSEC_DOI, SIT_IDENTITY_ONLY);
	ike_sab_prop(&b, c->prop_num, PROTO_ISAKMP, NULL, 0);
	ike_sab_xform_raw(&b, c->xf_raw, c->xf_len);
	ike_sab_prop_end(&b);
	ike_sab_end(&b);
}

/* ------------------------------------------------------------------ */
/* ESP */

uint16_t
ike_prop_encap_mode(const struct ike_sa *sa)
{
	if (!sa->nat_local && !sa->nat_remote)
		return ENCAP_TUNNEL;
	return sa->natt == NATT_RFC ? ENCAP_UDP_TUNNEL : ENCAP_UDP_TUNNEL_DRAFT;
}

void
ike_prop_esp_build(struct ike_wbuf *w, const struct ike_esp_proposal *list, uint8_t n, uint32_t spi,
		   uint64_t life_s, uint64_t life_kb, uint16_t encap)
{
	struct ike_sab b;
	uint8_t spib[4], num = 0;

	put32(spib, spi);
	ike_sab_begin(&b, w, IPSEC_DOI, SIT_IDENTITY_ONLY);
	for (uint8_t i = 0; i < n; i++) {
		const struct ike_esp_proposal *p = &list[i];
		bool gcm = p->cipher == IKE_CIPHER_AES_GCM16;

		/* one KE per exchange: every offer uses the first's group */
		if (p->pfs != list[0].pfs)
			continue;
		ike_sab_prop(&b, ++num, PROTO_IPSEC_ESP, spib, 4);
		ike_sab_xform(&b, 1, gcm ? ESP_AES_GCM_16 : ESP_AES_CBC);
		ike_sab_attr(&b, P2A_LIFE_TYPE, LIFE_SECONDS);
		ike_sab_attr(&b, P2A_LIFE_DURATION, life_s);
		if (life_kb != 0) {
			ike_sab_attr(&b, P2A_LIFE_TYPE, LIFE_KILOBYTES);
			ike_sab_attr(&b, P2A_LIFE_DURATION, life_kb);
		}
		if (p->pfs != IKE_DH_NONE)
			ike_sab_attr(&b, P2A_GROUP, (uint64_t)p->pfs);
		ike_sab_attr(&b, P2A_ENCAP, encap);
		if (!gcm)
			ike_sab_attr(&b, P2A_AUTH,
				     p->integ == IKE_HASH_SHA1 ? P2_AUTH_HMAC_SHA1 :
								 P2_AUTH_HMAC_SHA256);
		ike_sab_attr(&b, P2A_KEY_LENGTH, p->key_bits);
		ike_sab_xform_end(&b);
		ike_sab_prop_end(&b);
	}
	ike_sab_end(&b);
}

static bool
esp_xform_parse(const struct ike_xform *x, struct esp_choice *c)
{
	struct ike_iter it;
	struct ike_attr a;
	uint64_t life_type = 0;
	uint16_t v;

	memset(&c->prop, 0, sizeof(c->prop));
	c->life_s = c->life_kb = 0;
	c->encap = 0;
	if (x->id == ESP_AES_CBC)
		c->prop.cipher = IKE_CIPHER_AES_CBC;
	else if (x->id == ESP_AES_GCM_16)
		c->prop.cipher = IKE_CIPHER_AES_GCM16;
	else
		return false;
	ike_attr_iter(x, &it);
	while (ike_attr_next(&it, &a)) {
		if (!a.val_ok)
			return false;
		switch (a.type) {
		case P2A_LIFE_TYPE:
			life_type = a.val;
			break;
		case P2A_LIFE_DURATION:
			if (life_type == LIFE_SECONDS)
				c->life_s = a.val;
			else if (life_type == LIFE_KILOBYTES)
				c->life_kb = a.val;
			else
				return false;
			break;
		case P2A_GROUP:
			if (!attr16(&a, &v))
				return false;
			c->prop.pfs = (enum ike_dh)v;
			break;
		case P2A_ENCAP:
			if (!attr16(&a, &c->encap))
				return false;
			break;
		case P2A_AUTH:
			c->prop.integ = a.val == P2_AUTH_HMAC_SHA1 ?
						IKE_HASH_SHA1 :
					a.val == P2_AUTH_HMAC_SHA256 ?
						IKE_HASH_SHA256 :
						IKE_HASH_SHA512; /* unsupported: fails below */
			break;
		case P2A_KEY_LENGTH:
			if (!attr16(&a, &c->prop.key_bits))
				return false;
			break;
		case P2A_ESN:
			if (a.val != 0)
				return false; /* no ESN negotiation (RFC 4304) */
			break;
		default:
			return false;
		}
	}
	if (c->prop.key_bits == 0 && c->prop.cipher == IKE_CIPHER_AES_CBC)
		c->prop.key_bits = 128;
	c->xf_raw = x->raw;
	c->xf_len = x->raw_len;
	return c->encap != 0;
}

static bool
esp_accepts(const struct ike_esp_proposal *list, uint8_t n, const struct ike_esp_proposal *p)
{
	for (uint8_t i = 0; i < n; i++)
		if (list[i].cipher == p->cipher && list[i].key_bits == p->key_bits &&
		    list[i].integ == p->integ && list[i].pfs == p->pfs)
			return true;
	return false;
}

bool
ike_prop_esp_select(const struct ike_pld *pl, const struct ike_esp_proposal *list, uint8_t n,
		    uint16_t encap_ok1, uint16_t encap_ok2, size_t ke_len, struct esp_choice *out)
{
	struct ike_pl_sa sa;
	struct ike_iter pi, xi;
	struct ike_prop p;
	struct ike_xform x;
	uint8_t seen[256] = { 0 };

	/* Proposals sharing a number form a bundle (AH+ESP ...): refused. */
	ike_sa_parse(pl, &sa);
	ike_prop_iter(&sa, &pi);
	while (ike_prop_next(&pi, &p))
		if (seen[p.num] < 2)
			seen[p.num]++;
	ike_prop_iter(&sa, &pi);
	while (ike_prop_next(&pi, &p)) {
		if (p.proto != PROTO_IPSEC_ESP || p.spi_size != 4 || seen[p.num] > 1)
			continue;
		ike_xform_iter(&p, &xi);
		while (ike_xform_next(&xi, &x)) {
			if (!esp_xform_parse(&x, out))
				continue;
			/* with a KE, its group; without, no PFS */
			if ((ke_len == 0 ? out->prop.pfs != IKE_DH_NONE :
					   ike_dh_pub_len(out->prop.pfs) != ke_len) ||
			    (out->encap != encap_ok1 && out->encap != encap_ok2) ||
			    !esp_accepts(list, n, &out->prop))
				continue;
			out->prop_num = p.num;
			memcpy(out->peer_spi, p.spi, 4);
			return true;
		}
	}
	return false;
}

void
ike_prop_esp_reply(struct ike_wbuf *w, const struct esp_choice *c, uint32_t our_spi)
{
	struct ike_sab b;
	uint8_t spib[4];

	put32(spib, our_spi);
	ike_sab_begin(&b, w, IPSEC_DOI, SIT_IDENTITY_ONLY);
	ike_sab_prop(&b, c->prop_num, PROTO_IPSEC_ESP, spib, 4);
	ike_sab_xform_raw(&b, c->xf_raw, c->xf_len);
	ike_sab_prop_end(&b);
	ike_sab_end(&b);
}

size_t
ike_prop_esp_keymat_len(const struct ike_esp_proposal *p)
{
	size_t k = p->key_bits / 8;

	if (p->cipher == IKE_CIPHER_AES_GCM16)
		return k + CRYPTO_SALT_LEN;
	return k + (p->integ == IKE_HASH_SHA1 ? 20 : 32);
}

/* KEYMAT order: the cipher key, then the integrity key or the GCM salt. */
bool
ike_prop_esp_keys(const struct ike_esp_proposal *p, const uint8_t *keymat, struct crypto_keys *k)
{
	size_t kl = p->key_bits / 8;

	memset(k, 0, sizeof(*k));
	if (kl != 16 && kl != 32)
		return false;
	k->cipher_key_len = (uint8_t)kl;
	memcpy(k->cipher_key, keymat, kl);
	if (p->cipher == IKE_CIPHER_AES_GCM16) {
		k->cipher = CRYPTO_CIPHER_AES_GCM16;
		k->integ = CRYPTO_INTEG_NONE;
		memcpy(k->salt, keymat + kl, CRYPTO_SALT_LEN);
		return true;
	}
	k->cipher = CRYPTO_CIPHER_AES_CBC;
	if (p->integ == IKE_HASH_SHA1) {
		k->integ = CRYPTO_INTEG_HMAC_SHA1_96;
		k->integ_key_len = 20;
	} else if (p->integ == IKE_HASH_SHA256) {
		k->integ = CRYPTO_INTEG_HMAC_SHA256_128;
		k->integ_key_len = 32;
	} else {
		return false;
	}
	memcpy(k->integ_key, keymat + kl, k->integ_key_len);
	return true;
}
