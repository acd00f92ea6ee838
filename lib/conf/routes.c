/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * routes = ( { prefix; via; [port;] }, ... )
 * neighbours = ( { address; mac; }, ... )       static ARP entries
 */
#include <stdlib.h>
#include <string.h>

#include "net_addr.h"
#include "parser.h"

static const char *const route_fields[] = { "prefix", "via", "port", NULL };
static const char *const neighbour_fields[] = { "address", "mac", NULL };

static int
port_by_name(const struct cfg *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool
is_own_address(const struct cfg *cfg, uint32_t a)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].addr == a)
			return true;
	return false;
}

/* The next hop must sit on a connected subnet: of the named port if any. */
static bool
resolve_port(struct parser *p, const config_setting_t *g, const char *field, const struct cfg *cfg,
	     uint32_t via, unsigned *port)
{
	const config_setting_t *pm = config_setting_get_member(g, "port");
	const char *name = NULL;
	char f[FIELD_MAX], a[NET_IPV4_STR_MAX];
	int connected = conf_port_for_addr(cfg, via);

	if (is_own_address(cfg, via)) {
		conf_error(p, config_setting_get_member(g, "via"), conf_field(f, field, "via"),
			   "%s is the box's own address", net_ipv4_str(via, a));
		return false;
	}
	if (pm != NULL) {
		int i;

		if (!conf_string(p, g, field, "port", false, CFG_NAME_MAX - 1, &name))
			return false;
		i = port_by_name(cfg, name);
		if (i < 0) {
			conf_error(p, pm, conf_field(f, field, "port"), "no port is named \"%s\"",
				   name);
			return false;
		}
		if (connected != i) {
			conf_error(p, pm, conf_field(f, field, "port"),
				   "next hop %s is not on port \"%s\"'s subnet",
				   net_ipv4_str(via, a), name);
			return false;
		}
	} else if (connected < 0) {
		conf_error(p, config_setting_get_member(g, "via"), conf_field(f, field, "via"),
			   "%s is not on any port's subnet", net_ipv4_str(via, a));
		return false;
	}
	*port = (unsigned)connected;
	return true;
}

static bool
parse_route(struct parser *p, const config_setting_t *g, const char *field, const struct cfg *cfg,
	    struct cfg_route *r)
{
	bool ok = conf_known_members(p, g, field, route_fields);

	ok &= conf_prefix(p, g, field, "prefix", true, false, &r->prefix, &r->plen);
	if (!conf_addr(p, g, field, "via", true, &r->via) ||
	    config_setting_get_member(g, "via") == NULL)
		return false;
	ok &= resolve_port(p, g, field, cfg, r->via, &r->port);
	r->line = config_setting_source_line(g);
	return ok;
}

bool
conf_parse_routes(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const config_setting_t *list = config_setting_get_member(root, "routes");
	int n = conf_list(p, root, "routes");
	char f[FIELD_MAX];
	bool ok = true;

	if (n <= 0)
		return n == 0;
	cfg->routes = calloc((size_t)n, sizeof(*cfg->routes));
	if (cfg->routes == NULL) {
		conf_error(p, list, "routes", "out of memory");
		return false;
	}
	for (unsigned i = 0; i < (unsigned)n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		struct cfg_route *r = &cfg->routes[i];

		conf_field_index(f, "routes", i);
		if (!parse_route(p, g, f, cfg, r)) {
			ok = false;
			continue;
		}
		for (unsigned j = 0; j < i; j++) {
			if (cfg->routes[j].prefix == r->prefix && cfg->routes[j].plen == r->plen) {
				char fp[FIELD_MAX];

				conf_error(p, config_setting_get_member(g, "prefix"),
					   conf_field(fp, f, "prefix"), "duplicate of routes[%u]",
					   j);
				ok = false;
			}
		}
	}
	cfg->n_routes = (unsigned)n;
	return ok;
}

static bool
parse_neighbour(struct parser *p, const config_setting_t *g, const char *field,
		const struct cfg *cfg, struct cfg_neighbour *nb)
{
	const config_setting_t *mm;
	uint8_t mac[6];
	const char *s = NULL;
	char f[FIELD_MAX], a[NET_IPV4_STR_MAX];
	int port;
	bool ok = conf_known_members(p, g, field, neighbour_fields);

	if (!conf_addr(p, g, field, "address", true, &nb->addr) ||
	    config_setting_get_member(g, "address") == NULL)
		return false;
	port = conf_port_for_addr(cfg, nb->addr);
	if (port < 0 || is_own_address(cfg, nb->addr)) {
		conf_error(p, config_setting_get_member(g, "address"),
			   conf_field(f, field, "address"),
			   "%s is not a neighbour on any port's subnet", net_ipv4_str(nb->addr, a));
		ok = false;
	}
	if (!conf_string(p, g, field, "mac", true, 17, &s) || s == NULL)
		return false;
	mm = config_setting_get_member(g, "mac");
	if (!net_mac_parse(s, mac) || !net_mac_is_assigned(mac)) {
		conf_error(p, mm, conf_field(f, field, "mac"),
			   "\"%s\" is not a unicast MAC address (aa:bb:cc:dd:ee:ff)", s);
		return false;
	}
	memcpy(nb->mac, mac, sizeof(nb->mac));
	nb->port = (unsigned)(port < 0 ? 0 : port);
	nb->line = config_setting_source_line(g);
	return ok;
}

bool
conf_parse_neighbours(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const config_setting_t *list = config_setting_get_member(root, "neighbours");
	int n = conf_list(p, root, "neighbours");
	char f[FIELD_MAX];
	bool ok = true;

	if (n <= 0)
		return n == 0;
	cfg->neighbours = calloc((size_t)n, sizeof(*cfg->neighbours));
	if (cfg->neighbours == NULL) {
		conf_error(p, list, "neighbours", "out of memory");
		return false;
	}
	for (unsigned i = 0; i < (unsigned)n; i++)
		ok &= parse_neighbour(p, config_setting_get_elem(list, i),
				      conf_field_index(f, "neighbours", i), cfg,
				      &cfg->neighbours[i]);
	cfg->n_neighbours = (unsigned)n;
	return ok;
}
