#!/usr/bin/python3
"""host A -- esphub (net_af_packet on two veths) -- host B.

A (outside) and B (inside) may talk in clear under a bypass rule. A pings
B through esphub; a few MB of TCP cross it intact; esphub answers
ping and ARP for its own addresses; a TTL-1 packet gets ICMP time exceeded;
show port stats and telemetry count what crossed. An idle worker gives its
CPU away; a CLI client that stops reading does not stall the control core.
"""
import socket
import subprocess
import time

from esphub import Esphub, cli_table_value, eal_memory_args
from netns import Topology, check, main, skip_part, tcp_transfer

CONFIG = """
workers = 1;
ports = (
  { name = "wan"; role = "outside"; device = "net_af_packet0,iface=v-a"; address = "10.0.1.1/24"; },
  { name = "lan"; role = "inside";  device = "net_af_packet1,iface=v-b"; address = "10.0.2.1/24"; }
);
bypass = ( { local = "10.0.2.0/24"; remote = "10.0.1.0/24"; } );
"""


def test():
    with Topology() as t:
        a, b, hub = t.add_ns("a"), t.add_ns("b"), t.add_ns("hub")
        t.link(a, hub, "10.0.1.2/24")
        t.link(b, hub, "10.0.2.2/24")
        a.route("default", via="10.0.1.1")
        b.route("default", via="10.0.2.1")
        eh = Esphub(hub, CONFIG)

        # esphub answers for its own addresses, each on its own side: the
        # inside address is not reachable from the outside (strong host).
        r = a.ping("10.0.1.1", count=3)
        check(r.received == 3, "esphub answers ping on its outside address", r.output)
        r = b.ping("10.0.2.1", count=3)
        check(r.received == 3, "esphub answers ping on its inside address", r.output)
        r = a.ping("10.0.2.1", count=2, interval=0.2)
        check(r.received == 0 and
              eh.drops()["policy/outside_to_inside_address"] == 2,
              "the inside address does not answer from the outside (2 counted)", r.output)
        neigh = a.run(["ip", "neigh", "show", "10.0.1.1"]).stdout
        info = eh.cli("show port info 0")
        mac = info.split("mac", 1)[1].split()[0].lower()
        check(mac in neigh.lower(), "A resolved esphub by ARP to port 0's MAC",
              "neigh: %r, port: %s" % (neigh, mac))

        # Forwarding, both ways; the first packet waits for ARP and is not lost.
        r = a.ping("10.0.2.2", count=5)
        check(r.received == 5, "A pings B through esphub", r.output)
        r = b.ping("10.0.1.2", count=5)
        check(r.received == 5, "B pings A through esphub", r.output)

        # Several MB of TCP cross intact (sha256 on both ends).
        x = tcp_transfer(a, b, "10.0.2.2", mbytes=8)
        check(x.ok, "8 MB of TCP from A to B arrive intact", repr(x))

        # TTL 1: dropped with ICMP time exceeded (traceroute's first hop).
        out = a.run(["/usr/bin/python3", "-c",
                     "from scapy.all import *; r=sr1(IP(dst='10.0.2.2',ttl=1)/UDP(dport=33434),"
                     "timeout=2,verbose=0); print(r[ICMP].type if r else 'none', r.src if r else '')"],
                    timeout=20).stdout.split()
        check(out[:2] == ["11", "10.0.1.1"], "TTL 1 gets ICMP time exceeded from 10.0.1.1",
              " ".join(out))

        # A live capture with dpdk-dumpcap (a DPDK secondary process).
        if eal_memory_args():
            skip_part("dpdk-dumpcap capture",
                      "no free hugepages: secondary processes need shared hugepage memory")
        else:
            pcap = t.path("wan.pcapng")
            cap = subprocess.Popen(["dpdk-dumpcap", "--file-prefix", eh.prefix, "-i", "0",
                                    "-c", "4", "-w", pcap], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
            a.ping("10.0.2.2", count=4, interval=0.3)
            try:
                out = cap.communicate(timeout=20)[0]
            except subprocess.TimeoutExpired:
                cap.kill()
                out = cap.communicate()[0]
            seen = subprocess.run(["tshark", "-r", pcap, "-Y", "icmp"], capture_output=True,
                                  text=True).stdout
            check(cap.returncode == 0 and "10.0.2.2" in seen,
                  "dpdk-dumpcap captures esphub's port 0 while it runs", out + seen)

        # Counters: CLI and telemetry agree with what crossed.
        stats = eh.cli("show port stats")
        wan_rx = cli_table_value(stats, "packets")
        tel = eh.port_stats(0)
        check(wan_rx >= 5000, "show port stats counts the transfer on port 0", stats)
        check(tel["rx_packets"] >= wan_rx and tel["worker_rx_packets"] >= wan_rx,
              "telemetry /esphub/port_stats,0 counts them too", repr(tel))
        drops = eh.drops()
        check(drops["fwd/ttl_expired"] == 1, "the TTL-1 packet is counted as fwd/ttl_expired",
              repr({k: v for k, v in drops.items() if v}))
        ws = eh.worker_stats()
        check(ws["icmp_echo_replies"] >= 6 and ws["arp_replies"] >= 1,
              "worker counters show echo and ARP replies", repr(ws))
        arp = eh.cli("show arp")
        check("10.0.1.2" in arp and "10.0.2.2" in arp, "show arp lists both hosts", arp)

        # Idle, the worker sleeps idle_sleep_us (50, set by the test toolkit)
        # per poll: at most 20,000 polls a second instead of millions.
        p0 = eh.worker_stats()["polls"]
        time.sleep(1.0)
        polls = eh.worker_stats()["polls"] - p0
        check(0 < polls < 25000, "an idle worker gives its CPU away (%d polls in 1 s)" % polls)

        # A client that asks for 7 MB of output and does not read (a
        # terminal on hold): other sessions are served at once, and it gets
        # every byte once it reads.
        stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stuck.connect(eh.cli_path)
        stuck.sendall(b"help\n" * 3000)
        time.sleep(0.5)
        t0 = time.monotonic()
        out = eh.cli("show port info 0")
        took = time.monotonic() - t0
        check("mac" in out and took < 1.0,
              "another session is answered in %.2f s while one client does not read" % took,
              out)
        got, stuck_out = 0, b""
        stuck.settimeout(10)
        try:
            while got < 3000:
                chunk = stuck.recv(1 << 20)
                if not chunk:
                    break
                stuck_out += chunk
                got = stuck_out.count(b"Tab completes")
        except socket.timeout:
            pass
        stuck.close()
        check(got == 3000, "the slow client then receives all 3000 outputs (%d bytes)"
              % len(stuck_out), "got %d" % got)
        eh.stop()


main(test)
