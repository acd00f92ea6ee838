"""DPDK's ipsec-secgw example as the benchmark peer.

Built at bench time from Debian's dpdk-doc copy (never committed), with
one change the notes require: the example asks every port for RX checksum
offload, which net_pcap and net_null do not have, so that request is
dropped. It is compiled with the same -march as esphub (meson option
`march`, default native) so that neither side gets a compiler advantage.

Port layout per run: port 0 = net_pcap replaying the input (infinite_rx),
port 1 = net_null sink (no-rx=1). `-u` marks the unprotected (ESP) port:
port 1 for outbound (cleartext in on 0, ESP out on 1), port 0 for inbound.
"""

import os
import shutil
import subprocess

from plan import (CLOUD_PREFIX, OUTSIDE_ADDR, OUTSIDE_MTU, PEER_SUPERNET, colon_hex)

SRC = "/usr/share/dpdk/examples/ipsec-secgw"
MODES = ("lookaside-none", "cpu-crypto")
PATCH_FROM = ".offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,"
PATCH_TO = ".offloads = 0, /* esphub-bench: net_pcap/net_null have no RX csum offload */"


class BuildError(Exception):
    pass


def build(workdir, march="native", log=print):
    """Copy, patch and build ipsec-secgw under workdir; returns the binary."""
    if not os.path.isdir(SRC):
        raise BuildError("%s missing: install dpdk-doc (scripts/deps.sh bench)" % SRC)
    src = os.path.join(workdir, "ipsec-secgw-src")
    binary = os.path.join(src, "build", "ipsec-secgw")
    stamp = os.path.join(src, ".esphub-bench-march")
    if os.path.exists(binary) and os.path.exists(stamp) and \
            open(stamp).read() == march and \
            os.path.getmtime(binary) > os.path.getmtime(os.path.join(SRC, "ipsec-secgw.c")):
        return binary
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("test", "build"))
    main_c = os.path.join(src, "ipsec-secgw.c")
    text = open(main_c).read()
    if text.count(PATCH_FROM) != 1:
        raise BuildError("ipsec-secgw.c: expected one '%s' to patch" % PATCH_FROM)
    open(main_c, "w").write(text.replace(PATCH_FROM, PATCH_TO))
    if march:
        # pkg-config's libdpdk cflags say -march=corei7; a later -march wins.
        with open(os.path.join(src, "Makefile"), "a") as f:
            f.write("\nCFLAGS += -march=%s\n" % march)
    log("building ipsec-secgw from %s (-march=%s)" % (SRC, march or "default"))
    r = subprocess.run(["make", "-C", src, "-j2"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0 or not os.path.exists(binary):
        raise BuildError("ipsec-secgw build failed:\n" + r.stdout[-3000:])
    open(stamp, "w").write(march)
    return binary


def _sa_crypto(algo, site, d):
    """The crypto part of an SA rule: site's keys for d ("in" or "out")."""
    key, integ, salt = site[d + "_key"], site[d + "_integ"], site[d + "_salt"]
    if algo == "aes-gcm-128":
        return "aead_algo aes-128-gcm aead_key %s" % colon_hex(key + salt)
    return ("cipher_algo aes-128-cbc cipher_key %s auth_algo sha1-hmac auth_key %s" %
            (colon_hex(key), colon_hex(integ)))


def _unused(d, algo, site, typ):
    """SP and SA for direction d on a prefix no packet matches (TEST-NET-1)."""
    far, near = "192.0.2.1", OUTSIDE_ADDR
    src, dst = (far, near) if d == "in" else (near, far)
    return ["sp ipv4 %s esp protect 1 pri 1 dst 192.0.2.0/24 sport 0:65535 dport 0:65535" % d,
            "sa %s 1 %s mode ipv4-tunnel src %s dst %s%s" %
            (d, _sa_crypto(algo, site, d), src, dst, typ)]


def write_config(path, direction, algo, sites, mode):
    """SP, SA and route rules for the sites in the given direction.

    The example insists on SAs in both directions when a port is marked
    unprotected, so the unused direction gets one SA and one SP rule on a
    prefix no packet matches.
    """
    typ = " type cpu-crypto" if mode == "cpu-crypto" else ""
    lines = []
    if direction == "outbound":
        for s in sites:
            lines.append("sp ipv4 out esp protect %s pri 1 dst %s sport 0:65535 dport 0:65535"
                         % (s["spi_out"], s["lan"]))
            lines.append("sa out %s %s mode ipv4-tunnel src %s dst %s%s" %
                         (s["spi_out"], _sa_crypto(algo, s, "out"), OUTSIDE_ADDR, s["peer"],
                          typ))
        lines += _unused("in", algo, sites[0], typ)
        lines.append("rt ipv4 dst %s port 1" % PEER_SUPERNET)
    else:
        for s in sites:
            lines.append("sp ipv4 in esp protect %s pri 1 src %s dst %s sport 0:65535 "
                         "dport 0:65535" % (s["spi_in"], s["lan"], CLOUD_PREFIX))
            lines.append("sa in %s %s mode ipv4-tunnel src %s dst %s%s" %
                         (s["spi_in"], _sa_crypto(algo, s, "in"), s["peer"], OUTSIDE_ADDR,
                          typ))
        lines += _unused("out", algo, sites[0], typ)
        lines.append("rt ipv4 dst %s port 1" % CLOUD_PREFIX)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def argv(binary, prefix, mem_args, pcap, cfg, direction, mbufs, worker_lcore=1):
    """Command line: two ports, one worker lcore, the aesni_mb crypto PMD."""
    unprotected = "0x2" if direction == "outbound" else "0x1"
    return [binary, "-l", "0-%d" % worker_lcore, "--no-pci", "--file-prefix", prefix,
            "--log-level", "lib.eal:warning"] + mem_args + [
        # One TX queue per lcore (main included) on every port.
        "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1,tx_pcap=/dev/null,tx_pcap=/dev/null"
        % pcap,
        "--vdev", "net_null0,no-rx=1",
        "--vdev", "crypto_aesni_mb",
        "--", "-p", "0x3", "-P", "-u", unprotected, "-l", "--mtu", str(OUTSIDE_MTU),
        "-s", str(mbufs), "--config", "(0,0,%d),(1,0,%d)" % (worker_lcore, worker_lcore),
        "-f", cfg]


INPUT_PORT, OUTPUT_PORT = 0, 1
