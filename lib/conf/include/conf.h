/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * esphub configuration: the libconfig file read into one struct cfg.
 *
 * conf_load() reads and validates the whole file before anything starts.
 * Every problem is reported as one line "FILE:LINE: field: what is wrong"
 * (field is the path inside the file, e.g. "ports[1].address"); loading
 * fails if there is at least one. Unknown fields are errors, so a typo
 * never silently falls back to a default. Secrets are never quoted.
 *
 * Addresses are host byte order. Control core only.
 */
#ifndef ESPHUB_CONF_H
#define ESPHUB_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike.h"
#include "nat_config.h"

#define CFG_MAX_PORTS   8
#define CFG_NAME_MAX    16  /**< port names, incl. NUL */
#define CFG_DEVICE_MAX  256 /**< DPDK devargs string, incl. NUL */
#define CFG_MAX_WORKERS 16

enum cfg_port_role {
	CFG_ROLE_OUTSIDE, /**< WAN: branches reach the box here */
	CFG_ROLE_INSIDE,  /**< the cloud network */
};

struct cfg_port {
	char name[CFG_NAME_MAX];
	char device[CFG_DEVICE_MAX]; /**< e.g. "net_af_packet0,iface=wan0" or a PCI address */
	enum cfg_port_role role;
	uint32_t addr;
	uint8_t plen;
	uint16_t mtu;
	unsigned line; /**< where it was defined, for later errors */
};

struct cfg_route {
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;  /**< next hop */
	unsigned port; /**< index into cfg.ports */
	unsigned line;
};

/* Cleartext allowed across an outside port (bypass.c). */
#define CFG_MAX_BYPASS 64
struct cfg_bypass {
	uint32_t local, remote;
	uint8_t local_len, remote_len;
	unsigned line;
};

struct cfg_neighbour {
	uint32_t addr;
	uint8_t mac[6];
	unsigned port;
	unsigned line;
};

#define CFG_MAX_SUBNETS  8  /* = SA_MAX_TS */
#define CFG_KEY_MAX      36 /* AES-256 + GCM salt */
#define CFG_AUTH_KEY_MAX 32

enum cfg_cipher { CFG_AES128_CBC, CFG_AES256_CBC, CFG_AES128_GCM, CFG_AES256_GCM };
enum cfg_integ { CFG_INTEG_NONE, CFG_HMAC_SHA1_96, CFG_HMAC_SHA256_128 };

struct cfg_prefix {
	uint32_t addr;
	uint8_t plen;
};

struct cfg_lifetime {
	uint64_t bytes, packets, seconds; /* 0 = none */
};

/* One direction of a manually keyed SA. Secret: never printed. */
struct cfg_manual_sa {
	uint32_t spi;
	uint8_t key_len; /* cipher key incl. GCM salt */
	uint8_t auth_key_len;
	uint8_t key[CFG_KEY_MAX];
	uint8_t auth_key[CFG_AUTH_KEY_MAX];
};

/* A branch office. With sa_in/sa_out its tunnel is keyed by hand. */
struct cfg_site {
	char name[32];
	uint32_t peer;  /* the branch's outer address */
	uint32_t local; /* esphub's outer address */
	unsigned n_remote, n_local;
	struct cfg_prefix remote[CFG_MAX_SUBNETS]; /* branch subnets */
	struct cfg_prefix local_subnets[CFG_MAX_SUBNETS];
	bool udp_encap; /* RFC 3948 */
	uint16_t peer_port, local_port;
	bool esn;
	uint32_t replay_window;
	enum cfg_cipher cipher;
	enum cfg_integ integ;
	struct cfg_lifetime soft, hard;
	bool manual;           /* keyed by hand: sa_in, sa_out */
	bool allow_unsafe_gcm; /* hand-keyed GCM all the same (tests) */
	struct cfg_manual_sa sa_in, sa_out;
	bool ike;                          /* keyed by IKE: ike_params */
	struct ike_site_params ike_params; /* holds the PSK: never printed */
	unsigned line;
};

struct cfg_esp {
	uint32_t replay_window; /* default for sites */
	uint16_t mss_clamp;     /* 0 auto, UINT16_MAX off, else MSS */
	uint32_t max_sas;
	uint32_t max_tunnels;
};

struct cfg_tables {
	uint32_t neighbours; /**< neighbour (ARP) table entries */
	uint32_t routes;     /**< IPv4 routes */
	uint32_t mbufs;      /**< packet buffers; 0 = sized from ports and workers */
};

