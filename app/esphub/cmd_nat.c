/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show nat stats, show nat sessions [site NAME] [limit N],
 * clear nat sessions [site NAME]
 *
 * A site's id in NAT is its slot in cfg.sites (lib/ctl).
 */
#include <inttypes.h>

#include <rte_cycles.h>

#include "cmd.h"
#include "nat.h"
#include "net.h"

#define SHOW_DEFAULT_LIMIT 100

static bool
nat_configured(struct cmdline *cl)
{
	if (cmd_app->nat == NULL)
		cmdline_printf(cl, "no NAT: the configuration has no nat section\n");
	return cmd_app->nat != NULL;
}

/* --- show nat stats --------------------------------------------------------- */

struct nat_stats_cmd {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t nat;
	cmdline_fixed_string_t stats;
};
TOK_STR(nat_stats_cmd, show, "show");
TOK_STR(nat_stats_cmd, nat, "nat");
TOK_STR(nat_stats_cmd, stats, "stats");

static void
show_nat_stats(void *res, struct cmdline *cl, void *data)
{
	struct nat_stats sum, w[CFG_MAX_WORKERS];
	struct stats_worker drops;
	unsigned n = cmd_app->n_workers;

	RTE_SET_USED(res);
	RTE_SET_USED(data);
	if (!nat_configured(cl))
		return;
	app_nat_get(cmd_app, -1, &sum);
	for (unsigned i = 0; i < n; i++)
		app_nat_get(cmd_app, (int)i, &w[i]);
	cmdline_printf(cl,
		       "sessions %" PRIu64 " of %u (%.1f%%): tcp %" PRIu64 ", udp %" PRIu64
		       ", icmp %" PRIu64 "\n",
		       sum.sessions, sum.capacity, 100.0 * (double)sum.sessions / sum.capacity,
		       sum.sessions_proto[NAT_PROTO_TCP], sum.sessions_proto[NAT_PROTO_UDP],
		       sum.sessions_proto[NAT_PROTO_ICMP]);
	cmdline_printf(cl, "%-18s", "since clear");
	for (unsigned i = 0; i < n; i++)
		cmdline_printf(cl, " %13s%-2u", "worker", i);
	cmdline_printf(cl, " %15s\n", "total");
	for (unsigned c = 0; c < NAT_CTR_N; c++) {
		cmdline_printf(cl, "%-18s", nat_counter_name(c));
		for (unsigned i = 0; i < n; i++)
			cmdline_printf(cl, " %15" PRIu64, w[i].ctr[c]);
		cmdline_printf(cl, " %15" PRIu64 "\n", sum.ctr[c]);
	}
	/* The drops are the workers' (NAT returns reasons, they count them). */
	app_worker_sum(cmd_app, &drops, true);
	cmdline_printf(cl, "drops since clear:\n");
	cmd_print_drops(cl, &drops, "nat");
}

cmdline_parse_inst_t cmd_show_nat_stats = {
	.f = show_nat_stats,
	.help_str = "show nat stats: sessions in use, NAT counters per worker, NAT drops",
	.tokens = { TOK(nat_stats_cmd, show), TOK(nat_stats_cmd, nat), TOK(nat_stats_cmd, stats),
		    NULL },
};

/* --- show nat sessions [site NAME] [limit N] --------------------------------- */

struct nat_sessions_cmd {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t nat;
	cmdline_fixed_string_t sessions;
	cmdline_fixed_string_t site_kw;
	cmdline_fixed_string_t site;
	cmdline_fixed_string_t limit_kw;
	uint32_t limit;
};
TOK_STR(nat_sessions_cmd, verb, "show");
TOK_STR(nat_sessions_cmd, nat, "nat");
TOK_STR(nat_sessions_cmd, sessions, "sessions");
TOK_STR(nat_sessions_cmd, site_kw, "site");
TOK_STR(nat_sessions_cmd, site, NULL);
TOK_STR(nat_sessions_cmd, limit_kw, "limit");
TOK_NUM(nat_sessions_cmd, limit, RTE_UINT32);
static cmdline_parse_token_string_t tok_clear =
	TOKEN_STRING_INITIALIZER(struct nat_sessions_cmd, verb, "clear");

/* .data of the instances: which optional parts the command line has. */
enum { HAS_SITE = 1, HAS_LIMIT = 2 };
static const int has_none, has_site = HAS_SITE, has_limit = HAS_LIMIT,
			   has_both = HAS_SITE | HAS_LIMIT;

static int
opts(const void *data)
{
	return data == NULL ? 0 : *(const int *)data;
}

/* The site a command names, or NAT_SITE_ANY; false if the name is unknown. */
static bool
site_arg(struct cmdline *cl, const struct nat_sessions_cmd *r, int o, uint32_t *site)
{
	int i;

	*site = NAT_SITE_ANY;
	if (!nat_configured(cl))
		return false;
	if (!(o & HAS_SITE))
		return true;
	i = ctl_site_find(cmd_app->ctl, r->site);
	if (i < 0) {
		cmdline_printf(cl, "no site named \"%s\"\n", r->site);
		return false;
	}
	*site = (uint32_t)i;
	return true;
}

