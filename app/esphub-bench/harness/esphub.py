"""esphub itself as the measured program: its configuration and command line.

Ports: index 0 "wan" (outside), index 1 "cloud" (inside). The input port
is net_pcap replaying the pcap (infinite_rx), the other a net_null sink
(no-rx=1). Neighbours are static (the gateway and the cloud servers), so
no ARP is involved and the output depends only on the input.
"""

from plan import (GW_ADDR, GW_MAC, INSIDE_ADDR, INSIDE_PLEN, N_SERVERS, OUTSIDE_ADDR,
                  OUTSIDE_MTU, OUTSIDE_PLEN, SERVER_MAC, CLOUD_PREFIX, DIRECTIONS,
                  LAN_SUPERNET, PEER_SUPERNET)

WAN, CLOUD = 0, 1


def ports(direction):
    """(input port index, output port index) for a direction."""
    return (CLOUD, WAN) if DIRECTIONS[direction][2] == "inside" else (WAN, CLOUD)


def _server(i):
    return "172.16.1.%d" % i


def _sites(algo, sites):
    """The `sites` section: one manually keyed site per SA pair.

    Anti-replay is off (replay_window = 0 in esp { }): the pcap loops, so
    every sequence number comes back; ipsec-secgw runs with -w 0 likewise.
    """
    out = []
    for s in sites:
        if algo == "aes-gcm-128":
            # Fixed keys and GCM repeat nonces across runs (RFC 4106 s8.1):
            # acceptable for a benchmark only, and esphub wants it said.
            crypto = 'cipher = "aes128-gcm"; allow_unsafe_manual_gcm = true;'
            sa_in = 'spi = %s; key = "%s%s";' % (s["spi_in"], s["in_key"], s["in_salt"])
            sa_out = 'spi = %s; key = "%s%s";' % (s["spi_out"], s["out_key"], s["out_salt"])
        else:
            crypto = 'cipher = "aes128-cbc"; integ = "hmac-sha1-96";'
            sa_in = 'spi = %s; key = "%s"; auth_key = "%s";' % (
                s["spi_in"], s["in_key"], s["in_integ"])
            sa_out = 'spi = %s; key = "%s"; auth_key = "%s";' % (
                s["spi_out"], s["out_key"], s["out_integ"])
        out.append('  { name = "b%s"; peer = "%s"; remote_subnets = [ "%s" ]; '
                   'local_subnets = [ "%s" ]; %s\n    sa_in = { %s }; sa_out = { %s }; }'
                   % (s["site"], s["peer"], s["lan"], CLOUD_PREFIX, crypto, sa_in, sa_out))
    return "sites = (\n" + ",\n".join(out) + "\n);\n"


def _nat_section():
    """inbound-snat: masquerade the decrypted branch traffic (destinations
    in 172.16.0.0/16) to the inside port's address (the default pool). One
    site may hold every session (the one-site reference row has them all)."""
    return ('nat = { masquerade = ( { destination = "%s"; } ); site_cap = 1000000; };\n'
            % CLOUD_PREFIX)


def esp_tables(n_sites, tight=False):
    """esp.max_sas / max_tunnels: esphub's defaults unless more are needed;
    tight: just enough (for memory figures, so tables scale with the SAs)."""
    sas, tunnels = 2 * n_sites + 64, n_sites + 16
    if not tight:
        sas, tunnels = max(sas, 16384), max(tunnels, 8192)
    return sas, tunnels


def write_config(path, direction, algo, sites, pcap, mbufs, tight=False):
    """pcap None: both ports are sinks (an idle esphub, for memory figures)."""
    pcap_dev = "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap if pcap else "net_null1,no-rx=1"
    null_dev = "net_null0,no-rx=1"
    wan, cloud = (null_dev, pcap_dev) if ports(direction)[0] == CLOUD else (pcap_dev, null_dev)
    neigh = ['  { address = "%s"; mac = "%s"; }' % (GW_ADDR, GW_MAC)]
    neigh += ['  { address = "%s"; mac = "%s"; }' % (_server(i), SERVER_MAC % i)
              for i in range(1, N_SERVERS + 1)]
    text = """# esphub-bench: %(direction)s %(algo)s, %(n)d site(s)
workers = 1;
log_level = "warning";
tables = { mbufs = %(mbufs)d; };
ports = (
  { name = "wan";   role = "outside"; device = "%(wan)s";
    address = "%(oa)s/%(op)d"; mtu = %(mtu)d; },
  { name = "cloud"; role = "inside";  device = "%(cloud)s";
    address = "%(ia)s/%(ip)d"; }
);
# Branch LANs (cleartext forward) and branch public addresses (ESP) via
# the outside gateway; no default route, so stray traffic shows as a no-route drop.
routes = ( { prefix = "%(lans)s"; via = "%(gw)s"; },
           { prefix = "%(peers)s"; via = "%(gw)s"; } );
neighbours = (
%(neigh)s
);
""" % {"direction": direction, "algo": algo, "n": len(sites) if sites else 0,
       "mbufs": mbufs, "wan": wan, "cloud": cloud, "oa": OUTSIDE_ADDR, "op": OUTSIDE_PLEN,
       "mtu": OUTSIDE_MTU, "lans": LAN_SUPERNET, "peers": PEER_SUPERNET, "ia": INSIDE_ADDR, "ip": INSIDE_PLEN, "gw": GW_ADDR,
       "neigh": ",\n".join(neigh)}
    if direction == "forward":
        # Plain routing from the cloud to the branch LANs in clear: across
        # the outside port only under a bypass rule (no sites here).
        text += 'bypass = ( { local = "%s"; remote = "%s"; } );\n' % (CLOUD_PREFIX, LAN_SUPERNET)
    if direction == "inbound-snat":
        text += _nat_section()
    if direction != "forward" and sites:
        max_sas, max_tunnels = esp_tables(len(sites), tight)
        text += ("esp = { replay_window = 0; max_sas = %d; max_tunnels = %d; };\n"
                 % (max_sas, max_tunnels))
        text += _sites(algo, sites)
    with open(path, "w") as f:
        f.write(text)


def argv(binary, prefix, mem_args, cfg, worker_lcore=1):
    return [binary, "-l", "0-%d" % worker_lcore, "--no-pci", "--file-prefix", prefix,
            "--log-level", "lib.eal:warning"] + mem_args + ["--", "-f", cfg]
