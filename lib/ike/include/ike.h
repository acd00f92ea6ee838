/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv1 protocol engine (RFC 2407/2408/2409): Main Mode and Aggressive
 * Mode with pre-shared keys, Quick Mode with and without PFS, Informational
 * exchanges, DPD (RFC 3706), NAT-T (RFC 3947), rekeying and sites.
 *
 * A pure library: no DPDK, no sockets, no clock. The host passes received
 * IKE datagrams and the current time in (ike_input(), ike_tick()); the
 * library calls the host's ops (struct ike_host_ops) to send datagrams, to
 * install and delete ESP SAs and to report a peer down.
 *
 * Threads: control core only. An ike instance is not thread-safe; every
 * function here and every host op runs on the caller's thread. Host ops
 * must not call back into the library.
 *
 * Conventions: IPv4 addresses are uint32_t in host byte order; times are
 * monotonic milliseconds (uint64_t), the same clock for every call.
 * Secrets (PSKs, keys) are never logged; the library wipes its copies.
 *
 * Driving it: create with ike_create(), add sites, then loop: hand every
 * IKE datagram to ike_input(), and call ike_tick() whenever the clock has
 * reached ike_next_deadline() (which changes after any call). Nothing
 * happens in between: the library has no threads and no timers of its own.
 */
#ifndef ESPHUB_IKE_H
#define ESPHUB_IKE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto_key.h"

#define IKE_PORT          500  /**< plain IKE */
#define IKE_NATT_PORT     4500 /**< IKE with the non-ESP marker, and UDP-encapsulated ESP */
#define IKE_NAME_MAX      64   /**< site name, NUL included */
#define IKE_ID_MAX        128  /**< identity value bytes */
#define IKE_PSK_MAX       128  /**< pre-shared key bytes */
#define IKE_SUBNETS_MAX   8    /**< subnets per side of a site */
#define IKE_PROPS_MAX     8    /**< proposals per list */
#define IKE_PAIRS_DEFAULT 16   /**< IPsec SA pairs per site (ike_config) */
#define IKE_PAIRS_MAX     1024 /**< ... at most */

/* ------------------------------------------------------------------ */
/** @name Addresses and identities */

/** One side of a UDP flow. */
struct ike_endpoint {
	uint32_t addr; /**< IPv4, host byte order */
	uint16_t port; /**< UDP port, host byte order */
};

/** An IPv4 prefix (traffic selector). */
struct ike_prefix {
	uint32_t addr; /**< host byte order; host bits must be zero */
	uint8_t len;   /**< 0..32 */
};

/** IKE identity types (values are RFC 2407 s4.6.2.1 ID types). */
enum ike_id_type {
	IKE_ID_NONE = 0,      /**< unset: site matched by peer address only */
	IKE_ID_IPV4_ADDR = 1, /**< value: 4 bytes, network order */
	IKE_ID_FQDN = 2,
	IKE_ID_USER_FQDN = 3,
	IKE_ID_KEY_ID = 11,
};

/** An identity: type and opaque value bytes. */
struct ike_id {
	enum ike_id_type type;
	uint8_t len; /**< bytes used in value */
	uint8_t value[IKE_ID_MAX];
};

/* ------------------------------------------------------------------ */
/** @name Algorithms */

/** Ciphers (phase 1: AES-CBC only; ESP: both). */
enum ike_cipher {
	IKE_CIPHER_AES_CBC,
	IKE_CIPHER_AES_GCM16, /**< ESP only, RFC 4106 */
};

/** Hashes: phase 1 hash/PRF (HMAC) or ESP integrity. */
enum ike_hash {
	IKE_HASH_NONE,   /**< ESP with AES-GCM */
	IKE_HASH_SHA1,   /**< ESP: HMAC-SHA1-96 */
	IKE_HASH_SHA256, /**< ESP: HMAC-SHA2-256-128 */
	IKE_HASH_SHA384, /**< phase 1 only */
	IKE_HASH_SHA512, /**< phase 1 only */
};

