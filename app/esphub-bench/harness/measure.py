"""One timed measurement of a running forwarder, from its counters.

The process replays its pcap forever (net_pcap infinite_rx), so it is
saturated from the first burst: wait until packets leave, let it warm up,
then read the counters at t0 and t1 over telemetry. Rates come from packet
deltas over wall-clock time; cycles per packet from the worker's own TSC
counters when it has them (esphub), else from TSC frequency x time /
packets (the peer's worker lcore busy-polls at 100 %, so every TSC cycle
is its).

On a shared machine the worker is sometimes not on its core for part of
the window (another program, the hypervisor). That is measured, not
guessed: the worker thread's on-CPU time (/proc/PID/task/TID/schedstat)
over the window gives cpu_share; the caller retries a run whose share is
too low instead of averaging a stall into the figures.
"""

import os
import time

from dpdk import TelemetryError


class RunError(Exception):
    pass


class Disturbed(RunError):
    """The worker did not have its core for (part of) the window."""


class Counters:
    """How to read one program's counters over telemetry."""

    def __init__(self, out_cmd, out_key, in_cmd, in_key, worker_cmd=None, drops_cmd=None,
                 nat_cmd=None):
        self.out_cmd, self.out_key = out_cmd, out_key
        self.in_cmd, self.in_key = in_cmd, in_key
        self.worker_cmd = worker_cmd
        self.drops_cmd = drops_cmd
        self.nat_cmd = nat_cmd

    def _work(self, tel, s):
        if self.worker_cmd:
            s["worker"] = dict(tel.get(self.worker_cmd))
            if self.nat_cmd:
                s["worker"].update(("nat_" + k, v) for k, v in tel.get(self.nat_cmd).items()
                                   if isinstance(v, int))
        if self.drops_cmd:
            s["drops"] = tel.get(self.drops_cmd)

    def read(self, tel, first=True):
        """Counters now. The work counters (what the worker did) are read
        before the packet counters at t0 and after them at t1, so their
        window covers the packet window: a check "every packet sent was
        encrypted" then cannot fail on read skew, only on missing work."""
        s = {}
        if first:
            self._work(tel, s)
        t = time.monotonic()
        s["out"] = tel.get(self.out_cmd)[self.out_key]
        s["in"] = tel.get(self.in_cmd)[self.in_key]
        s["t"] = (t + time.monotonic()) / 2
        if not first:
            self._work(tel, s)
        return s


def esphub_counters(in_port, out_port, nat=False):
    return Counters("/esphub/port_stats,%d" % out_port, "tx_packets",
                    "/esphub/port_stats,%d" % in_port, "rx_packets",
                    "/esphub/worker_stats", "/esphub/drops",
                    "/esphub/nat_stats" if nat else None)


def ethdev_counters(in_port, out_port):
    return Counters("/ethdev/stats,%d" % out_port, "opackets",
                    "/ethdev/stats,%d" % in_port, "ipackets")


def worker_thread(pid, lcore):
    """TID of EAL's thread for lcore, or None. DPDK 22.11 names it
    rte-worker-N (later releases lcore-worker-N)."""
    names = ("rte-worker-%d" % lcore, "lcore-worker-%d" % lcore)
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() in names:
                    return int(tid)
    except OSError:
        pass
    return None


def cpu_ns(pid, tid):
    """Nanoseconds the thread has been on a CPU, or None."""
    try:
        with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError, TypeError):
        return None


def wait_flowing(proc, counters, timeout):
    """Until the first packets leave; RunError with the log if never."""
    deadline = time.monotonic() + timeout
    if not proc.wait_ready(timeout):
        raise RunError("did not start:\n" + proc.log_tail())
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RunError("exited:\n" + proc.log_tail())
        try:
            if counters.read(proc.tel)["out"] > 0:
                return
        except TelemetryError:
            pass
        time.sleep(0.05)
    raise RunError("no packet left in %.0f s:\n%s" % (timeout, proc.log_tail()))


def sample(proc, counters, warmup, window, tsc_hz, start_timeout=60.0, lcore=1,
           min_cpu_share=0.9, retries=2, log=None):
    """Warm up, then measure over window seconds; returns a result dict.
    A window in which the worker was off its core too long is measured
    again in the same process, up to retries times; then Disturbed."""
    wait_flowing(proc, counters, start_timeout)
    start_s = time.monotonic() - proc.started
    time.sleep(warmup)
    tid = worker_thread(proc.proc.pid, lcore)
    for attempt in range(retries + 1):
        c0 = cpu_ns(proc.proc.pid, tid)
        a = counters.read(proc.tel, first=True)
        time.sleep(window)
        b = counters.read(proc.tel, first=False)
        c1 = cpu_ns(proc.proc.pid, tid)
        if not proc.alive():
            raise RunError("exited during the measurement:\n" + proc.log_tail())
        dt = b["t"] - a["t"]
        share = (c1 - c0) / (dt * 1e9) if c0 is not None and c1 is not None else None
        pkts = b["out"] - a["out"]
        if (share is None or share >= min_cpu_share) and pkts > 0:
            break
        why = "worker on its core %s of the window, %d packets" % (
            "%.0f %%" % (share * 100) if share is not None else "?", pkts)
        if attempt == retries:
            raise Disturbed(why)
        if log:
            log("  disturbed (%s); measuring again" % why)
    r = {"seconds": dt, "packets": pkts, "mpps": pkts / dt / 1e6, "start_s": start_s,
         "in_mpps": (b["in"] - a["in"]) / dt / 1e6, "cpu_share": share,
         "attempts": attempt + 1}
    if "worker" in a:
        w = {k: b["worker"][k] - a["worker"].get(k, 0) for k in b["worker"]}
        r["cycles_per_pkt"] = w["busy_cycles"] / pkts
        r["busy"] = w["busy_cycles"] / w["total_cycles"] if w["total_cycles"] else 0.0
        # What the worker did to the packets it sent, per packet sent.
        r["work"] = {k: w[k] / pkts for k in ("forwarded", "esp_encrypted",
                                               "esp_decrypted", "nat_out_translated")
                     if k in w}
    else:
        r["cycles_per_pkt"] = tsc_hz * dt / pkts
    if "drops" in a:
        d = {k: b["drops"][k] - a["drops"].get(k, 0) for k in b["drops"]}
        r["drops"] = {k: v for k, v in d.items() if v}
    return r
