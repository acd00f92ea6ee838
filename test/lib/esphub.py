"""esphub under test: start it in a namespace, drive its CLI, read telemetry.

    from netns import Topology, main, check
    from esphub import Esphub

    with Topology() as t:
        hub = t.add_ns("hub")
        ...
        eh = Esphub(hub, CONFIG_TEXT)          # writes the config, starts, waits
        print(eh.cli("show port stats"))
        stats = eh.telemetry("/esphub/port_stats,0")
        eh.stop()                              # SIGTERM; checks it exited 0

Every DPDK command line carries --no-pci. Hugepages are used when enough are
free, --no-huge otherwise (see eal_memory_args).
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

from netns import check, wait_for

BUILD = os.environ.get("ESPHUB_BUILD") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build")
ESPHUB_BIN = os.path.join(BUILD, "app", "esphub", "esphub")
PROMPT = b"esphub> "


def hugepages_free_mb():
    """Free 2 MiB hugepages in MiB, 0 if none or hugetlbfs is not mounted."""
    try:
        with open("/proc/mounts") as f:
            if not any(" hugetlbfs " in line for line in f):
                return 0
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["HugePages_Free"].split()[0]) * \
            int(info["Hugepagesize"].split()[0]) // 1024
    except (OSError, KeyError, ValueError):
        return 0


def eal_memory_args(need_mb=256):
    """EAL memory options: hugepages when enough are free, else --no-huge."""
    if hugepages_free_mb() >= need_mb:
        return []
    return ["--no-huge", "-m", str(max(need_mb, 512))]


def lcore_args(workers):
    """-l 0-N when the host has a CPU per lcore; else lcores share CPUs
    (--lcores i@cpu), so a 2-CPU machine can still run 2 workers."""
    cpus = os.cpu_count() or 1
    if workers + 1 <= cpus:
        return ["-l", "0-%d" % workers]
    return ["--lcores", ",".join("%d@%d" % (i, i % cpus) for i in range(workers + 1))]


class CliSession:
    """One connection to esphub's CLI socket (a cmdline session)."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self._read_to_prompt()

    def _read_to_prompt(self):
        buf = b""
        while not buf.endswith(PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf

    def run(self, command):
        """Run one command line; returns its output (the echo removed)."""
        self.sock.sendall(command.encode() + b"\n")
        out = self._read_to_prompt().decode(errors="replace").replace("\r", "")
        if out.endswith(PROMPT.decode()):
            out = out[:-len(PROMPT)]
        lines = out.split("\n")
        if lines and lines[0].strip() == command.strip():
            lines = lines[1:]
        return "\n".join(lines)

    def close(self):
        self.sock.close()


class Esphub:
    """esphub running in namespace ns with the given configuration text."""

    def __init__(self, ns, config, workers=1, name="esphub", cmdline_file=None,
                 extra_args=(), start=True, timeout=30.0, lcores=None):
        self.ns = ns
        self.topo = ns.topo
        self.name = name
        self.workers = workers
        self.config_path = self.topo.path("%s.conf" % name)
        # The tests' peers share this machine's few CPUs with esphub's
        # workers: let idle workers sleep unless the test says otherwise.
        if "idle_sleep_us" not in config:
            config += "\nidle_sleep_us = 50;\n"
        with open(self.config_path, "w") as f:
            f.write(config)
        self.cli_path = self.topo.path("%s.sock" % name)
        # The file prefix names the EAL runtime dir (telemetry socket).
        self.prefix = "%s-%s" % (self.topo.prefix, name)
        lc = ["--lcores", lcores] if lcores else lcore_args(workers)
        self.argv = [ESPHUB_BIN] + lc + ["--no-pci",
                     "--file-prefix", self.prefix, "--log-level", "lib.eal:warning"]
        self.argv += eal_memory_args()
        self.argv += ["--", "-f", self.config_path, "--cli-socket", self.cli_path]
        if cmdline_file:
            self.argv += ["--cmdline-file", cmdline_file]
        self.argv += list(extra_args)
        self.proc = None
        self._session = None
        if start:
            self.start(timeout)

    def start(self, timeout=30.0):
        self.proc = self.ns.start(self.name, self.argv, log=r"esphub: started:",
                                  timeout=timeout)
        return self

    @property
    def telemetry_path(self):
        return "/var/run/dpdk/%s/dpdk_telemetry.v2" % self.prefix

    def cli(self, command):
        """Output of one CLI command (one persistent session)."""
        if self._session is None:
            self._session = CliSession(self.cli_path)
        return self._session.run(command)

    def telemetry(self, command):
        """One telemetry request; returns the value under the command's key."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(5.0)
        try:
            s.connect(self.telemetry_path)
            s.recv(16384)                      # the greeting
            s.send(command.encode())
            reply = json.loads(s.recv(1 << 20).decode())
        finally:
            s.close()
        return reply[command.split(",", 1)[0]]

    def port_stats(self, port):
        return self.telemetry("/esphub/port_stats,%d" % port)

    def drops(self):
        return self.telemetry("/esphub/drops")

    def worker_stats(self):
        return self.telemetry("/esphub/worker_stats")

    def wait_rx(self, port, packets, timeout=10.0):
        """Wait until the workers received at least packets on port."""
        return wait_for(lambda: self.port_stats(port)["worker_rx_packets"] >= packets,
                        timeout, 0.1, "esphub port %d to receive %d packets" %
                        (port, packets))

    def stop(self, timeout=15.0):
        """SIGTERM, wait; checks a clean exit (0). Returns the exit code."""
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.proc is None or not self.proc.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except Exception:
            self.proc.stop(1.0)
        rc = self.proc.returncode
        check(rc == 0, "esphub exits cleanly on SIGTERM", "exit code %s" % rc)
        return rc


def cli_table_value(text, row, column=0):
    """In CLI output, the column-th number on the first line starting with row."""
    for line in text.splitlines():
        words = line.split()
        if words and line.strip().startswith(row):
            nums = [w for w in words[len(row.split()):] if re.fullmatch(r"\d+", w)]
            if len(nums) > column:
                return int(nums[column])
    raise KeyError("no row %r in:\n%s" % (row, text))


# net_pcap gives its n-th instance in a process this MAC.
def pcap_mac(n):
    return "02:70:63:61:70:%02x" % n


def pcap_frames(path):
    """Raw frames of a pcap file (sorted: outputs interleave), [] if empty."""
    from scapy.all import raw, rdpcap
    return sorted(raw(p) for p in rdpcap(path)) if os.path.getsize(path) > 24 else []


def run_pcap(config, inputs, commands=(), workers=1, settle=None):
    """Run esphub once over net_pcap ports.

    config: text with %(d)s where the port files live: port n reads
    %(d)s/in<n>.pcap and writes %(d)s/out<n>.pcap. inputs: per port, a list
    of scapy frames. Waits until every input frame was received (and
    settle(cli) is true, if given), runs commands, stops esphub with
    SIGTERM. Returns (outputs: per port sorted raw frames, {command: output},
    esphub's log)."""
    from scapy.all import wrpcap
    with tempfile.TemporaryDirectory(prefix="esphub-pcap-") as d:
        for n, frames in enumerate(inputs):
            wrpcap("%s/in%d.pcap" % (d, n), frames)
        with open(d + "/esphub.conf", "w") as f:
            f.write(config % {"d": d})
        sock = d + "/cli.sock"
        argv = [ESPHUB_BIN, "-l", "0-%d" % workers, "--no-pci", "--file-prefix",
                "pcap%d" % os.getpid(), "--log-level", "lib.eal:warning"] + \
            eal_memory_args() + ["--", "-f", d + "/esphub.conf", "--cli-socket", sock]
        log = open(d + "/esphub.log", "w+")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        results = {}
        try:
            wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 30, 0.1,
                     "esphub to start")
            if p.poll() is not None:
                raise RuntimeError("esphub exited at start (%s)" % p.returncode)
            cli = CliSession(sock)
            want = sum(len(x) for x in inputs)
            wait_for(lambda: _rx_total(cli) >= want, 20, 0.1,
                     "all %d input frames received" % want)
            if settle:
                wait_for(lambda: settle(cli), 20, 0.1, "esphub to settle")
            for c in commands:
                results[c] = cli.run(c)
            cli.close()
        finally:
            p.send_signal(signal.SIGTERM)
            rc = p.wait(30)
            log.seek(0)
            text = log.read()
        check(rc == 0, "esphub exits cleanly", text)
        outs = [pcap_frames("%s/out%d.pcap" % (d, n)) for n in range(len(inputs))]
        return outs, results, text


def _rx_total(cli):
    total = 0
    for line in cli.run("show port stats").splitlines():
        if line.strip().startswith("worker-pkts"):
            total += int(line.split()[1])
    return total


def drop_count(show_drops, reason):
    """Packets under stage/name (e.g. "esp-in/bad-icv") in "show drops" output."""
    stage, name = reason.split("/")
    for line in show_drops.splitlines():
        if line.split()[:2] == [stage, name]:
            return int(line.split()[2])
    return 0
