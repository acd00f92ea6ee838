"""dnsmasq as the DNS server of a test network (round-robin A records).

    from peers import dnsmasq
    dns = dnsmasq.Dnsmasq(inet_ns, "198.51.100.1",
                          {"vpn.example": ["203.0.113.10", "203.0.113.11"]}).start()
    path = dns.resolv_conf()             # "nameserver 198.51.100.1" file for clients
    dns.set_records({"vpn.example": ["203.0.113.11"]})   # server 10 "disappears"
    dnsmasq.query(client_ns, "198.51.100.1", "vpn.example")  # -> [addrs in answer order]

dnsmasq (package dnsmasq-base) runs directly (-k, PID recorded) with
--conf-file=/dev/null --no-hosts --no-resolv --no-poll: it reads neither the
host's /etc/dnsmasq.conf, /etc/hosts nor /etc/resolv.conf, forwards nothing,
serves no DHCP, answers NXDOMAIN for other names under the local domain.
Records live in an addn-hosts file; set_records() rewrites it and sends
SIGHUP, which makes dnsmasq clear its cache and re-read the file.  TTL 0
(--local-ttl), so clients never cache.  All queries are logged
(--log-queries) to <log dir>/<node>.<name>/dnsmasq.log.

Round robin: dnsmasq 2.90 answers every A record of the name in each reply
and rotates their order from one query to the next, so successive clients
start with different servers.  glibc's getaddrinfo keeps that order here
(checked by test_dnsmasq_rr.py; RFC 6724 sorting could reorder addresses in
other setups), and strongSwan takes the first address getaddrinfo returns.

API:
  Dnsmasq(ns, listen, records, name="dnsmasq", port=53, domain="example")
    .start() .stop() .pid .set_records({name: [addrs]}) .set_addresses(name, addrs)
    .resolv_conf(path=None) -> path .log() .log_path .hosts
  query(ns, server, name) -> [addrs in answer order]      (raw DNS, no glibc)
  resolve(ns, name, resolv_conf) -> [addrs]                (getent ahostsv4)
"""

import json
import os
import re
import signal
import time

DNSMASQ = "/usr/sbin/dnsmasq"


class Dnsmasq:
    """dnsmasq in namespace ns answering on listen:port for records
    {name: [ipv4, ...]}; domain: local domain (NXDOMAIN for others)."""

    def __init__(self, ns, listen, records, name="dnsmasq", port=53, domain="example"):
        self.ns, self.listen, self.port, self.name = ns, listen, port, name
        self.domain = domain
        self.dir = ns.topo.path("%s.%s" % (ns.node, name), "")
        self.hosts = os.path.join(self.dir, "hosts")
        self.log_path = os.path.join(self.dir, "dnsmasq.log")
        self.records = {}
        self._write(records)
        self.proc = None

    def _write(self, records):
        self.records = {k: list(v) for k, v in records.items()}
        tmp = self.hosts + ".tmp"
        with open(tmp, "w") as f:
            for host, addrs in self.records.items():
                for a in addrs:
                    f.write("%s %s\n" % (a, host))
        os.replace(tmp, self.hosts)

    def start(self, timeout=10.0):
        argv = [DNSMASQ, "-k", "--conf-file=/dev/null", "--no-hosts", "--no-resolv",
                "--no-poll", "--user=root", "--group=root",
                "--listen-address=%s" % self.listen, "--bind-interfaces",
                "--port=%d" % self.port, "--addn-hosts=%s" % self.hosts,
                "--local=/%s/" % self.domain, "--local-ttl=0", "--log-queries",
                "--log-facility=%s" % self.log_path,
                "--pid-file=%s" % os.path.join(self.dir, "dnsmasq.pid"),
                "--cache-size=0"]
        self.proc = self.ns.start(self.name, argv, udp=self.port, timeout=timeout)
        self.proc.extra_logs.append(self.log_path)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        return self.proc.stop()

    def set_records(self, records, timeout=5.0):
        """Replace the whole record set ({name: [addrs]}) and reload it
        (SIGHUP); returns once dnsmasq has re-read the file."""
        before = self._reads()
        self._write(records)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while self._reads() <= before:
            if time.monotonic() > deadline:
                raise TimeoutError("dnsmasq did not re-read %s" % self.hosts)
            time.sleep(0.05)

    def set_addresses(self, host, addrs, timeout=5.0):
        """Set the A records of one name (empty list removes the name)."""
        recs = dict(self.records)
        if addrs:
            recs[host] = list(addrs)
        else:
            recs.pop(host, None)
        self.set_records(recs, timeout)

    def _reads(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return len(re.findall(r"read %s - \d+ names?" % re.escape(self.hosts), f.read()))
        except FileNotFoundError:
            return 0

    def resolv_conf(self, path=None):
        """Write a resolv.conf naming this server (default: in its dir)."""
        path = path or os.path.join(self.dir, "resolv.conf")
        with open(path, "w") as f:
            f.write("nameserver %s\noptions timeout:1 attempts:2\n" % self.listen)
        return path

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


def query(ns, server, name, port=53, timeout=2.0):
    """Send one A query from namespace ns straight to server (no glibc);
    return the addresses in the order of the answer ([] for NXDOMAIN)."""
    from netns import AGENT, PYTHON
    r = ns.run([PYTHON, AGENT, "dns-query", "--server", server, "--name", name,
                "--port", str(port), "--timeout", str(timeout)], timeout=timeout + 5)
    return json.loads(r.stdout.strip().splitlines()[-1])["addrs"]


def resolve(ns, name, resolv_conf, timeout=5.0):
    """Resolve name through glibc (getent ahostsv4) in namespace ns with
    resolv_conf bind-mounted as /etc/resolv.conf; the order getaddrinfo
    returns, which is what strongSwan and most clients use."""
    r = ns.run(["getent", "ahostsv4", name], timeout=timeout, check=False,
               resolv_conf=resolv_conf)
    out = []
    for line in r.stdout.splitlines():
        addr = line.split()[0]
        if addr not in out:
            out.append(addr)
    return out
