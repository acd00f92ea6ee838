#!/usr/bin/python3
"""esphub against the Linux kernel's own ESP (XFRM) as the branch router.

The same topology and static keys as test_scapy_netns.py (esp_lab.Lab),
but each branch namespace holds its tunnel end in kernel XFRM states and
policies (`ip xfrm state/policy`) instead of a userspace gateway: every
algorithm (AES-CBC-128/256 with HMAC-SHA1-96 and HMAC-SHA2-256-128,
AES-GCM-16 128/256), plain ESP and UDP encapsulation (RFC 3948; the branch
holds a UDP_ENCAP_ESPINUDP socket on 4500 so the kernel decapsulates), and
ESN on a CBC and a GCM site. Through every tunnel: ping both ways, UDP
both ways with payload checks, 1 MB of TCP both ways; esphub's per-SA
counters count it and there are no esp-in/esp-out drops.

Needs a kernel with ESP. Where `ip xfrm state add ... proto esp` fails (as
on the machine this was written on), the test exits 77 with the reason.
An algorithm the kernel lacks (e.g. no rfc4106(gcm(aes))) skips only the
sites that use it, with the reason.
"""
import time
from concurrent.futures import ThreadPoolExecutor

from esp_lab import CLOUD, HUB_WAN, Lab, udp_exchange
from esp_sites import make_sites
from netns import (PYTHON, Topology, check, kernel_esp_available, main, skip, skip_part,
                   tcp_transfer, wait_for)

INTEG = {"hmac-sha1-96": ("hmac(sha1)", 96), "hmac-sha256-128": ("hmac(sha256)", 128)}

# A UDP socket on 4500 with UDP_ENCAP_ESPINUDP: what makes the kernel hand
# ESP-in-UDP (RFC 3948) to XFRM instead of to a reader.
NATT_SOCKET = """
import signal, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
s.setsockopt(socket.IPPROTO_UDP, 100, 2)     # UDP_ENCAP, UDP_ENCAP_ESPINUDP
print("LISTENING", flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
"""


def label(s):
    return "%s %s/%s%s%s" % (s.name, s.cipher, s.integ or "aead", " udp" if s.udp else " esp",
                             " esn" if s.esn else "")


def xfrm_state(s, spi, key, auth, src, dst, inbound):
    """argv (after `ip`) of one XFRM state of site s."""
    argv = ["xfrm", "state", "add", "src", src, "dst", dst, "proto", "esp",
            "spi", "0x%08x" % spi, "reqid", 100 + s.i, "mode", "tunnel"]
    if inbound or s.esn:
        argv += ["replay-window", 128]
    if s.esn:
        argv += ["flag", "esn"]
    if s.integ:
        name, bits = INTEG[s.integ]
        argv += ["enc", "cbc(aes)", "0x" + key.hex(), "auth-trunc", name, "0x" + auth.hex(),
                 bits]
    else:
        # RFC 4106: the key is the AES key followed by the 4-byte salt.
        argv += ["aead", "rfc4106(gcm(aes))", "0x" + key.hex(), 128]
    if s.udp:
        argv += ["encap", "espinudp", 4500, 4500, "0.0.0.0"]
    return [str(a) for a in argv]


def xfrm_setup(lab, s):
    """Kernel tunnel end of site s in its branch namespace; None or the error."""
    b = lab.branch[s.i]
    # The branch host: its address on lo (not every kernel has dummy links),
    # routed to the cloud from that address, so the out policy
    # (192.168.i.0/24 -> cloud) matches.
    b.addr("lo", s.host + "/32")
    b.route("172.16.0.0/16", via=HUB_WAN, src=s.host)
    if s.udp:
        b.start("natt", [PYTHON, "-c", NATT_SOCKET], log="LISTENING")
    states = [xfrm_state(s, s.spi_in, s.key_in, s.auth_in, s.peer, s.local, False),
              xfrm_state(s, s.spi_out, s.key_out, s.auth_out, s.local, s.peer, True)]
    for argv in states:
        r = b.ip(*argv, check=False)
        if r.returncode != 0:
            return "ip %s: %s" % (" ".join(argv[:3]), (r.stderr or r.stdout).strip())
    reqid = str(100 + s.i)
    for d, src, dst, tsrc, tdst in (("out", s.subnet, "172.16.0.0/16", s.peer, s.local),
                                    ("in", "172.16.0.0/16", s.subnet, s.local, s.peer)):
        b.ip("xfrm", "policy", "add", "src", src, "dst", dst, "dir", d, "tmpl", "src", tsrc,
             "dst", tdst, "proto", "esp", "reqid", reqid, "mode", "tunnel")
    return None


