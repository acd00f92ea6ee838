/* SPDX-License-Identifier: BSD-3-Clause */
/* The CLI's command table. */
#include "cmd.h"

struct app *cmd_app;

cmdline_parse_ctx_t app_commands[] = {
	&cmd_help,
	&cmd_show_port,
	&cmd_show_port_all,
	&cmd_show_port_n,
	&cmd_show_worker_stats,
	&cmd_show_drops,
	&cmd_show_arp,
	&cmd_show_route,
	&cmd_clear_stats,
	&cmd_set_log,
	&cmd_quit,
	NULL,
};

void
app_commands_bind(struct app *app)
{
	cmd_app = app;
}
