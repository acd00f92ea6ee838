/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ike on the control core: IKE datagrams the workers punt go in; what
 * IKE sends leaves through worker 0's inject ring; the SAs it negotiates go
 * to lib/ctl, whose engine it is (app_ike_engine: ctl's calls into IKE;
 * host_ops: IKE's calls out, translated into ctl's terms).
 */
#include <stdio.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "app.h"
#include "net.h"

RTE_LOG_REGISTER(ike_logtype, esphub.ike, INFO);

/* --- host ops ------------------------------------------------------------ */

static void
ike_send(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
	 const uint8_t *buf, size_t len)
{
	struct app *app = ctx;
	struct rte_mbuf *m = rte_pktmbuf_alloc(app->pool);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	uint16_t total = (uint16_t)(sizeof(*ip) + sizeof(*uh) + len);

	if (m == NULL || len > UINT16_MAX - sizeof(*ip) - sizeof(*uh) ||
	    (ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, total)) == NULL) {
		rte_pktmbuf_free(m);
		app->ctr[CCTR_IKE_TX_FAILED]++;
		return;
	}
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16(total),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(local->addr),
		.dst_addr = rte_cpu_to_be_32(remote->addr),
	};
	ip->hdr_checksum = net_cksum(ip, sizeof(*ip));
	uh = (struct rte_udp_hdr *)(ip + 1);
	*uh = (struct rte_udp_hdr){
		.src_port = rte_cpu_to_be_16(local->port),
		.dst_port = rte_cpu_to_be_16(remote->port),
		.dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len)),
	};
	memcpy(uh + 1, buf, len);
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	m->port = WORKER_INJECT_ROUTE;
	if (app_inject(app, m) == 0)
		app->ctr[CCTR_IKE_TX]++;
}

static int
ike_install(void *ctx, const struct ike_child_sa *c, uint64_t *handle)
{
	struct app *app = ctx;
	struct ctl_child child = {
		.engine_site = c->site_id,
		.inbound = c->inbound,
		.spi = c->spi,
		.keys = c->keys,
		.local_ts = { c->local_ts.addr, c->local_ts.len },
		.remote_ts = { c->remote_ts.addr, c->remote_ts.len },
		.local_addr = c->local.addr,
		.peer_addr = c->remote.addr,
		.local_port = c->local.port,
		.peer_port = c->remote.port,
		.soft_bytes = c->soft_bytes,
		.soft_packets = c->soft_packets,
		.hard_bytes = c->life_bytes,
		.twin = c->twin,
	};
	int rc = ctl_child_install(app->ctl, &child, app_now_ms(), handle);

	explicit_bzero(&child.keys, sizeof(child.keys));
	return rc;
}

static void
ike_delete(void *ctx, uint64_t handle)
{
	struct app *app = ctx;

	ctl_child_delete(app->ctl, handle);
}

static void
ike_peer_down(void *ctx, uint32_t ike_site, const char *name, enum ike_down_reason why)
{
	static const char *const reason[] = {
		[IKE_DOWN_DPD] = "dead peer detection",
		[IKE_DOWN_DELETE] = "peer deleted its SA",
		[IKE_DOWN_EXPIRED] = "ISAKMP SA expired",
		[IKE_DOWN_ADMIN] = "administratively",
	};
	RTE_SET_USED(ctx);
	RTE_SET_USED(ike_site);
	/* Its SAs are gone (child_sa_delete) and with them its tunnels. */
	LOG(NOTICE, "site %s: down (%s)", name, why <= IKE_DOWN_ADMIN ? reason[why] : "?");
}

/* A NAT in front of the branch rebound: its outbound SAs follow it. */
static void
ike_peer_moved(void *ctx, uint32_t ike_site, const struct ike_endpoint *remote)
{
	struct app *app = ctx;

	ctl_peer_moved(app->ctl, ike_site, remote->addr, remote->port);
}

static void
ike_peer_up(void *ctx, uint32_t ike_site, const char *name)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(ike_site);
	LOG(NOTICE, "site %s: up", name);
}

static uint64_t
ike_inbound_last(void *ctx, uint64_t handle)
{
	struct app *app = ctx;

	return ctl_child_last_inbound(app->ctl, handle);
}

/*
 * The workers' table of our live cookies: datagrams carrying one go to the
 * control core ahead of new exchanges (lib/worker punt.c).
 */
static void
ike_cookie_own(void *ctx, const uint8_t cookie[8], bool live)
{
	struct app *app = ctx;

	if (!live)
		worker_cookies_del(app->env.cookies, cookie);
	else if (!worker_cookies_add(app->env.cookies, cookie))
		app->ctr[CCTR_IKE_COOKIES_FULL]++;
}

