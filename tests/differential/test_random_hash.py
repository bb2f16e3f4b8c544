"""Randomized differential test of the hash family: a seeded generator of hash
commands over a few keys, sent to redis-server and kora-cli; every reply must agree.

Seeds: env KORA_DIFF_SEED (comma-separated) or three defaults. Commands per seed:
env KORA_DIFF_HASH_COMMANDS (default 1500). On failure the seed, the index and the
text of the first divergent command and the commands before it are reported.

What is compared, and how:
  - everything byte for byte, except the replies whose order depends on the
    encoding (HGETALL, HKEYS, HVALS, HSCAN, HRANDFIELD with count >= HLEN);
  - those are byte for byte while the hash is a listpack on both sides (Redis's
    OBJECT ENCODING says listpack and the key never held more fields than Kora's
    hash-max-listpack-entries, 128 by default), and otherwise as multisets of
    elements (of field/value pairs for HGETALL and HSCAN);
  - HSCAN over a Redis hashtable is followed to cursor 0 on Redis (it may page)
    and compared with Kora's single page as a set of pairs;
  - HRANDFIELD with a count that samples: the shape (type, length), distinct
    fields for a positive count, and that every field (and value) is in the hash
    as Redis holds it; HRANDFIELD without a count: a field of the hash.
"""

import os
import random

import pytest

from harness import Divergence, normalize

SEEDS = [int(s) for s in os.environ.get("KORA_DIFF_SEED", "11,12,13").split(",") if s.strip()]
N_COMMANDS = int(os.environ.get("KORA_DIFF_HASH_COMMANDS", "1500"))
KORA_LISTPACK_ENTRIES = int(os.environ.get("KORA_HASH_MAX_LISTPACK_ENTRIES", "128"))

KEYS = ["{h}a", "{h}b", "{h}c", "hx", "hy", b"bin\x00key"]
STRING_KEY = "{h}str"

FIELDS = ["f0", "f1", "f2", "f3", "f4", "f5", "", "1", "-1", "007", "a*b", "user:1", "user:2",
          b"f\x00\xff", "F0", "x" * 64, "y" * 65]

VALUES = ["0", "1", "-1", "42", "9223372036854775807", "-9223372036854775808", "1.5", "10.5",
          "3.0e3", "-5.0e3", "abc", "", " 1", "1 ", "+1", "01", "-0", "inf", "nan", "1e5000",
          b"\x00\r\n\xff", "v" * 64, "w" * 65]

INT_INCRS = ["1", "-1", "0", "5", "-7", "1000", "9223372036854775807", "-9223372036854775808",
             "abc", "", "1.5", "+1", "01", "99999999999999999999"]

FLOAT_INCRS = ["0.1", "1.5", "-2.25", "0", "-0", "1e10", "3.0e3", "-5.0e3", "1e-20", "0x10",
               "1e100", "-1e100", "1e308", "0.333333333333333333", "abc", "", "inf", "-inf",
               "nan", " 1", "1e5000", "+.5"]

