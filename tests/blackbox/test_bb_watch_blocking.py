"""WATCH, blocking list commands and the observability commands from real clients,
under concurrency, against kora-cli with 4 workers (keys without hash tags land on
different shards):

  * MULTI/EXEC transfers between accounts on different shards while readers check,
    inside MULTI/EXEC, that the total never changes;
  * WATCH-based optimistic increments (retry on WatchError) from many clients end
    at the exact count, with every successful EXEC based on a distinct read;
  * producers pushing to several lists while consumers blocked in BLPOP / BRPOP /
    BLMPOP / BLMOVE (multi-key) take them: every element exactly once;
  * INFO commandstats / errorstats / latencystats, SLOWLOG and LATENCY: format and
    counts as redis-py reads them, and CONFIG RESETSTAT / SLOWLOG RESET clearing them.

Byte-exact replies of the same commands are compared with redis-server in
tests/differential (test_diff_blocking.py, cases/watch*.txt, cases/blocking_lists.txt,
cases/slowlog_latency.txt).
"""

import collections
import random
import re
import threading
import time

import pytest
import redis

import servers
from bbutil import make_client, raw_command

THREAD_JOIN = 25.0  # seconds; the per-test watchdog (conftest) is 30


@pytest.fixture(scope="module", params=[4], ids=["w4"])
def kora(request):
    """This module runs against 4 workers only (overrides conftest's w1/w4 fixture)."""
    srv = servers.start_kora(request.param)
    yield srv
    srv.stop()


def run_threads(targets):
    """Start one thread per callable; join them all; return the exceptions raised."""
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:  # reported by the test, not lost in the thread
                errors.append(e)
        return run

    threads = [threading.Thread(target=wrap(fn), daemon=True) for fn in targets]
    for t in threads:
        t.start()
    deadline = time.monotonic() + THREAD_JOIN
    for t in threads:
        t.join(timeout=max(0.1, deadline - time.monotonic()))
    stuck = sum(t.is_alive() for t in threads)
    if stuck:
        errors.append(AssertionError(f"{stuck} thread(s) still running after {THREAD_JOIN}s"))
    return errors


# ---------------------------------------------------------------------------
# (a) MULTI/EXEC transfers across shards


ACCOUNTS = [f"acct:{i}" for i in range(8)]
INITIAL = 1000


def test_transfers_keep_total_constant(kora, r):
    r.mset({a: INITIAL for a in ACCOUNTS})
    total = INITIAL * len(ACCOUNTS)
    writers_done = threading.Event()
    deltas = collections.Counter()
    deltas_lock = threading.Lock()
    bad_totals = []
    reads = [0]

    def writer(seed, n=300):
        rnd = random.Random(seed)
        c = make_client(kora.port)
        local = collections.Counter()
        for _ in range(n):
            src, dst = rnd.sample(ACCOUNTS, 2)
            amount = rnd.randint(1, 50)
            with c.pipeline() as p:  # MULTI ... EXEC
                p.decrby(src, amount).incrby(dst, amount)
                if rnd.random() < 0.3:  # a three-way transfer now and then
                    third = rnd.choice([a for a in ACCOUNTS if a not in (src, dst)])
                    p.incrby(third, 1).decrby(dst, 1)
                    local[third] += 1
                    local[dst] -= 1
                p.execute()
            local[src] -= amount
            local[dst] += amount
        with deltas_lock:
            deltas.update(local)
        c.close()

    def reader():
        c = make_client(kora.port)
        while not writers_done.is_set():
            with c.pipeline() as p:
                for a in ACCOUNTS:
                    p.get(a)
                values = p.execute()
            s = sum(int(v) for v in values)
            reads[0] += 1
            if s != total:
                bad_totals.append((s, values))
        c.close()

    def writers():
        try:
            errs = run_threads([lambda s=s: writer(s) for s in range(4)])
            if errs:
                raise errs[0]
        finally:
            writers_done.set()

    errors = run_threads([writers, reader, reader])
    assert not errors, errors[:3]
    assert not bad_totals, f"{len(bad_totals)} reads saw a wrong total, e.g. {bad_totals[:3]}"
    assert reads[0] > 0
    final = {a: int(v) for a, v in zip(ACCOUNTS, r.mget(ACCOUNTS))}
    assert sum(final.values()) == total
    assert final == {a: INITIAL + deltas[a] for a in ACCOUNTS}, "a transfer was lost or applied twice"


