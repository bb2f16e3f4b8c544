"""Randomized differential test of the HyperLogLog family: a seeded generator of
PFADD / PFCOUNT / PFMERGE / PFDEBUG commands (with errors, other types, corrupted
values and changes of hll-sparse-max-bytes) over a few keys, sent to
redis-server and kora-cli; every reply must be byte-identical, and every HLL
value too (GET after each write, and of every key at the end).

Keys have no hash tag, so kora spreads them over its shards: multi-key PFCOUNT
and PFMERGE run across shards.

Seeds: env KORA_DIFF_SEED (comma-separated) or three defaults. Commands per
seed: env KORA_DIFF_HLL_COMMANDS (default 1200). Even seeds run in RESP3. On
failure the seed, the index and text of the first divergent command and the
commands before it are reported.
"""

import os
import random

import pytest

from harness import env_seeds, fmt_argv, normalize, RandomRunner

SEEDS = env_seeds("1,2,3")
N_COMMANDS = int(os.environ.get("KORA_DIFF_HLL_COMMANDS", "1200"))

KEYS = ["ha", "hb", "hc", "hd", "he", "hf"]
OTHER = ["str", "list", "corrupt", "missing"]
LIMITS = ["3000", "3000", "3000", "200", "60", "0", "1kb", "5000"]




class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.universe = self.r.choice([50, 500, 5000, 50000])

    def key(self):
        if self.r.random() < 0.06:
            return self.r.choice(OTHER)
        return self.r.choice(KEYS)

    def element(self):
        r = self.r.random()
        if r < 0.02:
            return self.r.choice(["", " ", b"\x00", b"\xff\xfe", "a\r\nb"])
        return f"e{self.r.randrange(self.universe)}"

    def elements(self):
        n = self.r.choice([0, 1, 1, 2, 5, 20, 100, 400])
        return [self.element() for _ in range(n)]

    def command(self):
        r = self.r
        c = r.choices(["pfadd", "pfcount", "pfcount_multi", "pfmerge", "pfdebug", "config", "setup",
                       "del", "expire", "arity"],
                      weights=[40, 15, 8, 10, 6, 2, 2, 2, 1, 1])[0]
        if c == "pfadd":
            return "write", ["PFADD", self.key()] + self.elements()
        if c == "pfcount":
            return "write", ["PFCOUNT", self.key()]
        if c == "pfcount_multi":
            return "exact", ["PFCOUNT"] + [self.key() for _ in range(r.randint(2, 5))]
        if c == "pfmerge":
            return "write", ["PFMERGE", self.key()] + [self.key() for _ in range(r.randint(0, 4))]
        if c == "pfdebug":
            sub = r.choice(["ENCODING", "encoding", "DECODE", "TODENSE", "GETREG", "nosuch"])
            return "write", ["PFDEBUG", sub, self.key()]
        if c == "config":
            return "exact", ["CONFIG", "SET", "hll-sparse-max-bytes", r.choice(LIMITS)]
        if c == "setup":
            which = r.choice(OTHER[:3])
            if which == "str":
                return "exact", ["SET", "str", r.choice(["hello", "HYLL", "HYLLxxxxxxxxxxxxxxxx"])]
            if which == "list":
                return "exact", ["RPUSH", "list", "x"]
            # A sparse value whose registers do not add up (XZERO:16000).
            return "exact", ["SET", "corrupt", b"HYLL\x01" + b"\x00" * 10 + b"\x80" + bytes([0x7e, 0x7f])]
        if c == "del":
            return "exact", ["DEL", r.choice(KEYS)]
        if c == "expire":
            return "exact", ["EXPIRE", r.choice(KEYS), "100000"]
        return "exact", r.choice([["PFADD"], ["PFCOUNT"], ["PFMERGE"], ["PFDEBUG", "ENCODING"],
                                  ["PFDEBUG", "ENCODING", "ha", "x"], ["PFSELFTEST", "x"]])


class Runner(RandomRunner):
    def exact(self, argv):
        self.history.append(fmt_argv(argv)[:300])
        r, k = self.pair.command(*argv)
        if r is None or k is None:
            self.fail("connection closed", r, k)
        if r.raw != k.raw:
            self.fail("replies differ", r, k)
        return r

    def write(self, argv):
        """The command, then the value of every key it names."""
        self.exact(argv)
        for key in dict.fromkeys(a for a in argv[1:] if a in KEYS or a == "corrupt"):
            self.exact(["GET", key])


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_hll_commands(pair, seed):
    run = Runner(pair, seed)
    if seed % 2 == 0:
        r, k = pair.command("HELLO", "3")
        assert normalize(r, {"@hello"}) == normalize(k, {"@hello"}), (r, k)
    gen = Gen(seed)
    try:
        for _ in range(N_COMMANDS):
            kind, argv = gen.command()
            getattr(run, kind)(argv)
        for key in KEYS + OTHER:
            run.exact(["TYPE", key])
            run.exact(["GET", key] if key != "list" else ["LLEN", key])
            run.exact(["PFCOUNT", key])
            run.exact(["GET", key] if key != "list" else ["LLEN", key])
        run.exact(["PFCOUNT"] + KEYS)
    finally:
        pair.command("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
