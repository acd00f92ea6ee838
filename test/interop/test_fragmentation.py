#!/usr/bin/python3
"""Fragmentation and TCP MSS clamping through live ESP tunnels.

The outside link has MTU 1000 (both veth ends, the WAN bridge and esphub's
outside port `mtu = 1000`); the branch LANs (the gateways' TUNs) and the
cloud link have 1500. Four sites, CBC and GCM, plain ESP and UDP 4500, each
with a userspace gateway (test/lib/esp_gateway.py).

Phase 1, esphub's ports on TAPs bridged to the hub's veths, so that esphub
itself sees every fragment (DPDK's af_packet PMD would let the kernel
reassemble them first: PACKET_FANOUT_FLAG_DEFRAG):
(a) cloud -> branch: UDP datagrams of 1200, 3000 and 5000 bytes without DF
    arrive intact. esphub fragments them (and the cloud's own fragments)
    before encryption to the tunnel MTU (RFC 4459 s5); the branch kernel
    reassembles them behind the TUN.
(b) branch -> cloud: the same sizes. The branch kernel fragments the outer
    ESP datagrams for the 1000-byte link; esphub receives the fragments,
    reassembles them before decryption; the cloud gets every datagram intact.
(c) a DF datagram too big for the tunnel gets ICMP fragmentation-needed
    carrying the tunnel MTU (scapy sr1), and the cloud's kernel learns that
    path MTU (ping -M do, then `ip route get`).
esphub counts it: fragments-out, esp-out needs-fragmentation (one per DF
probe), no reassembly failures.
MSS clamping (RFC 4459 s3.2): a SYN from the cloud, captured decrypted on
the branch gateway's TUN, and a SYN from the branch, captured at the cloud,
carry an MSS no larger than the tunnel's (`show sa ID detail`: TCP MSS),
as do the SYN-ACKs, each with a TCP checksum that scapy recomputes to the
same value; then 1 MB of TCP crosses the tunnel with no fragmentation.

Phase 2, esphub on net_af_packet (as the other netns tests run it). The
kernel reassembles IPv4 fragments for af_packet's fanout group (DPDK's PMD
sets PACKET_FANOUT_FLAG_DEFRAG), so esphub receives whole datagrams up to
the ring frame size: with framesz=8192 large datagrams cross; with the
default 2048-byte frames a larger one is dropped and counted as
ipv4/truncated, as README documents.
"""
import re
import time

from esp_lab import CLOUD, HUB_LAN, HUB_WAN, Lab, udp_one_way
from esp_sites import make_sites
from netns import PYTHON, Topology, check, main, tcp_transfer, wait_for

MTU = 1000
SIZES = (1200, 3000, 5000)
# DPDK's af_packet PMD: ring frames of 2048 bytes (framesz), the frame data
# at offset 66 (TPACKET_V2), so at most 1982 bytes of Ethernet frame, 1968
# of IPv4 datagram, 1940 of UDP payload, and the kernel hands it whole
# datagrams it reassembled (PACKET_FANOUT_FLAG_DEFRAG).
AF_PACKET_LIMIT = 1940


def label(s):
    return "%s %s/%s%s" % (s.name, s.cipher, s.integ or "aead", " udp" if s.udp else " esp")


