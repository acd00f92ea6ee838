#!/usr/bin/python3
"""The trust boundary (RFC 4301 s5), attacked through net_pcap.

    branches a, b (both 192.168.0.0/24: shared, kept out of the SPD),
    c (192.168.2.0/24, SPD-routed), e (IKE, 192.168.4.0/24, never up)
      --ESP-- wan 198.51.100.1/24 [esphub] lan 172.16.0.1/16 mtu 1000 -- cloud 172.16.0.10

NAT masquerades the branches toward 172.16.0.0/16; a default route
points out of the wan port. Every frame esphub sends is read back:
cleartext on the wan port is allowed only for the box's own answers to
the outside; what answers tunnel traffic must be ESP in that very tunnel,
decrypted here with scapy's independent ESP. Each attack is an issue-12
item (numbers in the check names):
  1  a shared-subnet branch pings the inside address, traceroutes through
     esphub, hits a closed port: the answers go back into its tunnel;
     the cloud's traffic toward a shared or down branch subnet is dropped
  2  cleartext on the outside port (spoofed cloud source toward a branch,
     branch source toward the cloud, to the inside address, a spoofed
     branch source pinging the box, toward a branch under a bypass rule)
     and a branch source on the inside port: all dropped and counted,
     nothing reaches a tunnel or the cloud
  3  branch a sends a datagram's first fragment, branch b the second with
     the same addresses and IP ID: never reassembled together
  8  ICMP errors about tunnel traffic come from the inside address, into
     the tunnel (traceroute and PMTU discovery work), also for packets
     NAT translated (the quoted header is the branch's own)
"""
from scapy.all import ICMP, IP, UDP, Ether, Raw, raw

from boundary_lab import CLOUD, LAN, WAN, Frames, config, site, tunnel_inner
from esphub import drop_count, run_pcap
from netns import check, main

EXTRA = """
nat = { masquerade = ( { destination = "172.16.0.0/16"; } ); };
bypass = ( { local = "192.168.2.0/24"; remote = "203.0.113.0/24"; } );
"""
SITE_E = ('{ name = "e"; peer = "198.51.100.14"; psk = "e-secret"; '
          'remote_subnets = [ "192.168.4.0/24" ]; local_subnets = [ "172.16.0.0/16" ]; }')


