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
	&cmd_show_sa,
	&cmd_show_sa_all,
	&cmd_show_sa_detail,
	&cmd_show_sa_all_detail,
	&cmd_show_sa_id,
	&cmd_show_sa_id_detail,
	&cmd_show_spd,
	&cmd_show_crypto,
	&cmd_sa_add_cbc,
	&cmd_sa_add_gcm,
	&cmd_sa_del,
	&cmd_sa_export,
	&cmd_show_ike_sa,
	&cmd_show_ike_sa_detail,
	&cmd_show_ike_stats,
	&cmd_show_site,
	&cmd_show_site_name,
	&cmd_site_add_set,
	&cmd_site_del_down,
	&cmd_ike_sa_delete_site,
	&cmd_ike_sa_delete,
	&cmd_ike_initiate,
	&cmd_config_reload,
	&cmd_show_nat_stats,
	&cmd_show_nat_sessions,
	&cmd_show_nat_sessions_site,
	&cmd_show_nat_sessions_limit,
	&cmd_show_nat_sessions_site_limit,
	&cmd_clear_nat_sessions,
	&cmd_clear_nat_sessions_site,
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
