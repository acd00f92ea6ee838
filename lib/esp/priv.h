/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to lib/esp. */
#ifndef ESPHUB_ESP_PRIV_H
#define ESPHUB_ESP_PRIV_H

#include <openssl/evp.h>

#include "esp.h"

#define ESP_HDR_LEN   8
#define IPPROTO_IPIP_ 4 /* next header of tunnel-mode IPv4 */

/* Per-op scratch: the engine's view of aad and of a moved ICV. */
struct op_scratch {
	uint8_t aad[12];
	uint8_t icv[CRYPTO_ICV_MAX];
};

struct esp_worker {
	struct crypto_lcore *clc;
	EVP_CIPHER_CTX *iv_ctx; /* AES-CTR keystream: unpredictable CBC IVs */
	uint16_t ip_id;         /* the next outer IPv4 ID ... */
	uint16_t ip_id_step;    /* ... and the stride of this worker's IDs */
	struct crypto_op op[ESP_BURST_MAX];
	struct op_scratch scr[ESP_BURST_MAX];
	uint64_t seq[ESP_BURST_MAX];
	uint16_t idx[ESP_BURST_MAX]; /* op -> packet */
	uint8_t iv[ESP_BURST_MAX][16];
};

/* iv.c: n fresh unpredictable 16-byte IVs into ew->iv. */
int esp_iv_fill(struct esp_worker *ew, unsigned n);
int esp_iv_init(struct esp_worker *ew);
void esp_iv_fini(struct esp_worker *ew);

/*
 * With many SAs, each packet's SA, session keys and counters are cold:
 * touch them a few packets ahead so the misses of a burst overlap.
 */
#define SA_PREFETCH_AHEAD 4

/* What inbound reads of the SA: state, addresses, lengths, session, the
 * selectors of both sides. */
static inline void
sa_prefetch_in(const struct sa *sa)
{
	rte_prefetch0(sa);
	rte_prefetch0(sa->local_ts);
	rte_prefetch0(sa->remote_ts);
}

/* What the SA points at (its lines must be in by now), for a packet of len bytes. */
static inline void
sa_prefetch_deps(const struct sa *sa, uint32_t len, struct sa_counters *ctr)
{
	const char *sess = sa->sess;

	for (uint32_t lines = sa->sess_hot[len > SA_SHORT_OP]; lines != 0; lines &= lines - 1)
		rte_prefetch0(sess + rte_bsf32(lines) * RTE_CACHE_LINE_SIZE);
	rte_prefetch0(&ctr[sa->id]);
	/* The window may be off; asking would read the line itself. */
	if (sa->inbound)
		rte_prefetch0(&sa->replay_lock);
}

/* The same for packet i of a burst, where it starts a run of its SA. */
static inline void
sa_prefetch_deps_at(struct sa *const sa[], struct rte_mbuf *const mb[], uint16_t i,
		    struct sa_counters *ctr)
{
	if (sa_run_starts(sa, i))
		sa_prefetch_deps(sa[i], rte_pktmbuf_data_len(mb[i]), ctr);
}

/* Account a run of packets of one SA (VPP's current_sa trick). */
struct sa_run {
	struct sa *sa;
	uint64_t packets;
	uint64_t bytes;
};

static inline void
run_flush(struct sa_run *r, struct sa_counters *ctr)
{
	if (r->sa != NULL && r->packets) {
		ctr[r->sa->id].packets += r->packets;
		ctr[r->sa->id].bytes += r->bytes;
	}
	r->packets = r->bytes = 0;
}

static inline void
run_add(struct sa_run *r, struct sa_counters *ctr, struct sa *sa, uint32_t bytes)
{
	if (sa != r->sa) {
		run_flush(r, ctr);
		r->sa = sa;
	}
	r->packets++;
	r->bytes += bytes;
}

/* Drop packet i of a burst: free, count under reason, and against its SA. */
static inline void
drop(struct stats_worker *st, struct sa_counters *ctr, struct rte_mbuf *m, const struct sa *sa,
     enum stats_drop reason)
{
	if (sa != NULL)
		ctr[sa->id].drops++;
	stats_drop(st, m, reason);
}

#endif
