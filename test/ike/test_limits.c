/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protection of the responder: half-open bounds (global and per source),
 * the per-source rate limit, half-open timeouts, the cap on IPsec SA pairs
 * per site, and malformed or unexpected datagrams each counted under
 * their reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "fixture.h"

#define HUB H_HUB
#define PSK H_PSK

/* A valid Main Mode message 1 with a fresh initiator cookie, offering
 * one transform and xforms - 1 more before it that nobody accepts. */
static size_t
msg1_big(uint8_t *buf, size_t cap, uint32_t n, unsigned xforms)
{
	struct ike_wbuf w;
	struct ike_hdr h = { .exch = ISAKMP_EXCH_IDPROT };
	struct ike_sab b;

	put32(h.icookie, n);
	put32(h.icookie + 4, 0x5a5a5a5a);
	ike_wb_init(&w, buf, cap);
	ike_wb_hdr(&w, &h);
	ike_sab_begin(&b, &w, IPSEC_DOI, SIT_IDENTITY_ONLY);
	ike_sab_prop(&b, 1, PROTO_ISAKMP, NULL, 0);
	for (unsigned i = 1; i < xforms; i++) {
		ike_sab_xform(&b, (uint8_t)i, KEY_IKE);
		ike_sab_attr(&b, P1A_ENC, 0x7777);
		ike_sab_attr(&b, P1A_LIFE_TYPE, LIFE_SECONDS);
		ike_sab_attr(&b, P1A_LIFE_DURATION, 28800);
		ike_sab_xform_end(&b);
	}
	ike_sab_xform(&b, (uint8_t)xforms, KEY_IKE);
	ike_sab_attr(&b, P1A_ENC, P1_ENC_AES_CBC);
	ike_sab_attr(&b, P1A_KEY_LENGTH, 128);
	ike_sab_attr(&b, P1A_HASH, P1_HASH_SHA1);
	ike_sab_attr(&b, P1A_AUTH, P1_AUTH_PSK);
	ike_sab_attr(&b, P1A_GROUP, 2);
	ike_sab_attr(&b, P1A_LIFE_TYPE, LIFE_SECONDS);
	ike_sab_attr(&b, P1A_LIFE_DURATION, 28800);
	ike_sab_xform_end(&b);
	ike_sab_prop_end(&b);
	ike_sab_end(&b);
	ike_wb_hdr_finish(&w);
	assert_false(w.overflow);
	return w.len;
}

static size_t
msg1(uint8_t *buf, size_t cap, uint32_t n)
{
	return msg1_big(buf, cap, n, 1);
}

static void
inject(uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *buf, size_t len)
{
	struct ike_endpoint l = { HUB, dport }, r = { src, sport };

	ike_input(hub->ike, NET.now, &l, &r, buf, len);
}

static void
test_half_open_per_source(void **state)
{
	uint8_t buf[512];
	struct ike_stats st;

	(void)state;
	hub->cfg.new_per_src_burst = 1000; /* isolate the half-open bound */
	hub->cfg.new_per_src_per_s = 1000;
	host_restart(hub);
	for (uint32_t i = 1; i <= 40; i++)
		inject(ADDR(192, 0, 2, 9), 500, 500, buf, msg1(buf, sizeof(buf), i));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, hub->cfg.max_half_open_per_src);
	assert_int_equal(st.c[IKE_DROP_HALF_OPEN_SRC], 40 - hub->cfg.max_half_open_per_src);
	/* another source is still welcome */
	inject(ADDR(192, 0, 2, 10), 500, 500, buf, msg1(buf, sizeof(buf), 99));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, hub->cfg.max_half_open_per_src + 1);
	/* they time out */
	net_advance(31000);
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 0);
	assert_int_equal(st.ike_sas, 0);
	assert_int_equal(st.c[IKE_EV_HALF_OPEN_TIMEOUT], hub->cfg.max_half_open_per_src + 1);
}

