/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replays of authenticated messages (RFC 3706 s7, RFC 2408 s3.1): a
 * captured DPD message or Quick Mode message 1, sent again from anywhere,
 * acts on nothing, is no sign of life and moves no NAT-T peer.
 *
 * A filter keeps a copy of the first datagram the branch sends of one
 * exchange type, as it left the branch's NAT; replay() hands it to the
 * hub again.
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
#include "priv.h"

#define HUB H_HUB
#define PUB H_NAT_PUB
#define PSK H_PSK

static struct pkt captured;
static uint8_t capture_exch;

static bool
capture(struct pkt *p, void *arg)
{
	size_t off = p->dst.port == IKE_NATT_PORT ? 4 : 0;

	(void)arg;
	if (captured.len == 0 && p->from == branch && p->len > off + 28 &&
	    p->data[off + 18] == capture_exch)
		captured = *p;
	return true;
}

static void
replay(uint32_t addr, uint16_t port)
{
	struct ike_endpoint from = { addr, port };

	assert_true(captured.len > 0);
	ike_input(hub->ike, NET.now, &captured.dst, &from, captured.data, captured.len);
	net_run(100);
}

static void
capture_start(uint8_t exch)
{
	memset(&captured, 0, sizeof(captured));
	capture_exch = exch;
	NET.filter = capture;
}

/* The branch is behind a NAT (UDP-encapsulated ESP); DPD as asked. */
static void
up_natted(bool hub_dpd, bool branch_dpd)
{
	struct ike_site_params h, b;

	fx_branch_behind_nat();
	site_branch(&h, "rtx1", 0, PSK);
	site_hub(&b, "hub", HUB, PSK);
	if (!hub_dpd)
		h.dpd_delay_s = h.dpd_timeout_s = 0;
	if (!branch_dpd)
		b.dpd_delay_s = b.dpd_timeout_s = 0;
	fx_pair_up(&h, &b, 1);
}

/* A captured R-U-THERE replayed from elsewhere: not answered, not a sign
 * of life, and the branch's UDP-encapsulated ESP stays where it is. */
static void
test_replayed_dpd_moves_nothing(void **state)
{
	struct ike_sa_info sa;
	uint64_t acks;

	(void)state;
	up_natted(false, true);
	capture_start(ISAKMP_EXCH_INFO);
	net_advance(6000); /* the branch's first R-U-THERE */
	NET.filter = NULL;
	acks = stat_of(hub, IKE_EV_DPD_ACK_TX);
	assert_int_equal(acks, 1);
	replay(ADDR(198, 18, 7, 7), 5555);
	replay(PUB, 41001); /* and from where it came */
	assert_int_equal(stat_of(hub, IKE_DROP_REPLAY), 2);
	assert_int_equal(stat_of(hub, IKE_EV_DPD_ACK_TX), acks);
	assert_int_equal(hub->moves, 0);
	ike_sa_foreach(hub->ike, fx_grab_sa, &sa);
	assert_int_equal(sa.remote.addr, PUB);
	assert_int_equal(sa.remote.port, 41001);
	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (hub->sas[i].live)
			assert_int_equal(hub->sas[i].sa.remote.addr, PUB);
	/* the branch's next R-U-THERE is fresh and answered */
	net_advance(6000);
	assert_int_equal(stat_of(hub, IKE_EV_DPD_ACK_TX), acks + 1);
}

/* The branch vanishes; its captured R-U-THERE-ACK, replayed every 2 s,
 * must not keep it alive: DPD declares it dead on time. */
static void
test_replay_no_liveness(void **state)
{
	(void)state;
	up_natted(true, false);
	capture_start(ISAKMP_EXCH_INFO);
	net_advance(6000); /* the hub probes, the branch ACKs */
	NET.filter = NULL;
	assert_int_equal(stat_of(hub, IKE_EV_DPD_ACK_RX), 1);
	branch->mute = true;
	for (int i = 0; i < 20 && hub->downs == 0; i++) {
		net_advance(2000);
		replay(PUB, 41001);
	}
	assert_int_equal(hub->downs, 1);
	assert_int_equal(hub->last_down, IKE_DOWN_DPD);
	assert_true(stat_of(hub, IKE_DROP_DPD_SEQ) >= 1);
	assert_int_equal(stat_of(hub, IKE_EV_DPD_ACK_RX), 1);
	branch->mute = false;
}

