#!/usr/bin/python3
"""dnsmasq peer: round-robin A records seen from a client namespace, and a
record removal (SIGHUP reload) takes effect at once.

    client 198.51.100.2 --- 198.51.100.1 dns (dnsmasq)
"""

from netns import Topology, check, main, require, require_tools
from peers import dnsmasq

SERVERS = ["203.0.113.10", "203.0.113.11", "203.0.113.12"]


def test():
    require_tools(dnsmasq.DNSMASQ, "getent")
    with Topology() as t:
        client, dns_ns = t.add_ns("client"), t.add_ns("dns")
        t.link(client, dns_ns, "198.51.100.2/24", "198.51.100.1/24")
        dns = dnsmasq.Dnsmasq(dns_ns, "198.51.100.1", {"vpn.example": SERVERS}).start()

        answers = [dnsmasq.query(client, "198.51.100.1", "vpn.example") for _ in range(6)]
        print("raw answers:", answers)
        check(all(sorted(a) == sorted(SERVERS) for a in answers),
              "every answer carries all three A records", answers)
        firsts = {a[0] for a in answers if a}
        check(firsts == set(SERVERS), "round robin: each server comes first in turn", firsts)

        rc = dns.resolv_conf()
        via_glibc = [dnsmasq.resolve(client, "vpn.example", rc) for _ in range(6)]
        print("getaddrinfo order:", via_glibc)
        check({r[0] for r in via_glibc if r} == set(SERVERS),
              "getaddrinfo (what charon uses) also starts with each server in turn")

        dns.set_addresses("vpn.example", SERVERS[1:])
        after = [dnsmasq.query(client, "198.51.100.1", "vpn.example") for _ in range(4)]
        print("after removing %s:" % SERVERS[0], after)
        check(all(SERVERS[0] not in a and len(a) == 2 for a in after),
              "removed record is gone from the very next answers", after)

        dns.set_addresses("vpn.example", [])
        check(dnsmasq.query(client, "198.51.100.1", "vpn.example") == [],
              "name with no records: empty answer (NXDOMAIN)")
        check(dnsmasq.query(client, "198.51.100.1", "other.example") == [],
              "unknown local name: NXDOMAIN, nothing forwarded")
        log = dns.log()
        require("query[A] vpn.example from 198.51.100.2" in log, "queries are logged")


if __name__ == "__main__":
    main(test)
