#!/usr/bin/python3
"""Run units of Redis 7.0's own Tcl test suite against a fresh kora-cli, the way the suite
runs against an external redis-server (`runtest --host --port`), and report per unit how many
tests passed, failed, and whether the unit stopped on an exception (an unknown command or
option the harness needs).

The suite is not part of this repository: point --redis-src at a Redis 7.0 source tree
(`apt-get source redis`, a git checkout of tag 7.0.15, or the release tarball), or pass
--download to fetch the 7.0.15 tarball from GitHub into ~/.cache/kora-redis-suite.
The harness is used as is, from a private copy. Each unit runs against its own kora-cli (so one unit's CONFIG SET leftovers never
leak into the next), with `--tags -needs:repl -needs:debug` by default (replication and
DEBUG RELOAD are outside what Kora serves yet).

    scripts/redis_suite.py --download --units unit/type/zset,unit/type/set --workers 2
    scripts/redis_suite.py --redis-src ~/redis-7.0.15 --units unit/type/zset -v
    scripts/redis_suite.py --redis-src ~/redis-7.0.15 --units unit/tls --tls   # over TLS (tcl-tls)
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conftest_common"))

import servers  # noqa: E402
from certs import make_test_certs  # noqa: E402

TARBALL = "https://github.com/redis/redis/archive/refs/tags/7.0.15.tar.gz"
CACHE = os.path.expanduser("~/.cache/kora-redis-suite")
DEFAULT_UNITS = ("unit/type/zset,unit/type/set,unit/type/hash,unit/type/list,unit/type/incr,"
                 "unit/type/string,unit/hyperloglog,unit/keyspace,unit/expire")
RESULT = re.compile(r"\[(ok|err|exception|skip|ignore)\]: (.*?)(?: in tests/| \(\d+ ms\)|$)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def fetch_suite():
    src = os.path.join(CACHE, "redis-7.0.15")
    if not os.path.isdir(os.path.join(src, "tests")):
        os.makedirs(CACHE, exist_ok=True)
        path = os.path.join(CACHE, "redis-7.0.15.tar.gz")
        print(f"downloading {TARBALL}", file=sys.stderr)
        urllib.request.urlretrieve(TARBALL, path)
        with tarfile.open(path) as t:
            t.extractall(CACHE)
    return src


def private_copy(src, tmp):
    """tests/ and runtest of `src`."""
    dst = os.path.join(tmp, "redis")
    os.makedirs(dst)
    shutil.copytree(os.path.join(src, "tests"), os.path.join(dst, "tests"))
    shutil.copy(os.path.join(src, "runtest"), dst)
    return dst


def config_set(port, name, value):
    """CONFIG SET name value on the server at port (raw RESP, no client library)."""
    import socket
    with socket.create_connection((servers.HOST, port)) as s:
        args = [b"CONFIG", b"SET", name.encode(), value.encode()]
        s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
        reply = s.recv(1024)
        if not reply.startswith(b"+OK"):
            sys.exit(f"CONFIG SET {name} {value}: {reply!r}")


def suite_test_certs(suite):
    """tests/tls/{ca,server,client}.{crt,key}, where the suite's --tls mode reads them."""
    d = os.path.join(suite, "tests", "tls")
    make_test_certs(d)
    return d


def free_port():
    import socket
    with socket.socket() as s:
        s.bind((servers.HOST, 0))
        return s.getsockname()[1]


