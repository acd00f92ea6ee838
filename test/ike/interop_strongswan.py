#!/usr/bin/python3
"""lib/ike (through test/ike/ike_udp_peer) against a real strongSwan 5.9.8.

    branch charon 198.51.100.2 ── inet ── hub0 203.0.113.10 ike_udp_peer

Usage: interop_strongswan.py IKE_UDP_PEER responder|initiator|lifecycle|aggressive

responder  strongSwan dials us as the RTX branch: IKEv1 Main Mode, PSK,
           IKE ID ID_IPV4_ADDR 192.168.0.1 (not its address), Quick Mode
           192.168.0.0/24 <-> 172.16.0.0/16; profiles aes128-sha1-modp1024
           with PFS off and on (modp1024), and aes256-sha256-modp2048.
initiator  we dial strongSwan (acting as the branch) with the same profiles.
lifecycle  rekeys started by either side, DELETE from strongSwan, our
           R-U-THERE answered, and DPD noticing a killed charon.
aggressive a branch identified by FQDN dials us in Aggressive Mode (the
           site's opt-in).

In every case the SPIs, algorithms and keys we would install are checked
against strongSwan: SPIs and algorithms from swanctl --list-sas, and the
keys from charon's own log at level 4 ("encryption/integrity ... key"), so
the whole derivation (DH, SKEYID chain, KEYMAT) is checked end to end by
an independent implementation. strongSwan's kernel-libipsec forces UDP
encapsulation (it fakes NAT-D), so NAT-T floating to 4500 is exercised.
"""

import os
import re
import signal
import subprocess
import sys
import time

from netns import Topology, check, main, require, skip, wait_for
from peers import lab
from peers import strongswan as ss

PSK = "esphub-test-psk"
HUB = lab.hub_addr(0)
BRANCH = lab.BRANCH_WAN
PEER_BIN = None

# strongSwan log levels: chd/ike 4 print the derived key material.
LEVELS = {"ike": 4, "chd": 4, "knl": 2, "cfg": 2, "enc": 1}

PROFILES = [
    # name, strongSwan profile, pfs, our ike line, our esp line, ESP key lens
    ("rtx", "rtx", False, "aes128-sha1-modp1024", "aes128-sha1", 16, 20),
    ("rtx-pfs", "rtx", True, "aes128-sha1-modp1024", "aes128-sha1-modp1024", 16, 20),
    ("aes256", "rtx-aes256", False, "aes256-sha256-modp2048", "aes256-sha256", 32, 32),
]


class Peer:
    """One ike_udp_peer process; events parsed from its stdout."""

    def __init__(self, ns, conf_text, name="ikepeer"):
        self.ns = ns
        self.conf = ns.topo.path("%s.conf" % name)
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.proc = ns.start(name, [PEER_BIN, self.conf], stdin=subprocess.PIPE,
                             log=r"READY", timeout=10)

    def out(self):
        return self.proc.stdout()

    def cmd(self, line):
        self.proc.popen.stdin.write((line + "\n").encode())
        self.proc.popen.stdin.flush()

    def children(self):
        """Live CHILD_SA installs: {(dir, spi): dict}."""
        live = {}
        for line in self.out().splitlines():
            if line.startswith("CHILD_SA add "):
                kv = dict(f.split("=", 1) for f in line.split()[2:] if "=" in f)
                live[(kv["dir"], kv["spi"])] = kv
            elif line.startswith("CHILD_SA del "):
                kv = dict(f.split("=", 1) for f in line.split()[2:] if "=" in f)
                live.pop((kv["dir"], kv["spi"]), None)
        return live

    def wait_out(self, regex, timeout=30.0):
        rx = re.compile(regex, re.M)
        wait_for(lambda: rx.search(self.out()), timeout, 0.1, "ike_udp_peer: %s" % regex)
        return rx.search(self.out())

    def stats(self):
        """{counter name: value} from a fresh `stats` command."""
        before = self.out().count("OK stats")
        self.cmd("stats")
        wait_for(lambda: self.out().count("OK stats") > before, 5, 0.05, "stats")
        text = self.out()
        block = text[text.rindex("STATS\n"):text.rindex("OK stats")]
        return {l.split()[1]: int(l.split()[2]) for l in block.splitlines()
                if l.startswith("STAT ")}

    def stop(self):
        self.proc.stop()


