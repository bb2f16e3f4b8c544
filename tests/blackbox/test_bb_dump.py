"""DUMP / RESTORE round trips every type within Kora, with TTL, REPLACE, ABSTTL and
IDLETIME; damaged payloads are refused. (Kora's payload format is its own, so the
differential suite checks only the error paths against Redis.)"""

import time

import pytest
import redis


def test_round_trip_every_type(r):
    r.flushall()
    r.set("s", b"bin\x00\r\nary" * 20)
    r.set("n", 12345)
    r.rpush("l", *[f"e{i}" for i in range(300)])
    r.hset("h", mapping={f"f{i}": f"v{i}" for i in range(20)})
    r.sadd("si", *range(100))
    r.sadd("ss", "a", "b", "c")
    for key in ["s", "n", "l", "h", "si", "ss"]:
        payload = r.dump(key)
        assert payload is not None
        r.restore(key + ":copy", 0, payload)
        assert r.type(key + ":copy") == r.type(key)
    assert r.get("s:copy") == r.get("s")
    assert r.get("n:copy") == b"12345"
    assert r.lrange("l:copy", 0, -1) == r.lrange("l", 0, -1)
    assert r.hgetall("h:copy") == r.hgetall("h")
    assert r.smembers("si:copy") == r.smembers("si")
    assert r.object("encoding", "si:copy") == b"intset"
    assert r.smembers("ss:copy") == r.smembers("ss")


def test_ttl_replace_absttl_idletime(r):
    r.set("src", "v")
    payload = r.dump("src")
    r.restore("t1", 100000, payload)
    assert 99 <= r.ttl("t1") <= 100
    with pytest.raises(redis.ResponseError, match="BUSYKEY"):
        r.restore("t1", 0, payload)
    r.restore("t1", 0, payload, replace=True)
    assert r.ttl("t1") == -1
    at = int(time.time() * 1000) + 50000
    r.restore("t2", at, payload, absttl=True)
    assert 48 <= r.ttl("t2") <= 50
    r.restore("t3", int(time.time() * 1000) - 1000, payload, absttl=True)  # already expired
    assert r.exists("t3") == 0
    r.restore("t4", 0, payload, idletime=1000)
    assert 999 <= r.object("idletime", "t4") <= 1001


def test_damaged_payloads_are_refused(r):
    r.set("src", "value")
    payload = bytearray(r.dump("src"))
    for i in range(len(payload)):
        damaged = bytes(payload[:i]) + bytes([payload[i] ^ 0x40]) + bytes(payload[i + 1:])
        with pytest.raises(redis.ResponseError, match="checksum are wrong"):
            r.restore("bad", 0, damaged)
    with pytest.raises(redis.ResponseError, match="checksum are wrong"):
        r.restore("bad", 0, bytes(payload[:-1]))
    assert r.exists("bad") == 0
