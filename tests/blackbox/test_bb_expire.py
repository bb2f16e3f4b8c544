"""Expiration: EXPIRE family with NX/XX/GT/LT, TTL/PTTL/PERSIST, lazy expiry on
access and active expiry of keys nobody touches."""

import time

import pytest
import redis

from bbutil import raw_command


def wait_until(predicate, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def test_ttl_pttl_persist(r):
    assert r.ttl("missing") == -2
    assert r.pttl("missing") == -2
    r.set("k", "v")
    assert r.ttl("k") == -1 and r.pttl("k") == -1
    assert r.expire("k", 100) is True
    assert 99 <= r.ttl("k") <= 100
    assert 99000 < r.pttl("k") <= 100000
    assert r.persist("k") is True
    assert r.persist("k") is False
    assert r.persist("missing") is False
    assert r.ttl("k") == -1
    assert r.pexpire("k", 50000) is True
    assert 49000 < r.pttl("k") <= 50000
    now = int(time.time())
    assert r.expireat("k", now + 500) is True
    assert 498 <= r.ttl("k") <= 500
    assert r.pexpireat("k", (now + 600) * 1000) is True
    assert 598 <= r.ttl("k") <= 600
    assert r.expire("missing", 10) is False


def test_expire_in_the_past_deletes(r):
    for cmd in (["EXPIRE", "k", "0"], ["EXPIRE", "k", "-1"], ["PEXPIRE", "k", "-100"],
                ["EXPIREAT", "k", "1"], ["PEXPIREAT", "k", "1"]):
        r.set("k", "v")
        assert raw_command(r, *cmd) == 1, cmd
        assert r.exists("k") == 0, cmd
        assert r.ttl("k") == -2, cmd


def test_expire_options(r):
    r.set("k", "v")  # no TTL: counts as infinite for GT/LT
    assert raw_command(r, "EXPIRE", "k", "100", "XX") == 0
    assert raw_command(r, "EXPIRE", "k", "100", "GT") == 0
    assert raw_command(r, "EXPIRE", "k", "100", "NX") == 1
    assert raw_command(r, "EXPIRE", "k", "200", "NX") == 0
    assert raw_command(r, "EXPIRE", "k", "50", "GT") == 0
    assert raw_command(r, "EXPIRE", "k", "500", "GT") == 1
    assert 499 <= r.ttl("k") <= 500
    assert raw_command(r, "EXPIRE", "k", "1000", "LT") == 0
    assert raw_command(r, "EXPIRE", "k", "300", "LT") == 1
    assert raw_command(r, "EXPIRE", "k", "400", "XX") == 1
    assert 399 <= r.ttl("k") <= 400
    assert raw_command(r, "PEXPIRE", "k", "100000", "lt") == 1
    assert raw_command(r, "PEXPIRE", "k", "100000000", "gt") == 1
    r.persist("k")
    assert raw_command(r, "EXPIRE", "k", "100", "LT") == 1


def test_expire_xx_with_gt_lt(r):
    r.set("k", "v")
    r.expire("k", 100)
    assert raw_command(r, "EXPIRE", "k", "50", "XX", "GT") == 0
    assert raw_command(r, "EXPIRE", "k", "200", "XX", "GT") == 1
    assert 199 <= r.ttl("k") <= 200


@pytest.mark.parametrize("opts,message", [
    (["NX", "XX"], "NX and XX, GT or LT options at the same time are not compatible"),
    (["NX", "GT"], "NX and XX, GT or LT options at the same time are not compatible"),
    (["GT", "LT"], "GT and LT options at the same time are not compatible"),
    (["BAD"], "Unsupported option BAD"),
])
def test_expire_option_errors(r, opts, message):
    r.set("k", "v")
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        with pytest.raises(redis.ResponseError) as e:
            raw_command(r, cmd, "k", "100000000000", *opts)
        assert str(e.value) == message
    assert r.ttl("k") == -1


def test_expire_value_errors(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        raw_command(r, "EXPIRE", "k", "abc")
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'expire' command$"):
        raw_command(r, "EXPIRE", "k", "9223372036854775807")
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'pexpire' command$"):
        raw_command(r, "PEXPIRE", "k", "9223372036854775807")
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'expireat' command$"):
        raw_command(r, "EXPIREAT", "k", "9223372036854775807")
    assert r.ttl("k") == -1


def test_set_and_incr_keep_or_clear_ttl(r):
    r.set("k", "1", ex=100)
    r.incr("k")
    r.append("k", "0")
    assert r.ttl("k") > 0 and r.get("k") == b"20"
    r.set("k", "x")
    assert r.ttl("k") == -1
    r.mset({"k": "y"})
    assert r.ttl("k") == -1


def test_lazy_expiry_on_access(r):
    keys = [f"lazy:{i}" for i in range(40)] + [f"{{t}}lazy:{i}" for i in range(10)]
    for k in keys:
        r.set(k, "v", px=100)
    r.set("keep", "v")
    assert r.exists(*keys) == len(keys)
    time.sleep(0.2)
    # every access path must see them gone, whatever the active cycle did meanwhile
    assert r.get(keys[0]) is None
    assert r.exists(*keys) == 0
    assert r.mget(keys[:5]) == [None] * 5
    assert r.ttl(keys[1]) == -2 and r.pttl(keys[2]) == -2
    assert r.type(keys[3]) == b"none"
    assert r.strlen(keys[4]) == 0
    assert r.keys("*lazy*") == []
    assert r.incr(keys[5]) == 1  # a fresh key, not the expired value
    assert r.append(keys[6], "x") == 1
    assert r.set(keys[7], "n", nx=True) is True
    assert raw_command(r, "SET", keys[8], "new", "GET") is None
    assert r.persist(keys[9]) is False
    assert r.expire(keys[10], 100) is False
    assert r.delete(*keys[11:]) == 0
    assert r.get("keep") == b"v"


def test_active_expiry(r):
    """200 keys on every shard with PX 50, never touched again: DBSIZE must drop to the
    number of persistent keys within ~2 s."""
    pipe = r.pipeline(transaction=False)
    for i in range(200):
        pipe.set(f"active:{i}", "v", px=50)
    for i in range(20):
        pipe.set(f"stay:{i}", "v")
    assert all(pipe.execute())
    assert r.dbsize() in range(20, 221)
    assert wait_until(lambda: r.dbsize() == 20, timeout=2.5), f"DBSIZE still {r.dbsize()}"
    info = r.info("keyspace")
    assert info.get("db0", {}).get("keys") == 20
    assert info["db0"]["expires"] == 0


def test_active_expiry_other_db(kora, r):
    from bbutil import make_client
    c = make_client(kora.port, db=7)
    try:
        for i in range(100):
            c.set(f"e{i}", "v", px=30)
        assert wait_until(lambda: c.dbsize() == 0, timeout=2.5), f"DBSIZE still {c.dbsize()}"
    finally:
        c.close()


def test_debug_set_active_expire_stops_the_sweep(r):
    """DEBUG SET-ACTIVE-EXPIRE 0 leaves expired keys nobody reads in place (DBSIZE
    still counts them); 1 lets the sweep remove them again."""
    try:
        assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") in (b"OK", "OK", True)
        r.mset({f"k{i}": "v" for i in range(20)})
        for i in range(20):
            r.pexpire(f"k{i}", 30)
        time.sleep(0.5)  # five sweep periods
        assert r.dbsize() == 20
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    assert wait_until(lambda: r.dbsize() == 0, 5.0)


def test_debug_sleep_stalls_every_shard(r):
    """DEBUG SLEEP holds every shard: a command from another client waits for it."""
    import threading
    other = redis.Redis(connection_pool=r.connection_pool)
    done = {}

    def sleeper():
        r.execute_command("DEBUG", "SLEEP", "0.4")

    t = threading.Thread(target=sleeper)
    start = time.monotonic()
    t.start()
    time.sleep(0.1)
    other.set("during", "1")
    done["set"] = time.monotonic() - start
    t.join()
    assert done["set"] >= 0.35


def test_hz_sets_the_sweep_period(r):
    """hz 1: the sweep runs once a second, so a key nobody reads outlives its TTL
    for a while; hz 100: it goes within a few hundredths of a second."""
    try:
        assert r.config_set("hz", 1) is True
        time.sleep(1.1)  # let the sweep armed at the old hz run out
        r.set("slow", "v", px=30)
        time.sleep(0.3)
        assert r.dbsize() == 1
        assert r.config_set("hz", 100) is True
        assert wait_until(lambda: r.dbsize() == 0, 2.0)
    finally:
        r.config_set("hz", 10)
