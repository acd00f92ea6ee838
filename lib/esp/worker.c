/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_malloc.h>
#include <rte_random.h>

#include "priv.h"

struct esp_worker *
esp_worker_create(const struct crypto_engine *e, int socket_id, unsigned index, unsigned n_workers)
{
	struct esp_worker *ew;

	if (n_workers == 0 || index >= n_workers || n_workers > UINT16_MAX)
		return NULL;
	ew = rte_zmalloc_socket("esp_worker", sizeof(*ew), RTE_CACHE_LINE_SIZE, socket_id);
	if (ew == NULL)
		return NULL;
	/*
	 * The outer header's DF is clear, so a path may fragment it, and IDs
	 * toward one peer must not repeat while fragments are in flight (RFC
	 * 6864 s4.1). Workers send to the same peers: each takes the IDs that
	 * are index modulo a power of two, from a random start (a restart
	 * does not replay the last run's IDs).
	 */
	ew->ip_id_step = (uint16_t)rte_align32pow2(n_workers);
	ew->ip_id = (uint16_t)((rte_rand() & ~(uint64_t)(ew->ip_id_step - 1)) | index);
	ew->clc = crypto_lcore_create(e, socket_id);
	if (ew->clc == NULL || esp_iv_init(ew) != 0) {
		esp_worker_free(ew);
		return NULL;
	}
	return ew;
}

void
esp_worker_free(struct esp_worker *ew)
{
	if (ew == NULL)
		return;
	esp_iv_fini(ew);
	crypto_lcore_destroy(ew->clc);
	rte_free(ew);
}
