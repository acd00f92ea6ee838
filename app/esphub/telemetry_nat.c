/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT telemetry (dpdk-telemetry.py):
 *   /esphub/nat_stats[,N]        counters, sessions and NAT drops; all
 *                                workers, or worker N (counters only)
 *   /esphub/nat_sessions[,SITE]  rows "proto inside remote mapped site
 *                                tunnel state idle_s", the first
 *                                RTE_TEL_MAX_ARRAY_ENTRIES
 * Raw monotonic totals, as /esphub/worker_stats. NAT's own calls are safe
 * from this thread; site names are the control core's: read under its lock.
 * Registered only when a nat section is configured.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "app.h"
#include "nat.h"
#include "net.h"

static struct app *tel_app;

/* Telemetry keys allow [A-Za-z0-9_/] only. */
static const char *
key(char *buf, size_t len, const char *a, const char *b)
{
	snprintf(buf, len, "%s%s%s", a, b ? "_" : "", b ? b : "");
	for (char *c = buf; *c; c++)
		if (*c == '-' || *c == '.')
			*c = '_';
	return buf;
}

static int
tel_nat_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char k[RTE_TEL_MAX_STRING_LEN];
	struct nat_stats st;
	struct stats_worker w;
	int worker = -1;

	RTE_SET_USED(cmd);
	if (params != NULL && *params != '\0') {
		char *end;
		unsigned long v = strtoul(params, &end, 10);

		if (*end != '\0' || v >= tel_app->n_workers)
			return -EINVAL;
		worker = (int)v;
	}
	nat_stats_get(tel_app->nat, worker, &st);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "capacity", st.capacity);
	rte_tel_data_add_dict_u64(d, "sessions", st.sessions);
	for (unsigned p = 0; p < NAT_PROTO_N; p++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), "sessions", nat_proto_name(p)),
					  st.sessions_proto[p]);
	for (unsigned c = 0; c < NAT_CTR_N; c++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), nat_counter_name(c), NULL),
					  st.ctr[c]);
	if (worker < 0) {
		app_worker_sum(tel_app, &w, false);
		for (unsigned r = 1; r < DROP_N; r++)
			if (strcmp(stats_drop_stage(r), "nat") == 0)
				rte_tel_data_add_dict_u64(
					d, key(k, sizeof(k), "drop", stats_drop_name(r)),
					w.drop[r]);
	}
	return 0;
}

static int
session_row(const struct nat_session_info *si, void *arg)
{
	struct rte_tel_data *d = arg;
	char in[NET_IPV4_STR_MAX], rem[NET_IPV4_STR_MAX], map[NET_IPV4_STR_MAX];
	char row[RTE_TEL_MAX_STRING_LEN], mapped[NET_IPV4_STR_MAX + 8];

	if (si->passthrough)
		snprintf(mapped, sizeof(mapped), "pass-through");
	else
		snprintf(mapped, sizeof(mapped), "%s:%u", net_ipv4_str(si->mapped_addr, map),
			 si->mapped_port);
	snprintf(row, sizeof(row), "%s %s:%u %s:%u %s %s %u %s %u",
		 si->proto == IPPROTO_TCP ? "tcp" :
		 si->proto == IPPROTO_UDP ? "udp" :
					    "icmp",
		 net_ipv4_str(si->inside_addr, in), si->inside_port,
		 net_ipv4_str(si->remote_addr, rem), si->remote_port, mapped,
		 ctl_site_name(tel_app->ctl, si->site), si->tunnel, si->state, si->idle_s);
	rte_tel_data_add_array_string(d, row);
	return 0;
}

static int
tel_nat_sessions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint32_t site = NAT_SITE_ANY;

	RTE_SET_USED(cmd);
	pthread_mutex_lock(&tel_app->lock);
	if (params != NULL && *params != '\0') {
		int i = ctl_site_find(tel_app->ctl, params);

		if (i < 0) {
			pthread_mutex_unlock(&tel_app->lock);
			return -EINVAL;
		}
		site = (uint32_t)i;
	}
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	nat_session_walk(tel_app->nat, rte_rdtsc(), site, RTE_TEL_MAX_ARRAY_ENTRIES, session_row,
			 d);
	pthread_mutex_unlock(&tel_app->lock);
	return 0;
}

int
app_telemetry_nat_register(struct app *app)
{
	static const struct {
		const char *path;
		telemetry_cb fn;
		const char *help;
	} eps[] = {
		{ "/esphub/nat_stats", tel_nat_stats,
		  "NAT sessions, counters and drops; or one worker's counters. Parameters: [int worker]" },
		{ "/esphub/nat_sessions", tel_nat_sessions,
		  "NAT session rows, all or of one site. Parameters: [string site]" },
	};

	tel_app = app;
	if (app->nat == NULL)
		return 0;
	for (size_t i = 0; i < RTE_DIM(eps); i++) {
		int rc = rte_telemetry_register_cmd(eps[i].path, eps[i].fn, eps[i].help);

		if (rc != 0) {
			LOG(ERR, "telemetry %s: %s", eps[i].path, strerror(-rc));
			return rc;
		}
	}
	return 0;
}
