#!/usr/bin/python3
"""esphub's IKEv1 against real strongSwan branches (and Libreswan), end to end.

    test_esphub_ike.py profiles | dpd | initial_contact | restart | libreswan |
                       shared_subnet | rekey | spi_clash | flood

The branch is charon with its userspace ESP (kernel-libipsec, always
UDP-encapsulated here): traffic from the branch LAN host crosses charon,
the internet and esphub to the cloud server and back.
"""
import sys
import time

from concurrent.futures import ThreadPoolExecutor

from esphub_lab import PSK, branch, sa_rows, site, start_hub
from netns import (Topology, UdpProbes, check, main, skip, skip_part, tcp_transfer,
                   wait_for)
from peers import lab, strongswan

CLOUD = lab.CLOUD_HOST
MASQUERADE = 'nat = { masquerade = ( { destination = "172.16.0.0/16"; } ); };'


def up(ch, ike="rtx", child="lan", timeout=30):
    ch.initiate(ike, child, check=False)
    return ch.wait_child(ike, child, timeout=timeout)


def traffic(n, label, mbytes=2, masq=False):
    """Ping and TCP both ways. masq: esphub masquerades the branch, so the
    cloud sees its own inside address; the cloud reaches the branch LAN
    by its real address either way."""
    src = lab.HUB_INSIDE if masq else lab.LAN_HOST
    r = n.lan.ping(CLOUD, count=5, interval=0.2)
    check(r.received == 5, "%s: the branch LAN host pings the cloud server through "
          "esphub" % label, r.output)
    x = tcp_transfer(n.lan, n.cloud, CLOUD, mbytes=mbytes)
    check(x.ok and x.peer == src, "%s: %d MB of TCP cross the tunnel intact, from %s"
          % (label, mbytes, src), repr(x))
    x = tcp_transfer(n.cloud, n.lan, lab.LAN_HOST, mbytes=1, port=5202)
    check(x.ok and x.peer == CLOUD, "%s: 1 MB of TCP from the cloud to the branch intact"
          % label, repr(x))


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
        eh = start_hub(n, 0, [site(extra=esp)], ike=ike, nat=MASQUERADE)
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
            traffic(n, label, masq=True)
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
        # Silent from the kill: R-U-THERE after dpd_delay, given up dpd_timeout later.
        check(5 + 20 - 1 <= took <= 5 + 20 + 2,
              "esphub dropped the SAs %.1f s after the kill (DPD 5 s + 20 s)" % took)
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