# ---------------------------------------------------------------------------
# (b) WATCH-based optimistic increments


def watched_increment(client, keys, stats):
    """WATCH keys; read them; MULTI; SET each to its value + 1; EXEC. Retry on
    WatchError (EXEC returned nil). Returns the values written."""
    with client.pipeline() as p:
        while True:
            try:
                p.watch(*keys)
                values = [int(p.get(k) or 0) for k in keys]
                p.multi()
                for k, v in zip(keys, values):
                    p.set(k, v + 1)
                p.execute()
                return [v + 1 for v in values]
            except redis.WatchError:
                stats["retries"] += 1


def test_watch_optimistic_increments_single_key(kora, r):
    clients, per_client = 8, 40
    written = []
    lock = threading.Lock()
    stats = collections.Counter()

    def worker():
        c = make_client(kora.port)
        mine = [watched_increment(c, ["counter"], stats)[0] for _ in range(per_client)]
        with lock:
            written.extend(mine)
        c.close()

    errors = run_threads([worker] * clients)
    assert not errors, errors[:3]
    n = clients * per_client
    assert int(r.get("counter")) == n
    # every successful EXEC wrote a value no other EXEC wrote: none was based on a stale read
    assert sorted(written) == list(range(1, n + 1))


def test_watch_optimistic_increments_across_shards(kora, r):
    keys = [f"wk:{c}" for c in "abcde"]  # no hash tags: spread over the 4 shards
    clients, per_client = 6, 30
    written = []
    lock = threading.Lock()
    stats = collections.Counter()

    def worker():
        c = make_client(kora.port)
        mine = []
        for _ in range(per_client):
            values = watched_increment(c, keys, stats)
            assert len(set(values)) == 1, f"watched keys out of step: {values}"
            mine.append(values[0])
        with lock:
            written.extend(mine)
        c.close()

    errors = run_threads([worker] * clients)
    assert not errors, errors[:3]
    n = clients * per_client
    assert r.mget(keys) == [str(n).encode()] * len(keys)
    assert sorted(written) == list(range(1, n + 1))


def test_watch_aborts_on_concurrent_write_and_unwatch_clears(kora, r):
    a = make_client(kora.port)
    b = make_client(kora.port)
    r.set("k", 1)
    with a.pipeline() as p:
        p.watch("k")
        b.set("k", 2)  # another connection writes the watched key
        p.multi()
        p.set("k", 3)
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("k") == b"2"
    with a.pipeline() as p:
        p.watch("k")
        b.get("k")  # a read does not count
        p.multi()
        p.set("k", 4)
        assert p.execute() == [True]
    with a.pipeline() as p:
        p.watch("k")
        p.unwatch()
        b.set("k", 5)
        p.multi()
        p.set("k", 6)
        assert p.execute() == [True]
    assert r.get("k") == b"6"


# ---------------------------------------------------------------------------
# (c) producers and blocked consumers


QUEUES = [f"queue:{i}" for i in range(4)]
STAGING = "queue:staging"


