/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: conf_site_from_text(), what `site add` and `site set`
 * on the CLI socket hand to lib/conf. The input is the command's text (one
 * line, as the CLI reads it: NUL and line ends cut it), parsed in the
 * context of a box with an outside and an inside port, into an error
 * buffer of exactly its size (the input's last byte makes it small now and
 * then, so truncation is exercised).
 * Checked: success leaves no error text and a site that makes sense;
 * failure says "(cli):LINE: ..." and never quotes a secret (a psk, key or
 * auth_key value that occurs once in the text).
 */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "fuzz.h"

#define CHECK(c)                                                     \
	do {                                                         \
		if (!(c)) {                                          \
			fprintf(stderr, "fuzz_site_text: %s\n", #c); \
			abort();                                     \
		}                                                    \
	} while (0)

#define TEXT_MAX 4096

static struct cfg cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cfg.n_ports = 2;
	cfg.ports[0] = (struct cfg_port){
		.name = "wan", .role = CFG_ROLE_OUTSIDE, .addr = 0xc6336401, .plen = 24, .mtu = 1500
	};
	cfg.ports[1] = (struct cfg_port){ .name = "cloud",
					  .role = CFG_ROLE_INSIDE,
					  .addr = 0xac100001,
					  .plen = 16,
					  .mtu = 1500 };
	cfg.esp = (struct cfg_esp){ .replay_window = 1024, .max_sas = 16384, .max_tunnels = 8192 };
	ike_config_defaults(&cfg.ike);
	return 0;
}

static unsigned
occurrences(const char *s, const char *w)
{
	unsigned n = 0;

	for (const char *p = strstr(s, w); p != NULL; p = strstr(p + 1, w))
		n++;
	return n;
}

/* A secret the text holds once must not be in the error text. */
static void
secret_absent(const config_t *lc, const char *path, const char *text, const char *err)
{
	const char *v = NULL;

	if (config_lookup_string(lc, path, &v) != CONFIG_TRUE || strlen(v) < 6 ||
	    occurrences(text, v) != 1)
		return;
	if (strstr(err, v) != NULL) {
		fprintf(stderr, "fuzz_site_text: %s quoted in: %s\n", path, err);
		abort();
	}
}

static void
check_secrets(const char *text, const char *err)
{
	static const char *const paths[] = {
		"site.psk",        "site.sa_in.key",       "site.sa_in.auth_key",
		"site.sa_out.key", "site.sa_out.auth_key",
	};
	size_t n = strlen(text) + 16;
	char *wrapped = malloc(n);
	config_t lc;

	CHECK(wrapped != NULL);
	snprintf(wrapped, n, "site = %s;", text);
	config_init(&lc);
	config_set_options(&lc, 0);
	if (config_read_string(&lc, wrapped) == CONFIG_TRUE)
		for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			secret_absent(&lc, paths[i], text, err);
	config_destroy(&lc);
	free(wrapped);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < TEXT_MAX ? size : TEXT_MAX;
	size_t errlen = size > 0 && data[size - 1] < 8 ? data[size - 1] * 9u : 2048;
	char *text = malloc(n + 1), *err = malloc(errlen ? errlen : 1);
	struct cfg_site *s = malloc(sizeof(*s));

	CHECK(text != NULL && err != NULL && s != NULL);
	memcpy(text, data, n);
	text[n] = '\0';
	text[strcspn(text, "\r\n")] = '\0';
	if (conf_site_from_text(&cfg, text, s, err, errlen) == 0) {
		CHECK(errlen == 0 || err[0] == '\0');
		CHECK(s->name[0] != '\0' && s->manual != s->ike);
		CHECK(s->n_remote >= 1 && s->n_remote <= CFG_MAX_SUBNETS);
		CHECK(s->n_local >= 1 && s->n_local <= CFG_MAX_SUBNETS);
		CHECK(!s->manual || (s->sa_in.key_len > 0 && s->sa_out.key_len > 0));
	} else if (errlen == 2048) {
		CHECK(memchr(err, '\0', errlen) != NULL);
		CHECK(strncmp(err, "(cli):", 6) == 0);
		check_secrets(text, err);
	} else if (errlen > 0) {
		CHECK(memchr(err, '\0', errlen) != NULL);
	}
	free(s);
	free(err);
	free(text);
	return 0;
}
