"""Client management against a real kora-cli: CLIENT subcommands, RESET, MONITOR across
workers, CLIENT PAUSE across workers, CLIENT REPLY, the Unix socket, and client-side caching
(TRACKING) with RESP3 pushes and a RESP2 REDIRECT target."""

import os
import socket
import tempfile
import time

import pytest
import redis

import servers
from bbutil import make_client


# --- a raw RESP connection (RESP3 pushes, pipelined replies) -------------------------------

class Raw:
    def __init__(self, port=None, unix=None):
        if unix:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(unix)
        else:
            self.s = socket.create_connection((servers.HOST, port))
        self.s.settimeout(5)
        self.buf = b""

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        """One reply, decoded: pushes as ('push', [...]), maps as dicts, errors as ('err', text)."""
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+",):
            return rest.decode()
        if t == b"-":
            return ("err", rest.decode())
        if t == b":":
            return int(rest)
        if t == b"_":
            return None
        if t in (b"$", b"="):
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self.read() for _ in range(n)]
            return ("push", items) if t == b">" else items
        if t == b"%":
            n = int(rest)
            d = {}
            for _ in range(n):
                k = self.read()
                d[k] = self.read()
            return d
        raise AssertionError(f"unexpected reply line {line!r}")

    def call(self, *args):
        self.send(*args)
        return self.read()

    def nothing_pending(self, wait=0.2):
        time.sleep(wait)
        self.s.setblocking(False)
        try:
            data = self.s.recv(65536)
        except BlockingIOError:
            data = b""
        finally:
            self.s.settimeout(5)
        return self.buf == b"" and data == b""

    def close(self):
        self.s.close()


@pytest.fixture(scope="module")
def srv():
    """Two workers and a Unix socket."""
    d = tempfile.mkdtemp(prefix="kora-bb-clients-")
    path = os.path.join(d, "kora.sock")
    s = servers.KoraServer(2, extra_args=["--unix-socket", path, "--unixsocketperm", "700"]).start()
    s.unix_path = path
    yield s
    s.stop()


@pytest.fixture
def r(srv):
    c = make_client(srv.port)
    c.flushall()
    yield c
    c.close()


def clients_on_both_workers(srv, n=6):
    """Connections spread by the kernel over the two workers (SO_REUSEPORT): enough of them
    that both workers hold some."""
    return [make_client(srv.port) for _ in range(n)]


# --- CLIENT ----------------------------------------------------------------------------------

def test_client_id_setname_getname_info(r):
    cid = r.client_id()
    assert r.client_getname() is None
    assert r.client_setname("bb-one") is True
    assert r.client_getname() == "bb-one"
    info = r.client_info()
    assert str(info["id"]) == str(cid) and info["name"] == "bb-one" and info["cmd"] == "client|info"
    line = Raw(r.connection_pool.connection_kwargs["port"]).call("CLIENT", "INFO").decode()
    fields = [f.split("=", 1)[0] for f in line.strip().split(" ")]
    assert fields == ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
                      "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem",
                      "tot-mem", "events", "cmd", "user", "redir", "resp"]
    with pytest.raises(redis.ResponseError, match="Client names cannot contain spaces"):
        r.client_setname("a b")


def test_client_list_sees_every_worker(srv, r):
    others = clients_on_both_workers(srv)
    for i, c in enumerate(others):
        c.client_setname(f"other{i}")
        c.ping()
    names = {c["name"] for c in r.client_list()}
    assert {f"other{i}" for i in range(len(others))} <= names
    ids = [c.client_id() for c in others[:2]]
    listed = r.execute_command("CLIENT", "LIST", "ID", *ids)
    assert sorted(int(l.split(" ")[0][3:]) for l in listed.decode().strip().split("\n")) == sorted(ids)
    assert r.client_list(_type="pubsub") == []
    assert len(r.client_list(_type="normal")) >= len(others) + 1
    with pytest.raises(redis.ResponseError, match="Unknown client type 'bogus'"):
        r.execute_command("CLIENT", "LIST", "TYPE", "bogus")
    with pytest.raises(redis.ResponseError, match="Invalid client ID"):
        r.execute_command("CLIENT", "LIST", "ID", "x")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("CLIENT", "LIST", "foo")
    for c in others:
        c.close()


