/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test/fuzz: what the targets share. The libFuzzer entry points, a reader
 * that turns the input into decisions and byte strings (running dry gives
 * zeros, never an error), and for the data-plane targets (fuzz_dpdk.c) EAL,
 * mbufs whose data ends exactly where the datagram ends (so ASan sees any
 * read past it), checksums, ESP built with known keys, and the leak check.
 */
#ifndef ESPHUB_TEST_FUZZ_H
#define ESPHUB_TEST_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
fz_u8(struct fz *f)
{
	if (f->n == 0)
		return 0;
	f->n--;
	return *f->p++;
}

static inline uint16_t
fz_u16(struct fz *f)
{
	return (uint16_t)(fz_u8(f) << 8 | fz_u8(f));
}

static inline uint32_t
fz_u32(struct fz *f)
{
	return (uint32_t)fz_u16(f) << 16 | fz_u16(f);
}

static inline uint64_t
fz_u64(struct fz *f)
{
	return (uint64_t)fz_u32(f) << 32 | fz_u32(f);
}

/* Up to max bytes (fewer when the input runs out): *len says how many. */
static inline const uint8_t *
fz_bytes(struct fz *f, size_t max, size_t *len)
{
	const uint8_t *p = f->p;

	*len = max < f->n ? max : f->n;
	f->p += *len;
	f->n -= *len;
	return p;
}

/* A length-prefixed byte string: 2 bytes of length (mod max + 1), then it. */
static inline const uint8_t *
fz_string(struct fz *f, size_t max, size_t *len)
{
	return fz_bytes(f, fz_u16(f) % (max + 1), len);
}

/*
 * Checksums of the IPv4 datagram at ip (len bytes available): the header
 * checksum, and for a whole TCP, UDP or ICMP datagram its L4 checksum.
 * fz_cksum_fix() writes them; fz_cksum_ok() says whether both are right
 * (a UDP checksum of 0 means none and is right).
 */
void fz_cksum_fix(uint8_t *ip, size_t len);
bool fz_cksum_ok(const uint8_t *ip, size_t len);

#ifdef FUZZ_DPDK
#include <rte_mbuf.h>

#include "crypto.h"
#include "sa.h"

/*
 * EAL once per process: no hugepages, no PCI, no shared files, no
 * telemetry, a file prefix of its own; vdevs (NULL-terminated) as given.
 * Exits on failure.
 */
void fz_eal_init(const char *name, const char *const *vdevs);
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
	uint16_t udp_port;           /* 0: plain ESP */
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
size_t fz_esp_build(const struct fz_esp_keys *k, uint32_t src, uint32_t dst,
		    uint32_t spi, uint64_t seq, const uint8_t *pt, size_t ptlen,
		    uint8_t *out);

/*
 * RFC 4303 trailer for a tunnel-mode datagram of len bytes at pt: default
 * padding to align, pad length, next header 4. Returns the new length.
 */
size_t fz_esp_trailer(uint8_t *pt, size_t len, unsigned align);
#endif /* FUZZ_DPDK */

#endif