def test():
    a = site(0, "a", "192.168.0.0/24", "192.168.0.2")
    b = site(1, "b", "192.168.0.0/24", "192.168.0.2")
    c = site(2, "c", "192.168.2.0/24", "192.168.2.2")
    sites = [a, b, c]
    sc = Frames()
    drops = {}

    # 1: answers to a shared-subnet branch go into its tunnel.
    sc.esp(a, IP(src=a.host, dst=LAN, id=1) / ICMP(type=8, id=7, seq=1) / Raw(b"a-ping" * 8))
    sc.esp(a, IP(src=a.host, dst=CLOUD, id=2, ttl=1) / UDP(sport=4000, dport=33434) /
           Raw(b"a-trace"))
    sc.esp(a, IP(src=a.host, dst=LAN, id=3) / UDP(sport=4001, dport=9) / Raw(b"a-closed"))
    # 1: the cloud toward a shared subnet, and toward a site that is down.
    sc.clear_lan(IP(src=CLOUD, dst="192.168.0.5", id=4) / UDP(sport=40053, dport=45353) /
                 Raw(b"to-shared"))
    sc.clear_lan(IP(src=CLOUD, dst="192.168.4.5", id=5) / UDP(sport=40053, dport=45353) /
                 Raw(b"to-down"))
    drops["policy/branch-no-tunnel"] = 2

    # 2: cleartext from the outside is never encrypted nor forwarded.
    sc.clear_wan(IP(src=CLOUD, dst=c.host, id=6) / UDP(sport=40053, dport=45353) /
                 Raw(b"spoofed-cloud"))
    sc.clear_wan(IP(src=c.host, dst=CLOUD, id=7) / UDP(sport=45353, dport=40053) /
                 Raw(b"spoofed-branch"))
    drops["policy/outside-transit"] = 2
    # ... not even under a bypass rule that names a branch subnet.
    sc.clear_wan(IP(src="203.0.113.50", dst=c.host, id=13) / UDP(sport=40053, dport=45353) /
                 Raw(b"bypass-into-c"))
    drops["policy/outside-into-tunnel"] = 1
    sc.clear_wan(IP(src="203.0.113.9", dst=LAN, id=8) / ICMP(type=8, id=1, seq=1))
    drops["policy/outside-to-inside-address"] = 1
    sc.clear_wan(IP(src=c.host, dst=WAN, id=9) / ICMP(type=8, id=1, seq=1) / Raw(b"inject"))
    # ... nor does a branch's address in clear on the inside port.
    sc.clear_lan(IP(src=c.host, dst=CLOUD, id=10) / UDP(sport=45353, dport=40053))
    drops["policy/cleartext-from-branch"] = 2

    # 3: a's first fragment and b's second, same addresses and ID.
    payload = b"A" * 300 + b"B" * 300
    whole = raw(IP(src=a.host, dst=CLOUD, id=0x4242) / UDP(sport=5000, dport=7) / Raw(payload))
    body = whole[20:]
    first = IP(src=a.host, dst=CLOUD, id=0x4242, proto=17, flags="MF", frag=0) / Raw(body[:304])
    second = IP(src=b.host, dst=CLOUD, id=0x4242, proto=17, frag=38) / Raw(body[304:])
    sc.esp(a, first)
    sc.esp(b, second)
    # The same from one branch is reassembled (and masqueraded).
    sc.esp(c, IP(src=c.host, dst=CLOUD, id=0x4343, proto=17, flags="MF", frag=0) /
           Raw(body[:304]))
    sc.esp(c, IP(src=c.host, dst=CLOUD, id=0x4343, proto=17, frag=38) / Raw(body[304:]))

    # 8: traceroute and PMTU discovery through an SPD-routed tunnel, and
    # fragmentation needed for a masqueraded packet.
    sc.esp(c, IP(src=c.host, dst=CLOUD, id=11, ttl=1) / UDP(sport=4002, dport=33434))
    sc.esp(a, IP(src=a.host, dst=CLOUD, id=12, flags="DF") / UDP(sport=4003, dport=7) /
           Raw(b"m" * 1200))

    outs, res, log = run_pcap(config(sites, EXTRA, [SITE_E], lan_mtu=1000), [sc.wan, sc.lan],
                              commands=("show drops", "show nat sessions", "show spd"))
    wan_out, lan_out = outs
    shown = res["show drops"]

    clear = [Ether(f) for f in wan_out if IP in Ether(f) and Ether(f)[IP].proto != 50]
    check(clear == [], "1, 2: nothing leaves the wan port in clear but answers to the "
          "outside (here: none)", "\n".join(p.summary() for p in clear))
    by_site = {s.name: tunnel_inner(wan_out, s) for s in sites}

    a_in = by_site.get("a", [])
    echo = [p for p in a_in if ICMP in p and p[ICMP].type == 0]
    check(len(echo) == 1 and echo[0].src == LAN and echo[0][Raw].load == b"a-ping" * 8,
          "1: a's ping of the inside address is answered in a's tunnel", repr(a_in))
    tx = [p for p in a_in if ICMP in p and p[ICMP].type == 11]
    check(len(tx) == 1 and tx[0].src == LAN and tx[0].dst == a.host,
          "1, 8: a's TTL-1 probe gets time exceeded from %s in a's tunnel" % LAN, repr(a_in))
    un = [p for p in a_in if ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 3]
    check(len(un) == 1 and un[0].src == LAN,
          "1: a's datagram to a closed port gets port unreachable in a's tunnel", repr(a_in))
    pmtu = [p for p in a_in if ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 4]
    quoted = IP(raw(pmtu[0][ICMP].payload)) if pmtu else None
    check(len(pmtu) == 1 and pmtu[0].src == LAN and pmtu[0].dst == a.host and
          pmtu[0][ICMP].nexthopmtu == 1000 and quoted.src == a.host and
          quoted[UDP].sport == 4003,
          "8: fragmentation needed for a masqueraded packet reaches a, quoting a's own header",
          repr(a_in))
    check(by_site["b"] == [], "1: nothing of a's goes into b's tunnel", repr(by_site))
    c_tx = [p for p in by_site.get("c", []) if ICMP in p and p[ICMP].type == 11]
    check(len(c_tx) == 1 and c_tx[0].src == LAN,
          "8: traceroute through the SPD-routed tunnel c: time exceeded from %s" % LAN,
          repr(by_site.get("c")))
    c_other = [p for p in by_site.get("c", []) if not (ICMP in p and p[ICMP].type == 11)]
    check(c_other == [], "2: no cleartext from the wan was encrypted into c's tunnel",
          repr(c_other))

    lan = [Ether(f)[IP] for f in lan_out if IP in Ether(f)]
    leaked = [p for p in lan if p.src == c.host]
    check(leaked == [], "2: cleartext with a branch source (from the wan, or on the lan "
          "itself) does not reach the cloud", repr(leaked))
    udp7 = [p for p in lan if UDP in p and p[UDP].dport == 7 and p.frag == 0 and not p.flags.MF]
    check(len(udp7) == 1 and udp7[0].src == LAN and len(udp7[0][UDP].payload) == 600,
          "3: c's own fragments are reassembled and masqueraded (one datagram)", repr(udp7))
    mixed = [p for p in udp7 if bytes(p[UDP].payload) == payload and p.id != 0x4343]
    check(mixed == [] and all(p.id != 0x4242 for p in lan),
          "3: a's and b's fragments were not reassembled together", repr(lan))
    check("45353" not in res["show nat sessions"],
          "2: the spoofed cleartext opened no NAT session for site c", res["show nat sessions"])
    for reason, n in drops.items():
        check(drop_count(shown, reason) == n, "%d dropped as %s" % (n, reason), shown)
    check("discard" in res["show spd"] and "192.168.0.0/24" in res["show spd"] and
          "192.168.4.0/24" in res["show spd"],
          "show spd lists the shared and the down subnets as discard", res["show spd"])


main(test)
