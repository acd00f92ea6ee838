"""Results: medians and ratios per row, the terminal table, the target
check, JSON, CSV and the gnuplot chart."""

import csv
import json
import os
import shutil
import statistics
import subprocess

from plan import ALGO_LABEL, SIZES, avg_frame, avg_inner

FIELDS = ("direction", "algo", "frame_size", "sas", "mpps", "gbps", "gbps_inner",
          "cycles_per_pkt", "ceiling_mops", "ceiling_gbps", "ratio_to_ceiling", "peer",
          "peer_mpps", "peer_gbps", "ratio_to_peer", "peer_lookaside_none_gbps",
          "peer_cpu_crypto_gbps", "ref_1sa_mpps", "ratio_to_1sa", "mem_per_sa_bytes",
          "mem_per_sa_source", "repeats", "loss", "start_s", "hugepages", "error")


def gbps(mpps, size):
    """Cleartext L2 Gbit/s: frames including FCS, without preamble and gap."""
    return mpps * avg_frame(size) * 8 / 1000


def _med(xs):
    return statistics.median(xs) if xs else None


def _r(x, nd=3):
    return round(x, nd) if isinstance(x, float) else x


def summarize(row, samples):
    """One result object from the samples of a row.

    samples: {"esphub": [run...], "ceiling": [run...], "<peer mode>": [run...]}
    """
    es = samples.get("esphub", [])
    mpps = _med([s["mpps"] for s in es])
    o = {"direction": row.direction, "algo": row.algo,
         "frame_size": row.size if row.size == "imix" else int(row.size), "sas": row.sas,
         "mpps": mpps, "gbps": gbps(mpps, row.size) if mpps else None,
         "gbps_inner": mpps * avg_inner(row.size) * 8 / 1000 if mpps else None,
         "cycles_per_pkt": _med([s["cycles_per_pkt"] for s in es]),
         "repeats": len(es), "samples_mpps": [_r(s["mpps"]) for s in es],
         "start_s": _med([s["start_s"] for s in es if "start_s" in s]),
         "cpu_share": _med([s["cpu_share"] for s in es if s.get("cpu_share") is not None]),
         "reruns": sum(s.get("attempts", 1) - 1 for runs in samples.values()
                       if isinstance(runs, list) for s in runs if isinstance(s, dict)),
         "hugepages": all(s.get("hugepages") for s in es) if es else None,
         "loss": _med([max(0.0, 1 - s["mpps"] / s["in_mpps"]) for s in es if s["in_mpps"]]),
         "drops": _merge_drops(es), "error": samples.get("error")}
    # The scale reference: esphub on this row's traffic (same flows, same
    # packet count, so the replay reads as much memory) from a single site.
    ref = _med([s["mpps"] for s in samples.get("esphub-1sa", [])])
    o["ref_1sa_mpps"] = ref
    o["ratio_to_1sa"] = mpps / ref if mpps and ref else None
    ce = samples.get("ceiling", [])
    cm = _med([c["mops"] for c in ce])
    o["ceiling_mops"] = cm
    o["ceiling_gbps"] = gbps(cm, row.size) if cm else None
    o["ceiling_cycles_per_op"] = _med([c["cycles_per_op"] for c in ce])
    o["ceiling_arch"] = ce[0]["arch"] if ce else None
    o["ratio_to_ceiling"] = mpps / cm if mpps and cm else None
    modes = {}
    for mode in ("lookaside-none", "cpu-crypto"):
        ps = samples.get(mode)
        if ps:
            m = _med([s["mpps"] for s in ps])
            modes[mode] = {"mpps": m, "gbps": gbps(m, row.size),
                           "cycles_per_pkt": _med([s["cycles_per_pkt"] for s in ps]),
                           "start_s": _med([s["start_s"] for s in ps if "start_s" in s]),
                           "hugepages": all(s.get("hugepages") for s in ps),
                           "samples_mpps": [_r(s["mpps"]) for s in ps]}
    o["peer_modes"] = modes
    best = max(modes, key=lambda k: modes[k]["mpps"]) if modes else None
    o["peer"] = "ipsec-secgw/" + best if best else None
    o["peer_mpps"] = modes[best]["mpps"] if best else None
    o["peer_gbps"] = modes[best]["gbps"] if best else None
    o["ratio_to_peer"] = mpps / o["peer_mpps"] if best and mpps else None
    o["peer_lookaside_none_gbps"] = modes.get("lookaside-none", {}).get("gbps")
    o["peer_cpu_crypto_gbps"] = modes.get("cpu-crypto", {}).get("gbps")
    # Memory per SA (each site has two): the heap grown by adding SAs when
    # measured (bench.py memory step), else what esphub says its SAs take.
    # With one site the tables esphub preallocates dominate: not a per-SA figure.
    reported = _med([s["sa_memory_per_sa"] for s in es if "sa_memory_per_sa" in s]) \
        if row.sas > 1 else None
    o["mem_per_sa_bytes"] = samples.get("mem_per_sa") or reported
    o["mem_per_sa_source"] = ("heap-delta" if samples.get("mem_per_sa") else
                              "esphub-reported" if reported else None)
    o["mem_per_sa_reported"] = reported
    return {k: _r(v) for k, v in o.items()}


