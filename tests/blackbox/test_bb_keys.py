"""Keyspace commands: DEL/UNLINK/EXISTS/TYPE/KEYS/DBSIZE/FLUSHDB/FLUSHALL/SELECT,
with keys spread over every shard and hash-tagged keys kept together."""

import pytest
import redis

from bbutil import make_client, raw_command

MANY = [f"key:{i}" for i in range(1000)]


def fill(r, keys, value=b"v"):
    if keys:
        assert r.mset({k: value for k in keys}) is True


def test_del_exists_unlink_across_shards(r):
    fill(r, MANY)
    assert r.dbsize() == 1000
    assert r.exists(*MANY) == 1000
    assert r.exists(*MANY, "nope", MANY[0], MANY[0]) == 1002  # duplicates count
    assert r.delete(*MANY[:300], "nope", MANY[0]) == 300  # duplicates do not
    assert r.exists(*MANY[:300]) == 0
    assert r.unlink(*MANY[300:600], "nope") == 300
    assert r.dbsize() == 400
    assert r.mget(MANY[598:602]) == [None, None, b"v", b"v"]
    assert r.delete("nope") == 0
    assert r.unlink("nope") == 0


def test_hash_tags(r):
    tagged = [f"{{acct:42}}:{i}" for i in range(50)]
    fill(r, tagged, b"t")
    assert r.exists(*tagged) == 50
    assert sorted(r.keys("{acct:42}:*")) == sorted(k.encode() for k in tagged)
    assert r.delete(*tagged[:25]) == 25
    assert r.dbsize() == 25
    # odd tags: empty "{}" or unterminated "{" hash the whole key; still plain keys
    odd = ["{}a", "{}b", "a{", "}b{", "{x}}y", "{{x}z"]
    fill(r, odd, b"o")
    assert r.mget(odd) == [b"o"] * 6
    assert r.delete(*odd) == 6


def test_type(r):
    r.set("s", "v")
    assert r.type("s") == b"string"
    assert r.type("missing") == b"none"
    r.set("n", 12)
    assert r.type("n") == b"string"


def test_keys_patterns(r):
    names = ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "a b", "x\x00y", "foo:1", "foo:22"]
    fill(r, names)
    k = lambda p: sorted(r.keys(p))  # noqa: E731
    assert k("*") == sorted(n.encode() for n in names)
    assert k("h?llo") == [b"h*llo", b"hallo", b"hello", b"hxllo"]
    assert k("h*llo") == [b"h*llo", b"hallo", b"heeeello", b"hello", b"hllo", b"hxllo"]
    assert k("h[ae]llo") == [b"hallo", b"hello"]
    assert k("h[^e]llo") == [b"h*llo", b"hallo", b"hxllo"]
    assert k("h[a-b]llo") == [b"hallo"]
    assert k("h\\*llo") == [b"h*llo"]
    assert k("foo:?") == [b"foo:1"]
    assert k("foo:*") == [b"foo:1", b"foo:22"]
    assert k("a *") == [b"a b"]
    assert k("x\x00*") == [b"x\x00y"]
    assert k("nomatch*") == []


def test_keys_many_shards(r):
    fill(r, MANY)
    got = r.keys("*")
    assert len(got) == len(set(got)) == 1000
    assert set(got) == {k.encode() for k in MANY}
    assert sorted(r.keys("key:99?")) == [f"key:99{i}".encode() for i in range(10)]


def test_dbsize_flushdb_flushall(r):
    fill(r, MANY[:100])
    assert r.dbsize() == 100
    assert r.flushdb() is True
    assert r.dbsize() == 0
    fill(r, MANY[:10])
    assert raw_command(r, "FLUSHDB", "ASYNC") == b"OK"
    assert r.dbsize() == 0
    assert raw_command(r, "FLUSHDB", "SYNC") == b"OK"
    assert raw_command(r, "FLUSHALL", "ASYNC") == b"OK"
    assert raw_command(r, "FLUSHALL", "SYNC") == b"OK"
    for bad in (["FLUSHDB", "bad"], ["FLUSHALL", "bad"], ["FLUSHDB", "ASYNC", "SYNC"]):
        with pytest.raises(redis.ResponseError, match="^syntax error$"):
            raw_command(r, *bad)
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'dbsize' command"):
        raw_command(r, "DBSIZE", "x")


def test_select_isolation(kora, r):
    clients = [make_client(kora.port, db=db) for db in range(16)]
    try:
        for db, c in enumerate(clients):
            c.set("k", f"db{db}")
            fill(c, [f"{{t}}{i}" for i in range(db)] + MANY[:db * 10])
        for db, c in enumerate(clients):
            assert c.get("k") == f"db{db}".encode()
            assert c.dbsize() == 1 + db + db * 10
        clients[5].flushdb()
        assert clients[5].dbsize() == 0
        assert clients[4].dbsize() == 45 and clients[6].dbsize() == 67
        clients[0].flushall()
        assert all(c.dbsize() == 0 for c in clients)
    finally:
        for c in clients:
            c.close()


def test_select_on_one_connection(kora):
    c = make_client(kora.port, single_connection_client=True)
    try:
        c.flushall()
        c.set("x", "0")
        assert raw_command(c, "SELECT", 15) == b"OK"
        assert c.get("x") is None
        c.set("x", "15")
        assert raw_command(c, "SELECT", 0) == b"OK"
        assert c.get("x") == b"0"
        for bad, msg in (("16", "DB index is out of range"), ("-1", "DB index is out of range"),
                         ("abc", "value is not an integer or out of range")):
            with pytest.raises(redis.ResponseError) as e:
                raw_command(c, "SELECT", bad)
            assert str(e.value) == msg
        assert c.get("x") == b"0"  # a failed SELECT keeps the current db
    finally:
        c.close()


@pytest.mark.parametrize("cmd", [["DEL"], ["UNLINK"], ["EXISTS"], ["TYPE"], ["TYPE", "a", "b"],
                                 ["KEYS"], ["KEYS", "a", "b"], ["SELECT"], ["MGET"], ["MSET", "k"]])
def test_wrong_arity(r, cmd):
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, *cmd)
    assert str(e.value) == f"wrong number of arguments for '{cmd[0].lower()}' command"
