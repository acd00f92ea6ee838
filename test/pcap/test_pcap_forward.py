#!/usr/bin/python3
"""Frames in through net_pcap, frames out compared with the expected ones.

Port 0 "wan" 10.0.1.1/24 and port 1 "lan" 10.0.2.1/24 (MTU 1000) read
in0/in1.pcap and write out0/out1.pcap; a bypass rule lets host A on the
outside side talk in clear (plain routing, no tunnels here). Neighbours are static, so the
output depends only on the input. Every frame esphub must send is built
independently here with scapy; outputs are compared byte for byte (as
multisets: the two ports' inputs interleave). Frames that must be dropped
are checked in the drop counters by reason.
"""
import os
import signal
import subprocess
import sys
import tempfile

from scapy.all import ARP, ICMP, IP, UDP, Ether, IPv6, Raw, raw, rdpcap, wrpcap

from esphub import ESPHUB_BIN, CliSession, eal_memory_args
from netns import check, main, wait_for

A_MAC, B_MAC = "02:00:00:00:01:02", "02:00:00:00:02:02"
WAN_MAC, LAN_MAC = "02:70:63:61:70:00", "02:70:63:61:70:01"   # net_pcap's own
A, B, WAN, LAN = "10.0.1.2", "10.0.2.2", "10.0.1.1", "10.0.2.1"

CONFIG = """
ports = (
  { name = "wan"; role = "outside"; device = "net_pcap0,rx_pcap=%(d)s/in0.pcap,tx_pcap=%(d)s/out0.pcap"; address = "10.0.1.1/24"; },
  { name = "lan"; role = "inside";  device = "net_pcap1,rx_pcap=%(d)s/in1.pcap,tx_pcap=%(d)s/out1.pcap"; address = "10.0.2.1/24"; mtu = 1000; }
);
neighbours = (
  { address = "10.0.1.2"; mac = "02:00:00:00:01:02"; },
  { address = "10.0.2.2"; mac = "02:00:00:00:02:02"; }
);
bypass = ( { local = "0.0.0.0/0"; remote = "10.0.1.0/24"; } );
"""


def ip_bytes(pkt):
    """Final bytes of an IP packet, checksums computed by scapy."""
    return raw(pkt)


def from_a(ip):
    return Ether(src=A_MAC, dst=WAN_MAC) / ip


def icmp_error(orig, type_, code, mtu=0):
    """What esphub must answer to orig (an IP packet) received on wan."""
    o = ip_bytes(orig)[:576 - 28]
    icmp = ICMP(type=type_, code=code, nexthopmtu=mtu) if type_ == 3 and code == 4 \
        else ICMP(type=type_, code=code)
    return Ether(src=WAN_MAC, dst=A_MAC) / IP(src=WAN, dst=A, ttl=64, id=0, flags=0) / icmp / Raw(o)


def forwarded(ip, src_mac, dst_mac):
    p = IP(ip_bytes(ip))
    p.ttl -= 1
    del p.chksum
    return Ether(src=src_mac, dst=dst_mac) / IP(raw(p))


