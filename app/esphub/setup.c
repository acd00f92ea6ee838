/* SPDX-License-Identifier: BSD-3-Clause */
/* Build the data plane from the configuration, and take it down again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "app.h"
#include "net.h"

#define POOL_CACHE      256
#define PUNT_RING_SIZE  1024
#define LEARN_RING_SIZE 1024
#define FRAG_ENTRIES    1024 /* datagrams in reassembly per worker and zone */

/* Enough buffers to fill every descriptor ring plus what workers hold. */
static unsigned
pool_size(const struct cfg *cfg)
{
	unsigned per_worker = WORKER_BURST * (cfg->n_ports + 2) + 16 * 8 +
			      2 * WORKER_BURST * cfg->n_ports + 1024 /* inject */ +
			      WORKER_REASS_MBUFS(FRAG_ENTRIES);
	unsigned n = cfg->n_ports * cfg->workers * (PORT_RX_DESC + PORT_TX_DESC) +
		     cfg->workers * per_worker + 2 * PUNT_RING_SIZE +
		     POOL_CACHE * (cfg->workers + 1) + 4096;

	return cfg->tables.mbufs ? cfg->tables.mbufs : n;
}

/*
 * One segment holds a full-MTU frame plus room for tunnel headers, and a
 * whole net_af_packet ring frame: that PMD copies frames into single
 * mbufs, and its kernel side hands over IPv4 datagrams it reassembled, up
 * to the frame size (framesz=, 2048 by default).
 */
static uint16_t
data_room(const struct cfg *cfg)
{
	unsigned room = RTE_MBUF_DEFAULT_DATAROOM;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const char *f = strstr(cfg->ports[i].device, ",framesz=");

		room = RTE_MAX(room, (unsigned)cfg->ports[i].mtu + 256);
		if (f != NULL)
			room = RTE_MAX(room, (unsigned)strtoul(f + 9, NULL, 0));
	}
	return (uint16_t)(RTE_PKTMBUF_HEADROOM + RTE_MIN(room, 65535u - RTE_PKTMBUF_HEADROOM));
}

static int
setup_sa(struct app *app, int socket)
{
	struct sa_db_params sp = {
		.max_sas = app->cfg.esp.max_sas,
		.max_tunnels = app->cfg.esp.max_tunnels,
		.max_spd = app->cfg.esp.max_tunnels * 2,
		.n_workers = app->cfg.workers,
		.socket_id = socket,
	};

	app->engine = crypto_engine_find(app->cfg.crypto_engine);
	if (app->engine == NULL)
		return -ENOTSUP;
	sp.engine = app->engine;
	app->sa = sa_db_create(&sp);
	if (app->sa == NULL) {
		LOG(ERR, "cannot create the SA tables for %u SAs (give EAL more memory, -m)",
		    sp.max_sas);
		return -ENOMEM;
	}
	app->env.sa = app->sa;
	app->env.engine = app->engine;
	if (app_ike_setup(app) != 0) {
		LOG(ERR, "cannot create the IKE tables");
		return -ENOMEM;
	}
	LOG(INFO, "crypto engine %s", crypto_engine_describe(app->engine));
	return 0;
}

