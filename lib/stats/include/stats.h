/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Data-plane counters: the catalog of drop reasons and the per-worker
 * counter block.
 *
 * Every packet the data plane drops is dropped through stats_drop() with a
 * reason from foreach_drop. Each worker lcore writes only its own
 * struct stats_worker; the control core sums the blocks when it reads them
 * (a 64-bit aligned load is atomic on the supported targets, so a reader
 * never sees a torn counter, only a slightly old one).
 */
#ifndef ESPHUB_STATS_H
#define ESPHUB_STATS_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#define STATS_MAX_PORTS 8

/*
 * The drop catalog: _(SYM, stage, name, description). One list for the whole
 * data plane so an operator sees every reason in one table (`show drops`,
 * /esphub/drops). Stages appear in pipeline order.
 */
/* clang-format off */
#define foreach_drop(_)                                                        \
	_(ETH_RUNT,          "eth",   "runt",             "frame shorter than an Ethernet header")          \
	_(ETH_OTHER_HOST,    "eth",   "other-host",       "destination MAC neither ours nor broadcast")     \
	_(ETH_UNKNOWN_TYPE,  "eth",   "unknown-ethertype","EtherType other than IPv4 and ARP")              \
	_(ARP_MALFORMED,     "arp",   "malformed",        "truncated, or not Ethernet/IPv4 ARP")            \
	_(ARP_NOT_FOR_US,    "arp",   "not-for-us",       "ARP for an address that is not ours")            \
	_(ARP_BAD_SENDER,    "arp",   "bad-sender",       "sender address is ours, zero, broadcast or multicast") \
	_(IP_TRUNCATED,      "ipv4",  "truncated",        "shorter than its IPv4 header or total length")   \
	_(IP_BAD_VERSION,    "ipv4",  "bad-version",      "IP version is not 4")                            \
	_(IP_BAD_HLEN,       "ipv4",  "bad-header-length","IHL below 5 or beyond the total length")         \
	_(IP_BAD_CHECKSUM,   "ipv4",  "bad-checksum",     "IPv4 header checksum wrong")                     \
	_(IP_MARTIAN_SRC,    "ipv4",  "martian-source",   "source is zero, loopback, multicast or broadcast") \
	_(IP_MARTIAN_DST,    "ipv4",  "martian-destination","destination is zero or loopback")              \
	_(POLICY_OUTSIDE_TRANSIT,"policy","outside-transit","cleartext on an outside port not addressed to the box; no bypass rule allows it") \
	_(POLICY_OUTSIDE_INTO_TUNNEL,"policy","outside-into-tunnel","cleartext from an outside port toward a branch: never into a tunnel, bypass rule or not") \
	_(POLICY_OUTSIDE_INSIDE_ADDR,"policy","outside-to-inside-address","cleartext on an outside port addressed to an inside address of the box") \
	_(POLICY_BRANCH_SOURCE,"policy", "cleartext-from-branch","cleartext with a source in a branch subnet (inbound SPD check, RFC 4301 s5.2)") \
	_(POLICY_DISCARD,    "policy","branch-no-tunnel", "destination in a branch subnet no tunnel carries (down, or shared by sites): never sent in clear") \
	_(POLICY_TO_OUTSIDE, "policy","cleartext-to-outside","forwarded cleartext would leave by an outside port; no bypass rule allows it") \
	_(POLICY_ANSWER_SIDE,"policy","answer-crosses",   "answer to a cleartext packet would leave by the other side than the packet came in") \
	_(POLICY_NO_TUNNEL_SOURCE,"policy","no-tunnel-source","answer into a tunnel: no address of the box lies in its local selectors") \
	_(REASS_MALFORMED,   "reass", "malformed",        "fragment length not a multiple of 8, or beyond 65535 bytes") \
	_(REASS_DUPLICATE,   "reass", "duplicate",        "fragment already held") \
	_(REASS_OVERLAP,     "reass", "overlap",          "fragments overlap or disagree on the datagram's end; the datagram is refused") \
	_(REASS_TOO_MANY,    "reass", "too-many-fragments","more fragments than one datagram may have (16)") \
	_(REASS_TOO_BIG,     "reass", "too-big",          "reassembled datagram larger than a buffer") \
	_(REASS_TIMEOUT,     "reass", "timeout",          "datagram not complete within 2 s")       \
	_(REASS_EVICTED,     "reass", "evicted",          "datagram in progress evicted by a newer one (table bucket full)") \
	_(REASS_SITE_SHARE,  "reass", "site-share",       "the site holds its share of datagrams being reassembled") \
	_(LOCAL_FRAGMENT,    "local", "fragment",         "fragment addressed to the box (not reassembled)") \
	_(LOCAL_ICMP_BAD,    "local", "icmp-malformed",   "ICMP to the box truncated or with a bad checksum") \
	_(LOCAL_ICMP_OTHER,  "local", "icmp-unhandled",   "ICMP to the box other than echo request")        \
	_(LOCAL_NO_SERVICE,  "local", "no-service",       "protocol or port not served by the box")         \
	_(LOCAL_BROADCAST,   "local", "broadcast",        "IP broadcast or multicast not served by the box") \
	_(PUNT_RATE_LIMITED, "local", "ike-rate-limited", "IKE from a source beyond its rate, not of a known IKE SA") \
	_(PUNT_RING_FULL,    "local", "punt-ring-full",   "control core's ring for new IKE exchanges full") \
	_(PUNT_KNOWN_RATE,   "local", "ike-sa-rate-limited","IKE of one established IKE SA beyond 64 a second") \
	_(PUNT_KNOWN_RING_FULL,"local","punt-known-ring-full","control core's ring for IKE of known IKE SAs full") \
	_(ESP_TRUNCATED,     "esp-in","truncated",        "shorter than ESP header, IV, one block and ICV") \
	_(ESP_BAD_LENGTH,    "esp-in","bad-length",       "ciphertext not a whole number of blocks")      \
	_(ESP_NO_SA,         "esp-in","no-sa",            "no inbound SA for this SPI and destination")   \
	_(ESP_ENCAP_MISMATCH,"esp-in","encap-mismatch",   "UDP-encapsulated on a plain SA or the reverse") \
	_(ESP_REPLAY,        "esp-in","replay",           "sequence number replayed or left of the window") \
	_(ESP_BAD_ICV,       "esp-in","bad-icv",          "integrity check failed")                       \
	_(ESP_BAD_PAD,       "esp-in","bad-padding",      "pad length or padding bytes wrong")            \
	_(ESP_BAD_NEXT_HDR,  "esp-in","bad-next-header",  "next header is not IPv4 (tunnel mode)")        \
	_(ESP_INNER_BAD,     "esp-in","inner-malformed",  "decrypted packet is not a valid IPv4 packet")  \
	_(ESP_SELECTOR,      "esp-in","selector-mismatch","inner addresses outside the SA's traffic selectors") \
	_(ESP_SA_EXPIRED,    "esp-in","sa-expired",       "SA past its hard lifetime or being removed")   \
	_(ESP_CRYPTO_ERROR,  "esp-in","crypto-error",     "crypto engine refused the operation")          \
	_(NATT_KEEPALIVE,    "esp-in","natt-keepalive",   "NAT-T keepalive (RFC 3948 s2.3), consumed")    \
	_(ESPO_SELECTOR,     "esp-out","selector-mismatch","source outside the tunnel's local selectors") \
	_(ESPO_NO_SA,        "esp-out","no-sa",           "tunnel has no outbound SA (not up)")           \
	_(ESPO_SA_EXPIRED,   "esp-out","sa-expired",      "SA past its hard lifetime or being removed")   \
	_(ESPO_SEQ_EXHAUSTED,"esp-out","seq-exhausted",   "sequence number space used up; SA must be rekeyed") \
	_(ESPO_NEEDS_FRAG,   "esp-out","needs-fragmentation","too big for the tunnel with DF set")        \
	_(ESPO_NO_ROOM,      "esp-out","no-room",         "no head/tailroom for ESP headers")             \
	_(ESPO_CRYPTO_ERROR, "esp-out","crypto-error",    "crypto engine refused the operation")          \
	_(NAT_UNSUPPORTED,   "nat",   "unsupported",      "protocol or ICMP type NAT cannot translate")   \
	_(NAT_TABLE_FULL,    "nat",   "table-full",       "session table full")                           \
	_(NAT_SITE_CAP,      "nat",   "site-cap",         "the site reached its session cap")             \
	_(NAT_SITE_DEST_CAP, "nat",   "site-dest-cap",    "the site holds its share of the worker's ports toward this remote address, port and protocol") \
	_(NAT_PORTS,         "nat",   "ports-exhausted",  "no free port in this worker's range")          \
	_(NAT_NO_SESSION,    "nat",   "no-session",       "return traffic for no NAT session")            \
	_(NAT_MALFORMED,     "nat",   "malformed",        "L4 header truncated")                          \
	_(NAT_FRAGMENT,      "nat",   "fragment",         "fragment not reassembled before NAT")          \
	_(FWD_L2_BROADCAST,  "fwd",   "link-broadcast",   "unicast IP in a link-layer broadcast (RFC 1812 s5.3.4)") \
	_(FWD_NO_ROUTE,      "fwd",   "no-route",         "no route to the destination")                    \
	_(FWD_TTL_EXPIRED,   "fwd",   "ttl-expired",      "TTL reached zero")                               \
	_(FWD_NEEDS_FRAG,    "fwd",   "needs-fragmentation","larger than the egress MTU with DF set")        \
	_(FWD_FRAG_FAILED,   "fwd",   "fragmentation-failed","could not be fragmented (no buffers)")        \
	_(FWD_SAME_PORT_BCAST,"fwd",  "directed-broadcast","destination is a connected broadcast address")  \
	_(NEIGH_QUEUE_FULL,  "neigh", "queue-full",       "next hop unresolved and its queue is full")      \
	_(NEIGH_EVICTED,     "neigh", "evicted",          "parked for a next hop that a newer one pushed out (16 hops waiting)") \
	_(NEIGH_UNRESOLVED,  "neigh", "unresolved",       "next hop did not answer ARP in time")            \
	_(TX_QUEUE_FULL,     "tx",    "queue-full",       "TX queue full")                                  \
	_(NO_MBUF,           "tx",    "no-mbuf",          "no buffer for a generated packet")               \
	_(INJECT_INVALID,    "tx",    "inject-invalid",   "control-core packet without a usable route")

