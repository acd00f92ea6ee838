/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Where key exchange meets the data plane: the control core's sites,
 * tunnels and SAs, and the only code that changes them.
 *
 * An IKE engine negotiates, lib/sa's workers encrypt; ctl turns the one's
 * decisions into the other's tables, and keeps what the operator reads
 * about them. The CLI and telemetry read ctl through the views at the end.
 *
 * Sites. cfg->sites is the site table and ctl its only writer. A site
 * keeps its index for life (SAs, tunnels and NAT sessions name it); a
 * removed site leaves a hole (empty name) that the next added site fills,
 * unless a NAT rule names that slot. A configured site's branch subnets
 * are protected whether a tunnel is up or not: the SPD drops what no
 * tunnel carries, and refuses cleartext from them.
 *
 * Tunnels. One per (site, local selector, remote selector), shared by the
 * SAs that carry that traffic: a hand-keyed pair, or an engine's pairs
 * across rekeys. A tunnel lives while it holds SAs; its NAT sessions die
 * with it. A remote prefix that overlaps another site's branch subnets
 * stays out of the SPD (traffic toward it would be ambiguous), and leaves
 * it when such a site is added: such a tunnel is reached through NAT
 * sessions only.
 *
 * Limits. A site holds at most the SAs its engine declared, counting
 * those deleted but not yet freed by lib/sa (until the next ctl_poll()),
 * so one branch cannot take the table from the others.
 *
 * How a negotiated pair gets to the workers and back out:
 *  1. The engine calls ctl_child_install() for the inbound SA. ctl finds or
 *     creates its tunnel, builds the SA, and returns once every running
 *     worker has it; only then may the engine send the message that lets
 *     the peer use it. The handle it gets names the SA from then on.
 *  2. Then the outbound SA, with the inbound one's handle as twin. A tunnel
 *     without an outbound SA uses it at once. Otherwise this is a rekey,
 *     made before the old pair breaks: the old SA carries the traffic and
 *     the new one waits, until ctl_poll() sees a packet arrive on its twin
 *     (the peer has the pair) or CTL_COMMIT_MS have passed (when we
 *     started the exchange, the peer installs its side only on our last
 *     message, which may be lost).
 *  3. ctl_poll() also runs lib/sa's lifetimes: a byte or packet limit of an
 *     engine's SA goes to the engine (child_expired), which rekeys (soft)
 *     or deletes the pair (hard). Time limits are the engine's own.
 *  4. The engine removes SAs with ctl_child_delete(), outbound first. A
 *     successor waiting for the departing SA takes over at once.
 *  5. A branch behind a NAT that rebinds: ctl_peer_moved() points the
 *     site's UDP-encapsulated outbound SAs at its new address.
 *
 * Threads: control core only; nothing here is thread-safe. Calls that
 * change the data plane return once every running worker applied them.
 * Times are monotonic milliseconds of the caller's clock.
 */
#ifndef ESPHUB_CTL_H
#define ESPHUB_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "sa.h"

/** A rekeyed outbound SA takes over after this long without proof (step 2). */
#define CTL_COMMIT_MS 1000

struct ctl;
struct nat;

/* ------------------------------------------------------------------ */
/** @name The engine: what ctl asks of whoever keys IKE sites */

/**
 * One engine serves every IKE site (cfg_site.ike); a host with two IKE
 * versions hands ctl one engine that dispatches on the site's
 * configuration. Every op runs on the control core, inside the ctl call
 * that makes it; an op may call the ctl_child_*() and ctl_peer_*()
 * functions, nothing else of ctl's.
 */
struct ctl_engine_ops {
	/** Start keying site (ctl's index) as s says; *engine_site is the
	 *  name the engine will use for it in struct ctl_child, *max_sas the
	 *  most SAs it will hold for the site at once (both directions,
	 *  rekeys included): ctl refuses more, so that one branch cannot take
	 *  the table from the others. */
	int (*site_add)(void *engine, uint32_t site, const struct cfg_site *s, uint64_t now_ms,
			uint32_t *engine_site, uint32_t *max_sas);
	/** s replaces the site's configuration (same name). The engine keeps
	 *  its SAs where it can, and says its new *max_sas. Non-zero: the old
	 *  configuration stays. */
	int (*site_update)(void *engine, const struct cfg_site *s, uint64_t now_ms,
			   uint32_t *max_sas);
	/** Stop keying the site: its SAs are deleted (ctl_child_delete())
	 *  before this returns. */
	void (*site_del)(void *engine, const struct cfg_site *s, uint64_t now_ms);
	/** The data plane counted a soft or hard byte or packet limit of one
	 *  of the engine's pairs, named by its inbound SPI. */
	void (*child_expired)(void *engine, uint32_t inbound_spi, bool hard, uint64_t now_ms);
	/** The wildcard PSK changed in a reload (len 0: none). */
	int (*default_psk_set)(void *engine, const uint8_t *psk, size_t len);
};

