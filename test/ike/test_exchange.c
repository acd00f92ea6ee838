/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process exchanges, our initiator against our responder: Main Mode and
 * Aggressive Mode, Quick Mode with and without PFS, every phase 1 suite,
 * retransmission and duplicates, wrong PSKs, Quick Mode IDs outside the
 * site's subnets.
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

#define HUB    H_HUB
#define BRANCH H_BRANCH
#define PSK    H_PSK

static void
assert_tunnel_up(unsigned pairs)
{
	assert_true(site_is_up(hub, "rtx1"));
	assert_true(site_is_up(branch, "hub"));
	assert_int_equal(host_live(hub, true), pairs);
	assert_int_equal(host_live(hub, false), pairs);
	assert_int_equal(host_live(branch, true), pairs);
	assert_int_equal(host_live(branch, false), pairs);
	assert_mirrored(hub, branch);
	assert_mirrored(branch, hub);
}

/* cookie_own: the host holds each established ISAKMP SA's own cookie
 * (ours: CKY-R as responder, CKY-I as initiator) and nothing else. */
static int
own_cookie_known(const struct ike_sa_info *i, void *arg)
{
	const struct host *h = arg;
	const uint8_t *own = i->initiator ? i->icookie : i->rcookie;
	unsigned k;

	if (!i->established)
		return 0;
	for (k = 0; k < h->n_cookies; k++)
		if (memcmp(h->cookies[k], own, 8) == 0)
			break;
	assert_true(k < h->n_cookies);
	return 0;
}

static void
assert_own_cookies(struct host *h)
{
	assert_cookies_balanced(h);
	ike_sa_foreach(h->ike, own_cookie_known, h);
}

static void
test_main_mode_rtx(void **state)
{
	const struct h_sa *in;

	(void)state;
	fx_pair_add_sites(NULL, NULL);
	net_advance(1000);
	assert_tunnel_up(1);
	/* the RTX profile: aes128-cbc + hmac-sha1-96, tunnel, 28800 s */
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		if (!hub->sas[i].live || !hub->sas[i].sa.inbound)
			continue;
		in = &hub->sas[i];
		assert_int_equal(in->sa.keys.cipher, CRYPTO_CIPHER_AES_CBC);
		assert_int_equal(in->sa.keys.cipher_key_len, 16);
		assert_int_equal(in->sa.keys.integ, CRYPTO_INTEG_HMAC_SHA1_96);
		assert_int_equal(in->sa.keys.integ_key_len, 20);
		assert_int_equal(in->sa.remote_ts.addr, ADDR(192, 168, 0, 0));
		assert_int_equal(in->sa.remote_ts.len, 24);
		assert_int_equal(in->sa.local_ts.addr, ADDR(172, 16, 0, 0));
		assert_int_equal(in->sa.local_ts.len, 16);
		assert_int_equal(in->sa.life_s, 28800);
		assert_int_equal(in->sa.local.port, 0); /* no NAT: plain ESP */
		assert_int_equal(in->sa.remote.addr, BRANCH);
	}
	assert_int_equal(stat_of(hub, IKE_EV_P1_UP), 1);
	assert_int_equal(stat_of(hub, IKE_EV_QM_UP), 1);
	assert_int_equal(hub->ups, 1);
	assert_own_cookies(hub);
	assert_own_cookies(branch);
	/* secrets never logged */
	assert_null(strstr(hub->log, PSK));
	assert_null(strstr(branch->log, PSK));
}

struct suite {
	struct ike_p1_proposal p1;
	struct ike_esp_proposal esp;
};

