/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker's side: its own SAD, SPD and tunnel table, fed by its ring. */
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "priv.h"

#define APPLY_MAX 64

void
sa_worker_apply_msg(struct sa_worker *sw, const struct sa_msg *m)
{
	switch (m->type) {
	case MSG_SAD_ADD:
		/* Sized for max_sas with an extension table: cannot fail. */
		rte_hash_add_key_data(sw->sad, &m->key, m->sa);
		break;
	case MSG_SAD_DEL:
		rte_hash_del_key(sw->sad, &m->key);
		break;
	case MSG_TUNNEL_SET:
		sw->tunnel_out[m->tunnel] = m->sa;
		break;
	case MSG_SPD_ADD:
		sa_spd_add(sw->spd, (uint32_t)m->key, (uint8_t)(m->key >> 32), m->tunnel);
		break;
	case MSG_SPD_DEL:
		sa_spd_del(sw->spd, (uint32_t)m->key, (uint8_t)(m->key >> 32));
		break;
	}
}

void
sa_worker_apply(struct sa_worker *sw)
{
	struct sa_msg m[APPLY_MAX];
	unsigned n;

	n = rte_ring_sc_dequeue_burst_elem(sw->ring, m, sizeof(m[0]), APPLY_MAX, NULL);
	if (n == 0)
		return;
	for (unsigned i = 0; i < n; i++)
		sa_worker_apply_msg(sw, &m[i]);
	/* Release: the tables' new state is visible before the acknowledgement. */
	__atomic_store_n(&sw->applied, m[n - 1].gen, __ATOMIC_RELEASE);
}

void
sa_worker_lookup_in(struct sa_worker *sw, const uint32_t *spi, const uint32_t *dst, uint16_t n,
		    struct sa **out)
{
	uint64_t keys[RTE_HASH_LOOKUP_BULK_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];

	for (uint16_t base = 0; base < n; base += RTE_HASH_LOOKUP_BULK_MAX) {
		unsigned k = RTE_MIN((unsigned)(n - base), (unsigned)RTE_HASH_LOOKUP_BULK_MAX);
		uint64_t hits = 0;

		for (unsigned i = 0; i < k; i++) {
			keys[i] = sad_key(spi[base + i], dst[base + i]);
			kp[i] = &keys[i];
		}
		rte_hash_lookup_bulk_data(sw->sad, kp, k, &hits, (void **)&out[base]);
		for (unsigned i = 0; i < k; i++)
			if (!(hits & (1ull << i)))
				out[base + i] = NULL;
	}
}

uint32_t
sa_worker_spd(const struct sa_worker *sw, uint32_t dst)
{
	return sa_spd_lookup(sw->spd, dst);
}

bool
sa_worker_protected(const struct sa_worker *sw, uint32_t a)
{
	return spd_summary_hit(sw->spd, a) && sa_spd_lookup(sw->spd, a) != SA_NONE;
}

const uint64_t *
sa_worker_spd_summary(const struct sa_worker *sw)
{
	return sw->spd->summary;
}

void
sa_worker_spd_bulk(const struct sa_worker *sw, const uint32_t *dst, uint16_t n, uint32_t *tunnel)
{
	for (uint16_t base = 0; base < n; base += RTE_HASH_LOOKUP_BULK_MAX)
		sa_spd_lookup_bulk(
			sw->spd, dst + base,
			RTE_MIN((uint16_t)(n - base), (uint16_t)RTE_HASH_LOOKUP_BULK_MAX),
			tunnel + base);
}

void
sa_worker_tunnel_out_bulk(const struct sa_worker *sw, const uint32_t *tunnel, uint16_t n,
			  struct sa **out)
{
	for (uint16_t i = 0; i < n; i++)
		if (tunnel[i] < sw->max_tunnels)
			rte_prefetch0(&sw->tunnel_out[tunnel[i]]);
	for (uint16_t i = 0; i < n; i++) {
		out[i] = sa_worker_tunnel_out(sw, tunnel[i]);
		if (sa_run_starts(out, i)) {
			rte_prefetch0(out[i]);
			rte_prefetch0(out[i]->local_ts);
		}
	}
}

struct sa *
sa_worker_tunnel_out(const struct sa_worker *sw, uint32_t tunnel)
{
	return tunnel < sw->max_tunnels ? sw->tunnel_out[tunnel] : NULL;
}

struct sa_counters *
sa_worker_counters(struct sa_worker *sw)
{
	return sw->ctr;
}
