"""Libreswan (pluto 4.10 from Debian 12) as an IKE peer in a namespace.

    from peers import libreswan as lsw
    try:
        p = lsw.Pluto(branch_ns, "pluto").start()
    except lsw.Unavailable as e:
        skip(str(e))
    p.load(lsw.conn_config("rtx", left="198.51.100.2", right="vpn.example"),
           lsw.psk_secrets("esphub-test-psk"))
    p.initiate("rtx")
    p.sa_report("rtx")   # {'ike_established': True, 'ipsec_negotiated': True, ...}

Installation: Debian's libreswan package conflicts with strongSwan's, so
prepare() fetches it with `apt-get download libreswan` and unpacks it
(`dpkg-deb -x`) into CACHE (/var/cache/esphub-test/libreswan/<version>/root,
or $ESPHUB_LIBRESWAN_CACHE), once; later runs reuse it.  Its runtime
libraries are installed with apt-get when missing; on a stock Debian 12 with
strongSwan these were missing: libnss3-tools (certutil), libldns3,
libevent-pthreads-2.1-7 (the rest of RUNTIME_PACKAGES came with other
packages).

Running: pluto --nofork is started directly (PID recorded) with its own
--config/--secretsfile/--ipsecdir/--nssdir (NSS db made by `certutil -N
--empty-password`) and --rundir /run/pluto, in its own mount namespace: a
private /run with <instance dir>/run bind-mounted on /run/pluto (ctl socket
pluto.ctl, reached as /proc/<pid>/root/run/pluto/pluto.ctl), and the unpacked
usr/libexec bind-mounted over /usr/libexec, because pluto runs addconn from
the compiled-in /usr/libexec/ipsec (it refuses to start without it); pluto
itself runs `addconn --autoall` at start-up.  IKEv1 needs
`ikev1-policy=accept` in config setup (set here); dnssec is off; updown is
%disabled.

DH groups of Debian 12's build (algparse -v1, and pluto's start-up table):
modp1536 modp2048 modp3072 modp4096 modp6144 modp8192 dh19 dh20 dh21 dh31
(ecp256/384/521, curve25519); ESP PFS likewise for the MODP groups.
modp768, modp1024 and dh22-24 are not built: the RTX profile
aes128-sha1-modp1024 cannot be spoken by this Libreswan; use modp2048.

Behaviour without kernel ESP (this kernel: XFRM without ESP, found by running
it; strongSwan kernel-libipsec peer, which fakes NAT so IKE floats to 4500):
- Main Mode completes on both roles: "IKE SA established {auth=PRESHARED_KEY
  cipher=AES_CBC_128 integ=HMAC_SHA1 group=MODP2048}", STATE_MAIN_I4/R3.
- As initiator, Quick Mode is negotiated: the responder's QM2 is accepted,
  then installing the inbound SA fails: 'netlink response for Add SA
  esp.<spi>@<peer>: Protocol not supported (errno 93)', 'setup_half_ipsec_sa()
  hit fail', 'state transition function for STATE_QUICK_I1 had internal
  error'.  pluto never sends QM3, stays in STATE_QUICK_I1 and retransmits QM1
  (the peer answers them as retransmits) until retransmit-timeout (60 s by
  default), then "starting keying attempt 2 of an unlimited number" with a
  new Quick Mode and deletes the old state without notification.  A
  strongSwan responder retransmits QM2 meanwhile, then logs "giving up after
  3 retransmits" (strongswan.py's settings, ~14 s) and destroys its IKE SA
  without a Delete; pluto's next Quick Mode then goes unanswered.
- As responder, pluto installs the inbound SA before answering QM1: the same
  netlink error, "STATE_QUICK_R0 had internal error", QM2 is never sent and
  the initiator times out.
So only IKE (Main Mode, and Quick Mode negotiation as initiator) can be
tested with Libreswan here; no ESP traffic.  sa_report() tells these apart.

API:
  prepare(cache=CACHE, install=True) -> unpacked root (raises Unavailable)
  conn_config(name, *, left, right, leftid, rightid, leftsubnet, rightsubnet,
              ike, esp, pfs, version, ikelifetime, salifetime, dpddelay,
              dpdtimeout, dpdaction, retransmit_timeout, auto, extra) -> text
  psk_secrets(psk, ids) -> ipsec.secrets text
  Pluto(ns, name, *, nameserver, resolv_conf, debug, root)
    .start() .stop() .pid .ctl .log_path .log() .load(conns, secrets)
    .initiate(name, timeout, asynchronous) .terminate(name) .whack(*args)
    .states() .status() .sa_report(name) .wait_report(name, key, timeout)
  DH_GROUPS, NO_DH_GROUPS, RUNTIME_PACKAGES, Unavailable
"""

