/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPsec SA pairs after their Quick Mode: handing each direction to the
 * host, establishment, rekeying (make-before-break) and collisions.
 *
 * Rekey: whichever side's soft lifetime (fuzzed) or the data plane's soft
 * byte or packet limit comes first starts a Quick Mode for the same
 * selectors. The new pair is complete on both sides before either uses
 * it; the side that started the rekey deletes the old pair
 * rekeyed_delete_s later, the other side just stops rekeying it and waits
 * for the DELETE (or expiry).
 *
 * Collisions: two pairs for the same selectors negotiated at the same
 * time, one started by each side. Both sides see both nonce pairs, so both
 * name the same loser: the pair holding the lowest nonce. Only the side
 * that started the loser deletes it, so nothing is deleted twice and the
 * winner carries the traffic throughout.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

/* Kilobytes to bytes, saturating: a peer may propose any 64-bit count. */
static uint64_t
kb_to_bytes(uint64_t kb)
{
	return kb > UINT64_MAX / 1024 ? UINT64_MAX : kb * 1024;
}

int
ike_child_install(struct child *c, bool inbound, const uint8_t *keymat)
{
	struct ike *ike = c->ike;
	struct ike_child_sa sa;
	int rc;

	memset(&sa, 0, sizeof(sa));
	if (!ike_prop_esp_keys(&c->prop, keymat, &sa.keys))
		return -1;
	sa.site_id = c->site->id;
	sa.site_name = c->site->p.name;
	sa.inbound = inbound;
	sa.spi = inbound ? c->spi_in : c->spi_out;
	sa.local_ts = c->ts_local;
	sa.remote_ts = c->ts_remote;
	sa.life_s = c->life_s;
	sa.life_bytes = kb_to_bytes(c->life_kb);
	sa.soft_bytes = sa.life_bytes - sa.life_bytes / 10;
	sa.soft_packets = IKE_SOFT_PACKETS;
	sa.twin = inbound ? 0 : c->in_handle;
	sa.local = c->local;
	sa.remote = c->remote;
	rc = ike->ops->child_sa_install(ike->ctx, &sa, inbound ? &c->in_handle : &c->out_handle);
	OPENSSL_cleanse(&sa.keys, sizeof(sa.keys));
	if (rc == 0) {
		if (inbound)
			c->in_installed = true;
		else
			c->out_installed = true;
	}
	return rc;
}

static bool
same_selectors(const struct child *a, const struct child *b)
{
	return a->ts_local.addr == b->ts_local.addr && a->ts_local.len == b->ts_local.len &&
	       a->ts_remote.addr == b->ts_remote.addr && a->ts_remote.len == b->ts_remote.len;
}

static int
nonce_cmp(const struct child *a, const struct child *b)
{
	size_t n = a->min_nonce_len < b->min_nonce_len ? a->min_nonce_len : b->min_nonce_len;
	int r = memcmp(a->min_nonce, b->min_nonce, n);

	return r != 0 ? r : (int)a->min_nonce_len - (int)b->min_nonce_len;
}

/* A pair stops being rekeyed; if we must delete it, in a moment. */
static void
retire(struct child *c, bool delete_it)
{
	struct ike *ike = c->ike;

	c->rekeyed = true;
	c->rekeying = c->rekey_wanted = false;
	ike_timer_cancel(ike, &c->t_rekey);
	if (delete_it)
		ike_timer_arm(ike, &c->t_rekey, T_CHILD_DELETE,
			      ike->now + ike->cfg.rekeyed_delete_s * 1000ULL);
}

static void
resolve_collisions(struct child *c)
{
	struct site *s = c->site;

	for (struct link *l = s->children.next; l != &s->children; l = l->next) {
		struct child *o = container_of(l, struct child, site_link);
		struct child *loser;

		if (o == c || !o->established || o->rekeyed || !same_selectors(o, c) ||
		    o->initiator == c->initiator)
			continue;
		/* overlapping exchanges only; an older pair was rekeyed */
		if (o->start_ms > c->established_ms || c->start_ms > o->established_ms)
			continue;
		loser = nonce_cmp(c, o) <= 0 ? c : o;
		ike_count(c->ike, IKE_EV_COLLISION);
		ike_logf(c->ike, IKE_LOG_INFO, "[%s] Quick Mode collision: pair %08x loses%s",
			 s->p.name, loser->spi_in, loser->initiator ? ", deleting it" : "");
		retire(loser, loser->initiator);
		if (loser == c)
			return;
	}
}