def shared_subnet():
    """Two branches with the same LAN (192.168.0.0/24, host 192.168.0.10)
    dial one esphub; both reach the cloud at the same time through NAT.

        lan  192.168.0.10 - branch  198.51.100.2 -+
                                                  inet - hub0: esphub - cloud
        lan2 192.168.0.10 - branch2 198.51.101.2 -+
    """
    with Topology() as t:
        n = lab.build(t, hubs=1)
        b2, lan2 = t.add_ns("branch2", forward=True), t.add_ns("lan2")
        t.link(lan2, b2, lab.LAN_HOST + "/24", lab.LAN_GW + "/24")
        lan2.route("default", via=lab.LAN_GW)
        t.link(b2, n.inet, "198.51.101.2/24", "198.51.101.1/24")
        b2.route("default", via="198.51.101.1")
        sites = [site("osaka", id="fqdn:osaka.example"), site("kobe", id="fqdn:kobe.example")]
        eh = start_hub(n, 0, sites, nat=MASQUERADE)
        ch1 = branch(n, strongswan.conn_config("rtx", local_id="osaka.example"))
        ch2 = strongswan.Charon(b2, "charon", resolv_conf=n.resolv).start()
        ch2.load(strongswan.conn_config("rtx", local_id="kobe.example"))
        with ThreadPoolExecutor(2) as pool:
            kids = list(pool.map(up, (ch1, ch2)))
        check(all(kids), "both branches establish their tunnel", repr(kids))
        check(len([r for r in sa_rows(eh) if r["state"] == "live"]) == 4,
              "esphub holds two pairs", eh.cli("show sa"))

        with ThreadPoolExecutor(2) as pool:
            pings = list(pool.map(lambda ns: ns.ping(CLOUD, count=5, interval=0.2),
                                  (n.lan, lan2)))
            xs = list(pool.map(lambda a: tcp_transfer(a[0], n.cloud, CLOUD, mbytes=2,
                                                      port=a[1]),
                               ((n.lan, 5201), (lan2, 5203))))
        for label, r, x in zip(("osaka", "kobe"), pings, xs):
            check(r.received == 5, "%s: 192.168.0.10 pings the cloud" % label, r.output)
            check(x.ok and x.peer == lab.HUB_INSIDE,
                  "%s: 2 MB of TCP from 192.168.0.10 arrive intact, from %s"
                  % (label, lab.HUB_INSIDE), repr(x))
        rows = [ln.split() for ln in eh.cli("show nat sessions").splitlines()
                if ln.split()[:1] in (["tcp"], ["icmp"])]
        check({(r[0], r[4]) for r in rows} >= {("tcp", "osaka"), ("tcp", "kobe"),
                                               ("icmp", "osaka"), ("icmp", "kobe")},
              "show nat sessions: TCP and ICMP sessions of both sites", repr(rows))
        # The shared prefix names no single branch: the cloud cannot pick one.
        r = n.cloud.ping(lab.LAN_HOST, count=1, timeout=1)
        check(r.received == 0, "the cloud cannot address an ambiguous branch host", r.output)
        ch1.stop()
        ch2.stop()
        eh.stop()


LAN2_HOST, LAN2_GW, LAN2_NET = "192.168.1.10", "192.168.1.1", "192.168.1.0/24"


def second_branch(t, n):
    """branch2 198.51.101.2 with its own LAN lan2: LAN2_HOST behind LAN2_GW."""
    b2, lan2 = t.add_ns("branch2", forward=True), t.add_ns("lan2")
    t.link(lan2, b2, LAN2_HOST + "/24", LAN2_GW + "/24")
    lan2.route("default", via=LAN2_GW)
    t.link(b2, n.inet, "198.51.101.2/24", "198.51.101.1/24")
    b2.route("default", via="198.51.101.1")
    return b2, lan2


def spi_clash():
    """Two branches choose the same inbound SPI, so esphub's outbound SAs of
    two sites share it (as may happen by chance among many sites, or on
    purpose by a branch that saw another's). One branch leaves: its SAs go,
    the other's stay and carry traffic both ways. Every IKE SA carries the
    soft packet limit that rekeys it before its sequence numbers run out."""
    spi = 0xc0c0ffee
    opts = "spi_min = 0x%08x\n    spi_max = 0x%08x" % (spi, spi)
    with Topology() as t:
        n = lab.build(t, hubs=1)
        b2, lan2 = second_branch(t, n)
        sites = [site("osaka", id="fqdn:osaka.example"),
                 site("kobe", id="fqdn:kobe.example", lan_net=LAN2_NET)]
        eh = start_hub(n, 0, sites, nat=MASQUERADE)
        ch1 = branch(n, strongswan.conn_config("rtx", local_id="osaka.example"),
                     options=opts)
        ch2 = strongswan.Charon(b2, "charon", resolv_conf=n.resolv, options=opts).start()
        ch2.load(strongswan.conn_config("rtx", local_id="kobe.example", local_ts=LAN2_NET))
        kids = [up(ch1), up(ch2)]
        check(all(kids) and all(int(k.get("spi-in", "0"), 16) == spi for k in kids),
              "both branches chose inbound SPI 0x%08x" % spi, repr(kids))
        outs = [r for r in sa_rows(eh) if r["dir"] == "out"]
        check(sorted(r["site"] for r in outs) == ["kobe", "osaka"] and
              all(r["spi"] == spi for r in outs),
              "esphub has an outbound SA with SPI 0x%08x for each site" % spi,
              eh.cli("show sa"))
        detail = eh.cli("show sa detail")
        check(detail.count("B 4227858432 pkts, hard") == 4,
              "each of the four IKE SAs has the soft packet limit 2^32 - 2^26", detail)
        for label, ns in (("osaka", n.lan), ("kobe", lan2)):
            r = ns.ping(CLOUD, count=3, interval=0.2)
            check(r.received == 3, "%s: the branch LAN pings the cloud" % label, r.output)

        ch1.terminate("rtx", check=False)
        wait_for(lambda: not [r for r in sa_rows(eh) if r["site"] == "osaka"], 15, 0.2,
                 "esphub to remove osaka's SAs after its DELETE")
        rows = sa_rows(eh)
        check(sorted((r["site"], r["dir"]) for r in rows) == [("kobe", "in"), ("kobe", "out")],
              "only kobe's pair is left, osaka's outbound SA included in the removal",
              eh.cli("show sa"))
        r = lan2.ping(CLOUD, count=5, interval=0.2)
        check(r.received == 5, "kobe: still pings the cloud, replies encrypted to it", r.output)
        x = tcp_transfer(n.cloud, lan2, LAN2_HOST, mbytes=1, port=5202)
        check(x.ok and x.peer == CLOUD, "kobe: 1 MB of TCP from the cloud arrives", repr(x))
        ch1.stop()
        ch2.stop()
        eh.stop()


