#!/usr/bin/python3
"""Source NAT of decrypted branch traffic, live, in network namespaces.

Four branches (esp_lab: scapy ESP gateways, hand-keyed SAs) on one esphub:
s0 and s1 use the same private subnet, 192.168.0.0/24, and the same host
address 192.168.0.2; s2 uses 192.168.2.0/24 and a per-site rule that routes
it unchanged (pool = "none"); s3 (192.168.3.0/24) is masqueraded like s0
and s1 but has a subnet of its own. The cloud has routes back to
192.168.2.0/24 and 192.168.3.0/24 only, so anything s0 and s1 get back came
through NAT.

- s0 and s1 at the same time: ping the cloud; UDP from the same source port
  to one echo server (16, 512 and 1400 bytes, the last fragmented inside
  the tunnel and reassembled by esphub before NAT); 2 MB of TCP each.
  Payloads are compared end to end.
- The cloud's echo server saw s0 and s1 as 172.16.0.1 with two different
  ports of the same parity as theirs, and s2 as 192.168.2.2.
- tshark on the cloud's link: no 192.168.0.0/24 address ever appears.
- An ICMP port-unreachable from the cloud is translated back into the
  right tunnel: the branch's socket sees "Connection refused".
- Cloud -> pool address without a session, or from another remote port
  than the session's: dropped as nat/no-session.
- The cloud opens flows to s3's host (ping, UDP, TCP): the answers come
  back from 192.168.3.2 itself, not masqueraded (pass-through sessions),
  while s3's own flows to the cloud are masqueraded.
- show nat sessions / stats and /esphub/nat_stats agree; clear nat sessions
  site s0 releases s0's sessions only, and s0 gets a new one on demand.
- One branch cannot take every port toward one remote (site_dest_cap = 4
  here): s1's fifth and later flows to one cloud port are dropped as
  nat/site-dest-cap (show drops, show nat stats, telemetry), while s0's
  flow to that port still goes through.

    test_nat_netns.py workers

Two workers (queue pairs spread flows by hash): one branch opens 24 UDP
flows and a TCP transfer; the sessions are created by the worker that
decrypts the branch's ESP, while the cloud's replies land on both workers,
and every reply is restored into the tunnel.
"""
import json
import random
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from esp_lab import CLOUD, HUB_LAN, HUB_WAN, UDP_PEER, Lab, udp_exchange, udp_exchange_to
from esp_sites import ALGOS, Site
from esphub import drop_count
from netns import PYTHON, Topology, check, main, tcp_transfer, wait_for

SPORT = 40000

NAT = """
nat = {
  capacity = 100000;
  site_dest_cap = 4;
  masquerade = (
    { destination = "172.16.0.0/16"; },
    { destination = "172.16.0.0/16"; site = "s2"; pool = "none"; }
  );
};
"""


def make_sites():
    rng = random.Random(4787)
    s0 = Site(0, ALGOS[0], False, False, HUB_WAN, rng)      # aes128-cbc/sha1, ESP
    s1 = Site(1, ALGOS[4], True, False, HUB_WAN, rng)       # aes128-gcm, UDP 4500
    s2 = Site(2, ALGOS[3], False, False, HUB_WAN, rng)      # aes256-cbc/sha256
    s3 = Site(3, ALGOS[5], True, False, HUB_WAN, rng)       # aes256-gcm, UDP 4500
    for s in (s0, s1):
        s.subnet, s.host = "192.168.0.0/24", "192.168.0.2"
    return [s0, s1, s2, s3]


def nat_rows(eh, site=None):
    """show nat sessions rows as word lists (header and summary dropped)."""
    out = eh.cli("show nat sessions limit 0" if site is None else
                 "show nat sessions site %s limit 0" % site)
    return [ln.split() for ln in out.splitlines()
            if ln.split()[:1] and ln.split()[0] in ("tcp", "udp", "icmp")], out


def send_from_cloud(cloud, dst, dport, sport):
    """One UDP datagram from the cloud, from a chosen port."""
    code = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            "s.bind(('0.0.0.0', %d)); s.sendto(b'unsolicited', ('%s', %d))" % (sport, dst, dport))
    cloud.run([PYTHON, "-c", code])


