/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ike_udp_peer: lib/ike on kernel UDP sockets (ports 500 and 4500, the
 * latter with the non-ESP marker, which the library handles), for interop
 * tests against real IKE daemons in network namespaces. TEST TOOL ONLY:
 * it prints every Child SA it would install, keys in hex, on stdout.
 *
 *   ike_udp_peer CONFIG
 *
 * CONFIG, one directive per line, '#' comments:
 *   local ADDR                 our address (binds ADDR:500 and ADDR:4500)
 *   id ipv4|fqdn|ufqdn|keyid VALUE   our ID (default: ID_IPV4_ADDR local)
 *   default_psk SECRET         PSK for Main Mode peers with no bound site
 *   ike SUITE                  (global) phase 1 suites accepted before the
 *                              site is known, e.g. aes128-sha1-modp1024
 *   site NAME ... end          a site, with:
 *     id TYPE VALUE | local_id TYPE VALUE | psk SECRET | peer ADDR|any
 *     remote PREFIX | local PREFIX            (repeatable)
 *     ike SUITE | esp SUITE                   (repeatable; esp: aes128-sha1,
 *                                              aes256-sha256-modp2048, aes128gcm16)
 *     dpd DELAY TIMEOUT | lifetime S | child_lifetime S [KB]
 *     aggressive yes|no | initiate yes|no
 *
 * Output lines (stdout, flushed): READY, CHILD_SA add|del ..., PEER up|down
 * ..., replies to commands. Commands on stdin: initiate NAME, down NAME,
 * del NAME, rekey SPI (soft byte limit of inbound SPI, hex), sas, children,
 * stats, quit. Logs go to stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ike.h"

#define MAX_SITES 16

