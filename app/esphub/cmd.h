/* SPDX-License-Identifier: BSD-3-Clause */
/* CLI command definitions: shared bits of the cmd_*.c files. */
#ifndef ESPHUB_CMD_H
#define ESPHUB_CMD_H

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>

#include "app.h"

/* The daemon the commands act on; set once by app_commands_bind(). */
extern struct app *cmd_app;

#define TOK_STR(res, field, words)                          \
	static cmdline_parse_token_string_t res##_##field = \
		TOKEN_STRING_INITIALIZER(struct res, field, words)
#define TOK_NUM(res, field, type)                        \
	static cmdline_parse_token_num_t res##_##field = \
		TOKEN_NUM_INITIALIZER(struct res, field, type)
#define TOK(res, field) (void *)&res##_##field

/* cmd_show.c: the drop table, of one stage or (NULL) every non-zero row. */
void cmd_print_drops(struct cmdline *cl, const struct stats_worker *w, const char *stage);

/* Commands per file, collected into app_commands[] by commands.c. */
extern cmdline_parse_inst_t cmd_show_port, cmd_show_port_all, cmd_show_port_n,
	cmd_show_worker_stats, cmd_show_drops, cmd_show_arp, cmd_show_route;
extern cmdline_parse_inst_t cmd_help, cmd_clear_stats, cmd_set_log, cmd_quit;
extern cmdline_parse_inst_t cmd_show_sa, cmd_show_sa_all, cmd_show_sa_detail,
	cmd_show_sa_all_detail, cmd_show_sa_id, cmd_show_sa_id_detail, cmd_show_spd,
	cmd_show_crypto, cmd_sa_add_cbc, cmd_sa_add_gcm, cmd_sa_del, cmd_sa_export;
extern cmdline_parse_inst_t cmd_show_ike_sa, cmd_show_ike_sa_detail, cmd_show_ike_stats,
	cmd_show_site, cmd_show_site_name, cmd_site_add_set, cmd_site_del_down, cmd_ike_sa_delete,
	cmd_ike_sa_delete_site, cmd_ike_initiate, cmd_config_reload;
extern cmdline_parse_inst_t cmd_show_nat_stats, cmd_show_nat_sessions, cmd_show_nat_sessions_site,
	cmd_show_nat_sessions_limit, cmd_show_nat_sessions_site_limit, cmd_clear_nat_sessions,
	cmd_clear_nat_sessions_site;

#endif
