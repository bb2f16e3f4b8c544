#!/usr/bin/python3
"""Pub/sub throughput and delivery latency of kora-cli against redis-server, side by side.

For each audience (--subscribers: 1, 100, 10000 by default) and each kind of
subscription (a channel, or a pattern matching it), on each server in turn (the
servers alternate which goes first, --repeat rounds):

  throughput  redis-benchmark publishes --messages PUBLISHes (-P 16, 1 client) while
              a drainer process (epoll) reads every subscriber's socket; the figure is
              published messages per second, counted from the first PUBLISH until the
              LAST subscriber has received the last message (so a server that answers
              PUBLISH fast but delivers late does not look fast), and deliveries/s.
  latency     one client publishes --latency-samples messages one at a time (each
              carrying its send time); the subscriber that subscribed last reads them:
              median and p99 of send-to-receive time, while the others drain.

Medians over the rounds, and Kora/Redis ratios, as a Markdown table on stdout.

    scripts/bench_pubsub.py --kora build/gcc-release/kora-cli/kora-cli --workers 2 --repeat 3
"""

import argparse
import datetime
import multiprocessing as mp
import os
import select
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conftest_common"))

import servers  # noqa: E402

REDIS_BENCHMARK = "/usr/bin/redis-benchmark"
CHANNEL = b"bench:chan"
PATTERN = b"bench:*"
PAYLOAD = b"x" * 32


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def message_bytes(pattern, payload):
    if pattern:
        return b"*4\r\n" + bulk(b"pmessage") + bulk(PATTERN) + bulk(CHANNEL) + bulk(payload)
    return b"*3\r\n" + bulk(b"message") + bulk(CHANNEL) + bulk(payload)


def open_subscribers(port, n, pattern):
    socks = []
    cmd = (b"*2\r\n$10\r\nPSUBSCRIBE\r\n" + bulk(PATTERN)) if pattern else (b"*2\r\n$9\r\nSUBSCRIBE\r\n" + bulk(CHANNEL))
    for _ in range(n):
        s = socket.create_connection((servers.HOST, port))
        s.sendall(cmd)
        socks.append(s)
    confirm = b"*3\r\n" + bulk(b"psubscribe" if pattern else b"subscribe") + bulk(PATTERN if pattern else CHANNEL) + b":1\r\n"
    for s in socks:
        got = b""
        while len(got) < len(confirm):
            got += s.recv(len(confirm) - len(got))
        assert got == confirm, got
        s.setblocking(False)
    return socks


def drainer(port, n, pattern, expected_per_sub, ready, go, done):
    """Child process: subscribes n sockets, then reads until each has expected bytes."""
    socks = open_subscribers(port, n, pattern)
    ep = select.epoll()
    left = {}
    for s in socks:
        ep.register(s.fileno(), select.EPOLLIN)
        left[s.fileno()] = expected_per_sub
    by_fd = {s.fileno(): s for s in socks}
    ready.send(True)
    go.recv()
    remaining = len(socks)
    while remaining:
        for fd, _ in ep.poll(5.0):
            s = by_fd[fd]
            while True:
                try:
                    data = s.recv(1 << 16)
                except BlockingIOError:
                    break
                if not data:
                    raise RuntimeError("subscriber disconnected")
                left[fd] -= len(data)
                if left[fd] <= 0:
                    ep.unregister(fd)
                    remaining -= 1
                    break
    done.send(time.monotonic())
    for s in socks:
        s.close()


def throughput(port, n, pattern, messages):
    per_msg = len(message_bytes(pattern, PAYLOAD))
    ready_r, ready_w = mp.Pipe(False)
    go_r, go_w = mp.Pipe(False)
    done_r, done_w = mp.Pipe(False)
    p = mp.Process(target=drainer, args=(port, n, pattern, per_msg * messages, ready_w, go_r, done_w))
    p.start()
    ready_r.recv()
    go_w.send(True)
    t0 = time.monotonic()
    subprocess.run([REDIS_BENCHMARK, "-h", servers.HOST, "-p", str(port), "-c", "1", "-P", "16", "-n", str(messages),
                    "publish", CHANNEL.decode(), PAYLOAD.decode()], check=True, stdout=subprocess.DEVNULL)
    if not done_r.poll(120):
        p.kill()
        raise RuntimeError("deliveries incomplete after 120s")
    t1 = done_r.recv()
    p.join()
    secs = t1 - t0
    return messages / secs, messages * n / secs


