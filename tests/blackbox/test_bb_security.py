"""Security end to end: --password / requirepass and AUTH, NOAUTH before authentication,
the unauthenticated frame limits, ACL users enforced on every worker (a user limited to
`~app:*` and `+@read`), rules changing under a connected client, ACL DELUSER closing the
user's connections, EXEC's second check, ACL LOG, ACL SAVE/LOAD with --aclfile, and
redis-cli's --user/--pass/-a."""

import os
import socket
import subprocess
import tempfile
import time

import pytest
import redis

import servers
from bbutil import make_client, raw_command

REDIS_CLI = "redis-cli"
# redis-py raises NOPERM replies as NoPermissionError with the text after "NOPERM "
# (the wire bytes are checked by the raw-socket tests and tests/differential/cases/acl.txt).
NOPERM_KEY = "this user has no permissions to access one of the keys used as arguments"


def noperm_cmd(name):
    return f"this user has no permissions to run the '{name}' command"


def raw(port, data, wait=0.3):
    """Send raw bytes on a fresh socket; return (everything received, closed by server)."""
    with socket.create_connection((servers.HOST, port), timeout=5) as s:
        s.sendall(data)
        deadline = time.monotonic() + wait + 2
        out = b""
        s.settimeout(wait)
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return out, False
            if not chunk:
                return out, True
            out += chunk
        return out, False


@pytest.fixture(scope="module")
def secured():
    """kora-cli --password s3cret, 2 workers."""
    srv = servers.start_kora(2, extra_args=["--password", "s3cret"])
    yield srv
    srv.stop()


def admin_of(port):
    c = make_client(port, password="s3cret")
    return c


def test_noauth_until_auth(secured):
    out, _ = raw(secured.port, b"PING\r\nGET k\r\nAUTH wrong\r\nAUTH s3cret\r\nPING\r\n")
    assert out == (b"-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n"
                   b"-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+PONG\r\n")
    # AUTH user pass, HELLO AUTH; QUIT is allowed before authentication.
    out, _ = raw(secured.port, b"AUTH default s3cret\r\nECHO hi\r\n")
    assert out == b"+OK\r\n$2\r\nhi\r\n"
    out, _ = raw(secured.port, b"HELLO 3\r\n")
    assert out.startswith(b"-NOAUTH HELLO must be called with the client already authenticated")
    out, _ = raw(secured.port, b"HELLO 3 AUTH default wrong\r\n")
    assert out == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    out, _ = raw(secured.port, b"HELLO 3 AUTH default s3cret\r\nPING\r\n")
    assert out.startswith(b"%7\r\n") and out.endswith(b"+PONG\r\n")
    out, closed = raw(secured.port, b"QUIT\r\n")
    assert out == b"+OK\r\n" and closed
    # An unknown command is still reported as such (Redis looks the command up first).
    out, _ = raw(secured.port, b"NOSUCH\r\n")
    assert out.startswith(b"-ERR unknown command 'NOSUCH'")


def test_redis_py_and_redis_cli_auth(secured):
    with pytest.raises(redis.AuthenticationError):
        make_client(secured.port).ping()
    c = make_client(secured.port, password="s3cret")
    assert c.set("k", "v") is True and c.get("k") == b"v"
    assert c.config_get("requirepass") == {"requirepass": "s3cret"}
    p = subprocess.run([REDIS_CLI, "-p", str(secured.port), "get", "k"], capture_output=True, text=True)
    assert p.stdout.strip() == "NOAUTH Authentication required."
    p = subprocess.run([REDIS_CLI, "-p", str(secured.port), "-a", "s3cret", "--no-auth-warning", "get", "k"],
                       capture_output=True, text=True)
    assert p.stdout.strip() == "v"
    p = subprocess.run([REDIS_CLI, "-p", str(secured.port), "--user", "default", "--pass", "bad",
                        "--no-auth-warning", "get", "k"], capture_output=True, text=True)
    assert "WRONGPASS" in p.stdout + p.stderr


