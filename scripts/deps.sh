#!/bin/sh
# Install what esphub needs on Debian 12, idempotently and quietly.
#   scripts/deps.sh build        compilers, DPDK, intel-ipsec-mb, libconfig, OpenSSL
#   scripts/deps.sh demo         build + what the network-namespace demo runs
#   scripts/deps.sh test         demo + test tools and peers (scapy, tshark, strongSwan, ...)
#   scripts/deps.sh bench        build + what the benchmark harness runs
# Prints nothing when everything is already installed.
set -eu

build="gcc make meson ninja-build pkg-config libdpdk-dev dpdk libipsec-mb-dev
       libconfig-dev libssl-dev libcmocka-dev"
demo="iproute2 ethtool iputils-ping socat python3 dnsmasq-base
      strongswan-charon strongswan-swanctl libcharon-extra-plugins
      libstrongswan-standard-plugins libstrongswan-extra-plugins"
test="python3-scapy python3-cryptography tshark tcpdump clang libclang-rt-14-dev
      dpdk-doc gnuplot-nox
      openssl procps
      libnss3-tools libldns3 libevent-pthreads-2.1-7 libevent-core-2.1-7
      libunbound8 libcurl3-nss libnss3 libnspr4 libcap-ng0 libaudit1 libldap-2.5-0"
# (Libreswan itself conflicts with strongSwan: the tests unpack it privately.)
bench="dpdk-doc gnuplot-nox python3-scapy linux-perf"

want=""
for group in "$@"; do
	case "$group" in
	build) want="$want $build" ;;
	demo)  want="$want $build $demo" ;;
	test)  want="$want $build $demo $test" ;;
	bench) want="$want $build $bench" ;;
	*) echo "deps.sh: unknown group '$group' (build|demo|test|bench)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

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
