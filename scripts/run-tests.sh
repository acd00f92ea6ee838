#!/bin/sh
# make test: run every suite in the release build, then the in-process
# tests (kind `unit`, test/meson.build) and the nat and ike areas (esphub
# itself with real peers) again under ASan/UBSan, and print
# "N passed, M failed" last.
#   scripts/run-tests.sh BUILD ASAN_BUILD [SUITE...]
set -u
build=$1 asan=$2
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "make test needs root (network namespaces, DPDK)" >&2
	exit 1
fi
scripts/hugepages.sh

suites=""
for s in "$@"; do suites="$suites --suite $s"; done
meson test -C "$build" --print-errorlogs $suites
rc_main=$?

# Under the sanitizers: every test of kind unit (every area's cmocka
# programs and corpus replays), and the nat and ike areas, whose system and
# peers tests run the ASan esphub against NAT traffic and real IKE peers.
if [ -z "$suites" ]; then
	if [ ! -f "$asan/build.ninja" ]; then
		meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false \
			-Dtests=enabled >/dev/null || exit 1
	fi
	ninja -C "$asan" >/dev/null || ninja -C "$asan" || exit 1
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$asan" --print-errorlogs --suite unit --suite nat --suite ike
fi

/usr/bin/python3 - "$build" "$asan" <<'PY'
import json, os, sys
passed = failed = 0
skipped = []
for b in sys.argv[1:]:
    log = os.path.join(b, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        continue
    tag = "" if b == sys.argv[1] else " (asan)"
    for line in open(log):
        t = json.loads(line)
        r = t["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            out = (t.get("stdout") or "").strip().splitlines()
            skipped.append("%s%s: %s" % (t["name"], tag, out[-1] if out else "no reason printed"))
        else:
            failed += 1
            print("FAILED %s%s (%s)" % (t["name"], tag, r))
for s in skipped:
    print("skipped %s" % s)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