def rekey():
    """Rekey under traffic. The branch proposes IPsec SAs of 40 s and an
    ISAKMP SA of 90 s; esphub accepts them and rekeys 10 s before the end
    (no fuzz), before charon would (at 90 %). Numbered UDP probes at 100/s
    cross the tunnel both ways through >= 3 IPsec and >= 1 ISAKMP rekey:
    not one may be lost."""
    conn = strongswan.conn_config("rtx", ike_lifetime=90, esp_lifetime=40, dpd_delay=30,
                                  dpd_timeout=120)
    with Topology() as t:
        n = lab.build(t, hubs=1)
        eh = start_hub(n, 0, [site(dpd=30, dpd_timeout=120)],
                       ike="rekey_margin = 10; rekey_fuzz = 0;", nat=MASQUERADE)
        ch = branch(n, conn)
        check(up(ch) is not None, "the branch is up")
        t0 = time.monotonic()
        with UdpProbes(n.lan, n.cloud, CLOUD, port=5300, rate=100) as up_pr, \
                UdpProbes(n.cloud, n.lan, lab.LAN_HOST, port=5301, rate=100) as down_pr:
            def rekeyed():
                st = eh.telemetry("/esphub/site,osaka")
                return st if st["child_rekeys"] >= 3 and st["ike_rekeys"] >= 1 else None
            try:
                st = wait_for(rekeyed, 150, 1.0, "three IPsec and one ISAKMP rekey")
            except TimeoutError:
                st = eh.telemetry("/esphub/site,osaka")
            # Let the last old pair's DELETE pass under traffic too.
            time.sleep(7)
        took = time.monotonic() - t0
        check(st["child_rekeys"] >= 3 and st["ike_rekeys"] >= 1,
              "%d IPsec and %d ISAKMP rekeys in %.0f s" % (st["child_rekeys"],
                                                          st["ike_rekeys"], took), repr(st))
        for what, pr in (("branch -> cloud", up_pr), ("cloud -> branch", down_pr)):
            r = pr.result
            check(r.ok and r.sent > 100 * (took - 10),
                  "%s: all %d probes arrived across the rekeys" % (what, r.sent), repr(r))
        check(st["up"] == 1 and st["down_transitions"] == 0,
              "the site stayed up throughout", repr(st))
        live = [r for r in sa_rows(eh) if r["state"] == "live"]
        check(len(live) == 2, "one SA pair left once the old ones are deleted",
              eh.cli("show sa"))
        drops = eh.cli("show drops")
        check("esp-in" not in drops and "esp-out" not in drops, "no ESP drops", drops)
        ch.stop()
        eh.stop()


