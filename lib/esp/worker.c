/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_malloc.h>

#include "priv.h"

struct esp_worker *
esp_worker_create(const struct crypto_engine *e, int socket_id)
{
	struct esp_worker *ew;

	ew = rte_zmalloc_socket("esp_worker", sizeof(*ew), RTE_CACHE_LINE_SIZE, socket_id);
	if (ew == NULL)
		return NULL;
	ew->clc = crypto_lcore_create(e, socket_id);
	if (ew->clc == NULL || iv_init(ew) != 0) {
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
	iv_fini(ew);
	crypto_lcore_destroy(ew->clc);
	rte_free(ew);
}
