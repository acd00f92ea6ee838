/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ctl against lib/sa's real tables, under EAL without hugepages: an SA
 * from an engine to the workers and back out (with a worker thread that
 * acknowledges), make-before-break, overlapping branch subnets, SPI
 * collisions between sites, peer moves, a site removed while its SAs are
 * in flight, and config reload. The engine is a scripted stand-in for
 * lib/ike: it records what ctl asks and deletes its SAs as an engine must.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "ctl.h"

#define LOCAL_ADDR        0xc6336401u          /* 198.51.100.1, the outside port */
#define ID(handle)        ((uint32_t)(handle)) /* the SA id in an engine's handle */
#define ENGINE_SITE(site) (1000 + (site))

static const struct crypto_engine *engine;

/* --- a scripted engine ------------------------------------------------ */

#define ENGINE_MAX_SAS 64

struct fake_engine {
	struct ctl *ctl;
	unsigned site_adds, site_updates, site_dels, psk_sets;
	uint32_t max_sas; /* what it declares per site; 0: 16 */
	unsigned soft, hard;
	uint32_t expired_spi;
	/* What it installed, per engine site, outbound first when deleting. */
	struct {
		uint32_t engine_site;
		uint64_t handle;
		bool inbound;
	} sa[ENGINE_MAX_SAS];
	unsigned n_sa;
};

/* Remember an SA the engine installed (in a slot a deleted one left, if any). */
static void
fe_record(struct fake_engine *fe, uint32_t engine_site, uint64_t handle, bool inbound)
{
	unsigned i = 0;

	while (i < fe->n_sa && fe->sa[i].engine_site != UINT32_MAX)
		i++;
	assert_true(i < ENGINE_MAX_SAS);
	if (i == fe->n_sa)
		fe->n_sa++;
	fe->sa[i].engine_site = engine_site;
	fe->sa[i].handle = handle;
	fe->sa[i].inbound = inbound;
}

static int
fe_site_add(void *e, uint32_t site, const struct cfg_site *s, uint64_t now_ms, uint32_t *es,
	    uint32_t *max_sas)
{
	struct fake_engine *fe = e;

	(void)s;
	(void)now_ms;
	fe->site_adds++;
	*es = ENGINE_SITE(site);
	*max_sas = fe->max_sas ? fe->max_sas : 16;
	return 0;
}

static int
fe_site_update(void *e, const struct cfg_site *s, uint64_t now_ms, uint32_t *max_sas)
{
	struct fake_engine *fe = e;

	(void)s;
	(void)now_ms;
	fe->site_updates++;
	*max_sas = fe->max_sas ? fe->max_sas : 16;
	return 0;
}

static void
fe_delete_site_sas(struct fake_engine *fe, uint32_t es)
{
	for (int pass = 0; pass < 2; pass++) /* outbound, then inbound */
		for (unsigned i = 0; i < fe->n_sa; i++)
			if (fe->sa[i].engine_site == es && fe->sa[i].inbound == (pass == 1)) {
				ctl_child_delete(fe->ctl, fe->sa[i].handle);
				fe->sa[i].engine_site = UINT32_MAX;
			}
}

static void
fe_site_del(void *e, const struct cfg_site *s, uint64_t now_ms)
{
	struct fake_engine *fe = e;
	int site = ctl_site_find(fe->ctl, s->name);

	(void)now_ms;
	fe->site_dels++;
	assert_true(site >= 0);
	fe_delete_site_sas(fe, ENGINE_SITE((uint32_t)site));
}

static void
fe_child_expired(void *e, uint32_t spi, bool hard, uint64_t now_ms)
{
	struct fake_engine *fe = e;

	(void)now_ms;
	if (hard)
		fe->hard++;
	else
		fe->soft++;
	fe->expired_spi = spi;
}

static int
fe_default_psk_set(void *e, const uint8_t *psk, size_t len)
{
	struct fake_engine *fe = e;

	(void)psk;
	(void)len;
	fe->psk_sets++;
	return 0;
}

static const struct ctl_engine_ops fe_ops = {
	.site_add = fe_site_add,
	.site_update = fe_site_update,
	.site_del = fe_site_del,
	.child_expired = fe_child_expired,
	.default_psk_set = fe_default_psk_set,
};

/* --- a worker that acknowledges -------------------------------------- */

struct worker_thread {
	struct sa_worker *sw;
	unsigned lcore;
	volatile int stop;
	uint64_t applied;
	uint32_t watch;    /* non-zero: a branch address that must never be routed */
	uint64_t in_clear; /* updates after which the worker would have routed it */
};

static int
worker_loop(void *arg)
{
	struct worker_thread *w = arg;

	while (!w->stop) {
		sa_worker_apply(w->sw);
		w->applied++;
		if (w->watch != 0 && (sa_worker_spd(w->sw, w->watch) == SA_NONE ||
				      !sa_worker_protected(w->sw, w->watch)))
			w->in_clear++;
	}
	return 0;
}

/* --- the fixture -------------------------------------------------------- */

struct fixture {
	char path[64];
	struct cfg cfg;
	struct sa_db *db;
	struct sa_worker *sw;
	struct ctl *ctl;
	struct fake_engine fe;
	struct worker_thread w;
	bool running;
};

static const char conf_head[] =
	"crypto_engine = \"openssl\";\n"
	"esp = { max_sas = 64; max_tunnels = 16; };\n"
	"ports = ( { name = \"wan\"; role = \"outside\"; device = \"net_null0\"; "
	"address = \"198.51.100.1/24\"; mtu = 1400; },\n"
	"          { name = \"lan\"; role = \"inside\"; device = \"net_null1\"; "
	"address = \"172.16.0.1/16\"; } );\n";

/* A hand-keyed site: spi_in, spi_out, its branch subnets. */
static int
manual_site(char *buf, size_t len, const char *name, unsigned peer, uint32_t spi_in,
	    uint32_t spi_out, const char *remote)
{
	return snprintf(buf, len,
			"{ name = \"%s\"; peer = \"203.0.113.%u\"; remote_subnets = [ %s ];\n"
			"  local_subnets = [ \"172.16.0.0/16\" ]; cipher = \"aes128-cbc\"; "
			"integ = \"hmac-sha1-96\";\n"
			"  sa_in = { spi = 0x%x; key = \"00112233445566778899aabbccddeeff\"; "
			"auth_key = \"0102030405060708090a0b0c0d0e0f1011121314\"; };\n"
			"  sa_out = { spi = 0x%x; key = \"00112233445566778899aabbccddeeff\"; "
			"auth_key = \"0102030405060708090a0b0c0d0e0f1011121314\"; }; }",
			name, peer, remote, spi_in, spi_out);
}

