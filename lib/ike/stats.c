/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter names and descriptions, expanded from the X-macro lists in ike.h
 * (foreach_ike_drop, foreach_ike_event) so telemetry and tests read the
 * same table.
 */
#include <stddef.h>

#include "ike.h"

/* By hand: clang-format 14 takes what follows an X-macro expansion for a continuation. */
/* clang-format off */
static const char *const stat_names[IKE_STAT_N] = {
#define _(sym, text) "drop_" #sym,
	foreach_ike_drop(_)
#undef _
#define _(sym, text) "ev_" #sym,
	foreach_ike_event(_)
#undef _
};

static const char *const stat_texts[IKE_STAT_N] = {
#define _(sym, text) text,
	foreach_ike_drop(_)
	foreach_ike_event(_)
#undef _
};
/* clang-format on */

const char *
ike_stat_name(unsigned i)
{
	return i < IKE_STAT_N ? stat_names[i] : NULL;
}

const char *
ike_stat_text(unsigned i)
{
	return i < IKE_STAT_N ? stat_texts[i] : NULL;
}
