/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show sa [all|ID] [detail], show spd, show crypto,
 * sa add SITE in|out SPI CIPHER [INTEG] KEY [AUTH_KEY], sa del ID,
 * sa export wireshark FILE.
 * Keys never appear in output; they leave only through "sa export".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "net.h"

#define DETAIL     ((void *)1)
#define ONE        ((void *)2)
#define ONE_DETAIL ((void *)3)

static const char *
algo_name(const struct crypto_keys *k, char *buf, size_t len)
{
	if (k->cipher == CRYPTO_CIPHER_AES_GCM16)
		snprintf(buf, len, "aes%u-gcm", k->cipher_key_len * 8);
	else
		snprintf(buf, len, "aes%u-cbc/%s", k->cipher_key_len * 8,
			 k->integ == CRYPTO_INTEG_HMAC_SHA1_96 ? "sha1-96" : "sha256-128");
	return buf;
}

static void
row_header(struct cmdline *cl)
{
	cmdline_printf(cl, "%6s %-14s %-3s %-10s %-15s %-5s %-19s %12s %14s %8s %7s %s\n", "id",
		       "site", "dir", "spi", "peer", "encap", "algorithm", "packets", "bytes",
		       "drops", "age", "state");
}

struct walk {
	struct cmdline *cl;
	bool detail;
};

static void
sa_detail(struct cmdline *cl, const struct sa *sa, const struct sa_params *p)
{
	char a[NET_PREFIX_STR_MAX];
	uint32_t out = sa_db_tunnel_out(cmd_app->sa, sa->tunnel);

	cmdline_printf(cl, "       tunnel %u%s, local %s", sa->tunnel,
		       !sa->inbound && out == sa->id ? " (current outbound SA)" :
		       !sa->inbound                  ? " (not the tunnel's outbound SA)" :
						       "",
		       net_ipv4_str(sa->local_addr, a));
	if (sa->peer_port)
		cmdline_printf(cl, ", UDP %u -> %u", sa->local_port, sa->peer_port);
	cmdline_printf(cl, "\n       local selectors ");
	for (unsigned i = 0; i < sa->n_local_ts; i++)
		cmdline_printf(cl, "%s ",
			       net_prefix_str(sa->local_ts[i].addr, sa->local_ts[i].plen, a));
	cmdline_printf(cl, " remote selectors ");
	for (unsigned i = 0; i < sa->n_remote_ts; i++)
		cmdline_printf(cl, "%s ",
			       net_prefix_str(sa->remote_ts[i].addr, sa->remote_ts[i].plen, a));
	cmdline_printf(cl, "\n       esn %s, ", sa->esn ? "on" : "off");
	if (sa->inbound)
		cmdline_printf(cl, "replay window %u (highest seq %" PRIu64 ")", sa->replay.win,
			       sa->replay.top);
	else
		cmdline_printf(cl, "seq %" PRIu64 " of %" PRIu64,
			       __atomic_load_n(&sa->seq, __ATOMIC_RELAXED), sa->seq_limit);
	cmdline_printf(cl, ", tunnel MTU %u, TCP MSS %u\n", sa->tunnel_mtu, sa->mss);
	cmdline_printf(cl,
		       "       lifetime soft %" PRIu64 " s %" PRIu64 " B %" PRIu64
		       " pkts, hard %" PRIu64 " s %" PRIu64 " B %" PRIu64 " pkts (0 = none)\n",
		       p->soft.seconds, p->soft.bytes, p->soft.packets, p->hard.seconds,
		       p->hard.bytes, p->hard.packets);
}

static bool
sa_row(const struct sa *sa, void *arg)
{
	struct walk *wk = arg;
	const struct sa_params *p = sa_db_params(cmd_app->sa, sa->id);
	struct sa_counters c;
	char peer[NET_IPV4_STR_MAX], algo[32];

	sa_db_counters(cmd_app->sa, sa->id, &c);
	cmdline_printf(wk->cl,
		       "%6u %-14.14s %-3s 0x%08x %-15s %-5s %-19s %12" PRIu64 " %14" PRIu64
		       " %8" PRIu64 " %6" PRIu64 "s %s\n",
		       sa->id, ctl_site_name(cmd_app->ctl, sa->site), sa->inbound ? "in" : "out",
		       sa->spi, net_ipv4_str(sa->peer_addr, peer), sa->peer_port ? "udp" : "esp",
		       algo_name(&p->keys, algo, sizeof(algo)), c.packets, c.bytes, c.drops,
		       sa_db_age_s(cmd_app->sa, sa->id, app_now_ms()), sa->dead ? "dead" : "live");
	if (wk->detail)
		sa_detail(wk->cl, sa, p);
	return true;
}