/** One SA direction an engine negotiated. */
struct ctl_child {
	uint32_t engine_site;              /**< from ctl_engine_ops.site_add */
	bool inbound;                      /**< we decrypt with it */
	uint32_t spi;                      /**< inbound: ours; outbound: the peer's */
	struct crypto_keys keys;           /**< copied; the caller wipes its own */
	struct sa_ts local_ts;             /**< our side's selector */
	struct sa_ts remote_ts;            /**< the branch's */
	uint32_t local_addr, peer_addr;    /**< outer addresses */
	uint16_t local_port, peer_port;    /**< RFC 3948; 0: plain ESP */
	uint64_t soft_bytes, soft_packets; /**< child_expired(soft) at; 0: none */
	uint64_t hard_bytes;               /**< child_expired(hard) at; 0: none */
	uint64_t twin;                     /**< outbound: the pair's inbound handle */
};

/**
 * Install one SA direction (steps 1 and 2). Inbound: returns once every
 * running worker finds it. The selectors must lie within the site's
 * configured subnets, and an outbound SA's twin must be the same site's.
 * The handle names the SA until it is deleted, and nothing after: a
 * handle kept too long misses the SA that reuses its slot.
 * @return 0 with *handle set; -ENOENT (engine_site unknown), -EPERM
 *   (selectors outside the site's subnets, or not prefixes), -ENOSPC (the
 *   site's max_sas, tunnels, SAs, SPD), -EEXIST (inbound SPI in use),
 *   -EINVAL (twin not this site's inbound SA, parameters).
 */
int ctl_child_install(struct ctl *ctl, const struct ctl_child *c, uint64_t now_ms, uint64_t *handle)
	__attribute__((warn_unused_result));

/** Remove the SA handle names (step 4). An unknown handle is ignored. */
void ctl_child_delete(struct ctl *ctl, uint64_t handle);

/** When a packet last arrived on inbound SA handle (0: never): DPD asks
 *  only a quiet peer. As of the last ctl_poll(). */
uint64_t ctl_child_last_inbound(const struct ctl *ctl, uint64_t handle);

/** The site's NAT rebound (step 5). @return outbound SAs that followed. */
unsigned ctl_peer_moved(struct ctl *ctl, uint32_t engine_site, uint32_t addr, uint16_t port);

/* ------------------------------------------------------------------ */
/** @name Instance */

struct ctl_params {
	struct cfg *cfg; /**< the running configuration; ctl writes its sites
					    and ike.default_psk */
	struct sa_db *sa;
	struct nat *nat;                         /**< NULL: no NAT */
	const struct ctl_engine_ops *engine_ops; /**< NULL: IKE sites refused */
	void *engine;
	int socket_id;
};

/** NULL on failure (memory). Installs nothing: see ctl_sites_install(). */
struct ctl *ctl_create(const struct ctl_params *p);

/** Free ctl's tables. Remove the engine's SAs first (destroy the engine):
 *  ctl removes none. NULL is a no-op. */
void ctl_free(struct ctl *ctl);

/** Every 100 ms or so: lifetimes (step 3), when inbound SAs last saw
 *  traffic, and rekeyed SAs waiting to take over (step 2). */
void ctl_poll(struct ctl *ctl, uint64_t now_ms);

/* ------------------------------------------------------------------ */
/** @name Sites */

/** At start: install every configured site. Errors are logged with the
 *  file, line and site. @return 0 or the first error. */
int ctl_sites_install(struct ctl *ctl, uint64_t now_ms);

/** Add a site (its name unused). @return 0 with *site set, -EEXIST,
 *  -ENOSPC (esp.max_tunnels slots), or why it could not be installed. */
int ctl_site_add(struct ctl *ctl, const struct cfg_site *s, uint64_t now_ms, uint32_t *site)
	__attribute__((warn_unused_result));

/**
 * Replace site's configuration with s (same name): an engine decides
 * whether its tunnels survive; a hand-keyed site is keyed anew. The new
 * subnets are protected before the old ones are let go. If s cannot be
 * keyed, the site keeps s, unkeyed (down, its subnets protected), and the
 * error is returned; a reload tries again.
 */
int ctl_site_set(struct ctl *ctl, uint32_t site, const struct cfg_site *s, uint64_t now_ms);

/** Remove a site, its SAs, tunnels, protected subnets and NAT sessions. */
void ctl_site_del(struct ctl *ctl, uint32_t site, uint64_t now_ms);

