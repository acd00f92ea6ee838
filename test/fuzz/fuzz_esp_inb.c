/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: inbound ESP, esp_inb(), on a real lib/sa database of
 * six inbound SAs (AES-CBC with HMAC-SHA1/SHA2-256, AES-GCM; plain and
 * UDP-encapsulated; with and without ESN; windows of 0 to 1024) and the
 * crypto engine FUZZ_ENGINE (ipsec_mb or openssl: one binary each).
 *
 * The input is a few settings, then records, one packet each:
 *   twin    an inner datagram of the input's choosing encrypted by
 *           esp_outb() on the SA's twin (an outbound SA with the same
 *           keys and SPI), at a chosen sequence number: valid ESP whose
 *           inner header and selectors are the input's;
 *   forge   a plaintext of the input's choosing, trailer included or
 *           added, encrypted with the SA's keys: padding and next header
 *           past a good ICV;
 *   raw     an outer header for the SA, then the input's bytes;
 *   again   the previous packet once more (replays).
 * Any record may then have bytes after the outer headers flipped, its
 * tail cut and its encapsulation claimed the other way. Each packet sits
 * in a buffer that ends where it ends. Every input starts from fresh
 * replay windows (or a top the input sets), so it replays the same way.
 *
 * Checked: every packet comes out or is counted under a drop reason; what
 * comes out is a valid IPv4 datagram inside its SA's selectors; a twin
 * packet that nothing spoiled comes out with the bytes that went in; no
 * mbuf or buffer leaks.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_ip.h>
#include <rte_malloc.h>

#include "esp.h"
#include "fuzz_dpdk.h"
#include "net.h"

