/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cipher and integrity algorithms of hand-keyed SAs: their names, the key
 * lengths a pair takes, and keys written in hex (also IKE's "0x" PSKs).
 */
#include <ctype.h>
#include <string.h>

#include "parser.h"

static const char *const cipher_names[] = {
	[CFG_AES128_CBC] = "aes128-cbc",
	[CFG_AES256_CBC] = "aes256-cbc",
	[CFG_AES128_GCM] = "aes128-gcm",
	[CFG_AES256_GCM] = "aes256-gcm",
};
static const char *const integ_names[] = {
	[CFG_INTEG_NONE] = "none",
	[CFG_HMAC_SHA1_96] = "hmac-sha1-96",
	[CFG_HMAC_SHA256_128] = "hmac-sha256-128",
};

const char *
conf_cipher_name(enum cfg_cipher c)
{
	return c < CONF_DIM(cipher_names) ? cipher_names[c] : "?";
}

const char *
conf_integ_name(enum cfg_integ i)
{
	return i < CONF_DIM(integ_names) ? integ_names[i] : "?";
}

bool
conf_cipher_from_str(const char *s, enum cfg_cipher *c)
{
	for (unsigned i = 0; i < CONF_DIM(cipher_names); i++)
		if (strcmp(s, cipher_names[i]) == 0) {
			*c = (enum cfg_cipher)i;
			return true;
		}
	return false;
}

bool
conf_integ_from_str(const char *s, enum cfg_integ *g)
{
	for (unsigned i = 0; i < CONF_DIM(integ_names); i++)
		if (strcmp(s, integ_names[i]) == 0) {
			*g = (enum cfg_integ)i;
			return true;
		}
	return false;
}

bool
conf_cipher_is_gcm(enum cfg_cipher c)
{
	return c == CFG_AES128_GCM || c == CFG_AES256_GCM;
}

bool
conf_key_lengths(enum cfg_cipher c, enum cfg_integ g, uint8_t *key, uint8_t *auth)
{
	bool gcm = conf_cipher_is_gcm(c);

	if (gcm != (g == CFG_INTEG_NONE))
		return false;
	*key = (uint8_t)((c == CFG_AES128_CBC || c == CFG_AES128_GCM ? 16 : 32) +
			 (gcm ? 4 : 0)); /* RFC 4106 s8.1: salt follows the key */
	*auth = g == CFG_HMAC_SHA1_96 ? 20 : g == CFG_HMAC_SHA256_128 ? 32 : 0;
	return true;
}

int
conf_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++) {
		int v;

		if (*s == ':' && hi < 0)
			continue;
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}
