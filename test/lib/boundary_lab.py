"""Hand-keyed branches against esphub over net_pcap, for the trust-boundary
tests: a wan port (outside, 198.51.100.1/24, default route to a gateway)
and a lan port (inside, 172.16.0.1/16, a cloud host), branches as
esp_sites.Site with scapy's independent ESP.

    sites = [site(2, "c", "192.168.2.0/24", "192.168.2.2")]
    fr = Frames()
    fr.esp(sites[0], IP(...))            # branch -> esphub through its tunnel
    fr.clear_wan(IP(...)); fr.clear_lan(IP(...))
    outs, res, log = run_pcap(config(sites), [fr.wan, fr.lan], commands=...)
    tunnel_inner(outs[0], sites[0])      # what esphub sent into that tunnel
"""
import random

from scapy.all import IP, Ether, raw

from esp_sites import ALGOS, Site
from esphub import pcap_mac

WAN, LAN = "198.51.100.1", "172.16.0.1"
WAN_MAC, LAN_MAC = pcap_mac(0), pcap_mac(1)
GW, GW_MAC = "198.51.100.254", "02:00:00:00:00:fe"
CLOUD, CLOUD_MAC = "172.16.0.10", "02:00:00:00:20:0a"

CONFIG = """
ports = (
  { name = "wan"; role = "outside"; device = "net_pcap0,rx_pcap=%%(d)s/in0.pcap,tx_pcap=%%(d)s/out0.pcap"; address = "198.51.100.1/24"; },
  { name = "lan"; role = "inside";  device = "net_pcap1,rx_pcap=%%(d)s/in1.pcap,tx_pcap=%%(d)s/out1.pcap"; address = "172.16.0.1/16"; mtu = %(lan_mtu)d; }
);
routes = ( { prefix = "0.0.0.0/0"; via = "%(gw)s"; } );
neighbours = (
  %(neigh)s
);
%(extra)s
sites = (
  %(sites)s
);
"""


def site(i, name, subnet, host):
    """A hand-keyed AES-CBC/SHA1 branch with keys from its number."""
    s = Site(i, ALGOS[0], False, False, WAN, random.Random(1000 + i))
    s.name, s.subnet, s.host = name, subnet, host
    return s


def config(sites, extra="", more_sites=(), lan_mtu=1500):
    """esphub's configuration (%(d)s left for run_pcap); extra: more
    sections; more_sites: site definitions in the file's syntax."""
    neigh = ['{ address = "%s"; mac = "%s"; }' % (s.peer, s.peer_mac) for s in sites]
    neigh += ['{ address = "%s"; mac = "%s"; }' % (GW, GW_MAC),
              '{ address = "%s"; mac = "%s"; }' % (CLOUD, CLOUD_MAC)]
    return CONFIG % {"gw": GW, "neigh": ",\n  ".join(neigh), "extra": extra,
                     "lan_mtu": lan_mtu,
                     "sites": ",\n  ".join([s.config() for s in sites] + list(more_sites))}


class Frames:
    """Input frames for the wan and lan ports."""

    def __init__(self):
        self.wan, self.lan = [], []
        self.seq = {}

    def esp(self, s, inner):
        """inner (an IP packet) sent by branch s through its tunnel."""
        n = self.seq.setdefault(s.name, 1)
        self.seq[s.name] = n + 1
        self.wan.append(Ether(src=s.peer_mac, dst=WAN_MAC) /
                        s.branch_out().encrypt(IP(raw(inner)), seq_num=n))

    def clear_wan(self, pkt):
        self.wan.append(Ether(src=GW_MAC, dst=WAN_MAC) / pkt)

    def clear_lan(self, pkt):
        self.lan.append(Ether(src=CLOUD_MAC, dst=LAN_MAC) / pkt)


def tunnel_inner(frames, s):
    """The inner packets esphub sent into branch s's tunnel (wan frames)."""
    return [s.branch_in().decrypt(Ether(f)[IP]) for f in frames
            if IP in Ether(f) and Ether(f)[IP].proto == 50 and
            Ether(f)[IP].src == WAN and Ether(f)[IP].dst == s.peer]
