/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The traffic plan: algorithms, per-site keys and addresses, flows, frame
 * sizes, ESP lengths. Everything is a pure function of (seed, index), so
 * `sites` and `gen` agree without sharing state, and a rerun reproduces
 * the same bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const char *const algo_names[BENCH_ALGO_N] = {
	[BENCH_GCM128] = "aes-gcm-128",
	[BENCH_CBC128_SHA1] = "aes-cbc-128-sha1",
};

/* IMIX 7:4:1 of 64/594/1518, spread so that no size comes in a long run. */
static const unsigned imix[BENCH_IMIX_PERIOD] = {
	64, 594, 64, 64, 594, 64, 1518, 64, 594, 64, 64, 594,
};

const char *
bench_algo_name(enum bench_algo a)
{
	return a < BENCH_ALGO_N ? algo_names[a] : "?";
}

bool
bench_algo_parse(const char *s, enum bench_algo *a)
{
	for (unsigned i = 0; i < BENCH_ALGO_N; i++) {
		if (strcmp(s, algo_names[i]) == 0) {
			*a = (enum bench_algo)i;
			return true;
		}
	}
	return false;
}

/* splitmix64: small, fast, and good enough to make keys look random. */
uint64_t
bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
fill(uint64_t *st, uint8_t *buf, unsigned len)
{
	for (unsigned i = 0; i < len; i += 8) {
		uint64_t r = bench_rand(st);

		memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
	}
}

static void
keys_make(uint64_t *st, enum bench_algo a, struct crypto_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->cipher_key_len = 16;
	fill(st, k->cipher_key, 16);
	if (a == BENCH_GCM128) {
		k->cipher = CRYPTO_CIPHER_AES_GCM16;
		k->integ = CRYPTO_INTEG_NONE;
		fill(st, k->salt, CRYPTO_SALT_LEN);
	} else {
		k->cipher = CRYPTO_CIPHER_AES_CBC;
		k->integ = CRYPTO_INTEG_HMAC_SHA1_96;
		k->integ_key_len = 20;
		fill(st, k->integ_key, 20);
	}
}

void
bench_site_make(uint64_t seed, enum bench_algo a, uint32_t site, struct bench_site *out)
{
	uint64_t st = seed ^ ((uint64_t)site * 0xd6e8feb86659fd93ull);

	out->lan = BENCH_LAN_BASE + (site << (32 - BENCH_LAN_PLEN));
	out->peer = BENCH_PEER_BASE + site;
	out->spi_in = BENCH_SPI_IN_BASE + site;
	out->spi_out = BENCH_SPI_OUT_BASE + site;
	keys_make(&st, a, &out->in);
	keys_make(&st, a, &out->out);
}

void
bench_flow_make(uint32_t flows, uint32_t sites, uint32_t f, struct bench_flow *out)
{
	(void)flows;
	out->site = f % sites;
	out->branch = BENCH_LAN_BASE + (out->site << (32 - BENCH_LAN_PLEN)) + 1 +
		      (f / sites) % BENCH_LAN_HOSTS;
	out->server = BENCH_SERVER_BASE + 1 + f % BENCH_N_SERVERS;
	out->branch_port = (uint16_t)(1024 + f % 60000);
	out->server_port = (uint16_t)(5001 + (f / 60000) % 1000);
}

unsigned
bench_frame_size(unsigned size, uint64_t k)
{
	return size == BENCH_SIZE_IMIX ? imix[k % BENCH_IMIX_PERIOD] : size;
}

unsigned
bench_esp_iv_len(enum bench_algo a)
{
	return a == BENCH_GCM128 ? 8 : 16;
}

unsigned
bench_esp_icv_len(enum bench_algo a)
{
	return a == BENCH_GCM128 ? 16 : 12;
}

/* RFC 4303 s2.4: payload, padding, pad length and next header fill whole
 * cipher blocks (CBC: 16 bytes) or 4-byte words (GCM, RFC 4106 s3). */
unsigned
bench_esp_cipher_len(enum bench_algo a, unsigned ip_len)
{
	unsigned align = a == BENCH_GCM128 ? 4 : 16;

	return (ip_len + 2 + align - 1) / align * align;
}

unsigned
bench_esp_len(enum bench_algo a, unsigned ip_len)
{
	return 8 + bench_esp_iv_len(a) + bench_esp_cipher_len(a, ip_len) + bench_esp_icv_len(a);
}

uint32_t *
bench_permutation(uint32_t n, uint64_t seed)
{
	uint32_t *p = malloc((size_t)n * sizeof(*p));
	uint64_t st = seed ^ 0x5bd1e995u;

	if (p == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		p[i] = i;
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = (uint32_t)(bench_rand(&st) % i);
		uint32_t t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
	return p;
}

bool
bench_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "64".."1518" or "imix". */
bool
bench_parse_size(const char *s, unsigned *size)
{
	uint32_t v;

	if (strcmp(s, "imix") == 0) {
		*size = BENCH_SIZE_IMIX;
		return true;
	}
	if (!bench_parse_u32(s, 64, BENCH_MAX_FRAME, &v))
		return false;
	*size = v;
	return true;
}

bool
bench_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return false;
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

void
bench_ipv4_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}
