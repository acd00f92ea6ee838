#!/usr/bin/python3
"""ESP against scapy's independent implementation, through net_pcap.

Every algorithm (AES-CBC-128/256 with HMAC-SHA1-96 and HMAC-SHA2-256-128,
AES-GCM-16 128/256), plain ESP and UDP-encapsulated (RFC 3948), and ESN:
- packets scapy encrypts are decrypted by esphub and forwarded byte-exact;
- packets esphub encrypts are decrypted by scapy and match what was sent;
- tshark decrypts esphub's output with the keys from `sa export wireshark`;
- tampered, replayed, unknown-SPI and off-selector packets are dropped and
  counted under their reasons.
"""
import os
import subprocess
import tempfile

from scapy.all import ESP, ICMP, IP, UDP, Ether, Raw, raw

from esp_sites import make_sites
from esphub import drop_count, pcap_mac, run_pcap
from netns import check, main

WAN, LAN = "198.51.100.1", "172.16.0.1"
WAN_MAC, LAN_MAC = pcap_mac(0), pcap_mac(1)
CLOUD, CLOUD_MAC = "172.16.0.10", "02:00:00:00:20:0a"


def config(sites, export):
    neigh = ",\n  ".join('{ address = "%s"; mac = "%s"; }' % (s.peer, s.peer_mac)
                         for s in sites)
    return """
ports = (
  { name = "wan"; role = "outside"; device = "net_pcap0,rx_pcap=%%(d)s/in0.pcap,tx_pcap=%%(d)s/out0.pcap"; address = "198.51.100.1/24"; },
  { name = "lan"; role = "inside";  device = "net_pcap1,rx_pcap=%%(d)s/in1.pcap,tx_pcap=%%(d)s/out1.pcap"; address = "172.16.0.1/16"; }
);
neighbours = (
  %s,
  { address = "%s"; mac = "%s"; }
);
sites = (
  %s
);
""" % (neigh, CLOUD, CLOUD_MAC, ",\n  ".join(s.config() for s in sites))


def forwarded(ip):
    p = IP(raw(ip))
    p.ttl -= 1
    del p.chksum
    return IP(raw(p))


def branch_packet(s, k, hi, lo, wan_in, want_lan):
    size = (16, 300, 1300, 60)[k % 4]
    inner = IP(src=s.host, dst=CLOUD, id=100 * s.i + k) / \
        UDP(sport=1000 + s.i, dport=7) / Raw(os.urandom(size))
    tx = s.branch_out()
    esp = tx.encrypt(inner, seq_num=lo, esn=hi) if s.esn else tx.encrypt(inner, seq_num=lo)
    if s.esn and s.integ:
        esp = s.esn_fix(esp, hi)
    wan_in.append(Ether(src=s.peer_mac, dst=WAN_MAC) / esp)
    want_lan.append(Ether(src=LAN_MAC, dst=CLOUD_MAC) / forwarded(inner))


