/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sites` and `gen`: the traffic the benchmark replays.
 *
 * gen writes one pcap of P packets. Packet k belongs to flow perm[k mod M]
 * (a fixed shuffle, so consecutive packets hit unrelated SAs, as they do
 * on a box serving many branches) and has frame size
 * bench_frame_size(size, k). Kinds:
 *   clear-out  cloud server -> branch host, cleartext, arriving on the
 *              inside port (what esphub encrypts, or forwards in clear)
 *   clear-in   branch host -> cloud server, cleartext, on the outside port
 *   esp-in     the same packets as clear-in, each inside ESP tunnel mode
 *              from its site's public address, with the site's inbound SA
 *              (sequence numbers 1, 2, ... per SA in file order)
 * ESP is built by esphub's own ipsec_mb engine (drivers/crypto), so the
 * keys in the `sites` manifest decrypt it, and so does any RFC 4303 peer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define GEN_BATCH 32
#define GEN_BUF   2048

enum gen_kind { KIND_CLEAR_OUT, KIND_CLEAR_IN, KIND_ESP_IN };

struct gen {
	enum gen_kind kind;
	enum bench_algo algo;
	unsigned size;
	uint32_t sites, flows, packets;
	uint64_t seed;
	uint8_t dst_mac[6], src_mac[6];
	const char *out;

	uint32_t *perm;
	struct bench_pcap *pcap;
	uint64_t frame_bytes, inner_bytes, pcap_bytes;

	/* esp-in */
	const struct crypto_engine *eng;
	struct crypto_lcore *lc;
	size_t sess_size;
	uint8_t *sess; /* sites x sess_size, built on first use */
	uint8_t *sess_ready;
	uint32_t *seq;
	uint64_t iv_state;
	unsigned n_batch;
	unsigned batch_len[GEN_BATCH];
	struct crypto_op ops[GEN_BATCH];
	uint8_t (*buf)[GEN_BUF];
};

static const uint8_t default_src[6] = { 0x02, 0, 0, 0, 0, 0x01 }; /* gateway */
static const uint8_t default_dst[6] = { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 };

static void
hex(FILE *f, const uint8_t *b, unsigned n)
{
	if (n == 0) {
		fputc('-', f);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

static void
keys_row(FILE *f, const struct crypto_keys *k)
{
	fputc('\t', f);
	hex(f, k->cipher_key, k->cipher_key_len);
	fputc('\t', f);
	hex(f, k->integ_key, k->integ_key_len);
	fputc('\t', f);
	hex(f, k->salt, k->cipher == CRYPTO_CIPHER_AES_GCM16 ? CRYPTO_SALT_LEN : 0);
}

/* esphub-bench sites --sites N --algo A [--seed S] [-o FILE] */
int
bench_cmd_sites(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sites", required_argument, NULL, 'n' },
		{ "algo", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	enum bench_algo algo = BENCH_GCM128;
	uint32_t sites = 1, seed = 1;
	const char *out = NULL;
	FILE *f = stdout;
	int c;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if ((c == 'n' && !bench_parse_u32(optarg, 1, BENCH_MAX_SITES, &sites)) ||
		    (c == 'a' && !bench_algo_parse(optarg, &algo)) ||
		    (c == 's' && !bench_parse_u32(optarg, 0, UINT32_MAX, &seed)) || c == '?') {
			fprintf(stderr, "sites: bad option %s\n", c == '?' ? "" : optarg);
			return 2;
		}
		if (c == 'o')
			out = optarg;
	}
	if (out != NULL && (f = fopen(out, "w")) == NULL) {
		perror(out);
		return 1;
	}
	fprintf(f, "#site\tlan\tpeer\tspi_in\tspi_out\tin_key\tin_integ\tin_salt"
		   "\tout_key\tout_integ\tout_salt\n");
	for (uint32_t i = 0; i < sites; i++) {
		struct bench_site s;
		char lan[16], peer[16];

		bench_site_make(seed, algo, i, &s);
		bench_ipv4_str(s.lan, lan);
		bench_ipv4_str(s.peer, peer);
		fprintf(f, "%u\t%s/%u\t%s\t%u\t%u", i, lan, BENCH_LAN_PLEN, peer, s.spi_in,
			s.spi_out);
		keys_row(f, &s.in);
		keys_row(f, &s.out);
		fputc('\n', f);
	}
	if (f != stdout && fclose(f) != 0) {
		perror(out);
		return 1;
	}
	return 0;
}

static const void *
session(struct gen *g, uint32_t site)
{
	uint8_t *s = g->sess + (size_t)site * g->sess_size;

	if (!g->sess_ready[site]) {
		struct bench_site bs;

		bench_site_make(g->seed, g->algo, site, &bs);
		if (crypto_session_init(g->eng, s, &bs.in) != 0)
			return NULL;
		g->sess_ready[site] = 1;
	}
	return s;
}

static int
esp_setup(struct gen *g)
{
	g->eng = crypto_engine_find("ipsec_mb");
	if (g->eng == NULL)
		return -ENOTSUP;
	g->sess_size = (crypto_session_size(g->eng) + 63) & ~(size_t)63;
	g->sess = aligned_alloc(64, g->sess_size * g->sites);
	g->sess_ready = calloc(g->sites, 1);
	g->seq = calloc(g->sites, sizeof(*g->seq));
	g->buf = aligned_alloc(64, sizeof(*g->buf) * GEN_BATCH);
	g->lc = crypto_lcore_create(g->eng, 0);
	g->iv_state = g->seed ^ 0x1f0e3d2c4b5a6978ull;
	if (g->sess == NULL || g->sess_ready == NULL || g->seq == NULL || g->buf == NULL ||
	    g->lc == NULL)
		return -ENOMEM;
	return 0;
}

static int
esp_flush(struct gen *g)
{
	unsigned n = g->n_batch;

	g->n_batch = 0;
	if (n == 0)
		return 0;
	if (crypto_process(g->lc, g->ops, (uint16_t)n) != n)
		return -EIO;
	for (unsigned i = 0; i < n; i++) {
		if (bench_pcap_write(g->pcap, g->buf[i], g->batch_len[i]) != 0)
			return -EIO;
		g->pcap_bytes += g->batch_len[i];
	}
	return 0;
}

/*
 * RFC 4303 tunnel mode: outer IPv4 | SPI | seq | IV | inner packet |
 * padding 1, 2, 3, ... | pad length | next header 4 (IPv4) | ICV.
 */
static int
esp_packet(struct gen *g, const struct bench_flow *fl, unsigned ip_len, uint16_t id)
{
	struct bench_site s;
	unsigned iv = bench_esp_iv_len(g->algo), clen = bench_esp_cipher_len(g->algo, ip_len);
	unsigned esp_len = bench_esp_len(g->algo, ip_len), pad = clen - ip_len - 2;
	uint8_t *f = g->buf[g->n_batch], *esp = f + BENCH_ETH_HDR + 20;
	struct crypto_op *op = &g->ops[g->n_batch];
	const void *sess = session(g, fl->site);
	uint32_t seq = ++g->seq[fl->site];
	uint64_t r;

	if (sess == NULL)
		return -EINVAL;
	bench_site_make(g->seed, g->algo, fl->site, &s);
	bench_eth(f, g->dst_mac, g->src_mac);
	bench_ipv4(f + BENCH_ETH_HDR, s.peer, BENCH_OUTSIDE_ADDR, 50, 20 + esp_len, id);
	for (unsigned i = 0; i < 4; i++) {
		esp[i] = (uint8_t)(s.spi_in >> (24 - 8 * i));
		esp[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	}
	for (unsigned i = 0; i < iv; i += 8) {
		r = g->algo == BENCH_GCM128 ? seq : bench_rand(&g->iv_state);
		memcpy(esp + 8 + i, &r, 8); /* GCM: unique per key (RFC 4106 s3.1) */
	}
	bench_udp_packet(esp + 8 + iv, ip_len, fl->branch, fl->server, fl->branch_port,
			 fl->server_port, id);
	for (unsigned i = 0; i < pad; i++)
		esp[8 + iv + ip_len + i] = (uint8_t)(i + 1);
	esp[8 + iv + ip_len + pad] = (uint8_t)pad;
	esp[8 + iv + ip_len + pad + 1] = 4;
	*op = (struct crypto_op){
		.sess = sess,
		.buf = esp,
		.iv = esp + 8,
		.aad = esp,
		.icv = esp + 8 + iv + clen,
		.auth_len = 8 + iv + clen,
		.cipher_off = 8 + iv,
		.cipher_len = clen,
		.aad_len = g->algo == BENCH_GCM128 ? 8 : 0,
		.encrypt = 1,
	};
	g->batch_len[g->n_batch++] = BENCH_ETH_HDR + 20 + esp_len;
	return g->n_batch == GEN_BATCH ? esp_flush(g) : 0;
}

static int
clear_packet(struct gen *g, const struct bench_flow *fl, unsigned ip_len, uint16_t id)
{
	uint8_t f[GEN_BUF];

	bench_eth(f, g->dst_mac, g->src_mac);
	if (g->kind == KIND_CLEAR_OUT)
		bench_udp_packet(f + BENCH_ETH_HDR, ip_len, fl->server, fl->branch, fl->server_port,
				 fl->branch_port, id);
	else
		bench_udp_packet(f + BENCH_ETH_HDR, ip_len, fl->branch, fl->server, fl->branch_port,
				 fl->server_port, id);
	g->pcap_bytes += BENCH_ETH_HDR + ip_len;
	return bench_pcap_write(g->pcap, f, BENCH_ETH_HDR + ip_len);
}

static int
generate(struct gen *g)
{
	int rc = 0;

	g->perm = bench_permutation(g->flows, g->seed);
	g->pcap = bench_pcap_open(g->out);
	if (g->perm == NULL || g->pcap == NULL)
		return -errno;
	if (g->kind == KIND_ESP_IN && (rc = esp_setup(g)) != 0)
		return rc;
	for (uint64_t k = 0; rc == 0 && k < g->packets; k++) {
		struct bench_flow fl;
		unsigned size = bench_frame_size(g->size, k);
		unsigned ip_len = size - BENCH_FCS - BENCH_ETH_HDR;

		bench_flow_make(g->flows, g->sites, g->perm[k % g->flows], &fl);
		g->frame_bytes += size;
		g->inner_bytes += ip_len;
		if (g->kind == KIND_ESP_IN)
			rc = esp_packet(g, &fl, ip_len, (uint16_t)k);
		else
			rc = clear_packet(g, &fl, ip_len, (uint16_t)k);
	}
	if (rc == 0 && g->kind == KIND_ESP_IN)
		rc = esp_flush(g);
	if (bench_pcap_close(g->pcap) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

static void
gen_free(struct gen *g)
{
	if (g->lc != NULL)
		crypto_lcore_destroy(g->lc);
	if (g->sess != NULL) {
		for (uint32_t i = 0; i < g->sites; i++)
			if (g->sess_ready[i])
				crypto_session_clear(g->eng, g->sess + (size_t)i * g->sess_size);
	}
	free(g->sess);
	free(g->sess_ready);
	free(g->seq);
	free(g->buf);
	free(g->perm);
}

static bool
parse_kind(const char *s, enum gen_kind *k)
{
	if (strcmp(s, "clear-out") == 0)
		*k = KIND_CLEAR_OUT;
	else if (strcmp(s, "clear-in") == 0)
		*k = KIND_CLEAR_IN;
	else if (strcmp(s, "esp-in") == 0)
		*k = KIND_ESP_IN;
	else
		return false;
	return true;
}

static int
gen_args(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 'z' },
		{ "sites", required_argument, NULL, 'n' },
		{ "flows", required_argument, NULL, 'm' },
		{ "packets", required_argument, NULL, 'p' },
		{ "algo", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 's' },
		{ "dst-mac", required_argument, NULL, 'd' },
		{ "src-mac", required_argument, NULL, 'S' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t seed = 1;
	bool ok = true;
	int c;

	while (ok && (c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			ok = parse_kind(optarg, &g->kind);
			break;
		case 'z':
			ok = bench_parse_size(optarg, &g->size);
			break;
		case 'n':
			ok = bench_parse_u32(optarg, 1, BENCH_MAX_SITES, &g->sites);
			break;
		case 'm':
			ok = bench_parse_u32(optarg, 1, 1u << 26, &g->flows);
			break;
		case 'p':
			ok = bench_parse_u32(optarg, 1, 1u << 26, &g->packets);
			break;
		case 'a':
			ok = bench_algo_parse(optarg, &g->algo);
			break;
		case 's':
			ok = bench_parse_u32(optarg, 0, UINT32_MAX, &seed);
			break;
		case 'd':
			ok = bench_parse_mac(optarg, g->dst_mac);
			break;
		case 'S':
			ok = bench_parse_mac(optarg, g->src_mac);
			break;
		case 'o':
			g->out = optarg;
			break;
		default:
			ok = false;
			break;
		}
		if (!ok && c != '?')
			fprintf(stderr, "gen: bad value '%s'\n", optarg);
	}
	g->seed = seed;
	if (!ok || g->out == NULL) {
		fprintf(stderr, "usage: esphub-bench gen --kind clear-out|clear-in|esp-in "
				"--size 64..1518|imix --sites N [--flows M] [--packets P] "
				"[--algo A] [--seed S] [--dst-mac M] [--src-mac M] -o FILE\n");
		return 2;
	}
	/* Every flow appears, every SA is used; IMIX needs whole periods. */
	if (g->flows == 0)
		g->flows = g->sites > 1024 ? g->sites : 1024;
	if (g->flows < g->sites)
		g->flows = g->sites;
	if (g->packets < g->flows)
		g->packets = g->flows;
	if (g->size == BENCH_SIZE_IMIX)
		g->packets = (g->packets + BENCH_IMIX_PERIOD - 1) / BENCH_IMIX_PERIOD *
			     BENCH_IMIX_PERIOD;
	return 0;
}

int
bench_cmd_gen(int argc, char **argv)
{
	struct gen g = { .kind = KIND_CLEAR_OUT, .size = 64, .sites = 1 };
	int rc;

	memcpy(g.dst_mac, default_dst, 6);
	memcpy(g.src_mac, default_src, 6);
	if ((rc = gen_args(&g, argc, argv)) != 0)
		return rc;
	rc = generate(&g);
	gen_free(&g);
	if (rc != 0) {
		fprintf(stderr, "gen: %s: %s\n", g.out, strerror(-rc));
		return 1;
	}
	printf("{\"file\": \"%s\", \"packets\": %u, \"flows\": %u, \"sites\": %u, "
	       "\"frame_bytes\": %llu, \"inner_bytes\": %llu, \"pcap_bytes\": %llu}\n",
	       g.out, g.packets, g.flows, g.sites, (unsigned long long)g.frame_bytes,
	       (unsigned long long)g.inner_bytes, (unsigned long long)g.pcap_bytes);
	return 0;
}
