"""Sites with random keys, as esphub config text and as scapy ESP SAs.

Shared by the interop tests: esphub holds one side of each tunnel, scapy's
independent ESP implementation (python3-scapy + python3-cryptography) the
other.
"""
import hashlib
import hmac
import random
import struct

from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation

# (esphub cipher, esphub integ, scapy crypt, scapy auth, key bytes, auth bytes)
ALGOS = [
    ("aes128-cbc", "hmac-sha1-96", "AES-CBC", "HMAC-SHA1-96", 16, 20),
    ("aes256-cbc", "hmac-sha1-96", "AES-CBC", "HMAC-SHA1-96", 32, 20),
    ("aes128-cbc", "hmac-sha256-128", "AES-CBC", "SHA2-256-128", 16, 32),
    ("aes256-cbc", "hmac-sha256-128", "AES-CBC", "SHA2-256-128", 32, 32),
    ("aes128-gcm", None, "AES-GCM", None, 20, 0),   # + 4-byte salt (RFC 4106)
    ("aes256-gcm", None, "AES-GCM", None, 36, 0),
]


class Site:
    def __init__(self, i, algo, udp, esn, local, rng, local_subnet="172.16.0.0/16"):
        self.i = i
        self.name = "s%d" % i
        self.cipher, self.integ, self.s_crypt, self.s_auth, klen, alen = algo
        self.udp, self.esn = udp, esn
        self.peer = "198.51.100.%d" % (10 + i)
        self.peer_mac = "02:00:00:00:10:%02x" % i
        self.local = local
        self.subnet = "192.168.%d.0/24" % i
        self.host = "192.168.%d.2" % i
        self.local_subnet = local_subnet
        self.spi_in, self.spi_out = 0x1000 + i, 0x2000 + i
        self.key_in, self.key_out = rng.randbytes(klen), rng.randbytes(klen)
        self.auth_in = rng.randbytes(alen) if alen else None
        self.auth_out = rng.randbytes(alen) if alen else None

    def config(self):
        def sa(spi, key, auth):
            s = 'spi = 0x%x; key = "%s";' % (spi, key.hex())
            if auth:
                s += ' auth_key = "%s";' % auth.hex()
            return "{ %s }" % s
        # Hand keys with GCM repeat nonces across restarts (RFC 4106 s8.1);
        # esphub takes them only when told so, as these tests do.
        return ('{ name = "%s"; peer = "%s"; remote_subnets = [ "%s" ]; '
                'local_subnets = [ "%s" ]; cipher = "%s"; %s %s esn = %s;\n'
                '    sa_in = %s;\n    sa_out = %s; }') % (
            self.name, self.peer, self.subnet, self.local_subnet, self.cipher,
            'integ = "%s";' % self.integ if self.integ else "allow_unsafe_manual_gcm = true;",
            'encap = "udp";' if self.udp else "", "true" if self.esn else "false",
            sa(self.spi_in, self.key_in, self.auth_in),
            sa(self.spi_out, self.key_out, self.auth_out))

    def _sa(self, spi, key, auth, src, dst):
        return SecurityAssociation(
            ESP, spi=spi, crypt_algo=self.s_crypt, crypt_key=key,
            auth_algo=self.s_auth, auth_key=auth,
            tunnel_header=IP(src=src, dst=dst),
            nat_t_header=UDP(sport=4500, dport=4500) if self.udp else None,
            esn_en=self.esn)

    # scapy 2.5 leaves the ESN high half out of ESP ICVs (it handles it for
    # AH only); RFC 4303 s3.3.2.1 puts it in. For CBC+ESN the tests compute
    # the ICV here, from the RFC, over the bytes scapy produced.
    def icv(self, esp_bytes, key, hi):
        digest = hashlib.sha1 if self.integ == "hmac-sha1-96" else hashlib.sha256
        n = 12 if self.integ == "hmac-sha1-96" else 16
        return hmac.new(key, esp_bytes + struct.pack("!L", hi), digest).digest()[:n]

    def esn_fix(self, pkt, hi):
        """Re-sign a scapy-made CBC+ESN packet (IP/[UDP/]ESP) with the ESN."""
        b = bytearray(bytes(pkt))
        off = 20 + (8 if self.udp else 0)
        n = 12 if self.integ == "hmac-sha1-96" else 16
        b[-n:] = self.icv(bytes(b[off:-n]), self.auth_in, hi)
        return IP(bytes(b))

    def esn_verify(self, pkt, hi):
        """Check an esphub-made CBC+ESN packet's ICV with the ESN."""
        b = bytes(pkt)
        off = 20 + (8 if self.udp else 0)
        n = 12 if self.integ == "hmac-sha1-96" else 16
        return hmac.compare_digest(b[-n:], self.icv(b[off:-n], self.auth_out, hi))

    def gateway_config(self, tun="esp0", routes=("172.16.0.0/16",), **extra):
        """The branch side as a test/lib/esp_gateway.py configuration."""
        def keys(spi, key, auth):
            return {"spi": spi, "key": key.hex(), "auth_key": auth.hex() if auth else None}
        cfg = {"tun": tun, "tun_addr": self.host + "/24", "routes": list(routes),
               "local": self.peer, "peer": self.local,
               "encap": "udp" if self.udp else "esp", "cipher": self.cipher,
               "integ": self.integ, "esn": self.esn,
               "out": keys(self.spi_in, self.key_in, self.auth_in),
               "in": keys(self.spi_out, self.key_out, self.auth_out)}
        cfg.update(extra)
        return cfg

    def branch_out(self):
        """The branch's outbound SA: esphub's inbound one."""
        return self._sa(self.spi_in, self.key_in, self.auth_in, self.peer, self.local)

    def branch_in(self):
        """The branch's inbound SA: esphub's outbound one."""
        return self._sa(self.spi_out, self.key_out, self.auth_out, self.local, self.peer)


def make_sites(local, esn_too=True, seed=4303):
    """Every algorithm, plain and UDP-encapsulated; ESN on a CBC and a GCM site."""
    rng = random.Random(seed)
    sites = []
    for algo in ALGOS:
        for udp in (False, True):
            sites.append(Site(len(sites), algo, udp, False, local, rng))
    if esn_too:
        sites.append(Site(len(sites), ALGOS[0], False, True, local, rng))
        sites.append(Site(len(sites), ALGOS[4], True, True, local, rng))
    return sites