def run_unit(suite, unit, kora, workers, tags, timeout, verbose, tls=False, config=()):
    extra = []
    if tls:
        # The suite talks TLS to the port it is given: kora-cli serves TLS on its
        # own port (the plain port stays for the harness's liveness checks).
        d = suite_test_certs(suite)
        tls_port = free_port()
        extra = ["--tls-port", str(tls_port), "--tls-cert-file", os.path.join(d, "server.crt"),
                 "--tls-key-file", os.path.join(d, "server.key"), "--tls-ca-cert-file", os.path.join(d, "ca.crt")]
    srv = servers.KoraServer(workers, binary=kora, extra_args=extra).start()
    try:
        for item in config:
            name, _, value = item.partition("=")
            config_set(srv.port, name, value)
        argv = ["./runtest", "--host", servers.HOST, "--port", str(tls_port if tls else srv.port), "--single", unit,
                "--clients", "1", "--timeout", str(timeout)]
        if tls:
            argv.append("--tls")
        for t in tags:
            argv += ["--tags", t]
        try:
            p = subprocess.run(argv, cwd=suite, capture_output=True, text=True, timeout=timeout * 2)
            out = ANSI.sub("", p.stdout + p.stderr)
        except subprocess.TimeoutExpired as e:
            out = ANSI.sub("", (e.stdout or b"").decode(errors="replace")) + "\n[exception]: timed out\n"
    finally:
        srv.terminate()
        srv.cleanup_files()
    counts = {"ok": 0, "err": 0, "exception": 0, "skip": 0, "ignore": 0}
    failures = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = RESULT.search(line)
        if not m:
            continue
        counts[m.group(1)] += 1
        if m.group(1) in ("err", "exception"):
            detail = lines[i + 1].strip() if i + 1 < len(lines) else ""
            failures.append(f"{m.group(1)}: {m.group(2).strip()} -- {detail[:200]}")
    if verbose:
        print(out, file=sys.stderr)
    return counts, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--redis-src", help="a Redis 7.0 source tree (holds tests/ and runtest)")
    ap.add_argument("--download", action="store_true", help=f"fetch {TARBALL} into {CACHE}")
    ap.add_argument("--units", default=DEFAULT_UNITS, help="comma-separated units (default: %(default)s)")
    ap.add_argument("--workers", type=int, default=2, help="kora-cli --workers (default 2)")
    ap.add_argument("--kora", default=os.path.join(HERE, "..", "build", "gcc-release", "kora-cli", "kora-cli"))
    ap.add_argument("--tags", default="-needs:repl,-needs:debug", help="runtest --tags filters, comma-separated")
    ap.add_argument("--timeout", type=int, default=600, help="runtest --timeout per unit, seconds")
    ap.add_argument("--config", action="append", default=[], metavar="NAME=VALUE",
                    help="CONFIG SET before each unit (repeatable), e.g. allow-undeclared-keys=yes")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the suite's own output")
    ap.add_argument("--tls", action="store_true",
                    help="run the units over TLS (runtest --tls; needs tcl-tls and openssl): test "
                         "certificates are made in the suite's tests/tls, kora-cli serves TLS on its own port")
    args = ap.parse_args()
    src = args.redis_src or (fetch_suite() if args.download else None)
    if not src:
        sys.exit("give --redis-src DIR or --download")
    kora = os.path.abspath(args.kora)
    if not os.access(kora, os.X_OK):
        sys.exit(f"no kora-cli at {kora}")
    tags = [t for t in args.tags.split(",") if t]
    rows, all_failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        suite = private_copy(src, tmp)
        for unit in [u for u in args.units.split(",") if u]:
            counts, failures = run_unit(suite, unit, kora, args.workers, tags, args.timeout, args.verbose,
                                        tls=args.tls, config=args.config)
            rows.append((unit, counts))
            all_failures += [f"{unit}: {f}" for f in failures]
            print(f"# {unit}: {counts}", file=sys.stderr)
    conf = "".join(f", CONFIG SET {c.replace('=', ' ', 1)}" for c in args.config)
    print(f"Redis 7.0 test units against kora-cli --workers {args.workers}{conf} (runtest --tags {' '.join(tags)})\n")
    print("| unit | passed | failed | stopped by an exception |")
    print("| --- | ---: | ---: | --- |")
    for unit, c in rows:
        print(f"| {unit} | {c['ok']} | {c['err']} | {'yes' if c['exception'] else 'no'} |")
    if all_failures:
        print("\nFailures:\n")
        for f in all_failures:
            print(f"- {f}")
    return 0 if not all_failures else 1


if __name__ == "__main__":
    sys.exit(main())