def test():
    sites = make_sites(WAN)
    wan_in, lan_in, want_lan, want_inner = [], [], [], {}
    drops = {}
    esn_sites = [s for s in sites if s.esn]
    # ESN sites first reach the top of the 32-bit space; they cross it only
    # after more than a worker burst (128 frames) of other traffic: a real
    # sender moves its window on in earlier bursts, while a window still at
    # 0 cannot place sequence 2^32 + 1 within one burst.
    for s in esn_sites:
        for k, lo in enumerate((0xfffffffd, 0xfffffffe)):
            branch_packet(s, k, 0, lo, wan_in, want_lan)
    filler = next(s for s in sites[1:] if not s.esn)   # sites[0] tests the drops
    for lo in range(10, 10 + 130):
        branch_packet(filler, 3, 0, lo, wan_in, want_lan)
    for s in sites:
        seqs = [(0, 0xffffffff), (1, 1), (1, 2)] if s.esn else [(0, n) for n in (1, 2, 3)]
        for k, (hi, lo) in enumerate(seqs):
            if not s.esn:
                branch_packet(s, k + 2, hi, lo, wan_in, want_lan)
    for s in esn_sites:
        for k, (hi, lo) in enumerate([(0, 0xffffffff), (1, 1), (1, 2)]):
            branch_packet(s, k + 2, hi, lo, wan_in, want_lan)
    for s in sites:
        # Cleartext from the cloud to the branch: esphub must encrypt it.
        for k in range(3):
            out = IP(src=CLOUD, dst=s.host, id=200 + k) / UDP(sport=7, dport=1000 + s.i) / \
                Raw(os.urandom((20, 700, 1400)[k]))
            lan_in.append(Ether(src=CLOUD_MAC, dst=LAN_MAC) / out)
            want_inner.setdefault(s.spi_out, []).append(raw(forwarded(out)))

    # What must be dropped, on the first site (aes128-cbc/sha1, plain ESP).
    s0 = sites[0]
    tx = s0.branch_out()
    good = tx.encrypt(IP(src=s0.host, dst=CLOUD) / UDP(dport=7) / Raw(b"x" * 40), seq_num=50)
    wan_in.append(Ether(src=s0.peer_mac, dst=WAN_MAC) / good)
    want_lan.append(Ether(src=LAN_MAC, dst=CLOUD_MAC) / forwarded(
        IP(src=s0.host, dst=CLOUD) / UDP(dport=7) / Raw(b"x" * 40)))
    wan_in.append(Ether(src=s0.peer_mac, dst=WAN_MAC) / good)        # the same again
    drops["esp-in/replay"] = 1
    bad = bytearray(raw(tx.encrypt(IP(src=s0.host, dst=CLOUD) / UDP(), seq_num=51)))
    bad[40] ^= 0x01                                                  # inside the ciphertext
    wan_in.append(Ether(src=s0.peer_mac, dst=WAN_MAC) / IP(bytes(bad)))
    drops["esp-in/bad-icv"] = 1
    wan_in.append(Ether(src=s0.peer_mac, dst=WAN_MAC) /
                  IP(src=s0.peer, dst=WAN) / ESP(spi=0xdead, seq=1) / Raw(b"z" * 48))
    drops["esp-in/no-sa"] = 1
    spoof = tx.encrypt(IP(src="10.9.9.9", dst=CLOUD) / UDP(dport=7), seq_num=52)
    wan_in.append(Ether(src=s0.peer_mac, dst=WAN_MAC) / spoof)
    drops["esp-in/selector-mismatch"] = 1
    wan_in.append(Ether(src=s0.peer_mac, dst=WAN_MAC) /
                  IP(src=s0.peer, dst=WAN) / ESP(spi=s0.spi_in, seq=53) / Raw(b"q" * 10))
    drops["esp-in/truncated"] = 1

    tmp = tempfile.mkdtemp(prefix="esphub-interop-")
    export = os.path.join(tmp, "esp_sa")
    outs, res, _ = run_pcap(config(sites, export), [wan_in, lan_in],
                            commands=["show drops", "show sa", "sa export wireshark " + export])
    out_wan, out_lan = outs

    # 1. scapy -> esphub: every good ESP packet decrypted and forwarded exactly.
    exp = sorted(raw(x) for x in want_lan)
    check(out_lan == exp, "esphub decrypts scapy's ESP, all %d packets byte-exact" % len(exp),
          "got %d, expected %d" % (len(out_lan), len(exp)))

    # 2. esphub -> scapy: every packet to a branch is ESP that scapy decrypts.
    by_spi = {s.spi_out: s for s in sites}
    got_inner, seqs, bad_outer = {}, {}, []
    for f in out_wan:
        pkt = Ether(f)[IP]
        udp = pkt.proto == 17
        if udp and (pkt[UDP].dport != 4500 or pkt[UDP].chksum != 0):
            bad_outer.append("UDP not 4500 with checksum 0: %s" % pkt.summary())
        esp = ESP(raw(pkt[UDP].payload)) if udp else pkt[ESP]
        s = by_spi.get(esp.spi)
        if s is None:
            bad_outer.append("not ESP to a branch: %r" % pkt.summary())
            continue
        if pkt.src != WAN or pkt.dst != s.peer or udp != s.udp:
            bad_outer.append("outer header %s" % pkt.summary())
        seqs.setdefault(s.spi_out, []).append(esp.seq)
        if s.esn and s.integ:
            if not s.esn_verify(pkt, 0):
                bad_outer.append("%s: ICV with ESN wrong" % s.name)
            inner = s.branch_in().decrypt(IP(raw(pkt)), verify=False)
        else:
            inner = s.branch_in().decrypt(IP(raw(pkt)))
        got_inner.setdefault(s.spi_out, []).append(raw(inner))
    check(not bad_outer, "outer headers: esphub -> peer, proto 50 or UDP 4500 with checksum 0",
          "; ".join(bad_outer[:5]))
    fragmented = 0
    for spi, inner in got_inner.items():
        # Datagrams larger than the tunnel MTU and without DF were fragmented
        # before encryption (RFC 4459 s5): reassemble them to compare.
        pkts = [IP(b) for b in inner]
        whole = [raw(p) for p in pkts if p.flags.MF == 0 and p.frag == 0]
        frags = [p for p in pkts if p.flags.MF or p.frag]
        fragmented += len(frags)
        for ident in sorted({p.id for p in frags}):
            parts = sorted((p for p in frags if p.id == ident), key=lambda p: p.frag)
            body = b"".join(raw(p.payload) for p in parts)
            h = parts[0].copy()
            h.flags, h.frag, h.len = 0, 0, None
            del h.chksum
            h.remove_payload()
            whole.append(raw(IP(raw(h / Raw(body)))))
        got_inner[spi] = whole
    check(fragmented >= 8, "the 1428-byte datagrams were fragmented before encryption for "
          "the CBC+UDP tunnels (tunnel MTU 1422)", "%d fragments" % fragmented)
    for s in sites:
        check(sorted(got_inner.get(s.spi_out, [])) == sorted(want_inner[s.spi_out]),
              "scapy decrypts esphub's %s/%s%s%s packets to exactly what was sent" % (
                  s.cipher, s.integ or "aead", " udp" if s.udp else "", " esn" if s.esn else ""),
              "got %s\nwant %s" % ([x.hex()[:80] for x in got_inner.get(s.spi_out, [])],
                                   [x.hex()[:80] for x in want_inner[s.spi_out]]))
        got = sorted(seqs.get(s.spi_out, []))
        check(got == list(range(1, len(got) + 1)) and len(got) >= 3,
              "%s: outbound sequence numbers count from 1 without gaps" % s.name, repr(got))

    # 3. Drops by reason.
    for reason, n in drops.items():
        check(drop_count(res["show drops"], reason) == n,
              "%d packet(s) dropped as %s" % (n, reason), res["show drops"])

    # 4. tshark decrypts esphub's output with the exported keys.
    check(os.path.exists(export) and oct(os.stat(export).st_mode & 0o777) == "0o600",
          "sa export wireshark wrote the key file, mode 0600",
          res["sa export wireshark " + export])
    from scapy.all import wrpcap
    cap = os.path.join(tmp, "wan.pcap")
    wrpcap(cap, [Ether(f) for f in out_wan])
    home = os.path.join(tmp, "home")
    os.makedirs(os.path.join(home, ".config", "wireshark"))
    os.rename(export, os.path.join(home, ".config", "wireshark", "esp_sa"))
    r = subprocess.run(["tshark", "-n", "-r", cap, "-o", "esp.enable_encryption_decode:TRUE",
                        "-T", "fields", "-e", "esp.spi", "-e", "ip.src"],
                       capture_output=True, text=True, env=dict(os.environ, HOME=home))
    rows = [line.split("\t") for line in r.stdout.splitlines() if line.strip()]
    # A decrypted packet shows the inner IPv4 header too: a second ip.src,
    # the cloud host's.
    decoded = [row for row in rows if row[1].split(",")[1:] == [CLOUD]]
    check(len(rows) == len(out_wan) and len(decoded) == len(out_wan),
          "tshark decrypts all %d of esphub's ESP packets with the exported keys" % len(out_wan),
          "decoded %d of %d\n%s\n%s" % (len(decoded), len(rows), r.stdout, r.stderr[-500:]))
    check("key" not in res["show sa"].lower() or "0x" not in res["show sa"],
          "show sa prints no keys")
    for s in sites:
        for key in (s.key_in, s.key_out):
            check(key.hex() not in res["show sa"] + res["show drops"],
                  "%s: no key material in CLI output" % s.name)


main(test)
