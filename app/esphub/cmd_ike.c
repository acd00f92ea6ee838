/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show ike sa [detail], show ike stats, show site [NAME],
 * site add { ... }, site set { ... }, site del NAME, site down NAME,
 * ike sa delete ICOOKIE [RCOOKIE], ike sa delete site NAME,
 * ike initiate site NAME, config reload.
 * PSKs and keys never appear in output.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "net.h"

static const char *
p1_name(const struct ike_p1_proposal *p, char *buf, size_t len)
{
	static const char *const hash[] = { "-", "sha1", "sha256", "sha384", "sha512" };

	snprintf(buf, len, "aes%u-%s-%s%u", p->key_bits, p->hash <= 4 ? hash[p->hash] : "?",
		 p->group >= IKE_DH_ECP256 ? "ecp" : "modp",
		 p->group == IKE_DH_MODP1024 ? 1024 :
		 p->group == IKE_DH_MODP1536 ? 1536 :
		 p->group == IKE_DH_MODP2048 ? 2048 :
		 p->group == IKE_DH_ECP256   ? 256 :
					       384);
	return buf;
}

static const char *
ep(const struct ike_endpoint *e, char *buf, size_t len)
{
	char a[NET_IPV4_STR_MAX];

	snprintf(buf, len, "%s:%u", net_ipv4_str(e->addr, a), e->port);
	return buf;
}

struct show_ctx {
	struct cmdline *cl;
	bool detail;
	unsigned n;
};

static int
sa_row(const struct ike_sa_info *i, void *arg)
{
	struct show_ctx *c = arg;
	uint64_t now = app_now_ms();
	char l[32], r[32], prop[40];

	uint64_t ic, rc;

	memcpy(&ic, i->icookie, 8);
	memcpy(&rc, i->rcookie, 8);
	c->n++;
	cmdline_printf(c->cl, "%016" PRIx64 ":%016" PRIx64 " %-14.14s %-20s %-4s %-21s %-21s\n",
		       rte_be_to_cpu_64(ic), rte_be_to_cpu_64(rc),
		       i->site_name[0] ? i->site_name : "-", i->state,
		       i->initiator ? "init" : "resp", ep(&i->local, l, sizeof(l)),
		       ep(&i->remote, r, sizeof(r)));
	if (c->detail)
		cmdline_printf(c->cl,
			       "    %s %s, %s, NAT %s%s, DPD %s, up %" PRIu64 " s, "
			       "expires in %" PRIu64 " s\n",
			       i->aggressive ? "aggressive" : "main mode",
			       p1_name(&i->prop, prop, sizeof(prop)),
			       i->established ? "established" : "negotiating",
			       i->nat_local  ? "here" :
			       i->nat_remote ? "at peer" :
					       "none",
			       i->nat_local && i->nat_remote ? " and at peer" : "",
			       i->dpd ? "yes" : "no",
			       i->established_ms ? (now - i->established_ms) / 1000 : 0,
			       i->expires_ms > now ? (i->expires_ms - now) / 1000 : 0);
	return 0;
}

static int
child_row(const struct ike_child_info *i, void *arg)
{
	struct show_ctx *c = arg;
	uint64_t now = app_now_ms();
	char lt[NET_PREFIX_STR_MAX], rt[NET_PREFIX_STR_MAX];

	cmdline_printf(c->cl,
		       "    child %-14.14s in 0x%08x out 0x%08x %s <-> %s %s%s%s, rekey in "
		       "%" PRId64 " s\n",
		       i->site_name, i->spi_in, i->spi_out,
		       net_prefix_str(i->local_ts.addr, i->local_ts.len, lt),
		       net_prefix_str(i->remote_ts.addr, i->remote_ts.len, rt),
		       i->encap ? "udp" : "esp", i->prop.pfs ? " pfs" : "",
		       i->rekeyed ? " (rekeyed)" : "",
		       i->rekey_ms > now ? (int64_t)((i->rekey_ms - now) / 1000) : 0);
	return 0;
}

struct show_ike {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t ike;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t detail;
};
TOK_STR(show_ike, show, "show");
TOK_STR(show_ike, ike, "ike");
TOK_STR(show_ike, what, "sa");
TOK_STR(show_ike, detail, "detail");
static cmdline_parse_token_string_t tok_stats =
	TOKEN_STRING_INITIALIZER(struct show_ike, what, "stats");

static void
show_ike_sa(void *res, struct cmdline *cl, void *data)
{
	struct show_ctx c = { .cl = cl, .detail = data != NULL };

	RTE_SET_USED(res);
	cmdline_printf(cl, "%-33s %-14s %-20s %-4s %-21s %-21s\n", "cookies (i:r)", "site", "state",
		       "role", "local", "remote");
	ike_sa_foreach(cmd_app->ike, sa_row, &c);
	if (c.detail)
		ike_child_foreach(cmd_app->ike, child_row, &c);
	cmdline_printf(cl, "%u ISAKMP SAs\n", c.n);
}

