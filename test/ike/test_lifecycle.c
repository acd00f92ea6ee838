/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process lifecycle: DPD (answering and detecting), DELETE,
 * INITIAL-CONTACT, rekeying of IPsec and ISAKMP SAs (make-before-break),
 * the soft byte lifetime, Quick Mode collisions, NAT-T and the runtime
 * site API.
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

#include "fixture.h"
#include "priv.h"

#define HUB    H_HUB
#define BRANCH H_BRANCH_PRIV /* behind a NAT in the NAT test */
#define PUB    H_NAT_PUB
#define PSK    H_PSK

static void
test_dpd_answered(void **state)
{
	(void)state;
	fx_pair_up(NULL, NULL, 1);
	net_advance(60000);
	/* idle tunnel: both sides probe, both answer */
	assert_true(stat_of(hub, IKE_EV_DPD_TX) >= 5);
	assert_true(stat_of(hub, IKE_EV_DPD_ACK_RX) >= 5);
	assert_true(stat_of(branch, IKE_EV_DPD_ACK_TX) >= 5);
	assert_int_equal(hub->downs, 0);
	assert_true(site_is_up(hub, "rtx1"));
}

static void
test_dpd_not_on_busy_tunnel(void **state)
{
	uint32_t spi = 0;

	(void)state;
	fx_pair_up(NULL, NULL, 1);
	spi = fx_live_in_spi(hub);
	for (int t = 0; t < 12; t++) {
		net_advance(1000);
		ike_child_sa_used(hub->ike, spi, NET.now);
	}
	assert_int_equal(stat_of(hub, IKE_EV_DPD_TX), 0);
}

static void
test_dpd_timeout(void **state)
{
	struct ike_site_info info;

	(void)state;
	fx_pair_up(NULL, NULL, 1);
	branch->mute = true; /* the branch vanishes */
	net_advance(40000);
	assert_int_equal(hub->downs, 1);
	assert_int_equal(hub->last_down, IKE_DOWN_DPD);
	assert_int_equal(host_live(hub, true) + host_live(hub, false), 0);
	assert_false(site_is_up(hub, "rtx1"));
	assert_int_equal(ike_site_get(hub->ike, "rtx1", &info), 0);
	assert_int_equal(info.counters.dpd_failures, 1);
	assert_int_equal(info.counters.down, 1);
	assert_int_equal(info.n_ike_sa, 0);
	assert_int_equal(stat_of(hub, IKE_EV_DPD_TIMEOUT), 1);
	/* logged once */
	assert_non_null(strstr(hub->log, "site down (DPD timeout)"));
	assert_null(strstr(strstr(hub->log, "site down (DPD timeout)") + 1, "site down"));
	branch->mute = false;
}

static void
test_delete(void **state)
{
	(void)state;
	fx_pair_up(NULL, NULL, 1);
	assert_int_equal(ike_site_down(branch->ike, "hub", NET.now), 0);
	net_run(100);
	assert_int_equal(hub->downs, 1);
	assert_int_equal(hub->last_down, IKE_DOWN_DELETE);
	assert_int_equal(host_live(hub, true) + host_live(hub, false), 0);
	assert_int_equal(host_live(branch, true) + host_live(branch, false), 0);
	assert_true(stat_of(hub, IKE_EV_DELETE_RX) >= 2); /* ESP, then ISAKMP */
	assert_int_equal(branch->last_down, IKE_DOWN_ADMIN);
}

static void
test_initial_contact(void **state)
{
	uint32_t old_in = 0;

	(void)state;
	fx_pair_up(NULL, NULL, 1);
	old_in = fx_live_in_spi(hub);
	/* the branch reboots and dials in again */
	{
		struct ike_site_params b;

		host_restart(branch);
		site_hub(&b, "hub", HUB, PSK);
		assert_int_equal(ike_site_add(branch->ike, &b, NET.now, NULL), 0);
	}
	net_advance(1000);
	assert_int_equal(stat_of(hub, IKE_EV_INITIAL_CONTACT), 2); /* first contact, reboot */
	assert_null(host_find(hub, true, old_in));
	assert_int_equal(host_live(hub, true), 1);
	assert_int_equal(host_live(hub, false), 1);
	assert_mirrored(hub, branch);
	assert_mirrored(branch, hub);
	assert_int_equal(hub->downs, 0);
	{
		struct ike_site_info info;

		assert_int_equal(ike_site_get(hub->ike, "rtx1", &info), 0);
		assert_int_equal(info.n_ike_sa, 1);
	}
}

