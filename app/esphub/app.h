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
#include "ctl.h"
#include "nat.h"
#include "port.h"
#include "sa.h"
#include "stats.h"
#include "worker.h"

extern int esphub_logtype;
#define LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, esphub_logtype, "esphub: " fmt "\n", ##__VA_ARGS__)

/* Counters of the control core itself: _(SYM, name, description). */
/* clang-format off */
#define foreach_control_counter(_)                                            \
	_(PUNT_RX,          "punt-rx",          "packets received from workers") \
	_(PUNT_UNHANDLED,   "punt-unhandled",   "punted packets no service took") \
	_(IKE_RX,           "ike-rx",           "IKE datagrams handed to IKE")   \
	_(IKE_TX,           "ike-tx",           "IKE datagrams sent")             \
	_(IKE_TX_FAILED,    "ike-tx-failed",    "IKE datagrams not sent (no buffer)") \
	_(IKE_COOKIES_FULL, "ike-cookies-full", "IKE SAs whose datagrams share the rate-limited ring: no room in the workers' cookie table") \
	_(LEARN_APPLIED,    "neigh-learned",    "neighbour updates applied")     \
	_(LEARN_TABLE_FULL, "neigh-table-full", "neighbour updates refused: table full") \
	_(NEIGH_PROBES,     "neigh-probes",     "ARP probes of ageing neighbours") \
	_(INJECT_FULL,      "inject-ring-full", "packets not sent: worker's inject ring full") \
	_(LINK_CHANGES,     "link-changes",     "port link state changes")

enum control_counter {
#define _(sym, name, descr) CCTR_##sym,
	foreach_control_counter(_)
#undef _
	CCTR_N
};
/* clang-format on */

struct app_port {
	struct port_handle h;
	struct port_link link;     /* last seen, to log changes */
	struct rte_eth_stats base; /* at the last "clear stats" */
};

struct app {
	struct cfg cfg;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	const struct crypto_engine *engine;
	struct sa_db *sa;
	uint64_t next_sa_poll_ms;
	struct ctl *ctl; /* sites, tunnels, SAs: cfg.sites is its */
	struct nat *nat; /* NULL: no nat section */
	struct ike *ike;
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
	struct stats_worker *clear_base; /* per worker, at the last "clear stats" */
	uint64_t ctr_base[CCTR_N];
	uint64_t ctl_base[CTL_CTR_N];
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

/* ike.c: lib/ike on the control core, as ctl's engine. */
int app_ike_setup(struct app *app);
void app_ike_free(struct app *app);
extern const struct ctl_engine_ops app_ike_engine;
/* A punted datagram for the box: IKE on UDP 500/4500. Takes m. */
void app_ike_input(struct app *app, struct rte_mbuf *m);
void app_ike_tick(struct app *app, uint64_t now_ms);

/* control.c */
void app_control_loop(struct app *app);
int app_inject(struct app *app, struct rte_mbuf *m);

/* views.c: counters as the operator sees them (summed, since clear). */
void app_worker_get(struct app *app, unsigned worker, struct stats_worker *out, bool since_clear);
void app_worker_sum(struct app *app, struct stats_worker *out, bool since_clear);
void app_clear_stats(struct app *app);
void app_nat_get(struct app *app, int worker, struct nat_stats *out);
const char *control_counter_name(enum control_counter c);
const char *control_counter_descr(enum control_counter c);
const char *app_tunnel_site_name(struct app *app, uint32_t tunnel);

/* commands.c / telemetry.c */
extern cmdline_parse_ctx_t app_commands[];
void app_commands_bind(struct app *app);
int app_telemetry_register(struct app *app);
int app_telemetry_sa_register(struct app *app);
int app_telemetry_ike_register(struct app *app);
int app_telemetry_nat_register(struct app *app);

#endif
