/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control core while the workers run: flushes, counters, the session walk
 * for the CLI. Nothing here writes what a worker writes; flushes write
 * generation numbers the workers only read.
 */
#include <errno.h>
#include <string.h>

#include "priv.h"

STATS_COUNTER_TEXT(foreach_nat_counter, enum nat_counter, NAT_CTR_N, nat_counter_name,
		   nat_counter_descr)

const char *
nat_proto_name(enum nat_proto p)
{
	static const char *const name[NAT_PROTO_N] = { "tcp", "udp", "icmp" };

	return p < NAT_PROTO_N ? name[p] : "?";
}

/* --- flush ---------------------------------------------------------------- */

/* Tell the owners to sweep now rather than at their scan pace. */
static void
flush_signal(struct nat *nat)
{
	__atomic_fetch_add(&nat->flush_seq, 1, __ATOMIC_RELEASE);
}

int
nat_flush_tunnel(struct nat *nat, uint32_t tunnel)
{
	if (tunnel >= nat->max_tunnels)
		return -EINVAL;
	__atomic_fetch_add(&nat->tunnel_gen[tunnel], 1, __ATOMIC_RELEASE);
	flush_signal(nat);
	return 0;
}

int
nat_flush_site(struct nat *nat, uint32_t site)
{
	if (site >= nat->max_sites)
		return -EINVAL;
	__atomic_fetch_add(&nat->site_gen[site], 1, __ATOMIC_RELEASE);
	flush_signal(nat);
	return 0;
}

void
nat_flush_all(struct nat *nat)
{
	for (uint32_t s = 0; s < nat->max_sites; s++)
		__atomic_fetch_add(&nat->site_gen[s], 1, __ATOMIC_RELEASE);
	flush_signal(nat);
}

/* --- counters --------------------------------------------------------------- */

static void
add_worker(struct nat_stats *out, const struct nat_wstats *st)
{
	for (unsigned c = 0; c < NAT_CTR_N; c++)
		out->ctr[c] += __atomic_load_n(&st->ctr[c], __ATOMIC_RELAXED);
	for (unsigned p = 0; p < NAT_PROTO_N; p++) {
		uint64_t made = __atomic_load_n(&st->created[p], __ATOMIC_RELAXED);
		uint64_t gone = __atomic_load_n(&st->freed[p], __ATOMIC_RELAXED);

		/* Read "created" first: the difference is never negative. */
		out->sessions_proto[p] += made - RTE_MIN(made, gone);
	}
}

void
nat_stats_get(const struct nat *nat, int worker, struct nat_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->capacity = nat->capacity;
	for (unsigned w = 0; w < nat->n_workers; w++)
		if (worker < 0 || (unsigned)worker == w)
			add_worker(out, &nat->w[w]->st);
	for (unsigned p = 0; p < NAT_PROTO_N; p++)
		out->sessions += out->sessions_proto[p];
}

uint32_t
nat_site_sessions(const struct nat *nat, uint32_t site)
{
	uint32_t n = 0;

	if (site >= nat->max_sites)
		return 0;
	for (unsigned w = 0; w < nat->n_workers; w++)
		n += __atomic_load_n(&nat->site_count[w][site], __ATOMIC_RELAXED);
	return n;
}

/* --- the session walk ------------------------------------------------------- */

static const char *
state_name(const struct nat_session *s)
{
	uint8_t t = s->tcp;

	switch (s->proto) {
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	if (t & TCPF_RST)
		return "reset";
	if ((t & (TCPF_FIN_IN | TCPF_FIN_OUT)) == (TCPF_FIN_IN | TCPF_FIN_OUT))
		return "closing";
	if (t & (TCPF_FIN_IN | TCPF_FIN_OUT))
		return "half-closed";
	if ((t & TCPF_SEEN_OUT) && ((t & TCPF_SYN_OUT) || !(t & TCPF_SYN_IN)))
		return "established";
	return (t & TCPF_SYN_IN) ? "syn-sent" : "opening";
}

/*
 * Copy a session the owner may be rewriting (seqlock reader): the copy is
 * good if the slot's sequence was even and unchanged around it.
 */
static bool
snapshot(const struct nat_session *s, struct nat_session *copy)
{
	uint16_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

	if ((seq & 1) || !(__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & SF_LIVE))
		return false;
	memcpy(copy, s, sizeof(*copy));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
}

static void
info_fill(const struct nat *nat, const struct nat_session *s, uint32_t now,
	  struct nat_session_info *si)
{
	uint32_t idle = now - s->last;
	uint32_t tmo = session_timeout(nat, s);

	if ((int32_t)idle < 0)
		idle = 0;
	*si = (struct nat_session_info){
		.tunnel = s->tunnel,
		.site = s->site,
		.proto = s->proto,
		.inside_addr = rte_be_to_cpu_32(s->isrc),
		.inside_port = rte_be_to_cpu_16(s->isport),
		.remote_addr = rte_be_to_cpu_32(s->rdst),
		.remote_port = rte_be_to_cpu_16(s->rport),
		.mapped_addr = rte_be_to_cpu_32(s->xaddr),
		.mapped_port = rte_be_to_cpu_16(s->xport),
		.state = state_name(s),
		.age_s = (int32_t)(now - s->created) > 0 ? (now - s->created) / 1000 : 0,
		.idle_s = idle / 1000,
		.expires_s = (tmo - RTE_MIN(idle, tmo)) / 1000,
		.worker = s->owner,
		.superseded = (s->flags & SF_SUPERSEDED) != 0,
		.passthrough = session_is_pass(s),
	};
}

unsigned
nat_session_walk(const struct nat *nat, uint64_t tsc, uint32_t site, unsigned limit,
		 int (*fn)(const struct nat_session_info *si, void *arg), void *arg)
{
	uint32_t now = nat_clock(nat, tsc);
	unsigned n = 0;

	for (uint32_t i = 0; i < nat->capacity && (limit == 0 || n < limit); i++) {
		struct nat_session s;
		struct nat_session_info si;

		if (!snapshot(&nat->sess[i], &s))
			continue;
		if ((site != NAT_SITE_ANY && s.site != site) || session_flushed(nat, &s) ||
		    session_expired(nat, &s, now))
			continue;
		info_fill(nat, &s, now, &si);
		n++;
		if (fn(&si, arg) != 0)
			break;
	}
	return n;
}
