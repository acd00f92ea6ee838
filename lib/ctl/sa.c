/* SPDX-License-Identifier: BSD-3-Clause */
/* An SA in its tunnel, whoever keyed it; and the data plane's lifetime events. */
#include <string.h>

#include "priv.h"

/*
 * The tunnel gains a reference, which the SA holds until ctl_sa_del(); the
 * site's list gains the SA. An engine's site holds at most what the engine
 * declared, its SAs deleted since the last poll included (lib/sa frees
 * their slots only then): one branch cannot take the table from the
 * others, not even by deleting and installing faster than lib/sa frees.
 */
int
ctl_sa_add(struct ctl *ctl, const struct sa_params *p, enum ctl_sa_owner owner, uint32_t *id)
{
	struct ctl_site_state *st = &ctl->site[p->site];
	struct ctl_sa_meta *m;
	int rc;

	if (owner == CTL_SA_ENGINE && st->n_sas + st->n_dying >= st->max_sas) {
		ctl->ctr[CTL_CTR_SITE_SA_CAP]++;
		return -ENOSPC;
	}
	rc = sa_add(ctl->sa, p, id);
	if (rc != 0)
		return rc;
	ctl->tunnel[p->tunnel].refs++;
	m = &ctl->sa_meta[*id];
	*m = (struct ctl_sa_meta){ .owner = (uint8_t)owner,
				   .gen = m->gen + 1,
				   .site_prev = SA_NONE,
				   .site_next = st->first_sa };
	if (st->first_sa != SA_NONE)
		ctl->sa_meta[st->first_sa].site_prev = *id;
	st->first_sa = *id;
	st->n_sas++;
	return 0;
}

static void
site_list_remove(struct ctl *ctl, uint32_t site, uint32_t id)
{
	struct ctl_site_state *st = &ctl->site[site];
	struct ctl_sa_meta *m = &ctl->sa_meta[id];

	if (m->site_prev != SA_NONE)
		ctl->sa_meta[m->site_prev].site_next = m->site_next;
	else
		st->first_sa = m->site_next;
	if (m->site_next != SA_NONE)
		ctl->sa_meta[m->site_next].site_prev = m->site_prev;
	st->n_sas--;
	/* Its slot in lib/sa is free only once the workers let go (next
	 * poll): until then it still counts against the site's cap. */
	if (st->n_dying++ == 0)
		ctl->dying_sites[ctl->n_dying_sites++] = site;
}

int
ctl_sa_del(struct ctl *ctl, uint32_t id)
{
	const struct sa *sa = sa_db_get(ctl->sa, id);
	uint32_t tunnel, site;
	int rc;

	if (sa == NULL)
		return -ENOENT;
	tunnel = sa->tunnel;
	site = sa->site;
	ctl_tunnel_sa_leaving(ctl, tunnel, id);
	rc = sa_del(ctl->sa, id);
	if (rc == 0) {
		site_list_remove(ctl, site, id);
		ctl->sa_meta[id] = (struct ctl_sa_meta){ .gen = ctl->sa_meta[id].gen };
		ctl_tunnel_release(ctl, tunnel);
	}
	return rc;
}

/* The MTU of the port an SA from local_addr leaves by. */
uint16_t
ctl_outside_mtu(const struct ctl *ctl, uint32_t local_addr)
{
	int port = conf_port_for_addr(ctl->cfg, local_addr);

	return port >= 0 ? ctl->cfg->ports[port].mtu : 1500;
}

enum ctl_sa_owner
ctl_sa_owner(const struct ctl *ctl, uint32_t id)
{
	if (id >= ctl->max_sas || sa_db_get(ctl->sa, id) == NULL)
		return CTL_SA_NONE;
	return (enum ctl_sa_owner)ctl->sa_meta[id].owner;
}

/* lib/sa's lifetime events (from sa_db_poll() in ctl_poll()). */
void
ctl_sa_event(void *arg, uint32_t id, enum sa_event ev)
{
	struct ctl *ctl = arg;
	const struct sa *sa = sa_db_get(ctl->sa, id);
	bool engine;

	if (sa == NULL)
		return;
	CTL_LOG(NOTICE, "site %s: SA %u (%s, SPI 0x%08x) %s", ctl_site_name(ctl, sa->site), id,
		sa->inbound ? "in" : "out", sa->spi, sa_event_name(ev));
	engine = ctl->sa_meta[id].owner == CTL_SA_ENGINE;
	switch (ev) {
	case SA_EVENT_SOFT:
		/* An engine rekeys its own; a hand-keyed SA waits for the operator. */
		ctl->ctr[CTL_CTR_SA_SOFT_EXPIRED]++;
		break;
	case SA_EVENT_HARD:
		ctl->ctr[CTL_CTR_SA_HARD_EXPIRED]++;
		if (!engine)
			ctl_sa_del(ctl, id);
		break;
	case SA_EVENT_SEQ_EXHAUSTED:
		ctl->ctr[CTL_CTR_SA_SEQ_EXHAUSTED]++;
		return;
	}
	if (!engine || ctl->ops == NULL)
		return;
	/* The engine knows the pair by its inbound SPI (ours, unique). */
	if (!sa->inbound) {
		sa = ctl_child_sa(ctl, ctl->sa_meta[id].twin);
		if (sa == NULL)
			return;
	}
	ctl->ops->child_expired(ctl->engine, sa->spi, ev == SA_EVENT_HARD, ctl->now_ms);
}
