/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sites: validation, the three indexes (name, IKE ID, peer address), PSK
 * choice support, up/down transitions and (re)initiation.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

#define RETRY_FIRST_MS 10000
#define RETRY_MAX_MS   300000

static const struct ike_esp_proposal default_esp[] = {
	{ IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_NONE },
	{ IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_MODP1024 },
	{ IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA256, IKE_DH_NONE },
	{ IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA256, IKE_DH_MODP2048 },
	{ IKE_CIPHER_AES_GCM16, 128, IKE_HASH_NONE, IKE_DH_NONE },
	{ IKE_CIPHER_AES_GCM16, 256, IKE_HASH_NONE, IKE_DH_NONE },
};

/* ------------------------------------------------------------------ */
/* Validation */

static bool
id_ok(const struct ike_id *id)
{
	switch (id->type) {
	case IKE_ID_NONE:
		return true;
	case IKE_ID_IPV4_ADDR:
		return id->len == 4;
	case IKE_ID_FQDN:
	case IKE_ID_USER_FQDN:
	case IKE_ID_KEY_ID:
		return id->len >= 1 && id->len <= IKE_ID_MAX;
	default:
		return false;
	}
}

static bool
prefixes_ok(const struct ike_prefix *p, uint8_t n)
{
	if (n < 1 || n > IKE_SUBNETS_MAX)
		return false;
	for (uint8_t i = 0; i < n; i++) {
		uint32_t mask = p[i].len ? ~0u << (32 - p[i].len) : 0;

		if (p[i].len > 32 || (p[i].addr & ~mask) != 0)
			return false;
	}
	return true;
}

static bool
p1_ok(const struct ike_p1_proposal *p)
{
	return p->cipher == IKE_CIPHER_AES_CBC && (p->key_bits == 128 || p->key_bits == 256) &&
	       ike_kdf_hash_len(p->hash) != 0 && ike_dh_pub_len(p->group) != 0;
}

static bool
esp_ok(const struct ike_esp_proposal *p)
{
	bool cbc = p->cipher == IKE_CIPHER_AES_CBC &&
		   (p->integ == IKE_HASH_SHA1 || p->integ == IKE_HASH_SHA256);
	bool gcm = p->cipher == IKE_CIPHER_AES_GCM16 && p->integ == IKE_HASH_NONE;

	return (cbc || gcm) && (p->key_bits == 128 || p->key_bits == 256) &&
	       (p->pfs == IKE_DH_NONE || ike_dh_pub_len(p->pfs) != 0);
}

int
ike_site_params_validate(const struct ike_site_params *p, const char **why)
{
	const char *w = NULL;

	if (p->name[0] == '\0' || memchr(p->name, '\0', IKE_NAME_MAX) == NULL)
		w = "name empty or not terminated";
	else if (p->psk_len < 1 || p->psk_len > IKE_PSK_MAX)
		w = "psk length";
	else if (!id_ok(&p->id) || !id_ok(&p->local_id))
		w = "id type or length";
	else if (p->id.type == IKE_ID_NONE && p->peer_addr == 0)
		w = "a site needs an id or a peer address";
	else if (!prefixes_ok(p->remote_subnets, p->n_remote))
		w = "remote subnets";
	else if (!prefixes_ok(p->local_subnets, p->n_local))
		w = "local subnets";
	else if (p->n_p1 > IKE_PROPS_MAX || p->n_esp > IKE_PROPS_MAX)
		w = "too many proposals";
	else if (p->initiate && p->peer_addr == 0)
		w = "initiate needs a peer address";
	else if (p->dpd_timeout_s != 0 && p->dpd_timeout_s < p->dpd_delay_s)
		w = "dpd timeout below dpd delay";
	else if (p->max_pairs > IKE_PAIRS_MAX ||
		 (p->max_pairs != 0 && p->max_pairs < p->n_local * p->n_remote))
		w = "max_pairs below local x remote subnets (or above 1024)";
	else if ((p->p1_lifetime_s != 0 && p->p1_lifetime_s < 60) ||
		 (p->child_lifetime_s != 0 && p->child_lifetime_s < 60) ||
		 p->p1_lifetime_s > 7 * 86400 || p->child_lifetime_s > 7 * 86400)
		w = "lifetime out of range (60 s .. 7 days)";
	for (uint8_t i = 0; w == NULL && i < p->n_p1; i++)
		if (!p1_ok(&p->p1[i]))
			w = "phase 1 proposal";
	for (uint8_t i = 0; w == NULL && i < p->n_esp; i++)
		if (!esp_ok(&p->esp[i]))
			w = "ESP proposal";
	if (why != NULL)
		*why = w;
	return w == NULL ? 0 : -EINVAL;
}