struct show_sa {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t sa;
	cmdline_fixed_string_t all;
	uint32_t id;
	cmdline_fixed_string_t detail;
};
TOK_STR(show_sa, show, "show");
TOK_STR(show_sa, sa, "sa");
TOK_STR(show_sa, all, "all");
TOK_NUM(show_sa, id, RTE_UINT32);
TOK_STR(show_sa, detail, "detail");

static void
show_sa(void *res, struct cmdline *cl, void *data)
{
	struct show_sa *r = res;
	struct walk wk = { .cl = cl, .detail = data == DETAIL || data == ONE_DETAIL };

	if (data == ONE || data == ONE_DETAIL) {
		const struct sa *sa = sa_db_get(cmd_app->sa, r->id);

		if (sa == NULL) {
			cmdline_printf(cl, "no SA %u\n", r->id);
			return;
		}
		row_header(cl);
		sa_row(sa, &wk);
		return;
	}
	row_header(cl);
	sa_db_walk(cmd_app->sa, sa_row, &wk);
	cmdline_printf(cl, "%u SAs\n", sa_db_count(cmd_app->sa));
}

#define SHOW_SA(name, data_, help, ...)                                                 \
	cmdline_parse_inst_t name = { .f = show_sa,                                     \
				      .data = data_,                                    \
				      .help_str = help,                                 \
				      .tokens = { TOK(show_sa, show), TOK(show_sa, sa), \
						  __VA_ARGS__ } }

SHOW_SA(cmd_show_sa, NULL, "show sa: every SA (counters, no keys)", NULL);
SHOW_SA(cmd_show_sa_all, NULL, "show sa all: every SA", TOK(show_sa, all), NULL);
SHOW_SA(cmd_show_sa_detail, DETAIL, "show sa detail: with selectors, sequence, lifetimes",
	TOK(show_sa, detail), NULL);
SHOW_SA(cmd_show_sa_all_detail, DETAIL, "show sa all detail: the same", TOK(show_sa, all),
	TOK(show_sa, detail), NULL);
SHOW_SA(cmd_show_sa_id, ONE, "show sa ID: one SA", TOK(show_sa, id), NULL);
SHOW_SA(cmd_show_sa_id_detail, ONE_DETAIL, "show sa ID detail: one SA in detail", TOK(show_sa, id),
	TOK(show_sa, detail), NULL);

struct show_word {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t what;
};
TOK_STR(show_word, show, "show");
static cmdline_parse_token_string_t tok_spd =
	TOKEN_STRING_INITIALIZER(struct show_word, what, "spd");
static cmdline_parse_token_string_t tok_crypto =
	TOKEN_STRING_INITIALIZER(struct show_word, what, "crypto");

static void
spd_row(const struct sa_ts *p, uint32_t tunnel, void *arg)
{
	struct cmdline *cl = arg;
	char pfx[NET_PREFIX_STR_MAX];
	uint32_t out;

	net_prefix_str(p->addr, p->plen, pfx);
	if (tunnel == SA_DISCARD) {
		/* A branch subnet no tunnel carries: down, or shared by sites. */
		cmdline_printf(cl, "%-19s %8s %-16s %8s\n", pfx, "discard", "-", "-");
		return;
	}
	out = sa_db_tunnel_out(cmd_app->sa, tunnel);
	cmdline_printf(cl, "%-19s %8u %-16s ", pfx, tunnel, app_tunnel_site_name(cmd_app, tunnel));
	if (out == SA_NONE)
		cmdline_printf(cl, "%8s\n", "none");
	else
		cmdline_printf(cl, "%8u\n", out);
}

