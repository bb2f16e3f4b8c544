"""Randomized differential test of the bitmap family: a seeded generator of
SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO commands (with
valid and invalid arguments) mixed with the string commands that read or change
the same values, sent to redis-server and kora-cli; every reply must agree byte
for byte (bit commands are deterministic: no normalization is needed).

Keys: half carry the {b} hash tag, half do not, so that BITOP's keys span
shards. Offsets stay small for writes (no 512 MB strings); reads also probe the
offset limits.

Seeds: env KORA_DIFF_SEED (comma-separated) or three defaults. Commands per seed:
env KORA_DIFF_BITMAP_COMMANDS (default 1500). Even seeds run in RESP3. On failure
the seed, the index and text of the first divergent command and the commands
before it are reported.
"""

import os
import random

import pytest

from harness import env_seeds, fmt_argv, normalize, RandomRunner

SEEDS = env_seeds("1,2,3")
N_COMMANDS = int(os.environ.get("KORA_DIFF_BITMAP_COMMANDS", "1500"))

KEYS = ["{b}a", "{b}b", "{b}c", "bm:x", "bm:y", "bm:z"]
LIST_KEY = "{b}list"
MISSING = "{b}missing"

INT_EDGES = ["0", "1", "-1", "2", "7", "8", "127", "128", "-128", "-129", "255", "256", "65535",
             "2147483647", "-2147483648", "4294967295", "9223372036854775807",
             "-9223372036854775808", "4611686018427387903", "-4611686018427387904"]
BAD_INTS = ["", "x", "1.5", "+1", "01", " 1", "9223372036854775808", "-9223372036854775809"]
BAD_OFFSETS = ["-1", "4294967296", "x", "", "#1", "1.0", "18446744073709551616"]
STRINGS = ["", "a", "foobar", "0", "12345", "-7", "\xff\xff\xff", "\x00\x00\x01", "hello world",
           "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz", "\xff" * 17, "\x00" * 9]