def test():
    sites = make_sites()
    s0, s1, s2, s3 = sites
    t0 = time.monotonic()
    with Topology() as t:
        lab = Lab(t, sites, esp=NAT)
        cloud, eh = lab.cloud, lab.eh
        cloud.ip("route", "del", "192.168.0.0/16")
        cloud.route("192.168.2.0/24", via=HUB_LAN)
        cloud.route("192.168.3.0/24", via=HUB_LAN)
        cap = cloud.capture("v-hub", name="cloud-side", tool="tshark")
        print("lab up in %.1f s" % (time.monotonic() - t0), flush=True)

        # s0 and s1: ping, then UDP from the same source port, at the same time.
        with ThreadPoolExecutor(2) as pool:
            pings = list(pool.map(lambda s: lab.branch[s.i].ping(CLOUD, count=3, interval=0.2,
                                                                 timeout=3), (s0, s1)))
        for s, r in zip((s0, s1), pings):
            check(r.received == 3, "%s (192.168.0.2) pings the cloud through NAT" % s.name,
                  r.output)
        srv = cloud.start("udp-echo", [PYTHON, UDP_PEER, "echo", "--port", "6000"],
                          log=r"LISTENING", timeout=15)
        with ThreadPoolExecutor(3) as pool:
            xs = list(pool.map(lambda s: udp_exchange_to(lab.branch[s.i], CLOUD, 6000,
                                                         sport=SPORT), sites[:3]))
        srv.stop(sig=signal.SIGINT)
        echo = [ln for ln in srv.stdout().splitlines() if ln.startswith("{")]
        for s, x in zip(sites, xs):
            check(x.get("ok") == 3, "%s: UDP 16/512/1400 bytes from port %d echoed intact"
                  % (s.name, SPORT), repr(x))
        peers = json.loads(echo[-1])["peers"] if echo else []
        masq = sorted(int(p.split(":")[1]) for p in peers if p.startswith(HUB_LAN + ":"))
        check(len(masq) == 2 and masq[0] != masq[1] and all(p % 2 == SPORT % 2 for p in masq),
              "the cloud saw s0 and s1 as %s on two ports of their port's parity" % HUB_LAN,
              repr(peers))
        check("192.168.2.2:%d" % SPORT in peers and
              not any(p.startswith("192.168.0.") for p in peers),
              "s2 (pool none) reached the cloud unchanged; no 192.168.0.x source", repr(peers))

        # TCP, both overlapping branches at once.
        with ThreadPoolExecutor(2) as pool:
            tcp = list(pool.map(lambda s: tcp_transfer(lab.branch[s.i], cloud, CLOUD, mbytes=2,
                                                       port=5200 + s.i), (s0, s1)))
        for s, x in zip((s0, s1), tcp):
            check(x.ok and x.peer == HUB_LAN,
                  "%s: 2 MB of TCP arrive intact, from %s" % (s.name, HUB_LAN), repr(x))

        # Flows the cloud opens to s3's own address come back unmasqueraded
        # (a connected UDP socket takes only answers from 192.168.3.2), while
        # s3's own flows are masqueraded.
        r = cloud.ping(s3.host, count=3, interval=0.2, timeout=3)
        check(r.received == 3, "the cloud pings s3's host (192.168.3.2)", r.output)
        x, srv3 = udp_exchange(cloud, lab.branch[s3.i], s3.host, 6300, sport=SPORT + 4)
        check(x.get("ok") == 3 and srv3.get("peers") == ["%s:%d" % (CLOUD, SPORT + 4)],
              "UDP the cloud sends to s3's host is answered by 192.168.3.2 itself",
              "%r / %r" % (x, srv3))
        x3 = tcp_transfer(cloud, lab.branch[s3.i], s3.host, mbytes=1, port=5303)
        check(x3.ok and x3.peer == CLOUD, "1 MB of TCP the cloud opens to s3 arrive intact",
              repr(x3))
        x3 = tcp_transfer(lab.branch[s3.i], cloud, CLOUD, mbytes=1, port=5304)
        check(x3.ok and x3.peer == HUB_LAN, "s3's own TCP to the cloud is masqueraded",
              repr(x3))

        # An ICMP error from the cloud finds its way back into the right tunnel.
        x = udp_exchange_to(lab.branch[s1.i], CLOUD, 9, sizes=(32,), timeout=2, sport=SPORT + 2)
        check(any("refused" in e[2].lower() for e in x.get("errors", [])),
              "s1: the cloud's port-unreachable, translated, refuses its UDP socket", repr(x))

        # The operator's view.
        rows, text = nat_rows(eh)
        # prot inside remote mapped site tunnel state age idle left worker
        by_site = {}
        for r in rows:
            by_site.setdefault(r[4], []).append(r)
        check(set(by_site) == {"s0", "s1", "s3"} and
              all(r[1].startswith("192.168.0.2:") and r[3].startswith(HUB_LAN + ":")
                  for r in by_site["s0"] + by_site["s1"]),
              "show nat sessions: s0's and s1's sessions, 192.168.0.2 mapped to %s; none of s2"
              % HUB_LAN, text)
        opened = {(r[0], r[2].split(":")[0]) for r in by_site["s3"] if r[3] == "pass-through"}
        check(opened == {("icmp", CLOUD), ("udp", CLOUD), ("tcp", CLOUD)},
              "show nat sessions: the cloud's flows to s3 are pass-through", text)
        protos = {(r[4], r[0]) for r in rows}
        check(all((s, p) in protos for s in ("s0", "s1") for p in ("icmp", "udp", "tcp")),
              "both branches have ICMP, UDP and TCP sessions", text)
        stats = eh.cli("show nat stats")
        tel = eh.telemetry("/esphub/nat_stats")
        check(tel["sessions"] == len(rows) and tel["out_translated"] > 1000 and
              tel["in_translated"] > 100 and tel["icmp_errors_in"] >= 1 and
              tel["out_passed"] >= 3 + 3 + 300 and tel["cloud_opened"] == 3,
              "telemetry: %d sessions, translated both ways, an ICMP error, s2 and the "
              "cloud's flows passed" % len(rows), repr(tel))
        check(re.search(r"sessions %d of 100000" % len(rows), stats) is not None,
              "show nat stats: sessions in use of the capacity", stats)

        # Unsolicited: to a mapped port without a session, or from another port.
        udp = [r for r in rows if r[0] == "udp" and r[4] == "s0" and
               r[2] == "%s:6000" % CLOUD]
        before = eh.drops().get("nat/no_session", 0)
        mapped_port = int(udp[0][3].split(":")[1]) if udp else 0
        send_from_cloud(cloud, HUB_LAN, mapped_port, 6001)      # wrong remote port
        send_from_cloud(cloud, HUB_LAN, mapped_port + 2, 6000)  # no session at all
        n = wait_for(lambda: eh.drops().get("nat/no_session", 0) - before >= 2 or None, 5, 0.1,
                     "nat/no-session drops")
        check(bool(udp) and n, "unsolicited datagrams to %s dropped as nat/no-session" % HUB_LAN,
              repr(eh.drops()))

        # Release s0's sessions; s1 keeps its own; s0 comes back on demand.
        out = eh.cli("clear nat sessions site s0")
        check(re.search(r"released %d sessions of site s0" % len(by_site["s0"]), out) is not None,
              "clear nat sessions site s0 releases its %d sessions" % len(by_site["s0"]), out)
        rows0, text0 = nat_rows(eh, "s0")
        rows1, _ = nat_rows(eh, "s1")
        check(not rows0 and len(rows1) == len(by_site["s1"]),
              "s0 has no sessions left, s1 still has its %d" % len(by_site["s1"]), text0)
        r = lab.branch[s0.i].ping(CLOUD, count=2, interval=0.2, timeout=3)
        check(r.received == 2 and nat_rows(eh, "s0")[0],
              "s0 pings again with a new session", r.output)

        # s1 tries 6 flows to one cloud port (nothing listens there): its
        # share is 4; s0's flow to the same port is s0's own share.
        share_port = 6100
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda i: udp_exchange_to(lab.branch[s1.i], CLOUD, share_port,
                                                    sizes=(32,), timeout=1,
                                                    sport=SPORT + 20 + i), range(6)))
        udp_exchange_to(lab.branch[s0.i], CLOUD, share_port, sizes=(32,), timeout=1,
                        sport=SPORT + 20)
        to_port = "%s:%d" % (CLOUD, share_port)
        n1 = sum(1 for r in nat_rows(eh, "s1")[0] if r[0] == "udp" and r[2] == to_port)
        n0 = sum(1 for r in nat_rows(eh, "s0")[0] if r[0] == "udp" and r[2] == to_port)
        capped = eh.drops().get("nat/site_dest_cap", 0)
        stats = eh.cli("show nat stats")
        tel = eh.telemetry("/esphub/nat_stats")
        check(n1 == 4 and n0 == 1 and capped == 2 and tel.get("drop_site_dest_cap") == 2 and
              re.search(r"site-dest-cap +2 ", stats) is not None and
              drop_count(eh.cli("show drops"), "nat/site-dest-cap") == 2,
              "s1 holds its share of 4 flows to %s, 2 more dropped as nat/site-dest-cap "
              "(show drops, show nat stats, telemetry); s0's flow there goes through"
              % to_port, "s1 %d, s0 %d, drops %d\n%s" % (n1, n0, capped, stats))

        # Nothing of the branches' own addresses on the cloud's wire.
        time.sleep(0.5)
        pcap = cap.stop()
        f = subprocess.run(["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "ip.src",
                            "-e", "ip.dst", "-Y", "ip"], capture_output=True, text=True,
                           timeout=60)
        addrs = set(f.stdout.split())
        check(addrs and not any(a.startswith("192.168.0.") for a in addrs) and
              "192.168.2.2" in addrs and HUB_LAN in addrs,
              "tshark on the cloud link: %d packets, 172.16.0.1 and 192.168.2.2, never "
              "192.168.0.x" % len(f.stdout.splitlines()), repr(sorted(addrs)))

        drops = eh.cli("show drops")
        for reason in ("esp-in/bad-icv", "esp-in/selector-mismatch", "nat/fragment",
                       "nat/table-full", "nat/ports-exhausted", "reass/overlap",
                       "reass/timeout", "reass/evicted", "reass/too-big"):
            check(drop_count(drops, reason) == 0, "no %s drops" % reason, drops)
        eh.stop()
    print("total %.1f s" % (time.monotonic() - t0), flush=True)


