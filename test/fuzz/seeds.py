#!/usr/bin/python3
"""Write the seed corpora of the data-plane and CLI fuzz targets.

    test/fuzz/seeds.py            (re)writes corpus/{net,esp_inb,nat,worker,site_text}/seed-*

Each seed is a valid input in its target's format (see the target's head
comment): realistic packets and operations the fuzzer then mutates. Files
named crash-* in the corpora are inputs that once crashed a target; they
are kept as they are and never rewritten here.
"""
import glob
import os
import struct

from scapy.all import ICMP, IP, TCP, UDP, Raw, raw

HERE = os.path.dirname(os.path.abspath(__file__))

BRANCH = ["192.168.0.2", "192.168.1.2", "10.20.0.2"]
CLOUD, CLOUD2, BOX_IN, BOX_WAN = "172.16.0.10", "172.16.0.20", "172.16.0.1", "198.51.100.1"


def u8(v):
    return struct.pack("!B", v & 0xff)


def u16(v):
    return struct.pack("!H", v & 0xffff)


def u32(v):
    return struct.pack("!I", v & 0xffffffff)


def u64(v):
    return struct.pack("!Q", v & 0xffffffffffffffff)


def string(b):
    return u16(len(b)) + b


def write(name, seeds):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for old in glob.glob(os.path.join(d, "seed-*")):
        os.remove(old)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(s)


def udp(src, dst, sport=40000, dport=53, n=32, ttl=64):
    return raw(IP(src=src, dst=dst, ttl=ttl, id=0x1234) / UDP(sport=sport, dport=dport) /
               Raw(b"q" * n))


def tcp(src, dst, flags="S", opts=(("MSS", 1460),), sport=40001, dport=443):
    return raw(IP(src=src, dst=dst, id=7) / TCP(sport=sport, dport=dport, flags=flags,
                                                options=list(opts)))


def ping(src, dst, ident=0x4242, n=24, ttl=64):
    return raw(IP(src=src, dst=dst, ttl=ttl) / ICMP(type=8, id=ident, seq=1) / Raw(b"p" * n))


def icmp_err(src, about, type_=3, code=3, quote=None):
    q = about if quote is None else about[:quote]
    return raw(IP(src=src, dst=IP(about).src) / ICMP(type=type_, code=code) / Raw(q))


# --- net: one frame or datagram, or text -----------------------------------

def net_seeds():
    arp = bytes.fromhex("0001080006040001020000000001c0a80001000000000000c0a80002")
    eth = bytes.fromhex("ffffffffffff020000000001") + b"\x08\x00"
    s = [udp(BRANCH[0], CLOUD), tcp(BRANCH[0], CLOUD), ping(BRANCH[0], BOX_IN),
         udp(BRANCH[0], CLOUD, ttl=1), arp, eth + udp(BRANCH[0], CLOUD),
         raw(IP(src=BRANCH[0], dst=CLOUD, options=b"\x94\x04\x00\x00") / UDP()),
         raw(IP(src=BRANCH[0], dst=CLOUD, flags="MF", frag=0) / UDP() / Raw(b"f" * 40)),
         raw(IP(src=BRANCH[0], dst=CLOUD, frag=3) / Raw(b"g" * 24)),
         icmp_err(CLOUD, udp(BOX_IN, CLOUD)),
         tcp(BRANCH[0], CLOUD, opts=(("NOP", None), ("MSS", 8960), ("WScale", 7))) + b"\x05\x78",
         b"192.168.0.1", b"10.0.0.0/8", b"02:00:5e:10:00:01", b"255.255.255.255/32"]
    write("net", s)


# --- esp_inb ------------------------------------------------------------------

