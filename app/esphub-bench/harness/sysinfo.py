"""Facts about the machine the report states next to the numbers."""

import json
import os
import subprocess
import time


def meson_march(build):
    """The -march esphub was built with (meson option march), or ''."""
    try:
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
            for opt in json.load(f):
                if opt["name"] == "march":
                    return opt["value"]
    except (OSError, ValueError, KeyError):
        pass
    return "native"


def _cpu_ticks():
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                s = f.read()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        fields = s[s.rindex(")") + 2:].split()
        out[int(pid)] = (comm, int(fields[11]) + int(fields[12]))
    return out


def other_load(seconds=1.0, threshold=5.0):
    """Processes other than this one using more than threshold % CPU."""
    me = os.getpid()
    a = _cpu_ticks()
    time.sleep(seconds)
    b = _cpu_ticks()
    hz = os.sysconf("SC_CLK_TCK")
    busy = []
    for pid, (comm, t) in b.items():
        if pid == me or pid not in a:
            continue
        pct = (t - a[pid][1]) * 100.0 / hz / seconds
        if pct >= threshold:
            busy.append({"pid": pid, "comm": comm, "cpu_pct": round(pct)})
    busy.sort(key=lambda x: -x["cpu_pct"])
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    return {"loadavg": load, "busy": busy[:8]}


def load_text(load):
    procs = ", ".join("%s %d%%" % (p["comm"], p["cpu_pct"]) for p in load["busy"])
    return "loadavg %s; %s" % (" ".join(load["loadavg"]), procs or "nothing else busy")


_kernel_esp = None


def kernel_esp():
    """Can this kernel do ESP (XFRM)? Tried in a throwaway namespace."""
    global _kernel_esp
    if _kernel_esp is not None:
        return _kernel_esp
    ns = "ebench-xfrm-%d" % os.getpid()
    if subprocess.run(["ip", "netns", "add", ns], stderr=subprocess.DEVNULL).returncode != 0:
        _kernel_esp = "unknown (cannot create a network namespace); not measured"
        return _kernel_esp
    r = subprocess.run(["ip", "-n", ns, "xfrm", "state", "add", "src", "192.0.2.1", "dst",
                        "192.0.2.2", "proto", "esp", "spi", "0x100", "mode", "tunnel", "enc",
                        "cbc(aes)", "0x" + "00" * 16, "auth-trunc", "hmac(sha1)",
                        "0x" + "00" * 20, "96"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    if r.returncode == 0:
        _kernel_esp = "this kernel has ESP; an XFRM comparison is not implemented yet"
    else:
        _kernel_esp = "no ESP in this kernel (%s); not measured" % r.stdout.strip()[:80]
    return _kernel_esp
