/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * esphub [EAL options] -- -f FILE [-i] [--cmdline-file FILE] [--cli-socket PATH]
 *
 * Start-up is all or nothing: the configuration is validated completely,
 * then every port, table and worker is built; any failure stops esphub
 * before a packet is forwarded.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_pdump.h>

#include "app.h"

RTE_LOG_REGISTER(esphub_logtype, esphub.app, INFO);

struct options {
	const char *config;
	const char *cmdline_file;
	const char *cli_socket;
	bool interactive;
};

static struct app *g_app; /* for the signal handler only */

uint64_t
app_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	if (g_app != NULL)
		g_app->quit = 1;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- -f FILE [-i] [--cmdline-file FILE] "
		"[--cli-socket PATH]\n"
		"  -f, --config FILE        configuration (libconfig format)\n"
		"  -i, --interactive        CLI on this terminal (end of input quits)\n"
		"      --cmdline-file FILE  run these CLI commands once started\n"
		"      --cli-socket PATH    CLI socket (default: <EAL runtime dir>/esphub.sock)\n",
		prog);
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_CMDLINE_FILE = 256, OPT_CLI_SOCKET };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "cmdline-file", required_argument, NULL, OPT_CMDLINE_FILE },
		{ "cli-socket", required_argument, NULL, OPT_CLI_SOCKET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:ih", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->config = optarg;
			break;
		case 'i':
			o->interactive = true;
			break;
		case OPT_CMDLINE_FILE:
			o->cmdline_file = optarg;
			break;
		case OPT_CLI_SOCKET:
			o->cli_socket = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || o->config == NULL)
		return -1;
	return 0;
}

static int
start_cli(struct app *app, const struct options *o)
{
	int rc;

	app->cli = cli_create(app_commands, "esphub> ");
	if (app->cli == NULL)
		return -ENOMEM;
	app_commands_bind(app);
	if (o->cli_socket)
		snprintf(app->cli_socket, sizeof(app->cli_socket), "%s", o->cli_socket);
	else
		snprintf(app->cli_socket, sizeof(app->cli_socket), "%s/esphub.sock",
			 rte_eal_get_runtime_dir());
	rc = cli_listen(app->cli, app->cli_socket);
	if (rc != 0) {
		LOG(ERR, "CLI socket %s: %s", app->cli_socket, strerror(-rc));
		return rc;
	}
	LOG(INFO, "CLI socket %s", app->cli_socket);
	if (o->interactive)
		rc = cli_attach_stdin(app->cli);
	return rc;
}

static int
run(struct app *app, const struct options *o)
{
	char err[4096];
	int rc;

	if (conf_load(o->config, &app->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -EINVAL;
	}
	if (err[0] != '\0')
		fprintf(stderr, "%s\n", err); /* warnings */
	rte_log_set_level_pattern("esphub*", app->cfg.log_level);
	rc = app_setup(app);
	/* Lets dpdk-dumpcap / dpdk-pdump capture on any port (needs hugepages). */
	if (rc == 0 && rte_pdump_init() != 0)
		LOG(WARNING, "packet capture unavailable: %s", rte_strerror(rte_errno));
	if (rc == 0)
		rc = app_telemetry_register(app);
	if (rc == 0)
		rc = start_cli(app, o);
	if (rc == 0)
		rc = app_launch(app);
	if (rc != 0)
		return rc;
	app->start_ms = app_now_ms();
	LOG(NOTICE, "started: %u ports, %u workers", app->env.n_ports, app->n_workers);
	if (o->cmdline_file != NULL) {
		pthread_mutex_lock(&app->lock);
		rc = cli_run_file(app->cli, o->cmdline_file);
		pthread_mutex_unlock(&app->lock);
		if (rc != 0) {
			LOG(ERR, "cannot read command file %s", o->cmdline_file);
			return -ENOENT;
		}
	}
	app_control_loop(app);
	LOG(NOTICE, "stopping");
	return 0;
}

int
main(int argc, char **argv)
{
	static struct app app;
	struct options o = { 0 };
	int n, rc;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		/* EAL has printed why; rte_errno is not always set. */
		fprintf(stderr, "esphub: EAL initialisation failed%s%s\n",
			rte_errno ? ": " : " (see above)",
			rte_errno ? rte_strerror(rte_errno) : "");
		return 1;
	}
	argv[n] = argv[0];
	if (parse_options(argc - n, argv + n, &o) != 0) {
		usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	g_app = &app;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	rc = run(&app, &o);
	rte_pdump_uninit();
	cli_free(app.cli);
	app_teardown(&app);
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
