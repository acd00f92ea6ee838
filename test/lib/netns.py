"""Network-namespace test toolkit for esphub (stdlib only).

A test builds its own little network out of namespaces and veth pairs, runs
real programs inside it, checks what they do, and tears everything down again:

    from netns import Topology, main, check, skip

    def test():
        with Topology() as t:                       # name = script name
            a = t.add_ns("a")
            b = t.add_ns("b", forward=True)
            t.link(a, b, "10.0.0.1/24", "10.0.0.2/24")
            check(a.ping("10.0.0.2").loss == 0, "a reaches b")
            srv = b.start("sink", ["/usr/bin/python3", "-m", "http.server", "8000"],
                          tcp=8000)                 # wait until it listens
            ...

    main(test)                                      # exit 0 / 1 / 77

Guarantees:
- Every namespace is named "eh-<test>-<pid>-<node>": unique per run, and a
  run finds and removes what dead runs of the same test left behind (their
  processes are recorded in /run/esphub-test/<prefix>.json).
- Every process started here is a direct child (``ip netns exec`` execs, so
  the recorded PID is the program's own), gets PR_SET_PDEATHSIG=SIGKILL, and
  is stopped by PID (SIGTERM, then SIGKILL) when the topology closes: on
  normal exit, on exceptions, on SIGINT/SIGTERM/SIGHUP of the test and at
  interpreter exit.  Nothing this module did not start is ever signalled,
  except processes found inside namespaces this run (or a dead run of the
  same test) created.
- Both ends of every veth get checksum/segmentation offloads switched off
  (userspace readers such as net_af_packet otherwise see partial checksums).
- stdout/stderr of every process go to <log_dir>/<node>.<name>.{out,err};
  on failure ``main`` prints the tail of every log of every process.

Exit codes: 0 pass, 1 fail, 77 skip (meson's convention); the reason of a
skip is printed on stdout.

API (details in each docstring):
  main(fn, *args)                 run a test function, exit 0/1/77, logs on failure
  check(cond, what, detail)       print ok/FAIL, remember failures, go on
  require(cond, what, detail)     check, and stop the test on failure
  skip(reason) / skip_part(part, reason)   whole test exits 77 / report a part
  require_root(), require_tools(*names), wait_for(fn, timeout, ...), dump_logs()
  Topology(name=None, log_dir=None, ipv6=False)       context manager
    .add_ns(node, forward=False) -> Namespace
    .link(a, b, addr_a, addr_b, dev_a, dev_b, mtu, master_a, master_b) -> (dev_a, dev_b)
    .wait_links(), .path(*parts), .log_dir, .close(), .dump_logs()
  Namespace: .name .node .run(cmd, timeout, check, ...) .start(name, argv, ...) -> Proc
    .ip(*args) .addr(dev, cidr) .route(dst, via, dev, src, table, metric)
    .add_bridge(name, cidr) .sysctl(key, value) .ping(dst, count, ...) -> PingResult
    .capture(dev, name, filter, tool) -> Capture .listening(port, proto) .pids()
  Proc: .pid .name .wait_ready(log/log_file/tcp/udp/unix/fn) .stop() .kill(sig)
    .send_signal(sig) .wait() .alive() .stdout() .stderr() .log_tail() .extra_logs
  tcp_transfer(src, dst, dst_addr, mbytes, port) -> TransferResult (.ok)
  UdpProbes(src, dst, dst_addr, port, rate, size, count) .start()/.stop() -> ProbeResult
    (.ok .sent .received .lost .duplicates .reordered)
  kernel_esp_available(ns) -> (bool, reason)
  cleanup_stale(test=None)        remove what dead runs left
"""

import atexit
import ctypes
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

__all__ = [
    "EXIT_PASS", "EXIT_FAIL", "EXIT_SKIP", "Fail", "CommandError", "ProcessDied",
    "skip", "skip_part", "check", "require", "main", "wait_for",
    "require_root", "require_tools", "dump_logs", "cleanup_stale",
    "Topology", "Namespace", "Proc", "Capture", "PingResult",
    "TransferResult", "tcp_transfer", "UdpProbes", "ProbeResult", "last_json",
    "kernel_esp_available",
]

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77
PYTHON = "/usr/bin/python3"
STATE_DIR = "/run/esphub-test"
NS_PREFIX = "eh-"
AGENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "netagent.py")


# --------------------------------------------------------------------------
# Test-framework glue

class Fail(Exception):
    """A fatal test failure (raised by require())."""


class CommandError(Exception):
    """A command run with check=True failed; message has its output."""


class ProcessDied(Exception):
    """A started process exited while we waited for it to become ready."""


_failures = []
_all_procs = []          # every Proc of this interpreter, for dump_logs()


