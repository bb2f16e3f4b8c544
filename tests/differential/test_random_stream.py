"""Randomized differential test of the stream family: a seeded generator of
stream and consumer-group commands over a few hash-tagged keys, sent to
redis-server and kora-cli; every reply must agree.

Seeds: env KORA_DIFF_SEED (comma-separated) or three defaults. Commands per seed:
env KORA_DIFF_STREAM_COMMANDS (default 1500). Even seeds run in RESP3. On failure
the seed, the index and text of the first divergent command and the commands
before it are reported.

Determinism: ids are explicit ("<ms>-<seq>", "<ms>", "<ms>-*") except for "auto"
adds, sent as XADD ... * to kora only and then to Redis with the id kora
generated (both replies must be that id). Idle times and delivery times taken
from the clock are masked (harness.py's @idle); min-idle arguments are 0 or too
large to match. Node sizes vary (CONFIG SET stream-node-max-entries) so that
approximate trimming cuts at node boundaries of several sizes.
"""

import os
import random

import pytest

from harness import env_seeds, fmt_argv, normalize, RandomRunner

SEEDS = env_seeds("1,2,3")
N_COMMANDS = int(os.environ.get("KORA_DIFF_STREAM_COMMANDS", "1500"))

KEYS = ["{x}a", "{x}b", "{x}c"]
STRING_KEY = "{x}str"
GROUPS = ["g1", "g2", "g3"]
CONSUMERS = ["alice", "bob", "carol", ""]
FIELDS = ["f", "g", "name", "", "x" * 20]




class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.ms = 1

    def key(self):
        x = self.r.random()
        if x < 0.03:
            return STRING_KEY
        if x < 0.06:
            return "{x}missing"
        return self.r.choice(KEYS)

    def id(self):
        """An id around the ones in use: explicit, incomplete or special."""
        r = self.r
        x = r.random()
        if x < 0.05:
            return r.choice(["-", "+", "0", "0-0", "abc", "18446744073709551615-18446744073709551615", "1-", ""])
        ms = max(0, self.ms + r.randint(-30, 5))
        if x < 0.4:
            return str(ms)
        return f"{ms}-{r.randint(0, 3)}"

    def bound(self, start):
        r = self.r
        x = r.random()
        if x < 0.15:
            return "-" if start else "+"
        b = self.id()
        if r.random() < 0.2 and b not in ("", "-", "+"):
            b = "(" + b
        return b

    def new_id(self):
        r = self.r
        x = r.random()
        if x < 0.75:
            self.ms += r.randint(0, 3)
            return f"{self.ms}-{r.randint(0, 3)}" if r.random() < 0.6 else f"{self.ms}-*"
        if x < 0.9:
            self.ms += 1
            return str(self.ms)
        return self.id()

    def fields(self):
        n = self.r.choice([1, 1, 2, 2, 3])
        out = []
        names = self.r.sample(FIELDS[:3], k=min(n, 3)) if self.r.random() < 0.7 else [self.r.choice(FIELDS) for _ in range(n)]
        for f in names:
            out += [f, str(self.r.randint(0, 999))]
        return out

    def trim(self):
        r = self.r
        if r.random() < 0.5:
            args = ["MAXLEN"]
            if r.random() < 0.6:
                args.append(r.choice(["~", "="]))
            args.append(r.choice([str(r.randint(0, 25)), "0", "-1", "x"]))
        else:
            args = ["MINID"]
            if r.random() < 0.6:
                args.append(r.choice(["~", "="]))
            args.append(self.id())
        if r.random() < 0.2:
            args += ["LIMIT", r.choice(["0", "1", "3", "10", "-1"])]
        return args

    def count(self):
        return self.r.choice(["0", "1", "2", "3", "5", "10", "-1", "x"])

    def group(self):
        return self.r.choice(GROUPS + ["nog"] if self.r.random() < 0.05 else GROUPS)

    def command(self):
        r = self.r
        c = r.choices(
            ["xadd", "auto", "xlen", "xrange", "xdel", "xtrim", "xsetid", "xread", "create", "setid",
             "destroy", "consumer", "readgroup", "ack", "pending", "claim", "autoclaim", "info", "del",
             "set", "config"],
            weights=[30, 3, 4, 10, 5, 4, 2, 6, 5, 2, 1, 3, 12, 5, 5, 5, 4, 5, 1, 1, 1])[0]
        k = self.key()
        if c == "xadd":
            args = ["XADD", k]
            if r.random() < 0.05:
                args.append("NOMKSTREAM")
            if r.random() < 0.25:
                args += self.trim()
            return "exact", args + [self.new_id()] + self.fields()
        if c == "auto":
            args = ["XADD", r.choice(KEYS)]
            if r.random() < 0.3:
                args += self.trim()
            return "auto", args + ["*"] + self.fields()
        if c == "xlen":
            return "exact", ["XLEN", k]
        if c == "xrange":
            rev = r.random() < 0.4
            args = ["XREVRANGE" if rev else "XRANGE", k, self.bound(not rev), self.bound(rev)]
            if r.random() < 0.4:
                args += ["COUNT", self.count()]
            return "exact", args
        if c == "xdel":
            return "exact", ["XDEL", k] + [self.id() for _ in range(r.randint(1, 4))]
        if c == "xtrim":
            return "exact", ["XTRIM", k] + self.trim()
        if c == "xsetid":
            args = ["XSETID", k, self.id()]
            if r.random() < 0.4:
                args += ["ENTRIESADDED", str(r.randint(-1, 300))]
            if r.random() < 0.3:
                args += ["MAXDELETEDID", self.id()]
            return "exact", args
        if c == "xread":
            ks = r.sample(KEYS, k=r.randint(1, 3))
            args = ["XREAD"]
            if r.random() < 0.5:
                args += ["COUNT", self.count()]
            return "exact", args + ["STREAMS"] + ks + [r.choice(["$", "0", self.id()]) for _ in ks]
        if c == "create":
            args = ["XGROUP", "CREATE", k, self.group(), r.choice(["$", "0", self.id()])]
            if r.random() < 0.3:
                args.append("MKSTREAM")
            if r.random() < 0.2:
                args += ["ENTRIESREAD", r.choice(["-1", "0", "3", "-2"])]
            return "exact", args
        if c == "setid":
            args = ["XGROUP", "SETID", k, self.group(), r.choice(["$", "0", self.id()])]
            if r.random() < 0.3:
                args += ["ENTRIESREAD", r.choice(["-1", "0", "3", "7"])]
            return "exact", args
        if c == "destroy":
            return "exact", ["XGROUP", "DESTROY", k, self.group()]
        if c == "consumer":
            sub = r.choice(["CREATECONSUMER", "DELCONSUMER"])
            return "exact", ["XGROUP", sub, k, self.group(), r.choice(CONSUMERS)]
        if c == "readgroup":
            ks = r.sample(KEYS, k=r.randint(1, 2))
            args = ["XREADGROUP", "GROUP", self.group(), r.choice(CONSUMERS)]
            if r.random() < 0.5:
                args += ["COUNT", self.count()]
            if r.random() < 0.15:
                args.append("NOACK")
            return "exact", args + ["STREAMS"] + ks + [">" if r.random() < 0.7 else self.id() for _ in ks]
        if c == "ack":
            return "exact", ["XACK", k, self.group()] + [self.id() for _ in range(r.randint(1, 4))]
        if c == "pending":
            args = ["XPENDING", k, self.group()]
            if r.random() < 0.6:
                if r.random() < 0.2:
                    args += ["IDLE", r.choice(["0", "100000000"])]
                args += [self.bound(True), self.bound(False), self.count()]
                if r.random() < 0.4:
                    args.append(r.choice(CONSUMERS))
            return "exact", args
        if c == "claim":
            args = ["XCLAIM", k, self.group(), r.choice(CONSUMERS), r.choice(["0", "0", "100000000", "x"])]
            args += [self.id() for _ in range(r.randint(1, 3))]
            for opt in r.sample(["FORCE", "JUSTID", "TIME", "RETRYCOUNT", "LASTID", "IDLE"], k=r.randint(0, 3)):
                if opt == "TIME":
                    args += ["TIME", str(r.randint(1, 5000))]
                elif opt == "RETRYCOUNT":
                    args += ["RETRYCOUNT", str(r.randint(0, 9))]
                elif opt == "LASTID":
                    args += ["LASTID", self.id()]
                elif opt == "IDLE":
                    args += ["IDLE", str(r.randint(0, 100000))]
                else:
                    args.append(opt)
            return "exact", args
        if c == "autoclaim":
            args = ["XAUTOCLAIM", k, self.group(), r.choice(CONSUMERS), r.choice(["0", "0", "100000000"]),
                    self.bound(True)]
            if r.random() < 0.5:
                args += ["COUNT", r.choice(["1", "2", "5", "100", "0"])]
            if r.random() < 0.3:
                args.append("JUSTID")
            return "exact", args
        if c == "info":
            sub = r.choice(["STREAM", "STREAM FULL", "GROUPS", "CONSUMERS"])
            args = ["XINFO"] + sub.split() + [k]
            if sub == "CONSUMERS":
                args.append(self.group())
            if sub == "STREAM FULL" and r.random() < 0.5:
                args += ["COUNT", r.choice(["0", "1", "3"])]
            return "exact", args
        if c == "del":
            return "exact", ["DEL", r.choice(KEYS)]
        if c == "set":
            return "exact", ["SET", r.choice([STRING_KEY] * 4 + KEYS), "v"]
        return "exact", ["CONFIG", "SET", "stream-node-max-entries", r.choice(["2", "3", "5", "10", "100"])]