/*
 * Sources no site is bound to hold at most three quarters of the table;
 * beyond that each new one evicts the oldest. The last quarter is for a
 * site's fixed peer, which evicts too when the table is full; only a
 * table full of bound exchanges refuses.
 */
static void
test_half_open_global(void **state)
{
	uint8_t buf[512];
	struct ike_site_params h;
	struct ike_stats st;

	(void)state;
	hub->cfg.max_half_open = 40; /* 30 unbound, 10 kept */
	hub->cfg.max_half_open_per_src = 1000;
	host_restart(hub);
	site_branch(&h, "rtx1", 0, PSK);
	assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	for (uint8_t i = 1; i <= 12; i++) {
		site_branch(&h, "bound", ADDR(198, 18, 1, i), "bound-psk");
		h.name[5] = (char)('a' + i);
		h.id.value[3] = (uint8_t)(100 + i);
		assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	}
	for (uint32_t i = 1; i <= 80; i++)
		inject(ADDR(192, 0, 2, 0) + i, 500, 500, buf, msg1(buf, sizeof(buf), i));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 30);
	assert_int_equal(st.c[IKE_EV_HALF_OPEN_EVICTED], 50);
	assert_int_equal(st.c[IKE_DROP_HALF_OPEN], 0);
	/* bound sources: the kept quarter, then unbound ones make room */
	for (uint32_t i = 1; i <= 12; i++)
		inject(ADDR(198, 18, 1, i), 500, 500, buf, msg1(buf, sizeof(buf), 1000 + i));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 40);
	assert_int_equal(st.c[IKE_EV_HALF_OPEN_EVICTED], 52);
	/* a table of bound exchanges only: refused */
	for (uint32_t i = 1; i <= 12; i++)
		for (uint32_t k = 0; k < 3; k++)
			inject(ADDR(198, 18, 1, i), 500, 500, buf,
			       msg1(buf, sizeof(buf), 2000 + 16 * i + k));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 40);
	assert_true(st.c[IKE_DROP_HALF_OPEN] > 0);
	/* A stranger's message 1 gets CKY-R back: never a cookie the host
	 * serves first (the workers' known class); only authenticated ones. */
	assert_int_equal(hub->n_cookies, 0);
	assert_cookies_balanced(hub);
}

static void
test_rate_limit(void **state)
{
	uint8_t buf[512];
	struct ike_stats st;

	(void)state;
	hub->cfg.max_half_open_per_src = 1000;
	host_restart(hub);
	for (uint32_t i = 1; i <= 30; i++)
		inject(ADDR(192, 0, 2, 9), 500, 500, buf, msg1(buf, sizeof(buf), i));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.c[IKE_DROP_RATE], 30 - hub->cfg.new_per_src_burst);
	/* tokens come back at new_per_src_per_s */
	NET.now += 1000;
	for (uint32_t i = 100; i < 120; i++)
		inject(ADDR(192, 0, 2, 9), 500, 500, buf, msg1(buf, sizeof(buf), i));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.c[IKE_DROP_RATE],
			 30 - hub->cfg.new_per_src_burst + 20 - hub->cfg.new_per_src_per_s);
}

/* One spoofed message 1 from a new address, then ms of the network. */
static unsigned spoofed;

static void
flood(uint64_t ms)
{
	uint8_t buf[512];

	for (uint64_t t = 0; t < ms; t += 5) {
		uint32_t i = ++spoofed;

		inject(ADDR(10, 0, 0, 0) + i, 500, 500, buf, msg1(buf, sizeof(buf), i));
		net_advance(5);
	}
	assert_cookies_balanced(hub);
}

/*
 * Spoofed Main Mode message 1 from ever new addresses, 200 a second,
 * against a table of 64 (of which 48 for unbound sources): neither a
 * branch bound to its address nor a new dynamic branch is locked out. The
 * spoofed exchanges go at message 3's deadline (10 s), and the host is
 * told of every cookie once live and once gone, evictions included.
 */
