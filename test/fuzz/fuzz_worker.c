/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole worker input path through lib/worker's public
 * API (worker_create(), worker_input() on a port index, worker_flush()),
 * on a box with an outside and an inside port, three hand-keyed tunnels
 * (AES-CBC/SHA1 plain ESP, AES-GCM in UDP 4500 with ESN, AES-CBC/SHA2 in
 * UDP 4500), and source NAT to the inside address.
 *
 * The input is a list of records, each one or more frames on a port:
 *   raw     Ethernet frame as given;
 *   ip      an IPv4 datagram of the input's (checksums fixed or not),
 *           in an Ethernet frame to the port or to broadcast;
 *   esp     an inner datagram of the input's, encrypted for one tunnel's
 *           inbound SA with its keys (so it decrypts and goes on to the
 *           inner checks, NAT, forwarding or the box itself);
 *   arp     an ARP packet with the input's fields;
 *   reply   the last datagram the box sent out of the inside port, sent
 *           back with addresses and ports swapped (a cloud reply to a
 *           masqueraded flow, which the input could not guess), or an ICMP
 *           error quoting it;
 * and ip and esp records may be cut into fragments (in order, reversed,
 * or with one repeated), the inner datagram or the ESP packet, so
 * reassembly sees whole and broken sequences. Frames of one port go to
 * worker_input() together, up to a record that ends the burst.
 *
 * Each input gets a fresh worker and NAT (fresh replay windows too), so
 * it replays alike. After it: what the box sent is taken off the ports'
 * rings, parked packets are dropped (worker_main() asked to stop at
 * once), punted ones freed, the worker freed; then every mbuf must be
 * back in the pool.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_arp.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "fuzz_dpdk.h"
#include "net.h"
#include "worker.h"

