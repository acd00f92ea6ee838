/* SPDX-License-Identifier: BSD-3-Clause */
/* test/fuzz: EAL, exact mbufs, ESP with known keys, the mbuf leak check. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "fuzz_dpdk.h"
#include "net.h"

#define POOL_MBUFS 8191

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/lsan_interface.h>

/*
 * DPDK's heap is no malloc memory: LeakSanitizer does not look into it, and
 * would report what only DPDK objects point at (an esp_worker's OpenSSL
 * context, an IMB_MGR) as leaked. Make it a root region.
 */
static int
lsan_root(const struct rte_memseg_list *msl, void *arg)
{
	(void)arg;
	__lsan_register_root_region(msl->base_va, msl->len);
	return 0;
}
#endif

static struct rte_mempool *pool;
static unsigned exact_live; /* exact buffers not yet freed */
static unsigned mark_in_use, mark_exact;

void
fz_eal_init(const char *name)
{
	char prefix[64];
	char *argv[] = { (char *)name,  "--no-huge",   "-m",
			 "256",         "--no-pci",    "-l",
			 "0",           "--no-shconf", "--no-telemetry",
			 "--log-level", "*:error",     "--file-prefix",
			 prefix };

	snprintf(prefix, sizeof(prefix), "%s_%d", name, (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "%s: EAL: %s\n", name, rte_strerror(rte_errno));
		exit(1);
	}
#ifdef FUZZ_ASAN
	rte_memseg_list_walk(lsan_root, NULL);
#endif
	pool = rte_pktmbuf_pool_create("fuzz", POOL_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "%s: mbuf pool: %s\n", name, rte_strerror(rte_errno));
		exit(1);
	}
}

struct rte_mempool *
fz_pool(void)
{
	return pool;
}

static void
exact_free(void *addr, void *opaque)
{
	free(opaque);
	free(addr);
	exact_live--;
}

struct rte_mbuf *
fz_mbuf_exact(const void *p, size_t len, uint16_t headroom)
{
	struct rte_mbuf_ext_shared_info *shinfo;
	struct rte_mbuf *m;
	uint8_t *buf;

	if (len + headroom > UINT16_MAX || (m = rte_pktmbuf_alloc(pool)) == NULL)
		return NULL;
	buf = malloc(len + headroom + (len + headroom == 0));
	shinfo = calloc(1, sizeof(*shinfo));
	if (buf == NULL || shinfo == NULL) {
		free(buf);
		free(shinfo);
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(buf + headroom, p, len);
	shinfo->free_cb = exact_free;
	shinfo->fcb_opaque = shinfo;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf, (uint16_t)(len + headroom),
				  shinfo);
	m->data_off = headroom;
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	exact_live++;
	return m;
}

struct rte_mbuf *
fz_mbuf(const void *p, size_t len)
{
	struct rte_mbuf *m;
	void *d;

	if (len > UINT16_MAX || (m = rte_pktmbuf_alloc(pool)) == NULL)
		return NULL;
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, p, len);
	return m;
}

void
fz_leak_mark(void)
{
	mark_in_use = rte_mempool_in_use_count(pool);
	mark_exact = exact_live;
}

void
fz_leak_check(const char *where)
{
	unsigned in_use = rte_mempool_in_use_count(pool);

	if (in_use != mark_in_use || exact_live != mark_exact) {
		fprintf(stderr, "%s: mbuf leak: %u in use (was %u), %u exact buffers (was %u)\n",
			where, in_use, mark_in_use, exact_live, mark_exact);
		abort();
	}
}

/* --- ESP with known keys ------------------------------------------------ */

void
fz_esp_keys_init(struct fz_esp_keys *k, const struct crypto_engine *e, const struct sa_params *p)
{
	*k = (struct fz_esp_keys){
		.engine = e,
		.gcm = p->keys.cipher == CRYPTO_CIPHER_AES_GCM16,
		.esn = p->esn,
		.udp_port = p->peer_port,
	};
	k->iv_len = k->gcm ? 8 : 16;
	k->align = k->gcm ? 4 : 16;
	k->clc = crypto_lcore_create(e, SOCKET_ID_ANY);
	k->sess = rte_zmalloc("fuzz_sess", crypto_session_size(e), 64);
	if (k->clc == NULL || k->sess == NULL || crypto_session_init(e, k->sess, &p->keys) != 0) {
		fprintf(stderr, "fuzz: cannot build a crypto session\n");
		exit(1);
	}
	k->icv_len = (uint8_t)crypto_session_icv_len(e, k->sess);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t
fz_esp_build(const struct fz_esp_keys *k, uint32_t src, uint32_t dst, uint32_t spi, uint64_t seq,
	     const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	size_t udp = k->udp_port ? 8 : 0, len;
	uint8_t *esp = out + 20 + udp, aad[12];
	struct crypto_op op;

	len = 20 + udp + 8 + k->iv_len + ptlen + k->icv_len;
	if (len > UINT16_MAX)
		return 0;
	memset(out, 0, 20 + udp);
	out[0] = 0x45;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[8] = 64;
	out[9] = udp ? IPPROTO_UDP : IPPROTO_ESP;
	put32(out + 12, src);
	put32(out + 16, dst);
	if (udp) {
		out[20] = out[22] = (uint8_t)(k->udp_port >> 8);
		out[21] = out[23] = (uint8_t)k->udp_port;
		out[24] = (uint8_t)((len - 20) >> 8);
		out[25] = (uint8_t)(len - 20);
	}
	fz_cksum_fix(out, 20); /* the header only: the datagram is not written yet */
	put32(esp, spi);
	put32(esp + 4, (uint32_t)seq);
	/* Any IV will do for a test: GCM's must only be unique per key. */
	for (unsigned i = 0; i < k->iv_len; i++)
		esp[8 + i] = (uint8_t)(seq >> (8 * (i % 8))) ^ (uint8_t)i;
	memcpy(esp + 8 + k->iv_len, pt, ptlen);
	op = (struct crypto_op){ .sess = k->sess,
				 .buf = esp,
				 .iv = esp + 8,
				 .cipher_off = 8u + k->iv_len,
				 .cipher_len = (uint32_t)ptlen,
				 .icv = esp + 8 + k->iv_len + ptlen,
				 .encrypt = 1 };
	if (k->gcm) {
		memcpy(aad, esp, 4);
		if (k->esn) {
			put32(aad + 4, (uint32_t)(seq >> 32));
			memcpy(aad + 8, esp + 4, 4);
		} else {
			memcpy(aad + 4, esp + 4, 4);
		}
		op.aad = aad;
		op.aad_len = k->esn ? 12 : 8;
	} else {
		op.auth_len = (uint32_t)(8 + k->iv_len + ptlen);
		if (k->esn) {
			/* RFC 4303 s3.3.2.1: the high half where the ICV goes. */
			put32(op.icv, (uint32_t)(seq >> 32));
			op.auth_len += 4;
		}
	}
	return crypto_process(k->clc, &op, 1) == 1 ? len : 0;
}

size_t
fz_esp_trailer(uint8_t *pt, size_t len, unsigned align)
{
	size_t n = (len + 2 + align - 1) / align * align;
	uint8_t pad = (uint8_t)(n - len - 2);

	for (uint8_t i = 0; i < pad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	pt[n - 2] = pad;
	pt[n - 1] = 4;
	return n;
}
