/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The entry point for received datagrams: NAT-T framing, the header,
 * cleartext payload parsing, finding the SA, dispatch by exchange type.
 * Encrypted bodies are decrypted by the exchange that knows their IV.
 */
#include <string.h>

#include "priv.h"

#define NON_ESP_MARKER_LEN 4

static const uint8_t zero_cky[8];

void
ike_input(struct ike *ike, uint64_t now_ms, const struct ike_endpoint *local,
	  const struct ike_endpoint *remote, const uint8_t *buf, size_t len)
{
	struct ike_msg m;
	struct ike_sa *sa;
	enum ike_stat why = IKE_DROP_DECRYPT;
	struct rx rx = { .local = local, .remote = remote };
	char a[IKE_ADDR_STR_MAX];

	if (now_ms > ike->now)
		ike->now = now_ms;
	ike_count(ike, IKE_EV_RX);
	if (local->port == IKE_NATT_PORT) {
		/* RFC 3948 s2.2/2.3: keepalive, or the non-ESP marker */
		if (len == 1 && buf[0] == 0xff) {
			ike_count(ike, IKE_EV_KEEPALIVE_RX);
			return;
		}
		if (len < NON_ESP_MARKER_LEN || get32(buf) != 0) {
			ike_drop(ike, NULL, IKE_DROP_NO_MARKER, "from %s:%u",
				 ike_addr_str(remote->addr, a), remote->port);
			return;
		}
		buf += NON_ESP_MARKER_LEN;
		len -= NON_ESP_MARKER_LEN;
	}
	if (!ike_hdr_validate(buf, len, &rx.hdr, &why)) {
		ike_drop(ike, NULL, why, "header from %s:%u (len %zu)",
			 ike_addr_str(remote->addr, a), remote->port, len);
		return;
	}
	rx.raw = buf;
	rx.len = len;
	if (!(rx.hdr.flags & ISAKMP_FLAG_E)) {
		if (!ike_chain_parse(buf + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, rx.hdr.np, false,
				     &m, &why) ||
		    !ike_msg_validate(&m, &why)) {
			ike_drop(ike, NULL, why, "%s message from %s:%u",
				 ike_exch_name(rx.hdr.exch), ike_addr_str(remote->addr, a),
				 remote->port);
			return;
		}
		m.hdr = rx.hdr;
		rx.m = &m;
	}
	sa = ike_sa_lookup(ike, &rx.hdr, remote);
	if (sa == NULL &&
	    (memcmp(rx.hdr.rcookie, zero_cky, 8) != 0 || rx.hdr.exch == ISAKMP_EXCH_QUICK) &&
	    !(rx.hdr.exch == ISAKMP_EXCH_INFO && rx.m != NULL)) {
		ike_drop(ike, NULL, IKE_DROP_UNKNOWN_SA, "%s message from %s:%u",
			 ike_exch_name(rx.hdr.exch), ike_addr_str(remote->addr, a), remote->port);
		return;
	}
	switch (rx.hdr.exch) {
	case ISAKMP_EXCH_IDPROT:
		ike_main_input(ike, sa, &rx);
		break;
	case ISAKMP_EXCH_AGGR:
		ike_aggr_input(ike, sa, &rx);
		break;
	case ISAKMP_EXCH_QUICK:
		if (sa->state != P1_ESTABLISHED)
			ike_drop(ike, sa, IKE_DROP_STATE, "Quick Mode before phase 1");
		else
			ike_quick_input(sa, &rx);
		break;
	case ISAKMP_EXCH_INFO:
		ike_info_input(ike, sa, &rx);
		break;
	}
	ike_sa_reap(ike);
}