static void
show_spd(void *res, struct cmdline *cl, void *data)
{
	RTE_SET_USED(res);
	RTE_SET_USED(data);
	cmdline_printf(cl, "%-19s %8s %-16s %8s\n", "destination", "tunnel", "site", "out-sa");
	sa_db_spd_walk(cmd_app->sa, spd_row, cl);
}

cmdline_parse_inst_t cmd_show_spd = {
	.f = show_spd,
	.help_str = "show spd: branch prefixes -> tunnel -> outbound SA, or discard",
	.tokens = { TOK(show_word, show), (void *)&tok_spd, NULL },
};

static bool
count_algo(const struct sa *sa, void *arg)
{
	unsigned *n = arg;
	const struct sa_params *p = sa_db_params(cmd_app->sa, sa->id);

	n[p->keys.cipher * CRYPTO_INTEG_N + p->keys.integ]++;
	return true;
}

static void
show_crypto(void *res, struct cmdline *cl, void *data)
{
	unsigned n[CRYPTO_CIPHER_N * CRYPTO_INTEG_N] = { 0 };

	RTE_SET_USED(res);
	RTE_SET_USED(data);
	cmdline_printf(cl, "engine      %s: %s (config: crypto_engine)\n",
		       crypto_engine_name(cmd_app->engine),
		       crypto_engine_describe(cmd_app->engine));
	cmdline_printf(cl, "algorithms  aes128/256-cbc with hmac-sha1-96 or hmac-sha256-128,"
			   " aes128/256-gcm (RFC 4106)\n");
	cmdline_printf(cl, "workers     %u, one crypto manager each, a burst per call\n",
		       cmd_app->n_workers);
	sa_db_walk(cmd_app->sa, count_algo, n);
	cmdline_printf(cl, "SAs         cbc/sha1 %u, cbc/sha256 %u, gcm %u\n",
		       n[CRYPTO_CIPHER_AES_CBC * CRYPTO_INTEG_N + CRYPTO_INTEG_HMAC_SHA1_96],
		       n[CRYPTO_CIPHER_AES_CBC * CRYPTO_INTEG_N + CRYPTO_INTEG_HMAC_SHA256_128],
		       n[CRYPTO_CIPHER_AES_GCM16 * CRYPTO_INTEG_N + CRYPTO_INTEG_NONE]);
}

cmdline_parse_inst_t cmd_show_crypto = {
	.f = show_crypto,
	.help_str = "show crypto: the ESP crypto engine",
	.tokens = { TOK(show_word, show), (void *)&tok_crypto, NULL },
};

/* sa add SITE in|out SPI CIPHER [INTEG] KEY [AUTH_KEY] */
struct sa_add {
	cmdline_fixed_string_t sa;
	cmdline_fixed_string_t add;
	cmdline_fixed_string_t site;
	cmdline_fixed_string_t dir;
	uint32_t spi;
	cmdline_fixed_string_t cipher;
	cmdline_fixed_string_t integ;
	cmdline_fixed_string_t key;
	cmdline_fixed_string_t auth_key;
};
TOK_STR(sa_add, sa, "sa");
TOK_STR(sa_add, add, "add");
TOK_STR(sa_add, site, NULL);
TOK_STR(sa_add, dir, "in#out");
TOK_NUM(sa_add, spi, RTE_UINT32);
TOK_STR(sa_add, cipher, "aes128-cbc#aes256-cbc#aes128-gcm#aes256-gcm");
TOK_STR(sa_add, integ, "hmac-sha1-96#hmac-sha256-128");
TOK_STR(sa_add, key, NULL);
TOK_STR(sa_add, auth_key, NULL);

/* Algorithm (into st->cipher/integ) and keys of an "sa add" line. */
static int
parse_keys(const struct sa_add *r, bool with_integ, struct cfg_site *st, struct cfg_manual_sa *m,
	   struct cmdline *cl)
{
	if (!conf_cipher_from_str(r->cipher, &st->cipher))
		return -EINVAL;
	st->integ = CFG_INTEG_NONE;
	if (with_integ && !conf_integ_from_str(r->integ, &st->integ))
		return -EINVAL;
	if (!conf_key_lengths(st->cipher, st->integ, &m->key_len, &m->auth_key_len)) {
		cmdline_printf(cl, "%s %s\n", r->cipher,
			       with_integ ? "is an AEAD: no integrity algorithm" :
					    "needs an integrity algorithm");
		return -EINVAL;
	}
	if (conf_hex(r->key, m->key, sizeof(m->key)) != m->key_len) {
		cmdline_printf(cl, "key: expected %u bytes of hex for %s\n", m->key_len, r->cipher);
		return -EINVAL;
	}
	if (with_integ &&
	    conf_hex(r->auth_key, m->auth_key, sizeof(m->auth_key)) != m->auth_key_len) {
		cmdline_printf(cl, "auth key: expected %u bytes of hex for %s\n", m->auth_key_len,
			       r->integ);
		return -EINVAL;
	}
	m->spi = r->spi;
	return 0;
}