def scenario():
    """(frames on wan, frames on lan, expected out0, expected out1, drops)."""
    in0, in1, out0, out1, drops = [], [], [], [], {}
    payload = bytes(range(256)) * 6

    echo = IP(src=A, dst=WAN, id=7) / ICMP(type=8, id=1, seq=1) / Raw(b"ping" * 8)
    in0.append(from_a(echo))
    reply = IP(ip_bytes(echo))
    reply.src, reply.dst, reply.ttl, reply[ICMP].type = WAN, A, 64, 0
    del reply.chksum, reply[ICMP].chksum
    out0.append(Ether(src=WAN_MAC, dst=A_MAC) / IP(raw(reply)))

    udp = IP(src=A, dst=B, id=8, ttl=64) / UDP(sport=1000, dport=2000) / Raw(b"x" * 100)
    in0.append(from_a(udp))
    out1.append(forwarded(udp, LAN_MAC, B_MAC))

    ttl1 = IP(src=A, dst=B, id=9, ttl=1) / UDP(sport=1000, dport=33434) / Raw(b"t" * 20)
    in0.append(from_a(ttl1))
    out0.append(icmp_error(ttl1, 11, 0))
    drops["fwd/ttl_expired"] = 1

    bad = bytearray(ip_bytes(IP(src=A, dst=B, id=10) / UDP() / Raw(b"b" * 10)))
    bad[10] ^= 0xff
    in0.append(Ether(src=A_MAC, dst=WAN_MAC, type=0x0800) / Raw(bytes(bad)))
    drops["ipv4/bad_checksum"] = 1

    trunc = ip_bytes(IP(src=A, dst=B, id=11) / UDP() / Raw(b"c" * 100))[:60]
    in0.append(Ether(src=A_MAC, dst=WAN_MAC, type=0x0800) / Raw(trunc))
    drops["ipv4/truncated"] = 1

    in0.append(Ether(src=A_MAC, dst="ff:ff:ff:ff:ff:ff") /
               ARP(op=1, hwsrc=A_MAC, psrc=A, pdst=WAN))
    out0.append(Ether(src=WAN_MAC, dst=A_MAC) /
                ARP(op=2, hwsrc=WAN_MAC, psrc=WAN, hwdst=A_MAC, pdst=A))

    in0.append(Ether(src=A_MAC, dst="ff:ff:ff:ff:ff:ff") /
               ARP(op=1, hwsrc=A_MAC, psrc=A, pdst="10.0.1.99"))
    drops["arp/not_for_us"] = 1

    noroute = IP(src=A, dst="192.0.2.9", id=12) / UDP(sport=5, dport=6) / Raw(b"n" * 8)
    in0.append(from_a(noroute))
    out0.append(icmp_error(noroute, 3, 0))
    drops["fwd/no_route"] = 1

    big_df = IP(src=A, dst=B, id=13, flags="DF") / UDP(sport=7, dport=8) / Raw(payload[:1372])
    in0.append(from_a(big_df))
    out0.append(icmp_error(big_df, 3, 4, mtu=1000))
    drops["fwd/needs_fragmentation"] = 1

    big = IP(src=A, dst=B, id=14) / UDP(sport=7, dport=9) / Raw(payload[:1372])
    in0.append(from_a(big))
    body = ip_bytes(big)[20:]
    for off, chunk, more in ((0, body[:976], 1), (976, body[976:], 0)):
        frag = IP(src=A, dst=B, id=14, ttl=63, proto=17, flags="MF" if more else 0,
                  frag=off // 8) / Raw(chunk)
        out1.append(Ether(src=LAN_MAC, dst=B_MAC) / IP(raw(frag)))

    ike = IP(src=A, dst=WAN, id=15) / UDP(sport=500, dport=500) / Raw(b"\0" * 28)
    in0.append(from_a(ike))          # punted to the control core, nothing out

    closed = IP(src=A, dst=WAN, id=16) / UDP(sport=5, dport=9999) / Raw(b"p" * 8)
    in0.append(from_a(closed))
    out0.append(icmp_error(closed, 3, 3))
    drops["local/no_service"] = 1

    in0.append(Ether(src=A_MAC, dst=WAN_MAC) / IPv6(src="fe80::1", dst="fe80::2"))
    drops["eth/unknown_ethertype"] = 1
    in0.append(Ether(src=A_MAC, dst="02:00:00:00:09:09") / IP(src=A, dst=B) / UDP())
    drops["eth/other_host"] = 1
    in0.append(Ether(src=A_MAC, dst="ff:ff:ff:ff:ff:ff") / IP(src=A, dst=B) / UDP())
    drops["fwd/link_broadcast"] = 1
    in0.append(Ether(src=A_MAC, dst=WAN_MAC, type=0x0800) / Raw(b"\x45\x00"))
    drops["ipv4/truncated"] += 1

    back = IP(src=B, dst=A, id=17) / UDP(sport=2000, dport=1000) / Raw(b"r" * 50)
    in1.append(Ether(src=B_MAC, dst=LAN_MAC) / back)
    out0.append(forwarded(back, WAN_MAC, A_MAC))
    return in0, in1, out0, out1, drops


def frames(path):
    return sorted(raw(p) for p in rdpcap(path)) if os.path.getsize(path) > 24 else []


def test():
    in0, in1, out0, out1, drops = scenario()
    with tempfile.TemporaryDirectory(prefix="esphub-pcap-") as d:
        wrpcap(d + "/in0.pcap", in0)
        wrpcap(d + "/in1.pcap", in1)
        with open(d + "/esphub.conf", "w") as f:
            f.write(CONFIG % {"d": d})
        sock = d + "/cli.sock"
        argv = [ESPHUB_BIN, "-l", "0-1", "--no-pci", "--file-prefix", "pcaptest%d" % os.getpid(),
                "--log-level", "lib.eal:warning"] + eal_memory_args() + \
            ["--", "-f", d + "/esphub.conf", "--cli-socket", sock]
        log = open(d + "/esphub.log", "w+")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 20, 0.1, "esphub")
            check(p.poll() is None, "esphub starts on net_pcap ports")
            cli = CliSession(sock)
            info = cli.run("show port info")
            check(WAN_MAC.upper() in info and LAN_MAC.upper() in info,
                  "net_pcap ports have the MACs the input frames are addressed to", info)

            wait_for(lambda: "punt-rx" in (w := cli.run("show worker stats")) and
                     int(w.split("punt-rx")[1].split()[0]) == 1, 10, 0.1, "the IKE frame punted")
            wait_for(lambda: frames_seen(cli) >= len(in0) + len(in1), 10, 0.1,
                     "all %d input frames received" % (len(in0) + len(in1)))
            dropped = cli.run("show drops")
            cli.close()
        finally:
            p.send_signal(signal.SIGTERM)
            rc = p.wait(15)
            log.seek(0)
            sys.stdout.write(log.read())
        check(rc == 0, "esphub exits cleanly")

        for port, want, path in ((0, out0, d + "/out0.pcap"), (1, out1, d + "/out1.pcap")):
            got = frames(path)
            exp = sorted(raw(x) for x in want)
            missing = [x.hex() for x in exp if x not in got]
            extra = [x.hex() for x in got if x not in exp]
            check(got == exp, "port %d sent exactly the %d expected frames" % (port, len(exp)),
                  "missing: %s\nunexpected: %s" % (missing, extra))
        for reason, n in drops.items():
            stage, name = reason.split("/")
            row = [l for l in dropped.splitlines()
                   if l.split()[:2] == [stage, name.replace("_", "-")]]
            got = int(row[0].split()[2]) if row else 0
            check(got == n, "%d frame(s) dropped as %s" % (n, reason), dropped)


def frames_seen(cli):
    s = cli.run("show port stats")
    total = 0
    for line in s.splitlines():
        if line.strip().startswith("worker-pkts"):
            total += int(line.split()[1])
    return total


main(test)
