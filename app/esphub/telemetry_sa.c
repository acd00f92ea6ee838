/* SPDX-License-Identifier: BSD-3-Clause */
/* /esphub/sa, /esphub/sa_info,ID, /esphub/spd, /esphub/crypto (never keys). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "app.h"
#include "net.h"

static struct app *tel_app;

static bool
add_id(const struct sa *sa, void *arg)
{
	rte_tel_data_add_array_int(arg, (int)sa->id);
	return true;
}

static int
tel_sa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	pthread_mutex_lock(&tel_app->lock);
	sa_db_walk(tel_app->sa, add_id, d);
	pthread_mutex_unlock(&tel_app->lock);
	return 0;
}

static int
tel_sa_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sa_counters c;
	const struct sa *sa;
	char a[NET_IPV4_STR_MAX];
	char *end;
	unsigned long id;
	int rc = 0;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	pthread_mutex_lock(&tel_app->lock);
	sa = sa_db_get(tel_app->sa, (uint32_t)id);
	if (sa == NULL) {
		rc = -ENOENT;
		goto out;
	}
	sa_db_counters(tel_app->sa, sa->id, &c);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", sa->id);
	rte_tel_data_add_dict_string(d, "site", ctl_site_name(tel_app->ctl, sa->site));
	rte_tel_data_add_dict_string(d, "direction", sa->inbound ? "in" : "out");
	rte_tel_data_add_dict_u64(d, "spi", sa->spi);
	rte_tel_data_add_dict_string(d, "peer", net_ipv4_str(sa->peer_addr, a));
	rte_tel_data_add_dict_u64(d, "udp_encap", sa->peer_port != 0);
	rte_tel_data_add_dict_u64(d, "packets", c.packets);
	rte_tel_data_add_dict_u64(d, "bytes", c.bytes);
	rte_tel_data_add_dict_u64(d, "drops", c.drops);
	rte_tel_data_add_dict_u64(d, sa->inbound ? "replay_top" : "seq",
				  sa->inbound ? sa->replay.top :
						__atomic_load_n(&sa->seq, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "tunnel_mtu", sa->tunnel_mtu);
	rte_tel_data_add_dict_u64(d, "dead", sa->dead);
out:
	pthread_mutex_unlock(&tel_app->lock);
	return rc;
}

static void
spd_row(const struct sa_ts *p, uint32_t tunnel, void *arg)
{
	char pfx[NET_PREFIX_STR_MAX], row[RTE_TEL_MAX_STRING_LEN];

	net_prefix_str(p->addr, p->plen, pfx);
	if (tunnel == SA_DISCARD)
		snprintf(row, sizeof(row), "%s discard -", pfx);
	else
		snprintf(row, sizeof(row), "%s %u %s", pfx, tunnel,
			 app_tunnel_site_name(tel_app, tunnel));
	rte_tel_data_add_array_string(arg, row);
}

/* Rows "prefix tunnel site", or "prefix discard -". */
static int
tel_spd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&tel_app->lock);
	sa_db_spd_walk(tel_app->sa, spd_row, d);
	pthread_mutex_unlock(&tel_app->lock);
	return 0;
}

static int
tel_crypto(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "engine", crypto_engine_name(tel_app->engine));
	rte_tel_data_add_dict_string(d, "description", crypto_engine_describe(tel_app->engine));
	rte_tel_data_add_dict_u64(d, "sas", sa_db_count(tel_app->sa));
	rte_tel_data_add_dict_u64(d, "sa_memory_bytes", sa_db_memory(tel_app->sa));
	return 0;
}

int
app_telemetry_sa_register(struct app *app)
{
	tel_app = app;
	if (rte_telemetry_register_cmd("/esphub/sa", tel_sa, "SA ids.") != 0 ||
	    rte_telemetry_register_cmd("/esphub/sa_info", tel_sa_info,
				       "One SA: site, SPI, peer, counters. Parameters: int id") !=
		    0 ||
	    rte_telemetry_register_cmd("/esphub/spd", tel_spd, "SPD rows.") != 0 ||
	    rte_telemetry_register_cmd("/esphub/crypto", tel_crypto,
				       "Crypto engine, SA count and memory.") != 0)
		return -EINVAL;
	return 0;
}