def peer_conf(ike, esp, initiate=False, extra="", dpd="5 20"):
    return """\
local %(hub)s
default_psk %(psk)s
ike %(ike)s
verbose
site rtx1
  id ipv4 %(lan_gw)s
  psk %(psk)s
  peer %(peer)s
  remote 192.168.0.0/24
  local 172.16.0.0/16
  ike %(ike)s
  esp %(esp)s
  dpd %(dpd)s
  initiate %(init)s
%(extra)s
end
""" % {"hub": HUB, "psk": PSK, "ike": ike, "esp": esp, "lan_gw": lab.LAN_GW,
       "peer": BRANCH if initiate else "any", "init": "yes" if initiate else "no",
       "extra": extra, "dpd": dpd}


def charon_keys(log):
    """ESP keys charon logged at chd 4, in order: [(what, hexbytes)]."""
    keys = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = re.search(r"(encryption|integrity) (initiator|responder) key (=>|=) (\d+) bytes", line)
        if not m:
            continue
        n = int(m.group(4))
        hexs = ""
        for nxt in lines[i + 1:i + 1 + (n + 15) // 16]:
            mm = re.search(r": ((?:[0-9A-F]{2} ){1,16})", nxt)
            if mm:
                hexs += mm.group(1).replace(" ", "")
        keys.append(("%s %s" % (m.group(1), m.group(2)), hexs.lower()[:2 * n]))
    return keys


def verify_child(tag, peer, charon, ekl, ikl, we_initiated):
    """SPIs/algorithms vs swanctl, keys vs charon's log."""
    c = charon.wait_child("rtx", "lan", timeout=30)
    live = peer.children()
    ins = [v for (d, s), v in live.items() if d == "in"]
    outs = [v for (d, s), v in live.items() if d == "out"]
    require(len(ins) >= 1 and len(outs) >= 1, "%s: we installed both directions" % tag,
            peer.out()[-2000:])
    our_in = {v["spi"] for v in ins}
    our_out = {v["spi"] for v in outs}
    check(c["spi-out"] in our_in and c["spi-in"] in our_out,
          "%s: SPIs agree (strongSwan in %s out %s)" % (tag, c["spi-in"], c["spi-out"]),
          "ours in %s out %s" % (our_in, our_out))
    check(c.get("encap") == "yes", "%s: UDP-encapsulated (NAT-T float)" % tag, c)
    i = [v for v in ins if v["spi"] == c["spi-out"]]
    o = [v for v in outs if v["spi"] == c["spi-in"]]
    if not i or not o:
        return
    i, o = i[0], o[0]
    check(len(i["ekey"]) == 2 * ekl and len(i["ikey"]) == 2 * ikl,
          "%s: key lengths %d/%d" % (tag, ekl, ikl), i)
    check(i["remote"].endswith(":4500") and i["local"].endswith(":4500"),
          "%s: outer ports 4500" % tag, i)
    keys = charon_keys(charon.log())
    if not keys:
        check(False, "%s: charon logged ESP keys at chd 4" % tag, charon.log()[-1500:])
        return
    # Our inbound SA carries what the other side sends: charon names keys
    # by the sending side (initiator/responder of the Quick Mode).
    mine_in = "responder" if we_initiated else "initiator"
    mine_out = "initiator" if we_initiated else "responder"
    # charon logs a pair per rekey: compare with the last four lines
    last = dict(keys[-4:])
    check(last.get("encryption %s" % mine_in) == i["ekey"],
          "%s: inbound encryption key equals strongSwan's" % tag,
          "ours %s charon %s" % (i["ekey"], last))
    check(last.get("integrity %s" % mine_in) == i["ikey"],
          "%s: inbound integrity key equals strongSwan's" % tag)
    check(last.get("encryption %s" % mine_out) == o["ekey"],
          "%s: outbound encryption key equals strongSwan's" % tag)
    check(last.get("integrity %s" % mine_out) == o["ikey"],
          "%s: outbound integrity key equals strongSwan's" % tag)


IKE_ALGS = {
    "rtx": ("128", "HMAC_SHA1_96", "MODP_1024"),
    "rtx-aes256": ("256", "HMAC_SHA2_256_128", "MODP_2048"),
}


def verify_ike(tag, charon, prof, peer_id):
    """strongSwan's view of the ISAKMP SA: suite, peer ID, NAT-T."""
    sa = charon.ike_sa("rtx")
    keysize, integ, group = IKE_ALGS[prof]
    want = {"version": "1", "encr-alg": "AES_CBC", "encr-keysize": keysize,
            "integ-alg": integ, "dh-group": group, "remote-host": HUB,
            "remote-id": peer_id, "local-id": lab.LAN_GW, "remote-port": "4500"}
    for k, v in want.items():
        check(sa is not None and sa.get(k) == v, "%s: strongSwan sees %s = %s" % (tag, k, v),
              sa and sa.get(k))


def branch_conf(profile, pfs, dpd_delay=5):
    # strongSwan plays the RTX branch: ID 192.168.0.1, its LAN and our cloud
    return ss.conn_config("rtx", profile=profile, pfs=pfs, psk=PSK, dpd_delay=dpd_delay,
                          remote_addrs=HUB, local_id=lab.LAN_GW, esp_life_kb=100000)


def responder(t, n):
    br = ss.Charon(n.branch, "charon", log_levels=LEVELS).start()
    for tag, prof, pfs, ike, esp, ekl, ikl in PROFILES:
        # DPD: for "rtx" strongSwan's is slower, so ours probes first; for
        # "rtx-pfs" ours is slower, so strongSwan probes and we answer
        peer = Peer(n.hubs[0], peer_conf(ike, esp, dpd="30 120" if tag == "rtx-pfs"
                                         else "5 20"), "peer-" + tag)
        br.load(branch_conf(prof, pfs, dpd_delay=30 if tag == "rtx" else 5))
        r = br.initiate("rtx", "lan", timeout=20, check=False)
        require(r.returncode == 0, "%s: strongSwan's Main + Quick Mode to us succeed" % tag,
                r.stdout[-2000:] + r.stderr)
        verify_ike(tag, br, prof, HUB)
        peer.wait_out(r"PEER up site=rtx1", 10)
        verify_child(tag, peer, br, ekl, ikl, we_initiated=False)
        if tag == "rtx":
            time.sleep(11)
            st = peer.stats()
            check(st.get("ev_DPD_TX", 0) >= 1 and st.get("ev_DPD_ACK_RX", 0) >= 1,
                  "%s: our R-U-THERE on the idle tunnel answered by strongSwan" % tag, st)
        if tag == "rtx-pfs":
            time.sleep(11)
            st = peer.stats()
            check(st.get("ev_DPD_ACK_TX", 0) >= 1 and st.get("ev_DPD_TX", 0) == 0,
                  "%s: we answered strongSwan's R-U-THERE (and had no need to probe)"
                  % tag, st)
        br.terminate("rtx", check=False)
        peer.wait_out(r"PEER down site=rtx1 .*reason=delete", 15)
        check(not peer.children(), "%s: DELETE removed every SA we installed" % tag)
        peer.stop()


def initiator(t, n):
    br = ss.Charon(n.branch, "charon", log_levels=LEVELS).start()
    for tag, prof, pfs, ike, esp, ekl, ikl in PROFILES:
        # strongSwan as the branch, waiting for us
        br.load(ss.conn_config("rtx", profile=prof, pfs=pfs, psk=PSK, remote_addrs=HUB,
                               local_id=lab.LAN_GW))
        peer = Peer(n.hubs[0], peer_conf(ike, esp, initiate=True), "peer-i-" + tag)
        peer.wait_out(r"PEER up site=rtx1", 20)
        verify_ike(tag, br, prof, HUB)
        verify_child(tag, peer, br, ekl, ikl, we_initiated=True)
        peer.cmd("down rtx1")
        wait_for(lambda: br.ike_sa("rtx", state=None) is None, 15, 0.2,
                 "strongSwan to drop the SA after our DELETE")
        check(True, "%s: our DELETE removed strongSwan's SAs" % tag)
        peer.stop()


def lifecycle(t, n):
    # strongSwan 5.9 keeps a rekeyed IKEv1 CHILD_SA until it expires unless
    # delete_rekeyed is set; set it so its DELETE after a rekey is tested.
    br = ss.Charon(n.branch, "charon", log_levels=LEVELS,
                   options="    delete_rekeyed = yes\n").start()
    tag, prof, pfs, ike, esp, ekl, ikl = PROFILES[0]
    peer = Peer(n.hubs[0], peer_conf(ike, esp), "peer-life")
    br.load(branch_conf(prof, pfs))
    r = br.initiate("rtx", "lan", timeout=20, check=False)
    require(r.returncode == 0, "lifecycle: tunnel up", r.stdout[-1500:])
    old = br.wait_child("rtx", "lan")
    # strongSwan rekeys (it is the Quick Mode initiator)
    br.swanctl("--rekey", "--child", "lan")
    new = br.wait_child("rtx", "lan", pred=lambda c: c["spi-in"] != old["spi-in"])
    wait_for(lambda: ("in", new["spi-out"]) in peer.children(), 10, 0.1, "our new inbound")
    check(("out", new["spi-in"]) in peer.children(), "rekey by strongSwan: new pair installed")
    wait_for(lambda: ("in", old["spi-out"]) not in peer.children(), 20, 0.2,
             "old pair deleted after strongSwan's rekey")
    check(True, "rekey by strongSwan: the old pair went after its DELETE")
    verify_child("rekey-ss", peer, br, ekl, ikl, we_initiated=False)
    # we rekey (the data plane's soft byte limit)
    peer.cmd("rekey %s" % new["spi-out"])
    newer = br.wait_child("rtx", "lan", pred=lambda c: c["spi-in"] not in
                          (old["spi-in"], new["spi-in"]))
    check(("in", newer["spi-out"]) in peer.children(), "rekey by us: new pair on both sides")
    verify_child("rekey-us", peer, br, ekl, ikl, we_initiated=True)
    wait_for(lambda: len([c for c in br.child_sas("rtx", "lan")]) == 1, 20, 0.2,
             "strongSwan to keep one pair")
    check(True, "rekey by us: strongSwan deleted the old pair on our DELETE")
    # DPD on the idle tunnel: whoever probes first gets an answer (and the
    # other side then sees traffic and has no need to probe)
    time.sleep(12)
    st = peer.stats()
    check(st.get("ev_DPD_ACK_TX", 0) + st.get("ev_DPD_ACK_RX", 0) >= 1,
          "R-U-THERE exchanged on the idle tunnel", st)
    check(st.get("drop_DPD_SEQ", 0) == 0, "no unexpected DPD sequence numbers", st)
    # the branch dies: our DPD declares it down within delay + timeout
    t0 = time.monotonic()
    br.kill()
    peer.wait_out(r"PEER down site=rtx1 .*reason=dpd", 45)
    took = time.monotonic() - t0
    check(took <= 40, "DPD: branch declared dead after %.0f s (5 s / 20 s)" % took)
    check(not peer.children(), "DPD: every SA of the branch left the data plane")


def aggressive(t, n):
    """A dynamic-IP branch known by FQDN dials us in Aggressive Mode."""
    br = ss.Charon(n.branch, "charon", log_levels=LEVELS, options=(
        "    i_dont_care_about_security_and_use_aggressive_mode_psk = yes\n")).start()
    extra = "  aggressive yes\n"
    conf = peer_conf("aes128-sha1-modp1024", "aes128-sha1", extra=extra)
    conf = conf.replace("  id ipv4 %s" % lab.LAN_GW, "  id fqdn branch7.example")
    peer = Peer(n.hubs[0], conf, "peer-aggr")
    br.load(ss.conn_config("rtx", profile="rtx", psk=PSK, remote_addrs=HUB,
                           local_id="branch7.example", extra_conn={"aggressive": "yes"}))
    r = br.initiate("rtx", "lan", timeout=20, check=False)
    require(r.returncode == 0, "aggressive: strongSwan's Aggressive + Quick Mode succeed",
            r.stdout[-2000:] + r.stderr)
    sa = br.ike_sa("rtx")
    check(sa is not None and sa.get("local-id") == "branch7.example",
          "aggressive: strongSwan used ID_FQDN branch7.example", sa)
    peer.wait_out(r"PEER up site=rtx1", 10)
    verify_child("aggressive", peer, br, 16, 20, we_initiated=False)
    check("Aggressive, responder" in peer.proc.stderr(),
          "aggressive: our side ran Aggressive Mode as responder")
    br.terminate("rtx", check=False)
    peer.wait_out(r"PEER down site=rtx1 .*reason=delete", 15)


def run(which):
    if os.geteuid() != 0:
        skip("needs root for network namespaces")
    if not os.path.exists(ss.CHARON):
        skip("strongSwan charon not installed")
    with Topology("ike-ss-" + which) as t:
        n = lab.build(t, hubs=1, lan=False, cloud=False, dns=False)
        {"responder": responder, "initiator": initiator, "lifecycle": lifecycle,
         "aggressive": aggressive}[which](t, n)


if __name__ == "__main__":
    PEER_BIN = os.path.abspath(sys.argv[1])
    main(run, sys.argv[2])