static int
ike_site(char *buf, size_t len, const char *name, unsigned peer, const char *remote)
{
	return snprintf(buf, len,
			"{ name = \"%s\"; peer = \"203.0.113.%u\"; psk = \"secret of %s\";\n"
			"  remote_subnets = [ %s ]; local_subnets = [ \"172.16.0.0/16\" ]; }",
			name, peer, name, remote);
}

/* Write head + extra + "sites = ( sites... );" to f->path. */
static void
write_conf(struct fixture *f, const char *extra, const char *const *sites, unsigned n)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fprintf(fp, "%s%s\nsites = (\n", conf_head, extra);
	for (unsigned i = 0; i < n; i++)
		fprintf(fp, "%s%s\n", sites[i], i + 1 < n ? "," : "");
	fprintf(fp, ");\n");
	fclose(fp);
}

static void
load(struct fixture *f, struct cfg *cfg)
{
	char err[4096];

	memset(cfg, 0, sizeof(*cfg));
	if (conf_load(f->path, cfg, err, sizeof(err)) != 0)
		fail_msg("%s: %s", f->path, err);
}

/* Write sites[0..n) to the file and add sites[k] from it at run time. */
static uint32_t
add_from_file(struct fixture *f, const char *const *sites, unsigned n, unsigned k)
{
	struct cfg tmp;
	uint32_t site;

	write_conf(f, "", sites, n);
	load(f, &tmp);
	assert_int_equal(ctl_site_add(f->ctl, &tmp.sites[k], 0, &site), 0);
	conf_free(&tmp);
	return site;
}

/* Load the file, build lib/sa and ctl on it; install nothing yet. */
static void
start(struct fixture *f, const char *extra, const char *const *sites, unsigned n)
{
	struct sa_db_params sp = { .n_workers = 1, .engine = engine, .socket_id = 0 };
	struct ctl_params cp;

	write_conf(f, extra, sites, n);
	load(f, &f->cfg);
	sp.max_sas = f->cfg.esp.max_sas;
	sp.max_tunnels = f->cfg.esp.max_tunnels;
	sp.max_spd = sp.max_tunnels * 2;
	f->db = sa_db_create(&sp);
	assert_non_null(f->db);
	f->sw = sa_db_worker(f->db, 0);
	cp = (struct ctl_params){
		.cfg = &f->cfg, .sa = f->db, .engine_ops = &fe_ops, .engine = &f->fe, .socket_id = 0
	};
	f->ctl = ctl_create(&cp);
	assert_non_null(f->ctl);
	f->fe.ctl = f->ctl;
}

/* From now on every change waits for the worker thread's acknowledgement. */
static void
run_worker(struct fixture *f)
{
	f->w.sw = f->sw;
	f->w.lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	assert_true(f->w.lcore < RTE_MAX_LCORE);
	assert_int_equal(rte_eal_remote_launch(worker_loop, &f->w, f->w.lcore), 0);
	sa_db_set_running(f->db, true);
	f->running = true;
}

static void
stop_worker(struct fixture *f)
{
	if (!f->running)
		return;
	f->w.stop = 1;
	rte_eal_wait_lcore(f->w.lcore);
	sa_db_set_running(f->db, false);
	f->running = false;
}

/* The worker's view now (queued updates applied first). */
static struct sa_worker *
worker_view(struct fixture *f)
{
	assert_false(f->running);
	sa_worker_apply(f->sw);
	return f->sw;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/test_ctl.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	*state = f;
	return 0;
}

static void
ignore_event(void *arg, uint32_t id, enum sa_event ev)
{
	(void)arg;
	(void)id;
	(void)ev;
}

/* Everything an engine installed goes (as ike_destroy does), then ctl. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	stop_worker(f);
	if (f->ctl != NULL) {
		for (unsigned i = 0; i < f->fe.n_sa; i++)
			if (f->fe.sa[i].engine_site != UINT32_MAX && !f->fe.sa[i].inbound)
				ctl_child_delete(f->ctl, f->fe.sa[i].handle);
		for (unsigned i = 0; i < f->fe.n_sa; i++)
			if (f->fe.sa[i].engine_site != UINT32_MAX && f->fe.sa[i].inbound)
				ctl_child_delete(f->ctl, f->fe.sa[i].handle);
		for (uint32_t s = 0; s < ctl_site_slots(f->ctl); s++)
			if (ctl_site(f->ctl, s) != NULL && !ctl_site(f->ctl, s)->ike)
				ctl_site_del(f->ctl, s, 0);
		ctl_free(f->ctl);
	}
	if (f->db != NULL) {
		sa_worker_apply(f->sw);
		sa_db_poll(f->db, UINT64_MAX / 2, ignore_event, NULL);
		assert_int_equal(sa_db_count(f->db), 0);
		sa_db_free(f->db);
	}
	conf_free(&f->cfg);
	unlink(f->path);
	free(f);
	return 0;
}

/* IKE sites osaka (192.168.5.0/24) and, if n is 2, kobe (192.168.6.0/24), installed. */
static void
start_ike(struct fixture *f, unsigned n)
{
	char s[2][512];
	const char *sites[] = { s[0], s[1] };

	ike_site(s[0], sizeof(s[0]), "osaka", 5, "\"192.168.5.0/24\"");
	ike_site(s[1], sizeof(s[1]), "kobe", 6, "\"192.168.6.0/24\"");
	start(f, "", sites, n);
	assert_int_equal(ctl_sites_install(f->ctl, 0), 0);
}

/* One SA direction as an engine hands it over for site (ctl's index). */
static struct ctl_child
child(uint32_t site, bool inbound, uint32_t spi, struct sa_ts remote_ts)
{
	return (struct ctl_child){
		.engine_site = ENGINE_SITE(site),
		.inbound = inbound,
		.spi = spi,
		.keys = { .cipher = CRYPTO_CIPHER_AES_CBC,
			  .integ = CRYPTO_INTEG_HMAC_SHA1_96,
			  .cipher_key_len = 16,
			  .integ_key_len = 20 },
		.local_ts = { 0xac100000, 16 },
		.remote_ts = remote_ts,
		.local_addr = LOCAL_ADDR,
		.peer_addr = 0xcb007100 + 10 + site,
		.local_port = 4500,
		.peer_port = 4500,
	};
}

