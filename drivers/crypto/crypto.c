/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine registry and dispatch. Everything here is engine-independent:
 * the key rules (RFC 3602, 4106, 2404, 4868), session bookkeeping and the
 * per-lcore wrapper whose first word is the engine's process function, so
 * that crypto_process() is one indirect call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "engine.h"

/* The default (fast-path) engine comes first. */
static const struct crypto_engine *const engines[] = {
	&crypto_engine_ipsec_mb,
	&crypto_engine_openssl,
};

struct crypto_lcore {
	uint16_t (*process)(void *priv, struct crypto_op *ops, uint16_t n);
	void *priv;
	const struct crypto_engine *engine;
} __attribute__((aligned(CRYPTO_CACHE_LINE)));

const struct crypto_engine *
crypto_engine_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (strcmp(engines[i]->name, name) == 0)
			return engines[i];
	return NULL;
}

const char *
crypto_engine_name(const struct crypto_engine *e)
{
	return e->name;
}

const char *
crypto_engine_describe(const struct crypto_engine *e)
{
	return e->describe();
}

size_t
crypto_session_size(const struct crypto_engine *e)
{
	return e->sess_size;
}

static unsigned
icv_len_of(const struct crypto_keys *k)
{
	if (k->cipher == CRYPTO_CIPHER_AES_GCM16)
		return 16; /* RFC 4106 s3: ICV16 */
	return k->integ == CRYPTO_INTEG_HMAC_SHA1_96 ? 12 : 16;
}

/*
 * Only what RFC 8221 asks of us and the installed base runs: AES-128/256
 * (no 192), CBC with HMAC-SHA1-96 (20-byte key, RFC 2404) or
 * HMAC-SHA2-256-128 (32-byte key, RFC 4868 s2.1.1), GCM with no separate
 * integrity transform (RFC 4106 s8.1: the salt is part of the keys).
 */
static int
keys_check(const struct crypto_keys *k)
{
	if (k->cipher_key_len != 16 && k->cipher_key_len != 32)
		return -EINVAL;
	switch (k->cipher) {
	case CRYPTO_CIPHER_AES_CBC:
		if (k->integ == CRYPTO_INTEG_HMAC_SHA1_96)
			return k->integ_key_len == 20 ? 0 : -EINVAL;
		if (k->integ == CRYPTO_INTEG_HMAC_SHA256_128)
			return k->integ_key_len == 32 ? 0 : -EINVAL;
		return -EINVAL;
	case CRYPTO_CIPHER_AES_GCM16:
		return k->integ == CRYPTO_INTEG_NONE ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

int
crypto_session_init(const struct crypto_engine *e, void *sess, const struct crypto_keys *keys)
{
	struct sess_hdr *h = sess;
	int rc;

	if (sess == NULL || keys == NULL || ((uintptr_t)sess & (CRYPTO_CACHE_LINE - 1)) != 0)
		return -EINVAL;
	rc = keys_check(keys);
	if (rc != 0)
		return rc;
	memset(sess, 0, e->sess_size);
	h->cipher = keys->cipher;
	h->integ = keys->integ;
	h->key_len = keys->cipher_key_len;
	h->icv_len = icv_len_of(keys);
	/* The engine fills its part and writes magic last. */
	rc = e->sess_init(sess, keys);
	if (rc != 0)
		explicit_bzero(sess, e->sess_size);
	return rc;
}

void
crypto_session_clear(const struct crypto_engine *e, void *sess)
{
	if (sess != NULL)
		explicit_bzero(sess, e->sess_size);
}

unsigned
crypto_session_icv_len(const struct crypto_engine *e, const void *sess)
{
	const struct sess_hdr *h = sess;

	(void)e;
	return h->icv_len;
}

uint32_t
crypto_session_hot_lines(const struct crypto_engine *e, const void *sess, int encrypt, uint32_t len)
{
	if (e->hot_lines != NULL)
		return e->hot_lines(sess, encrypt, len);
	return lines_of(0, e->sess_size < 8 * CRYPTO_CACHE_LINE ? e->sess_size :
								  8 * CRYPTO_CACHE_LINE);
}

struct crypto_lcore *
crypto_lcore_create(const struct crypto_engine *e, int socket_id)
{
	size_t hdr = sizeof(struct crypto_lcore);
	size_t size = hdr + e->lcore_size;
	struct crypto_lcore *lc;

	size = (size + CRYPTO_CACHE_LINE - 1) & ~(size_t)(CRYPTO_CACHE_LINE - 1);
	lc = aligned_alloc(CRYPTO_CACHE_LINE, size);
	if (lc == NULL)
		return NULL;
	memset(lc, 0, size);
	lc->process = e->process;
	lc->priv = (char *)lc + hdr;
	lc->engine = e;
	if (e->lcore_init(lc->priv, socket_id) != 0) {
		free(lc);
		return NULL;
	}
	return lc;
}

void
crypto_lcore_destroy(struct crypto_lcore *lc)
{
	if (lc == NULL)
		return;
	lc->engine->lcore_fini(lc->priv);
	free(lc);
}

uint16_t
crypto_process(struct crypto_lcore *lc, struct crypto_op *ops, uint16_t n)
{
	return lc->process(lc->priv, ops, n);
}
