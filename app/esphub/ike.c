/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ike on the control core: IKE datagrams the workers punt go in; what
 * IKE sends leaves through worker 0's inject ring; the SAs it negotiates
 * become tunnels and SAs of the data plane.
 *
 * Make-before-break: child_sa_install() for an inbound SA returns only when
 * every worker has it (sa_add() waits), and IKE sends the message that lets
 * the peer use it only after that.
 *
 * The handle lib/ike keeps for each SA it installed is the SA's id: SPIs
 * name no SA here (outbound ones are the branches' choice, and two sites
 * may pick the same), and an outbound SA learns its inbound twin from the
 * Quick Mode that made both (ike_child_sa.twin), not from its tunnel.
 */
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_udp.h>

#include "app.h"
#include "net.h"

RTE_LOG_REGISTER(ike_logtype, esphub.ike, INFO);

static int
map_get(struct rte_hash *h, uint64_t key, uint32_t *val)
{
	void *data;

	if (rte_hash_lookup_data(h, &key, &data) < 0)
		return -ENOENT;
	*val = (uint32_t)(uintptr_t)data;
	return 0;
}

static struct rte_hash *
map_create(const char *name, uint32_t size)
{
	struct rte_hash_parameters hp = {
		.name = name, .entries = RTE_MAX(size, 64u), .key_len = sizeof(uint64_t),
		.hash_func = rte_jhash, .socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	return rte_hash_create(&hp);
}

static uint32_t
site_of(struct app *app, uint32_t ike_site)
{
	uint32_t site;

	return map_get(app->ike_site_map, ike_site, &site) == 0 ? site : SA_NONE;
}

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
		.version_ihl = RTE_IPV4_VHL_DEF, .total_length = rte_cpu_to_be_16(total),
		.time_to_live = 64, .next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(local->addr), .dst_addr = rte_cpu_to_be_32(remote->addr),
	};
	ip->hdr_checksum = net_cksum(ip, sizeof(*ip));
	uh = (struct rte_udp_hdr *)(ip + 1);
	*uh = (struct rte_udp_hdr){
		.src_port = rte_cpu_to_be_16(local->port), .dst_port = rte_cpu_to_be_16(remote->port),
		.dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len)),
	};
	memcpy(uh + 1, buf, len);
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	m->port = WORKER_INJECT_ROUTE;
	if (app_inject(app, m) == 0)
		app->ctr[CCTR_IKE_TX]++;
}

static void
params_from_child(const struct app *app, uint32_t site, uint32_t tunnel,
		  const struct ike_child_sa *c, struct sa_params *p)
{
	int port = cfg_port_for_addr(&app->cfg, c->local.addr);

	memset(p, 0, sizeof(*p));
	p->spi = c->spi;
	p->inbound = c->inbound;
	p->tunnel = tunnel;
	p->site = site;
	p->local_addr = c->local.addr;
	p->peer_addr = c->remote.addr;
	p->local_port = c->local.port;
	p->peer_port = c->remote.port;
	p->replay_window = c->inbound ? app->cfg.sites[site].replay_window : 0;
	p->keys = c->keys;
	/* IKE expires SAs by time itself; bytes and packets are the data
	 * plane's to count (the soft limits start a rekey: app_ike_sa_event). */
	p->soft.bytes = c->soft_bytes;
	p->soft.packets = c->soft_packets;
	p->hard.bytes = c->life_bytes;
	p->n_local_ts = p->n_remote_ts = 1;
	p->local_ts[0] = (struct sa_ts){ c->local_ts.addr, c->local_ts.len };
	p->remote_ts[0] = (struct sa_ts){ c->remote_ts.addr, c->remote_ts.len };
	p->outside_mtu = port >= 0 ? app->cfg.ports[port].mtu : 1500;
}

/*
 * A rekeyed pair's outbound SA takes over from the old one once the branch
 * shows it has the pair (a packet arrived on the new inbound SA), or after
 * OUT_COMMIT_MS. When esphub started the Quick Mode, the branch installs
 * its side only on our last message: ESP sent under the new SPI before that
 * would be lost. The old SA carries the traffic meanwhile.
 */
#define OUT_COMMIT_MS 1000

/* An SA of IKE's that still exists: id is lib/ike's handle for it. */
static const struct sa *
ike_sa_get(struct app *app, uint64_t id)
{
	if (id >= app->cfg.esp.max_sas || !app->sa_meta[id].ike)
		return NULL;
	return sa_db_get(app->sa, (uint32_t)id);
}

static int
ike_install(void *ctx, const struct ike_child_sa *c, uint64_t *handle)
{
	struct app *app = ctx;
	uint32_t site = site_of(app, c->site_id), tunnel, id;
	struct sa_ts local = { c->local_ts.addr, c->local_ts.len };
	struct sa_ts remote = { c->remote_ts.addr, c->remote_ts.len };
	struct sa_params p;
	int rc;

	if (site == SA_NONE)
		return -ENOENT;
	rc = app_tunnel_get(app, site, &local, &remote, &remote, 1, &tunnel);
	if (rc == 0) {
		params_from_child(app, site, tunnel, c, &p);
		rc = app_sa_add(app, &p, &id);
		explicit_bzero(&p.keys, sizeof(p.keys));
		app_tunnel_put(app, tunnel);
	}
	if (rc != 0) {
		app->ctr[CCTR_IKE_INSTALL_FAILED]++;
		LOG(ERR, "site %s: cannot install %s SA 0x%08x: %s", c->site_name,
		    c->inbound ? "inbound" : "outbound", c->spi, strerror(-rc));
		return rc;
	}
	app->sa_meta[id].ike = 1;
	*handle = id;
	if (!c->inbound) {
		app->sa_meta[id].twin = (uint32_t)c->twin;
		app->sa_meta[id].commit_by_ms = app_now_ms() + OUT_COMMIT_MS;
		rc = app_tunnel_out_offer(app, tunnel, id);
	}
	return rc;
}

