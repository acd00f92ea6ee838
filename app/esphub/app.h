/* SPDX-License-Identifier: BSD-3-Clause */
/* The esphub daemon: everything the control core owns, in one place. */
#ifndef ESPHUB_APP_H
#define ESPHUB_APP_H

#include <pthread.h>
#include <stdbool.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include <rte_hash.h>

#include "cli.h"
#include "conf.h"
#include "nat.h"
#include "port.h"
#include "sa.h"
#include "stats.h"
#include "worker.h"

extern int esphub_logtype;
#define LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, esphub_logtype, "esphub: " fmt "\n", ##__VA_ARGS__)

/* Counters of the control core itself: _(SYM, name, description). */
#define foreach_control_counter(_)                                            \
	_(PUNT_RX,          "punt-rx",          "packets received from workers") \
	_(PUNT_UNHANDLED,   "punt-unhandled",   "punted packets no service took") \
	_(IKE_RX,           "ike-rx",           "IKE datagrams handed to IKE")   \
	_(IKE_TX,           "ike-tx",           "IKE datagrams sent")             \
	_(IKE_TX_FAILED,    "ike-tx-failed",    "IKE datagrams not sent (no buffer)") \
	_(IKE_INSTALL_FAILED,"ike-install-failed","SAs IKE negotiated but the data plane refused") \
	_(IKE_COOKIES_FULL, "ike-cookies-full", "IKE SAs whose datagrams share the rate-limited ring: no room in the workers' cookie table") \
	_(LEARN_APPLIED,    "neigh-learned",    "neighbour updates applied")     \
	_(LEARN_TABLE_FULL, "neigh-table-full", "neighbour updates refused: table full") \
	_(NEIGH_PROBES,     "neigh-probes",     "ARP probes of ageing neighbours") \
	_(INJECT_FULL,      "inject-ring-full", "packets not sent: worker's inject ring full") \
	_(LINK_CHANGES,     "link-changes",     "port link state changes")      \
	_(SA_SOFT_EXPIRED,  "sa-soft-expired",  "SAs that reached a soft lifetime") \
	_(SA_HARD_EXPIRED,  "sa-hard-expired",  "SAs removed at a hard lifetime") \
	_(SA_SEQ_EXHAUSTED, "sa-seq-exhausted", "outbound SAs out of sequence numbers")

enum control_counter {
#define _(sym, name, descr) CCTR_##sym,
	foreach_control_counter(_)
#undef _
	CCTR_N
};

/* A tunnel: a site's traffic between two selectors (see tunnels.c). */
struct app_tunnel {
	uint8_t used;
	uint32_t refs;                      /* SAs that belong to it */
	uint32_t site;
	uint32_t next_out;                  /* outbound SA waiting to take over, or SA_NONE */
	struct sa_ts key_local, key_remote;
};

/* What the control core keeps per SA id beyond lib/sa. */
struct app_sa_meta {
	uint8_t ike;                        /* installed by IKE */
	uint32_t twin;                      /* IKE, outbound: its pair's inbound SA */
	uint64_t packets;                   /* inbound: at the last poll */
	uint64_t seen_ms;                   /* inbound: when packets last grew */
	uint64_t commit_by_ms;              /* outbound waiting in its tunnel: deadline */
};

/* Runtime state of a site (cfg.sites[i] holds its configuration). */
struct app_site {
	uint32_t tunnel;                    /* hand-keyed: its tunnel */
	uint32_t ike_id;                    /* IKE: lib/ike's site id */
};

struct app_port {
	struct port_handle h;
	struct port_link link;              /* last seen, to log changes */
	struct rte_eth_stats base;          /* at the last "clear stats" */
};

struct app {
	struct cfg cfg;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	const struct crypto_engine *engine;
	struct sa_db *sa;
	uint64_t next_sa_poll_ms;
	struct app_tunnel *tunnel;          /* esp.max_tunnels */
	struct rte_hash *tunnel_by_key;
	uint32_t tunnel_next;               /* where the search for a free id starts */
	struct branch_prefix *prefix_index; /* tunnels.c: every site's branch prefixes */
	unsigned n_prefix_index;
	bool prefix_index_stale;
	struct app_sa_meta *sa_meta;        /* esp.max_sas */
	struct app_site *site;              /* esp.max_tunnels (sites <= tunnels) */

	struct nat *nat;                    /* NULL: no nat section */
	struct ike *ike;
	struct rte_hash *ike_site_map;      /* lib/ike site id -> site index */
	struct app_port port[CFG_MAX_PORTS];
	struct worker_env env;
	struct worker *worker[CFG_MAX_WORKERS];
	unsigned worker_lcore[CFG_MAX_WORKERS];
	unsigned n_workers;
	bool launched;

