/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_nat's yardstick: the crypto engine decrypting 64-byte frames' ESP. */
#ifndef ESPHUB_TEST_NAT_BASELINE_H
#define ESPHUB_TEST_NAT_BASELINE_H

struct baseline {
	double cbc; /* decrypt, AES-CBC-128/HMAC-SHA1-96, cycles/packet */
	double gcm; /* decrypt, AES-GCM-128 */
};

/* Measure and print; a negative value where the engine could not run. */
void baseline_measure(struct baseline *b);

#endif
