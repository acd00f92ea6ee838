#!/usr/bin/python3
"""Libreswan (pluto, IKEv1 Main Mode + PSK + modp2048) initiating to a
strongSwan responder (kernel-libipsec) found by DNS name.

    branch (pluto) ── inet (+ dnsmasq: vpn.example) ── hub0 (charon)

Proves: the unpacked Libreswan runs here; its DH groups (no modp1024);
the IKE SA is established (both ends agree: AES-CBC-128, SHA1, MODP2048,
IKE ID 192.168.0.1); what happens to the IPsec SA on a kernel without ESP
(Quick Mode negotiated, kernel SA install refused, no ESP) - that part is
reported as skipped with the kernel's own error text.
"""

import subprocess

from netns import check, kernel_esp_available, main, require, require_tools, skip, skip_part
from netns import Topology
from peers import lab
from peers import libreswan as lsw
from peers import strongswan as ss

PSK = "esphub-test-psk"


def test():
    require_tools(ss.CHARON, "certutil")
    try:
        root = lsw.prepare()
    except lsw.Unavailable as e:
        skip("Libreswan cannot be prepared: %s" % e)
    algparse = root + "/usr/libexec/ipsec/algparse"
    for g in lsw.NO_DH_GROUPS[:2]:
        r = subprocess.run([algparse, "-v1", "ike=aes128-sha1-%s" % g], capture_output=True,
                           text=True)
        check(r.returncode != 0 and "not supported" in r.stdout + r.stderr,
              "Debian 12 Libreswan has no %s" % g, (r.stdout + r.stderr).strip())
    for g in ("modp1536", "modp2048", "dh19", "dh31"):
        r = subprocess.run([algparse, "-v1", "ike=aes128-sha1-%s" % g], capture_output=True,
                           text=True)
        check(r.returncode == 0, "Debian 12 Libreswan has %s" % g, (r.stdout + r.stderr).strip())

    with Topology() as t:
        n = lab.build(t, hubs=1, lan=False, cloud=False)
        hub = ss.Charon(n.hubs[0], "charon").start()
        hub.load(ss.conn_config("rtx", profile="rtx", responder=True, psk=PSK,
                                ike="aes128-sha1-modp2048", local_id=n.hub_addrs[0]))
        pluto = lsw.Pluto(n.branch, "pluto", resolv_conf=n.resolv).start()
        pluto.load(lsw.conn_config("rtx", left=lab.BRANCH_WAN, right=lab.VPN_NAME,
                                   ike="aes128-sha1-modp2048", esp="aes128-sha1",
                                   retransmit_timeout=10),
                   lsw.psk_secrets(PSK))
        r = pluto.initiate("rtx", timeout=20)
        print(r.stdout)

        rep = pluto.wait_report("rtx", "ike_established", timeout=10)
        print("pluto report:", rep)
        require(rep["ike_established"], "pluto: IKE SA (Main Mode) established")
        check(rep["ike_alg"] and "AES_CBC_128" in rep["ike_alg"] and "MODP2048" in rep["ike_alg"]
              and "PRESHARED_KEY" in rep["ike_alg"], "pluto: PSK, AES_CBC_128, MODP2048",
              rep["ike_alg"])
        states = pluto.states()
        print("pluto states:", states)
        check(any(s["state"] == "STATE_MAIN_I4" for s in states),
              "pluto: STATE_MAIN_I4 (ISAKMP SA established)")
        sa = hub.ike_sa("rtx")
        require(sa is not None, "strongSwan responder: IKE SA established with pluto")
        for k, v in (("version", "1"), ("encr-alg", "AES_CBC"), ("encr-keysize", "128"),
                     ("integ-alg", "HMAC_SHA1_96"), ("dh-group", "MODP_2048"),
                     ("remote-id", lab.LAN_GW), ("remote-host", lab.BRANCH_WAN)):
            check(sa.get(k) == v, "responder sees %s = %s" % (k, v), sa.get(k))
        check("query[A] vpn.example from %s" % lab.BRANCH_WAN in n.dns.log(),
              "addconn/pluto resolved vpn.example through dnsmasq")

        esp_ok, reason = kernel_esp_available(n.branch)
        rep = pluto.wait_report("rtx", "ipsec_negotiated", timeout=10)
        print("pluto report:", rep)
        check(rep["ipsec_negotiated"], "pluto: Quick Mode negotiated up to SA installation")
        if esp_ok:
            check(rep["ipsec_established"], "pluto: IPsec SA established (kernel has ESP)")
            return
        check(not rep["ipsec_established"] and rep["kernel_error"]
              and "Protocol not supported" in rep["kernel_error"],
              "pluto: kernel refuses the ESP SA", rep["kernel_error"])
        check("STATE_QUICK_I1 had internal error" in pluto.log(),
              "pluto: Quick Mode stays in STATE_QUICK_I1 (QM3 never sent)")
        check(not hub.child_sas("rtx", state="INSTALLED"),
              "responder installs no CHILD_SA without QM3")
        skip_part("IPsec SA / ESP traffic through Libreswan",
                  "%s; pluto: %s" % (reason, rep["kernel_error"]))


if __name__ == "__main__":
    main(test)
