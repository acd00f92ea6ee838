/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intrusive chained hash table keyed by a caller-computed 64-bit hash
 * (SipHash-2-4 with a per-instance random key, so peers cannot choose
 * colliding cookies or IDs). The table doubles when it holds more entries
 * than buckets; if that allocation fails it keeps working with longer
 * chains. Lookups walk one bucket: for (n = ike_htab_first(); n; n = ike_htab_next()).
 */
#ifndef IKE_HTAB_H
#define IKE_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct htab {
	struct hnode **b;
	size_t nb; /* power of two */
	size_t n;
};

bool ike_htab_init(struct htab *t, size_t hint) __attribute__((warn_unused_result));
void ike_htab_fini(struct htab *t);
void ike_htab_add(struct htab *t, struct hnode *n, uint64_t hash);
void ike_htab_del(struct htab *t, struct hnode *n);
struct hnode *ike_htab_first(const struct htab *t, uint64_t hash);
struct hnode *ike_htab_next(const struct hnode *n, uint64_t hash);

/* SipHash-2-4 of data under a 16-byte key. */
uint64_t ike_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif /* IKE_HTAB_H */
