/* SPDX-License-Identifier: BSD-3-Clause */
/* MAC addresses as DPDK's struct rte_ether_addr (parsing: addr.c, DPDK-free). */
#include "net.h"

bool
net_mac_from_str(const char *s, struct rte_ether_addr *mac)
{
	return net_mac_parse(s, mac->addr_bytes);
}

const char *
net_mac_str(const struct rte_ether_addr *mac, char buf[NET_MAC_STR_MAX])
{
	rte_ether_format_addr(buf, NET_MAC_STR_MAX, mac);
	return buf;
}