void
ike_site_apply_defaults(const struct ike *ike, struct ike_site_params *p)
{
	if (p->n_p1 == 0) {
		memcpy(p->p1, ike->cfg.p1, sizeof(p->p1));
		p->n_p1 = ike->cfg.n_p1;
	}
	if (p->n_esp == 0) {
		memcpy(p->esp, default_esp, sizeof(default_esp));
		p->n_esp = sizeof(default_esp) / sizeof(default_esp[0]);
	}
	if (p->p1_lifetime_s == 0)
		p->p1_lifetime_s = 28800;
	if (p->child_lifetime_s == 0)
		p->child_lifetime_s = 28800;
	if (p->dpd_delay_s != 0 && p->dpd_timeout_s == 0)
		p->dpd_timeout_s = 4 * p->dpd_delay_s;
	if (p->max_pairs == 0)
		p->max_pairs = ike->cfg.max_pairs_per_site > p->n_local * p->n_remote ?
				       ike->cfg.max_pairs_per_site :
				       (uint16_t)(p->n_local * p->n_remote);
}

/* ------------------------------------------------------------------ */
/* Indexes */

static uint64_t
name_hash(const struct ike *ike, const char *name)
{
	return ike_hash(ike, name, strnlen(name, IKE_NAME_MAX));
}

static uint64_t
id_hash(const struct ike *ike, enum ike_id_type type, const uint8_t *v, size_t len)
{
	uint8_t key[1 + IKE_ID_MAX];

	key[0] = (uint8_t)type;
	memcpy(key + 1, v, len);
	return ike_hash(ike, key, 1 + len);
}

struct site *
ike_site_by_name(struct ike *ike, const char *name)
{
	uint64_t h = name_hash(ike, name);

	for (struct hnode *n = ike_htab_first(&ike->sites_by_name, h); n != NULL;
	     n = ike_htab_next(n, h)) {
		struct site *s = container_of(n, struct site, by_name);

		if (strncmp(s->p.name, name, IKE_NAME_MAX) == 0)
			return s;
	}
	return NULL;
}

struct site *
ike_site_by_id(struct ike *ike, enum ike_id_type type, const uint8_t *v, size_t len)
{
	uint64_t h;

	if (len > IKE_ID_MAX)
		return NULL;
	h = id_hash(ike, type, v, len);
	for (struct hnode *n = ike_htab_first(&ike->sites_by_id, h); n != NULL;
	     n = ike_htab_next(n, h)) {
		struct site *s = container_of(n, struct site, by_id);

		if (s->p.id.type == type && s->p.id.len == len &&
		    memcmp(s->p.id.value, v, len) == 0)
			return s;
	}
	return NULL;
}

struct site *
ike_site_by_addr(struct ike *ike, uint32_t addr)
{
	uint64_t h = ike_hash(ike, &addr, sizeof(addr));

	for (struct hnode *n = ike_htab_first(&ike->sites_by_addr, h); n != NULL;
	     n = ike_htab_next(n, h)) {
		struct site *s = container_of(n, struct site, by_addr);

		if (s->p.peer_addr == addr)
			return s;
	}
	return NULL;
}

/*
 * May p's peer address be another site's too (several branches behind one
 * gateway, or one esphub dialling sites of another)? A Main Mode responder
 * picks the PSK and proposals by address before it sees an ID, so all the
 * sites there must agree on them and each must name its peer's ID.
 */