def workers():
    s0 = make_sites()[0]
    with Topology() as t:
        lab = Lab(t, [s0], esp=NAT.replace('site = "s2"; ', "").replace(
            "site_dest_cap = 4;", ""), workers=2)
        cloud, eh = lab.cloud, lab.eh
        cloud.ip("route", "del", "192.168.0.0/16")
        srv = cloud.start("udp-echo", [PYTHON, UDP_PEER, "echo", "--port", "6000"],
                          log=r"LISTENING", timeout=15)
        flows = 24
        with ThreadPoolExecutor(4) as pool:
            xs = list(pool.map(lambda i: udp_exchange_to(lab.branch[s0.i], CLOUD, 6000,
                                                         sizes=(64, 700), sport=41000 + i),
                               range(flows)))
        srv.stop(sig=signal.SIGINT)
        check(all(x.get("ok") == 2 for x in xs),
              "%d UDP flows through NAT, every echo intact" % flows,
              repr([x for x in xs if x.get("ok") != 2]))
        x = tcp_transfer(lab.branch[s0.i], cloud, CLOUD, mbytes=2, port=5200)
        check(x.ok and x.peer == HUB_LAN, "2 MB of TCP through NAT arrive intact", repr(x))
        per = [eh.telemetry("/esphub/nat_stats,%d" % w) for w in (0, 1)]
        created = [p["sessions_created"] for p in per]
        restored = [p["in_translated"] for p in per]
        check(sum(created) == flows + 1 and min(restored) > 0,
              "sessions created by %s workers; replies restored by both (%s)"
              % ("both" if min(created) else "one of the", restored), repr(per))
        check(drop_count(eh.cli("show drops"), "nat/no-session") == 0,
              "no reply missed its session, whichever worker it reached")
        eh.stop()


main({"workers": workers}.get(sys.argv[1] if len(sys.argv) > 1 else "", test))
