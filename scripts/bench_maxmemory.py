#!/usr/bin/python3
"""maxmemory side by side: kora-cli and redis-server started by this script, same run.

1. Memory over time under a write flood 5x larger than maxmemory (allkeys-lru): INFO
   used_memory sampled every 50 ms while two pipelined writers SET 200-byte values,
   drawn to a PNG (needs python3-matplotlib: `apt-get install -y python3-matplotlib`).
2. Hit rate of allkeys-lru and allkeys-lfu on a Zipf-distributed cache-aside load (GET,
   and SET on a miss) over a keyspace larger than the limit; rounds alternate servers,
   medians reported.

    scripts/bench_maxmemory.py --kora build/gcc-release/kora-cli/kora-cli --workers 2 \\
        --png docs/img/maxmemory_flood.png
"""

import argparse
import bisect
import os
import random
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conftest_common"))

import redis  # noqa: E402

import servers  # noqa: E402


def client(port):
    return redis.Redis(host=servers.HOST, port=port, socket_timeout=30)


def used(c):
    return int(c.info("memory")["used_memory"])


def flood(port, prefix, total, value_size, rate):
    c = client(port)
    value = b"x" * value_size
    n = total // value_size
    t0 = time.monotonic()
    for start in range(0, n, 200):
        if rate:
            ahead = start * value_size / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        p = c.pipeline(transaction=False)
        for i in range(start, min(n, start + 200)):
            p.set(f"{prefix}:{i}", value)
        p.execute(raise_on_error=False)
    c.close()


def memory_over_time(port, limit_bytes, rate):
    c = client(port)
    c.config_set("maxmemory", 0)
    c.flushall()
    base = used(c)
    limit = base + limit_bytes
    c.config_set("maxmemory-policy", "allkeys-lru")
    c.config_set("maxmemory", limit)
    series, done = [], threading.Event()
    t0 = time.monotonic()

    def sampler():
        sc = client(port)
        while not done.is_set():
            series.append((time.monotonic() - t0, used(sc)))
            time.sleep(0.05)
        sc.close()

    s = threading.Thread(target=sampler)
    s.start()
    writers = [threading.Thread(target=flood, args=(port, f"w{j}", 5 * limit_bytes // 2, 200, rate / 2))
               for j in range(2)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    s.join()
    evicted = int(c.info("stats")["evicted_keys"])
    c.config_set("maxmemory", 0)
    c.flushall()
    c.close()
    return limit, series, evicted


def zipf_cdf(n, s):
    weights = [1.0 / (i + 1) ** s for i in range(n)]
    total = sum(weights)
    acc, cdf = 0.0, []
    for w in weights:
        acc += w / total
        cdf.append(acc)
    return cdf


def hit_rate(port, policy, limit_bytes, keys, requests, cdf, seed):
    c = client(port)
    c.config_set("maxmemory", 0)
    c.flushall()
    c.config_set("maxmemory-policy", policy)
    c.config_set("maxmemory", used(c) + limit_bytes)
    rng = random.Random(seed)
    # A random permutation, so that hot keys are spread over the keyspace (and shards).
    names = [f"z:{i}" for i in range(keys)]
    rng.shuffle(names)
    value = b"v" * 100
    hits = misses = 0
    warm = requests // 4
    for start in range(0, requests, 100):
        batch = [names[bisect.bisect_left(cdf, rng.random())] for _ in range(100)]
        got = c.mget(batch)
        p = c.pipeline(transaction=False)
        for k, v in zip(batch, got):
            if v is None:
                p.set(k, value)
        p.execute(raise_on_error=False)
        if start >= warm:
            h = sum(1 for v in got if v is not None)
            hits += h
            misses += len(got) - h
    c.config_set("maxmemory", 0)
    c.flushall()
    c.close()
    return hits / max(1, hits + misses)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kora", default=servers.KORA_CLI)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit-mb", type=int, default=16, help="maxmemory above the idle server's used memory")
    ap.add_argument("--rate-mb", type=float, default=4.0, help="flood rate, MB/s (0: as fast as possible)")
    ap.add_argument("--png", default=os.path.join(HERE, "..", "docs", "img", "maxmemory_flood.png"))
    ap.add_argument("--keys", type=int, default=200_000)
    ap.add_argument("--requests", type=int, default=300_000)
    ap.add_argument("--zipf", type=float, default=1.0)
    ap.add_argument("--hit-limit-mb", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    kora = servers.KoraServer(args.workers, binary=args.kora).start()
    red = servers.start_redis()
    try:
        limit_bytes = args.limit_mb * 1024 * 1024
        rate = args.rate_mb * 1024 * 1024
        curves = {}
        for name, srv in (("redis-server", red), (f"kora-cli --workers {args.workers}", kora)):
            limit, series, evicted = memory_over_time(srv.port, limit_bytes, rate)
            peak = max(u for _, u in series)
            curves[name] = (limit, series)
            print(f"flood {name}: limit {limit} B, peak used_memory {peak} B ({peak / limit:.4f} x limit), "
                  f"last {series[-1][1] / limit:.4f} x limit, evicted {evicted}")
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(9, 4.5))
            for name, (limit, series) in curves.items():
                ax.plot([t for t, _ in series], [(u - (limit - limit_bytes)) / 2**20 for _, u in series], label=name)
            ax.axhline(limit_bytes / 2**20, color="grey", linestyle="--", label="maxmemory")
            ax.set_xlabel("seconds")
            ax.set_ylabel("used_memory above the idle server (MiB)")
            ax.set_title(f"SET flood of 5x maxmemory ({args.limit_mb} MiB), allkeys-lru")
            ax.legend()
            os.makedirs(os.path.dirname(os.path.abspath(args.png)), exist_ok=True)
            fig.savefig(args.png, dpi=100, bbox_inches="tight")
            print(f"wrote {args.png}")
        except ImportError:
            print("python3-matplotlib is not installed: no PNG")

        cdf = zipf_cdf(args.keys, args.zipf)
        hit_limit = args.hit_limit_mb * 1024 * 1024
        for policy in ("allkeys-lru", "allkeys-lfu"):
            rates = {"redis": [], "kora": []}
            for r in range(args.rounds):
                order = (("redis", red), ("kora", kora)) if r % 2 == 0 else (("kora", kora), ("redis", red))
                for name, srv in order:
                    rates[name].append(hit_rate(srv.port, policy, hit_limit, args.keys, args.requests, cdf, r))
            med = {k: statistics.median(v) for k, v in rates.items()}
            print(f"hit rate {policy} (zipf s={args.zipf}, {args.keys} keys, maxmemory +{args.hit_limit_mb} MiB): "
                  f"redis {med['redis']:.4f}  kora {med['kora']:.4f}  (rounds: redis {rates['redis']}, "
                  f"kora {rates['kora']})")
    finally:
        kora.stop()
        red.stop()


if __name__ == "__main__":
    main()
