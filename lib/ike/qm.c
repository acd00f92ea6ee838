/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Mode support (quick.c has the messages): exchange objects, their
 * failure and linger, KEYMAT and handing SAs to the host, the pair an
 * exchange negotiates, and traffic selectors <-> ID payloads (RFC 2407
 * s4.6.2).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

/* ------------------------------------------------------------------ */
/* Traffic selectors <-> ID payloads (RFC 2407 s4.6.2) */

static uint32_t
mask_of(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

/* An ID as a prefix; ranges and masks must be exactly a prefix. */
bool
ike_ts_from_id(const struct ike_pl_id *id, struct ike_prefix *p)
{
	uint32_t a, b;

	if (id->proto != 0 || id->port != 0)
		return false;
	switch (id->type) {
	case ID_IPV4_ADDR:
		p->addr = get32(id->data);
		p->len = 32;
		return true;
	case ID_IPV4_ADDR_SUBNET:
	case ID_IPV4_ADDR_RANGE:
		a = get32(id->data);
		b = get32(id->data + 4);
		for (uint8_t l = 0; l <= 32; l++) {
			uint32_t m = mask_of(l);
			bool fits = id->type == ID_IPV4_ADDR_SUBNET ?
					    b == m :
					    (a & ~m) == 0 && b == (a | ~m);

			if (fits && (a & ~m) == 0) {
				p->addr = a;
				p->len = l;
				return true;
			}
		}
		return false;
	default:
		return false;
	}
}

void
ike_ts_to_id(const struct ike_prefix *p, struct ike_pl_id *id, uint8_t data[8])
{
	id->proto = 0;
	id->port = 0;
	id->data = data;
	put32(data, p->addr);
	if (p->len == 32) {
		id->type = ID_IPV4_ADDR;
		id->len = 4;
	} else {
		id->type = ID_IPV4_ADDR_SUBNET;
		id->len = 8;
		put32(data + 4, mask_of(p->len));
	}
}

/* inner lies inside one of the outer prefixes */
bool
ike_ts_inside(const struct ike_prefix *inner, const struct ike_prefix *outer, uint8_t n)
{
	for (uint8_t i = 0; i < n; i++)
		if (inner->len >= outer[i].len &&
		    (inner->addr & mask_of(outer[i].len)) == outer[i].addr)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Exchange objects */

struct qm *
ike_qm_find(const struct ike_sa *sa, uint32_t msgid)
{
	for (struct link *l = sa->qms.next; l != &sa->qms; l = l->next) {
		struct qm *q = container_of(l, struct qm, link);

		if (q->msgid == msgid)
			return q;
	}
	return NULL;
}

/* Used by this ISAKMP SA already (or reserved): not for a new exchange. */
bool
ike_qm_msgid_busy(const struct ike_sa *sa, uint32_t msgid)
{
	return msgid == 0 || ike_msgid_seen(sa, msgid);
}

/* A Quick Mode exchange; its message ID is remembered for the SA's life. */
struct qm *
ike_qm_new(struct ike_sa *sa, uint32_t msgid, bool initiator)
{
	struct qm *q;

	if (!ike_msgid_note(sa, msgid) || (q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->sa = sa;
	q->msgid = msgid;
	q->initiator = initiator;
	q->start_ms = sa->ike->now;
	list_add_tail(&sa->qms, &q->link);
	return q;
}

/*
 * Forget an exchange. A pair it was still negotiating is undone; a rekey
 * it was running is tried again in 10 s (while the old pair lives), so a
 * lost exchange or a vanished ISAKMP SA never leaves a pair unrekeyed.
 */
void
ike_qm_free(struct qm *q)
{
	struct ike_sa *sa = q->sa;
	struct ike *ike = sa->ike;
	struct child *old;

	list_del(&q->link);
	ike_xmit_fini(ike, &q->x);
	ike_dh_free(q->dh);
	if (q->child != NULL) {
		q->child->qm = NULL;
		if (!q->child->established)
			ike_child_free(q->child); /* half-installed: undo */
	}
	old = q->state != QM_DONE && q->rekey_of ? ike_child_by_spi(ike, q->rekey_of) : NULL;
	if (old != NULL && old->rekeying) {
		old->rekeying = false;
		if (ike->now + 10000 < old->expire_ms)
			ike_timer_arm(ike, &old->t_rekey, T_CHILD_REKEY, ike->now + 10000);
	}
	OPENSSL_cleanse(q, sizeof(*q));
	free(q);
}

/* The exchange failed: count it and forget it. */
void
ike_qm_fail(struct qm *q)
{
	ike_count(q->sa->ike, IKE_EV_QM_FAILED);
	ike_sa_logf(q->sa, IKE_LOG_WARNING, "Quick Mode %08x failed", q->msgid);
	ike_qm_free(q);
}

/* T_QM_XMIT with nothing left to retransmit, or the linger is over. */
void
ike_qm_timeout(struct qm *q)
{
	if (q->state == QM_DONE)
		ike_qm_free(q);
	else
		ike_qm_fail(q);
}

static bool
keymat(struct qm *q, uint32_t spi, uint8_t *out, size_t len)
{
	uint8_t s[4];

	put32(s, spi);
	return ike_kdf_keymat(&q->sa->keys, q->dh != NULL ? q->gxy : NULL, q->gxy_len,
			      PROTO_IPSEC_ESP, s, q->ni, q->ni_len, q->nr, q->nr_len, out, len);
}

/* Derive one direction's keys and hand that SA to the host. */
bool
ike_qm_install(struct qm *q, bool inbound)
{
	uint8_t km[2 * PRF_MAX + CRYPTO_KEY_MAX];
	size_t len = ike_prop_esp_keymat_len(&q->ch.prop);
	bool ok;

	ok = len <= sizeof(km) && keymat(q, inbound ? q->spi_in : q->spi_out, km, len) &&
	     ike_child_install(q->child, inbound, km) == 0;
	OPENSSL_cleanse(km, sizeof(km));
	return ok;
}

/* The pair this exchange negotiates, filled from the exchange. */
struct child *
ike_qm_make_child(struct qm *q)
{
	struct ike_sa *sa = q->sa;
	struct child *c = ike_child_new(sa->site, q->initiator);

	if (c == NULL)
		return NULL;
	ike_child_set_spi(c, q->spi_in);
	c->qm = q;
	c->sa_serial = sa->serial;
	c->ts_local = q->ts_local;
	c->ts_remote = q->ts_remote;
	c->start_ms = q->start_ms;
	q->child = c;
	return c;
}

/* Once both nonces are known: the lower one settles collisions (child.c). */
void
ike_qm_note_nonces(struct qm *q)
{
	struct child *c = q->child;
	size_t n = q->ni_len < q->nr_len ? q->ni_len : q->nr_len;
	const uint8_t *lo = memcmp(q->ni, q->nr, n) <= 0 ? q->ni : q->nr;
	size_t ll = lo == q->ni ? q->ni_len : q->nr_len;

	c->min_nonce_len = (uint8_t)(ll < sizeof(c->min_nonce) ? ll : sizeof(c->min_nonce));
	memcpy(c->min_nonce, lo, c->min_nonce_len);
}

/* What the host will be told about the pair, from the exchange. */
void
ike_qm_child_fill(struct qm *q)
{
	struct child *c = q->child;
	struct ike_sa *sa = q->sa;
	bool encap = q->ch.encap != ENCAP_TUNNEL;

	c->spi_out = q->spi_out;
	c->prop = q->ch.prop;
	c->life_s = q->life_s;
	c->life_kb = q->life_kb;
	c->local = sa->local;
	c->remote = sa->remote;
	if (!encap) {
		c->local.port = 0;
		c->remote.port = 0;
	}
}

/* Local lifetimes: the shorter of the site's and the proposal's. */
void
ike_qm_lifetimes(struct qm *q, const struct site *s)
{
	q->life_s = s->p.child_lifetime_s;
	if (q->ch.life_s != 0 && q->ch.life_s < q->life_s)
		q->life_s = q->ch.life_s;
	q->life_kb = s->p.child_lifetime_kb;
	if (q->ch.life_kb != 0 && (q->life_kb == 0 || q->ch.life_kb < q->life_kb))
		q->life_kb = q->ch.life_kb;
}
