"""Randomized differential test of the list family: a seeded generator of list
commands (and a few that change key types) over a small keyspace, sent to
redis-server and kora-cli; every reply must be byte-identical.

Multi-key commands (LMOVE, RPOPLPUSH, LMPOP) mostly use keys that share the hash
tag {l}, so they share a shard; one in ten of their keys is untagged, which makes
them cross-shard transactions. Lists are sometimes pushed hundreds of elements at a time
and given elements past 64 bytes or past a whole node (8 KiB), so they span
several quicklist nodes. List replies are ordered: nothing is normalized.

Each seed also picks list-max-listpack-size (set on both servers with CONFIG SET,
restored to -2 afterwards), down to one or two entries per node.

Seeds: env KORA_DIFF_SEED (comma-separated) or three defaults. Commands per seed:
env KORA_DIFF_COMMANDS (default 1500). On failure: the seed, the index and text of
the first divergent command, and the commands before it.
"""

import os
import random

import pytest

from harness import Divergence

SEEDS = [int(s) for s in os.environ.get("KORA_DIFF_SEED", "11,12,13").split(",") if s.strip()]
N_COMMANDS = int(os.environ.get("KORA_DIFF_COMMANDS", "1500"))

TAGGED = ["{l}a", "{l}b", "{l}c", "{l}d"]
UNTAGGED = ["la", "lb"]
KEYS = TAGGED + UNTAGGED

SMALL = ["a", "b", "c", "d", "", "1", "-1", "0", "x y", "\x00\xff"]
LONG = ["L" * 65, "M" * 200]
HUGE = ["H" * 9000]

INDICES = ["0", "1", "2", "-1", "-2", "3", "5", "10", "-5", "-10", "100", "-100",
           "9223372036854775807", "-9223372036854775808"]
