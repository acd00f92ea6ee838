/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inspection for the CLI: snapshots of sites, ISAKMP SAs and pairs.
 */
#include <errno.h>
#include <string.h>

#include "priv.h"

static void
site_info(const struct site *s, struct ike_site_info *o)
{
	unsigned n = 0;

	memset(o, 0, sizeof(*o));
	o->site_id = s->id;
	o->name = s->p.name;
	o->up = s->up;
	o->peer = s->peer;
	for (struct link *l = s->sas.next; l != &s->sas; l = l->next)
		o->n_ike_sa++;
	for (struct link *l = s->children.next; l != &s->children; l = l->next)
		n += container_of(l, struct child, site_link)->established;
	o->n_child_sa = n;
	o->counters = s->cnt;
}

void
ike_site_foreach(struct ike *ike, ike_site_cb cb, void *arg)
{
	struct ike_site_info info;

	for (struct link *l = ike->sites.next; l != &ike->sites; l = l->next) {
		site_info(container_of(l, struct site, all), &info);
		if (cb(&info, arg) != 0)
			return;
	}
}

int
ike_site_get(struct ike *ike, const char *name, struct ike_site_info *out)
{
	struct site *s = ike_site_by_name(ike, name);

	if (s == NULL)
		return -ENOENT;
	site_info(s, out);
	return 0;
}

void
ike_sa_foreach(struct ike *ike, ike_sa_cb cb, void *arg)
{
	struct ike_sa_info o;

	for (struct link *l = ike->sas.next; l != &ike->sas; l = l->next) {
		const struct ike_sa *sa = container_of(l, struct ike_sa, all);

		memset(&o, 0, sizeof(o));
		memcpy(o.icookie, sa->icky, 8);
		memcpy(o.rcookie, sa->rcky, 8);
		o.site_id = sa->site ? sa->site->id : 0;
		o.site_name = sa->site ? sa->site->p.name : "";
		o.state = ike_sa_state_name(sa->state);
		o.initiator = sa->initiator;
		o.aggressive = sa->aggressive;
		o.established = sa->state == P1_ESTABLISHED;
		o.nat_local = sa->nat_local;
		o.nat_remote = sa->nat_remote;
		o.dpd = sa->peer_dpd;
		o.local = sa->local;
		o.remote = sa->remote;
		o.prop = sa->prop;
		o.established_ms = sa->established_ms;
		o.expires_ms = sa->expire_ms;
		if (cb(&o, arg) != 0)
			return;
	}
}

void
ike_child_foreach(struct ike *ike, ike_child_cb cb, void *arg)
{
	struct ike_child_info o;

	for (struct link *k = ike->sites.next; k != &ike->sites; k = k->next) {
		const struct site *s = container_of(k, struct site, all);

		for (struct link *l = s->children.next; l != &s->children; l = l->next) {
			const struct child *c = container_of(l, struct child, site_link);

			if (!c->in_installed && !c->out_installed)
				continue;
			memset(&o, 0, sizeof(o));
			o.site_id = s->id;
			o.site_name = s->p.name;
			o.spi_in = c->spi_in;
			o.spi_out = c->spi_out;
			o.local_ts = c->ts_local;
			o.remote_ts = c->ts_remote;
			o.prop = c->prop;
			o.encap = c->local.port != 0;
			o.initiator = c->initiator;
			o.rekeyed = c->rekeyed;
			o.established_ms = c->established_ms;
			o.rekey_ms = c->rekey_ms;
			o.expires_ms = c->expire_ms;
			if (cb(&o, arg) != 0)
				return;
		}
	}
}
