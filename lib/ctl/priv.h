/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/ctl inside: the tables behind ctl.h, shared by its files. */
#ifndef ESPHUB_CTL_PRIV_H
#define ESPHUB_CTL_PRIV_H

#include <rte_log.h>

#include "ctl.h"

extern int ctl_logtype;
#define CTL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_logtype, "ctl: " fmt "\n", ##__VA_ARGS__)

struct rte_hash;

#define CTL_SITE_NAME_LEN sizeof(((struct cfg_site *)0)->name)

struct ctl_tunnel {
	uint8_t used;
	uint32_t refs; /* SAs that belong to it, and callers holding it */
	uint32_t site;
	uint32_t next_out; /* outbound SA waiting to take over, or SA_NONE */
	struct sa_ts key_local, key_remote;
};

/* What ctl keeps per SA id beyond lib/sa. */
struct ctl_sa_meta {
	uint8_t owner;      /* enum ctl_sa_owner */
	uint32_t gen;       /* of this id, in an engine's handle (stale ones miss) */
	uint32_t site_prev; /* the site's SAs, a list: SA_NONE ends it */
	uint32_t site_next;
	uint64_t twin;         /* an engine's outbound SA: its pair's inbound handle */
	uint64_t packets;      /* inbound: at the last poll */
	uint64_t seen_ms;      /* inbound: when packets last grew */
	uint64_t commit_by_ms; /* outbound waiting in its tunnel: deadline */
};

struct ctl_site_state {
	bool keyed;           /* its engine site, or its hand-keyed pair, is set up */
	uint32_t engine_site; /* IKE: the engine's name for it */
	uint32_t max_sas;     /* IKE: what the engine said it holds at most */
	uint32_t n_sas;
	uint32_t n_dying;  /* deleted since the last poll: lib/sa still holds them */
	uint32_t first_sa; /* SA_NONE: none */
};

/* A branch prefix of some site, in the overlap index (tunnel.c). */
struct ctl_branch_prefix {
	uint32_t addr;
	uint8_t plen;
	uint32_t site;
};

struct ctl {
	struct cfg *cfg;
	struct sa_db *sa;
	struct nat *nat;
	const struct ctl_engine_ops *ops;
	void *engine;
	uint32_t max_sas, max_tunnels;

	struct ctl_tunnel *tunnel; /* max_tunnels */
	struct rte_hash *tunnel_by_key;
	uint32_t tunnel_next;                   /* where the search for a free id starts */
	struct ctl_branch_prefix *prefix_index; /* sorted by (addr, plen) */
	unsigned n_prefix_index;
	bool prefix_index_stale;

	struct ctl_sa_meta *sa_meta;     /* max_sas */
	struct ctl_site_state *site;     /* max_tunnels: sites <= tunnels */
	unsigned site_slots_allocated;   /* cfg->sites' length (cfg->n_sites in use) */
	struct rte_hash *site_by_engine; /* engine_site -> site */
	struct rte_hash *site_by_name;   /* name, NUL-padded -> site */
	uint32_t *dying_sites;           /* max_tunnels: those with n_dying > 0 */
	uint32_t n_dying_sites;

	uint64_t now_ms; /* of the ctl_poll() running */
	uint64_t ctr[CTL_CTR_N];
};

/* tunnel.c */
int ctl_tunnels_create(struct ctl *ctl, int socket_id);
void ctl_tunnels_free(struct ctl *ctl);
void ctl_tunnels_sites_changed(struct ctl *ctl);
void ctl_tunnels_withdraw_shared(struct ctl *ctl, uint32_t site);
int ctl_tunnel_hold(struct ctl *ctl, uint32_t site, const struct sa_ts *local,
		    const struct sa_ts *remote, const struct sa_ts *spd, unsigned n_spd,
		    uint32_t *tunnel);
void ctl_tunnel_release(struct ctl *ctl, uint32_t tunnel);
int ctl_tunnel_out_offer(struct ctl *ctl, uint32_t tunnel, uint32_t id);
int ctl_tunnel_out_commit(struct ctl *ctl, uint32_t tunnel);
void ctl_tunnel_sa_leaving(struct ctl *ctl, uint32_t tunnel, uint32_t id);

/* sa.c: an SA in its tunnel and its site's list, whoever keyed it. */
int ctl_sa_add(struct ctl *ctl, const struct sa_params *p, enum ctl_sa_owner owner, uint32_t *id);
int ctl_sa_del(struct ctl *ctl, uint32_t id);
uint16_t ctl_outside_mtu(const struct ctl *ctl, uint32_t local_addr);
void ctl_sa_event(void *arg, uint32_t id, enum sa_event ev);

/* manual.c */
int ctl_manual_site_setup(struct ctl *ctl, uint32_t site);
void ctl_manual_site_clear(struct ctl *ctl, uint32_t site);

/* site.c */
int ctl_site_install(struct ctl *ctl, uint32_t site, uint64_t now_ms);

/* child.c */
const struct sa *ctl_child_sa(const struct ctl *ctl, uint64_t handle);
void ctl_children_poll(struct ctl *ctl, uint64_t now_ms);
int ctl_engine_site_map(struct ctl *ctl, uint32_t engine_site, uint32_t site);
void ctl_engine_site_unmap(struct ctl *ctl, uint32_t engine_site);

#endif
