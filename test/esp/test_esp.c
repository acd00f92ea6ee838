/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/esp through both engines: every inbound drop reason is counted and
 * leaks no mbuf; outbound sequence exhaustion and selectors; encrypt ->
 * decrypt round trips for every algorithm, encapsulation and ESN across
 * 2^32. Packets with a valid ICV but a bad trailer are built here through
 * the crypto engine, the way a broken or hostile peer would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "esp.h"
#include "net.h"

#define LOCAL  0xc6336401u /* 198.51.100.1: the box */
#define PEER   0xcb007105u /* 203.0.113.5: the branch */
#define BRANCH 0xc0a80002u /* 192.168.0.2 */
#define CLOUD  0xac10000au /* 172.16.0.10 */

struct env {
	const struct crypto_engine *engine;
	struct rte_mempool *mp;
	struct sa_db *db;
	struct sa_worker *sw;
	struct esp_worker *ew;
	struct stats_worker st;
	unsigned baseline;
};

static struct rte_mempool *pool;

static struct crypto_keys
keys(enum crypto_cipher c, enum crypto_integ i, unsigned klen, uint8_t fill)
{
	struct crypto_keys k = { .cipher = c,
				 .integ = i,
				 .cipher_key_len = (uint8_t)klen,
				 .integ_key_len = i == CRYPTO_INTEG_HMAC_SHA1_96    ? 20 :
						  i == CRYPTO_INTEG_HMAC_SHA256_128 ? 32 :
										      0 };

	memset(k.cipher_key, fill, sizeof(k.cipher_key));
	memset(k.integ_key, fill ^ 0x55, sizeof(k.integ_key));
	memset(k.salt, fill ^ 0xaa, sizeof(k.salt));
	return k;
}

static struct sa_params
params(uint32_t spi, bool inbound, uint32_t tunnel, struct crypto_keys k, bool udp, bool esn)
{
	struct sa_params p = {
		.spi = spi,
		.inbound = inbound,
		.tunnel = tunnel,
		.keys = k,
		.esn = esn,
		.local_addr = LOCAL,
		.peer_addr = PEER,
		.local_port = udp ? 4500 : 0,
		.peer_port = udp ? 4500 : 0,
		.replay_window = inbound ? 1024 : 0,
		.n_local_ts = 1,
		.n_remote_ts = 1,
		.outside_mtu = 1500,
		.local_ts = { { 0xac100000, 16 } },
		.remote_ts = { { 0xc0a80000, 24 } },
	};

	return p;
}

static int
setup(void **state, const char *engine)
{
	static struct env e;
	struct sa_db_params dp = {
		.max_sas = 128, .max_tunnels = 32, .max_spd = 64, .n_workers = 1, .socket_id = 0
	};
	struct sa_ts remote = { 0xc0a80000, 24 };

	memset(&e, 0, sizeof(e));
	e.engine = crypto_engine_find(engine);
	dp.engine = e.engine;
	e.mp = pool;
	e.db = sa_db_create(&dp);
	e.sw = sa_db_worker(e.db, 0);
	e.ew = esp_worker_create(e.engine, 0, 0, 1);
	if (e.db == NULL || e.ew == NULL || sa_tunnel_add(e.db, 0, 0, &remote, 1) != 0)
		return -1;
	e.baseline = rte_mempool_in_use_count(pool);
	*state = &e;
	return 0;
}

static int
setup_ipsec_mb(void **state)
{
	return setup(state, "ipsec_mb");
}

static int
setup_openssl(void **state)
{
	return setup(state, "openssl");
}

static int
teardown(void **state)
{
	struct env *e = *state;

	esp_worker_free(e->ew);
	sa_db_free(e->db);
	return 0;
}

static struct sa *
add(struct env *e, struct sa_params p)
{
	uint32_t id;

	assert_int_equal(sa_add(e->db, &p, &id), 0);
	if (!p.inbound)
		assert_int_equal(sa_tunnel_set_out(e->db, p.tunnel, id), 0);
	return (struct sa *)(uintptr_t)sa_db_get(e->db, id);
}

