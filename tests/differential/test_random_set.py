"""Randomized differential test of the set family: a seeded generator of set
commands over a few hash-tagged keys, sent to redis-server and kora-cli; every
reply must agree.

Seeds: env KORA_DIFF_SEED (comma-separated) or three defaults. Commands per seed:
env KORA_DIFF_SET_COMMANDS (default 1500). Even seeds run in RESP3. On failure the
seed, the index and text of the first divergent command and the commands before
it are reported.

Normalization:
  - replies that list members of a set (SMEMBERS, SINTER, SUNION, SDIFF,
    SRANDMEMBER with count >= size) are compared sorted, since a hashtable's
    order is not Redis's (cases/set_*.txt compare intset orders byte for byte);
  - SSCAN: each server is iterated to cursor 0 and the member sets compared
    (Redis pages a hashtable; kora returns it in one page);
  - SRANDMEMBER: reply type and length are compared, and its members checked
    (distinct for a positive count, members of the set);
  - SPOP: sent to kora only; the members kora popped are then removed from Redis
    with SREM, which must find every one of them, so both states stay identical.
"""

import os
import random

import pytest

from harness import env_seeds, fmt_argv, normalize, RandomRunner

SEEDS = env_seeds("1,2,3")
N_COMMANDS = int(os.environ.get("KORA_DIFF_SET_COMMANDS", "1500"))

KEYS = ["{s}a", "{s}b", "{s}c", "{s}d", "{s}e"]
STRING_KEY = "{s}str"