import fcntl
import glob
import os
import re
import shutil
import subprocess
import time

# Runtime libraries of Debian's libreswan 4.10 that a strongSwan box may lack
# (the .deb itself cannot be installed: it conflicts with strongSwan).
RUNTIME_PACKAGES = ["libnss3-tools", "libldns3", "libevent-pthreads-2.1-7",
                    "libevent-core-2.1-7", "libunbound8", "libcurl3-nss", "libnss3",
                    "libnspr4", "libcap-ng0", "libaudit1", "libldap-2.5-0"]
CACHE = os.environ.get("ESPHUB_LIBRESWAN_CACHE", "/var/cache/esphub-test/libreswan")

# DH groups of Debian 12's build (algparse -v1): modp1536 modp2048 modp3072
# modp4096 modp6144 modp8192 dh19 (ecp256) dh20 (ecp384) dh21 (ecp521)
# dh31 (curve25519).  Not built: modp768, modp1024, dh22-24.
DH_GROUPS = ["modp1536", "modp2048", "modp3072", "modp4096", "modp6144", "modp8192",
             "dh19", "dh20", "dh21", "dh31"]
NO_DH_GROUPS = ["modp768", "modp1024", "dh22", "dh23", "dh24"]


class Unavailable(Exception):
    """Libreswan cannot be prepared here; str() is the reason (for skip())."""


def _missing_packages():
    missing = []
    for p in RUNTIME_PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p],
                           capture_output=True, text=True)
        if "ok installed" not in r.stdout:
            missing.append(p)
    return missing


def prepare(cache=CACHE, install=True):
    """Unpack Debian's libreswan into cache (idempotent: reused when present)
    and make sure its runtime libraries are installed (apt-get, if install).
    Returns the root of the unpacked tree (binaries in
    <root>/usr/libexec/ipsec).  Raises Unavailable with the reason."""
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = _missing_packages()
        if missing and install:
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing
            r = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if r.returncode != 0:
                subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
                r = subprocess.run(cmd, capture_output=True, text=True, env=env)
            missing = _missing_packages()
        if missing:
            raise Unavailable("libreswan runtime packages missing: %s" % " ".join(missing))
        roots = sorted(glob.glob(os.path.join(cache, "*", "root", "usr", "libexec",
                                              "ipsec", "pluto")))
        if roots:
            return roots[-1].rsplit("/usr/libexec/", 1)[0]
        tmp = os.path.join(cache, "download")
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        os.chmod(tmp, 0o777)     # apt-get download runs as _apt when it can
        r = subprocess.run(["apt-get", "download", "-q", "libreswan"], cwd=tmp,
                           capture_output=True, text=True)
        debs = glob.glob(os.path.join(tmp, "libreswan_*.deb"))
        if r.returncode != 0 or not debs:
            raise Unavailable("apt-get download libreswan failed: %s" % r.stderr.strip())
        version = re.match(r"libreswan_(.+)_[^_]+\.deb$", os.path.basename(debs[0])).group(1)
        dest = os.path.join(cache, version.replace(":", "_"))
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(dest, "root.tmp")],
                       check=True)
        os.rename(os.path.join(dest, "root.tmp"), os.path.join(dest, "root"))
        shutil.rmtree(tmp, ignore_errors=True)
        return os.path.join(dest, "root")


