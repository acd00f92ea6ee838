/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf: every good file loads with exactly the warnings its "# warn:"
 * comments give (none if it has none); every bad file fails with exactly
 * the error lines its "# expect:" comments give (FILE stands for its path).
 * Usage: test_conf FILE...   (files under good/ or bad/)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"

/* The lines after tag ("# expect: " errors, "# warn: " warnings), joined. */
static char *
expected_lines(const char *path, const char *tag)
{
	char line[512], *out = calloc(1, 8192);
	size_t tl = strlen(tag);
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *nl;

		if (strncmp(line, tag, tl) != 0)
			continue;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (*out)
			strcat(out, "\n");
		strcat(out, line + tl);
	}
	fclose(f);
	return out;
}

/* Replace every occurrence of path in s by "FILE". */
static void
anonymise(char *s, const char *path)
{
	size_t n = strlen(path);
	char *p;

	while ((p = strstr(s, path)) != NULL) {
		memcpy(p, "FILE", 4);
		memmove(p + 4, p + n, strlen(p + n) + 1);
	}
}

static void
bad_file(void **state)
{
	const char *path = *state;
	char err[8192];
	char *want = expected_lines(path, "# expect: ");
	struct cfg cfg;

	assert_true(*want != '\0');
	assert_int_equal(conf_load(path, &cfg, err, sizeof(err)), -1);
	anonymise(err, path);
	assert_string_equal(err, want);
	/* Nothing is left half-loaded. */
	assert_null(cfg.path);
	assert_int_equal(cfg.n_ports, 0);
	free(want);
}