def test_client_kill_filters_across_workers(srv, r):
    others = clients_on_both_workers(srv)
    ids = [c.client_id() for c in others]
    addr = next(c["addr"] for c in r.client_list() if int(c["id"]) == ids[0])
    assert r.execute_command("CLIENT", "KILL", addr) in (True, b"OK", "OK")
    assert r.client_kill_filter(_id=ids[1]) == 1
    assert r.client_kill_filter(_id=ids[1]) == 0
    assert r.execute_command("CLIENT", "KILL", "LADDR", "1.2.3.4:5") == 0
    # The rest of the default user's normal clients, on both workers, with the
    # caller skipped (SKIPME yes is the default); clients of other ACL users
    # and subscribers (type pubsub) left by earlier tests stay.
    time.sleep(0.1)

    def normal_default(c):
        return c["user"] == "default" and "P" not in c["flags"]

    rest = len([c for c in r.client_list() if normal_default(c)]) - 1
    assert rest >= len(ids) - 2
    killed = r.execute_command("CLIENT", "KILL", "TYPE", "normal", "USER", "default")
    assert 1 <= killed <= rest
    # Every one of them goes (a second KILL takes any the first raced with).
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = [int(c["id"]) for c in r.client_list() if normal_default(c)]
        if left == [r.client_id()]:
            break
        r.execute_command("CLIENT", "KILL", "TYPE", "normal", "USER", "default")
        time.sleep(0.1)
    assert [int(c["id"]) for c in r.client_list() if normal_default(c)] == [r.client_id()]
    with pytest.raises(redis.ResponseError, match="No such client"):
        r.execute_command("CLIENT", "KILL", "9.9.9.9:1")
    for bad, msg in ((["ID", "0"], "greater than 0"), (["ID", "x"], "greater than 0"),
                     (["TYPE", "x"], "Unknown client type"), (["USER", "nobody"], "No such user 'nobody'"),
                     (["SKIPME", "maybe"], "syntax error"), (["ID", "1", "extra"], "syntax error")):
        with pytest.raises(redis.ResponseError, match=msg):
            r.execute_command("CLIENT", "KILL", *bad)
    # SKIPME no kills the caller too, after its reply.
    raw = Raw(srv.port)
    assert raw.call("CLIENT", "KILL", "ID", raw.call("CLIENT", "ID"), "SKIPME", "no") == 1
    with pytest.raises(ConnectionError):
        raw.read()


def test_client_reply_off_skip_on(srv):
    c = Raw(srv.port)
    c.send("CLIENT", "REPLY", "OFF")
    c.send("PING", "a")
    c.send("SET", "k", "v")
    c.send("CLIENT", "REPLY", "ON")
    assert c.read() == "OK"
    c.send("CLIENT", "REPLY", "SKIP")
    c.send("GET", "k")
    assert c.call("GET", "k") == b"v"
    c.send("CLIENT", "REPLY", "SKIP")
    assert c.call("CLIENT", "REPLY", "ON") == "OK"
    assert c.call("CLIENT", "REPLY", "MAYBE") == ("err", "ERR syntax error")
    c.close()


def test_client_pause_write_and_all_across_workers(srv, r):
    others = clients_on_both_workers(srv, 4)
    assert r.client_pause(400, all=False) is True
    t = time.monotonic()
    for c in others:
        assert c.get("missing") is None  # reads go through a WRITE pause
    assert time.monotonic() - t < 0.3
    waiting = Raw(srv.port)
    waiting.send("SET", "k", "v")
    assert waiting.nothing_pending(0.1)  # the write waits...
    assert r.execute_command("CLIENT", "UNPAUSE") in (True, b"OK", "OK")
    assert waiting.read() == "OK"  # ...until UNPAUSE, on whatever worker it is
    # WRITE also holds EXEC of a block with a write, and the commands queued in it.
    assert r.client_pause(300, all=False) is True
    t = time.monotonic()
    others[-1].set("k", "v2")
    assert time.monotonic() - t >= 0.25
    # ALL holds every command, reads too, until the pause ends.
    assert r.client_pause(300) is True
    t = time.monotonic()
    for c in others:
        assert c.get("k") == b"v2"
    assert time.monotonic() - t >= 0.25
    with pytest.raises(redis.ResponseError, match="CLIENT PAUSE mode must be WRITE or ALL"):
        r.execute_command("CLIENT", "PAUSE", "10", "NONE")
    waiting.close()
    for c in others:
        c.close()


