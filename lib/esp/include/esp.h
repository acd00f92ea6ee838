/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP tunnel mode (RFC 4303), IPv4 in IPv4, with optional UDP
 * encapsulation (RFC 3948): burst encrypt and decrypt on a worker lcore.
 *
 * Burst convention: a call takes n packets and returns k; on return the
 * first k slots hold the good packets in their original order and the
 * other n - k were freed and counted under a named reason in the caller's
 * struct stats_worker (and in the SA's drop counter when an SA is known).
 * Crypto for the whole burst goes to the engine in one crypto_process().
 *
 * Threads: an esp_worker belongs to one worker lcore.
 */
#ifndef ESPHUB_ESP_H
#define ESPHUB_ESP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "crypto.h"
#include "sa.h"
#include "stats.h"

#define ESP_BURST_MAX 128 /* = IMB_MAX_BURST_SIZE: one engine call */

/* Per-packet overhead of the widest transform: outer IPv4 + UDP + ESP
 * header + CBC IV + padding + trailer + ICV. Buffers need this much spare. */
#define ESP_OVERHEAD_MAX (20 + 8 + 8 + 16 + 15 + 2 + 16 + 4)

struct esp_worker;

/**
 * Per-lcore ESP state on the engine's crypto lcore, for worker index of
 * n_workers (the outer IPv4 IDs it writes are its own: no two workers
 * send the same ID). NULL on failure or index >= n_workers.
 */
struct esp_worker *esp_worker_create(const struct crypto_engine *e, int socket_id, unsigned index,
				     unsigned n_workers);
void esp_worker_free(struct esp_worker *ew);

/**
 * Decrypt and check a burst addressed to the box.
 * In:  mb[i] a whole datagram, data at the outer IPv4 header; l3_len the
 *      outer header's length, l4_len 8 if UDP-encapsulated, else 0.
 * Out: the first k are the inner IPv4 datagrams (data at the inner header,
 *      length its total length) and sa[0..k) their SAs. Checked before
 *      anything is trusted: SA, length, replay (before and after the ICV),
 *      ICV, padding, next header, inner header, traffic selectors.
 * n <= ESP_BURST_MAX.
 */
uint16_t esp_inb(struct esp_worker *ew, struct sa_worker *sw, struct stats_worker *st,
		 struct rte_mbuf *mb[], struct sa *sa[], uint16_t n);

/**
 * Encrypt a burst into the given outbound SAs.
 * In:  mb[i] an inner IPv4 datagram (data at its header) no longer than
 *      sa[i]->tunnel_mtu, with ESP_OVERHEAD_MAX head- and tailroom to spare.
 * Out: the first k are outer datagrams (data at the outer IPv4 header,
 *      l3_len set), ready to route to sa->peer_addr.
 * n <= ESP_BURST_MAX.
 */
uint16_t esp_outb(struct esp_worker *ew, struct sa_worker *sw, struct stats_worker *st,
		  struct rte_mbuf *mb[], struct sa *sa[], uint16_t n);

#endif /* ESPHUB_ESP_H */
