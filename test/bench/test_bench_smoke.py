#!/usr/bin/python3
"""The benchmark harness works end to end, on a tiny set.

1. esphub-bench's ESP is real ESP: scapy (an independent RFC 4303 code
   base) decrypts the esp-in pcap with the keys of the `sites` manifest,
   and every inner packet equals, byte for byte, the packet of the
   clear-in pcap generated with the same parameters.
2. bench.py --smoke runs (esphub, ipsec-secgw when dpdk-doc is installed,
   the ceiling) and writes well-formed results.json, results.csv and the
   chart. Form only: no timing is asserted.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.dom.minidom

from netns import check, main, require, require_root, skip_part

SRC = os.environ.get("ESPHUB_SRC") or os.path.join(os.path.dirname(__file__), "..", "..")
BUILD = os.environ.get("ESPHUB_BUILD") or os.path.join(SRC, "build")
BENCH = os.path.join(SRC, "app", "esphub-bench", "bench.py")
TOOL = os.path.join(BUILD, "app", "esphub-bench", "esphub-bench")
FIELDS = ("direction", "algo", "frame_size", "sas", "mpps", "gbps", "cycles_per_pkt",
          "ceiling_gbps", "ratio_to_ceiling", "peer", "peer_gbps", "ratio_to_peer")
NUMERIC = ("mpps", "gbps", "cycles_per_pkt", "ceiling_gbps", "ratio_to_ceiling",
           "peer_gbps", "ratio_to_peer")


def tool(*args):
    return subprocess.run([TOOL] + list(args), check=True, stdout=subprocess.PIPE,
                          text=True).stdout


def check_esp(d):
    try:
        from scapy.all import ESP, IP, rdpcap, raw
        from scapy.layers.ipsec import SecurityAssociation
    except ImportError:
        skip_part("ESP cross-check", "python3-scapy not installed")
        return
    for algo in ("aes-gcm-128", "aes-cbc-128-sha1"):
        m = os.path.join(d, "sites-%s.tsv" % algo)
        tool("sites", "--sites", "3", "--algo", algo, "-o", m)
        common = ["--size", "imix", "--sites", "3", "--flows", "24", "--algo", algo]
        tool("gen", "--kind", "esp-in", "-o", os.path.join(d, "esp.pcap"), *common)
        tool("gen", "--kind", "clear-in", "-o", os.path.join(d, "clear.pcap"), *common)
        sas = {}
        for line in open(m):
            if line.startswith("#"):
                continue
            c = line.rstrip("\n").split("\t")
            tun = IP(src=c[2], dst="198.51.100.10")
            if algo == "aes-gcm-128":
                sa = SecurityAssociation(ESP, spi=int(c[3]), crypt_algo="AES-GCM",
                                         crypt_key=bytes.fromhex(c[5] + c[7]),
                                         tunnel_header=tun)
            else:
                sa = SecurityAssociation(ESP, spi=int(c[3]), crypt_algo="AES-CBC",
                                         crypt_key=bytes.fromhex(c[5]),
                                         auth_algo="HMAC-SHA1-96",
                                         auth_key=bytes.fromhex(c[6]), tunnel_header=tun)
            sas[int(c[3])] = sa
        esp = rdpcap(os.path.join(d, "esp.pcap"))
        clear = rdpcap(os.path.join(d, "clear.pcap"))
        same = 0
        for e, c in zip(esp, clear):
            outer = e[IP]
            inner = sas[outer[ESP].spi].decrypt(IP(raw(outer)))
            same += raw(inner) == raw(c[IP])
        check(len(esp) == len(clear) == 24 and same == 24,
              "%s: scapy decrypts all %d ESP packets to the cleartext ones" % (algo, len(esp)),
              "%d of %d/%d equal" % (same, len(esp), len(clear)))


def check_results(d, out):
    require(os.path.exists(os.path.join(d, "results.json")), "results.json written")
    res = json.load(open(os.path.join(d, "results.json")))
    require(isinstance(res, list) and len(res) > 0, "results.json is a list of measurements")
    missing = [(i, f) for i, r in enumerate(res) for f in FIELDS if f not in r]
    check(not missing, "every measurement has the issue's fields", str(missing[:5]))
    bad = [(i, f, r[f]) for i, r in enumerate(res) for f in NUMERIC
           if r.get(f) is not None and not (isinstance(r[f], (int, float)) and r[f] > 0)]
    check(not bad, "measured values are positive numbers (or null when not measured)",
          str(bad[:5]))
    fwd = [r for r in res if r["direction"] == "forward"]
    check(fwd and all(r["mpps"] for r in fwd), "esphub's cleartext forward was measured")
    crypto = [r for r in res if r["algo"] != "none"]
    check(crypto and all(r["ceiling_gbps"] for r in crypto),
          "the crypto ceiling was measured for every ESP row")
    ratios = [r for r in crypto if r["mpps"] and r["ceiling_mops"]]
    check(all(abs(r["ratio_to_ceiling"] - r["mpps"] / r["ceiling_mops"]) < 0.01
              for r in ratios), "ratio_to_ceiling = esphub / ceiling")
    if os.path.isdir("/usr/share/dpdk/examples/ipsec-secgw"):
        peer = [r for r in res if r["peer"]]
        check(peer and all(r["peer"].startswith("ipsec-secgw/") and r["peer_gbps"]
                           for r in peer), "ipsec-secgw was built and measured",
              out[-3000:])
    else:
        skip_part("ipsec-secgw", "dpdk-doc not installed (scripts/deps.sh bench)")
    esp_rows = [r for r in res if r["direction"] in ("outbound", "inbound")]
    check(esp_rows and all(r["mpps"] for r in esp_rows), "esphub's ESP rows were measured",
          str([(r["direction"], r["algo"], r["error"]) for r in esp_rows if not r["mpps"]]))
    snat = [r for r in res if r["direction"] == "inbound-snat"]
    check(snat and all(r["mpps"] for r in snat), "esphub's decrypt + SNAT rows were measured",
          str([(r["algo"], r["error"]) for r in snat if not r["mpps"]]))
    many = [r for r in res if r["sas"] > 1 and r["mpps"]]
    check(all(r["ref_1sa_mpps"] and r["mem_per_sa_bytes"] for r in many),
          "rows with many SAs carry the one-site reference and memory per SA")

    with open(os.path.join(d, "results.csv")) as f:
        rows = list(csv.reader(f))
    check(rows and all(f in rows[0] for f in FIELDS) and len(rows) == len(res) + 1,
          "results.csv: the same fields, one line per measurement")
    check("[1/" in out and "Targets" in out, "progress lines and the target summary printed")

    if shutil.which("gnuplot"):
        svg = os.path.join(d, "results.svg")
        png = os.path.join(d, "results.png")
        ok = os.path.exists(svg) and \
            xml.dom.minidom.parse(svg).documentElement.tagName == "svg"
        check(ok, "results.svg is an SVG document")
        check(os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
              "results.png is a PNG")
    else:
        skip_part("chart", "gnuplot-nox not installed (scripts/deps.sh bench)")


def test():
    require_root()
    require(os.access(TOOL, os.X_OK), "esphub-bench is built", TOOL)
    with tempfile.TemporaryDirectory(prefix="esphub-bench-") as d:
        check_esp(d)
        out_dir = os.path.join(d, "out")
        r = subprocess.run([sys.executable, BENCH, "--build", BUILD, "--out", out_dir,
                            "--smoke", "--secgw-dir", os.path.join(BUILD, "bench")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=130)
        print(r.stdout[-6000:])
        require(r.returncode == 0, "bench.py --smoke exits 0")
        check_results(out_dir, r.stdout)


main(test)