enum stats_drop {
	DROP_NONE = 0,
#define _(sym, stage, name, descr) DROP_##sym,
	foreach_drop(_)
#undef _
	DROP_N
};
/* clang-format on */

/* Things workers do that are not drops: _(SYM, name, description). */
/* clang-format off */
#define foreach_worker_counter(_)                                              \
	_(FORWARDED,        "forwarded",        "IPv4 packets routed between ports") \
	_(LOCAL_IN,         "local-in",         "IPv4 packets addressed to the box") \
	_(PUNTED,           "punted",           "packets handed to the control core") \
	_(PUNTED_KNOWN,     "punted-known",     "of those, IKE of the box's own IKE SAs (served first)") \
	_(INJECTED,         "injected",         "packets the control core sent through this worker") \
	_(ARP_REPLIES,      "arp-replies",      "ARP requests answered")           \
	_(ARP_REQUESTS,     "arp-requests",     "ARP requests sent for next hops") \
	_(ARP_LEARNED,      "arp-learn-msgs",   "neighbour updates sent to the control core") \
	_(ICMP_ECHO_REPLIES,"icmp-echo-replies","ICMP echo replies sent")          \
	_(ICMP_ERRORS,      "icmp-errors",      "ICMP errors sent")                \
	_(ICMP_SUPPRESSED,  "icmp-rate-limited","ICMP errors not sent (rate limit)") \
	_(ESP_DECRYPTED,    "esp-decrypted",    "ESP packets decrypted and accepted") \
	_(ESP_ENCRYPTED,    "esp-encrypted",    "packets encrypted into a tunnel") \
	_(FRAGMENTS_OUT,    "fragments-out",    "fragments produced on egress")    \
	_(NEIGH_QUEUED,     "neigh-queued",     "packets parked until ARP resolves") \
	_(POLLS,            "polls",            "iterations of the worker loop")   \
	_(BUSY_POLLS,       "busy-polls",       "iterations that received packets") \
	_(BUSY_CYCLES,      "busy-cycles",      "TSC cycles spent in busy iterations") \
	_(TOTAL_CYCLES,     "total-cycles",     "TSC cycles spent in the loop")

