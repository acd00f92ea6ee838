/* SPDX-License-Identifier: BSD-3-Clause */
/* show port info|stats [all|N], show worker stats, show drops, show arp, show route */
#include <inttypes.h>
#include <string.h>

#include "cmd.h"
#include "net.h"

#define ALL_PORTS UINT16_MAX

struct show_port {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t port;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t all;
	uint16_t id;
};
TOK_STR(show_port, show, "show");
TOK_STR(show_port, port, "port");
TOK_STR(show_port, what, "info#stats");
TOK_STR(show_port, all, "all");
TOK_NUM(show_port, id, RTE_UINT16);

static void
port_info(struct cmdline *cl, uint16_t i)
{
	const struct cfg_port *cp = &cmd_app->cfg.ports[i];
	const struct app_port *ap = &cmd_app->port[i];
	const struct worker_port *wp = &cmd_app->env.port[i];
	struct rte_eth_dev_info info;
	struct port_link l;
	char mac[NET_MAC_STR_MAX], pfx[NET_PREFIX_STR_MAX], link[64];

	port_link(ap->h.port_id, &l);
	if (rte_eth_dev_info_get(ap->h.port_id, &info) != 0)
		info.driver_name = "?";
	cmdline_printf(cl,
		       "port %u: %s (%s)\n"
		       "  device    %s\n"
		       "  driver    %s, DPDK port %u\n"
		       "  mac       %s\n"
		       "  address   %s\n"
		       "  mtu       %u\n"
		       "  link      %s\n"
		       "  queues    %u RX / %u TX, RSS %s, RX IPv4 checksum %s\n",
		       i, cp->name, conf_role_name(cp->role), cp->device, info.driver_name,
		       ap->h.port_id, net_mac_str(&wp->mac, mac),
		       net_prefix_str(cp->addr, cp->plen, pfx), cp->mtu,
		       port_link_str(&l, link, sizeof(link)), ap->h.nb_queues, ap->h.nb_queues,
		       ap->h.rss ? "on" : "off (device has none)",
		       ap->h.rx_ip_cksum ? "offloaded" : "in software");
}

static void
port_stats(struct cmdline *cl, uint16_t i, const struct stats_worker *w)
{
	const struct app_port *ap = &cmd_app->port[i];
	struct rte_eth_stats s = { 0 };
	const struct rte_eth_stats *b = &ap->base;

	rte_eth_stats_get(ap->h.port_id, &s);
	cmdline_printf(cl,
		       "port %u: %s\n"
		       "  %-14s %16s %16s\n"
		       "  %-14s %16" PRIu64 " %16" PRIu64 "\n"
		       "  %-14s %16" PRIu64 " %16" PRIu64 "\n"
		       "  %-14s %16" PRIu64 " %16" PRIu64 "\n"
		       "  %-14s %16" PRIu64 "\n"
		       "  %-14s %16" PRIu64 "\n"
		       "  %-14s %16" PRIu64 " %16" PRIu64 "\n"
		       "  %-14s %16" PRIu64 " %16" PRIu64 "\n",
		       i, cmd_app->cfg.ports[i].name, "", "rx", "tx", "packets",
		       s.ipackets - b->ipackets, s.opackets - b->opackets, "bytes",
		       s.ibytes - b->ibytes, s.obytes - b->obytes, "errors", s.ierrors - b->ierrors,
		       s.oerrors - b->oerrors, "missed", s.imissed - b->imissed, "no-mbuf",
		       s.rx_nombuf - b->rx_nombuf, "worker-pkts", w->port[i].rx_pkts,
		       w->port[i].tx_pkts, "worker-bytes", w->port[i].rx_bytes,
		       w->port[i].tx_bytes);
}

