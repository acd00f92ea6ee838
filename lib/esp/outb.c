/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbound ESP: sequence numbers for a run of one SA with one atomic add,
 * outer headers and trailer written around the inner datagram, one
 * crypto_process() for the burst.
 *
 *   [outer IPv4][UDP 4500]?[SPI|seq][IV][inner datagram|pad|padlen|4][ICV]
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "net.h"
#include "priv.h"

#define OUTER_TTL 64

static void
put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

/* What can be refused before a sequence number is spent on the packet. */
static enum stats_drop
check(const struct rte_mbuf *m, const struct sa *sa)
{
	const struct rte_ipv4_hdr *inner = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	if (sa->dead)
		return DROP_ESPO_SA_EXPIRED;
	if (!sa_ts_match(sa->local_ts, sa->n_local_ts, rte_be_to_cpu_32(inner->src_addr)))
		return DROP_ESPO_SELECTOR;
	return DROP_NONE;
}

/*
 * Sequence numbers for the packets going out, one atomic add per run of
 * one SA however many workers send on it. A number past the SA's limit is
 * 0: the packet is dropped as exhausted.
 */
static void
reserve_seq(struct sa *const sa[], const enum stats_drop *why, uint16_t n, uint64_t *seq)
{
	for (uint16_t i = 0; i < n;) {
		struct sa *s = sa[i];
		uint16_t len = 0, j;
		uint64_t next;

		for (j = i; j < n && sa[j] == s; j++)
			len += why[j] == DROP_NONE;
		next = __atomic_fetch_add(&s->seq, len, __ATOMIC_RELAXED) + 1;
		for (; i < j; i++) {
			if (why[i] != DROP_NONE)
				continue;
			seq[i] = next <= s->seq_limit && next != 0 ? next : 0;
			next++;
		}
	}
}

/*
 * The outer header is stored field by field and its checksum summed from
 * the values, not read back from the bytes just written: a wide load over
 * narrow stores stalls on store forwarding, once per packet.
 */
static void
write_outer(struct esp_worker *ew, uint8_t *p, const struct sa *sa, uint8_t inner_tos,
	    uint16_t total)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	uint8_t proto = sa->peer_port ? IPPROTO_UDP : IPPROTO_ESP;
	uint16_t id = ew->ip_id;
	uint32_t sum;

	ew->ip_id = (uint16_t)(id + ew->ip_id_step);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	/* RFC 4301 s5.1.2.1: DSCP from the inner header; ECN too (RFC 6040
	 * normal mode). The outer DF is clear so paths with a smaller MTU
	 * fragment rather than drop. */
	ip->type_of_service = inner_tos;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = 0;
	ip->time_to_live = OUTER_TTL;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(sa->local_addr);
	ip->dst_addr = rte_cpu_to_be_32(sa->peer_addr);
	sum = (uint32_t)(RTE_IPV4_VHL_DEF << 8 | inner_tos) + total + id +
	      (uint32_t)(OUTER_TTL << 8 | proto) + (sa->local_addr >> 16) +
	      (sa->local_addr & 0xffff) + (sa->peer_addr >> 16) + (sa->peer_addr & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
	if (sa->peer_port) {
		/* RFC 3948 s2.1: checksum zero for IPv4. */
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(p + sizeof(*ip));

		uh->src_port = rte_cpu_to_be_16(sa->local_port);
		uh->dst_port = rte_cpu_to_be_16(sa->peer_port);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(total - sizeof(*ip)));
		uh->dgram_cksum = 0;
	}
}