static void
test_flood(void **state)
{
	struct ike_site_params h, b;
	struct host *bound, *dyn;
	struct ike_stats st;

	(void)state;
	hub->cfg.max_half_open = 64;
	host_restart(hub);
	site_branch(&h, "rtx1", 0, PSK); /* dynamic */
	assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	site_branch(&h, "bound", ADDR(203, 0, 113, 77), "bound-psk");
	h.id.value[3] = 77;
	assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	spoofed = 0;
	flood(2000);
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 48);

	bound = host_new("bound", ADDR(203, 0, 113, 77), NULL, 0);
	site_hub(&b, "hub", HUB, "bound-psk");
	b.local_id.value[3] = 77;
	assert_int_equal(ike_site_add(bound->ike, &b, NET.now, NULL), 0);
	flood(2000);
	assert_true(site_is_up(hub, "bound"));
	assert_true(site_is_up(bound, "hub"));

	dyn = host_new("dyn", ADDR(203, 0, 113, 88), NULL, 0);
	site_hub(&b, "hub", HUB, PSK); /* ID 192.168.0.1 */
	assert_int_equal(ike_site_add(dyn->ike, &b, NET.now, NULL), 0);
	flood(2000);
	assert_true(site_is_up(hub, "rtx1"));
	assert_true(site_is_up(dyn, "hub"));
	assert_int_equal(host_live(hub, true), 2);
	assert_mirrored(bound, hub);
	assert_mirrored(dyn, hub);

	ike_stats_get(hub->ike, &st);
	assert_true(st.half_open <= 64);
	assert_true(st.c[IKE_EV_HALF_OPEN_EVICTED] >= spoofed - 64);
	assert_int_equal(st.c[IKE_DROP_HALF_OPEN], 0);
	net_advance(10000); /* message 3's deadline */
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 0);
	assert_int_equal(st.ike_sas, 2);
	assert_cookies_balanced(hub);
	NET.n -= 2;
	host_free(dyn);
	host_free(bound);
}

/*
 * Spoofed message 1 from ever new addresses: the table of sources stays
 * at 16 x max_half_open, the least recently used idle entries going, and
 * a real branch still comes up.
 */
static void
test_sources_bounded(void **state)
{
	struct ike_site_params h, b;
	struct ike_stats st;
	struct host *dyn;

	(void)state;
	hub->cfg.max_half_open = 4;
	host_restart(hub);
	site_branch(&h, "rtx1", 0, PSK); /* dynamic */
	assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	spoofed = 0;
	flood(1000); /* 200 addresses */
	ike_stats_get(hub->ike, &st);
	assert_int_equal(spoofed, 200);
	assert_int_equal(st.sources, 64);
	assert_int_equal(st.c[IKE_EV_SOURCE_EVICTED], 200 - 64);
	assert_true(st.half_open <= 4);

	dyn = host_new("dyn", ADDR(203, 0, 113, 88), NULL, 0);
	site_hub(&b, "hub", HUB, PSK);
	assert_int_equal(ike_site_add(dyn->ike, &b, NET.now, NULL), 0);
	flood(2000);
	assert_true(site_is_up(hub, "rtx1"));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.sources, 64);
	NET.n -= 1;
	host_free(dyn);
}

/* Message 1 whose SA payload is more than a half-open exchange may keep. */
static void
test_half_open_size(void **state)
{
	static uint8_t buf[8192];
	struct ike_stats st;
	size_t len = msg1_big(buf, sizeof(buf), 1, 250); /* 20 bytes each */

	(void)state;
	assert_true(len > 4096 + 28);
	inject(ADDR(192, 0, 2, 9), 500, 500, buf, len);
	len = msg1_big(buf, sizeof(buf), 2, 150); /* 3 KiB: kept */
	inject(ADDR(192, 0, 2, 9), 500, 500, buf, len);
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.c[IKE_DROP_HALF_OPEN_SIZE], 1);
	assert_int_equal(st.half_open, 1);
}

