/* SPDX-License-Identifier: BSD-3-Clause */
/* test/nat: EAL setup, packet builders and checkers shared by the tests. */
#ifndef ESPHUB_TEST_NAT_HELPERS_H
#define ESPHUB_TEST_NAT_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "nat.h"

/* The tests run the NAT clock at tsc_hz = 1000: one TSC tick = 1 ms. */
#define TEST_HZ 1000
#define SEC(s)  (1000 * (uint64_t)(s))

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#define POOL_ADDR A(172, 16, 0, 10) /* esphub's inside address */
#define CLOUD     A(172, 16, 0, 0)  /* 172.16.0.0/16 is masqueraded */

/** A datagram to build; addresses and ports host order. */
struct spec {
	uint8_t proto; /* IPPROTO_TCP / _UDP / _ICMP */
	uint32_t src, dst;
	uint16_t sport, dport; /* ICMP echo: sport = identifier */
	uint8_t tcp_flags;
	uint8_t icmp_type; /* default (0 given with ICMP): echo request */
	uint16_t payload;  /* bytes after the L4 header */
	bool udp_no_cksum;
	bool df;
};

/** What a datagram says; host order. */
struct seen {
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport; /* ICMP echo: sport = dport = identifier */
};

/** EAL with --no-huge --no-pci and 2 lcores; prefix keeps runs apart. */
void test_eal_init(const char *name);
struct rte_mempool *test_pool(void);

/** Defaults for tests: one pool {POOL_ADDR}, rule CLOUD/16 -> pool 0. */
void test_config(struct nat_config *c, unsigned workers, struct rte_rcu_qsbr *qsbr);

/** Write the datagram into buf (checksums valid, random payload); its length. */
size_t spec_write(uint8_t *buf, const struct spec *s);
struct rte_mbuf *spec_mbuf(const struct spec *s);
struct rte_mbuf *bytes_mbuf(const uint8_t *p, size_t len);

/** Read the addresses and ports of the datagram at ip. */
struct seen seen_of(const uint8_t *ip);
struct seen seen_mbuf(const struct rte_mbuf *m);

/**
 * Recompute every checksum of the datagram at ip from scratch (IP, and
 * TCP/UDP/ICMP over the whole datagram) and compare with what it carries.
 * For an ICMP error also the quoted IP header. True if all are right.
 */
bool cksums_ok(const uint8_t *ip);

/** Full L4 checksum the datagram should carry (pseudo-header included). */
uint16_t l4_cksum_full(const uint8_t *ip);

/**
 * Build an ICMP error (type, code) from `from` to the source of the
 * datagram at orig, quoting quote_len bytes of it (0: all of it).
 */
struct rte_mbuf *icmp_error_mbuf(const uint8_t *orig, uint32_t from, uint8_t type, uint8_t code,
				 uint16_t mtu, size_t quote_len);

/** Swap addresses and ports: the reply the remote end sends. */
struct rte_mbuf *reply_mbuf(const struct rte_mbuf *m, uint8_t tcp_flags);

#endif