static void
ike_log(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
	char line[512];

	RTE_SET_USED(ctx);
	vsnprintf(line, sizeof(line), fmt, ap);
	rte_log((uint32_t)level + 1, ike_logtype, "ike: %s\n", line);
}

static const struct ike_host_ops host_ops = {
	.send = ike_send,
	.child_sa_install = ike_install,
	.child_sa_delete = ike_delete,
	.peer_down = ike_peer_down,
	.peer_up = ike_peer_up,
	.inbound_last = ike_inbound_last,
	.peer_moved = ike_peer_moved,
	.cookie_own = ike_cookie_own,
	.log = ike_log,
};

int
app_ike_setup(struct app *app)
{
	struct ike_config c = app->cfg.ike;
	int out = -1;

	for (unsigned i = 0; i < app->cfg.n_ports && out < 0; i++)
		if (app->cfg.ports[i].role == CFG_ROLE_OUTSIDE)
			out = (int)i;
	c.local_addr = out >= 0 ? app->cfg.ports[out].addr : app->cfg.ports[0].addr;
	c.sites_hint = RTE_MAX(app->cfg.n_sites, 64u);
	app->ike = ike_create(&c, &host_ops, app);
	explicit_bzero(&c, sizeof(c));
	return app->ike == NULL ? -ENOMEM : 0;
}

void
app_ike_free(struct app *app)
{
	/* Removes every SA it installed through child_sa_delete(). */
	ike_destroy(app->ike);
	app->ike = NULL;
}

/* --- ctl's calls into IKE ----------------------------------------------- */

/*
 * lib/ike holds at most max_pairs pairs per site (site.c), and twice as
 * many while a site at its cap rekeys (ike_child_room): two SAs a pair.
 */
static uint32_t
site_max_sas(const struct app *app, const struct cfg_site *s)
{
	uint32_t pairs = s->ike_params.max_pairs, subnets;

	if (pairs == 0) {
		subnets = (uint32_t)s->ike_params.n_local * s->ike_params.n_remote;
		pairs = RTE_MAX((uint32_t)app->cfg.ike.max_pairs_per_site, subnets);
	}
	return 4 * pairs;
}

static int
engine_site_add(void *engine, uint32_t site, const struct cfg_site *s, uint64_t now_ms,
		uint32_t *ike_site, uint32_t *max_sas)
{
	struct app *app = engine;

	RTE_SET_USED(site);
	*max_sas = site_max_sas(app, s);
	return ike_site_add(app->ike, &s->ike_params, now_ms, ike_site);
}

static int
engine_site_update(void *engine, const struct cfg_site *s, uint64_t now_ms, uint32_t *max_sas)
{
	struct app *app = engine;
	int rc = ike_site_update(app->ike, &s->ike_params, now_ms);

	if (rc == 0)
		*max_sas = site_max_sas(app, s);
	return rc;
}

static void
engine_site_del(void *engine, const struct cfg_site *s, uint64_t now_ms)
{
	struct app *app = engine;

	ike_site_del(app->ike, s->name, now_ms);
}

static void
engine_child_expired(void *engine, uint32_t inbound_spi, bool hard, uint64_t now_ms)
{
	struct app *app = engine;

	ike_child_sa_expired(app->ike, inbound_spi, hard, now_ms);
}

static int
engine_default_psk_set(void *engine, const uint8_t *psk, size_t len)
{
	struct app *app = engine;

	return ike_default_psk_set(app->ike, psk, len);
}

const struct ctl_engine_ops app_ike_engine = {
	.site_add = engine_site_add,
	.site_update = engine_site_update,
	.site_del = engine_site_del,
	.child_expired = engine_child_expired,
	.default_psk_set = engine_default_psk_set,
};

/* --- the app's side ----------------------------------------------------- */

void
app_ike_input(struct app *app, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t hlen = rte_ipv4_hdr_len(ip);
	const struct rte_udp_hdr *uh;
	struct ike_endpoint local, remote;
	uint32_t len;

	/* The worker validated the IPv4 header and the UDP header's presence. */
	uh = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, hlen);
	len = rte_pktmbuf_data_len(m) - hlen - (uint32_t)sizeof(*uh);
	local = (struct ike_endpoint){ rte_be_to_cpu_32(ip->dst_addr),
				       rte_be_to_cpu_16(uh->dst_port) };
	remote = (struct ike_endpoint){ rte_be_to_cpu_32(ip->src_addr),
					rte_be_to_cpu_16(uh->src_port) };
	app->ctr[CCTR_IKE_RX]++;
	ike_input(app->ike, app_now_ms(), &local, &remote, (const uint8_t *)(uh + 1), len);
	rte_pktmbuf_free(m);
}

void
app_ike_tick(struct app *app, uint64_t now_ms)
{
	if (now_ms >= ike_next_deadline(app->ike))
		ike_tick(app->ike, now_ms);
}