/* A retransmitted message 1 is answered again, not counted as new. */
static void
test_msg1_retransmit(void **state)
{
	uint8_t buf[512];
	struct ike_stats st;
	size_t len = msg1(buf, sizeof(buf), 7);
	unsigned sent;

	(void)state;
	inject(ADDR(192, 0, 2, 9), 500, 500, buf, len);
	sent = NET.qt;
	NET.now += 1000;
	inject(ADDR(192, 0, 2, 9), 500, 500, buf, len);
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 1);
	assert_int_equal(st.c[IKE_EV_REPLY_RESENT], 1);
	assert_int_equal(NET.qt, sent + 1);
	/* identical replies */
	assert_int_equal(NET.q[0].len, NET.q[1].len);
	assert_memory_equal(NET.q[0].data, NET.q[1].data, NET.q[0].len);
}

static void
test_malformed_counted(void **state)
{
	uint8_t buf[512], bad[512];
	size_t len = msg1(buf, sizeof(buf), 1);
	struct ike_stats st;
	static const uint8_t esp[8] = { 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1 };
	static const uint8_t ka = 0xff;

	(void)state;
	inject(ADDR(192, 0, 2, 9), 500, 500, buf, 10); /* SHORT */
	memcpy(bad, buf, len);
	bad[17] = 0x20; /* VERSION */
	inject(ADDR(192, 0, 2, 9), 500, 500, bad, len);
	memcpy(bad, buf, len);
	put32(bad + 24, (uint32_t)len + 4); /* LENGTH */
	inject(ADDR(192, 0, 2, 9), 500, 500, bad, len);
	memcpy(bad, buf, len);
	put16(bad + ISAKMP_HDR_LEN + 2, 2000); /* TRUNCATED */
	inject(ADDR(192, 0, 2, 9), 500, 500, bad, len);
	memcpy(bad, buf, len);
	put16(bad + ISAKMP_HDR_LEN + ISAKMP_GEN_LEN + SA_FIXED_LEN + 2, 9); /* NESTED */
	inject(ADDR(192, 0, 2, 9), 500, 500, bad, len);
	memcpy(bad, buf, len);
	bad[16] = 77;                              /* unknown, skipped: */
	bad[ISAKMP_HDR_LEN + 1] = ISAKMP_CRITICAL; /* ... but CRITICAL */
	inject(ADDR(192, 0, 2, 9), 500, 500, bad, len);
	memcpy(bad, buf, len);
	memset(bad + 8, 0xab, 8); /* UNKNOWN_SA */
	inject(ADDR(192, 0, 2, 9), 500, 500, bad, len);
	inject(ADDR(192, 0, 2, 9), 4500, 4500, esp, sizeof(esp)); /* NO_MARKER */
	inject(ADDR(192, 0, 2, 9), 4500, 4500, &ka, 1);           /* keepalive */
	memcpy(bad, buf, len);
	bad[18] = ISAKMP_EXCH_QUICK; /* no SA */
	inject(ADDR(192, 0, 2, 9), 500, 500, bad, len);
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.c[IKE_DROP_SHORT], 1);
	assert_int_equal(st.c[IKE_DROP_VERSION], 1);
	assert_int_equal(st.c[IKE_DROP_LENGTH], 1);
	assert_int_equal(st.c[IKE_DROP_TRUNCATED], 1);
	assert_int_equal(st.c[IKE_DROP_NESTED], 1);
	assert_int_equal(st.c[IKE_DROP_CRITICAL], 1);
	assert_int_equal(st.c[IKE_DROP_UNKNOWN_SA], 2);
	assert_int_equal(st.c[IKE_DROP_NO_MARKER], 1);
	assert_int_equal(st.c[IKE_EV_KEEPALIVE_RX], 1);
	assert_int_equal(st.ike_sas, 0);
	/* and a good one on 4500 with the marker works */
	memmove(buf + 4, buf, len);
	memset(buf, 0, 4);
	inject(ADDR(192, 0, 2, 9), 4500, 4500, buf, len + 4);
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.ike_sas, 1);
	assert_int_equal(NET.q[NET.qt - 1].len, 4 + NET.q[NET.qt - 1].len - 4);
	assert_int_equal(get32(NET.q[NET.qt - 1].data), 0); /* marker sent */
	for (unsigned i = 0; i < IKE_STAT_N; i++)
		assert_non_null(ike_stat_name(i));
}