static void
add_sa(void *res, struct cmdline *cl, void *data)
{
	struct sa_add *r = res;
	bool inbound = strcmp(r->dir, "in") == 0;
	int site = ctl_site_find(cmd_app->ctl, r->site);
	struct cfg_manual_sa m = { 0 };
	struct cfg_site algo;
	uint32_t id;
	int rc;

	if (site < 0) {
		cmdline_printf(cl, "no site %s\n", r->site);
		goto out;
	}
	if (ctl_site(cmd_app->ctl, (uint32_t)site)->ike) {
		cmdline_printf(cl, "site %s is keyed by IKE\n", r->site);
		goto out;
	}
	/* The site's tunnel, selectors and peer; this SA's own algorithm. */
	rc = parse_keys(r, data != NULL, &algo, &m, cl);
	if (rc == 0 && conf_cipher_is_gcm(algo.cipher) &&
	    !ctl_site(cmd_app->ctl, (uint32_t)site)->allow_unsafe_gcm) {
		cmdline_printf(cl, "%s refused for site %s: %s\n", r->cipher, r->site,
			       CFG_MANUAL_GCM_REFUSED);
		rc = -EPERM;
	}
	if (rc == 0) {
		rc = ctl_manual_sa_add(cmd_app->ctl, (uint32_t)site, inbound, algo.cipher,
				       algo.integ, &m, &id);
		if (rc == 0)
			cmdline_printf(cl, "SA %u added%s\n", id,
				       inbound ? "" : "; it is now the tunnel's outbound SA");
		else
			cmdline_printf(cl, "cannot add the SA: %s\n", strerror(-rc));
	}
out:
	/* The command line itself held the keys. */
	explicit_bzero(&m, sizeof(m));
	explicit_bzero(r->key, sizeof(r->key));
	explicit_bzero(r->auth_key, sizeof(r->auth_key));
	cli_forget_line(cmd_app->cli, cl);
}

cmdline_parse_inst_t cmd_sa_add_cbc = {
	.f = add_sa,
	.data = (void *)1,
	.help_str =
		"sa add SITE in|out SPI aes128-cbc|aes256-cbc hmac-sha1-96|hmac-sha256-128 KEY AUTH_KEY",
	.tokens = { TOK(sa_add, sa), TOK(sa_add, add), TOK(sa_add, site), TOK(sa_add, dir),
		    TOK(sa_add, spi), TOK(sa_add, cipher), TOK(sa_add, integ), TOK(sa_add, key),
		    TOK(sa_add, auth_key), NULL },
};

cmdline_parse_inst_t cmd_sa_add_gcm = {
	.f = add_sa,
	.help_str = "sa add SITE in|out SPI aes128-gcm|aes256-gcm KEY (key + 4-byte salt; "
		    "only a site with allow_unsafe_manual_gcm)",
	.tokens = { TOK(sa_add, sa), TOK(sa_add, add), TOK(sa_add, site), TOK(sa_add, dir),
		    TOK(sa_add, spi), TOK(sa_add, cipher), TOK(sa_add, key), NULL },
};

struct sa_del {
	cmdline_fixed_string_t sa;
	cmdline_fixed_string_t del;
	uint32_t id;
};
TOK_STR(sa_del, sa, "sa");
TOK_STR(sa_del, del, "del");
TOK_NUM(sa_del, id, RTE_UINT32);

