/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What NAT's cycles are compared with: the crypto engine decrypting the
 * ESP packet that carries a 64-byte frame (bench_forward measures the
 * worker's forwarding). A lower bound of the real decrypt (no SA lookup,
 * replay window or ESP framing), so the share printed overstates NAT's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "baseline.h"
#include "crypto.h"

#define BURST  32
#define ROUNDS 20000

/* ESP tunnel packet of a 46-byte datagram: SPI, seq, IV, 48 bytes, ICV. */
#define ESP_IV  16
#define ESP_CT  48
#define ESP_MAX (8 + ESP_IV + ESP_CT + 16)

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
decrypt_cycles(enum crypto_cipher cipher, enum crypto_integ integ)
{
	const struct crypto_engine *e = crypto_engine_find("ipsec_mb");
	struct crypto_keys k = { .cipher = cipher,
				 .integ = integ,
				 .cipher_key_len = 16,
				 .integ_key_len = integ == CRYPTO_INTEG_NONE ? 0 : 20 };
	static uint8_t pkt[BURST][ESP_MAX], sealed[BURST][ESP_MAX];
	struct crypto_op op[BURST];
	struct crypto_lcore *lc;
	void *sess;
	unsigned ivl = cipher == CRYPTO_CIPHER_AES_GCM16 ? 8 : ESP_IV;
	unsigned icv = cipher == CRYPTO_CIPHER_AES_GCM16 ? 16 : 12;
	static uint64_t per_burst[ROUNDS];
	uint64_t cycles;
	uint16_t ok = 0;

	if (e == NULL)
		return -1;
	for (unsigned i = 0; i < sizeof(k.cipher_key); i++)
		k.cipher_key[i] = (uint8_t)(i * 7);
	for (unsigned i = 0; i < sizeof(k.integ_key); i++)
		k.integ_key[i] = (uint8_t)(i * 13);
	sess = rte_zmalloc("bench_sess", crypto_session_size(e), 64);
	lc = crypto_lcore_create(e, SOCKET_ID_ANY);
	if (sess == NULL || lc == NULL || crypto_session_init(e, sess, &k) != 0)
		return -1;
	for (int dir = 1; dir >= 0; dir--) {
		for (unsigned i = 0; i < BURST; i++) {
			if (dir == 1)
				for (unsigned j = 0; j < ESP_MAX; j++)
					pkt[i][j] = (uint8_t)(i + j);
			op[i] = (struct crypto_op){ .sess = sess,
						    .buf = pkt[i],
						    .iv = pkt[i] + 8,
						    .aad = pkt[i],
						    .icv = pkt[i] + 8 + ivl + ESP_CT,
						    .auth_len = 8 + ivl + ESP_CT,
						    .cipher_off = 8 + ivl,
						    .cipher_len = ESP_CT,
						    .aad_len = cipher == CRYPTO_CIPHER_AES_GCM16 ?
								       8 :
								       0,
						    .encrypt = (uint8_t)dir };
		}
		if (dir == 1) {
			crypto_process(lc, op, BURST);
			memcpy(sealed, pkt, sizeof(pkt));
		}
	}
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t t0;

		memcpy(pkt, sealed, sizeof(pkt));
		t0 = rte_rdtsc_precise();
		ok = crypto_process(lc, op, BURST);
		per_burst[r] = rte_rdtsc_precise() - t0;
	}
	/* The median burst: the machine is shared. */
	qsort(per_burst, ROUNDS, sizeof(per_burst[0]), cmp_u64);
	cycles = per_burst[ROUNDS / 2];
	(void)icv;
	crypto_lcore_destroy(lc);
	rte_free(sess);
	if (ok != BURST)
		printf("  (decrypt: %u of %u ops failed)\n", BURST - ok, BURST);
	return (double)cycles / BURST;
}

void
baseline_measure(struct baseline *b)
{
	b->cbc = decrypt_cycles(CRYPTO_CIPHER_AES_CBC, CRYPTO_INTEG_HMAC_SHA1_96);
	b->gcm = decrypt_cycles(CRYPTO_CIPHER_AES_GCM16, CRYPTO_INTEG_NONE);
	printf("\nbaseline, 64-byte frames:\n");
	printf("  decrypt AES-CBC-128/HMAC-SHA1-96  %6.1f cycles/packet (crypto engine only)\n",
	       b->cbc);
	printf("  decrypt AES-GCM-128               %6.1f cycles/packet (crypto engine only)\n",
	       b->gcm);
}