/* An engine's pair for site (ctl index): inbound then outbound, as IKE does. */
static int
install_pair(struct fixture *f, uint32_t site, uint32_t spi_in, uint32_t spi_out,
	     const char *remote_ts, uint64_t now, uint64_t *in, uint64_t *out)
{
	struct ctl_child c;
	unsigned a, b, c1, d, plen;
	int rc;

	assert_int_equal(sscanf(remote_ts, "%u.%u.%u.%u/%u", &a, &b, &c1, &d, &plen), 5);
	c = child(site, true, spi_in,
		  (struct sa_ts){ a << 24 | b << 16 | c1 << 8 | d, (uint8_t)plen });
	rc = ctl_child_install(f->ctl, &c, now, in);
	if (rc != 0)
		return rc;
	fe_record(&f->fe, c.engine_site, *in, true);
	c.inbound = false;
	c.spi = spi_out;
	c.twin = *in;
	rc = ctl_child_install(f->ctl, &c, now, out);
	if (rc != 0)
		return rc;
	fe_record(&f->fe, c.engine_site, *out, false);
	return 0;
}

static uint64_t
counter(struct fixture *f, enum ctl_counter c)
{
	uint64_t ctr[CTL_CTR_N];

	ctl_counters(f->ctl, ctr);
	return ctr[c];
}

static uint32_t
tunnel_of(struct fixture *f, uint64_t handle)
{
	const struct sa *sa = sa_db_get(f->db, (uint32_t)handle);

	assert_non_null(sa);
	return sa->tunnel;
}

static unsigned
tunnels_in_use(struct fixture *f)
{
	struct ctl_tunnel_info ti;
	unsigned n = 0;

	for (uint32_t t = 0; t < f->cfg.esp.max_tunnels; t++)
		n += ctl_tunnel_get(f->ctl, t, &ti) == 0;
	return n;
}

/* --- the cases ---------------------------------------------------------- */

/*
 * A pair installed while a worker runs: the inbound SA is in the worker's
 * SAD when install returns (sa_add waited for the acknowledgement). A
 * rekey's outbound SA waits; deleting the old pair hands it the tunnel.
 */
static void
install_and_replace_with_worker_ack(void **state)
{
	struct fixture *f = *state;
	uint64_t in1, out1, in2, out2;
	struct ctl_tunnel_info ti;
	uint32_t t;

	start_ike(f, 1);
	assert_int_equal(f->fe.site_adds, 1);
	run_worker(f);

	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.5.0/24", 0, &in1, &out1), 0);
	/* Acknowledged: the worker thread has applied at least this far. */
	assert_true(f->w.applied > 0);
	t = tunnel_of(f, in1);
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.out, ID(out1)); /* the first outbound SA: at once */
	assert_int_equal(ti.next_out, SA_NONE);
	assert_int_equal(ti.sas, 2);
	assert_int_equal(ctl_sa_owner(f->ctl, (uint32_t)in1), CTL_SA_ENGINE);

	/* The rekey: same selectors, same tunnel; the old SA keeps sending. */
	assert_int_equal(install_pair(f, 0, 0xa002, 0xb002, "192.168.5.0/24", 10, &in2, &out2), 0);
	assert_int_equal(tunnel_of(f, in2), t);
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.out, ID(out1));
	assert_int_equal(ti.next_out, ID(out2));
	assert_int_equal(ti.sas, 4);

	/* The engine deletes the old pair, outbound first: the new one takes over. */
	ctl_child_delete(f->ctl, out1);
	ctl_child_delete(f->ctl, in1);
	f->fe.sa[0].engine_site = f->fe.sa[1].engine_site = UINT32_MAX;
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.out, ID(out2));
	assert_int_equal(ti.next_out, SA_NONE);
	assert_int_equal(ti.sas, 2);
	assert_int_equal(counter(f, CTL_CTR_COMMIT_LEAVING), 1);
	assert_int_equal(counter(f, CTL_CTR_CHILD_INSTALLED), 4);
	/* A handle deleted twice, or never given, changes nothing. */
	ctl_child_delete(f->ctl, out1);
	ctl_child_delete(f->ctl, 63);
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.out, ID(out2));

	stop_worker(f);
	{
		struct sa *sa[1];
		uint32_t spi = 0xa002, dst = LOCAL_ADDR;

		sa_worker_lookup_in(worker_view(f), &spi, &dst, 1, sa);
		assert_non_null(sa[0]);
		assert_int_equal(sa_worker_tunnel_out(f->sw, t)->spi, 0xb002);
	}
}

/*
 * osaka with a pair (handles in1, out1) installed at 0 and its rekey
 * (in2, out2) at 5000: out2 waits. Returns their tunnel.
 */
static uint32_t
rekey_waiting(struct fixture *f, uint64_t *in1, uint64_t *out1, uint64_t *in2, uint64_t *out2)
{
	start_ike(f, 1);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.5.0/24", 0, in1, out1), 0);
	assert_int_equal(install_pair(f, 0, 0xa002, 0xb002, "192.168.5.0/24", 5000, in2, out2), 0);
	return tunnel_of(f, *in1);
}

/* The rekeyed outbound SA takes over at the first packet on its twin. */
static void
commit_on_first_inbound(void **state)
{
	struct fixture *f = *state;
	uint64_t in1, out1, in2, out2;
	struct ctl_tunnel_info ti;
	uint32_t t;

	t = rekey_waiting(f, &in1, &out1, &in2, &out2);

	/* Traffic on the old inbound SA proves nothing about the new pair. */
	sa_worker_counters(f->sw)[ID(in1)].packets += 3;
	ctl_poll(f->ctl, 5100);
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.out, ID(out1));
	assert_int_equal(ctl_child_last_inbound(f->ctl, in1), 5100);
	assert_int_equal(ctl_child_last_inbound(f->ctl, in2), 0);

	sa_worker_counters(f->sw)[ID(in2)].packets += 1;
	ctl_poll(f->ctl, 5200); /* well before CTL_COMMIT_MS */
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.out, ID(out2));
	assert_int_equal(ti.next_out, SA_NONE);
	assert_int_equal(sa_worker_tunnel_out(worker_view(f), t)->spi, 0xb002);
	assert_int_equal(counter(f, CTL_CTR_COMMIT_TRAFFIC), 1);
	assert_int_equal(counter(f, CTL_CTR_COMMIT_TIMEOUT), 0);
	assert_int_equal(ctl_child_last_inbound(f->ctl, in2), 5200);
}

/* ... or CTL_COMMIT_MS after it was installed, not a millisecond before. */
static void
commit_on_timeout(void **state)
{
	struct fixture *f = *state;
	uint64_t in1, out1, in2, out2;
	struct ctl_tunnel_info ti;
	uint32_t t;

	t = rekey_waiting(f, &in1, &out1, &in2, &out2);

	ctl_poll(f->ctl, 5000 + CTL_COMMIT_MS - 1);
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.out, ID(out1));
	assert_int_equal(ti.next_out, ID(out2));
	ctl_poll(f->ctl, 5000 + CTL_COMMIT_MS);
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.out, ID(out2));
	assert_int_equal(counter(f, CTL_CTR_COMMIT_TIMEOUT), 1);
	assert_int_equal(counter(f, CTL_CTR_COMMIT_TRAFFIC), 0);
}