/* Site slots stay below esp.max_tunnels (lib/ctl): NAT's site ids. */
static int
setup_nat(struct app *app, int socket)
{
	struct nat_config c = app->cfg.nat;

	if (!app->cfg.nat_enabled)
		return 0;
	c.n_workers = app->cfg.workers;
	c.socket_id = socket;
	c.qsbr = app->qsbr;
	c.max_sites = app->cfg.esp.max_tunnels;
	c.max_tunnels = app->cfg.esp.max_tunnels;
	app->nat = nat_create(&c);
	if (app->nat == NULL) {
		LOG(ERR, "cannot create the NAT for %u sessions (%s); give EAL more memory (-m)",
		    c.capacity, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	app->env.nat = app->nat;
	LOG(INFO,
	    "NAT: %u sessions, %u per site, %u per site and remote, %u active sites, "
	    "ports %u-%u, %zu MiB",
	    c.capacity, c.site_cap, c.site_dest_cap, c.active_sites, c.port_min, c.port_max,
	    nat_memory(app->nat) >> 20);
	return 0;
}

/* IKE's SAs reach the data plane through ctl, ctl's IKE sites IKE. */
static int
setup_ctl(struct app *app, int socket)
{
	struct ctl_params p = {
		.cfg = &app->cfg,
		.sa = app->sa,
		.nat = app->nat,
		.engine_ops = &app_ike_engine,
		.engine = app,
		.socket_id = socket,
	};

	app->ctl = ctl_create(&p);
	if (app->ctl == NULL) {
		LOG(ERR, "cannot create the site and tunnel tables");
		return -ENOMEM;
	}
	return 0;
}

static int
setup_memory(struct app *app)
{
	int socket = (int)rte_socket_id();
	size_t qsz;
	int rc;

	app->pool = rte_pktmbuf_pool_create("pkt", pool_size(&app->cfg), POOL_CACHE, 0,
					    data_room(&app->cfg), socket);
	if (app->pool == NULL) {
		LOG(ERR, "cannot allocate packet buffers (%s); give EAL more memory (-m)",
		    rte_strerror(rte_errno));
		return -ENOMEM;
	}
	qsz = rte_rcu_qsbr_get_memsize(app->cfg.workers);
	app->qsbr = rte_zmalloc("qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (app->qsbr == NULL || rte_rcu_qsbr_init(app->qsbr, app->cfg.workers) != 0)
		return -ENOMEM;
	app->env.punt = rte_ring_create("punt", PUNT_RING_SIZE, socket, RING_F_SC_DEQ);
	app->env.punt_known = rte_ring_create("punt_known", PUNT_RING_SIZE, socket, RING_F_SC_DEQ);
	/* Ours: one per IKE SA, half-open or up (two per site while rekeying). */
	app->env.cookies = worker_cookies_create(
		app->cfg.ike.max_half_open + 2 * app->cfg.esp.max_tunnels, socket);
	app->env.learn = rte_ring_create_elem("learn", sizeof(struct neigh_learn_msg),
					      LEARN_RING_SIZE, socket, RING_F_SC_DEQ);
	app->env.routes = route_table_create("routes", app->cfg.tables.routes, socket, app->qsbr);
	app->env.neigh = neigh_table_create("neigh", app->cfg.tables.neighbours, socket, app->qsbr);
	if (app->env.punt == NULL || app->env.punt_known == NULL || app->env.cookies == NULL ||
	    app->env.learn == NULL || app->env.routes == NULL || app->env.neigh == NULL) {
		LOG(ERR, "cannot create rings and tables (%s)", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	app->env.qsbr = app->qsbr;
	app->env.pool = app->pool;
	app->env.icmp_error_rate = app->cfg.icmp_error_rate;
	app->env.idle_sleep_us = app->cfg.idle_sleep_us;
	app->env.mss_clamp = app->cfg.esp.mss_clamp;
	app->env.n_workers = app->cfg.workers;
	app->env.frag_entries = FRAG_ENTRIES;
	app->env.max_sites = app->cfg.esp.max_tunnels; /* site slots (lib/ctl) */
	/*
	 * A new exchange takes a datagram or two with no cookie of ours (the
	 * first, its retransmission); IKE admits new_per_source_per_second of
	 * them, so twice that reaches it, and the rest of a flood stops here.
	 */
	app->env.ike_rate = 2 * app->cfg.ike.new_per_src_per_s;
	app->env.n_bypass = app->cfg.n_bypass;
	for (unsigned i = 0; i < app->cfg.n_bypass; i++) {
		const struct cfg_bypass *b = &app->cfg.bypass[i];

		app->env.bypass[i] = (struct worker_bypass){ .local = b->local,
							     .remote = b->remote,
							     .local_len = b->local_len,
							     .remote_len = b->remote_len };
	}
	rc = setup_sa(app, socket);
	if (rc == 0)
		rc = setup_nat(app, socket);
	return rc == 0 ? setup_ctl(app, socket) : rc;
}

static bool
is_pool_address(const struct cfg *cfg, uint32_t a)
{
	for (unsigned p = 0; cfg->nat_enabled && p < cfg->nat.n_pools; p++)
		for (unsigned i = 0; i < cfg->nat.pools[p].n_addrs; i++)
			if (cfg->nat.pools[p].addr[i] == a)
				return true;
	return false;
}

static int
setup_ports(struct app *app)
{
	const struct cfg *cfg = &app->cfg;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct cfg_port *cp = &cfg->ports[i];
		struct worker_port *wp = &app->env.port[i];
		char err[256];
		int rc;

		rc = port_open(cp->device, (uint16_t)cfg->workers, cp->mtu, app->pool,
			       &app->port[i].h, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "%s:%u: ports[%u].device: %s\n", cfg->path, cp->line, i,
				err);
			return rc;
		}
		app->env.n_ports = i + 1;
		rte_eth_macaddr_get(app->port[i].h.port_id, &wp->mac);
		wp->port_id = app->port[i].h.port_id;
		wp->mtu = cp->mtu;
		wp->addr = cp->addr;
		wp->plen = cp->plen;
		wp->role = cp->role == CFG_ROLE_OUTSIDE ? WORKER_ROLE_OUTSIDE : WORKER_ROLE_INSIDE;
		wp->nat_pool = is_pool_address(cfg, cp->addr);
		port_link(wp->port_id, &app->port[i].link);
	}
	return 0;
}

static int
setup_routes(struct app *app)
{
	const struct cfg *cfg = &app->cfg;
	uint64_t now = app_now_ms();
	char p[NET_PREFIX_STR_MAX];
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < cfg->n_ports; i++) {
		const struct cfg_port *cp = &cfg->ports[i];
		struct route_nh nh = { .port = (uint16_t)i, .connected = 1 };

		rc = route_add(app->env.routes, cp->addr & net_mask(cp->plen), cp->plen, &nh);
	}
	for (unsigned i = 0; rc == 0 && i < cfg->n_routes; i++) {
		const struct cfg_route *r = &cfg->routes[i];
		struct route_nh nh = { .gateway = r->via, .port = (uint16_t)r->port };

		rc = route_add(app->env.routes, r->prefix, r->plen, &nh);
		if (rc != 0)
			fprintf(stderr, "%s:%u: routes[%u]: %s: %s (tables.routes = %u)\n",
				cfg->path, r->line, i, net_prefix_str(r->prefix, r->plen, p),
				strerror(-rc), cfg->tables.routes);
	}
	for (unsigned i = 0; rc == 0 && i < cfg->n_neighbours; i++) {
		const struct cfg_neighbour *nb = &cfg->neighbours[i];
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, nb->mac, sizeof(nb->mac));
		rc = neigh_update(app->env.neigh, (uint16_t)nb->port, nb->addr, &mac, true, now);
		if (rc != 0)
			fprintf(stderr,
				"%s:%u: neighbours[%u]: table full (tables.neighbours = %u)\n",
				cfg->path, nb->line, i, cfg->tables.neighbours);
	}
	return rc;
}

static int
setup_workers(struct app *app)
{
	unsigned lcore, n = 0;

	if (rte_lcore_count() < app->cfg.workers + 1) {
		fprintf(stderr,
			"%s:%u: workers: %u workers need %u lcores (one control "
			"core + workers); EAL has %u, give more with -l\n",
			app->cfg.path, app->cfg.workers_line, app->cfg.workers,
			app->cfg.workers + 1, rte_lcore_count());
		return -EINVAL;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n == app->cfg.workers)
			break;
		app->worker[n] = worker_create(&app->env, n, (int)rte_lcore_to_socket_id(lcore));
		if (app->worker[n] == NULL)
			return -ENOMEM;
		app->worker_lcore[n] = lcore;
		n++;
	}
	app->n_workers = n;
	app->clear_base =
		rte_zmalloc("clear_base", sizeof(*app->clear_base) * n, RTE_CACHE_LINE_SIZE);
	return app->clear_base == NULL ? -ENOMEM : 0;
}