static void
good_file(void **state)
{
	const char *path = *state;
	char err[8192];
	struct cfg cfg;
	int rc = conf_load(path, &cfg, err, sizeof(err));
	char *want = expected_lines(path, "# warn: ");

	if (rc != 0)
		fail_msg("%s", err);
	/* On success err holds exactly the warnings the file expects. */
	anonymise(err, path);
	assert_string_equal(err, want);
	free(want);
	assert_true(cfg.n_ports >= 1);
	if (strstr(path, "sites.conf") != NULL) {
		const struct cfg_site *a = &cfg.sites[0], *b = &cfg.sites[1];

		assert_string_equal(cfg.crypto_engine, "openssl");
		assert_int_equal(cfg.esp.replay_window, 4096);
		assert_int_equal(cfg.esp.mss_clamp, UINT16_MAX);
		assert_int_equal(cfg.n_sites, 2);
		assert_string_equal(a->name, "osaka");
		assert_int_equal(a->peer, 0xcb007105);
		assert_int_equal(a->local, 0xc6336401); /* the outside port's */
		assert_int_equal(a->n_remote, 2);
		assert_int_equal(a->remote[1].addr, 0x0a010000);
		assert_true(a->udp_encap);
		assert_int_equal(a->peer_port, 4501);
		assert_int_equal(a->local_port, 4500);
		assert_true(a->esn);
		assert_int_equal(a->replay_window, 4096); /* from esp */
		assert_int_equal(a->soft.bytes, 1000000);
		assert_int_equal(a->hard.packets, 5000);
		assert_int_equal(a->sa_in.spi, 0x1001);
		assert_int_equal(a->sa_in.key_len, 16);
		assert_int_equal(a->sa_in.key[15], 0xff);
		assert_int_equal(a->sa_out.key[1], 0x11); /* colons allowed */
		assert_int_equal(a->sa_in.auth_key_len, 20);
		assert_int_equal(b->cipher, CFG_AES256_GCM);
		assert_true(b->allow_unsafe_gcm);
		assert_false(a->allow_unsafe_gcm);
		assert_int_equal(b->integ, CFG_INTEG_NONE);
		assert_int_equal(b->sa_in.key_len, 36); /* key + salt */
		assert_int_equal(b->sa_out.key[35], 0x08);
		assert_int_equal(b->replay_window, 0);
		assert_false(b->udp_encap);
	} else if (strstr(path, "ike-default-psk.conf") != NULL) {
		assert_int_equal(cfg.n_sites, 3);
		assert_true(cfg.sites[0].ike && cfg.sites[1].ike && cfg.sites[2].ike);
	} else if (strstr(path, "ike-nat.conf") != NULL) {
		const struct cfg_site *a = &cfg.sites[0], *b = &cfg.sites[1];
		const struct nat_config *n = &cfg.nat;

		assert_int_equal(cfg.ike.local_id.len, strlen("vpn.example"));
		assert_int_equal(cfg.ike.default_psk_len, 4);
		assert_int_equal(cfg.ike.default_psk[3], 0x33);
		assert_int_equal(cfg.ike.n_p1, 2);
		assert_int_equal(cfg.ike.rekey_margin_s, 30);
		assert_true(a->ike);
		assert_int_equal(a->ike_params.psk_len, strlen("branch secret"));
		assert_int_equal(a->ike_params.n_esp, 1);
		assert_int_equal(a->ike_params.dpd_timeout_s, 30);
		assert_true(a->ike_params.initiate);
		assert_int_equal(a->ike_params.local_addr, 0xc6336401);
		assert_false(b->ike);
		assert_true(cfg.nat_enabled);
		assert_int_equal(n->capacity, 200000);
		assert_int_equal(n->site_cap, 5000);
		assert_int_equal(n->active_sites, 40); /* capacity / site_cap */
		assert_int_equal(n->site_dest_cap, (60000 - 20000 + 1) / 40);
		assert_int_equal(n->port_min, 20000);
		assert_int_equal(n->port_max, 60000);
		assert_int_equal(n->timeout_s[NAT_TMO_UDP], 120);
		assert_int_equal(n->timeout_s[NAT_TMO_ICMP], 30);
		assert_int_equal(n->timeout_s[NAT_TMO_TCP_EST], 7440); /* default */
		assert_int_equal(n->n_pools, 1);
		assert_int_equal(n->pools[0].addr[0], 0xac100001);
		assert_int_equal(n->n_rules, 2);
		assert_int_equal(n->rules[0].site, NAT_SITE_ANY);
		assert_int_equal(n->rules[0].pool, 0);
		assert_int_equal(n->rules[1].site, 1);
		assert_int_equal(n->rules[1].pool, NAT_RULE_NO_NAT);
		assert_int_equal(n->rules[1].plen, 24);
	} else if (strstr(path, "full.conf") != NULL) {
		assert_int_equal(cfg.workers, 2);
		assert_int_equal(cfg.log_level, 8);
		assert_int_equal(cfg.icmp_error_rate, 0);
		assert_int_equal(cfg.tables.neighbours, 65536);
		assert_int_equal(cfg.n_ports, 2);
		assert_string_equal(cfg.ports[1].name, "cloud");
		assert_string_equal(cfg.ports[1].device, "0000:01:00.0");
		assert_int_equal(cfg.ports[1].role, CFG_ROLE_INSIDE);
		assert_int_equal(cfg.ports[1].addr, 0xac100001);
		assert_int_equal(cfg.ports[1].plen, 16);
		assert_int_equal(cfg.ports[1].mtu, 9000);
		assert_int_equal(cfg.n_routes, 2);
		assert_int_equal(cfg.routes[0].plen, 0);
		assert_int_equal(cfg.routes[0].port, 0);
		assert_int_equal(cfg.routes[1].port, 1);
		assert_int_equal(cfg.routes[1].via, 0xac1000fe);
		assert_int_equal(cfg.n_neighbours, 1);
		assert_int_equal(cfg.neighbours[0].mac[5], 0xfe);
		assert_int_equal(cfg.n_bypass, 2);
		assert_int_equal(cfg.bypass[0].local, 0xac100000);
		assert_int_equal(cfg.bypass[0].local_len, 16);
		assert_int_equal(cfg.bypass[0].remote_len, 0);
		assert_int_equal(cfg.bypass[1].remote, 0xcb007100);
	} else {
		/* Defaults. */
		assert_int_equal(cfg.workers, 1);
		assert_int_equal(cfg.log_level, 7);
		assert_int_equal(cfg.ports[0].mtu, 1500);
		assert_int_equal(cfg.tables.routes, 1024);
		/* The documented example masquerades; a minimal file does not. */
		assert_int_equal(cfg.nat_enabled, strstr(path, "minimal.conf") == NULL);
	}
	conf_free(&cfg);
}

static void
missing_file(void **state)
{
	char err[512];
	struct cfg cfg;

	(void)state;
	assert_int_equal(conf_load("/nonexistent/esphub.conf", &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/esphub.conf:0: file: cannot open: "
				 "No such file or directory");
}

/* A tiny buffer truncates the report but never overflows (ASan watches). */
static void
short_error_buffer(void **state)
{
	const char *path = *state;
	char err[16];
	struct cfg cfg;

	assert_int_equal(conf_load(path, &cfg, err, sizeof(err)), -1);
	assert_true(strlen(err) < sizeof(err));
}

int
main(int argc, char **argv)
{
	struct CMUnitTest *tests = calloc((size_t)argc + 2, sizeof(*tests));
	size_t n = 0;
	const char *a_bad = NULL;

	for (int i = 1; i < argc; i++) {
		bool bad = strstr(argv[i], "/bad/") != NULL;

		tests[n++] = (struct CMUnitTest){
			.name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i],
			.test_func = bad ? bad_file : good_file,
			.initial_state = argv[i],
		};
		if (bad)
			a_bad = argv[i];
	}
	tests[n++] = (struct CMUnitTest){ .name = "missing_file", .test_func = missing_file };
	if (a_bad)
		tests[n++] = (struct CMUnitTest){ .name = "short_error_buffer",
						  .test_func = short_error_buffer,
						  .initial_state = (void *)a_bad };
	return _cmocka_run_group_tests("conf", tests, n, NULL, NULL);
}
