/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry endpoints under /esphub/ (dpdk-telemetry.py). These report
 * raw monotonic totals; "clear stats" affects only the CLI. Callbacks run on
 * the telemetry thread and take the control lock for control-core state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "app.h"
#include "net.h"

static struct app *tel_app;

/* Telemetry keys allow [A-Za-z0-9_/] only. */
static const char *
key(char *buf, size_t len, const char *a, const char *b)
{
	snprintf(buf, len, "%s%s%s", a, b ? "/" : "", b ? b : "");
	for (char *c = buf; *c; c++)
		if (*c == '-' || *c == '.' || *c == '%')
			*c = '_';
	return buf;
}

static int
parse_index(const char *params, unsigned limit, unsigned *out)
{
	char *end;
	unsigned long v;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	v = strtoul(params, &end, 10);
	if (*end != '\0' || v >= limit)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", ESPHUB_VERSION);
	rte_tel_data_add_dict_string(d, "config", tel_app->cfg.path);
	rte_tel_data_add_dict_u64(d, "uptime_s", (app_now_ms() - tel_app->start_ms) / 1000);
	rte_tel_data_add_dict_u64(d, "workers", tel_app->n_workers);
	rte_tel_data_add_dict_u64(d, "ports", tel_app->env.n_ports);
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (unsigned i = 0; i < tel_app->env.n_ports; i++)
		rte_tel_data_add_array_int(d, (int)i);
	return 0;
}

static int
tel_port_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct cfg_port *cp;
	struct port_link l;
	char s[64];
	unsigned i;

	RTE_SET_USED(cmd);
	if (parse_index(params, tel_app->env.n_ports, &i) != 0)
		return -EINVAL;
	cp = &tel_app->cfg.ports[i];
	port_link(tel_app->port[i].h.port_id, &l);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", cp->name);
	rte_tel_data_add_dict_string(d, "role", conf_role_name(cp->role));
	rte_tel_data_add_dict_string(d, "device", tel_app->port[i].h.name);
	rte_tel_data_add_dict_u64(d, "dpdk_port", tel_app->port[i].h.port_id);
	rte_tel_data_add_dict_string(d, "address", net_prefix_str(cp->addr, cp->plen, s));
	rte_tel_data_add_dict_string(d, "mac", net_mac_str(&tel_app->env.port[i].mac, s));
	rte_tel_data_add_dict_u64(d, "mtu", cp->mtu);
	rte_tel_data_add_dict_u64(d, "link_up", l.up);
	rte_tel_data_add_dict_u64(d, "link_speed_mbps", l.speed_mbps);
	rte_tel_data_add_dict_u64(d, "queues", tel_app->port[i].h.nb_queues);
	return 0;
}

static int
tel_port_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_eth_stats s = { 0 };
	struct stats_worker w;
	unsigned i;

	RTE_SET_USED(cmd);
	if (parse_index(params, tel_app->env.n_ports, &i) != 0)
		return -EINVAL;
	rte_eth_stats_get(tel_app->port[i].h.port_id, &s);
	app_worker_sum(tel_app, &w, false);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_packets", s.ipackets);
	rte_tel_data_add_dict_u64(d, "rx_bytes", s.ibytes);
	rte_tel_data_add_dict_u64(d, "rx_errors", s.ierrors);
	rte_tel_data_add_dict_u64(d, "rx_missed", s.imissed);
	rte_tel_data_add_dict_u64(d, "rx_nombuf", s.rx_nombuf);
	rte_tel_data_add_dict_u64(d, "tx_packets", s.opackets);
	rte_tel_data_add_dict_u64(d, "tx_bytes", s.obytes);
	rte_tel_data_add_dict_u64(d, "tx_errors", s.oerrors);
	rte_tel_data_add_dict_u64(d, "worker_rx_packets", w.port[i].rx_pkts);
	rte_tel_data_add_dict_u64(d, "worker_rx_bytes", w.port[i].rx_bytes);
	rte_tel_data_add_dict_u64(d, "worker_tx_packets", w.port[i].tx_pkts);
	rte_tel_data_add_dict_u64(d, "worker_tx_bytes", w.port[i].tx_bytes);
	return 0;
}

