/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's side: child SAs in and out, make-before-break, peer moves.
 *
 * The handle an engine holds for an SA is the SA's id, with the id's
 * generation in the high half so that a handle kept too long misses the
 * SA that reuses its id. SPIs name no SA here (outbound ones are the
 * branches' choice, and two sites may pick the same), and an outbound SA
 * learns its inbound twin from the exchange that made both, not from its
 * tunnel.
 */
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>

#include "net.h"
#include "priv.h"

int
ctl_engine_site_map(struct ctl *ctl, uint32_t engine_site, uint32_t site)
{
	return rte_hash_add_key_data(ctl->site_by_engine, &engine_site, (void *)(uintptr_t)site);
}

void
ctl_engine_site_unmap(struct ctl *ctl, uint32_t engine_site)
{
	rte_hash_del_key(ctl->site_by_engine, &engine_site);
}

static uint32_t
site_of(const struct ctl *ctl, uint32_t engine_site)
{
	void *data;

	if (rte_hash_lookup_data(ctl->site_by_engine, &engine_site, &data) < 0)
		return SA_NONE;
	return (uint32_t)(uintptr_t)data;
}

/* An SA of the engine's that still exists. */
static const struct sa *
engine_sa_by_id(const struct ctl *ctl, uint32_t id)
{
	if (ctl_sa_owner(ctl, id) != CTL_SA_ENGINE)
		return NULL;
	return sa_db_get(ctl->sa, id);
}

/* ... and the one handle names, if it is still the SA the handle was given for. */
const struct sa *
ctl_child_sa(const struct ctl *ctl, uint64_t handle)
{
	uint32_t id = (uint32_t)handle;

	if (id >= ctl->max_sas || ctl->sa_meta[id].gen != (uint32_t)(handle >> 32))
		return NULL;
	return engine_sa_by_id(ctl, id);
}

static bool
ts_inside(const struct sa_ts *ts, const struct cfg_prefix *p, unsigned n)
{
	if (ts->plen > 32 || (ts->addr & ~net_mask(ts->plen)) != 0)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (ts->plen >= p[i].plen && ((ts->addr ^ p[i].addr) & net_mask(p[i].plen)) == 0)
			return true;
	return false;
}

/*
 * What the engine agreed lies within the site's configured subnets: the
 * engine checks as much, and this keeps a fault in any engine from
 * carrying one branch's traffic into another's tunnel.
 */
static int
child_check(const struct ctl *ctl, uint32_t site, const struct ctl_child *c)
{
	const struct cfg_site *s = ctl_site(ctl, site);
	const struct sa *twin;

	if (s == NULL)
		return -ENOENT;
	if (!ts_inside(&c->remote_ts, s->remote, s->n_remote) ||
	    !ts_inside(&c->local_ts, s->local_subnets, s->n_local))
		return -EPERM;
	/* An outbound SA names its inbound twin: one of this site's. */
	twin = c->inbound ? NULL : ctl_child_sa(ctl, c->twin);
	if (!c->inbound && (twin == NULL || !twin->inbound || twin->site != site))
		return -EINVAL;
	return 0;
}

static void
child_params(const struct ctl *ctl, uint32_t site, uint32_t tunnel, const struct ctl_child *c,
	     struct sa_params *p)
{
	memset(p, 0, sizeof(*p));
	p->spi = c->spi;
	p->inbound = c->inbound;
	p->tunnel = tunnel;
	p->site = site;
	p->local_addr = c->local_addr;
	p->peer_addr = c->peer_addr;
	p->local_port = c->local_port;
	p->peer_port = c->peer_port;
	p->replay_window = c->inbound ? ctl->cfg->sites[site].replay_window : 0;
	p->keys = c->keys;
	/* The engine expires SAs by time itself; bytes and packets are the
	 * data plane's to count (ctl_sa_event tells the engine). */
	p->soft.bytes = c->soft_bytes;
	p->soft.packets = c->soft_packets;
	p->hard.bytes = c->hard_bytes;
	p->n_local_ts = p->n_remote_ts = 1;
	p->local_ts[0] = c->local_ts;
	p->remote_ts[0] = c->remote_ts;
	p->outside_mtu = ctl_outside_mtu(ctl, c->local_addr);
}

int
ctl_child_install(struct ctl *ctl, const struct ctl_child *c, uint64_t now_ms, uint64_t *handle)
{
	uint32_t site = site_of(ctl, c->engine_site), tunnel, id;
	struct sa_params p;
	int rc = child_check(ctl, site, c);

	if (rc == 0)
		rc = ctl_tunnel_hold(ctl, site, &c->local_ts, &c->remote_ts, &c->remote_ts, 1,
				     &tunnel);
	if (rc == 0) {
		child_params(ctl, site, tunnel, c, &p);
		rc = ctl_sa_add(ctl, &p, CTL_SA_ENGINE, &id);
		explicit_bzero(&p.keys, sizeof(p.keys));
		ctl_tunnel_release(ctl, tunnel);
	}
	if (rc == 0 && !c->inbound) {
		ctl->sa_meta[id].twin = c->twin;
		ctl->sa_meta[id].commit_by_ms = now_ms + CTL_COMMIT_MS;
		rc = ctl_tunnel_out_offer(ctl, tunnel, id);
		if (rc != 0)
			ctl_sa_del(ctl, id);
	}
	if (rc != 0) {
		ctl->ctr[CTL_CTR_INSTALL_FAILED]++;
		CTL_LOG(ERR, "site %s: cannot install %s SA 0x%08x: %s", ctl_site_name(ctl, site),
			c->inbound ? "inbound" : "outbound", c->spi, strerror(-rc));
		return rc;
	}
	ctl->ctr[CTL_CTR_CHILD_INSTALLED]++;
	*handle = (uint64_t)ctl->sa_meta[id].gen << 32 | id;
	return 0;
}

void
ctl_child_delete(struct ctl *ctl, uint64_t handle)
{
	if (ctl_child_sa(ctl, handle) != NULL)
		ctl_sa_del(ctl, (uint32_t)handle);
}

uint64_t
ctl_child_last_inbound(const struct ctl *ctl, uint64_t handle)
{
	return ctl_child_sa(ctl, handle) != NULL ? ctl->sa_meta[(uint32_t)handle].seen_ms : 0;
}

/*
 * Only the site's own SAs follow (its list: the cost is its SAs, not the
 * table); a plain-ESP SA has no port to follow; one already there stays.
 */
unsigned
ctl_peer_moved(struct ctl *ctl, uint32_t engine_site, uint32_t addr, uint16_t port)
{
	uint32_t site = site_of(ctl, engine_site);
	char a[NET_IPV4_STR_MAX];
	unsigned moved = 0;

	if (site == SA_NONE)
		return 0;
	for (uint32_t id = ctl->site[site].first_sa; id != SA_NONE;
	     id = ctl->sa_meta[id].site_next) {
		const struct sa *sa = engine_sa_by_id(ctl, id);

		if (sa != NULL && !sa->inbound && sa->peer_port != 0 &&
		    (sa->peer_addr != addr || sa->peer_port != port) &&
		    sa_set_peer(ctl->sa, id, addr, port) == 0)
			moved++;
	}
	if (moved == 0)
		return 0;
	ctl->ctr[CTL_CTR_PEER_MOVES]++;
	CTL_LOG(NOTICE, "site %s: peer moved to %s:%u (%u outbound SAs follow)",
		ctl_site_name(ctl, site), net_ipv4_str(addr, a), port, moved);
	return moved;
}

/* Outbound SA id waits in its tunnel: may it take over? */
static void
commit_check(struct ctl *ctl, uint32_t id, uint64_t now_ms)
{
	const struct sa *sa = sa_db_get(ctl->sa, id);
	struct ctl_sa_meta *m = &ctl->sa_meta[id];
	bool seen;

	if (sa == NULL || ctl->tunnel[sa->tunnel].next_out != id) {
		m->commit_by_ms = 0;
		return;
	}
	seen = ctl_child_sa(ctl, m->twin) != NULL && ctl->sa_meta[(uint32_t)m->twin].packets != 0;
	if (!seen && now_ms < m->commit_by_ms)
		return;
	ctl->ctr[seen ? CTL_CTR_COMMIT_TRAFFIC : CTL_CTR_COMMIT_TIMEOUT]++;
	ctl_tunnel_out_commit(ctl, sa->tunnel);
}

/*
 * Note which inbound SAs saw traffic (DPD asks only quiet peers), and let
 * waiting outbound SAs take over.
 */
void
ctl_children_poll(struct ctl *ctl, uint64_t now_ms)
{
	for (uint32_t id = 0; id < ctl->max_sas; id++) {
		struct ctl_sa_meta *m = &ctl->sa_meta[id];
		struct sa_counters c;

		if (m->owner != CTL_SA_ENGINE)
			continue;
		sa_db_counters(ctl->sa, id, &c);
		if (c.packets != m->packets) {
			m->packets = c.packets;
			m->seen_ms = now_ms;
		}
		if (m->commit_by_ms != 0)
			commit_check(ctl, id, now_ms);
	}
}