def skip(reason):
    """Skip the whole test: print the reason, exit 77 (cleanup still runs)."""
    print("SKIP: %s" % reason, flush=True)
    raise SystemExit(EXIT_SKIP)


def skip_part(part, reason):
    """Report that one part of a test cannot run here; the test goes on."""
    print("SKIP (%s): %s" % (part, reason), flush=True)


def check(cond, what, detail=None):
    """Print 'ok - what' or 'FAIL - what: detail'; a failure fails the test
    at the end but does not stop it.  Returns bool(cond)."""
    if cond:
        print("ok   - %s" % what, flush=True)
        return True
    msg = what if detail is None else "%s: %s" % (what, detail)
    print("FAIL - %s" % msg, flush=True)
    _failures.append(msg)
    return False


def require(cond, what, detail=None):
    """Like check(), but a failure stops the test (raises Fail)."""
    if not check(cond, what, detail):
        raise Fail(what)


def require_root():
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")


def require_tools(*tools):
    """Skip unless every tool (name on PATH or absolute path) exists."""
    for tool in tools:
        if not (os.access(tool, os.X_OK) if os.path.isabs(tool) else shutil.which(tool)):
            skip("%s is not installed" % tool)


def dump_logs(lines=40, file=None):
    """Print the last lines of every log of every process started so far."""
    out = file or sys.stdout
    for p in _all_procs:
        for path in p.log_files():
            if not os.path.exists(path) or os.path.getsize(path) == 0:
                continue
            print("----- %s (%s, pid %s) -----" % (path, p.name, p.pid), file=out)
            print(_tail(path, lines), file=out, flush=True)


def main(test_fn, *args):
    """Run test_fn(*args) and exit with 0 (all checks ok), 1 or 77.
    Prints log tails of all started processes when the test fails."""
    code = EXIT_PASS
    try:
        test_fn(*args)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else EXIT_FAIL
        if code not in (EXIT_PASS, EXIT_SKIP):
            print("FAIL: exit %s" % code, flush=True)
    except Fail as e:
        print("FAIL: stopped at: %s" % e, flush=True)
        code = EXIT_FAIL
    except KeyboardInterrupt:
        print("FAIL: interrupted", flush=True)
        code = EXIT_FAIL
    except BaseException:
        traceback.print_exc(file=sys.stdout)
        code = EXIT_FAIL
    _close_all()
    if _pending_exit and code == EXIT_PASS:
        code = EXIT_FAIL
    if code == EXIT_PASS and _failures:
        code = EXIT_FAIL
    if code not in (EXIT_PASS, EXIT_SKIP):
        if _failures:
            print("%d check(s) failed:" % len(_failures))
            for f in _failures:
                print("  - %s" % f)
        dump_logs()
    elif code == EXIT_PASS:
        print("PASS", flush=True)
    sys.stdout.flush()
    sys.exit(code)


def wait_for(fn, timeout=10.0, interval=0.1, what="condition"):
    """Poll fn() until it returns something truthy; return that value.
    Raises TimeoutError(what) after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


# --------------------------------------------------------------------------
# Small helpers

def _tail(path, lines):
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 256 * lines))
            data = f.read().decode(errors="replace")
    except OSError as e:
        return "(unreadable: %s)" % e
    return "\n".join(data.splitlines()[-lines:])


def _start_time(pid):
    """Kernel start time of pid (field 22 of /proc/pid/stat), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid, start):
    """pid is still the process that started at start (zombies count as dead:
    an orphan waits for PID 1 to reap it)."""
    if start is None or _start_time(pid) != start:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _sh(argv, timeout=15, check=True, input=None, env=None):
    r = subprocess.run(argv, input=input, capture_output=True, text=True,
                       timeout=timeout, env=env)
    if check and r.returncode != 0:
        raise CommandError("%s -> exit %d\n%s%s" % (shlex.join(argv), r.returncode,
                                                    r.stdout, r.stderr))
    return r


_libc = ctypes.CDLL(None, use_errno=True)


def _child_setup():
    # Runs in the child between fork and exec: die with the test process,
    # even if it is SIGKILLed and cannot clean up.  PR_SET_PDEATHSIG = 1.
    _libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def _test_name():
    base = os.path.basename(sys.argv[0] or "test")
    base = re.sub(r"\.py$", "", base)
    base = re.sub(r"^test_", "", base)
    return re.sub(r"[^a-z0-9_]", "_", base.lower())[:24] or "test"


def _ns_list():
    try:
        return sorted(os.listdir("/run/netns"))
    except FileNotFoundError:
        return []


def _ns_pids(ns):
    r = _sh(["ip", "netns", "pids", ns], check=False)
    return [int(x) for x in r.stdout.split() if x.isdigit()]


