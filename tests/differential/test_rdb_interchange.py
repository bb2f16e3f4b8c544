"""RDB snapshots and DUMP payloads are interchangeable with redis-server 7.0.

1. redis-server is filled with every type in every encoding it has (int /
   embstr / raw / LZF-compressed strings, listpack and multi-node quicklists,
   intset and hashtable sets, listpack and hashtable hashes, listpack and
   skiplist sorted sets, streams of several nodes with deleted entries,
   consumer groups, PELs and consumers), keys with TTLs, several databases; it
   SAVEs; kora-cli starts on that dump.rdb (--data-dir) and must hold the same
   keys: types, values, TTLs, encodings.
2. Kora SAVEs; redis-check-rdb accepts the file and a fresh redis-server
   loads it; both must hold the same keys again.
3. Every key's DUMP payload RESTOREs in the other server with the same value.
4. A corrupt, truncated, empty or newer-version dump.rdb stops kora-cli with an
   error naming the file (exit status 1), never a crash or a partial load.

Seeded: env KORA_DIFF_SEED (default 1).
"""

import os
import random
import shutil
import signal
import subprocess
import time

import pytest
import redis

import servers

SEED = int(os.environ.get("KORA_DIFF_SEED", "1").split(",")[0])
CHECK_RDB = shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb"


def _client(port):
    return redis.Redis(host=servers.HOST, port=port, socket_timeout=30)


def fill(r, rng, redis_server=True):
    """Every type and encoding redis-server 7.0 has, in dbs 0, 1 and 9."""
    if redis_server:
        r.config_set("rdbcompression", "yes")
    p = r.pipeline(transaction=False)
    p.set("s:int", "12345")
    p.set("s:neg", "-7")
    p.set("s:big_int", str(2**62))
    p.set("s:embstr", "hello")
    p.set("s:lzf", "abcabcabc" * 50)  # compressible: LZF in the file
    p.set("s:raw", "".join(rng.choice("xyz0123") for _ in range(200)))
    p.set("s:bin", bytes(range(256)))
    p.set("s:empty", "")
    p.set("s:ttl", "v", px=3_600_000)
    p.rpush("l:small", "a", "b", "1", "-2", "300", "70000", "4294967296", "x" * 100)
    p.rpush("l:big", *[f"elem-{i}-" + "p" * (i % 50) for i in range(3000)])  # many nodes
    p.sadd("set:intset", *[str(i * 3 - 50) for i in range(100)])
    p.sadd("set:wide_intset", 1, 2, 2**40, -(2**40))
    p.sadd("set:ht", *[f"m{i}" for i in range(50)])
    p.sadd("set:big_ints", *[str(i) for i in range(600)])  # past set-max-intset-entries
    p.hset("h:lp", mapping={"f1": "v1", "f2": "2", "num": "-12345678901"})
    p.hset("h:ht", mapping={f"field{i}": f"value{i}" for i in range(200)})
    p.hset("h:long", mapping={"f": "v" * 100})  # value past hash-max-listpack-value
    p.zadd("z:lp", {"a": 1, "b": 2.5, "c": -3, "d": 1e300, "e": float("inf"), "f": 0})
    p.zadd("z:sl", {f"m{i}": rng.random() * 1000 - 500 for i in range(300)})
    p.zadd("z:sl_ties", {f"t{i}": i % 3 for i in range(200)})
    p.expire("z:sl", 7200)
    p.execute()
    # Streams: several nodes, deleted entries, groups with PEL and consumers.
    for i in range(1, 260):
        fields = {"f": f"v{i}"} if i % 7 else {"f": f"v{i}", "extra": "x"}
        r.xadd("st:big", fields, id=f"{1000 + i}-{i % 3}")
    r.xdel("st:big", "1005-2", "1100-1", "1001-1")
    r.xgroup_create("st:big", "g1", id="0")
    r.xgroup_create("st:big", "g2", id="1050-0")
    r.xreadgroup("g1", "alice", {"st:big": ">"}, count=5)
    r.xreadgroup("g1", "bob", {"st:big": ">"}, count=3)
    r.xack("st:big", "g1", "1002-2")
    r.xgroup_createconsumer("st:big", "g2", "idle")
    r.xadd("st:small", {"a": "1"}, id="5-5")
    r.xadd("st:empty", {"a": "1"}, id="9-9")
    r.xdel("st:empty", "9-9")  # an empty stream is kept
    r.xgroup_create("st:empty", "g", id="$")
    r.select(1)
    r.set("db1:key", "one")
    r.rpush("db1:list", "x")
    r.select(9)
    r.set("db9:key", "nine", ex=100)
    r.select(0)