#define CHECK(c)                                                   \
	do {                                                       \
		if (!(c)) {                                        \
			fprintf(stderr, "fuzz_esp_inb: %s\n", #c); \
			abort();                                   \
		}                                                  \
	} while (0)

#define LOCAL    0xc6336401u /* 198.51.100.1: the box */
#define PEER     0xcb007105u /* 203.0.113.5: the branch */
#define N_SA     6
#define MAX_PKTS 32
#define PKT_MAX  1700
#define SPI(i)   (0x1000u + (i))

static const struct {
	enum crypto_cipher cipher;
	enum crypto_integ integ;
	uint8_t key_len;
	bool udp, esn;
	uint32_t window;
} confs[N_SA] = {
	{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 16, false, false, 1024 },
	{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA256_128, 32, true, false, 64 },
	{ CRYPTO_CIPHER_AES_GCM16, CRYPTO_INTEG_NONE, 16, false, true, 1024 },
	{ CRYPTO_CIPHER_AES_GCM16, CRYPTO_INTEG_NONE, 32, true, false, 0 },
	{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA256_128, 16, true, true, 128 },
	{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 32, false, false, 0 },
};

static struct {
	struct sa_db *db;
	struct sa_worker *sw;
	struct esp_worker *ew;
	struct stats_worker st;
	struct sa *in[N_SA], *twin[N_SA];
	struct fz_esp_keys keys[N_SA];
} g;

static struct sa *
add(const struct sa_params *p)
{
	uint32_t id;

	CHECK(sa_add(g.db, p, &id) == 0);
	return (struct sa *)(uintptr_t)sa_db_get(g.db, id);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct crypto_engine *e;
	struct sa_ts any = { 0, 0 }, branch = { 0xc0a80000, 24 };

	(void)argc;
	(void)argv;
	fz_eal_init("fuzz_esp_inb");
	e = crypto_engine_find(FUZZ_ENGINE);
	CHECK(e != NULL);
	g.db = sa_db_create(&(struct sa_db_params){ .max_sas = 64,
						    .max_tunnels = 8,
						    .max_spd = 16,
						    .n_workers = 1,
						    .engine = e,
						    .socket_id = SOCKET_ID_ANY });
	g.sw = sa_db_worker(g.db, 0);
	g.ew = esp_worker_create(e, SOCKET_ID_ANY, 0, 1);
	CHECK(g.db != NULL && g.ew != NULL);
	CHECK(sa_tunnel_add(g.db, 0, 0, &branch, 1) == 0);
	CHECK(sa_tunnel_add(g.db, 1, 1, &any, 1) == 0);
	for (unsigned i = 0; i < N_SA; i++) {
		struct sa_params p = {
			.spi = SPI(i),
			.inbound = true,
			.tunnel = 0,
			.esn = confs[i].esn,
			.local_addr = LOCAL,
			.peer_addr = PEER,
			.local_port = confs[i].udp ? 4500 : 0,
			.peer_port = confs[i].udp ? 4500 : 0,
			.replay_window = confs[i].window,
			.outside_mtu = 1500,
			.keys = { .cipher = confs[i].cipher,
				  .integ = confs[i].integ,
				  .cipher_key_len = confs[i].key_len,
				  .integ_key_len = confs[i].integ == CRYPTO_INTEG_HMAC_SHA1_96 ?
							   20 :
						   confs[i].integ == CRYPTO_INTEG_NONE ? 0 :
											 32 },
			.n_local_ts = 2,
			.n_remote_ts = 2,
			.local_ts = { { 0xac100000, 16 }, { 0x0a010000, 24 } },
			.remote_ts = { { 0xc0a80000, 24 }, { 0xc0a80705, 32 } },
		};

		memset(p.keys.cipher_key, 0x11 * (i + 1), sizeof(p.keys.cipher_key));
		memset(p.keys.integ_key, 0x5a ^ i, sizeof(p.keys.integ_key));
		memset(p.keys.salt, 0xa5 ^ i, sizeof(p.keys.salt));
		g.in[i] = add(&p);
		fz_esp_keys_init(&g.keys[i], e, &p);
		/* The twin: the branch's outbound SA, any inner datagram allowed. */
		p.inbound = false;
		p.tunnel = 1;
		p.local_addr = PEER;
		p.peer_addr = LOCAL;
		p.replay_window = 0;
		p.n_local_ts = p.n_remote_ts = 1;
		p.local_ts[0] = p.remote_ts[0] = any;
		g.twin[i] = add(&p);
	}
	sa_worker_apply(g.sw);
	return 0;
}

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	uint8_t l4; /* 8: UDP-encapsulated */
	int sa;
	/* A twin packet nothing spoiled: what must come out. */
	bool expect;
	const uint8_t *inner;
	size_t inner_len;
	struct rte_mbuf *m; /* its mbuf, which esp_inb() hands back if it passes */
};

/* esp_outb() on the twin of SA i; false if it refused. */
static bool
twin(struct fz *f, int i, struct pkt *pk)
{
	uint64_t seq = fz_u64(f);
	struct rte_mbuf *m;
	struct sa *t = g.twin[i];
	size_t n;
	const uint8_t *inner = fz_string(f, 1400, &n);

	/* esp_outb() takes an IPv4 datagram: at least a header's worth. */
	if (n < 20 || (m = fz_mbuf(inner, n)) == NULL)
		return false;
	t->seq = seq - 1;
	if (esp_outb(g.ew, g.sw, &g.st, &m, &t, 1) != 1)
		return false;
	pk->len = rte_pktmbuf_data_len(m);
	CHECK(pk->len <= sizeof(pk->b) && m->l3_len == 20);
	memcpy(pk->b, rte_pktmbuf_mtod(m, void *), pk->len);
	pk->l4 = (uint8_t)m->l4_len;
	rte_pktmbuf_free(m);
	pk->inner = inner;
	pk->inner_len = n;
	return true;
}

/* A plaintext of the input's, encrypted with SA i's keys. */
static bool
forge(struct fz *f, int i, struct pkt *pk)
{
	const struct fz_esp_keys *k = &g.keys[i];
	uint64_t seq = fz_u64(f);
	uint8_t how = fz_u8(f), pt[1500];
	size_t n;
	const uint8_t *p = fz_string(f, 1400, &n);

	memcpy(pt, p, n);
	if (how & 1) {
		n = fz_esp_trailer(pt, n, k->align);
		pt[n - 1] = how & 2 ? 4 : (uint8_t)(how >> 2); /* next header */
	} else {
		size_t padded = (n + k->align - 1) / k->align * k->align;

		memset(pt + n, 0, padded - n);
		n = padded;
	}
	pk->len = fz_esp_build(k, PEER, LOCAL, SPI(i), seq, pt, n, pk->b);
	pk->l4 = k->udp_port ? 8 : 0;
	return pk->len != 0;
}