/* Ten Quick Modes, then the first one's message 1 replayed: it was used
 * up for good (not only for the last few exchanges), nothing installed. */
static void
test_replayed_qm1_installs_nothing(void **state)
{
	struct ike_site_params h, b;
	unsigned installs;

	(void)state;
	site_branch(&h, "rtx1", 0, PSK);
	site_hub(&b, "hub", HUB, PSK);
	b.n_local = 2;
	b.local_subnets[0] = (struct ike_prefix){ ADDR(192, 168, 0, 0), 25 };
	b.local_subnets[1] = (struct ike_prefix){ ADDR(192, 168, 0, 128), 25 };
	b.n_remote = 5;
	for (unsigned i = 0; i < 5; i++)
		b.remote_subnets[i] = (struct ike_prefix){ ADDR(172, 16, i, 0), 24 };
	capture_start(ISAKMP_EXCH_QUICK);
	fx_pair_up(&h, &b, 10);
	NET.filter = NULL;
	installs = hub->installs;
	replay(captured.src.addr, captured.src.port);
	net_advance(1000);
	assert_int_equal(hub->installs, installs);
	assert_int_equal(host_live(hub, true), 10);
	assert_true(stat_of(hub, IKE_DROP_DUPLICATE) >= 1);
	assert_mirrored(hub, branch);
}

/*
 * The memory of message IDs is bounded: after MSGID_MAX IDs an ISAKMP SA
 * takes no new exchange (Informational or Quick Mode) rather than forget
 * one. The branch sends authenticated DELETEs (for SPIs nobody has) until
 * the hub's memory is full.
 */
static void
test_msgid_memory_bounded(void **state)
{
	struct ike_site_params h, b;
	struct ike_sa *bsa, *hsa;
	uint32_t spi = 0x1234;
	uint64_t qm_up;

	(void)state;
	site_branch(&h, "rtx1", 0, PSK);
	site_hub(&b, "hub", HUB, PSK);
	fx_pair_up(&h, &b, 1);
	bsa = container_of(branch->ike->sas.next, struct ike_sa, all);
	hsa = container_of(hub->ike->sas.next, struct ike_sa, all);
	assert_int_equal(hsa->n_msgids, 1); /* the Quick Mode */
	for (unsigned i = 0; i < MSGID_MAX + 10; i++) {
		ike_info_send_delete_child(bsa, &spi, 1);
		net_run(10);
	}
	assert_int_equal(hsa->n_msgids, MSGID_MAX);
	assert_int_equal(stat_of(hub, IKE_DROP_MSGID_FULL), 11);
	/* a new Quick Mode on that SA is refused too; nothing else breaks */
	qm_up = stat_of(hub, IKE_EV_QM_UP);
	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (branch->sas[i].live && branch->sas[i].sa.inbound)
			ike_child_sa_expired(branch->ike, branch->sas[i].sa.spi, false, NET.now);
	net_run(100);
	assert_int_equal(stat_of(hub, IKE_DROP_MSGID_FULL), 12);
	assert_int_equal(stat_of(hub, IKE_EV_QM_UP), qm_up);
	assert_int_equal(host_live(hub, true), 1);
	assert_true(site_is_up(hub, "rtx1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replayed_dpd_moves_nothing, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_replay_no_liveness, fx_pair_setup_priv,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_replayed_qm1_installs_nothing,
						fx_pair_setup_priv, fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_msgid_memory_bounded, fx_pair_setup_priv,
						fx_pair_teardown),
	};

	return cmocka_run_group_tests_name("ike_replay", tests, NULL, NULL);
}
