"""Running one DPDK process for a measurement, and reading its telemetry.

A DpdkProc is started with its own --file-prefix, its output goes to a log
file, and it is stopped by PID (SIGTERM, then SIGKILL after a grace
period). Its EAL runtime directory and any hugepage files left under its
prefix are removed afterwards, so a crashed run cannot pin hugepages.
"""

import ctypes
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

RUNTIME = "/var/run/dpdk"


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


def hugetlbfs_dirs():
    try:
        with open("/proc/mounts") as f:
            return [line.split()[1] for line in f if " hugetlbfs " in line]
    except OSError:
        return []


def eal_memory_args(need_mb, huge):
    """EAL memory options: hugepages (huge=True) or --no-huge with need_mb."""
    if huge:
        return []
    return ["--no-huge", "-m", str(max(need_mb, 512))]


def _die_with_parent():
    """In the child: SIGTERM when the harness dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def cleanup_stale(tag):
    """Remove runtime dirs and hugepage files of dead harness runs.

    Prefixes are "<tag><pid>-...": only those whose pid no longer exists.
    """
    pat = re.compile(re.escape(tag) + r"(\d+)-")
    dirs = [RUNTIME] + hugetlbfs_dirs()
    for d in dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            m = pat.match(name)
            if not m or os.path.exists("/proc/%s" % m.group(1)):
                continue
            path = os.path.join(d, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass


class TelemetryError(Exception):
    pass


class Telemetry:
    """DPDK telemetry v2 client (one connection per request: simple, robust)."""

    def __init__(self, prefix):
        self.path = os.path.join(RUNTIME, prefix, "dpdk_telemetry.v2")

    def ready(self):
        return os.path.exists(self.path)

    def get(self, command, timeout=5.0):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(timeout)
        try:
            s.connect(self.path)
            s.recv(16384)                               # greeting
            s.send(command.encode())
            reply = json.loads(s.recv(1 << 20).decode())
        except (OSError, ValueError) as e:
            raise TelemetryError("%s: %s" % (command, e))
        finally:
            s.close()
        value = reply.get(command.split(",", 1)[0])
        if value is None:
            raise TelemetryError("%s: no data (%s)" % (command, reply))
        return value


class DpdkProc:
    """One DPDK program run: start, wait, stop, clean up."""

    def __init__(self, argv, prefix, log_path):
        self.argv = argv
        self.prefix = prefix
        self.log_path = log_path
        self.proc = None
        self.tel = Telemetry(prefix)

    def start(self):
        self.log = open(self.log_path, "w")
        self.log.write("# " + " ".join(self.argv) + "\n")
        self.log.flush()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def wait_ready(self, timeout):
        """Wait for the telemetry socket; False if the process died first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            if self.tel.ready():
                return True
            time.sleep(0.05)
        return False

    def stop(self, grace=10.0):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.cleanup()
        return self.proc.returncode

    def cleanup(self):
        shutil.rmtree(os.path.join(RUNTIME, self.prefix), ignore_errors=True)
        for d in hugetlbfs_dirs():
            for f in glob.glob(os.path.join(d, self.prefix + "map_*")):
                try:
                    os.unlink(f)
                except OSError:
                    pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
