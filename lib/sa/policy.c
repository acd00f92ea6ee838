/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outbound SPD as the control core keeps it, and what each worker's
 * copy holds (RFC 4301 s4.4.1):
 *   PROTECT  a tunnel's remote prefixes map to the tunnel;
 *   DISCARD  a protected prefix (a site's branch subnet) that no tunnel
 *            maps: the site is down, or shares the subnet with another
 *            site so that traffic toward it would be ambiguous;
 *   BYPASS   everything else (no entry): routed.
 * Longest prefix wins, so a tunnel for 192.168.0.0/25 inside a protected
 * 192.168.0.0/24 carries its half and the other half is discarded.
 *
 * The control side keeps the two sources apart (db->spd: tunnels' prefixes;
 * db->protect: protected prefixes with a count of the sites naming each)
 * and sends each worker the one value a prefix resolves to.
 */
#include <errno.h>
#include <string.h>

#include "priv.h"

static uint32_t
protect_refs(const struct sa_db *db, uint64_t key)
{
	void *data;

	return rte_hash_lookup_data(db->protect, &key, &data) >= 0 ? (uint32_t)(uintptr_t)data : 0;
}

/* Tell the workers what prefix key resolves to now. */
static void
publish(struct sa_db *db, uint64_t key)
{
	uint32_t tunnel = sa_spd_lookup_exact(db->spd, key);

	if (tunnel == SA_NONE && protect_refs(db, key) != 0)
		tunnel = SA_DISCARD;
	if (tunnel == SA_NONE)
		sa_db_post(db, (struct sa_msg){ .type = MSG_SPD_DEL, .key = key });
	else
		sa_db_post(db,
			   (struct sa_msg){ .type = MSG_SPD_ADD, .key = key, .tunnel = tunnel });
}

static bool
valid_prefix(const struct sa_ts *p)
{
	return p->plen <= 32 && (p->addr & ~(p->plen ? UINT32_MAX << (32 - p->plen) : 0)) == 0;
}

int
sa_tunnel_add(struct sa_db *db, uint32_t tunnel, uint32_t site, const struct sa_ts *remote,
	      unsigned n_remote)
{
	struct tunnel_entry *t;

	if (tunnel >= db->p.max_tunnels || n_remote > SA_MAX_TS)
		return -EINVAL;
	t = &db->tunnel[tunnel];
	if (t->used)
		return -EEXIST;
	/* A prefix belongs to one tunnel; nested prefixes are fine (longest wins). */
	for (unsigned i = 0; i < n_remote; i++) {
		if (!valid_prefix(&remote[i]))
			return -EINVAL;
		if (sa_spd_lookup_exact(db->spd, spd_key(remote[i].addr, remote[i].plen)) !=
		    SA_NONE)
			return -EEXIST;
	}
	for (unsigned i = 0; i < n_remote; i++) {
		int rc = sa_spd_add(db->spd, remote[i].addr, remote[i].plen, tunnel);

		if (rc != 0) {
			while (i-- > 0)
				sa_spd_del(db->spd, remote[i].addr, remote[i].plen);
			return rc;
		}
	}
	*t = (struct tunnel_entry){
		.used = 1, .site = site, .out = SA_NONE, .n_remote = (uint8_t)n_remote
	};
	if (n_remote > 0)
		memcpy(t->remote, remote, sizeof(*remote) * n_remote);
	for (unsigned i = 0; i < n_remote; i++)
		publish(db, spd_key(remote[i].addr, remote[i].plen));
	sa_db_sync(db);
	return 0;
}

int
sa_tunnel_del(struct sa_db *db, uint32_t tunnel)
{
	struct tunnel_entry *t;

	if (tunnel >= db->p.max_tunnels || !db->tunnel[tunnel].used)
		return -ENOENT;
	t = &db->tunnel[tunnel];
	for (unsigned i = 0; i < t->n_remote; i++) {
		sa_spd_del(db->spd, t->remote[i].addr, t->remote[i].plen);
		/* A protected prefix falls back to DISCARD, never to routing. */
		publish(db, spd_key(t->remote[i].addr, t->remote[i].plen));
	}
	sa_db_post(db, (struct sa_msg){ .type = MSG_TUNNEL_SET, .tunnel = tunnel, .sa = NULL });
	*t = (struct tunnel_entry){ .out = SA_NONE };
	sa_db_sync(db);
	return 0;
}

int
sa_tunnel_withdraw(struct sa_db *db, uint32_t tunnel, const struct sa_ts *p)
{
	struct tunnel_entry *t;
	unsigned i;

	if (tunnel >= db->p.max_tunnels || !db->tunnel[tunnel].used)
		return -ENOENT;
	t = &db->tunnel[tunnel];
	for (i = 0; i < t->n_remote; i++)
		if (t->remote[i].addr == p->addr && t->remote[i].plen == p->plen)
			break;
	if (i == t->n_remote)
		return -ENOENT;
	sa_spd_del(db->spd, p->addr, p->plen);
	publish(db, spd_key(p->addr, p->plen));
	t->remote[i] = t->remote[--t->n_remote];
	sa_db_sync(db);
	return 0;
}

/*
 * Count one site more (delta 1) or fewer (-1) protecting p; the workers
 * hear of it when the count leaves or reaches zero.
 */
static int
protect_adjust(struct sa_db *db, const struct sa_ts *p, int delta)
{
	uint64_t key;
	uint32_t refs;

	if (!valid_prefix(p))
		return -EINVAL;
	key = spd_key(p->addr, p->plen);
	refs = protect_refs(db, key);
	if (delta < 0 && refs == 0)
		return -ENOENT;
	refs = (uint32_t)((int64_t)refs + delta);
	if (refs == 0)
		rte_hash_del_key(db->protect, &key);
	else if (rte_hash_add_key_data(db->protect, &key, (void *)(uintptr_t)refs) != 0)
		return -ENOSPC;
	if (refs == (delta > 0 ? 1u : 0u)) {
		publish(db, key);
		sa_db_sync(db);
	}
	return 0;
}

int
sa_spd_protect(struct sa_db *db, const struct sa_ts *p)
{
	return protect_adjust(db, p, 1);
}

int
sa_spd_unprotect(struct sa_db *db, const struct sa_ts *p)
{
	return protect_adjust(db, p, -1);
}

void
sa_db_spd_walk(const struct sa_db *db,
	       void (*fn)(const struct sa_ts *p, uint32_t tunnel, void *arg), void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	sa_spd_walk(db->spd, fn, arg);
	while (rte_hash_iterate(db->protect, &key, &data, &it) >= 0) {
		uint64_t k;
		struct sa_ts p;

		memcpy(&k, key, sizeof(k));
		if (sa_spd_lookup_exact(db->spd, k) != SA_NONE)
			continue; /* a tunnel carries it: listed above */
		p = spd_prefix(k);
		fn(&p, SA_DISCARD, arg);
	}
}