/* An inner IPv4/UDP datagram of len bytes. */
static struct rte_mbuf *
inner(uint32_t src, uint32_t dst, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;

	assert_non_null(m);
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, len);
	memset(ip, 0xab, len);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16(len),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(src),
		.dst_addr = rte_cpu_to_be_32(dst),
	};
	ip->hdr_checksum = net_cksum(ip, sizeof(*ip));
	return m;
}

/*
 * An ESP packet for an inbound SA built by hand: plaintext is the given
 * bytes (already padded however the case wants), encrypted and signed with
 * the SA's own keys. Data at the outer IPv4 header; l3/l4_len set.
 */
#define AS_SA (-1)

static struct rte_mbuf *
forge_encap(struct env *e, const struct sa *sa, uint64_t seq, const uint8_t *pt, uint16_t ptlen,
	    int encap)
{
	const struct sa_params *p = sa_db_params(e->db, sa->id);
	uint16_t udp = (encap == AS_SA ? sa->peer_port != 0 : encap) ? 8 : 0;
	uint16_t iv = sa->iv_len, icv = sa->icv_len;
	uint16_t len = (uint16_t)(20 + udp + 8 + iv + ptlen + icv + 4);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *o, *esp, aad[12];
	uint32_t be;
	void *sess = rte_zmalloc(NULL, crypto_session_size(e->engine), 64);
	struct crypto_lcore *clc = crypto_lcore_create(e->engine, 0);
	struct crypto_op op;

	assert_non_null(m);
	assert_int_equal(crypto_session_init(e->engine, sess, &p->keys), 0);
	o = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(o, 0, len);
	o[0] = 0x45;
	o[9] = udp ? IPPROTO_UDP : IPPROTO_ESP;
	be = rte_cpu_to_be_32(PEER);
	memcpy(o + 12, &be, 4);
	be = rte_cpu_to_be_32(LOCAL);
	memcpy(o + 16, &be, 4);
	if (udp) {
		o[20] = 0x11;
		o[21] = 0x94;
		o[22] = 0x11;
		o[23] = 0x94; /* 4500 */
	}
	esp = o + 20 + udp;
	be = rte_cpu_to_be_32(sa->spi);
	memcpy(esp, &be, 4);
	be = rte_cpu_to_be_32((uint32_t)seq);
	memcpy(esp + 4, &be, 4);
	memset(esp + 8, 0x3c, iv);
	memcpy(esp + 8 + iv, pt, ptlen);
	op = (struct crypto_op){ .sess = sess,
				 .buf = esp,
				 .iv = esp + 8,
				 .cipher_off = 8u + iv,
				 .cipher_len = ptlen,
				 .icv = esp + 8 + iv + ptlen,
				 .encrypt = 1 };
	if (iv == 8) {
		memcpy(aad, esp, 4);
		if (sa->esn) {
			be = rte_cpu_to_be_32((uint32_t)(seq >> 32));
			memcpy(aad + 4, &be, 4);
			memcpy(aad + 8, esp + 4, 4);
		} else {
			memcpy(aad + 4, esp + 4, 4);
		}
		op.aad = aad;
		op.aad_len = sa->esn ? 12 : 8;
	} else {
		op.auth_len = 8u + iv + ptlen;
		if (sa->esn) {
			be = rte_cpu_to_be_32((uint32_t)(seq >> 32));
			memcpy(op.icv, &be, 4);
			op.auth_len += 4;
		}
	}
	assert_int_equal(crypto_process(clc, &op, 1), 1);
	rte_pktmbuf_trim(m, 4);
	len = (uint16_t)rte_pktmbuf_data_len(m);
	o[2] = (uint8_t)(len >> 8);
	o[3] = (uint8_t)len;
	if (udp) {
		o[24] = (uint8_t)((len - 20) >> 8);
		o[25] = (uint8_t)(len - 20);
	}
	m->l3_len = 20;
	m->l4_len = udp;
	crypto_lcore_destroy(clc);
	crypto_session_clear(e->engine, sess);
	rte_free(sess);
	return m;
}