/** Diffie-Hellman groups; the values are the IANA group numbers. */
enum ike_dh {
	IKE_DH_NONE = 0, /**< ESP: no PFS */
	IKE_DH_MODP1024 = 2,
	IKE_DH_MODP1536 = 5,
	IKE_DH_MODP2048 = 14,
	IKE_DH_MODP3072 = 15,
	IKE_DH_ECP256 = 19,
	IKE_DH_ECP384 = 20,
	IKE_DH_ECP521 = 21,
	IKE_DH_CURVE25519 = 31, /**< IKEv2 only (RFC 8031) */
};

/** One phase 1 (ISAKMP SA) proposal. */
struct ike_p1_proposal {
	enum ike_cipher cipher; /**< IKE_CIPHER_AES_CBC */
	uint16_t key_bits;      /**< 128 or 256 */
	enum ike_hash hash;     /**< SHA1..SHA512, also the PRF */
	enum ike_dh group;
};

/** One ESP (phase 2) proposal. */
struct ike_esp_proposal {
	enum ike_cipher cipher; /**< AES-CBC or AES-GCM16 */
	uint16_t key_bits;      /**< 128 or 256 */
	enum ike_hash integ;    /**< SHA1 or SHA256 with CBC, NONE with GCM */
	enum ike_dh pfs;        /**< IKE_DH_NONE: no PFS */
};

/* ------------------------------------------------------------------ */
/** @name Sites */

/**
 * A site: one branch (peer) and its policy. Filled by the config layer,
 * checked by ike_site_params_validate(). Zeroed fields take defaults
 * (documented per field).
 */
struct ike_site_params {
	char name[IKE_NAME_MAX];  /**< unique, non-empty */
	struct ike_id id;         /**< peer's IKE ID; NONE: any ID from peer_addr */
	struct ike_id local_id;   /**< ours; NONE: the config's local_id */
	uint8_t psk[IKE_PSK_MAX]; /**< pre-shared key; wiped by the library's copies */
	uint16_t psk_len;         /**< 1..IKE_PSK_MAX */
	uint32_t peer_addr;       /**< 0: any (dynamic address, responder only) */
	uint32_t local_addr;      /**< 0: the config's local_addr */
	struct ike_prefix remote_subnets[IKE_SUBNETS_MAX]; /**< branch LANs */
	uint8_t n_remote;                                  /**< 1..IKE_SUBNETS_MAX */
	struct ike_prefix local_subnets[IKE_SUBNETS_MAX];  /**< our side */
	uint8_t n_local;                                   /**< 1..IKE_SUBNETS_MAX */
	struct ike_p1_proposal p1[IKE_PROPS_MAX];          /**< phase 1, preference order */
	uint8_t n_p1;                                      /**< 0: the config's p1 list */
	struct ike_esp_proposal esp[IKE_PROPS_MAX];        /**< phase 2, preference order */
	uint8_t n_esp;          /**< 0: aes128-sha1 (no PFS, modp1024), aes256-sha256, aes128gcm */
	uint32_t dpd_delay_s;   /**< idle time before R-U-THERE; 0: no DPD initiated */
	uint32_t dpd_timeout_s; /**< peer down after this long unanswered; 0: 4 * delay */
	uint32_t p1_lifetime_s; /**< 0: 28800 */
	uint32_t child_lifetime_s;  /**< 0: 28800 */
	uint64_t child_lifetime_kb; /**< 0: no byte limit */
	uint16_t max_pairs;         /**< IPsec SA pairs at once, negotiating and
					     superseded ones included; 0: the config's
					     max_pairs_per_site, or n_local x n_remote
					     if more; else at least n_local x n_remote */
	bool aggressive;            /**< accept Aggressive Mode as responder, and use it
					     when initiating; off by default */
	bool initiate;              /**< bring up when added and keep up (needs peer_addr) */
};