INTS = ["0", "1", "-1", "2", "3", "7", "42", "100", "-100", "32767", "32768", "-32768", "-32769",
        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808"]
NON_INTS = ["01", "+1", "-0", " 1", "1 ", "1.5", "9223372036854775808", "0x10", "a", "b", "c",
            "hello", "", b"x\x00y", b"\xff"]

PATTERNS = ["*", "1*", "*1", "-*", "?", "[0-4]*", "a*", "*e*", "h?llo", "[^1]*", "\\*"]

UNORDERED = {"SMEMBERS", "SINTER", "SUNION", "SDIFF"}




class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def key(self):
        r = self.r.random()
        if r < 0.04:
            return STRING_KEY
        if r < 0.08:
            return "{s}missing"
        return self.r.choice(KEYS)

    def keys(self, lo, hi):
        return [self.key() for _ in range(self.r.randint(lo, hi))]

    def member(self):
        if self.r.random() < 0.75:
            if self.r.random() < 0.5:
                return str(self.r.randint(-20, 20))
            return self.r.choice(INTS)
        return self.r.choice(NON_INTS)

    def members(self, lo=1, hi=5):
        return [self.member() for _ in range(self.r.randint(lo, hi))]

    def count(self):
        # No large negative count: it asks both servers for that many replies.
        return self.r.choice(["0", "1", "2", "3", "5", "10", "50", "-1", "-3", "-20", "abc", "1.5", "",
                              "9223372036854775807", "-9223372036854775808",
                              str(self.r.randint(1, 30))])

    def command(self):
        """(kind, argv): kind picks how replies are compared."""
        r = self.r
        c = r.choices(
            ["sadd", "bulk", "srem", "sismember", "smismember", "scard", "smembers", "spop",
             "srandmember", "smove", "sinter", "sintercard", "store", "sunion", "sdiff", "sscan",
             "set", "del", "expire", "arity"],
            weights=[22, 1, 10, 5, 4, 4, 5, 6, 6, 6, 5, 5, 8, 4, 5, 4, 1, 2, 1, 1])[0]
        if c == "sadd":
            return "exact", ["SADD", self.key()] + self.members()
        if c == "bulk":
            # Many integers at once: the set may cross set-max-intset-entries (512).
            lo = r.randint(-1000, 1000)
            n = r.randint(100, 520)
            return "exact", ["SADD", r.choice(KEYS)] + [str(v) for v in range(lo, lo + n)]
        if c == "srem":
            return "exact", ["SREM", self.key()] + self.members(1, 6)
        if c == "sismember":
            return "exact", ["SISMEMBER", self.key(), self.member()]
        if c == "smismember":
            return "exact", ["SMISMEMBER", self.key()] + self.members(1, 4)
        if c == "scard":
            return "exact", ["SCARD", self.key()]
        if c == "smembers":
            return "sorted", ["SMEMBERS", self.key()]
        if c == "spop":
            args = ["SPOP", self.key()]
            if r.random() < 0.7:
                args.append(self.count())
            if r.random() < 0.03:
                args.append("1")
            return "spop", args
        if c == "srandmember":
            args = ["SRANDMEMBER", self.key()]
            if r.random() < 0.8:
                args.append(self.count())
            if r.random() < 0.03:
                args.append("1")
            return "srandmember", args
        if c == "smove":
            src = self.key()
            dst = src if r.random() < 0.1 else self.key()
            return "exact", ["SMOVE", src, dst, self.member()]
        if c == "sinter":
            return "sorted", ["SINTER"] + self.keys(1, 4)
        if c == "sunion":
            return "sorted", ["SUNION"] + self.keys(1, 4)
        if c == "sdiff":
            return "sorted", ["SDIFF"] + self.keys(1, 4)
        if c == "sintercard":
            ks = self.keys(1, 4)
            numkeys = str(len(ks))
            if r.random() < 0.1:
                numkeys = r.choice(["0", "-1", "x", str(len(ks) + 1)])
            args = ["SINTERCARD", numkeys] + ks
            if r.random() < 0.5:
                args += ["LIMIT", r.choice(["0", "1", "2", "5", "-1", "x"])]
            if r.random() < 0.05:
                args.append("FOO")
            return "exact", args
        if c == "store":
            op = r.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
            return "exact", [op, self.key()] + self.keys(1, 4)
        if c == "sscan":
            args = ["SSCAN", self.key(), "0" if r.random() < 0.9 else r.choice(["x", "-", "1.5", " 1"])]
            if r.random() < 0.5:
                args += ["MATCH", r.choice(PATTERNS)]
            if r.random() < 0.3:
                args += ["COUNT", r.choice(["1", "5", "100", "0", "x"])]
            if r.random() < 0.05:
                args.append("BAD")
            return "sscan", args
        if c == "set":
            return "exact", ["SET", r.choice([STRING_KEY] * 3 + KEYS), "v"]
        if c == "del":
            return "exact", ["DEL", r.choice(KEYS)]
        if c == "expire":
            if r.random() < 0.5:
                return "ttl", ["TTL", r.choice(KEYS + [STRING_KEY])]
            return "exact", ["EXPIRE", r.choice(KEYS + [STRING_KEY]), "100000"]
        return "exact", r.choice([["SADD", self.key()], ["SREM"], ["SCARD"], ["SMOVE", "{s}a", "{s}b"],
                                  ["SINTERSTORE", "{s}a"], ["SPOP"], ["SISMEMBER", "{s}a"],
                                  ["SSCAN", "{s}a"], ["SINTERCARD", "1"]])


def _sorted_elements(reply):
    return sorted(e.raw for e in reply.value)


class Runner(RandomRunner):
    def run(self, kind, argv):
        self.history.append(fmt_argv(argv))
        getattr(self, "do_" + kind)(argv)

    def do_exact(self, argv):
        r, k = self.both(argv)
        if r.raw != k.raw:
            self.fail("replies differ", r, k)

    def do_sorted(self, argv):
        r, k = self.both(argv)
        if normalize(r, {"@sort"}) != normalize(k, {"@sort"}):
            self.fail("replies differ (sorted)", r, k)

    def do_ttl(self, argv):
        r, k = self.both(argv)
        if normalize(r, {"@ttl"}) != normalize(k, {"@ttl"}):
            self.fail("TTL sign classes differ", r, k)

    def do_sscan(self, argv):
        r, k = self.both(argv)
        if r.kind != "*" or k.kind != "*":
            if r.raw != k.raw:
                self.fail("replies differ", r, k)
            return
        found = {}
        for name, conn, first in (("redis", self.redis, r), ("kora", self.kora, k)):
            members, reply, pages = [], first, 0
            while True:
                cursor, page = reply.value
                members += [e.raw for e in page.value]
                pages += 1
                if cursor.value == b"0" or pages > 10000:
                    break
                reply = conn.command(*(argv[:2] + [cursor.value] + argv[3:]))
            found[name] = members
        if sorted(set(found["redis"])) != sorted(found["kora"]):
            self.fail(f"SSCAN members differ\n  redis: {sorted(set(found['redis']))}\n"
                      f"  kora:  {sorted(found['kora'])}")

    def _card(self, key):
        r, k = self.both(["SCARD", key])
        if r.raw != k.raw:
            self.fail("SCARD differs", r, k)
        return r.value if r.kind == ":" else None

    def do_srandmember(self, argv):
        card = self._card(argv[1])
        r, k = self.both(argv)
        if r.kind != k.kind:
            self.fail("reply types differ", r, k)
        if r.kind in "-_" or (r.kind == "$" and r.value is None):
            if r.raw != k.raw:
                self.fail("replies differ", r, k)
            return
        if r.kind == "$":
            members = [k.value]
        else:
            if len(r.value) != len(k.value):
                self.fail("reply lengths differ", r, k)
            members = [e.value for e in k.value]
            count = int(argv[2])
            if count > 0 and len(set(members)) != len(members):
                self.fail("SRANDMEMBER with a positive count repeated a member", r, k)
            if count >= card:
                if _sorted_elements(r) != _sorted_elements(k):
                    self.fail("whole-set SRANDMEMBER differs", r, k)
        if members:
            r2, k2 = self.both(["SMISMEMBER", argv[1]] + members)
            if any(e.value != 1 for e in r2.value) or r2.raw != k2.raw:
                self.fail("SRANDMEMBER returned a non-member", r2, k2)

    def do_spop(self, argv):
        card = self._card(argv[1])
        k = self.kora.command(*argv)
        popped = None
        if k.kind == "$" and k.value is not None:
            popped = [k.value]
        elif k.kind in "*~" and k.value:
            popped = [e.value for e in k.value]
        if popped is None:
            # Nothing removed (missing key, count 0, error): Redis must say the same.
            r = self.redis.command(*argv)
            if r.raw != k.raw:
                self.fail("replies differ", r, k)
            return
        if len(argv) == 3:
            if len(popped) != min(int(argv[2]), card):
                self.fail(f"SPOP returned {len(popped)} members of {card}", None, k)
            if len(set(popped)) != len(popped):
                self.fail("SPOP returned a member twice", None, k)
        r = self.redis.command("SREM", argv[1], *popped)
        if r.raw != b":%d\r\n" % len(popped):
            self.fail(f"SPOP popped non-members (Redis SREM of them replied {r.raw!r})", r, k)


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_set_commands(pair, seed):
    run = Runner(pair, seed)
    if seed % 2 == 0:
        r, k = pair.command("HELLO", "3")
        assert normalize(r, {"@hello"}) == normalize(k, {"@hello"}), (r, k)
    gen = Gen(seed)
    for _ in range(N_COMMANDS):
        kind, argv = gen.command()
        run.run(kind, argv)
    # The final states must agree too.
    for key in KEYS + [STRING_KEY]:
        run.run("exact", ["TYPE", key])
        run.run("sorted", ["SMEMBERS", key])
        run.run("exact", ["SCARD", key])
