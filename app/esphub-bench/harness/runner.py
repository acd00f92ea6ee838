"""Runs of the three measured things for one row: esphub, the peer in one
mode, and the raw crypto ceiling; plus esphub's memory per SA."""

import json
import os
import subprocess
import time

import esphub
import measure
import secgw
from dpdk import DpdkProc, eal_memory_args, hugepages_free_mb
from plan import DIRECTIONS, read_sites

# The worker counter that proves each packet sent had the row's treatment.
WORK = {"outbound": ("esp_encrypted",), "inbound": ("esp_decrypted",),
        "inbound-snat": ("esp_decrypted", "nat_out_translated"), "forward": ("forwarded",)}
MBUF_EXTRA = 32768          # beyond the pcap's packets, which net_pcap holds
MBUF_MB = 2.6 / 1024        # MiB per mbuf (2 KiB data room + headroom + header)


class Runner:
    def __init__(self, opts, esphub_bin, tool_bin, secgw_bin, traffic, tsc_hz, log):
        self.o = opts
        self.esphub_bin = esphub_bin
        self.tool = tool_bin
        self.secgw_bin = secgw_bin
        self.traffic = traffic
        self.tsc_hz = tsc_hz
        self.log = log
        self.n = 0
        self.runs = os.path.join(traffic.dir, "runs")
        os.makedirs(self.runs, exist_ok=True)
        self._sites = {}
        self._mem_row = (None, None)

    def _prefix(self, what):
        self.n += 1
        return "ebench%d-%s%d" % (os.getpid(), what, self.n)

    def sites(self, algo, n):
        key = (algo, n)
        if key not in self._sites:
            self._sites.clear()                       # keep one big list at a time
            self._sites[key] = read_sites(self.traffic.sites(algo, n))
        return self._sites[key]

    def inputs(self, row, ref=False):
        """The row's pcap; ref: the same flows and packet count from one site
        (so that only the number of SAs differs from the row's own)."""
        kind = DIRECTIONS[row.direction][1]
        pcap = self.traffic.pcap(kind, row.size, row.sas, row.algo)
        if not ref:
            return pcap
        return self.traffic.pcap(kind, row.size, 1, row.algo, flows=pcap[1]["flows"],
                                 packets=pcap[1]["packets"])

    def memory(self, row):
        """(mbufs, MiB needed, use hugepages) for this row's runs, decided
        once per row so that esphub and the peer run alike."""
        if self._mem_row[0] != row.key:
            _, info = self.inputs(row)
            mbufs = info["packets"] + MBUF_EXTRA
            need = int(mbufs * MBUF_MB) + 256
            huge = not self.o.no_huge and hugepages_free_mb() >= need + 64
            self._mem_row = (row.key, (mbufs, need, huge))
        return self._mem_row[1]

    def _sample(self, argv, prefix, counters, after=None):
        """One run of a DPDK program; its window is measured again when the
        worker was off its core (measure.sample(), --retries)."""
        proc = DpdkProc(argv, prefix, os.path.join(self.runs, prefix + ".log"))
        with proc:
            r = measure.sample(proc, counters, self.o.warmup, self.o.window, self.tsc_hz,
                               self.o.start_timeout, self.o.worker_lcore,
                               self.o.min_cpu_share, self.o.retries, self.log)
            if after:
                after(proc, r)
        if proc.proc.returncode not in (0, None):
            r["exit_code"] = proc.proc.returncode
        if not self.o.keep_logs:
            try:
                os.unlink(proc.log_path)
            except OSError:
                pass
        return r

    def _with_memory(self, row, fn):
        """fn(mbufs, need_mb, huge); once more without hugepages if they ran
        out (other programs on the machine may hold some meanwhile)."""
        mbufs, need, huge = self.memory(row)
        try:
            return fn(mbufs, need, huge)
        except measure.RunError as e:
            text = str(e).lower()
            if not huge or not any(w in text for w in ("memory", "hugepage", "alloc")):
                raise
            self.log("%s: retrying without hugepages (%s)" % (row, str(e).split("\n")[-1]))
            return fn(mbufs, need, False)

    def esphub(self, row, ref=False):
        """esphub on the row's traffic; ref: on its one-site twin (inputs())."""
        return self._with_memory(row, lambda m, n, h: self._esphub(row, m, n, h, ref))

    def peer(self, row, mode):
        return self._with_memory(row, lambda m, n, h: self._peer(row, mode, m, n, h))

    def _esphub(self, row, mbufs, need, huge, ref=False):
        pcap, _ = self.inputs(row, ref)
        prefix = self._prefix("e")
        cfg = os.path.join(self.runs, prefix + ".conf")
        sites = self.sites(row.algo, 1 if ref else row.sas) if row.algo != "none" else None
        esphub.write_config(cfg, row.direction, row.algo, sites, pcap, mbufs)
        argv = esphub.argv(self.esphub_bin, prefix, eal_memory_args(need, huge), cfg,
                           self.o.worker_lcore)
        in_port, out_port = esphub.ports(row.direction)
        try:
            r = self._sample(argv, prefix,
                             measure.esphub_counters(in_port, out_port,
                                                     nat=row.direction == "inbound-snat"),
                             _sa_memory if sites else None)
        finally:
            if not self.o.keep_logs:
                os.unlink(cfg)
        r["hugepages"] = huge
        # Count only what was really done: outbound packets must have been
        # encrypted (cleartext to a branch would be routed out too), SNAT
        # rows translated (the worker's NAT counter, whatever its name).
        for want in WORK[row.direction]:
            work = r.get("work", {})
            done = work.get(want, 0.0)
            if done < 0.99:
                raise measure.RunError("only %.1f %% of the packets sent were counted "
                                       "as %s" % (done * 100, want))
        return r

    def _peer(self, row, mode, mbufs, need, huge):
        pcap, _ = self.inputs(row)
        prefix = self._prefix("p")
        cfg = os.path.join(self.runs, prefix + ".cfg")
        secgw.write_config(cfg, row.direction, row.algo, self.sites(row.algo, row.sas), mode)
        argv = secgw.argv(self.secgw_bin, prefix, eal_memory_args(need, huge), pcap, cfg,
                          row.direction, mbufs, self.o.worker_lcore)
        try:
            r = self._sample(argv, prefix, measure.ethdev_counters(secgw.INPUT_PORT,
                                                                   secgw.OUTPUT_PORT))
        finally:
            if not self.o.keep_logs:
                os.unlink(cfg)
        r["hugepages"] = huge
        return r

    def ceiling(self, row):
        op = DIRECTIONS[row.direction][0]
        argv = [self.tool, "ceiling", "--algo", row.algo, "--dir", op, "--sizes", row.size,
                "--cpu", str(self.o.worker_lcore), "--seconds", str(self.o.ceiling_seconds)]
        for attempt in range(self.o.retries + 1):
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                raise measure.RunError("ceiling: " + r.stderr.strip())
            c = json.loads(r.stdout.splitlines()[-1])
            if c.get("cpu_share", 1.0) >= self.o.min_cpu_share:
                break
            if attempt == self.o.retries:
                raise measure.Disturbed("ceiling on its core %.0f %% of the time"
                                        % (c["cpu_share"] * 100))
            self.log("  ceiling disturbed (%.0f %% on its core); again" % (c["cpu_share"] * 100))
        c["attempts"] = attempt + 1
        return c

    def memory_per_sa(self, algo, n, base=1):
        """Heap bytes per SA: esphub idle with n sites minus with base sites.

        Both ports are net_null without RX, so nothing but the SAs differs
        between the two runs. DPDK heap (rte_malloc: tables, sessions,
        replay windows) from /eal/heap_info,0, plus the process's own RSS
        for what the C heap holds.
        """
        vals = []
        for count in (base, n):
            prefix = self._prefix("m")
            cfg = os.path.join(self.runs, prefix + ".conf")
            esphub.write_config(cfg, "outbound", algo, self.sites(algo, count), None, 8192,
                                tight=True)
            need = 512
            argv = esphub.argv(self.esphub_bin, prefix,
                               eal_memory_args(need, hugepages_free_mb() >= need + 64), cfg,
                               self.o.worker_lcore)
            proc = DpdkProc(argv, prefix, os.path.join(self.runs, prefix + ".log"))
            with proc:
                if not proc.wait_ready(self.o.start_timeout):
                    raise measure.RunError("esphub did not start:\n" + proc.log_tail())
                self._wait_started(proc)
                heap = proc.tel.get("/eal/heap_info,0")["Alloc_size"]
                rss = _rss_bytes(proc.proc.pid)
                crypto = proc.tel.get("/esphub/crypto")
            os.unlink(cfg)
            vals.append((heap, rss, crypto["sas"], crypto["sa_memory_bytes"]))
        (h0, r0, s0, m0), (h1, r1, s1, m1) = vals
        if s1 <= s0:
            raise measure.RunError("esphub reports %d SAs with %d sites" % (s1, n))
        # Per SA as esphub counts them: each site has an inbound and an outbound SA.
        return {"heap_per_sa": (h1 - h0) / (s1 - s0), "rss_per_sa": (r1 - r0) / (s1 - s0),
                "reported_per_sa": m1 / s1 if s1 else None, "sas": s1}

    def _wait_started(self, proc):
        deadline = time.monotonic() + self.o.start_timeout
        while time.monotonic() < deadline:
            try:
                proc.tel.get("/esphub/info")
                return
            except Exception:
                time.sleep(0.1)
        raise measure.RunError("esphub telemetry never answered")


def _sa_memory(proc, r):
    """esphub's own account of its SA memory (/esphub/crypto), per SA."""
    try:
        c = proc.tel.get("/esphub/crypto")
        if c.get("sas"):
            r["sa_memory_per_sa"] = c["sa_memory_bytes"] / c["sas"]
    except Exception:                 # older esphub: no such endpoint
        pass


def _rss_bytes(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
