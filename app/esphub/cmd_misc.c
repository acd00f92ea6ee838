/* SPDX-License-Identifier: BSD-3-Clause */
/* help, clear stats, set log LEVEL, quit */
#include <string.h>

#include "cmd.h"

struct one_word {
	cmdline_fixed_string_t word;
};
TOK_STR(one_word, word, "help");

static void
help(void *res, struct cmdline *cl, void *data)
{
	RTE_SET_USED(res);
	RTE_SET_USED(data);
	cmdline_printf(
		cl,
		"show port info [all|N]    ports: device, MAC, address, MTU, link, queues\n"
		"show port stats [all|N]   per-port packet and byte counters\n"
		"show worker stats         per-worker counters and load, control core counters\n"
		"show drops                dropped packets by stage and reason\n"
		"show arp                  the neighbour table\n"
		"show route                the route table\n"
		"show sa [all|ID] [detail] SAs: counters, selectors, lifetimes (never keys)\n"
		"show spd                  branch prefixes -> tunnel -> outbound SA\n"
		"show crypto               the ESP crypto engine\n"
		"sa add SITE in|out SPI CIPHER [INTEG] KEY [AUTH_KEY]\n"
		"                          a hand-keyed SA for a site (an outbound one\n"
		"                          becomes the tunnel's outbound SA)\n"
		"sa del ID                 remove an SA\n"
		"sa export wireshark FILE  all SA keys as Wireshark's esp_sa table (0600)\n"
		"show ike sa [detail]      ISAKMP SAs (detail: proposal, NAT, DPD, IPsec pairs)\n"
		"show ike stats            IKE counters and drops by reason\n"
		"show site [NAME]          sites: state, SAs, up/down, rekeys, DPD and auth failures\n"
		"site add { ... }          add a site, in the config file's syntax (one line,\n"
		"                          at most 500 characters; larger: edit the file and\n"
		"                          config reload)\n"
		"site set { ... }          replace a site's configuration (same name)\n"
		"site del NAME             remove a site and its SAs\n"
		"site down NAME            delete an IKE site's SAs (it may come up again)\n"
		"ike sa delete ICOOKIE:RCOOKIE   delete one ISAKMP SA\n"
		"ike sa delete site NAME   delete every SA of an IKE site\n"
		"ike initiate site NAME    bring an IKE site up now\n"
		"config reload             apply the file's site changes; unchanged tunnels stay\n"
		"show nat stats            NAT sessions in use, counters per worker, NAT drops\n"
		"show nat sessions [site NAME] [limit N]\n"
		"                          NAT sessions: inside, remote, mapped, state, idle\n"
		"                          (first 100 unless limit; 0: all)\n"
		"clear nat sessions [site NAME]  release NAT sessions (all, or a site's)\n"
		"clear stats               zero what the show commands count from\n"
		"                          (telemetry keeps monotonic totals)\n"
		"set log LEVEL             emerg alert crit err warning notice info debug\n"
		"quit                      leave the CLI; on the terminal or in a command\n"
		"                          file this stops esphub\n"
		"Tab completes, ? lists the choices at the cursor.\n");
}

cmdline_parse_inst_t cmd_help = {
	.f = help,
	.help_str = "help: list the commands",
	.tokens = { TOK(one_word, word), NULL },
};

struct clear_stats {
	cmdline_fixed_string_t clear;
	cmdline_fixed_string_t stats;
};
TOK_STR(clear_stats, clear, "clear");
TOK_STR(clear_stats, stats, "stats");

static void
clear_stats(void *res, struct cmdline *cl, void *data)
{
	RTE_SET_USED(res);
	RTE_SET_USED(data);
	app_clear_stats(cmd_app);
	cmdline_printf(cl, "counters cleared\n");
}

cmdline_parse_inst_t cmd_clear_stats = {
	.f = clear_stats,
	.help_str = "clear stats: zero the counters the show commands display",
	.tokens = { TOK(clear_stats, clear), TOK(clear_stats, stats), NULL },
};

struct set_log {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t log;
	cmdline_fixed_string_t level;
};
TOK_STR(set_log, set, "set");
TOK_STR(set_log, log, "log");
TOK_STR(set_log, level, "emerg#alert#crit#err#warning#notice#info#debug");

static void
set_log(void *res, struct cmdline *cl, void *data)
{
	struct set_log *r = res;
	unsigned level;

	RTE_SET_USED(data);
	if (!conf_log_level_from_str(r->level, &level))
		return;
	rte_log_set_level_pattern("esphub*", level);
	cmdline_printf(cl, "log level %s\n", r->level);
}

cmdline_parse_inst_t cmd_set_log = {
	.f = set_log,
	.help_str = "set log LEVEL: esphub's log level",
	.tokens = { TOK(set_log, set), TOK(set_log, log), TOK(set_log, level), NULL },
};

struct quit {
	cmdline_fixed_string_t quit;
};
TOK_STR(quit, quit, "quit");

static void
quit(void *res, struct cmdline *cl, void *data)
{
	RTE_SET_USED(res);
	RTE_SET_USED(data);
	if (!cli_is_remote(cmd_app->cli, cl))
		cmd_app->quit = 1;
	cmdline_quit(cl);
}

cmdline_parse_inst_t cmd_quit = {
	.f = quit,
	.help_str = "quit: leave the CLI (on the terminal: stop esphub)",
	.tokens = { TOK(quit, quit), NULL },
};
