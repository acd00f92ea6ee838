/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ike internals: the object model (instance, site, ISAKMP SA, Quick
 * Mode exchange, IPsec SA pair) and the prototypes each file offers the
 * others, grouped by file.
 *
 * Ownership: the instance owns sites, ISAKMP SAs and IPsec SA pairs.
 * A site lists its ISAKMP SAs and its pairs; a pair belongs to the site,
 * not to the ISAKMP SA that negotiated it (IKEv1: deleting an ISAKMP SA
 * leaves its IPsec SAs alone). An ISAKMP SA owns its Quick Mode exchanges.
 */
#ifndef IKE_PRIV_H
#define IKE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "dh.h"
#include "htab.h"
#include "ike.h"
#include "kdf.h"

/* Kept by hand: clang-format 14 reads "(p) - offsetof" as a cast of "-offsetof". */
/* clang-format off */
#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))
/* clang-format on */

/* ------------------------------------------------------------------ */
/* Intrusive doubly linked list */

struct link {
	struct link *prev, *next;
};

static inline void
list_init(struct link *h)
{
	h->prev = h->next = h;
}

static inline bool
list_empty(const struct link *h)
{
	return h->next == h;
}

static inline void
list_add_tail(struct link *h, struct link *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void
list_del(struct link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

#define list_for_each_safe(pos, tmp, head)                               \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

/* ------------------------------------------------------------------ */
/* Timers (timers.c): one min-heap, one kind per timer. */

enum timer_kind {
	T_NONE,
	T_P1_XMIT,      /* ike_sa.x.t: phase 1 retransmit / give up */
	T_HALF_OPEN,    /* ike_sa.t_life: responder phase 1 deadline */
	T_P1_REKEY,     /* ike_sa.t_rekey */
	T_P1_EXPIRE,    /* ike_sa.t_life */
	T_P1_DELETE,    /* ike_sa.t_rekey: a rekeyed ISAKMP SA is deleted */
	T_DPD,          /* ike_sa.t_dpd */
	T_KEEPALIVE,    /* ike_sa.t_keepalive */
	T_QM_XMIT,      /* qm.x.t: retransmit / give up / linger end */
	T_CHILD_REKEY,  /* child.t_rekey */
	T_CHILD_EXPIRE, /* child.t_expire */
	T_CHILD_DELETE, /* child.t_rekey: a superseded pair is deleted */
	T_SITE_RETRY,   /* site.t_retry: re-initiate a down site */
	T_GC,           /* ike.t_gc: age the per-source table */
};

struct timer {
	uint64_t when;
	uint32_t idx; /* heap position + 1; 0: not armed */
	uint8_t kind;
};

struct theap {
	struct timer **h;
	size_t n, cap;
};

/* ------------------------------------------------------------------ */
/* Retransmission state of one exchange (msg.c) */

struct xmit {
	uint8_t *tx; /* our last message, marker excluded */
	size_t tx_len;
	uint8_t rx_digest[20]; /* SHA-1 of the last request we answered */
	bool have_rx;
	bool resend_on_timer; /* we wait for an answer to tx */
	uint32_t tries;
	uint64_t last_resend_ms;
	struct timer t;
};

/* ------------------------------------------------------------------ */
/* Sites */

struct site {
	struct ike *ike;
	struct ike_site_params p; /* defaults applied; psk wiped on free */
	uint32_t id;
	struct hnode by_name, by_id, by_addr;
	bool in_id, in_addr;
	struct link all;       /* ike.sites */
	struct link sas;       /* struct ike_sa.site_link */
	struct link children;  /* struct child.site_link */
	unsigned n_children;   /* ... how many */
	struct link half_open; /* struct ike_sa.addr_link: PSK chosen by us */
	struct ike_site_counters cnt;
	bool up;
	struct ike_endpoint peer; /* last authenticated peer endpoint */
	struct timer t_retry;
	uint32_t retries;
	struct link start_link; /* ike.start_queue, while start_queued */
	bool start_queued;
};

/* ------------------------------------------------------------------ */
/* ISAKMP SAs */

enum p1_state {
	P1_NONE,
	MM_I_SA_SENT, /* initiator sent message 1 */
	MM_I_KE_SENT, /* ... message 3 */
	MM_I_ID_SENT, /* ... message 5 */
	MM_R_SA_SENT, /* responder sent message 2 */
	MM_R_KE_SENT, /* ... message 4 */
	AM_I_SENT,    /* aggressive initiator sent message 1 */
	AM_R_SENT,    /* aggressive responder sent message 2 */
	P1_ESTABLISHED,
	P1_DEAD, /* deleted, freed at the end of the current call */
};

enum natt_kind {
	NATT_NONE,
	NATT_DRAFT, /* draft-02/03: NAT-D 130, encap 61443 */
	NATT_RFC,   /* RFC 3947: NAT-D 20, encap 3 */
};

struct ike_sa {
	struct ike *ike;
	uint64_t serial;        /* unique per instance, never reused */
	struct hnode by_cookie; /* our own cookie */
	struct hnode by_icky;   /* responder, half-open: (CKY-I, peer addr) */
	bool in_icky;
	bool cookie_announced; /* cookie_own(live) sent: established */
	struct link all;       /* ike.sas */
	struct link site_link; /* site.sas, when site != NULL */
	struct site *site;
	struct site *addr_site; /* responder: site bound to the peer address */
	struct link addr_link;  /* site.half_open, while addr_site is set */
	struct src *src;        /* responder half-open accounting */
	struct link ho_link;    /* ike.ho_unbound, while half-open unbound */
	bool in_window;         /* initiator: counts in ike.n_initiating */
	uint8_t icky[8], rcky[8];
	bool initiator, aggressive;
	enum p1_state state;
	struct ike_endpoint local, remote;
	/* negotiation */
	struct ike_p1_proposal prop;
	uint64_t life_s; /* local lifetime: min(ours, negotiated) */
	uint8_t *sai_b;  /* initiator's SA payload body */
	size_t sai_b_len;
	struct dh_key *dh;
	uint8_t gxi[DH_PUB_MAX], gxr[DH_PUB_MAX];
	size_t gx_len;
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t psk[IKE_PSK_MAX]; /* the PSK SKEYID was made with, until bound */
	uint16_t psk_len;
	struct p1_keys keys;
	uint8_t iv[BLOCK_LEN];      /* phase 1 CBC chain */
	uint8_t p1_last[BLOCK_LEN]; /* last phase 1 CBC block: QM/Info IV base */
	struct ike_id my_id, peer_id;
	uint8_t peer_id_b[ID_FIXED_LEN + IKE_ID_MAX]; /* IDii_b/IDir_b */
	size_t peer_id_b_len;
	/* NAT-T, DPD */
	enum natt_kind natt;
	int8_t natt_vid; /* the peer's best NAT-T VID (index), -1 */
	bool nat_local, nat_remote;
	bool peer_dpd;
	uint32_t dpd_seq;       /* last R-U-THERE sequence sent */
	uint32_t peer_dpd_seq;  /* last R-U-THERE sequence received ... */
	bool peer_dpd_seen;     /* ... if any */
	uint32_t dpd_first_seq; /* first unanswered one */
	bool dpd_pending;
	uint64_t dpd_since_ms; /* first unanswered R-U-THERE */
	uint64_t last_rx_ms;   /* last authenticated message from the peer */
	/* exchanges */
	struct xmit x;    /* phase 1 */
	struct link qms;  /* struct qm.link */
	uint32_t *msgids; /* message IDs used, sorted (msgid.c) */
	uint32_t n_msgids, cap_msgids;
	bool send_initial_contact;
	/* lifetime */
	uint64_t created_ms, established_ms, expire_ms;
	struct timer t_life;  /* half-open deadline, then hard expiry */
	struct timer t_rekey; /* soft expiry, then rekeyed-delete */
	struct timer t_dpd, t_keepalive;
	bool rekeyed; /* a successor is established */
};

/* ------------------------------------------------------------------ */
/* Quick Mode exchanges and IPsec SA pairs */

enum qm_state {
	QM_I_SENT1, /* initiator sent message 1 */
	QM_R_SENT2, /* responder installed inbound, sent message 2 */
	QM_DONE,    /* lingering to answer retransmissions */
};

struct esp_choice {
	struct ike_esp_proposal prop;
	uint8_t prop_num;
	uint8_t peer_spi[4];
	uint16_t encap;           /* the encapsulation mode value used */
	uint64_t life_s, life_kb; /* as proposed (0: not given) */
	const uint8_t *xf_raw;    /* the chosen transform, in the message */
	uint16_t xf_len;
};

struct qm {
	struct ike_sa *sa;
	struct link link; /* sa.qms */
	uint32_t msgid;
	bool initiator;
	enum qm_state state;
	uint8_t iv[BLOCK_LEN];
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t ni_len, nr_len;
	struct dh_key *dh; /* PFS */
	uint8_t gxy[DH_SECRET_MAX];
	size_t gxy_len;
	struct esp_choice ch;
	uint64_t life_s, life_kb; /* what we use locally */
	uint32_t spi_in, spi_out;
	struct ike_prefix ts_local, ts_remote;
	bool ids;          /* ID payloads present */
	uint32_t rekey_of; /* spi_in of the pair being rekeyed, 0 */
	uint64_t start_ms;
	struct child *child; /* the pair, once the inbound SA exists */
	struct xmit x;
};

struct child {
	struct ike *ike;
	struct site *site;
	struct link site_link; /* site.children */
	struct hnode by_spi;   /* spi_in */
	uint32_t spi_in, spi_out;
	bool in_installed, out_installed, established, initiator;
	uint64_t in_handle, out_handle; /* the host's names, once installed */
	struct ike_esp_proposal prop;
	struct ike_prefix ts_local, ts_remote;
	struct ike_endpoint local, remote; /* outer; ports 0 = plain ESP */
	uint64_t start_ms, established_ms, life_s, life_kb;
	uint8_t min_nonce[32]; /* prefix of the lower nonce (collisions) */
	uint8_t min_nonce_len;
	uint32_t replaces;  /* spi_in of the pair this one rekeyed, 0 */
	uint64_t sa_serial; /* the ISAKMP SA that negotiated it */
	bool rekeying;      /* our Quick Mode replacing it is running */
	bool rekey_wanted;  /* ... waits for phase 1 */
	bool rekeyed;       /* superseded */
	uint64_t last_used_ms;
	uint64_t rekey_ms, expire_ms;
	struct timer t_rekey, t_expire;
	struct qm *qm; /* the exchange still referring to us */
};

/* Per-source-address state: half-open count and a token bucket. */
struct src {
	struct hnode node;
	struct link idle_link; /* ike.srcs_idle while half_open == 0 */
	uint32_t addr;
	uint32_t half_open;
	uint64_t tokens_milli; /* 1000 = one new exchange */
	uint64_t last_ms;
};

/* ------------------------------------------------------------------ */
/* The instance */

struct ike {
	struct ike_config cfg;
	const struct ike_host_ops *ops;
	void *ctx;
	uint8_t hkey[16]; /* SipHash key */
	struct htab sites_by_name, sites_by_id, sites_by_addr;
	struct htab sas_by_cookie, sas_by_icky, children_by_spi, srcs;
	struct link sites, sas;
	struct link dead;        /* killed ISAKMP SAs, freed by ike_sa_reap() */
	struct link start_queue; /* struct site.start_link: waiting to initiate */
	struct link ho_unbound;  /* struct ike_sa.ho_link: eviction order */
	struct link srcs_idle;   /* struct src.idle_link: nothing half-open, LRU first */
	unsigned n_initiating;   /* our phase 1 exchanges in flight */
	struct theap timers;
	struct timer t_gc;
	uint64_t now;
	uint32_t next_site_id;
	uint64_t next_serial;
	uint64_t stats[IKE_STAT_N];
	uint64_t n_sas, n_half_open, n_half_open_unbound, n_children, n_sites;
	uint8_t buf[IKE_MSG_MAX];     /* building outgoing messages */
	uint8_t out[IKE_MSG_MAX + 4]; /* a datagram being sent (marker) */
	uint8_t plain[IKE_MSG_MAX];   /* decrypting incoming messages */
};

/* ------------------------------------------------------------------ */
/* ike.c: logging, randomness, drops */

void ike_logf(struct ike *ike, enum ike_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ike_sa_logf(const struct ike_sa *sa, enum ike_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ike_random(void *p, size_t n);
/* addr (host byte order) as "a.b.c.d" into buf, which it returns: for logs. */
#define IKE_ADDR_STR_MAX 16
const char *ike_addr_str(uint32_t addr, char buf[IKE_ADDR_STR_MAX]);
uint64_t ike_hash(const struct ike *ike, const void *p, size_t n);

static inline void
ike_count(struct ike *ike, enum ike_stat s)
{
	ike->stats[s]++;
}

/* A drop: the counter is raised right beside its debug line. */
#define ike_drop(ike, sa, reason, fmt, ...)                                                    \
	do {                                                                                   \
		ike_count((ike), (reason));                                                    \
		if ((sa) != NULL)                                                              \
			ike_sa_logf((sa), IKE_LOG_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__); \
		else                                                                           \
			ike_logf((ike), IKE_LOG_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__);   \
	} while (0)

/* timers.c */
void ike_timer_arm(struct ike *ike, struct timer *t, enum timer_kind kind, uint64_t when);
void ike_timer_cancel(struct ike *ike, struct timer *t);
uint64_t ike_timer_fuzzed_rekey(struct ike *ike, uint64_t start_ms, uint64_t life_s);
void ike_timers_p1_established(struct ike_sa *sa);
void ike_timers_child_established(struct child *c);
void ike_timers_gc_start(struct ike *ike);
void ike_timers_fini(struct ike *ike);

/* site.c */
void ike_site_apply_defaults(const struct ike *ike, struct ike_site_params *p);
int ike_site_index_check(struct ike *ike, const struct ike_site_params *p, const struct site *self);
void ike_site_index_add(struct site *s);
void ike_site_index_del(struct site *s);
struct site *ike_site_by_name(struct ike *ike, const char *name);
struct site *ike_site_by_id(struct ike *ike, enum ike_id_type type, const uint8_t *v, size_t len);
struct site *ike_site_by_addr(struct ike *ike, uint32_t addr);
bool ike_site_psk_equal(const struct site *s, const uint8_t *psk, size_t len);
bool ike_site_addr_ok(struct site *s, uint32_t from);
struct ike_sa *ike_site_newest_sa(const struct site *s);
void ike_site_peer_seen(struct site *s, const struct ike_endpoint *ep);
void ike_site_peer_moved(struct site *s, const struct ike_endpoint *ep);
void ike_site_sa_up(struct site *s, struct ike_sa *sa);
void ike_site_check_down(struct site *s, enum ike_down_reason why);
void ike_site_flush(struct site *s, enum ike_down_reason why, bool send_deletes);
void ike_site_kick(struct site *s);
/*
 * Our own phase 1 exchanges in flight at most: 10,000 sites starting at
 * once queue for the window instead of flooding the peer (and our
 * transmit path). Queued sites start from ike_tick().
 */
#define INIT_WINDOW 64
/* Start queued sites while the initiation window has room. */
void ike_site_start_queued(struct ike *ike);
void ike_site_unqueue(struct site *s);
int ike_site_start(struct site *s);
void ike_site_retry(struct site *s);
void ike_sites_fini(struct ike *ike);

/* sa.c */
struct ike_sa *ike_sa_new(struct ike *ike, bool initiator, const struct ike_endpoint *local,
			  const struct ike_endpoint *remote);
struct ike_sa *ike_sa_lookup(struct ike *ike, const struct ike_hdr *h,
			     const struct ike_endpoint *remote);
void ike_sa_set_icky(struct ike_sa *sa, const uint8_t icky[8]);
void ike_sa_set_rcky(struct ike_sa *sa, const uint8_t rcky[8]);
void ike_sa_bind_site(struct ike_sa *sa, struct site *s);
void ike_sa_set_addr_site(struct ike_sa *sa, struct site *s);
void ike_sa_cookie_announce(struct ike_sa *sa);
void ike_sa_half_open_done(struct ike_sa *sa);
void ike_sa_teardown(struct ike_sa *sa, bool send_delete, enum ike_down_reason why);
void ike_sa_kill(struct ike_sa *sa);
struct rx;
void ike_sa_peer_moved(struct ike_sa *sa, const struct rx *rx);
void ike_sa_reap(struct ike *ike);
const char *ike_sa_state_name(enum p1_state st);
struct child *ike_child_new(struct site *s, bool initiator);
struct child *ike_child_by_spi(struct ike *ike, uint32_t spi_in);
struct child *ike_child_by_spi_out(struct site *s, uint32_t spi_out);
uint32_t ike_spi_alloc(struct ike *ike);
void ike_child_set_spi(struct child *c, uint32_t spi_in);
void ike_child_free(struct child *c);
void ike_child_delete(struct child *c, bool send_delete);

/* msg.c */
void ike_msg_send(struct ike *ike, const struct ike_endpoint *local,
		  const struct ike_endpoint *remote, const uint8_t *buf, size_t len);
bool ike_msg_encrypt(struct ike_sa *sa, struct ike_wbuf *w, uint8_t iv[BLOCK_LEN]);
bool ike_msg_decrypt(struct ike_sa *sa, const uint8_t *raw, size_t len, const uint8_t iv[BLOCK_LEN],
		     struct ike_msg *m, uint8_t next_iv[BLOCK_LEN], enum ike_stat *why);
void ike_msg_hdr(struct ike_wbuf *w, const struct ike_sa *sa, uint8_t exch, uint32_t msgid,
		 bool encrypted);
bool ike_xmit_store(struct xmit *x, const uint8_t *buf, size_t len);
void ike_xmit_rx(struct xmit *x, const uint8_t *raw, size_t len);
bool ike_xmit_is_dup(const struct xmit *x, const uint8_t *raw, size_t len);
void ike_xmit_send(struct ike_sa *sa, struct xmit *x);
void ike_xmit_answer_dup(struct ike_sa *sa, struct xmit *x);
void ike_xmit_wait(struct ike_sa *sa, struct xmit *x, enum timer_kind kind);
bool ike_xmit_timeout(struct ike_sa *sa, struct xmit *x);
void ike_xmit_fini(struct ike *ike, struct xmit *x);
bool ike_hash_payload_fill(struct ike_sa *sa, struct ike_wbuf *w, size_t hash_off,
			   const struct chunk *pre, size_t npre);
bool ike_hash_payload_check(struct ike_sa *sa, const struct ike_msg *m, const struct chunk *pre,
			    size_t npre);

/* proposal.c */
struct p1_choice {
	struct ike_p1_proposal prop;
	uint64_t life_s;
	const uint8_t *xf_raw;
	uint16_t xf_len;
	uint8_t prop_num;
};
size_t ike_prop_p1_build(struct ike_wbuf *w, const struct ike_p1_proposal *list, uint8_t n,
			 uint64_t life_s, enum ike_dh only_group);
bool ike_prop_p1_select(const struct ike_pld *pl, const struct ike_p1_proposal *list, uint8_t n,
			enum ike_dh need_group, struct p1_choice *out);
void ike_prop_p1_reply(struct ike_wbuf *w, const struct p1_choice *c);
bool ike_prop_p1_accepts(const struct ike_p1_proposal *list, uint8_t n,
			 const struct ike_p1_proposal *p);
void ike_prop_esp_build(struct ike_wbuf *w, const struct ike_esp_proposal *list, uint8_t n,
			uint32_t spi, uint64_t life_s, uint64_t life_kb, uint16_t encap);
bool ike_prop_esp_select(const struct ike_pld *pl, const struct ike_esp_proposal *list, uint8_t n,
			 uint16_t encap_ok1, uint16_t encap_ok2, size_t ke_len,
			 struct esp_choice *out);
void ike_prop_esp_reply(struct ike_wbuf *w, const struct esp_choice *c, uint32_t our_spi);
uint16_t ike_prop_encap_mode(const struct ike_sa *sa);
bool ike_prop_esp_keys(const struct ike_esp_proposal *p, const uint8_t *keymat,
		       struct crypto_keys *k);
size_t ike_prop_esp_keymat_len(const struct ike_esp_proposal *p);
size_t ike_prop_enc_key_len(const struct ike_p1_proposal *p);

/* natt.c */
void ike_natt_add_vids(const struct ike_sa *sa, struct ike_wbuf *w);
void ike_natt_scan_vids(struct ike_sa *sa, const struct ike_msg *m);
void ike_natt_add_natd(struct ike_sa *sa, struct ike_wbuf *w);
bool ike_natt_check_natd(struct ike_sa *sa, const struct ike_msg *m);
void ike_natt_float(struct ike_sa *sa);
void ike_natt_keepalive(struct ike_sa *sa);

/* p1.c: shared by Main and Aggressive Mode */
/* Finish, store and send w; wait: retransmit it until answered. */
bool ike_p1_send(struct ike_sa *sa, struct ike_wbuf *w, bool wait);
/* An initiator's first message, its SA payload at sa_off: keep that
 * payload's body for the auth hash, send, enter state. 0, or -ENOMEM with
 * sa killed. */
int ike_p1_initiate(struct ike_sa *sa, struct ike_wbuf *w, size_t sa_off, enum p1_state state,
		    const char *mode);
bool ike_p1_gen_ke(struct ike_sa *sa, uint8_t *gx);
bool ike_p1_compute_keys(struct ike_sa *sa, const uint8_t *peer_gx, size_t len, enum ike_stat *why);
void ike_p1_my_id(struct ike_sa *sa, struct ike_pl_id *id, uint8_t data[IKE_ID_MAX]);
size_t ike_p1_id_body(const struct ike_pl_id *id, uint8_t *out, size_t cap);
bool ike_p1_auth_hash(struct ike_sa *sa, bool of_initiator, const uint8_t *id_b, size_t id_len,
		      uint8_t *out);
bool ike_p1_take_nonce(struct ike_sa *sa, const struct ike_msg *m, bool initiator);
bool ike_p1_take_ke(struct ike_sa *sa, const struct ike_msg *m, const uint8_t **gx,
		    enum ike_stat *why);
bool ike_p1_peer_id(struct ike_sa *sa, const struct ike_msg *m, uint8_t *id_b, size_t *id_len,
		    enum ike_stat *why);
bool ike_p1_bind_responder(struct ike_sa *sa, uint32_t from, enum ike_stat *why);
bool ike_p1_check_initiator(struct ike_sa *sa, enum ike_stat *why);
void ike_p1_established(struct ike_sa *sa);
void ike_p1_failed(struct ike_sa *sa, enum ike_stat why);
void ike_p1_rekey(struct ike_sa *sa);
void ike_p1_initial_contact(struct ike_sa *sa);
bool ike_p1_choose_psk(struct ike_sa *sa, struct site *s);
/* Responder, message 1: admission, the half-open SA, message 2. */
struct src *ike_p1_r_admit(struct ike *ike, const struct rx *rx, const struct ike_pld *sap);
struct ike_sa *ike_p1_r_half_open(struct ike *ike, const struct rx *rx, struct src *src, bool bound,
				  const struct ike_pld *sap, const struct p1_choice *c,
				  const struct site *site);
void ike_p1_r_reply(struct ike_sa *sa, const struct rx *rx, struct ike_wbuf *w, bool wait,
		    enum p1_state state, const char *mode);

/* Only these payload types may appear in m. */
static inline bool
msg_only(const struct ike_msg *m, const uint8_t *types, size_t n)
{
	for (unsigned i = 0; i < m->n; i++)
		if (memchr(types, m->pld[i].type, n) == NULL)
			return false;
	return true;
}

/* main.c, aggr.c */
struct rx {
	const struct ike_endpoint *local, *remote;
	const uint8_t *raw; /* the ISAKMP message, marker stripped */
	size_t len;
	struct ike_hdr hdr;
	const struct ike_msg *m; /* parsed payloads if cleartext, else NULL */
};
void ike_main_input(struct ike *ike, struct ike_sa *sa, const struct rx *rx);
int ike_main_initiate(struct site *s, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote);
void ike_aggr_input(struct ike *ike, struct ike_sa *sa, const struct rx *rx);
int ike_aggr_initiate(struct site *s, const struct ike_endpoint *local,
		      const struct ike_endpoint *remote);

/* quick.c */
void ike_quick_input(struct ike_sa *sa, const struct rx *rx);
int ike_quick_initiate(struct ike_sa *sa, const struct ike_prefix *local,
		       const struct ike_prefix *remote, uint32_t rekey_of);

/* qm.c */
bool ike_ts_from_id(const struct ike_pl_id *id, struct ike_prefix *p);
void ike_ts_to_id(const struct ike_prefix *p, struct ike_pl_id *id, uint8_t data[8]);
bool ike_ts_inside(const struct ike_prefix *inner, const struct ike_prefix *outer, uint8_t n);
struct qm *ike_qm_find(const struct ike_sa *sa, uint32_t msgid);
bool ike_qm_msgid_busy(const struct ike_sa *sa, uint32_t msgid);
struct qm *ike_qm_new(struct ike_sa *sa, uint32_t msgid, bool initiator);
void ike_qm_free(struct qm *q);
void ike_qm_fail(struct qm *q);
void ike_qm_timeout(struct qm *q);
bool ike_qm_install(struct qm *q, bool inbound);
struct child *ike_qm_make_child(struct qm *q);
void ike_qm_note_nonces(struct qm *q);
void ike_qm_child_fill(struct qm *q);
void ike_qm_lifetimes(struct qm *q, const struct site *s);

/* child.c: establishment, rekey and collisions of IPsec SA pairs */
int ike_child_install(struct child *c, bool inbound, const uint8_t *keymat);
bool ike_child_room(struct site *s, const struct ike_prefix *local,
		    const struct ike_prefix *remote);
void ike_child_established(struct child *c, struct qm *q);
void ike_child_rekey(struct child *c);

/* info.c */
void ike_info_input(struct ike *ike, struct ike_sa *sa, const struct rx *rx);
void ike_info_send_delete_sa(struct ike_sa *sa);
void ike_info_send_delete_child(struct ike_sa *sa, const uint32_t *spis, unsigned n);
void ike_info_send_notify(struct ike_sa *sa, uint16_t type, uint8_t proto, const uint8_t *spi,
			  uint8_t spi_size, const uint8_t *data, uint16_t data_len);
void ike_info_send_dpd(struct ike_sa *sa, bool ack, uint32_t seq);
void ike_info_send_clear_notify(struct ike *ike, const struct rx *rx, uint16_t type);
void ike_info_process_notifies(struct ike_sa *sa, const struct ike_msg *m);
void ike_dpd_check(struct ike_sa *sa);

/* msgid.c: message IDs an ISAKMP SA has seen, for its whole life */
#define MSGID_MAX 512
bool ike_msgid_seen(const struct ike_sa *sa, uint32_t msgid);
bool ike_msgid_note(struct ike_sa *sa, uint32_t msgid) __attribute__((warn_unused_result));
void ike_msgid_fini(struct ike_sa *sa);

/* limit.c */
#define HALF_OPEN_SA_MAX 4096 /* message 1's SA payload, kept half-open */
#define XFORM_MAX        256  /* a transform we choose (and echo) */
struct src *ike_src_rate(struct ike *ike, const struct ike_endpoint *remote);
bool ike_src_room(struct ike *ike, const struct src *s, bool bound);
void ike_src_charge(struct ike_sa *sa, struct src *src, bool bound);
void ike_src_progress(struct ike_sa *sa);
void ike_src_gc(struct ike *ike);
void ike_srcs_fini(struct ike *ike);

#endif /* IKE_PRIV_H */
