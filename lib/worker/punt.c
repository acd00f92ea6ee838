/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE datagrams for the control core, in two classes, so that a flood of
 * spoofed new exchanges cannot starve the IKE SAs already up (their
 * rekeys, DPD, deletes):
 *   known    either cookie is one the box chose for an established,
 *            authenticated IKE SA (64 random bits, never given to a
 *            stranger: half-open exchanges are not in the table) -> the
 *            punt_known ring, which the control core drains first, at most
 *            PUNT_KNOWN_RATE datagrams a second per IKE SA on this worker
 *            (so no peer, hostile or spoofed by someone on its path, can
 *            fill that ring for the others);
 *   unknown  new exchanges and strays -> the punt ring, at most
 *            env->ike_rate datagrams per second from one source on this
 *            worker (a GCRA per source hash, keyed per worker). The source
 *            is not proven: a stranger spoofing a branch's address can use
 *            up that address's rate (IKEv1 message 1 carries no proof of
 *            it); the branch's established IKE SAs are not touched.
 *
 * The cookie table is a hint read without locks: open addressing over
 * 64-bit slots that the control core alone writes with atomic stores. A
 * reader sees a cookie or not; either way IKE checks the datagram itself.
 */
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "priv.h"

#define COOKIE_PROBE 8 /* slots a cookie may sit in, from its hash */
/* datagrams per second per IKE SA: DPD, and the Quick Modes of 16 pairs rekeying at once */
#define PUNT_KNOWN_RATE 64
#define IKE_HDR_COOKIES 16 /* initiator and responder cookie (RFC 2408 s3.1) */

struct worker_cookies {
	uint32_t mask;
	uint64_t slot[]; /* 0 = free: no IKE SA has a zero cookie */
};

struct worker_cookies *
worker_cookies_create(uint32_t max, int socket_id)
{
	uint32_t n = rte_align32pow2(RTE_MAX(2 * max, 64u));
	struct worker_cookies *c;

	c = rte_zmalloc_socket("ike_cookies", sizeof(*c) + n * sizeof(uint64_t),
			       RTE_CACHE_LINE_SIZE, socket_id);
	if (c != NULL)
		c->mask = n - 1;
	return c;
}

void
worker_cookies_free(struct worker_cookies *c)
{
	rte_free(c);
}

static uint64_t
cookie_value(const uint8_t cookie[8])
{
	uint64_t v;

	memcpy(&v, cookie, sizeof(v));
	return v;
}

/* Our cookies are random: their own bits spread them. */
static uint32_t
home(const struct worker_cookies *c, uint64_t v)
{
	return (uint32_t)(v ^ (v >> 32)) & c->mask;
}

bool
worker_cookies_add(struct worker_cookies *c, const uint8_t cookie[8])
{
	uint64_t v = cookie_value(cookie);

	if (v == 0)
		return false;
	for (uint32_t i = 0; i < COOKIE_PROBE; i++) {
		uint64_t *s = &c->slot[(home(c, v) + i) & c->mask];

		if (*s == v)
			return true;
		if (*s == 0) {
			__atomic_store_n(s, v, __ATOMIC_RELEASE);
			return true;
		}
	}
	return false;
}

void
worker_cookies_del(struct worker_cookies *c, const uint8_t cookie[8])
{
	uint64_t v = cookie_value(cookie);

	for (uint32_t i = 0; v != 0 && i < COOKIE_PROBE; i++) {
		uint64_t *s = &c->slot[(home(c, v) + i) & c->mask];

		if (*s == v)
			__atomic_store_n(s, 0, __ATOMIC_RELEASE);
	}
}

uint32_t
worker_cookies_slots(const struct worker_cookies *c)
{
	return c->mask + 1;
}

/* The slot holding cookie v, or -1. */
static int64_t
cookie_slot(const struct worker_cookies *c, uint64_t v)
{
	if (v == 0)
		return -1;
	for (uint32_t i = 0; i < COOKIE_PROBE; i++) {
		uint32_t k = (home(c, v) + i) & c->mask;

		if (__atomic_load_n(&c->slot[k], __ATOMIC_ACQUIRE) == v)
			return k;
	}
	return -1;
}

/* Secret multiply-shift: which sources share a bucket is not predictable. */
static uint32_t
source_bucket(const struct worker *w, uint32_t src)
{
	return (uint32_t)(((uint64_t)src * w->punt_key[0] + w->punt_key[1]) >>
			  (64 - PUNT_BUCKET_BITS));
}

void
worker_punt_ike(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
		const struct net_ipv4_info *info, uint16_t ike_off)
{
	const struct worker_cookies *c = w->env->cookies;
	uint64_t now = rte_rdtsc();
	int64_t slot = -1;
	uint8_t ck[IKE_HDR_COOKIES];
	struct rte_ring *ring;
	enum stats_drop full;

	if (c != NULL && w->env->punt_known != NULL && info->tot_len >= ike_off + IKE_HDR_COOKIES) {
		memcpy(ck, rte_pktmbuf_mtod_offset(m, const uint8_t *, ike_off), sizeof(ck));
		slot = cookie_slot(c, cookie_value(ck));
		if (slot < 0)
			slot = cookie_slot(c, cookie_value(ck + 8));
	}
	if (slot >= 0) {
		ring = w->env->punt_known;
		full = DROP_PUNT_KNOWN_RING_FULL;
		if (!worker_gcra(&w->punt_known_due[slot], now, w->tsc_hz / PUNT_KNOWN_RATE,
				 w->tsc_hz)) {
			stats_drop(w->st, m, DROP_PUNT_KNOWN_RATE);
			return;
		}
	} else {
		ring = w->env->punt;
		full = DROP_PUNT_RING_FULL;
		if (w->env->ike_rate != 0 &&
		    !worker_gcra(&w->punt_bucket[source_bucket(w, info->src)], now,
				 w->punt_tsc_per_token, w->punt_burst_tsc)) {
			stats_drop(w->st, m, DROP_PUNT_RATE_LIMITED);
			return;
		}
	}
	m->port = in_port;
	if (unlikely(rte_ring_mp_enqueue(ring, m) != 0)) {
		stats_drop(w->st, m, full);
		return;
	}
	w->st->ctr[WCTR_PUNTED]++;
	w->st->ctr[WCTR_PUNTED_KNOWN] += slot >= 0;
}
