/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixtures the lib/ike tests on the harness (harness.h) share: the hub
 * (esphub) and the branch most tests start from, as cmocka setups and
 * teardowns, the RTX sites they hold for each other, and bringing their
 * tunnel up.
 */
#ifndef TEST_IKE_FIXTURE_H
#define TEST_IKE_FIXTURE_H

#include "harness.h"

#define H_HUB         ADDR(198, 51, 100, 1) /* the hub, H_PSK its default PSK */
#define H_PSK         "rtx-psk-0123456789"
#define H_BRANCH      ADDR(203, 0, 113, 7)  /* a branch on a public address */
#define H_BRANCH_PRIV ADDR(10, 0, 0, 7)     /* one that may sit behind the NAT */
#define H_NAT_PUB     ADDR(203, 0, 113, 50) /* the NAT's public address */

/* Set by the setups; branch is NULL after fx_hub_setup. */
extern struct host *hub, *branch;

/* A fresh net with the hub and the branch at H_BRANCH (fx_pair_setup) or
 * at H_BRANCH_PRIV (fx_pair_setup_priv); no sites. */
int fx_pair_setup(void **state);
int fx_pair_setup_priv(void **state);
int fx_pair_teardown(void **state);
/* A fresh net with the hub alone, holding site "rtx1" (a branch at any
 * address, H_PSK). */
int fx_hub_setup(void **state);
int fx_hub_teardown(void **state);

/* Add hp to the hub and bp to the branch. NULL: the hub's site "rtx1" for
 * a branch at any address, the branch's site "hub" at H_HUB, both H_PSK. */
void fx_pair_add_sites(const struct ike_site_params *hp, const struct ike_site_params *bp);
/* fx_pair_add_sites, one second on: "rtx1" is up on the hub with pairs
 * inbound SAs, each mirrored on the branch. */
void fx_pair_up(const struct ike_site_params *hp, const struct ike_site_params *bp, unsigned pairs);
/* The branch behind the NAT, at H_NAT_PUB, its ports mapped from 41000. */
void fx_branch_behind_nat(void);

/* The SPI of h's first live inbound SA (by slot), or 0. */
uint32_t fx_live_in_spi(const struct host *h);
/* For ike_sa_foreach: copy the first SA's info to arg (struct
 * ike_sa_info) and stop. */
int fx_grab_sa(const struct ike_sa_info *i, void *arg);

#endif /* TEST_IKE_FIXTURE_H */