static int
session_row(const struct nat_session_info *si, void *arg)
{
	struct cmdline *cl = arg;
	const char *site = ctl_site_name(cmd_app->ctl, si->site);
	char in[NET_IPV4_STR_MAX], rem[NET_IPV4_STR_MAX], map[NET_IPV4_STR_MAX + 8];
	const char *proto = si->proto == IPPROTO_TCP ? "tcp" :
			    si->proto == IPPROTO_UDP ? "udp" :
						       "icmp";

	/* A flow the cloud opened is not translated: say so, not "to itself". */
	if (si->passthrough)
		snprintf(map, sizeof(map), "%21s", "pass-through");
	else
		snprintf(map, sizeof(map), "%15s:%-5u", net_ipv4_str(si->mapped_addr, in),
			 si->mapped_port);
	cmdline_printf(cl, "%-4s %15s:%-5u %15s:%-5u %s %-12s %6u %-12s %7u %7u %7u %u%s\n", proto,
		       net_ipv4_str(si->inside_addr, in), si->inside_port,
		       net_ipv4_str(si->remote_addr, rem), si->remote_port, map, site, si->tunnel,
		       si->state, si->age_s, si->idle_s, si->expires_s, si->worker,
		       si->superseded ? " superseded" : "");
	return 0;
}

static void
show_nat_sessions(void *res, struct cmdline *cl, void *data)
{
	struct nat_sessions_cmd *r = res;
	int o = opts(data);
	unsigned limit = (o & HAS_LIMIT) ? r->limit : SHOW_DEFAULT_LIMIT, shown;
	uint32_t site;
	struct nat_stats st;

	if (!site_arg(cl, r, o, &site))
		return;
	cmdline_printf(cl, "%-4s %21s %21s %21s %-12s %6s %-12s %7s %7s %7s %s\n", "prot", "inside",
		       "remote", "mapped", "site", "tunnel", "state", "age-s", "idle-s", "left-s",
		       "worker");
	shown = nat_session_walk(cmd_app->nat, rte_rdtsc(), site, limit, session_row, cl);
	nat_stats_get(cmd_app->nat, -1, &st);
	if (site == NAT_SITE_ANY)
		cmdline_printf(cl, "%u shown; %" PRIu64 " sessions in the table\n", shown,
			       st.sessions);
	else
		cmdline_printf(cl, "%u shown; site %s holds %u sessions\n", shown, r->site,
			       nat_site_sessions(cmd_app->nat, site));
}

static void
clear_nat_sessions(void *res, struct cmdline *cl, void *data)
{
	struct nat_sessions_cmd *r = res;
	uint32_t site;
	struct nat_stats st;

	if (!site_arg(cl, r, opts(data), &site))
		return;
	if (site == NAT_SITE_ANY) {
		nat_stats_get(cmd_app->nat, -1, &st);
		nat_flush_all(cmd_app->nat);
		cmdline_printf(cl,
			       "released %" PRIu64 " sessions (dead now; the workers free"
			       " them in their next scan)\n",
			       st.sessions);
	} else {
		uint32_t n = nat_site_sessions(cmd_app->nat, site);

		nat_flush_site(cmd_app->nat, site);
		cmdline_printf(cl,
			       "released %u sessions of site %s (dead now; the workers"
			       " free them in their next scan)\n",
			       n, r->site);
	}
}

#define NAT_SESSIONS(name, fn, verb, data_, help, ...)                              \
	cmdline_parse_inst_t name = { .f = fn,                                      \
				      .data = (void *)(data_),                      \
				      .help_str = help,                             \
				      .tokens = { verb, TOK(nat_sessions_cmd, nat), \
						  TOK(nat_sessions_cmd, sessions), __VA_ARGS__ } }
#define SITE  TOK(nat_sessions_cmd, site_kw), TOK(nat_sessions_cmd, site)
#define LIMIT TOK(nat_sessions_cmd, limit_kw), TOK(nat_sessions_cmd, limit)

NAT_SESSIONS(cmd_show_nat_sessions, show_nat_sessions, TOK(nat_sessions_cmd, verb), &has_none,
	     "show nat sessions: the first 100 NAT sessions", NULL);
NAT_SESSIONS(cmd_show_nat_sessions_site, show_nat_sessions, TOK(nat_sessions_cmd, verb), &has_site,
	     "show nat sessions site NAME: a site's sessions (first 100)", SITE, NULL);
NAT_SESSIONS(cmd_show_nat_sessions_limit, show_nat_sessions, TOK(nat_sessions_cmd, verb),
	     &has_limit, "show nat sessions limit N: the first N sessions (0: all)", LIMIT, NULL);
NAT_SESSIONS(cmd_show_nat_sessions_site_limit, show_nat_sessions, TOK(nat_sessions_cmd, verb),
	     &has_both, "show nat sessions site NAME limit N: the first N of a site's sessions",
	     SITE, LIMIT, NULL);
NAT_SESSIONS(cmd_clear_nat_sessions, clear_nat_sessions, (void *)&tok_clear, &has_none,
	     "clear nat sessions: release every NAT session", NULL);
NAT_SESSIONS(cmd_clear_nat_sessions_site, clear_nat_sessions, (void *)&tok_clear, &has_site,
	     "clear nat sessions site NAME: release a site's NAT sessions", SITE, NULL);
