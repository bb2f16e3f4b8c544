"""Connection and server commands: PING, ECHO, unknown commands, COMMAND, INFO, HELLO,
CLIENT, QUIT (the RESP3 and QUIT parts over raw sockets)."""

import pytest
import redis

import resp
from bbutil import make_client, raw_command

IMPLEMENTED = ["ping", "echo", "get", "set", "del", "unlink", "exists", "mget", "mset", "incr",
               "incrby", "decr", "decrby", "append", "strlen", "expire", "pexpire", "expireat",
               "pexpireat", "ttl", "pttl", "persist", "type", "keys", "dbsize", "flushdb",
               "flushall", "select", "command", "quit", "info", "hello", "client"]


def test_ping_echo(r):
    assert raw_command(r, "PING") == b"PONG"
    assert raw_command(r, "PING", "hi") == b"hi"
    assert raw_command(r, "PING", b"\x00\r\n") == b"\x00\r\n"
    assert raw_command(r, "ECHO", "") == b""
    assert raw_command(r, "ECHO", b"a\x00b\xff") == b"a\x00b\xff"
    for cmd, name in ((["PING", "a", "b"], "ping"), (["ECHO"], "echo"), (["ECHO", "a", "b"], "echo")):
        with pytest.raises(redis.ResponseError) as e:
            raw_command(r, *cmd)
        assert str(e.value) == f"wrong number of arguments for '{name}' command"


def test_unknown_command(r):
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, "NOSUCH")
    assert str(e.value) == "unknown command 'NOSUCH', with args beginning with: "
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, "nosuch", "a", "b c")
    assert str(e.value) == "unknown command 'nosuch', with args beginning with: 'a' 'b c' "
    assert raw_command(r, "PING") == b"PONG"  # the connection survives


def test_command_introspection(r):
    count = raw_command(r, "COMMAND", "COUNT")
    names = raw_command(r, "COMMAND", "LIST")
    table = raw_command(r, "COMMAND")
    assert isinstance(count, int) and count == len(names) == len(table)
    assert {n.decode() for n in names} >= set(IMPLEMENTED)
    (get,) = raw_command(r, "COMMAND", "INFO", "get")
    assert get[0] == b"get" and get[1] == 2 and get[3:6] == [1, 1, 1]
    (mset,) = raw_command(r, "COMMAND", "INFO", "MSET")
    assert mset[0] == b"mset" and mset[1] == -3 and mset[3:6] == [1, -1, 2]
    assert raw_command(r, "COMMAND", "INFO", "get", "set")[1][0] == b"set"
    docs = raw_command(r, "COMMAND", "DOCS", "get")
    assert docs and docs[0] == b"get"
    assert raw_command(r, "COMMAND", "GETKEYS", "SET", "a", "b", "EX", "10") == [b"a"]
    assert raw_command(r, "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == [b"a", b"b"]
    assert raw_command(r, "COMMAND", "GETKEYS", "DEL", "x", "y", "z") == [b"x", b"y", b"z"]
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, "COMMAND", "GETKEYS", "NOSUCH", "a")
    assert str(e.value) == "Invalid command specified"
    with pytest.raises(redis.ResponseError) as e:
        raw_command(r, "COMMAND", "NOSUCH")
    assert str(e.value) == "unknown subcommand 'NOSUCH'. Try COMMAND HELP."


def test_info_sections(kora, r):
    r.mset({f"k{i}": i for i in range(10)})
    r.expire("k0", 100)
    info = r.info()
    for field in ("redis_version", "tcp_port", "process_id", "connected_clients",
                  "total_connections_received", "total_commands_processed"):
        assert field in info, field
    assert info["tcp_port"] == kora.port
    assert info["process_id"] == kora.pid
    assert info["db0"]["keys"] == 10 and info["db0"]["expires"] == 1
    assert set(r.info("server")) >= {"redis_version", "tcp_port"}
    assert "connected_clients" in r.info("clients")
    assert "total_commands_processed" in r.info("stats")
    assert r.info("keyspace")["db0"]["keys"] == 10
    # the text itself: sections headed "# Name", CRLF lines
    text = raw_command(r, "INFO", "keyspace")
    assert text.startswith(b"# Keyspace\r\n") and b"db0:keys=10,expires=1," in text


def test_info_counters_move(kora, r):
    before = r.info("stats")["total_commands_processed"]
    for _ in range(20):
        r.ping()
    assert r.info("stats")["total_commands_processed"] >= before + 20
    clients = [make_client(kora.port, single_connection_client=True) for _ in range(3)]
    try:
        for c in clients:
            c.ping()
        assert r.info("clients")["connected_clients"] >= 4
    finally:
        for c in clients:
            c.close()