def test_client_pause_errors(r):
    with pytest.raises(redis.ResponseError, match="timeout is not an integer or out of range"):
        r.execute_command("CLIENT", "PAUSE", "abc")
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        r.execute_command("CLIENT", "PAUSE", "-1")
    assert r.execute_command("CLIENT", "UNPAUSE") in (True, b"OK", "OK")


def test_client_misc_subcommands(r):
    assert r.execute_command("CLIENT", "NO-EVICT", "on") in (True, b"OK", "OK")
    assert "e" in r.client_info()["flags"]
    assert r.execute_command("CLIENT", "NO-EVICT", "off") in (True, b"OK", "OK")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("CLIENT", "NO-EVICT", "maybe")
    assert r.execute_command("CLIENT", "GETREDIR") == -1
    help_lines = r.execute_command("CLIENT", "HELP")
    assert help_lines[0].startswith(b"CLIENT <subcommand>") and help_lines[-1] == b"    Prints this help."
    with pytest.raises(redis.ResponseError, match="unknown subcommand 'NOPE'. Try CLIENT HELP."):
        r.execute_command("CLIENT", "NOPE")
    with pytest.raises(redis.ResponseError, match=r"wrong number of arguments for 'client\|kill'"):
        r.execute_command("CLIENT", "KILL")
    assert r.execute_command("CLIENT", "UNBLOCK", r.client_id()) == 0


def test_reset(srv):
    c = Raw(srv.port)
    assert isinstance(c.call("HELLO", "3"), dict)
    c.call("SELECT", "3")
    c.call("CLIENT", "SETNAME", "someone")
    c.call("CLIENT", "TRACKING", "on")
    c.call("WATCH", "w")
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "a", "1") == "QUEUED"
    assert c.call("RESET") == "RESET"
    assert c.call("EXEC") == ("err", "ERR EXEC without MULTI")
    info = c.call("CLIENT", "INFO").decode()
    assert " db=0 " in info and " name= " in info and " resp=2" in info and "flags=N " in info
    assert c.call("CLIENT", "GETREDIR") == -1
    assert c.call("ECHO", "hi") == b"hi"
    assert c.call("PING") == "PONG"
    assert c.call("QUIT") == "OK"
    c.close()


# --- MONITOR ---------------------------------------------------------------------------------

def test_monitor_streams_every_worker(srv, r):
    mon = Raw(srv.port)
    assert mon.call("MONITOR") == "OK"
    clients = clients_on_both_workers(srv)
    for i, c in enumerate(clients):
        c.set(f"key{i}", f"v\n\"{i}\"\x01")
    c = clients[0]
    c.execute_command("SELECT", "5")
    c.get("x")
    p = c.pipeline(transaction=True)
    p.incr("n")
    p.execute()
    c.execute_command("AUTH", "secret") if False else None
    lines = [mon.read() for _ in range(len(clients) + 5)]
    for i in range(len(clients)):
        assert any(l.endswith(f'"SET" "key{i}" "v\\n\\"{i}\\"\\x01"') for l in lines), lines
    assert lines[len(clients)].endswith('"SELECT" "5"') and "[5 " in lines[len(clients)]
    assert lines[-3].endswith('"MULTI"'), lines
    assert lines[-3].endswith('"MULTI"') and lines[-2].endswith('"INCRBY" "n" "1"') and lines[-1].endswith('"EXEC"')
    import re
    assert re.match(r'^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET"', lines[0]), lines[0]
    # Administrative commands are not shown; AUTH is redacted.
    r.config_get("maxmemory")
    r.client_list()
    try:
        r.execute_command("AUTH", "nopass")
    except redis.ResponseError:
        pass
    r.ping()
    nxt = mon.read()
    while "AUTH" not in nxt and "PING" not in nxt:
        nxt = mon.read()
    if "AUTH" in nxt:
        assert nxt.endswith('"AUTH" "(redacted)"')
    for c in clients:
        c.close()
    mon.close()


