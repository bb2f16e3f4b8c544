"""The stock Redis tools against kora: redis-cli (arguments, stdin, -x, -n, -r, --pipe)
and redis-benchmark smoke runs. redis-cli's output is also compared with what it
prints against a real redis-server."""

import re
import shutil
import subprocess

import pytest

import servers
from bbutil import make_client

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def cli(port, *args, stdin=None, timeout=20):
    p = subprocess.run([REDIS_CLI, "-h", servers.HOST, "-p", str(port), *args], input=stdin,
                       capture_output=True, timeout=timeout)
    return p


@pytest.fixture(scope="module")
def redis_ref():
    srv = servers.start_redis()
    yield srv
    srv.stop()


def test_cli_arguments(kora, r):
    assert cli(kora.port, "set", "k", "v").stdout == b"OK\n"
    assert cli(kora.port, "get", "k").stdout == b"v\n"
    assert cli(kora.port, "GET", "missing").stdout == b"\n"
    assert cli(kora.port, "ping").stdout == b"PONG\n"
    assert cli(kora.port, "set", "sp", "a b\tc").stdout == b"OK\n"
    assert r.get("sp") == b"a b\tc"
    p = cli(kora.port, "incr", "k")
    assert p.returncode == 0 and p.stdout == b"ERR value is not an integer or out of range\n\n"
    assert cli(kora.port, "--no-raw", "mget", "k", "missing").stdout == b'1) "v"\n2) (nil)\n'
    assert cli(kora.port, "--no-raw", "incr", "n").stdout == b"(integer) 1\n"
    assert b"redis_version:" in cli(kora.port, "info", "server").stdout


def test_cli_stdin_inline_commands(kora, r):
    script = b"SET a 1\nINCR a\nINCRBY a 40\nGET a\nMSET x 1 y 2\nMGET x y nope\nDEL x y\nDBSIZE\n"
    p = cli(kora.port, stdin=script)
    assert p.returncode == 0
    assert p.stdout == b"OK\n2\n42\n42\nOK\n1\n2\n\n2\n1\n"
    assert r.get("a") == b"42"


def test_cli_x_n_r_options(kora, r):
    assert cli(kora.port, "-x", "set", "bin", stdin=b"bin\x00ary\r\n\xff").stdout == b"OK\n"
    assert r.get("bin") == b"bin\x00ary\r\n\xff"
    assert cli(kora.port, "-n", "3", "set", "dbk", "1").stdout == b"OK\n"
    assert cli(kora.port, "-n", "3", "dbsize").stdout == b"1\n"
    assert r.exists("dbk") == 0
    cli(kora.port, "-r", "250", "incr", "ctr")
    assert r.get("ctr") == b"250"


def test_cli_pipe_mode(kora, r):
    n = 10_000
    data = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nval:%d\r\n"
                    % (len(b"key:%d" % i), i, len(b"val:%d" % i), i) for i in range(n))
    p = cli(kora.port, "--pipe", stdin=data, timeout=60)
    assert p.returncode == 0, p.stderr
    assert re.search(rb"errors: 0, replies: 10000\b", p.stdout), p.stdout
    assert cli(kora.port, "dbsize").stdout == b"10000\n"
    assert r.get("key:9999") == b"val:9999"
    # errors are counted, not fatal
    bad = b"SET s notanumber\r\n" + b"INCR s\r\n" * 10
    p = cli(kora.port, "--pipe", stdin=bad)
    assert re.search(rb"errors: 10, replies: 11\b", p.stdout), p.stdout


def test_cli_output_matches_real_redis(kora, r, redis_ref):
    """The same redis-cli invocations print the same bytes for kora and redis-server."""
    make_client(redis_ref.port).flushall()
    runs = [
        (["set", "k", "v"], None), (["get", "k"], None), (["get", "missing"], None),
        (["incr", "k"], None), (["mget", "k", "missing"], None), (["--no-raw", "mget", "k", "x"], None),
        (["--no-raw", "ttl", "k"], None), (["--no-raw", "incr", "k"], None),
        (["--no-raw", "get", "missing"], None), (["--no-raw", "set", "k", "v", "GET"], None),
        (["--no-raw", "exists", "k", "k", "q"], None), (["--no-raw", "keys", "k*"], None),
        (["--no-raw", "type", "k"], None), (["--no-raw", "echo", "a\nb"], None),
        (["--no-raw", "select", "16"], None), (["--no-raw", "nosuch", "a"], None),
        ([], b"SET a 1\nINCR a\nGET a\nNOSUCH x\nMGET a b\nAPPEND a xyz\nSTRLEN a\nDEL a a\n"),
        (["-x", "set", "bin"], b"bin\x00ary"), (["strlen", "bin"], None),
        (["--no-raw", "expire", "bin", "100", "NX", "XX"], None),
    ]
    for args, stdin in runs:
        want = cli(redis_ref.port, *args, stdin=stdin)
        got = cli(kora.port, *args, stdin=stdin)
        assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr), args


def _bench(port, *extra):
    p = subprocess.run([REDIS_BENCHMARK, "-h", servers.HOST, "-p", str(port), "-t", "set,get",
                        "-n", "20000", "-q", *extra], capture_output=True, timeout=25)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    return p.returncode, out


@pytest.mark.parametrize("extra", [["-P", "16"], ["-c", "50"]], ids=["P16", "c50"])
def test_redis_benchmark_smoke(kora, r, extra):
    rc, out = _bench(kora.port, *extra)
    assert rc == 0, out
    # kora has no CONFIG command yet; redis-benchmark only warns about it
    lines = [l for l in out.replace("\r", "\n").split("\n") if "WARNING: Could not fetch server CONFIG" not in l]
    text = "\n".join(lines)
    assert "error" not in text.lower(), text
    for test in ("SET", "GET"):
        m = re.search(rf"^{test}: ([0-9.]+) requests per second", text, re.M)
        assert m and float(m.group(1)) > 0, text
    # redis-benchmark wrote its 3-byte value under the literal key "key:__rand_int__"
    assert r.dbsize() == 1
    assert r.strlen("key:__rand_int__") == 3