#define CHECK(c)                                                  \
	do {                                                      \
		if (!(c)) {                                       \
			fprintf(stderr, "fuzz_worker: %s\n", #c); \
			abort();                                  \
		}                                                 \
	} while (0)

#define WAN_ADDR   0xc6336401u /* 198.51.100.1/24 */
#define WAN_GW     0xc63364feu
#define CLOUD_ADDR 0xac100001u /* 172.16.0.1/16, the NAT pool */
#define N_TUN      3
#define MAX_FRAMES 512
#define MAX_FRAGS  16
#define FRAME_MAX  1600
#define RING_SIZE  1024

static const struct {
	enum crypto_cipher cipher;
	enum crypto_integ integ;
	uint8_t key_len;
	bool udp, esn;
	uint32_t window, peer;
	struct sa_ts remote;
} tuns[N_TUN] = {
	/* One row a tunnel: clang-format 14 puts each field of a row on its own line. */
	/* clang-format off */
	{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 16, false, false, 1024,
	  0xcb007105, { 0xc0a80000, 24 } },
	{ CRYPTO_CIPHER_AES_GCM16, CRYPTO_INTEG_NONE, 16, true, true, 64,
	  0xcb007106, { 0xc0a80100, 24 } },
	{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA256_128, 32, true, false, 0,
	  0xcb007107, { 0x0a140000, 16 } },
	/* clang-format on */
};

static struct worker_env env;
static struct nat_config nat_cfg;
static struct rte_ring *tx_ring[2];
static struct sa *in_sa[N_TUN];
static struct fz_esp_keys keys[N_TUN];

static void
port_setup(uint16_t i)
{
	char name[32];
	struct rte_ring *rx;
	int pid;

	snprintf(name, sizeof(name), "fz_rx%u", i);
	rx = rte_ring_create(name, RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "fz_tx%u", i);
	tx_ring[i] = rte_ring_create(name, RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	CHECK(rx != NULL && tx_ring[i] != NULL);
	snprintf(name, sizeof(name), "fz_port%u", i);
	pid = rte_eth_from_rings(name, &rx, 1, &tx_ring[i], 1, SOCKET_ID_ANY);
	CHECK(pid >= 0);
	CHECK(rte_eth_dev_configure((uint16_t)pid, 1, 1, &(struct rte_eth_conf){ 0 }) == 0);
	CHECK(rte_eth_rx_queue_setup((uint16_t)pid, 0, RING_SIZE, SOCKET_ID_ANY, NULL, fz_pool()) ==
	      0);
	CHECK(rte_eth_tx_queue_setup((uint16_t)pid, 0, RING_SIZE, SOCKET_ID_ANY, NULL) == 0);
	CHECK(rte_eth_dev_start((uint16_t)pid) == 0);
	env.port[i] =
		(struct worker_port){ .port_id = (uint16_t)pid,
				      .mtu = 1500,
				      .addr = i == 0 ? WAN_ADDR : CLOUD_ADDR,
				      .plen = i == 0 ? 24 : 16,
				      .role = i == 0 ? WORKER_ROLE_OUTSIDE : WORKER_ROLE_INSIDE,
				      .nat_pool = i == 1 };
	CHECK(rte_eth_macaddr_get((uint16_t)pid, &env.port[i].mac) == 0);
}

static void
neighbour(uint16_t port, uint32_t ip, uint8_t last)
{
	struct rte_ether_addr mac = { { 2, 0, 0, 0, (uint8_t)port, last } };

	CHECK(neigh_update(env.neigh, port, ip, &mac, true, 0) == 0);
}

static void
tunnels(void)
{
	struct sa_ts cloud = { 0xac100000, 16 };

	for (unsigned t = 0; t < N_TUN; t++) {
		struct sa_params p = {
			.spi = 0x1000 + t,
			.inbound = true,
			.tunnel = t,
			.site = t,
			.esn = tuns[t].esn,
			.local_addr = WAN_ADDR,
			.peer_addr = tuns[t].peer,
			.local_port = tuns[t].udp ? 4500 : 0,
			.peer_port = tuns[t].udp ? 4500 : 0,
			.replay_window = tuns[t].window,
			.outside_mtu = 1500,
			.keys = { .cipher = tuns[t].cipher,
				  .integ = tuns[t].integ,
				  .cipher_key_len = tuns[t].key_len,
				  .integ_key_len = tuns[t].integ == CRYPTO_INTEG_HMAC_SHA1_96 ? 20 :
						   tuns[t].integ == CRYPTO_INTEG_NONE         ? 0 :
												32 },
			.n_local_ts = 1,
			.n_remote_ts = 1,
			.local_ts = { cloud },
			.remote_ts = { tuns[t].remote },
		};
		uint32_t id;

		memset(p.keys.cipher_key, 0x21 + t, sizeof(p.keys.cipher_key));
		memset(p.keys.integ_key, 0x42 + t, sizeof(p.keys.integ_key));
		memset(p.keys.salt, 0x63 + t, sizeof(p.keys.salt));
		CHECK(sa_tunnel_add(env.sa, t, t, &tuns[t].remote, 1) == 0);
		CHECK(sa_add(env.sa, &p, &id) == 0);
		in_sa[t] = (struct sa *)(uintptr_t)sa_db_get(env.sa, id);
		fz_esp_keys_init(&keys[t], env.engine, &p);
		p.spi = 0x2000 + t;
		p.inbound = false;
		p.replay_window = 0;
		CHECK(sa_add(env.sa, &p, &id) == 0 && sa_tunnel_set_out(env.sa, t, id) == 0);
	}
	sa_worker_apply(sa_db_worker(env.sa, 0));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct route_nh wan = { .port = 0, .connected = 1 }, cloud = { .port = 1, .connected = 1 };
	struct route_nh gw = { .gateway = WAN_GW, .port = 0 };
	size_t qs = rte_rcu_qsbr_get_memsize(1);

	(void)argc;
	(void)argv;
	fz_eal_init("fuzz_worker");
	env.n_workers = 1;
	env.n_ports = 2;
	port_setup(0);
	port_setup(1);
	env.routes = route_table_create("fz_routes", 64, SOCKET_ID_ANY, NULL);
	env.neigh = neigh_table_create("fz_neigh", 64, SOCKET_ID_ANY, NULL);
	env.punt = rte_ring_create("fz_punt", RING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
	env.punt_known = rte_ring_create("fz_punt_known", RING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
	/* One IKE SA of the box's own, so its datagrams take the known ring. */
	env.cookies = worker_cookies_create(16, SOCKET_ID_ANY);
	env.ike_rate = 50;
	env.learn = rte_ring_create_elem("fz_learn", sizeof(struct neigh_learn_msg), RING_SIZE,
					 SOCKET_ID_ANY, RING_F_SC_DEQ);
	env.qsbr = rte_zmalloc("fz_qsbr", qs, RTE_CACHE_LINE_SIZE);
	env.pool = fz_pool();
	env.engine = crypto_engine_find("ipsec_mb");
	env.sa = sa_db_create(&(struct sa_db_params){ .max_sas = 16,
						      .max_tunnels = 8,
						      .max_spd = 16,
						      .n_workers = 1,
						      .engine = env.engine,
						      .socket_id = SOCKET_ID_ANY });
	env.icmp_error_rate = 1000;
	env.mss_clamp = WORKER_MSS_AUTO;
	env.frag_entries = 64;
	env.max_sites = 8;
	/* Cleartext between the cloud and a partner network may cross the WAN. */
	env.n_bypass = 1;
	env.bypass[0] = (struct worker_bypass){
		.local = 0xac100000, .local_len = 16, .remote = 0xc6120000, .remote_len = 15
	};
	CHECK(env.routes != NULL && env.neigh != NULL && env.punt != NULL && env.learn != NULL &&
	      env.punt_known != NULL && env.cookies != NULL &&
	      worker_cookies_add(env.cookies, (const uint8_t *)"esphubck") && env.qsbr != NULL &&
	      env.sa != NULL && rte_rcu_qsbr_init(env.qsbr, 1) == 0);
	CHECK(route_add(env.routes, WAN_ADDR & 0xffffff00, 24, &wan) == 0);
	CHECK(route_add(env.routes, CLOUD_ADDR & 0xffff0000, 16, &cloud) == 0);
	CHECK(route_add(env.routes, 0, 0, &gw) == 0);
	neighbour(0, WAN_GW, 1);
	neighbour(1, 0xac10000a, 2); /* 172.16.0.10, .20: cloud servers */
	neighbour(1, 0xac100014, 3);
	tunnels();

	nat_config_init(&nat_cfg);
	nat_cfg.n_workers = 1;
	nat_cfg.qsbr = env.qsbr;
	nat_cfg.socket_id = SOCKET_ID_ANY;
	nat_cfg.capacity = 1024;
	nat_cfg.site_cap = 512;
	nat_cfg.max_sites = 8;
	nat_cfg.max_tunnels = 8;
	nat_cfg.n_pools = 1;
	nat_cfg.pools[0] = (struct nat_pool_config){ 1, { CLOUD_ADDR } };
	nat_cfg.n_rules = 1;
	nat_cfg.rules[0] = (struct nat_rule_config){ 0xac100000, 16, NAT_SITE_ANY, 0 };
	return 0;
}

/*
 * Each input gets a fresh worker, but not a fresh crypto manager: setting
 * up intel-ipsec-mb (its self-tests included) would be most of an input's
 * time. The link wraps crypto_lcore_create/destroy (meson.build) so the
 * worker's ESP state gets the one made at the first call; crypto_process()
 * keeps nothing between calls.
 */
struct crypto_lcore *__real_crypto_lcore_create(const struct crypto_engine *e, int socket_id);
struct crypto_lcore *__wrap_crypto_lcore_create(const struct crypto_engine *e, int socket_id);
void __wrap_crypto_lcore_destroy(struct crypto_lcore *lc);

struct crypto_lcore *
__wrap_crypto_lcore_create(const struct crypto_engine *e, int socket_id)
{
	static struct crypto_lcore *lc;

	if (lc == NULL)
		lc = __real_crypto_lcore_create(e, socket_id);
	return lc;
}

void
__wrap_crypto_lcore_destroy(struct crypto_lcore *lc)
{
	(void)lc;
}

/* --- frames --------------------------------------------------------------- */

struct frames {
	struct rte_mbuf *m[MAX_FRAMES];
	uint16_t port[MAX_FRAMES];
	bool end[MAX_FRAMES]; /* a burst ends after this frame */
	unsigned n;
};

/* The last datagram the box sent out of the inside port. */
static struct {
	uint8_t b[FRAME_MAX];
	size_t len;
} last_cloud;

/* A whole frame, bytes as given. */
static void
push(struct frames *fr, uint16_t port, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m;

	if (fr->n == MAX_FRAMES || (m = fz_mbuf(frame, len)) == NULL)
		return;
	fr->port[fr->n] = port;
	fr->end[fr->n] = false;
	fr->m[fr->n++] = m;
}

/* An IPv4 datagram in an Ethernet frame to the port (or broadcast). */
static void
put_frame(struct frames *fr, uint16_t port, const uint8_t *ip, size_t len, bool bcast)
{
	uint8_t f[14 + FRAME_MAX];
	struct rte_ether_hdr eh = { .ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) };

	if (len > FRAME_MAX)
		return;
	if (bcast)
		memset(&eh.dst_addr, 0xff, sizeof(eh.dst_addr));
	else
		eh.dst_addr = env.port[port].mac;
	eh.src_addr = (struct rte_ether_addr){ { 2, 0, 0, 0, 9, (uint8_t)port } };
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ip, len);
	push(fr, port, f, sizeof(eh) + len);
}

/*
 * The datagram at ip cut into fragments: sizes (multiples of 8) from the
 * input, sent in order, reversed, or with one repeated; or whole.
 */
static unsigned
fragment(struct fz *f, const uint8_t *ip, size_t len, uint8_t out[][FRAME_MAX], size_t *olen)
{
	uint8_t how = fz_u8(f);
	unsigned hl = (ip[0] & 0xfu) * 4, n = 0;
	size_t payload;

	if (!(how & 1) || len < 20 || hl < 20 || hl >= len) {
		memcpy(out[0], ip, len);
		olen[0] = len;
		return 1;
	}
	payload = len - hl;
	for (size_t off = 0; off < payload && n < MAX_FRAGS; n++) {
		size_t chunk = ((size_t)fz_u8(f) % 64 + 1) * 8;
		size_t take = RTE_MIN(chunk, payload - off);
		bool more = off + take < payload || (how & 2);
		uint16_t fo = (uint16_t)((off / 8) | (more ? 0x2000 : 0));

		memcpy(out[n], ip, hl);
		memcpy(out[n] + hl, ip + hl + off, take);
		out[n][2] = (uint8_t)((hl + take) >> 8);
		out[n][3] = (uint8_t)(hl + take);
		out[n][6] = (uint8_t)(fo >> 8);
		out[n][7] = (uint8_t)fo;
		olen[n] = hl + take;
		fz_cksum_fix(out[n], hl);
		off += take;
	}
	if (how & 4) { /* reversed */
		for (unsigned i = 0; i < n / 2; i++) {
			uint8_t tmp[FRAME_MAX];
			size_t tl = olen[i];

			memcpy(tmp, out[i], tl);
			memcpy(out[i], out[n - 1 - i], olen[n - 1 - i]);
			olen[i] = olen[n - 1 - i];
			memcpy(out[n - 1 - i], tmp, tl);
			olen[n - 1 - i] = tl;
		}
	}
	if ((how & 8) && n < MAX_FRAGS) { /* one twice */
		unsigned d = fz_u8(f) % n;

		memcpy(out[n], out[d], olen[d]);
		olen[n++] = olen[d];
	}
	return n;
}

static uint8_t parts[MAX_FRAGS][FRAME_MAX];
static uint8_t esp_parts[MAX_FRAGS][FRAME_MAX];

static void
rec_ip(struct fz *f, struct frames *fr, uint16_t port)
{
	uint8_t how = fz_u8(f), ip[FRAME_MAX];
	size_t len, lens[MAX_FRAGS];
	const uint8_t *p = fz_string(f, 1500, &len);
	unsigned n;

	memcpy(ip, p, len);
	if (how & 1)
		fz_cksum_fix(ip, len);
	n = fragment(f, ip, len, parts, lens);
	for (unsigned i = 0; i < n; i++)
		put_frame(fr, port, parts[i], lens[i], how & 2);
}

/* An inner datagram (maybe its fragments) in ESP of tunnel t, maybe fragmented. */
static void
rec_esp(struct fz *f, struct frames *fr)
{
	uint8_t how = fz_u8(f), ip[FRAME_MAX], pt[FRAME_MAX];
	unsigned t = how % N_TUN;
	uint64_t seq = how & 0x80 ? fz_u64(f) : fz_u16(f);
	size_t len, lens[MAX_FRAGS], elens[MAX_FRAGS];
	const uint8_t *p = fz_string(f, 1400, &len);
	unsigned n;

	memcpy(ip, p, len);
	if (how & 4)
		fz_cksum_fix(ip, len);
	n = fragment(f, ip, len, parts, lens);
	for (unsigned i = 0; i < n; i++, seq++) {
		uint8_t esp[FRAME_MAX + 100];
		size_t ptl, el;
		unsigned m;

		memcpy(pt, parts[i], lens[i]);
		ptl = fz_esp_trailer(pt, lens[i], keys[t].align);
		el = fz_esp_build(&keys[t], tuns[t].peer, WAN_ADDR, 0x1000 + t, seq, pt, ptl, esp);
		if (el == 0 || el > FRAME_MAX)
			continue;
		m = fragment(f, esp, el, esp_parts, elens);
		for (unsigned j = 0; j < m; j++)
			put_frame(fr, 0, esp_parts[j], elens[j], false);
	}
}

static void
rec_arp(struct fz *f, struct frames *fr, uint16_t port)
{
	struct rte_ether_addr sha = { { 2, 0, 0, 0, 8, fz_u8(f) } };
	uint16_t op = fz_u8(f) & 1 ? RTE_ARP_OP_REPLY : RTE_ARP_OP_REQUEST;
	uint32_t sip = fz_u32(f), tip = fz_u8(f) & 1 ? env.port[port].addr : fz_u32(f);
	uint8_t frame[NET_ARP_FRAME_LEN];

	net_arp_build(frame, op, &sha, op == RTE_ARP_OP_REPLY ? &env.port[port].mac : NULL, sip,
		      NULL, tip);
	push(fr, port, frame, sizeof(frame));
}

/* The cloud answers the last datagram the box sent it, or reports an error about it. */
static void
rec_reply(struct fz *f, struct frames *fr)
{
	uint8_t how = fz_u8(f), ip[FRAME_MAX];
	const uint8_t *o = last_cloud.b;
	unsigned hl = (o[0] & 0xfu) * 4;
	size_t len;

	if (last_cloud.len < 28 || hl + 8 > last_cloud.len)
		return;
	if (how & 1) {
		size_t quote = RTE_MIN(last_cloud.len, (size_t)fz_u16(f) % 600);

		len = 28 + quote;
		memset(ip, 0, 28);
		ip[0] = 0x45;
		ip[2] = (uint8_t)(len >> 8);
		ip[3] = (uint8_t)len;
		ip[8] = 64;
		ip[9] = IPPROTO_ICMP;
		memcpy(ip + 12, o + 16, 4);
		memcpy(ip + 16, o + 12, 4);
		ip[20] = how & 2 ? 3 : 11;
		ip[21] = how & 2 ? (how >> 2 & 15) : 0;
		memcpy(ip + 28, o, quote);
	} else {
		len = last_cloud.len;
		memcpy(ip, o, len);
		memcpy(ip + 12, o + 16, 4);
		memcpy(ip + 16, o + 12, 4);
		ip[8] = (uint8_t)(how >> 1) | 1; /* TTL: sometimes 1 */
		if (ip[9] == IPPROTO_ICMP) {
			ip[hl] = 0; /* echo reply */
		} else {
			memcpy(ip + hl, o + hl + 2, 2);
			memcpy(ip + hl + 2, o + hl, 2);
			if (ip[9] == IPPROTO_TCP && hl + 14 <= len)
				ip[hl + 13] = fz_u8(f);
		}
	}
	fz_cksum_fix(ip, len);
	put_frame(fr, 1, ip, len, false);
}

/* --- running ---------------------------------------------------------------- */

/* Take what the box sent off the ports' rings; keep the last IPv4 datagram to the cloud. */
static void
drain_tx(void)
{
	struct rte_mbuf *m;

	for (unsigned p = 0; p < 2; p++)
		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0) {
			const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
			size_t len = rte_pktmbuf_data_len(m);

			if (p == 1 && len > 34 && len - 14 <= FRAME_MAX && d[12] == 0x08 &&
			    d[13] == 0x00) {
				last_cloud.len = len - 14;
				memcpy(last_cloud.b, d + 14, len - 14);
			}
			rte_pktmbuf_free(m);
		}
}

static void
run(struct worker *w, struct frames *fr)
{
	unsigned start = 0;

	for (unsigned i = 0; i < fr->n; i++) {
		bool last = i + 1 == fr->n || fr->end[i] || fr->port[i + 1] != fr->port[i] ||
			    i + 1 - start == WORKER_BURST;

		if (!last)
			continue;
		worker_input(w, fr->port[start], fr->m + start, (uint16_t)(i + 1 - start));
		worker_flush(w);
		drain_tx();
		start = i + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frames fr;
	struct fz f = { data, size };
	struct worker *w;
	struct rte_mbuf *m;
	struct neigh_learn_msg msg;

	fz_leak_mark();
	last_cloud.len = 0;
	for (unsigned t = 0; t < N_TUN; t++)
		replay_init(&in_sa[t]->replay, in_sa[t]->replay.win);
	env.nat = nat_create(&nat_cfg);
	CHECK(env.nat != NULL);
	w = worker_create(&env, 0, SOCKET_ID_ANY);
	CHECK(w != NULL);
	fr.n = 0;
	while (f.n > 0 && fr.n < MAX_FRAMES) {
		uint8_t hdr = fz_u8(&f);
		uint16_t port = hdr >> 3 & 1;

		switch (hdr & 7) {
		case 0: {
			size_t len;
			const uint8_t *p = fz_string(&f, FRAME_MAX, &len);

			push(&fr, port, p, len);
			break;
		}
		case 1:
		case 5:
			rec_ip(&f, &fr, port);
			break;
		case 2:
		case 6:
			rec_esp(&f, &fr);
			break;
		case 3:
			rec_arp(&f, &fr, port);
			break;
		default:
			/* A reply needs what the box sent: run what is queued first. */
			run(w, &fr);
			fr.n = 0;
			rec_reply(&f, &fr);
			break;
		}
		if ((hdr & 0x80) && fr.n > 0)
			fr.end[fr.n - 1] = true;
	}
	run(w, &fr);
	/* Parked packets go, worker_main() returns at once. */
	env.stop = 1;
	worker_main(w);
	env.stop = 0;
	drain_tx();
	worker_free(w);
	while (rte_ring_dequeue(env.punt, (void **)&m) == 0 ||
	       rte_ring_dequeue(env.punt_known, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	while (rte_ring_dequeue_elem(env.learn, &msg, sizeof(msg)) == 0)
		;
	nat_free(env.nat);
	env.nat = NULL;
	fz_leak_check("fuzz_worker");
	return 0;
}