/* A half-open exchange that chose its PSK through a site dies with it. */
static void
test_site_del_half_open(void **state)
{
	uint8_t buf[512];
	struct ike_site_params h;
	struct ike_stats st;

	(void)state;
	site_branch(&h, "bound", ADDR(192, 0, 2, 77), "bound-psk");
	h.id.value[3] = 77;
	assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	inject(ADDR(192, 0, 2, 77), 500, 500, buf, msg1(buf, sizeof(buf), 5));
	inject(ADDR(192, 0, 2, 78), 500, 500, buf, msg1(buf, sizeof(buf), 6));
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 2);
	assert_int_equal(ike_site_del(hub->ike, "bound", NET.now), 0);
	ike_stats_get(hub->ike, &st);
	assert_int_equal(st.half_open, 1);
	assert_int_equal(st.ike_sas, 1);
}

/*
 * An authenticated branch asks for 20 pairs (4 x 5 host selectors inside
 * its subnets): it gets exactly the site's cap (16, the default), the rest
 * are refused with NO-PROPOSAL-CHOSEN and counted. At the cap the site
 * still rekeys, started by either side.
 */
static void
test_pair_cap(void **state)
{
	struct ike_site_params b;
	uint64_t refused;

	(void)state;
	branch = host_new("branch", ADDR(203, 0, 113, 9), NULL, 0);
	site_hub(&b, "hub", HUB, PSK);
	b.n_local = 4;
	b.n_remote = 5;
	for (uint8_t i = 0; i < b.n_local; i++)
		b.local_subnets[i] = (struct ike_prefix){ ADDR(192, 168, 0, 1 + i), 32 };
	for (uint8_t i = 0; i < b.n_remote; i++)
		b.remote_subnets[i] = (struct ike_prefix){ ADDR(172, 16, 0, 1 + i), 32 };
	assert_int_equal(ike_site_add(branch->ike, &b, NET.now, NULL), 0);
	net_advance(5000);
	assert_true(site_is_up(hub, "rtx1"));
	assert_int_equal(host_live(hub, true), IKE_PAIRS_DEFAULT);
	assert_int_equal(host_live(hub, false), IKE_PAIRS_DEFAULT);
	assert_int_equal(host_live(branch, true), IKE_PAIRS_DEFAULT);
	refused = stat_of(hub, IKE_DROP_PAIR_LIMIT);
	assert_int_equal(refused, 20 - IKE_PAIRS_DEFAULT);
	assert_int_equal(stat_of(branch, IKE_EV_QM_UP), IKE_PAIRS_DEFAULT);
	assert_mirrored(hub, branch);
	/* at the cap: the branch rekeys a pair, then the hub another */
	ike_child_sa_expired(branch->ike, fx_live_in_spi(branch), false, NET.now);
	net_advance(10000);
	ike_child_sa_expired(hub->ike, fx_live_in_spi(hub), false, NET.now);
	net_advance(10000);
	assert_int_equal(stat_of(branch, IKE_EV_CHILD_REKEY), 1);
	assert_int_equal(stat_of(hub, IKE_EV_CHILD_REKEY), 1);
	assert_int_equal(stat_of(hub, IKE_EV_QM_UP), IKE_PAIRS_DEFAULT + 2);
	assert_int_equal(host_live(hub, true), IKE_PAIRS_DEFAULT);
	assert_int_equal(stat_of(hub, IKE_DROP_PAIR_LIMIT), refused);
	assert_mirrored(hub, branch);
	assert_mirrored(branch, hub);
	NET.n--;
	host_free(branch);
}

