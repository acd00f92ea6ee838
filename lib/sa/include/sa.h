/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Security associations: the SA object, its life cycle, and the tables the
 * workers find SAs in (SAD inbound, SPD outbound, tunnels).
 *
 * Ownership and threads. The control core builds an SA completely (crypto
 * session ready, outer header known) and hands it to every worker through
 * that worker's update ring. Each worker keeps its own SAD, SPD and tunnel
 * table and is their only reader and writer: it applies updates between
 * bursts, then acknowledges the generation it reached. So a worker never
 * holds an SA across an update, lookups touch no shared cache lines, and an
 * SA is freed only once every worker's acknowledged generation has passed
 * its removal.
 *
 * Shared SA state written on the fast path sits on its own cache lines: the
 * outbound sequence number (atomic, so several workers may send on one SA)
 * and the inbound replay window (updated under a per-SA lock, once per run
 * of packets of that SA in a burst, after their ICVs checked out).
 *
 * A tunnel is a branch's child-SA slot: a stable id whose outbound SA is
 * replaced on rekey. The SPD maps inner destination prefixes to tunnels;
 * NAT sessions remember tunnels, not SAs.
 *
 * The SPD also holds every protected prefix (each site's branch subnets,
 * whether its tunnel is up or not): one that no tunnel carries resolves
 * to SA_DISCARD, so traffic toward a branch is encrypted or dropped, never
 * routed in clear (RFC 4301 s4.4.1), and a cleartext packet whose source
 * lies in one is refused (RFC 4301 s5.2, sa_worker_protected()).
 */
#ifndef ESPHUB_SA_H
#define ESPHUB_SA_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_spinlock.h>

#include "crypto.h"
#include "replay.h"

#define SA_MAX_TS         8                /**< traffic selector prefixes per side */
#define SA_NONE           UINT32_MAX       /**< no SA / no tunnel; SPD: bypass (route) */
#define SA_DISCARD        (UINT32_MAX - 1) /**< SPD: protected, no tunnel: drop */
#define SA_REPLAY_DEFAULT 1024
#define SA_SHORT_OP       128  /**< bytes: see struct sa sess_hot */
#define SA_POISON_BYTE    0x5a /**< what a freed SA is overwritten with */

/** An IPv4 prefix (host order). */
struct sa_ts {
	uint32_t addr;
	uint8_t plen;
};

/** Lifetime limits; 0 = none. */
struct sa_lifetime {
	uint64_t bytes;
	uint64_t packets;
	uint64_t seconds;
};

/** Everything needed to build one SA (one direction). */
struct sa_params {
	uint32_t spi;
	bool inbound;
	uint32_t tunnel;     /**< the tunnel it belongs to */
	uint32_t site;       /**< for operators and NAT caps */
	uint32_t local_addr; /**< outer addresses, host order */
	uint32_t peer_addr;
	uint16_t local_port; /**< RFC 3948 UDP encapsulation; 0 = plain ESP */
	uint16_t peer_port;
	bool esn;               /**< 64-bit sequence numbers (RFC 4303 s2.2.1) */
	uint32_t replay_window; /**< inbound, bits: 0 = off, else a power of two */
	struct crypto_keys keys;
	struct sa_lifetime soft; /**< raise SA_EVENT_SOFT */
	struct sa_lifetime hard; /**< the SA stops and SA_EVENT_HARD is raised */
	uint8_t n_local_ts, n_remote_ts;
	struct sa_ts local_ts[SA_MAX_TS];  /**< the cloud side */
	struct sa_ts remote_ts[SA_MAX_TS]; /**< the branch side */
	uint16_t outside_mtu;              /**< MTU of the port the SA's packets leave by */
};

/**
 * An SA as the workers use it. Built by lib/sa; workers read the first
 * block, and write only seq (outbound) and replay (inbound, under
 * replay_lock).
 */
struct sa {
	uint32_t spi;
	uint32_t id; /**< index for counters and the CLI */
	uint32_t tunnel;
	uint32_t site;
	uint32_t local_addr;
	uint32_t peer_addr;
	uint16_t local_port;
	uint16_t peer_port;
	uint8_t inbound;
	uint8_t esn;
	uint8_t iv_len; /**< 16 (CBC) or 8 (GCM) */
	uint8_t icv_len;
	uint8_t pad_align; /**< 16 (CBC) or 4 (GCM) */
	uint8_t n_local_ts, n_remote_ts;
	volatile uint8_t dead; /**< past hard lifetime or being removed */
	uint16_t tunnel_mtu;   /**< largest inner datagram that fits unfragmented */
	uint16_t mss;          /**< TCP MSS that fits (for clamping) */
	uint64_t seq_limit;    /**< highest outbound sequence number allowed */
	const void *sess;      /**< crypto session */
	/** Its lines an op reads (crypto_session_hot_lines): [0] on at most
	 *  SA_SHORT_OP bytes, [1] on any. */
	uint32_t sess_hot[2];
	/* A line each, so that however many there are, outbound reads two
	 * lines of the SA (its checks need only the cloud side) and inbound
	 * three. */
	struct sa_ts local_ts[SA_MAX_TS] __rte_cache_aligned;
	struct sa_ts remote_ts[SA_MAX_TS] __rte_cache_aligned;

