"""Client limits at --workers 2: maxclients + 1 connections, the idle timeout (not for
subscribers or blocked clients), oversized and malformed frames closing only their own
connection while other clients keep working, the query-buffer limit, INFO's net stats."""

import socket
import threading
import time

import pytest

import servers
from bbutil import make_client


@pytest.fixture(scope="module")
def kora2():
    srv = servers.start_kora(2)
    yield srv
    srv.stop()


@pytest.fixture
def c(kora2):
    client = make_client(kora2.port)
    yield client
    client.config_set("maxclients", 10000)
    client.config_set("timeout", 0)
    client.config_set("proto-max-bulk-len", "512mb")
    client.config_set("client-query-buffer-limit", "1gb")
    client.close()
    assert kora2.alive()


def connect(port):
    s = socket.create_connection((servers.HOST, port), timeout=5)
    return s


def request(s, data, want=None):
    """Sends data, returns what comes back until `want` bytes arrived, the peer closes,
    or 0.5 s pass without data."""
    s.sendall(data)
    s.settimeout(0.5)
    out = b""
    try:
        while want is None or len(out) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    return out


def closed(s):
    s.settimeout(2)
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_maxclients_plus_one(c, kora2):
    c.ping()
    n = 10
    c.config_set("maxclients", n)
    connected = int(c.info("clients")["connected_clients"])
    socks = [connect(kora2.port) for _ in range(n - connected)]
    for s in socks:
        assert request(s, b"PING\r\n") == b"+PONG\r\n"
    before = int(c.info("stats")["rejected_connections"])
    extra = connect(kora2.port)
    assert request(extra, b"PING\r\n") == b"-ERR max number of clients reached\r\n"
    assert closed(extra)
    assert int(c.info("stats")["rejected_connections"]) == before + 1
    # The others are still served; one leaving makes room.
    assert request(socks[0], b"PING\r\n") == b"+PONG\r\n"
    socks.pop().close()
    deadline = time.time() + 5
    while True:
        again = connect(kora2.port)
        reply = request(again, b"PING\r\n")
        if reply == b"+PONG\r\n" or time.time() > deadline:
            break
        again.close()
        time.sleep(0.05)
    assert reply == b"+PONG\r\n"
    for s in socks + [again]:
        s.close()


def test_idle_timeout_spares_subscribers_and_blocked(c, kora2):
    c.config_set("timeout", 1)
    assert c.config_get("timeout") == {"timeout": "1"}
    idle = connect(kora2.port)
    assert request(idle, b"PING\r\n") == b"+PONG\r\n"
    sub = connect(kora2.port)
    assert request(sub, b"SUBSCRIBE ch\r\n").startswith(b"*3\r\n$9\r\nsubscribe")
    blocked = connect(kora2.port)
    blocked.sendall(b"BLPOP bb:list 0\r\n")
    busy = connect(kora2.port)
    t0 = time.time()
    while time.time() - t0 < 2.8:
        assert request(busy, b"PING\r\n") == b"+PONG\r\n"  # active: never idle
        time.sleep(0.3)
    assert closed(idle)
    assert request(sub, b"PING\r\n") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    c.rpush("bb:list", "x")
    assert request(blocked, b"", want=30).startswith(b"*2\r\n$7\r\nbb:list\r\n$1\r\nx")
    for s in (sub, blocked, busy):
        s.close()


def test_malformed_and_oversized_frames_close_only_their_connection(c, kora2):
    c.config_set("proto-max-bulk-len", "1mb")
    stop = threading.Event()
    errors = []
    done = [0]

    def worker():
        w = make_client(kora2.port)
        try:
            while not stop.is_set():
                w.set("bb:k", "v")
                assert w.get("bb:k") == b"v"
                done[0] += 1
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        w.close()

    t = threading.Thread(target=worker)
    t.start()
    cases = [
        (b"*2\r\n$3\r\nGET\r\n$1048577\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*2147483648\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*x\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n:5\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n"),
        (b'SET "unbalanced\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ]
    for _ in range(20):
        for frame, reply in cases:
            s = connect(kora2.port)
            assert request(s, frame) == reply, frame
            assert closed(s)
            s.close()
    # A bulk of exactly proto-max-bulk-len is fine.
    s = connect(kora2.port)
    body = b"x" * (1024 * 1024)
    assert request(s, b"*3\r\n$3\r\nSET\r\n$4\r\nbb:b\r\n$1048576\r\n" + body + b"\r\n") == b"+OK\r\n"
    s.close()
    stop.set()
    t.join()
    assert not errors
    assert done[0] > 0
    assert c.strlen("bb:b") == 1024 * 1024
    c.delete("bb:b", "bb:k")


def test_query_buffer_limit_closes_the_client(c, kora2):
    c.config_set("client-query-buffer-limit", "1mb")
    s = connect(kora2.port)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\nbb:q\r\n$3000000\r\n" + b"x" * 1_500_000)
    assert closed(s)
    s.close()
    assert c.ping() is True
    assert c.exists("bb:q") == 0


def test_net_stats_count_bytes(c):
    before = c.info("stats")
    for _ in range(50):
        c.set("bb:n", "v" * 100)
    after = c.info("stats")
    assert int(after["total_net_input_bytes"]) - int(before["total_net_input_bytes"]) >= 50 * 100
    assert int(after["total_net_output_bytes"]) > int(before["total_net_output_bytes"])
    time.sleep(0.3)
    assert "instantaneous_ops_per_sec" in after
    c.delete("bb:n")
