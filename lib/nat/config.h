/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/nat: what config.c (free of DPDK) shares with ctl.c, which
 * builds the NAT the config describes.
 */
#ifndef ESPHUB_NAT_CONFIG_PRIV_H
#define ESPHUB_NAT_CONFIG_PRIV_H

#include <stdint.h>

#include "nat_config.h"

#define NO_OWNER         0xff /* port_owner[]: block outside the mapped range */
#define MIN_WORKER_PORTS 64   /* mapped ports each worker needs at least */

/*
 * Split [port_min, port_max] among c's workers: owner[] gives the worker of
 * each 256-port block (NO_OWNER outside the range), lo[w]..hi[w] worker w's
 * ports. Returns the smallest worker's count, 0 if a worker gets no block.
 */
uint32_t nat_port_split(const struct nat_config *c, uint8_t owner[256], uint16_t *lo, uint16_t *hi);

/* What the limits left 0 in c stand for (nat_config.h, struct nat_config). */
void nat_config_limits(const struct nat_config *c, uint32_t *active, uint32_t *site_cap,
		       uint32_t *dest_cap);

#endif /* ESPHUB_NAT_CONFIG_PRIV_H */