/*
 * Between any two deliveries, the outbound SA each side uses (its newest)
 * has its inbound twin on the other side: no packet is lost to a rekey.
 */
static const struct h_sa *
newest_out(const struct host *h)
{
	const struct h_sa *best = NULL;

	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (h->sas[i].live && !h->sas[i].sa.inbound &&
		    (best == NULL || h->sas[i].installed_at >= best->installed_at))
			best = &h->sas[i];
	return best;
}

static bool
mbb_filter(struct pkt *p, void *arg)
{
	const struct h_sa *o;

	(void)p;
	(void)arg;
	if ((o = newest_out(hub)) != NULL)
		assert_non_null(host_find(branch, true, o->sa.spi));
	if ((o = newest_out(branch)) != NULL)
		assert_non_null(host_find(hub, true, o->sa.spi));
	return true;
}

static void
test_child_rekey(void **state)
{
	struct ike_site_params h, b;
	struct ike_site_info info;

	(void)state;
	site_branch(&h, "rtx1", 0, PSK);
	site_hub(&b, "hub", HUB, PSK);
	h.child_lifetime_s = b.child_lifetime_s = 600;
	NET.filter = mbb_filter;
	fx_pair_up(&h, &b, 1);
	/* soft expiry at 200..400 s (margin: a third of the lifetime, plus up
	 * to as much fuzz), so one or two rekeys by 600 s; a superseded pair
	 * is deleted rekeyed_delete_s (5 s) after its successor is up */
	net_advance(600 * 1000);
	for (int i = 0; i < 6 && host_live(hub, true) + host_live(branch, true) > 2; i++)
		net_advance(1000);
	NET.filter = NULL;
	assert_int_equal(host_live(hub, true), 1);
	assert_int_equal(host_live(branch, true), 1);
	assert_mirrored(hub, branch);
	assert_mirrored(branch, hub);
	assert_true(stat_of(hub, IKE_EV_CHILD_REKEY) + stat_of(branch, IKE_EV_CHILD_REKEY) >= 1);
	assert_int_equal(ike_site_get(hub->ike, "rtx1", &info), 0);
	assert_true(info.counters.child_rekeys >= 1);
	assert_int_equal(hub->downs, 0);
	assert_int_equal(stat_of(hub, IKE_EV_CHILD_EXPIRED), 0);
}

static void
test_soft_bytes(void **state)
{
	uint32_t spi = 0;

	(void)state;
	fx_pair_up(NULL, NULL, 1);
	spi = fx_live_in_spi(hub);
	NET.filter = mbb_filter;
	ike_child_sa_expired(hub->ike, spi, false, NET.now);
	net_advance(10000);
	NET.filter = NULL;
	assert_int_equal(stat_of(hub, IKE_EV_CHILD_REKEY), 1);
	assert_null(host_find(hub, true, spi)); /* old pair deleted after 5 s */
	assert_int_equal(host_live(hub, true), 1);
	assert_mirrored(hub, branch);
	assert_mirrored(branch, hub);
	/* hard: the pair goes */
	spi = fx_live_in_spi(hub);
	ike_child_sa_expired(hub->ike, spi, true, NET.now);
	net_run(100);
	assert_int_equal(host_live(hub, true), 0);
	assert_int_equal(host_live(branch, true), 0);
}

static void
test_ike_rekey(void **state)
{
	struct ike_site_params h, b;
	struct ike_site_info info;

	(void)state;
	site_branch(&h, "rtx1", 0, PSK);
	site_hub(&b, "hub", HUB, PSK);
	h.p1_lifetime_s = b.p1_lifetime_s = 600;
	NET.filter = mbb_filter;
	fx_pair_up(&h, &b, 1);
	/* rekeys every 200..400 s; the one replaced goes 5 s later */
	net_advance(700 * 1000);
	for (int i = 0; i < 6 && ike_site_get(hub->ike, "rtx1", &info) == 0 && info.n_ike_sa > 1;
	     i++)
		net_advance(1000);
	NET.filter = NULL;
	assert_true(stat_of(hub, IKE_EV_P1_REKEY) + stat_of(branch, IKE_EV_P1_REKEY) >= 1);
	assert_int_equal(ike_site_get(hub->ike, "rtx1", &info), 0);
	assert_true(info.up);
	assert_int_equal(info.n_ike_sa, 1);
	assert_true(info.counters.ike_rekeys >= 1);
	assert_int_equal(hub->downs, 0);
	assert_int_equal(branch->downs, 0);
	/* the IPsec SAs lived on through the ISAKMP rekey */
	assert_int_equal(host_live(hub, true), 1);
	assert_mirrored(hub, branch);
}