/**
 * Check site parameters without adding them.
 * @return 0, or -EINVAL with *why (if non-NULL) set to a static reason.
 */
int ike_site_params_validate(const struct ike_site_params *p, const char **why)
	__attribute__((warn_unused_result));

/* ------------------------------------------------------------------ */
/** @name Host interface */

/**
 * Soft packet limit of every IKE SA: 2^32 - 2^26. The sequence number must
 * not wrap (RFC 4303 s3.3.3) and IKE negotiates no ESN (RFC 4304), so the
 * rekey starts with 2^26 (67 million) packets left, some seconds even at
 * 10 Mpps: the tunnel never runs dry waiting for the time rekey.
 */
#define IKE_SOFT_PACKETS ((1ULL << 32) - (1ULL << 26))

/** One direction of an ESP SA as handed to the host (control core). */
struct ike_child_sa {
	uint32_t site_id;            /**< from ike_site_add() */
	const char *site_name;       /**< valid during the call only */
	bool inbound;                /**< true: we decrypt with it */
	uint32_t spi;                /**< host byte order */
	struct crypto_keys keys;     /**< wiped by the library after the call */
	struct ike_prefix local_ts;  /**< our side's traffic selector */
	struct ike_prefix remote_ts; /**< the branch's traffic selector */
	uint64_t life_s;             /**< hard lifetime, seconds (the library expires it) */
	uint64_t life_bytes;         /**< hard byte lifetime; 0: none */
	uint64_t soft_bytes;         /**< report ike_child_sa_expired(soft) at this
					     (90% of life_bytes); 0: none */
	uint64_t soft_packets;       /**< ... and at this many packets: IKE_SOFT_PACKETS */
	uint64_t twin;               /**< outbound: the handle child_sa_install() gave
					     for the pair's inbound SA (installed first,
					     by the same Quick Mode); inbound: 0 */
	struct ike_endpoint local;   /**< our outer address; port 0 = plain ESP */
	struct ike_endpoint remote;  /**< peer's outer address; port 0 = plain ESP */
};

/** Why a peer went down. */
enum ike_down_reason {
	IKE_DOWN_DPD,     /**< DPD timeout */
	IKE_DOWN_DELETE,  /**< the peer deleted its last ISAKMP SA */
	IKE_DOWN_EXPIRED, /**< the last ISAKMP SA expired without a successor */
	IKE_DOWN_ADMIN,   /**< ike_site_down()/ike_site_del()/update */
};

/** Log levels (syslog numbering). */
enum ike_log_level {
	IKE_LOG_ERR = 3,
	IKE_LOG_WARNING = 4,
	IKE_LOG_NOTICE = 5,
	IKE_LOG_INFO = 6,
	IKE_LOG_DEBUG = 7,
};

/**
 * Host callbacks. All run synchronously on the control core.
 *
 * Datagrams: buf is always the complete UDP payload. When the local port
 * is IKE_NATT_PORT the library itself prepends the 4-byte non-ESP marker
 * (RFC 3948 s2.2) to what it sends, and expects and strips it in what
 * ike_input() is given; NAT-keepalives (one 0xff byte) go through send()
 * too. The host demultiplexes UDP 4500: ESP (first 4 bytes non-zero) to
 * the data plane, the rest (marker or keepalive) to ike_input().
 */
