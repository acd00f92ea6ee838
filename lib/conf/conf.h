/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * esphub configuration: the libconfig file read into one struct cfg.
 *
 * cfg_load() reads and validates the whole file before anything starts.
 * Every problem is reported as one line "FILE:LINE: field: what is wrong"
 * (field is the path inside the file, e.g. "ports[1].address"); loading
 * fails if there is at least one. Unknown fields are errors, so a typo
 * never silently falls back to a default. Secrets are never quoted.
 *
 * Addresses are host byte order. Control core only.
 */
#ifndef ESPHUB_CONF_H
#define ESPHUB_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_PORTS     8
#define CFG_NAME_MAX      16   /**< port names, incl. NUL */
#define CFG_DEVICE_MAX    256  /**< DPDK devargs string, incl. NUL */
#define CFG_MAX_WORKERS   16

enum cfg_port_role {
	CFG_ROLE_OUTSIDE,  /**< WAN: branches reach the box here */
	CFG_ROLE_INSIDE,   /**< the cloud network */
};

struct cfg_port {
	char name[CFG_NAME_MAX];
	char device[CFG_DEVICE_MAX];  /**< e.g. "net_af_packet0,iface=wan0" or a PCI address */
	enum cfg_port_role role;
	uint32_t addr;
	uint8_t plen;
	uint16_t mtu;
	unsigned line;                /**< where it was defined, for later errors */
};

struct cfg_route {
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;                 /**< next hop */
	unsigned port;                /**< index into cfg.ports */
	unsigned line;
};

struct cfg_neighbour {
	uint32_t addr;
	uint8_t mac[6];
	unsigned port;
	unsigned line;
};

struct cfg_tables {
	uint32_t neighbours;          /**< neighbour (ARP) table entries */
	uint32_t routes;              /**< IPv4 routes */
	uint32_t mbufs;               /**< packet buffers; 0 = sized from ports and workers */
};

struct cfg {
	char *path;
	unsigned workers;             /**< worker lcores */
	unsigned workers_line;        /**< line of "workers", 0 if defaulted */
	unsigned log_level;           /**< syslog numbering: 1 emerg .. 8 debug */
	uint32_t icmp_error_rate;     /**< ICMP errors per second per worker; 0 = never */
	struct cfg_tables tables;
	unsigned n_ports;
	struct cfg_port ports[CFG_MAX_PORTS];
	unsigned n_routes;
	struct cfg_route *routes;
	unsigned n_neighbours;
	struct cfg_neighbour *neighbours;
};

/**
 * Read and validate path into cfg (which the caller zeroes or reuses).
 * On failure the error lines, newline-separated, are written to err
 * (truncated to errlen) and cfg is left empty.
 * @return 0, or -1 if the file is missing, unreadable or invalid.
 */
int cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/** Release what cfg_load() allocated. */
void cfg_free(struct cfg *cfg);

/** "outside" / "inside". */
const char *cfg_role_name(enum cfg_port_role role);

/** Index of the port whose connected subnet holds addr, or -1. */
int cfg_port_for_addr(const struct cfg *cfg, uint32_t addr);

/** Name of a syslog level (1..8), e.g. "info"; parse with cfg_log_level_from_str. */
const char *cfg_log_level_name(unsigned level);
bool cfg_log_level_from_str(const char *s, unsigned *level);

#endif /* ESPHUB_CONF_H */