# Patterns clear of Kora's known glob divergences (cases/bug_keys_glob_*.txt).
PATTERNS = ["*", "f*", "f?", "user:*", "*1", "[fF]*", "[a-z]*", "", "a\\*b", "x*", "?", "*:*"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def key(self):
        return self.r.choice(KEYS) if self.r.random() < 0.95 else STRING_KEY

    def field(self):
        if self.r.random() < 0.08:
            return "g%d" % self.r.randint(0, 700)
        return self.r.choice(FIELDS)

    def value(self):
        if self.r.random() < 0.05:
            return "".join(self.r.choice("ab\x00\r\n") for _ in range(self.r.randint(0, 6)))
        return self.r.choice(VALUES)

    def fields(self, lo=1, hi=5):
        return [self.field() for _ in range(self.r.randint(lo, hi))]

    def pairs(self, lo=1, hi=4):
        out = []
        for _ in range(self.r.randint(lo, hi)):
            out += [self.field(), self.value()]
        return out

    def bulk(self):
        """A large HSET that may push a hash past 128 or 512 fields."""
        n = self.r.choice([20, 60, 130, 300, 520])
        base = self.r.randint(0, 400)
        out = []
        for i in range(n):
            out += ["g%d" % (base + i), str(i)]
        return out

    def command(self):
        r = self.r
        name = r.choices(
            ["hset", "hmset", "hsetnx", "hget", "hmget", "hdel", "hexists", "hlen", "hstrlen",
             "hkeys", "hvals", "hgetall", "hincrby", "hincrbyfloat", "hrandfield", "hscan",
             "bulk", "del", "set", "type", "arity"],
            [14, 3, 4, 8, 5, 8, 3, 3, 3, 3, 3, 5, 6, 6, 7, 5, 0.8, 1, 0.5, 1, 1])[0]
        k = self.key()
        if name == "hset":
            return ["HSET", k] + self.pairs()
        if name == "hmset":
            return ["HMSET", k] + self.pairs()
        if name == "hsetnx":
            return ["HSETNX", k, self.field(), self.value()]
        if name == "hget":
            return ["HGET", k, self.field()]
        if name == "hmget":
            return ["HMGET", k] + self.fields()
        if name == "hdel":
            if r.random() < 0.05:
                return ["HDEL", k] + ["g%d" % i for i in range(r.randint(0, 300), 720)]
            return ["HDEL", k] + self.fields()
        if name in ("hexists", "hstrlen"):
            return [name.upper(), k, self.field()]
        if name in ("hlen", "hkeys", "hvals", "hgetall", "type"):
            return [name.upper(), k]
        if name == "hincrby":
            return ["HINCRBY", k, self.field(), r.choice(INT_INCRS)]
        if name == "hincrbyfloat":
            return ["HINCRBYFLOAT", k, self.field(), r.choice(FLOAT_INCRS)]
        if name == "hrandfield":
            x = r.random()
            if x < 0.2:
                return ["HRANDFIELD", k]
            count = r.choice(["0", "1", "2", "3", "5", "10", "200", "1000", "-1", "-3", "-10",
                              "-100", "abc", "-9223372036854775808", "4611686018427387904"])
            if x < 0.6:
                return ["HRANDFIELD", k, count]
            return ["HRANDFIELD", k, count, r.choice(["WITHVALUES", "withvalues", "WITHVALUES",
                                                       "bogus"])]
        if name == "hscan":
            cmd = ["HSCAN", k, r.choice(["0", "0", "0", "7", "-1", "abc", ""])]
            if r.random() < 0.5:
                cmd += ["MATCH", r.choice(PATTERNS)]
            if r.random() < 0.4:
                cmd += ["COUNT", r.choice(["1", "10", "1000", "0", "-1", "x"])]
            if r.random() < 0.03:
                cmd += [r.choice(["TYPE", "NOVALUES", "MATCH"])]
            return cmd
        if name == "bulk":
            return ["HSET", k] + self.bulk()
        if name == "del":
            return ["DEL", k]
        if name == "set":
            return ["SET", STRING_KEY, self.value()]
        return r.choice([["HSET", k, "f"], ["HSET", k, "f", "v", "g"], ["HGET", k], ["HMGET", k],
                         ["HDEL", k], ["HLEN"], ["HSETNX", k, "f"], ["HINCRBY", k, "f"],
                         ["HINCRBYFLOAT", k, "f", "1", "2"], ["HRANDFIELD"], ["HSCAN", k],
                         ["HSTRLEN", k], ["HGETALL", k, "x"], ["HMSET", k, "a", "b", "c"]])


def _fmt(argv):
    parts = []
    for a in argv:
        if isinstance(a, bytes):
            parts.append(repr(a))
        elif len(a) > 40:
            parts.append(repr(a[:20] + "...(%d)" % len(a)))
        elif not a or any(c in a for c in " \x00\r\n\xff\"'"):
            parts.append(repr(a))
        else:
            parts.append(a)
    return " ".join(parts)


def _elems(reply):
    return [e.raw for e in (reply.value or [])]


def _pairs(flat):
    return sorted(zip(flat[0::2], flat[1::2]))


class Checker:
    def __init__(self, pair, seed):
        self.pair = pair
        self.seed = seed
        self.redis = pair.conns["redis"]
        self.big = set()  # keys that may be hashtables in Kora (> 128 fields once)
        self.history = []

    def fail(self, what, r, k):
        recent = "\n    ".join(self.history[-15:])
        raise Divergence(
            f"seed {self.seed} (rerun with KORA_DIFF_SEED={self.seed}): first divergence at "
            f"command #{len(self.history) - 1}: {self.history[-1]}\n  {what}\n"
            f"  redis: {r.raw[:600]!r}\n  kora:  {k.raw[:600] if k is not None else None!r}\n"
            f"  last commands:\n    {recent}")

    def redis_only(self, *args):
        return self.redis.command(*args)

    def both_listpack(self, key):
        if key in self.big:
            return False
        return self.redis_only("OBJECT", "ENCODING", key).value == b"listpack"

    def redis_hash(self, key):
        """{field: value} as Redis holds `key` (empty if absent or not a hash)."""
        reply = self.redis_only("HGETALL", key)
        if reply.kind != "*":
            return {}
        flat = [e.value for e in reply.value]
        return dict(zip(flat[0::2], flat[1::2]))

    def after_write(self, key):
        n = self.redis_only("HLEN", key)
        if n.kind == ":" and n.value > KORA_LISTPACK_ENTRIES:
            self.big.add(key)
        if n.kind == ":" and n.value == 0:
            self.big.discard(key)  # absent: a new hash starts as a listpack

    def run(self, argv):
        self.history.append(_fmt(argv))
        name = argv[0].upper() if isinstance(argv[0], str) else argv[0]
        key = argv[1] if len(argv) > 1 else None
        ordered = name in ("HGETALL", "HKEYS", "HVALS", "HSCAN") and key is not None
        exact = not ordered or self.both_listpack(key)
        if name == "HRANDFIELD" and len(argv) >= 2:
            exact = False
        r, k = self.pair.command(*argv)
        if r is None or k is None:
            raise Divergence(f"seed {self.seed}: connection closed at {self.history[-1]}")
        if r.kind == "-" or k.kind == "-" or exact:
            if normalize(r, set()) != normalize(k, set()):
                self.fail("replies differ", r, k)
        elif name == "HRANDFIELD":
            self.check_randfield(argv, r, k)
        elif name == "HSCAN":
            self.check_scan(argv, r, k)
        elif name == "HGETALL":
            if r.kind != k.kind or _pairs(_elems(r)) != _pairs(_elems(k)):
                self.fail("HGETALL differs as a set of pairs", r, k)
        elif sorted(_elems(r)) != sorted(_elems(k)) or r.kind != k.kind:
            self.fail("replies differ as multisets", r, k)
        if name in ("HSET", "HMSET", "HSETNX", "HDEL", "HINCRBY", "HINCRBYFLOAT", "DEL"):
            self.after_write(key)

    def check_randfield(self, argv, r, k):
        if r.kind != k.kind:
            self.fail("HRANDFIELD reply types differ", r, k)
        h = self.redis_hash(argv[1])
        if len(argv) == 2:
            if (k.value is None) != (r.value is None) or (k.value is not None and k.value not in h):
                self.fail("HRANDFIELD without a count must name a field of the hash", r, k)
            return
        count = int(argv[2])
        with_values = len(argv) == 4
        rn = len(r.value) if r.value is not None else None
        kn = len(k.value) if k.value is not None else None
        if rn != kn:
            self.fail("HRANDFIELD lengths differ", r, k)
        flat = [e.value for e in (k.value or [])]
        if with_values:
            fields = flat[0::2]
            for f, v in zip(flat[0::2], flat[1::2]):
                if h.get(f) != v:
                    self.fail(f"HRANDFIELD pair {f!r}={v!r} not in the hash", r, k)
        else:
            fields = flat
            for f in fields:
                if f not in h:
                    self.fail(f"HRANDFIELD field {f!r} not in the hash", r, k)
        if count > 0 and len(set(fields)) != len(fields):
            self.fail("HRANDFIELD with a positive count repeated a field", r, k)
        if count > 0 and count >= len(h) and set(fields) != set(h):
            self.fail("HRANDFIELD with count >= HLEN must return the whole hash", r, k)

    def check_scan(self, argv, r, k):
        if r.kind != "*" or k.kind != "*":
            self.fail("HSCAN reply types differ", r, k)
        if k.value[0].value != b"0":
            self.fail("Kora's HSCAN should return the whole hash with cursor 0", r, k)
        got = set(_pairs(_elems(k.value[1])))
        if len(got) * 2 != len(k.value[1].value):
            self.fail("Kora's HSCAN repeated a field", r, k)
        want = set(_pairs(_elems(r.value[1])))
        cursor = r.value[0].value
        rest = list(argv[3:])
        while cursor != b"0":
            page = self.redis_only("HSCAN", argv[1], cursor, *rest)
            cursor = page.value[0].value
            want |= set(_pairs(_elems(page.value[1])))
        if argv[2] not in ("0", "") and len(want) != len(got):
            # Redis resumed from a nonzero cursor and may have skipped part of the hash.
            if not want <= got:
                self.fail("HSCAN pairs from Redis missing in Kora's page", r, k)
            return
        if want != got:
            self.fail("HSCAN differs as a set of pairs (Redis followed to cursor 0)", r, k)

    def final_state(self):
        for key in KEYS + [STRING_KEY]:
            r, k = self.pair.command("TYPE", key)
            assert r.raw == k.raw, (self.seed, key, r.raw, k.raw)
            if r.value != b"hash":
                continue
            r, k = self.pair.command("HGETALL", key)
            assert _pairs(_elems(r)) == _pairs(_elems(k)), (self.seed, key)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_hash_commands(pair, seed):
    gen = Gen(seed)
    checker = Checker(pair, seed)
    for _ in range(N_COMMANDS):
        checker.run(gen.command())
    checker.final_state()
