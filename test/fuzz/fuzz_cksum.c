/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test/fuzz: IPv4 and L4 checksums from scratch, with lib/net's
 * net_cksum() over the whole range (the code under test patches them
 * incrementally). A range holding its own right checksum sums to 0.
 */
#include <netinet/in.h>

#include "fuzz.h"
#include "net.h"

/* Offset of the L4 checksum, 0 for none; ip is a whole, unfragmented datagram. */
static unsigned
l4_ck_off(uint8_t proto, size_t l4_len)
{
	unsigned off = proto == IPPROTO_TCP  ? 16 :
		       proto == IPPROTO_UDP  ? 6 :
		       proto == IPPROTO_ICMP ? 2 :
					       0;
	unsigned min = proto == IPPROTO_TCP ? 20 : 8;

	return off != 0 && l4_len >= min ? off : 0;
}

/* net_cksum() of the L4 part, after the pseudo-header for TCP and UDP. */
static uint16_t
l4_cksum(const uint8_t *ip, unsigned hl, size_t tot)
{
	static uint8_t buf[12 + 65536];
	size_t n = 0;

	if (ip[9] != IPPROTO_ICMP) {
		memcpy(buf, ip + 12, 8); /* source, destination */
		buf[8] = 0;
		buf[9] = ip[9];
		buf[10] = (uint8_t)((tot - hl) >> 8);
		buf[11] = (uint8_t)(tot - hl);
		n = 12;
	}
	memcpy(buf + n, ip + hl, tot - hl);
	return net_cksum(buf, n + tot - hl);
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

static bool
fragment(const uint8_t *ip)
{
	return (((ip[6] << 8) | ip[7]) & 0x3fff) != 0;
}

void
fz_cksum_fix(uint8_t *ip, size_t len)
{
	unsigned hl, off;
	size_t tot;
	uint16_t c;

	if (len < 20)
		return;
	hl = (ip[0] & 0xfu) * 4;
	if (hl >= 20 && hl <= len) {
		memset(ip + 10, 0, 2);
		c = net_cksum(ip, hl);
		memcpy(ip + 10, &c, 2);
	}
	if (!whole(ip, len, &hl, &tot) || fragment(ip) || (off = l4_ck_off(ip[9], tot - hl)) == 0)
		return;
	memset(ip + hl + off, 0, 2);
	c = l4_cksum(ip, hl, tot);
	if (ip[9] == IPPROTO_UDP && c == 0)
		c = 0xffff; /* RFC 768: 0 means none */
	memcpy(ip + hl + off, &c, 2);
}

bool
fz_cksum_ok(const uint8_t *ip, size_t len)
{
	unsigned hl, off;
	size_t tot;

	if (!whole(ip, len, &hl, &tot) || net_cksum(ip, hl) != 0)
		return false;
	if (fragment(ip) || (off = l4_ck_off(ip[9], tot - hl)) == 0)
		return true;
	if (ip[9] == IPPROTO_UDP && ip[hl + off] == 0 && ip[hl + off + 1] == 0)
		return true;
	return l4_cksum(ip, hl, tot) == 0;
}