static struct rte_mbuf *
forge(struct env *e, const struct sa *sa, uint64_t seq, const uint8_t *pt, uint16_t ptlen)
{
	return forge_encap(e, sa, seq, pt, ptlen, AS_SA);
}

/* Plaintext: an inner datagram, RFC 4303 padding to align, trailer. */
static uint16_t
plaintext(uint8_t *pt, uint32_t src, uint32_t dst, uint16_t inner_len, unsigned align, uint8_t next)
{
	struct rte_ipv4_hdr ip = {
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16(inner_len),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(src),
		.dst_addr = rte_cpu_to_be_32(dst),
	};
	uint16_t n = (uint16_t)RTE_ALIGN_CEIL(inner_len + 2, align);
	uint8_t pad = (uint8_t)(n - inner_len - 2);

	ip.hdr_checksum = net_cksum(&ip, sizeof(ip));
	memset(pt, 0x77, n);
	memcpy(pt, &ip, sizeof(ip));
	for (uint8_t i = 0; i < pad; i++)
		pt[inner_len + i] = i + 1;
	pt[n - 2] = pad;
	pt[n - 1] = next;
	return n;
}

/* Run one packet inbound; the drop reason (DROP_NONE if it passed). */
static enum stats_drop
inbound(struct env *e, struct rte_mbuf *m)
{
	struct stats_worker before = e->st;
	struct sa *sa[1];
	uint16_t k = esp_inb(e->ew, e->sw, &e->st, &m, sa, 1);

	if (k == 1) {
		rte_pktmbuf_free(m);
		return DROP_NONE;
	}
	for (unsigned d = 1; d < DROP_N; d++)
		if (e->st.drop[d] != before.drop[d])
			return (enum stats_drop)d;
	fail_msg("dropped without a reason");
	return DROP_N;
}

