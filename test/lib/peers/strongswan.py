"""strongSwan (charon + swanctl, 5.9.8) as a real IKE/IPsec peer in a namespace.

    from peers import strongswan as ss
    hub = ss.Charon(hub_ns, "charon").start()
    hub.load(ss.conn_config("rtx", profile="rtx", responder=True,
                            local_id="203.0.113.10", psk=PSK))
    br = ss.Charon(branch_ns, "charon", nameserver="198.51.100.1").start()
    br.load(ss.conn_config("rtx", profile="rtx", remote_addrs="vpn.example",
                           local_id="192.168.0.1", psk=PSK))
    br.initiate("rtx", "lan")
    sa = br.ike_sa("rtx")          # {'state': 'ESTABLISHED', 'encr-alg': ...}

API:
  conn_config(name, *, profile, responder, pfs, remote_addrs, local_id, psk,
              local_ts, remote_ts, ike, esp, version, ike_lifetime,
              esp_lifetime, esp_life_kb, dpd_delay, dpd_timeout, dpd_action,
              start_action, extra_conn, extra_child) -> swanctl.conf text
  PROFILES: rtx, rtx-aes256, ikev2-gcm, ikev2-aes256 (+ pfs=True)
  parse_list_sas(text) -> [IKE SA dict with 'child-sas': [child dict]]
  Charon(ns, name, *, nameserver, resolv_conf, log_levels, plugins, options)
    .start() .stop() .kill(sig=SIGKILL) .pid .uri .dir .log_path .log()
    .load(conf_text) .initiate(ike, child) .terminate(ike, child)
    .swanctl(*args) .list_sas() .ike_sa(ike) .child_sas(ike, child)
    .wait_child(ike, child, timeout, pred)

Each Charon runs /usr/lib/ipsec/charon directly (no starter; the PID is
charon's own) in its own mount namespace with a private tmpfs on /run (charon
insists on /var/run/charon.pid), its own /etc/resolv.conf (bind-mounted file:
charon resolves remote_addrs such as vpn.example through glibc, again on
every initiation and on a DPD restart), its own strongswan.conf
(STRONGSWAN_CONF) and VICI socket /run/charon.vici, reached by swanctl as
unix:///proc/<pid>/root/run/charon.vici.  Logs go to
<log dir>/<node>.<name>/charon.log (file logger, flush_line = yes, levels
from LOG_LEVELS merged with log_levels=).

Data path: this kernel has no ESP, so the plugin list loads kernel-libipsec
(userspace ESP) before kernel-netlink (addresses, routes).  Facts (5.9.8,
found by running it here):
- kernel-libipsec forces UDP encapsulation: charon logs "faking NAT
  situation to enforce UDP encapsulation" (or, on the side that receives the
  faked NAT-D, "remote host is behind NAT"), IKE floats to 4500 and ESP
  travels in UDP 4500 (RFC 3948) both ways with no NAT on the path;
  swanctl shows encap=yes and both ports 4500.
- it creates a TUN device "ipsec0" at start-up and, for every outbound
  policy, installs "<remote_ts> dev ipsec0 proto static src <local address
  inside local_ts>" in routing table 220, with the rule "from all lookup
  220" (priority 220).  So each gateway needs an address inside its own
  local_ts (branch LAN address 192.168.0.1, hub inside address 172.16.0.1),
  otherwise "error installing route" and no traffic.
- Nothing else is needed: the LAN host has a default route to the gateway,
  the gateway has ip_forward=1 and rp_filter off (netns.py sets both).
  Packets are routed into ipsec0, encrypted by charon and sent from its UDP
  4500 socket; decrypted packets come out of ipsec0 and are forwarded.

Plugins: PLUGINS is the minimal set that does PSK IKEv1 and IKEv2 with
MODP/ECP DH, AES-CBC/GCM and HMAC-SHA1/SHA2 in IKE and in libipsec ESP:
random nonce openssl kdf kernel-libipsec kernel-netlink socket-default vici.
openssl provides the ciphers, hashes, HMACs, AEADs and the MODP (including
modp1024) and ECP groups; kdf provides IKEv2's prf+ (without it IKEv2 fails
with "KDF_PRF with PRF_HMAC_SHA2_256 not supported"; IKEv1 works without).
PLUGINS_FULL adds the standalone aes sha1 sha2 hmac gcm gmp and pem pkcs1
x509 pubkey, for certificates or for cross-checking openssl.

Lifetimes (IKEv1): charon proposes IKE SA lifetime = reauth_time +
over_time (IKEv1 has no IKE rekeying, only reauthentication) and Quick Mode
life_time / life_bytes as configured; conn_config() sets reauth 90% + over
10% of ike_lifetime and ESP rekey at 90%, rand_time 0 (deterministic).  The
RTX profile's Main Mode proposal on the wire reads AES-CBC-128, SHA1, PSK,
MODP1024, 28800 s (checked by tshark in test_strongswan_pair.py).
"""

