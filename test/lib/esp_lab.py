"""A live ESP lab in network namespaces, shared by the interop netns tests.

    branch b<i> (one per site)               hub                cloud
    [esp_gateway: TUN esp0 192.168.i.2]      [esphub]           172.16.0.10
      wan0 198.51.100.(10+i) --- wan: br0 --- wan0 | lan0 ----- v-hub
                                                 198.51.100.1   172.16.0.1
    (ports="tap": esphub on TAPs tapw/tapl, bridged to wan0/lan0 in the hub)

Each branch namespace is one site of esp_sites.make_sites(): its own
userspace ESP gateway (test/lib/esp_gateway.py) holds the branch end of the
tunnel, and the branch host's address 192.168.i.2 sits on the gateway's
TUN, so the namespace's own ping/TCP/UDP are the branch LAN traffic. The
cloud routes 192.168.0.0/16 to esphub, which has no NAT for manually keyed
sites: the cloud sees the branch addresses.
"""
import json
import os
import signal
import subprocess

from esphub import Esphub
from netns import PYTHON, last_json, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
GATEWAY = os.path.join(HERE, "esp_gateway.py")
UDP_PEER = os.path.join(HERE, "udp_peer.py")
HUB_WAN, HUB_LAN, CLOUD = "198.51.100.1", "172.16.0.1", "172.16.0.10"


# esphub's ports: on the hub's veths themselves, or on TAPs it creates,
# bridged to the veths. DPDK's af_packet PMD joins a PACKET_FANOUT group
# with PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles IPv4 fragments
# before esphub sees them; on TAPs esphub sees every fragment itself. DPDK's
# TAP PMD gives the kernel TAP the port's MAC; the kernel side gets another
# one here, or the bridge would take frames for esphub as its own.
DEVICES = {"af_packet": ("net_af_packet0,iface=wan0", "net_af_packet1,iface=lan0"),
           # Ring frames large enough for the reassembled datagrams the kernel
           # hands over (esphub sizes its buffers to framesz).
           "af_packet_8k": ("net_af_packet0,iface=wan0,framesz=8192,blocksz=8192",
                            "net_af_packet1,iface=lan0,framesz=8192,blocksz=8192"),
           "tap": ("net_tap0,iface=tapw,mac=02:00:00:00:01:01",
                   "net_tap1,iface=tapl,mac=02:00:00:00:01:02")}


def hub_config(sites, wan_mtu=None, esp="", ports="af_packet", workers=1):
    wan, lan = DEVICES[ports]
    if workers > 1 and ports.startswith("af_packet"):
        # One queue pair per worker; the kernel spreads flows over them.
        wan, lan = ("%s,qpairs=%d" % (d, workers) for d in (wan, lan))
    return """
workers = %d;
ports = (
  { name = "wan"; role = "outside"; device = "%s"; address = "%s/24";%s },
  { name = "lan"; role = "inside";  device = "%s"; address = "%s/16"; }
);
%s
sites = (
  %s
);
""" % (workers, wan, HUB_WAN, " mtu = %d;" % wan_mtu if wan_mtu else "", lan, HUB_LAN, esp,
       ",\n  ".join(s.config() for s in sites))


def quiet_bridge(ns, br):
    """A bridge like Namespace.add_bridge's, but without multicast snooping
    from the start: its IGMP reports (from 0.0.0.0) would reach esphub."""
    ns.ip("link", "add", br, "type", "bridge", "stp_state", 0, "forward_delay", 0,
          "mcast_snooping", 0)
    ns.ip("link", "set", br, "up")


