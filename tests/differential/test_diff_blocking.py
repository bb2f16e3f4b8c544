r"""Differential tests with several clients per server: blocking list commands
(BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP), CLIENT UNBLOCK and WATCH seen from a
second connection. Every scenario runs the same fixed interleaving on redis-server
and on kora-cli, in RESP2 and in RESP3, and every reply must be byte-identical.

A scenario is a block of lines; each line is one of:

    # comment / blank line            ignored
    X [@MOD ...] CMD arg ...          client X (A, B, C or D) sends CMD and reads its
                                      reply (modifiers and quoting as in harness.py);
                                      `$id:Y` in an argument is replaced by client Y's
                                      id on that server (from an earlier `Y CLIENT ID`)
    X @send CMD arg ...               client X sends CMD and reads nothing (it blocks)
    X @read                           client X reads one reply (a blocked command's)
    X @quiet SECONDS                  client X receives nothing for SECONDS
    X @close                          client X disconnects
    @blocked N                        wait until INFO clients reports blocked_clients:N
                                      on both servers (polled, bounded)
    @sleep SECONDS                    sleep (keep it tiny)

`@blocked` is what makes the interleavings deterministic: after a client sends a
blocking command, the next client acts only once the server reports it blocked.
Before each scenario every database is flushed and no client is blocked.
KORA_DIFF_TRACE=1 (with pytest -s) prints every line with redis-server's reply.
"""

import os
import re
import time

import pytest

from harness import Divergence, normalize, parse_command
from resp import ConnectionClosed, RespConn

CLIENTS = ("A", "B", "C", "D")
TRACE = os.environ.get("KORA_DIFF_TRACE") == "1"  # print every reply (pytest -s)
BLOCKED_WAIT = 10.0  # seconds for a client to show up as blocked

_BLOCKED_RE = re.compile(rb"^blocked_clients:(\d+)\r?$", re.M)


class Clients:
    """Clients A..D on each server, plus a control connection that polls INFO."""

    def __init__(self, ports, proto):
        self.ports = ports  # {"redis": port, "kora": port}
        self.proto = proto
        self.conns = {name: {} for name in ports}
        self.ctl = {name: RespConn(port) for name, port in ports.items()}
        self.ids = {name: {} for name in ports}
        for who in CLIENTS:
            self.connect(who)

    def connect(self, who):
        for name, port in self.ports.items():
            conn = RespConn(port)
            if self.proto == 3:
                reply = conn.command("HELLO", "3")
                assert reply.kind == "%", (name, reply)
            self.conns[name][who] = conn

    def close(self):
        for per in self.conns.values():
            for c in per.values():
                c.close()
        for c in self.ctl.values():
            c.close()

    def blocked_clients(self, name):
        """blocked_clients from INFO clients, or None if the server does not report it."""
        reply = self.ctl[name].command("INFO", "clients")
        text = reply.value if isinstance(reply.value, bytes) else b""
        m = _BLOCKED_RE.search(text)
        return int(m.group(1)) if m else None

    def wait_blocked(self, n, loc, required=True):
        for name in self.ports:
            deadline = time.monotonic() + BLOCKED_WAIT
            while True:
                got = self.blocked_clients(name)
                if got == n or (got is None and not required):
                    break
                if got is None:
                    raise Divergence(f"{loc}: {name}: INFO clients has no blocked_clients field")
                if time.monotonic() > deadline:
                    raise Divergence(f"{loc}: {name} reports blocked_clients:{got}, waited for {n}")
                time.sleep(0.005)


def _show(reply):
    if reply is None:
        return "<connection closed>"
    return repr(reply.raw if len(reply.raw) < 600 else reply.raw[:600] + b"...")


def _read(conn):
    try:
        return conn.read_reply()
    except ConnectionClosed:
        return None