def latency(port, n, pattern, samples):
    # n-1 subscribers drained by a child; the measured one subscribes last.
    if n > 1:
        ready_r, ready_w = mp.Pipe(False)
        go_r, go_w = mp.Pipe(False)
        done_r, done_w = mp.Pipe(False)
        payload_len = len(b"%020d" % 0)
        per_msg = len(message_bytes(pattern, b"0" * payload_len))
        p = mp.Process(target=drainer, args=(port, n - 1, pattern, per_msg * samples, ready_w, go_r, done_w))
        p.start()
        ready_r.recv()
        go_w.send(True)
    me = open_subscribers(port, 1, pattern)[0]
    me.setblocking(True)
    pub = socket.create_connection((servers.HOST, port))
    pub.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    out = []
    buf = b""
    for _ in range(samples):
        sent = time.monotonic_ns()
        payload = b"%020d" % sent
        pub.sendall(b"*3\r\n$7\r\nPUBLISH\r\n" + bulk(CHANNEL) + bulk(payload))
        want = message_bytes(pattern, payload)
        while len(buf) < len(want):
            buf += me.recv(65536)
        got = time.monotonic_ns()
        assert buf[:len(want)] == want, buf[:80]
        buf = buf[len(want):]
        reply = b""
        while not reply.endswith(b"\r\n"):
            reply += pub.recv(64)
        out.append((got - sent) / 1000.0)
        time.sleep(0.001)
    if n > 1:
        done_r.recv()
        p.join()
    me.close()
    pub.close()
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.99) - 1]


def start(name, args):
    if name == "redis":
        srv = servers.start_redis()
        # Room for 10,000 subscribers plus the benchmark's own clients.
        subprocess.run(["redis-cli", "-p", str(srv.port), "config", "set", "maxclients", "12000"],
                       check=True, stdout=subprocess.DEVNULL)
        return srv
    return servers.KoraServer(workers=args.workers, binary=args.kora).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kora", default=os.path.join(HERE, "..", "build", "gcc-release", "kora-cli", "kora-cli"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--subscribers", default="1,100,10000")
    ap.add_argument("--messages", type=int, default=0, help="per run (default: scaled to the audience)")
    ap.add_argument("--latency-samples", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    audiences = [int(x) for x in args.subscribers.split(",")]
    results = {}  # (n, pattern, server) -> list of (msgs/s, deliveries/s, p50, p99)
    for rnd in range(args.repeat):
        order = ["redis", "kora"] if rnd % 2 == 0 else ["kora", "redis"]
        for name in order:
            srv = start(name, args)
            try:
                for n in audiences:
                    for pattern in (False, True):
                        messages = args.messages or max(200, min(200000, 2_000_000 // n))
                        mps, dps = throughput(srv.port, n, pattern, messages)
                        p50, p99 = latency(srv.port, n, pattern, args.latency_samples if n < 10000 else 50)
                        results.setdefault((n, pattern, name), []).append((mps, dps, p50, p99))
                        print(f"round {rnd} {name} n={n} pattern={pattern}: {mps:,.0f} msg/s {dps:,.0f} deliveries/s "
                              f"p50 {p50:.0f}us p99 {p99:.0f}us", file=sys.stderr)
            finally:
                srv.stop()
    print(f"Measured {datetime.date.today()} (redis-server vs kora-cli --workers {args.workers}), "
          f"median of {args.repeat} rounds:\n")
    print("| subscribers | subscription | Redis msg/s | Kora msg/s | ratio | Redis deliveries/s | Kora deliveries/s "
          "| Redis p50 µs | Kora p50 µs | Redis p99 µs | Kora p99 µs | p50 ratio |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in audiences:
        for pattern in (False, True):
            r = [statistics.median(v) for v in zip(*results[(n, pattern, "redis")])]
            k = [statistics.median(v) for v in zip(*results[(n, pattern, "kora")])]
            print(f"| {n:,} | {'pattern' if pattern else 'channel'} | {r[0]:,.0f} | {k[0]:,.0f} | {k[0] / r[0]:.2f} "
                  f"| {r[1]:,.0f} | {k[1]:,.0f} | {r[2]:.0f} | {k[2]:.0f} | {r[3]:.0f} | {k[3]:.0f} | {k[2] / r[2]:.2f} |")


if __name__ == "__main__":
    main()
