#!/usr/bin/python3
"""The esphub demo: branch offices dial vpn.example, DNS round robin spreads
them over two esphub servers, they reach a cloud server through source NAT,
and when one server goes away its branches move to the other.

  lan1 192.168.0.10 - b1 198.51.100.2 -+
  lan2 192.168.0.10 - b2 198.51.101.2 -+- inet: router, dnsmasq (vpn.example)
  lan3 192.168.0.10 - b3 198.51.102.2 -+  br0 203.0.113.1
                                          |- 203.0.113.10 hub0: esphub 172.16.0.1 -+
                                          |- 203.0.113.11 hub1: esphub 172.16.0.2 -+- cloud:
                                                                  br0 172.16.0.10 (the server)

Every node is a network namespace. Each branch is strongSwan (IKEv1, the
YAMAHA RTX profile) and every branch LAN is 192.168.0.0/24. The cloud server
has no route to any branch LAN: it answers the hub's own inside address,
which is all esphub's masquerading needs.

Steps: the branches come up one by one; each LAN host pings the cloud and
sends it 2 MiB of TCP; the busier hub's esphub is stopped; its branches'
DPD notices, they dial vpn.example again until they land on the other hub;
the traffic check runs again; then the surviving hub's CLI is yours.

    demo.py            the scenario, then the surviving hub's CLI on this terminal
    demo.py --batch    the scenario only (also when stdin is not a terminal)
    exit status        0 if every check passed, 1 if not, 130 on Ctrl-C

Needs root, PYTHONPATH=test/lib and ESPHUB_BUILD (scripts/demo.sh sets both).
Every namespace and process is removed on exit, Ctrl-C and failure.
"""
import argparse
import os
import re
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

import netns
from esphub import PROMPT, CliSession, Esphub
from netns import Fail, Topology, check, require, require_tools, tcp_transfer
from peers import dnsmasq, strongswan

VPN_NAME = "vpn.example"
PSK = "esphub-demo-psk"
CLOUD_NET, CLOUD_HOST = "172.16.0.0/16", "172.16.0.10"
LAN_NET, LAN_HOST, LAN_GW = "192.168.0.0/24", "192.168.0.10", "192.168.0.1"
INET_HUBS = "203.0.113.1"
DPD_DELAY, DPD_TIMEOUT = 5, 20
TCP_MBYTES = 2
FAILOVER_LIMIT = 150          # s: DPD (~25 s) plus a few dial attempts


def say(msg):
    print("[demo] " + msg, flush=True)


class Hub:
    def __init__(self, index):
        self.name = "hub%d" % index
        self.index = index
        self.wan = "203.0.113.%d" % (10 + index)
        self.inside = "172.16.0.%d" % (1 + index)
        self.ns = self.esphub = None


class Branch:
    def __init__(self, index):
        self.name = "b%d" % (index + 1)
        self.fqdn = "%s.example" % self.name
        self.wan = "198.51.%d.2" % (100 + index)
        self.inet_side = "198.51.%d.1" % (100 + index)
        self.ns = self.lan = self.charon = None


# --------------------------------------------------------------------------
# The network

def build_network(t, hubs, branches):
    """Namespaces and veths; returns (inet, cloud). The hubs' veths get no
    kernel address: esphub owns them through net_af_packet."""
    inet = t.add_ns("inet", forward=True)
    inet.add_bridge("br0", INET_HUBS + "/24")
    # The cloud segment is a bridge in the cloud server's own namespace.
    # No default route there: replies can only go to a hub's inside address.
    cloud = t.add_ns("cloud")
    cloud.add_bridge("br0", CLOUD_HOST + "/16")
    for h in hubs:
        h.ns = t.add_ns(h.name)
        t.link(inet, h.ns, dev_a="v-" + h.name, master_a="br0")
        t.link(cloud, h.ns, dev_a="v-" + h.name, master_a="br0")
    for b in branches:
        b.ns = t.add_ns(b.name, forward=True)
        b.lan = t.add_ns("lan" + b.name[1:])
        # Every LAN is the same 192.168.0.0/24: esphub's NAT tells them apart.
        t.link(b.lan, b.ns, LAN_HOST + "/24", LAN_GW + "/24")
        b.lan.route("default", via=LAN_GW)
        t.link(b.ns, inet, b.wan + "/24", b.inet_side + "/24")
        b.ns.route("default", via=b.inet_side)
    return inet, cloud


# --------------------------------------------------------------------------
# esphub servers

SITE = """{ name = "%(name)s"; peer = "any"; id = "fqdn:%(fqdn)s"; psk = "%(psk)s";
    remote_subnets = [ "%(lan)s" ]; local_subnets = [ "%(cloud)s" ];
    dpd_delay = %(dpd)d; dpd_timeout = %(dpd_timeout)d; }"""