struct peer {
	struct ike *ike;
	struct ike_config cfg;
	struct ike_site_params sites[MAX_SITES];
	unsigned n_sites;
	int fd500, fd4500;
	int verbose;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static const char *
ip(uint32_t a, char *buf)
{
	struct in_addr in = { htonl(a) };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/* ------------------------------------------------------------------ */
/* Host ops */

static void
op_send(void *ctx, const struct ike_endpoint *local, const struct ike_endpoint *remote,
	const uint8_t *buf, size_t len)
{
	struct peer *p = ctx;
	struct sockaddr_in to = { .sin_family = AF_INET };
	int fd = local->port == IKE_NATT_PORT ? p->fd4500 : p->fd500;

	to.sin_addr.s_addr = htonl(remote->addr);
	to.sin_port = htons(remote->port);
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		fprintf(stderr, "sendto: %s\n", strerror(errno));
}

/* The handle: direction and SPI (this tool prints, it keeps no table). */
static int
op_install(void *ctx, const struct ike_child_sa *sa, uint64_t *handle)
{
	const struct crypto_keys *k = &sa->keys;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	(void)ctx;
	printf("CHILD_SA add site=%s dir=%s spi=%08x cipher=%s ekey=", sa->site_name,
	       sa->inbound ? "in" : "out", sa->spi,
	       k->cipher == CRYPTO_CIPHER_AES_GCM16 ? "aes-gcm16" : "aes-cbc");
	hex(stdout, k->cipher_key, k->cipher_key_len);
	printf(" integ=%s ikey=", k->integ == CRYPTO_INTEG_HMAC_SHA1_96    ? "hmac-sha1-96" :
				  k->integ == CRYPTO_INTEG_HMAC_SHA256_128 ? "hmac-sha256-128" :
									     "none");
	hex(stdout, k->integ_key, k->integ_key_len);
	printf(" salt=");
	hex(stdout, k->salt, k->cipher == CRYPTO_CIPHER_AES_GCM16 ? CRYPTO_SALT_LEN : 0);
	printf(" local_ts=%s/%u remote_ts=%s/%u local=%s:%u remote=%s:%u life_s=%llu"
	       " life_bytes=%llu\n",
	       ip(sa->local_ts.addr, a), sa->local_ts.len, ip(sa->remote_ts.addr, b),
	       sa->remote_ts.len, ip(sa->local.addr, c), sa->local.port, ip(sa->remote.addr, d),
	       sa->remote.port, (unsigned long long)sa->life_s, (unsigned long long)sa->life_bytes);
	fflush(stdout);
	*handle = (uint64_t)sa->inbound << 32 | sa->spi;
	return 0;
}

static void
op_delete(void *ctx, uint64_t handle)
{
	(void)ctx;
	printf("CHILD_SA del dir=%s spi=%08x\n", handle >> 32 ? "in" : "out", (uint32_t)handle);
	fflush(stdout);
}

static void
op_down(void *ctx, uint32_t site_id, const char *name, enum ike_down_reason why)
{
	static const char *const r[] = { "dpd", "delete", "expired", "admin" };

	(void)ctx;
	printf("PEER down site=%s site_id=%u reason=%s\n", name, site_id,
	       (unsigned)why < 4 ? r[why] : "?");
	fflush(stdout);
}

static void
op_up(void *ctx, uint32_t site_id, const char *name)
{
	(void)ctx;
	printf("PEER up site=%s site_id=%u\n", name, site_id);
	fflush(stdout);
}

static void
op_log(void *ctx, enum ike_log_level lvl, const char *fmt, va_list ap)
{
	struct peer *p = ctx;

	if (lvl == IKE_LOG_DEBUG && !p->verbose)
		return;
	fprintf(stderr, "ike[%d] ", lvl);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static const struct ike_host_ops ops = {
	.send = op_send,
	.child_sa_install = op_install,
	.child_sa_delete = op_delete,
	.peer_down = op_down,
	.peer_up = op_up,
	.log = op_log,
};

/* ------------------------------------------------------------------ */
/* Config */

static bool
parse_addr(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (strcmp(s, "any") == 0) {
		*a = 0;
		return true;
	}
	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*a = ntohl(in.s_addr);
	return true;
}

static bool
parse_prefix(const char *s, struct ike_prefix *p)
{
	char buf[64], *slash;
	unsigned long len = 32;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		len = strtoul(slash + 1, NULL, 10);
	}
	p->len = (uint8_t)len;
	return len <= 32 && parse_addr(buf, &p->addr);
}

static bool
parse_id(const char *type, const char *val, struct ike_id *id)
{
	uint32_t a;

	memset(id, 0, sizeof(*id));
	if (strcmp(type, "ipv4") == 0) {
		if (!parse_addr(val, &a))
			return false;
		id->type = IKE_ID_IPV4_ADDR;
		id->len = 4;
		id->value[0] = (uint8_t)(a >> 24);
		id->value[1] = (uint8_t)(a >> 16);
		id->value[2] = (uint8_t)(a >> 8);
		id->value[3] = (uint8_t)a;
		return true;
	}
	id->type = strcmp(type, "fqdn") == 0  ? IKE_ID_FQDN :
		   strcmp(type, "ufqdn") == 0 ? IKE_ID_USER_FQDN :
		   strcmp(type, "keyid") == 0 ? IKE_ID_KEY_ID :
						IKE_ID_NONE;
	id->len = (uint8_t)strlen(val);
	memcpy(id->value, val, id->len);
	return id->type != IKE_ID_NONE && id->len > 0;
}

static enum ike_dh
parse_group(const char *s)
{
	if (s == NULL)
		return IKE_DH_NONE;
	return strcmp(s, "modp1024") == 0 ? IKE_DH_MODP1024 :
	       strcmp(s, "modp1536") == 0 ? IKE_DH_MODP1536 :
	       strcmp(s, "modp2048") == 0 ? IKE_DH_MODP2048 :
	       strcmp(s, "ecp256") == 0   ? IKE_DH_ECP256 :
	       strcmp(s, "ecp384") == 0   ? IKE_DH_ECP384 :
					    (enum ike_dh) - 1;
}

static enum ike_hash
parse_hash(const char *s)
{
	return strcmp(s, "sha1") == 0   ? IKE_HASH_SHA1 :
	       strcmp(s, "sha256") == 0 ? IKE_HASH_SHA256 :
	       strcmp(s, "sha384") == 0 ? IKE_HASH_SHA384 :
	       strcmp(s, "sha512") == 0 ? IKE_HASH_SHA512 :
					  IKE_HASH_NONE;
}

/* "aes128-sha1-modp1024" */
static bool
parse_ike(char *s, struct ike_p1_proposal *p)
{
	char *enc = strtok(s, "-"), *hash = strtok(NULL, "-"), *grp = strtok(NULL, "-");

	if (enc == NULL || hash == NULL || grp == NULL)
		return false;
	p->cipher = IKE_CIPHER_AES_CBC;
	p->key_bits = (uint16_t)(strcmp(enc, "aes256") == 0 ? 256 :
				 strcmp(enc, "aes128") == 0 ? 128 :
							      0);
	p->hash = parse_hash(hash);
	p->group = parse_group(grp);
	return p->key_bits != 0 && p->hash != IKE_HASH_NONE && p->group != IKE_DH_NONE &&
	       (int)p->group != -1;
}

/* "aes128-sha1[-modp1024]" or "aes256gcm16[-modp2048]" */
static bool
parse_esp(char *s, struct ike_esp_proposal *p)
{
	char *enc = strtok(s, "-"), *a = strtok(NULL, "-"), *b = strtok(NULL, "-");

	if (enc == NULL)
		return false;
	memset(p, 0, sizeof(*p));
	if (strncmp(enc, "aes128gcm", 9) == 0 || strncmp(enc, "aes256gcm", 9) == 0) {
		p->cipher = IKE_CIPHER_AES_GCM16;
		p->key_bits = enc[3] == '1' ? 128 : 256;
		p->integ = IKE_HASH_NONE;
		p->pfs = parse_group(a);
		return (int)p->pfs != -1;
	}
	p->cipher = IKE_CIPHER_AES_CBC;
	p->key_bits = (uint16_t)(strcmp(enc, "aes256") == 0 ? 256 :
				 strcmp(enc, "aes128") == 0 ? 128 :
							      0);
	p->integ = a ? parse_hash(a) : IKE_HASH_NONE;
	p->pfs = parse_group(b);
	return p->key_bits != 0 && p->integ != IKE_HASH_NONE && (int)p->pfs != -1;
}

static bool
site_line(struct ike_site_params *s, char *key, char *v1, char *v2)
{
	if (strcmp(key, "id") == 0 && v2)
		return parse_id(v1, v2, &s->id);
	if (strcmp(key, "local_id") == 0 && v2)
		return parse_id(v1, v2, &s->local_id);
	if (strcmp(key, "psk") == 0 && v1) {
		s->psk_len = (uint16_t)strlen(v1);
		memcpy(s->psk, v1, s->psk_len);
		return s->psk_len <= IKE_PSK_MAX;
	}
	if (strcmp(key, "peer") == 0 && v1)
		return parse_addr(v1, &s->peer_addr);
	if (strcmp(key, "remote") == 0 && v1 && s->n_remote < IKE_SUBNETS_MAX)
		return parse_prefix(v1, &s->remote_subnets[s->n_remote++]);
	if (strcmp(key, "local") == 0 && v1 && s->n_local < IKE_SUBNETS_MAX)
		return parse_prefix(v1, &s->local_subnets[s->n_local++]);
	if (strcmp(key, "ike") == 0 && v1 && s->n_p1 < IKE_PROPS_MAX)
		return parse_ike(v1, &s->p1[s->n_p1++]);
	if (strcmp(key, "esp") == 0 && v1 && s->n_esp < IKE_PROPS_MAX)
		return parse_esp(v1, &s->esp[s->n_esp++]);
	if (strcmp(key, "dpd") == 0 && v1 && v2) {
		s->dpd_delay_s = (uint32_t)atoi(v1);
		s->dpd_timeout_s = (uint32_t)atoi(v2);
		return true;
	}
	if (strcmp(key, "lifetime") == 0 && v1) {
		s->p1_lifetime_s = (uint32_t)atoi(v1);
		return true;
	}
	if (strcmp(key, "child_lifetime") == 0 && v1) {
		s->child_lifetime_s = (uint32_t)atoi(v1);
		s->child_lifetime_kb = v2 ? strtoull(v2, NULL, 10) : 0;
		return true;
	}
	if (strcmp(key, "aggressive") == 0 && v1) {
		s->aggressive = strcmp(v1, "yes") == 0;
		return true;
	}
	if (strcmp(key, "initiate") == 0 && v1) {
		s->initiate = strcmp(v1, "yes") == 0;
		return true;
	}
	return false;
}

static bool
load(struct peer *p, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	struct ike_site_params *s = NULL;
	unsigned lineno = 0, n_ike = 0;

	if (f == NULL) {
		perror(path);
		return false;
	}
	ike_config_defaults(&p->cfg);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *key, *v1, *v2, *hash = strchr(line, '#');
		bool ok = false;

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		key = strtok(line, " \t\r\n");
		v1 = strtok(NULL, " \t\r\n");
		v2 = strtok(NULL, " \t\r\n");
		if (key == NULL)
			continue;
		if (s != NULL) {
			ok = strcmp(key, "end") == 0 ? (s = NULL, true) : site_line(s, key, v1, v2);
		} else if (strcmp(key, "site") == 0 && v1 && p->n_sites < MAX_SITES) {
			s = &p->sites[p->n_sites++];
			snprintf(s->name, sizeof(s->name), "%s", v1);
			ok = true;
		} else if (strcmp(key, "local") == 0 && v1) {
			ok = parse_addr(v1, &p->cfg.local_addr);
		} else if (strcmp(key, "id") == 0 && v2) {
			ok = parse_id(v1, v2, &p->cfg.local_id);
		} else if (strcmp(key, "default_psk") == 0 && v1) {
			p->cfg.default_psk_len = (uint16_t)strlen(v1);
			memcpy(p->cfg.default_psk, v1, p->cfg.default_psk_len);
			ok = true;
		} else if (strcmp(key, "ike") == 0 && v1 && n_ike < IKE_PROPS_MAX) {
			ok = parse_ike(v1, &p->cfg.p1[n_ike++]);
			p->cfg.n_p1 = (uint8_t)n_ike;
		} else if (strcmp(key, "verbose") == 0) {
			p->verbose = 1;
			ok = true;
		}
		if (!ok) {
			fprintf(stderr, "%s:%u: bad line\n", path, lineno);
			fclose(f);
			return false;
		}
	}
	fclose(f);
	return true;
}

/* ------------------------------------------------------------------ */

static int
bind_udp(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "bind %u: %s\n", port, strerror(errno));
		exit(1);
	}
	return fd;
}

