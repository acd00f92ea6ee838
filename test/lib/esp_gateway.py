#!/usr/bin/python3
"""A small userspace ESP gateway: a branch router for tests on kernels
without ESP. It is a test peer, not a product.

    esp_gateway.py CONFIG.json

A TUN device carries the branch side: every IPv4 packet the kernel routes
into it is encrypted (RFC 4303 tunnel mode, scapy's SecurityAssociation)
and sent to the concentrator; every ESP packet from the concentrator is
checked, decrypted and written to the TUN. CONFIG.json:

    {"tun": "esp0", "tun_addr": "192.168.1.2/24", "tun_mtu": 1500,
     "routes": ["172.16.0.0/16"],            # routed into the TUN
     "local": "198.51.100.11", "peer": "198.51.100.1",
     "encap": "esp" | "udp",                 # plain ESP, or RFC 3948 on 4500
     "local_port": 4500, "peer_port": 4500,  # udp only
     "cipher": "aes128-cbc" | "aes256-cbc" | "aes128-gcm" | "aes256-gcm",
     "integ": "hmac-sha1-96" | "hmac-sha256-128" | null,
     "esn": false, "seq_start": 1,           # first outbound sequence number
     "replay_window": 64,                    # inbound, 0 = no replay check
     "out": {"spi": 4097, "key": "hex", "auth_key": "hex"},   # we send
     "in":  {"spi": 8193, "key": "hex", "auth_key": "hex"}}   # we receive

GCM keys carry their 4-byte salt at the end (RFC 4106 s8.1).

Transport. Plain ESP goes out through a raw IPPROTO_ESP socket (the kernel
builds the outer IPv4 header) and comes in through the same socket; UDP
encapsulation uses an ordinary UDP socket bound to local:local_port. Both
sockets have path MTU discovery off, so the kernel fragments an outer
datagram larger than the link MTU (and reassembles incoming ones before we
see them). With no ESP in the kernel, a namespace answers incoming ESP
with ICMP protocol-unreachable unless a raw socket for protocol 50 is open;
the plain-ESP socket is that socket, so no ICMP leaves the namespace.

ESP itself is scapy's: the SecurityAssociation's cipher and integrity
algorithms pad, encrypt, sign, verify and decrypt, step by step as its
encrypt()/decrypt() do, minus their rebuilding of whole scapy packets
(which costs milliseconds per packet). The outer headers are the kernel's.

Checks on receipt: outer source, SPI, a sliding replay window (checked
before the ICV, advanced after it; RFC 4303 s3.4.3, 64-bit with ESN as in
its appendix A2.2), ICV or GCM tag. scapy 2.5 leaves the ESN high half out
of HMAC ICVs, so for CBC+ESN the ICV is computed here per RFC 4303
s3.3.2.1 (GCM puts it in the AAD, which scapy does). UDP 4500 datagrams
with a non-ESP marker (IKE) or a NAT-keepalive are counted and ignored.

Output: "esp_gateway: ready ..." once running; on SIGUSR1 a stats line;
on SIGTERM or SIGINT a one-line summary and a JSON line of the counters,
then exit 0.
"""
import fcntl
import hashlib
import hmac
import ipaddress
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys

from scapy.layers.ipsec import ESP, IPSecIntegrityError, SecurityAssociation, _ESPPlain

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
IP_MTU_DISCOVER, IP_PMTUDISC_DONT = 10, 0
SO_RCVBUFFORCE = 33
M32 = 0xFFFFFFFF

CIPHERS = {"aes128-cbc": "AES-CBC", "aes256-cbc": "AES-CBC",
           "aes128-gcm": "AES-GCM", "aes256-gcm": "AES-GCM"}
INTEGS = {"hmac-sha1-96": ("HMAC-SHA1-96", hashlib.sha1, 12),
          "hmac-sha256-128": ("SHA2-256-128", hashlib.sha256, 16)}

COUNTERS = ("tun_in", "esp_out", "esp_in", "tun_out", "failed", "bad_icv", "replay",
            "no_sa", "malformed", "send_error", "non_esp", "skipped")


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip_cmd(*args):
    subprocess.run(["ip"] + [str(a) for a in args], check=True)