def test_blocking_consumers_get_every_element_once(kora, r):
    producers, per_producer = 3, 400
    produced = [f"p{p}:{i}" for p in range(producers) for i in range(per_producer)]
    consumed = []  # (consumer, element) of every element taken out for good
    moved = []  # elements BLMOVEd to STAGING (taken out for good by the staging consumer)
    lock = threading.Lock()
    stop = threading.Event()

    def producer(pid):
        c = make_client(kora.port)
        rnd = random.Random(pid)
        i = 0
        while i < per_producer:
            batch = [f"p{pid}:{j}" for j in range(i, min(per_producer, i + rnd.randint(1, 3)))]
            i += len(batch)
            key = rnd.choice(QUEUES)
            (c.rpush if rnd.random() < 0.5 else c.lpush)(key, *batch)
            if rnd.random() < 0.1:
                time.sleep(0.002)  # let consumers block now and then
        c.close()

    def take(name, reply_elements):
        with lock:
            consumed.extend((name, e.decode()) for e in reply_elements)

    def blpop_consumer(name, keys, right=False):
        c = make_client(kora.port)
        while True:
            reply = (c.brpop if right else c.blpop)(keys, timeout=0.2)
            if reply is None:
                if stop.is_set():
                    break
                continue
            key, element = reply
            assert key.decode() in keys, reply
            take(name, [element])
        c.close()

    def blmpop_consumer(name):
        c = make_client(kora.port)
        while True:
            reply = c.execute_command("BLMPOP", 0.2, len(QUEUES), *QUEUES, "LEFT", "COUNT", 3)
            if reply is None:
                if stop.is_set():
                    break
                continue
            key, elements = reply
            assert key.decode() in QUEUES and 1 <= len(elements) <= 3, reply
            take(name, elements)
        c.close()

    def blmove_consumer():
        c = make_client(kora.port)
        i = 0
        while True:
            src = QUEUES[i % len(QUEUES)]
            i += 1
            element = c.blmove(src, STAGING, 0.1, "RIGHT", "LEFT")
            if element is None:
                if stop.is_set() and i % len(QUEUES) == 0:
                    break
                continue
            with lock:
                moved.append(element.decode())
        c.close()

    def stopper():
        # once the producers are done and every list is drained, let the consumers go
        deadline = time.monotonic() + 15
        c = make_client(kora.port)
        while not producers_done.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        while time.monotonic() < deadline:
            if sum(c.llen(k) for k in QUEUES + [STAGING]) == 0:
                break
            time.sleep(0.05)
        stop.set()
        c.close()

    producers_done = threading.Event()

    def all_producers():
        try:
            errs = run_threads([lambda p=p: producer(p) for p in range(producers)])
            if errs:
                raise errs[0]
        finally:
            producers_done.set()

    errors = run_threads([
        all_producers, stopper,
        lambda: blpop_consumer("blpop1", QUEUES),
        lambda: blpop_consumer("blpop2", list(reversed(QUEUES))),
        lambda: blpop_consumer("brpop", QUEUES[1:] + QUEUES[:1], right=True),
        lambda: blmpop_consumer("blmpop"),
        blmove_consumer,
        lambda: blpop_consumer("staging", [STAGING]),
    ])
    assert not errors, errors[:3]

    leftovers = [e.decode() for k in QUEUES + [STAGING] for e in r.lrange(k, 0, -1)]
    assert leftovers == [], "the lists were not drained"
    taken = [e for _, e in consumed]
    counts = collections.Counter(taken)
    duplicates = {e: n for e, n in counts.items() if n > 1}
    assert not duplicates, f"delivered more than once: {list(duplicates.items())[:10]}"
    missing = set(produced) - set(taken)
    assert not missing, f"{len(missing)} elements lost, e.g. {sorted(missing)[:10]}"
    assert set(taken) == set(produced)
    # everything BLMOVEd to the staging list was then taken from there
    from_staging = {e for who, e in consumed if who == "staging"}
    assert from_staging == set(moved)
    assert len(moved) == len(set(moved))
    by_consumer = collections.Counter(who for who, _ in consumed)
    assert sum(by_consumer.values()) == len(produced)


def wait_blocked(client, n, timeout=5.0):
    """Poll INFO clients until blocked_clients is n."""
    deadline = time.monotonic() + timeout
    while True:
        got = int(client.info("clients")["blocked_clients"])
        if got == n:
            return
        assert time.monotonic() < deadline, f"blocked_clients:{got}, waited for {n}"
        time.sleep(0.005)


def test_multi_key_blpop_wakes_on_any_key(kora, r):
    """A BLPOP on four keys (on different shards) is woken by a push to any of them."""
    waiter = make_client(kora.port)
    pusher = make_client(kora.port)
    for target in QUEUES:
        result = []
        t = threading.Thread(target=lambda: result.append(waiter.blpop(QUEUES, timeout=5)))
        t.start()
        wait_blocked(r, 1)
        pusher.rpush(target, f"to-{target}")
        t.join(timeout=10)
        assert not t.is_alive()
        assert result == [(target.encode(), f"to-{target}".encode())]
        wait_blocked(r, 0)
    assert r.exists(*QUEUES) == 0
    waiter.close()
    pusher.close()


# ---------------------------------------------------------------------------
# (d) INFO commandstats / errorstats / latencystats, SLOWLOG, LATENCY

