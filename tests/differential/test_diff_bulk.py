"""Differential scenarios that are awkward as text lines: big and binary values, many
keys across shards, and deep pipelines (many commands in one write)."""

import random

from harness import Divergence
from resp import encode


def same(pair, *args):
    r, k = pair.command(*args)
    assert r is not None and k is not None, f"connection closed on {args[:3]}"
    if r.raw != k.raw:
        raise Divergence(f"{[a if len(a) < 80 else a[:80] + b'...' for a in _b(args)]}\n"
                         f"  redis: {r.raw[:300]!r}\n  kora:  {k.raw[:300]!r}")
    return r


def _b(args):
    return [a.encode() if isinstance(a, str) else (str(a).encode() if isinstance(a, int) else a)
            for a in args]


def test_big_and_binary_values(pair):
    mib = random.Random(7).randbytes(1 << 20)
    all_bytes = bytes(range(256)) * 4
    same(pair, "SET", "big", mib)
    assert same(pair, "GET", "big").value == mib
    assert same(pair, "STRLEN", "big").value == 1 << 20
    same(pair, "APPEND", "big", all_bytes)
    same(pair, "GET", "big")
    same(pair, "SET", all_bytes, all_bytes)
    same(pair, "GET", all_bytes)
    same(pair, "MGET", "big", all_bytes, "nope")
    same(pair, "SET", "big", mib, "GET")
    same(pair, "SET", "crlf", b"\r\n" * 1000 + b"$5\r\n*1\r\n")
    same(pair, "GET", "crlf")
    same(pair, "ECHO", mib)
    same(pair, "PING", all_bytes)
    same(pair, "EXISTS", "big", all_bytes, "crlf")
    same(pair, "DEL", "big", all_bytes, "crlf", "nope")
    same(pair, "DBSIZE")


def test_many_keys_across_shards(pair):
    n = 2000
    args = []
    for i in range(n):
        args += [f"key:{i}", f"val:{i}"]
    same(pair, "MSET", *args)
    same(pair, "DBSIZE")
    keys = [f"key:{i}" for i in range(n)] + ["missing"]
    same(pair, "MGET", *keys)
    same(pair, "EXISTS", *keys, *keys[:10])
    rnd = random.Random(3)
    sample = rnd.sample(keys, 500) + rnd.sample(keys, 100)
    same(pair, "DEL", *sample)
    same(pair, "MGET", *keys)
    same(pair, "UNLINK", *keys)
    same(pair, "DBSIZE")


def test_deep_pipeline(pair):
    """500 commands in one write; every reply compared in order."""
    rnd = random.Random(11)
    cmds = []
    for i in range(500):
        k = f"p{rnd.randint(0, 40)}"
        cmds.append(rnd.choice([
            ("SET", k, str(i)), ("GET", k), ("INCR", k), ("APPEND", k, "x"), ("DEL", k, "p1", "p2"),
            ("MGET", k, "p3", "p4", "p5"), ("MSET", k, "1", "p6", "2"), ("EXISTS", k, "p7"),
            ("STRLEN", k), ("INCRBY", k, "-3"), ("NOSUCH", k), ("GET",), ("PING",), ("ECHO", k)]))
    data = b"".join(encode(*c) for c in cmds)
    replies = pair.exchange_raw(data, len(cmds))
    for i, ((r, k), cmd) in enumerate(zip(replies, cmds)):
        assert r is not None and k is not None, f"closed at pipelined command #{i} {cmd}"
        if r.raw != k.raw:
            raise Divergence(f"pipelined command #{i} {cmd}\n  redis: {r.raw!r}\n  kora:  {k.raw!r}")
    same(pair, "DBSIZE")
