#!/bin/sh
# Build every libFuzzer target with clang in build-fuzz and run each for
# $1 seconds (default 60). Crashes are left in build-fuzz/fuzz-artifacts/.
#   scripts/fuzz.sh [SECONDS]
set -eu
seconds=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$top/build-fuzz}
cd "$top"
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Db_lundef=false >/dev/null
fi
# Build only the fuzz targets: the rest of the tree is not our concern here.
targets=$(ninja -C "$build" -t targets all | sed -n 's#^\(test/fuzz/fuzz_[a-z0-9_]*\): .*#\1#p' | sort -u)
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz targets found in $build" >&2
	exit 1
fi
if ! ninja -C "$build" $targets >"$build/fuzz-build.log" 2>&1; then
	grep -E 'error|FAILED' "$build/fuzz-build.log" >&2 || tail -20 "$build/fuzz-build.log" >&2
	exit 1
fi
status=0
for t in $targets; do
	name=$(basename "$t")
	seeds=$top/test/fuzz/corpus/$(echo "$name" | sed 's/^fuzz_//')
	[ -d "$seeds" ] || seeds=$top/test/fuzz/corpus/isakmp
	echo "fuzz.sh: $name for ${seconds}s"
	if ! "$top/test/fuzz/run_fuzz.sh" "$build/$t" "$seconds" "$seeds" \
		"$build/fuzz-artifacts" >"$build/$name.log" 2>&1; then
		echo "fuzz.sh: $name FAILED, see $build/$name.log and $build/fuzz-artifacts/" >&2
		tail -30 "$build/$name.log" >&2
		status=1
	else
		grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$build/$name.log" | tail -2
	fi
done
exit $status