/* An outer header for SA i (or another SPI), then the input's bytes. */
static bool
raw(struct fz *f, int i, struct pkt *pk)
{
	uint8_t how = fz_u8(f);
	size_t n, hdr;
	const uint8_t *p = fz_string(f, 1600, &n);
	uint32_t spi = how & 2 ? fz_u32(f) : SPI(i);
	uint8_t out[28];

	pk->l4 = how & 1 ? 8 : 0;
	hdr = 20 + pk->l4;
	memset(out, 0, sizeof(out));
	out[0] = 0x45;
	out[9] = pk->l4 ? IPPROTO_UDP : IPPROTO_ESP;
	out[12] = 203;
	out[13] = 0;
	out[14] = 113;
	out[15] = 5;
	out[16] = 198;
	out[17] = 51;
	out[18] = 100;
	out[19] = 1;
	out[20] = out[22] = 0x11;
	out[21] = out[23] = 0x94; /* 4500 */
	memcpy(pk->b, out, hdr);
	pk->b[hdr] = (uint8_t)(spi >> 24);
	pk->b[hdr + 1] = (uint8_t)(spi >> 16);
	pk->b[hdr + 2] = (uint8_t)(spi >> 8);
	pk->b[hdr + 3] = (uint8_t)spi;
	memcpy(pk->b + hdr + 4, p, n);
	pk->len = hdr + 4 + n;
	return true;
}

/* Spoil what is not authenticated: bytes past the outer headers, the tail, the encapsulation. */
static bool
spoil(struct fz *f, struct pkt *pk)
{
	uint8_t how = fz_u8(f);
	bool spoiled = false;

	for (unsigned j = 0; j < (how & 3u); j++) {
		size_t off = fz_u16(f);
		uint8_t x = fz_u8(f);

		if (pk->len > 20u + pk->l4 && x != 0) {
			pk->b[20 + pk->l4 + off % (pk->len - 20 - pk->l4)] ^= x;
			spoiled = true;
		}
	}
	if ((how & 4) && pk->len > 20u + pk->l4) {
		pk->len -= RTE_MIN((size_t)fz_u8(f) % 40 + 1, pk->len - 20 - pk->l4);
		spoiled = true;
	}
	if (how & 8) {
		pk->l4 = pk->l4 ? 0 : 8;
		spoiled = true;
	}
	return spoiled;
}

/* Would the inbound SA take this inner datagram, all else being right? */
static bool
acceptable(const struct pkt *pk, const uint64_t *seq_used, uint64_t seq)
{
	const struct sa *s = g.in[pk->sa];
	struct net_ipv4_info info;

	if (s->dead ||
	    net_ipv4_parse(pk->inner, (uint32_t)pk->inner_len, true, &info) != DROP_NONE ||
	    !sa_ts_match(s->remote_ts, s->n_remote_ts, info.src) ||
	    !sa_ts_match(s->local_ts, s->n_local_ts, info.dst))
		return false;
	/* The window is fresh (seq_used 0): only the first packet of the SA
	 * is sure to pass, and with ESN only below 2^32 (RFC 4303 A2.2). */
	return s->replay.win == 0 ||
	       (*seq_used == 0 && s->replay.top == 0 && (!s->esn || seq >> 32 == 0));
}

static uint64_t
drops(void)
{
	uint64_t n = 0;

	for (unsigned d = 0; d < DROP_N; d++)
		n += g.st.drop[d];
	return n;
}

