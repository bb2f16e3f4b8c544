#!/usr/bin/python3
"""Throughput and CPU cost of kora-cli against redis-server, measured with redis-benchmark.

For each workload (--tests: SET and GET by default, or commands of other families such
as zadd/zrangebyscore, each with every --pipeline-values depth) it runs
`redis-benchmark -t <test> -c <clients> -n <requests> [-P <depth>]` against both servers,
alternating which server goes first, --repeat times, and reports the median requests per
second and the server's CPU time per request (utime+stime of the whole process from
/proc/<pid>/stat, sampled just before and after each run, divided by the requests).
SET and GET run as separate redis-benchmark invocations so that CPU time is attributable.
The result is a Markdown table on stdout, with the command line and the date.

With --baseline <another kora-cli>, that build runs in the same rounds too (the
three servers alternate) and a second table compares Kora with its baseline:
how a change moved throughput and CPU per request.

Example: scripts/bench_vs_redis.py --workers 2 --requests 200000 --repeat 5
"""

import argparse
import csv
import datetime
import hashlib
import os
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conftest_common"))

import servers  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"


def cpu_seconds(pid):
    """utime + stime of a whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    # the command name (field 2) may contain spaces; fields after it are space separated
    fields = data[data.rindex(b")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of stat(5)
    return (utime + stime) / CLK_TCK


INCR_SCRIPT = "return redis.call('incrby', KEYS[1], ARGV[1])"

# Workloads beyond redis-benchmark's own tests (-t): a command line with
# __rand_int__ drawn from -r 100000. Each family's read runs after its write
# in the same round, so it finds data.
CUSTOM = {
    "zadd": ["ZADD", "zbench", "__rand_int__", "member:__rand_int__"],
    "zscore": ["ZSCORE", "zbench", "member:__rand_int__"],
    "zrangebyscore": ["ZRANGEBYSCORE", "zbench", "__rand_int__", "+inf", "LIMIT", "0", "10"],
    "zpopmin": ["ZPOPMIN", "zbench"],
    "xadd": ["XADD", "xbench", "*", "field", "__rand_int__"],
    "xrange": ["XRANGE", "xbench", "-", "+", "COUNT", "10"],
    "pfadd": ["PFADD", "hllbench", "__rand_int__"],
    "pfcount": ["PFCOUNT", "hllbench"],
    # Scripting: EVALSHA of a one-key script (loaded first, see SETUP) and EVAL
    # of the same body (the cached-compile path).
    "evalsha": ["EVALSHA", hashlib.sha1(INCR_SCRIPT.encode()).hexdigest(), "1", "sk:__rand_int__", "1"],
    "eval": ["EVAL", INCR_SCRIPT, "1", "sk:__rand_int__", "1"],
}

# Commands sent once to each server before a workload runs.
SETUP = {"evalsha": [["SCRIPT", "LOAD", INCR_SCRIPT]]}


def send_setup(port, test):
    """Runs SETUP[test] on the server at port (raw RESP)."""
    import socket
    for argv in SETUP.get(test, []):
        with socket.create_connection((servers.HOST, port)) as sock:
            data = [a.encode() for a in argv]
            sock.sendall(b"*%d\r\n" % len(data) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in data))
            sock.recv(4096)


def run_benchmark(port, test, requests, clients, pipeline, timeout):
    argv = [REDIS_BENCHMARK, "-h", servers.HOST, "-p", str(port), "-n", str(requests),
            "-c", str(clients), "--csv"]
    if pipeline > 1:
        argv += ["-P", str(pipeline)]
    argv += ["-r", "100000", *CUSTOM[test]] if test in CUSTOM else ["-t", test]
    p = subprocess.run(argv, capture_output=True, timeout=timeout, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited {p.returncode}: {p.stderr[-500:]}")
    for cells in csv.reader(p.stdout.splitlines()):  # a custom command may hold commas
        if cells and cells[0] != "test" and (test in CUSTOM or cells[0] == test.upper()):
            return float(cells[1])
    raise RuntimeError(f"no {test.upper()} row in redis-benchmark output:\n{p.stdout}\n{p.stderr}")


def measure(server, test, args, pipeline):
    send_setup(server.port, test)
    before = cpu_seconds(server.pid)
    rps = run_benchmark(server.port, test, args.requests, args.clients, pipeline, args.timeout)
    after = cpu_seconds(server.pid)
    return rps, (after - before) / args.requests * 1e6  # CPU µs per request


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=100_000, help="requests per run (default 100000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per workload and server; median kept")
    ap.add_argument("--workers", type=int, default=1, help="kora-cli --workers (default 1)")
    ap.add_argument("--kora", default="/work/main/build/rel/kora-cli/kora-cli",
                    help="kora-cli binary (default: the Release build)")
    ap.add_argument("--baseline", default=None,
                    help="another kora-cli binary measured in the same rounds (before/after a change)")
    ap.add_argument("--clients", type=int, default=50, help="redis-benchmark -c (default 50)")
    ap.add_argument("--pipeline-values", default="1,16",
                    help="comma-separated -P depths; 1 = no pipelining (default 1,16)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds allowed per benchmark run")
    ap.add_argument("--tests", default="set,get",
                    help="comma-separated workloads: set, get, or " + ", ".join(CUSTOM) + " (default set,get)")
    args = ap.parse_args()
    pipelines = [int(x) for x in args.pipeline_values.split(",") if x.strip()]
    if not os.access(args.kora, os.X_OK):
        sys.exit(f"kora binary not found or not executable: {args.kora}")

    redis_srv = kora_srv = base_srv = None
    try:
        redis_srv = servers.start_redis()
        kora_srv = servers.start_kora(args.workers, binary=args.kora)
        pair = [("redis", redis_srv), ("kora", kora_srv)]
        if args.baseline:
            base_srv = servers.start_kora(args.workers, binary=args.baseline)
            pair.append(("baseline", base_srv))
        # warm-up (allocations, page faults) and so that GET finds its key
        for _, srv in pair:
            run_benchmark(srv.port, "set", max(1000, args.requests // 10), args.clients, 1, args.timeout)

        tests = [t.strip() for t in args.tests.split(",") if t.strip()]
        workloads = [(test, p) for p in pipelines for test in tests]
        results = {w: {name: [] for name, _ in pair} for w in workloads}
        turn = 0
        for rep in range(args.repeat):
            for w in workloads:
                shift = turn % len(pair)  # rotate who goes first
                order = pair[shift:] + pair[:shift]
                turn += 1
                for name, srv in order:
                    results[w][name].append(measure(srv, w[0], args, w[1]))
            print(f"# repeat {rep + 1}/{args.repeat} done", file=sys.stderr)
    finally:
        kora_status = kora_srv.terminate() if kora_srv else None
        if base_srv:
            base_srv.terminate()
            base_srv.cleanup_files()
        if redis_srv:
            redis_srv.stop()
        if kora_srv:
            kora_srv.cleanup_files()
    if kora_status != 0:
        print(f"warning: kora-cli exited with status {kora_status} after SIGTERM", file=sys.stderr)

    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    cmd = shlex.join([sys.argv[0], *sys.argv[1:]])
    print(f"## kora vs redis: redis-benchmark -c {args.clients} -n {args.requests}, "
          f"median of {args.repeat}\n")
    print(f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"- command: `{cmd}`")
    print(f"- kora: `{args.kora}` --workers {args.workers}; redis: "
          f"{subprocess.run(['/usr/bin/redis-server', '--version'], capture_output=True, text=True).stdout.split()[2]}"
          f"; host CPUs: {os.cpu_count()} (shared with redis-benchmark)\n")
    print("| workload | Redis rps | Kora rps | ratio Kora/Redis | Redis CPU µs/req | Kora CPU µs/req | CPU ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for (test, p) in workloads:
        rr, kk = results[(test, p)]["redis"], results[(test, p)]["kora"]
        r_rps, k_rps = med(rr, 0), med(kk, 0)
        r_cpu, k_cpu = med(rr, 1), med(kk, 1)
        label = f"{test.upper()} " + (f"-P {p}" if p > 1 else "no pipeline")
        ratio = f"{k_rps / r_rps:.2f}" if r_rps else "n/a"
        cpu_ratio = f"{k_cpu / r_cpu:.2f}" if r_cpu else "n/a"
        print(f"| {label} | {r_rps:,.0f} | {k_rps:,.0f} | {ratio} | {r_cpu:.2f} | {k_cpu:.2f} | {cpu_ratio} |")
    if args.baseline:
        print(f"\n### kora vs its baseline `{args.baseline}` (same rounds)\n")
        print("| workload | baseline rps | Kora rps | ratio | baseline CPU µs/req | Kora CPU µs/req | CPU ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for (test, p) in workloads:
            bb, kk = results[(test, p)]["baseline"], results[(test, p)]["kora"]
            b_rps, k_rps, b_cpu, k_cpu = med(bb, 0), med(kk, 0), med(bb, 1), med(kk, 1)
            label = f"{test.upper()} " + (f"-P {p}" if p > 1 else "no pipeline")
            print(f"| {label} | {b_rps:,.0f} | {k_rps:,.0f} | {k_rps / b_rps:.2f} | {b_cpu:.2f} | {k_cpu:.2f} | "
                  f"{k_cpu / b_cpu:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
