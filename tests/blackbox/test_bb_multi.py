"""MULTI/EXEC from real clients: redis-py's default pipeline (transaction=True) and
atomicity across shards under concurrency."""

import threading

from bbutil import make_client


def test_redis_py_transactional_pipeline(kora):
    r = make_client(kora.port)
    r.flushall()
    with r.pipeline() as p:  # transaction=True is redis-py's default
        p.set("a", 1).incr("a").rpush("l", "x", "y").mset({"b": 2, "c": 3}).mget("a", "b", "c")
        assert p.execute() == [True, 2, 2, True, [b"2", b"2", b"3"]]
    with r.pipeline() as p:
        p.set("d", 1).lpush("d", "x")  # WRONGTYPE inside EXEC: the others still run
        results = p.execute(raise_on_error=False)
        assert results[0] is True and "WRONGTYPE" in str(results[1])


# Four pairs of keys: with 4 workers some pairs certainly span two shards.
PAIRS = [("x1", "y1"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4")]
KEYS = [k for pair in PAIRS for k in pair]


def test_exec_blocks_are_atomic_across_shards(kora):
    writer_client = make_client(kora.port)
    writer_client.mset({k: 0 for k in KEYS})
    stop = threading.Event()
    errors = []

    def writer():
        c = make_client(kora.port)
        for _ in range(500):
            with c.pipeline() as p:
                for k in KEYS:
                    p.incr(k)
                p.execute()
        stop.set()

    def reader():
        c = make_client(kora.port)
        while not stop.is_set():
            with c.pipeline() as p:
                for k in KEYS:
                    p.get(k)
                values = p.execute()
            if len(set(values)) != 1:
                errors.append(("multi", values))
            values = c.mget(KEYS)
            if len(set(values)) != 1:
                errors.append(("mget", values))

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:5]
    assert writer_client.mget(KEYS) == [b"500"] * len(KEYS)