def run(clients, text, where):
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        loc = f"{where}:{lineno}: {line}"
        head, _, rest = line.partition(" ")
        if head == "@blocked":
            clients.wait_blocked(int(rest), loc)
            continue
        if head == "@sleep":
            time.sleep(float(rest))
            continue
        assert head in CLIENTS, f"{loc}: unknown client {head!r}"
        who = head
        if rest.startswith("@quiet"):
            secs = float(rest.split()[1])
            for name, per in clients.conns.items():
                extra = per[who].peek(secs)
                if extra:
                    raise Divergence(f"{loc}: {name} sent {extra[:200]!r}")
            continue
        if rest == "@close":
            for per in clients.conns.values():
                per[who].close()
            continue
        send = rest.startswith("@send ")
        if send:
            rest = rest[len("@send "):]
        mods = set()
        if rest != "@read":
            mods, args = parse_command(rest)
            assert args, f"{loc}: empty command"
            for name, per in clients.conns.items():
                real = [_substitute(a, clients.ids[name], loc) for a in args]
                per[who].send_command(*real)
            if send:
                continue
        replies = {name: _read(per[who]) for name, per in clients.conns.items()}
        if rest != "@read" and [a.upper() for a in args] == ["CLIENT", "ID"]:
            for name, reply in replies.items():
                assert reply is not None and reply.kind == ":", f"{loc}: {name}: {_show(reply)}"
                clients.ids[name][who] = reply.value
            mods.add("@type")
        r, k = replies["redis"], replies["kora"]
        nr = normalize(r, mods) if r is not None else None
        nk = normalize(k, mods) if k is not None else None
        if TRACE:
            print(f"{loc}\n    redis: {_show(r)}")
        if nr != nk:
            raise Divergence(f"{loc}\n  redis: {_show(r)}\n  kora:  {_show(k)}")


def _substitute(arg, ids, loc):
    if arg.startswith("$id:"):
        who = arg[4:]
        assert who in ids, f"{loc}: no CLIENT ID of {who} yet"
        return str(ids[who])
    return arg


# ---------------------------------------------------------------------------
# Scenarios. Keys without hash tags spread over Kora's shards.

BLOCKING = {}

# -- one client blocks on an empty key, another pushes: the blocked client gets
#    the element, the pusher's reply is the length after its push (before the pop)
for _push in ("RPUSH", "LPUSH"):
    for _name, _cmd, _after in [
        ("blpop", "BLPOP l 0", ""),
        ("brpop", "BRPOP l 0", ""),
        ("blpop_float_timeout", "BLPOP l 5.5", ""),
        ("blpop_second_key", "BLPOP none1 l none2 0", ""),
        ("brpop_second_key", "BRPOP none1 l 0", ""),
        ("blmove_left_right", "BLMOVE l dst LEFT RIGHT 0", "A LRANGE dst 0 -1"),
        ("blmove_right_left", "BLMOVE l dst RIGHT LEFT 0", "A LRANGE dst 0 -1"),
        ("blmove_same_key", "BLMOVE l l LEFT RIGHT 0", ""),
        ("brpoplpush", "BRPOPLPUSH l dst 0", "A LRANGE dst 0 -1"),
        ("blmpop_left", "BLMPOP 0 1 l LEFT", ""),
        ("blmpop_right_count", "BLMPOP 0 2 none l RIGHT COUNT 2", ""),
        ("blmpop_count_all", "BLMPOP 0 1 l LEFT COUNT 10", ""),
    ]:
        BLOCKING[f"{_push.lower()}_wakes_{_name}"] = f"""
B @send {_cmd}
@blocked 1
A {_push} l a b c
B @read
@blocked 0
A LRANGE l 0 -1
{_after}
"""

BLOCKING["push_to_other_key_does_not_wake"] = """
B @send BLPOP l 0
@blocked 1
A RPUSH other x
B @quiet 0.1
A RPUSH l y
B @read
A LRANGE other 0 -1
"""

BLOCKING["push_in_other_db_does_not_wake"] = """
B SELECT 1
B @send BLPOP l 0
@blocked 1
A RPUSH l in-db0
B @quiet 0.1
A SELECT 1
A RPUSH l in-db1
B @read
A SELECT 0
A LRANGE l 0 -1
"""

BLOCKING["timeouts"] = """
# (0.5 s for the first one: long enough to see it blocked, even on a loaded machine)
B @send BLPOP l 0.5
@blocked 1
B @read
@blocked 0
B @send BRPOP l1 l2 0.1
B @read
B @send BLMOVE l dst LEFT RIGHT 0.1
B @read
B @send BRPOPLPUSH l dst 0.1
B @read
B @send BLMPOP 0.1 2 l1 l2 LEFT COUNT 2
B @read
@blocked 0
A RPUSH l x
A LRANGE l 0 -1
A EXISTS dst
"""

BLOCKING["timeout_of_one_client_leaves_the_other_blocked"] = """
B @send BLPOP l 0.5
C @send BLPOP l 0
@blocked 2
B @read
@blocked 1
A RPUSH l x
C @read
A LLEN l
"""