/*
 * Two sites with the same branch subnet: neither gets it in the SPD (the
 * cloud's traffic toward it would be ambiguous), it is protected (dropped,
 * never routed in clear), and a third site's own subnet is routed. Nested
 * prefixes overlap too.
 */
static void
overlap_of_two_sites(void **state)
{
	struct fixture *f = *state;
	char s0[1024], s1[1024], s2[1024], s3[1024];
	const char *sites[] = { s0, s1, s2, s3 };
	struct sa_worker *sw;
	uint32_t t2;

	manual_site(s0, sizeof(s0), "osaka", 5, 0x1001, 0x2001, "\"192.168.0.0/24\"");
	manual_site(s1, sizeof(s1), "kobe", 6, 0x1002, 0x2002, "\"192.168.0.0/24\"");
	manual_site(s2, sizeof(s2), "nara", 7, 0x1003, 0x2003, "\"10.20.0.0/16\"");
	manual_site(s3, sizeof(s3), "kyoto", 8, 0x1004, 0x2004, "\"10.20.30.0/24\"");
	start(f, "", sites, 2); /* osaka and kobe first */
	assert_int_equal(ctl_sites_install(f->ctl, 0), 0);
	sw = worker_view(f);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_DISCARD);
	assert_true(sa_worker_protected(sw, 0xc0a80005));
	assert_int_equal(counter(f, CTL_CTR_PREFIX_SHARED), 2);
	assert_int_equal(tunnels_in_use(f), 2); /* reached through NAT sessions */

	/* nara alone owns 10.20.0.0/16: routed to its tunnel. kyoto's /24
	 * inside it comes next. */
	add_from_file(f, sites, 3, 2);
	t2 = sa_db_get(f->db, 4)->tunnel;
	assert_int_equal(sa_worker_spd(worker_view(f), 0x0a140101), t2);
	add_from_file(f, sites, 4, 3);
	/* nara's /16 contains kyoto's /24: which branch the cloud means by
	 * 10.20.30.5 is ambiguous, and so is the rest of the /16 (it would
	 * have stayed out had both been there at start). nara's tunnel stays,
	 * without the prefix; kyoto's gets none. */
	sw = worker_view(f);
	assert_int_equal(counter(f, CTL_CTR_PREFIX_SHARED), 4);
	assert_int_equal(sa_worker_spd(sw, 0x0a141e05), SA_DISCARD);
	assert_int_equal(sa_worker_spd(sw, 0x0a141f05), SA_DISCARD);
	assert_true(sa_worker_protected(sw, 0x0a141f05));
	assert_non_null(sa_worker_tunnel_out(sw, t2));
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_DISCARD);
}

/*
 * Outbound SPIs are the branches' choice: two sites may pick the same one,
 * and both get their own SA. An inbound SPI already ours is refused
 * without touching the site that has it, and leaks no tunnel.
 */
static void
spi_collisions_between_sites(void **state)
{
	struct fixture *f = *state;
	uint64_t in0, out0, in1, out1, in_dup, out_dup;
	struct ctl_tunnel_info ti;

	start_ike(f, 2);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xbeef, "192.168.5.0/24", 0, &in0, &out0), 0);
	assert_int_equal(install_pair(f, 1, 0xa002, 0xbeef, "192.168.6.0/24", 0, &in1, &out1), 0);
	assert_int_not_equal(out0, out1);
	assert_int_equal(sa_db_get(f->db, (uint32_t)out0)->site, 0);
	assert_int_equal(sa_db_get(f->db, (uint32_t)out1)->site, 1);
	assert_int_equal(tunnels_in_use(f), 2);

	/* kobe's engine (or a bug in it) reuses osaka's inbound SPI. */
	assert_int_equal(
		install_pair(f, 1, 0xa001, 0xb003, "192.168.6.128/25", 0, &in_dup, &out_dup),
		-EEXIST);
	assert_int_equal(counter(f, CTL_CTR_INSTALL_FAILED), 1);
	assert_int_equal(tunnels_in_use(f), 2); /* the tunnel made for it is gone */
	assert_int_equal(sa_db_get(f->db, (uint32_t)in0)->site, 0);
	assert_int_equal(ctl_tunnel_get(f->ctl, tunnel_of(f, in0), &ti), 0);
	assert_int_equal(ti.out, ID(out0));

	/* An outbound SA must name one of its own site's inbound SAs as twin. */
	{
		struct ctl_child c = child(1, false, 0xb004, (struct sa_ts){ 0xc0a80600, 24 });
		uint64_t h;

		c.twin = in0;

		assert_int_equal(ctl_child_install(f->ctl, &c, 0, &h), -EINVAL);
		c.engine_site = 77; /* no such engine site */
		c.twin = in1;
		assert_int_equal(ctl_child_install(f->ctl, &c, 0, &h), -ENOENT);
	}
	/* kobe's engine site may carry neither osaka's subnet nor more than
	 * its own (a /23 around its /24). */
	assert_int_equal(install_pair(f, 1, 0xa005, 0xb005, "192.168.5.0/24", 0, &in_dup, &out_dup),
			 -EPERM);
	assert_int_equal(install_pair(f, 1, 0xa005, 0xb005, "192.168.6.0/23", 0, &in_dup, &out_dup),
			 -EPERM);
	assert_int_equal(counter(f, CTL_CTR_INSTALL_FAILED), 5);
	assert_int_equal(tunnels_in_use(f), 2);

	/* The engine's SAs are not the operator's to delete by hand. */
	assert_int_equal(ctl_manual_sa_del(f->ctl, (uint32_t)in0), -EPERM);
	assert_int_equal(ctl_manual_sa_add(f->ctl, 0, true, CFG_AES128_CBC, CFG_HMAC_SHA1_96,
					   &(struct cfg_manual_sa){ .spi = 0x9999 },
					   &(uint32_t){ 0 }),
			 -EPERM);
}

/*
 * A branch's NAT rebinds: only that site's UDP-encapsulated outbound SAs
 * follow; its inbound SAs and other sites' SAs stay.
 */
