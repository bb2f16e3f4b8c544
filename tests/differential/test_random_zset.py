"""Randomized differential test of the sorted-set family: a seeded generator of zset
commands over a few hash-tagged keys, sent to redis-server and kora-cli; every reply
must agree byte for byte.

Seeds: env KORA_DIFF_SEED (comma-separated) or three defaults. Commands per seed:
env KORA_DIFF_ZSET_COMMANDS (default 1500). Even seeds run in RESP3. On failure the
seed, the index and text of the first divergent command and the commands before it
are reported.

Scores come from a small pool (integers, fractions, inf/-inf/+inf, -0, 1e17, ...) so
ties are frequent and the member order breaks them. Lex commands (ZRANGEBYLEX,
ZLEXCOUNT, ZRANGE BYLEX, ZREMRANGEBYLEX) run on keys whose members all have score 0,
where their result is defined. A bulk ZADD of 100..200 members takes a key past
zset-max-listpack-entries (128) and a rare 70-byte member past zset-max-listpack-value
(64), so both encodings are exercised and OBJECT ENCODING is compared.

Everything in the family is deterministic, so every reply is compared exactly, with
two exceptions:
  - DUMP: payloads are each server's own format; each server restores its own dump
    into another key, and the restored value and encoding are compared;
  - SCAN ... TYPE zset: each server is iterated to cursor 0 and the key sets compared.
test_zset_dump_restore_round_trip does the same on fixed shapes (listpack, skiplist,
a skiplist shrunk under the limit, a restore under a lowered limit).
"""

import os
import random

import pytest

from harness import env_seeds, fmt_argv, normalize, RandomRunner

SEEDS = env_seeds("1,2,3")
N_COMMANDS = int(os.environ.get("KORA_DIFF_ZSET_COMMANDS", "1500"))

KEYS = ["{z}a", "{z}b", "{z}c", "{z}d"]
LEX_KEYS = ["{z}l1", "{z}l2"]
STRING_KEY = "{z}str"
SET_KEY = "{z}set"
RESTORED = "{z}restored"
ALL_KEYS = KEYS + LEX_KEYS + [STRING_KEY, SET_KEY, RESTORED]

SCORES = ["0", "1", "-1", "2", "3", "10", "1.5", "-2.5", "0.1", "0.5", "-0", "inf", "-inf", "+inf",
          "1e17", "100", "7", "2.25", "-0.1", "3.0"]
BAD_SCORES = ["abc", "", "nan", " 1", "1e400", "0x10"]
MEMBERS = ["a", "b", "c", "d", "e", "f", "g", "aa", "ab", "b1", "", "A", "z", "zz", "m1", "m2", "m3", "x y",
           "10", "2", "-1"]
LONG_MEMBER = "L" * 70
LEX_BOUNDS = ["-", "+", "[a", "(a", "[b", "(b", "[aa", "(ab", "[c", "(d", "[e", "[", "(", "[z", "(zz", "[m",
              "a", "", "[A", "(10"]
RANKS = ["0", "1", "2", "-1", "-2", "-3", "3", "5", "10", "-10", "100", "-100", "x"]
LIMITS = ["0", "1", "2", "3", "5", "-1", "10", "-2"]




