"""Pipelining, concurrent clients, protocol errors and abrupt disconnects."""

import random
import socket
import struct
import threading
import time

import pytest
import redis

import resp
from bbutil import make_client


class Model:
    """Just enough of Redis string semantics to predict replies (no TTLs)."""

    def __init__(self):
        self.d = {}

    def run(self, cmd, *args):
        d = self.d
        if cmd == "SET":
            d[args[0]] = args[1]
            return True
        if cmd == "GET":
            return d.get(args[0])
        if cmd == "INCR" or cmd == "INCRBY":
            v = int(d.get(args[0], b"0")) + (int(args[1]) if cmd == "INCRBY" else 1)
            d[args[0]] = str(v).encode()
            return v
        if cmd == "APPEND":
            d[args[0]] = d.get(args[0], b"") + args[1]
            return len(d[args[0]])
        if cmd == "STRLEN":
            return len(d.get(args[0], b""))
        if cmd == "DEL":
            return sum(1 for k in set(args) if d.pop(k, None) is not None)
        if cmd == "EXISTS":
            return sum(1 for k in args if k in d)
        if cmd == "MGET":
            return [d.get(k) for k in args]
        if cmd == "MSET":
            for k, v in zip(args[::2], args[1::2]):
                d[k] = v
            return True
        raise AssertionError(cmd)


def canonical_int(v):
    try:
        return str(int(v)).encode() == v
    except ValueError:
        return False


def test_pipeline_1000_mixed_commands(r):
    rnd = random.Random(1234)
    keys = [f"pk:{i}".encode() for i in range(60)] + [f"{{pt}}{i}".encode() for i in range(10)]
    model = Model()
    pipe = r.pipeline(transaction=False)
    expected = []
    for i in range(1000):
        k = rnd.choice(keys)
        op = rnd.choice(["SET", "GET", "INCR", "INCRBY", "APPEND", "STRLEN", "DEL", "EXISTS",
                         "MGET", "MSET"])
        if op == "SET":
            args = (k, f"v{i}".encode() if rnd.random() < 0.5 else str(i).encode())
        elif op == "INCRBY":
            args = (k, str(rnd.randint(-100, 100)).encode())
        elif op == "APPEND":
            args = (k, b"\x00\r\n" if rnd.random() < 0.3 else b"7")
        elif op in ("DEL", "EXISTS", "MGET"):
            args = tuple(rnd.choice(keys) for _ in range(rnd.randint(1, 8)))
        elif op == "MSET":
            args = tuple(x for _ in range(rnd.randint(1, 6)) for x in (rnd.choice(keys), str(i).encode()))
        else:
            args = (k,)
        if op in ("INCR", "INCRBY") and not canonical_int(model.d.get(k, b"0")):
            op, args = "GET", (k,)  # would be an error reply; keep the model simple
        expected.append((i, op, args, model.run(op, *args)))
        pipe.execute_command(op, *args)
    results = pipe.execute(raise_on_error=False)
    assert len(results) == 1000
    for (i, op, args, want), got in zip(expected, results):
        assert got == want, f"pipelined #{i} {op} {args}: expected {want!r}, got {got!r}"
    # the connection and the data are fine afterwards
    assert r.mget(keys) == [model.d.get(k) for k in keys]
    assert r.dbsize() == len(model.d)


def test_pipeline_then_more_commands_on_same_connection(kora, r):
    """A write holding multi-shard commands followed by more commands, then a later write:
    every reply arrives, in order."""
    with resp.RespConn(kora.port, timeout=5) as c:
        c.command("MSET", "a", "1", "b", "2", "c", "3", "d", "4")
        for _ in range(20):
            c.send(resp.encode("MGET", "a", "b", "c", "d") + resp.encode("GET", "a")
                   + resp.encode("DBSIZE") + resp.encode("EXISTS", "a", "b", "c"))
            assert c.read_reply().raw == b"*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"
            assert c.read_reply().raw == b"$1\r\n1\r\n"
            assert c.read_reply().raw == b":4\r\n"
            assert c.read_reply().raw == b":3\r\n"
            assert c.command("PING").raw == b"+PONG\r\n"
            assert c.command("GET", "b").raw == b"$1\r\n2\r\n"


def test_pipeline_split_at_every_byte(kora, r):
    """A pipeline delivered in 1-byte writes still yields the right replies."""
    data = (resp.encode("SET", "{s}x", "a\r\nb") + resp.encode("GET", "{s}x")
            + resp.encode("MGET", "{s}x", "nope", "other") + b"PING\r\n")
    with resp.RespConn(kora.port, timeout=5) as c:
        for i in range(len(data)):
            c.send(data[i:i + 1])
        assert c.read_reply().raw == b"+OK\r\n"
        assert c.read_reply().raw == b"$4\r\na\r\nb\r\n"
        assert c.read_reply().raw == b"*3\r\n$4\r\na\r\nb\r\n$-1\r\n$-1\r\n"
        assert c.read_reply().raw == b"+PONG\r\n"


def test_concurrent_incr_exact_totals(kora, r):
    counters = ["ctr:a", "ctr:b", "ctr:c", "{ctr}d"]
    threads, per_thread = 8, 500
    seen = {c: [] for c in counters}
    lock = threading.Lock()
    errors = []

    def worker(n):
        try:
            client = make_client(kora.port, single_connection_client=True)
            mine = {c: [] for c in counters}
            for i in range(per_thread):
                c = counters[(n + i) % len(counters)]
                mine[c].append(client.incr(c))
            client.close()
            with lock:
                for c in counters:
                    seen[c].extend(mine[c])
        except Exception as e:  # reported below
            errors.append(repr(e))

    ts = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=25)
    assert not any(t.is_alive() for t in ts), "INCR workers hung"
    assert not errors, errors
    total = threads * per_thread
    assert sum(int(r.get(c)) for c in counters) == total
    for c in counters:
        n = total // len(counters)
        assert int(r.get(c)) == n
        # atomic: every value 1..n handed out exactly once
        assert sorted(seen[c]) == list(range(1, n + 1)), c