cmdline_parse_inst_t cmd_show_ike_sa = {
	.f = show_ike_sa,
	.help_str = "show ike sa: ISAKMP SAs (state, peer)",
	.tokens = { TOK(show_ike, show), TOK(show_ike, ike), TOK(show_ike, what), NULL },
};

cmdline_parse_inst_t cmd_show_ike_sa_detail = {
	.f = show_ike_sa,
	.data = (void *)1,
	.help_str = "show ike sa detail: with proposal, NAT, DPD, lifetimes and IPsec pairs",
	.tokens = { TOK(show_ike, show), TOK(show_ike, ike), TOK(show_ike, what),
		    TOK(show_ike, detail), NULL },
};

static void
show_ike_stats(void *res, struct cmdline *cl, void *data)
{
	struct ike_stats st;

	RTE_SET_USED(res);
	RTE_SET_USED(data);
	ike_stats_get(cmd_app->ike, &st);
	cmdline_printf(cl,
		       "sites %" PRIu64 ", ISAKMP SAs %" PRIu64 " (half-open %" PRIu64
		       "), IPsec pairs %" PRIu64 ", source entries %" PRIu64 "\n",
		       st.sites, st.ike_sas, st.half_open, st.child_sas, st.sources);
	for (unsigned i = 0; i < IKE_STAT_N; i++)
		if (st.c[i] != 0)
			cmdline_printf(cl, "  %-22s %12" PRIu64 "  %s\n", ike_stat_name(i), st.c[i],
				       ike_stat_text(i));
}

cmdline_parse_inst_t cmd_show_ike_stats = {
	.f = show_ike_stats,
	.help_str = "show ike stats: IKE counters and drops by reason (non-zero)",
	.tokens = { TOK(show_ike, show), TOK(show_ike, ike), (void *)&tok_stats, NULL },
};

/* --- sites ------------------------------------------------------------- */

static void
site_row(struct cmdline *cl, unsigned idx)
{
	const struct cfg_site *s = ctl_site(cmd_app->ctl, idx);
	char peer[NET_IPV4_STR_MAX], sub[NET_PREFIX_STR_MAX];
	struct ike_site_info info;

	cmdline_printf(cl, "%-16s %-6s %-15s ", s->name, s->ike ? "ike" : "manual",
		       s->peer ? net_ipv4_str(s->peer, peer) : "any");
	for (unsigned j = 0; j < s->n_remote; j++)
		cmdline_printf(cl, "%s%s", j ? "," : "",
			       net_prefix_str(s->remote[j].addr, s->remote[j].plen, sub));
	if (!ctl_site_keyed(cmd_app->ctl, idx)) {
		cmdline_printf(cl, "  down: its keys could not be set up (see the log); "
				   "subnets protected\n");
	} else if (s->ike && ike_site_get(cmd_app->ike, s->name, &info) == 0) {
		const struct ike_site_counters *k = &info.counters;

		cmdline_printf(cl, "  %s, %u ISAKMP SA, %u pairs\n", info.up ? "up" : "down",
			       info.n_ike_sa, info.n_child_sa);
		cmdline_printf(cl,
			       "    up %" PRIu64 " down %" PRIu64 " ike-rekeys %" PRIu64
			       " child-rekeys %" PRIu64 " dpd-failures %" PRIu64
			       " auth-failures %" PRIu64 "\n",
			       k->up, k->down, k->ike_rekeys, k->child_rekeys, k->dpd_failures,
			       k->auth_failures);
	} else {
		cmdline_printf(cl, "  %s\n", s->ike ? "(not in IKE)" : "keyed by hand");
	}
}

struct show_site {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t site;
	cmdline_fixed_string_t name;
};
TOK_STR(show_site, show, "show");
TOK_STR(show_site, site, "site");
TOK_STR(show_site, name, NULL);

static void
show_site(void *res, struct cmdline *cl, void *data)
{
	struct show_site *r = res;
	unsigned n = 0;

	for (uint32_t i = 0; i < ctl_site_slots(cmd_app->ctl); i++) {
		const struct cfg_site *s = ctl_site(cmd_app->ctl, i);

		if (s == NULL || (data != NULL && strcmp(s->name, r->name) != 0))
			continue;
		site_row(cl, i);
		n++;
	}
	if (data != NULL && n == 0)
		cmdline_printf(cl, "no site %s\n", r->name);
	else if (data == NULL)
		cmdline_printf(cl, "%u sites\n", n);
}