/* Call after both directions of the pair are installed. */
void
ike_child_established(struct child *c, struct qm *q)
{
	struct ike *ike = c->ike;
	struct site *s = c->site;
	uint32_t old_spi = q->initiator ? q->rekey_of : c->replaces;
	struct child *old = old_spi ? ike_child_by_spi(ike, old_spi) : NULL;
	char la[IKE_ADDR_STR_MAX], ra[IKE_ADDR_STR_MAX];

	c->established = true;
	c->established_ms = ike->now;
	c->last_used_ms = ike->now;
	ike_count(ike, IKE_EV_QM_UP);
	s->cnt.children_up++;
	ike_logf(ike, IKE_LOG_INFO, "[%s] IPsec SA pair up: in %08x out %08x, %s/%u <-> %s/%u%s%s",
		 s->p.name, c->spi_in, c->spi_out, ike_addr_str(c->ts_local.addr, la),
		 c->ts_local.len, ike_addr_str(c->ts_remote.addr, ra), c->ts_remote.len,
		 c->local.port ? ", UDP-encapsulated" : "", old ? ", rekey" : "");
	ike_timers_child_established(c);
	if (old != NULL && old != c) {
		c->replaces = old->spi_in;
		if (!old->rekeyed)
			s->cnt.child_rekeys++;
		/* we started the rekey: the old pair is ours to delete. Both
		 * sides may have rekeyed it at once: a second retire must not
		 * cancel the delete the first one (ours) armed. */
		if (!old->rekeyed || q->initiator)
			retire(old, q->initiator);
	}
	resolve_collisions(c);
}

/* T_CHILD_REKEY, or the data plane's soft byte or packet limit. */
void
ike_child_rekey(struct child *c)
{
	struct site *s = c->site;
	struct ike_sa *sa;

	if (!c->established || c->rekeyed || c->rekeying)
		return;
	sa = ike_site_newest_sa(s);
	if (sa == NULL) {
		/* phase 1 first; ike_site_kick() comes back for us */
		c->rekey_wanted = true;
		ike_site_start(s);
		return;
	}
	c->rekey_wanted = false;
	c->rekeying = true;
	ike_count(c->ike, IKE_EV_CHILD_REKEY);
	ike_quick_initiate(sa, &c->ts_local, &c->ts_remote, c->spi_in);
}

/*
 * May the peer start one more pair with these selectors? A site holds at
 * most p.max_pairs (each is two data-plane SAs and a tunnel: one branch
 * must not fill the tables others need). At the cap, the oldest pair a
 * rekey superseded goes first (DELETE sent: its successor carries the
 * traffic); failing that, a rekey of a live pair may still start if none
 * runs for those selectors yet, so a site at its cap keeps rekeying and
 * holds at most twice its cap. Anything else is refused.
 */
bool
ike_child_room(struct site *s, const struct ike_prefix *local, const struct ike_prefix *remote)
{
	struct child *oldest = NULL;
	bool live = false, running = false;

	if (s->n_children < s->p.max_pairs)
		return true;
	for (struct link *l = s->children.next; l != &s->children; l = l->next) {
		struct child *c = container_of(l, struct child, site_link);
		bool same = c->ts_local.addr == local->addr && c->ts_local.len == local->len &&
			    c->ts_remote.addr == remote->addr && c->ts_remote.len == remote->len;

		if (c->rekeyed && (oldest == NULL || c->established_ms < oldest->established_ms))
			oldest = c;
		live |= same && c->established && !c->rekeyed;
		running |= same && !c->established;
	}
	if (oldest != NULL) {
		ike_logf(s->ike, IKE_LOG_INFO,
			 "[%s] at %u pairs: superseded pair "
			 "%08x goes early",
			 s->p.name, s->n_children, oldest->spi_in);
		ike_child_delete(oldest, true);
		return true;
	}
	return live && !running;
}

/* Public: data plane events about an inbound SA (or its partner). */

void
ike_child_sa_expired(struct ike *ike, uint32_t spi_in, bool hard, uint64_t now_ms)
{
	struct child *c = ike_child_by_spi(ike, spi_in);

	if (now_ms > ike->now)
		ike->now = now_ms;
	if (c == NULL)
		return;
	if (hard) {
		ike_count(ike, IKE_EV_CHILD_EXPIRED);
		ike_child_delete(c, true);
	} else {
		ike_child_rekey(c);
	}
	ike_sa_reap(ike);
}

void
ike_child_sa_used(struct ike *ike, uint32_t spi_in, uint64_t now_ms)
{
	struct child *c = ike_child_by_spi(ike, spi_in);

	if (c != NULL)
		c->last_used_ms = now_ms;
}
