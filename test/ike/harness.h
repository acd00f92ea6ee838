/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process test bed for lib/ike: two or more instances ("hosts") on a
 * fake network with a fake clock. Datagrams are queued, not delivered from
 * inside send(), so the library is never re-entered. A simple NAT can sit
 * in front of one host; a filter can drop, duplicate or capture datagrams.
 */
#ifndef TEST_IKE_HARNESS_H
#define TEST_IKE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike.h"

#define H_MAX_SA      512
#define H_MAX_PKT     1024
#define H_LOG_MAX     (256 * 1024)
#define H_MAX_COOKIES 8192

struct h_sa {                   /* one installed SA direction */
	struct ike_child_sa sa; /* keys kept (test only) */
	bool live;
	uint64_t installed_at; /* the handle is the index in host.sas */
	unsigned order;        /* host.installs when it came */
};

struct host {
	const char *name;
	struct ike *ike;
	struct ike_config cfg;
	uint32_t addr; /* its own address */
	struct h_sa sas[H_MAX_SA];
	unsigned installs, deletes, downs, ups, moves;
	unsigned twin_not_last_in;         /* outbound SAs whose twin (their own pair's
				      inbound SA) was not the inbound SA of
				      their site and selectors installed last */
	uint8_t cookies[H_MAX_COOKIES][8]; /* our own live cookies (cookie_own) */
	unsigned n_cookies;
	enum ike_down_reason last_down;
	bool mute; /* drop everything it sends */
	char log[H_LOG_MAX];
	size_t log_len;
};

struct pkt {
	struct host *from;
	struct ike_endpoint src, dst;
	uint8_t data[16384];
	size_t len;
};

/* Filter: return false to drop; may modify the packet. */
typedef bool (*h_filter)(struct pkt *p, void *arg);

struct net {
	struct host *hosts[4];
	unsigned n;
	struct pkt q[H_MAX_PKT];
	unsigned qh, qt;
	uint64_t now;
	h_filter filter;
	void *filter_arg;
	/* NAT in front of nat_host: its private address/ports appear as
	 * nat_pub, with source ports mapped to nat_port_base + n */
	struct host *nat_host;
	uint32_t nat_pub;
	uint16_t nat_port_base;
	uint16_t nat_inner[8];
	unsigned nat_n;
	unsigned delivered;
};

extern struct net NET;

void net_reset(void);
/* The hub and branch most tests start from: fixture.h. */

struct host *host_new(const char *name, uint32_t addr, const uint8_t *default_psk, size_t psk_len);
void host_free(struct host *h);
void host_restart(struct host *h);

/* Deliver queued datagrams until none is left (or max). */
unsigned net_run(unsigned max);
/* Advance the clock by ms, firing timers (and delivering) on the way. */
void net_advance(uint64_t ms);

/* Sites in the RTX profile: branch 192.168.0.0/24, cloud 172.16.0.0/16. */
void site_branch(struct ike_site_params *p, const char *name, uint32_t peer,
		 const char *psk); /* on esphub: the branch */
void site_hub(struct ike_site_params *p, const char *name, uint32_t peer,
	      const char *psk); /* on the branch: esphub */

/* Installed SAs */
unsigned host_live(const struct host *h, bool inbound);
const struct h_sa *host_find(const struct host *h, bool inbound, uint32_t spi);
/* Every live SA on a has its mirror on b with the same keys. */
void assert_mirrored(const struct host *a, const struct host *b);
uint64_t stat_of(const struct host *h, enum ike_stat s);
void assert_cookies_balanced(const struct host *h);
bool site_is_up(struct host *h, const char *name);

#define ADDR(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#endif /* TEST_IKE_HARNESS_H */