import os
import re
import signal
import subprocess
import time

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "/usr/sbin/swanctl"
PLUGINS = ("random nonce openssl kdf kernel-libipsec kernel-netlink "
           "socket-default vici")
PLUGINS_FULL = ("random nonce openssl aes sha1 sha2 hmac gcm gmp kdf pem pkcs1 "
                "x509 pubkey kernel-libipsec kernel-netlink socket-default vici")
LOG_LEVELS = {"default": 1, "ike": 2, "cfg": 2, "knl": 2, "net": 1, "enc": 1,
              "esp": 1, "lib": 1, "chd": 2, "mgr": 1, "job": 1}

# Algorithm profiles.  "rtx" is the installed base (YAMAHA RTX defaults).
PROFILES = {
    "rtx": dict(version=1, ike="aes128-sha1-modp1024", esp="aes128-sha1",
                pfs_group="modp1024"),
    "rtx-aes256": dict(version=1, ike="aes256-sha256-modp2048", esp="aes256-sha256",
                       pfs_group="modp2048"),
    "ikev2-gcm": dict(version=2, ike="aes128gcm16-prfsha256-modp2048", esp="aes128gcm16",
                      pfs_group="modp2048"),
    "ikev2-aes256": dict(version=2, ike="aes256-sha256-modp2048", esp="aes256-sha256",
                         pfs_group="modp2048"),
}


def conn_config(name="rtx", *, profile="rtx", responder=False, pfs=False,
                remote_addrs=None, local_addrs="%any", local_id=None, remote_id="%any",
                psk="esphub-test-psk", local_ts=None, remote_ts=None,
                ike=None, esp=None, version=None, child="lan",
                ike_lifetime=28800, esp_lifetime=28800, esp_life_kb=100000,
                dpd_delay=5, dpd_timeout=20, dpd_action=None, start_action="none",
                extra_conn=None, extra_child=None):
    """swanctl.conf text (connections + secrets) for one connection.

    Initiator (branch, responder=False): remote_addrs default "vpn.example"
    (a DNS name: resolved via the instance's resolv.conf), local_id default
    "192.168.0.1" (ID_IPV4_ADDR, the branch LAN router address while the
    public address differs), local_ts 192.168.0.0/24, remote_ts
    172.16.0.0/16, dpd_action restart.
    Responder (responder=True): remote_addrs %any, the traffic selectors
    swapped, dpd_action clear, PSK for any peer.
    Lifetimes as the peer proposes them on the wire (IKEv1: IKE SA lifetime
    = reauth_time + over_time, here 90% + 10%; Quick Mode life_time /
    life_bytes = esp_lifetime s / esp_life_kb KB, rekeyed at 90%); shorten
    them for rekey tests.  pfs=True appends the profile's DH group to esp.
    extra_conn / extra_child: {key: value} added to the sections."""
    prof = dict(PROFILES[profile])
    version = version or prof["version"]
    ike = ike or prof["ike"]
    esp = esp or prof["esp"]
    if pfs:
        esp = "%s-%s" % (esp, prof["pfs_group"])
    if responder:
        remote_addrs = remote_addrs or "%any"
        local_ts = local_ts or "172.16.0.0/16"
        remote_ts = remote_ts or "192.168.0.0/24"
        dpd_action = dpd_action or "clear"
        local_id = local_id or "%any"
    else:
        remote_addrs = remote_addrs or "vpn.example"
        local_ts = local_ts or "192.168.0.0/24"
        remote_ts = remote_ts or "172.16.0.0/16"
        dpd_action = dpd_action or "restart"
        local_id = local_id or "192.168.0.1"
    ike_reauth = int(ike_lifetime * 0.9)
    conn = {
        "version": version,
        "local_addrs": local_addrs,
        "remote_addrs": remote_addrs,
        "proposals": ike,
        "dpd_delay": "%ds" % dpd_delay,
        "encap": "no",
        "mobike": "no",
        "fragmentation": "yes",
        "unique": "replace",
        "rand_time": "0s",
    }
    if version == 1:
        conn.update(aggressive="no", dpd_timeout="%ds" % dpd_timeout,
                    reauth_time="%ds" % ike_reauth, rekey_time="0s",
                    over_time="%ds" % (ike_lifetime - ike_reauth))
    else:
        conn.update(rekey_time="%ds" % ike_reauth, reauth_time="0s",
                    over_time="%ds" % (ike_lifetime - ike_reauth))
    conn.update(extra_conn or {})
    ch = {
        "local_ts": local_ts,
        "remote_ts": remote_ts,
        "esp_proposals": esp,
        "mode": "tunnel",
        "life_time": "%ds" % esp_lifetime,
        "rekey_time": "%ds" % int(esp_lifetime * 0.9),
        "rand_time": "0s",
        "life_bytes": esp_life_kb * 1024,
        "rekey_bytes": int(esp_life_kb * 1024 * 0.9),
        "dpd_action": dpd_action,
        "start_action": start_action,
        "close_action": "none",
    }
    ch.update(extra_child or {})
    out = ["connections {", "  %s {" % name]
    out += ["    %s = %s" % kv for kv in conn.items()]
    out += ["    local {", "      auth = psk"]
    if local_id != "%any":
        out.append("      id = %s" % local_id)
    out += ["    }", "    remote {", "      auth = psk", "      id = %s" % remote_id, "    }"]
    out += ["    children {", "      %s {" % child]
    out += ["        %s = %s" % kv for kv in ch.items()]
    out += ["      }", "    }", "  }", "}", "secrets {", "  ike-%s {" % name]
    if not responder and local_id != "%any":
        out.append("    id-local = %s" % local_id)
    out += ['    secret = "%s"' % psk, "  }", "}", ""]
    return "\n".join(out)


