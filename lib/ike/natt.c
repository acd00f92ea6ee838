/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT-Traversal (RFC 3947, and the draft-02/03 variants peers still send):
 * vendor IDs, NAT-D payloads, floating to port 4500, NAT-keepalives
 * (RFC 3948 s2.3). The DPD vendor ID (RFC 3706 s4) is handled here too:
 * it is scanned and sent together with the NAT-T ones.
 */
#include <string.h>

#include "priv.h"

#define VID_LEN 16

/* Vendor IDs: MD5 of the strings named (RFC 3947 s3.1 for the first). */
static const struct {
	uint8_t id[VID_LEN];
	enum natt_kind kind;
} natt_vids[] = {
	/* "RFC 3947" */
	{ { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95,
	    0x45, 0x2f },
	  NATT_RFC },
	/* "draft-ietf-ipsec-nat-t-ike-03" */
	{ { 0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52,
	    0x9d, 0x56 },
	  NATT_DRAFT },
	/* "draft-ietf-ipsec-nat-t-ike-02\n" */
	{ { 0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42,
	    0x7b, 0x1f },
	  NATT_DRAFT },
	/* "draft-ietf-ipsec-nat-t-ike-02" */
	{ { 0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6,
	    0xa4, 0x48 },
	  NATT_DRAFT },
};
#define N_NATT_VIDS (sizeof(natt_vids) / sizeof(natt_vids[0]))

/* RFC 3706 s4: DPD vendor ID, version 1.0 */
static const uint8_t dpd_vid[VID_LEN] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

/* Initiator: every NAT-T VID and DPD. Responder: the peer's best NAT-T
 * VID back (so it knows which variant we speak) and DPD. */
void
ike_natt_add_vids(const struct ike_sa *sa, struct ike_wbuf *w)
{
	for (size_t i = 0; i < N_NATT_VIDS; i++)
		if (sa->initiator || sa->natt_vid == (int8_t)i)
			ike_build_data(w, ISAKMP_PLD_VID, natt_vids[i].id, VID_LEN);
	ike_build_data(w, ISAKMP_PLD_VID, dpd_vid, VID_LEN);
}

void
ike_natt_scan_vids(struct ike_sa *sa, const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pld *pl = &m->pld[i];

		if (pl->type != ISAKMP_PLD_VID || pl->body_len != VID_LEN)
			continue;
		if (memcmp(pl->body, dpd_vid, VID_LEN) == 0) {
			sa->peer_dpd = true;
			continue;
		}
		for (size_t v = 0; v < N_NATT_VIDS; v++) {
			if (memcmp(pl->body, natt_vids[v].id, VID_LEN) != 0)
				continue;
			/* the table is in preference order */
			if (sa->natt_vid < 0 || (int8_t)v < sa->natt_vid) {
				sa->natt_vid = (int8_t)v;
				sa->natt = natt_vids[v].kind;
			}
		}
	}
}

/* HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash (RFC 3947 s3.2). */
static bool
natd_hash(const struct ike_sa *sa, const struct ike_endpoint *ep, uint8_t *out)
{
	uint8_t ip[4], port[2];
	struct chunk c[4] = {
		{ sa->icky, 8 },
		{ sa->rcky, 8 },
		{ ip, 4 },
		{ port, 2 },
	};

	put32(ip, ep->addr);
	put16(port, ep->port);
	return ike_kdf_hash(sa->prop.hash, c, 4, out);
}

static uint8_t
natd_type(const struct ike_sa *sa)
{
	return sa->natt == NATT_RFC ? ISAKMP_PLD_NATD : ISAKMP_PLD_NATD_DRAFT;
}

/* The peer's address as we see it first, then ours. */
void
ike_natt_add_natd(struct ike_sa *sa, struct ike_wbuf *w)
{
	uint8_t h[PRF_MAX];
	size_t len = ike_kdf_hash_len(sa->prop.hash);

	if (sa->natt == NATT_NONE)
		return;
	if (natd_hash(sa, &sa->remote, h))
		ike_build_data(w, natd_type(sa), h, len);
	if (natd_hash(sa, &sa->local, h))
		ike_build_data(w, natd_type(sa), h, len);
}

/*
 * The first NAT-D is our address as the peer sent to it: a mismatch means
 * a NAT in front of us. The others are the peer's source addresses: if
 * none matches where the message came from, the peer is behind a NAT.
 * false: NAT-D payloads malformed or missing where NAT-T was agreed.
 */
bool
ike_natt_check_natd(struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t local[PRF_MAX], remote[PRF_MAX];
	size_t len = ike_kdf_hash_len(sa->prop.hash);
	uint8_t type = natd_type(sa);
	unsigned n = ike_msg_count(m, type);
	bool remote_match = false;

	if (sa->natt == NATT_NONE)
		return true;
	if (n < 2 || !natd_hash(sa, &sa->local, local) || !natd_hash(sa, &sa->remote, remote))
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct ike_pld *pl = ike_msg_find(m, type, i);

		if (pl->body_len != len)
			return false;
		if (i == 0)
			sa->nat_local = memcmp(pl->body, local, len) != 0;
		else if (memcmp(pl->body, remote, len) == 0)
			remote_match = true;
	}
	sa->nat_remote = !remote_match;
	if (sa->nat_local || sa->nat_remote) {
		ike_count(sa->ike, IKE_EV_NAT_DETECTED);
		ike_sa_logf(sa, IKE_LOG_INFO, "NAT detected:%s%s",
			    sa->nat_local ? " in front of us" : "",
			    sa->nat_remote ? " in front of the peer" : "");
	}
	return true;
}

/* RFC 3947 s4: with a NAT in the path, move IKE to 4500 (initiator). */
void
ike_natt_float(struct ike_sa *sa)
{
	if (!sa->nat_local && !sa->nat_remote)
		return;
	if (sa->local.port != IKE_NATT_PORT) {
		sa->local.port = IKE_NATT_PORT;
		sa->remote.port = IKE_NATT_PORT;
	}
}

/* RFC 3948 s2.3: one 0xff byte keeps our NAT mapping open. */
void
ike_natt_keepalive(struct ike_sa *sa)
{
	static const uint8_t ka = 0xff;
	struct ike *ike = sa->ike;

	if (sa->local.port != IKE_NATT_PORT)
		return;
	ike_count(ike, IKE_EV_KEEPALIVE_TX);
	ike->ops->send(ike->ctx, &sa->local, &sa->remote, &ka, 1);
}