static void
inbound_drops(void **state)
{
	struct env *e = *state;
	struct sa *cbc =
		add(e, params(0x1001, true, 0,
			      keys(CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 16, 1), false,
			      false));
	struct sa *gcm = add(e, params(0x1002, true, 0,
				       keys(CRYPTO_CIPHER_AES_GCM16, CRYPTO_INTEG_NONE, 32, 2),
				       false, false));
	struct sa *udp =
		add(e, params(0x1003, true, 0,
			      keys(CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA256_128, 32, 3),
			      true, false));
	uint8_t pt[256];
	uint16_t n;
	struct rte_mbuf *m, *dup;
	uint8_t *p;

	/* Valid, through every SA. */
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 4);
	assert_int_equal(inbound(e, forge(e, cbc, 1, pt, n)), DROP_NONE);
	assert_int_equal(inbound(e, forge(e, udp, 1, pt, n)), DROP_NONE);
	n = plaintext(pt, BRANCH, CLOUD, 100, 4, 4);
	assert_int_equal(inbound(e, forge(e, gcm, 1, pt, n)), DROP_NONE);

	/* Truncated: no room for SPI and sequence; or for IV + block + ICV. */
	m = forge(e, cbc, 2, pt, 16);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - 24));
	assert_int_equal(inbound(e, m), DROP_ESP_TRUNCATED);
	m = forge(e, cbc, 2, pt, 16);
	rte_pktmbuf_trim(m, 20);
	assert_int_equal(inbound(e, m), DROP_ESP_TRUNCATED);

	/* CBC ciphertext not whole blocks. */
	m = forge(e, cbc, 3, pt, 32);
	rte_pktmbuf_trim(m, 4);
	assert_int_equal(inbound(e, m), DROP_ESP_BAD_LENGTH);

	/* Unknown SPI. */
	m = forge(e, cbc, 4, pt, 112);
	p = rte_pktmbuf_mtod_offset(m, uint8_t *, 20);
	p[3] ^= 0x80;
	assert_int_equal(inbound(e, m), DROP_ESP_NO_SA);

	/* A flipped bit anywhere authenticated. */
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 4);
	m = forge(e, cbc, 5, pt, n);
	p = rte_pktmbuf_mtod_offset(m, uint8_t *, 20 + 8 + 16 + 40);
	*p ^= 0x04;
	assert_int_equal(inbound(e, m), DROP_ESP_BAD_ICV);
	m = forge(e, gcm, 5, pt, (uint16_t)plaintext(pt, BRANCH, CLOUD, 100, 4, 4));
	p = rte_pktmbuf_mtod_offset(m, uint8_t *, 20 + 6); /* the sequence number */
	*p ^= 0x01;
	assert_int_equal(inbound(e, m), DROP_ESP_BAD_ICV);

	/* Replayed: the same packet twice; and one left of the window. */
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 4);
	m = forge(e, cbc, 6, pt, n);
	dup = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
	dup->l3_len = 20;
	dup->l4_len = 0;
	assert_int_equal(inbound(e, m), DROP_NONE);
	assert_int_equal(inbound(e, dup), DROP_ESP_REPLAY);
	assert_int_equal(inbound(e, forge(e, cbc, 5000, pt, n)), DROP_NONE);
	assert_int_equal(inbound(e, forge(e, cbc, 7, pt, n)), DROP_ESP_REPLAY);
	assert_int_equal(inbound(e, forge(e, cbc, 0, pt, n)), DROP_ESP_REPLAY);

	/* Bad padding: contents, and a length beyond the payload. */
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 4);
	pt[100] = 9;
	assert_int_equal(inbound(e, forge(e, cbc, 5001, pt, n)), DROP_ESP_BAD_PAD);
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 4);
	pt[n - 2] = 200;
	assert_int_equal(inbound(e, forge(e, cbc, 5002, pt, n)), DROP_ESP_BAD_PAD);

	/* Next header not IPv4: IPv6 (41) and a TFC dummy (59). */
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 41);
	assert_int_equal(inbound(e, forge(e, cbc, 5003, pt, n)), DROP_ESP_BAD_NEXT_HDR);
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 59);
	assert_int_equal(inbound(e, forge(e, cbc, 5004, pt, n)), DROP_ESP_BAD_NEXT_HDR);

	/* Inner header broken (checksum). */
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 4);
	pt[10] ^= 0xff;
	assert_int_equal(inbound(e, forge(e, cbc, 5005, pt, n)), DROP_ESP_INNER_BAD);

	/* Selectors: a source outside the branch subnet, a destination outside ours. */
	n = plaintext(pt, 0x0a000001, CLOUD, 100, 16, 4);
	assert_int_equal(inbound(e, forge(e, cbc, 5006, pt, n)), DROP_ESP_SELECTOR);
	n = plaintext(pt, BRANCH, 0x08080808, 100, 16, 4);
	assert_int_equal(inbound(e, forge(e, cbc, 5007, pt, n)), DROP_ESP_SELECTOR);

	/* UDP-encapsulated traffic on a plain-ESP SA (and the reverse). */
	n = plaintext(pt, BRANCH, CLOUD, 100, 16, 4);
	assert_int_equal(inbound(e, forge_encap(e, cbc, 5008, pt, n, 1)), DROP_ESP_ENCAP_MISMATCH);
	assert_int_equal(inbound(e, forge_encap(e, udp, 2, pt, n, 0)), DROP_ESP_ENCAP_MISMATCH);

	/* Past its hard lifetime. */
	cbc->dead = 1;
	assert_int_equal(inbound(e, forge(e, cbc, 5009, pt, n)), DROP_ESP_SA_EXPIRED);

	/* Every drop freed its mbuf; every pass was freed above. */
	assert_int_equal(rte_mempool_in_use_count(pool), e->baseline);
	/* Drops with a known SA count against it. */
	{
		struct sa_counters c;

		sa_db_counters(e->db, cbc->id, &c);
		assert_true(c.drops >= 10);
		assert_int_equal(c.packets, 3);
	}
}