static void
ike_delete(void *ctx, uint64_t handle)
{
	struct app *app = ctx;

	if (ike_sa_get(app, handle) != NULL)
		app_sa_del(app, (uint32_t)handle);
}

static void
ike_peer_down(void *ctx, uint32_t ike_site, const char *name, enum ike_down_reason why)
{
	static const char *const reason[] = {
		[IKE_DOWN_DPD] = "dead peer detection", [IKE_DOWN_DELETE] = "peer deleted its SA",
		[IKE_DOWN_EXPIRED] = "ISAKMP SA expired", [IKE_DOWN_ADMIN] = "administratively",
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
	uint32_t site = site_of(app, ike_site);
	char a[NET_IPV4_STR_MAX];
	unsigned moved = 0;

	if (site == SA_NONE)
		return;
	for (uint32_t id = 0; id < app->cfg.esp.max_sas; id++) {
		const struct sa *sa = sa_db_get(app->sa, id);

		if (sa != NULL && app->sa_meta[id].ike && !sa->inbound && sa->site == site &&
		    sa->peer_port != 0 &&
		    sa_set_peer(app->sa, id, remote->addr, remote->port) == 0)
			moved++;
	}
	LOG(NOTICE, "site %s: peer moved to %s:%u (%u outbound SAs follow)",
	    app_site_name(app, site), net_ipv4_str(remote->addr, a), remote->port, moved);
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

	return ike_sa_get(app, handle) != NULL ? app->sa_meta[handle].seen_ms : 0;
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

/* --- the app's side ----------------------------------------------------- */

int
app_ike_setup(struct app *app)
{
	struct ike_config c = app->cfg.ike;
	int out = -1;

	for (unsigned i = 0; i < app->cfg.n_ports && out < 0; i++)
		if (app->cfg.ports[i].role == CFG_ROLE_OUTSIDE)
			out = (int)i;
	app->ike_site_map = map_create("ike_sites", app->cfg.esp.max_tunnels);
	if (app->ike_site_map == NULL)
		return -ENOMEM;
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
	rte_hash_free(app->ike_site_map);
}

int
app_ike_site_add(struct app *app, unsigned site)
{
	struct cfg_site *s = &app->cfg.sites[site];
	uint32_t id;
	int rc = ike_site_add(app->ike, &s->ike_params, app_now_ms(), &id);

	if (rc != 0)
		return rc;
	app->site[site].ike_id = id;
	rc = rte_hash_add_key_data(app->ike_site_map, &(uint64_t){ id },
				   (void *)(uintptr_t)site);
	if (rc != 0)
		ike_site_del(app->ike, s->name, app_now_ms());
	return rc;
}

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
	local = (struct ike_endpoint){ rte_be_to_cpu_32(ip->dst_addr), rte_be_to_cpu_16(uh->dst_port) };
	remote = (struct ike_endpoint){ rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_16(uh->src_port) };
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

/* Outbound SA id waits in its tunnel: may it take over? */
static void
out_commit_check(struct app *app, uint32_t id, uint64_t now_ms)
{
	const struct sa *sa = sa_db_get(app->sa, id);
	struct app_sa_meta *m = &app->sa_meta[id];

	if (sa == NULL || app->tunnel[sa->tunnel].next_out != id) {
		m->commit_by_ms = 0;
		return;
	}
	if (now_ms < m->commit_by_ms &&
	    (ike_sa_get(app, m->twin) == NULL || app->sa_meta[m->twin].packets == 0))
		return;
	m->commit_by_ms = 0;
	app_tunnel_out_commit(app, sa->tunnel);
}

/*
 * Every SA poll: note which inbound SAs saw traffic (DPD asks only idle
 * peers), and let waiting outbound SAs take over.
 */
void
app_ike_poll(struct app *app, uint64_t now_ms)
{
	for (uint32_t id = 0; id < app->cfg.esp.max_sas; id++) {
		struct app_sa_meta *m = &app->sa_meta[id];
		struct sa_counters c;

		if (!m->ike)
			continue;
		sa_db_counters(app->sa, id, &c);
		if (c.packets != m->packets) {
			m->packets = c.packets;
			m->seen_ms = now_ms;
		}
		if (m->commit_by_ms != 0)
			out_commit_check(app, id, now_ms);
	}
}

/* A soft or hard lifetime (bytes, packets) of an IKE SA: tell IKE, by the
 * pair's inbound SPI (ours, unique). */
void
app_ike_sa_event(struct app *app, uint32_t id, enum sa_event ev)
{
	const struct sa *sa = sa_db_get(app->sa, id);

	if (sa != NULL && !sa->inbound)
		sa = ike_sa_get(app, app->sa_meta[id].twin);
	if (sa == NULL)
		return;
	ike_child_sa_expired(app->ike, sa->spi, ev == SA_EVENT_HARD, app_now_ms());
}