static void
show_port(void *res, struct cmdline *cl, void *data)
{
	struct show_port *r = res;
	uint16_t only = data == NULL ? ALL_PORTS : r->id;
	struct stats_worker w;

	if (data != NULL && only >= cmd_app->env.n_ports) {
		cmdline_printf(cl, "no port %u (ports 0..%u)\n", only, cmd_app->env.n_ports - 1);
		return;
	}
	app_worker_sum(cmd_app, &w, true);
	for (uint16_t i = 0; i < cmd_app->env.n_ports; i++) {
		if (only != ALL_PORTS && i != only)
			continue;
		if (r->what[0] == 'i')
			port_info(cl, i);
		else
			port_stats(cl, i, &w);
	}
}

static int numbered = 1;

#define SHOW_PORT(name, data_, help, ...)                                                     \
	cmdline_parse_inst_t name = { .f = show_port,                                         \
				      .data = data_,                                          \
				      .help_str = help,                                       \
				      .tokens = { TOK(show_port, show), TOK(show_port, port), \
						  TOK(show_port, what), __VA_ARGS__ } }

SHOW_PORT(cmd_show_port, NULL, "show port info|stats: configuration or counters of every port",
	  NULL);
SHOW_PORT(cmd_show_port_all, NULL, "show port info|stats all: the same", TOK(show_port, all), NULL);
SHOW_PORT(cmd_show_port_n, &numbered, "show port info|stats N: the same for port N",
	  TOK(show_port, id), NULL);

struct show_simple {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t stats;
};
TOK_STR(show_simple, show, "show");
TOK_STR(show_simple, stats, "stats");

static void
show_worker_stats(void *res, struct cmdline *cl, void *data)
{
	static struct stats_worker blk[CFG_MAX_WORKERS];
	uint64_t ctl[CTL_CTR_N];
	struct stats_worker sum;
	unsigned n = cmd_app->n_workers;

	RTE_SET_USED(res);
	RTE_SET_USED(data);
	app_worker_sum(cmd_app, &sum, true);
	for (unsigned i = 0; i < n; i++)
		app_worker_get(cmd_app, i, &blk[i], true);
	cmdline_printf(cl, "%-20s", "counter");
	for (unsigned i = 0; i < n; i++)
		cmdline_printf(cl, " %13s%-2u", "worker", i);
	cmdline_printf(cl, " %15s\n", "total");
	for (unsigned c = 0; c < WCTR_N; c++) {
		cmdline_printf(cl, "%-20s", stats_worker_counter_name(c));
		for (unsigned i = 0; i < n; i++)
			cmdline_printf(cl, " %15" PRIu64, blk[i].ctr[c]);
		cmdline_printf(cl, " %15" PRIu64 "\n", sum.ctr[c]);
	}
	cmdline_printf(cl, "%-20s", "busy-%");
	for (unsigned i = 0; i < n; i++) {
		uint64_t t = blk[i].ctr[WCTR_TOTAL_CYCLES];

		cmdline_printf(cl, " %14.1f%%",
			       t ? 100.0 * (double)blk[i].ctr[WCTR_BUSY_CYCLES] / (double)t : 0.0);
	}
	cmdline_printf(cl, "\ncontrol core:\n");
	ctl_counters(cmd_app->ctl, ctl);
	for (unsigned c = 0; c < CCTR_N; c++)
		cmdline_printf(cl, "  %-20s %15" PRIu64 "\n", control_counter_name(c),
			       cmd_app->ctr[c] - cmd_app->ctr_base[c]);
	for (unsigned c = 0; c < CTL_CTR_N; c++)
		cmdline_printf(cl, "  %-20s %15" PRIu64 "\n", ctl_counter_name(c),
			       ctl[c] - cmd_app->ctl_base[c]);
}

TOK_STR(show_simple, what, "worker");
cmdline_parse_inst_t cmd_show_worker_stats = {
	.f = show_worker_stats,
	.help_str = "show worker stats: per-worker counters and load",
	.tokens = { TOK(show_simple, show), TOK(show_simple, what), TOK(show_simple, stats), NULL },
};

struct show_one {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t what;
};
TOK_STR(show_one, show, "show");
static cmdline_parse_token_string_t tok_drops =
	TOKEN_STRING_INITIALIZER(struct show_one, what, "drops");