static void
test_collision(void **state)
{
	struct ike_site_params h, b;

	(void)state;
	/* both sides know each other's address and both initiate */
	site_branch(&h, "rtx1", BRANCH, PSK);
	h.initiate = true;
	site_hub(&b, "hub", HUB, PSK);
	assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	assert_int_equal(ike_site_add(branch->ike, &b, NET.now, NULL), 0);
	net_advance(30000);
	assert_true(site_is_up(hub, "rtx1"));
	assert_true(site_is_up(branch, "hub"));
	assert_int_equal(host_live(hub, true), 1);
	assert_int_equal(host_live(hub, false), 1);
	assert_int_equal(host_live(branch, true), 1);
	assert_mirrored(hub, branch);
	assert_mirrored(branch, hub);
}

static void
test_nat_t(void **state)
{
	(void)state;
	fx_branch_behind_nat();
	fx_pair_up(NULL, NULL, 1);
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		const struct h_sa *s = &hub->sas[i];

		if (!s->live)
			continue;
		assert_int_equal(s->sa.local.port, IKE_NATT_PORT);
		assert_int_equal(s->sa.remote.addr, PUB);
		assert_int_equal(s->sa.remote.port, 41001); /* 4500 mapped */
	}
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		const struct h_sa *s = &branch->sas[i];

		if (!s->live)
			continue;
		assert_int_equal(s->sa.local.port, IKE_NATT_PORT);
		assert_int_equal(s->sa.remote.port, IKE_NATT_PORT);
	}
	assert_true(stat_of(hub, IKE_EV_NAT_DETECTED) == 1);
	/* the branch is behind the NAT: it keeps the mapping open */
	net_advance(45000);
	assert_true(stat_of(branch, IKE_EV_KEEPALIVE_TX) >= 2);
	assert_true(stat_of(hub, IKE_EV_KEEPALIVE_RX) >= 2);
	assert_int_equal(stat_of(hub, IKE_EV_KEEPALIVE_TX), 0);
	/* the NAT forgets its mappings: the next authenticated message moves
	 * the hub's view of the branch (keepalives alone do not) */
	NET.nat_port_base = 42000;
	NET.nat_n = 0;
	net_advance(30000);
	{
		struct ike_sa_info sa;

		ike_sa_foreach(hub->ike, fx_grab_sa, &sa);
		assert_true(sa.remote.port >= 42000);
		assert_non_null(strstr(hub->log, "peer moved"));
		assert_int_equal(hub->moves, 1);
		for (unsigned i = 0; i < H_MAX_SA; i++)
			if (hub->sas[i].live)
				assert_int_equal(hub->sas[i].sa.remote.port, sa.remote.port);
		assert_true(site_is_up(hub, "rtx1"));
	}
	/* rekey over 4500 keeps working */
	{
		uint32_t spi = 0;

		spi = fx_live_in_spi(hub);
		ike_child_sa_expired(hub->ike, spi, false, NET.now);
		net_advance(10000);
		assert_int_equal(host_live(hub, true), 1);
		assert_mirrored(hub, branch);
	}
}

/* The responder keeps the pair for less than proposed and says so. */
static void
test_responder_lifetime(void **state)
{
	struct ike_site_params h, b;

	(void)state;
	site_branch(&h, "rtx1", 0, PSK);
	site_hub(&b, "hub", HUB, PSK);
	h.child_lifetime_s = 3600;
	h.child_lifetime_kb = 50000;
	b.child_lifetime_s = 28800;
	b.child_lifetime_kb = 100000;
	fx_pair_up(&h, &b, 1);
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		if (!branch->sas[i].live)
			continue;
		assert_int_equal(branch->sas[i].sa.life_s, 3600);
		assert_int_equal(branch->sas[i].sa.life_bytes, 50000ULL * 1024);
		assert_int_equal(branch->sas[i].sa.soft_bytes, 45000ULL * 1024);
	}
	assert_non_null(strstr(branch->log, "IPsec SA pair up"));
	assert_mirrored(branch, hub);
}

