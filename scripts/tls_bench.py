#!/usr/bin/python3
"""Server CPU per request over TLS and over plain TCP (docs/benchmarks.md, issue 9).

Starts one kora-cli (plain port and --tls-port) or one redis-server (plain and TLS ports),
runs redis-benchmark SET/GET against each port with and without pipelining, and prints
requests per second and the server's CPU (utime+stime from /proc) per request. Test
certificates are made with openssl in a temporary directory.

    scripts/tls_bench.py kora [--kora build/gcc-release/kora-cli/kora-cli] [--workers 2]
    scripts/tls_bench.py redis
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conftest_common"))

from certs import make_test_certs  # noqa: E402


def make_certs(d):
    make_test_certs(d, days=1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("server", choices=["kora", "redis"])
    ap.add_argument("--kora", default=os.path.join(HERE, "..", "build", "gcc-release", "kora-cli", "kora-cli"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("-n", type=int, default=200000, help="requests per test without pipelining")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        make_certs(d)
        port, tls_port = free_port(), free_port()
        tls = ["--tls-port", str(tls_port), "--tls-cert-file", f"{d}/server.crt", "--tls-key-file",
               f"{d}/server.key", "--tls-ca-cert-file", f"{d}/ca.crt"]
        if args.server == "kora":
            argv = [args.kora, "--port", str(port), "--workers", str(args.workers), *tls]
        else:
            argv = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", *tls]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            for pipeline in (1, 16):
                n = args.n if pipeline == 1 else args.n * 5
                for use_tls in (False, True):
                    bench = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(tls_port if use_tls else port),
                             "-n", str(n), "-c", "50", "-P", str(pipeline), "-t", "set,get", "-q"]
                    if use_tls:
                        bench += ["--tls", "--cacert", f"{d}/ca.crt", "--cert", f"{d}/client.crt",
                                  "--key", f"{d}/client.key"]
                    c0 = cpu_seconds(proc.pid)
                    out = subprocess.run(bench, capture_output=True, text=True).stdout
                    us = (cpu_seconds(proc.pid) - c0) / (2 * n) * 1e6
                    rps = re.findall(r"([\d.]+) requests per second", out)
                    print(f"| {args.server} | {'TLS' if use_tls else 'plain'} | {pipeline} | "
                          f"{' | '.join(rps)} | {us:.2f} |")
        finally:
            proc.terminate()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