BAD_INTS = ["x", "", "1.5", "+1", "-0", "01", " 1", "99999999999999999999"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def key(self, tagged=False):
        if tagged and self.r.random() < 0.9:
            return self.r.choice(TAGGED)
        return self.r.choice(KEYS)

    def value(self):
        x = self.r.random()
        if x < 0.04:
            return self.r.choice(HUGE)
        if x < 0.12:
            return self.r.choice(LONG)
        return self.r.choice(SMALL)

    def values(self):
        x = self.r.random()
        if x < 0.05:  # many at once: several nodes
            n = self.r.randint(100, 700)
            return [self.r.choice(SMALL + LONG) for _ in range(n)]
        return [self.value() for _ in range(self.r.randint(1, 5))]

    def index(self):
        if self.r.random() < 0.04:
            return self.r.choice(BAD_INTS)
        if self.r.random() < 0.3:
            return str(self.r.randint(-800, 800))
        return self.r.choice(INDICES)

    def count(self):
        x = self.r.random()
        if x < 0.05:
            return self.r.choice(BAD_INTS + ["-1", "-5"])
        if x < 0.15:
            return "0"
        if x < 0.2:
            return self.r.choice(["9223372036854775807", "1000"])
        return str(self.r.randint(1, 6))

    def end(self):
        x = self.r.random()
        if x < 0.03:
            return self.r.choice(["MIDDLE", "", "lefty"])
        return self.r.choice(["LEFT", "RIGHT", "left", "Right"])

    def lpos_options(self):
        opts = []
        for _ in range(self.r.choice([0, 0, 1, 1, 2, 3])):
            name = self.r.choice(["RANK", "COUNT", "MAXLEN", "rank", "count", "maxlen"])
            x = self.r.random()
            if x < 0.05:
                opts.append(name)  # missing value: a syntax error (or a value taken as option)
                continue
            if name.upper() == "RANK":
                v = self.r.choice(["1", "2", "3", "-1", "-2", "-3", "0", "x",
                                   "9223372036854775807", "-9223372036854775808"])
            elif name.upper() == "COUNT":
                v = self.r.choice(["0", "1", "2", "5", "-1", "x"])
            else:
                v = self.r.choice(["0", "1", "3", "10", "100", "-1", "x"])
            opts += [name, v]
        if self.r.random() < 0.03:
            opts.append("BOGUS")
        return opts

    def lmpop(self):
        keys = [self.key(tagged=True) for _ in range(self.r.randint(1, 4))]
        numkeys = str(len(keys))
        x = self.r.random()
        if x < 0.05:
            numkeys = self.r.choice(["0", "-1", "x", str(len(keys) + 1), str(len(keys) + 5)])
        args = ["LMPOP", numkeys] + keys + [self.end()]
        y = self.r.random()
        if y < 0.5:
            args += [self.r.choice(["COUNT", "count"]), self.count()]
        elif y < 0.53:
            args += self.r.choice([["COUNT"], ["COUNT", "1", "COUNT", "2"], ["BOGUS"]])
        return args

    def command(self):
        r = self.r
        choice = r.choices(
            ["push", "pushx", "pop", "popc", "llen", "lrange", "lindex", "lset", "linsert",
             "lrem", "ltrim", "lpos", "lmove", "rpoplpush", "lmpop", "set", "del", "type",
             "exists", "arity"],
            [14, 3, 6, 6, 3, 8, 6, 5, 5, 5, 3, 8, 5, 3, 5, 0.4, 2.5, 1, 1, 1])[0]
        if choice == "push":
            return [r.choice(["LPUSH", "RPUSH"]), self.key()] + self.values()
        if choice == "pushx":
            return [r.choice(["LPUSHX", "RPUSHX"]), self.key()] + self.values()
        if choice == "pop":
            return [r.choice(["LPOP", "RPOP"]), self.key()]
        if choice == "popc":
            return [r.choice(["LPOP", "RPOP"]), self.key(), self.count()]
        if choice == "llen":
            return ["LLEN", self.key()]
        if choice == "lrange":
            return ["LRANGE", self.key(), self.index(), self.index()]
        if choice == "lindex":
            return ["LINDEX", self.key(), self.index()]
        if choice == "lset":
            return ["LSET", self.key(), self.index(), self.value()]
        if choice == "linsert":
            where = r.choice(["BEFORE", "AFTER", "before", "after"] + (["MIDDLE"] if r.random() < 0.05 else []))
            return ["LINSERT", self.key(), where, self.value(), self.value()]
        if choice == "lrem":
            c = r.choice(["0", "1", "2", "-1", "-2", "5", "-9223372036854775808"])
            if r.random() < 0.03:
                c = r.choice(BAD_INTS)
            return ["LREM", self.key(), c, self.value()]
        if choice == "ltrim":
            if r.random() < 0.7:  # mostly gentle: drop a few from the ends
                return ["LTRIM", self.key(), str(r.randint(0, 3)), str(-r.randint(1, 4))]
            return ["LTRIM", self.key(), self.index(), self.index()]
        if choice == "lpos":
            return ["LPOS", self.key(), self.value()] + self.lpos_options()
        if choice == "lmove":
            return ["LMOVE", self.key(True), self.key(True), self.end(), self.end()]
        if choice == "rpoplpush":
            return ["RPOPLPUSH", self.key(True), self.key(True)]
        if choice == "lmpop":
            return self.lmpop()
        if choice == "set":
            return ["SET", self.key(), "str"]
        if choice == "del":
            return ["DEL", self.key()]
        if choice == "type":
            return ["TYPE", self.key()]
        if choice == "exists":
            return ["EXISTS", self.key()]
        return r.choice([["LPUSH", self.key()], ["LPOP"], ["LPOP", self.key(), "1", "2"],
                         ["LRANGE", self.key(), "0"], ["LINDEX", self.key()],
                         ["LSET", self.key(), "0"], ["LINSERT", self.key(), "BEFORE", "a"],
                         ["LREM", self.key(), "0"], ["LTRIM", self.key()], ["LPOS", self.key()],
                         ["LMOVE", "{l}a", "{l}b", "LEFT"], ["RPOPLPUSH", "{l}a"],
                         ["LMPOP", "1", "{l}a"], ["LLEN"]])


def _fmt(argv):
    out = []
    for a in argv:
        if len(a) > 40:
            out.append(f"<{len(a)} bytes {a[:8]!r}...>")
        elif not a or any(c in a for c in " \x00\r\n\xff\"'"):
            out.append(repr(a))
        else:
            out.append(a)
    if len(out) > 12:
        out = out[:12] + [f"... ({len(argv) - 12} more)"]
    return " ".join(out)


# list-max-listpack-size per seed (both servers, restored afterwards): tiny nodes
# make every command cross node boundaries.
FILLS = [-2, -1, 1, 2, 3, 7]
# list-compress-depth per seed: odd seeds compress inner nodes (LZ4 in kora).
DEPTHS = [0, 1, 0, 2]


def _set_fill(pair, fill, depth=0):
    for name, value in (("list-max-listpack-size", fill), ("list-compress-depth", depth)):
        r, k = pair.command("CONFIG", "SET", name, str(value))
        assert r.raw == b"+OK\r\n" and k is not None and k.raw == r.raw, (name, value, r, k)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_list_commands(pair, seed):
    fill = FILLS[seed % len(FILLS)]
    depth = DEPTHS[seed % len(DEPTHS)]
    _set_fill(pair, fill, depth)
    try:
        _run(pair, seed, fill, depth)
    finally:
        _set_fill(pair, -2)


def _run(pair, seed, fill, depth):
    gen = Gen(seed)
    history = [f"CONFIG SET list-max-listpack-size {fill}", f"CONFIG SET list-compress-depth {depth}"]
    for i in range(N_COMMANDS):
        argv = gen.command()
        history.append(_fmt(argv))
        r, k = pair.command(*argv)
        assert r is not None, f"seed {seed}: redis closed the connection at #{i}: {history[-1]}"
        if k is None or r.raw != k.raw:
            recent = "\n    ".join(history[-15:])
            kora = k.raw if k is not None else "<connection closed>"
            raise Divergence(
                f"seed {seed} (rerun with KORA_DIFF_SEED={seed}): first divergence at command "
                f"#{i}: {history[-1]}\n  redis: {r.raw[:600]!r}\n  kora:  {kora[:600]!r}\n"
                f"  last commands:\n    {recent}")
    # the final state must agree too
    for key in KEYS:
        for argv in (["TYPE", key], ["LRANGE", key, "0", "-1"]):
            r, k = pair.command(*argv)
            assert k is not None and r.raw == k.raw, f"seed {seed}: final {argv} differs"
