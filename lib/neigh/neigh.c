/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_jhash.h>
#include <rte_malloc.h>

#include "neigh.h"

/* Control-core bookkeeping, indexed by the hash's key position. */
struct neigh_meta {
	uint64_t key;
	uint64_t confirmed_ms;
	uint64_t probed_ms;
	uint8_t used;
	uint8_t is_static;
	uint8_t probes;
};

struct neigh_table {
	struct rte_hash *hash;
	struct neigh_meta *meta;
	uint32_t size;
	uint64_t generation;
};

struct neigh_table *
neigh_table_create(const char *name, uint32_t size, int socket_id, struct rte_rcu_qsbr *qsbr)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = size,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_jhash,
		.socket_id = socket_id,
		.extra_flag =
			RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct neigh_table *nt;

	nt = rte_zmalloc_socket(name, sizeof(*nt), 0, socket_id);
	if (nt == NULL)
		return NULL;
	nt->hash = rte_hash_create(&hp);
	/* Positions run to size + lcore caches; rte_hash_max_key_id() says. */
	nt->size = nt->hash ? (uint32_t)rte_hash_max_key_id(nt->hash) + 1 : 0;
	nt->meta = rte_zmalloc_socket(name, sizeof(*nt->meta) * (nt->size + 1), 0, socket_id);
	if (nt->hash == NULL || nt->meta == NULL)
		goto fail;
	if (qsbr != NULL) {
		/* Deleted keys' slots are recycled only after workers quiesce. */
		struct rte_hash_rcu_config rc = {
			.v = qsbr,
			.mode = RTE_HASH_QSBR_MODE_DQ,
		};

		if (rte_hash_rcu_qsbr_add(nt->hash, &rc) != 0)
			goto fail;
	}
	return nt;
fail:
	neigh_table_free(nt);
	return NULL;
}

void
neigh_table_free(struct neigh_table *nt)
{
	if (nt == NULL)
		return;
	rte_hash_free(nt->hash);
	rte_free(nt->meta);
	rte_free(nt);
}

static void *
mac_word(const struct rte_ether_addr *mac)
{
	uint64_t w = 0;

	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return (void *)(uintptr_t)w;
}

static void
bump(struct neigh_table *nt)
{
	__atomic_fetch_add(&nt->generation, 1, __ATOMIC_RELEASE);
}

int
neigh_update(struct neigh_table *nt, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
	     bool is_static, uint64_t now_ms)
{
	uint64_t key = neigh_key(port, ip);
	struct neigh_meta *m;
	void *old = NULL;
	int pos;

	pos = rte_hash_lookup_data(nt->hash, &key, &old);
	if (pos >= 0 && nt->meta[pos].is_static && !is_static)
		return 0;
	if (pos < 0 || old != mac_word(mac)) {
		/* In lock-free mode an existing key's data is replaced atomically. */
		if (rte_hash_add_key_data(nt->hash, &key, mac_word(mac)) != 0)
			return -ENOSPC;
		pos = rte_hash_lookup(nt->hash, &key);
		if (pos < 0)
			return -ENOSPC;
		bump(nt);
	}
	m = &nt->meta[pos];
	*m = (struct neigh_meta){
		.key = key,
		.confirmed_ms = now_ms,
		.used = 1,
		.is_static = is_static || m->is_static,
	};
	return 0;
}

int
neigh_delete(struct neigh_table *nt, uint16_t port, uint32_t ip)
{
	uint64_t key = neigh_key(port, ip);
	int pos = rte_hash_del_key(nt->hash, &key);

	if (pos < 0)
		return -ENOENT;
	nt->meta[pos].used = 0;
	bump(nt);
	return 0;
}

void
neigh_flush_port(struct neigh_table *nt, uint16_t port)
{
	for (uint32_t i = 0; i < nt->size; i++) {
		const struct neigh_meta *m = &nt->meta[i];

		if (m->used && !m->is_static && (uint16_t)(m->key >> 32) == port)
			neigh_delete(nt, port, (uint32_t)m->key);
	}
}

void
neigh_age(struct neigh_table *nt, uint64_t now_ms,
	  void (*probe)(uint16_t port, uint32_t ip, const struct rte_ether_addr *mac, void *arg),
	  void *arg)
{
	for (uint32_t i = 0; i < nt->size; i++) {
		struct neigh_meta *m = &nt->meta[i];
		uint16_t port = (uint16_t)(m->key >> 32);
		uint32_t ip = (uint32_t)m->key;
		struct rte_ether_addr mac;
		void *data;

		if (!m->used || m->is_static || now_ms - m->confirmed_ms < NEIGH_REACHABLE_MS ||
		    now_ms - m->probed_ms < 1000)
			continue;
		if (m->probes >= NEIGH_PROBES) {
			neigh_delete(nt, port, ip);
			continue;
		}
		if (rte_hash_lookup_data(nt->hash, &m->key, &data) < 0)
			continue;
		memcpy(mac.addr_bytes, &data, RTE_ETHER_ADDR_LEN);
		m->probes++;
		m->probed_ms = now_ms;
		probe(port, ip, &mac, arg);
	}
}

void
neigh_walk(const struct neigh_table *nt, uint64_t now_ms,
	   void (*fn)(const struct neigh_info *ni, void *arg), void *arg)
{
	for (uint32_t i = 0; i < nt->size; i++) {
		const struct neigh_meta *m = &nt->meta[i];
		struct neigh_info ni;
		void *data;

		if (!m->used || rte_hash_lookup_data(nt->hash, &m->key, &data) < 0)
			continue;
		ni = (struct neigh_info){
			.port = (uint16_t)(m->key >> 32),
			.ip = (uint32_t)m->key,
			.is_static = m->is_static,
			.age_ms = now_ms - m->confirmed_ms,
			.probes = m->probes,
		};
		memcpy(ni.mac.addr_bytes, &data, RTE_ETHER_ADDR_LEN);
		fn(&ni, arg);
	}
}

uint32_t
neigh_count(const struct neigh_table *nt)
{
	return (uint32_t)rte_hash_count(nt->hash);
}

struct neigh_view
neigh_table_view(const struct neigh_table *nt)
{
	return (struct neigh_view){ .hash = nt->hash, .generation = &nt->generation };
}
