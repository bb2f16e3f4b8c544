r"""Differential tests of pub/sub and keyspace notifications: the same command
sequence runs on redis-server and on kora-cli while subscribers listen, and the
MESSAGE SEQUENCES the subscribers receive must be byte-identical (RESP2 and RESP3
subscribers at once), as well as every reply of the commands themselves.

Keyspace scenarios: CONFIG SET notify-keyspace-events <flags>, then one command
per line on the driver connection (reply compared), while subscriber S2 (RESP2)
and S3 (RESP3) PSUBSCRIBE `__key*__:*`. After the block the driver publishes a
sentinel; each subscriber reads until the sentinel, and the message lists must
match exactly.

Keys of multi-key commands share a hash tag ({t}...): Kora runs a command whose
keys span shards part by part in shard order, so its notifications come in that
order rather than argv order (kora-server/README.md, known differences).
"""

import time

import pytest

from harness import Divergence, parse_command
from resp import RespConn

SENTINEL = "__sentinel__"

FAMILIES = {
    "strings": """
        SET s1 v
        SET s1 v2 EX 100
        SET s1 v3 KEEPTTL
        SET s1 v4 PX 100000 GET
        SETNX s1 x
        SETNX s2 x
        SETEX s3 100 v
        PSETEX s4 100000 v
        GETSET s2 y
        MSET {t}a 1 {t}b 2
        MSETNX {t}c 1 {t}d 2
        MSETNX {t}c 1 {t}e 2
        INCR n
        INCRBY n 5
        DECR n
        DECRBY n 2
        INCRBYFLOAT f 1.5
        APPEND s2 zz
        APPEND s9 zz
        SETRANGE s2 1 ab
        SETRANGE s10 0 ""
        GETDEL s2
        GETDEL s2
        GETEX s3 EX 500
        GETEX s3 PERSIST
        GETEX s3 PERSIST
        GETEX s4 PXAT 1
        SET x 1 NX
        SET x 2 XX
        SET y 2 XX
    """,
    "keys": """
        SET k1 v
        EXPIRE k1 100
        PEXPIRE k1 100000
        EXPIREAT k1 99999999999
        PEXPIREAT k1 99999999999999
        EXPIRE k1 100 NX
        PERSIST k1
        PERSIST k1
        EXPIRE k1 -1
        SET {r}a 1
        RENAME {r}a {r}b
        SET {r}c 2
        RENAME {r}b {r}c
        RENAMENX {r}c {r}d
        SET {r}e 1
        RENAMENX {r}d {r}e
        RENAME {r}e {r}e
        COPY {r}d {r}f
        COPY {r}d {r}f REPLACE
        COPY {r}d {r}f
        MOVE {r}d 1
        SELECT 1
        MOVE {r}d 0
        SELECT 0
        SET {r}g 1
        DEL {r}f {r}g {r}nothere
        UNLINK {r}d
        SET dumped hello
        EXPIRE k1 100
        SET k2 v
        TOUCH k2
        SWAPDB 0 1
        SWAPDB 0 1
    """,
    "lists": """
        LPUSH l a b c
        RPUSH l d
        LPUSHX l z
        RPUSHX l y
        LPUSHX nol z
        LINSERT l BEFORE a q
        LINSERT l BEFORE nothere q
        LSET l 0 w
        LREM l 1 w
        LREM l 1 nothere
        LTRIM l 0 3
        LPOP l
        RPOP l 2
        LPOP l 0
        LMOVE l {l}x LEFT RIGHT
        RPUSH {l}src 1 2
        LMOVE {l}src {l}dst RIGHT LEFT
        LMOVE {l}src {l}dst LEFT LEFT
        RPOPLPUSH {l}dst {l}dst
        LMPOP 2 {l}nope {l}dst LEFT COUNT 5
        RPUSH l2 a b c
        LTRIM l2 5 10
        RPUSH l3 a
        BLPOP l3 1
        RPUSH l4 a b
        BRPOP l4 1
        RPUSH {l}5 a
        BLMOVE {l}5 {l}6 LEFT RIGHT 1
        RPUSH {l}7 a b
        BLMPOP 1 1 {l}7 RIGHT COUNT 3
        SORT {l}6 ALPHA STORE {l}sorted
        SORT {l}none STORE {l}sorted
    """,
    "hashes": """
        HSET h f1 v1 f2 v2
        HSET h f1 v1
        HMSET h f3 v3
        HSETNX h f1 x
        HSETNX h f4 x
        HINCRBY h n 5
        HINCRBYFLOAT h fl 2.5
        HDEL h f1 nothere
        HDEL h nothere
        HDEL h f2 f3 f4 n fl
    """,
    "sets": """
        SADD s a b c
        SADD s a
        SREM s a
        SREM s zz
        SMOVE s {s}other b
        SADD {s}x 1 2 3
        SMOVE {s}x {s}y 1
        @norep SPOP {s}x
        SADD {s}z 1 2 3 4
        @norep SPOP {s}z 2
        @norep SPOP {s}z 5
        SPOP {s}z 0
        SADD {s}p 1 2 3
        SADD {s}q 2 3 4
        SINTERSTORE {s}r {s}p {s}q
        SUNIONSTORE {s}r {s}p {s}q
        SDIFFSTORE {s}r {s}p {s}q
        SINTERSTORE {s}r {s}p {s}none
        SINTERSTORE {s}r {s}p {s}none
        SADD one x
        SREM one x
    """,
    "zsets": """
        ZADD z 1 a 2 b 3 c
        ZADD z 1 a
        ZADD z INCR 5 a
        ZADD z NX 9 a
        ZINCRBY z 1 b
        ZREM z c zz
        ZREM z zz
        ZADD z 4 d 5 e 6 f
        ZREMRANGEBYRANK z 0 0
        ZREMRANGEBYSCORE z 5 5
        ZREMRANGEBYLEX z [x [z
        ZADD lz 0 a 0 b 0 c
        ZREMRANGEBYLEX lz [a [a
        ZPOPMIN z
        ZPOPMAX z 2
        ZADD {z}a 1 x 2 y
        ZADD {z}b 2 y 3 w
        ZUNIONSTORE {z}u 2 {z}a {z}b
        ZINTERSTORE {z}u 2 {z}a {z}b
        ZDIFFSTORE {z}u 2 {z}a {z}b
        ZINTERSTORE {z}u 2 {z}a {z}none
        ZRANGESTORE {z}r {z}a 0 -1
        ZRANGESTORE {z}r {z}a 5 10
        BZPOPMIN {z}b 1
        BZPOPMAX {z}b 1
        ZADD {z}m 1 a 2 b
        ZMPOP 1 {z}m MIN COUNT 5
    """,
    "streams": """
        XADD st 1-1 f v
        XADD st 2-1 f v
        XADD st MAXLEN 1 3-1 f v
        XADD st NOMKSTREAM 4-1 f v
        XADD nost NOMKSTREAM 4-1 f v
        XDEL st 3-1
        XDEL st 9-9
        XADD st 5-1 f v
        XADD st 6-1 f v
        XTRIM st MAXLEN 1
        XTRIM st MAXLEN 10
        XSETID st 99-0
        XGROUP CREATE st g1 0
        XGROUP CREATE st2 g1 $ MKSTREAM
        XGROUP SETID st g1 0
        XGROUP CREATECONSUMER st g1 c1
        XGROUP CREATECONSUMER st g1 c1
        XADD st 100-1 f v
        XREADGROUP GROUP g1 c2 COUNT 1 STREAMS st >
        XCLAIM st g1 c3 0 100-1
        XAUTOCLAIM st g1 c4 0 0
        XACK st g1 100-1
        XGROUP DELCONSUMER st g1 c1
        XGROUP DELCONSUMER st g1 nobody
        XGROUP DESTROY st g1
        XGROUP DESTROY st g1
    """,
    "bitmaps_hll_geo": """
        SETBIT b 7 1
        SETBIT b 7 1
        SETBIT b 100 0
        BITFIELD bf SET u8 0 255
        BITFIELD bf SET u8 0 255
        BITFIELD bf GET u8 0
        BITFIELD bf OVERFLOW FAIL INCRBY u8 0 10
        BITFIELD bf INCRBY u8 0 1
        SET {b}x abc
        SET {b}y zzz
        BITOP AND {b}d {b}x {b}y
        BITOP AND {b}d {b}none
        PFADD hll a b c
        PFADD hll a
        PFADD hll2 z
        PFADD {h}1 a
        PFADD {h}2 b
        PFMERGE {h}1 {h}2
        PFMERGE {h}3 {h}2
        PFCOUNT hll
        GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        GEOADD g XX 13.361389 38.115556 Palermo
        GEOSEARCHSTORE {g}dst {g}src FROMLONLAT 15 37 BYRADIUS 200 km
        GEOADD {g}src 13.361389 38.115556 Palermo
        GEOSEARCHSTORE {g}dst {g}src FROMLONLAT 15 37 BYRADIUS 200 km
        GEORADIUS {g}src 15 37 200 km STORE {g}dst2
        GEORADIUS {g}src 15 37 1 km STORE {g}dst2
    """,
    "restore": """
        SET src hello
        RESTORE r1 0 $DUMP
        RESTORE r1 0 $DUMP
        RESTORE r1 0 $DUMP REPLACE
        RESTORE r2 1 $DUMP ABSTTL
        RESTORE r3 0 $DUMP ABSTTL
        RESTORE r3 0 $DUMP REPLACE IDLETIME 10
    """,
    "flush_and_db": """
        SELECT 3
        SET a 1
        LPUSH b x
        FLUSHDB
        SET c 1
        SELECT 0
        SET d 1
        FLUSHALL
    """,
}


