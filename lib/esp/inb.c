/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound ESP, in three passes over the burst:
 *   1. read SPI and outer destination, look the SAs up in bulk;
 *   2. check what can be checked before crypto (SA state, encapsulation,
 *      lengths, a read-only replay check) and build the crypto ops;
 *   3. after one crypto_process(): ICV verdicts, replay window update,
 *      trailer, inner header, selectors; strip to the inner datagram.
 * Nothing from the payload is trusted before its ICV has been verified.
 */
#include <string.h>

#include <rte_ip.h>

#include "net.h"
#include "priv.h"

struct inb_pkt {
	uint8_t *esp;     /* ESP header */
	uint32_t payload; /* ciphertext bytes (between IV and ICV) */
	uint64_t seq;     /* full sequence number */
};

static void
put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

/* Pass 2 for one packet: DROP_NONE and its crypto op filled, or why not. */
static enum stats_drop
prepare(struct rte_mbuf *m, struct sa *sa, struct inb_pkt *pk, struct crypto_op *op,
	struct op_scratch *scr)
{
	uint32_t esp_off = m->l3_len + m->l4_len;
	uint32_t fixed;
	int32_t payload;

	if (sa == NULL)
		return DROP_ESP_NO_SA;
	if (sa->dead)
		return DROP_ESP_SA_EXPIRED;
	if ((m->l4_len != 0) != (sa->peer_port != 0))
		return DROP_ESP_ENCAP_MISMATCH;
	fixed = esp_off + ESP_HDR_LEN + sa->iv_len + sa->icv_len;
	payload = (int32_t)rte_pktmbuf_data_len(m) - (int32_t)fixed;
	if (payload < (int32_t)sa->pad_align)
		return DROP_ESP_TRUNCATED;
	if ((payload & (sa->pad_align - 1)) != 0) /* a power of two */
		return DROP_ESP_BAD_LENGTH;

	pk->esp = rte_pktmbuf_mtod_offset(m, uint8_t *, esp_off);
	pk->payload = (uint32_t)payload;
	pk->seq = replay_infer(&sa->replay, get32(pk->esp + 4), sa->esn);
	/* A cheap early verdict; the authoritative one follows the ICV. */
	if (sa->replay.win != 0 && !replay_check(&sa->replay, pk->seq))
		return DROP_ESP_REPLAY;

	*op = (struct crypto_op){
		.sess = sa->sess,
		.buf = pk->esp,
		.iv = pk->esp + ESP_HDR_LEN,
		.cipher_off = ESP_HDR_LEN + sa->iv_len,
		.cipher_len = pk->payload,
		.icv = pk->esp + ESP_HDR_LEN + sa->iv_len + pk->payload,
		.encrypt = 0,
	};
	if (sa->iv_len == 8) {
		/* RFC 4106 s5: AAD is SPI | [ESN high |] sequence number. */
		memcpy(scr->aad, pk->esp, 4);
		if (sa->esn) {
			put32(scr->aad + 4, (uint32_t)(pk->seq >> 32));
			memcpy(scr->aad + 8, pk->esp + 4, 4);
		} else {
			memcpy(scr->aad + 4, pk->esp + 4, 4);
		}
		op->aad = scr->aad;
		op->aad_len = sa->esn ? 12 : 8;
	} else {
		op->auth_len = ESP_HDR_LEN + sa->iv_len + pk->payload;
		if (sa->esn) {
			/* RFC 4303 s3.3.2.1: the ICV covers the high half, placed
			 * after the payload, where the received ICV sits. */
			memcpy(scr->icv, op->icv, sa->icv_len);
			put32(op->icv, (uint32_t)(pk->seq >> 32));
			op->icv = scr->icv;
			op->auth_len += 4;
		}
	}
	return DROP_NONE;
}

/* RFC 4303 s2.4: default padding is 1, 2, 3, ...; check what was sent. */
static bool
padding_ok(const uint8_t *pad, uint8_t n)
{
	for (uint8_t i = 0; i < n; i++)
		if (pad[i] != i + 1)
			return false;
	return true;
}