	/* Outbound: shared by every worker sending on this SA. */
	uint64_t seq __rte_cache_aligned;

	/* Inbound: the replay window, last (its bitmap follows it). */
	rte_spinlock_t replay_lock __rte_cache_aligned;
	struct replay replay;
};

/**
 * Does packet i of a burst start a run of its SA? Prefetching only there
 * is enough: with few SAs a burst is long runs of one, whose lines are
 * already on their way.
 */
static inline bool
sa_run_starts(struct sa *const sa[], uint16_t i)
{
	return sa[i] != NULL && (i == 0 || sa[i] != sa[i - 1]);
}

/** Does a in host order lie in one of the prefixes? */
static inline bool
sa_ts_match(const struct sa_ts *ts, unsigned n, uint32_t a)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t m = ts[i].plen ? UINT32_MAX << (32 - ts[i].plen) : 0;

		if (((a ^ ts[i].addr) & m) == 0)
			return true;
	}
	return false;
}

/**
 * Per-worker counters of one SA (the control core sums them). Aligned so
 * that none straddles two cache lines: with many SAs a worker's update is
 * one miss, and one prefetch covers it.
 */
struct sa_counters {
	uint64_t packets;
	uint64_t bytes; /**< inner bytes */
	uint64_t drops;
} __rte_aligned(32);

/* ----------------------------------------------------------------------- */
/* Control core                                                            */

struct sa_db;
struct sa_worker;

struct sa_db_params {
	uint32_t max_sas;
	uint32_t max_tunnels;
	uint32_t max_spd; /**< SPD prefixes */
	unsigned n_workers;
	const struct crypto_engine *engine;
	int socket_id;
};

/** Events sa_db_poll() reports. */
enum sa_event {
	SA_EVENT_SOFT,          /**< soft lifetime reached: time to rekey */
	SA_EVENT_HARD,          /**< hard lifetime reached: the SA no longer carries traffic */
	SA_EVENT_SEQ_EXHAUSTED, /**< outbound sequence numbers used up */
};

struct sa_db *sa_db_create(const struct sa_db_params *p);
void sa_db_free(struct sa_db *db);

/** The view worker i uses; pass it to that worker only. */
struct sa_worker *sa_db_worker(struct sa_db *db, unsigned i);

/**
 * Workers are running: from now on, changes wait for acknowledgements.
 * Before, updates queue up and the workers apply them before their first
 * burst.
 */
void sa_db_set_running(struct sa_db *db, bool running);

/**
 * Create a tunnel whose SPD entries are the remote prefixes. Control core.
 * @return 0, -EEXIST, -ENOSPC (tunnel or SPD space), -EINVAL.
 */
int sa_tunnel_add(struct sa_db *db, uint32_t tunnel, uint32_t site, const struct sa_ts *remote,
		  unsigned n_remote) __attribute__((warn_unused_result));

/**
 * Remove a tunnel and its SPD entries (its SAs stay until sa_del). Its
 * prefixes that are protected resolve to SA_DISCARD from then on.
 */
int sa_tunnel_del(struct sa_db *db, uint32_t tunnel);

/**
 * Take prefix p out of the tunnel's SPD entries (the tunnel and its SAs
 * stay): traffic toward p is no longer sent into it, and resolves to a
 * longer or shorter prefix, SA_DISCARD if protected, or the route. Returns
 * once every running worker applied it. Control core.
 * @return 0, or -ENOENT (no such tunnel, or p is not one of its prefixes).
 */
int sa_tunnel_withdraw(struct sa_db *db, uint32_t tunnel, const struct sa_ts *p);

/**
 * Protect a prefix (a site's branch subnet): while no tunnel carries it,
 * the SPD answers SA_DISCARD for it. Counted: sites sharing a subnet each
 * protect it, and it stays protected until the last one unprotects it.
 * Returns once every running worker applied it. Control core.
 * @return 0, -EINVAL (host bits set, length > 32), -ENOSPC (max_spd).
 */
int sa_spd_protect(struct sa_db *db, const struct sa_ts *p) __attribute__((warn_unused_result));

/** Undo one sa_spd_protect(). @return 0, -EINVAL, -ENOENT (not protected). */
int sa_spd_unprotect(struct sa_db *db, const struct sa_ts *p);

/**
 * Build and install an SA. Inbound: returns once every running worker finds
 * it by SPI. Outbound: installed but unused until sa_tunnel_set_out().
 * @return 0 with *id set, -ENOSPC, -EEXIST (inbound SPI and address in
 *   use), -EINVAL (parameters), or an error from the crypto engine.
 */
int sa_add(struct sa_db *db, const struct sa_params *p, uint32_t *id)
	__attribute__((warn_unused_result));

/** Make id the tunnel's outbound SA (SA_NONE: none). Returns once applied. */
int sa_tunnel_set_out(struct sa_db *db, uint32_t tunnel, uint32_t id);

