/* SPDX-License-Identifier: BSD-3-Clause */
/* Turning sa_params into a ready struct sa: checks, crypto session, sizes. */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "priv.h"

#define IPV4_HDR 20
#define UDP_HDR  8
#define ESP_HDR  8 /* SPI + sequence number */
#define ESP_TRL  2 /* pad length + next header */

static bool
ts_valid(const struct sa_ts *ts, unsigned n)
{
	if (n == 0 || n > SA_MAX_TS)
		return false;
	for (unsigned i = 0; i < n; i++) {
		uint32_t m = ts[i].plen ? UINT32_MAX << (32 - ts[i].plen) : 0;

		if (ts[i].plen > 32 || (ts[i].addr & ~m) != 0)
			return false;
	}
	return true;
}

static int
check(const struct sa_params *p)
{
	/* SPIs 1..255 are reserved by IANA, 0 for local use (RFC 4303 s2.1). */
	if (p->spi < 256)
		return -EINVAL;
	if (p->inbound && p->replay_window != 0 &&
	    (p->replay_window < REPLAY_WIN_MIN || p->replay_window > REPLAY_WIN_MAX ||
	     (p->replay_window & (p->replay_window - 1)) != 0))
		return -EINVAL;
	/* ESN needs the window to infer the high half (RFC 4303 A2.2). */
	if (p->inbound && p->esn && p->replay_window == 0)
		return -EINVAL;
	if ((p->local_port == 0) != (p->peer_port == 0))
		return -EINVAL;
	if (!ts_valid(p->local_ts, p->n_local_ts) || !ts_valid(p->remote_ts, p->n_remote_ts))
		return -EINVAL;
	if (p->outside_mtu < 576)
		return -EINVAL;
	return 0;
}

/*
 * The largest inner datagram whose ESP packet fits the outside MTU:
 * outer IP [+ UDP] + ESP header + IV + pad(inner + 2, to align) + ICV.
 */
static uint16_t
tunnel_mtu(const struct sa_params *p, unsigned iv, unsigned icv, unsigned align)
{
	int room = (int)p->outside_mtu - IPV4_HDR - (p->peer_port ? UDP_HDR : 0) - ESP_HDR -
		   (int)iv - (int)icv;

	room = room / (int)align * (int)align - ESP_TRL;
	return room > 0 ? (uint16_t)room : 0;
}

int
sa_build(const struct sa_db *db, const struct sa_params *p, uint32_t id, struct sa **out)
{
	uint32_t blocks = p->inbound && p->replay_window ? replay_blocks(p->replay_window) : 1;
	size_t size = sizeof(struct sa) + blocks * sizeof(uint64_t);
	bool gcm = p->keys.cipher == CRYPTO_CIPHER_AES_GCM16;
	struct sa *sa;
	void *sess;
	int rc;

	rc = check(p);
	if (rc != 0)
		return rc;
	sa = rte_zmalloc_socket("sa", size, RTE_CACHE_LINE_SIZE, db->p.socket_id);
	sess = rte_zmalloc_socket("sa_sess", crypto_session_size(db->p.engine), RTE_CACHE_LINE_SIZE,
				  db->p.socket_id);
	if (sa == NULL || sess == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = crypto_session_init(db->p.engine, sess, &p->keys);
	if (rc != 0)
		goto fail;

	sa->spi = p->spi;
	sa->id = id;
	sa->tunnel = p->tunnel;
	sa->site = p->site;
	sa->local_addr = p->local_addr;
	sa->peer_addr = p->peer_addr;
	sa->local_port = p->local_port;
	sa->peer_port = p->peer_port;
	sa->inbound = p->inbound;
	sa->esn = p->esn;
	sa->iv_len = gcm ? 8 : 16;
	sa->icv_len = (uint8_t)crypto_session_icv_len(db->p.engine, sess);
	sa->pad_align = gcm ? 4 : 16;
	sa->tunnel_mtu = tunnel_mtu(p, sa->iv_len, sa->icv_len, sa->pad_align);
	sa->mss = sa->tunnel_mtu > 40 ? (uint16_t)(sa->tunnel_mtu - 40) : 0;
	/* RFC 4303 s3.3.3: the counter must never cycle. */
	sa->seq_limit = p->esn ? UINT64_MAX : UINT32_MAX;
	if (p->hard.packets != 0 && !p->inbound)
		sa->seq_limit = RTE_MIN(sa->seq_limit, p->hard.packets);
	sa->sess = sess;
	sa->sess_hot[0] = crypto_session_hot_lines(db->p.engine, sess, !p->inbound, SA_SHORT_OP);
	sa->sess_hot[1] = crypto_session_hot_lines(db->p.engine, sess, !p->inbound, CRYPTO_BUF_MAX);
	sa->n_local_ts = p->n_local_ts;
	sa->n_remote_ts = p->n_remote_ts;
	memcpy(sa->local_ts, p->local_ts, sizeof(sa->local_ts));
	memcpy(sa->remote_ts, p->remote_ts, sizeof(sa->remote_ts));
	rte_spinlock_init(&sa->replay_lock);
	/* A window of 0 bits: replay protection off. */
	replay_init(&sa->replay, p->inbound ? p->replay_window : 0);
	*out = sa;
	return 0;
fail:
	rte_free(sess);
	rte_free(sa);
	return rc;
}

void
sa_destroy(const struct sa_db *db, struct sa *sa)
{
	if (sa == NULL)
		return;
	crypto_session_clear(db->p.engine, (void *)(uintptr_t)sa->sess);
	rte_free((void *)(uintptr_t)sa->sess);
	/* Poisoned: a worker that still used it would read SA_POISON. */
	memset(sa, SA_POISON_BYTE, sizeof(*sa) + (sa->replay.mask + 1) * sizeof(uint64_t));
	rte_free(sa);
}
