#!/usr/bin/python3
"""The netns.py toolkit itself: traffic helpers work, and nothing is left
behind when a test fails, is killed with SIGTERM, or dies with SIGKILL (the
next run of the same test cleans up).  Child tests run as subprocesses."""

import os
import re
import signal
import subprocess
import time

import netns
from netns import Topology, UdpProbes, check, main, require, tcp_transfer

CHILD = r'''
import os, sys, time
from netns import Topology, main, skip
MARK = sys.argv[2]
def test():
    with Topology("toolkit_child") as t:
        a = t.add_ns("a"); b = t.add_ns("b")
        t.link(a, b, "10.9.0.1/24", "10.9.0.2/24")
        a.start("sleeper", ["sleep", MARK])
        # a grandchild (not started by the toolkit): must go with the namespace
        b.start("parent", ["/bin/sh", "-c", "sleep %s & echo started; wait" % MARK],
                log="started")
        print("READY", flush=True)
        mode = sys.argv[1]
        if mode == "fail":
            raise RuntimeError("deliberate failure")
        if mode == "skip":
            skip("deliberate skip")
        time.sleep(60)
main(test)
'''


def leftovers(mark):
    """PIDs whose command line contains mark (scan of /proc)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if mark.encode() in f.read():
                    out.append(int(pid))
        except OSError:
            pass
    return out


def child_namespaces(pid=None):
    pat = re.compile(r"^eh-toolkit_child-%s-" % (pid if pid else r"\d+"))
    return [n for n in netns._ns_list() if pat.match(n)]


def run_child(t, mode, mark, sig=None):
    path = t.path("child.py")
    with open(path, "w") as f:
        f.write(CHILD)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(netns.__file__),
               ESPHUB_TEST_LOGDIR=t.path("child-logs"))
    p = subprocess.Popen([netns.PYTHON, path, mode, mark], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=env)
    out = ""
    if sig:
        out = p.stdout.readline()
        while "READY" not in out:
            line = p.stdout.readline()
            if not line:
                break
            out += line
        p.send_signal(sig)
    rest, _ = p.communicate(timeout=30)
    return p.returncode, out + rest, p.pid


def test():
    with Topology() as t:
        a, r, b = t.add_ns("a"), t.add_ns("r", forward=True), t.add_ns("b")
        t.link(a, r, "10.1.0.2/24", "10.1.0.1/24")
        t.link(r, b, "10.2.0.1/24", "10.2.0.2/24")
        a.route("default", via="10.1.0.1")
        b.route("default", via="10.2.0.1")
        t.wait_links()
        feats = a.run(["ethtool", "-k", "v-r"]).stdout
        check(re.search(r"^tx-checksumming: off", feats, re.M)
              and re.search(r"^rx-checksumming: off", feats, re.M)
              and re.search(r"^generic-receive-offload: off", feats, re.M),
              "veth offloads are off")
        check(a.ping("10.2.0.2").loss == 0, "ping across a router namespace")
        cap = r.capture("v-b", filter="tcp port 5201")
        cap2 = r.capture("v-a", tool="tshark", filter="udp port 5300")
        res = tcp_transfer(a, b, "10.2.0.2", mbytes=4)
        check(res.ok, "tcp_transfer 4 MB, sha256 equal", res)
        with UdpProbes(a, b, "10.2.0.2", rate=500) as pr:
            time.sleep(1)
        check(pr.result.ok and pr.result.received > 400, "UDP probes, none lost", pr.result)
        pcap = cap.stop()
        n = len(r.run(["tcpdump", "-nr", pcap]).stdout.splitlines())
        check(n > 100, "tcpdump capture recorded the transfer (%d packets)" % n)
        pcap2 = cap2.stop()
        n2 = len(r.run(["tshark", "-n", "-r", pcap2], timeout=30).stdout.splitlines())
        check(n2 > 400, "tshark capture recorded the probes (%d packets)" % n2)
        lost = netns.ProbeResult(10, [0, 1, 3, 2, 2, 5, 6, 9])
        check(lost.lost == [4, 7, 8] and lost.duplicates == [2] and lost.reordered == 1,
              "ProbeResult counts lost/duplicate/reordered", lost)
        esp, why = netns.kernel_esp_available(a)
        print("kernel ESP available: %s %s" % (esp, why))

        mark = "9%d" % (os.getpid() % 100000 + 100000)
        code, out, pid = run_child(t, "fail", mark)
        check(code == 1, "failing child exits 1", code)
        check("deliberate failure" in out and "started" in out,
              "failing child printed the error and its process logs")
        check(not child_namespaces(pid) and not leftovers(mark),
              "failing child left no namespace and no process",
              (child_namespaces(pid), leftovers(mark)))

        code, out, pid = run_child(t, "skip", mark)
        check(code == 77 and "SKIP: deliberate skip" in out, "skip() exits 77 with the reason",
              code)
        check(not child_namespaces(pid) and not leftovers(mark), "skipping child cleaned up")

        code, out, pid = run_child(t, "sleep", mark, sig=signal.SIGTERM)
        check(code == 128 + signal.SIGTERM, "SIGTERMed child exits 143", code)
        check(not child_namespaces(pid) and not leftovers(mark), "SIGTERMed child cleaned up",
              (child_namespaces(pid), leftovers(mark)))

        code, out, pid = run_child(t, "sleep", mark, sig=signal.SIGKILL)
        check(code == -signal.SIGKILL, "SIGKILLed child died", code)
        time.sleep(0.3)
        stale = child_namespaces(pid)
        print("after SIGKILL: namespaces %s, processes %s" % (stale, leftovers(mark)))
        check(len(stale) == 2, "SIGKILL leaves the namespaces (nobody could clean up)", stale)
        code, out, pid2 = run_child(t, "fail", mark)
        require(code == 1, "next run of the same test runs", code)
        check(not child_namespaces(pid) and not child_namespaces(pid2),
              "next run removed the stale namespaces", child_namespaces())
        check(not leftovers(mark), "next run stopped the stale processes", leftovers(mark))


if __name__ == "__main__":
    main(test)
