"""Lua scripting from real clients: redis-py's Lock (a Lua-scripted lock: acquire, extend,
release) under contention from several processes, a job-queue style script suite, and a
script moving values between keys on different shards while readers check that the sum
never changes (a script is atomic across shards: its declared keys' shards are lent to it).
Run at --workers 1 and 4 (conftest)."""

import multiprocessing
import threading
import time

import pytest
import redis

from bbutil import make_client


def _lock_worker(port, rounds, result_queue):
    c = make_client(port)
    done = 0
    for _ in range(rounds):
        lock = c.lock("resource-lock", timeout=5, blocking_timeout=10)
        assert lock.acquire()
        try:
            # The critical section: a read-modify-write that loses updates if two
            # holders ever overlap.
            v = int(c.get("protected") or 0)
            c.set("protected", v + 1)
            assert lock.extend(1)
            assert lock.owned()
        finally:
            lock.release()
        done += 1
    result_queue.put(done)


def test_redis_py_lock_under_contention(kora):
    r = make_client(kora.port)
    r.flushall()
    procs, rounds = 4, 40
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=_lock_worker, args=(kora.port, rounds, q)) for _ in range(procs)]
    for p in ps:
        p.start()
    for p in ps:
        p.join(60)
        assert p.exitcode == 0
    assert sum(q.get() for _ in ps) == procs * rounds
    assert int(r.get("protected")) == procs * rounds
    assert r.exists("resource-lock") == 0


def test_redis_py_lock_semantics(kora):
    r = make_client(kora.port)
    r.flushall()
    a = r.lock("L", timeout=10)
    b = r.lock("L", timeout=10, blocking=False)
    assert a.acquire()
    assert not b.acquire()
    with pytest.raises(redis.exceptions.LockError):  # b never held it
        b.release()
    stolen = r.lock("L", timeout=10)
    stolen.local.token = b"not-the-owner"
    with pytest.raises(redis.exceptions.LockNotOwnedError):  # the release script refuses
        stolen.release()
    assert a.extend(5)
    assert 10 < r.pttl("L") <= 15000
    assert a.reacquire()
    a.release()
    assert b.acquire()
    b.release()


# A job queue in the style of BullMQ / Sidekiq extensions: move a job from the waiting
# list to the active list and stamp it in a hash, atomically; complete it; requeue stale.
PUSH = """
local id = redis.call('incr', KEYS[1])
redis.call('hset', KEYS[2] .. id, 'payload', ARGV[1], 'state', 'waiting')
redis.call('rpush', KEYS[3], id)
return id
"""
TAKE = """
local id = redis.call('lmove', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
if not id then return false end
redis.call('hset', KEYS[3] .. id, 'state', 'active', 'worker', ARGV[1])
return id
"""
DONE = """
if redis.call('lrem', KEYS[1], 1, ARGV[1]) == 0 then
  return redis.error_reply('NOTACTIVE job ' .. ARGV[1] .. ' is not active')
end
redis.call('hset', KEYS[2] .. ARGV[1], 'state', 'done')
return redis.call('incr', KEYS[3])
"""


def test_job_queue_scripts(kora):
    r = make_client(kora.port)
    r.flushall()
    # All the queue's keys share one hash tag: the job hashes are reached by a
    # prefix, so they must live on the declared keys' shard.
    keys = ["{q}:seq", "{q}:job:", "{q}:wait", "{q}:active", "{q}:done"]
    push = r.register_script(PUSH)
    take = r.register_script(TAKE)
    done = r.register_script(DONE)
    for i in range(50):
        assert push(keys=[keys[0], keys[1], keys[2]], args=[f"payload-{i}"]) == i + 1
    taken = []

    def worker(name):
        c = make_client(kora.port)
        t = c.register_script(TAKE)
        d = c.register_script(DONE)
        while True:
            jid = t(keys=[keys[2], keys[3], keys[1]], args=[name])
            if jid is None:
                return
            taken.append(int(jid))
            d(keys=[keys[3], keys[1], keys[4]], args=[jid])

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(taken) == list(range(1, 51))
    assert int(r.get(keys[4])) == 50
    assert r.llen(keys[3]) == 0
    assert r.hget(keys[1] + "7", "state") == b"done"
    with pytest.raises(redis.exceptions.ResponseError, match="NOTACTIVE job 7 is not active"):
        done(keys=[keys[3], keys[1], keys[4]], args=["7"])
    assert take(keys=[keys[2], keys[3], keys[1]], args=["late"]) is None


TRANSFER = """
local from = tonumber(redis.call('get', KEYS[1]))
local amount = tonumber(ARGV[1])
if from < amount then return 0 end
redis.call('decrby', KEYS[1], amount)
redis.call('incrby', KEYS[2], amount)
return 1
"""
SUM = """
local total = 0
for _, k in ipairs(KEYS) do total = total + tonumber(redis.call('get', k)) end
return total
"""
ACCOUNTS = [f"acct:{i}" for i in range(8)]  # no hash tags: they spread over the shards