/*
 * A packet in a buffer the driver attached (RTE_MBUF_F_EXTERNAL: e.g. mlx5
 * Multi-Packet RQ strides) comes out still marked so: freeing it gives the
 * buffer back to its owner instead of putting a foreign buffer in the pool.
 * Found by fuzz_esp_inb (corpus/esp_inb/crash-extbuf-flags).
 */
static unsigned ext_freed;

static void
ext_free(void *addr, void *opaque)
{
	RTE_SET_USED(opaque);
	free(addr);
	ext_freed++;
}

static void
external_buffer(void **state)
{
	struct env *e = *state;
	struct sa *cbc =
		add(e, params(0x1201, true, 0,
			      keys(CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 16, 12), false,
			      false));
	static struct rte_mbuf_ext_shared_info shinfo = { .free_cb = ext_free };
	uint8_t pt[256];
	uint16_t n = plaintext(pt, BRANCH, CLOUD, 100, 16, 4), len;
	struct rte_mbuf *esp = forge(e, cbc, 1, pt, n), *m = rte_pktmbuf_alloc(pool);
	struct sa *sa[1];
	uint8_t *buf;

	assert_non_null(m);
	len = (uint16_t)rte_pktmbuf_data_len(esp);
	buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, rte_pktmbuf_mtod(esp, void *), len);
	rte_pktmbuf_free(esp);
	rte_mbuf_ext_refcnt_set(&shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf, len, &shinfo);
	rte_pktmbuf_append(m, len);
	m->l3_len = 20;
	m->l4_len = 0;
	ext_freed = 0;
	assert_int_equal(esp_inb(e->ew, e->sw, &e->st, &m, sa, 1), 1);
	assert_true(RTE_MBUF_HAS_EXTBUF(m));
	rte_pktmbuf_free(m);
	assert_int_equal(ext_freed, 1);
	assert_int_equal(rte_mempool_in_use_count(pool), e->baseline);
}

/* A burst mixing all of the above gives the same verdicts one by one. */
/*
 * The outer header's DF is clear: a path with a smaller MTU (PPPoE 1454)
 * fragments it, and the branch reassembles by IP ID. Two workers sending
 * to one branch must never use the same ID (issue 12, item 7).
 */
static void
outer_ids_per_worker(void **state)
{
	struct env *e = *state;
	struct sa *out =
		add(e, params(0x2002, false, 0,
			      keys(CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 16, 4), false,
			      false));
	struct esp_worker *ew[2] = { esp_worker_create(e->engine, 0, 0, 2),
				     esp_worker_create(e->engine, 0, 1, 2) };
	static uint8_t seen[2][65536];
	unsigned n = 0;

	assert_non_null(ew[0]);
	assert_non_null(ew[1]);
	assert_null(esp_worker_create(e->engine, 0, 2, 2));
	memset(seen, 0, sizeof(seen));
	for (unsigned round = 0; round < 64; round++) {
		for (unsigned w = 0; w < 2; w++) {
			struct rte_mbuf *mb[16];
			struct sa *sa[16];
			uint16_t k;

			for (unsigned i = 0; i < 16; i++) {
				mb[i] = inner(CLOUD, BRANCH, 100);
				sa[i] = out;
			}
			k = esp_outb(ew[w], e->sw, &e->st, mb, sa, 16);
			assert_int_equal(k, 16);
			for (unsigned i = 0; i < k; i++) {
				const struct rte_ipv4_hdr *ip =
					rte_pktmbuf_mtod(mb[i], const struct rte_ipv4_hdr *);
				uint16_t id = rte_be_to_cpu_16(ip->packet_id);

				assert_int_equal(seen[w][id], 0); /* no repeat within a worker */
				assert_int_equal(seen[1 - w][id], 0); /* nor across workers */
				seen[w][id] = 1;
				n++;
				rte_pktmbuf_free(mb[i]);
			}
		}
	}
	assert_int_equal(n, 2 * 64 * 16);
	esp_worker_free(ew[0]);
	esp_worker_free(ew[1]);
	assert_int_equal(rte_mempool_in_use_count(pool), e->baseline);
}