/**
 * Apply fresh (a configuration just loaded from the same file) to the
 * running one: sites added, changed, removed; unchanged ones untouched
 * (an unkeyed one is set again); the wildcard PSK. report gets one line per section a restart would be
 * needed for, and the summary. fresh stays the caller's.
 * @return 0, -EIO if some site failed (see the log), -ENOMEM (nothing done).
 */
int ctl_reload(struct ctl *ctl, const struct cfg *fresh, uint64_t now_ms, char *report, size_t len);

/** Add a hand-keyed SA to a hand-keyed site's tunnel; an outbound one
 *  becomes the tunnel's at once. @return 0 with *id set, -ENOENT, -EPERM
 *  (an IKE site), or lib/sa's error. */
int ctl_manual_sa_add(struct ctl *ctl, uint32_t site, bool inbound, enum cfg_cipher cipher,
		      enum cfg_integ integ, const struct cfg_manual_sa *keys, uint32_t *id)
	__attribute__((warn_unused_result));

/** Remove a hand-keyed SA. @return 0, -ENOENT, -EPERM (an engine's). */
int ctl_manual_sa_del(struct ctl *ctl, uint32_t id);

/* ------------------------------------------------------------------ */
/** @name Views, for the CLI and telemetry */

/** _(SYM, name, description); a table aligned by hand. */
/* clang-format off */
#define foreach_ctl_counter(_)                                                       \
	_(CHILD_INSTALLED,    "child-installed",    "SAs an IKE engine installed")     \
	_(INSTALL_FAILED,     "ike-install-failed", "SAs IKE negotiated but the data plane refused") \
	_(COMMIT_TRAFFIC,     "rekey-commit-seen",  "rekeyed outbound SAs that took over on the peer's first packet") \
	_(COMMIT_TIMEOUT,     "rekey-commit-timer", "rekeyed outbound SAs that took over after CTL_COMMIT_MS") \
	_(COMMIT_LEAVING,     "rekey-commit-early", "rekeyed outbound SAs that took over as the old one was deleted") \
	_(PEER_MOVES,         "peer-moves",         "NAT rebindings of a branch its outbound SAs followed") \
	_(PREFIX_SHARED,      "prefix-shared",      "branch prefixes kept out of the SPD: another site has them too") \
	_(SA_SOFT_EXPIRED,    "sa-soft-expired",    "SAs that reached a soft lifetime") \
	_(SA_HARD_EXPIRED,    "sa-hard-expired",    "SAs removed at a hard lifetime")  \
	_(SA_SEQ_EXHAUSTED,   "sa-seq-exhausted",   "outbound SAs out of sequence numbers") \
	_(SITES_ADDED,        "sites-added",        "sites installed (start, CLI, reload)") \
	_(SITES_REMOVED,      "sites-removed",      "sites removed (CLI, reload)") \
	_(SITE_SA_CAP,        "site-sa-cap",        "SAs refused: the site holds what its engine declared")

enum ctl_counter {
#define _(sym, name, descr) CTL_CTR_##sym,
	foreach_ctl_counter(_)
#undef _
	CTL_CTR_N
};
/* clang-format on */

const char *ctl_counter_name(enum ctl_counter c);
const char *ctl_counter_descr(enum ctl_counter c);
/** Monotonic since ctl_create(). */
void ctl_counters(const struct ctl *ctl, uint64_t out[CTL_CTR_N]);

/** Site slots (holes included): valid indexes are below this. */
uint32_t ctl_site_slots(const struct ctl *ctl);
/** A site's configuration, or NULL (no such slot, or a hole). */
const struct cfg_site *ctl_site(const struct ctl *ctl, uint32_t site);
/** The index of the site so named, or -1. */
int ctl_site_find(const struct ctl *ctl, const char *name);
/** Its name, or "-". */
const char *ctl_site_name(const struct ctl *ctl, uint32_t site);
/** Is it keyed (its engine site, or its hand-keyed pair, set up)? */
bool ctl_site_keyed(const struct ctl *ctl, uint32_t site);

/** Who installed an SA. */
enum ctl_sa_owner {
	CTL_SA_NONE,   /**< no such SA */
	CTL_SA_MANUAL, /**< a hand-keyed site, from the file or the CLI */
	CTL_SA_ENGINE, /**< an IKE engine */
};
enum ctl_sa_owner ctl_sa_owner(const struct ctl *ctl, uint32_t id);

struct ctl_tunnel_info {
	uint32_t site;
	uint32_t sas;               /**< SAs that belong to it */
	uint32_t out;               /**< its outbound SA, or SA_NONE */
	uint32_t next_out;          /**< a rekeyed one waiting to take over, or SA_NONE */
	struct sa_ts local, remote; /**< the selectors it was made for */
};
/** @return 0, or -ENOENT (no such tunnel). */
int ctl_tunnel_get(const struct ctl *ctl, uint32_t tunnel, struct ctl_tunnel_info *out);

#endif
