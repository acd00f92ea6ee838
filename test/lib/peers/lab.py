"""The standard branch-to-cloud test network (addresses from DESIGN.md).

    lan 192.168.0.10 ── 192.168.0.1 branch 198.51.100.2 ── 198.51.100.1 inet
        inet br0 203.0.113.1/24 ── hub0 203.0.113.10, hub1 203.0.113.11, ...
        hub0 172.16.0.1/16 ── 172.16.0.10 cloud
        dnsmasq on inet 198.51.100.1: vpn.example -> every hub address

    from peers import lab
    with Topology() as t:
        n = lab.build(t, hubs=2)
        n.branch, n.hubs[0], n.cloud, n.dns, n.resolv   # namespaces, Dnsmasq, file

"branch" and every hub forward IP (a VPN gateway in each); "inet" is a
plain router between the branch's public address and the hubs' segment and
knows no private prefix, so LAN-to-cloud traffic can only pass through a
tunnel.  Only hub0 has the cloud segment.  Names: lan, branch, inet,
hub0..hubN-1, cloud.  lan=False / cloud=False leave those out.
"""

from peers import dnsmasq

LAN_HOST, LAN_GW, LAN_NET = "192.168.0.10", "192.168.0.1", "192.168.0.0/24"
BRANCH_WAN, INET_BRANCH = "198.51.100.2", "198.51.100.1"
INET_HUBS = "203.0.113.1"
HUB_INSIDE, CLOUD_HOST, CLOUD_NET = "172.16.0.1", "172.16.0.10", "172.16.0.0/16"
VPN_NAME = "vpn.example"


def hub_addr(i):
    return "203.0.113.%d" % (10 + i)


class Lab:
    pass


def build(t, hubs=1, lan=True, cloud=True, dns=True):
    """Build the network in Topology t; returns a Lab with attributes
    lan, branch, inet, hubs (list), cloud (namespaces or None), hub_addrs,
    dns (Dnsmasq or None) and resolv (resolv.conf path naming it)."""
    n = Lab()
    n.branch = t.add_ns("branch", forward=True)
    n.inet = t.add_ns("inet", forward=True)
    n.lan = t.add_ns("lan") if lan else None
    n.hubs = [t.add_ns("hub%d" % i, forward=True) for i in range(hubs)]
    n.cloud = t.add_ns("cloud") if cloud and hubs else None
    n.hub_addrs = [hub_addr(i) for i in range(hubs)]
    if lan:
        t.link(n.lan, n.branch, LAN_HOST + "/24", LAN_GW + "/24")
        n.lan.route("default", via=LAN_GW)
    else:
        n.branch.addr("lo", LAN_GW + "/32")     # no dummy driver in this kernel
    t.link(n.branch, n.inet, BRANCH_WAN + "/24", INET_BRANCH + "/24")
    n.branch.route("default", via=INET_BRANCH)
    n.inet.add_bridge("br0", INET_HUBS + "/24")
    for i, hub in enumerate(n.hubs):
        t.link(n.inet, hub, None, n.hub_addrs[i] + "/24", dev_a="v-hub%d" % i,
               master_a="br0")
        hub.route("default", via=INET_HUBS)
    if n.cloud:
        t.link(n.hubs[0], n.cloud, HUB_INSIDE + "/16", CLOUD_HOST + "/16")
        n.cloud.route("default", via=HUB_INSIDE)
    n.dns = n.resolv = None
    if dns:
        n.dns = dnsmasq.Dnsmasq(n.inet, INET_BRANCH, {VPN_NAME: n.hub_addrs}).start()
        n.resolv = n.dns.resolv_conf()
    return n