def _kill_pids(pids, timeout=3.0):
    """SIGTERM the (pid, start) pairs that still are those processes, then
    SIGKILL what is left.  Only used for processes this toolkit started."""
    live = [(p, s) for p, s in pids if _alive(p, s)]
    for p, _ in live:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while live and time.monotonic() < deadline:
        time.sleep(0.05)
        live = [(p, s) for p, s in live if _alive(p, s)]
    for p, _ in live:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _delete_ns(ns):
    _kill_pids([(p, _start_time(p)) for p in _ns_pids(ns)])
    _sh(["ip", "netns", "del", ns], check=False)


def cleanup_stale(test=None):
    """Remove namespaces, processes and state that dead runs left behind.
    test=None: of every esphub test; else only of that test name.
    Returns the list of namespaces removed."""
    removed = []
    os.makedirs(STATE_DIR, exist_ok=True)
    pat = "%s%s-" % (NS_PREFIX, test) if test else NS_PREFIX
    for path in glob.glob(os.path.join(STATE_DIR, pat + "*.json")):
        try:
            with open(path) as f:
                st = json.load(f)
        except (OSError, ValueError):
            st = None
        if st and _alive(st["owner_pid"], st["owner_start"]):
            continue
        if st:
            _kill_pids([(p["pid"], p["start"]) for p in st.get("procs", [])])
            for ns in st.get("namespaces", []):
                if ns in _ns_list():
                    _delete_ns(ns)
                    removed.append(ns)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    # Namespaces without a state file (crash between the two steps).
    rx = re.compile(r"^%s(%s)-(\d+)(?:\.\d+)?-" % (
        re.escape(NS_PREFIX), re.escape(test) if test else "[a-z0-9_]+"))
    ours = {n.name for t in _open_topologies for n in t.namespaces}
    for ns in _ns_list():
        m = rx.match(ns)
        if not m or ns in ours:
            continue
        owner = int(m.group(2))
        if owner != os.getpid() and _start_time(owner) is not None:
            continue        # owner may be alive: leave it alone
        _delete_ns(ns)
        removed.append(ns)
    return removed


# --------------------------------------------------------------------------
# Processes

