#!/usr/bin/python3
"""esphub's IKEv1 against real strongSwan branches (and Libreswan), end to end.

    test_esphub_ike.py profiles | dpd | initial_contact | restart | libreswan

The branch is charon with its userspace ESP (kernel-libipsec, always
UDP-encapsulated here): traffic from the branch LAN host crosses charon,
the internet and esphub to the cloud server and back.
"""
import sys
import time

from esphub_lab import PSK, branch, sa_rows, site, start_hub
from netns import Topology, check, main, skip, skip_part, tcp_transfer, wait_for
from peers import lab, strongswan

CLOUD = lab.CLOUD_HOST


def up(ch, ike="rtx", child="lan", timeout=30):
    ch.initiate(ike, child, check=False)
    return ch.wait_child(ike, child, timeout=timeout)


def traffic(n, label, mbytes=2):
    r = n.lan.ping(CLOUD, count=5, interval=0.2)
    check(r.received == 5, "%s: the branch LAN host pings the cloud server through "
          "esphub" % label, r.output)
    x = tcp_transfer(n.lan, n.cloud, CLOUD, mbytes=mbytes)
    check(x.ok, "%s: %d MB of TCP cross the tunnel intact" % (label, mbytes), repr(x))
    x = tcp_transfer(n.cloud, n.lan, lab.LAN_HOST, mbytes=1, port=5202)
    check(x.ok, "%s: 1 MB of TCP from the cloud to the branch intact" % label, repr(x))


def profiles():
    """RTX aes128-sha1-modp1024 with PFS off and on; aes256-sha256-modp2048."""
    cases = [("rtx", False, "aes128-cbc/sha1-96", "MODP_1024"),
             ("rtx", True, "aes128-cbc/sha1-96", "MODP_1024"),
             ("rtx-aes256", True, "aes256-cbc/sha256-128", "MODP_2048")]
    with Topology() as t:
        n = lab.build(t, hubs=1)
        ike = 'proposals = [ "aes128-sha1-modp1024", "aes256-sha256-modp2048" ];'
        esp = 'esp_proposals = [ "aes128-sha1", "aes128-sha1-modp1024", ' \
              '"aes256-sha256-modp2048" ];'
        eh = start_hub(n, 0, [site(extra=esp)], ike=ike)
        for prof, pfs, algo, group in cases:
            label = "%s%s" % (prof, " pfs" if pfs else "")
            ch = branch(n, strongswan.conn_config("rtx", profile=prof, pfs=pfs))
            child = up(ch)
            ikesa = ch.ike_sa("rtx")
            check(ikesa is not None and ikesa.get("dh-group") == group,
                  "%s: charon's ISAKMP SA uses %s" % (label, group), repr(ikesa))
            check(child is not None and (("dh-group" in child) == pfs),
                  "%s: PFS %s in Quick Mode" % (label, "on" if pfs else "off"), repr(child))
            rows = [r for r in sa_rows(eh) if r["state"] == "live"]
            check(len(rows) == 2 and all(r["algorithm"] == algo and r["encap"] == "udp"
                                         for r in rows),
                  "%s: esphub holds the pair, %s, UDP-encapsulated" % (label, algo),
                  eh.cli("show sa"))
            spis = {r["dir"]: r["spi"] for r in rows}
            check(child and int(child.get("spi-in", "0"), 16) == spis.get("out") and
                  int(child.get("spi-out", "0"), 16) == spis.get("in"),
                  "%s: the SPIs agree on both sides" % label, repr((child, spis)))
            traffic(n, label)
            show = eh.cli("show ike sa detail")
            check("ESTABLISHED" in show and "osaka" in show,
                  "%s: show ike sa lists the established ISAKMP SA" % label, show)
            counts = {r["dir"]: r["packets"] for r in sa_rows(eh)}
            check(counts.get("in", 0) > 1000 and counts.get("out", 0) > 500,
                  "%s: per-SA counters count the traffic" % label, repr(counts))
            ch.terminate("rtx", check=False)
            wait_for(lambda: not [r for r in sa_rows(eh) if r["state"] == "live"], 15, 0.2,
                     "esphub to remove the SAs after the branch's DELETE")
            ch.stop()
        st = eh.telemetry("/esphub/site,osaka")
        check(st.get("up_transitions", 0) >= 3, "telemetry counts the site's ups", repr(st))
        drops = eh.cli("show drops")
        check("esp-in" not in drops, "no ESP drops", drops)
        eh.stop()


