#!/bin/sh
# make demo: esphub between a branch-side host and a cloud-side host, in
# network namespaces, with its CLI on this terminal. Tears down on exit.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (network namespaces, DPDK)" >&2
	exit 1
fi
"$top/scripts/hugepages.sh"
export ESPHUB_BUILD="$top/$build" PYTHONPATH="$top/test/lib"
exec /usr/bin/python3 "$top/scripts/demo.py"
