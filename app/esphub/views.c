/* SPDX-License-Identifier: BSD-3-Clause */
/* Counters as the operator reads them: summed over lcores, since "clear". */
#include <string.h>

#include "app.h"

STATS_COUNTER_TEXT(foreach_control_counter, enum control_counter, CCTR_N, control_counter_name,
		   control_counter_descr)

void
app_worker_get(struct app *app, unsigned worker, struct stats_worker *out, bool since_clear)
{
	struct stats_worker *blk = worker_stats(app->worker[worker]);

	stats_worker_sum(out, &blk, 1);
	if (since_clear)
		stats_worker_sub(out, out, &app->clear_base[worker]);
}

void
app_worker_sum(struct app *app, struct stats_worker *out, bool since_clear)
{
	struct stats_worker *blocks[CFG_MAX_WORKERS];
	struct stats_worker base;

	for (unsigned i = 0; i < app->n_workers; i++)
		blocks[i] = worker_stats(app->worker[i]);
	stats_worker_sum(out, blocks, app->n_workers);
	if (since_clear) {
		for (unsigned i = 0; i < app->n_workers; i++)
			blocks[i] = &app->clear_base[i];
		stats_worker_sum(&base, blocks, app->n_workers);
		stats_worker_sub(out, out, &base);
	}
}

/*
 * Workers own their counters, so "clear" never writes them: it records a
 * baseline that the CLI subtracts. Telemetry keeps reporting the raw,
 * monotonic totals, as collectors expect.
 */
void
app_clear_stats(struct app *app)
{
	for (unsigned i = 0; i < app->n_workers; i++)
		app_worker_get(app, i, &app->clear_base[i], false);
	for (unsigned i = 0; i < app->env.n_ports; i++)
		rte_eth_stats_get(app->port[i].h.port_id, &app->port[i].base);
	memcpy(app->ctr_base, app->ctr, sizeof(app->ctr));
	ctl_counters(app->ctl, app->ctl_base);
	for (unsigned i = 0; app->nat != NULL && i < app->n_workers; i++)
		nat_stats_get(app->nat, (int)i, &app->nat_base[i]);
}

/* The site a tunnel belongs to, for rows of the SPD. */
const char *
app_tunnel_site_name(struct app *app, uint32_t tunnel)
{
	struct ctl_tunnel_info ti;

	return ctl_tunnel_get(app->ctl, tunnel, &ti) == 0 ? ctl_site_name(app->ctl, ti.site) : "-";
}

/* NAT's counters (not its gauges) since "clear", of one worker or all (-1). */
void
app_nat_get(struct app *app, int worker, struct nat_stats *out)
{
	nat_stats_get(app->nat, worker, out);
	for (unsigned i = 0; i < app->n_workers; i++)
		if (worker < 0 || (unsigned)worker == i)
			for (unsigned c = 0; c < NAT_CTR_N; c++)
				out->ctr[c] -= app->nat_base[i].ctr[c];
}