/**
 * The peer of a UDP-encapsulated outbound SA is now at peer_addr:peer_port
 * (a NAT in front of it rebound; IKE saw it move). Workers send there from
 * their next packets; one packet at the instant of the change may mix the
 * old address with the new port.
 * @return 0, -ENOENT, -EINVAL (inbound, or not UDP-encapsulated).
 */
int sa_set_peer(struct sa_db *db, uint32_t id, uint32_t peer_addr, uint16_t peer_port);

/**
 * Remove an SA. Workers stop using it at once (dead flag); its memory and
 * keys are released when every worker has acknowledged (sa_db_poll()).
 * An outbound SA still set on a tunnel is unset first.
 */
int sa_del(struct sa_db *db, uint32_t id);

/**
 * Housekeeping, about every 100 ms: sums counters, checks lifetimes
 * (reporting events through fn), frees SAs every worker let go of.
 */
void sa_db_poll(struct sa_db *db, uint64_t now_ms,
		void (*fn)(void *arg, uint32_t id, enum sa_event ev), void *arg);

/** Wait until every running worker applied every update so far. */
void sa_db_sync(struct sa_db *db);

/** The SA with this id, or NULL. Control core; do not keep it past sa_del. */
const struct sa *sa_db_get(const struct sa_db *db, uint32_t id);

/** Parameters the SA was built from, keys included (for export only). */
const struct sa_params *sa_db_params(const struct sa_db *db, uint32_t id);

/** Counters summed over the workers. */
void sa_db_counters(const struct sa_db *db, uint32_t id, struct sa_counters *out);

/** Seconds since the SA was added. */
uint64_t sa_db_age_s(const struct sa_db *db, uint32_t id, uint64_t now_ms);

/** The outbound SA of a tunnel, or SA_NONE. */
uint32_t sa_db_tunnel_out(const struct sa_db *db, uint32_t tunnel);

/** Visit SAs in id order: fn returns false to stop. */
void sa_db_walk(const struct sa_db *db, bool (*fn)(const struct sa *sa, void *arg), void *arg);

/** Visit SPD entries: prefix -> tunnel, or SA_DISCARD. */
void sa_db_spd_walk(const struct sa_db *db,
		    void (*fn)(const struct sa_ts *p, uint32_t tunnel, void *arg), void *arg);

uint32_t sa_db_count(const struct sa_db *db);

/** Bytes of memory the database holds for n SAs' worth of state. */
size_t sa_db_memory(const struct sa_db *db);

const char *sa_event_name(enum sa_event ev);

/* ----------------------------------------------------------------------- */
/* Worker lcore (the worker that owns the sa_worker only)                  */

/** Apply queued updates and acknowledge them. Between bursts. */
void sa_worker_apply(struct sa_worker *sw);

/**
 * Inbound SAs for n packets by (SPI, outer destination), host order.
 * out[i] is NULL where none.
 */
void sa_worker_lookup_in(struct sa_worker *sw, const uint32_t *spi, const uint32_t *dst, uint16_t n,
			 struct sa **out);

/**
 * Policy for an inner destination by longest prefix: a tunnel, SA_DISCARD
 * (protected, no tunnel) or SA_NONE (bypass: route it).
 */
uint32_t sa_worker_spd(const struct sa_worker *sw, uint32_t dst);

/**
 * Is a in a protected prefix (any SPD entry)? The inbound SPD check: a
 * cleartext packet from such a source claims to come from a branch
 * without having come through its tunnel. One load for most addresses.
 */
bool sa_worker_protected(const struct sa_worker *sw, uint32_t a);

/**
 * The same question's quick half: one bit per /16, set where some SPD
 * prefix (tunnel or protected) lies. Clear: a is in no prefix. Set: ask
 * sa_worker_protected(). The array lives as long as the worker's SPD.
 */
const uint64_t *sa_worker_spd_summary(const struct sa_worker *sw);

static inline bool
sa_summary_hit(const uint64_t *summary, uint32_t a)
{
	uint32_t b = a >> 16;

	return (summary[b / 64] >> (b % 64)) & 1;
}

/** A tunnel's current outbound SA, or NULL. */
struct sa *sa_worker_tunnel_out(const struct sa_worker *sw, uint32_t tunnel);

/*
 * The same for a burst, so the cache misses of its packets overlap (with
 * many SAs each lookup is one): sa_worker_spd() for n destinations, and
 * sa_worker_tunnel_out() for n tunnels (SA_NONE gives NULL), whose SAs'
 * first lines are prefetched.
 */
void sa_worker_spd_bulk(const struct sa_worker *sw, const uint32_t *dst, uint16_t n,
			uint32_t *tunnel);
void sa_worker_tunnel_out_bulk(const struct sa_worker *sw, const uint32_t *tunnel, uint16_t n,
			       struct sa **out);

/** This worker's counters, indexed by sa->id. */
struct sa_counters *sa_worker_counters(struct sa_worker *sw);

#endif /* ESPHUB_SA_H */