struct cfg {
	char *path;
	unsigned workers;         /**< worker lcores */
	unsigned workers_line;    /**< line of "workers", 0 if defaulted */
	unsigned log_level;       /**< syslog numbering: 1 emerg .. 8 debug */
	uint32_t icmp_error_rate; /**< ICMP errors per second per worker; 0 = never */
	uint32_t idle_sleep_us;   /**< an idle worker sleeps this long per poll; 0 = never */
	struct cfg_tables tables;
	unsigned n_ports;
	struct cfg_port ports[CFG_MAX_PORTS];
	unsigned n_routes;
	struct cfg_route *routes;
	unsigned n_neighbours;
	struct cfg_neighbour *neighbours;
	unsigned n_bypass;
	struct cfg_bypass bypass[CFG_MAX_BYPASS];
	char crypto_engine[16]; /**< "ipsec_mb" or "openssl" */
	struct ike_config ike;  /**< the ike section, defaults filled */
	bool nat_enabled;       /**< a nat section is present */
	struct nat_config nat;  /**< its rules, pools, limits (runtime fields unset) */
	struct cfg_esp esp;
	unsigned n_sites;
	struct cfg_site *sites;
};

/**
 * Read and validate path into cfg (which the caller zeroes or reuses).
 * On failure the error lines, newline-separated, are written to err
 * (truncated to errlen) and cfg is left empty. On success err holds the
 * warnings ("FILE:LINE: field: warning: ..."), newline-separated, or "".
 * @return 0, or -1 if the file is missing, unreadable or invalid.
 */
int conf_load(const char *path, struct cfg *cfg, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/** Release what conf_load() allocated. */
void conf_free(struct cfg *cfg);

/**
 * Parse one site given as text in the file's syntax, "{ name = ...; ... }",
 * in the context of cfg (its ports, esp and ike sections). Errors are
 * reported as "(cli):LINE: site.FIELD: what is wrong".
 * @return 0 (err holds the warnings, or ""), or -1 with the errors in err.
 */
int conf_site_from_text(const struct cfg *cfg, const char *text, struct cfg_site *out, char *err,
			size_t errlen) __attribute__((warn_unused_result));

/** "outside" / "inside". */
const char *conf_role_name(enum cfg_port_role role);

/** Index of the port whose connected subnet holds addr, or -1. */
int conf_port_for_addr(const struct cfg *cfg, uint32_t addr);

/** "aes128-cbc" etc., "hmac-sha1-96" etc. */
const char *conf_cipher_name(enum cfg_cipher c);
const char *conf_integ_name(enum cfg_integ i);
bool conf_cipher_from_str(const char *s, enum cfg_cipher *c);
bool conf_integ_from_str(const char *s, enum cfg_integ *i);

/**
 * Cipher key length (incl. the 4-byte GCM salt) and integrity key length a
 * cipher/integrity pair takes, or false if the pair is not allowed.
 */
bool conf_key_lengths(enum cfg_cipher c, enum cfg_integ i, uint8_t *key, uint8_t *auth);

/**
 * Keys given by hand (a site's sa_in/sa_out, `sa add`) never go with GCM:
 * its IV is the sequence number, which starts at 1 again on every start,
 * `site set` or re-add with the same key, so (key, nonce) pairs repeat and
 * an observer of two runs recovers plaintext (RFC 4106 s8.1). Only a site
 * with allow_unsafe_manual_gcm (test harnesses, benchmarks) may.
 */
#define CFG_MANUAL_GCM_REFUSED                                                 \
	"GCM keyed by hand repeats nonces (its IV restarts with the sequence " \
	"number under the same key, RFC 4106 s8.1): use aes128-cbc or "        \
	"aes256-cbc with integ, or IKE"
bool conf_cipher_is_gcm(enum cfg_cipher c);

/**
 * Parse hex ("0x" prefix and ':' separators allowed) into out. Returns the
 * byte count, or -1 if malformed or longer than max.
 */
int conf_hex(const char *s, uint8_t *out, size_t max);

/** Name of a syslog level (1..8), e.g. "info"; parse with conf_log_level_from_str. */
const char *conf_log_level_name(unsigned level);
bool conf_log_level_from_str(const char *s, unsigned *level);

#endif /* ESPHUB_CONF_H */