int
app_setup(struct app *app)
{
	int rc;

	pthread_mutex_init(&app->lock, NULL);
	rc = setup_memory(app);
	if (rc == 0)
		rc = setup_ports(app);
	if (rc == 0)
		rc = setup_routes(app);
	if (rc == 0)
		rc = setup_workers(app);
	if (rc == 0)
		rc = ctl_sites_install(app->ctl, app_now_ms());
	return rc;
}

int
app_launch(struct app *app)
{
	for (unsigned i = 0; i < app->n_workers; i++) {
		int rc = rte_eal_remote_launch(worker_main, app->worker[i], app->worker_lcore[i]);
		if (rc != 0) {
			LOG(ERR, "cannot launch worker %u on lcore %u", i, app->worker_lcore[i]);
			return rc;
		}
	}
	app->launched = true;
	sa_db_set_running(app->sa, true);
	return 0;
}

static void
drain_ring(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r != NULL && rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

void
app_teardown(struct app *app)
{
	if (app->launched) {
		worker_env_stop(&app->env);
		rte_eal_mp_wait_lcore();
		app->launched = false;
		sa_db_set_running(app->sa, false);
	}
	for (unsigned i = 0; i < app->env.n_ports; i++)
		port_close(&app->port[i].h);
	drain_ring(app->env.punt);
	drain_ring(app->env.punt_known);
	for (unsigned i = 0; i < app->n_workers; i++)
		worker_free(app->worker[i]);
	rte_free(app->clear_base);
	/* IKE removes its SAs through ctl, ctl through the NAT and SA tables. */
	app_ike_free(app);
	ctl_free(app->ctl);
	nat_free(app->nat);
	sa_db_free(app->sa);
	neigh_table_free(app->env.neigh);
	route_table_free(app->env.routes);
	rte_ring_free(app->env.learn);
	rte_ring_free(app->env.punt);
	rte_ring_free(app->env.punt_known);
	worker_cookies_free(app->env.cookies);
	rte_free(app->qsbr);
	rte_mempool_free(app->pool);
	conf_free(&app->cfg);
}
