/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Source NAT's configuration: limits, pools, masquerade rules, timeouts,
 * and the checks lib/nat applies to them (nat.h explains what they mean).
 *
 * Free of DPDK, so the config loader (lib/conf) can read and check a NAT
 * section without the data path: nat_config_dep (library esphub_nat_config,
 * config.c) brings the checks and no DPDK. The runtime fields
 * (socket_id, qsbr, tsc_hz) are only stored here; nat_create() uses them.
 */
#ifndef ESPHUB_NAT_CONFIG_H
#define ESPHUB_NAT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct rte_rcu_qsbr;

#define NAT_WORKERS_MAX    16 /**< = CFG_MAX_WORKERS */
#define NAT_POOLS_MAX      8
#define NAT_POOL_ADDRS_MAX 16 /**< per pool */
#define NAT_ADDRS_MAX      16 /**< distinct pool addresses in all pools */
#define NAT_RULES_MAX      64
#define NAT_SITE_ANY       UINT32_MAX /**< rule site: every site */
#define NAT_RULE_NO_NAT    (-1)       /**< rule pool: route unchanged */

/** Idle timeout classes. */
enum nat_timeout { NAT_TMO_UDP, NAT_TMO_TCP_EST, NAT_TMO_TCP_TRANS, NAT_TMO_ICMP, NAT_TMO_N };

/** A set of addresses sources are translated to. */
struct nat_pool_config {
	unsigned n_addrs;                  /**< 1..NAT_POOL_ADDRS_MAX */
	uint32_t addr[NAT_POOL_ADDRS_MAX]; /**< host order */
};

/**
 * Which decrypted traffic is masqueraded. The most specific rule matching
 * the destination wins: longest prefix, then a rule naming the site before
 * an any-site rule, then the earlier rule.
 */
struct nat_rule_config {
	uint32_t prefix; /**< destination prefix, host order */
	uint8_t plen;    /**< 0..32 */
	uint32_t site;   /**< NAT_SITE_ANY, or only traffic from this site */
	int pool;        /**< index into nat_config.pools, or NAT_RULE_NO_NAT */
};

/** Everything nat_create() needs; start from nat_config_init(). */
struct nat_config {
	unsigned n_workers; /**< 1..NAT_WORKERS_MAX; worker index = QSBR thread id */
	int socket_id;
	/** The workers' QSBR variable; required when n_workers > 1. */
	struct rte_rcu_qsbr *qsbr;
	uint64_t tsc_hz;   /**< 0: rte_get_tsc_hz() (tests set their own) */
	uint32_t capacity; /**< sessions, 1024..NAT_CAPACITY_MAX; default 1,000,000 */
	/**
	 * Sites that may hold their caps at the same time: the divisor of the
	 * two caps below. 1..capacity; 0 (default): capacity / site_cap if
	 * site_cap is set, else NAT_ACTIVE_SITES_DEFAULT.
	 */
	uint32_t active_sites;
	/** Sessions per site, 1..capacity, at most capacity / active_sites;
	 *  0 (default): capacity / active_sites. */
	uint32_t site_cap;
	/**
	 * Masqueraded sessions one site may hold toward one remote (address,
	 * port, protocol; ICMP: address) on one worker, 1..the smallest
	 * worker's ports, at most those ports / active_sites; 0 (default):
	 * those ports / active_sites.
	 */
	uint32_t site_dest_cap;
	uint32_t max_sites;            /**< site ids are below this; 1..1048576, default 16384 */
	uint32_t max_tunnels;          /**< tunnel ids are below this; 1..1048576, default 65536 */
	uint16_t port_min;             /**< mapped ports and identifiers; default 1024 */
	uint16_t port_max;             /**< default 65535; each worker needs 64 at least */
	uint32_t timeout_s[NAT_TMO_N]; /**< 1..2000000 each; defaults above */
	uint32_t scan_period_ms; /**< one expiry pass per worker; 100..600000, default 10000 */
	unsigned n_pools;
	struct nat_pool_config pools[NAT_POOLS_MAX];
	unsigned n_rules;
	struct nat_rule_config rules[NAT_RULES_MAX];
};

#define NAT_CAPACITY_MAX         (1u << 26)
#define NAT_ACTIVE_SITES_DEFAULT 16 /**< active_sites when neither it nor site_cap is set */

/** Defaults: no pools, no rules, 1 worker, the values documented above
 *  and in nat.h (timeouts). */
void nat_config_init(struct nat_config *c);

/**
 * Check a config (not its runtime fields: socket_id, qsbr, tsc_hz); on
 * error write one line naming the field and the bad value
 * ("rules[2].pool: 5 is not a pool (2 pools)") into err.
 * @return 0 or -EINVAL.
 */
int nat_config_check(const struct nat_config *c, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/**
 * Replace the limits left 0 (active_sites, site_cap, site_dest_cap) by the
 * values they stand for, as documented in struct nat_config, so that they
 * can be shown. c must pass nat_config_check(); it still does after.
 */
void nat_config_resolve(struct nat_config *c);

/** Name of a timeout class as the config file spells it ("tcp_established"). */
const char *nat_timeout_name(enum nat_timeout t);

#endif /* ESPHUB_NAT_CONFIG_H */