HUB_CONFIG = """
workers = 1;
ports = (
  { name = "wan"; role = "outside"; device = "net_af_packet0,iface=v-inet,qpairs=1"; address = "%(wan)s/24"; },
  { name = "lan"; role = "inside";  device = "net_af_packet1,iface=v-cloud,qpairs=1"; address = "%(inside)s/16"; }
);
routes = ( { prefix = "0.0.0.0/0"; via = "%(gw)s"; } );
ike = { local_id = "fqdn:%(vpn)s"; default_psk = "%(psk)s"; };
nat = { masquerade = ( { destination = "%(cloud)s"; } ); };
sites = (
  %(sites)s
);
"""


def hub_config(hub, branches):
    """The same sites on every hub: any branch may land on any server."""
    sites = [SITE % dict(name=b.name, fqdn=b.fqdn, psk=PSK, lan=LAN_NET, cloud=CLOUD_NET,
                         dpd=DPD_DELAY, dpd_timeout=DPD_TIMEOUT) for b in branches]
    return HUB_CONFIG % dict(wan=hub.wan, inside=hub.inside, gw=INET_HUBS, vpn=VPN_NAME,
                             psk=PSK, cloud=CLOUD_NET, sites=",\n  ".join(sites))


def lcores(index):
    """Spread the hubs: hub0's worker on CPU 1, hub1's on CPU 0 (on a 2-CPU
    machine), each control core (mostly asleep) on the other CPU."""
    cpus = os.cpu_count() or 1
    worker = (1 + index) % cpus
    return "0@%d,1@%d" % ((worker + 1) % cpus, worker)


def start_hub(hub, branches):
    # build_network gave v-inet and v-cloud no kernel address: esphub
    # answers ARP and ICMP for its addresses itself.
    eh = Esphub(hub.ns, hub_config(hub, branches), name="esphub-" + hub.name,
                lcores=lcores(hub.index))
    hub.esphub = eh
    say("%s: esphub up, outside %s, inside %s (pid %d)"
        % (hub.name, hub.wan, hub.inside, eh.proc.pid))


def eventually(fn, timeout=5.0):
    """fn() became true within timeout seconds (polled every 0.1 s)."""
    deadline = time.monotonic() + timeout
    while not fn():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def site_up(hub, branch):
    """esphub's own view: is this branch's site up on this hub?"""
    try:
        return hub.esphub.telemetry("/esphub/site,%s" % branch.name).get("up", 0) > 0
    except OSError:
        return False


# --------------------------------------------------------------------------
# Branches

def branch_conn(b):
    """The RTX profile (aes128-sha1-modp1024, esp aes128-sha1), DPD 5 s/20 s,
    restart on DPD. keyingtries 0: when a dial goes unanswered (a dead
    server), charon tries again for ever, resolving vpn.example anew."""
    return strongswan.conn_config(
        "rtx", profile="rtx", remote_addrs=VPN_NAME, local_id=b.fqdn,
        remote_id=VPN_NAME, psk=PSK, local_ts=LAN_NET, remote_ts=CLOUD_NET,
        dpd_delay=DPD_DELAY, dpd_timeout=DPD_TIMEOUT, dpd_action="restart",
        extra_conn={"keyingtries": "0"})


def start_branch(b, resolv_conf):
    b.charon = strongswan.Charon(b.ns, "charon", resolv_conf=resolv_conf).start()
    b.charon.load(branch_conn(b))


def tunnel(b):
    """(IKE SA, CHILD SA) of the branch's connection, either None."""
    for sa in b.charon.list_sas():
        if sa["name"] == "rtx" and sa.get("state") == "ESTABLISHED":
            kids = [c for c in sa["child-sas"] if c.get("state") == "INSTALLED"]
            return sa, (kids[0] if kids else None)
    return None, None


def landed_on(b, hubs):
    """The hub the branch's tunnel ends on (charon's remote host), or None."""
    sa, child = tunnel(b)
    if not child:
        return None
    return next((h for h in hubs if h.wan == sa.get("remote-host")), None)


def dial(b, hubs):
    """swanctl --initiate (DNS lookup, Main Mode, Quick Mode); the hub or None."""
    b.charon.initiate("rtx", "lan", timeout=30, check=False)
    return landed_on(b, hubs)


def dials_since(b, offset):
    """Addresses charon dialled since byte offset of its log."""
    return re.findall(r"initiating Main Mode IKE_SA \S+ to (\S+)", b.charon.log()[offset:])


# --------------------------------------------------------------------------
# Checks