class Proc:
    """A process started in a namespace.  Attributes: name, pid, argv, ns,
    out_path, err_path, extra_logs (other log files to show on failure)."""

    def __init__(self, ns, name, argv, popen, out_path, err_path):
        self.ns, self.name, self.argv = ns, name, argv
        self.popen, self.pid = popen, popen.pid
        self.start_time = _start_time(popen.pid)
        self.out_path, self.err_path = out_path, err_path
        self.extra_logs = []

    def __repr__(self):
        return "<Proc %s pid=%d in %s>" % (self.name, self.pid, self.ns.name)

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def log_files(self):
        return [self.out_path, self.err_path] + list(self.extra_logs)

    def stdout(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def log_tail(self, lines=40):
        return "\n".join("== %s ==\n%s" % (p, _tail(p, lines)) for p in self.log_files())

    def send_signal(self, sig):
        """Send sig if the process has not been reaped (so the PID is ours)."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def kill(self, sig=signal.SIGKILL):
        """Send sig (default SIGKILL) and reap; returns the exit status."""
        self.send_signal(sig)
        return self.popen.wait()

    def wait(self, timeout=None):
        """Wait for exit; returns the exit status (raises TimeoutExpired)."""
        return self.popen.wait(timeout)

    def stop(self, timeout=5.0, sig=signal.SIGTERM):
        """sig (SIGTERM), wait up to timeout, then SIGKILL; returns status."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        return self.popen.wait()

    def wait_ready(self, *, log=None, log_file=None, tcp=None, udp=None,
                   unix=None, fn=None, timeout=10.0):
        """Wait until every given condition holds:
        log: regex searched in log_file (default: stdout and stderr);
        tcp/udp: a port number listening inside the namespace;
        unix: a socket path as the process sees it (its mount namespace);
        fn: callable returning truthy.
        Raises ProcessDied if the process exits first, TimeoutError."""
        rx = re.compile(log) if log else None

        def ready():
            if self.popen.poll() is not None:
                raise ProcessDied("%s (pid %d) exited with %s while starting\n%s"
                                  % (self.name, self.pid, self.popen.returncode,
                                     self.log_tail(20)))
            if rx:
                files = [log_file] if log_file else [self.out_path, self.err_path]
                text = ""
                for path in files:
                    try:
                        with open(path, errors="replace") as f:
                            text += f.read()
                    except FileNotFoundError:
                        pass
                if not rx.search(text):
                    return False
            if tcp is not None and not self.ns.listening(tcp, "tcp"):
                return False
            if udp is not None and not self.ns.listening(udp, "udp"):
                return False
            if unix is not None and not _unix_ok("/proc/%d/root%s" % (self.pid, unix)):
                return False
            return not fn or bool(fn())

        try:
            return wait_for(ready, timeout, 0.05, "%s to become ready" % self.name)
        except TimeoutError as e:
            raise TimeoutError("%s\n%s" % (e, self.log_tail(20))) from None


def _unix_ok(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


class Capture:
    """A running tcpdump/tshark; stop() ends it and returns the pcap path."""

    def __init__(self, proc, path):
        self.proc, self.path = proc, path

    def stop(self, timeout=5.0):
        self.proc.stop(timeout, sig=signal.SIGINT)
        return self.path


class PingResult:
    def __init__(self, transmitted, received, output):
        self.transmitted, self.received, self.output = transmitted, received, output
        self.loss = 100.0 if not transmitted else 100.0 * (transmitted - received) / transmitted

    def __repr__(self):
        return "<ping %d/%d received, %.0f%% loss>" % (self.received, self.transmitted, self.loss)


# --------------------------------------------------------------------------
# Namespaces and topology

_MOUNT_SCRIPT = r'''
set -e
if [ -n "$EH_PRIVATE_RUN" ]; then
    mount -t tmpfs -o mode=0755 eh-run /run
    [ -L /var/run ] || mount -t tmpfs -o mode=0755 eh-varrun /var/run
fi
if [ -n "$EH_RESOLV" ]; then
    t=$(readlink -m /etc/resolv.conf)
    mkdir -p "$(dirname "$t")"; [ -e "$t" ] || : > "$t"
    mount --bind "$EH_RESOLV" "$t"
fi
while [ -n "$EH_BINDS" ]; do
    pair=${EH_BINDS%%;*}; EH_BINDS=${EH_BINDS#"$pair"}; EH_BINDS=${EH_BINDS#;}
    src=${pair%%=*}; dst=${pair#*=}
    [ -d "$src" ] && mkdir -p "$dst" || { mkdir -p "$(dirname "$dst")"; [ -e "$dst" ] || : > "$dst"; }
    mount --bind "$src" "$dst"
done
unset EH_PRIVATE_RUN EH_RESOLV EH_BINDS
exec "$@"
'''


class Namespace:
    """One network namespace of a Topology.  name: full netns name,
    node: the short name given to Topology.add_ns()."""

    def __init__(self, topo, node, name):
        self.topo, self.node, self.name = topo, node, name

    def __repr__(self):
        return "<Namespace %s>" % self.name

    def _wrap(self, argv, private_run, resolv_conf, binds, env):
        """argv to run argv inside this namespace, PID-preserving (all exec)."""
        argv = [str(a) for a in argv]
        env = dict(os.environ, **(env or {}))
        if private_run or resolv_conf or binds:
            env["EH_PRIVATE_RUN"] = "1" if private_run else ""
            env["EH_RESOLV"] = os.path.abspath(resolv_conf) if resolv_conf else ""
            env["EH_BINDS"] = ";".join("%s=%s" % (os.path.abspath(s), d) for s, d in (binds or []))
            argv = ["unshare", "--mount", "--propagation", "private",
                    "/bin/sh", "-c", _MOUNT_SCRIPT, "eh-mounts"] + argv
        return ["ip", "netns", "exec", self.name] + argv, env

    def run(self, cmd, timeout=10.0, check=True, input=None, env=None,
            private_run=False, resolv_conf=None, binds=None):
        """Run cmd (argv list, or a string for /bin/sh -c) in the namespace;
        returns subprocess.CompletedProcess with text stdout/stderr.
        check=True raises CommandError on non-zero exit.  On timeout the
        command is killed and subprocess.TimeoutExpired is raised."""
        if isinstance(cmd, str):
            cmd = ["/bin/sh", "-c", cmd]
        argv, env = self._wrap(cmd, private_run, resolv_conf, binds, env)
        r = subprocess.run(argv, input=input, capture_output=True, text=True,
                           timeout=timeout, env=env, preexec_fn=_child_setup)
        if check and r.returncode != 0:
            raise CommandError("[%s] %s -> exit %d\n%s%s" % (
                self.node, shlex.join(cmd), r.returncode, r.stdout, r.stderr))
        return r

    def start(self, name, argv, *, env=None, cwd=None, private_run=False,
              resolv_conf=None, binds=None, stdin=None, timeout=10.0, **ready):
        """Start argv in the namespace as process 'name' and return its Proc.
        The PID is the program's own.  private_run: a fresh tmpfs on /run
        (and /var/run) in a private mount namespace; resolv_conf: a file
        bind-mounted on /etc/resolv.conf; binds: [(host_path, path)] more
        bind mounts.  Readiness keywords (log=, log_file=, tcp=, udp=,
        unix=, fn=) are passed to Proc.wait_ready(timeout=timeout)."""
        t = self.topo
        base = os.path.join(t.log_dir, "%s.%s" % (self.node, name))
        n = 1
        while os.path.exists(base + ".out"):
            n += 1
            base = os.path.join(t.log_dir, "%s.%s.%d" % (self.node, name, n))
        argv_full, env = self._wrap(argv, private_run, resolv_conf, binds, env)
        with open(base + ".out", "wb") as out, open(base + ".err", "wb") as err:
            popen = subprocess.Popen(argv_full, stdout=out, stderr=err, env=env, cwd=cwd,
                                     stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                     preexec_fn=_child_setup)
        p = Proc(self, name, list(argv), popen, base + ".out", base + ".err")
        t._add_proc(p)
        if ready:
            p.wait_ready(timeout=timeout, **ready)
        return p

    def listening(self, port, proto="tcp"):
        """True if something listens on port (tcp) / is bound to it (udp)."""
        flag = "-Hltn" if proto == "tcp" else "-Hlun"
        r = _sh(["ip", "netns", "exec", self.name, "ss", flag, "sport = :%d" % port],
                check=False)
        return bool(r.stdout.strip())

    def ip(self, *args, check=True):
        """Run 'ip -n <ns> args...'; returns CompletedProcess."""
        return _sh(["ip", "-n", self.name] + [str(a) for a in args], check=check)

    def addr(self, dev, cidr):
        self.ip("addr", "add", cidr, "dev", dev)

    def route(self, dst, via=None, dev=None, src=None, table=None, metric=None):
        """Add a route: dst 'default' or a prefix."""
        args = ["route", "add", dst]
        for k, v in (("via", via), ("dev", dev), ("src", src), ("table", table),
                     ("metric", metric)):
            if v is not None:
                args += [k, str(v)]
        self.ip(*args)

    def add_bridge(self, name, cidr=None):
        """A Linux bridge in this namespace (STP off, no forwarding delay),
        up, with an optional address; attach veths with link(master_x=)."""
        self.ip("link", "add", name, "type", "bridge", "stp_state", "0", "forward_delay", "0")
        if cidr:
            self.addr(name, cidr)
        self.ip("link", "set", name, "up")
        return name

    def sysctl(self, key, value):
        self.run(["sysctl", "-q", "-w", "%s=%s" % (key, value)])

    def pids(self):
        """PIDs of all processes in this namespace."""
        return _ns_pids(self.name)

    def ping(self, dst, count=3, interval=0.2, timeout=2.0, size=None, src=None):
        """ping -c count -i interval; waits up to timeout s for the replies
        after the last probe.  Returns PingResult (transmitted == count,
        received, loss %, output)."""
        argv = ["ping", "-n", "-c", str(count), "-i", str(interval),
                "-W", str(max(1, int(round(timeout))))]
        if size is not None:
            argv += ["-s", str(size)]
        if src is not None:
            argv += ["-I", src]
        r = self.run(argv + [dst], timeout=count * interval + timeout + 10, check=False)
        m = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", r.stdout)
        if not m:
            return PingResult(0, 0, r.stdout + r.stderr)
        return PingResult(int(m.group(1)), int(m.group(2)), r.stdout)

    def capture(self, dev, name=None, filter=None, tool="tcpdump", timeout=10.0):
        """Start tcpdump (or tshark) on dev; returns Capture (stop() -> path
        of the pcap in the log dir).  Waits until the capture is running."""
        name = name or "cap-%s" % dev
        path = os.path.join(self.topo.log_dir, "%s.%s.pcap" % (self.node, name))
        if tool == "tcpdump":
            argv = ["tcpdump", "-n", "-U", "-Z", "root", "-s", "0", "-i", dev, "-w", path]
            ready = r"listening on"
        else:
            argv = ["tshark", "-n", "-q", "-F", "pcap", "-i", dev, "-w", path]
            ready = r"Capturing on"
        if filter:
            argv += shlex.split(filter) if tool == "tcpdump" else ["-f", filter]
        p = self.start(name, argv, log=ready, timeout=timeout)
        return Capture(p, path)


class Topology:
    """Context manager owning namespaces, veths and processes of one test.

    name: test name (default: script name without test_ and .py);
    log_dir: where logs/configs go (default: $ESPHUB_TEST_LOGDIR, else
    $ESPHUB_BUILD/test-logs, else /tmp/esphub-test-logs; plus /<name>-<pid>);
    ipv6: leave IPv6 on (off by default: keeps captures free of RS/MLD)."""

    _handlers_installed = False
    _count = 0

    def __init__(self, name=None, log_dir=None, ipv6=False):
        if os.geteuid() != 0:
            skip("needs root (network namespaces)")
        self.test = re.sub(r"[^a-z0-9_]", "_", (name or _test_name()).lower())
        Topology._count += 1
        self.prefix = "%s%s-%d" % (NS_PREFIX, self.test, os.getpid())
        if Topology._count > 1:
            self.prefix += ".%d" % Topology._count
        self.ipv6 = ipv6
        self.namespaces, self.procs, self._links = [], [], []
        self.closed = False
        self._lock = threading.RLock()
        self._state = os.path.join(STATE_DIR, self.prefix + ".json")
        cleanup_stale(self.test)
        base = log_dir or os.environ.get("ESPHUB_TEST_LOGDIR") or (
            os.path.join(os.environ["ESPHUB_BUILD"], "test-logs")
            if os.environ.get("ESPHUB_BUILD") else "/tmp/esphub-test-logs")
        if log_dir:
            self.log_dir = log_dir
        else:
            for old in glob.glob(os.path.join(base, "%s-*" % self.test)):
                m = re.match(r".*-(\d+)$", old)
                if m and _start_time(int(m.group(1))) is None:
                    shutil.rmtree(old, ignore_errors=True)
            self.log_dir = os.path.join(base, "%s-%d" % (self.test, os.getpid()))
        shutil.rmtree(self.log_dir, ignore_errors=True)
        os.makedirs(self.log_dir)
        _open_topologies.append(self)
        _install_handlers()
        self._save()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def path(self, *parts):
        """A path inside this run's log dir (for configs and data)."""
        p = os.path.join(self.log_dir, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def _save(self):
        st = {"owner_pid": os.getpid(), "owner_start": _start_time(os.getpid()),
              "namespaces": [n.name for n in self.namespaces],
              "procs": [{"pid": p.pid, "start": p.start_time, "name": p.name}
                        for p in self.procs],
              "log_dir": self.log_dir}
        os.makedirs(STATE_DIR, exist_ok=True)
        tmp = self._state + ".tmp"
        with open(tmp, "w") as f:
            json.dump(st, f)
        os.replace(tmp, self._state)

    def _add_proc(self, p):
        with self._lock:
            self.procs.append(p)
            _all_procs.append(p)
            self._save()

    def add_ns(self, node, forward=False):
        """Create namespace '<prefix>-<node>' with lo up, rp_filter off,
        IPv6 off unless Topology(ipv6=True); forward=True sets ip_forward."""
        if not re.match(r"^[a-z0-9_]{1,16}$", node):
            raise ValueError("node name must be [a-z0-9_]{1,16}: %r" % node)
        ns = Namespace(self, node, "%s-%s" % (self.prefix, node))
        with self._lock:
            self.namespaces.append(ns)   # recorded before creation: always torn down
            self._save()
        _sh(["ip", "netns", "add", ns.name])
        ns.ip("link", "set", "lo", "up")
        sysctls = ["net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                   "net.ipv4.ip_forward=%d" % (1 if forward else 0)]
        if not self.ipv6:
            sysctls += ["net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1"]
        ns.run(["sysctl", "-q", "-w"] + sysctls)
        return ns

    def link(self, a, b, addr_a=None, addr_b=None, dev_a=None, dev_b=None, mtu=None,
             master_a=None, master_b=None):
        """veth pair between namespaces a and b (default names: 'v-<other
        node>'), up, offloads off on both ends, optional addresses (CIDR),
        optional bridge (master_a/master_b, see Namespace.add_bridge).
        Traffic flows at once; operstate reads UP ~1 s later (linkwatch):
        call wait_links() before a program that checks link state.
        Returns (dev_a, dev_b)."""
        dev_a = dev_a or ("v-" + b.node)[:15]
        dev_b = dev_b or ("v-" + a.node)[:15]
        a.run(["ip", "link", "add", dev_a, "type", "veth", "peer", "name", dev_b,
               "netns", b.name])
        for ns, dev, cidr, master in ((a, dev_a, addr_a, master_a),
                                      (b, dev_b, addr_b, master_b)):
            if mtu:
                ns.ip("link", "set", dev, "mtu", mtu)
            ns.run(["ethtool", "-K", dev, "tx", "off", "rx", "off", "tso", "off",
                    "gso", "off", "gro", "off"])
            if master:
                ns.ip("link", "set", dev, "master", master)
            if cidr:
                ns.addr(dev, cidr)
            ns.ip("link", "set", dev, "up")
            self._links.append((ns, dev))
        return dev_a, dev_b

    def wait_links(self, timeout=5.0):
        """Wait until every veth made by link() has operstate UP."""
        def all_up():
            for ns, dev in self._links:
                r = ns.ip("-br", "link", "show", dev, check=False)
                if " UP " not in r.stdout:
                    return False
            return True
        wait_for(all_up, timeout, 0.1, "veth links to come up")

    def close(self):
        """Stop every process (SIGTERM, SIGKILL after 3 s), then any process
        left inside our namespaces, delete the namespaces.  Idempotent; a
        signal arriving meanwhile does not interrupt it."""
        global _closing
        with self._lock:
            if self.closed:
                return
            _closing += 1
        try:
            live = [p for p in self.procs if p.popen.poll() is None]
            for p in live:
                try:
                    p.popen.send_signal(signal.SIGTERM)
                except OSError:
                    pass
            deadline = time.monotonic() + 3.0
            for p in live:
                try:
                    p.popen.wait(max(0.01, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.popen.kill()
                    p.popen.wait()
            for ns in self.namespaces:
                if ns.name not in _ns_list():
                    continue
                left = ns.pids()
                if left:
                    print("netns: %s: stopping leftover pids %s" % (ns.node, left), flush=True)
                _delete_ns(ns.name)
            try:
                os.unlink(self._state)
            except FileNotFoundError:
                pass
            self.closed = True
            if self in _open_topologies:
                _open_topologies.remove(self)
        finally:
            _closing -= 1

    def dump_logs(self, lines=40):
        """Print the tail of every log of this topology's processes."""
        for p in self.procs:
            print(p.log_tail(lines), flush=True)


_open_topologies = []
_closing = 0


def _close_all():
    for t in list(_open_topologies):
        try:
            t.close()
        except Exception:
            traceback.print_exc()


atexit.register(_close_all)


def _on_signal(signum, frame):
    # Turn the signal into an exception so that `with Topology()` unwinds.
    # While a teardown runs, note it and let the teardown finish.
    global _pending_exit
    if _closing:
        _pending_exit = 128 + signum
        return
    print("netns: got signal %d, cleaning up" % signum, flush=True)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


_pending_exit = None


def _install_handlers():
    if Topology._handlers_installed or threading.current_thread() is not threading.main_thread():
        return
    Topology._handlers_installed = True
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, _on_signal)


# --------------------------------------------------------------------------
# Traffic helpers (python agents run inside the namespaces: netagent.py)

class TransferResult:
    """ok: all bytes arrived and sha256 matches on both ends; peer: the
    source address the sink saw."""

    def __init__(self, sent, recv, seconds):
        self.sent_bytes, self.sha_sent = sent.get("bytes"), sent.get("sha256")
        self.recv_bytes, self.sha_recv = recv.get("bytes"), recv.get("sha256")
        self.peer = recv.get("peer")
        self.seconds = seconds
        self.ok = bool(self.sent_bytes) and self.sent_bytes == self.recv_bytes \
            and self.sha_sent == self.sha_recv
        self.mbit_s = (self.recv_bytes or 0) * 8 / 1e6 / seconds if seconds else 0.0

    def __repr__(self):
        return "<transfer %s: sent %s recv %s bytes in %.2fs (%.1f Mbit/s) sha %s from %s>" % (
            "ok" if self.ok else "BAD", self.sent_bytes, self.recv_bytes, self.seconds,
            self.mbit_s, "match" if self.sha_sent == self.sha_recv else "MISMATCH", self.peer)


def tcp_transfer(src, dst, dst_addr, mbytes=1.0, port=5201, timeout=30.0, src_addr=None):
    """Send mbytes MB of random data over TCP from namespace src to a sink in
    namespace dst listening on dst_addr:port; sha256 computed on both ends.
    Returns TransferResult."""
    nbytes = int(mbytes * 1024 * 1024)
    sink = dst.start("tcp-sink-%d" % port, [PYTHON, AGENT, "tcp-sink", "--port", port,
                                            "--timeout", timeout],
                     log=r"LISTENING", timeout=10)
    argv = [PYTHON, AGENT, "tcp-send", "--dst", dst_addr, "--port", port,
            "--bytes", nbytes, "--timeout", timeout]
    if src_addr:
        argv += ["--src", src_addr]
    t0 = time.monotonic()
    r = src.run([str(a) for a in argv], timeout=timeout + 5, check=False)
    try:
        sink.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sink.stop()
    seconds = time.monotonic() - t0
    sent = last_json(r.stdout) or {"error": r.stderr.strip()}
    recv = last_json(sink.stdout()) or {"error": sink.stderr().strip()}
    res = TransferResult(sent, recv, seconds)
    if not res.ok:
        print("tcp_transfer: sender %s / sink %s" % (sent, recv), flush=True)
    return res


def last_json(text):
    """The last line of text that is a JSON object, parsed (None if none)."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


class ProbeResult:
    """sent, received (unique), lost / duplicates (lists of sequence
    numbers), reordered (count of probes arriving after a higher one)."""

    def __init__(self, sent, arrivals):
        self.sent = sent
        seen, dups, reordered, highest = set(), [], 0, -1
        for s in arrivals:
            if s in seen:
                dups.append(s)
                continue
            seen.add(s)
            if s < highest:
                reordered += 1
            highest = max(highest, s)
        self.received = len(seen)
        self.duplicates = dups
        self.reordered = reordered
        self.lost = [s for s in range(sent) if s not in seen]
        self.ok = sent > 0 and not self.lost and not self.duplicates

    @staticmethod
    def ranges(seqs):
        out, start, prev = [], None, None
        for s in seqs:
            if start is None:
                start = prev = s
            elif s == prev + 1:
                prev = s
            else:
                out.append((start, prev))
                start = prev = s
        if start is not None:
            out.append((start, prev))
        return ", ".join(str(a) if a == b else "%d-%d" % (a, b) for a, b in out)

    def __repr__(self):
        return "<probes sent %d received %d lost %d%s dup %d reordered %d>" % (
            self.sent, self.received, len(self.lost),
            " [%s]" % self.ranges(self.lost[:200]) if self.lost else "",
            len(self.duplicates), self.reordered)


class UdpProbes:
    """Numbered UDP probe stream from namespace src to dst_addr:port in dst.

        with UdpProbes(branch_lan, cloud, "172.16.0.10", rate=200) as pr:
            ... rekey ...
        res = pr.result          # ProbeResult; pr.result.ok, .lost, ...

    start() waits until the receiver is bound, then starts sending rate
    probes/s (count=None: until stop()).  stop() ends the sender, which then
    sends end markers; the receiver waits `grace` seconds for stragglers."""

    def __init__(self, src, dst, dst_addr, port=5300, rate=200, size=64, count=None,
                 src_addr=None, grace=1.0):
        self.src, self.dst, self.dst_addr, self.port = src, dst, dst_addr, port
        self.rate, self.size, self.count, self.src_addr = rate, size, count, src_addr
        self.grace = grace
        self.run_id = "%d-%d" % (os.getpid(), int(time.time() * 1000) % 100000000)
        self.sender = self.receiver = self.result = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        if self.sender and self.result is None:
            self.stop()
        return False

    def start(self):
        self.receiver = self.dst.start(
            "udp-recv-%d" % self.port,
            [PYTHON, AGENT, "udp-recv", "--port", self.port, "--run-id", self.run_id,
             "--grace", self.grace], log=r"LISTENING", timeout=10)
        argv = [PYTHON, AGENT, "udp-send", "--dst", self.dst_addr, "--port", self.port,
                "--rate", self.rate, "--size", self.size, "--run-id", self.run_id]
        if self.count:
            argv += ["--count", self.count]
        if self.src_addr:
            argv += ["--src", self.src_addr]
        self.sender = self.src.start("udp-send-%d" % self.port, argv, log=r"SENDING",
                                     timeout=10)
        return self

    def stop(self, timeout=10.0):
        """Stop sending (or wait for count probes), collect, return ProbeResult."""
        if self.count:
            try:
                self.sender.wait(timeout=self.count / self.rate + timeout)
            except subprocess.TimeoutExpired:
                pass
        self.sender.stop(timeout=timeout, sig=signal.SIGINT)
        try:
            self.receiver.wait(timeout=self.grace + 3)
        except subprocess.TimeoutExpired:
            self.receiver.stop(sig=signal.SIGINT)
        sent = last_json(self.sender.stdout()) or {}
        recv = last_json(self.receiver.stdout()) or {}
        self.result = ProbeResult(sent.get("sent", 0), recv.get("seqs", []))
        return self.result


# --------------------------------------------------------------------------
# Machine facts

def kernel_esp_available(ns):
    """(True, "") if the kernel in namespace ns accepts an ESP XFRM state,
    else (False, reason).  Leaves no state behind."""
    args = ["xfrm", "state", "add", "src", "192.0.2.1", "dst", "192.0.2.2",
            "proto", "esp", "spi", "0x1234", "mode", "tunnel",
            "enc", "cbc(aes)", "0x" + "11" * 16, "auth", "hmac(sha1)", "0x" + "22" * 20]
    r = ns.ip(*args, check=False)
    if r.returncode == 0:
        ns.ip("xfrm", "state", "flush", check=False)
        return True, ""
    return False, "kernel has no ESP: 'ip xfrm state add ... proto esp' failed: %s" % (
        r.stderr.strip() or r.stdout.strip())
