#!/usr/bin/env python3
"""Hostile clients of a running subflowd's control socket and metrics listener, one attack per
invocation; prints figures, asserts nothing. Driven by bench/control-attacks.sh, which explains
each attack. Python 3 standard library only."""
import os, socket, subprocess, sys, time, threading, json

def proc_stats(pid):
    with open(f"/proc/{pid}/stat") as f: fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / tick
    rss = hwm = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"): rss = int(line.split()[1]) // 1024
            if line.startswith("VmHWM:"): hwm = int(line.split()[1]) // 1024
    return cpu, rss, hwm

def status_latency(ctl, sock, timeout=30):
    t = time.monotonic()
    r = subprocess.run([ctl, "status", "--socket", sock, "--json"], capture_output=True, timeout=timeout)
    return time.monotonic() - t, r.returncode, r.stderr.decode()[:120]

def read_line(s):
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
    return data

def unix(sock):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sock); return s

def watch(pid, ctl, sock, seconds, label):
    cpu0, _, _ = proc_stats(pid)
    lat = []; fails = 0; peak = 0; end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            l, rc, err = status_latency(ctl, sock)
            if rc != 0: fails += 1; print(f"  status rc={rc}: {err.strip()}")
            else: lat.append(l)
        except subprocess.TimeoutExpired: fails += 1; print("  status timed out (30 s)")
        peak = max(peak, proc_stats(pid)[1])
        time.sleep(0.5)
    cpu1, rss, hwm = proc_stats(pid)
    lat.sort()
    med = lat[len(lat)//2] if lat else float("nan")
    print(f"{label}: daemon CPU {cpu1-cpu0:.2f} s over {seconds} s; RSS peak {peak} MB (HWM {hwm} MB); "
          f"status ok {len(lat)} failed {fails}; latency median {med*1000:.0f} ms max {max(lat, default=float('nan'))*1000:.0f} ms")

def pipeline(pid, ctl, sock, clients, requests, seconds):
    conns = []
    line = b'{"command":"metrics"}\n' * requests
    def push(s):
        try: s.sendall(line)
        except OSError: pass
    for _ in range(clients):
        s = unix(sock); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); conns.append(s)
        threading.Thread(target=push, args=(s,), daemon=True).start()
    time.sleep(0.2)
    watch(pid, ctl, sock, seconds, f"pipeline {clients}x{requests} metrics")
    for s in conns: s.close()

def bigjson(pid, ctl, sock):
    import itertools, string
    alphabet = string.ascii_letters + string.digits
    parts = []; total = 0
    for n in (1, 2, 3):
        for t in itertools.product(alphabet, repeat=n):
            p = '"%s":0' % "".join(t)
            if total + len(p) + 1 > 65000: break
            parts.append(p); total += len(p) + 1
    keys = len(parts)
    line = ("{" + ",".join(parts) + ',"command":"status"}\n').encode()
    print(f"bigjson: {len(line)} bytes, {keys} keys")
    cpu0 = proc_stats(pid)[0]
    s = unix(sock); t = time.monotonic(); s.sendall(line)
    data = read_line(s)
    print(f"bigjson: answer after {(time.monotonic()-t)*1000:.0f} ms, daemon CPU {proc_stats(pid)[0]-cpu0:.2f} s: {data[:100]!r}")

def longline(sock, size):
    s = unix(sock); s.sendall(b'{"command":"status","pad":"' + b"x" * (size - 32) + b'"}\n')
    data = read_line(s)
    print(f"longline {size}: {data[:160]!r}")

def idle(pid, ctl, sock, clients, seconds):
    conns = []
    for _ in range(clients):
        try: conns.append(unix(sock))
        except OSError as e: print("connect:", e)
    time.sleep(0.5)
    for s in conns:
        try: s.sendall(b"\n")
        except OSError: pass
    print(f"idle: {len(conns)} clients connected (blank line each), holding {seconds} s")
    time.sleep(seconds)
    for s in conns: s.close()

def slowloris(port, conns_n, seconds, source="127.0.0.2"):
    conns = []
    def open_one():
        s = socket.socket(); s.bind((source, 0)); s.connect(("127.0.0.1", port)); s.sendall(b"G"); return s
    for _ in range(conns_n):
        try: conns.append(open_one())
        except OSError as e: print("slowloris connect:", e)
    ok = bad = 0; codes = {}
    end = time.monotonic() + seconds; last_drip = time.monotonic()
    while time.monotonic() < end:
        if time.monotonic() - last_drip >= 5:
            last_drip = time.monotonic()
            for i, s in enumerate(conns):
                try: s.sendall(b"E")
                except OSError:
                    try: conns[i] = open_one()
                    except OSError: pass
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                chunk = c.recv(65536)
                if not chunk: break
                data += chunk
            code = data[9:12].decode() if data else "none"
            codes[code] = codes.get(code, 0) + 1
            ok += code == "200"; bad += code != "200"
            c.close()
        except OSError as e:
            bad += 1; codes[str(e)[:30]] = codes.get(str(e)[:30], 0) + 1
        time.sleep(1)
    print(f"slowloris {conns_n} conns from {source}: scrapes ok {ok}, failed {bad} ({codes})")

def bighead(port, size):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"GET /metrics HTTP/1.1\r\nX-Pad: " + b"a" * (size - 40) + b"\r\n\r\n")
    data = c.recv(200)
    print(f"HTTP head {size} bytes: {data[:40]!r}")

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "pipeline": pipeline(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    elif cmd == "bigjson": bigjson(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif cmd == "longline": longline(sys.argv[2], int(sys.argv[3]))
    elif cmd == "idle": idle(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    elif cmd == "slowloris": slowloris(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "bighead": bighead(int(sys.argv[2]), int(sys.argv[3]))
    elif cmd == "watch": watch(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), "baseline")