class Side:
    """Driver + RESP2 and RESP3 subscribers on one server."""

    def __init__(self, port, patterns, channels=()):
        self.driver = RespConn(port)
        self.subs = {}
        for proto in (2, 3):
            c = RespConn(port)
            if proto == 3:
                assert c.command("HELLO", "3").kind == "%"
            confirms = []
            if patterns:
                c.send_command("PSUBSCRIBE", *patterns)
                confirms += [c.read_reply().raw for _ in patterns]
            c.send_command("SUBSCRIBE", SENTINEL, *channels)
            confirms += [c.read_reply().raw for _ in range(1 + len(channels))]
            self.subs[proto] = (c, confirms)

    def drain(self):
        """Publishes the sentinel; returns {proto: [raw message, ...]} before it."""
        assert self.driver.command("PUBLISH", SENTINEL, "end").kind == ":"
        out = {}
        for proto, (c, _) in self.subs.items():
            msgs = []
            while True:
                r = c.read_reply()
                vals = [e.value for e in r.value]
                if vals[0] == b"message" and vals[1] == SENTINEL.encode():
                    break
                msgs.append(r.raw)
            out[proto] = msgs
        return out

    def close(self):
        self.driver.close()
        for c, _ in self.subs.values():
            c.close()


def _group_sorted(msgs):
    """Messages with the deliveries of each published message (consecutive, same
    channel and payload) sorted: Redis visits patterns in hash order, Kora in byte
    order (kora-pubsub/README.md)."""
    out, group, key = [], [], None
    for raw in msgs:
        k = raw.split(b"\r\n")[-5:]  # channel and payload are the last two bulks
        if group and k != key:
            out += sorted(group)
            group = []
        group.append(raw)
        key = k
    return out + sorted(group)