struct ike_host_ops {
	/** Send a UDP datagram from local to remote. */
	void (*send)(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
		     const uint8_t *buf, size_t len);
	/**
	 * Install one SA direction. For inbound SAs return 0 only once the SA
	 * is usable by every worker: the library sends the message that lets
	 * the peer use it right after. Non-zero fails the negotiation. On
	 * success set *handle to a value of the host's choosing naming this
	 * SA; the library hands it back (child_sa_delete(), inbound_last(),
	 * ike_child_sa.twin) and never looks into it. Outbound SPIs are the
	 * peers' choice: two sites may well get the same one, so a host must
	 * not tell SAs apart by SPI.
	 */
	int (*child_sa_install)(void *ctx, const struct ike_child_sa *sa, uint64_t *handle);
	/** Remove the SA child_sa_install() named handle; a pair's outbound
	 * direction goes first. */
	void (*child_sa_delete)(void *ctx, uint64_t handle);
	/** All SAs of the site are gone; called once per up->down transition. */
	void (*peer_down)(void *ctx, uint32_t site_id, const char *site_name,
			  enum ike_down_reason why);
	/** Optional: the site has an established ISAKMP SA again. */
	void (*peer_up)(void *ctx, uint32_t site_id, const char *site_name);
	/**
	 * Optional: the peer's NAT mapping changed (RFC 3947 s7): send the
	 * site's UDP-encapsulated ESP to remote from now on.
	 */
	void (*peer_moved)(void *ctx, uint32_t site_id, const struct ike_endpoint *remote);
	/**
	 * Optional: when inbound ESP last arrived on the inbound SA named
	 * handle, in the clock of the now_ms arguments (0: never). DPD asks a
	 * peer only after dpd_delay_s without a word from it. NULL: only IKE
	 * messages and ike_child_sa_used() count.
	 */
	uint64_t (*inbound_last)(void *ctx, uint64_t handle);
	/**
	 * Optional: an ISAKMP SA is established (phase 1 authenticated: the
	 * peer proved the key) and this is its own cookie (live: CKY-I when we
	 * initiated, CKY-R when we responded), or that SA is gone (!live, once
	 * per live call, whatever ended it, ike_destroy() included). Half-open
	 * exchanges are never announced: a stranger obtains CKY-R with one
	 * message 1. Datagrams for our live cookies belong to authenticated
	 * peers: a host may serve them first when punted IKE must be shed.
	 */
	void (*cookie_own)(void *ctx, const uint8_t cookie[8], bool live);
	/** Log one line (no newline). Never receives secrets. */
	void (*log)(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
		__attribute__((format(printf, 3, 0)));
};

/* ------------------------------------------------------------------ */
/** @name Instance */

/** Instance-wide settings; ike_config_defaults() fills sane values. */
struct ike_config {
	uint32_t local_addr;              /**< default local address (initiating, our ID) */
	struct ike_id local_id;           /**< NONE: ID_IPV4_ADDR of the local address */
	uint8_t default_psk[IKE_PSK_MAX]; /**< for Main Mode peers with no address-bound site */
	uint16_t default_psk_len;         /**< 0: none (such peers are refused) */
	struct ike_p1_proposal p1[IKE_PROPS_MAX]; /**< accepted before the site is known */
	uint8_t n_p1;
	uint32_t sites_hint;            /**< expected sites, sizes the hash tables */
	uint32_t max_half_open;         /**< responder phase 1 exchanges in progress,
					    total; a quarter is kept for sources a
					    site names as its peer, the oldest other
					    one is evicted for a new one */
	uint32_t max_half_open_per_src; /**< ... per source address */
	uint32_t new_per_src_per_s;     /**< new exchanges accepted per source and second */
	uint32_t new_per_src_burst;     /**< ... burst */
	uint32_t half_open_timeout_s;   /**< responder phase 1 must finish within */
	uint32_t msg3_timeout_s;        /**< ... and message 3 arrive within (at most
					    half_open_timeout_s) */
	uint16_t max_pairs_per_site;    /**< default of ike_site_params.max_pairs */
	uint32_t rekey_margin_s;        /**< rekey this long before expiry ... */
	uint32_t rekey_fuzz_pct;        /**< ... plus up to this % of the margin, random */
	uint32_t natt_keepalive_s;      /**< when we are behind a NAT; 0: never */
	uint32_t retransmit_base_ms;    /**< first retransmit; doubles each time */
	uint32_t retransmit_tries;      /**< then the exchange fails */
	uint32_t rekeyed_delete_s;      /**< an SA we rekeyed is deleted this long after */
};

struct ike;

/** Fill cfg with defaults (no address, no PSK, RTX-profile p1 list). */
void ike_config_defaults(struct ike_config *cfg);

/**
 * Create an instance. ops and ctx must outlive it; cfg is copied.
 * @return the instance, or NULL (bad config or no memory).
 */
struct ike *ike_create(const struct ike_config *cfg, const struct ike_host_ops *ops, void *ctx);

/**
 * Destroy an instance: every installed SA is removed through
 * child_sa_delete() and peer_down(IKE_DOWN_ADMIN) is reported for every
 * site that was up; nothing is sent. NULL is a no-op.
 */
void ike_destroy(struct ike *ike);

/** Replace the default (wildcard) PSK; len 0 removes it. Existing SAs stay. */
int ike_default_psk_set(struct ike *ike, const uint8_t *psk, size_t len);

/* ------------------------------------------------------------------ */
/** @name Driving the engine */

/**
 * Process one received UDP datagram (the whole UDP payload, as received,
 * marker included on IKE_NATT_PORT). local is the address and port it was
 * received on. buf is not modified nor kept.
 */
void ike_input(struct ike *ike, uint64_t now_ms, const struct ike_endpoint *local,
	       const struct ike_endpoint *remote, const uint8_t *buf, size_t len);

/** Run every timer due at now_ms (retransmits, DPD, rekey, expiry). */
void ike_tick(struct ike *ike, uint64_t now_ms);

/** Earliest time ike_tick() has work; UINT64_MAX if none. */
uint64_t ike_next_deadline(const struct ike *ike);

/**
 * The data plane's soft (or hard) lifetime in bytes or packets of inbound
 * SA spi_in, or of its outbound twin, was reached: soft starts a rekey,
 * hard removes the pair. Unknown SPIs are ignored.
 */
void ike_child_sa_expired(struct ike *ike, uint32_t spi_in, bool hard, uint64_t now_ms);

/** Inbound traffic was seen on SA spi_in at now_ms (for DPD on idle tunnels). */
void ike_child_sa_used(struct ike *ike, uint32_t spi_in, uint64_t now_ms);

/* ------------------------------------------------------------------ */
/** @name Runtime site management (CLI, config reload) */

/**
 * Add a site. Starts Main Mode if params->initiate.
 * @param site_id  out, optional: the id passed to host ops
 * @return 0, -EINVAL (invalid params), -EEXIST (name, ID or peer address
 *   taken), -ENOMEM.
 */
int ike_site_add(struct ike *ike, const struct ike_site_params *p, uint64_t now_ms,
		 uint32_t *site_id) __attribute__((warn_unused_result));

/**
 * Update a site by name. If only DPD, lifetimes, aggressive or initiate
 * changed, its tunnels stay; otherwise (PSK, IDs, addresses, subnets,
 * proposals) its SAs are deleted first. Other sites are never touched.
 * @return 0, -ENOENT, -EINVAL, -EEXIST.
 */
int ike_site_update(struct ike *ike, const struct ike_site_params *p, uint64_t now_ms)
	__attribute__((warn_unused_result));

/** Delete a site and all its SAs (DELETEs sent). @return 0 or -ENOENT. */
int ike_site_del(struct ike *ike, const char *name, uint64_t now_ms);

/** Start Main Mode and Quick Modes for a site now. @return 0, -ENOENT, -EINVAL (no peer address), -EALREADY. */
int ike_site_initiate(struct ike *ike, const char *name, uint64_t now_ms);

/** Delete all of a site's SAs (DELETEs sent); the site stays. @return 0 or -ENOENT. */
int ike_site_down(struct ike *ike, const char *name, uint64_t now_ms);

/** Delete one ISAKMP SA by its cookies (DELETE sent). @return 0 or -ENOENT. */
int ike_sa_delete(struct ike *ike, const uint8_t icookie[8], const uint8_t rcookie[8],
		  uint64_t now_ms);

/* ------------------------------------------------------------------ */
/** @name Inspection (show ike sa, show site) */

/** Per-site counters. */
struct ike_site_counters {
	uint64_t up;            /**< down->up transitions */
	uint64_t down;          /**< up->down transitions */
	uint64_t ike_rekeys;    /**< ISAKMP SAs replaced */
	uint64_t child_rekeys;  /**< IPsec SA pairs replaced */
	uint64_t dpd_failures;  /**< DPD timeouts */
	uint64_t auth_failures; /**< bad HASH or PSK for this site */
	uint64_t children_up;   /**< IPsec SA pairs established */
};

/** Snapshot of a site. Strings point into the library; valid until the next call that changes sites. */
struct ike_site_info {
	uint32_t site_id;
	const char *name;
	bool up;                  /**< has an established ISAKMP SA */
	struct ike_endpoint peer; /**< last seen peer endpoint (0 if never) */
	unsigned n_ike_sa;
	unsigned n_child_sa; /**< installed pairs */
	struct ike_site_counters counters;
};

/** Snapshot of an ISAKMP SA. */
struct ike_sa_info {
	uint8_t icookie[8], rcookie[8];
	uint32_t site_id;      /**< 0: not yet bound to a site */
	const char *site_name; /**< "" if not bound */
	const char *state;     /**< e.g. "MM_R_KE_SENT", "ESTABLISHED" */
	bool initiator, aggressive, established;
	bool nat_local, nat_remote; /**< NAT detected in front of us / the peer */
	bool dpd;                   /**< peer supports DPD */
	struct ike_endpoint local, remote;
	struct ike_p1_proposal prop;
	uint64_t established_ms, expires_ms; /**< 0 if not established */
};

/** Snapshot of an IPsec SA pair. */
struct ike_child_info {
	uint32_t site_id;
	const char *site_name;
	uint32_t spi_in, spi_out;
	struct ike_prefix local_ts, remote_ts;
	struct ike_esp_proposal prop;
	bool encap;     /**< UDP-encapsulated */
	bool initiator; /**< we ran the Quick Mode as initiator */
	bool rekeyed;   /**< superseded, waiting for delete/expiry */
	uint64_t established_ms, rekey_ms, expires_ms;
};

/** Iteration callbacks: return non-zero to stop. */
typedef int (*ike_site_cb)(const struct ike_site_info *info, void *arg);
typedef int (*ike_sa_cb)(const struct ike_sa_info *info, void *arg);
typedef int (*ike_child_cb)(const struct ike_child_info *info, void *arg);

/** Visit every site (name order not guaranteed). */
void ike_site_foreach(struct ike *ike, ike_site_cb cb, void *arg);
/** One site by name. @return 0 or -ENOENT. */
int ike_site_get(struct ike *ike, const char *name, struct ike_site_info *out);
/** Visit every ISAKMP SA, half-open ones included. */
void ike_sa_foreach(struct ike *ike, ike_sa_cb cb, void *arg);
/** Visit every IPsec SA pair (installed in at least one direction). */
void ike_child_foreach(struct ike *ike, ike_child_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/** @name Global statistics */

/**
 * Drop reasons: every malformed or unexpected message is counted under
 * exactly one of these (SYM, "text").
 */
#define foreach_ike_drop(_)                                                                   \
	_(SHORT, "datagram shorter than an ISAKMP header")                                    \
	_(LONG, "datagram longer than the maximum message")                                   \
	_(NO_MARKER, "UDP 4500 datagram without the non-ESP marker")                          \
	_(VERSION, "unsupported ISAKMP version")                                              \
	_(LENGTH, "header length differs from the datagram")                                  \
	_(EXCHANGE, "unknown or unsupported exchange type")                                   \
	_(FLAGS, "unsupported header flags")                                                  \
	_(TRUNCATED, "payload runs past the end of the message")                              \
	_(PLD_LENGTH, "payload length below its header size")                                 \
	_(NESTED, "nested proposal/transform/attribute lengths inconsistent")                 \
	_(CRITICAL, "unknown payload marked critical")                                        \
	_(TRAILING, "bytes after the last payload")                                           \
	_(TOO_MANY, "too many payloads")                                                      \
	_(MALFORMED, "payload content malformed")                                             \
	_(MISSING, "required payload missing")                                                \
	_(UNEXPECTED, "payload not allowed in this message")                                  \
	_(UNKNOWN_SA, "no ISAKMP SA for the cookies")                                         \
	_(STATE, "message not expected in this state")                                        \
	_(WRONG_PEER, "unauthenticated message from another address")                         \
	_(CLEARTEXT, "cleartext message where encryption is required")                        \
	_(DECRYPT, "ciphertext length invalid or decryption failed")                          \
	_(HASH, "HASH payload mismatch")                                                      \
	_(AUTH, "HASH_I/HASH_R mismatch (wrong PSK?)")                                        \
	_(PSK_MISMATCH, "the site's PSK differs from the one used")                           \
	_(NO_PSK, "no PSK for the peer address and no default PSK")                           \
	_(NO_SITE, "no site for the peer's ID")                                               \
	_(ID_MISMATCH, "peer ID differs from the site's")                                     \
	_(PEER_ADDR, "site with a fixed peer address claimed from another")                   \
	_(AGGR_REFUSED, "Aggressive Mode not enabled for the site")                           \
	_(NO_PROPOSAL, "no acceptable proposal")                                              \
	_(BAD_KE, "KE length or value invalid for the group")                                 \
	_(DH, "Diffie-Hellman computation failed")                                            \
	_(TS, "Quick Mode IDs outside the site's subnets")                                    \
	_(PAIR_LIMIT, "the site holds its maximum of IPsec SA pairs")                         \
	_(BAD_ID, "ID payload type or content unsupported")                                   \
	_(HALF_OPEN, "half-open limit reached, nothing unbound to evict")                     \
	_(HALF_OPEN_SIZE, "message 1's SA payload larger than a half-open exchange may keep") \
	_(HALF_OPEN_SRC, "per-source half-open limit reached")                                \
	_(RATE, "per-source rate limit exceeded")                                             \
	_(DUPLICATE, "retransmitted request (reply re-sent or ignored)")                      \
	_(REPLAY, "authenticated message replayed (message ID or DPD sequence used)")         \
	_(MSGID, "message ID invalid or in use")                                              \
	_(MSGID_FULL, "the ISAKMP SA's message ID memory is full")                            \
	_(INSTALL, "host refused to install an SA")                                           \
	_(UNAUTH_INFO, "unauthenticated Informational ignored")                               \
	_(NOMEM, "allocation failed")                                                         \
	_(DPD_SEQ, "R-U-THERE-ACK with unexpected sequence number")                           \
	_(SITE_LIMIT, "site disabled or being deleted")                                       \
	_(V2_MAJOR, "IKEv2 major version above 2 (INVALID_MAJOR_VERSION)")                    \
	_(V2_SK_NOT_LAST, "IKEv2 SK or SKF payload not the last one")                         \
	_(V2_PROP_NUM, "IKEv2 proposal numbers not 1, 2, ... (or a reply's not one)")         \
	_(V2_PROTO, "IKEv2 protocol ID unknown")                                              \
	_(V2_SPI_SIZE, "IKEv2 SPI size wrong for the protocol")                               \
	_(V2_XFORM_COUNT, "IKEv2 proposal's transform count differs from its transforms")     \
	_(V2_DELETE, "IKEv2 Delete's SPI count does not fill the payload")                    \
	_(V2_TS_COUNT, "IKEv2 TS count differs from the selectors present")                   \
	_(V2_TS_TYPE, "IKEv2 traffic selector type unknown or length wrong for it")           \
	_(V2_TS_RANGE, "IKEv2 traffic selector start above its end")                          \
	_(V2_NONCE, "IKEv2 nonce shorter than 16 or longer than 256 bytes")                   \
	_(V2_SKF, "IKEv2 fragment number 0 or above the total")

/** Events counted besides drops (SYM, "text"). */
#define foreach_ike_event(_)                                                            \
	_(RX, "datagrams received")                                                     \
	_(TX, "datagrams sent")                                                         \
	_(RETRANSMIT, "requests retransmitted on timeout")                              \
	_(REPLY_RESENT, "replies re-sent for duplicate requests")                       \
	_(KEEPALIVE_RX, "NAT-keepalives received")                                      \
	_(KEEPALIVE_TX, "NAT-keepalives sent")                                          \
	_(P1_UP, "ISAKMP SAs established")                                              \
	_(P1_FAILED, "phase 1 exchanges failed or timed out")                           \
	_(QM_UP, "IPsec SA pairs established")                                          \
	_(QM_FAILED, "Quick Mode exchanges failed or timed out")                        \
	_(HALF_OPEN_TIMEOUT, "responder phase 1 timed out half-open")                   \
	_(HALF_OPEN_EVICTED, "oldest unbound half-open exchange evicted for a new one") \
	_(SOURCE_EVICTED, "least recently used source entry evicted for a new source")  \
	_(NOTIFY_RX, "authenticated notifications received")                            \
	_(NOTIFY_TX, "notifications sent")                                              \
	_(DELETE_RX, "DELETE payloads received")                                        \
	_(DELETE_TX, "DELETE payloads sent")                                            \
	_(DPD_TX, "R-U-THERE sent")                                                     \
	_(DPD_ACK_RX, "R-U-THERE-ACK received")                                         \
	_(DPD_ACK_TX, "R-U-THERE-ACK sent")                                             \
	_(DPD_TIMEOUT, "DPD timeouts")                                                  \
	_(INITIAL_CONTACT, "INITIAL-CONTACT processed")                                 \
	_(NAT_DETECTED, "NAT detected during phase 1")                                  \
	_(P1_REKEY, "ISAKMP SA rekeys started")                                         \
	_(CHILD_REKEY, "IPsec SA rekeys started")                                       \
	_(P1_EXPIRED, "ISAKMP SAs expired")                                             \
	_(CHILD_EXPIRED, "IPsec SA pairs expired")                                      \
	_(COLLISION, "duplicate IPsec SA pairs resolved")                               \
	_(PEER_DOWN, "peers declared down")

/** Counter indexes: drops first, then events. */
/* By hand: clang-format 14 takes what follows an X-macro expansion for a continuation. */
/* clang-format off */
enum ike_stat {
#define _(sym, text) IKE_DROP_##sym,
	foreach_ike_drop(_)
#undef _
#define _(sym, text) IKE_EV_##sym,
	foreach_ike_event(_)
#undef _
	IKE_STAT_N
};
/* clang-format on */

/** Gauges and counters of an instance. */
struct ike_stats {
	uint64_t c[IKE_STAT_N]; /**< indexed by enum ike_stat */
	uint64_t ike_sas;       /**< ISAKMP SAs now (half-open included) */
	uint64_t half_open;     /**< responder half-open now */
	uint64_t sources;       /**< addresses with a rate entry now */
	uint64_t child_sas;     /**< IPsec SA pairs now */
	uint64_t sites;
};

/** Copy the counters and gauges. */
void ike_stats_get(const struct ike *ike, struct ike_stats *out);

/** Short name ("drop_short", "ev_rx") of counter i, or NULL past the end. */
const char *ike_stat_name(unsigned i);

/** Description of counter i, or NULL past the end. */
const char *ike_stat_text(unsigned i);

#endif /* ESPHUB_IKE_H */
