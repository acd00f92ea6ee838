/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE datagrams for the control core, in two classes, so that a flood of
 * spoofed new exchanges cannot starve the IKE SAs already up (their
 * rekeys, DPD, deletes):
 *   known    either cookie is one the box chose for a live IKE SA (64
 *            random bits: an off-path sender cannot know one) -> the
 *            punt_known ring, which the control core drains first;
 *   unknown  new exchanges and strays -> the punt ring, at most
 *            env->ike_rate datagrams per second from one source on this
 *            worker (a GCRA per source hash, keyed per worker).
 *
 * The cookie table is a hint read without locks: open addressing over
 * 64-bit slots that the control core alone writes with atomic stores. A
 * reader sees a cookie or not; either way IKE checks the datagram itself.
 */
#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "priv.h"

#define COOKIE_PROBE 8         /* slots a cookie may sit in, from its hash */
#define IKE_HDR_COOKIES 16     /* initiator and responder cookie (RFC 2408 s3.1) */

struct worker_cookies {
	uint32_t mask;
	uint64_t slot[];           /* 0 = free: no IKE SA has a zero cookie */
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

static bool
cookie_known(const struct worker_cookies *c, uint64_t v)
{
	if (v == 0)
		return false;
	for (uint32_t i = 0; i < COOKIE_PROBE; i++)
		if (__atomic_load_n(&c->slot[(home(c, v) + i) & c->mask],
				    __ATOMIC_ACQUIRE) == v)
			return true;
	return false;
}

/*
 * GCRA: a source's bucket holds the time its next datagram is due; up to
 * a second's worth of datagrams may come early. One word per bucket.
 */
static bool
rate_ok(struct worker *w, uint32_t src)
{
	uint64_t now = rte_rdtsc();
	uint64_t *due = &w->punt_bucket[rte_hash_crc_4byte(src, w->punt_seed) &
					 (PUNT_BUCKETS - 1)];

	if (w->env->ike_rate == 0)
		return true;
	if (*due > now + w->punt_burst_tsc)
		return false;
	*due = RTE_MAX(*due, now) + w->punt_tsc_per_token;
	return true;
}

void
punt_ike(struct worker *w, uint16_t in_port, struct rte_mbuf *m,
	 const struct net_ipv4_info *info, uint16_t ike_off)
{
	const struct worker_cookies *c = w->env->cookies;
	struct rte_ring *ring = w->env->punt;
	enum stats_drop full = DROP_PUNT_RING_FULL;
	uint8_t ck[IKE_HDR_COOKIES];

	if (c != NULL && w->env->punt_known != NULL &&
	    info->tot_len >= ike_off + IKE_HDR_COOKIES) {
		memcpy(ck, rte_pktmbuf_mtod_offset(m, const uint8_t *, ike_off), sizeof(ck));
		if (cookie_known(c, cookie_value(ck)) || cookie_known(c, cookie_value(ck + 8))) {
			ring = w->env->punt_known;
			full = DROP_PUNT_KNOWN_RING_FULL;
		}
	}
	if (ring == w->env->punt && !rate_ok(w, info->src)) {
		stats_drop(w->st, m, DROP_PUNT_RATE_LIMITED);
		return;
	}
	m->port = in_port;
	if (unlikely(rte_ring_mp_enqueue(ring, m) != 0)) {
		stats_drop(w->st, m, full);
		return;
	}
	w->st->ctr[WCTR_PUNTED]++;
	w->st->ctr[WCTR_PUNTED_KNOWN] += ring == w->env->punt_known;
}
