/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The neighbour (ARP) table: (port, IPv4) -> MAC.
 *
 * Written by the control core only (learned entries arrive from the workers
 * as messages); read by workers without locks. The MAC lives in the hash
 * entry's data word, so an update is a single atomic store and a reader
 * sees either the old or the new address, never a mix.
 *
 * Learned entries are confirmed by traffic the workers report; an entry not
 * confirmed for NEIGH_REACHABLE_MS is probed NEIGH_PROBES times, one per
 * second, then removed. Static entries (from config) never age.
 */
#ifndef ESPHUB_NEIGH_H
#define ESPHUB_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#define NEIGH_REACHABLE_MS (5 * 60 * 1000)
#define NEIGH_PROBES       3

struct neigh_table;

/** A worker's report of an ARP packet that taught it a mapping. */
struct neigh_learn_msg {
	uint32_t ip;   /**< host order */
	uint16_t port; /**< port index */
	struct rte_ether_addr mac;
} __rte_aligned(16);

struct neigh_table *neigh_table_create(const char *name, uint32_t size, int socket_id,
				       struct rte_rcu_qsbr *qsbr);
void neigh_table_free(struct neigh_table *nt);

/**
 * Add or refresh an entry. Control core. A static entry is never replaced
 * by a learned one. now_ms: monotonic milliseconds.
 * @return 0, -ENOSPC when full.
 */
int neigh_update(struct neigh_table *nt, uint16_t port, uint32_t ip,
		 const struct rte_ether_addr *mac, bool is_static, uint64_t now_ms);

/** Remove an entry (learned or static). Control core. -ENOENT if absent. */
int neigh_delete(struct neigh_table *nt, uint16_t port, uint32_t ip);

/** Remove every learned entry of a port (link went down). Control core. */
void neigh_flush_port(struct neigh_table *nt, uint16_t port);

/**
 * Age entries. Calls probe() for each entry due for a probe (the caller
 * sends a unicast ARP request) and removes entries out of probes.
 * Control core; call about once a second.
 */
void neigh_age(struct neigh_table *nt, uint64_t now_ms,
	       void (*probe)(uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
			     void *arg),
	       void *arg);

struct neigh_info {
	uint16_t port;
	uint32_t ip;
	struct rte_ether_addr mac;
	bool is_static;
	uint64_t age_ms; /**< since last confirmation */
	unsigned probes; /**< unanswered probes so far */
};

/** Visit every entry. Control core. */
void neigh_walk(const struct neigh_table *nt, uint64_t now_ms,
		void (*fn)(const struct neigh_info *ni, void *arg), void *arg);

uint32_t neigh_count(const struct neigh_table *nt);

/**
 * Changes whenever an entry is added or changed; workers holding packets
 * for unresolved next hops re-check them only when it moves.
 */
static inline uint64_t
neigh_generation(const uint64_t *gen)
{
	return __atomic_load_n(gen, __ATOMIC_ACQUIRE);
}

/* Worker-side view. */
struct neigh_view {
	const struct rte_hash *hash;
	const uint64_t *generation;
};

struct neigh_view neigh_table_view(const struct neigh_table *nt);

static inline uint64_t
neigh_key(uint16_t port, uint32_t ip)
{
	return (uint64_t)port << 32 | ip;
}

/**
 * MAC of (port, ip). Worker lcore, lock-free.
 * @return true and *mac if known.
 */
static inline bool
neigh_lookup(const struct neigh_view *v, uint16_t port, uint32_t ip, struct rte_ether_addr *mac)
{
	uint64_t key = neigh_key(port, ip);
	void *data;
	uint64_t w;

	if (rte_hash_lookup_data(v->hash, &key, &data) < 0)
		return false;
	w = (uint64_t)(uintptr_t)data;
	memcpy(mac->addr_bytes, &w, RTE_ETHER_ADDR_LEN);
	return true;
}

#endif /* ESPHUB_NEIGH_H */