def sa_detail(lab, s):
    """(tunnel MTU, TCP MSS) of the site's outbound SA from `show sa ID detail`."""
    c = lab.sa_counters()[(s.name, "out")]
    text = lab.eh.cli("show sa %d detail" % c["id"])
    m = re.search(r"tunnel MTU (\d+), TCP MSS (\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else (None, text)


def fragmentation(lab, sites):
    cloud = lab.cloud
    ws0 = lab.eh.worker_stats()
    # (a) cloud -> branch host.
    for s in sites:
        tx, rx = udp_one_way(cloud, lab.branch[s.i], s.host, 8000 + s.i, SIZES, timeout=5)
        check(rx.get("sizes") == list(SIZES) and all(rx.get("intact", [])),
              "%s: %s-byte UDP datagrams cloud -> branch arrive intact" % (
                  label(s), "/".join(map(str, SIZES))), "sent %r, got %r" % (tx, rx))
    ws1 = lab.eh.worker_stats()
    # Each datagram leaves esphub in at least two pieces.
    check(ws1["fragments_out"] - ws0["fragments_out"] >= 2 * len(SIZES) * len(sites),
          "esphub fragmented them before encryption (fragments-out +%d)" % (
              ws1["fragments_out"] - ws0["fragments_out"]), repr(ws1))

    # (b) branch host -> cloud.
    for s in sites:
        b = lab.branch[s.i]
        esp0, rx0 = lab.gateway_stats(s.i)["esp_out"], lab.eh.port_stats(0)["worker_rx_packets"]
        tx, rx = udp_one_way(b, cloud, CLOUD, 8100 + s.i, SIZES, timeout=5)
        esp = lab.gateway_stats(s.i)["esp_out"] - esp0
        got = lab.eh.port_stats(0)["worker_rx_packets"] - rx0
        # More frames than ESP datagrams: the kernel fragmented them for the
        # link, and esphub received the fragments (not the kernel's
        # reassembly of them: TAP ports).
        check(got > esp, "%s: %d ESP datagrams from the gateway reached esphub as %d frames"
              " (fragmented for the %d-byte link)" % (label(s), esp, got, MTU))
        check(rx.get("sizes") == list(SIZES) and all(rx.get("intact", [])),
              "%s: %s-byte UDP datagrams branch -> cloud arrive intact (esphub reassembled"
              " the ESP)" % (label(s), "/".join(map(str, SIZES))),
              "sent %r, got %r" % (tx, rx))
    drops = lab.drops()
    refused = {k: v for k, v in drops.items() if k.startswith("reass/") and v}
    check(not refused, "no reassembly failures", repr(refused))

    # (c) DF set and too big for the tunnel: ICMP fragmentation needed with
    # the tunnel MTU, from esphub's inside address.
    probes = 0
    for s in sites[:2]:
        mtu, _ = sa_detail(lab, s)
        r = cloud.run([PYTHON, "-c", (
            "from scapy.all import *\n"
            "r = sr1(IP(dst='%s', flags='DF') / UDP(sport=4321, dport=9) / Raw(b'x' * %d),"
            " timeout=3, verbose=0)\n"
            "print(r[ICMP].type, r[ICMP].code, r[ICMP].nexthopmtu, r.src) if r and ICMP in r"
            " else print('none')") % (s.host, mtu)], timeout=30, check=False)
        probes += 1
        got = r.stdout.split()
        check(got == ["3", "4", str(mtu), HUB_LAN],
              "%s: a DF datagram of %d bytes gets ICMP fragmentation-needed, MTU %d, from %s"
              % (label(s), mtu + 28, mtu, HUB_LAN), r.stdout + r.stderr)
    s = sites[2]
    mtu, _ = sa_detail(lab, s)
    r = cloud.run(["ping", "-n", "-M", "do", "-c", "2", "-i", "0.3", "-W", "1", "-s", mtu,
                   s.host], timeout=20, check=False)
    route = cloud.run(["ip", "route", "get", s.host]).stdout
    check(r.returncode != 0 and re.search(r"\bmtu %d\b" % mtu, route),
          "%s: ping -M do -s %d fails and the cloud's kernel learned path MTU %d" % (
              label(s), mtu, mtu), r.stdout + r.stderr + route)
    drops = lab.drops()
    check(drops.get("esp_out/needs_fragmentation", 0) >= probes + 1,
          "esphub counted the DF datagrams as esp-out needs-fragmentation", repr(drops))


SYN_DUMP = """
import sys
from scapy.all import IP, TCP, rdpcap
for p in rdpcap(sys.argv[1]):
    ip = p[IP]
    if TCP not in ip or not ip[TCP].flags.S:
        continue
    mss = dict(o for o in ip[TCP].options if isinstance(o[0], str)).get("MSS")
    q = ip.copy()
    del q[TCP].chksum
    print(ip.src, ip.dst, ip[TCP].flags, mss, IP(bytes(q))[TCP].chksum == ip[TCP].chksum)
"""


def syns(ns, path):
    """[(src, dst, flags, mss, checksum ok)] of the SYNs and SYN-ACKs in a pcap."""
    out = ns.run([PYTHON, "-c", SYN_DUMP, path], timeout=30, check=False)
    return [(r[0], r[1], r[2], int(r[3]) if r[3] != "None" else None, r[4] == "True")
            for r in (line.split() for line in out.stdout.splitlines()) if len(r) == 5]


def connect(src, dst, dst_addr, port):
    """One TCP connection from src to a listener in dst; True if it was set up."""
    srv = dst.start("tcp-listen-%d" % port, [PYTHON, "-c", (
        "import socket\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('0.0.0.0', %d)); s.listen(1); print('LISTENING', flush=True)\n"
        "s.settimeout(10); c, a = s.accept(); c.recv(1)\n") % port], log="LISTENING")
    r = src.run([PYTHON, "-c", "import socket; socket.create_connection(('%s', %d), 5).close()"
                 % (dst_addr, port)], timeout=15, check=False)
    try:
        srv.wait(10)
    except Exception:
        srv.stop()
    return r.returncode == 0


def mss_clamp(lab, s):
    b, cloud = lab.branch[s.i], lab.cloud
    mtu, mss = sa_detail(lab, s)
    if mtu is None:
        check(False, "show sa ID detail prints the tunnel MTU and TCP MSS", mss)
        return
    print("%s: tunnel MTU %d, TCP MSS %d" % (label(s), mtu, mss), flush=True)
    # Decrypted at the branch (its TUN) and at the cloud: one connection
    # each way. Each end sees the SYNs the other end sent, after esphub.
    port = 9000 + 2 * s.i
    flt = "tcp portrange %d-%d" % (port, port + 1)
    cap_b = b.capture("esp0", name="syn-tun", filter=flt)
    cap_c = cloud.capture("v-hub", name="syn-s%d" % s.i, filter=flt)
    ok1 = connect(cloud, b, s.host, port)
    ok2 = connect(b, cloud, CLOUD, port + 1)
    check(ok1 and ok2, "%s: TCP connections cloud -> branch and branch -> cloud" % label(s))
    # tcpdump -U writes each packet as it comes: wait for all four.
    wait_for(lambda: len(syns(b, cap_b.path)) >= 4 and len(syns(cloud, cap_c.path)) >= 4,
             10, 0.3, "the SYNs in the captures")
    at_b, at_c = syns(b, cap_b.stop()), syns(cloud, cap_c.stop())
    crossed = [x for x in at_b if x[0] == CLOUD] + [x for x in at_c if x[0] == s.host]
    local = [x for x in at_b if x[0] == s.host] + [x for x in at_c if x[0] == CLOUD]
    kinds = sorted((x[0], x[2]) for x in crossed)
    check(kinds == sorted([(CLOUD, "S"), (CLOUD, "SA"), (s.host, "S"), (s.host, "SA")]),
          "%s: captured the SYN and SYN-ACK of both connections after esphub" % label(s),
          repr(at_b + at_c))
    check(all(x[3] is not None and x[3] > mss for x in local),
          "%s: the endpoints offered MSS larger than the tunnel's (%s)" % (
              label(s), "/".join(str(x[3]) for x in local)), repr(local))
    check(crossed and all(x[3] is not None and x[3] <= mss and x[4] for x in crossed),
          "%s: esphub clamped every SYN and SYN-ACK to MSS <= %d (got %s), TCP checksums"
          " valid" % (label(s), mss, "/".join(str(x[3]) for x in crossed)), repr(crossed))

    ws0, drops0 = lab.eh.worker_stats(), lab.drops()
    x = tcp_transfer(b, cloud, CLOUD, mbytes=1, port=5300 + s.i)
    ws1, drops1 = lab.eh.worker_stats(), lab.drops()
    check(x.ok and ws1["fragments_out"] == ws0["fragments_out"] and
          drops1.get("esp_out/needs_fragmentation", 0) ==
          drops0.get("esp_out/needs_fragmentation", 0),
          "%s: 1 MB of TCP crosses the %d-byte tunnel intact, unfragmented" % (label(s), mtu),
          "%r, fragments-out +%d" % (x, ws1["fragments_out"] - ws0["fragments_out"]))


def af_packet_phase(sites):
    """Phase 2: esphub on net_af_packet, cloud -> branch without DF.

    The kernel reassembles fragments for af_packet's fanout, so esphub gets
    whole datagrams, up to the ring frame size. With framesz=8192 the large
    ones arrive; with the default 2048, one beyond it is dropped and counted
    (ipv4/truncated), never lost silently. README documents this."""
    s = sites[0]
    with Topology() as t:
        lab = Lab(t, [s], wan_mtu=MTU, ports="af_packet_8k")
        sizes = (AF_PACKET_LIMIT, AF_PACKET_LIMIT + 1, 3000, 5000)
        tx, rx = udp_one_way(lab.cloud, lab.branch[s.i], s.host, 8200, sizes, timeout=3)
        got = dict(zip(rx.get("sizes", []), rx.get("intact", [])))
        drops = lab.drops()
        for size in sizes:
            check(got.get(size) is True,
                  "af_packet ports, framesz=8192: a %d-byte UDP datagram cloud -> branch "
                  "without DF arrives intact" % size, "got %r; esphub drops %r" % (rx, drops))
        lab.stop_gateways()
        lab.eh.stop()
    with Topology() as t:
        lab = Lab(t, [s], wan_mtu=MTU, ports="af_packet")
        before = lab.drops().get("ipv4/truncated", 0)
        tx, rx = udp_one_way(lab.cloud, lab.branch[s.i], s.host, 8201,
                             (AF_PACKET_LIMIT, 3000), timeout=3)
        got = dict(zip(rx.get("sizes", []), rx.get("intact", [])))
        drops = lab.drops()
        check(got.get(AF_PACKET_LIMIT) is True and got.get(3000) is not True and
              drops.get("ipv4/truncated", 0) - before >= 1,
              "af_packet ports, default 2048-byte frames: %d bytes arrive; 3000 do not and "
              "are counted as ipv4/truncated (the documented limit)" % AF_PACKET_LIMIT,
              "got %r; esphub drops %r" % (rx, drops))
        lab.stop_gateways()
        lab.eh.stop()


def test():
    all_sites = make_sites(HUB_WAN, esn_too=False)
    # aes128-cbc/sha1 esp and udp, aes256-gcm esp and udp.
    sites = [all_sites[0], all_sites[1], all_sites[10], all_sites[11]]
    t0 = time.monotonic()
    with Topology() as t:
        lab = Lab(t, sites, wan_mtu=MTU, ports="tap")
        info = lab.eh.cli("show port info 0")
        check(re.search(r"\bmtu\s*:?\s*%d\b" % MTU, info, re.I) is not None,
              "esphub's outside port has MTU %d" % MTU, info)
        print("lab up in %.1f s" % (time.monotonic() - t0), flush=True)
        fragmentation(lab, sites)
        for s in (sites[0], sites[3]):
            mss_clamp(lab, s)
        gw = {s.i: lab.gateway_stats(s.i) for s in sites}
        check(all(g["failed"] == 0 for g in gw.values()),
              "the gateways decrypted everything esphub sent", repr(gw))
        drops = lab.eh.cli("show drops")
        unexpected = [line for line in drops.splitlines()
                      if line.startswith(("esp-in ", "esp-out ")) and
                      "needs-fragmentation" not in line]
        check(not unexpected, "show drops: no other esp-in/esp-out drops", drops)
        lab.stop_gateways()
        lab.eh.stop()
    print("phase 1 (TAP ports) %.1f s" % (time.monotonic() - t0), flush=True)
    af_packet_phase(sites)
    print("total %.1f s" % (time.monotonic() - t0), flush=True)


main(test)
