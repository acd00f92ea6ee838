/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the library tells its host about SAs: each SA named by the handle
 * the host gave it (never by SPI: outbound SPIs are the peers' choice), an
 * outbound SA paired with its own Quick Mode's inbound SA even when two
 * Quick Modes for the same selectors interleave, and the soft packet
 * limit that rekeys a pair before its sequence numbers run out.
 *
 * The harness (harness.c) checks on every call that a handle names a live
 * SA and that an outbound SA's twin is a live inbound SA of its site and
 * selectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define HUB    H_HUB
#define BRANCH H_BRANCH
#define PSK    H_PSK

/* Each pair's outbound SA names, as its twin, the inbound SA of that pair. */
static int
twin_is_own(const struct ike_child_info *c, void *arg)
{
	const struct host *h = arg;

	for (unsigned i = 0; i < H_MAX_SA; i++) {
		const struct h_sa *o = &h->sas[i];

		if (!o->live || o->sa.inbound || o->sa.spi != c->spi_out ||
		    o->sa.site_id != c->site_id)
			continue;
		assert_int_equal(h->sas[o->sa.twin].sa.spi, c->spi_in);
	}
	return 0;
}

/*
 * Both sides rekey the same pair at once: on each side one Quick Mode
 * runs as responder (inbound SA at message 1, outbound at message 3) and
 * one as initiator (both at message 2), interleaved. Each outbound SA is
 * paired with its own Quick Mode's inbound SA, which is not the inbound
 * SA its selectors got last (the pairing esphub's tunnels once made).
 */
static void
test_twin_interleaved(void **state)
{
	(void)state;
	fx_pair_up(NULL, NULL, 1);
	ike_child_sa_expired(hub->ike, fx_live_in_spi(hub), false, NET.now);
	ike_child_sa_expired(branch->ike, fx_live_in_spi(branch), false, NET.now);
	net_run(1000);
	assert_int_equal(stat_of(hub, IKE_EV_QM_UP), 3);
	ike_child_foreach(hub->ike, twin_is_own, hub);
	ike_child_foreach(branch->ike, twin_is_own, branch);
	assert_true(hub->twin_not_last_in + branch->twin_not_last_in >= 1);
	net_advance(10000);
	assert_int_equal(host_live(hub, true), 1);
	assert_mirrored(hub, branch);
	assert_mirrored(branch, hub);
}

/*
 * Two sites whose branches sit behind one address: deleting one site's
 * pair hands the host that pair's handles, and the other site's SAs stay.
 */
static void
test_delete_by_handle(void **state)
{
	struct ike_site_params h, b;
	unsigned deletes;

	(void)state;
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "rtx2" : "rtx1";

		site_branch(&h, name, BRANCH, PSK);
		h.id.type = IKE_ID_KEY_ID;
		h.id.len = 4;
		memcpy(h.id.value, name, 4);
		h.remote_subnets[0].addr = ADDR(192, 168, i, 0);
		site_hub(&b, name, HUB, PSK);
		b.local_id = h.id;
		b.local_subnets[0] = h.remote_subnets[0];
		b.id.type = IKE_ID_KEY_ID; /* the hub names itself per site */
		b.id.len = 4;
		memcpy(b.id.value, i ? "hub2" : "hub1", 4);
		h.local_id = b.id;
		assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
		assert_int_equal(ike_site_add(branch->ike, &b, NET.now, NULL), 0);
	}
	net_advance(2000);
	assert_int_equal(host_live(hub, true), 2);
	assert_int_equal(host_live(hub, false), 2);
	deletes = hub->deletes;
	assert_int_equal(ike_site_down(hub->ike, "rtx1", NET.now), 0);
	assert_int_equal(hub->deletes, deletes + 2);
	assert_int_equal(host_live(hub, true), 1);
	assert_int_equal(host_live(hub, false), 1);
	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (hub->sas[i].live)
			assert_int_equal(hub->sas[i].sa.remote_ts.addr, ADDR(192, 168, 1, 0));
}

/* Every SA IKE installs rekeys 2^26 packets before 32-bit sequence
 * numbers run out; that soft limit, reported on the outbound SA's twin,
 * rekeys the pair. */
static void
test_soft_packets(void **state)
{
	(void)state;
	fx_pair_up(NULL, NULL, 1);
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		if (hub->sas[i].live)
			assert_int_equal(hub->sas[i].sa.soft_packets, 4227858432ULL);
		if (branch->sas[i].live)
			assert_int_equal(branch->sas[i].sa.soft_packets, 4227858432ULL);
	}
	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (hub->sas[i].live && !hub->sas[i].sa.inbound)
			ike_child_sa_expired(hub->ike, hub->sas[hub->sas[i].sa.twin].sa.spi, false,
					     NET.now);
	net_advance(10000);
	assert_int_equal(stat_of(hub, IKE_EV_CHILD_REKEY), 1);
	assert_int_equal(host_live(hub, true), 1);
	assert_mirrored(hub, branch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_twin_interleaved, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_delete_by_handle, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_soft_packets, fx_pair_setup, fx_pair_teardown),
	};

	return cmocka_run_group_tests_name("ike_host", tests, NULL, NULL);
}