class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def key(self, lex=False):
        """A key for any command; `lex`: also the all-zero-score keys (for commands that
        cannot give their members another score)."""
        r = self.r.random()
        if r < 0.03:
            return STRING_KEY
        if r < 0.05:
            return SET_KEY
        if r < 0.08:
            return "{z}missing"
        if lex and r < 0.15:
            return self.r.choice(LEX_KEYS)
        return self.r.choice(KEYS)

    def src_keys(self, lo, hi):
        return [self.key(lex=True) for _ in range(self.r.randint(lo, hi))]

    def lex_key(self):
        r = self.r.random()
        if r < 0.03:
            return STRING_KEY
        if r < 0.06:
            return "{z}missing"
        return self.r.choice(LEX_KEYS)

    def member(self):
        if self.r.random() < 0.01:
            return LONG_MEMBER
        if self.r.random() < 0.3:
            return "m%d" % self.r.randint(0, 40)
        return self.r.choice(MEMBERS)

    def score(self):
        if self.r.random() < 0.02:
            return self.r.choice(BAD_SCORES)
        if self.r.random() < 0.2:
            return str(self.r.randint(-5, 5))
        return self.r.choice(SCORES)

    def score_bound(self):
        s = self.r.choice(SCORES + ["-inf", "+inf", "-inf", "+inf"])
        if self.r.random() < 0.3:
            s = "(" + s
        if self.r.random() < 0.02:
            s = self.r.choice(["abc", "((1", "", "[1", "nan"])
        return s

    def limit(self):
        return ["LIMIT", self.r.choice(LIMITS), self.r.choice(LIMITS)]

    def zadd(self, key):
        r = self.r
        args = ["ZADD", key]
        opts = []
        if r.random() < 0.15:
            opts.append(r.choice(["NX", "XX"]))
        if r.random() < 0.15:
            opts.append(r.choice(["GT", "LT"]))
        if r.random() < 0.15:
            opts.append("CH")
        incr = r.random() < 0.1
        if incr:
            opts.append("INCR")
        if r.random() < 0.03:
            opts.append(r.choice(["NX", "XX", "GT", "LT", "FOO"]))
        r.shuffle(opts)
        args += opts
        n = 1 if incr and r.random() < 0.9 else r.randint(1, 5)
        for _ in range(n):
            args += [self.score(), self.member()]
        if r.random() < 0.02:
            args.append(self.score())
        return args

    def range_cmd(self, key):
        r = self.r
        form = r.choice(["rank", "rank", "score", "score", "lex"])
        if form == "lex":
            key = self.lex_key()
            args = ["ZRANGE", key, r.choice(LEX_BOUNDS), r.choice(LEX_BOUNDS), "BYLEX"]
        elif form == "score":
            args = ["ZRANGE", key, self.score_bound(), self.score_bound(), "BYSCORE"]
        else:
            args = ["ZRANGE", key, r.choice(RANKS), r.choice(RANKS)]
        if r.random() < 0.3:
            args.append("REV")
        if form != "rank" and r.random() < 0.3:
            args += self.limit()
        if r.random() < 0.4 and (form != "lex" or r.random() < 0.1):
            args.append("WITHSCORES")
        if r.random() < 0.02:
            args += self.limit()
        return args

    def command(self):
        """(kind, argv): kind picks how replies are compared."""
        r = self.r
        c = r.choices(
            ["zadd", "bulk", "lexadd", "zincrby", "zrem", "zrange", "zrevrange", "zrangebyscore", "zrangebylex",
             "zcount", "zlexcount", "zremrangebyrank", "zremrangebyscore", "zremrangebylex", "zpop", "store",
             "algebra", "zrangestore", "zscore", "zmscore", "zrank", "zcard", "encoding", "zintercard", "set",
             "del", "dump", "scantype", "arity"],
            weights=[22, 1, 6, 5, 8, 10, 3, 6, 5, 4, 3, 2, 3, 2, 5, 5, 4, 4, 4, 3, 4, 3, 4, 2, 1, 2, 1, 1, 1])[0]
        if c == "zadd":
            return "exact", self.zadd(self.key())
        if c == "bulk":
            base = r.randint(0, 50)
            n = r.randint(100, 200)
            args = ["ZADD", r.choice(KEYS)]
            for i in range(n):
                args += [r.choice(SCORES[:10] + [str(i % 7)]), "m%d" % (base + i)]
            return "exact", args
        if c == "lexadd":
            args = ["ZADD", r.choice(LEX_KEYS)]
            if r.random() < 0.1:
                args.append(r.choice(["NX", "XX", "CH"]))
            if r.random() < 0.03:
                for i in range(r.randint(100, 150)):
                    args += ["0", "k%03d" % i]
            else:
                for _ in range(r.randint(1, 5)):
                    args += ["0", self.member()]
            return "exact", args
        if c == "zincrby":
            return "exact", ["ZINCRBY", self.key(), self.score(), self.member()]
        if c == "zrem":
            return "exact", ["ZREM", self.key(lex=True)] + [self.member() for _ in range(r.randint(1, 4))]
        if c == "zrange":
            return "exact", self.range_cmd(self.key(lex=True))
        if c == "zrevrange":
            args = ["ZREVRANGE", self.key(lex=True), r.choice(RANKS), r.choice(RANKS)]
            if r.random() < 0.5:
                args.append("WITHSCORES")
            return "exact", args
        if c == "zrangebyscore":
            rev = r.random() < 0.4
            args = ["ZREVRANGEBYSCORE" if rev else "ZRANGEBYSCORE", self.key(lex=True), self.score_bound(), self.score_bound()]
            if r.random() < 0.4:
                args.append("WITHSCORES")
            if r.random() < 0.3:
                args += self.limit()
            return "exact", args
        if c == "zrangebylex":
            rev = r.random() < 0.4
            args = ["ZREVRANGEBYLEX" if rev else "ZRANGEBYLEX", self.lex_key(), r.choice(LEX_BOUNDS),
                    r.choice(LEX_BOUNDS)]
            if r.random() < 0.3:
                args += self.limit()
            return "exact", args
        if c == "zcount":
            return "exact", ["ZCOUNT", self.key(lex=True), self.score_bound(), self.score_bound()]
        if c == "zlexcount":
            return "exact", ["ZLEXCOUNT", self.lex_key(), r.choice(LEX_BOUNDS), r.choice(LEX_BOUNDS)]
        if c == "zremrangebyrank":
            return "exact", ["ZREMRANGEBYRANK", self.key(lex=True), r.choice(RANKS), r.choice(RANKS)]
        if c == "zremrangebyscore":
            return "exact", ["ZREMRANGEBYSCORE", self.key(lex=True), self.score_bound(), self.score_bound()]
        if c == "zremrangebylex":
            return "exact", ["ZREMRANGEBYLEX", self.lex_key(), r.choice(LEX_BOUNDS), r.choice(LEX_BOUNDS)]
        if c == "zpop":
            args = [r.choice(["ZPOPMIN", "ZPOPMAX"]), self.key(lex=True)]
            if r.random() < 0.6:
                args.append(r.choice(["0", "1", "2", "3", "10", "-1", "x"]))
            return "exact", args
        if c == "store":
            op = r.choice(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
            ks = self.src_keys(1, 3)
            args = [op, self.key(), str(len(ks))] + ks
            if op != "ZDIFFSTORE":
                if r.random() < 0.3:
                    args += ["WEIGHTS"] + [r.choice(["1", "2", "0", "-1", "0.5", "inf", "-inf"]) for _ in ks]
                if r.random() < 0.3:
                    args += ["AGGREGATE", r.choice(["SUM", "MIN", "MAX"])]
            return "exact", args
        if c == "algebra":
            op = r.choice(["ZUNION", "ZINTER", "ZDIFF"])
            ks = self.src_keys(1, 3)
            args = [op, str(len(ks))] + ks
            if op != "ZDIFF":
                if r.random() < 0.3:
                    args += ["WEIGHTS"] + [r.choice(["1", "2", "0", "-1", "0.5", "inf", "-inf"]) for _ in ks]
                if r.random() < 0.3:
                    args += ["AGGREGATE", r.choice(["SUM", "MIN", "MAX"])]
            if r.random() < 0.5:
                args.append("WITHSCORES")
            return "exact", args
        if c == "zrangestore":
            src = self.key(lex=True)
            args = self.range_cmd(src)
            args = [a for a in args if a != "WITHSCORES"]
            return "exact", ["ZRANGESTORE", self.key()] + args[1:]
        if c == "zscore":
            return "exact", ["ZSCORE", self.key(lex=True), self.member()]
        if c == "zmscore":
            return "exact", ["ZMSCORE", self.key(lex=True)] + [self.member() for _ in range(r.randint(1, 4))]
        if c == "zrank":
            return "exact", [r.choice(["ZRANK", "ZREVRANK"]), self.key(lex=True), self.member()]
        if c == "zcard":
            return "exact", ["ZCARD", self.key(lex=True)]
        if c == "encoding":
            return "exact", ["OBJECT", "ENCODING", self.key(lex=True)]
        if c == "zintercard":
            ks = self.src_keys(1, 3)
            args = ["ZINTERCARD", str(len(ks))] + ks
            if r.random() < 0.4:
                args += ["LIMIT", r.choice(["0", "1", "2", "5", "-1"])]
            return "exact", args
        if c == "set":
            return "exact", ["SET", r.choice([STRING_KEY] * 3 + KEYS), "v"]
        if c == "del":
            return "exact", ["DEL", r.choice(KEYS + LEX_KEYS)]
        if c == "dump":
            return "dump", [r.choice(KEYS + LEX_KEYS)]
        if c == "scantype":
            return "scantype", ["SCAN", "0", "TYPE", "zset"]
        return "exact", r.choice([["ZADD", self.key()], ["ZADD", self.key(), "1"], ["ZRANGE", self.key(), "0"],
                                  ["ZINCRBY", self.key(), "1"], ["ZREM", self.key()], ["ZCARD"],
                                  ["ZUNIONSTORE", "{z}a", "0", "{z}b"], ["ZPOPMIN"], ["ZSCORE", self.key()],
                                  ["ZRANGESTORE", "{z}a", "{z}b", "0"], ["ZINTERCARD", "0", "{z}a"]])


class Runner(RandomRunner):
    def run(self, kind, argv):
        self.history.append(fmt_argv(argv) if kind != "dump" else f"<DUMP {argv[0]} + RESTORE {RESTORED} on each>")
        getattr(self, "do_" + kind)(argv)

    def do_exact(self, argv):
        r, k = self.both(argv)
        if r.raw != k.raw:
            self.fail("replies differ", r, k)

    def do_dump(self, argv):
        key = argv[0]
        r = self.redis.command("DUMP", key)
        k = self.kora.command("DUMP", key)
        if r.kind != k.kind or (r.value is None) != (k.value is None):
            self.fail("DUMP reply types differ", r, k)
        if r.value is None:
            return
        r = self.redis.command("RESTORE", RESTORED, "0", r.value, "REPLACE")
        k = self.kora.command("RESTORE", RESTORED, "0", k.value, "REPLACE")
        if r.raw != k.raw:
            self.fail("RESTORE of each server's own DUMP differs", r, k)
        for cmd in (["ZRANGE", RESTORED, "0", "-1", "WITHSCORES"], ["OBJECT", "ENCODING", RESTORED],
                    ["TYPE", RESTORED]):
            self.history.append(fmt_argv(cmd))
            self.do_exact(cmd)

    def do_scantype(self, argv):
        found = {}
        for name, conn in (("redis", self.redis), ("kora", self.kora)):
            keys, cursor, pages = [], b"0", 0
            while True:
                reply = conn.command("SCAN", cursor, "TYPE", "zset", "COUNT", "100")
                if reply.kind != "*":
                    self.fail(f"{name}: SCAN replied {reply.raw!r}")
                cursor, page = reply.value
                cursor = cursor.value
                keys += [e.value for e in page.value]
                pages += 1
                if cursor == b"0" or pages > 10000:
                    break
            found[name] = sorted(set(keys))
        if found["redis"] != found["kora"]:
            self.fail(f"SCAN TYPE zset keys differ\n  redis: {found['redis']}\n  kora:  {found['kora']}")


def _hello3(pair):
    r, k = pair.command("HELLO", "3")
    assert normalize(r, {"@hello"}) == normalize(k, {"@hello"}), (r, k)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_zset_commands(pair, seed):
    run = Runner(pair, seed)
    if seed % 2 == 0:
        _hello3(pair)
    run.run("exact", ["SADD", SET_KEY, "a", "b", "m1", "zz"])
    gen = Gen(seed)
    for _ in range(N_COMMANDS):
        kind, argv = gen.command()
        run.run(kind, argv)
    # The final states must agree too.
    for key in ALL_KEYS:
        run.run("exact", ["TYPE", key])
        run.run("exact", ["OBJECT", "ENCODING", key])
        run.run("exact", ["ZRANGE", key, "0", "-1", "WITHSCORES"])
        run.run("exact", ["ZCARD", key])
    run.run("scantype", ["SCAN", "0", "TYPE", "zset"])


# Fixed DUMP/RESTORE round trips: each server restores its own payload.
ROUND_TRIP = [
    # (setup commands, key to dump)
    ([["ZADD", "{z}lp", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "0.1", "e"]], "{z}lp"),
    ([["ZADD", "{z}sl"] + sum([[str(i % 9), "m%03d" % i] for i in range(200)], [])], "{z}sl"),
    ([["ZADD", "{z}long", "1", "a", "2", "L" * 70]], "{z}long"),
    # a skiplist shrunk under the limits: restored as a listpack, as Redis's loader does
    ([["ZADD", "{z}shrunk"] + sum([[str(i), "m%03d" % i] for i in range(200)], []),
      ["ZREMRANGEBYRANK", "{z}shrunk", "3", "-1"]], "{z}shrunk"),
    ([["ZADD", "{z}lm", "1", "a", "2", "L" * 70], ["ZREM", "{z}lm", "L" * 70]], "{z}lm"),
    # a listpack restored under a lowered entries limit
    ([["ZADD", "{z}lower", "1", "a", "2", "b", "3", "c", "4", "d"],
      ["CONFIG", "SET", "zset-max-listpack-entries", "2"]], "{z}lower"),
    ([["CONFIG", "SET", "zset-max-listpack-entries", "128"],
      ["ZADD", "{z}lowerv", "1", "a", "2", "bbbbbbbbbb"],
      ["CONFIG", "SET", "zset-max-listpack-value", "5"]], "{z}lowerv"),
]


@pytest.mark.parametrize("resp", [2, 3], ids=["resp2", "resp3"])
def test_zset_dump_restore_round_trip(pair, resp):
    run = Runner(pair, f"round-trip-resp{resp}")
    if resp == 3:
        _hello3(pair)
    try:
        for setup, key in ROUND_TRIP:
            for cmd in setup:
                run.run("exact", cmd)
            run.run("exact", ["OBJECT", "ENCODING", key])
            run.run("dump", [key])
            run.run("exact", ["ZRANGE", RESTORED, "0", "-1", "WITHSCORES"])
            run.run("exact", ["OBJECT", "ENCODING", RESTORED])
            # the restored key is a normal zset: it converts / grows as any other
            run.run("exact", ["ZADD", RESTORED, "5", "new"])
            run.run("exact", ["OBJECT", "ENCODING", RESTORED])
            run.run("exact", ["ZRANGE", RESTORED, "0", "2", "WITHSCORES"])
            run.run("exact", ["RESTORE", RESTORED, "0", "x"])
        run.run("scantype", ["SCAN", "0", "TYPE", "zset"])
    finally:
        pair.command("CONFIG", "SET", "zset-max-listpack-entries", "128")
        pair.command("CONFIG", "SET", "zset-max-listpack-value", "64")


# zset-max-listpack-value is a memory value in Redis 7.0 (units, "" = 0). These steps
# change Redis's setting, so they run here, where the defaults are always restored,
# rather than in cases/zset_encoding.txt (a divergence there would leave the setting
# changed for the case files after it).
MEMORY_VALUE_STEPS = [
    ["CONFIG", "SET", "zset-max-listpack-value", "1kb"],
    ["CONFIG", "GET", "zset-max-listpack-value"],
    ["ZADD", "{z}mv1", "1", "M" * 100],
    ["OBJECT", "ENCODING", "{z}mv1"],
    ["CONFIG", "SET", "zset-max-ziplist-value", "1K"],
    ["CONFIG", "GET", "zset-max-ziplist-value"],
    ["CONFIG", "SET", "zset-max-listpack-value", "2k"],
    ["CONFIG", "GET", "zset-max-listpack-value"],
    ["CONFIG", "SET", "zset-max-listpack-value", "1gb"],
    ["CONFIG", "GET", "zset-max-listpack-value"],
    ["CONFIG", "SET", "zset-max-listpack-value", "1x"],
    ["CONFIG", "SET", "zset-max-listpack-value", ""],
    ["CONFIG", "GET", "zset-max-listpack-value"],
    ["ZADD", "{z}mv2", "1", "a"],
    ["OBJECT", "ENCODING", "{z}mv2"],
    ["ZADD", "{z}mv3", "1", ""],
    ["OBJECT", "ENCODING", "{z}mv3"],
    ["CONFIG", "SET", "zset-max-ziplist-value", "64"],
    ["CONFIG", "GET", "zset-max-listpack-value"],
]


def test_zset_config_memory_values(pair):
    run = Runner(pair, "config-memory-values")
    try:
        for cmd in MEMORY_VALUE_STEPS:
            run.run("exact", cmd)
    finally:
        pair.command("CONFIG", "SET", "zset-max-listpack-entries", "128")
        pair.command("CONFIG", "SET", "zset-max-listpack-value", "64")
