#!/bin/sh
# Run one libFuzzer target for a bounded time on a scratch copy of its seed
# corpus, so new inputs never land in the source tree.
#   run_fuzz.sh TARGET SECONDS SEED_DIR [ARTIFACT_DIR]
set -eu
target=$1; seconds=$2; seeds=$3; artifacts=${4:-$(dirname "$target")}
work=$(mktemp -d /tmp/esphub-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
if [ -d "$seeds" ]; then cp "$seeds"/* "$work"/ 2>/dev/null || true; fi
mkdir -p "$artifacts"
# Third-party leaks the targets cannot avoid (see lsan.supp).
LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
exec_status=0
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$artifacts/$(basename "$target")-" \
	"$work" || exec_status=$?
exit $exec_status
