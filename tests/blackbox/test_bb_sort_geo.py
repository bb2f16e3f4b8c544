"""SORT with BY/GET patterns whose keys live on other shards, under concurrent
writers: the pattern keys are read while their shards are lent to the command,
so a SORT sees every MULTI of the writers whole; and geo STORE across shards."""

import threading

from bbutil import make_client, raw_command

ELEMENTS = [str(i) for i in range(1, 9)]


def test_sort_patterns_read_other_shards_atomically(kora):
    c = make_client(kora.port)
    c.flushall()
    c.rpush("sortme", *ELEMENTS)
    # w_i and o_i are untagged: with 4 workers they are spread over every shard.
    c.mset({f"w_{e}": 0 for e in ELEMENTS})
    c.mset({f"o_{e}": 0 for e in ELEMENTS})
    stop = threading.Event()
    errors = []

    def writer():
        w = make_client(kora.port)
        for n in range(1, 300):
            with w.pipeline() as p:  # MULTI/EXEC: every weight and object moves together
                for e in ELEMENTS:
                    p.set(f"w_{e}", n * 100 - int(e) if n % 2 else n * 100 + int(e))
                    p.set(f"o_{e}", n)
                p.execute()
        stop.set()

    def reader():
        rd = make_client(kora.port)
        while not stop.is_set():
            rows = rd.sort("sortme", by="w_*", get=["#", "o_*"])
            order = rows[0::2]
            generations = set(rows[1::2])
            if len(generations) != 1:
                errors.append(("torn read", rows))
                return
            n = int(generations.pop())
            want = ELEMENTS[::-1] if n % 2 else ELEMENTS
            if n > 0 and [x.decode() for x in order] != want:
                errors.append(("order", n, order))
                return

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    # STORE to an untagged destination, and SORT_RO.
    assert c.sort("sortme", by="w_*", get="o_*", store="elsewhere") == len(ELEMENTS)
    assert c.lrange("elsewhere", 0, -1) == [b"299"] * len(ELEMENTS)
    assert c.execute_command("SORT_RO", "sortme", "BY", "nosort", "GET", "o_*", "LIMIT", "0", "2") == [b"299", b"299"]


def test_geo_store_across_shards(kora):
    c = make_client(kora.port)
    c.flushall()
    c.geoadd("places", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"])
    for i in range(20):
        dst = f"dst{i}"
        assert raw_command(c, "GEOSEARCHSTORE", dst, "places", "FROMLONLAT", 15, 37,
                           "BYRADIUS", 200, "km", "STOREDIST") == 2
        assert raw_command(c, "GEORADIUS", "places", 15, 37, 200, "km", "STORE", dst + "r") == 2
        assert c.zrange(dst + "r", 0, -1) == [b"Palermo", b"Catania"]
    assert abs(c.zscore("dst0", "Catania") - 56.441257870158204) < 1e-9
