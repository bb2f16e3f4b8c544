"""HyperLogLog values are interchangeable between redis-server and kora-cli.

A value made by one server (PFADD, PFMERGE, PFDEBUG TODENSE, a PFCOUNT that
refreshed the cached cardinality) is read with GET and SET into the other. Then
both servers must report the same PFCOUNT, hold the same bytes after that
PFCOUNT (which may rewrite the cache in the header), and still hold the same
bytes after further PFADD and PFMERGE — whichever server made the value.

Elements come from a seeded generator: env KORA_DIFF_SEED (comma-separated;
default 1,2,3).
"""

import os
import random

import pytest

SEEDS = [int(s) for s in os.environ.get("KORA_DIFF_SEED", "1,2,3").split(",") if s.strip()]

# (name, number of elements): empty, small sparse, large sparse, dense.
SIZES = [("empty", 0), ("tiny", 3), ("sparse", 200), ("wide", 1500), ("dense", 6000)]


def _elements(rng, n, tag):
    return [f"{tag}:{rng.randrange(10**9)}" for _ in range(n)]


def _add(conn, key, elements):
    """PFADD in chunks (one call creates the key even with no element)."""
    reply = conn.command("PFADD", key)
    assert reply.kind == ":", reply
    for i in range(0, len(elements), 500):
        reply = conn.command("PFADD", key, *elements[i:i + 500])
        assert reply.kind == ":", reply


def _get(conn, key):
    reply = conn.command("GET", key)
    assert reply.kind == "$" and reply.value is not None, reply
    return reply.value


def _same(pair, *argv):
    r, k = pair.command(*argv)
    assert r is not None and k is not None, argv
    assert r.raw == k.raw, f"{argv}: redis {r.raw[:200]!r} kora {k.raw[:200]!r}"
    return r


def _check_same_value(pair, key):
    r = _get(pair.conns["redis"], key)
    k = _get(pair.conns["kora"], key)
    assert r == k, f"{key}: values differ (redis {len(r)} bytes, kora {len(k)} bytes)"
    return r


def _transfer(pair, maker, key):
    """Copies `key` from `maker` to the other server with GET/SET; returns the bytes."""
    other = "kora" if maker == "redis" else "redis"
    value = _get(pair.conns[maker], key)
    assert pair.conns[other].command("SET", key, value).raw == b"+OK\r\n"
    return value


@pytest.mark.parametrize("maker", ["redis", "kora"])
@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_values_move_between_servers(pair, seed, maker):
    rng = random.Random(seed * 7919 + (maker == "kora"))
    maker_conn = pair.conns[maker]
    for name, n in SIZES:
        key = f"hll:{name}"
        _add(maker_conn, key, _elements(rng, n, name))
        value = _transfer(pair, maker, key)
        assert value.startswith(b"HYLL")
        # Cache invalid on both (PFADD left it so): both compute and store it.
        _same(pair, "PFCOUNT", key)
        _check_same_value(pair, key)
        _same(pair, "PFDEBUG", "ENCODING", key)
        # Cached now: moved again, the cache is trusted on both sides.
        _transfer(pair, maker, key)
        _same(pair, "PFCOUNT", key)
        # Further writes make the same bytes on both.
        more = _elements(rng, rng.choice([1, 10, 300]), name + "+")
        for i in range(0, len(more), 100):
            _same(pair, "PFADD", key, *more[i:i + 100])
        _check_same_value(pair, key)
        _same(pair, "PFCOUNT", key)
        _check_same_value(pair, key)

    # Merges of transferred values (keys on different shards in kora).
    keys = [f"hll:{name}" for name, _ in SIZES]
    _same(pair, "PFCOUNT", *keys)
    _same(pair, "PFMERGE", "hll:merged", "hll:tiny", "hll:sparse")
    _check_same_value(pair, "hll:merged")
    _same(pair, "PFMERGE", "hll:merged", "hll:wide")
    _check_same_value(pair, "hll:merged")
    _same(pair, "PFMERGE", "hll:all", *keys)
    _check_same_value(pair, "hll:all")
    _same(pair, "PFCOUNT", "hll:all")
    _check_same_value(pair, "hll:all")
    # A sparse value made dense by PFDEBUG TODENSE on the maker, moved, then merged.
    _add(maker_conn, "hll:todense", _elements(rng, 50, "td"))
    assert maker_conn.command("PFDEBUG", "TODENSE", "hll:todense").raw == b":1\r\n"
    _transfer(pair, maker, "hll:todense")
    _same(pair, "PFDEBUG", "ENCODING", "hll:todense")
    _same(pair, "PFMERGE", "hll:tiny", "hll:todense")
    _check_same_value(pair, "hll:tiny")
    _same(pair, "PFCOUNT", "hll:tiny")


def test_values_made_by_each_server_merge_alike(pair):
    """One value made by Redis and one by Kora, each copied to the other server,
    merged on both: the same bytes."""
    rng = random.Random(42)
    redis, kora = pair.conns["redis"], pair.conns["kora"]
    _add(redis, "from:redis", _elements(rng, 400, "r"))
    _add(kora, "from:kora", _elements(rng, 4000, "k"))
    _transfer(pair, "redis", "from:redis")
    _transfer(pair, "kora", "from:kora")
    _same(pair, "PFCOUNT", "from:redis", "from:kora")
    _same(pair, "PFMERGE", "merged", "from:redis", "from:kora")
    _check_same_value(pair, "merged")
    _same(pair, "PFMERGE", "from:redis", "from:kora")
    _check_same_value(pair, "from:redis")
    _same(pair, "PFCOUNT", "merged")
    _same(pair, "OBJECT", "ENCODING", "merged")