static void
peer_move(void **state)
{
	struct fixture *f = *state;
	uint64_t in0, out0, in1, out1;

	start_ike(f, 2);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.5.0/24", 0, &in0, &out0), 0);
	assert_int_equal(install_pair(f, 1, 0xa002, 0xb002, "192.168.6.0/24", 0, &in1, &out1), 0);

	assert_int_equal(ctl_peer_moved(f->ctl, ENGINE_SITE(0), 0xcb0071aa, 61000), 1);
	worker_view(f);
	assert_int_equal(sa_db_get(f->db, (uint32_t)out0)->peer_addr, 0xcb0071aa);
	assert_int_equal(sa_db_get(f->db, (uint32_t)out0)->peer_port, 61000);
	assert_int_equal(sa_db_get(f->db, (uint32_t)in0)->peer_addr, 0xcb007100 + 10);
	assert_int_equal(sa_db_get(f->db, (uint32_t)out1)->peer_addr, 0xcb007100 + 11);
	assert_int_equal(sa_db_get(f->db, (uint32_t)out1)->peer_port, 4500);
	assert_int_equal(counter(f, CTL_CTR_PEER_MOVES), 1);
	/* The same address again (a retransmission): nothing moves. */
	assert_int_equal(ctl_peer_moved(f->ctl, ENGINE_SITE(0), 0xcb0071aa, 61000), 0);
	assert_int_equal(counter(f, CTL_CTR_PEER_MOVES), 1);
	/* An engine site ctl does not know moves nothing. */
	assert_int_equal(ctl_peer_moved(f->ctl, 4242, 0xcb0071bb, 1), 0);
	assert_int_equal(sa_db_get(f->db, (uint32_t)out1)->peer_addr, 0xcb007100 + 11);
}

/*
 * A site removed while its SAs are in flight (a pair up, a rekey waiting,
 * the worker running): the engine deletes them all, the tunnel and the
 * protected subnets go, and the engine's name for the site is forgotten.
 */
static void
site_del_with_sas_in_flight(void **state)
{
	struct fixture *f = *state;
	uint64_t in1, out1, in2, out2, h;
	struct ctl_tunnel_info ti;
	struct sa_worker *sw;
	uint32_t t;

	start_ike(f, 2);
	run_worker(f);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.5.0/24", 0, &in1, &out1), 0);
	assert_int_equal(install_pair(f, 0, 0xa002, 0xb002, "192.168.5.0/24", 0, &in2, &out2), 0);
	assert_int_equal(install_pair(f, 1, 0xa003, 0xb003, "192.168.6.0/24", 0, &h, &h), 0);
	t = tunnel_of(f, in1);
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), 0);
	assert_int_equal(ti.next_out, ID(out2));

	ctl_site_del(f->ctl, 0, 100);
	assert_int_equal(f->fe.site_dels, 1);
	assert_null(ctl_site(f->ctl, 0));
	assert_int_equal(ctl_site_find(f->ctl, "osaka"), -1);
	assert_int_equal(ctl_sa_owner(f->ctl, (uint32_t)in1), CTL_SA_NONE);
	assert_int_equal(ctl_sa_owner(f->ctl, (uint32_t)out2), CTL_SA_NONE);
	assert_int_equal(ctl_tunnel_get(f->ctl, t, &ti), -ENOENT);
	assert_int_equal(tunnels_in_use(f), 1); /* kobe's */
	assert_int_equal(counter(f, CTL_CTR_SITES_REMOVED), 1);
	/* A late install for the removed site finds no site. */
	{
		struct ctl_child c = child(0, true, 0xa009, (struct sa_ts){ 0xc0a80500, 24 });

		assert_int_equal(ctl_child_install(f->ctl, &c, 200, &h), -ENOENT);
	}
	stop_worker(f);
	sw = worker_view(f);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80505), SA_NONE); /* no longer protected */
	assert_false(sa_worker_protected(sw, 0xc0a80505));
	assert_true(sa_worker_protected(sw, 0xc0a80605)); /* kobe's still is */
	/* The slot is reused by the next site. */
	{
		uint32_t site;
		struct cfg tmp;

		load(f, &tmp);
		snprintf(tmp.sites[0].name, sizeof(tmp.sites[0].name), "sakai");
		assert_int_equal(ctl_site_add(f->ctl, &tmp.sites[0], 300, &site), 0);
		assert_int_equal(site, 0);
		conf_free(&tmp);
	}
}

/* Lifetimes the data plane counts go to the engine, by the inbound SPI. */
static void
lifetime_to_engine(void **state)
{
	struct fixture *f = *state;
	struct ctl_child c = child(0, true, 0xa001, (struct sa_ts){ 0xc0a80500, 24 });
	uint64_t in, out;

	c.soft_packets = 10;
	c.hard_bytes = 1000000;
	start_ike(f, 1);
	assert_int_equal(ctl_child_install(f->ctl, &c, 0, &in), 0);
	fe_record(&f->fe, c.engine_site, in, true);
	c.inbound = false;
	c.spi = 0xb001;
	c.twin = in;
	assert_int_equal(ctl_child_install(f->ctl, &c, 0, &out), 0);
	fe_record(&f->fe, c.engine_site, out, false);
	assert_int_equal(sa_db_get(f->db, (uint32_t)in)->tunnel_mtu < 1400, true);

	sa_worker_counters(f->sw)[ID(in)].packets = 9;
	ctl_poll(f->ctl, 100);
	assert_int_equal(f->fe.soft, 0);
	sa_worker_counters(f->sw)[ID(in)].packets = 10;
	ctl_poll(f->ctl, 200);
	assert_int_equal(f->fe.soft, 1);
	assert_int_equal(f->fe.expired_spi, 0xa001);
	assert_int_equal(counter(f, CTL_CTR_SA_SOFT_EXPIRED), 1);
	/* The outbound SA's hard byte limit names the pair by the inbound SPI. */
	sa_worker_counters(f->sw)[ID(out)].bytes = 1000000;
	ctl_poll(f->ctl, 300);
	assert_int_equal(f->fe.hard, 1);
	assert_int_equal(f->fe.expired_spi, 0xa001);
	assert_int_equal(ctl_sa_owner(f->ctl, (uint32_t)out), CTL_SA_ENGINE); /* engine's call */
}

/*
 * config reload: one site unchanged (its SAs untouched), one changed, one
 * removed, one added into the hole; the PSK goes to the engine; a change
 * outside the sites is reported, not applied.
 */