def test_unauthenticated_frames_are_bounded(secured):
    out, closed = raw(secured.port, b"*100\r\n")
    assert out == b"-ERR Protocol error: unauthenticated multibulk length\r\n" and closed
    out, closed = raw(secured.port, b"*1\r\n$100000000\r\n")
    assert out == b"-ERR Protocol error: unauthenticated bulk length\r\n" and closed
    # Once authenticated, large frames are fine.
    value = b"x" * 100000
    frame = b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n%s\r\n" % (len(value), value)
    out, closed = raw(secured.port, b"AUTH s3cret\r\n" + frame + b"STRLEN big\r\n")
    assert out == b"+OK\r\n+OK\r\n:100000\r\n" and not closed


def test_requirepass_config_set(kora):
    c = make_client(kora.port)
    assert c.config_set("requirepass", "pw1") is True
    try:
        with pytest.raises(redis.AuthenticationError):
            make_client(kora.port).ping()
        assert make_client(kora.port, password="pw1").ping() is True
        assert c.ping() is True  # already authenticated: stays so
        with pytest.raises(redis.ResponseError, match="WRONGPASS"):
            raw_command(make_client(kora.port, single_connection_client=False), "AUTH", "nope")
    finally:
        assert make_client(kora.port, password="pw1").config_set("requirepass", "") is True
    with pytest.raises(redis.ResponseError, match="without any password configured"):
        c.execute_command("AUTH", "x")


@pytest.fixture
def acl_admin(kora):
    c = make_client(kora.port)
    assert c.flushall() is True
    c.execute_command("ACL", "LOG", "RESET")
    yield c
    for u in c.execute_command("ACL", "USERS"):
        if u != b"default":
            c.execute_command("ACL", "DELUSER", u)
    c.execute_command("ACL", "LOG", "RESET")


def test_app_user_limited_to_keys_and_read(kora, acl_admin):
    acl_admin.execute_command("ACL", "SETUSER", "app", "on", ">apppw", "~app:*", "+@read")
    acl_admin.mset({f"app:{i}": i for i in range(20)})
    acl_admin.set("other", "x")
    u = make_client(kora.port, username="app", password="apppw")
    # Keys on every shard of a multi-worker server.
    assert u.mget([f"app:{i}" for i in range(20)]) == [str(i).encode() for i in range(20)]
    with pytest.raises(redis.ResponseError) as e:
        u.get("other")
    assert str(e.value) == NOPERM_KEY
    with pytest.raises(redis.ResponseError) as e:
        u.mget(["app:1", "other"])
    assert str(e.value) == NOPERM_KEY
    with pytest.raises(redis.ResponseError) as e:
        u.set("app:1", "y")
    assert str(e.value) == noperm_cmd("set")
    with pytest.raises(redis.ResponseError) as e:
        u.execute_command("CONFIG", "GET", "maxmemory")
    assert str(e.value) == noperm_cmd("config|get")
    assert acl_admin.get("app:1") == b"1"  # nothing was written
    log = acl_admin.execute_command("ACL", "LOG")
    entries = [dict(zip(e[::2], e[1::2])) for e in log]
    assert entries[0][b"reason"] == b"command" and entries[0][b"object"] == b"config|get"
    assert entries[1][b"reason"] == b"command" and entries[1][b"object"] == b"set"
    assert entries[2][b"reason"] == b"key" and entries[2][b"object"] == b"other"
    assert entries[2][b"count"] == 2  # GET other and MGET ... other grouped
    assert all(e[b"username"] == b"app" and e[b"context"] == b"toplevel" for e in entries)
    assert b"user=app" in entries[0][b"client-info"]


