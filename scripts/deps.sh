#!/bin/sh
# Install what esphub needs on Debian 12, idempotently and quietly, then
# check that every program the group runs is there.
#   scripts/deps.sh build        compilers, DPDK, intel-ipsec-mb, libconfig, OpenSSL
#   scripts/deps.sh demo         build + what the network-namespace demo runs
#   scripts/deps.sh test         demo + test tools and peers (scapy, tshark, strongSwan, ...)
#   scripts/deps.sh bench        build + what the benchmark harness runs
#   scripts/deps.sh --check GROUP...   only check the programs (the `deps` test)
# Prints nothing when everything is already installed.
#
# This file is the single list: a package a suite, the demo or the bench
# harness needs is in its group below, and a program they run is in its
# group's table with the package that brings it. A program missing after
# the install (a package that does not bring it, a program no group names)
# fails here, naming the package, instead of in the middle of `make test`.
set -eu

build="gcc make meson ninja-build pkgconf libdpdk-dev dpdk libipsec-mb-dev
       libconfig-dev libssl-dev libcmocka-dev"
demo="iproute2 ethtool iputils-ping socat python3 dnsmasq-base
      strongswan-charon strongswan-swanctl libcharon-extra-plugins
      libstrongswan-standard-plugins libstrongswan-extra-plugins"
test="python3-scapy python3-cryptography tshark tcpdump dpdk-dev clang libclang-rt-14-dev
      clang-format
      dpdk-doc gnuplot-nox
      openssl procps binutils
      libnss3-tools libldns3 libevent-pthreads-2.1-7 libevent-core-2.1-7
      libunbound8 libcurl3-nss libnss3 libnspr4 libcap-ng0 libaudit1 libldap-2.5-0"
# (Libreswan itself conflicts with strongSwan: the tests unpack it privately.)
bench="dpdk-doc gnuplot-nox python3-scapy linux-perf openssl"

# Programs each group runs (a name on PATH, or an absolute path) and the
# package that brings each. Groups include what they include above; what
# essential packages bring (util-linux, libc-bin, coreutils, apt, dpkg) is
# on every Debian system and not listed.
build_progs="
gcc             gcc
make            make
meson           meson
ninja           ninja-build
pkg-config      pkgconf"
demo_progs="
ip              iproute2
ethtool         ethtool
ping            iputils-ping
python3         python3
/usr/sbin/dnsmasq       dnsmasq-base
/usr/lib/ipsec/charon   strongswan-charon
/usr/sbin/swanctl       strongswan-swanctl"
test_progs="
tshark          tshark
tcpdump         tcpdump
dpdk-dumpcap    dpdk-dev
clang           clang
clang-format    clang-format
certutil        libnss3-tools
openssl         openssl
sysctl          procps
nm              binutils"
bench_progs="
gnuplot         gnuplot-nox
openssl         openssl
/usr/share/dpdk/examples/ipsec-secgw    dpdk-doc"

check=false
if [ "${1:-}" = "--check" ]; then
	check=true
	shift
fi
groups=$*
want="" progs=""
for group in "$@"; do
	case "$group" in
	build) want="$want $build"; progs="$progs $build_progs" ;;
	demo)  want="$want $build $demo"; progs="$progs $build_progs $demo_progs" ;;
	test)  want="$want $build $demo $test"
	       progs="$progs $build_progs $demo_progs $test_progs" ;;
	bench) want="$want $build $bench"; progs="$progs $build_progs $bench_progs" ;;
	*) echo "deps.sh: unknown group '$group' (build|demo|test|bench)" >&2; exit 2 ;;
	esac
done
# shellcheck disable=SC2086
want=$(echo $want)          # one line, one space between names

# Every program there, else name the package; and every package named in
# a table is one the groups install.
check_programs() {
	# shellcheck disable=SC2086
	set -- $progs
	bad=0 seen=" "
	while [ $# -ge 2 ]; do
		prog=$1 pkg=$2
		shift 2
		case "$seen" in *" $prog "*) continue ;; esac
		seen="$seen$prog "
		case " $want " in
		*" $pkg "*) ;;
		*) echo "deps.sh: $prog comes from $pkg, which no group installs" >&2; bad=1 ;;
		esac
		case "$prog" in
		/*) [ -e "$prog" ] && continue ;;
		*) command -v "$prog" >/dev/null 2>&1 && continue ;;
		esac
		echo "deps.sh: $prog is missing: install $pkg (scripts/deps.sh $groups)" >&2
		bad=1
	done
	return $bad
}

if $check; then
	check_programs
	exit $?
fi

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: need root to install:$missing" >&2
		exit 1
	fi
	echo "deps.sh: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer once, quietly.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt_install() {
		apt-get install -y -q --no-install-recommends "$@" >/tmp/esphub-apt.log 2>&1
	}
	if ! apt_install $missing; then
		# A fresh machine may have no package lists yet.
		apt-get update -q >>/tmp/esphub-apt.log 2>&1
		apt_install $missing || { tail -20 /tmp/esphub-apt.log >&2; exit 1; }
	fi
fi
check_programs