static bool
addr_shareable(struct ike *ike, const struct ike_site_params *p, const struct site *self)
{
	uint32_t addr = p->peer_addr;
	uint64_t h = ike_hash(ike, &addr, sizeof(addr));

	for (struct hnode *n = ike_htab_first(&ike->sites_by_addr, h); n != NULL;
	     n = ike_htab_next(n, h)) {
		const struct site *o = container_of(n, struct site, by_addr);

		if (o == self || o->p.peer_addr != addr)
			continue;
		if (o->p.id.type == IKE_ID_NONE || p->id.type == IKE_ID_NONE ||
		    !ike_site_psk_equal(o, p->psk, p->psk_len) ||
		    (p->n_p1 != 0 && (o->p.n_p1 != p->n_p1 ||
				      memcmp(o->p.p1, p->p1, sizeof(p->p1[0]) * p->n_p1) != 0)) ||
		    (p->n_p1 == 0 &&
		     memcmp(o->p.p1, ike->cfg.p1, sizeof(o->p.p1[0]) * ike->cfg.n_p1) != 0))
			return false;
	}
	return true;
}

int
ike_site_index_check(struct ike *ike, const struct ike_site_params *p, const struct site *self)
{
	struct site *o;

	o = ike_site_by_name(ike, p->name);
	if (o != NULL && o != self)
		return -EEXIST;
	if (p->id.type != IKE_ID_NONE) {
		o = ike_site_by_id(ike, p->id.type, p->id.value, p->id.len);
		if (o != NULL && o != self)
			return -EEXIST;
	}
	if (p->peer_addr != 0 && !addr_shareable(ike, p, self))
		return -EEXIST;
	return 0;
}

void
ike_site_index_add(struct site *s)
{
	struct ike *ike = s->ike;
	uint32_t a = s->p.peer_addr;

	ike_htab_add(&ike->sites_by_name, &s->by_name, name_hash(ike, s->p.name));
	s->in_id = s->p.id.type != IKE_ID_NONE;
	if (s->in_id)
		ike_htab_add(&ike->sites_by_id, &s->by_id,
			     id_hash(ike, s->p.id.type, s->p.id.value, s->p.id.len));
	s->in_addr = a != 0;
	if (s->in_addr)
		ike_htab_add(&ike->sites_by_addr, &s->by_addr, ike_hash(ike, &a, sizeof(a)));
}

void
ike_site_index_del(struct site *s)
{
	ike_htab_del(&s->ike->sites_by_name, &s->by_name);
	if (s->in_id)
		ike_htab_del(&s->ike->sites_by_id, &s->by_id);
	if (s->in_addr)
		ike_htab_del(&s->ike->sites_by_addr, &s->by_addr);
	s->in_id = s->in_addr = false;
}

/* ------------------------------------------------------------------ */

/* Constant time in the key: both arrays are zero-padded to IKE_PSK_MAX. */
bool
ike_site_psk_equal(const struct site *s, const uint8_t *psk, size_t len)
{
	uint8_t other[IKE_PSK_MAX] = { 0 };
	int diff;

	memcpy(other, psk, len > IKE_PSK_MAX ? IKE_PSK_MAX : len);
	diff = CRYPTO_memcmp(s->p.psk, other, IKE_PSK_MAX);
	diff |= s->p.psk_len != len;
	OPENSSL_cleanse(other, sizeof(other));
	return diff == 0;
}

/*
 * May a peer at from claim site s? A site with a fixed peer address is
 * that address's alone, whatever the ID says: otherwise whoever holds
 * default_psk (which the site's own psk may equal) could take its SAs and
 * subnets, and its INITIAL-CONTACT would drop the real branch's SAs.
 */
bool
ike_site_addr_ok(struct site *s, uint32_t from)
{
	char a[IKE_ADDR_STR_MAX], p[IKE_ADDR_STR_MAX];

	if (s->p.peer_addr == 0 || s->p.peer_addr == from)
		return true;
	s->cnt.auth_failures++;
	ike_logf(s->ike, IKE_LOG_WARNING,
		 "[%s] its ID claimed from %s, not "
		 "its peer %s: refused",
		 s->p.name, ike_addr_str(from, a), ike_addr_str(s->p.peer_addr, p));
	return false;
}

/* The ISAKMP SA to use: the newest established one not stepping aside
 * (or, while all of them are, the newest). */
