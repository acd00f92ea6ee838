/* SPDX-License-Identifier: BSD-3-Clause */
/* The esphub daemon: everything the control core owns, in one place. */
#ifndef ESPHUB_APP_H
#define ESPHUB_APP_H

#include <pthread.h>
#include <stdbool.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "cli.h"
#include "conf.h"
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

	/* The control core's state vs the telemetry thread's reads. */
	pthread_mutex_t lock;
	volatile int quit;
};

/* main.c */
uint64_t app_now_ms(void);

/* setup.c: build everything from app->cfg; undo it. */
int app_setup(struct app *app);
void app_teardown(struct app *app);
int app_launch(struct app *app);

/* sites.c: tunnels and SAs of the configured sites. */
int app_sites_setup(struct app *app);
int app_site_index(const struct app *app, const char *name);
const char *app_site_name(const struct app *app, uint32_t site);
void app_sa_params(const struct app *app, unsigned site, bool inbound,
		   enum cfg_cipher cipher, enum cfg_integ integ,
		   const struct cfg_manual_sa *keys, struct sa_params *p);
void app_sa_event(void *arg, uint32_t id, enum sa_event ev);

/* control.c */
void app_control_loop(struct app *app);
int app_inject(struct app *app, struct rte_mbuf *m);

/* views.c: counters as the operator sees them (summed, since clear). */
void app_worker_get(struct app *app, unsigned worker, struct stats_worker *out,
		    bool since_clear);
void app_worker_sum(struct app *app, struct stats_worker *out, bool since_clear);
void app_clear_stats(struct app *app);
const char *control_counter_name(enum control_counter c);
const char *control_counter_descr(enum control_counter c);

/* commands.c / telemetry.c */
extern cmdline_parse_ctx_t app_commands[];
void app_commands_bind(struct app *app);
int app_telemetry_register(struct app *app);
int app_telemetry_sa_register(struct app *app);

#endif