/* Pass 3 for one packet whose ICV verified: DROP_NONE and m stripped. */
static enum stats_drop
finish(struct rte_mbuf *m, const struct sa *sa, const struct inb_pkt *pk)
{
	const uint8_t *pt = pk->esp + ESP_HDR_LEN + sa->iv_len;
	uint8_t pad_len = pt[pk->payload - 2], next = pt[pk->payload - 1];
	uint32_t inner_len;
	struct net_ipv4_info info;
	enum stats_drop rc;

	if ((uint32_t)pad_len + 2 > pk->payload ||
	    !padding_ok(pt + pk->payload - 2 - pad_len, pad_len))
		return DROP_ESP_BAD_PAD;
	if (next != IPPROTO_IPIP_)
		return DROP_ESP_BAD_NEXT_HDR; /* incl. 59, TFC dummy packets */
	inner_len = pk->payload - 2 - pad_len;
	rc = net_ipv4_parse(pt, inner_len, true, &info);
	if (rc != DROP_NONE)
		return DROP_ESP_INNER_BAD;
	/* RFC 4301 s5.2: the inner packet must match the SA's selectors. */
	if (!sa_ts_match(sa->remote_ts, sa->n_remote_ts, info.src) ||
	    !sa_ts_match(sa->local_ts, sa->n_local_ts, info.dst))
		return DROP_ESP_SELECTOR;
	rte_pktmbuf_adj(m, (uint16_t)(pt - rte_pktmbuf_mtod(m, uint8_t *)));
	/* What follows the inner datagram: TFC padding, padding, trailer, ICV. */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - info.tot_len));
	m->l3_len = info.hlen;
	m->l4_len = 0;
	/* The RX offload flags were about the outer packet; whose buffer it
	 * is (attached external buffer, indirect clone) stays as it was. */
	m->ol_flags &= RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT;
	return DROP_NONE;
}

uint16_t
esp_inb(struct esp_worker *ew, struct sa_worker *sw, struct stats_worker *st, struct rte_mbuf *mb[],
	struct sa *sa[], uint16_t n)
{
	struct sa_counters *ctr = sa_worker_counters(sw);
	struct inb_pkt pk[ESP_BURST_MAX];
	uint32_t spi[ESP_BURST_MAX], dst[ESP_BURST_MAX];
	enum stats_drop why[ESP_BURST_MAX];
	struct sa_run run = { 0 };
	struct sa *locked = NULL;
	uint16_t nops = 0, k = 0;

	/* Pass 1: keys. */
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(mb[i], const uint8_t *);
		uint32_t esp_off = mb[i]->l3_len + mb[i]->l4_len;

		why[i] = rte_pktmbuf_data_len(mb[i]) < esp_off + ESP_HDR_LEN ? DROP_ESP_TRUNCATED :
									       DROP_NONE;
		spi[i] = why[i] == DROP_NONE ? get32(p + esp_off) : 0;
		dst[i] = get32(p + offsetof(struct rte_ipv4_hdr, dst_addr));
	}
	sa_worker_lookup_in(sw, spi, dst, n, sa);
	for (uint16_t i = 0; i < n; i++)
		if (sa_run_starts(sa, i))
			sa_prefetch_in(sa[i]);

	/* Pass 2: checks and crypto ops. */
	for (uint16_t i = 0; i < n; i++) {
		uint16_t ahead = (uint16_t)(i + SA_PREFETCH_AHEAD);

		if (i == 0)
			for (uint16_t j = 0; j < SA_PREFETCH_AHEAD && j < n; j++)
				sa_prefetch_deps_at(sa, mb, j, ctr);
		if (ahead < n)
			sa_prefetch_deps_at(sa, mb, ahead, ctr);
		if (why[i] == DROP_NONE)
			why[i] = prepare(mb[i], sa[i], &pk[i], &ew->op[nops], &ew->scr[nops]);
		if (why[i] == DROP_NONE)
			ew->idx[nops++] = i;
	}
	crypto_process(ew->clc, ew->op, nops);

	/* Pass 3: verdicts. The replay lock is held across a run of one SA. */
	for (uint16_t o = 0; o < nops; o++) {
		uint16_t i = ew->idx[o];
		struct sa *s = sa[i];

		if (ew->op[o].status != CRYPTO_OK) {
			why[i] = ew->op[o].status == CRYPTO_AUTH_FAILED ? DROP_ESP_BAD_ICV :
									  DROP_ESP_CRYPTO_ERROR;
			continue;
		}
		if (s->replay.win == 0)
			continue;
		if (s != locked) {
			if (locked != NULL)
				rte_spinlock_unlock(&locked->replay_lock);
			rte_spinlock_lock(&s->replay_lock);
			locked = s;
		}
		if (!replay_update(&s->replay, pk[i].seq))
			why[i] = DROP_ESP_REPLAY;
	}
	if (locked != NULL)
		rte_spinlock_unlock(&locked->replay_lock);

	for (uint16_t i = 0; i < n; i++) {
		if (why[i] == DROP_NONE)
			why[i] = finish(mb[i], sa[i], &pk[i]);
		if (why[i] != DROP_NONE) {
			drop(st, ctr, mb[i], why[i] == DROP_ESP_NO_SA ? NULL : sa[i], why[i]);
			continue;
		}
		run_add(&run, ctr, sa[i], rte_pktmbuf_data_len(mb[i]));
		mb[k] = mb[i];
		sa[k++] = sa[i];
	}
	run_flush(&run, ctr);
	return k;
}