struct ike_sa *
ike_site_newest_sa(const struct site *s)
{
	struct ike_sa *best = NULL;

	for (struct link *l = s->sas.next; l != &s->sas; l = l->next) {
		struct ike_sa *sa = container_of(l, struct ike_sa, site_link);

		if (sa->state != P1_ESTABLISHED || best == sa)
			continue;
		if (best == NULL || (best->rekeyed && !sa->rekeyed) ||
		    (best->rekeyed == sa->rekeyed && sa->established_ms >= best->established_ms))
			best = sa;
	}
	return best;
}

void
ike_site_peer_seen(struct site *s, const struct ike_endpoint *ep)
{
	s->peer = *ep;
}

/* The peer's NAT mapping moved: its UDP-encapsulated pairs follow. */
void
ike_site_peer_moved(struct site *s, const struct ike_endpoint *ep)
{
	struct ike *ike = s->ike;

	s->peer = *ep;
	for (struct link *l = s->children.next; l != &s->children; l = l->next) {
		struct child *c = container_of(l, struct child, site_link);

		if (c->remote.port != 0)
			c->remote = *ep;
	}
	if (ike->ops->peer_moved != NULL)
		ike->ops->peer_moved(ike->ctx, s->id, ep);
}

/* Call after an ISAKMP SA of the site became established. */
void
ike_site_sa_up(struct site *s, struct ike_sa *sa)
{
	struct ike *ike = s->ike;
	char a[IKE_ADDR_STR_MAX];

	ike_timer_cancel(ike, &s->t_retry);
	s->retries = 0;
	if (s->up)
		return;
	s->up = true;
	s->cnt.up++;
	ike_sa_logf(sa, IKE_LOG_NOTICE, "site up, peer %s:%u", ike_addr_str(sa->remote.addr, a),
		    sa->remote.port);
	if (ike->ops->peer_up != NULL)
		ike->ops->peer_up(ike->ctx, s->id, s->p.name);
}

static void
arm_retry(struct site *s)
{
	uint64_t d = RETRY_FIRST_MS;

	for (uint32_t i = 0; i < s->retries && d < RETRY_MAX_MS; i++)
		d *= 2;
	if (d > RETRY_MAX_MS)
		d = RETRY_MAX_MS;
	s->retries++;
	ike_timer_arm(s->ike, &s->t_retry, T_SITE_RETRY, s->ike->now + d);
}

/*
 * Remove every pair and ISAKMP SA of the site; tell the host once if the
 * site was up. send_deletes: tell the peer too (admin action).
 */
void
ike_site_flush(struct site *s, enum ike_down_reason why, bool send_deletes)
{
	struct ike *ike = s->ike;
	struct link *l, *t;

	list_for_each_safe(l, t, &s->children)
		ike_child_delete(container_of(l, struct child, site_link), send_deletes);
	list_for_each_safe(l, t, &s->sas) {
		struct ike_sa *sa = container_of(l, struct ike_sa, site_link);

		if (send_deletes && sa->state == P1_ESTABLISHED)
			ike_info_send_delete_sa(sa);
		ike_sa_kill(sa);
	}
	if (s->up) {
		s->up = false;
		s->cnt.down++;
		ike_count(ike, IKE_EV_PEER_DOWN);
		ike_logf(ike, IKE_LOG_NOTICE, "[%s] site down (%s)", s->p.name,
			 why == IKE_DOWN_DPD     ? "DPD timeout" :
			 why == IKE_DOWN_DELETE  ? "deleted by peer" :
			 why == IKE_DOWN_EXPIRED ? "expired" :
						   "admin");
		ike->ops->peer_down(ike->ctx, s->id, s->p.name, why);
	}
	if (s->p.initiate && why != IKE_DOWN_ADMIN)
		arm_retry(s);
}

/* Call after an ISAKMP SA of the site went away: was it the last one? */
void
ike_site_check_down(struct site *s, enum ike_down_reason why)
{
	if (s->up && ike_site_newest_sa(s) == NULL)
		ike_site_flush(s, why, false);
}