static void
config_reload_diff(void **state)
{
	struct fixture *f = *state;
	char s0[1024], s1[1024], s2[1024], s3[1024], s1b[1024], report[1024] = "";
	const char *before[] = { s0, s1, s2 };
	const char *after[] = { s0, s1b, s3 };
	uint32_t osaka_in = UINT32_MAX;
	struct cfg fresh;
	struct sa_worker *sw;

	manual_site(s0, sizeof(s0), "osaka", 5, 0x1001, 0x2001, "\"192.168.5.0/24\"");
	manual_site(s1, sizeof(s1), "kobe", 6, 0x1002, 0x2002, "\"192.168.6.0/24\"");
	ike_site(s2, sizeof(s2), "nara", 7, "\"192.168.7.0/24\"");
	manual_site(s1b, sizeof(s1b), "kobe", 6, 0x1012, 0x2012, "\"192.168.6.0/24\"");
	manual_site(s3, sizeof(s3), "kyoto", 8, 0x1004, 0x2004, "\"192.168.8.0/24\"");
	start(f, "ike = { default_psk = \"old wildcard\"; };", before, 3);
	assert_int_equal(ctl_sites_install(f->ctl, 0), 0);
	for (uint32_t id = 0; id < 8; id++)
		if (sa_db_get(f->db, id) != NULL && sa_db_get(f->db, id)->spi == 0x1001)
			osaka_in = id;
	assert_int_not_equal(osaka_in, UINT32_MAX);

	write_conf(f, "ike = { default_psk = \"new wildcard\"; };\nworkers = 2;", after, 3);
	load(f, &fresh);
	assert_int_equal(ctl_reload(f->ctl, &fresh, 1000, report, sizeof(report)), 0);
	conf_free(&fresh);
	printf("# %s", report);
	assert_non_null(strstr(report, "not applied: changes outside sites"));
	assert_non_null(strstr(report, "sites: 1 added, 1 changed, 1 removed, 1 unchanged\n"));
	assert_int_equal(f->fe.psk_sets, 1);
	assert_int_equal(f->fe.site_dels, 1);                      /* nara */
	assert_int_equal(f->cfg.workers, 1);                       /* not applied */
	assert_int_equal(sa_db_get(f->db, osaka_in)->spi, 0x1001); /* untouched */
	assert_int_equal(ctl_site_find(f->ctl, "kyoto"), 2);       /* nara's hole */
	assert_int_equal(ctl_site_find(f->ctl, "nara"), -1);
	assert_int_equal(ctl_site_find(f->ctl, ""), -1);
	assert_int_equal(ctl_site_find(f->ctl, "a name longer than any site's can be"), -1);
	sw = worker_view(f);
	{
		struct sa *sa[1];
		uint32_t spi = 0x1012, old = 0x1002, dst = LOCAL_ADDR;

		sa_worker_lookup_in(sw, &spi, &dst, 1, sa);
		assert_non_null(sa[0]);
		assert_int_equal(sa[0]->site, 1);
		sa_worker_lookup_in(sw, &old, &dst, 1, sa);
		assert_null(sa[0]);
	}
	assert_false(sa_worker_protected(sw, 0xc0a80705)); /* nara's subnet freed */
	assert_true(sa_worker_protected(sw, 0xc0a80805));  /* kyoto's protected */

	/* The same file again: nothing to do. */
	report[0] = '\0';
	write_conf(f, "ike = { default_psk = \"new wildcard\"; };", after, 3);
	load(f, &fresh);
	assert_int_equal(ctl_reload(f->ctl, &fresh, 2000, report, sizeof(report)), 0);
	conf_free(&fresh);
	assert_string_equal(report, "sites: 0 added, 0 changed, 0 removed, 3 unchanged\n");
	assert_int_equal(f->fe.psk_sets, 1);
}

/* A hand-keyed site: SAs by hand through the CLI path, its tunnel by its selectors. */
static void
manual_sas_by_hand(void **state)
{
	struct fixture *f = *state;
	char s0[1024], s1[1024];
	const char *sites[] = { s0, s1 };
	struct cfg_manual_sa m = { .spi = 0x3001, .key_len = 16, .auth_key_len = 20 };
	uint32_t in, out, id;

	manual_site(s0, sizeof(s0), "osaka", 5, 0x1001, 0x2001, "\"192.168.5.0/24\"");
	manual_site(s1, sizeof(s1), "kobe", 6, 0x1002, 0x2002, "\"192.168.6.0/24\"");
	start(f, "", sites, 2);
	assert_int_equal(ctl_sites_install(f->ctl, 0), 0);
	assert_int_equal(tunnels_in_use(f), 2);
	in = 0; /* ids in order of installation */
	out = 1;
	assert_int_equal(sa_db_get(f->db, in)->spi, 0x1001);
	assert_int_equal(ctl_sa_owner(f->ctl, out), CTL_SA_MANUAL);

	/* Every SA of osaka's removed by hand: the tunnel goes, and its id
	 * may serve kobe's next tunnel; a new SA for osaka gets osaka's. */
	assert_int_equal(ctl_manual_sa_del(f->ctl, out), 0);
	assert_int_equal(ctl_manual_sa_del(f->ctl, in), 0);
	assert_int_equal(ctl_manual_sa_del(f->ctl, in), -ENOENT);
	assert_int_equal(tunnels_in_use(f), 1);
	assert_int_equal(
		ctl_manual_sa_add(f->ctl, 0, false, CFG_AES128_CBC, CFG_HMAC_SHA1_96, &m, &id), 0);
	assert_int_equal(sa_db_get(f->db, id)->site, 0);
	assert_int_equal(sa_worker_tunnel_out(worker_view(f), sa_db_get(f->db, id)->tunnel)->spi,
			 0x3001);
	assert_int_equal(tunnels_in_use(f), 2);
	assert_int_equal(
		ctl_manual_sa_add(f->ctl, 9, true, CFG_AES128_CBC, CFG_HMAC_SHA1_96, &m, &id),
		-ENOENT);
}

/*
 * One branch cannot take the SA table from the others: an engine's site
 * holds at most what the engine declared (lib/ike: two per pair).
 */
static void
site_sa_cap(void **state)
{
	struct fixture *f = *state;
	uint64_t in, out;

	f->fe.max_sas = 4;
	start_ike(f, 2);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.5.0/24", 0, &in, &out), 0);
	assert_int_equal(install_pair(f, 0, 0xa002, 0xb002, "192.168.5.0/24", 0, &in, &out), 0);
	assert_int_equal(install_pair(f, 0, 0xa003, 0xb003, "192.168.5.0/24", 0, &in, &out),
			 -ENOSPC);
	assert_int_equal(counter(f, CTL_CTR_SITE_SA_CAP), 1);
	assert_int_equal(install_pair(f, 1, 0xa004, 0xb004, "192.168.6.0/24", 0, &in, &out), 0);
	/* A deleted SA gives its room back once lib/sa has freed it. */
	ctl_child_delete(f->ctl, f->fe.sa[1].handle);
	ctl_child_delete(f->ctl, f->fe.sa[0].handle);
	f->fe.sa[0].engine_site = f->fe.sa[1].engine_site = UINT32_MAX;
	sa_worker_apply(f->sw);
	ctl_poll(f->ctl, 100);
	assert_int_equal(install_pair(f, 0, 0xa005, 0xb005, "192.168.5.0/24", 100, &in, &out), 0);
}

/*
 * A handle kept past its SA's deletion misses the SA that reuses the id
 * (another site's); an outbound SA's twin must be an inbound SA.
 */
