#!/usr/bin/python3
"""UDP with payload checks, for the live tunnel tests (stdlib only).

    udp_peer.py echo --port P
        echo every datagram back to its sender until SIGTERM/SIGINT;
        prints LISTENING, then {"echoed": n, "bytes": b, "peers": ["a:p", ...]}
        at the end
    udp_peer.py exchange --dst A --port P --sizes 16,1000,1400 [--df] [--timeout S]
                         [--sport P]
        send one datagram of each size (random payload, numbered), wait for
        its echo and compare; prints {"sent": n, "ok": k, "lost": [...],
        "bad": [...], "errors": [...]}
    udp_peer.py recv --port P --count N [--timeout S]
        wait for N datagrams from `send`; prints {"sizes": [...], "sha256":
        [...], "intact": [...each payload as payload() makes it?...]}
    udp_peer.py send --dst A --port P --sizes 3000,.. [--df]
        send one datagram of each size, its payload a function of its index and
        size (payload()), so the receiver can check it; prints {"sent": n,
        "errors": [...]}
"""
import argparse
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import time

IP_MTU_DISCOVER, IP_PMTUDISC_DONT, IP_PMTUDISC_DO = 10, 0, 2


def payload(size, index):
    """Deterministic payload: a receiver can recompute it from size/index."""
    head = struct.pack("!HH", index, size)
    body = bytes((index * 7 + i) & 0xFF for i in range(max(0, size - 4)))
    return (head + body)[:size]


def sock_for(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER,
                 IP_PMTUDISC_DO if getattr(a, "df", False) else IP_PMTUDISC_DONT)
    return s


def echo(a):
    s = sock_for(a)
    s.bind(("0.0.0.0", a.port))
    s.settimeout(0.5)
    n = b = 0
    peers = set()
    stop = []
    signal.signal(signal.SIGTERM, lambda *x: stop.append(1))
    signal.signal(signal.SIGINT, lambda *x: stop.append(1))
    print("LISTENING", flush=True)
    while not stop:
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        s.sendto(data, peer)
        n, b = n + 1, b + len(data)
        peers.add("%s:%d" % peer)
    print(json.dumps({"echoed": n, "bytes": b, "peers": sorted(peers)}), flush=True)


def exchange(a):
    s = sock_for(a)
    s.settimeout(a.timeout)
    if a.sport:
        s.bind(("0.0.0.0", a.sport))
    s.connect((a.dst, a.port))
    res = {"sent": 0, "ok": 0, "lost": [], "bad": [], "errors": []}
    for i, size in enumerate(int(x) for x in a.sizes.split(",")):
        data = struct.pack("!H", i) + os.urandom(max(0, size - 2))
        try:
            s.send(data)
            res["sent"] += 1
            deadline = time.monotonic() + a.timeout
            while True:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                got = s.recv(65535)
                if got[:2] == data[:2]:
                    break                      # ignore a late echo of an earlier one
            if got == data:
                res["ok"] += 1
            else:
                res["bad"].append([i, size, len(got)])
        except socket.timeout:
            res["lost"].append([i, size])
        except OSError as e:
            res["errors"].append([i, size, str(e)])
    print(json.dumps(res), flush=True)


def recv(a):
    s = sock_for(a)
    s.bind(("0.0.0.0", a.port))
    print("LISTENING", flush=True)
    sizes, sums, ok = [], [], []
    deadline = time.monotonic() + a.timeout
    while len(sizes) < a.count and time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        sizes.append(len(data))
        sums.append(hashlib.sha256(data).hexdigest()[:16])
        idx, size = struct.unpack("!HH", data[:4]) if len(data) >= 4 else (0, 0)
        ok.append(data == payload(size, idx))
    print(json.dumps({"sizes": sizes, "sha256": sums, "intact": ok}), flush=True)


def send(a):
    s = sock_for(a)
    res = {"sent": 0, "errors": []}
    for i, size in enumerate(int(x) for x in a.sizes.split(",")):
        try:
            s.sendto(payload(size, i), (a.dst, a.port))
            res["sent"] += 1
        except OSError as e:
            res["errors"].append([i, size, str(e)])
        time.sleep(0.02)
    print(json.dumps(res), flush=True)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("echo")
    c.add_argument("--port", type=int, required=True)
    c = sub.add_parser("exchange")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--sizes", default="16,512,1400")
    c.add_argument("--df", action="store_true")
    c.add_argument("--timeout", type=float, default=3.0)
    c.add_argument("--sport", type=int, default=0)
    c = sub.add_parser("recv")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--timeout", type=float, default=10.0)
    c = sub.add_parser("send")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--sizes", required=True)
    c.add_argument("--df", action="store_true")
    a = ap.parse_args()
    {"echo": echo, "exchange": exchange, "recv": recv, "send": send}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
