/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime site API (CLI, config reload): add, update, delete,
 * initiate, take down. A change touches only the site it names; an update
 * that leaves the site's keys, identities, addresses, subnets and
 * proposals alone leaves its tunnels alone too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "priv.h"

int
ike_site_add(struct ike *ike, const struct ike_site_params *p, uint64_t now_ms, uint32_t *site_id)
{
	struct site *s;
	int rc;

	if (now_ms > ike->now)
		ike->now = now_ms;
	if (ike_site_params_validate(p, NULL) != 0)
		return -EINVAL;
	rc = ike_site_index_check(ike, p, NULL);
	if (rc != 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->ike = ike;
	s->p = *p;
	ike_site_apply_defaults(ike, &s->p);
	s->id = ike->next_site_id++;
	list_init(&s->sas);
	list_init(&s->children);
	list_init(&s->half_open);
	ike_site_index_add(s);
	list_add_tail(&ike->sites, &s->all);
	ike->n_sites++;
	if (site_id != NULL)
		*site_id = s->id;
	if (s->p.initiate)
		ike_site_retry(s);
	ike_sa_reap(ike);
	return 0;
}

/* Fields whose change invalidates the site's tunnels. */
static bool
tunnel_params_differ(const struct ike_site_params *a, const struct ike_site_params *b)
{
	return a->psk_len != b->psk_len || CRYPTO_memcmp(a->psk, b->psk, IKE_PSK_MAX) != 0 ||
	       memcmp(&a->id, &b->id, sizeof(a->id)) != 0 ||
	       memcmp(&a->local_id, &b->local_id, sizeof(a->local_id)) != 0 ||
	       a->peer_addr != b->peer_addr || a->local_addr != b->local_addr ||
	       a->n_remote != b->n_remote || a->n_local != b->n_local ||
	       memcmp(a->remote_subnets, b->remote_subnets,
		      sizeof(a->remote_subnets[0]) * a->n_remote) != 0 ||
	       memcmp(a->local_subnets, b->local_subnets,
		      sizeof(a->local_subnets[0]) * a->n_local) != 0 ||
	       a->n_p1 != b->n_p1 || a->n_esp != b->n_esp ||
	       memcmp(a->p1, b->p1, sizeof(a->p1[0]) * a->n_p1) != 0 ||
	       memcmp(a->esp, b->esp, sizeof(a->esp[0]) * a->n_esp) != 0;
}

/* Half-open responder SAs that chose their PSK through this site. */
static void
unhook_half_open(struct site *s)
{
	struct link *l, *t;

	list_for_each_safe(l, t, &s->half_open)
		ike_sa_kill(container_of(l, struct ike_sa, addr_link));
}

int
ike_site_update(struct ike *ike, const struct ike_site_params *p, uint64_t now_ms)
{
	struct site *s;
	struct ike_site_params np;
	int rc;

	if (now_ms > ike->now)
		ike->now = now_ms;
	if (ike_site_params_validate(p, NULL) != 0)
		return -EINVAL;
	s = ike_site_by_name(ike, p->name);
	if (s == NULL)
		return -ENOENT;
	rc = ike_site_index_check(ike, p, s);
	if (rc != 0)
		return rc;
	np = *p;
	ike_site_apply_defaults(ike, &np);
	if (tunnel_params_differ(&s->p, &np)) {
		ike_site_flush(s, IKE_DOWN_ADMIN, true);
		unhook_half_open(s);
		ike_site_index_del(s);
		OPENSSL_cleanse(s->p.psk, sizeof(s->p.psk));
		s->p = np;
		ike_site_index_add(s);
	} else {
		s->p = np; /* DPD, lifetimes, aggressive, initiate */
	}
	OPENSSL_cleanse(np.psk, sizeof(np.psk));
	if (s->p.initiate && !s->up)
		ike_site_retry(s);
	else if (!s->p.initiate)
		ike_timer_cancel(ike, &s->t_retry);
	ike_sa_reap(ike);
	return 0;
}

static void
site_free(struct site *s, bool send_deletes)
{
	struct ike *ike = s->ike;

	ike_site_flush(s, IKE_DOWN_ADMIN, send_deletes);
	ike_site_unqueue(s);
	unhook_half_open(s);
	ike_timer_cancel(ike, &s->t_retry);
	ike_site_index_del(s);
	list_del(&s->all);
	ike->n_sites--;
	OPENSSL_cleanse(s->p.psk, sizeof(s->p.psk));
	free(s);
}

int
ike_site_del(struct ike *ike, const char *name, uint64_t now_ms)
{
	struct site *s = ike_site_by_name(ike, name);

	if (now_ms > ike->now)
		ike->now = now_ms;
	if (s == NULL)
		return -ENOENT;
	site_free(s, true);
	ike_sa_reap(ike);
	return 0;
}

int
ike_site_initiate(struct ike *ike, const char *name, uint64_t now_ms)
{
	struct site *s = ike_site_by_name(ike, name);
	int rc;

	if (now_ms > ike->now)
		ike->now = now_ms;
	if (s == NULL)
		return -ENOENT;
	rc = ike_site_start(s);
	ike_sa_reap(ike);
	return rc;
}

int
ike_site_down(struct ike *ike, const char *name, uint64_t now_ms)
{
	struct site *s = ike_site_by_name(ike, name);

	if (now_ms > ike->now)
		ike->now = now_ms;
	if (s == NULL)
		return -ENOENT;
	ike_site_flush(s, IKE_DOWN_ADMIN, true);
	ike_sa_reap(ike);
	return 0;
}

/* Instance teardown: no messages, but the host hears of every SA. */
void
ike_sites_fini(struct ike *ike)
{
	while (!list_empty(&ike->sites))
		site_free(container_of(ike->sites.next, struct site, all), false);
}