	struct cli *cli;
	char cli_socket[108];

	uint64_t start_ms;
	uint64_t next_second_ms;
	uint64_t ctr[CCTR_N];
	struct stats_worker *clear_base;    /* per worker, at the last "clear stats" */
	uint64_t ctr_base[CCTR_N];
	struct nat_stats nat_base[CFG_MAX_WORKERS];

	/*
	 * The control core holds it whenever it works (CLI commands included)
	 * and drops it only to wait; the telemetry thread takes it to read.
	 */
	pthread_mutex_t lock;
	volatile int quit;
};

/* main.c */
uint64_t app_now_ms(void);

/* setup.c: build everything from app->cfg; undo it. */
int app_setup(struct app *app);
void app_teardown(struct app *app);
int app_launch(struct app *app);

/* sites.c: the configured sites: tunnels, hand-keyed SAs, IKE sites. */
int app_sites_setup(struct app *app);
int app_site_index(const struct app *app, const char *name);
const char *app_site_name(const struct app *app, uint32_t site);
void app_sa_params(const struct app *app, unsigned site, uint32_t tunnel, bool inbound,
		   enum cfg_cipher cipher, enum cfg_integ integ,
		   const struct cfg_manual_sa *keys, struct sa_params *p);
void app_sa_event(void *arg, uint32_t id, enum sa_event ev);
int app_manual_site_setup(struct app *app, unsigned site);
/* site_admin.c: sites at run time; config reload. */
/* Set up slot idx (cfg.sites[idx] filled): subnets protected, tunnels or IKE. */
int app_site_install(struct app *app, unsigned idx);
int app_site_insert(struct app *app, const struct cfg_site *s, unsigned *idx);
void app_site_remove(struct app *app, unsigned idx);
int app_site_replace(struct app *app, unsigned idx, const struct cfg_site *s);
int app_config_reload(struct app *app, char *out, size_t len);
/* Add an SA to tunnel (which gains a reference) / remove one (tunnel loses it). */
int app_sa_add(struct app *app, const struct sa_params *p, uint32_t *id);
int app_sa_del(struct app *app, uint32_t id);

/* tunnels.c */
int app_tunnels_setup(struct app *app);
void app_tunnels_free(struct app *app);
/* cfg.sites changed: overlaps between branch prefixes are looked at anew. */
void app_tunnels_sites_changed(struct app *app);
int app_tunnel_get(struct app *app, uint32_t site, const struct sa_ts *local,
		   const struct sa_ts *remote, const struct sa_ts *spd, unsigned n_spd,
		   uint32_t *tunnel);
void app_tunnel_put(struct app *app, uint32_t tunnel);
int app_tunnel_out_offer(struct app *app, uint32_t tunnel, uint32_t id);
int app_tunnel_out_commit(struct app *app, uint32_t tunnel);
void app_tunnel_sa_leaving(struct app *app, uint32_t tunnel, uint32_t id);

/* ike.c: lib/ike on the control core. */
int app_ike_setup(struct app *app);
void app_ike_free(struct app *app);
int app_ike_site_add(struct app *app, unsigned site);
/* A punted datagram for the box: IKE on UDP 500/4500. Takes m. */
void app_ike_input(struct app *app, struct rte_mbuf *m);
void app_ike_tick(struct app *app, uint64_t now_ms);
void app_ike_poll(struct app *app, uint64_t now_ms);
void app_ike_sa_event(struct app *app, uint32_t id, enum sa_event ev);

/* control.c */
void app_control_loop(struct app *app);
int app_inject(struct app *app, struct rte_mbuf *m);

/* views.c: counters as the operator sees them (summed, since clear). */
void app_worker_get(struct app *app, unsigned worker, struct stats_worker *out,
		    bool since_clear);
void app_worker_sum(struct app *app, struct stats_worker *out, bool since_clear);
void app_clear_stats(struct app *app);
void app_nat_get(struct app *app, int worker, struct nat_stats *out);
const char *control_counter_name(enum control_counter c);
const char *control_counter_descr(enum control_counter c);

/* commands.c / telemetry.c */
extern cmdline_parse_ctx_t app_commands[];
void app_commands_bind(struct app *app);
int app_telemetry_register(struct app *app);
int app_telemetry_sa_register(struct app *app);
int app_telemetry_ike_register(struct app *app);
int app_telemetry_nat_register(struct app *app);

#endif