def conn_config(name="rtx", *, left, right, leftid="192.168.0.1", rightid="%any",
                leftsubnet="192.168.0.0/24", rightsubnet="172.16.0.0/16",
                ike="aes128-sha1-modp2048", esp="aes128-sha1", pfs=False, version=1,
                ikelifetime=28800, salifetime=28800, dpddelay=5, dpdtimeout=20,
                dpdaction="restart", retransmit_timeout=60, auto="add", extra=None):
    """ipsec.conf 'conn' section: PSK, RTX-like (IKEv1 Main Mode, IKE ID =
    the LAN router address as ID_IPV4_ADDR, DPD 5 s / 20 s restart, 28800 s
    lifetimes).  right may be a DNS name (resolved by addconn/pluto through
    the instance's resolv.conf).  pfs=True adds the IKE DH group to esp.
    extra: {key: value} added verbatim."""
    opts = {
        "keyexchange": "ike",
        "ikev2": "no" if version == 1 else "yes",
        "authby": "secret",
        "left": left, "leftid": leftid, "leftsubnet": leftsubnet,
        "right": right, "rightid": rightid, "rightsubnet": rightsubnet,
        "ike": ike, "esp": esp, "pfs": "yes" if pfs else "no",
        "ikelifetime": "%ds" % ikelifetime, "salifetime": "%ds" % salifetime,
        "dpddelay": "%d" % dpddelay, "dpdtimeout": "%d" % dpdtimeout,
        "dpdaction": dpdaction,
        "retransmit-timeout": "%ds" % retransmit_timeout,
        "leftupdown": "%disabled",
        "auto": auto,
    }
    if version != 1:
        for k in ("dpdtimeout", "dpdaction"):
            opts.pop(k)
    opts.update(extra or {})
    return "conn %s\n%s\n" % (name, "".join("    %s=%s\n" % kv for kv in opts.items()))


def psk_secrets(psk="esphub-test-psk", ids="%any %any"):
    """ipsec.secrets text: '<ids> : PSK "<psk>"'."""
    return '%s : PSK "%s"\n' % (ids, psk)


