#!/usr/bin/python3
"""IKE setup rate: esphub as initiator against esphub as responder.

    app/esphub-bench/ike_rate.py --build build [--sites 10000] [--out DIR]

Two esphub instances in network namespaces, joined by a veth (net_af_packet
on each end). The initiator has N sites with `initiate = true` toward the
responder, which has the N matching sites: all start cold at once (the
initiator keeps 64 Main Modes in flight). Phase 1 aes128-sha256-modp2048,
phase 2 aes128-sha1 without PFS: one DH key pair and one DH agreement per
side per site. The clock runs from the initiator's start until the
responder holds N IPsec SA pairs; progress is printed every few seconds.

Next to it, measured in the same run: the DH ceiling of one core,
`openssl speed ffdh2048` (key agreements per second, pinned to the
responder's CPU). A Main Mode costs each side about two such operations
(key generation and agreement), so the ceiling is ops/s / 2 setups per
second per control core; the ratio says how close esphub's IKE gets.

Writes DIR/ike_rate.json. Runs as root (namespaces, DPDK); both CPUs are
used: nothing else should run meanwhile.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "lib"))

PSK = "bench-psk-0123456789"
INI, RESP = "10.99.0.1", "10.99.0.2"
GROUP, OPENSSL_ALGO = "modp2048", "ffdh2048"
P1 = "aes128-sha256-" + GROUP


def branch_net(i):
    """The initiator's (branch) subnet of site i: 10.(1+i/256).(i%256).0/24."""
    return "10.%d.%d.0/24" % (1 + i // 256, i % 256)


def common(n):
    return """
log_level = "notice";
idle_sleep_us = 200;
esp = { max_sas = %d; max_tunnels = %d; };
""" % (4 * n + 1024, 2 * n + 1024)


def responder_config(n):
    sites = ",\n".join(
        '{ name = "s%d"; peer = "%s"; id = "key_id:b%d"; local_id = "key_id:h%d"; '
        'psk = "%s"; remote_subnets = [ "%s" ]; local_subnets = [ "172.16.0.0/16" ]; '
        'esp_proposals = [ "aes128-sha1" ]; }' % (i, INI, i, i, PSK, branch_net(i))
        for i in range(n))
    return common(n) + """
ports = ( { name = "wan"; role = "outside"; device = "net_af_packet0,iface=v-ini"; address = "%s/24"; } );
ike = { proposals = [ "%s" ]; max_half_open = 100000; max_half_open_per_source = 100000;
        new_per_source_per_second = 1000000; };
sites = ( %s );
""" % (RESP, P1, sites)


def initiator_config(n):
    sites = ",\n".join(
        '{ name = "s%d"; peer = "%s"; id = "key_id:h%d"; local_id = "key_id:b%d"; '
        'psk = "%s"; remote_subnets = [ "172.16.0.0/16" ]; local_subnets = [ "%s" ]; '
        'esp_proposals = [ "aes128-sha1" ]; initiate = true; }'
        % (i, RESP, i, i, PSK, branch_net(i)) for i in range(n))
    return common(n) + """
ports = ( { name = "wan"; role = "outside"; device = "net_af_packet0,iface=v-resp"; address = "%s/24"; } );
ike = { proposals = [ "%s" ]; };
sites = ( %s );
""" % (INI, P1, sites)


def dh_ceiling(cpu, seconds=3):
    """openssl speed ffdh2048 on one CPU: key agreements per second."""
    out = subprocess.run(["taskset", "-c", str(cpu), "openssl", "speed", "-seconds",
                          str(seconds), OPENSSL_ALGO], capture_output=True, text=True,
                         timeout=60).stdout
    m = re.search(r"2048 bits ffdh\s+\S+\s+([\d.]+)", out)
    return float(m.group(1)) if m else None


def run(args):
    n = args.sites
    say = lambda msg: print("[ike-rate] " + msg, flush=True)  # noqa: E731
    ceiling_ops = dh_ceiling(1)
    say("DH ceiling: openssl speed %s on CPU 1: %s ops/s" % (OPENSSL_ALGO, ceiling_ops))
    # The toolkit finds the esphub binary through ESPHUB_BUILD (set by main()).
    from esphub import Esphub
    from netns import Topology, wait_for

    with Topology(name="ikerate") as t:
        ini, resp = t.add_ns("ini"), t.add_ns("resp")
        t.link(ini, resp, dev_a="v-resp", dev_b="v-ini")
        # Each esphub on a CPU of its own (control core and its mostly idle worker).
        eh_r = Esphub(resp, responder_config(n), name="responder", lcores="0@1,1@1",
                      timeout=300)
        say("responder up with %d sites" % n)
        t0 = time.monotonic()
        eh_i = Esphub(ini, initiator_config(n), name="initiator", lcores="0@0,1@0",
                      timeout=300)
        say("initiator started in %.1f s; its sites initiate" % (time.monotonic() - t0))
        shown = [t0]

        def done():
            st = eh_r.telemetry("/esphub/ike_stats")
            if time.monotonic() - shown[0] >= args.progress:
                shown[0] = time.monotonic()
                say("%6.1f s: %d ISAKMP SAs, %d IPsec SA pairs" % (
                    shown[0] - t0, st["ike_sas"], st["child_sas"]))
            return st if st["child_sas"] >= n else None
        try:
            st = wait_for(done, args.timeout, 0.2, "%d IPsec SA pairs" % n)
            took = time.monotonic() - t0
        except TimeoutError:
            st, took = eh_r.telemetry("/esphub/ike_stats"), None
        ini_st = eh_i.telemetry("/esphub/ike_stats")
        eh_i.stop(timeout=120)
        eh_r.stop(timeout=120)
    res = {
        "sites": n, "phase1": P1, "phase2": "aes128-sha1 (no PFS)",
        "seconds": round(took, 2) if took else None,
        "setups_per_s": round(n / took, 1) if took else None,
        "established": st["child_sas"],
        "dh_ceiling_ops_per_s": ceiling_ops,
        "ceiling_setups_per_s": round(ceiling_ops / 2, 1) if ceiling_ops else None,
        "ratio_to_ceiling": round(n / took / (ceiling_ops / 2), 3)
        if took and ceiling_ops else None,
        "responder": st, "initiator": ini_st,
    }
    say("%d sites from cold in %s s: %s setups/s; DH ceiling %s setups/s per core "
        "(ratio %s)" % (n, res["seconds"], res["setups_per_s"], res["ceiling_setups_per_s"],
                        res["ratio_to_ceiling"]))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "ike_rate.json"), "w") as f:
        json.dump(res, f, indent=1)
    return 0 if took else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--sites", type=int, default=10000)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--progress", type=float, default=5, help="seconds between progress lines")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    os.environ["ESPHUB_BUILD"] = os.path.abspath(args.build)
    args.out = args.out or os.path.join(args.build, "bench")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
