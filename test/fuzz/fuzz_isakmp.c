/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the ISAKMP parser (lib/ike codec). Runs the header
 * validator, the payload-chain walk (cleartext and padded), every payload's
 * validator, then every parser and the SA iterators on what validated,
 * touching every byte they point at so ASan sees any overrun.
 */
#include <stddef.h>
#include <stdint.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void
touch(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sink ^= p[i];
}

static void
walk_sa(const struct ike_pld *pl)
{
	struct ike_pl_sa sa;
	struct ike_iter pi, xi, ai;
	struct ike_prop p;
	struct ike_xform x;
	struct ike_attr a;

	ike_sa_parse(pl, &sa);
	ike_prop_iter(&sa, &pi);
	while (ike_prop_next(&pi, &p)) {
		touch(p.spi, p.spi_size);
		ike_xform_iter(&p, &xi);
		while (ike_xform_next(&xi, &x)) {
			ike_attr_iter(&x, &ai);
			while (ike_attr_next(&ai, &a))
				touch(a.data, a.len);
		}
	}
}

static void
parse_all(const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pld *pl = &m->pld[i];
		struct ike_pl_data d;
		struct ike_pl_id id;
		struct ike_pl_notify n;
		struct ike_pl_delete del;
		struct ike_pl_natoa oa;
		struct ike_pl_cert c;

		switch (pl->type) {
		case ISAKMP_PLD_SA:
			walk_sa(pl);
			break;
		case ISAKMP_PLD_ID:
			ike_id_parse(pl, &id);
			touch(id.data, id.len);
			break;
		case ISAKMP_PLD_N:
			ike_notify_parse(pl, &n);
			touch(n.spi, n.spi_size);
			touch(n.data, n.data_len);
			break;
		case ISAKMP_PLD_D:
			ike_delete_parse(pl, &del);
			touch(del.spis, (size_t)del.nspi * del.spi_size);
			break;
		case ISAKMP_PLD_NATOA:
		case ISAKMP_PLD_NATOA_DRAFT:
			ike_natoa_parse(pl, &oa);
			break;
		case ISAKMP_PLD_CERT:
		case ISAKMP_PLD_CR:
			ike_cert_parse(pl, &c);
			touch(c.data, c.len);
			break;
		default:
			ike_data_parse(pl, &d);
			touch(d.data, d.len);
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_msg m;
	enum ike_stat why;

	/* As a whole datagram ... */
	if (ike_hdr_validate(data, size, &m.hdr, &why) &&
	    ike_chain_parse(data + ISAKMP_HDR_LEN, size - ISAKMP_HDR_LEN, m.hdr.np, false, &m,
			    &why) &&
	    ike_msg_validate(&m, &why))
		parse_all(&m);
	/* ... and as a decrypted chain starting with an SA or a HASH, the
	 * way Main Mode message 1 and Quick Mode bodies arrive. */
	if (size >= 1) {
		uint8_t np = data[0] & 1 ? ISAKMP_PLD_HASH : ISAKMP_PLD_SA;

		if (ike_chain_parse(data + 1, size - 1, np, true, &m, &why) &&
		    ike_msg_validate(&m, &why))
			parse_all(&m);
	}
	return 0;
}
