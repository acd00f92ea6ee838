/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 reassembly (see reass.h): a set-associative table of datagrams in
 * progress, four per bucket, hashed with secret per-table keys
 * (multiply-shift: no sender can aim its fragments at another's bucket,
 * which a CRC with a seed would allow). A datagram holds its fragments'
 * mbufs until the last byte arrives, then the fragments are copied behind
 * the first one's header into its own buffer.
 *
 * Buffers held are bounded per table (max_frags): past it, a clock hand
 * evicts datagrams in progress, oldest first in its sweep, so fragments
 * nobody completes can never take the packet pool (the pool is sized for
 * what the tables may hold, WORKER_REASS_MBUFS).
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_random.h>

#include "reass.h"

#define WAYS 4

struct reass_key {
	uint32_t owner;
	uint32_t site;
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint8_t zero;
};

struct reass_frag {
	struct rte_mbuf *m;
	uint16_t off;  /* payload bytes before this fragment's */
	uint16_t len;  /* payload bytes */
	uint16_t hlen; /* its own header's length */
};

struct reass_entry {
	uint64_t first_tsc;
	struct reass_key key;
	uint32_t site;
	uint16_t total; /* payload bytes, known once the last fragment came */
	uint16_t have;  /* payload bytes held */
	uint8_t used;
	uint8_t has_last;
	uint8_t n;
	struct reass_frag f[REASS_MAX_FRAGS];
};

struct reass {
	uint32_t n_buckets; /* a power of two */
	uint32_t bucket_bits;
	uint32_t sites;
	uint64_t key[6]; /* secret hash keys */
	uint32_t scan;   /* next entry worker_reass_expire() looks at */
	uint32_t hand;   /* next entry evicted when over max_frags */
	uint32_t held;   /* datagrams in progress */
	uint32_t frags;  /* fragments (mbufs) held */
	uint32_t max_frags;
	uint64_t timeout;
	uint16_t *site_held; /* datagrams per site, when sites != 0 */
	struct reass_entry *e;
};

struct reass *
worker_reass_create(const char *name, uint32_t entries, uint32_t max_frags, uint32_t sites,
		    uint64_t timeout_tsc, int socket_id)
{
	struct reass *r = rte_zmalloc_socket(name, sizeof(*r), 0, socket_id);
	uint32_t n = rte_align32pow2(RTE_MAX(entries, 16u));

	if (r == NULL)
		return NULL;
	r->n_buckets = n / WAYS;
	r->bucket_bits = (uint32_t)rte_log2_u32(r->n_buckets);
	r->sites = sites;
	for (unsigned i = 0; i < RTE_DIM(r->key); i++)
		r->key[i] = rte_rand() | 1;
	r->max_frags = RTE_MAX(max_frags, 2u * REASS_MAX_FRAGS);
	r->timeout = timeout_tsc;
	r->e = rte_zmalloc_socket(name, sizeof(*r->e) * n, RTE_CACHE_LINE_SIZE, socket_id);
	if (sites != 0)
		r->site_held =
			rte_zmalloc_socket(name, sizeof(*r->site_held) * sites, 0, socket_id);
	if (r->e == NULL || (sites != 0 && r->site_held == NULL)) {
		worker_reass_free(r);
		return NULL;
	}
	return r;
}

static void
release(struct reass *r, struct reass_entry *e)
{
	if (r->site_held != NULL)
		r->site_held[e->site]--;
	r->held--;
	r->frags -= e->n;
	e->used = 0;
}

/* Refuse the whole datagram: every fragment held is counted under why. */
static void
drop_entry(struct reass *r, struct stats_worker *st, struct reass_entry *e, enum stats_drop why)
{
	for (uint8_t i = 0; i < e->n; i++)
		stats_drop(st, e->f[i].m, why);
	release(r, e);
}

void
worker_reass_free(struct reass *r)
{
	if (r == NULL)
		return;
	for (uint32_t i = 0; r->e != NULL && i < r->n_buckets * WAYS; i++)
		for (uint8_t k = 0; r->e[i].used && k < r->e[i].n; k++)
			rte_pktmbuf_free(r->e[i].f[k].m);
	rte_free(r->site_held);
	rte_free(r->e);
	rte_free(r);
}

static bool
expired(const struct reass *r, const struct reass_entry *e, uint64_t now)
{
	return now - e->first_tsc >= r->timeout;
}

