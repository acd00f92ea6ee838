#!/bin/sh
# Every global symbol of a library carries the library's name:
#   scripts/check-symbols.sh BUILD_DIR [ARCHIVE...]
# For each static library built from lib/<x>/ or drivers/<x>/ (the ARCHIVEs
# given, as the meson test passes its library targets; else every *.a in
# BUILD_DIR/lib/<x>/ and BUILD_DIR/drivers/<x>/, whatever the archive is
# called), every symbol `nm -g --defined-only` lists must start with `<x>_`:
# functions (T, W) and data (D, B, R, C, V) alike. <x> comes from the folder,
# not from the archive's name (libike.a and libesphub_ike.a are both lib/ike).
# Prints each symbol without its prefix, then one line:
#   N libraries, M global symbols, K unprefixed
# and exits 1 if K > 0 (or if no library was found: a wrong BUILD_DIR must
# not pass).
#
# Not counted, because the compiler makes them, not our code:
#   __odr_asan*      AddressSanitizer's one-definition-rule indicator, one
#                    global per instrumented global variable (gcc:
#                    __odr_asan.<var>, seen in `make test`'s build-asan;
#                    clang may name it __odr_asan_gen_<var>)
#   names with a `.` gcc's clones and local labels (foo.cold, foo.part.0,
#                    .L...): never a C identifier, so never one of ours
# (Sanitizer and coverage hooks such as __sancov_* are undefined or weak
# references in our objects, which --defined-only leaves out.) Weak symbols
# (W, V) are checked like strong ones: no inline function here has external
# linkage, so a weak definition would be ours.
set -eu

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR [ARCHIVE...]" >&2
	exit 2
fi
build=$(cd "$1" && pwd -P)
shift
NM=${NM:-nm}
if [ $# -eq 0 ]; then
	for a in "$build"/lib/*/*.a "$build"/drivers/*/*.a; do
		[ -f "$a" ] && set -- "$@" "$a"
	done
fi

nlib=0 nsym=0 nbad=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

for a in "$@"; do
	# (meson passes targets relative to the build dir, its tests' cwd)
	case "$a" in /*) ;; *) [ -f "$a" ] || a=$build/$a ;; esac
	# <x> and lib|drivers from where the archive lies under BUILD_DIR.
	d=$(cd "$(dirname "$a")" && pwd -P)
	x=$(basename "$d")
	top=$(basename "$(dirname "$d")")
	case "$(dirname "$(dirname "$d")")/$top" in
	"$build/lib" | "$build/drivers") ;;
	*) echo "check-symbols: $a is not in $build/lib/<x>/ or $build/drivers/<x>/" >&2
	   exit 2 ;;
	esac
	nlib=$((nlib + 1))
	"$NM" -g --defined-only "$a" >"$tmp"
	# nm prints "value type name" per symbol ("file.o:" headers and blank
	# lines between members have fewer fields).
	out=$(awk -v x="$x" -v a="$top/$x/$(basename "$a")" '
		NF == 3 {
			s = $3
			if (s ~ /^__odr_asan/ || s ~ /\./)
				next
			n++
			if (index(s, x "_") != 1) { bad++; printf "%s: %s %s\n", a, $2, s }
		}
		END { printf "%d %d\n", n, bad }' "$tmp")
	printf '%s\n' "$out" | sed '$d'
	counts=$(printf '%s\n' "$out" | tail -n 1)
	nsym=$((nsym + ${counts% *}))
	nbad=$((nbad + ${counts#* }))
done

echo "$nlib libraries, $nsym global symbols, $nbad unprefixed"
if [ "$nlib" -eq 0 ]; then
	echo "check-symbols: no library archive under $build/lib or $build/drivers" >&2
	exit 1
fi
[ "$nbad" -eq 0 ]
