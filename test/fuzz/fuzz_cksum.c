/* SPDX-License-Identifier: BSD-3-Clause */
/* test/fuzz: IPv4 and L4 checksums from scratch (the code under test patches them). */
#include <netinet/in.h>

#include "fuzz.h"

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

/* Offset of the L4 checksum, 0 for none; ip is a whole, unfragmented datagram. */
static unsigned
l4_ck_off(uint8_t proto, size_t l4_len)
{
	unsigned off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 :
		       proto == IPPROTO_ICMP ? 2 : 0;
	unsigned min = proto == IPPROTO_TCP ? 20 : 8;

	return off != 0 && l4_len >= min ? off : 0;
}

/* The L4 sum of the datagram (pseudo-header for TCP/UDP), checksum field included. */
static uint16_t
l4_sum(const uint8_t *ip, unsigned hl, size_t tot)
{
	uint32_t s = 0;

	if (ip[9] != IPPROTO_ICMP)
		s = sum16(ip + 12, 8, ip[9] + (uint32_t)(tot - hl));
	return fold(sum16(ip + hl, tot - hl, s));
}

/* hl and tot when the datagram at ip is whole and unfragmented. */
static bool
whole(const uint8_t *ip, size_t len, unsigned *hl, size_t *tot)
{
	if (len < 20 || (ip[0] >> 4) != 4)
		return false;
	*hl = (ip[0] & 0xfu) * 4;
	*tot = (size_t)ip[2] << 8 | ip[3];
	return *hl >= 20 && *hl <= *tot && *tot <= len;
}

/* The header checksum of an IPv4 header of hl bytes. */
static void
hdr_fix(uint8_t *ip, unsigned hl)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = fold(sum16(ip, hl, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

void
fz_cksum_fix(uint8_t *ip, size_t len)
{
	unsigned hl, off;
	size_t tot;
	uint16_t c;

	if (len >= 20 && (ip[0] & 0xfu) * 4 >= 20 && (ip[0] & 0xfu) * 4 <= len)
		hdr_fix(ip, (ip[0] & 0xfu) * 4);
	if (!whole(ip, len, &hl, &tot))
		return;
	if ((((ip[6] << 8) | ip[7]) & 0x3fff) != 0 || (off = l4_ck_off(ip[9], tot - hl)) == 0)
		return;
	ip[hl + off] = ip[hl + off + 1] = 0;
	c = l4_sum(ip, hl, tot);
	if (ip[9] == IPPROTO_UDP && c == 0)
		c = 0xffff;
	ip[hl + off] = (uint8_t)(c >> 8);
	ip[hl + off + 1] = (uint8_t)c;
}

bool
fz_cksum_ok(const uint8_t *ip, size_t len)
{
	unsigned hl, off;
	size_t tot;

	if (!whole(ip, len, &hl, &tot) || fold(sum16(ip, hl, 0)) != 0)
		return false;
	if ((((ip[6] << 8) | ip[7]) & 0x3fff) != 0 || (off = l4_ck_off(ip[9], tot - hl)) == 0)
		return true;
	if (ip[9] == IPPROTO_UDP && ip[hl + off] == 0 && ip[hl + off + 1] == 0)
		return true;
	return l4_sum(ip, hl, tot) == 0;
}

