/* SPDX-License-Identifier: BSD-3-Clause */
/* esphub-bench: traffic generator and crypto ceiling for the harness. */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "sites", bench_cmd_sites, "per-site manifest: LAN, peer, SPIs, keys (TSV)" },
	{ "gen", bench_cmd_gen, "write one pcap of cleartext or ESP traffic" },
	{ "ceiling", bench_cmd_ceiling, "raw intel-ipsec-mb throughput on one core" },
	{ "info", bench_cmd_info, "engine, library version, TSC frequency (JSON)" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: esphub-bench COMMAND [options]\n"
		   "The benchmark itself is app/esphub-bench/bench.py (make bench).\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
}

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "esphub-bench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