def parse_list_sas(text):
    """Parse `swanctl --list-sas --raw` output into a list of IKE SA dicts
    (vici keys: name, state, version, local-host, remote-host, local-id,
    remote-id, encr-alg, encr-keysize, integ-alg, prf-alg, dh-group,
    rekey-time, reauth-time, established, nat-*, ...), each with
    'child-sas': list of dicts (name, state, spi-in, spi-out, encap,
    encr-alg, encr-keysize, integ-alg, dh-group, rekey-time, life-time,
    bytes-in/out, packets-in/out, local-ts, remote-ts [lists], ...).
    Values are strings (lists for local-ts/remote-ts)."""
    sas = []
    tok = re.compile(r"\s*(?:(\}|\{)|([^\s={}]+)\s*\{|([^\s={}]+)=\[([^\]]*)\]|([^\s={}]+)=(\S*?)(?=\s|\}|$))")
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("list-sa event"):
            continue
        body = line[len("list-sa event"):]
        root, stack, pos = {}, [], 0
        cur = root
        while pos < len(body):
            m = tok.match(body, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
            if m.group(1) == "{":
                stack.append(cur)
            elif m.group(1) == "}":
                cur = stack.pop() if stack else root
            elif m.group(2):
                new = {}
                cur[m.group(2)] = new
                stack.append(cur)
                cur = new
            elif m.group(3):
                cur[m.group(3)] = m.group(4).split()
            elif m.group(5):
                cur[m.group(5)] = m.group(6)
        for name, ike in root.items():
            if not isinstance(ike, dict):
                continue
            children = []
            for key, ch in (ike.get("child-sas") or {}).items():
                ch.setdefault("name", key.rsplit("-", 1)[0])
                ch["key"] = key
                children.append(ch)
            ike["child-sas"] = children
            ike["name"] = name
            sas.append(ike)
    return sas


class Charon:
    """One charon instance in namespace ns.

    nameserver: address written into its private resolv.conf (or give a
    ready file as resolv_conf); log_levels: {group: level} merged over
    LOG_LEVELS; plugins: load list (default PLUGINS); options: extra
    strongswan.conf text inserted in the charon { } section."""

    def __init__(self, ns, name="charon", *, nameserver=None, resolv_conf=None,
                 log_levels=None, plugins=PLUGINS, options=""):
        self.ns, self.name = ns, name
        self.dir = ns.topo.path("%s.%s" % (ns.node, name), "")
        self.conf = os.path.join(self.dir, "strongswan.conf")
        self.swanctl_conf = os.path.join(self.dir, "swanctl.conf")
        self.log_path = os.path.join(self.dir, "charon.log")
        self.resolv_conf = resolv_conf or os.path.join(self.dir, "resolv.conf")
        if not resolv_conf:
            with open(self.resolv_conf, "w") as f:
                f.write("nameserver %s\noptions timeout:1 attempts:2\n"
                        % (nameserver or "127.0.0.1"))
        levels = dict(LOG_LEVELS, **(log_levels or {}))
        with open(self.conf, "w") as f:
            f.write(_STRONGSWAN_CONF % {
                "plugins": plugins, "log": self.log_path, "options": options,
                "levels": "\n".join("            %s = %d" % kv for kv in levels.items())})
        for d in ("x509", "x509ca", "private", "rsa", "ecdsa", "pkcs8", "pkcs12",
                  "pubkey", "conf.d"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        open(self.swanctl_conf, "a").close()
        self.proc = None

    def start(self, timeout=15.0):
        """Start charon; returns self once its VICI socket accepts."""
        self.proc = self.ns.start(self.name, [CHARON], env={"STRONGSWAN_CONF": self.conf},
                                  private_run=True, resolv_conf=self.resolv_conf,
                                  unix="/run/charon.vici", timeout=timeout)
        self.proc.extra_logs.append(self.log_path)
        return self

    @property
    def pid(self):
        return self.proc.pid

    @property
    def uri(self):
        return "unix:///proc/%d/root/run/charon.vici" % self.proc.pid

    def stop(self, timeout=5.0):
        return self.proc.stop(timeout)

    def kill(self, sig=signal.SIGKILL):
        """kill -9 (default): the peer must notice through DPD."""
        return self.proc.kill(sig)

    def swanctl(self, *args, timeout=15.0, check=True):
        """Run swanctl --uri <this charon> args...; CompletedProcess."""
        argv = [SWANCTL] + [str(a) for a in args] + ["--uri", self.uri]
        env = dict(os.environ, STRONGSWAN_CONF=self.conf, SWANCTL_DIR=self.dir)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
        if check and r.returncode != 0:
            raise RuntimeError("%s: swanctl %s -> exit %d\n%s%s" % (
                self.name, " ".join(map(str, args)), r.returncode, r.stdout, r.stderr))
        return r

    def load(self, conf_text=None):
        """Write conf_text (if given) as swanctl.conf and load it
        (swanctl --load-all); returns swanctl's output."""
        if conf_text is not None:
            with open(self.swanctl_conf, "w") as f:
                f.write(conf_text)
        return self.swanctl("--load-all", "--noprompt", "--file", self.swanctl_conf).stdout

    def initiate(self, ike, child=None, timeout=30, check=True):
        """swanctl --initiate (blocks until established or failed)."""
        args = ["--initiate", "--ike", ike, "--timeout", int(timeout)]
        if child:
            args += ["--child", child]
        return self.swanctl(*args, timeout=timeout + 5, check=check)

    def terminate(self, ike=None, child=None, timeout=15, check=True):
        args = ["--terminate", "--timeout", int(timeout)]
        if ike:
            args += ["--ike", ike]
        if child:
            args += ["--child", child]
        return self.swanctl(*args, "--force", timeout=timeout + 5, check=check)

    def list_sas(self):
        """Current SAs: parse_list_sas(swanctl --list-sas --raw)."""
        return parse_list_sas(self.swanctl("--list-sas", "--raw", timeout=10).stdout)

    def ike_sa(self, ike, state="ESTABLISHED"):
        """The first IKE SA of connection ike in state (None: any), or None."""
        for sa in self.list_sas():
            if sa["name"] == ike and (state is None or sa.get("state") == state):
                return sa
        return None

    def child_sas(self, ike, child=None, state="INSTALLED"):
        """Child SAs of connection ike (named child) in state (None: any)."""
        out = []
        for sa in self.list_sas():
            if sa["name"] != ike:
                continue
            out += [c for c in sa["child-sas"] if (child is None or c["name"] == child)
                    and (state is None or c.get("state") == state)]
        return out

    def wait_child(self, ike, child="lan", timeout=30.0, pred=None):
        """Wait until connection ike has an INSTALLED child SA named child
        (and pred(child_dict) holds, if given); returns that child dict.
        Raises TimeoutError with the current SAs."""
        deadline = time.monotonic() + timeout
        while True:
            for c in self.child_sas(ike, child):
                if pred is None or pred(c):
                    return c
            if time.monotonic() > deadline:
                raise TimeoutError("%s: no matching CHILD_SA %s/%s after %.0fs: %s"
                                   % (self.name, ike, child, timeout, self.list_sas()))
            time.sleep(0.2)

    def log(self):
        """The whole charon log so far."""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


_STRONGSWAN_CONF = """\
# written by test/lib/peers/strongswan.py
charon {
    load_modular = no
    load = %(plugins)s
    install_routes = yes
    install_virtual_ip = no
    retransmit_tries = 3
    retransmit_timeout = 2.0
    retransmit_base = 1.4
    plugins {
        vici {
            socket = unix:///run/charon.vici
        }
        kernel-libipsec {
            allow_peer_ts = no
        }
    }
    filelog {
        testlog {
            path = %(log)s
            time_format = %%H:%%M:%%S
            time_add_ms = yes
            ike_name = yes
            append = no
            flush_line = yes
%(levels)s
        }
    }
    syslog {
        daemon {
            default = -1
        }
    }
%(options)s
}
"""