def test_concurrent_mixed_clients_across_shards(kora, r):
    """Several threads MSET/MGET disjoint key groups spread over all shards."""
    errors = []

    def worker(n):
        try:
            c = make_client(kora.port, single_connection_client=True)
            keys = [f"t{n}:{i}" for i in range(50)]
            for rnd in range(30):
                c.mset({k: f"{rnd}:{k}" for k in keys})
                got = c.mget(keys)
                assert got == [f"{rnd}:{k}".encode() for k in keys]
                assert c.exists(*keys) == 50
            assert c.delete(*keys[:25]) == 25
            c.close()
        except Exception as e:
            errors.append(repr(e))

    ts = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=25)
    assert not any(t.is_alive() for t in ts)
    assert not errors, errors
    assert r.dbsize() == 6 * 25


@pytest.mark.parametrize("junk,message", [
    (b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n"),
    (b'SET a "unbalanced\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
])
def test_protocol_error_closes_only_that_connection(kora, r, junk, message):
    other = make_client(kora.port, single_connection_client=True)
    try:
        other.set("survivor", "1")
        with resp.RespConn(kora.port, timeout=5) as bad:
            bad.send(resp.encode("SET", "before", "1") + junk + resp.encode("SET", "after", "1"))
            assert bad.read_reply().raw == b"+OK\r\n"
            assert bad.read_reply().raw == message
            assert bad.read_eof(timeout=5), "connection not closed after a protocol error"
        assert other.get("survivor") == b"1"  # an existing connection keeps working
        assert r.exists("before", "after") == 1
        assert r.ping() is True
    finally:
        other.close()


def _linger_reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize("partial", [
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc",  # inside a bulk
    b"*3\r\n$3\r\nSET\r\n",  # between arguments
    b"*",  # inside the header
    b"SET k inline-without-newline",  # inline
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n" + b"x" * 500_000,  # half of a 1 MiB value
])
@pytest.mark.parametrize("how", ["close", "reset"])
def test_disconnect_mid_frame(kora, r, partial, how):
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", kora.port), timeout=5)
        if how == "reset":
            _linger_reset(s)
        s.sendall(partial)
        s.close()
    assert r.ping() is True
    assert r.get("k") is None  # the incomplete SET never ran
    r.set("k", "whole")
    assert r.get("k") == b"whole"


def test_disconnect_with_replies_pending(kora, r):
    """Clients that send a pipeline and vanish before reading the replies."""
    r.mset({f"big{i}": b"x" * 100_000 for i in range(8)})
    payload = b"".join(resp.encode("MGET", *[f"big{i}" for i in range(8)]) for _ in range(50))
    for how in ("close", "reset"):
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", kora.port), timeout=5)
            if how == "reset":
                _linger_reset(s)
            s.sendall(payload)
            s.close()
    time.sleep(0.1)
    assert r.ping() is True
    assert r.strlen("big7") == 100_000
    assert r.info("clients")["connected_clients"] >= 1


def test_huge_pipeline_while_reading(kora, r):
    """40k mixed commands written by one thread while the main thread reads: more replies
    in flight than kora's pending-reply limit, so its read back-pressure must engage and
    release without losing or reordering anything."""
    n = 40_000
    cmds = []
    for i in range(n):
        m = i % 4
        if m == 0:
            cmds.append(resp.encode("SET", f"hp{i % 997}", str(i)))
        elif m == 1:
            cmds.append(resp.encode("GET", f"hp{(i - 1) % 997}"))
        elif m == 2:
            cmds.append(resp.encode("MGET", f"hp{i % 13}", f"{{t}}{i % 7}", f"hp{i % 19}"))
        else:
            cmds.append(resp.encode("INCR", "hp:ctr"))
    data = b"".join(cmds)
    with resp.RespConn(kora.port, timeout=15) as c:
        writer = threading.Thread(target=c.sock.sendall, args=(data,), daemon=True)
        writer.start()
        for i in range(n):
            rep = c.read_reply()
            if i % 4 == 1:
                assert rep.value == str(i - 1).encode(), (i, rep)  # the SET just before it
            elif i % 4 == 2:
                assert rep.kind == "*" and len(rep.value) == 3, (i, rep)
            elif i % 4 == 3:
                assert rep.value == i // 4 + 1, (i, rep)
        writer.join(timeout=10)
        assert not writer.is_alive()
        assert c.command("GET", "hp:ctr").value == str(n // 4).encode()


def test_slow_reader_large_replies(kora, r):
    """~96 MB of replies requested at once and read only after a pause: kora buffers up to
    its output limit, stops reading, and resumes as the client drains."""
    keys = [f"big{i}" for i in range(8)]
    r.mset({k: bytes([65 + i]) * 100_000 for i, k in enumerate(keys)})
    n = 120
    data = b"".join(resp.encode("MGET", *keys) for _ in range(n)) + resp.encode("PING")
    with resp.RespConn(kora.port, timeout=15) as c:
        writer = threading.Thread(target=c.sock.sendall, args=(data,), daemon=True)
        writer.start()
        time.sleep(0.5)
        other = make_client(kora.port)
        assert other.ping() is True  # the server is not stuck on the slow reader
        other.close()
        for i in range(n):
            rep = c.read_reply()
            assert [e.value for e in rep.value] == [bytes([65 + j]) * 100_000 for j in range(8)], i
        assert c.read_reply().raw == b"+PONG\r\n"
        writer.join(timeout=10)
