"""Randomized differential test of the geo family and SORT: a seeded generator
of GEOADD (random coordinates, poles and the antimeridian included), GEOPOS,
GEOHASH, GEODIST, GEOSEARCH[STORE] and GEORADIUS[BYMEMBER] with random shapes,
units and options, and SORT over random numeric lists; every reply must agree
byte for byte.

Seeds: env KORA_DIFF_SEED (comma-separated) or three defaults. Commands per seed:
env KORA_DIFF_GEO_COMMANDS (default 800). Even seeds run in RESP3.

Not generated: COUNT without ANY on points at equal distances (Redis's partial
quicksort orders such ties its own way), and SORT values that overflow a double
(Redis reads a stale errno after one, see cases/sort_basic.txt).
"""

import os
import random

import pytest

from harness import Divergence, env_seeds, normalize

SEEDS = env_seeds("1,2,3")
N_COMMANDS = int(os.environ.get("KORA_DIFF_GEO_COMMANDS", "800"))

KEYS = ["{g}a", "{g}b", "{g}c"]
UNITS = ["m", "km", "ft", "mi", "KM", "Mi"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0

    def lon(self):
        r = self.r.random()
        if r < 0.05:
            return self.r.choice(["180", "-180", "179.99999", "-179.99999", "0"])
        return "%.6f" % self.r.uniform(-180, 180)

    def lat(self):
        r = self.r.random()
        if r < 0.05:
            return self.r.choice(["85.05112878", "-85.05112878", "85", "-85", "0"])
        return "%.6f" % self.r.uniform(-85.05112878, 85.05112878)

    def member(self):
        return "m%d" % self.r.randint(0, 60)

    def distance(self):
        return self.r.choice(["0", "1", "%.3f" % self.r.uniform(0, 500), "%.1f" % self.r.uniform(0, 5000),
                              str(self.r.randint(1, 20000))])

    def options(self, search):
        r = self.r
        opts = []
        if r.random() < 0.4:
            opts.append("WITHDIST")
        if r.random() < 0.3:
            opts.append("WITHCOORD")
        if r.random() < 0.2:
            opts.append("WITHHASH")
        if r.random() < 0.6:
            opts.append(r.choice(["ASC", "DESC"]))
        if r.random() < 0.3 and any(o in opts for o in ("ASC", "DESC")):
            opts += ["COUNT", str(r.randint(1, 10))]
        elif r.random() < 0.2:
            opts += ["COUNT", str(r.randint(1, 10)), "ANY"]
        r.shuffle(opts) if r.random() < 0.2 and "COUNT" not in opts else None
        return opts

    def shape(self):
        if self.r.random() < 0.6:
            return ["BYRADIUS", self.distance(), self.r.choice(UNITS)]
        return ["BYBOX", self.distance(), self.distance(), self.r.choice(UNITS)]

    def center(self, key):
        if self.r.random() < 0.5:
            return ["FROMMEMBER", self.member()]
        return ["FROMLONLAT", self.lon(), self.lat()]

    def command(self):
        r = self.r
        key = r.choice(KEYS)
        c = r.choices(["geoadd", "geopos", "geohash", "geodist", "geosearch", "store", "georadius",
                       "bymember", "sort", "zrange"], weights=[30, 5, 5, 8, 20, 6, 8, 6, 6, 4])[0]
        if c == "geoadd":
            args = ["GEOADD", key]
            if r.random() < 0.2:
                args.append(r.choice(["NX", "XX", "CH"]))
            for _ in range(r.randint(1, 6)):
                args += [self.lon(), self.lat(), self.member()]
            return args
        if c == "geopos":
            return ["GEOPOS", key] + [self.member() for _ in range(r.randint(1, 4))]
        if c == "geohash":
            return ["GEOHASH", key] + [self.member() for _ in range(r.randint(1, 4))]
        if c == "geodist":
            args = ["GEODIST", key, self.member(), self.member()]
            if r.random() < 0.7:
                args.append(r.choice(UNITS))
            return args
        if c == "geosearch":
            return ["GEOSEARCH", key] + self.center(key) + self.shape() + self.options(True)
        if c == "store":
            args = ["GEOSEARCHSTORE", "{g}dst", key] + self.center(key) + self.shape()
            if r.random() < 0.5:
                args.append("STOREDIST")
            if r.random() < 0.3:
                args += ["ASC", "COUNT", str(r.randint(1, 10))]
            return args
        if c == "georadius":
            name = r.choice(["GEORADIUS", "GEORADIUS_RO"])
            args = [name, key, self.lon(), self.lat(), self.distance(), r.choice(UNITS)]
            if name == "GEORADIUS" and r.random() < 0.2:
                return args + [r.choice(["STORE", "STOREDIST"]), "{g}dst"]
            return args + self.options(False)
        if c == "bymember":
            name = r.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"])
            return [name, key, self.member(), self.distance(), r.choice(UNITS)] + self.options(False)
        if c == "sort":
            self.n += 1
            lst = "{g}l%d" % self.n
            return ("sort", lst, [str(r.choice([r.randint(-50, 50), r.uniform(-1e6, 1e6), 0]))
                                   for _ in range(r.randint(0, 30))])
        return ["ZRANGE", r.choice(KEYS + ["{g}dst"]), "0", "-1", "WITHSCORES"]


def _same(pair, argv, history, seed):
    history.append(" ".join(argv))
    r, k = pair.command(*argv)
    if r is None or k is None or r.raw != k.raw:
        recent = "\n    ".join(history[-10:])
        raise Divergence(f"seed {seed} (rerun with KORA_DIFF_SEED={seed}): command #{len(history) - 1}: "
                         f"{history[-1]}\n  redis: {r.raw if r is not None else None!r}\n"
                         f"  kora:  {k.raw if k is not None else None!r}\n  last commands:\n    {recent}")


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_random_geo_commands(pair, seed):
    if seed % 2 == 0:
        r, k = pair.command("HELLO", "3")
        assert normalize(r, {"@hello"}) == normalize(k, {"@hello"}), (r, k)
    gen = Gen(seed)
    history = []
    for _ in range(N_COMMANDS):
        cmd = gen.command()
        if isinstance(cmd, tuple):
            _, lst, values = cmd
            if values:
                _same(pair, ["RPUSH", lst] + values, history, seed)
            rnd = gen.r
            args = ["SORT", lst]
            if rnd.random() < 0.5:
                args.append("DESC")
            if rnd.random() < 0.3:
                args.append("ALPHA")
            if rnd.random() < 0.4:
                args += ["LIMIT", str(rnd.randint(-3, 20)), str(rnd.randint(-2, 20))]
            if rnd.random() < 0.2:
                args += ["BY", "nosort"]
            if rnd.random() < 0.2:
                args += ["STORE", "{g}sorted"]
            _same(pair, args, history, seed)
            continue
        _same(pair, cmd, history, seed)