def _merge_drops(runs):
    out = {}
    for s in runs:
        for k, v in s.get("drops", {}).items():
            out[k] = out.get(k, 0) + v
    return out


def _fmt(v, spec, width):
    return (spec % v).rjust(width) if v is not None else "-".rjust(width)


def _first(text):
    return (text or "").strip().split("\n")[0][:90]


def table(results):
    head = ("%-12s %-17s %5s %6s %7s %7s %7s %7s %6s %7s %6s %6s %6s" %
            ("direction", "algorithm", "size", "SAs", "Mpps", "Gbit/s", "cyc/pkt",
             "ceil", "x ceil", "peer", "x peer", "x 1SA", "B/SA"))
    lines = [head, "-" * len(head)]
    for r in results:
        if r["mpps"] is None and r["ceiling_gbps"] is None and r["peer_gbps"] is None:
            lines.append("%-12s %-17s %5s %6d  %s" % (r["direction"], r["algo"],
                                                       r["frame_size"], r["sas"],
                                                       "skipped: " + _first(r["error"])))
            continue
        lines.append("%-12s %-17s %5s %6d %s %s %s %s %s %s %s %s %s" % (
            r["direction"], r["algo"], r["frame_size"], r["sas"],
            _fmt(r["mpps"], "%.2f", 7), _fmt(r["gbps"], "%.2f", 7),
            _fmt(r["cycles_per_pkt"], "%.0f", 7), _fmt(r["ceiling_gbps"], "%.2f", 7),
            _fmt(r["ratio_to_ceiling"], "%.2f", 6), _fmt(r["peer_gbps"], "%.2f", 7),
            _fmt(r["ratio_to_peer"], "%.2f", 6), _fmt(r["ratio_to_1sa"], "%.2f", 6),
            _fmt(r["mem_per_sa_bytes"], "%.0f", 6)))
    notes = sorted(set(_first(r["error"]) for r in results if r["mpps"] is None and
                       r["error"]))
    lines += ["esphub not measured: " + n for n in notes]
    lines.append("Gbit/s: cleartext L2 (frames incl. FCS). ceil: raw intel-ipsec-mb, same "
                 "core. peer: ipsec-secgw, better of lookaside-none/cpu-crypto.\n"
                 "x 1SA: esphub / esphub on the same traffic from one site. "
                 "B/SA: memory per SA (two per site).")
    return "\n".join(lines)


def targets(results):
    """The issue's targets as (description, value, goal, verdict) lines."""
    by = {(r["direction"], r["algo"], str(r["frame_size"]), r["sas"]): r for r in results}
    out = []

    def check(desc, v, goal):
        verdict = "n/a" if v is None else ("PASS" if v >= goal else "MISS")
        out.append((desc, v, goal, verdict))

    for d in ("outbound", "inbound"):
        for a in ("aes-gcm-128", "aes-cbc-128-sha1"):
            for size, goal in (("1420", 0.85), ("64", 0.50)):
                r = by.get((d, a, size, 1))
                check("%s %s %s B: esphub/ceiling" % (d, a, size),
                      r and r["ratio_to_ceiling"], goal)
            r = by.get(("outbound", a, "imix", 1)) if d == "outbound" else None
            if d == "outbound":
                check("outbound %s IMIX: esphub/ipsec-secgw" % a, r and r["ratio_to_peer"], 1.3)
    behind = [r for r in results if r["ratio_to_peer"] is not None]
    if behind:
        worst = min(behind, key=lambda r: r["ratio_to_peer"])
        check("every row with the peer: worst esphub/ipsec-secgw (%s %s %s %d SA)" %
              (worst["direction"], worst["algo"], worst["frame_size"], worst["sas"]),
              worst["ratio_to_peer"], 1.0)
    for r in results:
        if r["sas"] == 100000 and r["mpps"]:
            # Against one site on the same traffic when measured, else the 1-SA row.
            base = by.get((r["direction"], r["algo"], str(r["frame_size"]), 1))
            v = r.get("ratio_to_1sa") or (r["mpps"] / base["mpps"] if base and base["mpps"]
                                          else None)
            check("%s %s %s B: 100,000 SAs / 1 SA%s" % (
                r["direction"], r["algo"], r["frame_size"],
                " (same traffic)" if r.get("ratio_to_1sa") else ""), v, 0.85)
    return out