static void
receive(struct peer *p, int fd, uint16_t port)
{
	static uint8_t buf[65536];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	struct ike_endpoint l = { p->cfg.local_addr, port }, r;

	if (n < 0)
		return;
	r.addr = ntohl(from.sin_addr.s_addr);
	r.port = ntohs(from.sin_port);
	ike_input(p->ike, now_ms(), &l, &r, buf, (size_t)n);
}

static int
print_sa(const struct ike_sa_info *i, void *arg)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	(void)arg;
	printf("IKE_SA site=%s state=%s initiator=%d local=%s:%u remote=%s:%u "
	       "nat_local=%d nat_remote=%d dpd=%d cookies=",
	       i->site_name, i->state, i->initiator, ip(i->local.addr, a), i->local.port,
	       ip(i->remote.addr, b), i->remote.port, i->nat_local, i->nat_remote, i->dpd);
	hex(stdout, i->icookie, 8);
	putchar(':');
	hex(stdout, i->rcookie, 8);
	putchar('\n');
	return 0;
}

static int
print_child(const struct ike_child_info *i, void *arg)
{
	(void)arg;
	printf("CHILD site=%s in=%08x out=%08x encap=%d rekeyed=%d\n", i->site_name, i->spi_in,
	       i->spi_out, i->encap, i->rekeyed);
	return 0;
}

