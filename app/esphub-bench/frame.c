/* SPDX-License-Identifier: BSD-3-Clause */
/* Frames (Ethernet, IPv4, UDP) and the classic pcap file format. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define PCAP_MAGIC             0xa1b2c3d4u /* microsecond timestamps */
#define PCAP_LINKTYPE_ETHERNET 1
#define PCAP_SNAPLEN           65535

struct bench_pcap {
	FILE *f;
	uint64_t n;
	char *buf;
};

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_usec, caplen, len;
};

struct bench_pcap *
bench_pcap_open(const char *path)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC,
		.major = 2,
		.minor = 4,
		.snaplen = PCAP_SNAPLEN,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	struct bench_pcap *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->f = fopen(path, "wb");
	p->buf = malloc(1 << 20);
	if (p->f == NULL || p->buf == NULL) {
		if (p->f != NULL)
			fclose(p->f);
		free(p->buf);
		free(p);
		return NULL;
	}
	setvbuf(p->f, p->buf, _IOFBF, 1 << 20);
	if (fwrite(&h, sizeof(h), 1, p->f) != 1) {
		bench_pcap_close(p);
		return NULL;
	}
	return p;
}

/* Timestamps 1 us apart: replay order is file order. */
int
bench_pcap_write(struct bench_pcap *p, const uint8_t *frame, unsigned len)
{
	struct pcap_rec_hdr r = {
		.ts_sec = (uint32_t)(p->n / 1000000),
		.ts_usec = (uint32_t)(p->n % 1000000),
		.caplen = len,
		.len = len,
	};

	p->n++;
	if (fwrite(&r, sizeof(r), 1, p->f) != 1 || fwrite(frame, len, 1, p->f) != 1)
		return -EIO;
	return 0;
}

int
bench_pcap_close(struct bench_pcap *p)
{
	int rc = 0;

	if (p == NULL)
		return 0;
	if (fclose(p->f) != 0)
		rc = -EIO;
	free(p->buf);
	free(p);
	return rc;
}

/* RFC 1071 sum folded and complemented, in network order as stored. */
uint16_t
bench_cksum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

void
bench_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6])
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, 0x0800);
}

void
bench_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, unsigned total_len, uint16_t id)
{
	uint16_t c;

	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, (uint16_t)total_len);
	put16(p + 4, id);
	put16(p + 6, 0x4000); /* DF, as most real traffic carries */
	p[8] = 64;
	p[9] = proto;
	put16(p + 10, 0);
	put32(p + 12, src);
	put32(p + 16, dst);
	c = bench_cksum(p, 20, 0);
	put16(p + 10, c);
}

void
bench_udp_packet(uint8_t *p, unsigned ip_len, uint32_t src, uint32_t dst, uint16_t sport,
		 uint16_t dport, uint16_t id)
{
	unsigned ulen = ip_len - 20;
	uint8_t *u = p + 20;
	uint32_t pseudo;
	uint16_t c;

	bench_ipv4(p, src, dst, 17, ip_len, id);
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)ulen);
	put16(u + 6, 0);
	for (unsigned i = 8; i < ulen; i++)
		u[i] = (uint8_t)(i + id);
	pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + ulen;
	c = bench_cksum(u, ulen, pseudo);
	put16(u + 6, c == 0 ? 0xffff : c); /* RFC 768: 0 means "none" */
}