static void
burst(struct pkt *pk, unsigned n)
{
	struct rte_mbuf *mb[MAX_PKTS];
	struct sa *sa[MAX_PKTS];
	unsigned built = 0;
	uint64_t before = drops();
	uint16_t k;

	for (unsigned i = 0; i < n; i++) {
		pk[i].m = mb[built] = fz_mbuf_exact(pk[i].b, pk[i].len, 0);
		if (mb[built] == NULL)
			continue;
		mb[built]->l3_len = 20;
		mb[built]->l4_len = pk[i].l4;
		built++;
	}
	k = esp_inb(g.ew, g.sw, &g.st, mb, sa, (uint16_t)built);
	CHECK(k <= built && drops() - before == built - k);
	for (uint16_t i = 0; i < k; i++) {
		const uint8_t *ip = rte_pktmbuf_mtod(mb[i], const uint8_t *);
		struct net_ipv4_info info;

		CHECK(sa[i] != NULL && sa[i]->inbound);
		CHECK(net_ipv4_parse(ip, rte_pktmbuf_data_len(mb[i]), true, &info) == DROP_NONE);
		CHECK(info.tot_len == rte_pktmbuf_data_len(mb[i]));
		CHECK(sa_ts_match(sa[i]->remote_ts, sa[i]->n_remote_ts, info.src));
		CHECK(sa_ts_match(sa[i]->local_ts, sa[i]->n_local_ts, info.dst));
	}
	/* The unspoiled twins, in order, through their SA, with their own bytes. */
	for (unsigned i = 0, o = 0; i < n; i++) {
		if (!pk[i].expect || pk[i].m == NULL)
			continue;
		while (o < k && mb[o] != pk[i].m)
			o++;
		CHECK(o < k && sa[o] == g.in[pk[i].sa]);
		CHECK(memcmp(rte_pktmbuf_mtod(mb[o], void *), pk[i].inner,
			     rte_pktmbuf_data_len(mb[o])) == 0);
		o++;
	}
	rte_pktmbuf_free_bulk(mb, k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pkt pk[MAX_PKTS];
	struct fz f = { data, size };
	uint64_t seq_used[N_SA] = { 0 };
	uint8_t settings = fz_u8(&f);
	unsigned n = 0, split;

	fz_leak_mark();
	for (unsigned i = 0; i < N_SA; i++) {
		g.in[i]->dead = (settings & 7) == i;
		replay_init(&g.in[i]->replay, g.in[i]->replay.win);
	}
	/* A window already under way: ESN inference across 2^32. */
	if ((settings >> 3 & 7) < N_SA && g.in[settings >> 3 & 7]->replay.win != 0)
		g.in[settings >> 3 & 7]->replay.top = fz_u64(&f);
	split = settings >> 6 ? fz_u8(&f) % MAX_PKTS : MAX_PKTS;

	while (f.n > 0 && n < MAX_PKTS) {
		uint8_t hdr = fz_u8(&f);
		struct pkt *p = &pk[n];
		bool ok;

		p->sa = (hdr >> 2) % N_SA;
		p->expect = false;
		switch (hdr & 3) {
		case 0: {
			struct fz peek = f;
			uint64_t seq = fz_u64(&peek);

			ok = twin(&f, p->sa, p);
			p->expect = ok && acceptable(p, &seq_used[p->sa], seq);
			seq_used[p->sa] = seq_used[p->sa] ? seq_used[p->sa] : seq | 1;
			break;
		}
		case 1:
			ok = forge(&f, p->sa, p);
			seq_used[p->sa] |= 1;
			break;
		case 2:
			ok = raw(&f, p->sa, p);
			break;
		default:
			ok = n > 0;
			if (ok)
				*p = pk[n - 1];
			p->expect = false;
			break;
		}
		if (!ok)
			continue;
		if ((hdr & 0x80) && spoil(&f, p))
			p->expect = false;
		n++;
	}
	split = RTE_MIN(split, n);
	burst(pk, split);
	burst(pk + split, n - split);
	for (unsigned i = 0; i < N_SA; i++)
		g.in[i]->dead = 0;
	fz_leak_check("fuzz_esp_inb");
	return 0;
}