def test_monitor_over_unix_socket(srv, r):
    mon = Raw(unix=srv.unix_path)
    assert mon.call("MONITOR") == "OK"
    u = redis.Redis(unix_socket_path=srv.unix_path)
    u.set("via", "unix")
    line = mon.read()
    assert line.endswith(f'[0 unix:{srv.unix_path}] "SET" "via" "unix"'), line
    u.close()
    mon.close()


# --- Unix socket -----------------------------------------------------------------------------

def test_unix_socket_clients_on_every_worker(srv, r):
    assert oct(os.stat(srv.unix_path).st_mode & 0o777) == "0o700"
    conns = [redis.Redis(unix_socket_path=srv.unix_path) for _ in range(4)]
    for i, c in enumerate(conns):
        assert c.set(f"u{i}", i)
    listed = [c for c in r.client_list() if c["addr"] == srv.unix_path + ":0"]
    assert len(listed) == 4 and all(c["flags"] == "U" and c["laddr"] == srv.unix_path + ":0" for c in listed)
    # Round-robin over the workers: clients on both (their fds come from two event loops,
    # and a MULTI across shards still works from each).
    for c in conns:
        p = c.pipeline()
        p.mset({"a": 1, "b": 2, "c": 3})
        p.mget("a", "b", "c")
        assert p.execute()[1] == [b"1", b"2", b"3"]
    assert r.config_get("unixsocket") == {"unixsocket": srv.unix_path}
    assert r.config_get("unixsocketperm") == {"unixsocketperm": "700"}
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        r.config_set("unixsocket", "/tmp/x")
    for c in conns:
        c.close()


# --- TRACKING --------------------------------------------------------------------------------

def invalidation(reply):
    assert isinstance(reply, tuple) and reply[0] == "push", reply
    assert reply[1][0] == b"invalidate", reply
    return reply[1][1]


def test_tracking_default_mode_resp3(srv, r):
    c = Raw(srv.port)
    c.call("HELLO", "3")
    assert c.call("CLIENT", "TRACKING", "on") == "OK"
    c.call("GET", "foo")
    c.call("MGET", "k1", "k2", "k3")  # keys on both shards
    r.set("foo", "1")
    assert invalidation(c.read()) == [b"foo"]
    r.set("foo", "2")  # forgotten after the first invalidation
    assert c.nothing_pending()
    r.mset({"k1": 1, "k2": 2, "k3": 3})
    # One message per shard part of the MSET, each with that part's keys.
    got = []
    while len(got) < 3:
        got += invalidation(c.read())
    assert sorted(got) == [b"k1", b"k2", b"k3"]
    c.call("GET", "e")
    r.set("e", "x", px=50)
    assert invalidation(c.read()) == [b"e"]
    c.call("GET", "e")
    time.sleep(0.1)
    r.get("e")  # lazy expiry is a key event too
    assert invalidation(c.read()) == [b"e"]
    r.flushall()
    assert invalidation(c.read()) is None
    assert c.nothing_pending()
    assert int(r.info("clients")["tracking_clients"]) == 1
    info = c.call("CLIENT", "TRACKINGINFO")
    assert info == {b"flags": {b"on"} if False else info[b"flags"], b"redirect": 0, b"prefixes": []}
    assert info[b"flags"] == [b"on"]
    assert c.call("CLIENT", "TRACKING", "off") == "OK"
    assert int(r.info("clients")["tracking_clients"]) == 0
    c.close()