/* Wrap one packet; DROP_NONE and its crypto op filled, or why not. */
static enum stats_drop
prepare(struct esp_worker *ew, struct rte_mbuf *m, struct sa *sa, uint64_t seq,
	const uint8_t *cbc_iv, struct crypto_op *op, struct op_scratch *scr)
{
	const struct rte_ipv4_hdr *inner = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint16_t inner_len = (uint16_t)rte_pktmbuf_data_len(m);
	/* ... (checked before its sequence number was reserved) */
	uint16_t udp = sa->peer_port ? sizeof(struct rte_udp_hdr) : 0;
	uint16_t head = (uint16_t)(sizeof(struct rte_ipv4_hdr) + udp + ESP_HDR_LEN + sa->iv_len);
	uint16_t padded = (uint16_t)RTE_ALIGN_CEIL(inner_len + 2, sa->pad_align);
	uint8_t pad_len = (uint8_t)(padded - inner_len - 2);
	uint8_t inner_tos = inner->type_of_service;
	uint8_t *p, *esp, *trailer;

	if (seq == 0)
		return DROP_ESPO_SEQ_EXHAUSTED;
	trailer = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(padded - inner_len + sa->icv_len));
	if (trailer == NULL)
		return DROP_ESPO_NO_ROOM;
	p = (uint8_t *)rte_pktmbuf_prepend(m, head);
	if (p == NULL)
		return DROP_ESPO_NO_ROOM;

	write_outer(ew, p, sa, inner_tos, (uint16_t)rte_pktmbuf_data_len(m));
	esp = p + sizeof(struct rte_ipv4_hdr) + udp;
	put32(esp, sa->spi);
	put32(esp + 4, (uint32_t)seq);
	for (uint8_t i = 0; i < pad_len; i++)
		trailer[i] = i + 1; /* RFC 4303 s2.4 default padding */
	trailer[pad_len] = pad_len;
	trailer[pad_len + 1] = IPPROTO_IPIP_;

	*op = (struct crypto_op){
		.sess = sa->sess,
		.buf = esp,
		.iv = esp + ESP_HDR_LEN,
		.cipher_off = ESP_HDR_LEN + sa->iv_len,
		.cipher_len = padded,
		.icv = esp + ESP_HDR_LEN + sa->iv_len + padded,
		.encrypt = 1,
	};
	if (sa->iv_len == 8) {
		/* RFC 4106 s3.1: the IV only has to be unique; the sequence is. */
		uint64_t iv = rte_cpu_to_be_64(seq);

		memcpy(esp + ESP_HDR_LEN, &iv, sizeof(iv));
		memcpy(scr->aad, esp, 4);
		if (sa->esn) {
			put32(scr->aad + 4, (uint32_t)(seq >> 32));
			memcpy(scr->aad + 8, esp + 4, 4);
		} else {
			memcpy(scr->aad + 4, esp + 4, 4);
		}
		op->aad = scr->aad;
		op->aad_len = sa->esn ? 12 : 8;
	} else {
		memcpy(esp + ESP_HDR_LEN, cbc_iv, 16);
		op->auth_len = ESP_HDR_LEN + sa->iv_len + padded;
		if (sa->esn) {
			/* The ICV covers the high half, written where the ICV goes;
			 * the engine overwrites it with the ICV. */
			put32(op->icv, (uint32_t)(seq >> 32));
			op->auth_len += 4;
		}
	}
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	m->l4_len = udp;
	return DROP_NONE;
}

uint16_t
esp_outb(struct esp_worker *ew, struct sa_worker *sw, struct stats_worker *st,
	 struct rte_mbuf *mb[], struct sa *sa[], uint16_t n)
{
	struct sa_counters *ctr = sa_worker_counters(sw);
	enum stats_drop why[ESP_BURST_MAX];
	uint32_t inner_bytes[ESP_BURST_MAX];
	struct sa_run run = { 0 };
	uint16_t nops = 0, k = 0;
	bool need_iv = false; /* only CBC draws IVs */

	/* As inbound: with many SAs their lines are cold. And the headroom the
	 * outer headers go to has not been touched since the buffer was freed. */
	for (uint16_t i = 0; i < n; i++) {
		if (sa_run_starts(sa, i))
			rte_prefetch0_write(&sa[i]->seq);
		rte_prefetch0_write(rte_pktmbuf_mtod(mb[i], char *) - RTE_CACHE_LINE_SIZE);
		if (i < SA_PREFETCH_AHEAD)
			sa_prefetch_deps_at(sa, mb, i, ctr);
	}
	for (uint16_t i = 0; i < n; i++) {
		why[i] = check(mb[i], sa[i]);
		need_iv |= sa[i]->iv_len == 16;
	}
	if (need_iv && esp_iv_fill(ew, n) != 0) {
		for (uint16_t i = 0; i < n; i++)
			drop(st, ctr, mb[i], sa[i], DROP_ESPO_CRYPTO_ERROR);
		return 0;
	}
	reserve_seq(sa, why, n, ew->seq);
	for (uint16_t i = 0; i < n; i++) {
		if (i + SA_PREFETCH_AHEAD < n)
			sa_prefetch_deps_at(sa, mb, (uint16_t)(i + SA_PREFETCH_AHEAD), ctr);
		inner_bytes[i] = rte_pktmbuf_data_len(mb[i]);
		if (why[i] == DROP_NONE)
			why[i] = prepare(ew, mb[i], sa[i], ew->seq[i], ew->iv[i], &ew->op[nops],
					 &ew->scr[nops]);
		if (why[i] == DROP_NONE)
			ew->idx[nops++] = i;
	}
	crypto_process(ew->clc, ew->op, nops);
	for (uint16_t o = 0; o < nops; o++)
		if (ew->op[o].status != CRYPTO_OK)
			why[ew->idx[o]] = DROP_ESPO_CRYPTO_ERROR;

	for (uint16_t i = 0; i < n; i++) {
		if (why[i] != DROP_NONE) {
			drop(st, ctr, mb[i], sa[i], why[i]);
			continue;
		}
		run_add(&run, ctr, sa[i], inner_bytes[i]);
		mb[k] = mb[i];
		sa[k++] = sa[i];
	}
	run_flush(&run, ctr);
	return k;
}