class Pluto:
    """One pluto in namespace ns.  debug: plutodebug value ("none", "base",
    "all"...); nameserver/resolv_conf as for strongswan.Charon."""

    def __init__(self, ns, name="pluto", *, nameserver=None, resolv_conf=None,
                 debug="none", root=None):
        self.root = root or prepare()
        self.bin = os.path.join(self.root, "usr", "libexec", "ipsec")
        self.ns, self.name, self.debug = ns, name, debug
        self.dir = ns.topo.path("%s.%s" % (ns.node, name), "")
        self.conf = os.path.join(self.dir, "ipsec.conf")
        self.secrets = os.path.join(self.dir, "ipsec.secrets")
        self.log_path = os.path.join(self.dir, "pluto.log")
        self.nssdir = os.path.join(self.dir, "nss")
        self.resolv_conf = resolv_conf or os.path.join(self.dir, "resolv.conf")
        if not resolv_conf:
            with open(self.resolv_conf, "w") as f:
                f.write("nameserver %s\noptions timeout:1 attempts:2\n"
                        % (nameserver or "127.0.0.1"))
        for d in ("run", "ipsec.d", "nss"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        self._conns = ""
        self._write(self._conns, psk_secrets())
        subprocess.run(["certutil", "-N", "-d", "sql:" + self.nssdir, "--empty-password"],
                       check=True, capture_output=True)
        self.proc = None

    def _write(self, conns, secrets):
        with open(self.conf, "w") as f:
            f.write("# written by test/lib/peers/libreswan.py\nconfig setup\n"
                    "    ikev1-policy=accept\n    logfile=%s\n    plutodebug=%s\n"
                    "    uniqueids=no\n    dnssec-enable=no\n\n%s"
                    % (self.log_path, self.debug, conns))
        with open(self.secrets, "w") as f:
            f.write(secrets)
        os.chmod(self.secrets, 0o600)

    def start(self, timeout=15.0):
        """Start pluto; returns self once it listens for IKE."""
        argv = [os.path.join(self.bin, "pluto"), "--nofork", "--config", self.conf,
                "--secretsfile", self.secrets, "--ipsecdir", os.path.join(self.dir, "ipsec.d"),
                "--nssdir", self.nssdir, "--rundir", "/run/pluto", "--no-dnssec",
                "--nhelpers", "1", "--logfile", self.log_path]
        self.proc = self.ns.start(
            self.name, argv, private_run=True, resolv_conf=self.resolv_conf,
            binds=[(os.path.join(self.dir, "run"), "/run/pluto"),
                   (os.path.join(self.root, "usr", "libexec"), "/usr/libexec")],
            log=r"listening for IKE messages", log_file=self.log_path, timeout=timeout)
        self.proc.extra_logs.append(self.log_path)
        return self

    @property
    def pid(self):
        return self.proc.pid

    @property
    def ctl(self):
        return "/proc/%d/root/run/pluto/pluto.ctl" % self.proc.pid

    def stop(self, timeout=5.0):
        return self.proc.stop(timeout)

    def whack(self, *args, timeout=15.0, check=True):
        """Run the unpacked whack against this pluto; CompletedProcess."""
        argv = [os.path.join(self.bin, "whack"), "--ctlsocket", self.ctl] + [str(a) for a in args]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("%s: whack %s -> exit %d\n%s%s" % (
                self.name, " ".join(map(str, args)), r.returncode, r.stdout, r.stderr))
        return r

    def load(self, conns, secrets=None):
        """Write the conn sections (and secrets) and load them: whack
        --rereadsecrets, then addconn --autoall in the namespace (so DNS
        names resolve through this instance's resolv.conf)."""
        self._conns = conns
        if secrets is None:
            with open(self.secrets) as f:
                secrets = f.read()
        self._write(conns, secrets)
        self.whack("--rereadsecrets")
        return self.ns.run([os.path.join(self.bin, "addconn"), "--config", self.conf,
                            "--ctlsocket", self.ctl, "--autoall"],
                           resolv_conf=self.resolv_conf, timeout=20).stdout

    def initiate(self, name, timeout=30.0, asynchronous=False):
        """whack --name <name> --initiate; without asynchronous whack returns
        when pluto reports the outcome of the first exchanges.  Returns
        the CompletedProcess (whack's exit status is not a verdict here:
        use sa_report())."""
        args = ["--name", name, "--initiate"]
        if asynchronous:
            args.append("--asynchronous")
        try:
            return self.whack(*args, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as e:
            return subprocess.CompletedProcess(e.cmd, -1, e.stdout or "", e.stderr or "")

    def terminate(self, name):
        return self.whack("--name", name, "--terminate", check=False)

    def states(self):
        """[{'serial': 1, 'conn': 'rtx', 'state': 'STATE_MAIN_I4',
        'desc': 'IKE SA established'}, ...] from whack --showstates."""
        out = []
        rx = re.compile(r'#(\d+): "([^"]+)"\S* (STATE_\w+) \(([^)]*)\)')
        for line in self.whack("--showstates", check=False).stdout.splitlines():
            m = rx.search(line)
            if m:
                out.append({"serial": int(m.group(1)), "conn": m.group(2),
                            "state": m.group(3), "desc": m.group(4)})
        return out

    def status(self):
        """whack --status text."""
        return self.whack("--status", check=False).stdout

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def sa_report(self, name):
        """What pluto's log says about connection name:
        ike_established: Main Mode / IKE_AUTH done ("IKE SA established");
        ipsec_negotiated: a Quick Mode / Child SA got as far as installing
          its SAs (keys and proposal agreed), whether or not that worked;
        ipsec_established: "IPsec SA established" (kernel SAs installed);
        kernel_error: the kernel's refusal, e.g. 'netlink response for Add SA
          esp.…: Protocol not supported (errno 93)', else None;
        ike_alg: the 'IKE SA established {...}' details, else None."""
        log = self.log()
        q = re.escape('"%s"' % name)
        ike = re.search(q + r" #\d+: (?:IKE|ISAKMP) SA established \{([^}]*)\}", log) or \
            re.search(q + r" #\d+: .*(?:IKE|ISAKMP) SA established", log)
        kerr = re.search(q + r" #\d+: (netlink response for Add SA [^\n]*)", log)
        est = re.search(q + r" #\d+: .*IPsec SA established", log)
        return {
            "ike_established": bool(ike),
            "ike_alg": ike.group(1) if ike and ike.groups() else None,
            "ipsec_negotiated": bool(kerr or est),
            "ipsec_established": bool(est),
            "kernel_error": kerr.group(1) if kerr else None,
        }

    def wait_report(self, name, key, timeout=20.0):
        """Wait until sa_report(name)[key] is truthy; returns the report."""
        deadline = time.monotonic() + timeout
        while True:
            rep = self.sa_report(name)
            if rep[key] or time.monotonic() > deadline:
                return rep
            time.sleep(0.2)
