#!/usr/bin/python3
"""make demo's scenario, unattended: scripts/demo.py --batch.

Three strongSwan branches with the same LAN dial vpn.example, spread over
two esphub servers, reach the cloud through source NAT; one server is
stopped and its branches fail over to the other. The demo checks all of it
itself (exit 0 only if every check passed); this test runs it, shows its
output, and checks that it exited 0 and told the whole story.
"""
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import time

from netns import check, main, require_root, require_tools
from peers import dnsmasq, strongswan

SRC = os.environ.get("ESPHUB_SRC") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEMO = os.path.join(SRC, "scripts", "demo.py")
TIMEOUT = 210      # s; meson's is 240


def _die_with_parent():
    # In the child before exec: if this test is killed (meson's timeout),
    # the demo gets SIGTERM and tears its namespaces down itself.
    ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)      # PR_SET_PDEATHSIG


def run_demo():
    """Run the demo, echoing its output as it comes; returns (exit code, text)."""
    p = subprocess.Popen([sys.executable, DEMO, "--batch"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         preexec_fn=_die_with_parent)
    lines = []

    def echo():
        for line in p.stdout:
            print("| " + line, end="", flush=True)
            lines.append(line)
    reader = threading.Thread(target=echo, daemon=True)
    reader.start()
    try:
        p.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        print("demo still running after %d s: SIGTERM (it tears down)" % TIMEOUT, flush=True)
        p.send_signal(signal.SIGTERM)           # our own child, by PID
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    reader.join(5)
    return p.returncode, "".join(lines)


def test():
    require_root()
    require_tools(strongswan.CHARON, strongswan.SWANCTL, dnsmasq.DNSMASQ)
    t0 = time.monotonic()
    rc, out = run_demo()
    took = time.monotonic() - t0
    if rc == 77:
        raise SystemExit(77)
    check(rc == 0, "demo --batch exits 0 (every check of the demo passed), in %.0f s" % took,
          "exit %s" % rc)
    check(not re.search(r"^FAIL\b", out, re.M), "the demo reports no failed check")
    for b in ("b1", "b2", "b3"):
        check("%s (%s.example) is up on hub" % (b, b) in out,
              "the demo brings %s up and says on which hub" % b)
    check("hub0 holds" in out and "hub1 holds" in out, "the demo names both hubs")
    check("FAILOVER: stopping esphub on" in out and "failover complete" in out,
          "the demo stops a hub and its branches fail over")
    check(out.count("after failover,") >= 6,
          "after the failover, every branch pings and sends TCP again")
    check("the cloud saw it from 172.16.0.1" in out and "the cloud saw it from 172.16.0.2" in out,
          "the cloud saw connections from both hubs' inside addresses")


main(test)