static void
del_sa(void *res, struct cmdline *cl, void *data)
{
	struct sa_del *r = res;
	int rc;

	RTE_SET_USED(data);
	rc = ctl_manual_sa_del(cmd_app->ctl, r->id);
	if (rc == -EPERM)
		cmdline_printf(cl, "SA %u belongs to IKE: use \"ike sa delete\" or \"site down\"\n",
			       r->id);
	else if (rc == 0)
		cmdline_printf(cl, "SA %u removed\n", r->id);
	else
		cmdline_printf(cl, "no SA %u\n", r->id);
}

cmdline_parse_inst_t cmd_sa_del = {
	.f = del_sa,
	.help_str = "sa del ID: remove an SA (an outbound one leaves its tunnel first)",
	.tokens = { TOK(sa_del, sa), TOK(sa_del, del), TOK(sa_del, id), NULL },
};

/* Wireshark's esp_sa table, one row per SA, keys in hex. */
struct export
{
	FILE *f;
	unsigned n;
};

static void
hex(FILE *f, const uint8_t *b, unsigned n)
{
	fputs("0x", f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

static bool
export_row(const struct sa *sa, void *arg)
{
	struct export *x = arg;
	const struct crypto_keys *k = &sa_db_params(cmd_app->sa, sa->id)->keys;
	bool gcm = k->cipher == CRYPTO_CIPHER_AES_GCM16;
	char src[NET_IPV4_STR_MAX], dst[NET_IPV4_STR_MAX];
	uint8_t key[CRYPTO_KEY_MAX + CRYPTO_SALT_LEN];

	fprintf(x->f, "\"IPv4\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"",
		net_ipv4_str(sa->inbound ? sa->peer_addr : sa->local_addr, src),
		net_ipv4_str(sa->inbound ? sa->local_addr : sa->peer_addr, dst), sa->spi,
		gcm ? "AES-GCM with 16 octet ICV [RFC4106]" : "AES-CBC [RFC3602]");
	memcpy(key, k->cipher_key, k->cipher_key_len);
	if (gcm)
		memcpy(key + k->cipher_key_len, k->salt, CRYPTO_SALT_LEN);
	hex(x->f, key, k->cipher_key_len + (gcm ? CRYPTO_SALT_LEN : 0u));
	explicit_bzero(key, sizeof(key));
	if (gcm) {
		fputs("\",\"NULL\",\"\"\n", x->f);
	} else {
		fprintf(x->f, "\",\"%s\",\"",
			k->integ == CRYPTO_INTEG_HMAC_SHA1_96 ? "HMAC-SHA-1-96 [RFC2404]" :
								"HMAC-SHA-256-128 [RFC4868]");
		hex(x->f, k->integ_key, k->integ_key_len);
		fputs("\"\n", x->f);
	}
	x->n++;
	return true;
}

struct sa_export {
	cmdline_fixed_string_t sa;
	cmdline_fixed_string_t export;
	cmdline_fixed_string_t wireshark;
	cmdline_fixed_string_t file;
};
TOK_STR(sa_export, sa, "sa");
TOK_STR(sa_export, export, "export");
TOK_STR(sa_export, wireshark, "wireshark");
TOK_STR(sa_export, file, NULL);

static void
export_sa(void *res, struct cmdline *cl, void *data)
{
	struct sa_export *r = res;
	struct export x = { 0 };
	int fd;

	RTE_SET_USED(data);
	/* Keys: readable by the owner only, and never an existing file. */
	fd = open(r->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (x.f = fdopen(fd, "w")) == NULL) {
		cmdline_printf(cl, "cannot create %s: %s\n", r->file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	sa_db_walk(cmd_app->sa, export_row, &x);
	fclose(x.f);
	LOG(NOTICE, "keys of %u SAs exported to %s (sa export wireshark)", x.n, r->file);
	cmdline_printf(cl,
		       "%u SAs written to %s (Wireshark: copy to ~/.config/wireshark/esp_sa"
		       " and enable esp.enable_encryption_decode)\n",
		       x.n, r->file);
}

cmdline_parse_inst_t cmd_sa_export = {
	.f = export_sa,
	.help_str = "sa export wireshark FILE: every SA's keys as Wireshark's esp_sa table",
	.tokens = { TOK(sa_export, sa), TOK(sa_export, export), TOK(sa_export, wireshark),
		    TOK(sa_export, file), NULL },
};
