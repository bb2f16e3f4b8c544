r"""Differential tests of blocking stream reads with several clients per server:
XREAD BLOCK and XREADGROUP BLOCK woken by XADD from another client (on the same
worker and on another one: the scenarios use keys spread over every shard), "$"
resolved when the client blocks, writes that must not wake (XDEL, XTRIM, another
key or db), timeouts, CLIENT UNBLOCK, XGROUP DESTROY of the group waited on, and
MULTI/EXEC around both sides. The scenario language is test_diff_blocking.py's;
every scenario runs in RESP2 and RESP3 and replies must be byte-identical.

Also here: a whole SCAN ... TYPE stream compared as a set of keys (SCAN's pages
differ between one keyspace and Kora's shards, so case files cannot do it).
"""

import pytest

from resp import RespConn
from test_diff_blocking import clients, run  # noqa: F401  (clients: the fixture, in RESP2 and RESP3)

# Keys named k0..k7 land on different shards for any worker count used here.
SCENARIOS = {}

SCENARIOS["xread_dollar_woken_by_xadd"] = """
A XADD s 1 f old
B @send XREAD BLOCK 0 STREAMS s $
@blocked 1
A XADD s 2 f new
B @read
@blocked 0
"""

SCENARIOS["xread_missing_key_woken_by_xadd"] = """
B @send XREAD BLOCK 0 STREAMS s $
@blocked 1
A XADD s 5-1 f v
B @read
"""

SCENARIOS["xread_many_keys_any_shard_wakes"] = """
B @send XREAD BLOCK 0 STREAMS k0 k1 k2 k3 k4 k5 k6 k7 $ $ $ $ $ $ $ $
@blocked 1
A XADD k5 1 f v
B @read
@blocked 0
B @send XREAD BLOCK 0 STREAMS k0 k1 k2 k3 k4 k5 k6 k7 $ $ $ $ $ $ $ $
@blocked 1
A XADD k0 1 f v
B @read
B @send XREAD BLOCK 0 STREAMS k0 k1 k2 k3 k4 k5 k6 k7 $ $ $ $ $ $ $ $
@blocked 1
A XADD k7 1 f v
B @read
"""

SCENARIOS["xread_explicit_id_waits_for_a_greater_one"] = """
A XADD s 5 f v
B @send XREAD BLOCK 0 STREAMS s 9
@blocked 1
A XADD s 7 f v
B @quiet 0.1
A XADD s 10 f v
B @read
"""

SCENARIOS["xread_dollar_is_resolved_when_blocking"] = """
A XADD s 5 f v
B @send XREAD BLOCK 0 COUNT 10 STREAMS s $
@blocked 1
A MULTI
A XADD s 6 f a
A XADD s 7 f b
A EXEC
B @read
"""

SCENARIOS["xread_writes_that_do_not_wake"] = """
A XADD s 1 f v
A XADD s 2 f v
B @send XREAD BLOCK 0 STREAMS s $
@blocked 1
A XDEL s 1
A XTRIM s MAXLEN 0
A XADD other 1 f v
A XGROUP CREATE s g 0
A XSETID s 2
B @quiet 0.1
A SELECT 1
A XADD s 3 f other-db
B @quiet 0.1
A SELECT 0
A XADD s 3 f v
B @read
"""

SCENARIOS["xread_two_clients_woken_by_one_xadd"] = """
B @send XREAD BLOCK 0 STREAMS s $
@blocked 1
C @send XREAD BLOCK 0 STREAMS other s $ $
@blocked 2
A XADD s 1 f v
B @read
C @read
@blocked 0
"""

SCENARIOS["xread_count_limits_the_wake"] = """
A XADD s 1 f v
B @send XREAD COUNT 2 BLOCK 0 STREAMS s 1
@blocked 1
A MULTI
A XADD s 2 f v
A XADD s 3 f v
A XADD s 4 f v
A EXEC
B @read
"""

SCENARIOS["xread_timeouts"] = """
B @send XREAD BLOCK 100 STREAMS s $
B @read
A XADD s 1 f v
B @send XREAD BLOCK 100 STREAMS s 1
B @read
B XREAD BLOCK 100 STREAMS s 0
"""

