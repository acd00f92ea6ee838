"""What is measured: directions, algorithms, sizes, SA counts, and the
address plan shared with esphub-bench (bench.h says the same in C)."""

OUTSIDE_ADDR = "198.51.100.10"
OUTSIDE_PLEN = 24
GW_ADDR = "198.51.100.1"
GW_MAC = "02:00:00:00:00:01"
INSIDE_ADDR = "172.16.0.10"
INSIDE_PLEN = 16
CLOUD_PREFIX = "172.16.0.0/16"
N_SERVERS = 16
SERVER_MAC = "02:00:00:00:01:%02x"         # % server number (1..16)
LAN_SUPERNET = "10.0.0.0/8"
PEER_SUPERNET = "100.64.0.0/10"
PCAP_MAC = "02:70:63:61:70:00"             # net_pcap's MAC for its first port
OUTSIDE_MTU = 2000                         # IMIX 1518 + ESP exceeds 1500

ALGOS = ("aes-gcm-128", "aes-cbc-128-sha1")
ALGO_LABEL = {"aes-gcm-128": "AES-GCM-128", "aes-cbc-128-sha1": "AES-CBC-128+HMAC-SHA1-96",
              "none": "-"}

# direction -> (crypto op the ceiling measures, pcap kind, input port role)
DIRECTIONS = {
    "outbound": ("enc", "clear-out", "inside"),
    "inbound": ("dec", "esp-in", "outside"),
    "inbound-snat": ("dec", "esp-in", "outside"),
    "forward": (None, "clear-out", "inside"),
}
DIRECTION_ORDER = ("outbound", "inbound", "inbound-snat", "forward")

SIZES = ("64", "128", "256", "512", "1024", "1420", "imix")
SA_COUNTS = (1, 1000, 10000, 100000)
IMIX = (64, 594, 64, 64, 594, 64, 1518, 64, 594, 64, 64, 594)


def avg_frame(size):
    """Mean frame size in bytes including the 4-byte FCS."""
    if size == "imix":
        return sum(IMIX) / len(IMIX)
    return float(size)


def avg_inner(size):
    """Mean inner IPv4 packet size (frame minus Ethernet header and FCS)."""
    return avg_frame(size) - 18


def read_sites(path):
    """The manifest `esphub-bench sites` wrote: a list of dicts."""
    keys = None
    out = []
    with open(path) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                keys = [c.lstrip("#") for c in cols]
                continue
            out.append(dict(zip(keys, cols)))
    return out


def colon_hex(h):
    """'a0b1..' -> 'a0:b1:..' (ipsec-secgw's key syntax)."""
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


class Row:
    """One line of the results: a direction, algorithm, size and SA count."""

    def __init__(self, direction, algo, size, sas, peer=False):
        self.direction = direction
        self.algo = algo if DIRECTIONS[direction][0] else "none"
        self.size = size
        self.sas = sas
        self.peer = peer

    @property
    def key(self):
        return (self.direction, self.algo, self.size, self.sas)

    def __repr__(self):
        return "%s %s %s B %d SA" % (self.direction, self.algo, self.size, self.sas)


def standard_rows(directions, algos, sizes, sa_counts, peer_sas, peer_sizes):
    """Every combination; the peer where its SA count and size are listed."""
    rows = []
    for d in directions:
        if DIRECTIONS[d][0] is None:
            rows += [Row(d, "none", s, 1) for s in sizes]
            continue
        for a in algos:
            for n in sa_counts:
                for s in sizes:
                    peer = d in ("outbound", "inbound") and n in peer_sas and s in peer_sizes
                    rows.append(Row(d, a, s, n, peer))
    return rows