class Lab:
    """Namespaces, esphub and one gateway per site (gateways=False: the
    branch namespaces get only their WAN link, for another kind of peer;
    ports="tap": esphub on TAPs bridged to the hub's veths, see DEVICES).
    gateway_extra(site) -> dict: more esp_gateway settings for that site."""

    def __init__(self, t, sites, wan_mtu=None, gateways=True, gateway_extra=None, esp="",
                 ports="af_packet", workers=1):
        self.t, self.sites = t, sites
        self.hub, self.cloud, self.wan = t.add_ns("hub"), t.add_ns("cloud"), t.add_ns("wan")
        quiet_bridge(self.wan, "br0")
        t.link(self.hub, self.wan, dev_a="wan0", dev_b="v-hub", master_b="br0", mtu=wan_mtu)
        t.link(self.hub, self.cloud, dev_a="lan0", dev_b="v-hub", addr_b=CLOUD + "/16")
        self.cloud.route("192.168.0.0/16", via=HUB_LAN)
        self.branch = {}
        for s in sites:
            b = t.add_ns("b%d" % s.i)
            t.link(b, self.wan, addr_a=s.peer + "/24", dev_a="wan0", dev_b="v-b%d" % s.i,
                   master_b="br0", mtu=wan_mtu)
            self.branch[s.i] = b
        if ports == "tap":
            for br in ("brw", "brl"):
                quiet_bridge(self.hub, br)
            self.hub.ip("link", "set", "wan0", "master", "brw")
            self.hub.ip("link", "set", "lan0", "master", "brl")
        self.eh = Esphub(self.hub, hub_config(sites, wan_mtu, esp, ports, workers),
                         workers=workers)
        if ports == "tap":
            for tap, br, mac in (("tapw", "brw", "02:00:00:00:02:01"),
                                 ("tapl", "brl", "02:00:00:00:02:02")):
                self.hub.ip("link", "set", tap, "address", mac)
                self.hub.run(["ethtool", "-K", tap, "tx", "off", "rx", "off", "tso", "off",
                              "gso", "off", "gro", "off"], check=False)
                self.hub.ip("link", "set", tap, "master", br)
                self.hub.ip("link", "set", tap, "up")
        self.gw = {}
        if gateways:
            for s in sites:       # start all, then wait: scapy takes a while to load
                path = t.path("gw-s%d.json" % s.i)
                with open(path, "w") as f:
                    json.dump(s.gateway_config(**(gateway_extra(s) if gateway_extra else {})),
                              f)
                self.gw[s.i] = self.branch[s.i].start("gw", [PYTHON, GATEWAY, path])
            for p in self.gw.values():
                p.wait_ready(log=r"esp_gateway: ready", timeout=60)

    # -- esphub's counters ---------------------------------------------------

    def sa_counters(self):
        """{(site name, "in"|"out"): /esphub/sa_info dict}."""
        out = {}
        for i in self.eh.telemetry("/esphub/sa"):
            info = self.eh.telemetry("/esphub/sa_info,%d" % i)
            out[(info["site"], info["direction"])] = info
        return out

    def drops(self):
        """Non-zero drop counters {"stage/reason": n} (telemetry keys use _)."""
        return {k: v for k, v in self.eh.drops().items() if v}

    def gateway_stats(self, i):
        """The gateway's counters now (SIGUSR1 makes it print them)."""
        p = self.gw[i]
        before = p.stdout().count("esp_gateway: stats:")
        p.send_signal(signal.SIGUSR1)
        wait_for(lambda: p.stdout().count("esp_gateway: stats:") > before, 5, 0.05,
                 "gateway s%d stats" % i)
        line = [x for x in p.stdout().splitlines() if x.startswith("esp_gateway: stats:")][-1]
        return json.loads(line.split(":", 2)[2])

    def stop_gateways(self):
        """SIGTERM every gateway; {i: (exit code, final counters or None)}."""
        res = {}
        for i, p in self.gw.items():
            p.send_signal(signal.SIGTERM)
        for i, p in self.gw.items():
            try:
                rc = p.wait(10)
            except subprocess.TimeoutExpired:
                rc = p.stop(1)
            last = [x for x in p.stdout().splitlines() if x.startswith("{")]
            res[i] = (rc, json.loads(last[-1]) if last else None)
        return res


# -- traffic ------------------------------------------------------------------

def udp_exchange(src, dst, dst_addr, port, sizes=(16, 512, 1400), df=False, timeout=3.0,
                 sport=0):
    """src sends one datagram of each size to an echo server in dst and checks
    each echo byte for byte. Returns (result dict, echo server stats)."""
    srv = dst.start("udp-echo-%d" % port, [PYTHON, UDP_PEER, "echo", "--port", port],
                    log=r"LISTENING", timeout=15)
    r = udp_exchange_to(src, dst_addr, port, sizes, df, timeout, sport)
    srv.stop(sig=signal.SIGINT)
    return r, last_json(srv.stdout()) or {}


def udp_exchange_to(src, dst_addr, port, sizes=(16, 512, 1400), df=False, timeout=3.0,
                    sport=0):
    """The client half of udp_exchange: the echo server runs already (or not:
    errors such as "Connection refused" are in the result's "errors")."""
    argv = [PYTHON, UDP_PEER, "exchange", "--dst", dst_addr, "--port", port,
            "--sizes", ",".join(str(x) for x in sizes), "--timeout", timeout,
            "--sport", sport]
    if df:
        argv.append("--df")
    r = src.run([str(a) for a in argv], timeout=timeout * len(sizes) + 20, check=False)
    return last_json(r.stdout) or {"error": r.stdout + r.stderr}


def udp_one_way(src, dst, dst_addr, port, sizes, df=False, timeout=10.0):
    """src sends datagrams of the given sizes (deterministic payloads) to dst;
    returns (sender result, receiver result: sizes and intact flags)."""
    rcv = dst.start("udp-recv-%d" % port, [PYTHON, UDP_PEER, "recv", "--port", port,
                                           "--count", len(sizes), "--timeout", timeout],
                    log=r"LISTENING", timeout=15)
    argv = [PYTHON, UDP_PEER, "send", "--dst", dst_addr, "--port", port,
            "--sizes", ",".join(str(x) for x in sizes)]
    if df:
        argv.append("--df")
    r = src.run([str(a) for a in argv], timeout=30, check=False)
    try:
        rcv.wait(timeout + 5)
    except subprocess.TimeoutExpired:
        rcv.stop()
    return last_json(r.stdout) or {"error": r.stdout + r.stderr}, \
        last_json(rcv.stdout()) or {}

