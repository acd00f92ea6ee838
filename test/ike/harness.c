/* SPDX-License-Identifier: BSD-3-Clause */
/* In-process test bed for lib/ike (see harness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

struct net NET;

static void
h_send(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
       const uint8_t *buf, size_t len)
{
	struct host *h = ctx;
	struct pkt *p;

	if (h->mute)
		return;
	assert_true(NET.qt - NET.qh < H_MAX_PKT);
	assert_true(len <= sizeof(p->data));
	assert_int_equal(local->addr, h->addr);
	p = &NET.q[NET.qt++ % H_MAX_PKT];
	p->from = h;
	p->src = *local;
	p->dst = *remote;
	memcpy(p->data, buf, len);
	p->len = len;
}

static bool
same_pair_key(const struct ike_child_sa *a, const struct ike_child_sa *b)
{
	return a->site_id == b->site_id && a->local_ts.addr == b->local_ts.addr &&
	       a->local_ts.len == b->local_ts.len && a->remote_ts.addr == b->remote_ts.addr &&
	       a->remote_ts.len == b->remote_ts.len;
}

/*
 * The handle is the slot. An outbound SA's twin must be a live inbound SA
 * of the same site and selectors; twin_not_last_in counts the times it is
 * not the one of those installed last (what esphub once paired it with).
 */
static int
h_install(void *ctx, const struct ike_child_sa *sa, uint64_t *handle)
{
	struct host *h = ctx;
	uint64_t last_in = UINT64_MAX;
	unsigned order = 0;

	/* inbound SPIs are ours: unique; outbound ones only per site */
	if (sa->inbound)
		assert_null(host_find(h, true, sa->spi));
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		const struct h_sa *o = &h->sas[i];

		if (o->live && !sa->inbound && !o->sa.inbound && o->sa.spi == sa->spi)
			assert_int_not_equal(o->sa.site_id, sa->site_id);
		if (o->live && o->sa.inbound && same_pair_key(&o->sa, sa) && o->order >= order) {
			order = o->order;
			last_in = i;
		}
	}
	if (!sa->inbound) {
		assert_true(sa->twin < H_MAX_SA);
		assert_true(h->sas[sa->twin].live && h->sas[sa->twin].sa.inbound);
		assert_true(same_pair_key(&h->sas[sa->twin].sa, sa));
		h->twin_not_last_in += sa->twin != last_in;
	}
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		if (!h->sas[i].live) {
			h->sas[i].sa = *sa;
			h->sas[i].sa.site_name = NULL;
			h->sas[i].live = true;
			h->sas[i].installed_at = NET.now;
			h->sas[i].order = ++h->installs;
			*handle = i;
			return 0;
		}
	}
	return -1;
}

static void
h_delete(void *ctx, uint64_t handle)
{
	struct host *h = ctx;

	assert_true(handle < H_MAX_SA);
	if (!h->sas[handle].live)
		fail_msg("%s: delete of SA %llu, not installed", h->name,
			 (unsigned long long)handle);
	h->sas[handle].live = false;
	h->deletes++;
}

static void
h_down(void *ctx, uint32_t site_id, const char *name, enum ike_down_reason why)
{
	struct host *h = ctx;

	(void)site_id;
	(void)name;
	h->downs++;
	h->last_down = why;
}

static void
h_up(void *ctx, uint32_t site_id, const char *name)
{
	struct host *h = ctx;

	(void)site_id;
	(void)name;
	h->ups++;
}

static void
h_moved(void *ctx, uint32_t site_id, const struct ike_endpoint *ep)
{
	struct host *h = ctx;

	(void)site_id;
	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (h->sas[i].live && h->sas[i].sa.remote.port != 0)
			h->sas[i].sa.remote = *ep;
	h->moves++;
}

/* Each live cookie announced once, and gone once (checked). */
static void
h_cookie(void *ctx, const uint8_t cookie[8], bool live)
{
	struct host *h = ctx;
	unsigned i;

	for (i = 0; i < h->n_cookies; i++)
		if (memcmp(h->cookies[i], cookie, 8) == 0)
			break;
	if (live) {
		assert_int_equal(i, h->n_cookies);
		assert_true(h->n_cookies < H_MAX_COOKIES);
		memcpy(h->cookies[h->n_cookies++], cookie, 8);
	} else {
		assert_true(i < h->n_cookies);
		memcpy(h->cookies[i], h->cookies[--h->n_cookies], 8);
	}
}

