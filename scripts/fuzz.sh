#!/bin/sh
# Build every libFuzzer target with clang in build-fuzz (every library
# instrumented for coverage, ASan and UBSan) and run each for $1 seconds
# (default 60), one after the other. Crashes are left in
# build-fuzz/fuzz-artifacts/; add one to test/fuzz/corpus/NAME/ as
# crash-WHAT once fixed, so the NAME_replay test keeps it fixed.
#   scripts/fuzz.sh [SECONDS]
set -eu
seconds=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$top/build-fuzz}
cd "$top"
opts="-Dfuzz=true -Db_lundef=false -Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link"
if [ ! -f "$build/build.ninja" ]; then
	# shellcheck disable=SC2086
	CC=clang meson setup "$build" $opts >"$build.setup.log" 2>&1 ||
		{ cat "$build.setup.log" >&2; exit 1; }
	rm -f "$build.setup.log"
elif ! grep -q 'fuzzer-no-link' "$build/meson-info/intro-buildoptions.json" 2>/dev/null; then
	# A build-fuzz from before the libraries were instrumented.
	# shellcheck disable=SC2086
	meson configure "$build" $opts >/dev/null
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
	# corpus/NAME, or corpus/STEM for a variant STEM_SUFFIX (fuzz_esp_inb_openssl).
	seeds=$top/test/fuzz/corpus/${name#fuzz_}
	[ -d "$seeds" ] || seeds=$top/test/fuzz/corpus/$(echo "${name#fuzz_}" | sed 's/_[a-z0-9]*$//')
	if [ ! -d "$seeds" ]; then
		echo "fuzz.sh: $name has no corpus in test/fuzz/corpus/" >&2
		status=1
		continue
	fi
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