class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def key(self):
        r = self.r.random()
        if r < 0.05:
            return LIST_KEY
        if r < 0.10:
            return MISSING
        return self.r.choice(KEYS)

    def bit_offset(self, write):
        r = self.r.random()
        if r < 0.05:
            return self.r.choice(BAD_OFFSETS)
        if r < 0.12 and not write:
            return self.r.choice(["4294967295", "4294967294", "1000000", "536870912"])
        if r < 0.3:
            return self.r.choice(["0", "7", "8", "15", "16", "63", "64", "100"])
        return str(self.r.randint(0, 300 if write else 400))

    def index(self):
        r = self.r.random()
        if r < 0.05:
            return self.r.choice(BAD_INTS)
        if r < 0.12:
            return self.r.choice(["9223372036854775807", "-9223372036854775808", "1000", "-1000"])
        return str(self.r.randint(-45, 45))

    def unit(self):
        return self.r.choice(["BIT", "BYTE", "bit", "byte", "BIT", "FOO"] if self.r.random() < 0.1
                             else ["BIT", "BYTE"])

    def int_value(self):
        r = self.r.random()
        if r < 0.04:
            return self.r.choice(BAD_INTS)
        if r < 0.5:
            return self.r.choice(INT_EDGES)
        return str(self.r.randint(-300, 300))

    def bf_type(self):
        r = self.r.random()
        if r < 0.04:
            return self.r.choice(["u64", "i65", "u0", "x8", "U8", "u", "", "u08"])
        if r < 0.3:
            return self.r.choice(["i64", "u63", "i63", "i1", "u1", "i8", "u8", "i32", "u32"])
        return self.r.choice("iu") + str(self.r.randint(1, 63))

    def bf_offset(self, write):
        r = self.r.random()
        if r < 0.25:
            return "#" + str(self.r.randint(0, 12))
        return self.bit_offset(write)

    def bitfield(self, read_only):
        r = self.r
        args = ["BITFIELD_RO" if read_only else "BITFIELD", self.key()]
        for _ in range(r.randint(0, 5)):
            c = r.random()
            if c < 0.15:
                args += ["OVERFLOW", r.choice(["WRAP", "SAT", "FAIL", "wrap", "sat", "fail"] +
                                              (["FOO"] if r.random() < 0.05 else []))]
            elif c < 0.5 or (read_only and r.random() < 0.9):
                args += ["GET", self.bf_type(), self.bf_offset(False)]
            elif c < 0.75:
                args += ["SET", self.bf_type(), self.bf_offset(True), self.int_value()]
            else:
                args += ["INCRBY", self.bf_type(), self.bf_offset(True), self.int_value()]
        if r.random() < 0.03:
            args.append(r.choice(["GET", "FOO", "OVERFLOW", "SET"]))
        return args

    def command(self):
        r = self.r
        c = r.choices(
            ["setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro",
             "set", "append", "setrange", "get", "strlen", "encoding", "del", "list", "arity"],
            weights=[20, 8, 10, 12, 8, 18, 4, 4, 2, 2, 5, 2, 2, 2, 1, 1])[0]
        if c == "setbit":
            v = r.choice(["0", "1"]) if r.random() < 0.95 else r.choice(["2", "-1", "x", ""])
            return ["SETBIT", self.key(), self.bit_offset(True), v]
        if c == "getbit":
            return ["GETBIT", self.key(), self.bit_offset(False)]
        if c == "bitcount":
            args = ["BITCOUNT", self.key()]
            n = r.choice([0, 2, 2, 3, 3, 1, 4])
            if n == 1:
                args.append(self.index())
            elif n >= 2:
                args += [self.index(), self.index()]
                if n >= 3:
                    args.append(self.unit())
                if n == 4:
                    args.append("extra")
            return args
        if c == "bitpos":
            bit = r.choice(["0", "1"]) if r.random() < 0.95 else r.choice(["2", "-1", "x"])
            args = ["BITPOS", self.key(), bit]
            n = r.choice([0, 1, 2, 3, 3, 4])
            if n >= 1:
                args.append(self.index())
            if n >= 2:
                args.append(self.index())
            if n >= 3:
                args.append(self.unit())
            if n == 4:
                args.append("extra")
            return args
        if c == "bitop":
            op = r.choice(["AND", "OR", "XOR", "NOT", "and", "xor"] + (["FOO"] if r.random() < 0.05 else []))
            n = 1 if op.upper() == "NOT" and r.random() < 0.9 else r.randint(1, 4)
            return ["BITOP", op, self.key()] + [self.key() for _ in range(n)]
        if c == "bitfield":
            return self.bitfield(False)
        if c == "bitfield_ro":
            return self.bitfield(True)
        if c == "set":
            return ["SET", r.choice(KEYS), r.choice(STRINGS)]
        if c == "append":
            return ["APPEND", r.choice(KEYS), r.choice(STRINGS)]
        if c == "setrange":
            return ["SETRANGE", r.choice(KEYS), str(r.randint(0, 40)), r.choice(STRINGS)]
        if c == "get":
            return ["GET", self.key()]
        if c == "strlen":
            return ["STRLEN", self.key()]
        if c == "encoding":
            return ["OBJECT", "ENCODING", r.choice(KEYS)]
        if c == "del":
            return ["DEL", r.choice(KEYS)]
        if c == "list":
            return ["RPUSH", LIST_KEY, "x"]
        return r.choice([["SETBIT", "{b}a", "1"], ["GETBIT", "{b}a"], ["BITOP", "AND", "{b}a"],
                         ["BITPOS", "{b}a"], ["BITCOUNT"], ["BITFIELD"], ["BITFIELD_RO"],
                         ["SETBIT", "{b}a", "1", "1", "1"]])


class Runner(RandomRunner):
    def run(self, argv):
        self.history.append(fmt_argv(argv))
        wire = [a.encode("latin-1") for a in argv]
        r, k = self.pair.command(*wire)
        if r is None or k is None:
            self.fail("connection closed", r, k)
        if r.raw != k.raw:
            self.fail("replies differ", r, k)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_bitmap_commands(pair, seed):
    run = Runner(pair, seed)
    if seed % 2 == 0:
        r, k = pair.command("HELLO", "3")
        assert normalize(r, {"@hello"}) == normalize(k, {"@hello"}), (r, k)
    gen = Gen(seed)
    for _ in range(N_COMMANDS):
        run.run(gen.command())
    # The final states must agree too.
    for key in KEYS + [LIST_KEY]:
        run.run(["TYPE", key])
        run.run(["STRLEN", key])
        run.run(["GET", key])
        run.run(["BITCOUNT", key])
