#!/bin/sh
# Reserve 2 MiB hugepages and mount hugetlbfs when the machine allows it.
# Quiet and idempotent; when it cannot, DPDK runs with --no-huge instead
# (the scripts and tests check what is free at start).
want=${1:-1024}
[ "$(id -u)" -eq 0 ] || exit 0
have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$have" -lt "$want" ]; then
	echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
if ! grep -q ' hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
exit 0
