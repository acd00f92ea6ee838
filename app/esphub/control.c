/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control core's loop. Everything here runs on the main lcore and is
 * paced by the CLI poll timeout; nothing here is on the packet path.
 *
 * Timers (all driven from app_control_loop):
 *   every loop (<= 1 ms)  drain the punt and learn rings, serve the CLI,
 *                         IKE timers (retransmits, DPD, rekeys) when due
 *   every 100 ms          SA lifetimes, release of removed SAs
 *   every second          link state check, neighbour ageing/probes
 */
#include <arpa/inet.h>
#include <rte_arp.h>
#include <rte_cycles.h>

#include "app.h"
#include "net.h"

#define CONTROL_POLL_MS 1
#define SA_POLL_MS      100
#define RING_DRAIN_MAX  256

int
app_inject(struct app *app, struct rte_mbuf *m)
{
	/* Worker 0 transmits for the control core; it owns a TX queue on every port. */
	if (worker_inject(app->worker[0], m) != 0) {
		app->ctr[CCTR_INJECT_FULL]++;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

static void
drain_learn(struct app *app, uint64_t now)
{
	struct neigh_learn_msg msg[RING_DRAIN_MAX];
	unsigned n = rte_ring_dequeue_burst_elem(app->env.learn, msg, sizeof(msg[0]),
						 RING_DRAIN_MAX, NULL);

	for (unsigned i = 0; i < n; i++) {
		if (neigh_update(app->env.neigh, msg[i].port, msg[i].ip, &msg[i].mac, false, now) ==
		    0)
			app->ctr[CCTR_LEARN_APPLIED]++;
		else
			app->ctr[CCTR_LEARN_TABLE_FULL]++;
	}
}

/*
 * Workers punt IKE (UDP 500, marker-prefixed 4500). Datagrams of our known
 * IKE SAs first and all of them: rekeys and DPD of tunnels that are up
 * never wait behind a flood of new exchanges, which get what time is left.
 */
static void
drain_punt(struct app *app)
{
	struct rte_ring *rings[] = { app->env.punt_known, app->env.punt };

	for (unsigned r = 0; r < RTE_DIM(rings); r++) {
		struct rte_mbuf *m[RING_DRAIN_MAX];
		unsigned n = rte_ring_sc_dequeue_burst(rings[r], (void **)m, RING_DRAIN_MAX, NULL);

		app->ctr[CCTR_PUNT_RX] += n;
		for (unsigned i = 0; i < n; i++)
			app_ike_input(app, m[i]);
	}
}

static void
probe(uint16_t port, uint32_t ip, const struct rte_ether_addr *mac, void *arg)
{
	struct app *app = arg;
	const struct worker_port *wp = &app->env.port[port];
	struct rte_mbuf *m = rte_pktmbuf_alloc(app->pool);

	if (m == NULL)
		return;
	/* RFC 1122 s2.3.2.1: unicast probes to the cached address. */
	net_arp_build(rte_pktmbuf_append(m, NET_ARP_FRAME_LEN), RTE_ARP_OP_REQUEST, &wp->mac, mac,
		      wp->addr, NULL, ip);
	m->port = port;
	app->ctr[CCTR_NEIGH_PROBES]++;
	app_inject(app, m);
}

static void
check_links(struct app *app)
{
	for (unsigned i = 0; i < app->env.n_ports; i++) {
		struct app_port *p = &app->port[i];
		struct port_link l;
		char s[64];

		port_link(p->h.port_id, &l);
		if (l.up == p->link.up)
			continue;
		p->link = l;
		app->ctr[CCTR_LINK_CHANGES]++;
		LOG(NOTICE, "port %u (%s): link %s", i, app->cfg.ports[i].name,
		    port_link_str(&l, s, sizeof(s)));
		if (!l.up)
			neigh_flush_port(app->env.neigh, (uint16_t)i);
	}
}

void
app_control_loop(struct app *app)
{
	while (!app->quit) {
		uint64_t now;

		/* The only thing done without the lock: waiting. */
		cli_wait(app->cli, CONTROL_POLL_MS);
		pthread_mutex_lock(&app->lock);
		if (!cli_poll(app->cli))
			app->quit = 1;
		now = app_now_ms();
		drain_learn(app, now);
		drain_punt(app);
		app_ike_tick(app, now);
		if (now >= app->next_sa_poll_ms) {
			app->next_sa_poll_ms = now + SA_POLL_MS;
			ctl_poll(app->ctl, now);
		}
		if (now >= app->next_second_ms) {
			app->next_second_ms = now + 1000;
			check_links(app);
			neigh_age(app->env.neigh, now, probe, app);
		}
		pthread_mutex_unlock(&app->lock);
	}
}