/* Is there a pair (or an exchange making one) for these selectors? */
static bool
have_pair(const struct site *s, const struct ike_prefix *l, const struct ike_prefix *r)
{
	for (struct link *k = s->children.next; k != &s->children; k = k->next) {
		const struct child *c = container_of(k, struct child, site_link);

		if (!c->rekeyed && c->ts_local.addr == l->addr && c->ts_local.len == l->len &&
		    c->ts_remote.addr == r->addr && c->ts_remote.len == r->len)
			return true;
	}
	for (struct link *k = s->sas.next; k != &s->sas; k = k->next) {
		const struct ike_sa *sa = container_of(k, struct ike_sa, site_link);

		for (struct link *m = sa->qms.next; m != &sa->qms; m = m->next) {
			const struct qm *q = container_of(m, struct qm, link);

			if (q->initiator && q->state == QM_I_SENT1 && q->ts_local.addr == l->addr &&
			    q->ts_local.len == l->len && q->ts_remote.addr == r->addr &&
			    q->ts_remote.len == r->len)
				return true;
		}
	}
	return false;
}

/*
 * With an established ISAKMP SA: start the Quick Modes the site still
 * needs (every local x remote subnet pair, if we initiate) and the rekeys
 * that were waiting for phase 1.
 */
void
ike_site_kick(struct site *s)
{
	struct ike_sa *sa = ike_site_newest_sa(s);
	struct link *l, *t;

	if (sa == NULL)
		return;
	list_for_each_safe(l, t, &s->children) {
		struct child *c = container_of(l, struct child, site_link);

		if (c->rekey_wanted && c->established && !c->rekeyed)
			ike_child_rekey(c);
	}
	if (!sa->initiator && !s->p.initiate)
		return;
	for (uint8_t i = 0; i < s->p.n_local; i++)
		for (uint8_t j = 0; j < s->p.n_remote; j++)
			if (!have_pair(s, &s->p.local_subnets[i], &s->p.remote_subnets[j]))
				ike_quick_initiate(sa, &s->p.local_subnets[i],
						   &s->p.remote_subnets[j], 0);
}

/* Where to send a new Main Mode: the configured peer, or where it was. */
static bool
site_endpoints(const struct site *s, struct ike_endpoint *local, struct ike_endpoint *remote)
{
	local->addr = s->p.local_addr ? s->p.local_addr : s->ike->cfg.local_addr;
	local->port = IKE_PORT;
	if (s->p.peer_addr != 0) {
		remote->addr = s->p.peer_addr;
		remote->port = IKE_PORT;
	} else if (s->peer.addr != 0) {
		*remote = s->peer;
	} else {
		return false;
	}
	/* a peer behind a NAT is reached where it last talked from */
	if (s->peer.addr == remote->addr && s->peer.port == IKE_NATT_PORT)
		*remote = s->peer;
	if (remote->port != IKE_PORT)
		local->port = IKE_NATT_PORT;
	return local->addr != 0;
}

int
ike_site_start(struct site *s)
{
	struct ike_endpoint local, remote;

	if (ike_site_newest_sa(s) != NULL) {
		ike_site_kick(s);
		return 0;
	}
	for (struct link *l = s->sas.next; l != &s->sas; l = l->next) {
		struct ike_sa *sa = container_of(l, struct ike_sa, site_link);

		if (sa->initiator && sa->state != P1_DEAD)
			return -EALREADY;
	}
	if (!site_endpoints(s, &local, &remote))
		return -EINVAL;
	if (s->ike->n_initiating >= INIT_WINDOW) {
		if (!s->start_queued) {
			list_add_tail(&s->ike->start_queue, &s->start_link);
			s->start_queued = true;
		}
		return 0;
	}
	if (s->p.aggressive)
		return ike_aggr_initiate(s, &local, &remote);
	return ike_main_initiate(s, &local, &remote);
}

void
ike_site_start_queued(struct ike *ike)
{
	while (ike->n_initiating < INIT_WINDOW && !list_empty(&ike->start_queue)) {
		struct site *s = container_of(ike->start_queue.next, struct site, start_link);

		ike_site_unqueue(s);
		ike_site_retry(s);
	}
}

void
ike_site_unqueue(struct site *s)
{
	if (s->start_queued) {
		list_del(&s->start_link);
		s->start_queued = false;
	}
}

void
ike_site_retry(struct site *s)
{
	int rc = ike_site_start(s);

	if (rc != 0 && rc != -EALREADY)
		arm_retry(s);
	else if (rc == 0 && !s->up)
		arm_retry(s); /* in case this attempt fails too */
}
