/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker loop: RX on every port, inject ring, TX flush, housekeeping. */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_random.h>

#include "priv.h"

#define RX_PREFETCH_AHEAD 4

/* Where a decrypted packet came from travels with it (priv.h, PORT_TUNNEL). */
static const struct rte_mbuf_dynfield tunnel_field = {
	.name = "esphub_tunnel",
	.size = sizeof(uint32_t),
	.align = __alignof__(uint32_t),
};

static int
reass_tables(struct worker *w, const struct worker_env *env, int socket_id)
{
	static const char *const name[REASS_N] = { "reass_out", "reass_in", "reass_tun" };
	uint64_t timeout = rte_get_tsc_hz() * REASS_TIMEOUT_S;

	for (unsigned z = 0; z < REASS_N; z++) {
		w->reass[z] = worker_reass_create(
			name[z], env->frag_entries, WORKER_REASS_MBUFS(env->frag_entries) / REASS_N,
			z == REASS_TUNNEL ? RTE_MAX(env->max_sites, 1u) : 0, timeout, socket_id);
		if (w->reass[z] == NULL)
			return -ENOMEM;
	}
	return 0;
}

struct worker *
worker_create(struct worker_env *env, unsigned index, int socket_id)
{
	char name[RTE_RING_NAMESIZE];
	struct worker *w;

	w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket_id);
	if (w == NULL)
		return NULL;
	w->st = rte_zmalloc_socket("worker_stats", sizeof(*w->st), RTE_CACHE_LINE_SIZE, socket_id);
	snprintf(name, sizeof(name), "inject%u", index);
	w->inject = rte_ring_create(name, 1024, socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->tunnel_field = rte_mbuf_dynfield_register(&tunnel_field);
	if (w->st == NULL || w->inject == NULL || w->tunnel_field < 0 ||
	    reass_tables(w, env, socket_id) != 0) {
		worker_free(w);
		return NULL;
	}
	w->env = env;
	w->index = index;
	w->queue = (uint16_t)index;
	w->n_ports = env->n_ports;
	RTE_BUILD_BUG_ON(STATS_MAX_PORTS > 8 * sizeof(w->outside_ports));
	for (unsigned p = 0; p < env->n_ports; p++)
		if (env->port[p].role == WORKER_ROLE_OUTSIDE)
			w->outside_ports |= (uint8_t)(1u << p);
	w->n_bypass = RTE_MIN(env->n_bypass, (unsigned)WORKER_BYPASS_MAX);
	for (unsigned i = 0; i < w->n_bypass; i++) {
		const struct worker_bypass *b = &env->bypass[i];

		w->bypass[i] = (struct bypass_rule){ .local = b->local & net_mask(b->local_len),
						     .local_mask = net_mask(b->local_len),
						     .remote = b->remote & net_mask(b->remote_len),
						     .remote_mask = net_mask(b->remote_len) };
	}
	w->pool = env->pool;
	w->fib = route_table_fib(env->routes);
	w->neigh = neigh_table_view(env->neigh);
	w->sw = sa_db_worker(env->sa, index);
	w->spd_summary = w->sw != NULL ? sa_worker_spd_summary(w->sw) : NULL;
	w->ew = esp_worker_create(env->engine, socket_id, index, env->n_workers);
	w->nw = env->nat != NULL ? nat_worker_get(env->nat, index) : NULL;
	w->icmp_site_due = rte_zmalloc_socket(
		"icmp_site_due", sizeof(uint64_t) * RTE_MAX(env->max_sites, 1u), 0, socket_id);
	if (env->cookies != NULL)
		w->punt_known_due = rte_zmalloc_socket(
			"punt_known_due", sizeof(uint64_t) * worker_cookies_slots(env->cookies),
			RTE_CACHE_LINE_SIZE, socket_id);
	if (w->sw == NULL || w->ew == NULL || w->icmp_site_due == NULL ||
	    (env->cookies != NULL && w->punt_known_due == NULL)) {
		worker_free(w);
		return NULL;
	}
	w->tsc_hz = rte_get_tsc_hz();
	w->tsc_per_ms = w->tsc_hz / 1000;
	w->icmp_interval = env->icmp_error_rate ? w->tsc_hz / env->icmp_error_rate : 0;
	/* IKE from unknown sources: a second's worth may come at once. */
	w->punt_key[0] = rte_rand() | 1;
	w->punt_key[1] = rte_rand();
	w->punt_tsc_per_token = env->ike_rate ? w->tsc_hz / env->ike_rate : 0;
	w->punt_burst_tsc = w->tsc_hz;
	return w;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	for (unsigned z = 0; z < REASS_N; z++)
		worker_reass_free(w->reass[z]);
	esp_worker_free(w->ew);
	rte_free(w->punt_known_due);
	rte_free(w->icmp_site_due);
	rte_ring_free(w->inject);
	rte_free(w->st);
	rte_free(w);
}

void
worker_env_stop(struct worker_env *env)
{
	__atomic_store_n(&env->stop, 1, __ATOMIC_RELEASE);
}

struct stats_worker *
worker_stats(struct worker *w)
{
	return w->st;
}

int
worker_inject(struct worker *w, struct rte_mbuf *m)
{
	return rte_ring_sp_enqueue(w->inject, m) == 0 ? 0 : -ENOBUFS;
}