def traffic(branches, where, cloud, label):
    """From every LAN host (all 192.168.0.10): ping the cloud server and
    send it TCP_MBYTES of TCP, all branches at once. The cloud must see each
    connection coming from the inside address of the branch's hub."""
    def one(i_b):
        i, b = i_b
        ping = b.lan.ping(CLOUD_HOST, count=3, interval=0.2)
        x = tcp_transfer(b.lan, cloud, CLOUD_HOST, mbytes=TCP_MBYTES, port=5201 + i)
        return ping, x
    with ThreadPoolExecutor(len(branches)) as pool:
        results = list(pool.map(one, enumerate(branches)))
    for b, (ping, x) in zip(branches, results):
        hub = where[b.name]
        check(ping.received == ping.transmitted > 0, "%s %s: %s pings %s via %s: %d/%d"
              % (label, b.name, LAN_HOST, CLOUD_HOST, hub.name, ping.received,
                 ping.transmitted), ping.output)
        check(x.ok and x.peer == hub.inside,
              "%s %s: %d MiB TCP intact (sha256), %.1f Mbit/s; the cloud saw it from %s (%s)"
              % (label, b.name, TCP_MBYTES, x.mbit_s, x.peer, hub.name), repr(x))


def show(hub, command):
    say("%s> %s" % (hub.name, command))
    print("    " + hub.esphub.cli(command).rstrip().replace("\n", "\n    "), flush=True)


# --------------------------------------------------------------------------
# The scenario

def bring_up(branches, hubs):
    """One branch after another, so DNS round robin hands out servers in turn."""
    say("branches dial %s (IKEv1 Main Mode, aes128-sha1-modp1024, PSK)" % VPN_NAME)
    where = {}
    for b in branches:
        t0 = time.monotonic()
        hub = dial(b, hubs)
        require(hub is not None and eventually(lambda: site_up(hub, b)),
                "%s (%s) is up on %s (%s), in %.1f s" % (
                    b.name, b.fqdn, hub.name if hub else "?", hub.wan if hub else "?",
                    time.monotonic() - t0), b.charon.list_sas())
        where[b.name] = hub
    for h in hubs:
        mine = [b for b in branches if where[b.name] is h]
        say("%s holds %s" % (h.name, ", ".join(b.name for b in mine) or "no branch"))
    return where


def failover_victim(hubs, where):
    """The hub holding the most branches (hub0 on a tie)."""
    return max(hubs, key=lambda h: sum(1 for w in where.values() if w is h))


def wait_failover(moving, hubs, survivor, t0, offsets):
    """Poll every second until each moving branch is up on survivor (charon
    has the tunnel and esphub the site); a status line every 5 s.
    Returns {branch name: seconds from the stop to its tunnel on survivor}."""
    done, dpd_dead, next_report = {}, set(), t0 + 5
    while len(done) < len(moving) and time.monotonic() - t0 < FAILOVER_LIMIT:
        time.sleep(1)
        elapsed = time.monotonic() - t0
        for b in [b for b in moving if b.name not in done]:
            if b.name not in dpd_dead and \
                    "DPD check timed out" in b.charon.log()[offsets[b.name]:]:
                dpd_dead.add(b.name)
                say("  %3.0f s  %s: DPD declares its server dead; charon resolves %s "
                    "again and dials" % (elapsed, b.name, VPN_NAME))
            if landed_on(b, [survivor]) and site_up(survivor, b):
                done[b.name] = elapsed
                say("  %3.0f s  %s: up on %s (dialled %s)" % (
                    elapsed, b.name, survivor.name,
                    ", ".join(dialled(b, offsets[b.name], hubs))))
        if time.monotonic() >= next_report and len(done) < len(moving):
            next_report += 5
            say("  %3.0f s  %s" % (elapsed, "; ".join(
                "%s: %s" % (b.name, status(b, offsets[b.name], hubs, b.name in dpd_dead))
                for b in moving if b.name not in done)))
    return done


def dialled(b, offset, hubs):
    """The hubs charon dialled since offset, by name."""
    names = {h.wan: h.name for h in hubs}
    return [names.get(a, a) for a in dials_since(b, offset)]


def status(b, offset, hubs, dpd_dead):
    if not dpd_dead:
        return "tunnel to a dead server, DPD probing"
    tries = dialled(b, offset, hubs)
    if not tries:
        return "resolving %s" % VPN_NAME
    return "dial %d to %s, waiting for an answer" % (len(tries), tries[-1])


