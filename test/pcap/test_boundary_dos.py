#!/usr/bin/python3
"""State a stranger on the WAN or one branch can make esphub hold, through
net_pcap (the findings of the hostile review of the trust boundary):

  reassembly  12,000 never-completed fragments from spoofed sources to the
              WAN address: the outside table keeps to its buffer budget,
              evicting, and every port is still served (before: the packet
              pool ran dry and esphub went deaf on every port);
  ARP         16 packets toward unused next hops (a branch through its
              tunnel, a stranger's spoofed on-link pings) do not stop
              esphub from asking ARP for a branch's next hop;
  ICMP        a stranger spending the outside port's ICMP error budget does
              not silence time exceeded into a tunnel nor fragmentation
              needed toward the cloud.

    branch a, c (hand-keyed ESP) --wan 198.51.100.1 [esphub] lan 172.16.0.1-- cloud
"""
from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw

from boundary_lab import CLOUD, LAN, WAN, Frames, config, site, tunnel_inner
from esphub import drop_count, run_pcap
from netns import check, main

A = site(0, "a", "192.168.0.0/24", "192.168.0.2")
C = site(2, "c", "192.168.2.0/24", "192.168.2.2")
SITES = [A, C]


def reassembly_flood():
    fr = Frames()
    for i in range(760):
        src = "203.0.113.%d" % (1 + i % 250)
        for k in range(16):
            fr.clear_wan(IP(src=src, dst=WAN, id=i, proto=17, flags="MF", frag=k * 32) /
                         Raw(b"\0" * 256))
    fr.clear_wan(IP(src="203.0.113.250", dst=WAN, id=1) / ICMP(type=8, id=9, seq=1) /
                 Raw(b"stranger-ping"))
    fr.esp(C, IP(src=C.host, dst=LAN, id=2) / ICMP(type=8, id=7, seq=1) / Raw(b"c-ping"))
    fr.esp(C, IP(src=C.host, dst=CLOUD, id=3) / UDP(sport=4000, dport=53) / Raw(b"c-udp"))
    fr.clear_lan(IP(src=CLOUD, dst=LAN, id=4) / ICMP(type=8, id=8, seq=1) / Raw(b"cloud"))
    outs, res, _ = run_pcap(config(SITES), [fr.wan, fr.lan],
                            commands=("show drops", "show port stats"))
    wan = [Ether(f)[IP] for f in outs[0] if IP in Ether(f)]
    lan = [Ether(f)[IP] for f in outs[1] if IP in Ether(f)]
    served = {
        "stranger": len([p for p in wan if ICMP in p and p[ICMP].type == 0]),
        "c-echo": len([p for p in tunnel_inner(outs[0], C) if ICMP in p]),
        "c-udp": len([p for p in lan if UDP in p and p[UDP].dport == 53]),
        "cloud-echo": len([p for p in lan if ICMP in p and p[ICMP].type == 0]),
    }
    check(served == {"stranger": 1, "c-echo": 1, "c-udp": 1, "cloud-echo": 1},
          "after 12,160 fragments from strangers every port is served", repr(served))
    nomb = [int(l.split()[1]) for l in res["show port stats"].splitlines()
            if l.split()[:1] == ["no-mbuf"]]
    ev = drop_count(res["show drops"], "reass/evicted")
    check(sum(nomb) == 0 and ev > 0,
          "the outside table kept to its budget: %d fragments evicted, no buffer "
          "shortage" % ev, res["show port stats"] + res["show drops"])


def arp_pending():
    for who in ("branch", "stranger"):
        fr = Frames()
        for i in range(16):
            if who == "branch":
                fr.esp(A, IP(src=A.host, dst="172.16.1.%d" % (i + 1), id=i) /
                       UDP(sport=1000, dport=9))
            else:
                fr.clear_wan(IP(src="198.51.100.%d" % (100 + i), dst=WAN, id=i) /
                             ICMP(type=8, id=i, seq=1))
        fr.esp(C, IP(src=C.host, dst="172.16.0.20", id=99) / UDP(sport=4000, dport=53))
        outs, res, _ = run_pcap(config(SITES), [fr.wan, fr.lan], commands=("show drops",))
        asked = [Ether(f)[ARP].pdst for o in outs for f in o if ARP in Ether(f)]
        check("172.16.0.20" in asked,
              "%s: 16 packets toward unused next hops; esphub still asks ARP for c's "
              "next hop 172.16.0.20" % who, repr(asked) + res["show drops"])


def icmp_budget():
    fr = Frames()
    for i in range(150):
        fr.clear_wan(IP(src="203.0.113.9", dst=WAN, id=i) / UDP(sport=1000 + i, dport=9))
    fr.esp(C, IP(src=C.host, dst=CLOUD, id=77, ttl=1) / UDP(sport=4002, dport=33434))
    fr.clear_lan(IP(src=CLOUD, dst=C.host, id=78, flags="DF") / UDP(sport=5000, dport=7) /
                 Raw(b"p" * 1460))
    outs, res, _ = run_pcap(config(SITES), [fr.wan, fr.lan], commands=("show worker stats",))
    unreach = [f for f in outs[0] if ICMP in Ether(f) and Ether(f)[ICMP].type == 3]
    tx = [p for p in tunnel_inner(outs[0], C) if ICMP in p and p[ICMP].type == 11]
    nf = [Ether(f)[IP] for f in outs[1] if ICMP in Ether(f) and Ether(f)[ICMP].type == 3 and
          Ether(f)[ICMP].code == 4]
    check(len(unreach) == 100 and len(tx) == 1 and len(nf) == 1,
          "a stranger spent the outside port's ICMP budget (%d port unreachable); c's "
          "time exceeded (%d) and the cloud's fragmentation needed (%d) still go"
          % (len(unreach), len(tx), len(nf)), res["show worker stats"])


def test():
    reassembly_flood()
    arp_pending()
    icmp_budget()


main(test)