void
worker_txq_push(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct txq *q = &w->tx[port];

	if (unlikely(q->n == TXQ_SIZE))
		worker_flush(w);
	q->bytes += m->pkt_len;
	q->m[q->n++] = m;
}

void
worker_flush(struct worker *w)
{
	for (uint16_t p = 0; p < w->n_ports; p++) {
		struct txq *q = &w->tx[p];
		uint16_t sent;

		if (q->n == 0)
			continue;
		sent = rte_eth_tx_burst(w->env->port[p].port_id, w->queue, q->m, q->n);
		for (uint16_t i = sent; i < q->n; i++) {
			q->bytes -= q->m[i]->pkt_len;
			stats_drop(w->st, q->m[i], DROP_TX_QUEUE_FULL);
		}
		w->st->port[p].tx_pkts += sent;
		w->st->port[p].tx_bytes += q->bytes;
		q->n = 0;
		q->bytes = 0;
	}
}

void
worker_input(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n)
{
	struct stats_port_counters *pc = &w->st->port[in_port];

	pc->rx_pkts += n;
	/* Headers a few packets ahead: one packet's work is shorter than a miss. */
	for (uint16_t i = 0; i < n && i < RX_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		if (i + RX_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + RX_PREFETCH_AHEAD], void *));
		pc->rx_bytes += pkts[i]->pkt_len;
		worker_eth_input(w, in_port, pkts[i]);
	}
	worker_tunnel_flush(w);
}

/*
 * The control core's packets: whole frames for a port, or IKE datagrams
 * to route (IKE is bypassed, RFC 4301 s5.2: never into the SPD).
 */
static unsigned
inject_drain(struct worker *w)
{
	struct rte_mbuf *m[WORKER_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(w->inject, (void **)m, WORKER_BURST, NULL);

	for (unsigned i = 0; i < n; i++) {
		struct net_ipv4_info info;

		w->st->ctr[WCTR_INJECTED]++;
		if (m[i]->port < w->n_ports)
			worker_txq_push(w, m[i]->port, m[i]);
		else if (m[i]->port == WORKER_INJECT_ROUTE &&
			 net_ipv4_parse(rte_pktmbuf_mtod(m[i], void *), rte_pktmbuf_data_len(m[i]),
					false, &info) == DROP_NONE)
			worker_ipv4_route(w, PORT_LOCAL, m[i], &info, false);
		else
			stats_drop(w->st, m[i], DROP_INJECT_INVALID);
	}
	worker_tunnel_flush(w);
	return n;
}

static void
housekeeping(struct worker *w)
{
	uint64_t now;

	if (w->pending_active == 0)
		return;
	/* Read now, not at loop start: entries parked this loop are newer. */
	now = rte_rdtsc();
	/* Resolve as soon as the table moves; expire and retry on a timer. */
	if (neigh_generation(w->neigh.generation) != w->pending_gen || now >= w->pending_next_tsc) {
		w->pending_gen = neigh_generation(w->neigh.generation);
		w->pending_next_tsc = now + PENDING_CHECK_MS * w->tsc_per_ms;
		worker_pending_check(w, now);
	}
}

/*
 * Nothing to do for a while: give the CPU away briefly, if configured (a
 * host shared with other work, a VM). Counted as polling time, not busy.
 */
static void
idle(struct worker *w)
{
	if (w->env->idle_sleep_us == 0)
		return;
	if (w->idle_polls < IDLE_POLLS) {
		w->idle_polls++;
		return;
	}
	rte_delay_us_sleep(w->env->idle_sleep_us);
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct worker_env *env = w->env;
	struct rte_mbuf *pkts[WORKER_BURST];
	uint64_t *ctr = w->st->ctr;

	rte_rcu_qsbr_thread_register(env->qsbr, w->index);
	rte_rcu_qsbr_thread_online(env->qsbr, w->index);
	while (!__atomic_load_n(&env->stop, __ATOMIC_ACQUIRE)) {
		uint64_t t0 = rte_rdtsc(), t1;
		unsigned got = 0;

		/* SA updates between bursts: no SA is held across one. */
		sa_worker_apply(w->sw);

		for (uint16_t p = 0; p < w->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(env->port[p].port_id, w->queue, pkts,
						      WORKER_BURST);
			if (n != 0) {
				worker_input(w, p, pkts, n);
				got += n;
			}
		}
		got += inject_drain(w);
		housekeeping(w);
		worker_reassembly_housekeeping(w);
		worker_flush(w);
		/* Before the quiescent report: NAT frees slots a grace period old. */
		if (w->nw != NULL)
			nat_worker_expire(w->nw, rte_rdtsc(), NAT_EXPIRE_BUDGET);
		rte_rcu_qsbr_quiescent(env->qsbr, w->index);
		if (got == 0)
			idle(w);
		else
			w->idle_polls = 0;

		t1 = rte_rdtsc();
		ctr[WCTR_POLLS]++;
		ctr[WCTR_TOTAL_CYCLES] += t1 - t0;
		if (got != 0) {
			ctr[WCTR_BUSY_POLLS]++;
			ctr[WCTR_BUSY_CYCLES] += t1 - t0;
		}
	}
	worker_pending_drop_all(w);
	worker_flush(w);
	rte_rcu_qsbr_thread_offline(env->qsbr, w->index);
	rte_rcu_qsbr_thread_unregister(env->qsbr, w->index);
	return 0;
}
