/* SPDX-License-Identifier: BSD-3-Clause */
/* An SA in its tunnel, whoever keyed it; and the data plane's lifetime events. */
#include <string.h>

#include "priv.h"

/* The tunnel gains a reference, which the SA holds until ctl_sa_del(). */
int
ctl_sa_add(struct ctl *ctl, const struct sa_params *p, enum ctl_sa_owner owner, uint32_t *id)
{
	int rc = sa_add(ctl->sa, p, id);

	if (rc == 0) {
		ctl->tunnel[p->tunnel].refs++;
		ctl->sa_meta[*id] = (struct ctl_sa_meta){ .owner = (uint8_t)owner };
	}
	return rc;
}

int
ctl_sa_del(struct ctl *ctl, uint32_t id)
{
	const struct sa *sa = sa_db_get(ctl->sa, id);
	uint32_t tunnel;
	int rc;

	if (sa == NULL)
		return -ENOENT;
	tunnel = sa->tunnel;
	ctl_tunnel_sa_leaving(ctl, tunnel, id);
	rc = sa_del(ctl->sa, id);
	if (rc == 0) {
		ctl->sa_meta[id] = (struct ctl_sa_meta){ 0 };
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
		uint32_t twin = ctl->sa_meta[id].twin;

		sa = ctl_sa_owner(ctl, twin) == CTL_SA_ENGINE ? sa_db_get(ctl->sa, twin) : NULL;
		if (sa == NULL)
			return;
	}
	ctl->ops->child_expired(ctl->engine, sa->spi, ev == SA_EVENT_HARD, ctl->now_ms);
}