static void
mixed_burst(void **state)
{
	struct env *e = *state;
	struct sa *cbc =
		add(e, params(0x1101, true, 0,
			      keys(CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 16, 9), false,
			      false));
	struct rte_mbuf *mb[ESP_BURST_MAX];
	struct sa *sa[ESP_BURST_MAX];
	uint8_t pt[256];
	uint16_t n = plaintext(pt, BRANCH, CLOUD, 120, 16, 4), k, tampered = 0;
	uint64_t icv_before = e->st.drop[DROP_ESP_BAD_ICV];

	for (unsigned i = 0; i < ESP_BURST_MAX; i++) {
		mb[i] = forge(e, cbc, i + 1, pt, n);
		if (i % 3 == 1) {
			rte_pktmbuf_mtod_offset(mb[i], uint8_t *, 60)[0] ^= 1;
			tampered++;
		}
	}
	k = esp_inb(e->ew, e->sw, &e->st, mb, sa, ESP_BURST_MAX);
	assert_int_equal(k, ESP_BURST_MAX - tampered);
	assert_int_equal(e->st.drop[DROP_ESP_BAD_ICV] - icv_before, tampered);
	for (unsigned i = 0; i < k; i++) {
		/* Survivors in order, stripped to the inner datagram. */
		assert_ptr_equal(sa[i], cbc);
		assert_int_equal(rte_pktmbuf_data_len(mb[i]), 120);
		rte_pktmbuf_free(mb[i]);
	}
	assert_int_equal(rte_mempool_in_use_count(pool), e->baseline);
}

static void
outbound_limits(void **state)
{
	struct env *e = *state;
	struct sa_params p =
		params(0x2001, false, 0,
		       keys(CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 16, 4), false, false);
	struct rte_mbuf *mb[8];
	struct sa *sa[8], *out;
	uint16_t k;

	p.hard.packets = 3;
	out = add(e, p);
	for (unsigned i = 0; i < 5; i++) {
		mb[i] = inner(CLOUD, BRANCH, 100);
		sa[i] = out;
	}
	mb[5] = inner(0x08080808, BRANCH, 100); /* source outside our selectors */
	sa[5] = out;
	k = esp_outb(e->ew, e->sw, &e->st, mb, sa, 6);
	assert_int_equal(k, 3);
	assert_int_equal(e->st.drop[DROP_ESPO_SEQ_EXHAUSTED], 2);
	assert_int_equal(e->st.drop[DROP_ESPO_SELECTOR], 1);
	for (unsigned i = 0; i < k; i++) {
		const uint8_t *esp = rte_pktmbuf_mtod_offset(mb[i], const uint8_t *, 20);

		assert_int_equal(esp[7], i + 1); /* sequence 1, 2, 3 */
		rte_pktmbuf_free(mb[i]);
	}
	assert_int_equal(rte_mempool_in_use_count(pool), e->baseline);
}

struct variant {
	enum crypto_cipher c;
	enum crypto_integ i;
	unsigned klen;
};

