"""String commands through redis-py: GET/SET and its options, APPEND, STRLEN,
INCR/DECR family, MGET/MSET, binary and large values."""

import pytest
import redis

from bbutil import raw_command

BINARY = b"\x00\r\n\xff\xfe\x00bin\r\n$3\r\n*1\r\n\x00"


def err(excinfo):
    return str(excinfo.value)


def test_get_set_basic(r):
    assert r.get("k") is None
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.set("k", "") is True
    assert r.get("k") == b""
    assert r.strlen("k") == 0
    assert r.set("", "empty key") is True
    assert r.get("") == b"empty key"
    assert raw_command(r, "SET", "k", "v2") == b"OK"
    assert raw_command(r, "GET", "k") == b"v2"


def test_binary_keys_and_values(r):
    assert r.set(BINARY, BINARY)
    assert r.get(BINARY) == BINARY
    assert r.strlen(BINARY) == len(BINARY)
    all_bytes = bytes(range(256))
    r.set("all", all_bytes)
    assert r.get("all") == all_bytes
    assert r.append("all", BINARY) == 256 + len(BINARY)
    assert r.get("all") == all_bytes + BINARY
    assert r.exists(BINARY, "all") == 2
    assert r.delete(BINARY) == 1
    assert r.get(BINARY) is None


def test_one_mib_value(r):
    value = bytes((i * 7 + 13) % 256 for i in range(1 << 20))
    assert r.set("big", value)
    assert r.get("big") == value
    assert r.strlen("big") == 1 << 20
    assert r.append("big", b"tail") == (1 << 20) + 4
    assert r.get("big")[-5:] == value[-1:] + b"tail"
    assert r.mget("big", "nope") == [value + b"tail", None]
    assert r.set("big", b"x", get=True) == value + b"tail"
    assert r.get("big") == b"x"
    # a 1 MiB key too
    r.set(value, b"v")
    assert r.get(value) == b"v"


def test_set_nx_xx(r):
    assert r.set("k", "v", nx=True) is True
    assert r.set("k", "w", nx=True) is None
    assert r.get("k") == b"v"
    assert r.set("k", "w", xx=True) is True
    assert r.get("k") == b"w"
    assert r.set("missing", "x", xx=True) is None
    assert r.exists("missing") == 0


def test_set_get_option(r):
    assert raw_command(r, "SET", "k", "1", "GET") is None
    assert raw_command(r, "SET", "k", "2", "GET") == b"1"
    assert raw_command(r, "SET", "k", "3", "NX", "GET") == b"2"  # not set, old value
    assert r.get("k") == b"2"
    assert raw_command(r, "SET", "k", "4", "XX", "GET") == b"2"
    assert r.get("k") == b"4"
    assert raw_command(r, "SET", "new", "v", "XX", "GET") is None
    assert r.exists("new") == 0


def test_set_expire_options(r):
    import time
    now = int(time.time())
    r.set("ex", "v", ex=100)
    assert 99 <= r.ttl("ex") <= 100
    r.set("px", "v", px=100000)
    assert 99000 < r.pttl("px") <= 100000
    raw_command(r, "SET", "exat", "v", "EXAT", now + 1000)
    assert 998 <= r.ttl("exat") <= 1000
    raw_command(r, "SET", "pxat", "v", "PXAT", (now + 1000) * 1000)
    assert 997000 < r.pttl("pxat") <= 1000000
    r.set("ex", "v2", keepttl=True)
    assert 98 <= r.ttl("ex") <= 100
    assert r.get("ex") == b"v2"
    r.set("ex", "v3")
    assert r.ttl("ex") == -1
    raw_command(r, "SET", "past", "v", "EXAT", 1)
    assert r.get("past") is None


@pytest.mark.parametrize("args,message", [
    (["NX", "XX"], "syntax error"),
    (["XX", "NX"], "syntax error"),
    (["EX", "10", "PX", "10"], "syntax error"),
    (["KEEPTTL", "EX", "10"], "syntax error"),
    (["EX", "10", "KEEPTTL"], "syntax error"),
    (["EX", "10", "EXAT", "99999999999"], "syntax error"),
    (["EX"], "syntax error"),
    (["BOGUS"], "syntax error"),
    (["EX", "0"], "invalid expire time in 'set' command"),
    (["EX", "-1"], "invalid expire time in 'set' command"),
    (["PX", "0"], "invalid expire time in 'set' command"),
    (["EX", "9223372036854775807"], "invalid expire time in 'set' command"),
    (["EX", "abc"], "value is not an integer or out of range"),
    (["PX", "1.5"], "value is not an integer or out of range"),
])
def test_set_option_errors(r, args, message):
    r.set("k", "old")
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, "SET", "k", "new", *args)
    assert err(e) == message
    assert r.get("k") == b"old"