def test_hello(kora):
    with resp.RespConn(kora.port) as c:
        rep = c.command("HELLO")
        assert rep.kind == "*"  # RESP2 until asked otherwise
        fields = dict(zip([e.value for e in rep.value[::2]], rep.value[1::2]))
        assert fields[b"server"].value == b"redis" and fields[b"proto"].value == 2
        assert fields[b"id"].kind == ":"
        rep = c.command("HELLO", "3")
        assert rep.kind == "%" and len(rep.value) == 14
        fields = dict(zip([e.value for e in rep.value[::2]], rep.value[1::2]))
        assert fields[b"proto"].value == 3 and fields[b"mode"].value == b"standalone"
        assert fields[b"role"].value == b"master" and fields[b"modules"].raw == b"*0\r\n"
        assert c.command("GET", "nosuch").raw == b"_\r\n"
        assert c.command("MGET", "nosuch").raw == b"*1\r\n_\r\n"
        assert c.command("CLIENT", "GETNAME").raw == b"_\r\n"
        assert c.command("HELLO", "4").raw == b"-NOPROTO unsupported protocol version\r\n"
        assert c.command("HELLO", "x").raw == \
            b"-ERR Protocol version is not an integer or out of range\r\n"
        assert c.command("GET", "nosuch").raw == b"_\r\n"  # a failed HELLO keeps RESP3
        rep = c.command("HELLO", "2", "SETNAME", "conn-a")
        assert rep.kind == "*"
        assert c.command("GET", "nosuch").raw == b"$-1\r\n"
        assert c.command("CLIENT", "GETNAME").raw == b"$6\r\nconn-a\r\n"


def test_client_commands(kora, r):
    with resp.RespConn(kora.port) as a, resp.RespConn(kora.port) as b:
        ida, idb = a.command("CLIENT", "ID").value, b.command("CLIENT", "ID").value
        assert isinstance(ida, int) and isinstance(idb, int) and ida != idb
        assert a.command("CLIENT", "ID").value == ida
        hello = a.command("HELLO")
        fields = dict(zip([e.value for e in hello.value[::2]], hello.value[1::2]))
        assert fields[b"id"].value == ida
        assert a.command("CLIENT", "GETNAME").raw == b"$-1\r\n"
        assert a.command("CLIENT", "SETNAME", "alpha").raw == b"+OK\r\n"
        assert a.command("CLIENT", "GETNAME").raw == b"$5\r\nalpha\r\n"
        assert b.command("CLIENT", "GETNAME").raw == b"$-1\r\n"  # per connection
        assert a.command("CLIENT", "SETNAME", "bad name").raw == \
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
        assert a.command("CLIENT", "GETNAME").raw == b"$5\r\nalpha\r\n"
        assert a.command("CLIENT", "SETNAME", "").raw == b"+OK\r\n"
        assert a.command("CLIENT", "GETNAME").raw == b"$-1\r\n"
        assert a.command("CLIENT", "SETINFO", "LIB-NAME", "kora-tests").raw == b"+OK\r\n"
        assert a.command("CLIENT", "SETINFO", "lib-ver", "1.2.3").raw == b"+OK\r\n"
        assert a.command("CLIENT", "NOSUCH").raw == \
            b"-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n"
        with resp.RespConn(kora.port) as c:
            assert c.command("CLIENT", "ID").value > max(ida, idb)  # ids grow


def test_client_setinfo_rejects_unknown_attribute(kora):
    with resp.RespConn(kora.port) as c:
        assert c.command("CLIENT", "SETINFO", "bad-attr", "x").raw == \
            b"-ERR Unrecognized option 'bad-attr'\r\n"


def test_client_setinfo_validates_value(kora):
    with resp.RespConn(kora.port) as c:
        assert c.command("CLIENT", "SETINFO", "lib-name", "a b").raw == \
            b"-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"


def test_quit(kora):
    with resp.RespConn(kora.port) as c:
        c.send(resp.encode("SET", "quit-key", "1") + resp.encode("QUIT") + resp.encode("SET", "after", "1"))
        assert c.read_reply().raw == b"+OK\r\n"
        assert c.read_reply().raw == b"+OK\r\n"
        assert c.read_eof(timeout=5), "server did not close after QUIT"
    with resp.RespConn(kora.port) as c:
        assert c.command("EXISTS", "quit-key", "after").raw == b":1\r\n"  # nothing after QUIT ran
    # redis-py's own QUIT
    client = make_client(kora.port, single_connection_client=True)
    assert client.execute_command("QUIT") is True
    client.close()
