#!/usr/bin/python3
"""Resident memory per key, Kora against redis-server, in one run with the same client.

Workloads (--types, comma separated; default strings,hashes):
  strings     N string keys (12-byte names "key:%08d", 32-byte values)
  hashes      N small hashes (12-byte names "hsh:%08d", 3 fields name/age/city)
  zset-small  N sorted-set members in N/100 sets of 100 ("member:%08d", integer
              scores): the compact (listpack) encoding
  zset-large  N members in one sorted set (same members, scores i/3): the skiplist
  stream      N entries in one stream (explicit ids <i+1>-0, fields sensor/temp,
              values "s1"/<i>): XADD as a sensor feed writes it
Each is loaded into a fresh redis-server and a fresh kora-cli through
`redis-cli --pipe`; the report is (RSS after - RSS before) / N, read from
/proc/<pid>/status.

    scripts/memory_vs_redis.py [--keys 1000000] [--workers 1] [--types ...] [--kora PATH]
"""
import argparse
import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def wait_ping(port, deadline=10.0):
    end = time.time() + deadline
    while time.time() < end:
        r = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
        if r.stdout.strip() == "PONG":
            return
        time.sleep(0.05)
    raise RuntimeError(f"server on {port} did not answer")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


# type -> (label, expected DBSIZE for n elements)
WORKLOADS = {
    "strings": ("string keys (12-byte names, 32-byte values)", lambda n: n),
    "hashes": ("small hashes (3 fields)", lambda n: n),
    "zset-small": ("sorted-set members, sets of 100 (listpack)", lambda n: n // 100),
    "zset-large": ("sorted-set members, one set (skiplist)", lambda n: 1),
    "stream": ("stream entries, one stream (2 fields)", lambda n: 1),
}


def zadd_batches(f, key_of, n, score_of):
    batch = []
    for i in range(n):
        batch += [score_of(i), "member:%08d" % i]
        if len(batch) == 200 or i == n - 1:
            f.write(resp("ZADD", key_of(i), *batch))
            batch = []


def write_workload(kind, n, tmp):
    path = os.path.join(tmp, kind + ".resp")
    with open(path, "wb") as f:
        if kind == "strings":
            value = "v" * 32
            for i in range(n):
                f.write(resp("SET", "key:%08d" % i, value))
        elif kind == "hashes":
            for i in range(n):
                f.write(resp("HSET", "hsh:%08d" % i, "name", "user%07d" % i, "age", str(20 + i % 60),
                             "city", "Accra"))
        elif kind == "zset-small":
            zadd_batches(f, lambda i: "zs:%06d" % (i // 100), n, lambda i: str(i))
        elif kind == "zset-large":
            zadd_batches(f, lambda i: "zl", n, lambda i: repr(i / 3))
        elif kind == "stream":
            for i in range(n):
                f.write(resp("XADD", "st", "%d-0" % (i + 1), "sensor", "s1", "temp", str(i)))
    return path


def measure(start_cmd, port, workload, n, expected_keys):
    proc = subprocess.Popen(start_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ping(port)
        time.sleep(0.3)
        before = rss_bytes(proc.pid)
        with open(workload, "rb") as f:
            r = subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, capture_output=True,
                               text=True, timeout=600)
        if "errors: 0" not in r.stdout:
            raise RuntimeError(f"load failed: {r.stdout} {r.stderr}")
        time.sleep(0.5)
        dbsize = subprocess.run(["redis-cli", "-p", str(port), "dbsize"], capture_output=True,
                                text=True).stdout.strip()
        if dbsize != str(expected_keys):
            raise RuntimeError(f"DBSIZE {dbsize}, expected {expected_keys}")
        after = rss_bytes(proc.pid)
        return (after - before) / n
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--types", default="strings,hashes")
    ap.add_argument("--kora", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                   "gcc-release", "kora-cli", "kora-cli"))
    args = ap.parse_args()
    kora = os.path.abspath(args.kora)
    if not os.path.exists(kora):
        sys.exit(f"no kora-cli at {kora}: build it (cmake --workflow --preset release) or pass --kora")
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for kind in args.types.split(","):
            label, keys_of = WORKLOADS[kind]
            workload = write_workload(kind, args.keys, tmp)
            rp, kp = free_port(), free_port()
            redis = measure(["redis-server", "--port", str(rp), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], rp, workload, args.keys, keys_of(args.keys))
            kora_b = measure([kora, "--port", str(kp), "--workers", str(args.workers)], kp, workload,
                             args.keys, keys_of(args.keys))
            rows.append((label, redis, kora_b))
    version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    print(f"Resident memory per key, {args.keys:,} keys, {datetime.date.today()}, redis-server {version}, "
          f"kora-cli --workers {args.workers}")
    print()
    print("| workload | Redis bytes/element | Kora bytes/element | Kora / Redis |")
    print("| --- | ---: | ---: | ---: |")
    for label, r, k in rows:
        print(f"| {label} | {r:.1f} | {k:.1f} | {k / r:.2f} |")
    print()
    print("Command: " + " ".join(["scripts/memory_vs_redis.py"] + sys.argv[1:]))


if __name__ == "__main__":
    main()