static void
command(struct peer *p, char *line)
{
	char *cmd = strtok(line, " \t\r\n"), *arg = strtok(NULL, " \t\r\n");
	uint64_t t = now_ms();
	int rc = 0;

	if (cmd == NULL)
		return;
	if (strcmp(cmd, "initiate") == 0 && arg) {
		rc = ike_site_initiate(p->ike, arg, t);
	} else if (strcmp(cmd, "down") == 0 && arg) {
		rc = ike_site_down(p->ike, arg, t);
	} else if (strcmp(cmd, "del") == 0 && arg) {
		rc = ike_site_del(p->ike, arg, t);
	} else if (strcmp(cmd, "rekey") == 0 && arg) {
		/* as the data plane's soft byte limit on inbound SA arg (hex) */
		ike_child_sa_expired(p->ike, (uint32_t)strtoul(arg, NULL, 16), false, t);
	} else if (strcmp(cmd, "sas") == 0) {
		ike_sa_foreach(p->ike, print_sa, NULL);
	} else if (strcmp(cmd, "children") == 0) {
		ike_child_foreach(p->ike, print_child, NULL);
	} else if (strcmp(cmd, "stats") == 0) {
		struct ike_stats st;

		ike_stats_get(p->ike, &st);
		printf("STATS\n");
		for (unsigned i = 0; i < IKE_STAT_N; i++)
			if (st.c[i] != 0)
				printf("STAT %s %llu\n", ike_stat_name(i),
				       (unsigned long long)st.c[i]);
	} else if (strcmp(cmd, "quit") == 0) {
		stop = 1;
	} else {
		rc = -EINVAL;
	}
	printf("%s %s %d\n", rc == 0 ? "OK" : "ERR", cmd, rc);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static struct peer p;
	char line[256];
	size_t have = 0;
	int in_fd = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CONFIG\n", argv[0]);
		return 2;
	}
	if (!load(&p, argv[1]))
		return 2;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	p.fd500 = bind_udp(p.cfg.local_addr, IKE_PORT);
	p.fd4500 = bind_udp(p.cfg.local_addr, IKE_NATT_PORT);
	p.ike = ike_create(&p.cfg, &ops, &p);
	if (p.ike == NULL) {
		fprintf(stderr, "ike_create: bad config\n");
		return 2;
	}
	for (unsigned i = 0; i < p.n_sites; i++) {
		const char *why = NULL;
		int rc = ike_site_params_validate(&p.sites[i], &why);

		if (rc == 0)
			rc = ike_site_add(p.ike, &p.sites[i], now_ms(), NULL);
		if (rc != 0) {
			fprintf(stderr, "site %s: %d %s\n", p.sites[i].name, rc, why ? why : "");
			return 2;
		}
	}
	printf("READY\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd fds[3] = {
			{ p.fd500, POLLIN, 0 },
			{ p.fd4500, POLLIN, 0 },
			{ in_fd, POLLIN, 0 },
		};
		uint64_t dl = ike_next_deadline(p.ike), t = now_ms();
		int timeout = dl == UINT64_MAX ? 1000 :
			      dl <= t          ? 0 :
						 (int)(dl - t > 1000 ? 1000 : dl - t);

		if (poll(fds, 3, timeout) < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN)
			receive(&p, p.fd500, IKE_PORT);
		if (fds[1].revents & POLLIN)
			receive(&p, p.fd4500, IKE_NATT_PORT);
		if (fds[2].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(0, line + have, sizeof(line) - 1 - have);
			char *nl;

			if (n <= 0) {
				in_fd = -1; /* stdin closed: keep running */
			} else {
				have += (size_t)n;
				line[have] = '\0';
				while ((nl = strchr(line, '\n')) != NULL) {
					*nl = '\0';
					command(&p, line);
					memmove(line, nl + 1, have - (size_t)(nl + 1 - line) + 1);
					have -= (size_t)(nl + 1 - line);
				}
				if (have >= sizeof(line) - 1)
					have = 0;
			}
		}
		ike_tick(p.ike, now_ms());
	}
	ike_destroy(p.ike);
	close(p.fd500);
	close(p.fd4500);
	return 0;
}