def failover(branches, hubs, where):
    """Stop the busiest hub; its branches must come back on the other one.
    Updates where; returns the surviving hub."""
    victim = failover_victim(hubs, where)
    survivor = next(h for h in hubs if h is not victim)
    moving = [b for b in branches if where[b.name] is victim]
    say("FAILOVER: stopping esphub on %s (SIGTERM), which holds %s."
        % (victim.name, ", ".join(b.name for b in moving)))
    say("  esphub closes its ports and sends no DELETE: to its branches it just goes "
        "silent, like a crashed server. Their DPD (%d s idle, %d s timeout) notices; "
        "charon then resolves %s again (dnsmasq still returns both addresses) and "
        "dials until it lands on %s (%s): a dial to the dead server goes unanswered "
        "for ~14 s (3 retransmits) before the next one."
        % (DPD_DELAY, DPD_TIMEOUT, VPN_NAME, survivor.name, survivor.wan))
    offsets = {b.name: len(b.charon.log()) for b in moving}
    t0 = time.monotonic()
    victim.esphub.stop()
    probe_after_stop(branches, moving, survivor)
    done = wait_failover(moving, hubs, survivor, t0, offsets)
    for b in moving:
        check(b.name in done, "%s failed over to %s in %s" % (
            b.name, survivor.name, "%.1f s" % done[b.name] if b.name in done
            else "more than %d s" % FAILOVER_LIMIT), b.charon.list_sas())
        where[b.name] = survivor
    if done:
        say("failover complete %.1f s after %s stopped" % (max(done.values()), victim.name))
    return survivor


def probe_after_stop(branches, moving, survivor):
    """Right after the stop: a moved branch is cut off, the others are not."""
    r = moving[0].lan.ping(CLOUD_HOST, count=2, interval=0.2, timeout=1)
    say("  %s -> cloud right after the stop: %d/%d replies (its server is gone)"
        % (moving[0].name, r.received, r.transmitted))
    for b in branches:
        if b not in moving:
            r = b.lan.ping(CLOUD_HOST, count=2, interval=0.2, timeout=1)
            check(r.received == 2, "%s on %s is unaffected: ping %d/2" % (
                b.name, survivor.name, r.received), r.output)


def interactive_cli(hub):
    """Relay lines between this terminal and the hub's CLI socket."""
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    say("connected to %s's CLI (%s). Try: show site, show nat sessions, "
        "show ike sa detail, show drops; quit ends the demo." % (hub.name, hub.esphub.cli_path))
    cli = CliSession(hub.esphub.cli_path)
    try:
        while True:
            line = input(PROMPT.decode()).strip()
            if line in ("quit", "exit"):
                break
            if line:
                print(cli.run(line).rstrip("\n"), flush=True)
    except (EOFError, KeyboardInterrupt):
        print()
    except OSError as e:
        say("CLI connection lost: %s" % e)
    finally:
        cli.close()


def demo(interactive):
    require_tools(strongswan.CHARON, strongswan.SWANCTL, dnsmasq.DNSMASQ)
    t_start = time.monotonic()
    hubs = [Hub(0), Hub(1)]
    branches = [Branch(i) for i in range(3)]
    with Topology(name="demo") as t:
        say("building the network in namespaces %s-* (logs: %s)" % (t.prefix, t.log_dir))
        inet, cloud = build_network(t, hubs, branches)
        dns = dnsmasq.Dnsmasq(inet, branches[0].inet_side,
                              {VPN_NAME: [h.wan for h in hubs]}).start()
        say("dnsmasq on inet answers %s with %s (round robin)"
            % (VPN_NAME, " and ".join(h.wan for h in hubs)))
        for h in hubs:
            start_hub(h, branches)
        resolv_conf = dns.resolv_conf()
        for b in branches:
            start_branch(b, resolv_conf)

        where = bring_up(branches, hubs)
        say("traffic: every LAN host is %s, the cloud server is %s" % (LAN_HOST, CLOUD_HOST))
        check(cloud.ip("route", "get", LAN_HOST, check=False).returncode != 0,
              "the cloud server has no route to %s: replies can only go back via NAT"
              % LAN_NET)
        traffic(branches, where, cloud, "before failover,")
        for h in hubs:
            show(h, "show nat sessions")
            show(h, "show sa")

        survivor = failover(branches, hubs, where)
        traffic(branches, where, cloud, "after failover,")
        # One server now carries three branches with the same LAN.
        show(survivor, "show site")
        show(survivor, "show nat sessions")
        say("scenario done in %.0f s" % (time.monotonic() - t_start))
        if interactive:
            interactive_cli(survivor)
        say("tearing down")


def run(interactive):
    """Exit status: 0 if every check passed, 1 if not, 130 on Ctrl-C. The
    Topology has torn everything down by the time an exception gets here."""
    try:
        demo(interactive)
    except KeyboardInterrupt:
        print()
        say("interrupted; every namespace and process is gone")
        return 130
    except Fail as e:
        say("stopped: %s" % e)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    failed = netns._failures            # every check() that failed, in order
    say("%s" % ("all checks passed" if not failed else
                "%d check(s) failed:\n  - %s" % (len(failed), "\n  - ".join(failed))))
    return 1 if failed else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", action="store_true",
                    help="no CLI at the end; exit 0 if every check passed, else 1")
    args = ap.parse_args()
    sys.exit(run(interactive=not args.batch and sys.stdin.isatty()))