static void
stale_handle_misses(void **state)
{
	struct fixture *f = *state;
	uint64_t in0, out0, in1, out1, h;

	start_ike(f, 2);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.5.0/24", 0, &in0, &out0), 0);
	ctl_child_delete(f->ctl, out0);
	ctl_child_delete(f->ctl, in0);
	f->fe.sa[0].engine_site = f->fe.sa[1].engine_site = UINT32_MAX;
	/* kobe's pairs come and go until one reuses osaka's inbound id. */
	for (uint32_t spi = 0xa100;; spi++) {
		sa_worker_apply(f->sw);
		ctl_poll(f->ctl, 100); /* lib/sa frees the ids */
		assert_int_equal(
			install_pair(f, 1, spi, spi + 0x1000, "192.168.6.0/24", 100, &in1, &out1),
			0);
		if (ID(in1) == ID(in0) || ID(out1) == ID(in0))
			break;
		assert_true(spi < 0xa100 + 2 * 64);
		fe_delete_site_sas(&f->fe, ENGINE_SITE(1));
	}
	sa_worker_counters(f->sw)[ID(in1)].packets = 1;
	ctl_poll(f->ctl, 200);
	ctl_child_delete(f->ctl, in0);
	ctl_child_delete(f->ctl, out0);
	assert_int_equal(ctl_child_last_inbound(f->ctl, in0), 0);
	assert_int_equal(ctl_child_last_inbound(f->ctl, out0), 0);
	assert_int_equal(ctl_sa_owner(f->ctl, ID(in1)), CTL_SA_ENGINE);
	assert_int_equal(ctl_sa_owner(f->ctl, ID(out1)), CTL_SA_ENGINE);
	assert_int_equal(ctl_child_last_inbound(f->ctl, in1), 200);
	{
		struct ctl_child c = child(1, false, 0xb003, (struct sa_ts){ 0xc0a80600, 24 });

		c.twin = out1;

		assert_int_equal(ctl_child_install(f->ctl, &c, 300, &h), -EINVAL);
		c.twin = in1;
		c.remote_ts = (struct sa_ts){ 0xc0a80601, 24 }; /* host bits set */
		assert_int_equal(ctl_child_install(f->ctl, &c, 300, &h), -EPERM);
	}
}

/*
 * A hand-keyed site set anew while the worker runs: its subnet is never
 * routed in clear, not even between the old keys and the new. If the new
 * keys cannot be installed, the site stays, down but protected, and the
 * next reload keys it.
 */
static void
set_never_opens_the_subnet(void **state)
{
	struct fixture *f = *state;
	char s0[1024], s1[1024], s1b[1024], s1c[1024], report[512] = "";
	const char *before[] = { s0, s1 };
	const char *good[] = { s0, s1b };
	const char *clash[] = { s0, s1c };
	struct cfg fresh;
	uint32_t t;
	int kobe;

	uint64_t in, out;

	ike_site(s0, sizeof(s0), "osaka", 5, "\"192.168.5.0/24\"");
	manual_site(s1, sizeof(s1), "kobe", 6, 0x1002, 0x2002, "\"192.168.6.0/24\"");
	manual_site(s1b, sizeof(s1b), "kobe", 6, 0x1012, 0x2012, "\"192.168.6.0/24\"");
	manual_site(s1c, sizeof(s1c), "kobe", 6, 0xa001, 0x2022, "\"192.168.6.0/24\"");
	start(f, "", before, 2);
	assert_int_equal(ctl_sites_install(f->ctl, 0), 0);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.5.0/24", 0, &in, &out), 0);
	kobe = ctl_site_find(f->ctl, "kobe");
	f->w.watch = 0xc0a80605;
	run_worker(f);

	write_conf(f, "", good, 2);
	load(f, &fresh);
	assert_int_equal(ctl_site_set(f->ctl, (uint32_t)kobe, &fresh.sites[1], 10), 0);
	conf_free(&fresh);
	assert_true(ctl_site_keyed(f->ctl, (uint32_t)kobe));

	/* Its inbound SPI is one osaka's engine chose: the pair cannot be installed. */
	write_conf(f, "", clash, 2);
	load(f, &fresh);
	assert_int_equal(ctl_site_set(f->ctl, (uint32_t)kobe, &fresh.sites[1], 20), -EEXIST);
	conf_free(&fresh);
	assert_int_equal(ctl_site_find(f->ctl, "kobe"), kobe);
	assert_false(ctl_site_keyed(f->ctl, (uint32_t)kobe));
	stop_worker(f);
	assert_true(f->w.applied > 0);
	assert_int_equal(f->w.in_clear, 0);
	assert_int_equal(sa_worker_spd(worker_view(f), 0xc0a80605), SA_DISCARD);

	/* The same file again: an unkeyed site is not "unchanged"; it fails
	 * again, and is keyed once the file is right. */
	load(f, &fresh);
	assert_int_equal(ctl_reload(f->ctl, &fresh, 30, report, sizeof(report)), -EIO);
	conf_free(&fresh);
	assert_non_null(strstr(report, "0 changed, 0 removed, 1 unchanged (some failed"));
	report[0] = '\0';
	write_conf(f, "", good, 2);
	load(f, &fresh);
	assert_int_equal(ctl_reload(f->ctl, &fresh, 40, report, sizeof(report)), 0);
	conf_free(&fresh);
	assert_string_equal(report, "sites: 0 added, 1 changed, 0 removed, 1 unchanged\n");
	assert_true(ctl_site_keyed(f->ctl, (uint32_t)kobe));
	t = sa_worker_spd(worker_view(f), 0xc0a80605);
	assert_true(t < f->cfg.esp.max_tunnels);
	assert_int_equal(sa_worker_tunnel_out(f->sw, t)->spi, 0x2012);
}

/*
 * A site added at run time with a subnet an up site's tunnel routes:
 * the prefix leaves the SPD (dropped, protected), as it would have at
 * start; the up site's SAs stay.
 */
static void
runtime_overlap_withdraws(void **state)
{
	struct fixture *f = *state;
	char s0[1024], s1[1024];
	const char *one[] = { s0 };
	const char *two[] = { s0, s1 };
	struct sa_worker *sw;
	uint32_t t;

	manual_site(s0, sizeof(s0), "osaka", 5, 0x1001, 0x2001, "\"192.168.0.0/24\"");
	manual_site(s1, sizeof(s1), "kobe", 6, 0x1002, 0x2002, "\"192.168.0.0/24\"");
	start(f, "", one, 1);
	assert_int_equal(ctl_sites_install(f->ctl, 0), 0);
	t = sa_db_get(f->db, 0)->tunnel;
	assert_int_equal(sa_worker_spd(worker_view(f), 0xc0a80005), t);

	add_from_file(f, two, 2, 1);
	sw = worker_view(f);
	assert_int_equal(sa_worker_spd(sw, 0xc0a80005), SA_DISCARD);
	assert_true(sa_worker_protected(sw, 0xc0a80005));
	assert_non_null(sa_worker_tunnel_out(sw, t)); /* osaka's tunnel is up */
	assert_int_equal(counter(f, CTL_CTR_PREFIX_SHARED), 2);
}

