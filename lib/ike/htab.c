/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chained hash table and SipHash-2-4 (Aumasson and Bernstein, 2012).
 */
#include <stdlib.h>
#include <string.h>

#include "htab.h"

bool
ike_htab_init(struct htab *t, size_t hint)
{
	size_t nb = 64;

	while (nb < hint && nb < ((size_t)1 << 30))
		nb <<= 1;
	t->b = calloc(nb, sizeof(*t->b));
	t->nb = t->b != NULL ? nb : 0;
	t->n = 0;
	return t->b != NULL;
}

void
ike_htab_fini(struct htab *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}

static void
grow(struct htab *t)
{
	size_t nb = t->nb * 2;
	struct hnode **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->nb; i++) {
		struct hnode *n = t->b[i], *next;

		for (; n != NULL; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

void
ike_htab_add(struct htab *t, struct hnode *n, uint64_t hash)
{
	struct hnode **head;

	if (t->n >= t->nb)
		grow(t);
	n->hash = hash;
	head = &t->b[hash & (t->nb - 1)];
	n->next = *head;
	*head = n;
	t->n++;
}

void
ike_htab_del(struct htab *t, struct hnode *n)
{
	struct hnode **pp = &t->b[n->hash & (t->nb - 1)];

	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->n--;
			return;
		}
	}
}

struct hnode *
ike_htab_first(const struct htab *t, uint64_t hash)
{
	struct hnode *n = t->b[hash & (t->nb - 1)];

	while (n != NULL && n->hash != hash)
		n = n->next;
	return n;
}

struct hnode *
ike_htab_next(const struct hnode *n, uint64_t hash)
{
	struct hnode *m = n->next;

	while (m != NULL && m->hash != hash)
		m = m->next;
	return m;
}

/* ------------------------------------------------------------------ */

static inline uint64_t
rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Laid out as the SipHash paper lays out a round: kept by hand. */
/* clang-format off */
#define SIPROUND(v0, v1, v2, v3)                                        \
	do {                                                            \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                  \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                  \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
	} while (0)
/* clang-format on */

uint64_t
ike_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