CMDSTAT_RE = re.compile(r"^cmdstat_(?P<cmd>[a-z_|-]+):calls=(?P<calls>\d+),usec=(?P<usec>\d+),"
                        r"usec_per_call=(?P<usec_per_call>\d+\.\d{2}),"
                        r"rejected_calls=(?P<rejected_calls>\d+),failed_calls=(?P<failed_calls>\d+)$")
ERRSTAT_RE = re.compile(r"^errorstat_(?P<prefix>[A-Z]+):count=(?P<count>\d+)$")
LATSTAT_RE = re.compile(r"^latency_percentiles_usec_(?P<cmd>[a-z_|-]+):p50=(?P<p50>\d+\.\d{3}),"
                        r"p99=(?P<p99>\d+\.\d{3}),p99\.9=(?P<p999>\d+\.\d{3})$")


def info_section(client, section, regex, header):
    """The lines of one INFO section (raw text), each matched by `regex`; returns
    {first group: match}."""
    text = raw_command(client, "INFO", section).decode()
    lines = [ln for ln in text.split("\r\n") if ln]
    assert lines and lines[0] == header, text
    out = {}
    for ln in lines[1:]:
        m = regex.match(ln)
        assert m, f"INFO {section}: line not in Redis' format: {ln!r}"
        out[m.group(1)] = m
    return out


