/* SPDX-License-Identifier: BSD-3-Clause */
/* test/nat: EAL setup, packet builders and full-recomputation checkers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "helpers.h"
#include "net.h"

static struct rte_mempool *pool;

void
test_eal_init(const char *name)
{
	char prefix[64];
	char *argv[] = { (char *)"test",        (char *)"--no-huge",     (char *)"--no-pci",
			 (char *)"-m",          (char *)"512",           (char *)"-l",
			 (char *)"0-1",         (char *)"--file-prefix", prefix,
			 (char *)"--log-level", (char *)"lib.eal:error", NULL };

	snprintf(prefix, sizeof(prefix), "%s_%d", name, (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	pool = rte_pktmbuf_pool_create("nat_test", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
}

struct rte_mempool *
test_pool(void)
{
	return pool;
}

void
test_config(struct nat_config *c, unsigned workers, struct rte_rcu_qsbr *qsbr)
{
	nat_config_init(c);
	c->n_workers = workers;
	c->qsbr = qsbr;
	c->tsc_hz = TEST_HZ;
	c->capacity = 65536;
	c->n_pools = 1;
	c->pools[0].n_addrs = 1;
	c->pools[0].addr[0] = POOL_ADDR;
	c->n_rules = 1;
	c->rules[0] = (struct nat_rule_config){
		.prefix = CLOUD, .plen = 16, .site = NAT_SITE_ANY, .pool = 0
	};
}

/* Ones' complement sum of len bytes, not folded. */
static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned
hlen_of(const uint8_t *ip)
{
	return (ip[0] & 0xfu) * 4;
}

/* The checksum field's offset within the L4 header. */
static unsigned
ck_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

