/* SPDX-License-Identifier: BSD-3-Clause */
/* The control core's side: SA ids, tunnels, updates to workers, lifetimes. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "priv.h"

RTE_LOG_REGISTER(sa_logtype, esphub.sa, INFO);
#define LOG(level, fmt, ...) rte_log(RTE_LOG_##level, sa_logtype, "sa: " fmt "\n", ##__VA_ARGS__)

#define SYNC_WARN_MS 1000

static size_t
heap_used(int socket)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(socket, &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

static struct sa_worker *
sa_worker_create(const struct sa_db_params *p, unsigned i)
{
	char name[RTE_RING_NAMESIZE];
	struct sa_worker *sw;

	sw = rte_zmalloc_socket("sa_worker", sizeof(*sw), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (sw == NULL)
		return NULL;
	snprintf(name, sizeof(name), "sa_ring%u", i);
	sw->ring = rte_ring_create_elem(name, sizeof(struct sa_msg), SA_RING_SIZE, p->socket_id,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "sad%u", i);
	sw->sad = sa_key64_hash_create(name, p->max_sas, p->socket_id);
	snprintf(name, sizeof(name), "spd%u", i);
	/* Tunnels' prefixes and protected ones, each up to max_spd: a worker's
	 * table holds their union and can never be full (updates cannot fail). */
	sw->spd = sa_spd_create(name, 2 * p->max_spd, p->socket_id);
	sw->tunnel_out = rte_zmalloc_socket("sa_tunnels", sizeof(struct sa *) * p->max_tunnels,
					    RTE_CACHE_LINE_SIZE, p->socket_id);
	sw->ctr = rte_zmalloc_socket("sa_ctr", sizeof(struct sa_counters) * p->max_sas,
				     RTE_CACHE_LINE_SIZE, p->socket_id);
	sw->max_tunnels = p->max_tunnels;
	if (sw->ring == NULL || sw->sad == NULL || sw->spd == NULL || sw->tunnel_out == NULL ||
	    sw->ctr == NULL)
		return NULL; /* sa_db_free() releases the parts */
	return sw;
}

static void
sa_worker_free(struct sa_worker *sw)
{
	if (sw == NULL)
		return;
	rte_ring_free(sw->ring);
	rte_hash_free(sw->sad);
	sa_spd_free(sw->spd);
	rte_free(sw->tunnel_out);
	rte_free(sw->ctr);
	rte_free(sw);
}

