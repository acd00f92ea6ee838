/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ports = ( { name; role; device; address; mtu; }, ... )
 * and the lookups other sections make of them (conf_port_for_addr).
 */
#include <ctype.h>
#include <string.h>

#include "net_addr.h"
#include "parser.h"

static const char *const port_fields[] = { "name", "role", "device", "address", "mtu", NULL };

const char *
conf_role_name(enum cfg_port_role role)
{
	return role == CFG_ROLE_OUTSIDE ? "outside" : "inside";
}

int
conf_port_for_addr(const struct cfg *cfg, uint32_t addr)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct cfg_port *pt = &cfg->ports[i];

		if (((pt->addr ^ addr) & net_mask(pt->plen)) == 0)
			return (int)i;
	}
	return -1;
}

static bool
parse_name(struct parser *p, const config_setting_t *g, const char *parent, char out[CFG_NAME_MAX])
{
	const char *s = NULL;
	char f[FIELD_MAX];

	if (!conf_string(p, g, parent, "name", true, CFG_NAME_MAX - 1, &s) || s == NULL)
		return false;
	for (const char *c = s; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') {
			conf_error(p, config_setting_get_member(g, "name"),
				   conf_field(f, parent, "name"),
				   "\"%s\": use letters, digits, '-' and '_'", s);
			return false;
		}
	}
	strcpy(out, s);
	return true;
}

static bool
parse_role(struct parser *p, const config_setting_t *g, const char *parent,
	   enum cfg_port_role *role)
{
	const char *s = NULL;
	char f[FIELD_MAX];

	if (!conf_string(p, g, parent, "role", true, 16, &s) || s == NULL)
		return false;
	if (strcmp(s, "outside") == 0)
		*role = CFG_ROLE_OUTSIDE;
	else if (strcmp(s, "inside") == 0)
		*role = CFG_ROLE_INSIDE;
	else {
		conf_error(p, config_setting_get_member(g, "role"), conf_field(f, parent, "role"),
			   "\"%s\" is neither \"outside\" nor \"inside\"", s);
		return false;
	}
	return true;
}

static bool
parse_port(struct parser *p, const config_setting_t *g, const char *field, struct cfg_port *port)
{
	const char *dev = NULL;
	uint32_t mtu = 1500;
	bool ok = conf_known_members(p, g, field, port_fields);

	ok &= parse_name(p, g, field, port->name);
	ok &= parse_role(p, g, field, &port->role);
	ok &= conf_string(p, g, field, "device", true, CFG_DEVICE_MAX - 1, &dev);
	ok &= conf_prefix(p, g, field, "address", true, true, &port->addr, &port->plen);
	/* 576: the IPv4 minimum every host must accept (RFC 791); 9000: jumbo. */
	ok &= conf_uint(p, g, field, "mtu", false, 576, 9000, &mtu);
	if (dev != NULL)
		strcpy(port->device, dev);
	port->mtu = (uint16_t)mtu;
	port->line = config_setting_source_line(g);
	return ok;
}

/* Names, devices and subnets must be unique across ports. */
static bool
check_unique(struct parser *p, const config_setting_t *list, const struct cfg *cfg, unsigned i)
{
	const struct cfg_port *a = &cfg->ports[i];
	const config_setting_t *g = config_setting_get_elem(list, i);
	char f[FIELD_MAX], base[FIELD_MAX];
	bool ok = true;

	conf_field_index(base, "ports", i);
	for (unsigned j = 0; j < i; j++) {
		const struct cfg_port *b = &cfg->ports[j];
		uint8_t l = CONF_MIN(a->plen, b->plen);

		if (strcmp(a->name, b->name) == 0) {
			conf_error(p, config_setting_get_member(g, "name"),
				   conf_field(f, base, "name"), "\"%s\" already names ports[%u]",
				   a->name, j);
			ok = false;
		}
		if (strcmp(a->device, b->device) == 0) {
			conf_error(p, config_setting_get_member(g, "device"),
				   conf_field(f, base, "device"), "already used by ports[%u]", j);
			ok = false;
		}
		if (((a->addr ^ b->addr) & net_mask(l)) == 0) {
			conf_error(p, config_setting_get_member(g, "address"),
				   conf_field(f, base, "address"), "subnet overlaps ports[%u] (%s)",
				   j, b->name);
			ok = false;
		}
	}
	return ok;
}

bool
conf_parse_ports(struct parser *p, const config_setting_t *root, struct cfg *cfg)
{
	const config_setting_t *list = config_setting_get_member(root, "ports");
	char f[FIELD_MAX];
	int n = conf_list(p, root, "ports");
	bool ok = true;

	if (n < 0)
		return false;
	if (n == 0) {
		conf_error(p, list ? list : root, "ports", "at least one port is required");
		return false;
	}
	if (n > CFG_MAX_PORTS) {
		conf_error(p, list, "ports", "%d ports, at most %d are supported", n,
			   CFG_MAX_PORTS);
		return false;
	}
	for (unsigned i = 0; i < (unsigned)n; i++) {
		bool port_ok = parse_port(p, config_setting_get_elem(list, i),
					  conf_field_index(f, "ports", i), &cfg->ports[i]);

		if (port_ok)
			port_ok = check_unique(p, list, cfg, i);
		ok &= port_ok;
	}
	cfg->n_ports = (unsigned)n;
	return ok;
}