def esp_seeds():
    inner = udp(BRANCH[0], CLOUD)
    s = []
    for sa in range(6):
        twin = u8(0 | sa << 2) + u64(1) + string(inner)
        forge = u8(1 | sa << 2) + u64(2) + u8(3) + string(inner)
        bad_nh = u8(1 | sa << 2) + u64(3) + u8(1 | 59 << 2) + string(inner)
        rawp = u8(2 | sa << 2) + u8(sa & 1) + string(u32(5) + bytes(16) + inner)
        s.append(u8(0x3f) + twin + forge + u8(3) + bad_nh + rawp)
    # Inner outside the selectors; spoiled bytes; a cut tail; encapsulation flipped.
    s.append(u8(0x3f) + u8(0) + u64(9) + string(udp("192.168.5.5", CLOUD)))
    s.append(u8(0x3f) + u8(0x80) + u64(1) + string(inner) + u8(1) + u16(40) + u8(0x55))
    s.append(u8(0x3f) + u8(0x84) + u64(1) + string(inner) + u8(4) + u8(7))
    s.append(u8(0x3f) + u8(0x88) + u64(1) + string(inner) + u8(8))
    # ESN SA 2 with a window at 2^32 - 10: the next numbers wrap the low half.
    s.append(u8(2 << 3 | 7) + u64((1 << 32) - 10) + u8(0 | 2 << 2) + u64((1 << 32) + 5) +
             string(inner) + u8(0 | 2 << 2) + u64((1 << 32) - 20) + string(inner))
    # An SA past its hard lifetime, and two bursts.
    s.append(u8(0x38 | 1) + u8(1 << 2) + u64(1) + string(inner))
    s.append(u8(0x3f | 0x40) + u8(2) + u8(0) + u64(1) + string(inner) + u8(3) + u8(3))
    write("esp_inb", s)


# --- nat ----------------------------------------------------------------------

OUT, IN, REPLY, ERR_IN, ERR_OUT, TRACK, TIME, FLUSH = range(8)
FIX = 0x80


def nat_out(d, tunnel=0, site=0, w=0):
    return u8(OUT | FIX | w << 3) + u8(tunnel) + u8(site) + string(d)


def nat_seeds():
    s = []
    for how in (0x00, 0x01, 0x06, 0x0c):
        s.append(u8(how) + nat_out(udp(BRANCH[0], CLOUD)) + u8(REPLY) + u8(0) +
                 u8(ERR_IN) + u8(0) + u8(3) + u16(64) + u8(REPLY | 0x08) + u8(0) +
                 u8(ERR_OUT) + u8(1) + u16(600) + u8(0))
        s.append(u8(how) + nat_out(tcp(BRANCH[0], CLOUD), 1, 1) + u8(REPLY) + u8(0x12) +
                 u8(REPLY | 0x40) + u8(0x04) + u8(TIME) + u16(30000) + u8(255) + u8(255))
        s.append(u8(how) + nat_out(ping(BRANCH[0], CLOUD), 2, 2) + u8(REPLY) + u8(0) +
                 u8(ERR_IN) + u8(1) + u8(0) + u16(36))
    s.append(u8(0) + u8(TRACK | FIX) + u8(0) + u8(0) + string(tcp(CLOUD, BRANCH[0], dport=22)) +
             nat_out(tcp(BRANCH[0], CLOUD, flags="SA", sport=22, dport=40001)))
    s.append(u8(0) + nat_out(udp(BRANCH[0], "10.1.2.3"), 3, 1) + u8(REPLY) + u8(0))
    s.append(u8(0) + nat_out(udp(BRANCH[0], "172.16.99.4")) + u8(FLUSH) + u8(0xff))
    s.append(u8(0) + u8(IN | FIX) + string(udp(CLOUD, BOX_IN, 53, 40000)) +
             u8(IN | FIX) + string(icmp_err(CLOUD, udp(BOX_IN, CLOUD, 2000, 53))))
    s.append(u8(2) + b"".join(nat_out(udp(BRANCH[0], CLOUD, sport=1000 + i), 0, 0)
                              for i in range(4)) + u8(FLUSH) + u8(0x40))
    write("nat", s)


