/* SPDX-License-Identifier: BSD-3-Clause */
/* Text forms of addresses, and which addresses can never be a source. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_addr.h"

bool
net_ipv4_martian_src(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return a == 0 || top == 127 || top >= 224; /* 224/4 multicast, 240/4, bcast */
}

bool
net_ipv4_from_str(const char *s, uint32_t *a)
{
	struct in_addr in;

	/* inet_pton accepts only the strict dotted-quad form. */
	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*a = ntohl(in.s_addr);
	return true;
}

bool
net_prefix_from_str(const char *s, uint32_t *a, uint8_t *plen)
{
	char buf[NET_PREFIX_STR_MAX + 1];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long l;
	size_t n;

	if (slash == NULL) {
		*plen = 32;
		return net_ipv4_from_str(s, a);
	}
	n = (size_t)(slash - s);
	if (n >= sizeof(buf) || slash[1] < '0' || slash[1] > '9')
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	l = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || l > 32 || end - (slash + 1) > 2)
		return false;
	*plen = (uint8_t)l;
	return net_ipv4_from_str(buf, a);
}

bool
net_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

const char *
net_ipv4_str(uint32_t a, char buf[NET_IPV4_STR_MAX])
{
	snprintf(buf, NET_IPV4_STR_MAX, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		 a & 0xff);
	return buf;
}

const char *
net_prefix_str(uint32_t a, uint8_t plen, char buf[NET_PREFIX_STR_MAX])
{
	char ip[NET_IPV4_STR_MAX];

	snprintf(buf, NET_PREFIX_STR_MAX, "%s/%u", net_ipv4_str(a, ip), plen);
	return buf;
}