SCENARIOS["xread_client_unblock"] = """
B CLIENT ID
B @send XREAD BLOCK 0 STREAMS s $
@blocked 1
A CLIENT UNBLOCK $id:B
B @read
@blocked 0
B @send XREAD BLOCK 0 STREAMS s $
@blocked 1
A CLIENT UNBLOCK $id:B ERROR
B @read
"""

SCENARIOS["xread_in_multi_does_not_block"] = """
B MULTI
B XREAD BLOCK 0 STREAMS s $
B XADD s 1 f v
B XREAD BLOCK 0 STREAMS s $
B XREAD BLOCK 0 STREAMS s 0
B EXEC
"""

SCENARIOS["xreadgroup_woken_by_xadd"] = """
A XGROUP CREATE s g $ MKSTREAM
B @send XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
@blocked 1
A XADD s 1 f v
B @read
@blocked 0
A XPENDING s g
A XINFO GROUPS s
"""

SCENARIOS["xreadgroup_two_consumers_share_the_entries"] = """
A XGROUP CREATE s g $ MKSTREAM
B @send XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
@blocked 1
C @send XREADGROUP GROUP g bob BLOCK 0 STREAMS s >
@blocked 2
A XADD s 1 f v
B @read
@blocked 1
C @quiet 0.1
A XADD s 2 f v
C @read
@blocked 0
A XPENDING s g
"""

SCENARIOS["xreadgroup_noack_and_count"] = """
A XGROUP CREATE s g $ MKSTREAM
B @send XREADGROUP GROUP g alice COUNT 1 NOACK BLOCK 0 STREAMS s >
@blocked 1
A MULTI
A XADD s 1 f v
A XADD s 2 f v
A EXEC
B @read
A XPENDING s g
A XINFO GROUPS s
"""

SCENARIOS["xreadgroup_group_destroyed_while_blocked"] = """
A XGROUP CREATE s g $ MKSTREAM
B @send XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
@blocked 1
A XGROUP DESTROY s g
B @read
@blocked 0
"""

SCENARIOS["xreadgroup_key_deleted_or_overwritten_while_blocked"] = """
A XGROUP CREATE s g $ MKSTREAM
B @send XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
C @send XREAD BLOCK 0 STREAMS s $
@blocked 2
A DEL s
B @read
@blocked 1
A XGROUP CREATE s g $ MKSTREAM
B @send XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
@blocked 2
A SET s x
B @read
@blocked 1
A DEL s
A XADD s 1 f v
C @read
"""

SCENARIOS["xreadgroup_timeout_and_other_group"] = """
A XGROUP CREATE s g $ MKSTREAM
A XGROUP CREATE s h $
B @send XREADGROUP GROUP g alice BLOCK 100 STREAMS s >
B @read
B @send XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
@blocked 1
A XREADGROUP GROUP h x STREAMS s >
A XADD s 1 f v
B @read
A XREADGROUP GROUP h x STREAMS s >
"""

SCENARIOS["xreadgroup_in_multi_does_not_block"] = """
A XGROUP CREATE s g $ MKSTREAM
B MULTI
B XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
B EXEC
"""


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_stream_blocking(clients, name):  # noqa: F811
    run(clients, SCENARIOS[name], where=name)


def _scan_all(conn, *args):
    keys, cursor = set(), b"0"
    while True:
        reply = conn.command("SCAN", cursor, *args)
        cursor = reply.value[0].value
        keys.update(e.value for e in reply.value[1].value)
        if cursor == b"0":
            return keys


def test_scan_type_stream(redis_server, kora_server):
    sets = {}
    for name, port in (("redis", redis_server.port), ("kora", kora_server.port)):
        c = RespConn(port)
        c.command("FLUSHALL")
        for i in range(40):
            c.command("XADD", f"s{i}", "1", "f", "v")
            c.command("SET", f"str{i}", "x")
        c.command("XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM")
        sets[name] = (_scan_all(c, "TYPE", "stream"), _scan_all(c, "TYPE", "STREAM", "MATCH", "s1*"))
        c.close()
    assert sets["redis"] == sets["kora"]
    assert len(sets["kora"][0]) == 41