def test_append_strlen(r):
    assert r.append("a", "hello") == 5
    assert r.append("a", " world") == 11
    assert r.append("a", "") == 11
    assert r.get("a") == b"hello world"
    assert r.strlen("a") == 11
    assert r.strlen("missing") == 0
    r.set("n", 10)
    assert r.append("n", "5") == 3
    assert r.incr("n") == 106


def test_incr_decr(r):
    assert r.incr("c") == 1
    assert r.incr("c") == 2
    assert r.decr("c") == 1
    assert r.incrby("c", 10) == 11
    assert r.incrby("c", -20) == -9
    assert r.decrby("c", 5) == -14
    assert r.decrby("c", -14) == 0
    assert r.get("c") == b"0"
    assert r.decr("d") == -1
    r.set("s", "-5")
    assert r.incr("s") == -4
    r.set("m", "9223372036854775806")
    assert r.incr("m") == 9223372036854775807
    r.set("t", "1", ex=100)
    assert r.incr("t") == 2
    assert r.ttl("t") > 0  # INCR keeps the TTL


@pytest.mark.parametrize("value", ["abc", "", "1.5", " 1", "1 ", "+1", "-0", "01", "0x10",
                                   "12345678901234567890", "1\x00", "9223372036854775808"])
def test_incr_not_an_integer(r, value):
    r.set("k", value)
    with pytest.raises(redis.ResponseError) as e:
        r.incr("k")
    assert err(e) == "value is not an integer or out of range"
    assert r.get("k") == value.encode()


def test_incr_overflow(r):
    r.set("k", "9223372036854775807")
    with pytest.raises(redis.ResponseError) as e:
        r.incr("k")
    assert err(e) == "increment or decrement would overflow"
    r.set("k", "-9223372036854775808")
    with pytest.raises(redis.ResponseError) as e:
        r.decr("k")
    assert err(e) == "increment or decrement would overflow"
    with pytest.raises(redis.ResponseError) as e:
        r.decrby("z", -9223372036854775808)
    assert err(e) == "decrement would overflow"
    with pytest.raises(redis.ResponseError) as e:
        r.incrby("z", "9223372036854775808")
    assert err(e) == "value is not an integer or out of range"
    assert r.incrby("z", -9223372036854775808) == -9223372036854775808
    assert r.exists("k") == 1 and r.get("k") == b"-9223372036854775808"


def test_mset_mget_across_shards(r):
    mapping = {f"key:{i}": f"value:{i}" for i in range(500)}
    assert r.mset(mapping) is True
    keys = list(mapping)
    assert r.mget(keys) == [v.encode() for v in mapping.values()]
    mixed = ["nope1"] + keys[::-7] + ["nope2", keys[0], keys[0]]
    assert r.mget(mixed) == [None] + [mapping[k].encode() for k in keys[::-7]] + \
        [None, b"value:0", b"value:0"]
    # duplicates inside MSET: the last one wins even across shards
    assert raw_command(r, "MSET", "d", "1", "key:1", "x", "d", "2", "key:2", "y", "d", "3")
    assert r.mget("d", "key:1", "key:2") == [b"3", b"x", b"y"]


def test_mset_mget_hash_tags(r):
    mapping = {f"{{user1}}:{f}": f"v{i}" for i, f in enumerate("abcdefghij")}
    assert r.mset(mapping)
    assert r.mget(list(mapping)) == [v.encode() for v in mapping.values()]
    assert r.incr("{user1}:counter") == 1
    assert r.exists(*mapping, "{user1}:counter", "{user1}:none") == 11
    assert r.delete(*mapping) == 10


def test_mset_errors(r):
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, "MSET", "a", "1", "b")
    assert err(e) == "wrong number of arguments for 'mset' command"
    assert r.exists("a", "b") == 0
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, "MGET")
    assert err(e) == "wrong number of arguments for 'mget' command"


@pytest.mark.parametrize("cmd", [["GET"], ["GET", "a", "b"], ["SET", "k"], ["APPEND", "k"],
                                 ["STRLEN"], ["INCR"], ["INCRBY", "k"], ["DECRBY", "k", "1", "2"],
                                 ["DECR", "a", "b"]])
def test_wrong_arity(r, cmd):
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, *cmd)
    assert err(e) == f"wrong number of arguments for '{cmd[0].lower()}' command"
