/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/worker: IPv4 reassembly tables, one per trust zone, so
 * that fragments from one zone never complete or crowd out a datagram of
 * another:
 *   outside   fragments of ESP and IKE arriving on outside ports;
 *   inside    fragments from the cloud to the box (NAT replies);
 *   tunnel    decrypted fragments; the tunnel is part of the key, and each
 *             site may hold only REASS_SITE_SHARE datagrams at once.
 * One table per worker lcore; no locks. The key is (owner, source,
 * destination, protocol, IP ID), owner being the tunnel (0 for ports).
 *
 * A datagram is refused whole, each held fragment counted under the
 * reason: fragments that overlap or disagree (on the end, or a duplicate
 * with other bytes), more than REASS_MAX_FRAGS of them, a result larger
 * than one buffer or than IPv4 allows, not complete within the timeout,
 * or evicted by a newer datagram when its bucket is full (the oldest
 * goes) or when the table holds max_frags buffers. Fragments other than
 * the last must carry REASS_MIN_FRAG bytes.
 */
#ifndef ESPHUB_WORKER_REASS_H
#define ESPHUB_WORKER_REASS_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "net.h"
#include "stats.h"

#define REASS_MAX_FRAGS  16
#define REASS_MIN_FRAG   256 /* payload bytes of any fragment but the last */
#define REASS_SITE_SHARE 16  /* datagrams one site may have in a tunnel table */

struct reass;

/*
 * entries: datagrams held at once (rounded up to a power of two, at least
 * 16); max_frags: buffers held at once (at least 2 x REASS_MAX_FRAGS).
 * sites: 0 for a port table, else the number of site ids (the site
 * argument of worker_reass_input()). timeout_tsc: how long a datagram may take.
 */
struct reass *worker_reass_create(const char *name, uint32_t entries, uint32_t max_frags,
				  uint32_t sites, uint64_t timeout_tsc, int socket_id);
void worker_reass_free(struct reass *r);

/*
 * Add fragment m (data at its IPv4 header, info its parsed header). Takes
 * m. Returns the whole datagram, one segment with a fresh header checksum
 * and *info describing it, once complete; else NULL (held, or dropped and
 * counted in st). site: the owner's site for the share (tunnel tables).
 */
struct rte_mbuf *worker_reass_input(struct reass *r, struct stats_worker *st, uint32_t owner,
				    uint32_t site, struct rte_mbuf *m, struct net_ipv4_info *info,
				    uint64_t now);

/* Drop datagrams past their timeout; looks at most budget entries. */
void worker_reass_expire(struct reass *r, struct stats_worker *st, uint64_t now, unsigned budget);

#endif
