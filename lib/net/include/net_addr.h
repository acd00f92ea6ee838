/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Addresses as text, masks, and which addresses can never be a source.
 *
 * Free of DPDK (net.h includes this header for the data plane): the config
 * loader (lib/conf) and lib/nat's config checks use it alone, through
 * net_addr_dep (library esphub_net_addr). IPv4 addresses in uint32_t are
 * in host byte order. Thread-safe (no state).
 */
#ifndef ESPHUB_NET_ADDR_H
#define ESPHUB_NET_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#define NET_IPV4_STR_MAX   16 /**< "255.255.255.255" + NUL */
#define NET_PREFIX_STR_MAX 19 /**< + "/32" */

static inline uint32_t
net_mask(uint8_t plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - plen);
}

/** Zero, loopback, multicast, class E or limited broadcast: never a source. */
bool net_ipv4_martian_src(uint32_t a);

/** Parse dotted quad. */
bool net_ipv4_from_str(const char *s, uint32_t *a);
/** Parse "a.b.c.d/len"; a bare address is /32. */
bool net_prefix_from_str(const char *s, uint32_t *a, uint8_t *plen);
/** Parse "aa:bb:cc:dd:ee:ff" into 6 bytes (net.h: net_mac_from_str()). */
bool net_mac_parse(const char *s, uint8_t mac[6]);

/** A MAC a host may own: unicast (group bit clear) and not all zeros. */
static inline bool
net_mac_is_assigned(const uint8_t mac[6])
{
	return (mac[0] & 0x01) == 0 && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

const char *net_ipv4_str(uint32_t a, char buf[NET_IPV4_STR_MAX]);
const char *net_prefix_str(uint32_t a, uint8_t plen, char buf[NET_PREFIX_STR_MAX]);

#endif /* ESPHUB_NET_ADDR_H */