cmdline_parse_inst_t cmd_show_site = {
	.f = show_site,
	.help_str = "show site: every site, its state and counters",
	.tokens = { TOK(show_site, show), TOK(show_site, site), NULL },
};

cmdline_parse_inst_t cmd_show_site_name = {
	.f = show_site,
	.data = (void *)1,
	.help_str = "show site NAME: one site",
	.tokens = { TOK(show_site, show), TOK(show_site, site), TOK(show_site, name), NULL },
};

struct site_text {
	cmdline_fixed_string_t site;
	cmdline_fixed_string_t verb;
	cmdline_multi_string_t text;
};
TOK_STR(site_text, site, "site");
TOK_STR(site_text, verb, "add#set");
static cmdline_parse_token_string_t site_text_text =
	TOKEN_STRING_INITIALIZER(struct site_text, text, TOKEN_STRING_MULTI);

static void
site_add_set(void *res, struct cmdline *cl, void *data)
{
	struct site_text *r = res;
	static struct cfg_site s;
	char err[2048];
	uint32_t idx;
	int rc, cur;

	RTE_SET_USED(data);
	if (conf_site_from_text(&cmd_app->cfg, r->text, &s, err, sizeof(err)) != 0) {
		cmdline_printf(cl, "%s\n", err);
		goto out;
	}
	if (err[0] != '\0')
		cmdline_printf(cl, "%s\n", err); /* warnings */
	cur = ctl_site_find(cmd_app->ctl, s.name);
	if (strcmp(r->verb, "add") == 0) {
		rc = cur >= 0 ? -EEXIST : ctl_site_add(cmd_app->ctl, &s, app_now_ms(), &idx);
		if (rc == 0)
			cmdline_printf(cl, "site %s added\n", s.name);
		else
			cmdline_printf(cl, "cannot add site %s: %s\n", s.name,
				       rc == -EEXIST ?
					       "a site has that name (site set replaces it)" :
					       strerror(-rc));
	} else {
		rc = cur < 0 ? -ENOENT :
			       ctl_site_set(cmd_app->ctl, (uint32_t)cur, &s, app_now_ms());
		if (rc == 0)
			cmdline_printf(cl, "site %s updated\n", s.name);
		else
			cmdline_printf(cl, "cannot update site %s: %s\n", s.name,
				       rc == -ENOENT ? "no such site (site add creates it)" :
						       strerror(-rc));
	}
out:
	explicit_bzero(&s, sizeof(s));
	explicit_bzero(r->text, sizeof(r->text)); /* keys, PSK */
	cli_forget_line(cmd_app->cli, cl);
}

cmdline_parse_inst_t cmd_site_add_set = {
	.f = site_add_set,
	.help_str = "site add|set { name = ...; ... }: add or replace a site, config syntax",
	.tokens = { TOK(site_text, site), TOK(site_text, verb), (void *)&site_text_text, NULL },
};

struct site_name {
	cmdline_fixed_string_t site;
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t name;
};
TOK_STR(site_name, site, "site");
TOK_STR(site_name, verb, "del#down");
TOK_STR(site_name, name, NULL);

static void
site_del_down(void *res, struct cmdline *cl, void *data)
{
	struct site_name *r = res;
	int idx = ctl_site_find(cmd_app->ctl, r->name);

	RTE_SET_USED(data);
	if (idx < 0) {
		cmdline_printf(cl, "no site %s\n", r->name);
		return;
	}
	if (strcmp(r->verb, "del") == 0) {
		ctl_site_del(cmd_app->ctl, (uint32_t)idx, app_now_ms());
		cmdline_printf(cl, "site %s removed\n", r->name);
	} else if (ctl_site(cmd_app->ctl, (uint32_t)idx)->ike) {
		ike_site_down(cmd_app->ike, r->name, app_now_ms());
		cmdline_printf(cl, "site %s: its SAs deleted\n", r->name);
	} else {
		cmdline_printf(cl, "site %s is keyed by hand: use sa del\n", r->name);
	}
}

cmdline_parse_inst_t cmd_site_del_down = {
	.f = site_del_down,
	.help_str = "site del|down NAME: remove a site / delete its SAs (IKE)",
	.tokens = { TOK(site_name, site), TOK(site_name, verb), TOK(site_name, name), NULL },
};

struct ike_verb {
	cmdline_fixed_string_t ike;
	cmdline_fixed_string_t a;
	cmdline_fixed_string_t b;
	cmdline_fixed_string_t c;
	cmdline_fixed_string_t d;
};
TOK_STR(ike_verb, ike, "ike");
TOK_STR(ike_verb, a, "sa");
TOK_STR(ike_verb, b, "delete");
TOK_STR(ike_verb, c, NULL);
TOK_STR(ike_verb, d, NULL);
static cmdline_parse_token_string_t tok_initiate =
	TOKEN_STRING_INITIALIZER(struct ike_verb, a, "initiate");