enum stats_worker_counter {
#define _(sym, name, descr) WCTR_##sym,
	foreach_worker_counter(_)
#undef _
	WCTR_N
};
/* clang-format on */

struct stats_port_counters {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
};

/** One worker's counters. Written by that worker only. */
struct stats_worker {
	uint64_t drop[DROP_N];
	uint64_t ctr[WCTR_N];
	struct stats_port_counters port[STATS_MAX_PORTS];
} __rte_cache_aligned;

/** Name ("ipv4.bad-checksum" style parts) and description of a drop reason. */
const char *stats_drop_stage(enum stats_drop d);
const char *stats_drop_name(enum stats_drop d);
const char *stats_drop_descr(enum stats_drop d);

const char *stats_worker_counter_name(enum stats_worker_counter c);
const char *stats_worker_counter_descr(enum stats_worker_counter c);

/*
 * The text of a counter list _(SYM, name, description) whose enum type
 * was made from it in list order, from 0, n entries (enum stats_worker_counter,
 * enum nat_counter, the control core's): defines
 *   const char *name_fn(type c), const char *descr_fn(type c)
 * giving entry c's name and description, "?" past the end. At file scope,
 * without a semicolon:
 *   STATS_COUNTER_TEXT(foreach_worker_counter, enum stats_worker_counter,
 *                      WCTR_N, stats_worker_counter_name, stats_worker_counter_descr)
 */
