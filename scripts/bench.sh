#!/bin/sh
# make bench: the pcap benchmark harness (app/esphub-bench/bench.py).
#   scripts/bench.sh BUILD [--quick] [bench.py options...]
# Writes BUILD/bench/results.{json,csv,svg,png,txt}. Needs root (DPDK).
# Both cores are kept busy for the whole run: run nothing else meanwhile.
set -eu
build=${1:?usage: scripts/bench.sh BUILD [--quick] [options]}
shift
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
	echo "make bench needs root (DPDK)" >&2
	exit 1
fi
# Hugepages when the machine allows (both esphub and the peer then use them).
scripts/hugepages.sh
exec /usr/bin/python3 app/esphub-bench/bench.py --build "$build" "$@"