def dpd():
    """The branch vanishes (SIGKILL): esphub frees its SAs within the DPD timeout."""
    with Topology() as t:
        n = lab.build(t, hubs=1)
        eh = start_hub(n, 0, [site(dpd=5, dpd_timeout=20)])
        ch = branch(n, strongswan.conn_config("rtx"))
        up(ch)
        traffic(n, "before", mbytes=1)
        check(len(sa_rows(eh)) == 2, "esphub has the pair", eh.cli("show sa"))
        ch.kill()
        t0 = time.monotonic()
        wait_for(lambda: not sa_rows(eh), 40, 0.5, "esphub to drop the vanished branch's SAs")
        took = time.monotonic() - t0
        # Idle after the kill: DPD starts after dpd_delay, gives up after dpd_timeout.
        check(took <= 5 + 20 + 5, "esphub dropped the SAs %.1f s after the kill (DPD 5 s/20 s)"
              % took)
        st = eh.telemetry("/esphub/site,osaka")
        check(st["dpd_failures"] == 1 and st["up"] == 0 and st["down_transitions"] == 1,
              "the site counts one DPD failure and one down transition", repr(st))
        log = open(eh.proc.err_path).read()
        check(log.count("osaka: down (dead peer detection)") == 1,
              "the loss is logged once", log[-600:])
        eh.stop()


def initial_contact():
    """The branch restarts and dials again: INITIAL-CONTACT removes its old SAs.

    Every server behind vpn.example has the IKE ID FQDN vpn.example; the
    branch expects exactly that ID, which is when strongSwan sends
    INITIAL-CONTACT (never to a wildcard ID)."""
    ident = 'local_id = "fqdn:vpn.example";'
    conn = strongswan.conn_config("rtx", dpd_delay=30, dpd_timeout=120, remote_id="vpn.example")
    with Topology() as t:
        n = lab.build(t, hubs=1)
        eh = start_hub(n, 0, [site(dpd=30, dpd_timeout=120)], ike=ident)
        ch = branch(n, conn)
        up(ch)
        old = {r["spi"] for r in sa_rows(eh)}
        ch.kill()
        ch = branch(n, conn, name="charon2")
        up(ch)
        wait_for(lambda: not (old & {r["spi"] for r in sa_rows(eh)}), 15, 0.2,
                 "esphub to drop the old SAs")
        st = eh.telemetry("/esphub/ike_stats")
        check(st["ev_INITIAL_CONTACT"] >= 1, "esphub processed INITIAL-CONTACT", repr(st))
        check(len(sa_rows(eh)) == 2, "only the new pair remains (INITIAL-CONTACT honoured)",
              eh.cli("show sa"))
        traffic(n, "after restart", mbytes=1)
        eh.stop()


def restart():
    """esphub restarts: the branch's DPD notices and it re-establishes."""
    with Topology() as t:
        n = lab.build(t, hubs=1)
        eh = start_hub(n, 0, [site()])
        ch = branch(n, strongswan.conn_config("rtx", dpd_delay=5, dpd_timeout=20))
        up(ch)
        traffic(n, "before", mbytes=1)
        eh.stop()
        eh = start_hub(n, 0, [site()], name="esphub2")
        t0 = time.monotonic()
        wait_for(lambda: len(sa_rows(eh)) == 2, 60, 0.5,
                 "the branch to re-establish with the restarted esphub")
        print("re-established %.1f s after the restart" % (time.monotonic() - t0))
        traffic(n, "after esphub's restart", mbytes=1)
        eh.stop()


def libreswan():
    """Libreswan (pluto) as the branch: IKE only on this kernel."""
    from peers import libreswan as ls
    try:
        ls.prepare()
    except ls.Unavailable as e:
        skip("Libreswan cannot run here: %s" % e)
    with Topology() as t:
        n = lab.build(t, hubs=1)
        ike = 'proposals = [ "aes128-sha1-modp2048" ];'
        eh = start_hub(n, 0, [site(extra='esp_proposals = [ "aes128-sha1" ];')], ike=ike)
        pl = ls.Pluto(n.branch, resolv_conf=n.resolv).start()
        pl.load(ls.conn_config("rtx", left=lab.BRANCH_WAN, right="vpn.example",
                               ike="aes128-sha1-modp2048", esp="aes128-sha1"),
                ls.psk_secrets(PSK))
        pl.initiate("rtx")
        rep = pl.wait_report("rtx", "ike_established", timeout=30)
        check(rep["ike_established"], "pluto establishes Main Mode with esphub", repr(rep))
        show = eh.cli("show ike sa")
        check("ESTABLISHED" in show, "esphub shows the ISAKMP SA established", show)
        rep = pl.wait_report("rtx", "ipsec_negotiated", timeout=30)
        if rep.get("kernel_error"):
            skip_part("ESP through Libreswan", "its kernel cannot install ESP here: %s"
                      % rep["kernel_error"])
        else:
            check(rep["ipsec_negotiated"], "Quick Mode negotiated", repr(rep))
        eh.stop()


CASES = {"profiles": profiles, "dpd": dpd, "initial_contact": initial_contact,
         "restart": restart, "libreswan": libreswan}

main(CASES[sys.argv[1]])