def _run(redis_port, kora_port, flags, script, patterns=("__key*__:*",), channels=(), sort_groups=False):
    sides = {"redis": Side(redis_port, patterns, channels), "kora": Side(kora_port, patterns, channels)}
    try:
        for name in ("redis", "kora"):
            for proto in (2, 3):
                assert sides[name].subs[proto][1] == sides["redis"].subs[proto][1], "confirmations differ"
        for side in sides.values():
            assert side.driver.command("CONFIG", "SET", "notify-keyspace-events", flags).raw == b"+OK\r\n"
        for lineno, line in enumerate(script.strip().splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("@sleep"):
                time.sleep(float(line.split()[1]))
                continue
            compare = not line.startswith("@norep")  # a random reply (SPOP): events only
            if not compare:
                line = line[len("@norep"):].strip()
            _, argv = parse_command(line)
            argvs = {}
            for name, side in sides.items():
                # $DUMP: the payload of "src" as each server dumps it.
                payload = side.driver.command("DUMP", "src").value if "$DUMP" in argv else None
                argvs[name] = [payload if a == "$DUMP" else a for a in argv]
            r = sides["redis"].driver.command(*argvs["redis"])
            k = sides["kora"].driver.command(*argvs["kora"])
            if compare and r.raw != k.raw:
                raise Divergence(f"line {lineno} {line!r}\n  redis: {r.raw!r}\n  kora:  {k.raw!r}")
        got = {name: side.drain() for name, side in sides.items()}
        if sort_groups:
            got = {name: {p: _group_sorted(m) for p, m in v.items()} for name, v in got.items()}
        for proto in (2, 3):
            if got["redis"][proto] != got["kora"][proto]:
                rl, kl = got["redis"][proto], got["kora"][proto]
                i = next((j for j in range(min(len(rl), len(kl))) if rl[j] != kl[j]), min(len(rl), len(kl)))
                raise Divergence(f"RESP{proto} messages differ at #{i} (redis {len(rl)}, kora {len(kl)})\n"
                                 f"  redis: {rl[i:i + 3]!r}\n  kora:  {kl[i:i + 3]!r}")
        return got
    finally:
        for side in sides.values():
            try:
                side.driver.command("CONFIG", "SET", "notify-keyspace-events", "")
            except Exception:
                pass
            side.close()


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_keyspace_events_kea(redis_server, kora_server, pair, family):
    got = _run(redis_server.port, kora_server.port, "KEA", FAMILIES[family])
    assert got["redis"][2], "the scenario must produce notifications"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_keyspace_events_keymiss_and_new(redis_server, kora_server, pair, family):
    # m (reads that find no key) and n (created keys) are outside A.
    _run(redis_server.port, kora_server.port, "KEAmn", FAMILIES[family])


@pytest.mark.parametrize("flags", ["K$", "Eg", "El", "Kh", "Esz", "Ext", "KEn", "Ag", "gK$E", "AKEm"])
def test_keyspace_flag_subsets(redis_server, kora_server, pair, flags):
    # Each class alone routes only its events; new-key events with n.
    script = FAMILIES["strings"] + FAMILIES["lists"] + FAMILIES["hashes"] + FAMILIES["sets"]
    _run(redis_server.port, kora_server.port, flags, script)


def test_expired_lazy_and_active(redis_server, kora_server, pair):
    # e1 and e3 expire lazily (a read finds them expired), e2 by the active
    # sweep (one key only: the sweeps of Redis and Kora visit keys in different orders).
    script = """
        SET e1 v PX 50
        @sleep 0.2
        GET e1
        HSET e3 f v
        PEXPIRE e3 50
        @sleep 0.2
        EXISTS e3
        SET e2 v PX 50
        @sleep 1.5
    """
    got = _run(redis_server.port, kora_server.port, "KEA", script)
    assert any(b"expired" in m for m in got["redis"][2])


def test_config_text(redis_server, kora_server, pair):
    for flags in ["", "K", "E", "KEA", "AKE", "g$lshzxetdKE", "Ag", "gK$E", "lh", "KEmn", "m", "n", "Kx"]:
        lines = [f"CONFIG SET notify-keyspace-events {flags!r}" if flags else 'CONFIG SET notify-keyspace-events ""',
                 "CONFIG GET notify-keyspace-events"]
        for line in lines:
            _, argv = parse_command(line)
            r, k = pair.command(*argv)
            assert r.raw == k.raw, (line, r.raw, k.raw)
    for bad in ["Q", "KEAq", "1"]:
        r, k = pair.command("CONFIG", "SET", "notify-keyspace-events", bad)
        assert r.raw == k.raw, (bad, r.raw, k.raw)
    pair.command("CONFIG", "SET", "notify-keyspace-events", "")


def test_plain_channels_and_patterns(redis_server, kora_server, pair):
    # Channels, Redis glob patterns (escapes, classes, negation), binary names,
    # several deliveries to one subscriber, publish order.
    patterns = ("n*", "h?llo", "h[ae]llo", "h[^e]llo", "h[a-c]llo", r"h\*llo", "*", "x[")
    channels = ("news", "hello", "h*llo", "bin\x00ary")
    script = """
        PUBLISH news 1
        PUBLISH news 2
        PUBLISH hello a
        PUBLISH hallo b
        PUBLISH hbllo c
        PUBLISH h*llo d
        PUBLISH hzllo e
        PUBLISH nothing f
        PUBLISH x[ g
        @esc PUBLISH bin\\x00ary h
        SPUBLISH news i
        PUBSUB NUMPAT
        PUBSUB NUMSUB news hello nothing
        @sort PUBSUB CHANNELS
        @sort PUBSUB CHANNELS h*
        PUBSUB SHARDCHANNELS
        PUBSUB SHARDNUMSUB news
    """
    lines = []
    for line in script.strip().splitlines():
        line = line.strip()
        if line.startswith("@sort"):
            continue  # compared below, sorted
        lines.append(line)
    _run(redis_server.port, kora_server.port, "", "\n".join(lines), patterns=patterns, channels=channels,
         sort_groups=True)
    for cmd in (["PUBSUB", "CHANNELS"], ["PUBSUB", "CHANNELS", "h*"], ["PUBSUB", "NUMPAT"]):
        # Nobody is subscribed any more (once both servers have seen the disconnects).
        deadline = time.monotonic() + 5
        while True:
            r, k = pair.command(*cmd)
            if r.raw == k.raw or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert r.raw == k.raw
