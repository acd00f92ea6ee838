/* SPDX-License-Identifier: BSD-3-Clause */
/* /esphub/ike_stats, /esphub/sites, /esphub/site,NAME (never PSKs). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app.h"
#include "net.h"

static struct app *tel_app;

static int
tel_ike_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ike_stats st;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	pthread_mutex_lock(&tel_app->lock);
	ike_stats_get(tel_app->ike, &st);
	pthread_mutex_unlock(&tel_app->lock);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "sites", st.sites);
	rte_tel_data_add_dict_u64(d, "ike_sas", st.ike_sas);
	rte_tel_data_add_dict_u64(d, "half_open", st.half_open);
	rte_tel_data_add_dict_u64(d, "sources", st.sources);
	rte_tel_data_add_dict_u64(d, "child_sas", st.child_sas);
	for (unsigned i = 0; i < IKE_STAT_N; i++)
		rte_tel_data_add_dict_u64(d, ike_stat_name(i), st.c[i]);
	return 0;
}

static int
tel_sites(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&tel_app->lock);
	for (uint32_t i = 0; i < ctl_site_slots(tel_app->ctl); i++)
		if (ctl_site(tel_app->ctl, i) != NULL)
			rte_tel_data_add_array_string(d, ctl_site_name(tel_app->ctl, i));
	pthread_mutex_unlock(&tel_app->lock);
	return 0;
}

static int
tel_site(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ike_site_info info;
	const struct cfg_site *s;
	char a[NET_IPV4_STR_MAX];
	int idx, rc = 0;

	RTE_SET_USED(cmd);
	if (params == NULL)
		return -EINVAL;
	pthread_mutex_lock(&tel_app->lock);
	idx = ctl_site_find(tel_app->ctl, params);
	if (idx < 0) {
		rc = -ENOENT;
		goto out;
	}
	s = ctl_site(tel_app->ctl, (uint32_t)idx);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", s->name);
	rte_tel_data_add_dict_string(d, "keying", s->ike ? "ike" : "manual");
	rte_tel_data_add_dict_u64(d, "keyed", ctl_site_keyed(tel_app->ctl, (uint32_t)idx));
	rte_tel_data_add_dict_string(d, "peer", s->peer ? net_ipv4_str(s->peer, a) : "any");
	if (s->ike && ike_site_get(tel_app->ike, s->name, &info) == 0) {
		rte_tel_data_add_dict_u64(d, "up", info.up);
		rte_tel_data_add_dict_u64(d, "ike_sas", info.n_ike_sa);
		rte_tel_data_add_dict_u64(d, "child_sas", info.n_child_sa);
		rte_tel_data_add_dict_u64(d, "up_transitions", info.counters.up);
		rte_tel_data_add_dict_u64(d, "down_transitions", info.counters.down);
		rte_tel_data_add_dict_u64(d, "ike_rekeys", info.counters.ike_rekeys);
		rte_tel_data_add_dict_u64(d, "child_rekeys", info.counters.child_rekeys);
		rte_tel_data_add_dict_u64(d, "dpd_failures", info.counters.dpd_failures);
		rte_tel_data_add_dict_u64(d, "auth_failures", info.counters.auth_failures);
	}
out:
	pthread_mutex_unlock(&tel_app->lock);
	return rc;
}

int
app_telemetry_ike_register(struct app *app)
{
	tel_app = app;
	if (rte_telemetry_register_cmd("/esphub/ike_stats", tel_ike_stats,
				       "IKE gauges, counters and drops by reason.") != 0 ||
	    rte_telemetry_register_cmd("/esphub/sites", tel_sites, "Site names.") != 0 ||
	    rte_telemetry_register_cmd(
		    "/esphub/site", tel_site,
		    "One site: keying, peer, state, counters. Parameters: name") != 0)
		return -EINVAL;
	return 0;
}
