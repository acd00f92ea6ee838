/* SPDX-License-Identifier: BSD-3-Clause */
/* A ctl instance: its tables, its poll, its counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "priv.h"
#include "stats.h"

RTE_LOG_REGISTER(ctl_logtype, esphub.ctl, INFO);

STATS_COUNTER_TEXT(foreach_ctl_counter, enum ctl_counter, CTL_CTR_N, ctl_counter_name,
		   ctl_counter_descr)

/* A map to site indexes, one entry per site at most. */
static struct rte_hash *
site_map_create(const char *what, uint32_t key_len, uint32_t entries, int socket_id)
{
	static unsigned instances;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries < 64 ? 64 : entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "ctl_%s_%u", what, instances++);
	return rte_hash_create(&hp);
}

struct ctl *
ctl_create(const struct ctl_params *p)
{
	struct ctl *ctl = calloc(1, sizeof(*ctl));

	if (ctl == NULL)
		return NULL;
	ctl->cfg = p->cfg;
	ctl->sa = p->sa;
	ctl->nat = p->nat;
	ctl->ops = p->engine_ops;
	ctl->engine = p->engine;
	ctl->max_sas = p->cfg->esp.max_sas;
	ctl->max_tunnels = p->cfg->esp.max_tunnels;
	ctl->sa_meta = rte_zmalloc_socket("ctl_sa_meta", sizeof(*ctl->sa_meta) * ctl->max_sas, 0,
					  p->socket_id);
	ctl->site = rte_zmalloc_socket("ctl_sites", sizeof(*ctl->site) * ctl->max_tunnels, 0,
				       p->socket_id);
	ctl->site_by_engine =
		site_map_create("engine", sizeof(uint32_t), ctl->max_tunnels, p->socket_id);
	ctl->site_by_name =
		site_map_create("names", CTL_SITE_NAME_LEN, ctl->max_tunnels, p->socket_id);
	ctl->dying_sites = rte_zmalloc_socket("ctl_dying", sizeof(uint32_t) * ctl->max_tunnels, 0,
					      p->socket_id);
	if (ctl->sa_meta == NULL || ctl->site == NULL || ctl->site_by_engine == NULL ||
	    ctl->site_by_name == NULL || ctl->dying_sites == NULL ||
	    ctl_tunnels_create(ctl, p->socket_id) != 0) {
		ctl_free(ctl);
		return NULL;
	}
	for (uint32_t i = 0; i < ctl->max_tunnels; i++)
		ctl->site[i].first_sa = SA_NONE;
	ctl->site_slots_allocated = p->cfg->n_sites;
	return ctl;
}

void
ctl_free(struct ctl *ctl)
{
	if (ctl == NULL)
		return;
	ctl_tunnels_free(ctl);
	rte_hash_free(ctl->site_by_engine);
	rte_hash_free(ctl->site_by_name);
	rte_free(ctl->dying_sites);
	rte_free(ctl->site);
	rte_free(ctl->sa_meta);
	free(ctl);
}

void
ctl_poll(struct ctl *ctl, uint64_t now_ms)
{
	ctl->now_ms = now_ms;
	sa_db_poll(ctl->sa, now_ms, ctl_sa_event, ctl);
	/* What was deleted before is freed now (or, as the workers
	 * acknowledge, by the next poll): it no longer counts. */
	for (uint32_t i = 0; i < ctl->n_dying_sites; i++)
		ctl->site[ctl->dying_sites[i]].n_dying = 0;
	ctl->n_dying_sites = 0;
	ctl_children_poll(ctl, now_ms);
}

void
ctl_counters(const struct ctl *ctl, uint64_t out[CTL_CTR_N])
{
	memcpy(out, ctl->ctr, sizeof(ctl->ctr));
}