BLOCKING["fifo_one_push_each"] = """
B @send BLPOP l 0
@blocked 1
C @send BLPOP l 0
@blocked 2
A RPUSH l x
B @read
C @quiet 0.1
@blocked 1
A RPUSH l y
C @read
@blocked 0
A EXISTS l
"""

BLOCKING["fifo_one_push_for_both"] = """
B @send BLPOP l 0
@blocked 1
C @send BRPOP l 0
@blocked 2
D @send BLPOP l 0
@blocked 3
A RPUSH l 1 2 3 4
B @read
C @read
D @read
A LRANGE l 0 -1
"""

BLOCKING["fifo_across_keys"] = """
B @send BLPOP k1 k2 0
@blocked 1
C @send BLPOP k2 0
@blocked 2
A RPUSH k2 v
B @read
C @quiet 0.1
A RPUSH k1 w
C @quiet 0.1
A RPUSH k2 z
C @read
A EXISTS k1 k2
"""

BLOCKING["fifo_blmpop_and_blpop"] = """
B @send BLMPOP 0 1 l LEFT COUNT 2
@blocked 1
C @send BLPOP l 0
@blocked 2
A RPUSH l a b c d
B @read
C @read
A LRANGE l 0 -1
"""

BLOCKING["blmove_chained_to_blpop_on_destination"] = """
B @send BLPOP dst 0
@blocked 1
C @send BLMOVE src dst RIGHT LEFT 0
@blocked 2
A RPUSH src v
C @read
B @read
@blocked 0
A EXISTS src dst
"""

BLOCKING["blmove_chain_of_two_moves"] = """
B @send BLMOVE mid end LEFT RIGHT 0
@blocked 1
C @send BRPOPLPUSH src mid 0
@blocked 2
D @send BLPOP end 0
@blocked 3
A RPUSH src x y
C @read
B @read
D @read
A LRANGE src 0 -1
A EXISTS mid end
"""

BLOCKING["blmove_destination_already_has_data"] = """
A RPUSH dst old
B @send BLMOVE src dst LEFT LEFT 0
@blocked 1
A RPUSH src new
B @read
A LRANGE dst 0 -1
"""

BLOCKING["lpush_several_values"] = """
B @send BLPOP l 0
@blocked 1
A LPUSH l a b c
B @read
A LRANGE l 0 -1
B @send BRPOP l2 0
@blocked 1
A LPUSH l2 a b c
B @read
A LRANGE l2 0 -1
B @send BLMPOP 0 1 l3 LEFT COUNT 2
@blocked 1
A LPUSH l3 a b c
B @read
A LRANGE l3 0 -1
"""

BLOCKING["other_producers_wake"] = """
# LMOVE, RPOPLPUSH, LINSERT-free producers: anything that creates the list
A RPUSH src a b
B @send BLPOP dst 0
@blocked 1
A LMOVE src dst LEFT RIGHT
B @read
B @send BLPOP dst 0
@blocked 1
A RPOPLPUSH src dst
B @read
B @send BRPOP l 0
@blocked 1
A RPUSHX l nope
A LPUSHX l nope
B @quiet 0.1
A MULTI
A RPUSH l one
A EXEC
B @read
"""

BLOCKING["push_inside_multi_wakes_after_exec"] = """
B @send BLPOP l 0
@blocked 1
A MULTI
A RPUSH l a
B @quiet 0.1
A LPUSH l b
A LLEN l
B @quiet 0.1
A EXEC
B @read
@blocked 0
A LRANGE l 0 -1
"""

BLOCKING["transaction_that_pushes_and_pops_does_not_wake"] = """
B @send BLPOP l 0
@blocked 1
A MULTI
A RPUSH l a b
A DEL l
A EXEC
B @quiet 0.1
A MULTI
A RPUSH l c
A LPOP l
A EXEC
B @quiet 0.1
@blocked 1
A MULTI
A RPUSH l d
A DEL l
A RPUSH l e f
A EXEC
B @read
A LRANGE l 0 -1
"""

BLOCKING["discarded_multi_does_not_wake"] = """
B @send BRPOP l 0
@blocked 1
A MULTI
A RPUSH l a
A DISCARD
B @quiet 0.1
A RPUSH l z
B @read
"""

BLOCKING["transaction_wakes_clients_on_several_keys"] = """
B @send BLPOP k1 0
@blocked 1
C @send BLPOP k2 0
@blocked 2
A MULTI
A RPUSH k2 x
A RPUSH k1 y
A EXEC
B @read
C @read
@blocked 0
"""