/* 10,000 sites: the last one added still comes up at once. */
static void
test_many_sites(void **state)
{
	struct ike_site_params h, b;
	char name[32];

	(void)state;
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "site%u", i);
		site_branch(&h, name, 0, PSK);
		h.id.value[0] = 10;
		h.id.value[1] = (uint8_t)(i >> 16);
		h.id.value[2] = (uint8_t)(i >> 8);
		h.id.value[3] = (uint8_t)i;
		assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	}
	branch = host_new("branch", ADDR(203, 0, 113, 9), NULL, 0);
	site_hub(&b, "hub", HUB, PSK);
	b.local_id.value[0] = 10;
	b.local_id.value[1] = 0;
	b.local_id.value[2] = (uint8_t)(9999 >> 8);
	b.local_id.value[3] = (uint8_t)9999;
	assert_int_equal(ike_site_add(branch->ike, &b, NET.now, NULL), 0);
	net_advance(1000);
	assert_true(site_is_up(hub, "site9999"));
	assert_int_equal(host_live(hub, true), 1);
	assert_mirrored(hub, branch);
	NET.n--;
	host_free(branch);
}

/*
 * 150 sites configured to initiate at once toward one hub: at most 64 Main
 * Modes are in flight (the rest wait their turn), and all come up.
 */
static void
test_initiation_window(void **state)
{
	struct ike_site_params h, b;
	char name[32];
	unsigned up = 0;

	(void)state;
	hub->cfg.max_half_open_per_src = 1000;
	hub->cfg.new_per_src_per_s = 100000;
	hub->cfg.new_per_src_burst = 100000;
	host_restart(hub);
	branch = host_new("branch", ADDR(203, 0, 113, 9), NULL, 0);
	for (unsigned i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "site%u", i);
		site_branch(&h, name, 0, PSK);
		h.id.value[0] = 10;
		h.id.value[1] = 0;
		h.id.value[2] = 0;
		h.id.value[3] = (uint8_t)i;
		/* One address, many sites: each names the hub's ID toward it. */
		h.local_id.type = IKE_ID_KEY_ID;
		h.local_id.len = (uint8_t)strlen(name);
		memcpy(h.local_id.value, name, h.local_id.len);
		site_hub(&b, name, HUB, PSK);
		memcpy(b.local_id.value, h.id.value, 4);
		b.id = h.local_id;
		assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
		assert_int_equal(ike_site_add(branch->ike, &b, NET.now, NULL), 0);
	}
	assert_int_equal(NET.qt - NET.qh, 64);
	/* Another site at that address must agree on the PSK and name an ID. */
	site_hub(&b, "odd", HUB, "another-psk");
	b.id = (struct ike_id){ .type = IKE_ID_KEY_ID, .len = 3, .value = "odd" };
	assert_int_equal(ike_site_add(branch->ike, &b, NET.now, NULL), -EEXIST);
	site_hub(&b, "odd", HUB, PSK);
	assert_int_equal(ike_site_add(branch->ike, &b, NET.now, NULL), -EEXIST);
	net_advance(5000);
	for (unsigned i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "site%u", i);
		up += site_is_up(hub, name) && site_is_up(branch, name);
	}
	assert_int_equal(up, 150);
	assert_int_equal(host_live(hub, true), 150);
	assert_int_equal(stat_of(branch, IKE_EV_RETRANSMIT), 0);
	NET.n--;
	host_free(branch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_half_open_per_source, fx_hub_setup,
						fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_half_open_global, fx_hub_setup,
						fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, fx_hub_setup, fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_flood, fx_hub_setup, fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_sources_bounded, fx_hub_setup,
						fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_half_open_size, fx_hub_setup, fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_msg1_retransmit, fx_hub_setup,
						fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_counted, fx_hub_setup,
						fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_site_del_half_open, fx_hub_setup,
						fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_pair_cap, fx_hub_setup, fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_many_sites, fx_hub_setup, fx_hub_teardown),
		cmocka_unit_test_setup_teardown(test_initiation_window, fx_hub_setup,
						fx_hub_teardown),
	};

	return cmocka_run_group_tests_name("ike_limits", tests, NULL, NULL);
}
