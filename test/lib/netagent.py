#!/usr/bin/python3
"""Traffic agents that netns.py runs inside namespaces (stdlib only).

    netagent.py tcp-sink --port P [--timeout S]
        accept one connection, read to EOF, print {"bytes": n, "sha256": h}
    netagent.py tcp-send --dst A --port P --bytes N [--src A] [--timeout S]
        send N random bytes, print {"bytes": n, "sha256": h}
    netagent.py udp-recv --port P --run-id ID [--grace S]
        record probe sequence numbers until the sender's end marker (+grace)
        or SIGINT/SIGTERM; print {"seqs": [...arrival order...], "end": total}
    netagent.py udp-send --dst A --port P --run-id ID [--rate PPS] [--size B]
                         [--count N] [--src A]
        send probes "EHP <run-id> <seq>" padded to size at rate until count
        or SIGINT/SIGTERM, then 5 end markers "EHE <run-id> <total>";
        print {"sent": total}

    netagent.py dns-query --server A --name N [--port 53] [--timeout S]
        one A query over UDP; print {"rcode": n, "addrs": [...in answer order...]}

Readiness lines: LISTENING (sinks/receivers), SENDING (udp-send).
"""

import argparse
import hashlib
import json
import os
import signal
import socket
import sys
import time

_stop = False


def _on_stop(signum, frame):
    global _stop
    _stop = True


def tcp_sink(a):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", a.port))
    srv.listen(1)
    srv.settimeout(a.timeout)
    print("LISTENING", flush=True)
    conn, peer = srv.accept()
    conn.settimeout(a.timeout)
    h, n = hashlib.sha256(), 0
    while True:
        data = conn.recv(65536)
        if not data:
            break
        h.update(data)
        n += len(data)
    conn.close()
    print(json.dumps({"bytes": n, "sha256": h.hexdigest(), "peer": peer[0]}), flush=True)


def tcp_send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.src:
        s.bind((a.src, 0))
    s.settimeout(a.timeout)
    s.connect((a.dst, a.port))
    h, left = hashlib.sha256(), a.bytes
    while left:
        chunk = os.urandom(min(left, 65536))
        h.update(chunk)
        s.sendall(chunk)
        left -= len(chunk)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(a.timeout)
    s.recv(1)                # wait for the sink to close: all data consumed
    s.close()
    print(json.dumps({"bytes": a.bytes, "sha256": h.hexdigest()}), flush=True)


def udp_recv(a):
    signal.signal(signal.SIGINT, _on_stop)
    signal.signal(signal.SIGTERM, _on_stop)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("0.0.0.0", a.port))
    s.settimeout(0.2)
    print("LISTENING", flush=True)
    seqs, end, end_at = [], None, None
    probe, marker = ("EHP %s " % a.run_id).encode(), ("EHE %s " % a.run_id).encode()
    while not _stop:
        if end_at and time.monotonic() > end_at:
            break
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if data.startswith(probe):
            seqs.append(int(data[len(probe):].split(b" ", 1)[0]))
        elif data.startswith(marker) and end is None:
            end = int(data[len(marker):].split(b" ", 1)[0])
            end_at = time.monotonic() + a.grace
    print(json.dumps({"seqs": seqs, "end": end}), flush=True)


def udp_send(a):
    signal.signal(signal.SIGINT, _on_stop)
    signal.signal(signal.SIGTERM, _on_stop)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if a.src:
        s.bind((a.src, 0))
    dst = (a.dst, a.port)
    print("SENDING", flush=True)
    seq, t0, errors = 0, time.monotonic(), 0
    while not _stop and (a.count is None or seq < a.count):
        due = t0 + seq / a.rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
            continue
        msg = ("EHP %s %d " % (a.run_id, seq)).encode()
        try:
            s.sendto(msg.ljust(a.size, b"."), dst)
        except OSError:
            errors += 1          # e.g. no route while a tunnel is down: counts as lost
        seq += 1
    for _ in range(5):
        try:
            s.sendto(("EHE %s %d " % (a.run_id, seq)).encode(), dst)
        except OSError:
            pass
        time.sleep(0.02)
    print(json.dumps({"sent": seq, "send_errors": errors}), flush=True)


def dns_query(a):
    import random
    import struct
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in a.name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    s.sendto(q, (a.server, a.port))
    while True:
        data = s.recv(4096)
        if struct.unpack(">H", data[:2])[0] == qid:
            break
    _, flags, qd, an, _, _ = struct.unpack(">HHHHHH", data[:12])
    pos = 12

    def skip_name(p):
        while True:
            n = data[p]
            if n == 0:
                return p + 1
            if n & 0xC0 == 0xC0:
                return p + 2
            p += 1 + n

    for _ in range(qd):
        pos = skip_name(pos) + 4
    addrs = []
    for _ in range(an):
        pos = skip_name(pos)
        rtype, _, ttl, rdlen = struct.unpack(">HHIH", data[pos:pos + 10])
        pos += 10
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(data[pos:pos + 4]))
        pos += rdlen
    print(json.dumps({"rcode": flags & 0xF, "addrs": addrs}), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("tcp-sink")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--timeout", type=float, default=30)
    c = sub.add_parser("tcp-send")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--bytes", type=int, required=True)
    c.add_argument("--src")
    c.add_argument("--timeout", type=float, default=30)
    c = sub.add_parser("udp-recv")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--run-id", required=True)
    c.add_argument("--grace", type=float, default=1.0)
    c = sub.add_parser("udp-send")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--run-id", required=True)
    c.add_argument("--rate", type=float, default=200)
    c.add_argument("--size", type=int, default=64)
    c.add_argument("--count", type=int)
    c.add_argument("--src")
    c = sub.add_parser("dns-query")
    c.add_argument("--server", required=True)
    c.add_argument("--name", required=True)
    c.add_argument("--port", type=int, default=53)
    c.add_argument("--timeout", type=float, default=2)
    a = p.parse_args()
    {"tcp-sink": tcp_sink, "tcp-send": tcp_send, "udp-recv": udp_recv,
     "udp-send": udp_send, "dns-query": dns_query}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