class Runner(RandomRunner):
    def run(self, kind, argv):
        self.history.append(fmt_argv(argv))
        getattr(self, "do_" + kind)(argv)

    def do_exact(self, argv):
        r, k = self.pair.command(*argv)
        if r is None or k is None:
            self.fail("connection closed", r, k)
        if normalize(r, {"@idle"}) != normalize(k, {"@idle"}):
            self.fail("replies differ", r, k)

    def do_auto(self, argv):
        k = self.kora.command(*argv)
        if k.kind != "$" or k.value is None:
            r = self.redis.command(*argv)
            if r.raw != k.raw:
                self.fail("replies differ", r, k)
            return
        explicit = list(argv)
        explicit[explicit.index("*")] = k.value.decode()
        self.history[-1] += f"  (kora made {k.value.decode()})"
        r = self.redis.command(*explicit)
        if r.raw != k.raw:
            self.fail("Redis did not take kora's generated id", r, k)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_stream_commands(pair, seed):
    run = Runner(pair, seed)
    if seed % 2 == 0:
        r, k = pair.command("HELLO", "3")
        assert normalize(r, {"@hello"}) == normalize(k, {"@hello"}), (r, k)
    gen = Gen(seed)
    try:
        for _ in range(N_COMMANDS):
            kind, argv = gen.command()
            run.run(kind, argv)
        # The final states must agree too.
        for key in KEYS + [STRING_KEY]:
            run.run("exact", ["TYPE", key])
            run.run("exact", ["XINFO", "STREAM", key, "FULL", "COUNT", "0"])
            run.run("exact", ["XINFO", "GROUPS", key])
    finally:
        pair.command("CONFIG", "SET", "stream-node-max-entries", "100")
