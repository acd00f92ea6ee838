/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A site's share of a worker's mapped ports toward one remote endpoint, so
 * that no branch can make the others' new flows fail (DROP_NAT_PORTS).
 *
 * The unit. A mapped port is reused for every destination (nat.h), so what
 * runs out is not ports but the 5-tuples toward one remote (address, port,
 * protocol; ICMP: address, the identifier being the port): a worker has
 * one per port of its range and pool address. One branch resolving names
 * through one cloud DNS server, from a random source port per query (RFC
 * 5452), holds one for the UDP timeout: 200 queries a second keep 60,000,
 * a whole range. Hence the cap is on 5-tuples per (site, remote), as RFC
 * 6888 REQ-4 asks a per-subscriber port limit of a CGN (a site is the
 * subscriber here; ports reused per destination make the remote part of
 * the unit). Not per inside host: a branch router relaying DNS is one host
 * that holds every query. Not the site cap alone: a site talking to many
 * destinations rightly holds far more sessions than its share of a range.
 *
 * Where it is counted. A worker's range is its own (only it maps ports of
 * it), so a site's share of that range is counted by that worker alone,
 * for the sessions it creates: the counters are its own memory, written
 * and read only on its core, with no atomics and no reads of the other
 * workers (the site cap, a share of the one table every worker fills, is
 * summed over the workers instead). Pass-through sessions (nat_track())
 * take no mapped port and are not counted.
 *
 * How. Exact counts per (site, remote) would need an entry per pair; the
 * counts are a count-min sketch instead (Cormode and Muthukrishnan, 2005):
 * two rows of 16-bit counters, each row as many as the sessions a worker
 * holds when the load is even (half its index buckets): about 4 bytes per
 * session of capacity in all. A pair counts in one counter of each row,
 * chosen by secret-keyed hashes, and is refused when both hold the cap.
 * A counter is the sum of the pairs that share it, so it never counts
 * short: no site gets past its share. It may count long: a pair is refused
 * early only if both its counters are shared with pairs that hold a share
 * together. At most sessions / cap counters of a row can reach the cap, so
 * that chance is at most (sessions / cap / counters per row)^2; with the
 * defaults (1,000,000 sessions, one worker, a share of 4032 ports) under
 * 10^-7 even with the table full, and the keys hide which pairs collide.
 * A counter at 65535 refuses too, so none wraps (a share is at most one
 * range, below that; only pairs piling onto one counter could reach it).
 */
#include "priv.h"

/* The counter of row r for (site, remote). Keyed multiply-shift as hash_out(). */
static uint32_t
slot(const struct nat *nat, unsigned r, uint32_t site, uint32_t rdst, uint16_t rport, uint8_t proto)
{
	const uint64_t *k = nat->sk[r];
	uint64_t h = k[0];

	h += site * k[1];
	h += rdst * k[2];
	h += ((uint32_t)rport | (uint32_t)proto << 16) * k[3];
	/* Row r is the r-th half of the worker's counters. */
	return (uint32_t)r << (nat->bits - 1) | (uint32_t)(h >> 32) >> (33 - nat->bits);
}

bool
nat_share_full(const struct nat_worker *nw, uint32_t site, const struct out_key *k,
	       struct share_slots *sl)
{
	const struct nat *nat = nw->nat;
	uint16_t a, b;

	for (unsigned r = 0; r < 2; r++)
		sl->i[r] = slot(nat, r, site, k->rdst, k->rport, k->proto);
	a = nw->share[sl->i[0]];
	b = nw->share[sl->i[1]];
	return (uint32_t)RTE_MIN(a, b) >= nat->site_dest_cap || RTE_MAX(a, b) == UINT16_MAX;
}

void
nat_share_take(struct nat_worker *nw, const struct share_slots *sl)
{
	nw->share[sl->i[0]]++;
	nw->share[sl->i[1]]++;
}

void
nat_share_release(struct nat_worker *nw, const struct nat_session *s)
{
	for (unsigned r = 0; r < 2; r++) {
		uint32_t i = slot(nw->nat, r, s->site, s->rdst, s->rport, s->proto);

		RTE_ASSERT(nw->share[i] > 0);
		nw->share[i]--;
	}
}
