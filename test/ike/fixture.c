/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixtures shared by the lib/ike tests (see fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

struct host *hub, *branch;

static int
pair_setup_at(uint32_t branch_addr)
{
	net_reset();
	hub = host_new("hub", H_HUB, (const uint8_t *)H_PSK, strlen(H_PSK));
	branch = host_new("branch", branch_addr, NULL, 0);
	return 0;
}

int
fx_pair_setup(void **state)
{
	(void)state;
	return pair_setup_at(H_BRANCH);
}

int
fx_pair_setup_priv(void **state)
{
	(void)state;
	return pair_setup_at(H_BRANCH_PRIV);
}

int
fx_pair_teardown(void **state)
{
	(void)state;
	host_free(hub);
	host_free(branch);
	return 0;
}

int
fx_hub_setup(void **state)
{
	struct ike_site_params h;

	(void)state;
	net_reset();
	hub = host_new("hub", H_HUB, (const uint8_t *)H_PSK, strlen(H_PSK));
	branch = NULL;
	site_branch(&h, "rtx1", 0, H_PSK);
	assert_int_equal(ike_site_add(hub->ike, &h, NET.now, NULL), 0);
	return 0;
}

int
fx_hub_teardown(void **state)
{
	(void)state;
	host_free(hub);
	return 0;
}

void
fx_pair_add_sites(const struct ike_site_params *hp, const struct ike_site_params *bp)
{
	struct ike_site_params h, b;

	if (hp == NULL) {
		site_branch(&h, "rtx1", 0, H_PSK);
		hp = &h;
	}
	if (bp == NULL) {
		site_hub(&b, "hub", H_HUB, H_PSK);
		bp = &b;
	}
	assert_int_equal(ike_site_add(hub->ike, hp, NET.now, NULL), 0);
	assert_int_equal(ike_site_add(branch->ike, bp, NET.now, NULL), 0);
}

void
fx_pair_up(const struct ike_site_params *hp, const struct ike_site_params *bp, unsigned pairs)
{
	fx_pair_add_sites(hp, bp);
	net_advance(1000);
	assert_true(site_is_up(hub, "rtx1"));
	assert_int_equal(host_live(hub, true), pairs);
	assert_mirrored(hub, branch);
}

void
fx_branch_behind_nat(void)
{
	NET.nat_host = branch;
	NET.nat_pub = H_NAT_PUB;
	NET.nat_port_base = 41000;
}

uint32_t
fx_live_in_spi(const struct host *h)
{
	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (h->sas[i].live && h->sas[i].sa.inbound)
			return h->sas[i].sa.spi;
	return 0;
}

int
fx_grab_sa(const struct ike_sa_info *i, void *arg)
{
	*(struct ike_sa_info *)arg = *i;
	return 1;
}
