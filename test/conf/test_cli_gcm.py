#!/usr/bin/python3
"""Hand-keyed AES-GCM refused on the CLI (RFC 4106 s8.1), as in the file.

esphub on two net_null ports, driven through its CLI socket:
- `site add` and `site set` of a hand-keyed GCM site are refused with the
  config error (site.cipher) and the reason; the site is not there;
- `sa add SITE ... aes128-gcm KEY` is refused for a site without
  allow_unsafe_manual_gcm, and no SA is added;
- a site with allow_unsafe_manual_gcm = true is added (with a warning in
  the log), and `sa add` with GCM works for it;
- no key appears in any output, nor in the session's history: the up
  arrow recalls the command before, never a line that held a key;
- a command file (--cmdline-file) that adds a site and a hand-keyed SA
  runs, and its transcript on stdout shows every line but those.
"""
import os
import select
import signal
import subprocess
import sys
import tempfile

from esphub import ESPHUB_BIN, CliSession, eal_memory_args
from netns import check, main, wait_for

CONFIG = """
ports = (
  { name = "wan"; role = "outside"; device = "net_null0"; address = "198.51.100.1/24"; },
  { name = "lan"; role = "inside";  device = "net_null1"; address = "172.16.0.1/16"; }
);
"""
GCM_KEY = "a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4"        # AES-128 + salt
CBC_KEY, SHA1_KEY = "c1" * 16, "d1" * 20
REASON = "RFC 4106 s8.1"


def site(name, n, cipher, extra=""):
    if cipher.endswith("gcm"):
        sa = 'sa_in = { spi = %d; key = "%s"; }; sa_out = { spi = %d; key = "%s"; };' % (
            0x1000 + n, GCM_KEY, 0x2000 + n, GCM_KEY)
        alg = 'cipher = "%s";' % cipher
    else:
        sa = ('sa_in = { spi = %d; key = "%s"; auth_key = "%s"; }; '
              'sa_out = { spi = %d; key = "%s"; auth_key = "%s"; };') % (
            0x1000 + n, CBC_KEY, SHA1_KEY, 0x2000 + n, CBC_KEY, SHA1_KEY)
        alg = 'cipher = "%s"; integ = "hmac-sha1-96";' % cipher
    return ('{ name = "%s"; peer = "203.0.113.%d"; remote_subnets = [ "192.168.%d.0/24" ]; '
            'local_subnets = [ "172.16.0.0/16" ]; %s %s %s }' % (name, n, n, alg, extra, sa))


def up_arrow(cli, times):
    """What the session echoes for the up arrow pressed so many times."""
    cli.sock.sendall(b"\x1b[A" * times)
    out = b""
    while select.select([cli.sock], [], [], 0.5)[0]:
        chunk = cli.sock.recv(65536)
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace")


def test():
    with tempfile.TemporaryDirectory(prefix="esphub-cli-gcm-") as d:
        with open(d + "/esphub.conf", "w") as f:
            f.write(CONFIG)
        with open(d + "/startup.cmds", "w") as f:
            f.write("site add %s\nsa add f1 in 20484 aes128-gcm %s\nshow site f1\n" % (
                site("f1", 4, "aes128-gcm", "allow_unsafe_manual_gcm = true;"), GCM_KEY))
        sock = d + "/cli.sock"
        argv = [ESPHUB_BIN, "-l", "0-1", "--no-pci", "--file-prefix", "cligcm%d" % os.getpid(),
                "--log-level", "lib.eal:warning"] + \
            eal_memory_args() + ["--", "-f", d + "/esphub.conf", "--cli-socket", sock,
                                  "--cmdline-file", d + "/startup.cmds"]
        log = open(d + "/esphub.log", "w+")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        outs = []
        try:
            wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 20, 0.1, "esphub")
            check(p.poll() is None, "esphub starts on net_null ports")
            cli = CliSession(sock)

            def run(cmd):
                out = cli.run(cmd)
                outs.append(out)
                return out

            out = run("site add " + site("g1", 1, "aes128-gcm"))
            check("(cli):1: site.cipher:" in out and REASON in out,
                  "site add of a hand-keyed GCM site is refused with the reason", out)
            check("no site" in run("show site g1") or "g1" not in run("show site"),
                  "the refused site is not there", outs[-1])

            out = run("site add " + site("c1", 2, "aes128-cbc"))
            check("site c1 added" in out, "a hand-keyed CBC site is added", out)
            out = run("site set " + site("c1", 2, "aes128-gcm"))
            check("(cli):1: site.cipher:" in out and REASON in out,
                  "site set to hand-keyed GCM is refused with the reason", out)
            out = run("sa add c1 in 20481 aes128-gcm " + GCM_KEY)
            check("refused for site c1" in out and REASON in out,
                  "sa add with GCM on a site without allow_unsafe_manual_gcm is refused", out)
            sas = run("show sa")
            check("0x00005001" not in sas and "5 SAs" in sas,  # c1 2, f1 3
                  "no SA was added by the refused sa add", sas)

            out = run("site add " + site("g2", 3, "aes128-gcm", "allow_unsafe_manual_gcm = true;"))
            check("site g2 added" in out, "a site with allow_unsafe_manual_gcm takes GCM", out)
            out = run("sa add g2 in 20482 aes128-gcm " + GCM_KEY)
            check("added" in out, "sa add with GCM works for that site", out)
            check(not any(k in o for o in outs for k in (GCM_KEY, CBC_KEY, SHA1_KEY)),
                  "no key appears in any CLI output")
            run("show site")
            recalled = up_arrow(cli, 1)
            check("show site" in recalled, "the up arrow recalls a command", repr(recalled))
            recalled += up_arrow(cli, 3)
            check(not any(k in recalled for k in (GCM_KEY, CBC_KEY, SHA1_KEY, "sa add")),
                  "no line that held a key comes back from the history", repr(recalled))
            cli.close()
        finally:
            p.send_signal(signal.SIGTERM)
            rc = p.wait(15)
            log.seek(0)
            text = log.read()
            sys.stdout.write(text)
        check(rc == 0, "esphub exits cleanly")
        check("site g2: hand-keyed aes128-gcm (allow_unsafe_manual_gcm)" in text,
              "the unsafe site is logged as a warning")
        check(GCM_KEY not in text and CBC_KEY not in text, "no key in the log")
        check(text.count("(a line with a key or a PSK, not shown)") == 2 and
              "show site f1" in text and "f1 " in text.split("show site f1", 1)[1],
              "the command file ran; its transcript shows every line but the two with keys",
              text)


main(test)