/*
 * The site table is not taken by deleting and installing faster than
 * lib/sa frees: deleted SAs count against the cap until the next poll.
 */
static void
cap_counts_sas_not_yet_freed(void **state)
{
	struct fixture *f = *state;
	uint64_t in, out;
	uint32_t spi = 0xa001;

	f->fe.max_sas = 4;
	start_ike(f, 2);
	for (int i = 0; i < 2; i++, spi++) {
		assert_int_equal(
			install_pair(f, 0, spi, spi + 0x1000, "192.168.5.0/24", 0, &in, &out), 0);
		fe_delete_site_sas(&f->fe, ENGINE_SITE(0));
	}
	assert_int_equal(install_pair(f, 0, spi, spi + 0x1000, "192.168.5.0/24", 0, &in, &out),
			 -ENOSPC);
	assert_int_equal(counter(f, CTL_CTR_SITE_SA_CAP), 1);
	/* kobe's room is its own. */
	assert_int_equal(install_pair(f, 1, 0xa100, 0xb100, "192.168.6.0/24", 0, &in, &out), 0);
	sa_worker_apply(f->sw);
	ctl_poll(f->ctl, 100);
	assert_int_equal(
		install_pair(f, 0, spi + 1, spi + 0x1001, "192.168.5.0/24", 100, &in, &out), 0);
}

/*
 * A site whose new configuration could not be keyed, given SAs by hand,
 * then removed: nothing of it stays (no SA, no tunnel, no route), and a
 * site added later gets none of it.
 */
static void
unkeyed_site_del_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	char s0[1024], s1[1024], s1c[1024];
	const char *before[] = { s0, s1 };
	const char *clash[] = { s0, s1c };
	struct cfg_manual_sa m = { .spi = 0x3001, .key_len = 16, .auth_key_len = 20 };
	uint64_t in, out;
	struct cfg fresh;
	uint32_t id_in, id_out;
	int kobe;

	ike_site(s0, sizeof(s0), "osaka", 5, "\"192.168.5.0/24\"");
	manual_site(s1, sizeof(s1), "kobe", 6, 0x1002, 0x2002, "\"192.168.6.0/24\"");
	manual_site(s1c, sizeof(s1c), "kobe", 6, 0xa001, 0x2022, "\"192.168.6.0/24\"");
	start(f, "", before, 2);
	assert_int_equal(ctl_sites_install(f->ctl, 0), 0);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.5.0/24", 0, &in, &out), 0);
	kobe = ctl_site_find(f->ctl, "kobe");
	write_conf(f, "", clash, 2);
	load(f, &fresh);
	assert_int_equal(ctl_site_set(f->ctl, (uint32_t)kobe, &fresh.sites[1], 10), -EEXIST);
	conf_free(&fresh);
	assert_int_equal(ctl_manual_sa_add(f->ctl, (uint32_t)kobe, true, CFG_AES128_CBC,
					   CFG_HMAC_SHA1_96, &m, &id_in),
			 0);
	m.spi = 0x3002;
	assert_int_equal(ctl_manual_sa_add(f->ctl, (uint32_t)kobe, false, CFG_AES128_CBC,
					   CFG_HMAC_SHA1_96, &m, &id_out),
			 0);
	assert_int_equal(tunnels_in_use(f), 2);

	ctl_site_del(f->ctl, (uint32_t)kobe, 20);
	assert_int_equal(ctl_sa_owner(f->ctl, id_in), CTL_SA_NONE);
	assert_int_equal(ctl_sa_owner(f->ctl, id_out), CTL_SA_NONE);
	assert_int_equal(tunnels_in_use(f), 1); /* osaka's */
	assert_int_equal(sa_worker_spd(worker_view(f), 0xc0a80605), SA_NONE);
	assert_false(sa_worker_protected(f->sw, 0xc0a80605));
}

/* A site that cannot be added takes no other site's route with it. */
static void
failed_add_withdraws_nothing(void **state)
{
	struct fixture *f = *state;
	char s0[1024], s1[1024];
	const char *two[] = { s0, s1 };
	uint64_t in, out;
	struct cfg tmp;
	uint32_t site, t;

	ike_site(s0, sizeof(s0), "osaka", 5, "\"192.168.0.0/24\"");
	/* Its inbound SPI is the one osaka's engine chose. */
	manual_site(s1, sizeof(s1), "kobe", 6, 0xa001, 0x2002, "\"192.168.0.0/24\"");
	start(f, "", two, 1);
	assert_int_equal(ctl_sites_install(f->ctl, 0), 0);
	assert_int_equal(install_pair(f, 0, 0xa001, 0xb001, "192.168.0.0/24", 0, &in, &out), 0);
	t = tunnel_of(f, in);
	assert_int_equal(sa_worker_spd(worker_view(f), 0xc0a80005), t);

	write_conf(f, "", two, 2);
	load(f, &tmp);
	assert_int_equal(ctl_site_add(f->ctl, &tmp.sites[1], 0, &site), -EEXIST);
	conf_free(&tmp);
	assert_int_equal(ctl_site_find(f->ctl, "kobe"), -1);
	assert_int_equal(sa_worker_spd(worker_view(f), 0xc0a80005), t);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0],       "--no-huge",          "-m",
			"512",         "--no-pci",           "-l",
			"0-1",         "--log-level",        "lib.*:error",
			"--log-level", "esphub.ctl:warning", "--file-prefix",
			prefix };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(install_and_replace_with_worker_ack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(commit_on_first_inbound, setup, teardown),
		cmocka_unit_test_setup_teardown(commit_on_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(overlap_of_two_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(spi_collisions_between_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(peer_move, setup, teardown),
		cmocka_unit_test_setup_teardown(site_del_with_sas_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(lifetime_to_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(config_reload_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(manual_sas_by_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(site_sa_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_handle_misses, setup, teardown),
		cmocka_unit_test_setup_teardown(set_never_opens_the_subnet, setup, teardown),
		cmocka_unit_test_setup_teardown(runtime_overlap_withdraws, setup, teardown),
		cmocka_unit_test_setup_teardown(cap_counts_sas_not_yet_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(unkeyed_site_del_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_add_withdraws_nothing, setup, teardown),
	};
	int rc;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "test_ctl%d", getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	engine = crypto_engine_find("openssl");
	rc = cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