def keyspace(r):
    """Everything a client can see of every key, per database."""
    out = {}
    for db in range(16):
        r.select(db)
        for key in sorted(r.scan_iter(count=1000)):
            t = r.type(key).decode()
            pttl = r.pttl(key)
            ttl = None if pttl < 0 else round(pttl / 60000)  # minutes: both saw the same expiry
            enc = r.object("encoding", key)
            if t == "string":
                v = r.get(key)
            elif t == "list":
                v = r.lrange(key, 0, -1)
            elif t == "set":
                v = sorted(r.smembers(key))
            elif t == "hash":
                v = sorted(r.hgetall(key).items())
            elif t == "zset":
                v = r.zrange(key, 0, -1, withscores=True)
            elif t == "stream":
                info = r.xinfo_stream(key)
                groups = []
                for g in r.xinfo_groups(key):
                    pending = r.xpending_range(key, g["name"], "-", "+", 1000)
                    consumers = sorted((c["name"], c["pending"]) for c in r.xinfo_consumers(key, g["name"]))
                    groups.append((g["name"], g["last-delivered-id"], g["entries-read"], g["pending"],
                                   [(p["message_id"], p["consumer"], p["times_delivered"]) for p in pending],
                                   consumers))
                v = (r.xrange(key), info["length"], info["last-generated-id"], info["max-deleted-entry-id"],
                     info["entries-added"], info["recorded-first-entry-id"], groups)
            else:
                raise AssertionError(f"unexpected type {t}")
            out[(db, key)] = (t, enc, ttl, v)
    r.select(0)
    return out


def compare(a, b):
    assert sorted(a) == sorted(b), (set(a) ^ set(b))
    for k in a:
        assert a[k] == b[k], (k, a[k], b[k])


def start_redis_on(directory):
    srv = servers.RedisServer()
    srv.tmpdir = directory
    srv.log = os.path.join(directory, "redis.log")
    return srv.start()