def traffic(lab, s):
    """Ping, UDP and TCP both ways through site s: [(ok, what, detail)]."""
    b, cloud, res = lab.branch[s.i], lab.cloud, []
    r = b.ping(CLOUD, count=3, interval=0.2, timeout=3, src=s.host)
    res.append((r.received == 3, "%s: branch pings the cloud" % label(s), r.output))
    r = cloud.ping(s.host, count=3, interval=0.2, timeout=3)
    res.append((r.received == 3, "%s: the cloud pings the branch host" % label(s), r.output))
    x, srv = udp_exchange(b, cloud, CLOUD, 6000 + s.i)
    res.append((x.get("ok") == 3 and srv.get("echoed") == 3,
                "%s: UDP branch -> cloud and back, payloads intact" % label(s),
                "%r / echo %r" % (x, srv)))
    x, srv = udp_exchange(cloud, b, s.host, 7000 + s.i)
    res.append((x.get("ok") == 3 and srv.get("echoed") == 3,
                "%s: UDP cloud -> branch host and back, payloads intact" % label(s),
                "%r / echo %r" % (x, srv)))
    x = tcp_transfer(b, cloud, CLOUD, mbytes=1, port=5200 + s.i, src_addr=s.host)
    res.append((x.ok, "%s: 1 MB of TCP branch -> cloud intact" % label(s), repr(x)))
    x = tcp_transfer(cloud, b, s.host, mbytes=1, port=5300 + s.i)
    res.append((x.ok, "%s: 1 MB of TCP cloud -> branch host intact" % label(s), repr(x)))
    return res


def test():
    t0 = time.monotonic()
    with Topology() as t:
        ok, reason = kernel_esp_available(t.add_ns("probe"))
        if not ok:
            skip(reason)
        sites = make_sites(HUB_WAN)
        lab = Lab(t, sites, gateways=False)
        live = []
        for s in sites:
            err = xfrm_setup(lab, s)
            if err:
                skip_part(label(s), "the kernel refuses this SA: %s" % err)
            else:
                live.append(s)
        check(live, "the kernel accepts at least one site's SAs")
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda s: traffic(lab, s), live))
        for res in results:
            for good, what, detail in res:
                check(good, what, detail)

        def counted():
            c = lab.sa_counters()
            return c if all(c[(s.name, d)]["packets"] >= 12 for s in live
                            for d in ("in", "out")) else None
        try:
            sa = wait_for(counted, 5, 0.2, "SA counters")
        except TimeoutError:
            sa = lab.sa_counters()
        for s in live:
            for d in ("in", "out"):
                c = sa[(s.name, d)]
                check(c["packets"] >= 12 and c["drops"] == 0,
                      "%s: esphub's %sbound SA counted the traffic (%d packets)" % (
                          label(s), d, c["packets"]), repr(c))
            st = lab.branch[s.i].ip("-s", "xfrm", "state").stdout
            print("%s: kernel XFRM states:\n%s" % (s.name, st), flush=True)
        drops = lab.eh.cli("show drops")
        for stage in ("esp-in", "esp-out"):
            bad = [line for line in drops.splitlines() if line.startswith(stage + " ")]
            check(not bad, "show drops: no %s drops" % stage, drops)
        lab.eh.stop()
    print("total %.1f s" % (time.monotonic() - t0), flush=True)


main(test)
