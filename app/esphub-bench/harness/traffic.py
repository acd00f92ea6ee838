"""The pcaps and site manifests of a run, made by esphub-bench on demand.

Files are cached by what they contain, so the two algorithms share the
cleartext pcaps and every direction shares the manifest; large pcaps are
deleted once the rows that use them are done (release()).
"""

import json
import os
import subprocess

from plan import PCAP_MAC, GW_MAC, SERVER_MAC

KEEP_BYTES = 8 << 20        # pcaps below this stay for the whole run


class Traffic:
    def __init__(self, tool, workdir, seed=1, flows=None, packets=None, log=print):
        self.tool = tool
        self.dir = workdir
        self.seed = seed
        self.flows = flows
        self.packets = packets
        self.log = log
        self.pcaps = {}
        self.manifests = {}
        os.makedirs(workdir, exist_ok=True)

    def _run(self, args):
        r = subprocess.run([self.tool] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError("esphub-bench %s: %s" % (args[0], r.stderr.strip()))
        return r.stdout

    def sites(self, algo, n):
        """Path of the manifest for n sites of algo."""
        key = (algo, n)
        if key not in self.manifests:
            path = os.path.join(self.dir, "sites-%s-%d.tsv" % (algo, n))
            self._run(["sites", "--sites", str(n), "--algo", algo, "--seed", str(self.seed),
                       "-o", path])
            self.manifests[key] = path
        return self.manifests[key]

    def pcap(self, kind, size, n, algo, flows=None, packets=None):
        """(path, info) of the pcap; info is esphub-bench gen's JSON summary.
        flows/packets override the run's defaults (for reference pcaps)."""
        flows = flows or self.flows
        packets = packets or self.packets
        key = (kind, size, n, algo if kind == "esp-in" else None, flows, packets)
        if key not in self.pcaps:
            name = "%s-%s-%d%s%s.pcap" % (kind, size, n, "-" + algo if key[3] else "",
                                          "-%sf-%sp" % (flows, packets) if flows or packets
                                          else "")
            path = os.path.join(self.dir, name)
            # Cleartext towards the branches comes from a cloud server;
            # ESP comes from the outside gateway.
            src = SERVER_MAC % 1 if kind == "clear-out" else GW_MAC
            args = ["gen", "--kind", kind, "--size", size, "--sites", str(n),
                    "--seed", str(self.seed), "--dst-mac", PCAP_MAC, "--src-mac", src,
                    "-o", path]
            if flows:
                args += ["--flows", str(flows)]
            if packets:
                args += ["--packets", str(packets)]
            if kind == "esp-in":
                args += ["--algo", algo]
            info = json.loads(self._run(args))
            self.pcaps[key] = (path, info)
        return self.pcaps[key]

    def release(self, keep_small=True):
        """Delete the large pcaps (they are regenerated if needed again)."""
        for key, (path, info) in list(self.pcaps.items()):
            if keep_small and info["pcap_bytes"] < KEEP_BYTES:
                continue
            try:
                os.unlink(path)
            except OSError:
                pass
            del self.pcaps[key]

    def cleanup(self):
        """Delete every pcap and manifest this run made."""
        self.release(keep_small=False)
        for path in self.manifests.values():
            try:
                os.unlink(path)
            except OSError:
                pass
        self.manifests.clear()