def provoke_errors(c):
    """3 errors with the ERR prefix, 2 WRONGTYPE (str:1 and str:2 must hold strings)."""
    assert c.append("word", "abc") == 3
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.execute_command("SET", "only-key")  # rejected: arity
    with pytest.raises(redis.ResponseError, match="not an integer"):
        c.execute_command("INCR", "word")  # failed: runs and returns an error
    with pytest.raises(redis.ResponseError, match="unknown command"):
        c.execute_command("NOSUCHCOMMAND", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        c.lpush("str:1", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        c.lpush("str:2", "x")


@pytest.fixture
def stats_client(kora, r):
    """A client on a server whose stats were just reset; slowlog settings restored after."""
    c = make_client(kora.port)
    assert c.config_resetstat() is True
    yield c
    c.config_set("slowlog-log-slower-than", 10000)
    c.config_set("slowlog-max-len", 128)
    c.slowlog_reset()
    c.close()


def test_commandstats_format_and_counts(kora, stats_client):
    c = stats_client
    threads, sets_each = 4, 100

    def setter(t):
        cc = make_client(kora.port)
        for i in range(sets_each):
            cc.set(f"str:{(t * sets_each + i) % 50}", i)  # 50 keys over the 4 shards
        cc.close()

    errors = run_threads([lambda t=t: setter(t) for t in range(threads)])
    assert not errors, errors[:3]
    for _ in range(3):
        c.get("str:1")
    provoke_errors(c)
    with c.pipeline() as p:  # commands inside EXEC count as calls of their own
        p.set("str:3", "x").get("str:3")
        p.execute()

    stats = info_section(c, "commandstats", CMDSTAT_RE, "# Commandstats")
    n_set = threads * sets_each + 1
    s = stats["set"]
    assert int(s["calls"]) == n_set
    assert int(s["rejected_calls"]) == 1
    assert int(s["failed_calls"]) == 0
    assert abs(float(s["usec_per_call"]) - int(s["usec"]) / int(s["calls"])) <= 0.01
    assert int(stats["get"]["calls"]) == 4
    assert (int(stats["incr"]["calls"]), int(stats["incr"]["failed_calls"])) == (1, 1)
    assert (int(stats["lpush"]["calls"]), int(stats["lpush"]["failed_calls"])) == (2, 2)
    assert int(stats["multi"]["calls"]) == 1 and int(stats["exec"]["calls"]) == 1
    assert int(stats["config|resetstat"]["calls"]) == 1
    assert "nosuchcommand" not in stats
    for m in stats.values():
        assert int(m["calls"]) >= 0 and int(m["usec"]) >= 0

    # the same section as redis-py parses it
    parsed = c.info("commandstats")
    assert parsed["cmdstat_set"]["calls"] == n_set
    assert parsed["cmdstat_set"]["rejected_calls"] == 1
    assert parsed["cmdstat_incr"]["failed_calls"] == 1
    assert set(parsed["cmdstat_set"]) == {"calls", "usec", "usec_per_call", "rejected_calls",
                                          "failed_calls"}

    errs = info_section(c, "errorstats", ERRSTAT_RE, "# Errorstats")
    assert {k: int(m["count"]) for k, m in errs.items()} == {"ERR": 3, "WRONGTYPE": 2}
    assert set(c.info("errorstats")) == {"errorstat_ERR", "errorstat_WRONGTYPE"}  # as redis-py reads it

    lat = info_section(c, "latencystats", LATSTAT_RE, "# Latencystats")
    for cmd in ("set", "get", "incr", "lpush"):
        assert cmd in lat, sorted(lat)
        m = lat[cmd]
        assert float(m["p50"]) <= float(m["p99"]) <= float(m["p999"])
    assert "nosuchcommand" not in lat

    # CONFIG RESETSTAT clears all three
    assert c.config_resetstat() is True
    stats = info_section(c, "commandstats", CMDSTAT_RE, "# Commandstats")
    assert sorted(stats) == ["config|resetstat"]
    assert int(stats["config|resetstat"]["calls"]) == 1
    assert info_section(c, "errorstats", ERRSTAT_RE, "# Errorstats") == {}
    lat = info_section(c, "latencystats", LATSTAT_RE, "# Latencystats")
    assert "set" not in lat and "lpush" not in lat


def test_slowlog_entries(kora, stats_client):
    c = stats_client
    me = make_client(kora.port)
    other = make_client(kora.port)
    me.client_setname("bb-me")
    other.client_setname("bb-other")
    my_addr = me.client_info()["addr"]
    other_addr = other.client_info()["addr"]

    assert c.config_set("slowlog-log-slower-than", 0) is True
    assert c.slowlog_reset() is True
    t0 = int(time.time())
    me.set("slow:a", "1")
    other.get("slow:a")
    me.execute_command("SET", "slow:big", "v" * 200)
    other.execute_command("RPUSH", "slow:list", *[str(i) for i in range(40)])
    t1 = int(time.time())

    entries = raw_command(c, "SLOWLOG", "GET", "-1")
    # SLOWLOG RESET is logged after it emptied the log; CONFIG SET and the client
    # setup came before it
    assert isinstance(entries, list) and len(entries) == 5, entries
    assert entries[-1][3] == [b"SLOWLOG", b"RESET"]
    ids = []
    for e in entries:
        assert isinstance(e, list) and len(e) == 6, e
        entry_id, ts, duration, argv, addr, name = e
        assert all(isinstance(x, int) for x in (entry_id, ts, duration)), e
        assert t0 - 2 <= ts <= t1 + 2, e
        assert duration >= 0
        assert isinstance(argv, list) and argv and all(isinstance(a, bytes) for a in argv), e
        assert re.fullmatch(rb"127\.0\.0\.1:\d+", addr), e
        assert isinstance(name, bytes)
        ids.append(entry_id)
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids), "newest first, unique ids"
    assert ids == list(range(ids[0], ids[0] - len(ids), -1)), "consecutive ids"

    def find(argv_head):
        hits = [e for e in entries if e[3][:len(argv_head)] == argv_head]
        assert len(hits) == 1, (argv_head, entries)
        return hits[0]

    e_set = find([b"SET", b"slow:a", b"1"])
    assert (e_set[4].decode(), e_set[5]) == (my_addr, b"bb-me")
    e_get = find([b"GET", b"slow:a"])
    assert (e_get[4].decode(), e_get[5]) == (other_addr, b"bb-other")
    assert e_get[0] > e_set[0]
    # long arguments are cut at 128 bytes, argument lists at 32 entries
    e_big = find([b"SET", b"slow:big"])
    assert e_big[3][2] == b"v" * 128 + b"... (72 more bytes)"
    e_list = find([b"RPUSH", b"slow:list"])
    assert len(e_list[3]) == 32
    assert e_list[3][:31] == [b"RPUSH", b"slow:list"] + [str(i).encode() for i in range(29)]
    assert e_list[3][31] == b"... (11 more arguments)"

    # the same through redis-py
    parsed = c.slowlog_get(100)
    assert [p["id"] for p in parsed] == [ids[0] + 1] + ids  # + the SLOWLOG GET -1
    p_set = next(p for p in parsed if p["id"] == e_set[0])
    assert p_set["command"] == b"SET slow:a 1"
    assert p_set["start_time"] == e_set[1] and p_set["duration"] == e_set[2]
    assert c.slowlog_len() == len(entries) + 2  # SLOWLOG GET -1 and SLOWLOG GET 100 themselves
    for _ in range(5):
        me.ping()
    default = raw_command(c, "SLOWLOG", "GET")  # the newest 10
    assert len(default) == 10
    assert [e[3] for e in default[:5]] == [[b"PING"]] * 5

    # CONFIG RESETSTAT leaves the slowlog alone; SLOWLOG RESET empties it
    assert c.config_resetstat() is True
    assert c.slowlog_len() > 0
    assert c.config_set("slowlog-log-slower-than", -1) is True
    assert c.slowlog_reset() is True
    me.set("slow:a", "2")
    assert c.slowlog_len() == 0
    assert raw_command(c, "SLOWLOG", "GET") == []

    # slowlog-max-len keeps the newest entries
    assert c.config_set("slowlog-max-len", 3) is True
    assert c.config_set("slowlog-log-slower-than", 0) is True
    for i in range(10):
        me.set("slow:n", i)
    assert c.config_set("slowlog-log-slower-than", -1) is True
    assert c.slowlog_len() == 3
    newest = raw_command(c, "SLOWLOG", "GET", "-1")
    # (the CONFIG SET that disabled logging is not logged: the threshold is read after the command)
    assert [e[3] for e in newest] == [[b"SET", b"slow:n", b"9"], [b"SET", b"slow:n", b"8"],
                                      [b"SET", b"slow:n", b"7"]]
    me.close()
    other.close()


def test_slowlog_from_many_connections(kora, stats_client):
    """Entries from clients on every worker land in the one log, none lost."""
    c = stats_client
    assert c.config_set("slowlog-max-len", 1000) is True
    assert c.config_set("slowlog-log-slower-than", 0) is True
    threads, each = 4, 25

    def worker(t):
        cc = make_client(kora.port)
        cc.client_setname(f"w{t}")
        for i in range(each):
            cc.set(f"many:{t}:{i}", i)
        cc.close()

    errors = run_threads([lambda t=t: worker(t) for t in range(threads)])
    assert c.config_set("slowlog-log-slower-than", -1) is True
    assert not errors, errors[:3]
    entries = raw_command(c, "SLOWLOG", "GET", "-1")
    sets = [e for e in entries if e[3][:1] == [b"SET"] and e[3][1].startswith(b"many:")]
    assert len(sets) == threads * each
    for e in sets:
        t = e[3][1].split(b":")[1]
        assert e[5] == b"w" + t, e
    ids = [e[0] for e in entries]
    assert len(set(ids)) == len(ids)


def test_latency_commands(kora, stats_client):
    c = stats_client
    for i in range(20):
        c.set(f"lat:{i}", i)
    c.get("lat:1")
    hist = raw_command(c, "LATENCY", "HISTOGRAM", "set", "get", "nosuchcommand")
    assert isinstance(hist, list) and len(hist) == 4, hist
    as_map = dict(zip(hist[::2], hist[1::2]))
    assert set(as_map) == {b"set", b"get"}
    for cmd, calls in ((b"set", 20), (b"get", 1)):
        body = as_map[cmd]
        assert body[0] == b"calls" and body[1] == calls and body[2] == b"histogram_usec", body
        buckets = body[3]
        bounds, counts = buckets[::2], buckets[1::2]
        assert bounds and bounds == sorted(bounds) and len(set(bounds)) == len(bounds)
        assert all(isinstance(b, int) and b >= 1 for b in bounds)
        assert counts == sorted(counts) and counts[-1] == calls, "cumulative counts"
    everything = raw_command(c, "LATENCY", "HISTOGRAM")
    names = set(everything[::2])
    assert {b"set", b"get", b"config|resetstat"} <= names
    assert c.config_resetstat() is True
    assert raw_command(c, "LATENCY", "HISTOGRAM", "set") == []

    # latency monitor: nothing recorded while latency-monitor-threshold is 0
    assert raw_command(c, "LATENCY", "RESET") == 0
    assert raw_command(c, "LATENCY", "LATEST") == []
    assert raw_command(c, "LATENCY", "HISTORY", "command") == []
    doctor = raw_command(c, "LATENCY", "DOCTOR")
    assert isinstance(doctor, bytes) and doctor
    with pytest.raises(redis.ResponseError, match="No samples available for event 'command'"):
        raw_command(c, "LATENCY", "GRAPH", "command")