class Replay:
    """Sliding window of the last `size` sequence numbers (0 = off)."""

    def __init__(self, size, esn):
        self.size, self.esn, self.top, self.bits = size, esn, 0, 0

    def seq64(self, lo):
        """The full sequence number of a received low half (RFC 4303 A2.2)."""
        if not self.esn:
            return lo
        w = max(self.size, 1)
        tl, th = self.top & M32, self.top >> 32
        if tl >= w - 1:
            hi = th + 1 if lo < tl - w + 1 else th
        else:
            hi = th - 1 if th > 0 and lo >= ((tl - w + 1) & M32) else th
        return hi << 32 | lo

    def fresh(self, seq):
        if self.size == 0:
            return True
        if seq == 0 or (seq <= self.top and (self.top - seq >= self.size or
                                             self.bits >> (self.top - seq) & 1)):
            return False
        return True

    def accept(self, seq):
        if seq > self.top:
            self.bits = (self.bits << (seq - self.top) | 1) & ((1 << self.size) - 1)
            self.top = seq
        else:
            self.bits |= 1 << (self.top - seq)


class Gateway:
    def __init__(self, cfg):
        self.cfg = cfg
        self.udp = cfg.get("encap", "esp") == "udp"
        self.esn = bool(cfg.get("esn", False))
        self.local, self.peer = cfg["local"], cfg["peer"]
        self.lport = int(cfg.get("local_port", 4500))
        self.pport = int(cfg.get("peer_port", 4500))
        self.integ = cfg.get("integ")
        self.hmac = INTEGS[self.integ][1:] if self.integ else None
        self.out_seq = int(cfg.get("seq_start", 1))
        self.replay = Replay(int(cfg.get("replay_window", 64)), self.esn)
        self.out_sa = self.make_sa(cfg["out"])
        self.in_sa = self.make_sa(cfg["in"])
        self.in_spi = int(cfg["in"]["spi"])
        self.in_auth = bytes.fromhex(cfg["in"].get("auth_key") or "")
        self.out_auth = bytes.fromhex(cfg["out"].get("auth_key") or "")
        self.n = dict.fromkeys(COUNTERS, 0)
        self.stop = False

    def make_sa(self, k):
        auth = self.integ and INTEGS[self.integ][0]
        return SecurityAssociation(
            ESP, spi=int(k["spi"]), crypt_algo=CIPHERS[self.cfg["cipher"]],
            crypt_key=bytes.fromhex(k["key"]), auth_algo=auth,
            auth_key=bytes.fromhex(k["auth_key"]) if auth else None, esn_en=self.esn)

    # -- setup -------------------------------------------------------------

    def open(self):
        c = self.cfg
        self.tun = open_tun(c["tun"])
        if c.get("tun_mtu"):
            ip_cmd("link", "set", c["tun"], "mtu", c["tun_mtu"])
        ip_cmd("link", "set", c["tun"], "up")
        if c.get("tun_addr"):
            ip_cmd("addr", "add", c["tun_addr"], "dev", c["tun"])
        for r in c.get("routes", []):
            ip_cmd("route", "add", r, "dev", c["tun"])
        if self.udp:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((self.local, self.lport))
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP)
            self.sock.bind((self.local, 0))
        # Let the kernel fragment outer datagrams bigger than the link MTU.
        self.sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
        # esphub sends bursts at line rate; python reads them one by one.
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)

    # -- branch -> concentrator --------------------------------------------

    def icv(self, key, data, hi):
        digest, n = self.hmac
        return hmac.new(key, data + struct.pack("!L", hi), digest).digest()[:n]

    def encrypt(self, inner):
        """ESP (bytes from the SPI on) carrying one inner datagram. The steps
        of scapy's SecurityAssociation.encrypt() without its packet
        rebuilding (10 times faster: TCP through the tunnel needs it)."""
        sa = self.out_sa
        seq, self.out_seq = self.out_seq, self.out_seq + 1
        esp = _ESPPlain(spi=sa.spi, seq=seq & M32, iv=sa.crypt_algo.generate_iv(),
                        data=inner, nh=socket.IPPROTO_IPIP)
        esp = sa.crypt_algo.pad(esp)
        esp = sa.crypt_algo.encrypt(sa, esp, sa.crypt_key, sa.crypt_icv_size,
                                    esn_en=self.esn, esn=seq >> 32)
        if self.esn and self.hmac:
            esp.data += self.icv(self.out_auth, bytes(esp), seq >> 32)
        else:
            sa.auth_algo.sign(esp, sa.auth_key)
        return bytes(esp)

    def from_tun(self):
        inner = os.read(self.tun, 65535)
        if not inner or inner[0] >> 4 != 4:
            self.n["skipped"] += 1
            return
        self.n["tun_in"] += 1
        try:
            esp = self.encrypt(inner)
            if self.udp:
                self.sock.sendto(esp, (self.peer, self.pport))
            else:
                self.sock.sendto(esp, (self.peer, 0))
            self.n["esp_out"] += 1
        except OSError as e:
            self.fail("send_error", e)

    # -- concentrator -> branch --------------------------------------------

    def fail(self, what, detail=None):
        self.n[what] += 1
        self.n["failed"] += 1
        if self.n[what] <= 5:
            print("esp_gateway: %s%s" % (what, ": %s" % detail if detail else ""),
                  file=sys.stderr, flush=True)

    def decrypt(self, esp):
        """Inner datagram of an ESP packet (bytes from the SPI on), or None."""
        if len(esp) < 8:
            return self.fail("malformed", "%d bytes" % len(esp))
        spi, lo = struct.unpack("!LL", esp[:8])
        if spi != self.in_spi:
            return self.fail("no_sa", "SPI 0x%08x" % spi)
        seq = self.replay.seq64(lo)
        if not self.replay.fresh(seq):
            return self.fail("replay", "seq %d, top %d" % (seq, self.replay.top))
        sa, e = self.in_sa, ESP(esp)
        try:
            if self.esn and self.hmac:
                n = self.hmac[1]
                if not hmac.compare_digest(esp[-n:], self.icv(self.in_auth, esp[:-n], seq >> 32)):
                    raise IPSecIntegrityError("ICV with ESN")
            else:
                sa.auth_algo.verify(e, sa.auth_key)         # no-op for GCM
            plain = sa.crypt_algo.decrypt(
                sa, e, sa.crypt_key,
                sa.crypt_icv_size or sa.crypt_algo.icv_size or sa.auth_algo.icv_size,
                esn_en=self.esn, esn=seq >> 32)             # the GCM tag is checked here
        except IPSecIntegrityError as err:
            return self.fail("bad_icv", "seq %d: %s" % (seq, err))
        except Exception as err:          # scapy raises several kinds on garbage
            return self.fail("malformed", repr(err))
        if plain.nh != socket.IPPROTO_IPIP:
            return self.fail("malformed", "next header %d" % plain.nh)
        self.replay.accept(seq)
        return bytes(plain.data)

    def from_sock(self):
        data, addr = self.sock.recvfrom(65535)
        if addr[0] != self.peer:
            self.n["skipped"] += 1
            return
        if self.udp:
            if data == b"\xff" or data[:4] == b"\0\0\0\0":
                self.n["non_esp"] += 1      # NAT keepalive or IKE
                return
            esp = data
        else:
            esp = data[(data[0] & 0xF) * 4:]    # raw sockets include the IP header
        self.n["esp_in"] += 1
        inner = self.decrypt(esp)
        if inner is None:
            return
        try:
            os.write(self.tun, inner)
            self.n["tun_out"] += 1
        except OSError as e:
            self.fail("malformed", "TUN write: %s" % e)

    # -- main loop -----------------------------------------------------------

    def summary(self):
        return " ".join("%s=%d" % (k, v) for k, v in self.n.items())

    def run(self):
        self.open()
        print("esp_gateway: ready tun=%s %s %s -> %s %s%s" % (
            self.cfg["tun"], self.cfg["cipher"], self.local, self.peer,
            "udp %d" % self.pport if self.udp else "esp", " esn" if self.esn else ""),
            flush=True)
        while not self.stop:
            r, _, _ = select.select([self.tun, self.sock], [], [], 0.5)
            if self.tun in r:
                self.from_tun()
            if self.sock in r:
                self.from_sock()
        print("esp_gateway: stopped: %s" % self.summary(), flush=True)
        print(json.dumps(self.n), flush=True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: esp_gateway.py CONFIG.json")
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    for r in cfg.get("routes", []):
        ipaddress.ip_network(r)          # fail early on a typo
    gw = Gateway(cfg)

    def on_stop(signum, frame):
        gw.stop = True

    def on_usr1(signum, frame):
        print("esp_gateway: stats: %s" % json.dumps(gw.n), flush=True)

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGUSR1, on_usr1)
    gw.run()


if __name__ == "__main__":
    main()