def test_cross_shard_transfers_keep_the_sum(kora):
    r = make_client(kora.port)
    r.flushall()
    r.mset({k: 1000 for k in ACCOUNTS})
    stop = threading.Event()
    errors = []

    def mover(seed):
        c = make_client(kora.port)
        t = c.register_script(TRANSFER)
        n = len(ACCOUNTS)
        for i in range(400):
            a = ACCOUNTS[(seed + i) % n]
            b = ACCOUNTS[(seed * 3 + i * 5 + 1) % n]
            if a != b:
                t(keys=[a, b], args=[(i % 7) + 1])

    def reader():
        c = make_client(kora.port)
        s = c.register_script(SUM)
        while not stop.is_set():
            try:
                total = s(keys=ACCOUNTS)
                if total != 8000:
                    errors.append(f"script saw {total}")
                with c.pipeline() as p:  # MULTI/EXEC across shards too
                    for k in ACCOUNTS:
                        p.get(k)
                    vals = p.execute()
                if sum(int(v) for v in vals) != 8000:
                    errors.append(f"EXEC saw {sum(int(v) for v in vals)}")
                mget = c.mget(ACCOUNTS)
                if sum(int(v) for v in mget) != 8000:
                    errors.append(f"MGET saw {sum(int(v) for v in mget)}")
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

    readers = [threading.Thread(target=reader) for _ in range(2)]
    movers = [threading.Thread(target=mover, args=(s,)) for s in range(4)]
    for t in readers + movers:
        t.start()
    for t in movers:
        t.join(30)
    stop.set()
    for t in readers:
        t.join(10)
    assert not errors, errors[:5]
    assert sum(int(v) for v in r.mget(ACCOUNTS)) == 8000


def test_undeclared_key_on_another_shard(kora):
    r = make_client(kora.port)
    r.flushall()
    # With one worker every key is local; with several, some key of these is not on the
    # shard of 'anchor' and touching it undeclared is refused.
    script = "return redis.call('set', ARGV[1], 'x')"
    refused = 0
    for i in range(32):
        try:
            r.eval(script, 1, "anchor", f"other{i}")
        except redis.exceptions.ResponseError as e:
            assert "non local key" in str(e)
            refused += 1
    if kora.workers == 1:
        assert refused == 0
    else:
        assert refused > 0
    r.config_set("allow-undeclared-keys", "yes")
    try:
        for i in range(32):
            assert r.eval(script, 1, "anchor", f"other{i}") == b"OK"
        assert r.eval(script, 0, "keyless") == b"OK"
    finally:
        r.config_set("allow-undeclared-keys", "no")
    assert r.get("keyless") == b"x"


def _start_busy(port, workers, call):
    """Connects 4 clients per worker (so some share the script's worker), then starts
    `call(client)` — an endless script — in a thread. Returns (clients, thread, result):
    result["err"] gets the script's error reply once it is killed."""
    others = [redis.Redis(port=port, socket_timeout=5) for _ in range(4 * workers)]
    for o in others:
        assert o.ping()
    result = {}

    def run():
        c = make_client(port)
        try:
            call(c)
        except redis.exceptions.ResponseError as e:
            result["err"] = str(e)

    t = threading.Thread(target=run)
    t.start()
    return others, t, result


def test_busy_script_and_script_kill(kora):
    """A script past busy-reply-threshold makes every other client get -BUSY, those on
    the script's own worker too (its hook answers them, as Redis's does), SCRIPT KILL
    from any of them stops it, and every client works afterwards. The clients connect
    before the script starts, so some share its worker."""
    r = make_client(kora.port)
    r.flushall()
    r.config_set("busy-reply-threshold", "100")
    others, t, result = _start_busy(kora.port, kora.workers,
                                    lambda c: c.eval("local i = 0; while true do i = i + 1 end", 0))
    deadline = time.time() + 10
    busy = set()
    while len(busy) < len(others) and time.time() < deadline:
        for n, o in enumerate(others):
            try:
                o.ping()
            except redis.exceptions.ResponseError as e:
                assert str(e).startswith("BUSY Redis is busy running a script")
                busy.add(n)
        time.sleep(0.05)
    assert len(busy) == len(others), "a client was not answered while the script ran"
    assert others[-1].script_kill()
    t.join(10)
    assert "Script killed by user with SCRIPT KILL" in result.get("err", "")
    for o in others:
        assert o.ping()
    r.config_set("busy-reply-threshold", "5000")


def test_function_stats_and_kill_while_busy(kora):
    """FUNCTION STATS shows the running function to any client while it is busy, and
    FUNCTION KILL stops it; SCRIPT KILL names the other kind's error."""
    r = make_client(kora.port)
    r.config_set("busy-reply-threshold", "50")
    r.function_load("#!lua name=busylib\nredis.register_function('spin', function() "
                    "local a = 1 while true do a = a + 1 end end)", replace=True)
    others, t, result = _start_busy(kora.port, kora.workers, lambda c: c.fcall("spin", 0))
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            others[0].ping()
        except redis.exceptions.ResponseError:
            break
        time.sleep(0.05)
    for o in others:
        stats = o.execute_command("FUNCTION", "STATS")
        running = stats[1]
        assert running[1] == b"spin" and running[3] == [b"FCALL", b"spin", b"0"]  # as sent
        with pytest.raises(redis.exceptions.ResponseError, match="BUSY"):
            o.execute_command("SCRIPT", "KILL")
    assert others[0].execute_command("FUNCTION", "KILL") == b"OK"
    t.join(10)
    assert "killed" in result.get("err", "")
    assert r.execute_command("FUNCTION", "DELETE", "busylib") == b"OK"
    r.config_set("busy-reply-threshold", "5000")