def targets_text(ts):
    lines = ["Targets (ratios from this run):"]
    for desc, v, goal, verdict in ts:
        lines.append("  %-4s %-70s %s (goal >= %.2f)" %
                     (verdict, desc, "%.2f" % v if v is not None else "-", goal))
    return "\n".join(lines)


def write_json(path, results):
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")


def write_csv(path, results):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FIELDS)
        for r in results:
            w.writerow(["" if r.get(k) is None else r.get(k) for k in FIELDS])


SERIES = (  # column key, title, colour
    ("gbps", "esphub", "#6a1b9a"),
    ("gbps_many", "esphub, %d SAs", "#ce93d8"),
    ("ceiling_gbps", "intel-ipsec-mb ceiling", "#9e9e9e"),
    ("peer_gbps", "ipsec-secgw (better mode)", "#1e88e5"),
)


def _panels(results):
    """(direction, algo, sas, many, {size: row}, {size: row at many SAs})."""
    panels = []
    for d in ("outbound", "inbound", "inbound-snat", "forward"):
        for a in ("aes-gcm-128", "aes-cbc-128-sha1", "none"):
            rows = [r for r in results if r["direction"] == d and r["algo"] == a and
                    (r["mpps"] or r["peer_mpps"])]
            if not rows:
                continue
            sas = min(r["sas"] for r in rows)
            many = max(r["sas"] for r in rows)
            at = lambda n: {str(r["frame_size"]): r for r in rows if r["sas"] == n}  # noqa
            panels.append((d, a, sas, many, at(sas), at(many) if many != sas else {}))
    return panels


def chart(path_base, results, log=print):
    """Gbit/s by frame size, clustered bars: esphub (at the smallest and the
    largest SA count measured), the ceiling and the peer; one panel per
    direction and algorithm. Writes <base>.svg and <base>.png with gnuplot;
    returns the files made."""
    if shutil.which("gnuplot") is None:
        log("chart: gnuplot not installed (apt-get install gnuplot-nox); skipped")
        return []
    panels = _panels(results)
    if not panels:
        return []
    data = path_base + ".dat"
    with open(data, "w") as f:
        for d, a, sas, many, rows, rows_many in panels:
            f.write("# %s %s: size esphub(%d SA) esphub(%d SA) ceiling peer\n" %
                    (d, a, sas, many))
            for size in SIZES:
                r = rows.get(size)
                if r:
                    m = rows_many.get(size, {})
                    vals = (r["gbps"], m.get("gbps"), r["ceiling_gbps"], r["peer_gbps"])
                    f.write("%s %s\n" % (size.upper() if size == "imix" else size,
                                         " ".join("NaN" if v is None else str(v)
                                                  for v in vals)))
            f.write("\n\n")
    cols = 2 if len(panels) > 1 else 1
    rows_n = (len(panels) + cols - 1) // cols
    made = []
    for term, ext in (("svg size %d,%d dynamic" % (620 * cols, 400 * rows_n), "svg"),
                      ("pngcairo size %d,%d" % (620 * cols, 400 * rows_n), "png")):
        out = "%s.%s" % (path_base, ext)
        gp = ['set terminal %s' % term, 'set output "%s"' % out,
              'set datafile missing "NaN"',
              'set multiplot layout %d,%d title "esphub, the raw crypto ceiling and '
              'ipsec-secgw: Gbit/s per worker core (cleartext L2)"' % (rows_n, cols),
              'set style data histograms', 'set style histogram clustered gap 1',
              'set style fill solid 0.9 border -1', 'set boxwidth 0.9',
              'set key top left font ",9"', 'set grid ytics',
              'set xlabel "frame size (bytes)"', 'set ylabel "Gbit/s"', 'set yrange [0:*]']
        for i, (d, a, sas, many, rows, rows_many) in enumerate(panels):
            gp.append('set title "%s %s"' % (d, ALGO_LABEL[a] if a != "none"
                                             else "(cleartext)"))
            plots = []
            for col, (key, title, colour) in enumerate(SERIES, 2):
                src = rows_many if key == "gbps_many" else rows
                k = "gbps" if key == "gbps_many" else key
                if not any(r.get(k) is not None for r in src.values()):
                    continue
                t = title % many if key == "gbps_many" else \
                    (title + ", %d SA" % sas if key == "gbps" and rows_many else title)
                plots.append('"%s" index %d using %d:xtic(1) title "%s" lc rgb "%s"'
                             % (data, i, col, t, colour))
            gp.append("plot " + ", ".join(plots))
        gp.append("unset multiplot")
        script = "%s.%s.gp" % (path_base, ext)
        with open(script, "w") as f:
            f.write("\n".join(gp) + "\n")
        r = subprocess.run(["gnuplot", script], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode == 0 and os.path.exists(out):
            made.append(out)
        else:
            log("chart: gnuplot %s failed: %s" % (ext, r.stdout.strip()[-400:]))
    return made