#define STATS_X_NAME(sym, name, descr)  name,
#define STATS_X_DESCR(sym, name, descr) descr,
#define STATS_COUNTER_TEXT(foreach, type, n, name_fn, descr_fn)                  \
	static const char *const name_fn##_text[] = { foreach(STATS_X_NAME) };   \
	static const char *const descr_fn##_text[] = { foreach(STATS_X_DESCR) }; \
	_Static_assert(RTE_DIM(name_fn##_text) == (n), #foreach " is not " #n);  \
	const char *name_fn(type c)                                              \
	{                                                                        \
		return c < (n) ? name_fn##_text[c] : "?";                        \
	}                                                                        \
	const char *descr_fn(type c)                                             \
	{                                                                        \
		return c < (n) ? descr_fn##_text[c] : "?";                       \
	}

/** out = sum of n blocks. Control core. */
void stats_worker_sum(struct stats_worker *out, struct stats_worker *const *blocks, unsigned n);

/** out = a - b, counter by counter (for "since clear" views). */
void stats_worker_sub(struct stats_worker *out, const struct stats_worker *a,
		      const struct stats_worker *b);

/** Free one packet and count it under its reason. Worker lcore. */
static inline void
stats_drop(struct stats_worker *st, struct rte_mbuf *m, enum stats_drop reason)
{
	st->drop[reason]++;
	rte_pktmbuf_free(m);
}

#endif /* ESPHUB_STATS_H */
