#!/usr/bin/python3
"""esphub's pcap benchmark: esphub next to the raw crypto ceiling and next
to DPDK's ipsec-secgw, measured in the same run on the same core.

    app/esphub-bench/bench.py --build build            the standard set
    app/esphub-bench/bench.py --build build --quick    a short one (< 5 min)
    make bench [QUICK=1]                               the same, via scripts/bench.sh

For every row (direction, algorithm, frame size, SA count) and every
repetition, in this order: esphub, ipsec-secgw lookaside-none, ipsec-secgw
cpu-crypto, the ceiling. Medians over the repetitions are reported, so the
three figures of a row saw the same machine conditions. Each program runs
alone on lcores 0-1 (worker on lcore 1); the ceiling is pinned to the
worker's CPU. Results: results.json / results.csv / results.svg+png /
results.txt in --out (default BUILD/bench).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))

import plan         # noqa: E402
import report       # noqa: E402
import secgw        # noqa: E402
import sysinfo      # noqa: E402
from dpdk import cleanup_stale         # noqa: E402
from measure import RunError          # noqa: E402
from runner import Runner             # noqa: E402
from traffic import Traffic           # noqa: E402

SRC_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

PROFILES = {
    "standard": dict(sizes=plan.SIZES, sas=plan.SA_COUNTS, peer_sizes=plan.SIZES,
                     peer_sas=plan.SA_COUNTS, repeats=3, peer_repeats=3, warmup=0.5,
                     window=1.5, ceiling_seconds=0.3, mem_sas=(1000, 10000, 100000)),
    # Every target row, shorter windows; the peer at IMIX, repeated.
    "quick": dict(sizes=("64", "1420", "imix"), sas=(1, 100000), peer_sizes=("imix",),
                  peer_sas=(1,), repeats=1, peer_repeats=3, warmup=0.3, window=0.8,
                  ceiling_seconds=0.15, mem_sas=()),
    # CI: does the harness work? No timing meaning at all.
    "smoke": dict(sizes=("64",), sas=(1, 16), peer_sizes=("64",), peer_sas=(1,), repeats=1,
                  peer_repeats=1, warmup=0.2, window=0.3, ceiling_seconds=0.05,
                  mem_sas=(16,)),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(SRC_ROOT, "build"),
                   help="meson build dir with esphub and esphub-bench (default: build)")
    p.add_argument("--out", help="output dir (default: BUILD/bench)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_const", dest="profile", const="quick")
    g.add_argument("--smoke", action="store_const", dest="profile", const="smoke")
    p.set_defaults(profile="standard")
    lst = lambda s: tuple(x for x in s.split(",") if x)          # noqa: E731
    ints = lambda s: tuple(int(x) for x in s.split(",") if x)    # noqa: E731
    p.add_argument("--directions", type=lst, default=plan.DIRECTION_ORDER)
    p.add_argument("--algos", type=lst, default=plan.ALGOS)
    p.add_argument("--sizes", type=lst)
    p.add_argument("--sas", type=ints)
    p.add_argument("--peer-sizes", type=lst)
    p.add_argument("--peer-sas", type=ints)
    p.add_argument("--peer-modes", type=lst, default=secgw.MODES)
    p.add_argument("--no-peer", action="store_true", help="skip ipsec-secgw")
    p.add_argument("--no-ceiling", action="store_true")
    p.add_argument("--no-memory", action="store_true", help="skip memory per SA")
    p.add_argument("--repeats", type=int)
    p.add_argument("--peer-repeats", type=int, help="repeats of rows with the peer")
    p.add_argument("--warmup", type=float)
    p.add_argument("--window", type=float)
    p.add_argument("--ceiling-seconds", type=float)
    p.add_argument("--flows", type=int, help="flows per pcap (default max(SAs, 1024))")
    p.add_argument("--packets", type=int, help="packets per pcap (default max(flows, 1024))")
    p.add_argument("--no-scale-ref", dest="scale_ref", action="store_false",
                   help="rows with many SAs: skip esphub on the same traffic from one site")
    p.add_argument("--worker-lcore", type=int, default=1)
    p.add_argument("--no-huge", action="store_true", help="never use hugepages")
    p.add_argument("--retries", type=int, default=2,
                   help="runs again when the worker was off its core (default 2)")
    p.add_argument("--min-cpu-share", type=float, default=0.9,
                   help="share of the window the worker must be on its core (default 0.9)")
    p.add_argument("--start-timeout", type=float, default=300.0,
                   help="seconds a program may take to start forwarding")
    p.add_argument("--json", help="results JSON (default OUT/results.json)")
    p.add_argument("--csv", help="results CSV (default OUT/results.csv)")
    p.add_argument("--chart", help="chart base name, .svg and .png added (default OUT/results)")
    p.add_argument("--secgw-dir", help="where ipsec-secgw is built (default: OUT)")
    p.add_argument("--keep-logs", action="store_true", help="keep configs and DPDK logs")
    p.add_argument("--keep-pcaps", action="store_true")
    o = p.parse_args(argv)
    prof = PROFILES[o.profile]
    for k, v in prof.items():
        if getattr(o, k, None) is None:
            setattr(o, k, v)
    o.out = o.out or os.path.join(o.build, "bench")
    o.json = o.json or os.path.join(o.out, "results.json")
    o.csv = o.csv or os.path.join(o.out, "results.csv")
    o.chart = o.chart or os.path.join(o.out, "results")
    for d in o.directions:
        if d not in plan.DIRECTIONS:
            p.error("unknown direction %s (%s)" % (d, ", ".join(plan.DIRECTIONS)))
    for a in o.algos:
        if a not in plan.ALGOS:
            p.error("unknown algorithm %s (%s)" % (a, ", ".join(plan.ALGOS)))
    return o


class Bench:
    def __init__(self, o):
        self.o = o
        self.t0 = time.monotonic()
        self.results = []
        self.esphub_bin = os.path.join(o.build, "app", "esphub", "esphub")
        self.tool = os.path.join(o.build, "app", "esphub-bench", "esphub-bench")

    def log(self, msg):
        print("[%6.1fs] %s" % (time.monotonic() - self.t0, msg), flush=True)

    def setup(self):
        for b in (self.esphub_bin, self.tool):
            if not os.access(b, os.X_OK):
                raise SystemExit("bench: %s not built (ninja -C %s)" % (b, self.o.build))
        os.makedirs(self.o.out, exist_ok=True)
        cleanup_stale("ebench")
        self.info = json.loads(subprocess.check_output([self.tool, "info"], text=True))
        self.log("%s, TSC %.2f GHz" % (self.info["engine"], self.info["tsc_hz"] / 1e9))
        self.secgw_bin = None
        if not self.o.no_peer:
            try:
                self.secgw_bin = secgw.build(self.o.secgw_dir or self.o.out,
                                             sysinfo.meson_march(self.o.build),
                                             self.log)
            except secgw.BuildError as e:
                self.log("peer unavailable: %s" % e)
        self.traffic = Traffic(self.tool, os.path.join(self.o.out, "work"),
                               flows=self.o.flows, packets=self.o.packets, log=self.log)
        self.runner = Runner(self.o, self.esphub_bin, self.tool, self.secgw_bin,
                             self.traffic, self.info["tsc_hz"], self.log)
        self.load_before = sysinfo.other_load()
        if self.load_before["busy"]:
            self.log("also running: " + sysinfo.load_text(self.load_before))

    def rows(self):
        o = self.o
        rows = plan.standard_rows(o.directions, o.algos, o.sizes, o.sas,
                                  () if self.secgw_bin is None else o.peer_sas, o.peer_sizes)
        # Rows sharing a pcap next to each other: SA count, size, then the rest.
        order = {s: i for i, s in enumerate(plan.SIZES)}
        rows.sort(key=lambda r: (r.sas, order.get(r.size, 99), r.algo,
                                 plan.DIRECTION_ORDER.index(r.direction)))
        return rows

    def run_row(self, i, n, row):
        o = self.o
        samples = {}
        reps = o.peer_repeats if row.peer else o.repeats
        tag = "[%d/%d] %s" % (i, n, row)
        for rep in range(reps):
            steps = ["esphub"]
            if row.sas > 1 and row.algo != "none" and o.scale_ref:
                steps.append("esphub-1sa")
            if row.peer:
                steps += list(o.peer_modes)
            if row.algo != "none" and not o.no_ceiling:
                steps.append("ceiling")
            for step in steps:
                try:
                    if step == "esphub":
                        s = self.runner.esphub(row)
                    elif step == "esphub-1sa":
                        s = self.runner.esphub(row, ref=True)
                    elif step == "ceiling":
                        s = self.runner.ceiling(row)
                    else:
                        s = self.runner.peer(row, step)
                except (RunError, RuntimeError) as e:
                    self.log("%s %s: FAILED: %s" % (tag, step, str(e).strip()[:2000]))
                    samples.setdefault("errors", []).append("%s: %s" % (step, str(e)[:200]))
                    continue
                samples.setdefault(step, []).append(s)
                self.log("%s rep %d/%d %-14s %7.3f Mpps %7.2f Gbit/s%s" % (
                    tag, rep + 1, reps, step, s["mpps"] if "mpps" in s else s["mops"],
                    report.gbps(s.get("mpps", s.get("mops")), row.size),
                    "  %4.0f cyc/pkt" % s["cycles_per_pkt"] if "cycles_per_pkt" in s
                    else "  %4.0f cyc/op" % s["cycles_per_op"]))
        if "errors" in samples:
            samples["error"] = "; ".join(samples["errors"])[:300]
        if row.sas > 1 and samples.get("esphub"):
            samples["mem_per_sa"] = self.mem.get((row.algo, row.sas))
        self.results.append(report.summarize(row, samples))

    def memory(self, rows):
        """esphub's heap bytes per SA, once per (algorithm, SA count)."""
        self.mem = {}
        if self.o.no_memory:
            return
        for a in self.o.algos:
            for nsa in sorted(set(r.sas for r in rows if r.algo == a and r.sas > 1)):
                if nsa not in self.o.mem_sas:
                    continue
                try:
                    m = self.runner.memory_per_sa(a, nsa)
                except (RunError, RuntimeError) as e:
                    self.log("memory per SA %s %d: FAILED: %s" % (a, nsa, e))
                    continue
                self.mem[(a, nsa)] = m["heap_per_sa"]
                self.log("memory per SA, %s, %d SAs: %.0f B heap, %.0f B RSS" %
                         (a, nsa, m["heap_per_sa"], m["rss_per_sa"]))

    def run(self):
        self.setup()
        rows = self.rows()
        self.memory(rows)
        last = None
        for i, row in enumerate(rows, 1):
            if last is not None and (row.sas, row.size) != last and not self.o.keep_pcaps:
                self.traffic.release()
            last = (row.sas, row.size)
            self.run_row(i, len(rows), row)
        if not self.o.keep_pcaps:
            self.traffic.cleanup()
        self.finish()

    def finish(self):
        o = self.o
        load_after = sysinfo.other_load()
        ts = report.targets(self.results)
        text = "\n".join([report.table(self.results), "", report.targets_text(ts), "",
                          "Concurrent load before: " + sysinfo.load_text(self.load_before),
                          "Concurrent load after:  " + sysinfo.load_text(load_after),
                          "Kernel XFRM: " + sysinfo.kernel_esp()])
        print("\n" + text)
        report.write_json(o.json, self.results)
        report.write_csv(o.csv, self.results)
        charts = report.chart(o.chart, self.results, self.log)
        with open(os.path.join(o.out, "results.txt"), "w") as f:
            f.write(text + "\n")
        meta = {"profile": o.profile, "info": self.info,
                "secgw": self.secgw_bin, "repeats": o.repeats, "peer_repeats": o.peer_repeats,
                "warmup_s": o.warmup, "window_s": o.window, "worker_lcore": o.worker_lcore,
                "load_before": self.load_before, "load_after": load_after,
                "kernel_xfrm": sysinfo.kernel_esp(),
                "targets": [{"target": d, "value": v, "goal": g, "verdict": x}
                            for d, v, g, x in ts],
                "elapsed_s": round(time.monotonic() - self.t0, 1)}
        with open(os.path.join(o.out, "results-meta.json"), "w") as f:
            json.dump(meta, f, indent=1)
        self.log("wrote %s, %s, %s" % (o.json, o.csv, ", ".join(charts) or "no chart"))


def main(argv=None):
    o = parse_args(argv if argv is not None else sys.argv[1:])
    if os.geteuid() != 0:
        raise SystemExit("bench: DPDK needs root")

    def on_signal(signum, frame):
        # Unwinds through the running DpdkProc's context manager, which
        # stops that process and removes its files.
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        Bench(o).run()
    except KeyboardInterrupt as e:
        raise SystemExit("bench: interrupted (%s)" % (e or "SIGINT"))


if __name__ == "__main__":
    main()