/*
 * Lifetimes beyond 32 bits: the RESPONDER-LIFETIME notify carries them
 * whole (durations of up to 8 bytes), and the branch keeps what the hub
 * keeps.
 */
static void
test_responder_lifetime_large(void **state)
{
	struct ike_site_params h, b;

	(void)state;
	site_branch(&h, "rtx1", 0, PSK);
	site_hub(&b, "hub", HUB, PSK);
	h.child_lifetime_s = 86400;          /* > 16 bits: a TLV */
	h.child_lifetime_kb = 5000000000ULL; /* > 32 bits */
	b.child_lifetime_s = 7 * 86400;
	b.child_lifetime_kb = 6000000000ULL;
	fx_pair_up(&h, &b, 1);
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		if (!branch->sas[i].live)
			continue;
		assert_int_equal(branch->sas[i].sa.life_s, 86400);
		assert_int_equal(branch->sas[i].sa.life_bytes, 5000000000ULL * 1024);
	}
	assert_mirrored(branch, hub);
}

/* A kilobyte lifetime whose byte count does not fit 64 bits saturates. */
static void
test_life_kb_saturates(void **state)
{
	struct ike_site_params b;

	(void)state;
	site_hub(&b, "hub", HUB, PSK);
	b.child_lifetime_kb = (1ULL << 54) + 1; /* * 1024 wraps to 1024 */
	fx_pair_up(NULL, &b, 1);
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		const struct h_sa *x = &hub->sas[i], *y = &branch->sas[i];

		if (x->live) {
			assert_int_equal(x->sa.life_bytes, UINT64_MAX);
			assert_true(x->sa.soft_bytes > (1ULL << 63));
		}
		if (y->live)
			assert_int_equal(y->sa.life_bytes, UINT64_MAX);
	}
}

/*
 * A pair whose rekey comes due while the site has no ISAKMP SA waits for
 * phase 1 (rekey_wanted) and is rekeyed as soon as phase 1 is up. IKEv1
 * pairs may outlive their ISAKMP SA; the library today never leaves them
 * so on its own (the last ISAKMP SA takes the site down), so the test
 * removes the hub's ISAKMP SA underneath.
 */
static void
test_rekey_waits_for_phase1(void **state)
{
	uint32_t spi = 0;

	(void)state;
	fx_pair_up(NULL, NULL, 1);
	spi = fx_live_in_spi(hub);
	while (!list_empty(&hub->ike->sas))
		ike_sa_kill(container_of(hub->ike->sas.next, struct ike_sa, all));
	ike_sa_reap(hub->ike);
	NET.filter = mbb_filter;
	ike_child_sa_expired(hub->ike, spi, false, NET.now);
	net_advance(10000);
	NET.filter = NULL;
	assert_int_equal(stat_of(hub, IKE_EV_CHILD_REKEY), 1);
	assert_null(host_find(hub, true, spi)); /* replaced, then deleted */
	assert_int_equal(host_live(hub, true), 1);
	assert_mirrored(hub, branch);
	assert_mirrored(branch, hub);
	assert_int_equal(hub->downs, 0);
}

/*
 * A peer that only knows the NAT-T drafts (RFC 3947's vendor ID removed
 * from message 1 on the way): NAT-D payload type 130 and encapsulation
 * mode 61443 are used, and the tunnel works behind the NAT.
 */
static const uint8_t rfc3947_vid[16] = {
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
};
static unsigned natd_draft_seen, natd_rfc_seen;

