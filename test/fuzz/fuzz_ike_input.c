/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a whole lib/ike responder fed arbitrary datagrams
 * through ike_input(), one instance for the run (so state builds up the
 * way it does on a live box), the clock moving one second per input so
 * half-open SAs time out. The first input byte picks the source port and
 * whether the datagram arrives on 500 or 4500; the rest is the datagram
 * (the non-ESP marker is added for 4500).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike *ike;
static uint64_t now = 1000000;
static uint8_t buf[16384 + 4];

static void
f_send(void *ctx, const struct ike_endpoint *l, const struct ike_endpoint *r, const uint8_t *b,
       size_t len)
{
	(void)ctx;
	(void)l;
	(void)r;
	(void)b;
	(void)len;
}

static int
f_install(void *ctx, const struct ike_child_sa *sa, uint64_t *handle)
{
	(void)ctx;
	(void)sa;
	*handle = 0;
	return 0;
}

static void
f_delete(void *ctx, uint64_t handle)
{
	(void)ctx;
	(void)handle;
}

static void
f_down(void *ctx, uint32_t id, const char *n, enum ike_down_reason w)
{
	(void)ctx;
	(void)id;
	(void)n;
	(void)w;
}

static const struct ike_host_ops ops = {
	.send = f_send,
	.child_sa_install = f_install,
	.child_sa_delete = f_delete,
	.peer_down = f_down,
};

static void
init(void)
{
	struct ike_config cfg;
	struct ike_site_params p;

	ike_config_defaults(&cfg);
	cfg.local_addr = 0xc6336401;
	memcpy(cfg.default_psk, "fuzz", 4);
	cfg.default_psk_len = 4;
	cfg.new_per_src_burst = 1000000;
	cfg.new_per_src_per_s = 1000000;
	ike = ike_create(&cfg, &ops, NULL);
	memset(&p, 0, sizeof(p));
	strcpy(p.name, "rtx1");
	memcpy(p.psk, "fuzz", 4);
	p.psk_len = 4;
	p.id.type = IKE_ID_IPV4_ADDR;
	p.id.len = 4;
	memcpy(p.id.value, "\xc0\xa8\x00\x01", 4);
	p.aggressive = true;
	p.n_remote = p.n_local = 1;
	p.remote_subnets[0] = (struct ike_prefix){ 0xc0a80000, 24 };
	p.local_subnets[0] = (struct ike_prefix){ 0xac100000, 16 };
	p.dpd_delay_s = 5;
	if (ike == NULL || ike_site_add(ike, &p, now, NULL) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_endpoint l = { 0xc6336401, 500 }, r = { 0xcb007107, 500 };
	size_t off = 0;

	if (ike == NULL)
		init();
	if (size < 1 || size - 1 > sizeof(buf) - 4)
		return 0;
	if (data[0] & 1) {
		l.port = r.port = 4500;
		memset(buf, 0, 4);
		off = 4;
	}
	r.port = (uint16_t)(r.port + (data[0] >> 1 & 3));
	memcpy(buf + off, data + 1, size - 1);
	ike_input(ike, now, &l, &r, buf, off + size - 1);
	now += 1000;
	ike_tick(ike, now);
	return 0;
}
