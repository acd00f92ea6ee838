"""esphub as the concentrator in the standard lab (test/lib/peers/lab.py).

    lan 192.168.0.10 - branch (charon or pluto) - inet - hub0: esphub - cloud 172.16.0.10

The hubs' kernel addresses are removed: esphub's net_af_packet ports own
them. Each hub gets its own esphub; DNS (vpn.example) names every hub.
"""
from esphub import Esphub
from peers import lab, strongswan

PSK = "esphub-test-psk"

IKE_SITE = """{ name = "%(name)s"; peer = "any"; id = "%(id)s"; psk = "%(psk)s";
    remote_subnets = [ "%(lan)s" ]; local_subnets = [ "172.16.0.0/16" ];
    dpd_delay = %(dpd)d; dpd_timeout = %(dpd_timeout)d;%(extra)s }"""


def site(name="osaka", id="192.168.0.1", psk=PSK, lan_net="192.168.0.0/24", dpd=5,
         dpd_timeout=20, extra=""):
    return IKE_SITE % {"name": name, "id": id, "psk": psk, "lan": lan_net, "dpd": dpd,
                       "dpd_timeout": dpd_timeout, "extra": (" " + extra) if extra else ""}


def config(hub_index, sites, ike="", nat="", workers=1):
    wan = lab.hub_addr(hub_index)
    lan_port = ""
    if hub_index == 0:
        lan_port = (',\n  { name = "lan"; role = "inside"; device = '
                    '"net_af_packet1,iface=v-cloud,qpairs=%d"; address = "172.16.0.1/16"; }'
                    % workers)
    return """
workers = %d;
ports = (
  { name = "wan"; role = "outside"; device = "net_af_packet0,iface=v-inet,qpairs=%d"; address = "%s/24"; }%s
);
routes = ( { prefix = "0.0.0.0/0"; via = "203.0.113.1"; } );
ike = { default_psk = "%s"; %s };
%s
sites = (
  %s
);
""" % (workers, workers, wan, lan_port, PSK, ike, nat, ",\n  ".join(sites))


def start_hub(n, i, sites, ike="", nat="", workers=1, name=None):
    """esphub on hub i of lab n (its kernel addresses taken away)."""
    hub = n.hubs[i]
    for dev in ("v-inet", "v-cloud"):
        hub.ip("addr", "flush", "dev", dev, check=False)
    return Esphub(hub, config(i, sites, ike, nat, workers), workers=workers,
                  name=name or "esphub")


def branch(n, conn, name="charon", log_levels=None, options=""):
    """charon on the branch, configured with conn (strongswan.conn_config text)."""
    ch = strongswan.Charon(n.branch, name, resolv_conf=n.resolv, log_levels=log_levels,
                           options=options).start()
    ch.load(conn)
    return ch


def sa_rows(eh):
    """esphub's "show sa" as dicts: id, site, dir, spi, encap, algorithm, packets."""
    rows = []
    for line in eh.cli("show sa").splitlines():
        w = line.split()
        if len(w) >= 12 and w[0].isdigit():
            rows.append({"id": int(w[0]), "site": w[1], "dir": w[2], "spi": int(w[3], 16),
                         "peer": w[4], "encap": w[5], "algorithm": w[6],
                         "packets": int(w[7]), "bytes": int(w[8]), "drops": int(w[9]),
                         "state": w[11]})
    return rows
