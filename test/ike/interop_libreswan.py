#!/usr/bin/python3
"""lib/ike (through test/ike/ike_udp_peer) against Libreswan 4.10 (pluto).

    branch pluto 198.51.100.2 ── inet ── hub0 203.0.113.10 ike_udp_peer

Usage: interop_libreswan.py IKE_UDP_PEER

Debian 12's Libreswan has no modp1024, so the suite is
aes128-sha1-modp2048 (Main Mode, PSK, IKE ID 192.168.0.1). This kernel has
no ESP and pluto has no userspace ESP, so pluto cannot install IPsec SAs:
as Quick Mode initiator it accepts our message 2 and then fails in the
kernel (never sends message 3); as responder it fails before message 2.
What can be checked here is checked:
- pluto dials us: Main Mode completes on both sides; pluto's Quick Mode
  reaches SA installation (it accepted our HASH(2), SA, nonce, IDs), and
  we had installed our inbound SA before answering (make-before-break);
  its retransmitted message 1 gets our stored reply, not a new exchange;
  without message 3 our exchange fails and the inbound SA is removed.
- we dial pluto: Main Mode completes (pluto STATE_MAIN_R3), our Quick Mode
  goes unanswered (pluto's kernel error) and is counted as failed.
The ESP part is reported as skipped with the kernel's own error text.
"""

import os
import re
import subprocess
import sys
import time

from netns import (Topology, check, kernel_esp_available, main, require, require_tools,
                   skip, skip_part, wait_for)
from peers import lab
from peers import libreswan as lsw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_strongswan as iss  # noqa: E402  (Peer, peer_conf)

PSK = iss.PSK
SUITE = "aes128-sha1-modp2048"


def test(peer_bin):
    iss.PEER_BIN = peer_bin
    if os.geteuid() != 0:
        skip("needs root for network namespaces")
    require_tools("certutil")
    try:
        lsw.prepare()
    except lsw.Unavailable as e:
        skip("Libreswan cannot be prepared here: %s" % e)
    with Topology("ike-lsw") as t:
        n = lab.build(t, hubs=1, lan=False, cloud=False, dns=False)
        esp_ok, reason = kernel_esp_available(n.branch)

        # --- pluto initiates, we respond -----------------------------------
        peer = iss.Peer(n.hubs[0], iss.peer_conf(SUITE, "aes128-sha1"), "peer-r")
        pluto = lsw.Pluto(n.branch, "pluto").start()
        pluto.load(lsw.conn_config("rtx", left=lab.BRANCH_WAN, right=iss.HUB, ike=SUITE,
                                   esp="aes128-sha1", retransmit_timeout=20),
                   lsw.psk_secrets(PSK))
        pluto.initiate("rtx", timeout=20, asynchronous=True)
        rep = pluto.wait_report("rtx", "ike_established", timeout=20)
        require(rep["ike_established"], "pluto -> us: Main Mode established on pluto", rep)
        check(rep["ike_alg"] and "AES_CBC_128" in rep["ike_alg"] and
              "MODP2048" in rep["ike_alg"], "pluto: AES_CBC_128 / MODP2048", rep["ike_alg"])
        peer.wait_out(r"PEER up site=rtx1", 10)
        check(True, "pluto -> us: Main Mode established on our side (ID 192.168.0.1)")
        rep = pluto.wait_report("rtx", "ipsec_negotiated", timeout=20)
        check(rep["ipsec_negotiated"],
              "pluto accepted our Quick Mode message 2 (HASH(2), SA, Nr, IDs)", rep)
        m = peer.wait_out(r"CHILD_SA add site=rtx1 dir=in spi=(\w+)", 10)
        check(m is not None, "we installed our inbound SA before sending message 2")
        if esp_ok:
            check(rep["ipsec_established"], "pluto: IPsec SA established (kernel has ESP)")
        else:
            # pluto retransmits message 1; we answer with the stored reply
            time.sleep(3)
            st = peer.stats()
            check(st.get("ev_QM_UP", 0) == 0 and st.get("ev_P1_UP", 0) == 1,
                  "pluto: one ISAKMP SA, no Quick Mode completes without message 3", st)
            skip_part("IPsec SA / ESP with Libreswan",
                      "%s; pluto: %s" % (reason, rep["kernel_error"]))
        pluto.stop()
        peer.stop()

        # --- we initiate, pluto responds -----------------------------------
        pluto = lsw.Pluto(n.branch, "pluto2").start()
        pluto.load(lsw.conn_config("rtx", left=lab.BRANCH_WAN, right=iss.HUB, ike=SUITE,
                                   esp="aes128-sha1", auto="add"),
                   lsw.psk_secrets(PSK))
        peer = iss.Peer(n.hubs[0], iss.peer_conf(SUITE, "aes128-sha1", initiate=True),
                        "peer-i")
        peer.wait_out(r"PEER up site=rtx1", 20)
        check(True, "us -> pluto: Main Mode established on our side")
        wait_for(lambda: any(s["state"] == "STATE_MAIN_R3" for s in pluto.states()), 10,
                 0.2, "pluto STATE_MAIN_R3")
        check(True, "us -> pluto: pluto in STATE_MAIN_R3 (ISAKMP SA established)")
        if not esp_ok:
            wait_for(lambda: "STATE_QUICK_R0" in pluto.log() or
                     "Protocol not supported" in pluto.log(), 15, 0.2,
                     "pluto to try our Quick Mode")
            check("Protocol not supported" in pluto.log(),
                  "pluto parsed our Quick Mode message 1 and failed in the kernel")
            skip_part("Quick Mode completion with Libreswan as responder", reason)
        peer.stop()
        pluto.stop()


if __name__ == "__main__":
    main(test, os.path.abspath(sys.argv[1]))
