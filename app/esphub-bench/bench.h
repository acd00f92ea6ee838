/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * esphub-bench: the C half of the benchmark harness (bench.py is the other).
 *
 *   esphub-bench sites    the per-site manifest (subnets, SPIs, keys)
 *   esphub-bench gen      one pcap of cleartext or ESP traffic
 *   esphub-bench ceiling  raw intel-ipsec-mb throughput on one pinned core
 *   esphub-bench info     engine and TSC facts for the report
 *
 * Nothing here needs EAL: pcaps are written with stdio, ESP is built with
 * esphub's own crypto engine (drivers/crypto), the ceiling drives
 * intel-ipsec-mb directly.
 *
 * The address plan, shared with bench.py (which writes the configs):
 *   outside   esphub 198.51.100.10/24, gateway 198.51.100.1 (GW_MAC)
 *   inside    esphub 172.16.0.10/16, cloud servers 172.16.1.1 .. .N_SERVERS
 *             (SERVER_MAC_BASE + index)
 *   site i    branch LAN 10.0.0.0 + 64 i /26, public (outer) address
 *             100.64.0.1 + i, inbound SPI SPI_IN_BASE + i, outbound SPI
 *             SPI_OUT_BASE + i
 *   flow f    site f mod N, branch host LAN + 1 + (f / N) mod 62,
 *             server f mod N_SERVERS, UDP ports from f (flow_make())
 * Frame sizes count the 4-byte FCS (RFC 2544 style): a 64-byte frame is a
 * 60-byte pcap record. IMIX is 64/594/1518 in the ratio 7:4:1.
 */
#ifndef ESPHUB_BENCH_H
#define ESPHUB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto.h"

#define BENCH_OUTSIDE_ADDR 0xc633640au /* 198.51.100.10 */
#define BENCH_GW_ADDR      0xc6336401u /* 198.51.100.1 */
#define BENCH_INSIDE_ADDR  0xac10000au /* 172.16.0.10 */
#define BENCH_SERVER_BASE  0xac100100u /* 172.16.1.0: servers .1 .. */
#define BENCH_N_SERVERS    16
#define BENCH_LAN_BASE     0x0a000000u /* 10.0.0.0 */
#define BENCH_LAN_PLEN     26
#define BENCH_LAN_HOSTS    62
#define BENCH_PEER_BASE    0x64400001u /* 100.64.0.1 */
#define BENCH_MAX_SITES    (1u << 18)  /* /26s in 10/8 */
#define BENCH_SPI_IN_BASE  0x10000000u
#define BENCH_SPI_OUT_BASE 0x20000000u
#define BENCH_FCS          4
#define BENCH_ETH_HDR      14
#define BENCH_IMIX_PERIOD  12
#define BENCH_MAX_FRAME    1518

/* The ESP transforms measured. */
enum bench_algo {
	BENCH_GCM128,      /* AES-GCM-16 with a 128-bit key (RFC 4106) */
	BENCH_CBC128_SHA1, /* AES-CBC-128 + HMAC-SHA1-96 (RFC 3602, 2404) */
	BENCH_ALGO_N
};

/* Cleartext frame sizes; 0 means IMIX. */
#define BENCH_SIZE_IMIX 0

/* Per-site material, derived from (seed, site) alone. */
struct bench_site {
	uint32_t lan; /* host order, /26 */
	uint32_t peer;
	uint32_t spi_in, spi_out;
	struct crypto_keys in;  /* what esphub's inbound SA decrypts with */
	struct crypto_keys out; /* what esphub's outbound SA encrypts with */
};

/* One flow's cleartext addressing; "in" is branch -> cloud. */
struct bench_flow {
	uint32_t site;
	uint32_t branch; /* branch host */
	uint32_t server; /* cloud server */
	uint16_t branch_port;
	uint16_t server_port;
};

/* plan.c */
const char *bench_algo_name(enum bench_algo a);
bool bench_algo_parse(const char *s, enum bench_algo *a);
void bench_site_make(uint64_t seed, enum bench_algo a, uint32_t site, struct bench_site *out);
void bench_flow_make(uint32_t flows, uint32_t sites, uint32_t f, struct bench_flow *out);
/* Frame size (with FCS) of packet k of a stream of this size. */
unsigned bench_frame_size(unsigned size, uint64_t k);
/* ESP cipher length and total ESP bytes (header to ICV) for an inner IP length. */
unsigned bench_esp_cipher_len(enum bench_algo a, unsigned ip_len);
unsigned bench_esp_len(enum bench_algo a, unsigned ip_len);
unsigned bench_esp_iv_len(enum bench_algo a);
unsigned bench_esp_icv_len(enum bench_algo a);
/* A random permutation of [0, n): perm[i]. Caller frees. */
uint32_t *bench_permutation(uint32_t n, uint64_t seed);
uint64_t bench_rand(uint64_t *state);
bool bench_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
bool bench_parse_size(const char *s, unsigned *size);
bool bench_parse_mac(const char *s, uint8_t mac[6]);
void bench_ipv4_str(uint32_t a, char buf[16]);

/* frame.c: frames and pcap files. */
struct bench_pcap;
struct bench_pcap *bench_pcap_open(const char *path);
int bench_pcap_write(struct bench_pcap *p, const uint8_t *frame, unsigned len);
int bench_pcap_close(struct bench_pcap *p);
uint16_t bench_cksum(const void *buf, size_t len, uint32_t sum);
/* Ethernet header: 14 bytes. */
void bench_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6]);
/* IPv4 header with checksum; 20 bytes. */
void bench_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, unsigned total_len,
		uint16_t id);
/* IPv4 + UDP packet of ip_len bytes with a patterned payload; checksums set. */
void bench_udp_packet(uint8_t *p, unsigned ip_len, uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport, uint16_t id);

/* gen.c */
int bench_cmd_sites(int argc, char **argv);
int bench_cmd_gen(int argc, char **argv);

/* ceiling.c */
int bench_cmd_ceiling(int argc, char **argv);
int bench_cmd_info(int argc, char **argv);

#endif /* ESPHUB_BENCH_H */
