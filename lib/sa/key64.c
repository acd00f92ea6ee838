/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SAD and the SPD are exact-match tables of 64-bit keys. rte_hash's
 * defaults for that key length are jhash and a memcmp() call per
 * candidate; a CRC32 instruction and one integer compare do the same.
 * Keys are SPIs this box chose and configured prefixes, so nobody outside
 * steers them into collisions.
 */
#include <string.h>

#include <rte_hash_crc.h>

#include "priv.h"

static int
key64_cmp(const void *a, const void *b, size_t len)
{
	uint64_t x, y;

	(void)len;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

struct rte_hash *
sa_key64_hash_create(const char *name, uint32_t size, int socket_id)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(size, 16u),
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash *h = rte_hash_create(&hp);

	if (h != NULL)
		rte_hash_set_cmp_func(h, key64_cmp);
	return h;
}
