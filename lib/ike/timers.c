/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every timer of the engine, in one min-heap driven by ike_tick().
 *
 *   T_P1_XMIT      phase 1 retransmit: retransmit_base_ms (2 s), doubling,
 *                  retransmit_tries (5) times, then the exchange fails
 *   T_HALF_OPEN    a responder waits msg3_timeout_s (10 s) for message 3
 *                  after sending message 2, and phase 1 must complete
 *                  within half_open_timeout_s (30 s)
 *   T_P1_REKEY     ISAKMP SA soft expiry: lifetime - margin (540 s) - up to
 *                  rekey_fuzz_pct of the margin, random; starts Main Mode
 *   T_P1_EXPIRE    ISAKMP SA hard expiry: lifetime (site p1_lifetime_s or
 *                  the peer's proposal, whichever is shorter)
 *   T_P1_DELETE    a rekeyed ISAKMP SA is deleted rekeyed_delete_s (5 s)
 *                  after its successor is up
 *   T_DPD          on a site's newest ISAKMP SA, dpd_delay_s after the
 *                  peer was last heard from: R-U-THERE, resent every
 *                  dpd_delay_s; dpd_timeout_s unanswered -> peer down
 *   T_KEEPALIVE    NAT-keepalive every natt_keepalive_s (20 s) while we
 *                  are behind a NAT
 *   T_QM_XMIT      Quick Mode retransmit (as T_P1_XMIT), then the linger
 *                  time (2 x base) a finished exchange answers duplicates
 *   T_CHILD_REKEY  IPsec SA soft expiry (as T_P1_REKEY)
 *   T_CHILD_EXPIRE IPsec SA hard expiry (site child_lifetime_s or the
 *                  proposal/RESPONDER-LIFETIME, whichever is shorter)
 *   T_CHILD_DELETE a superseded pair is deleted rekeyed_delete_s after
 *   T_SITE_RETRY   a down site with `initiate` is retried: 10 s doubling
 *                  to 300 s
 *   T_GC           every 10 s: per-source entries idle for 60 s are freed
 */
#include <stdlib.h>

#include "priv.h"

#define GC_INTERVAL_MS 10000

static void
swap(struct theap *hp, size_t a, size_t b)
{
	struct timer *t = hp->h[a];

	hp->h[a] = hp->h[b];
	hp->h[b] = t;
	hp->h[a]->idx = (uint32_t)a + 1;
	hp->h[b]->idx = (uint32_t)b + 1;
}

static void
sift_up(struct theap *hp, size_t i)
{
	while (i > 0 && hp->h[(i - 1) / 2]->when > hp->h[i]->when) {
		swap(hp, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
sift_down(struct theap *hp, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < hp->n && hp->h[l]->when < hp->h[m]->when)
			m = l;
		if (r < hp->n && hp->h[r]->when < hp->h[m]->when)
			m = r;
		if (m == i)
			return;
		swap(hp, i, m);
		i = m;
	}
}

void
ike_timer_cancel(struct ike *ike, struct timer *t)
{
	struct theap *hp = &ike->timers;
	size_t i;

	if (t->idx == 0)
		return;
	i = t->idx - 1;
	t->idx = 0;
	hp->n--;
	if (i == hp->n)
		return;
	hp->h[i] = hp->h[hp->n];
	hp->h[i]->idx = (uint32_t)i + 1;
	sift_up(hp, i);
	sift_down(hp, hp->h[i]->idx - 1);
}

void
ike_timer_arm(struct ike *ike, struct timer *t, enum timer_kind kind, uint64_t when)
{
	struct theap *hp = &ike->timers;

	ike_timer_cancel(ike, t);
	if (hp->n == hp->cap) {
		size_t cap = hp->cap ? hp->cap * 2 : 256;
		struct timer **h = realloc(hp->h, cap * sizeof(*h));

		if (h == NULL) {
			/* Nothing sane to do without memory for a timer: an
			 * unarmed timer would leak state forever. */
			abort();
		}
		hp->h = h;
		hp->cap = cap;
	}
	t->kind = (uint8_t)kind;
	t->when = when;
	hp->h[hp->n] = t;
	t->idx = (uint32_t)++hp->n;
	sift_up(hp, hp->n - 1);
}

uint64_t
ike_next_deadline(const struct ike *ike)
{
	/* Sites waiting for the initiation window, and there is room: now. */
	if (!list_empty(&ike->start_queue) && ike->n_initiating < INIT_WINDOW)
		return 0;
	return ike->timers.n > 0 ? ike->timers.h[0]->when : UINT64_MAX;
}

/* Soft expiry: lifetime minus the margin minus a random part of it. */
uint64_t
ike_timer_fuzzed_rekey(struct ike *ike, uint64_t start_ms, uint64_t life_s)
{
	uint64_t life = life_s * 1000, margin = ike->cfg.rekey_margin_s * 1000ULL;
	uint64_t fuzz = margin * ike->cfg.rekey_fuzz_pct / 100, r = 0;

	if (margin > life / 3)
		margin = life / 3;
	if (fuzz > margin)
		fuzz = margin;
	if (fuzz > 0) {
		ike_random(&r, sizeof(r));
		r %= fuzz + 1;
	}
	return start_ms + life - margin - r;
}

/* Call after an ISAKMP SA became established. */
void
ike_timers_p1_established(struct ike_sa *sa)
{
	struct ike *ike = sa->ike;
	struct site *s = sa->site;

	ike_timer_arm(ike, &sa->t_life, T_P1_EXPIRE, sa->expire_ms);
	ike_timer_arm(ike, &sa->t_rekey, T_P1_REKEY,
		      ike_timer_fuzzed_rekey(ike, sa->established_ms, sa->life_s));
	if (s->p.dpd_delay_s > 0 && sa->peer_dpd) {
		ike_timer_arm(ike, &sa->t_dpd, T_DPD, ike->now + s->p.dpd_delay_s * 1000ULL);
	}
	if (sa->nat_local && ike->cfg.natt_keepalive_s > 0)
		ike_timer_arm(ike, &sa->t_keepalive, T_KEEPALIVE,
			      ike->now + ike->cfg.natt_keepalive_s * 1000ULL);
}

/* Call after an IPsec SA pair became established. */
void
ike_timers_child_established(struct child *c)
{
	struct ike *ike = c->ike;

	c->expire_ms = c->established_ms + c->life_s * 1000;
	c->rekey_ms = ike_timer_fuzzed_rekey(ike, c->established_ms, c->life_s);
	ike_timer_arm(ike, &c->t_expire, T_CHILD_EXPIRE, c->expire_ms);
	ike_timer_arm(ike, &c->t_rekey, T_CHILD_REKEY, c->rekey_ms);
}

static void
fire_sa(struct ike *ike, struct timer *t)
{
	struct ike_sa *sa;

	switch (t->kind) {
	case T_P1_XMIT:
		sa = container_of(t, struct ike_sa, x.t);
		if (!ike_xmit_timeout(sa, &sa->x))
			ike_p1_failed(sa, IKE_EV_P1_FAILED);
		break;
	case T_HALF_OPEN:
		sa = container_of(t, struct ike_sa, t_life);
		ike_p1_failed(sa, IKE_EV_HALF_OPEN_TIMEOUT);
		break;
	case T_P1_REKEY:
		ike_p1_rekey(container_of(t, struct ike_sa, t_rekey));
		break;
	case T_P1_EXPIRE:
		sa = container_of(t, struct ike_sa, t_life);
		ike_count(ike, IKE_EV_P1_EXPIRED);
		ike_sa_logf(sa, IKE_LOG_INFO, "ISAKMP SA expired");
		ike_sa_teardown(sa, true, IKE_DOWN_EXPIRED);
		break;
	case T_P1_DELETE:
		sa = container_of(t, struct ike_sa, t_rekey);
		ike_sa_logf(sa, IKE_LOG_INFO, "deleting rekeyed ISAKMP SA");
		ike_sa_teardown(sa, true, IKE_DOWN_EXPIRED);
		break;
	case T_DPD:
		ike_dpd_check(container_of(t, struct ike_sa, t_dpd));
		break;
	case T_KEEPALIVE:
		sa = container_of(t, struct ike_sa, t_keepalive);
		ike_natt_keepalive(sa);
		ike_timer_arm(ike, t, T_KEEPALIVE, ike->now + ike->cfg.natt_keepalive_s * 1000ULL);
		break;
	}
}

static void
fire(struct ike *ike, struct timer *t)
{
	struct child *c;
	struct qm *q;

	switch (t->kind) {
	case T_QM_XMIT:
		q = container_of(t, struct qm, x.t);
		if (q->state == QM_DONE || !ike_xmit_timeout(q->sa, &q->x))
			ike_qm_timeout(q);
		break;
	case T_CHILD_REKEY:
		ike_child_rekey(container_of(t, struct child, t_rekey));
		break;
	case T_CHILD_EXPIRE:
		c = container_of(t, struct child, t_expire);
		ike_count(ike, IKE_EV_CHILD_EXPIRED);
		ike_child_delete(c, true);
		break;
	case T_CHILD_DELETE:
		ike_child_delete(container_of(t, struct child, t_rekey), true);
		break;
	case T_SITE_RETRY:
		ike_site_retry(container_of(t, struct site, t_retry));
		break;
	case T_GC:
		ike_src_gc(ike);
		if (ike->srcs.n > 0)
			ike_timer_arm(ike, t, T_GC, ike->now + GC_INTERVAL_MS);
		break;
	default:
		fire_sa(ike, t);
		break;
	}
}

static void
timers_run(struct ike *ike, uint64_t now)
{
	struct theap *hp = &ike->timers;

	while (hp->n > 0 && hp->h[0]->when <= now) {
		struct timer *t = hp->h[0];

		ike_timer_cancel(ike, t);
		fire(ike, t);
	}
}

void
ike_tick(struct ike *ike, uint64_t now_ms)
{
	if (now_ms > ike->now)
		ike->now = now_ms;
	timers_run(ike, ike->now);
	ike_site_start_queued(ike);
	ike_sa_reap(ike);
}

/* Start the per-source table's ageing when it gets its first entry. */
void
ike_timers_gc_start(struct ike *ike)
{
	if (ike->t_gc.idx == 0)
		ike_timer_arm(ike, &ike->t_gc, T_GC, ike->now + GC_INTERVAL_MS);
}

void
ike_timers_fini(struct ike *ike)
{
	for (size_t i = 0; i < ike->timers.n; i++)
		ike->timers.h[i]->idx = 0;
	free(ike->timers.h);
	ike->timers.h = NULL;
	ike->timers.n = ike->timers.cap = 0;
}