/* /esphub/worker_stats: totals; /esphub/worker_stats,N: worker N. */
static int
tel_worker_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct stats_worker w;
	char k[RTE_TEL_MAX_STRING_LEN];
	unsigned i;

	RTE_SET_USED(cmd);
	if (params != NULL && *params != '\0') {
		if (parse_index(params, tel_app->n_workers, &i) != 0)
			return -EINVAL;
		app_worker_get(tel_app, i, &w, false);
	} else {
		app_worker_sum(tel_app, &w, false);
	}
	rte_tel_data_start_dict(d);
	for (unsigned c = 0; c < WCTR_N; c++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), stats_worker_counter_name(c), NULL),
					  w.ctr[c]);
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct stats_worker w;
	char k[RTE_TEL_MAX_STRING_LEN];

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	app_worker_sum(tel_app, &w, false);
	rte_tel_data_start_dict(d);
	for (unsigned r = 1; r < DROP_N; r++)
		rte_tel_data_add_dict_u64(
			d, key(k, sizeof(k), stats_drop_stage(r), stats_drop_name(r)), w.drop[r]);
	return 0;
}

static int
tel_control_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char k[RTE_TEL_MAX_STRING_LEN];
	uint64_t ctl[CTL_CTR_N];

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_app->lock);
	for (unsigned c = 0; c < CCTR_N; c++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), control_counter_name(c), NULL),
					  tel_app->ctr[c]);
	ctl_counters(tel_app->ctl, ctl);
	for (unsigned c = 0; c < CTL_CTR_N; c++)
		rte_tel_data_add_dict_u64(d, key(k, sizeof(k), ctl_counter_name(c), NULL), ctl[c]);
	pthread_mutex_unlock(&tel_app->lock);
	return 0;
}

static void
arp_row(const struct neigh_info *ni, void *arg)
{
	struct rte_tel_data *d = arg;
	char ip[NET_IPV4_STR_MAX], mac[NET_MAC_STR_MAX], row[RTE_TEL_MAX_STRING_LEN];

	snprintf(row, sizeof(row), "%s %s %s %s %" PRIu64, net_ipv4_str(ni->ip, ip),
		 net_mac_str(&ni->mac, mac), tel_app->cfg.ports[ni->port].name,
		 ni->is_static ? "static" : "learned", ni->age_ms / 1000);
	rte_tel_data_add_array_string(d, row);
}

/* Rows "address mac port type age_s"; the first RTE_TEL_MAX_ARRAY_ENTRIES. */
static int
tel_arp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&tel_app->lock);
	neigh_walk(tel_app->env.neigh, app_now_ms(), arp_row, d);
	pthread_mutex_unlock(&tel_app->lock);
	return 0;
}

static void
route_row(uint32_t prefix, uint8_t plen, const struct route_nh *nh, void *arg)
{
	struct rte_tel_data *d = arg;
	char p[NET_PREFIX_STR_MAX], gw[NET_IPV4_STR_MAX], row[RTE_TEL_MAX_STRING_LEN];

	snprintf(row, sizeof(row), "%s %s %s %s", net_prefix_str(prefix, plen, p),
		 nh->gateway ? net_ipv4_str(nh->gateway, gw) : "-",
		 tel_app->cfg.ports[nh->port].name, nh->connected ? "connected" : "static");
	rte_tel_data_add_array_string(d, row);
}

/* Rows "prefix next-hop port type". */
static int
tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&tel_app->lock);
	route_walk(tel_app->env.routes, route_row, d);
	pthread_mutex_unlock(&tel_app->lock);
	return 0;
}

int
app_telemetry_register(struct app *app)
{
	static const struct {
		const char *path;
		telemetry_cb fn;
		const char *help;
	} eps[] = {
		{ "/esphub/info", tel_info, "Version, uptime, workers, ports." },
		{ "/esphub/ports", tel_ports, "Port indexes." },
		{ "/esphub/port_info", tel_port_info,
		  "Port configuration and link. Parameters: int port" },
		{ "/esphub/port_stats", tel_port_stats, "Port counters. Parameters: int port" },
		{ "/esphub/worker_stats", tel_worker_stats,
		  "Worker counters, total or of worker N. Parameters: [int worker]" },
		{ "/esphub/drops", tel_drops, "Dropped packets by stage/reason." },
		{ "/esphub/control_stats", tel_control_stats, "Control core counters." },
		{ "/esphub/arp", tel_arp, "Neighbour table rows." },
		{ "/esphub/routes", tel_routes, "Route table rows." },
	};

	tel_app = app;
	for (size_t i = 0; i < RTE_DIM(eps); i++) {
		int rc = rte_telemetry_register_cmd(eps[i].path, eps[i].fn, eps[i].help);

		if (rc != 0) {
			LOG(ERR, "telemetry %s: %s", eps[i].path, strerror(-rc));
			return rc;
		}
	}
	if (app_telemetry_sa_register(app) != 0 || app_telemetry_ike_register(app) != 0)
		return -EINVAL;
	return app_telemetry_nat_register(app);
}