# --- worker -------------------------------------------------------------------

RAW, IPR, ESP, ARP, RPL = 0, 1, 2, 3, 4
END = 0x80
WAN, INSIDE = 0, 1
PEERS = ["203.0.113.5", "203.0.113.6", "203.0.113.7"]


def whole():
    return u8(0)


def frags(sizes, how=1):
    return u8(how) + b"".join(u8(n // 8 - 1) for n in sizes)


def ip_rec(d, port=WAN, how=1, frag=None):
    return u8(IPR | port << 3) + u8(how) + string(d) + (frag if frag else whole())


def esp_how(t, fix=True, big_seq=False):
    for b in range(256):
        if b % 3 == t and bool(b & 4) == fix and bool(b & 0x80) == big_seq:
            return b
    raise ValueError


def esp_rec(t, inner, seq=1, inner_frag=None, outer_frag=None, end=False):
    r = u8(ESP | (END if end else 0)) + u8(esp_how(t)) + u16(seq) + string(inner)
    r += inner_frag if inner_frag else whole()
    n = 1 if not inner_frag else len(inner_frag) - 1
    for _ in range(n):
        r += outer_frag if outer_frag else whole()
    return r


def worker_seeds():
    s = []
    for t in range(3):
        b = BRANCH[t]
        # Replies with TTL 65 (the how byte's high bits), and an ICMP error.
        s.append(esp_rec(t, udp(b, CLOUD), 1, end=True) + u8(RPL) + u8(1) + u16(100) +
                 u8(RPL) + u8(0x80))
        s.append(esp_rec(t, tcp(b, CLOUD), 1, end=True) + u8(RPL) + u8(0x80) + u8(0x12))
        s.append(esp_rec(t, ping(b, CLOUD), 1) + esp_rec(t, ping(b, BOX_IN), 2) +
                 esp_rec(t, udp(b, CLOUD, ttl=1), 3) + esp_rec(t, udp(b, BOX_IN, dport=7), 4))
        # Inner fragments (reassembled before NAT), outer fragments (before decryption).
        big = udp(b, CLOUD, n=600)
        s.append(esp_rec(t, big, 5, inner_frag=frags([256, 256, 256])))
        s.append(esp_rec(t, big, 6, outer_frag=frags([512, 512])))
    s.append(ip_rec(ping("203.0.113.9", BOX_WAN)) + ip_rec(udp("203.0.113.9", BOX_WAN, 500, 500)) +
             ip_rec(raw(IP(src="203.0.113.9", dst=BOX_WAN) / UDP(sport=4500, dport=4500) /
                        Raw(bytes(4) + b"isakmp"))) +
             ip_rec(raw(IP(src="203.0.113.9", dst=BOX_WAN) / UDP(sport=4500, dport=4500) /
                        Raw(b"\xff"))))
    s.append(ip_rec(udp(CLOUD, BRANCH[0], 53, 40000), INSIDE) +
             ip_rec(tcp(CLOUD, BRANCH[0]), INSIDE) + ip_rec(ping(CLOUD, BOX_IN), INSIDE) +
             ip_rec(udp(CLOUD, BOX_IN, 53, 1200), INSIDE))
    s.append(u8(ARP) + u8(1) + u8(0) + u32(0xc6336402) + u8(1) +
             u8(ARP | INSIDE << 3) + u8(2) + u8(1) + u32(0xac100063) + u8(1))
    s.append(ip_rec(udp("203.0.113.9", BOX_WAN, 500, 500, n=900), frag=frags([256, 256, 512])) +
             ip_rec(udp("203.0.113.9", BOX_WAN, 500, 500, n=900), frag=frags([256, 256, 512], 1 | 2)) +
             ip_rec(udp("203.0.113.9", BOX_WAN, 500, 500, n=900), frag=frags([512, 512], 1 | 4 | 8) + u8(0)))
    s.append(u8(RAW) + string(b"\x01" * 10) + u8(RAW) + string(bytes(60)))
    write("worker", s)


# --- site_text ----------------------------------------------------------------

def site_seeds():
    key16 = "00112233445566778899aabbccddeeff"
    sha1 = "0102030405060708090a0b0c0d0e0f1011121314"
    s = [
        '{ name = "kobe"; peer = "any"; id = "192.168.10.1"; psk = "branch secret"; '
        'remote_subnets = [ "192.168.10.0/24" ]; local_subnets = [ "172.16.0.0/16" ]; '
        'dpd_delay = 5; dpd_timeout = 20; esp_lifetime_kb = 100000; }',
        '{ name = "osaka"; peer = "203.0.113.5"; remote_subnets = [ "192.168.0.0/24", "10.1.0.0/16" ]; '
        'local_subnets = [ "172.16.0.0/16" ]; psk = "another one"; esp_proposals = [ "aes256-sha256-modp2048", "aes128gcm16" ]; '
        'ike_proposals = [ "aes128-sha1-modp1024" ]; aggressive = true; initiate = true; ike_lifetime = 3600; }',
        '{ name = "nagoya"; peer = "203.0.113.6"; remote_subnets = [ "192.168.1.0/24" ]; '
        'local_subnets = [ "172.16.0.0/16" ]; cipher = "aes128-cbc"; integ = "hmac-sha1-96"; '
        'encap = "udp"; peer_port = 4501; esn = true; '
        'lifetime = { soft = { seconds = 3000; bytes = 1000000; }; hard = { seconds = 3600; packets = 5000; }; }; '
        'sa_in = { spi = 0x1001; key = "%s"; auth_key = "%s"; }; '
        'sa_out = { spi = 0x2001; key = "0x%s"; auth_key = "%s"; }; }' % (key16, sha1, key16, sha1),
        '{ name = "sendai"; peer = "203.0.113.7"; local = "198.51.100.1"; remote_subnets = [ "10.7.0.0/16" ]; '
        'local_subnets = [ "172.16.0.0/16" ]; cipher = "aes256-cbc"; integ = "hmac-sha256-128"; replay_window = 4096; '
        'sa_in = { spi = 4097; key = "%s"; auth_key = "%s"; }; sa_out = { spi = 8193; key = "%s"; auth_key = "%s"; }; }'
        % (key16 * 2, sha1 + "0" * 24, key16 * 2, sha1 + "0" * 24),
        '{ name = "gcm"; peer = "203.0.113.8"; remote_subnets = [ "192.168.8.0/24" ]; '
        'local_subnets = [ "172.16.0.0/16" ]; cipher = "aes128-gcm"; '
        'sa_in = { spi = 0x3001; key = "%s01020304"; }; sa_out = { spi = 0x3002; key = "%s05060708"; }; }'
        % (key16, key16),
        '{ name = "gcm-test"; peer = "203.0.113.8"; remote_subnets = [ "192.168.8.0/24" ]; '
        'local_subnets = [ "172.16.0.0/16" ]; cipher = "aes256-gcm"; allow_unsafe_manual_gcm = true; '
        'sa_in = { spi = 0x3001; key = "%s01020304"; }; sa_out = { spi = 0x3002; key = "%s05060708"; }; }'
        % (key16 * 2, key16 * 2),
        '{ name = "bad"; peer = "203.0.113.9"; remote_subnets = [ "192.168.9.1/24" ]; '
        'local_subnets = [ "172.16.0.0/16" ]; psk = "x"; dpd_delay = -1; }',
        '{ name = "typo"; peer = "any"; psk = "sekret-value"; remote_subnet = [ "10.0.0.0/8" ]; }',
        '{ }', '{ name = 5; }', '[ 1, 2 ]', '{ name = "x"',
    ]
    write("site_text", [t.encode() for t in s])


if __name__ == "__main__":
    net_seeds()
    esp_seeds()
    nat_seeds()
    worker_seeds()
    site_seeds()