def test_rules_change_under_a_connected_client(kora, acl_admin):
    acl_admin.execute_command("ACL", "SETUSER", "bob", "on", "nopass", "allkeys", "+get", "+set")
    bob = make_client(kora.port, username="bob", password="any", single_connection_client=True)
    assert bob.set("k", "v") is True
    acl_admin.execute_command("ACL", "SETUSER", "bob", "-set")
    with pytest.raises(redis.ResponseError) as e:
        bob.set("k", "w")
    assert str(e.value) == noperm_cmd("set")
    assert bob.get("k") == b"v"
    acl_admin.execute_command("ACL", "SETUSER", "bob", "resetkeys", "~other*")
    with pytest.raises(redis.ResponseError) as e:
        bob.get("k")
    assert str(e.value) == NOPERM_KEY


def test_exec_checks_again(kora, acl_admin):
    acl_admin.execute_command("ACL", "SETUSER", "tx", "on", "nopass", "~*", "+multi", "+exec", "+incr", "+get")
    tx = make_client(kora.port, username="tx", password="x", single_connection_client=True)
    conn = tx.connection
    conn.send_command("MULTI")
    assert conn.read_response() == b"OK"
    conn.send_command("INCR", "c")
    assert conn.read_response() == b"QUEUED"
    conn.send_command("GET", "c")
    assert conn.read_response() == b"QUEUED"
    acl_admin.execute_command("ACL", "SETUSER", "tx", "-incr")
    conn.send_command("EXEC")
    replies = conn.read_response()
    assert isinstance(replies[0], redis.ResponseError)
    assert str(replies[0]).startswith("ACLs rules changed between the moment the transaction was "
                                      "accumulated and the EXEC call.")
    assert replies[1] is None
    entry = dict(zip(*[iter(acl_admin.execute_command("ACL", "LOG", "1")[0])] * 2))
    assert entry[b"context"] == b"multi" and entry[b"object"] == b"incr"
    # Refused while queueing: EXEC aborts.
    conn.send_command("MULTI")
    conn.read_response()
    conn.send_command("SET", "c", "1")
    with pytest.raises(redis.exceptions.NoPermissionError, match="run the 'set' command"):
        conn.read_response()
    conn.send_command("EXEC")
    with pytest.raises(redis.exceptions.ExecAbortError, match="previous errors"):
        conn.read_response()


def test_deluser_closes_its_connections(kora, acl_admin):
    acl_admin.execute_command("ACL", "SETUSER", "gone", "on", ">pw", "+@all", "~*")
    with socket.create_connection((servers.HOST, kora.port), timeout=5) as s:
        s.sendall(b"AUTH gone pw\r\n")
        assert s.recv(100) == b"+OK\r\n"
        assert acl_admin.execute_command("ACL", "DELUSER", "gone") == 1
        s.settimeout(5)
        assert s.recv(100) == b""  # closed without sending anything
    # Deleting one's own user: the reply arrives, then the connection closes.
    acl_admin.execute_command("ACL", "SETUSER", "self", "on", ">pw", "+acl")
    out, closed = raw(kora.port, b"AUTH self pw\r\nACL DELUSER self\r\nPING\r\n")
    assert out == b"+OK\r\n:1\r\n" and closed
    assert acl_admin.ping() is True  # others are untouched


def test_disabled_user_and_default_off(kora, acl_admin):
    acl_admin.execute_command("ACL", "SETUSER", "newuser", ">passwd1")
    out, _ = raw(kora.port, b"AUTH newuser passwd1\r\n")
    assert out == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    log = acl_admin.execute_command("ACL", "LOG", "1")[0]
    entry = dict(zip(log[::2], log[1::2]))
    assert entry[b"reason"] == b"auth" and entry[b"object"] == b"AUTH" and entry[b"username"] == b"newuser"
    acl_admin.execute_command("ACL", "SETUSER", "default", "off")
    try:
        out, _ = raw(kora.port, b"PING\r\n")
        assert out == b"-NOAUTH Authentication required.\r\n"
    finally:
        acl_admin.execute_command("ACL", "SETUSER", "default", "on")
    out, _ = raw(kora.port, b"PING\r\n")
    assert out == b"+PONG\r\n"