static void
test_suites(void **state)
{
	static const struct suite suites[] = {
		{ { IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA256, IKE_DH_MODP2048 },
		  { IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA256, IKE_DH_NONE } },
		{ { IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_MODP1024 },
		  { IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_MODP1024 } },
		{ { IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_MODP1536 },
		  { IKE_CIPHER_AES_GCM16, 128, IKE_HASH_NONE, IKE_DH_NONE } },
		{ { IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA384, IKE_DH_ECP384 },
		  { IKE_CIPHER_AES_GCM16, 256, IKE_HASH_NONE, IKE_DH_ECP256 } },
		{ { IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA512, IKE_DH_ECP256 },
		  { IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA256, IKE_DH_MODP2048 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct ike_site_params h, b;
		char name[16];

		snprintf(name, sizeof(name), "s%zu", i);
		/* fresh instances per suite */
		fx_pair_teardown(NULL);
		fx_pair_setup(NULL);
		site_branch(&h, "rtx1", 0, PSK);
		site_hub(&b, "hub", HUB, PSK);
		h.p1[0] = b.p1[0] = suites[i].p1;
		h.n_p1 = b.n_p1 = 1;
		h.esp[0] = b.esp[0] = suites[i].esp;
		h.n_esp = b.n_esp = 1;
		hub->cfg.p1[0] = suites[i].p1;
		hub->cfg.n_p1 = 1;
		host_restart(hub);
		fx_pair_add_sites(&h, &b);
		net_advance(1000);
		assert_tunnel_up(1);
		for (unsigned k = 0; k < H_MAX_SA; k++) {
			const struct h_sa *s = &hub->sas[k];

			if (!s->live)
				continue;
			assert_int_equal(s->sa.keys.cipher_key_len, suites[i].esp.key_bits / 8);
			assert_int_equal(s->sa.keys.cipher,
					 suites[i].esp.cipher == IKE_CIPHER_AES_GCM16 ?
						 CRYPTO_CIPHER_AES_GCM16 :
						 CRYPTO_CIPHER_AES_CBC);
		}
	}
}

/* The responder picks from its own list; the initiator offers several. */
static void
test_proposal_choice(void **state)
{
	struct ike_site_params h, b;

	(void)state;
	site_branch(&h, "rtx1", 0, PSK);
	site_hub(&b, "hub", HUB, PSK);
	/* branch offers sha512/ecp384 first, then the RTX suite */
	b.p1[0] =
		(struct ike_p1_proposal){ IKE_CIPHER_AES_CBC, 256, IKE_HASH_SHA512, IKE_DH_ECP384 };
	b.p1[1] =
		(struct ike_p1_proposal){ IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_MODP1024 };
	b.n_p1 = 2;
	h.p1[0] = b.p1[1];
	h.n_p1 = 1;
	fx_pair_add_sites(&h, &b);
	net_advance(1000);
	assert_tunnel_up(1);
}

static void
test_no_common_proposal(void **state)
{
	struct ike_site_params b;

	(void)state;
	site_hub(&b, "hub", HUB, PSK);
	b.p1[0] =
		(struct ike_p1_proposal){ IKE_CIPHER_AES_CBC, 128, IKE_HASH_SHA1, IKE_DH_MODP1536 };
	b.n_p1 = 1;
	hub->cfg.n_p1 = 1; /* hub accepts aes128-sha1-modp1024 only */
	host_restart(hub);
	fx_pair_add_sites(NULL, &b);
	net_advance(1000);
	assert_int_equal(stat_of(hub, IKE_DROP_NO_PROPOSAL), 1);
	assert_int_equal(stat_of(hub, IKE_EV_NOTIFY_TX), 1);
	assert_int_equal(stat_of(branch, IKE_DROP_UNAUTH_INFO), 1);
	assert_false(site_is_up(branch, "hub"));
}

static void
test_aggressive(void **state)
{
	struct ike_site_params h, b;

	(void)state;
	site_branch(&h, "rtx1", 0, "aggr-secret");
	site_hub(&b, "hub", HUB, "aggr-secret");
	h.id.type = IKE_ID_FQDN;
	h.id.len = (uint8_t)strlen("branch7.example");
	memcpy(h.id.value, "branch7.example", h.id.len);
	b.local_id = h.id;
	b.aggressive = true;
	/* not opted in: refused */
	fx_pair_add_sites(&h, &b);
	net_advance(1000);
	assert_true(stat_of(hub, IKE_DROP_AGGR_REFUSED) >= 1);
	assert_false(site_is_up(branch, "hub"));
	/* opted in */
	h.aggressive = true;
	assert_int_equal(ike_site_update(hub->ike, &h, NET.now), 0);
	assert_int_equal(ike_site_initiate(branch->ike, "hub", NET.now), -EALREADY);
	net_advance(60000);
	assert_tunnel_up(1);
	assert_null(strstr(hub->log, "aggr-secret"));
}

/* Drop one datagram: which one is picked by the filter's counter. */
static unsigned drop_nth, seen;
static bool
drop_filter(struct pkt *p, void *arg)
{
	(void)p;
	(void)arg;
	return ++seen != drop_nth;
}

static void
test_retransmit_each_message(void **state)
{
	(void)state;
	/* lose each of the 9 datagrams of MM + QM once, in turn */
	for (drop_nth = 1; drop_nth <= 9; drop_nth++) {
		fx_pair_teardown(NULL);
		fx_pair_setup(NULL);
		seen = 0;
		NET.filter = drop_filter;
		fx_pair_add_sites(NULL, NULL);
		net_advance(60000);
		assert_tunnel_up(1);
		assert_true(stat_of(branch, IKE_EV_RETRANSMIT) + stat_of(hub, IKE_EV_RETRANSMIT) >=
			    1);
		NET.filter = NULL;
	}
}

/* Every datagram twice: replies are re-sent, nothing is computed twice. */
static bool
dup_filter(struct pkt *p, void *arg)
{
	(void)arg;
	if (NET.qt - NET.qh < H_MAX_PKT - 1 && p->len > 1) {
		NET.q[NET.qt % H_MAX_PKT] = *p;
		NET.q[NET.qt % H_MAX_PKT].from = NULL;
		NET.qt++;
	}
	return true;
}

static bool
dup_once(struct pkt *p, void *arg)
{
	/* the duplicates were queued with from == NULL: deliver as is */
	return p->from == NULL ? true : dup_filter(p, arg);
}

static void
test_duplicates(void **state)
{
	(void)state;
	NET.filter = dup_once;
	fx_pair_add_sites(NULL, NULL);
	net_advance(10000);
	NET.filter = NULL;
	assert_tunnel_up(1);
	/* replies re-sent (rate-limited), repeats otherwise counted */
	assert_true(stat_of(hub, IKE_EV_REPLY_RESENT) >= 1);
	assert_true(stat_of(hub, IKE_DROP_DUPLICATE) >= 1);
	assert_true(stat_of(branch, IKE_DROP_DUPLICATE) >= 1);
	assert_int_equal(stat_of(branch, IKE_DROP_MISSING), 0);
	assert_int_equal(stat_of(hub, IKE_DROP_STATE), 0);
	assert_int_equal(stat_of(hub, IKE_EV_P1_UP), 1);
	assert_int_equal(stat_of(hub, IKE_EV_QM_UP), 1);
	assert_int_equal(stat_of(branch, IKE_EV_QM_UP), 1);
}

static void
test_wrong_psk(void **state)
{
	struct ike_site_params b;
	struct ike_site_info info;

	(void)state;
	site_hub(&b, "hub", HUB, "not-the-psk");
	fx_pair_add_sites(NULL, &b);
	/* message 5 is dropped each time it comes; the exchange ends when
	 * its half-open time is up (30 s) */
	net_advance(5000);
	assert_int_equal(stat_of(hub, IKE_EV_P1_FAILED), 0);
	net_advance(26000);
	assert_false(site_is_up(hub, "rtx1"));
	assert_false(site_is_up(branch, "hub"));
	assert_int_equal(host_live(hub, true), 0);
	assert_int_equal(stat_of(hub, IKE_EV_P1_FAILED), 1);
	assert_int_equal(stat_of(hub, IKE_EV_HALF_OPEN_TIMEOUT), 1);
	/* a wrong PSK shows as garbage after decryption, or a bad HASH_I */
	assert_true(stat_of(hub, IKE_DROP_AUTH) + stat_of(hub, IKE_DROP_MALFORMED) +
			    stat_of(hub, IKE_DROP_UNEXPECTED) + stat_of(hub, IKE_DROP_TRUNCATED) +
			    stat_of(hub, IKE_DROP_PLD_LENGTH) + stat_of(hub, IKE_DROP_CRITICAL) +
			    stat_of(hub, IKE_DROP_MISSING) + stat_of(hub, IKE_DROP_TRAILING) +
			    stat_of(hub, IKE_DROP_BAD_ID) + stat_of(hub, IKE_DROP_NESTED) >=
		    1);
	assert_int_equal(ike_site_get(hub->ike, "rtx1", &info), 0);
	assert_null(strstr(hub->log, "not-the-psk"));
}

/*
 * Forged copies of message 5, sent before the real one by someone who saw
 * the cookies (from another address, and from the branch's own): one that
 * does not decrypt, one whose HASH_I is wrong. Both are dropped and
 * counted; the exchange goes on and the real message 5 completes it.
 */
static unsigned forged;

static void
inject_copy(const struct pkt *p, uint32_t from, size_t len, size_t flip_at)
{
	struct pkt f = *p;

	f.src.addr = from;
	f.len = len;
	put32(f.data + 24, (uint32_t)len); /* ISAKMP length */
	if (flip_at != 0)
		f.data[flip_at] ^= 0x01;
	ike_input(hub->ike, NET.now, &f.dst, &f.src, f.data, f.len);
	forged++;
}

static bool
forge_msg5(struct pkt *p, void *arg)
{
	(void)arg;
	/* Main Mode, encrypted, from the branch: message 5 (no NAT here) */
	if (forged == 0 && p->from == branch && p->len > 28 && p->data[18] == ISAKMP_EXCH_IDPROT &&
	    (p->data[19] & ISAKMP_FLAG_E)) {
		/* a length that is no multiple of the block: no decryption */
		inject_copy(p, ADDR(192, 0, 2, 66), p->len - 1, 0);
		/* the first cipher block flipped: garbles plaintext block 1
		 * and flips a bit of block 2, both inside HASH_I (body bytes
		 * 16..35: after the 12-byte ID and the HASH header) */
		inject_copy(p, p->src.addr, p->len, 28 + 16);
	}
	return true;
}

static void
test_forged_msg5(void **state)
{
	(void)state;
	forged = 0;
	NET.filter = forge_msg5;
	fx_pair_add_sites(NULL, NULL);
	net_advance(1000);
	NET.filter = NULL;
	assert_int_equal(forged, 2);
	assert_tunnel_up(1);
	assert_int_equal(stat_of(hub, IKE_EV_P1_FAILED), 0);
	assert_int_equal(stat_of(hub, IKE_DROP_DECRYPT), 1);
	assert_int_equal(stat_of(hub, IKE_DROP_AUTH), 1);
	assert_int_equal(stat_of(branch, IKE_EV_RETRANSMIT), 0);
}

/*
 * A site with a fixed peer address whose psk is default_psk (config load
 * warns about it): another branch holding default_psk claims its ID, in
 * Main Mode and in Aggressive Mode. Refused both times; the real branch's
 * SAs stay, untouched by the impostor's INITIAL-CONTACT.
 */
static void
test_claim_fixed_site(void **state)
{
	struct ike_site_params h, a;
	struct host *evil;

	(void)state;
	site_branch(&h, "rtx1", BRANCH, PSK); /* fixed address, psk = default */
	h.aggressive = true;
	fx_pair_add_sites(&h, NULL);
	net_advance(2000);
	assert_tunnel_up(1);
	assert_int_equal(stat_of(hub, IKE_EV_INITIAL_CONTACT), 1);
	evil = host_new("evil", ADDR(198, 18, 0, 66), NULL, 0);
	for (int aggr = 0; aggr <= 1; aggr++) {
		uint64_t refused = stat_of(hub, IKE_DROP_PEER_ADDR);

		site_hub(&a, "hub", HUB, PSK); /* local_id: rtx1's ID */
		a.aggressive = aggr;
		if (aggr) {
			/* its failed Main Mode is still retransmitting */
			assert_int_equal(ike_site_down(evil->ike, "hub", NET.now), 0);
			assert_int_equal(ike_site_update(evil->ike, &a, NET.now), 0);
		} else
			assert_int_equal(ike_site_add(evil->ike, &a, NET.now, NULL), 0);
		net_advance(3000);
		assert_true(stat_of(hub, IKE_DROP_PEER_ADDR) > refused);
		assert_false(site_is_up(evil, "hub"));
		assert_int_equal(host_live(evil, true) + host_live(evil, false), 0);
		assert_tunnel_up(1);
		assert_int_equal(stat_of(hub, IKE_EV_INITIAL_CONTACT), 1);
		assert_int_equal(hub->downs, 0);
	}
	NET.n--;
	host_free(evil);
}

/* The default PSK authenticates, but the site's own PSK differs. */
static void
test_site_psk_differs(void **state)
{
	struct ike_site_params h;
	struct ike_site_info info;

	(void)state;
	site_branch(&h, "rtx1", 0, "site-specific");
	fx_pair_add_sites(&h, NULL); /* branch uses PSK = the hub's default */
	net_advance(5000);
	assert_false(site_is_up(hub, "rtx1"));
	assert_int_equal(stat_of(hub, IKE_DROP_PSK_MISMATCH), 1);
	assert_int_equal(ike_site_get(hub->ike, "rtx1", &info), 0);
	assert_int_equal(info.counters.auth_failures, 1);
}

/* A site bound to the peer's address has its own PSK (no default used). */
static void
test_psk_by_address(void **state)
{
	struct ike_site_params h, b;

	(void)state;
	site_branch(&h, "rtx1", BRANCH, "bound-psk");
	site_hub(&b, "hub", HUB, "bound-psk");
	fx_pair_add_sites(&h, &b);
	net_advance(2000);
	assert_tunnel_up(1);
}

static void
test_qm_ids_outside(void **state)
{
	struct ike_site_params b;

	(void)state;
	site_hub(&b, "hub", HUB, PSK);
	b.local_subnets[0] = (struct ike_prefix){ ADDR(192, 168, 1, 0), 24 };
	fx_pair_add_sites(NULL, &b);
	net_advance(2000);
	assert_true(site_is_up(hub, "rtx1")); /* phase 1 is fine */
	assert_int_equal(host_live(hub, true), 0);
	assert_int_equal(host_live(branch, true), 0);
	assert_int_equal(stat_of(hub, IKE_DROP_TS), 1);
	assert_int_equal(stat_of(branch, IKE_EV_NOTIFY_RX), 1);
	assert_non_null(strstr(branch->log, "INVALID-ID-INFORMATION"));
	/* a narrower selector inside the site's subnets is fine */
	b.local_subnets[0] = (struct ike_prefix){ ADDR(192, 168, 0, 128), 25 };
	b.remote_subnets[0] = (struct ike_prefix){ ADDR(172, 16, 5, 0), 24 };
	assert_int_equal(ike_site_update(branch->ike, &b, NET.now), 0);
	net_advance(60000);
	assert_int_equal(host_live(hub, true), 1);
	assert_mirrored(hub, branch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_main_mode_rtx, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_suites, fx_pair_setup, fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_proposal_choice, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_no_common_proposal, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_aggressive, fx_pair_setup, fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_retransmit_each_message, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, fx_pair_setup, fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_psk, fx_pair_setup, fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_forged_msg5, fx_pair_setup, fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_claim_fixed_site, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_site_psk_differs, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_psk_by_address, fx_pair_setup,
						fx_pair_teardown),
		cmocka_unit_test_setup_teardown(test_qm_ids_outside, fx_pair_setup,
						fx_pair_teardown),
	};

	return cmocka_run_group_tests_name("ike_exchange", tests, NULL, NULL);
}