/* Encrypt with an outbound SA, decrypt with the matching inbound one. */
static void
round_trips(void **state)
{
	static const struct variant v[] = {
		{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 16 },
		{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96, 32 },
		{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA256_128, 16 },
		{ CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA256_128, 32 },
		{ CRYPTO_CIPHER_AES_GCM16, CRYPTO_INTEG_NONE, 16 },
		{ CRYPTO_CIPHER_AES_GCM16, CRYPTO_INTEG_NONE, 32 },
	};
	struct env *e = *state;
	uint32_t spi = 0x3000, tunnel = 1;

	for (unsigned a = 0; a < RTE_DIM(v); a++)
		for (unsigned udp = 0; udp < 2; udp++)
			for (unsigned esn = 0; esn < 2; esn++, spi++) {
				struct crypto_keys k =
					keys(v[a].c, v[a].i, v[a].klen, (uint8_t)spi);
				struct sa_params po = params(spi, false, tunnel, k, udp, esn);
				struct sa_params pi = params(spi, true, tunnel, k, udp, esn);
				struct sa_ts remote = { 0xc0a80000 + (tunnel << 8), 24 };
				struct rte_mbuf *mb[6];
				struct sa *sa[6], *out, *in;
				uint16_t lens[6] = { 20, 21, 64, 555, 1000, 1400 };
				uint16_t kk;

				/* The inbound SA sits where the outbound one sends. */
				pi.local_addr = PEER;
				pi.peer_addr = LOCAL;
				po.remote_ts[0] = pi.remote_ts[0] = remote;
				pi.local_ts[0] = po.local_ts[0];
				assert_int_equal(sa_tunnel_add(e->db, tunnel, tunnel, &remote, 1),
						 0);
				out = add(e, po);
				in = add(e, pi);
				if (esn)
					out->seq = 0xfffffffdull; /* cross 2^32 on the way */
				/* Inner: cloud -> branch; the inbound SA sees the branch as "local". */
				in->local_ts[0] = remote;
				in->remote_ts[0] = po.local_ts[0];
				for (unsigned i = 0; i < 6; i++) {
					mb[i] = inner(CLOUD, 0xc0a80000 + (tunnel << 8) + 2,
						      lens[i]);
					sa[i] = out;
				}
				kk = esp_outb(e->ew, e->sw, &e->st, mb, sa, 6);
				assert_int_equal(kk, 6);
				if (esn)
					in->replay.top =
						0xfffffffcull; /* the receiver's window, primed */
				kk = esp_inb(e->ew, e->sw, &e->st, mb, sa, 6);
				assert_int_equal(kk, 6);
				for (unsigned i = 0; i < 6; i++) {
					assert_ptr_equal(sa[i], in);
					assert_int_equal(rte_pktmbuf_data_len(mb[i]), lens[i]);
					if (lens[i] >
					    20) /* the payload survived (a 20-byte one has none) */
						assert_int_equal(
							rte_pktmbuf_mtod(mb[i],
									 uint8_t *)[lens[i] - 1],
							0xab);
					rte_pktmbuf_free(mb[i]);
				}
				if (esn)
					assert_int_equal(in->replay.top,
							 (1ull << 32) + 3); /* ...fffe .. 2^32+3 */
				tunnel++;
			}
	assert_int_equal(rte_mempool_in_use_count(pool), e->baseline);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge",   "-m",          "512",           "--no-pci", "-l",
			"0",     "--log-level", "lib.*:error", "--file-prefix", prefix };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inbound_drops),   cmocka_unit_test(mixed_burst),
		cmocka_unit_test(outbound_limits), cmocka_unit_test(outer_ids_per_worker),
		cmocka_unit_test(round_trips),     cmocka_unit_test(external_buffer),
	};
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "test_esp%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("test", 4096, 0, 0, 4096, 0);
	if (pool == NULL)
		return 1;
	rc = cmocka_run_group_tests_name("esp/ipsec_mb", tests, setup_ipsec_mb, teardown);
	rc |= cmocka_run_group_tests_name("esp/openssl", tests, setup_openssl, teardown);
	rte_eal_cleanup();
	return rc;
}