/*
 * Secret multiply-shift over the key's words (the last one padded), then
 * MurmurHash3's 64-bit finalizer. The sum alone decides which keys collide;
 * but consecutive IP IDs walk it in steps of one key word, and for some
 * keys (a few tables in a hundred, seen in test_reass) such a walk stays in a
 * bucket or two. The finalizer is a bijection: it spreads the walk and
 * changes no collision.
 */
static uint32_t
bucket_of(const struct reass *r, const struct reass_key *k)
{
	uint32_t w[6] = { k->owner, k->site, k->src, k->dst, (uint32_t)k->id << 8 | k->proto, 0 };
	uint64_t h = r->key[5];

	for (unsigned i = 0; i < 5; i++)
		h += (uint64_t)w[i] * r->key[i];
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)(h >> (64 - r->bucket_bits));
}

/* Over the buffer budget: refuse datagrams in progress other than keep. */
static void
make_room(struct reass *r, struct stats_worker *st, const struct reass_entry *keep)
{
	uint32_t n = r->n_buckets * WAYS;

	while (r->frags >= r->max_frags) {
		struct reass_entry *e = &r->e[r->hand];

		r->hand = (r->hand + 1) & (n - 1);
		if (e->used && e != keep)
			drop_entry(r, st, e, DROP_REASS_EVICTED);
	}
}

/*
 * The entry for key, or a fresh one in its bucket: a free way, else the
 * oldest, whose datagram is refused (timed out, or evicted). NULL: the
 * site holds its share already.
 */
static struct reass_entry *
find(struct reass *r, struct stats_worker *st, const struct reass_key *key, uint32_t site,
     uint64_t now)
{
	struct reass_entry *way = &r->e[bucket_of(r, key) * WAYS], *slot = NULL;

	for (unsigned i = 0; i < WAYS; i++) {
		struct reass_entry *e = &way[i];

		if (e->used && memcmp(&e->key, key, sizeof(*key)) == 0) {
			if (!expired(r, e, now))
				return e;
			drop_entry(r, st, e, DROP_REASS_TIMEOUT);
		}
		if (!e->used) {
			if (slot == NULL || slot->used)
				slot = e;
		} else if (slot == NULL || (slot->used && e->first_tsc < slot->first_tsc)) {
			slot = e;
		}
	}
	if (r->site_held != NULL && r->site_held[site] >= REASS_SITE_SHARE)
		return NULL;
	if (slot->used)
		drop_entry(r, st, slot,
			   expired(r, slot, now) ? DROP_REASS_TIMEOUT : DROP_REASS_EVICTED);
	*slot = (struct reass_entry){ .key = *key, .first_tsc = now, .site = site, .used = 1 };
	r->held++;
	if (r->site_held != NULL)
		r->site_held[site]++;
	return slot;
}

/*
 * Where a new fragment [off, off + len) of m stands against those held. A
 * duplicate must say the same: one that differs is refused like an
 * overlap (the first copy would otherwise win silently).
 */
static enum stats_drop
place(const struct reass_entry *e, const struct rte_mbuf *m, uint16_t hlen, uint16_t off,
      uint16_t len, bool last)
{
	uint32_t end = (uint32_t)off + len;

	for (uint8_t i = 0; i < e->n; i++) {
		const struct reass_frag *f = &e->f[i];

		if (f->off == off && f->len == len && last == (e->has_last && end == e->total))
			return memcmp(rte_pktmbuf_mtod_offset(f->m, const uint8_t *, f->hlen),
				      rte_pktmbuf_mtod_offset(m, const uint8_t *, hlen), len) == 0 ?
				       DROP_REASS_DUPLICATE :
				       DROP_REASS_OVERLAP;
		if (off < f->off + f->len && f->off < end)
			return DROP_REASS_OVERLAP;
		/* Nothing may lie beyond the end the last fragment gave. */
		if (last && f->off + f->len > end)
			return DROP_REASS_OVERLAP;
	}
	if (e->has_last && (last ? end != e->total : end > e->total))
		return DROP_REASS_OVERLAP;
	if (e->n == REASS_MAX_FRAGS)
		return DROP_REASS_TOO_MANY;
	return DROP_NONE;
}

/* All bytes are there: copy them behind the first fragment's header. */
static struct rte_mbuf *
assemble(struct reass *r, struct stats_worker *st, struct reass_entry *e,
	 struct net_ipv4_info *info)
{
	struct reass_frag *first = NULL;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	uint32_t whole;
	uint8_t *p;