def test_tracking_redirect_to_resp2_client(srv, r):
    target = Raw(srv.port)
    tid = target.call("CLIENT", "ID")
    c = Raw(srv.port)
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", tid) == "OK"
    assert c.call("CLIENT", "GETREDIR") == tid
    c.call("GET", "rk")
    r.set("rk", "v")
    # The pub/sub message form of an invalidation, to the redirect target (RESP2).
    assert target.read() == [b"message", b"__redis__:invalidate", [b"rk"]]
    assert c.nothing_pending()
    assert f"redir={tid}" in c.call("CLIENT", "INFO").decode()
    # The target goes away: the redirection is broken (RESP3 gets told).
    target.close()
    time.sleep(0.1)
    c.call("HELLO", "3")
    c.call("GET", "rk")
    r.set("rk", "w")
    assert c.read() == ("push", [b"tracking-redir-broken", tid])
    flags = c.call("CLIENT", "TRACKINGINFO")[b"flags"]
    assert b"broken_redirect" in flags
    with pytest.raises(redis.ResponseError, match="The client ID you want redirect to does not exist"):
        r.execute_command("CLIENT", "TRACKING", "on", "REDIRECT", "999999")
    c.close()


def test_tracking_bcast_prefix_noloop(srv, r):
    c = Raw(srv.port)
    c.call("HELLO", "3")
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "acct:", "NOLOOP") == "OK"
    c.call("SET", "user:me", "1")  # its own write: NOLOOP
    r.set("user:1", "a")
    r.set("other", "b")
    r.set("acct:9", "c")
    got = [invalidation(c.read()), invalidation(c.read())]
    assert sorted(got) == [[b"acct:9"], [b"user:1"]]
    assert c.nothing_pending()
    info = c.call("CLIENT", "TRACKINGINFO")
    assert info[b"flags"] == [b"on", b"bcast", b"noloop"] and info[b"prefixes"] == [b"acct:", b"user:"]
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "us") == \
        ("err", "ERR Prefix 'us' overlaps with an existing prefix 'user:'. Prefixes for a single client must not overlap.")
    assert c.call("CLIENT", "TRACKING", "on") == ("err", "ERR You can't switch BCAST mode on/off before disabling "
                                                         "tracking for this client, and then re-enabling it with a "
                                                         "different mode.")
    c.close()


def test_tracking_optin_optout_and_errors(srv, r):
    c = Raw(srv.port)
    c.call("HELLO", "3")
    assert c.call("CLIENT", "CACHING", "yes")[0] == "err"
    assert c.call("CLIENT", "TRACKING", "on", "OPTIN") == "OK"
    c.call("GET", "o1")
    assert c.call("CLIENT", "CACHING", "yes") == "OK"
    c.call("GET", "o2")
    c.call("GET", "o3")
    r.mset({"o1": 1, "o2": 2, "o3": 3})
    assert invalidation(c.read()) == [b"o2"]
    assert c.nothing_pending()
    assert c.call("CLIENT", "CACHING", "no") == \
        ("err", "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
    assert c.call("CLIENT", "TRACKING", "on", "OPTOUT")[1].startswith("ERR You can't switch OPTIN/OPTOUT")
    c.call("CLIENT", "TRACKING", "off")
    assert c.call("CLIENT", "TRACKING", "on", "OPTOUT") == "OK"
    c.call("CLIENT", "CACHING", "no")
    c.call("GET", "p1")
    c.call("GET", "p2")
    r.mset({"p1": 1, "p2": 2})
    assert invalidation(c.read()) == [b"p2"]
    assert c.nothing_pending()
    c.call("CLIENT", "TRACKING", "off")
    for args, msg in ((["on", "PREFIX", "a"], "ERR PREFIX option requires BCAST mode to be enabled"),
                      (["on", "BCAST", "OPTIN"], "ERR OPTIN and OPTOUT are not compatible with BCAST"),
                      (["on", "OPTIN", "OPTOUT"], "ERR You can't specify both OPTIN mode and OPTOUT mode"),
                      (["maybe"], "ERR syntax error"),
                      (["on", "REDIRECT", "1", "REDIRECT", "2"], None)):
        reply = c.call("CLIENT", "TRACKING", *args)
        assert reply[0] == "err" and (msg is None or reply[1] == msg), (args, reply)
    c.close()