/* Host order; for UDP a computed 0 is 0xffff (RFC 768). */
uint16_t
l4_cksum_full(const uint8_t *ip)
{
	unsigned hl = hlen_of(ip);
	uint16_t tot = get16(ip + 2);
	uint8_t proto = ip[9];
	uint8_t l4[65536];
	uint32_t s = 0;
	uint16_t c;

	memcpy(l4, ip + hl, tot - hl);
	put16(l4 + ck_off(proto), 0);
	if (proto != IPPROTO_ICMP) {
		s = sum16(ip + 12, 8, 0);
		s += proto;
		s += (uint32_t)(tot - hl);
	}
	c = fold(sum16(l4, tot - hl, s));
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

size_t
spec_write(uint8_t *buf, const struct spec *s)
{
	unsigned l4h = s->proto == IPPROTO_TCP ? 20 : 8;
	size_t tot = 20 + l4h + s->payload;
	uint8_t *l4 = buf + 20;

	memset(buf, 0, tot);
	buf[0] = 0x45;
	put16(buf + 2, (uint16_t)tot);
	put16(buf + 4, (uint16_t)rand());
	put16(buf + 6, s->df ? 0x4000 : 0);
	buf[8] = 64;
	buf[9] = s->proto;
	put16(buf + 12, (uint16_t)(s->src >> 16));
	put16(buf + 14, (uint16_t)s->src);
	put16(buf + 16, (uint16_t)(s->dst >> 16));
	put16(buf + 18, (uint16_t)s->dst);
	for (size_t i = 0; i < s->payload; i++)
		l4[l4h + i] = (uint8_t)rand();
	if (s->proto == IPPROTO_ICMP) {
		l4[0] = s->icmp_type ? s->icmp_type : 8;
		put16(l4 + 4, s->sport);
		put16(l4 + 6, (uint16_t)rand());
	} else {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		if (s->proto == IPPROTO_TCP) {
			put16(l4 + 4, (uint16_t)rand());
			l4[12] = 5 << 4;
			l4[13] = s->tcp_flags;
			put16(l4 + 14, 65535);
		} else {
			put16(l4 + 4, (uint16_t)(8 + s->payload));
		}
	}
	if (!(s->proto == IPPROTO_UDP && s->udp_no_cksum))
		put16(l4 + ck_off(s->proto), l4_cksum_full(buf));
	put16(buf + 10, fold(sum16(buf, 20, 0)));
	return tot;
}

struct rte_mbuf *
bytes_mbuf(const uint8_t *p, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d;

	if (m == NULL)
		return NULL;
	/* Leave the data 2-byte aligned, as after decryption. */
	rte_pktmbuf_append(m, 2);
	rte_pktmbuf_adj(m, 2);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	memcpy(d, p, len);
	return m;
}

struct rte_mbuf *
spec_mbuf(const struct spec *s)
{
	uint8_t buf[2048];

	return bytes_mbuf(buf, spec_write(buf, s));
}

struct seen
seen_of(const uint8_t *ip)
{
	const uint8_t *l4 = ip + hlen_of(ip);
	struct seen v = { .proto = ip[9], .src = get32(ip + 12), .dst = get32(ip + 16) };

	if (v.proto == IPPROTO_ICMP) {
		v.sport = get16(l4 + 4);
		v.dport = v.sport;
	} else {
		v.sport = get16(l4);
		v.dport = get16(l4 + 2);
	}
	return v;
}

struct seen
seen_mbuf(const struct rte_mbuf *m)
{
	return seen_of(rte_pktmbuf_mtod(m, const uint8_t *));
}

static bool
ip_cksum_ok(const uint8_t *ip)
{
	return fold(sum16(ip, hlen_of(ip), 0)) == 0;
}

bool
cksums_ok(const uint8_t *ip)
{
	uint16_t have, want;
	uint8_t proto = ip[9];
	const uint8_t *l4 = ip + hlen_of(ip);

	if (!ip_cksum_ok(ip))
		return false;
	have = get16(l4 + ck_off(proto));
	if (proto == IPPROTO_UDP && have == 0)
		return true;
	want = l4_cksum_full(ip);
	/* 0x0000 and 0xffff are the same number in ones' complement. */
	if (have != want && !((have == 0 || have == 0xffff) && (want == 0 || want == 0xffff)))
		return false;
	if (proto == IPPROTO_ICMP && (l4[0] == 3 || l4[0] == 11 || l4[0] == 12))
		return ip_cksum_ok(l4 + 8);
	return true;
}

struct rte_mbuf *
icmp_error_mbuf(const uint8_t *orig, uint32_t from, uint8_t type, uint8_t code, uint16_t mtu,
		size_t quote_len)
{
	uint8_t buf[2048];
	size_t olen = get16(orig + 2);
	size_t q = quote_len == 0 || quote_len > olen ? olen : quote_len;
	size_t tot = 20 + 8 + q;
	uint8_t *icmp = buf + 20;

	memset(buf, 0, 28);
	buf[0] = 0x45;
	put16(buf + 2, (uint16_t)tot);
	buf[8] = 64;
	buf[9] = IPPROTO_ICMP;
	memcpy(buf + 12, &(uint32_t){ rte_cpu_to_be_32(from) }, 4);
	memcpy(buf + 16, orig + 12, 4); /* back to the datagram's source */
	icmp[0] = type;
	icmp[1] = code;
	put16(icmp + 6, mtu);
	memcpy(icmp + 8, orig, q);
	put16(icmp + 2, fold(sum16(icmp, 8 + q, 0)));
	put16(buf + 10, fold(sum16(buf, 20, 0)));
	return bytes_mbuf(buf, tot);
}

struct rte_mbuf *
reply_mbuf(const struct rte_mbuf *m, uint8_t tcp_flags)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	struct seen v = seen_of(ip);
	struct spec s = { .proto = v.proto,
			  .src = v.dst,
			  .dst = v.src,
			  .sport = v.dport,
			  .dport = v.sport,
			  .tcp_flags = tcp_flags,
			  .payload = 20 };

	if (v.proto == IPPROTO_ICMP) {
		s.sport = v.sport;
		s.icmp_type = 0; /* echo reply: set below, 0 means request in spec */
	}
	{
		uint8_t buf[2048];
		size_t len = spec_write(buf, &s);

		if (v.proto == IPPROTO_ICMP) {
			uint8_t *l4 = buf + 20;

			l4[0] = 0; /* echo reply */
			put16(l4 + 2, 0);
			put16(l4 + 2, l4_cksum_full(buf));
		}
		return bytes_mbuf(buf, len);
	}
}