static void
h_log(void *ctx, enum ike_log_level lvl, const char *fmt, va_list ap)
{
	struct host *h = ctx;
	char line[1024];
	size_t n;

	(void)lvl;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (h->log_len + n + 2 >= sizeof(h->log))
		h->log_len = 0; /* tests look at recent lines only */
	memcpy(h->log + h->log_len, line, n);
	h->log_len += n;
	h->log[h->log_len++] = '\n';
	h->log[h->log_len] = '\0';
	if (getenv("IKE_TEST_LOG") != NULL)
		fprintf(stderr, "%8llu %s: %s\n", (unsigned long long)NET.now, h->name, line);
}

static const struct ike_host_ops ops = {
	.send = h_send,
	.child_sa_install = h_install,
	.child_sa_delete = h_delete,
	.peer_down = h_down,
	.peer_up = h_up,
	.peer_moved = h_moved,
	.cookie_own = h_cookie,
	.log = h_log,
};

void
net_reset(void)
{
	memset(&NET, 0, sizeof(NET));
	NET.now = 1000000;
}

struct host *
host_new(const char *name, uint32_t addr, const uint8_t *psk, size_t psk_len)
{
	struct host *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->name = name;
	h->addr = addr;
	ike_config_defaults(&h->cfg);
	h->cfg.local_addr = addr;
	if (psk_len > 0) {
		memcpy(h->cfg.default_psk, psk, psk_len);
		h->cfg.default_psk_len = (uint16_t)psk_len;
	}
	h->ike = ike_create(&h->cfg, &ops, h);
	assert_non_null(h->ike);
	NET.hosts[NET.n++] = h;
	return h;
}

/* A reboot: all state gone, nothing said to the peer. */
void
host_restart(struct host *h)
{
	ike_destroy(h->ike);
	assert_int_equal(h->n_cookies, 0);
	memset(h->sas, 0, sizeof(h->sas));
	h->ike = ike_create(&h->cfg, &ops, h);
	assert_non_null(h->ike);
}

void
host_free(struct host *h)
{
	ike_destroy(h->ike);
	assert_int_equal(h->n_cookies, 0); /* every cookie gone once */
	for (unsigned i = 0; i < H_MAX_SA; i++)
		assert_false(h->sas[i].live); /* destroy removed everything */
	free(h);
}

static struct host *
host_at(uint32_t addr)
{
	for (unsigned i = 0; i < NET.n; i++)
		if (NET.hosts[i]->addr == addr)
			return NET.hosts[i];
	return NULL;
}

/* Outbound through the NAT: private source -> public address and port. */
static void
nat_out(struct pkt *p)
{
	unsigned i;

	for (i = 0; i < NET.nat_n; i++)
		if (NET.nat_inner[i] == p->src.port)
			break;
	if (i == NET.nat_n)
		NET.nat_inner[NET.nat_n++] = p->src.port;
	p->src.addr = NET.nat_pub;
	p->src.port = (uint16_t)(NET.nat_port_base + i);
}

static bool
nat_in(struct pkt *p)
{
	unsigned i = (unsigned)(p->dst.port - NET.nat_port_base);

	if (p->dst.port < NET.nat_port_base || i >= NET.nat_n)
		return false;
	p->dst.addr = NET.nat_host->addr;
	p->dst.port = NET.nat_inner[i];
	return true;
}

/* IKE_DUMP_DIR=dir: keep delivered datagrams as fuzzing seeds. */
static void
dump(const struct pkt *p)
{
	const char *dir = getenv("IKE_DUMP_DIR");
	static unsigned n;
	size_t off = p->dst.port == IKE_NATT_PORT && p->len > 4 ? 4 : 0;
	char path[512];
	FILE *f;

	if (dir == NULL || n >= 200 || p->len <= 1)
		return;
	snprintf(path, sizeof(path), "%s/seed-%03u", dir, n++);
	f = fopen(path, "wb");
	if (f != NULL) {
		fwrite(p->data + off, 1, p->len - off, f);
		fclose(f);
	}
}

unsigned
net_run(unsigned max)
{
	unsigned n = 0;

	while (NET.qh != NET.qt && n < max) {
		struct pkt p = NET.q[NET.qh++ % H_MAX_PKT];
		struct host *to;

		n++;
		if (NET.nat_host != NULL && p.from == NET.nat_host)
			nat_out(&p);
		if (NET.nat_host != NULL && p.dst.addr == NET.nat_pub && !nat_in(&p))
			continue;
		if (NET.filter != NULL && !NET.filter(&p, NET.filter_arg))
			continue;
		to = host_at(p.dst.addr);
		if (to == NULL)
			continue;
		NET.delivered++;
		dump(&p);
		ike_input(to->ike, NET.now, &p.dst, &p.src, p.data, p.len);
	}
	return n;
}

