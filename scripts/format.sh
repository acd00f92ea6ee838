#!/bin/sh
# Format esphub's C sources with the repository's .clang-format.
#   scripts/format.sh                 reformat every tracked *.c and *.h under
#                                     app/, lib/, drivers/ and test/, in place
#   scripts/format.sh --check         change nothing: list the files whose
#                                     formatting differs and exit 1 (the
#                                     `format` unit test); without clang-format,
#                                     say so and exit 77 (meson: skipped)
#   scripts/format.sh [--check] FILE...   the same for these files only
# CLANG_FORMAT names the program (default: clang-format). The style is tuned
# for clang-format 14 (Debian 12); other versions may lay out a few
# constructs differently, which --check then reports.
set -eu

cf=${CLANG_FORMAT:-clang-format}
root=$(cd "$(dirname "$0")/.." && pwd)

check=false
if [ "${1:-}" = "--check" ]; then
	check=true
	shift
fi

if ! command -v "$cf" >/dev/null 2>&1; then
	if $check; then
		echo "format.sh: $cf not found (scripts/deps.sh test installs clang-format): check skipped"
		exit 77
	fi
	echo "format.sh: $cf not found: install clang-format (scripts/deps.sh test)" >&2
	exit 1
fi

cd "$root"
# A clang-format older than the style (an option it does not know) fails
# here, once, rather than on every file.
if ! err=$("$cf" --style=file --dump-config 2>&1 >/dev/null) || [ -n "$err" ]; then
	echo "format.sh: $cf cannot use .clang-format:" >&2
	echo "$err" >&2
	exit 1
fi
if [ $# -eq 0 ]; then
	# The tracked sources; in a tree without git metadata, what is there.
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		files=$(git ls-files -- 'app/*.[ch]' 'lib/*.[ch]' 'drivers/*.[ch]' 'test/*.[ch]')
	else
		files=$(find app lib drivers test -type f -name '*.[ch]' | sort)
	fi
	# shellcheck disable=SC2086
	set -- $files
fi
if [ $# -eq 0 ]; then
	echo "format.sh: no C files found under $root" >&2
	exit 1
fi

if ! $check; then
	"$cf" -i --style=file "$@"
	exit 0
fi

# One run over all the files; each differing file reports its first
# difference as "FILE:LINE:COL: error: ... [-Wclang-format-violations]".
rc=0
out=$("$cf" --dry-run -Werror --ferror-limit=1 --style=file "$@" 2>&1) || rc=$?
bad=$(printf '%s\n' "$out" |
	sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: .*\[-Wclang-format-violations\]$/\1/p' | uniq)
if [ -n "$bad" ]; then
	echo "format.sh: $(echo "$bad" | wc -l) file(s) differ from .clang-format ($("$cf" --version | sed 's/.*version //')):"
	echo "$bad" | sed 's/^/  /'
	echo "scripts/format.sh fixes them; '$cf --dry-run FILE' shows where."
	exit 1
fi
if [ $rc -ne 0 ]; then
	echo "format.sh: $cf failed:" >&2
	printf '%s\n' "$out" >&2
	exit 1
fi
echo "format.sh: $# files follow .clang-format"