struct sa_db *
sa_db_create(const struct sa_db_params *p)
{
	size_t before = heap_used(p->socket_id);
	struct sa_db *db;

	if (p->n_workers == 0 || p->n_workers > RTE_MAX_LCORE || p->max_sas == 0 ||
	    p->max_tunnels == 0 || p->engine == NULL)
		return NULL;
	db = rte_zmalloc_socket("sa_db", sizeof(*db), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (db == NULL)
		return NULL;
	db->p = *p;
	db->entry =
		rte_zmalloc_socket("sa_entries", sizeof(*db->entry) * p->max_sas, 0, p->socket_id);
	db->tunnel = rte_zmalloc_socket("sa_tunnel_entries", sizeof(*db->tunnel) * p->max_tunnels,
					0, p->socket_id);
	db->zombie =
		rte_zmalloc_socket("sa_zombies", sizeof(*db->zombie) * p->max_sas, 0, p->socket_id);
	db->sad = sa_key64_hash_create("sad_ctl", p->max_sas, p->socket_id);
	db->spd = sa_spd_create("spd_ctl", p->max_spd, p->socket_id);
	db->protect = sa_key64_hash_create("spd_protect", p->max_spd, p->socket_id);
	if (db->entry == NULL || db->tunnel == NULL || db->zombie == NULL || db->sad == NULL ||
	    db->spd == NULL || db->protect == NULL)
		goto fail;
	for (unsigned i = 0; i < p->n_workers; i++) {
		db->worker[i] = sa_worker_create(p, i);
		if (db->worker[i] == NULL)
			goto fail;
	}
	for (uint32_t t = 0; t < p->max_tunnels; t++)
		db->tunnel[t].out = SA_NONE;
	db->memory = heap_used(p->socket_id) - before;
	return db;
fail:
	sa_db_free(db);
	return NULL;
}

void
sa_db_free(struct sa_db *db)
{
	if (db == NULL)
		return;
	for (uint32_t i = 0; db->entry != NULL && i < db->p.max_sas; i++)
		if (db->entry[i].state != ENTRY_FREE)
			sa_destroy(db, db->entry[i].sa);
	for (unsigned i = 0; i < db->p.n_workers; i++)
		sa_worker_free(db->worker[i]);
	rte_hash_free(db->sad);
	sa_spd_free(db->spd);
	rte_hash_free(db->protect);
	rte_free(db->zombie);
	rte_free(db->tunnel);
	/* Keys in the saved parameters go with the entries. */
	if (db->entry != NULL)
		memset(db->entry, 0, sizeof(*db->entry) * db->p.max_sas);
	rte_free(db->entry);
	rte_free(db);
}

struct sa_worker *
sa_db_worker(struct sa_db *db, unsigned i)
{
	return i < db->p.n_workers ? db->worker[i] : NULL;
}

void
sa_db_set_running(struct sa_db *db, bool running)
{
	db->running = running;
}

void
sa_db_sync(struct sa_db *db)
{
	uint64_t start = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();
	bool warned = false;

	if (!db->running)
		return;
	for (unsigned i = 0; i < db->p.n_workers; i++) {
		while (__atomic_load_n(&db->worker[i]->applied, __ATOMIC_ACQUIRE) < db->gen) {
			if (!warned && rte_get_tsc_cycles() - start > hz * SYNC_WARN_MS / 1000) {
				LOG(WARNING, "worker %u has not applied SA updates for %u ms", i,
				    SYNC_WARN_MS);
				warned = true;
			}
			/* Past a few microseconds the worker is not running (it shares
			 * this CPU, or sleeps while idle): let it. */
			if (rte_get_tsc_cycles() - start > hz / 200000)
				sched_yield();
			else
				rte_pause();
		}
	}
}

/*
 * Send one update to every worker. Before the workers run, nobody drains
 * the rings, so the control core applies it to each worker's tables itself.
 */
void
sa_db_post(struct sa_db *db, struct sa_msg m)
{
	m.gen = ++db->gen;
	for (unsigned i = 0; i < db->p.n_workers; i++) {
		struct sa_worker *sw = db->worker[i];

		if (!db->running) {
			sa_worker_apply_msg(sw, &m);
			sw->applied = m.gen;
			continue;
		}
		while (rte_ring_sp_enqueue_elem(sw->ring, &m, sizeof(m)) != 0)
			rte_pause(); /* full: the worker drains it every loop */
	}
}

static int
free_id(struct sa_db *db, uint32_t *id)
{
	for (uint32_t n = 0; n < db->p.max_sas; n++) {
		uint32_t i = (db->next_free + n) % db->p.max_sas;

		if (db->entry[i].state == ENTRY_FREE) {
			*id = i;
			db->next_free = (i + 1) % db->p.max_sas;
			return 0;
		}
	}
	return -ENOSPC;
}

int
sa_add(struct sa_db *db, const struct sa_params *p, uint32_t *id)
{
	uint64_t key = sad_key(p->spi, p->local_addr);
	struct sa_entry *e;
	struct sa *sa;
	uint32_t i;
	int rc;

	if (p->tunnel >= db->p.max_tunnels || !db->tunnel[p->tunnel].used)
		return -EINVAL;
	if (p->inbound && rte_hash_lookup(db->sad, &key) >= 0)
		return -EEXIST;
	rc = free_id(db, &i);
	if (rc == 0)
		rc = sa_build(db, p, i, &sa);
	if (rc != 0)
		return rc;
	if (p->inbound && rte_hash_add_key_data(db->sad, &key, (void *)(uintptr_t)i) != 0) {
		sa_destroy(db, sa);
		return -ENOSPC;
	}
	e = &db->entry[i];
	*e = (struct sa_entry){ .sa = sa, .state = ENTRY_LIVE, .params = *p };
	db->n_sas++;
	if (p->inbound) {
		sa_db_post(db, (struct sa_msg){ .type = MSG_SAD_ADD, .key = key, .sa = sa });
		sa_db_sync(db);
	}
	*id = i;
	return 0;
}

static struct sa_entry *
live(const struct sa_db *db, uint32_t id)
{
	if (id >= db->p.max_sas || db->entry[id].state != ENTRY_LIVE)
		return NULL;
	return &db->entry[id];
}

int
sa_tunnel_set_out(struct sa_db *db, uint32_t tunnel, uint32_t id)
{
	struct sa_entry *e = NULL;

	if (tunnel >= db->p.max_tunnels || !db->tunnel[tunnel].used)
		return -ENOENT;
	if (id != SA_NONE) {
		e = live(db, id);
		if (e == NULL || e->params.inbound || e->params.tunnel != tunnel)
			return -EINVAL;
	}
	db->tunnel[tunnel].out = id;
	sa_db_post(db, (struct sa_msg){
			       .type = MSG_TUNNEL_SET, .tunnel = tunnel, .sa = e ? e->sa : NULL });
	sa_db_sync(db);
	return 0;
}

int
sa_set_peer(struct sa_db *db, uint32_t id, uint32_t peer_addr, uint16_t peer_port)
{
	struct sa_entry *e = live(db, id);

	if (e == NULL)
		return -ENOENT;
	if (e->params.inbound || e->params.peer_port == 0 || peer_port == 0)
		return -EINVAL;
	e->params.peer_addr = peer_addr;
	e->params.peer_port = peer_port;
	/* Read by workers packet by packet; no update message needed. */
	__atomic_store_n(&e->sa->peer_addr, peer_addr, __ATOMIC_RELAXED);
	__atomic_store_n(&e->sa->peer_port, peer_port, __ATOMIC_RELAXED);
	return 0;
}

int
sa_del(struct sa_db *db, uint32_t id)
{
	struct sa_entry *e = live(db, id);
	const struct sa_params *p;

	if (e == NULL)
		return -ENOENT;
	p = &e->params;
	/* Workers still holding it in this burst stop using it. */
	e->sa->dead = 1;
	if (!p->inbound && db->tunnel[p->tunnel].out == id)
		sa_tunnel_set_out(db, p->tunnel, SA_NONE);
	if (p->inbound) {
		uint64_t key = sad_key(p->spi, p->local_addr);

		rte_hash_del_key(db->sad, &key);
		sa_db_post(db, (struct sa_msg){ .type = MSG_SAD_DEL, .key = key });
	}
	e->state = ENTRY_ZOMBIE;
	db->zombie[db->n_zombies++] = (struct sa_zombie){ .id = id, .gen = db->gen };
	db->n_sas--;
	return 0;
}

static uint64_t
min_applied(const struct sa_db *db)
{
	uint64_t m = UINT64_MAX;

	for (unsigned i = 0; i < db->p.n_workers; i++)
		m = RTE_MIN(m, __atomic_load_n(&db->worker[i]->applied, __ATOMIC_ACQUIRE));
	return m;
}

/* Free SAs every worker has let go of; their ids become reusable. */
static void
reap(struct sa_db *db)
{
	uint64_t done = min_applied(db);
	uint32_t kept = 0;

	for (uint32_t z = 0; z < db->n_zombies; z++) {
		struct sa_zombie *zb = &db->zombie[z];
		struct sa_entry *e = &db->entry[zb->id];

		if (zb->gen > done) {
			db->zombie[kept++] = *zb;
			continue;
		}
		/* No worker writes this id's counters any more. */
		for (unsigned i = 0; i < db->p.n_workers; i++)
			memset(&db->worker[i]->ctr[zb->id], 0, sizeof(struct sa_counters));
		sa_destroy(db, e->sa);
		memset(e, 0, sizeof(*e)); /* wipes the keys in params */
	}
	db->n_zombies = kept;
}

void
sa_db_counters(const struct sa_db *db, uint32_t id, struct sa_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (id >= db->p.max_sas)
		return;
	for (unsigned i = 0; i < db->p.n_workers; i++) {
		const volatile struct sa_counters *c = &db->worker[i]->ctr[id];

		out->packets += c->packets;
		out->bytes += c->bytes;
		out->drops += c->drops;
	}
}

static bool
reached(const struct sa_lifetime *l, uint64_t packets, uint64_t bytes)
{
	return (l->packets && packets >= l->packets) || (l->bytes && bytes >= l->bytes);
}

static void
check_lifetimes(struct sa_db *db, uint32_t id, uint64_t now_ms,
		void (*fn)(void *, uint32_t, enum sa_event), void *arg)
{
	struct sa_entry *e = &db->entry[id];
	const struct sa_params *p = &e->params;
	struct sa_counters c;
	uint64_t age_s = (now_ms - e->added_ms) / 1000;
	uint64_t packets;

	sa_db_counters(db, id, &c);
	/* Outbound, the sequence number counts every packet sent. */
	packets = p->inbound ? c.packets : __atomic_load_n(&e->sa->seq, __ATOMIC_RELAXED);
	if (!e->soft_fired && (reached(&p->soft, packets, c.bytes) ||
			       (p->soft.seconds && age_s >= p->soft.seconds))) {
		e->soft_fired = 1;
		fn(arg, id, SA_EVENT_SOFT);
	}
	if (!e->hard_fired && (reached(&p->hard, packets, c.bytes) ||
			       (p->hard.seconds && age_s >= p->hard.seconds))) {
		e->hard_fired = 1;
		e->sa->dead = 1;
		fn(arg, id, SA_EVENT_HARD);
	}
	if (!p->inbound && !e->seq_fired && packets >= e->sa->seq_limit) {
		e->seq_fired = 1;
		fn(arg, id, SA_EVENT_SEQ_EXHAUSTED);
	}
}

void
sa_db_poll(struct sa_db *db, uint64_t now_ms, void (*fn)(void *arg, uint32_t id, enum sa_event ev),
	   void *arg)
{
	reap(db);
	for (uint32_t id = 0; id < db->p.max_sas; id++) {
		struct sa_entry *e = &db->entry[id];

		if (e->state != ENTRY_LIVE)
			continue;
		if (e->added_ms == 0)
			e->added_ms = now_ms; /* the clock starts at the first poll */
		check_lifetimes(db, id, now_ms, fn, arg);
	}
}

const struct sa *
sa_db_get(const struct sa_db *db, uint32_t id)
{
	const struct sa_entry *e = live(db, id);

	return e ? e->sa : NULL;
}

const struct sa_params *
sa_db_params(const struct sa_db *db, uint32_t id)
{
	const struct sa_entry *e = live(db, id);

	return e ? &e->params : NULL;
}

uint64_t
sa_db_age_s(const struct sa_db *db, uint32_t id, uint64_t now_ms)
{
	const struct sa_entry *e = live(db, id);

	return e && e->added_ms ? (now_ms - e->added_ms) / 1000 : 0;
}

uint32_t
sa_db_tunnel_out(const struct sa_db *db, uint32_t tunnel)
{
	return tunnel < db->p.max_tunnels ? db->tunnel[tunnel].out : SA_NONE;
}

void
sa_db_walk(const struct sa_db *db, bool (*fn)(const struct sa *sa, void *arg), void *arg)
{
	for (uint32_t id = 0; id < db->p.max_sas; id++)
		if (db->entry[id].state == ENTRY_LIVE && !fn(db->entry[id].sa, arg))
			return;
}

uint32_t
sa_db_count(const struct sa_db *db)
{
	return db->n_sas;
}

size_t
sa_db_memory(const struct sa_db *db)
{
	size_t per_sa = sizeof(struct sa) + crypto_session_size(db->p.engine);

	return db->memory + (size_t)db->n_sas * per_sa;
}

const char *
sa_event_name(enum sa_event ev)
{
	switch (ev) {
	case SA_EVENT_SOFT:
		return "soft-expired";
	case SA_EVENT_HARD:
		return "hard-expired";
	case SA_EVENT_SEQ_EXHAUSTED:
		return "seq-exhausted";
	}
	return "?";
}
