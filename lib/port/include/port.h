/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Bringing DPDK ports up and down: any PMD, one RX/TX queue pair per worker,
 * RSS where the device has it. Control core only.
 */
#ifndef ESPHUB_PORT_H
#define ESPHUB_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024

struct port_handle {
	uint16_t port_id;
	bool probed;      /**< we hot-plugged it, so we remove it */
	bool rss;         /**< RSS spreads flows over the queues */
	bool rx_ip_cksum; /**< NIC verifies IPv4 header checksums */
	uint16_t nb_queues;
	char name[RTE_ETH_NAME_MAX_LEN];
};

/**
 * Open a port from a devargs string ("net_af_packet0,iface=wan0", a PCI
 * address, or the name of a device EAL already probed), configure
 * nb_queues RX/TX queue pairs drawing buffers from pool, set the MTU and
 * start it.
 * @return 0, or a negative errno with a one-line reason in err.
 */
int port_open(const char *devargs, uint16_t nb_queues, uint16_t mtu, struct rte_mempool *pool,
	      struct port_handle *h, char *err, size_t errlen) __attribute__((warn_unused_result));

/** Stop and close a port (and remove it if port_open() probed it). */
void port_close(struct port_handle *h);

struct port_link {
	bool up;
	bool full_duplex;
	uint32_t speed_mbps; /**< 0 unknown */
};

/** Current link state, without waiting. */
void port_link(uint16_t port_id, struct port_link *l);

/** "up 10 Gbps full-duplex" / "down". */
const char *port_link_str(const struct port_link *l, char *buf, size_t len);

#endif /* ESPHUB_PORT_H */
