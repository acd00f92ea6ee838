/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test/fuzz: what every target shares. The libFuzzer entry points, a reader
 * that turns the input into decisions and byte strings (running dry gives
 * zeros, never an error), and IPv4/L4 checksums computed from scratch
 * (fuzz_cksum.c). The data-plane targets add fuzz_dpdk.h.
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

#endif