	for (uint8_t i = 0; i < e->n; i++)
		if (e->f[i].off == 0)
			first = &e->f[i];
	m = first->m;
	whole = (uint32_t)first->hlen + e->total;
	if (whole > UINT16_MAX || whole > (uint32_t)m->buf_len - m->data_off) {
		drop_entry(r, st, e, DROP_REASS_TOO_BIG);
		return NULL;
	}
	p = rte_pktmbuf_mtod(m, uint8_t *);
	for (uint8_t i = 0; i < e->n; i++) {
		const struct reass_frag *f = &e->f[i];

		if (f == first)
			continue;
		memcpy(p + first->hlen + f->off,
		       rte_pktmbuf_mtod_offset(f->m, const uint8_t *, f->hlen), f->len);
		rte_pktmbuf_free(f->m);
	}
	m->data_len = (uint16_t)whole;
	m->pkt_len = whole;
	release(r, e);

	ip = (struct rte_ipv4_hdr *)p;
	ip->total_length = rte_cpu_to_be_16((uint16_t)whole);
	ip->fragment_offset &= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = net_cksum(ip, first->hlen);
	net_ipv4_parse(ip, whole, false, info);
	return m;
}

struct rte_mbuf *
worker_reass_input(struct reass *r, struct stats_worker *st, uint32_t owner, uint32_t site,
		   struct rte_mbuf *m, struct net_ipv4_info *info, uint64_t now)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);
	uint16_t off = (uint16_t)((frag & RTE_IPV4_HDR_OFFSET_MASK) * 8);
	uint16_t len = (uint16_t)(info->tot_len - info->hlen);
	bool last = !(frag & RTE_IPV4_HDR_MF_FLAG);
	struct reass_key key = { .owner = owner,
				 .site = site,
				 .src = info->src,
				 .dst = info->dst,
				 .id = ip->packet_id,
				 .proto = info->proto };
	struct reass_entry *e;
	enum stats_drop why;

	/* RFC 791: all but the last carry a multiple of 8 bytes; the datagram
	 * fits in 65535. All but the last carry REASS_MIN_FRAG at least: no
	 * link in use fragments smaller (RFC 791 asks every link for 576
	 * bytes), and tiny fragments only pin buffers. The buffer must hold
	 * what it says it has. */
	if ((!last && (len < REASS_MIN_FRAG || len % 8 != 0)) ||
	    (uint32_t)off + len + info->hlen > UINT16_MAX || m->nb_segs != 1 ||
	    rte_pktmbuf_data_len(m) < info->tot_len) {
		stats_drop(st, m, DROP_REASS_MALFORMED);
		return NULL;
	}
	if (r->site_held != NULL)
		site %= r->sites; /* ids are below sites; others would share */
	key.site = site;
	e = find(r, st, &key, site, now);
	if (e == NULL) {
		stats_drop(st, m, DROP_REASS_SITE_SHARE);
		return NULL;
	}
	why = place(e, m, info->hlen, off, len, last);
	if (why == DROP_REASS_DUPLICATE) {
		stats_drop(st, m, why);
		return NULL;
	}
	if (why != DROP_NONE) {
		drop_entry(r, st, e, why);
		stats_drop(st, m, why);
		return NULL;
	}
	make_room(r, st, e);
	e->f[e->n++] = (struct reass_frag){ .m = m, .off = off, .len = len, .hlen = info->hlen };
	r->frags++;
	e->have = (uint16_t)(e->have + len);
	if (last) {
		e->has_last = 1;
		e->total = (uint16_t)(off + len);
	}
	if (!e->has_last || e->have != e->total)
		return NULL;
	return assemble(r, st, e, info);
}

void
worker_reass_expire(struct reass *r, struct stats_worker *st, uint64_t now, unsigned budget)
{
	uint32_t n = r->n_buckets * WAYS;

	/* Nearly always: nothing held, and no line of the table touched. */
	for (unsigned i = 0; i < budget && r->held != 0; i++) {
		struct reass_entry *e = &r->e[r->scan];

		r->scan = (r->scan + 1) & (n - 1);
		if (e->used && expired(r, e, now))
			drop_entry(r, st, e, DROP_REASS_TIMEOUT);
	}
}