static cmdline_parse_token_string_t tok_arp =
	TOKEN_STRING_INITIALIZER(struct show_one, what, "arp");
static cmdline_parse_token_string_t tok_route =
	TOKEN_STRING_INITIALIZER(struct show_one, what, "route");

/*
 * The drop table: every reason of one stage (zeros included: the operator
 * asked about that stage), or the reasons of every stage that dropped.
 */
void
cmd_print_drops(struct cmdline *cl, const struct stats_worker *w, const char *stage)
{
	uint64_t total = 0;

	cmdline_printf(cl, "%-6s %-22s %15s  %s\n", "stage", "reason", "packets", "description");
	for (unsigned d = 1; d < DROP_N; d++) {
		if (stage != NULL ? strcmp(stats_drop_stage(d), stage) != 0 : w->drop[d] == 0)
			continue;
		total += w->drop[d];
		cmdline_printf(cl, "%-6s %-22s %15" PRIu64 "  %s\n", stats_drop_stage(d),
			       stats_drop_name(d), w->drop[d], stats_drop_descr(d));
	}
	cmdline_printf(cl, "%-29s %15" PRIu64 "\n", "total", total);
}

static void
show_drops(void *res, struct cmdline *cl, void *data)
{
	struct stats_worker w;

	RTE_SET_USED(res);
	RTE_SET_USED(data);
	app_worker_sum(cmd_app, &w, true);
	cmd_print_drops(cl, &w, NULL);
}

cmdline_parse_inst_t cmd_show_drops = {
	.f = show_drops,
	.help_str = "show drops: dropped packets by stage and reason (non-zero only)",
	.tokens = { TOK(show_one, show), (void *)&tok_drops, NULL },
};

static void
arp_row(const struct neigh_info *ni, void *arg)
{
	struct cmdline *cl = arg;
	char ip[NET_IPV4_STR_MAX], mac[NET_MAC_STR_MAX];

	cmdline_printf(cl, "%-16s %-18s %-10s %-8s %8" PRIu64 "s %6u\n", net_ipv4_str(ni->ip, ip),
		       net_mac_str(&ni->mac, mac), cmd_app->cfg.ports[ni->port].name,
		       ni->is_static ? "static" : "learned", ni->age_ms / 1000, ni->probes);
}

static void
show_arp(void *res, struct cmdline *cl, void *data)
{
	RTE_SET_USED(res);
	RTE_SET_USED(data);
	cmdline_printf(cl, "%-16s %-18s %-10s %-8s %9s %6s\n", "address", "mac", "port", "type",
		       "age", "probes");
	neigh_walk(cmd_app->env.neigh, app_now_ms(), arp_row, cl);
	cmdline_printf(cl, "%u entries\n", neigh_count(cmd_app->env.neigh));
}

cmdline_parse_inst_t cmd_show_arp = {
	.f = show_arp,
	.help_str = "show arp: the neighbour table",
	.tokens = { TOK(show_one, show), (void *)&tok_arp, NULL },
};

static void
route_row(uint32_t prefix, uint8_t plen, const struct route_nh *nh, void *arg)
{
	struct cmdline *cl = arg;
	char p[NET_PREFIX_STR_MAX], gw[NET_IPV4_STR_MAX];

	cmdline_printf(cl, "%-19s %-16s %-10s %s\n", net_prefix_str(prefix, plen, p),
		       nh->gateway ? net_ipv4_str(nh->gateway, gw) : "-",
		       cmd_app->cfg.ports[nh->port].name, nh->connected ? "connected" : "static");
}

static void
show_route(void *res, struct cmdline *cl, void *data)
{
	RTE_SET_USED(res);
	RTE_SET_USED(data);
	cmdline_printf(cl, "%-19s %-16s %-10s %s\n", "prefix", "next-hop", "port", "type");
	route_walk(cmd_app->env.routes, route_row, cl);
}

cmdline_parse_inst_t cmd_show_route = {
	.f = show_route,
	.help_str = "show route: the IPv4 route table",
	.tokens = { TOK(show_one, show), (void *)&tok_route, NULL },
};