static cmdline_parse_token_string_t tok_site_kw =
	TOKEN_STRING_INITIALIZER(struct ike_verb, b, "site");
static cmdline_parse_token_string_t tok_site_kw_c =
	TOKEN_STRING_INITIALIZER(struct ike_verb, c, "site");

/* "ICOOKIE:RCOOKIE", 16 hex digits each, as "show ike sa" prints them. */
static bool
cookies(const char *s, uint8_t ic[8], uint8_t rc[8])
{
	const char *colon = strchr(s, ':');
	char left[17];

	if (colon == NULL || colon - s != 16)
		return false;
	memcpy(left, s, 16);
	left[16] = '\0';
	return conf_hex(left, ic, 8) == 8 && conf_hex(colon + 1, rc, 8) == 8;
}

static void
ike_sa_delete_cookies(void *res, struct cmdline *cl, void *data)
{
	struct ike_verb *r = res;
	uint8_t ic[8], rc[8];

	RTE_SET_USED(data);
	if (!cookies(r->c, ic, rc)) {
		cmdline_printf(cl,
			       "give the cookies as show ike sa prints them: ICOOKIE:RCOOKIE\n");
		return;
	}
	if (ike_sa_delete(cmd_app->ike, ic, rc, app_now_ms()) == 0)
		cmdline_printf(cl, "ISAKMP SA deleted (DELETE sent)\n");
	else
		cmdline_printf(cl, "no such ISAKMP SA\n");
}

cmdline_parse_inst_t cmd_ike_sa_delete = {
	.f = ike_sa_delete_cookies,
	.help_str = "ike sa delete ICOOKIE:RCOOKIE: delete one ISAKMP SA (see show ike sa)",
	.tokens = { TOK(ike_verb, ike), TOK(ike_verb, a), TOK(ike_verb, b), TOK(ike_verb, c),
		    NULL },
};

static void
ike_by_site(void *res, struct cmdline *cl, void *data)
{
	struct ike_verb *r = res;
	const char *name = data != NULL ? r->d : r->c;
	int rc = data != NULL ? ike_site_down(cmd_app->ike, name, app_now_ms()) :
				ike_site_initiate(cmd_app->ike, name, app_now_ms());

	if (rc == 0)
		cmdline_printf(cl, "%s %s\n", data != NULL ? "deleted the SAs of" : "initiating",
			       name);
	else
		cmdline_printf(cl, "site %s: %s\n", name,
			       rc == -ENOENT   ? "no such IKE site" :
			       rc == -EALREADY ? "already negotiating or up" :
			       rc == -EINVAL   ? "no peer address to initiate to" :
						 strerror(-rc));
}

cmdline_parse_inst_t cmd_ike_sa_delete_site = {
	.f = ike_by_site,
	.data = (void *)1,
	.help_str = "ike sa delete site NAME: delete every SA of a site (DELETEs sent)",
	.tokens = { TOK(ike_verb, ike), TOK(ike_verb, a), TOK(ike_verb, b), (void *)&tok_site_kw_c,
		    TOK(ike_verb, d), NULL },
};

cmdline_parse_inst_t cmd_ike_initiate = {
	.f = ike_by_site,
	.help_str = "ike initiate site NAME: bring a site up now (Main Mode, Quick Mode)",
	.tokens = { TOK(ike_verb, ike), (void *)&tok_initiate, (void *)&tok_site_kw,
		    TOK(ike_verb, c), NULL },
};

struct reload {
	cmdline_fixed_string_t config;
	cmdline_fixed_string_t reload;
};
TOK_STR(reload, config, "config");
TOK_STR(reload, reload, "reload");

static void
config_reload(void *res, struct cmdline *cl, void *data)
{
	static struct cfg fresh;
	char out[4096];
	size_t used;

	RTE_SET_USED(res);
	RTE_SET_USED(data);
	out[0] = '\0';
	if (conf_load(cmd_app->cfg.path, &fresh, out, sizeof(out)) != 0) {
		cmdline_printf(cl, "%s\nthe running configuration is unchanged\n", out);
		return;
	}
	used = strlen(out);
	if (used > 0) /* warnings: the report goes on below them */
		snprintf(out + used, sizeof(out) - used, "\n");
	ctl_reload(cmd_app->ctl, &fresh, app_now_ms(), out, sizeof(out));
	conf_free(&fresh);
	cmdline_printf(cl, "%s", out);
}

cmdline_parse_inst_t cmd_config_reload = {
	.f = config_reload,
	.help_str = "config reload: apply the file's site changes; unchanged tunnels stay",
	.tokens = { TOK(reload, config), TOK(reload, reload), NULL },
};
