/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test/fuzz: what the data-plane targets share (fuzz_dpdk.c): EAL, mbufs
 * whose data ends exactly where the datagram ends (so ASan sees any read
 * past it), ESP built with known keys, and the mbuf leak check.
 */
#ifndef ESPHUB_TEST_FUZZ_DPDK_H
#define ESPHUB_TEST_FUZZ_DPDK_H

#include <rte_mbuf.h>

#include "crypto.h"
#include "fuzz.h"
#include "sa.h"

/*
 * EAL once per process: no hugepages, no PCI, no shared files, no
 * telemetry, a file prefix of its own, and an mbuf pool. Exits on failure.
 */
void fz_eal_init(const char *name);
struct rte_mempool *fz_pool(void);

/*
 * An mbuf whose buffer is a malloc'd block of exactly headroom + len
 * bytes, data at headroom: reading past the datagram is a heap overflow
 * ASan reports. NULL if no mbuf is left.
 */
struct rte_mbuf *fz_mbuf_exact(const void *p, size_t len, uint16_t headroom);
/* A normal pool mbuf holding the bytes (len <= its room), or NULL. */
struct rte_mbuf *fz_mbuf(const void *p, size_t len);

/*
 * Abort unless every pool mbuf and every exact buffer taken since
 * fz_leak_mark() was given back.
 */
void fz_leak_mark(void);
void fz_leak_check(const char *where);

/* An engine's session for keys, and a crypto lcore, for building ESP. */
struct fz_esp_keys {
	const struct crypto_engine *engine;
	struct crypto_lcore *clc;
	void *sess;
	bool gcm, esn;
	uint8_t iv_len, icv_len, align;
	uint16_t udp_port; /* 0: plain ESP */
};

void fz_esp_keys_init(struct fz_esp_keys *k, const struct crypto_engine *e,
		      const struct sa_params *p);

/*
 * ESP as a peer sends it: outer IPv4 src -> dst ([UDP port -> port]),
 * SPI, low 32 bits of seq, IV, the plaintext pt (its trailer included:
 * the caller decides padding and next header; ptlen a multiple of the
 * cipher's alignment) encrypted with the keys, and the ICV (covering the
 * high half of seq with ESN). Written to out (room for ptlen + 80 bytes);
 * returns the length, 0 if the engine refused.
 */
size_t fz_esp_build(const struct fz_esp_keys *k, uint32_t src, uint32_t dst, uint32_t spi,
		    uint64_t seq, const uint8_t *pt, size_t ptlen, uint8_t *out);

/*
 * RFC 4303 trailer for a tunnel-mode datagram of len bytes at pt: default
 * padding to align, pad length, next header 4. Returns the new length.
 */
size_t fz_esp_trailer(uint8_t *pt, size_t len, unsigned align);

#endif