static bool
strip_rfc_vid(struct pkt *p, void *arg)
{
	uint8_t *m = p->data;
	size_t len = p->len, off = 28, prev_np = 16;
	uint8_t np;

	(void)arg;
	if (p->dst.port == IKE_NATT_PORT || len < 28 || (m[19] & 1))
		return true;
	np = m[16];
	while (np != 0 && off + 4 <= len) {
		uint16_t plen = (uint16_t)(m[off + 2] << 8 | m[off + 3]);

		if (np == 130)
			natd_draft_seen++;
		if (np == 20)
			natd_rfc_seen++;
		if (np == 13 && plen == 20 && memcmp(m + off + 4, rfc3947_vid, 16) == 0) {
			m[prev_np] = m[off]; /* unlink it */
			memmove(m + off, m + off + plen, len - off - plen);
			len -= plen;
			p->len = len;
			m[24] = (uint8_t)(len >> 24);
			m[25] = (uint8_t)(len >> 16);
			m[26] = (uint8_t)(len >> 8);
			m[27] = (uint8_t)len;
			np = m[prev_np];
			continue;
		}
		np = m[off];
		prev_np = off;
		off += plen;
	}
	return true;
}

static void
test_nat_t_draft(void **state)
{
	(void)state;
	fx_branch_behind_nat();
	NET.filter = strip_rfc_vid;
	fx_pair_up(NULL, NULL, 1);
	NET.filter = NULL;
	assert_true(natd_draft_seen >= 4);
	assert_int_equal(natd_rfc_seen, 0);
	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (hub->sas[i].live)
			assert_int_equal(hub->sas[i].sa.local.port, IKE_NATT_PORT);
	assert_mirrored(branch, hub);
}

static int
count_site(const struct ike_site_info *i, void *arg)
{
	(void)i;
	(*(int *)arg)++;
	return 0;
}

static void
test_site_api(void **state)
{
	struct ike_site_params h, h2;
	struct ike_sa_info sa;
	int n = 0;
	uint32_t id;
	const char *why;

	(void)state;
	fx_pair_up(NULL, NULL, 1);
	site_branch(&h, "rtx1", 0, PSK);
	/* DPD change: tunnels stay */
	h.dpd_delay_s = 10;
	assert_int_equal(ike_site_update(hub->ike, &h, NET.now), 0);
	assert_int_equal(host_live(hub, true), 1);
	assert_true(site_is_up(hub, "rtx1"));
	/* an unrelated site comes and goes: nothing else moves */
	site_branch(&h2, "rtx2", ADDR(203, 0, 113, 99), "other");
	h2.id.value[3] = 2;
	assert_int_equal(ike_site_add(hub->ike, &h2, NET.now, &id), 0);
	assert_int_equal(ike_site_add(hub->ike, &h2, NET.now, &id), -EEXIST);
	ike_site_foreach(hub->ike, count_site, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ike_site_del(hub->ike, "rtx2", NET.now), 0);
	assert_int_equal(ike_site_del(hub->ike, "rtx2", NET.now), -ENOENT);
	assert_int_equal(host_live(hub, true), 1);
	/* PSK change: the site's tunnels go (and the branch re-dials) */
	memcpy(h.psk, "new-psk-new-psk", 15);
	h.psk_len = 15;
	assert_int_equal(ike_site_update(hub->ike, &h, NET.now), 0);
	assert_int_equal(host_live(hub, true), 0);
	assert_int_equal(hub->last_down, IKE_DOWN_ADMIN);
	/* validation */
	h.n_remote = 0;
	assert_int_equal(ike_site_params_validate(&h, &why), -EINVAL);
	assert_non_null(why);
	h.n_remote = 1;
	h.remote_subnets[0].addr |= 1; /* host bits */
	assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), -EINVAL);
	/* ike_sa_delete by cookies */
	net_advance(60000);
	ike_sa_foreach(branch->ike, fx_grab_sa, &sa);
	assert_int_equal(ike_sa_delete(branch->ike, sa.icookie, sa.rcookie, NET.now), 0);
	assert_int_equal(ike_sa_delete(branch->ike, sa.icookie, sa.rcookie, NET.now), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dpd_answered, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_dpd_not_on_busy_tunnel, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_dpd_timeout, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_delete, fx_pair_setup_priv, fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_initial_contact, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_child_rekey, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_soft_bytes, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_ike_rekey, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_collision, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_nat_t, fx_pair_setup_priv, fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_site_api, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_responder_lifetime, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_nat_t_draft, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_responder_lifetime_large, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_life_kb_saturates, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_rekey_waits_for_phase1, fx_pair_setup_priv,
						fx_pair_teardown),
	};

	return cmocka_run_group_tests_name("ike_lifecycle", tests, NULL, NULL);
}