BLOCKING["wrong_type_value_does_not_wake"] = """
B @send BLPOP l 0
@blocked 1
A SET l str
B @quiet 0.1
A DEL l
A SADD l member
B @quiet 0.1
A DEL l
A RPUSH l x
B @read
"""

BLOCKING["blmove_to_wrong_type_destination"] = """
B @send BLMOVE src dst LEFT RIGHT 0
@blocked 1
A SET dst str
A RPUSH src x
B @read
@blocked 0
A LRANGE src 0 -1
A GET dst
"""

BLOCKING["disconnected_blocked_client"] = """
B @send BLPOP l 0
@blocked 1
B @close
@blocked 0
A RPUSH l x
A LRANGE l 0 -1
"""

BLOCKING["client_unblock_timeout"] = """
B CLIENT ID
B @send BLPOP l 0
@blocked 1
A CLIENT UNBLOCK $id:B
B @read
@blocked 0
A CLIENT UNBLOCK $id:B
B @send BLMOVE l dst LEFT RIGHT 0
@blocked 1
A CLIENT UNBLOCK $id:B TIMEOUT
B @read
B @send BRPOPLPUSH l dst 0
@blocked 1
A CLIENT UNBLOCK $id:B timeout
B @read
B @send BLMPOP 0 1 l LEFT
@blocked 1
A CLIENT UNBLOCK $id:B TIMEOUT
B @read
@blocked 0
A RPUSH l x
A LRANGE l 0 -1
B PING
"""

BLOCKING["client_unblock_error"] = """
B CLIENT ID
B @send BRPOP l 0
@blocked 1
A CLIENT UNBLOCK $id:B ERROR
B @read
@blocked 0
A CLIENT UNBLOCK $id:B ERROR
B @send BLMOVE l dst RIGHT LEFT 0
@blocked 1
A CLIENT UNBLOCK $id:B error
B @read
B @send BLMPOP 0 2 l l2 RIGHT COUNT 3
@blocked 1
A CLIENT UNBLOCK $id:B ERROR
B @read
@blocked 0
A RPUSH l x
A LRANGE l 0 -1
B PING
"""

BLOCKING["client_unblock_one_of_two"] = """
A CLIENT ID
B CLIENT ID
C CLIENT ID
B @send BLPOP l 0
@blocked 1
C @send BLPOP l 0
@blocked 2
A CLIENT UNBLOCK $id:B
B @read
@blocked 1
A CLIENT UNBLOCK $id:A
A RPUSH l x y
C @read
A LRANGE l 0 -1
A CLIENT UNBLOCK $id:C ERROR
"""

BLOCKING["client_unblock_with_bad_reason_leaves_client_blocked"] = """
B CLIENT ID
B @send BLPOP l 0
@blocked 1
A CLIENT UNBLOCK $id:B FOO
B @quiet 0.1
@blocked 1
A RPUSH l x
B @read
"""

BLOCKING["blocked_client_then_watch"] = """
# a pop serving a blocked client modifies the key for a watcher
A RPUSH l seed
A LPOP l
C WATCH l
B @send BLPOP l 0
@blocked 1
A RPUSH l x
B @read
C MULTI
C LLEN l
C EXEC
"""

WATCH = {}

WATCH["modified_by_another_client"] = """
A SET k 1
A WATCH k
B SET k 2
A MULTI
A SET k 3
A EXEC
A GET k
"""

WATCH["not_modified"] = """
A SET k 1
A WATCH k
B GET k
B EXISTS k
B SET other 1
A MULTI
A INCR k
A EXEC
"""

WATCH["modified_while_queueing"] = """
A SET k 1
A WATCH k
A MULTI
A INCR k
B SET k 10
A INCR k
A EXEC
A GET k
"""

WATCH["del_of_missing_key_does_not_count"] = """
A WATCH missing
B DEL missing
B UNLINK missing
A MULTI
A SET missing 1
A EXEC
A WATCH missing
B DEL missing
A MULTI
A SET missing 2
A EXEC
A GET missing
"""

WATCH["expire_counts"] = """
A SET k v
A WATCH k
B EXPIRE k 100
A MULTI
A TTL k
A EXEC
A WATCH nokey
B EXPIRE nokey 100
A MULTI
A TTL k
A EXEC
"""

