#!/bin/sh
# make demo: three branch offices (strongSwan, the same LAN each) dial
# vpn.example, DNS round robin spreads them over two esphub servers, they
# reach a cloud server through source NAT, one server is stopped and its
# branches fail over to the other; then the surviving server's CLI is on this
# terminal. All in network namespaces, torn down on exit.
#   scripts/demo.sh [BUILD_DIR] [--batch]   (--batch: no CLI, exit 0/1)
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (network namespaces, DPDK)" >&2
	exit 1
fi
"$top/scripts/hugepages.sh"
export ESPHUB_BUILD="$top/$build" ESPHUB_SRC="$top" PYTHONPATH="$top/test/lib"
exec /usr/bin/python3 "$top/scripts/demo.py" "$@"