def check_rdb(path):
    out = subprocess.run([CHECK_RDB, path], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "RDB looks OK" in out.stdout, out.stdout + out.stderr


@pytest.fixture
def filled_redis():
    srv = servers.start_redis()
    r = _client(srv.port)
    fill(r, random.Random(SEED))
    yield srv, r
    r.close()
    srv.stop()


def test_snapshots_both_ways(filled_redis, tmp_path):
    rsrv, r = filled_redis
    expected = keyspace(r)
    assert r.save()
    src = os.path.join(rsrv.tmpdir, "dump.rdb")
    check_rdb(src)
    # Redis -> Kora: kora-cli loads the file at start.
    kdir = tmp_path / "kora"
    kdir.mkdir()
    shutil.copy(src, kdir / "dump.rdb")
    kora = servers.start_kora(2, extra_args=["--data-dir", str(kdir)])
    try:
        k = _client(kora.port)
        compare(expected, keyspace(k))
        assert k.info("persistence")["rdb_last_load_keys_loaded"] == len(expected)
        # Redis's dataset digest (DEBUG DIGEST) agrees, and per key.
        digest = r.execute_command("DEBUG", "DIGEST")
        assert digest != b"0" * 40 and k.execute_command("DEBUG", "DIGEST") == digest
        some = [key for (db, key) in expected if db == 0]
        assert k.execute_command("DEBUG", "DIGEST-VALUE", *some) == r.execute_command("DEBUG", "DIGEST-VALUE", *some)
        # Kora -> Redis: SAVE, redis-check-rdb, a fresh redis-server loads it.
        k.config_set("dbfilename", "kora.rdb")
        assert k.save()
        assert k.info("persistence")["rdb_changes_since_last_save"] == 0
        saved = str(kdir / "kora.rdb")
        check_rdb(saved)
        rdir = tmp_path / "redis2"
        rdir.mkdir()
        shutil.copy(saved, rdir / "dump.rdb")
        r2srv = start_redis_on(str(rdir))
        try:
            r2 = _client(r2srv.port)
            compare(expected, keyspace(r2))
            assert r2.execute_command("DEBUG", "DIGEST") == digest
            r2.close()
        finally:
            r2srv.stop()
        k.close()
    finally:
        kora.stop()


def test_dump_payloads_both_ways(filled_redis):
    rsrv, r = filled_redis
    kora = servers.start_kora(2)
    try:
        k = _client(kora.port)
        keys = [key for key in r.scan_iter(count=1000)]
        for key in keys:
            payload = r.dump(key)
            assert k.restore(key, 0, payload, replace=True)
        for key in keys:
            # Kora's payload restores in Redis as the same value.
            payload = k.dump(key)
            assert r.restore(b"copy:" + key, 0, payload, replace=True), key
        got_k = {kk[1]: v for kk, v in keyspace(k).items() if kk[0] == 0}
        got_r = {kk[1]: v for kk, v in keyspace(r).items() if kk[0] == 0}
        for key in keys:
            t, enc, _, v = got_r[key]
            assert got_k[key][0] == t and got_k[key][3] == v, key
            assert got_r[b"copy:" + key][3] == v, key
            assert got_r[b"copy:" + key][1] == enc, key
        # Same encodings and values give byte-identical payloads (Kora never
        # LZF-compresses: compare with Redis's rdbcompression off; not streams,
        # whose PEL carries delivery times, nor unordered hashtables/skiplists,
        # nor lists, whose node boundaries follow their history).
        r.config_set("rdbcompression", "no")
        for key in keys:
            if got_r[key][0] not in ("stream", "list") and got_r[key][1] not in (b"hashtable", b"skiplist"):
                assert k.dump(key) == r.dump(key), key
        # Redis's errors for bad payloads.
        good = r.dump("s:embstr")
        for bad in (b"", b"short", good[:-1] + bytes([good[-1] ^ 1]), good[:-10] + b"\x0b\x00" + good[-8:]):
            for c in (r, k):
                with pytest.raises(redis.ResponseError, match="DUMP payload version or checksum are wrong"):
                    c.restore("bad", 0, bad)
        k.close()
    finally:
        kora.stop()


def _kora_fails_on(tmp_path, content, what):
    d = tmp_path / what
    d.mkdir()
    (d / "dump.rdb").write_bytes(content)
    proc = subprocess.run([servers.KORA_CLI, "--port", "0", "--workers", "2", "--data-dir", str(d)],
                          capture_output=True, timeout=30)
    assert proc.returncode == 1, (what, proc.returncode, proc.stderr)
    assert str(d / "dump.rdb").encode() in proc.stderr, proc.stderr


def test_corrupt_files_refused(filled_redis, tmp_path):
    rsrv, r = filled_redis
    assert r.save()
    data = open(os.path.join(rsrv.tmpdir, "dump.rdb"), "rb").read()
    _kora_fails_on(tmp_path, b"", "empty")
    _kora_fails_on(tmp_path, b"REDIS0011" + data[9:], "newer")
    _kora_fails_on(tmp_path, data[: len(data) // 2], "truncated")
    rng = random.Random(SEED)
    flipped = bytearray(data)
    pos = rng.randrange(9, len(data) - 8)
    flipped[pos] ^= 1 << rng.randrange(8)
    _kora_fails_on(tmp_path, bytes(flipped), "bitflip")


def test_bgsave_and_debug_reload(tmp_path):
    kora = servers.start_kora(2, extra_args=["--data-dir", str(tmp_path)])
    try:
        k = _client(kora.port)
        fill(k, random.Random(SEED), redis_server=False)
        before = keyspace(k)
        assert k.info("persistence")["rdb_changes_since_last_save"] > 0
        assert k.bgsave()
        deadline = time.time() + 30
        while k.info("persistence")["rdb_bgsave_in_progress"] and time.time() < deadline:
            time.sleep(0.05)
        info = k.info("persistence")
        assert info["rdb_last_bgsave_status"] == "ok" and info["rdb_saves"] == 1
        check_rdb(str(tmp_path / "dump.rdb"))
        assert k.execute_command("DEBUG", "RELOAD") in (b"OK", "OK", True)
        compare(before, keyspace(k))
        k.set("after", "1")
        k.execute_command("SHUTDOWN", "SAVE")
        k.close()
    except redis.ConnectionError:
        pass
    finally:
        status = kora.terminate()
        assert status == 0, kora.output()[-2000:]
    # The final save happened: a new server loads the key written last.
    kora2 = servers.start_kora(2, extra_args=["--data-dir", str(tmp_path)])
    try:
        k2 = _client(kora2.port)
        assert k2.get("after") == b"1"
        compare(before, {kk: v for kk, v in keyspace(k2).items() if kk != (0, b"after")})
        k2.close()
    finally:
        kora2.stop()


def test_config_retain_and_save_rules(tmp_path):
    kora = servers.start_kora(2, extra_args=["--data-dir", str(tmp_path), "--snapshot-retain", "3"])
    try:
        k = _client(kora.port)
        assert k.config_get("dir")["dir"] == str(tmp_path.resolve())
        assert k.config_get("dbfilename")["dbfilename"] == "dump.rdb"
        assert k.config_get("save")["save"] == ""
        with pytest.raises(redis.ResponseError, match="dbfilename can't be a path"):
            k.config_set("dbfilename", "a/b.rdb")
        with pytest.raises(redis.ResponseError, match="Invalid save parameters"):
            k.config_set("save", "10")
        with pytest.raises(redis.ResponseError, match="No such file or directory"):
            k.config_set("dir", str(tmp_path / "missing"))
        with pytest.raises(redis.ResponseError, match="syntax error"):
            k.execute_command("BGSAVE", "NOW")
        # snapshot-retain 3: the newest file and two older copies.
        for i in range(4):
            k.set("gen", i)
            assert k.save()
        names = sorted(os.listdir(tmp_path))
        assert [n for n in names if n.startswith("dump.rdb")] == ["dump.rdb", "dump.rdb.1", "dump.rdb.2"], names
        assert not [n for n in names if n.startswith("temp-")], names
        # A save rule: one change within a second triggers a background save.
        saves = k.info("persistence")["rdb_saves"]
        last = k.lastsave()
        k.config_set("save", "1 1")
        assert k.config_get("save")["save"] == "1 1"
        time.sleep(1.1)
        k.set("gen", "rule")
        deadline = time.time() + 10
        while k.info("persistence")["rdb_saves"] == saves and time.time() < deadline:
            time.sleep(0.1)
        assert k.info("persistence")["rdb_saves"] == saves + 1
        assert k.lastsave() >= last
        assert k.info("persistence")["rdb_changes_since_last_save"] == 0
        k.config_set("save", "")
        k.close()
    finally:
        kora.stop()