WATCH["flushdb_and_flushall"] = """
A SET k v
A WATCH nokey
B FLUSHDB
A MULTI
A PING
A EXEC
A SET k v
A WATCH k
B FLUSHDB
A MULTI
A PING
A EXEC
A SET k v
A WATCH k
B SELECT 1
B FLUSHDB
A MULTI
A PING
A EXEC
A WATCH k
B FLUSHALL
A MULTI
A PING
A EXEC
A WATCH k
B FLUSHALL
A MULTI
A PING
A EXEC
"""

WATCH["same_name_in_other_db"] = """
A SET k v
A WATCH k
B SELECT 1
B SET k other
B DEL k
A MULTI
A GET k
A EXEC
A SELECT 1
A WATCH k
B SET k again
A MULTI
A GET k
A EXEC
"""

WATCH["several_keys_over_shards"] = """
A MSET k1 1 k2 2 k3 3 k4 4 k5 5 k6 6
A WATCH k1 k2 k3 k4 k5 k6
B GET k6
A MULTI
A MGET k1 k2 k3 k4 k5 k6
A EXEC
A WATCH k1 k2 k3 k4 k5 k6
B INCR k5
A MULTI
A MGET k1 k2 k3 k4 k5 k6
A EXEC
A WATCH k1 k2
A WATCH k3
B DEL k3
A MULTI
A MGET k1 k2
A EXEC
"""

WATCH["hash_tags"] = """
A MSET {t}a 1 {t}b 2 {u}c 3
A WATCH {t}a {t}b
B SET {u}c 30
B SET {t}c 30
A MULTI
A INCR {t}a
A EXEC
A WATCH {t}a {t}b {u}c
B INCR {t}b
A MULTI
A INCR {t}a
A EXEC
A MGET {t}a {t}b {u}c
"""

WATCH["modified_by_another_transaction"] = """
A SET k 0
A WATCH k
C WATCH k
B MULTI
B INCR k
B EXEC
A MULTI
A INCR k
A EXEC
A GET k
C UNWATCH
C MULTI
C INCR k
C EXEC
"""

WATCH["optimistic_race_first_exec_wins"] = """
A SET k 0
A WATCH k
C WATCH k
A GET k
C GET k
A MULTI
A SET k 1
C MULTI
C SET k 2
A EXEC
C EXEC
A GET k
"""

WATCH["unwatch_discard_exec_clear"] = """
A SET k 0
A WATCH k
A UNWATCH
B INCR k
A MULTI
A GET k
A EXEC
A WATCH k
A MULTI
A DISCARD
B INCR k
A MULTI
A GET k
A EXEC
A WATCH k
A MULTI
A GET k
A EXEC
B INCR k
A MULTI
A GET k
A EXEC
"""

WATCH["multi_key_writes"] = """
A MSET a 1 b 2
A RPUSH src x y
A WATCH dst
B LMOVE src dst LEFT RIGHT
A MULTI
A LRANGE dst 0 -1
A EXEC
A WATCH b
B RENAME a b
A MULTI
A GET b
A EXEC
A WATCH m2
B MSET m1 1 m2 2
A MULTI
A GET m2
A EXEC
A WATCH s3
B SADD s1 a b
B SADD s2 b
B SUNIONSTORE s3 s1 s2
A MULTI
A SCARD s3
A EXEC
"""

WATCH["pexpire_then_lazy_expiry"] = """
A SET k v
A WATCH k
B PEXPIRE k 150
A UNWATCH
A WATCH k
@sleep 0.2
B GET k
A MULTI
A EXISTS k
A EXEC
"""

SCENARIOS = {**{f"block_{k}": v for k, v in BLOCKING.items()},
             **{f"watch_{k}": v for k, v in WATCH.items()}}


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def clients(request, redis_server, kora_server):
    assert kora_server.alive(), "kora-cli died during an earlier test"
    c = Clients({"redis": redis_server.port, "kora": kora_server.port}, request.param)
    try:
        for name, ctl in c.ctl.items():
            reply = ctl.command("FLUSHALL")
            assert reply.raw == b"+OK\r\n", (name, reply)
        # clients of the previous scenario may still be blocked until their server
        # has seen them disconnect (a server without the field is checked by @blocked)
        c.wait_blocked(0, "setup: clients of an earlier test still blocked", required=False)
        yield c
    finally:
        c.close()
    assert kora_server.alive(), "kora-cli died during this test"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(clients, name):
    run(clients, SCENARIOS[name], where=name)
