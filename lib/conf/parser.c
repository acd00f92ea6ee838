/* SPDX-License-Identifier: BSD-3-Clause */
/* Typed, range-checked member access with one error form for all of them. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "net_addr.h"
#include "parser.h"

/* One line "FILE:LINE: field: [kind]msg", newline-separated from the last. */
static void
report(struct parser *p, const config_setting_t *s, const char *field, const char *kind,
       const char *msg)
{
	int n;

	if (p->used >= p->errlen)
		return;
	n = snprintf(p->err + p->used, p->errlen - p->used, "%s%s:%u: %s: %s%s",
		     p->used ? "\n" : "", p->file, s ? config_setting_source_line(s) : 0, field,
		     kind, msg);
	if (n > 0)
		p->used = CONF_MIN(p->errlen, p->used + (size_t)n);
}

void
conf_error(struct parser *p, const config_setting_t *s, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->n_errors++;
	report(p, s, field, "", msg);
}

void
conf_warn(struct parser *p, const config_setting_t *s, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	/* 100,000 sites with the same remark must not bury the rest. */
	if (++p->n_warnings > CONF_WARN_MAX) {
		if (p->n_warnings == CONF_WARN_MAX + 1)
			report(p, NULL, "config", "warning: ", "more warnings not shown");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(p, s, field, "warning: ", msg);
}

const char *
conf_field(char buf[FIELD_MAX], const char *parent, const char *name)
{
	snprintf(buf, FIELD_MAX, "%s%s%s", parent, *parent ? "." : "", name);
	return buf;
}

const char *
conf_field_index(char buf[FIELD_MAX], const char *parent, unsigned i)
{
	snprintf(buf, FIELD_MAX, "%s[%u]", parent, i);
	return buf;
}

bool
conf_known_members(struct parser *p, const config_setting_t *group, const char *field,
		   const char *const known[])
{
	bool ok = true;

	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(m);
		char f[FIELD_MAX];
		size_t k;

		for (k = 0; known[k] != NULL; k++)
			if (strcmp(known[k], name) == 0)
				break;
		if (known[k] == NULL) {
			conf_error(p, m, conf_field(f, field, name), "unknown field");
			ok = false;
		}
	}
	return ok;
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number with a fraction";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}

/* The member, or NULL (absent, reported if required, or of the wrong type). */
static const config_setting_t *
member(struct parser *p, const config_setting_t *group, const char *parent, const char *name,
       bool required, int type, const char *want, bool *ok)
{
	const config_setting_t *m = config_setting_get_member(group, name);
	char f[FIELD_MAX];

	*ok = true;
	if (m == NULL) {
		if (required) {
			conf_error(p, group, conf_field(f, parent, name), "missing");
			*ok = false;
		}
		return NULL;
	}
	if (config_setting_type(m) != type &&
	    !(type == CONFIG_TYPE_INT && config_setting_type(m) == CONFIG_TYPE_INT64)) {
		conf_error(p, m, conf_field(f, parent, name), "expected %s, got %s", want,
			   type_name(config_setting_type(m)));
		*ok = false;
		return NULL;
	}
	return m;
}

bool
conf_uint(struct parser *p, const config_setting_t *group, const char *parent, const char *name,
	  bool required, uint32_t min, uint32_t max, uint32_t *out)
{
	const config_setting_t *m;
	char f[FIELD_MAX];
	long long v;
	bool ok;

	m = member(p, group, parent, name, required, CONFIG_TYPE_INT, "an integer", &ok);
	if (m == NULL)
		return ok;
	v = config_setting_get_int64(m);
	if (v < (long long)min || v > (long long)max) {
		conf_error(p, m, conf_field(f, parent, name),
			   "%lld is out of range %" PRIu32 "..%" PRIu32, v, min, max);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool
conf_string(struct parser *p, const config_setting_t *group, const char *parent, const char *name,
	    bool required, size_t max_len, const char **out)
{
	const config_setting_t *m;
	char f[FIELD_MAX];
	const char *s;
	bool ok;

	m = member(p, group, parent, name, required, CONFIG_TYPE_STRING, "a string", &ok);
	if (m == NULL)
		return ok;
	s = config_setting_get_string(m);
	if (*s == '\0' || strlen(s) > max_len) {
		conf_error(p, m, conf_field(f, parent, name), "must be 1 to %zu characters",
			   max_len);
		return false;
	}
	*out = s;
	return true;
}

bool
conf_prefix(struct parser *p, const config_setting_t *group, const char *parent, const char *name,
	    bool required, bool interface_addr, uint32_t *addr, uint8_t *plen)
{
	const config_setting_t *m;
	char f[FIELD_MAX];
	const char *s;
	uint32_t a, host;
	uint8_t l;
	bool ok;

	m = member(p, group, parent, name, required, CONFIG_TYPE_STRING, "a string", &ok);
	if (m == NULL)
		return ok;
	s = config_setting_get_string(m);
	conf_field(f, parent, name);
	if (!net_prefix_from_str(s, &a, &l)) {
		conf_error(p, m, f, "\"%s\" is not an IPv4 prefix (a.b.c.d/len)", s);
		return false;
	}
	host = a & ~net_mask(l);
	if (interface_addr) {
		/* An interface needs a usable host address in a real subnet. */
		if (l == 0 || l > 32 || net_ipv4_martian_src(a) ||
		    (l < 31 && (host == 0 || host == ~net_mask(l)))) {
			conf_error(p, m, f, "\"%s\" is not a host address in its subnet", s);
			return false;
		}
	} else if (host != 0) {
		conf_error(p, m, f, "\"%s\" has host bits set", s);
		return false;
	}
	*addr = a;
	*plen = l;
	return true;
}

bool
conf_addr(struct parser *p, const config_setting_t *group, const char *parent, const char *name,
	  bool required, uint32_t *addr)
{
	const config_setting_t *m;
	char f[FIELD_MAX];
	const char *s;
	bool ok;

	m = member(p, group, parent, name, required, CONFIG_TYPE_STRING, "a string", &ok);
	if (m == NULL)
		return ok;
	s = config_setting_get_string(m);
	if (!net_ipv4_from_str(s, addr)) {
		conf_error(p, m, conf_field(f, parent, name), "\"%s\" is not an IPv4 address", s);
		return false;
	}
	return true;
}

int
conf_list(struct parser *p, const config_setting_t *root, const char *name)
{
	const config_setting_t *l = config_setting_get_member(root, name);
	char f[FIELD_MAX];

	if (l == NULL)
		return 0;
	if (!config_setting_is_list(l)) {
		conf_error(p, l, name, "expected a list ( {...}, ... ), got %s",
			   type_name(config_setting_type(l)));
		return -1;
	}
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);

		if (!config_setting_is_group(e)) {
			conf_error(p, e, conf_field_index(f, name, (unsigned)i),
				   "expected a group { ... }, got %s",
				   type_name(config_setting_type(e)));
			return -1;
		}
	}
	return config_setting_length(l);
}
