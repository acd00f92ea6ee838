"""The esphub demo: a branch host, esphub, a cloud host, in namespaces.

    branch 10.0.1.2 --(v-hub/v-branch)-- [wan 10.0.1.1  esphub  lan 172.16.0.1]
                                                   --(v-hub/v-cloud)-- cloud 172.16.0.10

esphub runs with -i: its CLI is on this terminal. Some traffic crosses it
first (ping, a TCP transfer); then try "show port stats", "show drops",
"show arp", "show worker stats". "quit" (or end of input) ends the demo and
removes every namespace and process it made.
"""
import os
import subprocess
import sys

from esphub import ESPHUB_BIN, eal_memory_args
from netns import Topology, tcp_transfer, wait_for

CONFIG = """
workers = 1;
ports = (
  { name = "wan"; role = "outside"; device = "net_af_packet0,iface=v-branch"; address = "10.0.1.1/24"; },
  { name = "lan"; role = "inside";  device = "net_af_packet1,iface=v-cloud"; address = "172.16.0.1/16"; }
);
"""


def say(msg):
    print("[demo] " + msg, flush=True)


def main():
    with Topology(name="demo") as t:
        branch, hub, cloud = t.add_ns("branch"), t.add_ns("hub"), t.add_ns("cloud")
        t.link(branch, hub, "10.0.1.2/24")
        t.link(cloud, hub, "172.16.0.10/16")
        branch.route("default", via="10.0.1.1")
        cloud.route("default", via="172.16.0.1")
        conf = t.path("esphub.conf")
        with open(conf, "w") as f:
            f.write(CONFIG)
        sock = t.path("esphub.sock")
        argv = [ESPHUB_BIN, "-l", "0-1", "--no-pci", "--file-prefix", t.prefix,
                "--log-level", "lib.eal:warning"] + eal_memory_args() + \
            ["--", "-f", conf, "-i", "--cli-socket", sock]
        say("starting esphub in namespace %s" % hub.name)
        # The CLI needs this terminal, so this one process is not logged to a file.
        esphub = subprocess.Popen(["ip", "netns", "exec", hub.name] + argv,
                                  stdin=subprocess.PIPE if not sys.stdin.isatty() else None)
        try:
            wait_for(lambda: os.path.exists(sock) or esphub.poll() is not None, 30, 0.1,
                     "esphub")
            if esphub.poll() is not None:
                say("esphub did not start (exit %s)" % esphub.returncode)
                return 1
            r = branch.ping("172.16.0.10", count=5)
            say("branch -> cloud ping: %d/%d replies" % (r.received, r.transmitted))
            x = tcp_transfer(branch, cloud, "172.16.0.10", mbytes=4)
            say("branch -> cloud TCP: 4 MiB %s" % ("intact" if x.ok else "CORRUPTED"))
            say("esphub CLI below: try 'show port stats', 'show drops', 'help'; 'quit' ends")
            if not sys.stdin.isatty():
                # Commands piped in (e.g. echo "show drops" | make demo).
                esphub.stdin.write(sys.stdin.buffer.read())
                esphub.stdin.close()
            esphub.wait()
        finally:
            if esphub.poll() is None:
                esphub.terminate()
                esphub.wait(10)
        say("tearing down")
    return 0


sys.exit(main())
