/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outbound SPD as a hash per prefix length: branch subnets come in few
 * lengths (/24, /16, ...), so a lookup is one or two exact matches, and the
 * table costs memory per prefix, not the 64 MiB of a DIR-24-8 per worker.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "priv.h"

struct spd *
sa_spd_create(const char *name, uint32_t size, int socket_id)
{
	struct spd *s = rte_zmalloc_socket(name, sizeof(*s), 0, socket_id);

	if (s == NULL)
		return NULL;
	s->h = sa_key64_hash_create(name, size, socket_id);
	s->summary =
		rte_zmalloc_socket("spd_summary", SPD_BLOCKS / 8, RTE_CACHE_LINE_SIZE, socket_id);
	s->block_refs = rte_zmalloc_socket("spd_block_refs", SPD_BLOCKS * sizeof(uint32_t),
					   RTE_CACHE_LINE_SIZE, socket_id);
	if (s->h == NULL || s->summary == NULL || s->block_refs == NULL) {
		sa_spd_free(s);
		return NULL;
	}
	return s;
}

void
sa_spd_free(struct spd *s)
{
	if (s == NULL)
		return;
	rte_hash_free(s->h);
	rte_free(s->summary);
	rte_free(s->block_refs);
	rte_free(s);
}

static void
rebuild_lens(struct spd *s)
{
	s->n_lens = 0;
	for (int l = 32; l >= 0; l--)
		if (s->users[l] != 0)
			s->lens[s->n_lens++] = (uint8_t)l;
}

static uint32_t
mask(uint8_t plen)
{
	return plen ? UINT32_MAX << (32 - plen) : 0;
}

/* The /16 blocks a prefix touches: one, or all those it covers. */
static void
summary_update(struct spd *s, uint32_t prefix, uint8_t plen, bool add)
{
	uint32_t first = prefix >> 16;
	uint32_t n = plen >= 16 ? 1 : 1u << (16 - plen);

	for (uint32_t b = first; b < first + n; b++) {
		uint64_t bit = 1ull << (b % 64);

		if (add && s->block_refs[b]++ == 0)
			s->summary[b / 64] |= bit;
		else if (!add && --s->block_refs[b] == 0)
			s->summary[b / 64] &= ~bit;
	}
}

int
sa_spd_add(struct spd *s, uint32_t prefix, uint8_t plen, uint32_t tunnel)
{
	uint64_t key;
	bool fresh;

	if (plen > 32)
		return -EINVAL;
	key = spd_key(prefix & mask(plen), plen);
	fresh = rte_hash_lookup(s->h, &key) < 0;
	if (rte_hash_add_key_data(s->h, &key, (void *)(uintptr_t)tunnel) != 0)
		return -ENOSPC;
	if (!fresh)
		return 0;
	if (s->users[plen]++ == 0)
		rebuild_lens(s);
	summary_update(s, prefix & mask(plen), plen, true);
	return 0;
}

int
sa_spd_del(struct spd *s, uint32_t prefix, uint8_t plen)
{
	uint64_t key;

	if (plen > 32)
		return -EINVAL;
	key = spd_key(prefix & mask(plen), plen);
	if (rte_hash_del_key(s->h, &key) < 0)
		return -ENOENT;
	if (--s->users[plen] == 0)
		rebuild_lens(s);
	summary_update(s, prefix & mask(plen), plen, false);
	return 0;
}

uint32_t
sa_spd_lookup_exact(const struct spd *s, uint64_t key)
{
	void *data;

	return rte_hash_lookup_data(s->h, &key, &data) >= 0 ? (uint32_t)(uintptr_t)data : SA_NONE;
}

uint32_t
sa_spd_lookup(const struct spd *s, uint32_t dst)
{
	if (!spd_summary_hit(s, dst))
		return SA_NONE;
	for (unsigned i = 0; i < s->n_lens; i++) {
		uint8_t l = s->lens[i];
		uint64_t key = spd_key(dst & mask(l), l);
		void *data;

		if (rte_hash_lookup_data(s->h, &key, &data) >= 0)
			return (uint32_t)(uintptr_t)data;
	}
	return SA_NONE;
}

void
sa_spd_lookup_bulk(const struct spd *s, const uint32_t *dst, uint16_t n, uint32_t *tunnel)
{
	uint64_t keys[RTE_HASH_LOOKUP_BULK_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint16_t todo[RTE_HASH_LOOKUP_BULK_MAX], n_todo;

	n_todo = 0;
	for (uint16_t i = 0; i < n; i++) {
		tunnel[i] = SA_NONE;
		if (spd_summary_hit(s, dst[i]))
			todo[n_todo++] = i;
	}
	/* Longest first; what a length resolves leaves the next round. */
	for (unsigned li = 0; li < s->n_lens && n_todo != 0; li++) {
		uint8_t l = s->lens[li];
		uint64_t hits = 0;
		uint16_t left = 0;

		for (uint16_t j = 0; j < n_todo; j++) {
			keys[j] = spd_key(dst[todo[j]] & mask(l), l);
			kp[j] = &keys[j];
		}
		rte_hash_lookup_bulk_data(s->h, kp, n_todo, &hits, data);
		for (uint16_t j = 0; j < n_todo; j++) {
			if (hits & (1ull << j))
				tunnel[todo[j]] = (uint32_t)(uintptr_t)data[j];
			else
				todo[left++] = todo[j];
		}
		n_todo = left;
	}
}

void
sa_spd_walk(const struct spd *s, void (*fn)(const struct sa_ts *p, uint32_t tunnel, void *arg),
	    void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(s->h, &key, &data, &it) >= 0) {
		uint64_t k;
		struct sa_ts p;

		memcpy(&k, key, sizeof(k));
		p = spd_prefix(k);
		fn(&p, (uint32_t)(uintptr_t)data, arg);
	}
}
