"""maxmemory: a write flood 5x larger than the limit at --workers 2 keeps used_memory
within 5% of it; allkeys-lru keeps the keys being read; noeviction refuses writes with
-OOM while reads work; evictions raise the `evicted` notification and count in INFO."""

import threading
import time

import pytest
import redis

import servers
from bbutil import make_client

OOM = "OOM command not allowed when used memory > 'maxmemory'."
LIMIT = 8 * 1024 * 1024
# The flood writes 5x LIMIT at this rate (bytes/s): the dataset turns over in a few
# seconds, longer than the 1-second LRU clock (Redis's resolution too), so "recently
# read" means something.
RATE = 3_000_000


@pytest.fixture(scope="module")
def kora2():
    srv = servers.start_kora(2)
    yield srv
    srv.stop()


@pytest.fixture
def c(kora2):
    client = make_client(kora2.port)
    client.config_set("maxmemory", 0)
    client.config_set("maxmemory-policy", "noeviction")
    assert client.flushall() is True
    yield client
    client.config_set("maxmemory", 0)
    client.config_set("maxmemory-policy", "noeviction")
    client.flushall()
    client.close()
    assert kora2.alive()


def used(client):
    return int(client.info("memory")["used_memory"])


def flood(port, prefix, total_bytes, value_size=200, batch=200, rate=None):
    """Writes total_bytes of values with SET in pipelines, at most `rate` bytes/s when
    given; returns the OOM errors seen."""
    client = make_client(port)
    value = b"x" * value_size
    n = total_bytes // value_size
    errors = 0
    t0 = time.monotonic()
    for start in range(0, n, batch):
        if rate:
            ahead = start * value_size / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        p = client.pipeline(transaction=False)
        for i in range(start, min(n, start + batch)):
            p.set(f"{prefix}:{i}", value)
        for reply in p.execute(raise_on_error=False):
            if isinstance(reply, redis.ResponseError):
                errors += 1
    client.close()
    return errors


def test_flood_5x_stays_within_5_percent_and_lru_keeps_read_keys(c, kora2):
    servers.arm_watchdog(90)
    base = used(c)
    limit = base + LIMIT
    c.config_set("maxmemory-policy", "allkeys-lru")
    c.config_set("maxmemory", limit)
    assert int(c.info("memory")["maxmemory"]) == limit
    assert c.info("memory")["maxmemory_policy"] == "allkeys-lru"
    hot = [f"hot:{i}" for i in range(200)]
    for k in hot:
        c.set(k, "h" * 100)
    samples = []
    done = threading.Event()

    def reader():
        # Keeps the hot keys recently used while the flood runs.
        rc = make_client(kora2.port)
        while not done.is_set():
            rc.mget(hot[:100])
            rc.mget(hot[100:])
            time.sleep(0.005)
        rc.close()

    def sampler():
        sc = make_client(kora2.port)
        while not done.is_set():
            samples.append(used(sc))
            time.sleep(0.02)
        sc.close()

    threads = [threading.Thread(target=reader), threading.Thread(target=sampler)]
    for t in threads:
        t.start()
    writers = [threading.Thread(target=flood, args=(kora2.port, f"w{j}", 5 * LIMIT // 2),
                                kwargs={"rate": RATE // 2}) for j in range(2)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    for t in threads:
        t.join()
    final = used(c)
    assert len(samples) > 100
    peak = max(samples + [final])
    assert peak <= limit * 1.05, (peak, limit)
    assert final <= limit * 1.05
    assert int(c.info("stats")["evicted_keys"]) > 0
    # The keys read all along mostly survived: approximate LRU (sampling, 1-second
    # clock; redis-server itself keeps 115-200 of them on such a flood). Random
    # eviction would keep about dbsize / keys written (~15%) of them.
    alive = sum(1 for v in c.mget(hot) if v is not None)
    assert alive >= 120, alive
    assert c.dbsize() > 10000  # eviction removed only what it had to


def test_noeviction_refuses_writes_but_reads_work(c):
    c.set("keep", "v")
    c.config_set("maxmemory", 1)
    with pytest.raises(redis.ResponseError, match=OOM.replace("(", r"\(").replace(".", r"\.")):
        c.set("new", "v")
    with pytest.raises(redis.ResponseError, match="OOM"):
        c.lpush("l", "a")
    assert c.get("keep") == b"v"
    assert c.delete("keep") == 1  # DEL is not denyoom: it frees memory
    assert c.dbsize() == 0
    c.config_set("maxmemory", 0)
    assert c.set("new", "v") is True


def test_oom_in_multi_and_exec(c, kora2):
    m = make_client(kora2.port, single_connection_client=True)
    assert m.execute_command("MULTI") == b"OK"
    m.execute_command("SET", "x", 1)  # QUEUED (redis-py's SET callback makes it False)
    assert m.execute_command("GET", "x") == b"QUEUED"
    c.config_set("maxmemory", 1)
    with pytest.raises(redis.ResponseError, match="Transaction discarded because of: OOM command not"):
        m.execute_command("EXEC")
    # Queued while out of memory: every command is refused, and EXEC aborts.
    assert m.execute_command("MULTI") == b"OK"
    with pytest.raises(redis.ResponseError, match="^OOM"):
        m.execute_command("GET", "x")
    with pytest.raises(redis.ResponseError, match="Transaction discarded because of previous errors"):
        m.execute_command("EXEC")
    # A block of reads runs.
    c.config_set("maxmemory", 0)
    assert m.execute_command("MULTI") == b"OK"
    assert m.execute_command("GET", "x") == b"QUEUED"
    c.config_set("maxmemory", 1)
    assert m.execute_command("EXEC") == [None]
    c.config_set("maxmemory", 0)
    m.close()


def test_config_set_maxmemory_evicts_and_notifies(c, kora2):
    c.config_set("notify-keyspace-events", "Ee")
    try:
        c.config_set("maxmemory-policy", "allkeys-random")
        sub = make_client(kora2.port).pubsub()
        sub.psubscribe("__keyevent@0__:evicted")
        assert sub.get_message(timeout=2)["type"] == "psubscribe"
        for i in range(50):
            c.set(f"k{i}", "v" * 50)
        before = int(c.info("stats")["evicted_keys"])
        c.config_set("maxmemory", 1)
        assert c.dbsize() == 0
        assert int(c.info("stats")["evicted_keys"]) == before + 50
        seen = set()
        deadline = time.time() + 5
        while len(seen) < 50 and time.time() < deadline:
            m = sub.get_message(timeout=1)
            if m and m["type"] == "pmessage":
                seen.add(m["data"])
        assert seen == {f"k{i}".encode() for i in range(50)}
        # Nothing left to evict: writes are refused.
        with pytest.raises(redis.ResponseError, match="OOM"):
            c.set("more", "v")
        sub.close()
    finally:
        c.config_set("notify-keyspace-events", "")


def test_volatile_policy_keeps_persistent_keys(c):
    base = used(c)
    c.config_set("maxmemory-policy", "volatile-lru")
    c.config_set("maxmemory", base + 4 * 1024 * 1024)
    for i in range(2000):
        c.set(f"p{i}", "v" * 100)
    errors = 0
    for i in range(60000):
        try:
            c.setex(f"t{i}", 1000, "v" * 100)
        except redis.ResponseError as e:
            assert "OOM" in str(e)
            errors += 1
    assert int(c.info("stats")["evicted_keys"]) > 0
    assert all(v is not None for v in c.mget([f"p{i}" for i in range(2000)]))