void
net_advance(uint64_t ms)
{
	uint64_t end = NET.now + ms;

	net_run(100000);
	for (;;) {
		uint64_t next = UINT64_MAX;

		for (unsigned i = 0; i < NET.n; i++) {
			uint64_t d = ike_next_deadline(NET.hosts[i]->ike);

			if (d < next)
				next = d;
		}
		if (next > end)
			break;
		if (next > NET.now)
			NET.now = next;
		for (unsigned i = 0; i < NET.n; i++)
			ike_tick(NET.hosts[i]->ike, NET.now);
		net_run(100000);
	}
	NET.now = end;
	for (unsigned i = 0; i < NET.n; i++)
		ike_tick(NET.hosts[i]->ike, NET.now);
	net_run(100000);
}

static void
common(struct ike_site_params *p, const char *name, uint32_t peer, const char *psk)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->psk_len = (uint16_t)strlen(psk);
	memcpy(p->psk, psk, p->psk_len);
	p->peer_addr = peer;
	p->n_local = p->n_remote = 1;
	p->dpd_delay_s = 5;
	p->dpd_timeout_s = 20;
}

void
site_branch(struct ike_site_params *p, const char *name, uint32_t peer, const char *psk)
{
	common(p, name, peer, psk);
	p->id.type = IKE_ID_IPV4_ADDR;
	p->id.len = 4;
	memcpy(p->id.value, "\xc0\xa8\x00\x01", 4); /* 192.168.0.1 */
	p->remote_subnets[0] = (struct ike_prefix){ ADDR(192, 168, 0, 0), 24 };
	p->local_subnets[0] = (struct ike_prefix){ ADDR(172, 16, 0, 0), 16 };
}

void
site_hub(struct ike_site_params *p, const char *name, uint32_t peer, const char *psk)
{
	common(p, name, peer, psk);
	p->local_id.type = IKE_ID_IPV4_ADDR;
	p->local_id.len = 4;
	memcpy(p->local_id.value, "\xc0\xa8\x00\x01", 4);
	p->local_subnets[0] = (struct ike_prefix){ ADDR(192, 168, 0, 0), 24 };
	p->remote_subnets[0] = (struct ike_prefix){ ADDR(172, 16, 0, 0), 16 };
	p->initiate = true;
}

unsigned
host_live(const struct host *h, bool inbound)
{
	unsigned n = 0;

	for (unsigned i = 0; i < H_MAX_SA; i++)
		n += h->sas[i].live && h->sas[i].sa.inbound == inbound;
	return n;
}

const struct h_sa *
host_find(const struct host *h, bool inbound, uint32_t spi)
{
	for (unsigned i = 0; i < H_MAX_SA; i++)
		if (h->sas[i].live && h->sas[i].sa.inbound == inbound && h->sas[i].sa.spi == spi)
			return &h->sas[i];
	return NULL;
}

void
assert_mirrored(const struct host *a, const struct host *b)
{
	for (unsigned i = 0; i < H_MAX_SA; i++) {
		const struct h_sa *x = &a->sas[i], *y;

		if (!x->live)
			continue;
		y = host_find(b, !x->sa.inbound, x->sa.spi);
		assert_non_null(y);
		assert_memory_equal(&x->sa.keys, &y->sa.keys, sizeof(x->sa.keys));
		assert_int_equal(x->sa.local_ts.addr, y->sa.remote_ts.addr);
		assert_int_equal(x->sa.local_ts.len, y->sa.remote_ts.len);
		assert_int_equal(x->sa.remote_ts.addr, y->sa.local_ts.addr);
		assert_int_equal(x->sa.remote_ts.len, y->sa.local_ts.len);
		assert_int_equal(x->sa.life_s, y->sa.life_s);
	}
}

/* The host knows exactly the cookies of the ISAKMP SAs that exist. */
static int
count_established(const struct ike_sa_info *i, void *arg)
{
	*(unsigned *)arg += i->established;
	return 0;
}

/* The host holds exactly the cookies of the established ISAKMP SAs. */
void
assert_cookies_balanced(const struct host *h)
{
	unsigned n = 0;

	ike_sa_foreach(h->ike, count_established, &n);
	assert_int_equal(h->n_cookies, n);
}

uint64_t
stat_of(const struct host *h, enum ike_stat s)
{
	struct ike_stats st;

	ike_stats_get(h->ike, &st);
	return st.c[s];
}

bool
site_is_up(struct host *h, const char *name)
{
	struct ike_site_info info;

	return ike_site_get(h->ike, name, &info) == 0 && info.up;
}
