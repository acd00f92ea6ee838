/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/sa: update messages, the tables, the two sides' state. */
#ifndef ESPHUB_SA_PRIV_H
#define ESPHUB_SA_PRIV_H

#include <rte_hash.h>
#include <rte_ring.h>

#include "sa.h"

#define SA_RING_SIZE 4096

/* What the control core tells a worker; each update carries its generation. */
enum sa_msg_type {
	MSG_SAD_ADD,    /* key -> sa */
	MSG_SAD_DEL,    /* key */
	MSG_TUNNEL_SET, /* tunnel id -> outbound sa (or NULL) */
	MSG_SPD_ADD,    /* prefix -> tunnel or SA_DISCARD (added or replaced) */
	MSG_SPD_DEL,    /* prefix */
};

struct sa_msg {
	uint64_t gen;
	struct sa *sa;
	uint64_t key; /* SAD key, or SPD prefix key */
	uint32_t tunnel;
	uint32_t type;
};

/* key64.c: an rte_hash of 64-bit keys (spd_key, sad_key). */
struct rte_hash *sa_key64_hash_create(const char *name, uint32_t size, int socket_id);

/*
 * Longest-prefix match as one exact-match hash per prefix length in use,
 * behind a summary: one bit per /16 that some prefix touches. Most
 * addresses a lookup sees are in no prefix (every cleartext source is
 * checked, RFC 4301 s5.2), and the summary answers them with one load
 * from 8 KiB instead of a hash probe per length.
 */
#define SPD_BLOCKS (1u << 16)

struct spd {
	struct rte_hash *h;
	uint32_t users[33]; /* prefixes per length */
	uint8_t lens[33];   /* lengths in use, longest first */
	uint8_t n_lens;
	uint64_t *summary;    /* SPD_BLOCKS bits: a prefix touches this /16 */
	uint32_t *block_refs; /* prefixes touching each /16 */
};

static inline bool
spd_summary_hit(const struct spd *s, uint32_t a)
{
	return sa_summary_hit(s->summary, a);
}

struct spd *sa_spd_create(const char *name, uint32_t size, int socket_id);
void sa_spd_free(struct spd *s);
int sa_spd_add(struct spd *s, uint32_t prefix, uint8_t plen, uint32_t tunnel);
int sa_spd_del(struct spd *s, uint32_t prefix, uint8_t plen);
uint32_t sa_spd_lookup(const struct spd *s, uint32_t dst);
/* The value of exactly this prefix key (spd_key()), or SA_NONE. */
uint32_t sa_spd_lookup_exact(const struct spd *s, uint64_t key);
/* n <= RTE_HASH_LOOKUP_BULK_MAX */
void sa_spd_lookup_bulk(const struct spd *s, const uint32_t *dst, uint16_t n, uint32_t *tunnel);
void sa_spd_walk(const struct spd *s, void (*fn)(const struct sa_ts *p, uint32_t tunnel, void *arg),
		 void *arg);

static inline uint64_t
spd_key(uint32_t prefix, uint8_t plen)
{
	return (uint64_t)plen << 32 | prefix;
}

static inline struct sa_ts
spd_prefix(uint64_t key)
{
	return (struct sa_ts){ .addr = (uint32_t)key, .plen = (uint8_t)(key >> 32) };
}

static inline uint64_t
sad_key(uint32_t spi, uint32_t dst)
{
	return (uint64_t)spi << 32 | dst;
}

struct sa_worker {
	/* Written by the worker, read by the control core: alone on its line. */
	uint64_t applied __rte_cache_aligned;

	struct rte_ring *ring __rte_cache_aligned;
	struct rte_hash *sad;
	struct sa **tunnel_out;
	struct spd *spd;
	struct sa_counters *ctr;
	uint32_t max_tunnels;
};

enum entry_state { ENTRY_FREE, ENTRY_LIVE, ENTRY_ZOMBIE };

/* Control-side record of one SA. */
struct sa_entry {
	struct sa *sa;
	uint8_t state; /* enum entry_state */
	struct sa_params params;
	uint64_t added_ms;
	uint64_t soft_ms; /* absolute deadlines, 0 = none */
	uint64_t hard_ms;
	uint8_t soft_fired;
	uint8_t hard_fired;
	uint8_t seq_fired;
};

struct tunnel_entry {
	uint8_t used;
	uint32_t site;
	uint32_t out; /* SA id or SA_NONE */
	uint8_t n_remote;
	struct sa_ts remote[SA_MAX_TS];
};

/* An SA waiting for every worker to let go of it. */
struct sa_zombie {
	uint32_t id;
	uint64_t gen;
};

struct sa_db {
	struct sa_db_params p;
	uint64_t gen; /* of the last update sent */
	bool running;
	struct sa_entry *entry;
	uint32_t n_sas;
	uint32_t next_free; /* search hint */
	struct tunnel_entry *tunnel;
	struct rte_hash *sad;     /* control's copy: SAD key -> id (duplicates) */
	struct spd *spd;          /* tunnels' prefixes -> tunnel (policy.c) */
	struct rte_hash *protect; /* protected prefixes -> sites naming them */
	struct sa_worker *worker[RTE_MAX_LCORE];
	struct sa_zombie *zombie;
	uint32_t n_zombies;
	size_t memory;
};

/* db.c: send one update to every worker (applied at once before they run). */
void sa_db_post(struct sa_db *db, struct sa_msg m);

/* worker.c: one update, applied to a worker's tables. */
void sa_worker_apply_msg(struct sa_worker *sw, const struct sa_msg *m);

/* build.c */
int sa_build(const struct sa_db *db, const struct sa_params *p, uint32_t id, struct sa **out);
void sa_destroy(const struct sa_db *db, struct sa *sa);

#endif
