#!/usr/bin/python3
"""Snapshot figures, Kora against redis-server 7.0 on the same data (docs/benchmarks.md).

For each server, over --rounds rounds alternating the servers:
- SAVE of N keys (DEBUG POPULATE N: "key:i" -> "value:i"): the SAVE command's time;
- load of that file at start: the server's own "DB loaded from disk: X seconds" line;
- BGSAVE while a client writes (SET of random keys, one at a time): the BGSAVE's
  duration (until rdb_bgsave_in_progress is 0), the peak extra RSS over the
  server before it (for Redis the parent plus its fork child), and the longest
  latency one write saw during it.
Medians are printed, and the ratio Kora/Redis.

    scripts/rdb_bench.py --keys 1000000 --rounds 3 --workers 2
"""

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conftest_common"))

import redis  # noqa: E402

import servers  # noqa: E402

LOADED = re.compile(rb"DB loaded from disk: ([0-9.]+) seconds")


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    """Children of every thread of `pid` (Kora forks from a worker thread)."""
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def start(kind, directory, workers):
    if kind == "redis":
        srv = servers.RedisServer()
        srv.tmpdir = directory
        srv.log = os.path.join(directory, "server.log")
        return srv.start()
    srv = servers.KoraServer(workers, extra_args=["--data-dir", directory])
    srv.tmpdir = directory
    srv.log = os.path.join(directory, "server.log")
    return srv.start()


def load_seconds(srv):
    with open(srv.log, "rb") as f:
        m = LOADED.search(f.read())
    return float(m.group(1)) if m else float("nan")


def bgsave_under_load(srv, c):
    stop = threading.Event()
    worst = [0.0]
    wc = redis.Redis(host=servers.HOST, port=srv.port)

    def writer():
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            wc.set(f"w:{i % 100000}", "x" * 20)
            worst[0] = max(worst[0], time.perf_counter() - t0)
            i += 1

    base = rss_kb(srv.pid) + sum(rss_kb(p) for p in children(srv.pid))
    t = threading.Thread(target=writer)
    t.start()
    time.sleep(0.3)
    worst[0] = 0.0
    t0 = time.perf_counter()
    c.bgsave()
    peak = base
    while True:
        peak = max(peak, rss_kb(srv.pid) + sum(rss_kb(p) for p in children(srv.pid)))
        if not c.info("persistence")["rdb_bgsave_in_progress"]:
            break
        time.sleep(0.005)
    dur = time.perf_counter() - t0
    stop.set()
    t.join()
    wc.close()
    return dur, (peak - base) / 1024.0, worst[0] * 1000


def round_for(kind, keys, workers, root):
    d = tempfile.mkdtemp(prefix=f"rdbbench-{kind}-", dir=root)
    srv = start(kind, d, workers)
    c = redis.Redis(host=servers.HOST, port=srv.port, socket_timeout=600)
    c.execute_command("DEBUG", "POPULATE", keys)
    t0 = time.perf_counter()
    c.save()
    save = time.perf_counter() - t0
    size = os.path.getsize(os.path.join(d, "dump.rdb"))
    c.close()
    srv.terminate()
    srv2 = start(kind, d, workers)  # loads dump.rdb
    load = load_seconds(srv2)
    c = redis.Redis(host=servers.HOST, port=srv2.port, socket_timeout=600)
    assert c.dbsize() == keys, c.dbsize()
    bg = bgsave_under_load(srv2, c)
    c.close()
    srv2.terminate()
    shutil.rmtree(d, ignore_errors=True)
    return save, load, size, bg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="rdbbench-")
    res = {"redis": [], "kora": []}
    for r in range(args.rounds):
        for kind in (("redis", "kora") if r % 2 == 0 else ("kora", "redis")):
            res[kind].append(round_for(kind, args.keys, args.workers, root))
            print(kind, r, res[kind][-1], flush=True)
    shutil.rmtree(root, ignore_errors=True)
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] +
           [statistics.median(x[3][j] for x in v) for j in range(3)] for k, v in res.items()}
    names = ["SAVE s", "load s", "file bytes", "BGSAVE s (writes running)", "BGSAVE peak extra RSS MiB",
             "longest write during BGSAVE ms"]
    print(f"| {args.keys} keys, kora --workers {args.workers}, medians of {args.rounds} | redis-server 7.0 | kora | kora/redis |")
    print("| --- | --- | --- | --- |")
    for i, n in enumerate(names):
        a, b = med["redis"][i], med["kora"][i]
        print(f"| {n} | {a:.3f} | {b:.3f} | {b / a if a else float('nan'):.2f} |")


if __name__ == "__main__":
    main()