def test_read_write_key_patterns(kora, acl_admin):
    acl_admin.execute_command("ACL", "SETUSER", "rw", "on", "nopass", "%R~read*", "%W~write*", "+@all")
    acl_admin.set("read", "bar")
    c = make_client(kora.port, username="rw", password="x")
    assert c.copy("read", "write") is True
    with pytest.raises(redis.ResponseError) as e:
        c.copy("write", "read")
    assert str(e.value) == NOPERM_KEY
    assert c.get("read") == b"bar"
    with pytest.raises(redis.ResponseError):
        c.set("read", "x")


def test_aclfile_save_and_load():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "users.acl")
        with open(path, "w") as f:
            f.write("user alice on >alice ~* &* +@all\nuser bob on >bob -@all +@set +acl ~set*\n")
        srv = servers.start_kora(2, extra_args=["--aclfile", path])
        try:
            admin = make_client(srv.port)
            assert admin.config_get("aclfile") == {"aclfile": path}
            alice = make_client(srv.port, username="alice", password="alice")
            assert alice.set("key", "v") is True
            bob = make_client(srv.port, username="bob", password="bob")
            assert bob.sadd("set1", 1, 2) == 2
            with pytest.raises(redis.ResponseError) as e:
                bob.set("set2", "v")
            assert str(e.value) == noperm_cmd("set")
            admin.execute_command("ACL", "SETUSER", "eve", "on", ">eve", "+get", "allkeys")
            assert admin.execute_command("ACL", "SAVE") == b"OK"
            with open(path) as f:
                saved = f.read().splitlines()
            assert saved == [
                "user alice on #" + _sha("alice") + " ~* &* +@all",
                "user bob on #" + _sha("bob") + " ~set* resetchannels -@all +@set +acl",
                "user default on nopass ~* &* +@all",
                "user eve on #" + _sha("eve") + " ~* resetchannels -@all +get",
            ]
            with open(path, "a") as f:
                f.write("user alice on nopass ~* -@all\n")
            with pytest.raises(redis.ResponseError, match="Duplicate user 'alice' found"):
                admin.execute_command("ACL", "LOAD")
            assert make_client(srv.port, username="alice", password="alice").ping() is True
            with open(path, "w") as f:
                f.write("\n".join(saved) + "\n")
            # LOAD closes the connections of every user but default.
            s = socket.create_connection((servers.HOST, srv.port), timeout=5)
            s.sendall(b"AUTH eve eve\r\n")
            assert s.recv(100) == b"+OK\r\n"
            assert admin.execute_command("ACL", "LOAD") == b"OK"
            s.settimeout(5)
            assert s.recv(100) == b""
            s.close()
            eve = make_client(srv.port, username="eve", password="eve")
            assert eve.get("key") == b"v"
            with pytest.raises(redis.ResponseError) as e:
                eve.set("key", "w")
            assert str(e.value) == noperm_cmd("set")
        finally:
            srv.stop()


def test_aclfile_errors_refuse_to_start():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bad.acl")
        with open(path, "w") as f:
            f.write("user alice on +nosuchcommand\n")
        with pytest.raises(servers.ServerError):
            servers.start_kora(1, extra_args=["--aclfile", path])
        with pytest.raises(servers.ServerError):
            servers.start_kora(1, extra_args=["--user", "x on +nosuch"])


def test_user_flag():
    srv = servers.start_kora(1, extra_args=["--user", "carl on >c ~c:* +@all", "--password", "pw"])
    try:
        c = make_client(srv.port, username="carl", password="c")
        assert c.set("c:1", "v") is True
        with pytest.raises(redis.ResponseError):
            c.set("d", "v")
        assert make_client(srv.port, password="pw").get("c:1") == b"v"
    finally:
        srv.stop()


def _sha(text):
    import hashlib
    return hashlib.sha256(text.encode()).hexdigest()