FLOOD = r"""
import random, socket, struct, sys, time
from scapy.all import IP, UDP, Ether, raw
from scapy.layers.isakmp import (ISAKMP, ISAKMP_payload_Proposal, ISAKMP_payload_SA,
                                 ISAKMP_payload_Transform)
dev, mac, dst, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
sa = ISAKMP_payload_SA(prop=ISAKMP_payload_Proposal(trans=ISAKMP_payload_Transform(
    transforms=[("Encryption", "AES-CBC"), ("KeyLength", 128), ("Hash", "SHA"),
                ("GroupDesc", "1024MODPgr"), ("Authentication", "PSK"),
                ("LifeType", "Seconds"), ("LifeDuration", 28800)])))
frames = []
for i in range(4096):
    # Spoofed Main Mode message 1s from 4096 sources, and one source of its own.
    src = "10.66.%d.%d" % (i >> 8, i & 255) if i % 4 else "10.77.0.1"
    ck = struct.pack("!Q", random.getrandbits(64) | 1)
    frames.append(raw(Ether(dst=mac) / IP(src=src, dst=dst) / UDP(sport=500, dport=500) /
                      ISAKMP(init_cookie=ck, exch_type=2) / sa))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
n, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    for f in frames:
        s.send(f)
    n += len(frames)
print(n, flush=True)
"""


def flood():
    """Issue 12 item 9: spoofed Main Mode message 1s flood esphub's outside
    port from 3072 sources (and a quarter of them from one) while a branch
    is up: its DPD and a rekey go through the ring for the box's own IKE
    SAs, the single loud source is cut per source, and the site never goes
    down."""
    conn = strongswan.conn_config("rtx", esp_lifetime=30, dpd_delay=2, dpd_timeout=10)
    with Topology() as t:
        n = lab.build(t, hubs=1)
        eh = start_hub(n, 0, [site(dpd=2, dpd_timeout=8)],
                       ike="rekey_margin = 10; rekey_fuzz = 0;", nat=MASQUERADE)
        ch = branch(n, conn)
        check(up(ch) is not None, "the branch is up")
        known0 = eh.worker_stats()["punted_known"]
        mac = n.hubs[0].run(["cat", "/sys/class/net/v-inet/address"]).stdout.strip()
        fl = n.inet.start("flood", ["/usr/bin/python3", "-c", FLOOD, "br0", mac,
                                     lab.hub_addr(0), "35"])
        try:
            st = wait_for(lambda: (lambda s: s if s["child_rekeys"] >= 1 else None)(
                eh.telemetry("/esphub/site,osaka")), 40, 1.0, "a rekey under the flood")
        except TimeoutError:
            st = eh.telemetry("/esphub/site,osaka")
        fl.wait(60)
        sent = int(open(fl.out_path).read().split()[0])
        ws, drops = eh.worker_stats(), eh.drops()
        check(sent > 20000, "the flood sent %d spoofed message 1s" % sent)
        check(st["child_rekeys"] >= 1 and st["up"] == 1 and st["down_transitions"] == 0,
              "under the flood the site rekeyed and stayed up (DPD every 2 s)", repr(st))
        check(ws["punted_known"] - known0 >= 5,
              "%d datagrams of the branch's IKE SA went through the ring served first"
              % (ws["punted_known"] - known0), repr(ws))
        check(drops["local/ike_rate_limited"] > 0,
              "the one loud source was cut per source (%d dropped)"
              % drops["local/ike_rate_limited"], repr(drops))
        traffic(n, "after the flood", mbytes=1, masq=True)
        ch.stop()
        eh.stop()


CASES = {"profiles": profiles, "dpd": dpd, "initial_contact": initial_contact,
         "restart": restart, "libreswan": libreswan, "shared_subnet": shared_subnet,
         "rekey": rekey, "spi_clash": spi_clash, "flood": flood}

main(CASES[sys.argv[1]])
