r"""Differential tests of the blocking sorted-set pops (BZPOPMIN, BZPOPMAX, BZMPOP) with
several clients per server, on the scenario machinery of test_diff_blocking.py (the
same line format, the `clients` fixture: RESP2 and RESP3, `@blocked N` to make every
interleaving deterministic). Keys without hash tags spread over Kora's shards.
"""

import pytest

from test_diff_blocking import clients, run  # noqa: F401  (clients is a fixture)

ZBLOCKING = {}

# -- one client blocks on an empty key, another adds: the blocked client gets the
#    lowest / highest member, the writer's reply is its own (count of added members)
for _name, _cmd in [
    ("bzpopmin", "BZPOPMIN z 0"),
    ("bzpopmax", "BZPOPMAX z 0"),
    ("bzpopmin_float_timeout", "BZPOPMIN z 5.5"),
    ("bzpopmin_second_key", "BZPOPMIN none1 z none2 0"),
    ("bzpopmax_second_key", "BZPOPMAX none1 z 0"),
    ("bzmpop_min", "BZMPOP 0 1 z MIN"),
    ("bzmpop_max_second_key", "BZMPOP 0 2 none z MAX"),
    ("bzmpop_min_count", "BZMPOP 0 1 z MIN COUNT 2"),
    ("bzmpop_max_count_all", "BZMPOP 0 2 none z MAX COUNT 10"),
]:
    ZBLOCKING[f"zadd_wakes_{_name}"] = f"""
B @send {_cmd}
@blocked 1
A ZADD z 2 b 1 a 3 c
B @read
@blocked 0
A ZRANGE z 0 -1 WITHSCORES
"""

ZBLOCKING["zadd_to_other_key_does_not_wake"] = """
B @send BZPOPMIN z 0
@blocked 1
A ZADD other 1 x
B @quiet 0.1
A ZADD z 5 y
B @read
A ZRANGE other 0 -1 WITHSCORES
"""

ZBLOCKING["zadd_in_other_db_does_not_wake"] = """
B SELECT 1
B @send BZPOPMAX z 0
@blocked 1
A ZADD z 1 in-db0
B @quiet 0.1
A SELECT 1
A ZADD z 2 in-db1
B @read
A SELECT 0
A ZRANGE z 0 -1 WITHSCORES
"""

ZBLOCKING["writes_that_create_no_key_do_not_wake"] = """
B @send BZPOPMIN z 0
@blocked 1
A ZADD z XX 1 a
A ZADD z XX INCR 1 a
A ZUNIONSTORE z 1 missing
A ZRANGESTORE z missing 0 -1
A ZINTERSTORE z 2 missing other
B @quiet 0.1
@blocked 1
A ZADD z INCR 1.5 a
B @read
A EXISTS z
"""

ZBLOCKING["other_writers_wake"] = """
A ZADD src 1 a 2 b 3 c
A ZADD src2 2 b 10 z
B @send BZPOPMAX dst 0
@blocked 1
A ZUNIONSTORE dst 2 src src2 WEIGHTS 1 2
B @read
A ZRANGE dst 0 -1 WITHSCORES
B @send BZPOPMIN dst2 0
@blocked 1
A ZINTERSTORE dst2 2 src src2
B @read
B @send BZPOPMIN dst3 0
@blocked 1
A ZDIFFSTORE dst3 2 src src2
B @read
A ZRANGE dst3 0 -1 WITHSCORES
B @send BZPOPMAX dst4 0
@blocked 1
A ZRANGESTORE dst4 src 0 1
B @read
A ZRANGE dst4 0 -1 WITHSCORES
B @send BZPOPMIN dst5 0
@blocked 1
A ZINCRBY dst5 2.5 m
B @read
@blocked 0
A EXISTS dst5
"""

# Redis 7.0 signals a key as ready only when it is added (dbAdd), not when an existing
# key is overwritten (dbOverwrite): a ZUNIONSTORE replacing the string under a blocked
# BZPOPMAX leaves the client blocked; deleting and re-adding the key then serves it.
ZBLOCKING["zunionstore_overwriting_a_string_does_not_wake"] = """
A ZADD src 1 a 2 b
B @send BZPOPMAX dst 0
@blocked 1
A SET dst str
B @quiet 0.1
A ZUNIONSTORE dst 1 src
B @quiet 0.1
@blocked 1
A TYPE dst
A ZRANGE dst 0 -1 WITHSCORES
A DEL dst
A ZADD dst 5 z
B @read
@blocked 0
A ZRANGE dst 0 -1 WITHSCORES
"""

ZBLOCKING["timeouts"] = """
# (0.5 s for the first one: long enough to see it blocked, even on a loaded machine)
B @send BZPOPMIN z 0.5
@blocked 1
B @read
@blocked 0
B @send BZPOPMAX z1 z2 0.1
B @read
B @send BZMPOP 0.1 2 z1 z2 MIN COUNT 2
B @read
B @send BZMPOP 0.1 1 z MAX
B @read
@blocked 0
A ZADD z 1 x
A ZRANGE z 0 -1 WITHSCORES
"""

ZBLOCKING["fifo_one_member_each"] = """
B @send BZPOPMIN z 0
@blocked 1
C @send BZPOPMIN z 0
@blocked 2
A ZADD z 1 x
B @read
C @quiet 0.1
@blocked 1
A ZADD z 2 y
C @read
@blocked 0
A EXISTS z
"""

ZBLOCKING["fifo_one_zadd_for_three"] = """
B @send BZPOPMIN z 0
@blocked 1
C @send BZPOPMAX z 0
@blocked 2
D @send BZMPOP 0 1 z MIN COUNT 2
@blocked 3
A ZADD z 1 a 2 b 3 c 4 d 5 e 6 f
B @read
C @read
D @read
A ZRANGE z 0 -1 WITHSCORES
"""

ZBLOCKING["fifo_bzmpop_count_then_bzpopmin"] = """
B @send BZMPOP 0 1 z MAX COUNT 3
@blocked 1
C @send BZPOPMIN z 0
@blocked 2
A ZADD z 1 a 2 b 3 c
B @read
C @quiet 0.1
@blocked 1
A ZADD z 9 q
C @read
"""

ZBLOCKING["fifo_across_keys"] = """
B @send BZPOPMIN k1 k2 0
@blocked 1
C @send BZPOPMIN k2 0
@blocked 2
A ZADD k2 1 v
B @read
C @quiet 0.1
A ZADD k1 1 w
C @quiet 0.1
A ZADD k2 1 z
C @read
A EXISTS k1 k2
"""

# clients blocked on one key by a list pop and by a zset pop: a write of either type
# serves the first client waiting for that type, whatever the order they blocked in
ZBLOCKING["list_client_ahead_of_zset_client"] = """
B @send BLPOP k 0
@blocked 1
C @send BZPOPMIN k 0
@blocked 2
A ZADD k 1 a
C @read
@blocked 1
A DEL k
A RPUSH k x
B @read
@blocked 0
"""

ZBLOCKING["zset_client_ahead_of_list_client"] = """
B @send BZPOPMIN k 0
@blocked 1
C @send BLPOP k 0
@blocked 2
A RPUSH k x
C @read
@blocked 1
A DEL k
A ZADD k 1 a
B @read
@blocked 0
"""

ZBLOCKING["zadd_inside_multi_wakes_after_exec"] = """
B @send BZPOPMIN z 0
@blocked 1
A MULTI
A ZADD z 3 c
B @quiet 0.1
A ZADD z 1 a 2 b
A ZCARD z
B @quiet 0.1
A EXEC
B @read
@blocked 0
A ZRANGE z 0 -1 WITHSCORES
"""

ZBLOCKING["transaction_that_adds_and_removes_does_not_wake"] = """
B @send BZPOPMAX z 0
@blocked 1
A MULTI
A ZADD z 1 a 2 b
A DEL z
A EXEC
B @quiet 0.1
A MULTI
A ZADD z 1 c
A ZPOPMIN z
A EXEC
B @quiet 0.1
A MULTI
A ZADD z 1 d
A ZREM z d
A EXEC
B @quiet 0.1
@blocked 1
A MULTI
A ZADD z 1 e
A DEL z
A ZADD z 5 f 6 g
A EXEC
B @read
A ZRANGE z 0 -1 WITHSCORES
"""

ZBLOCKING["wrong_type_value_does_not_wake"] = """
B @send BZPOPMIN z 0
@blocked 1
A SET z str
B @quiet 0.1
@blocked 1
A DEL z
A SADD z member
B @quiet 0.1
A DEL z
A RPUSH z x
B @quiet 0.1
A DEL z
A ZADD z 1 x
B @read
@blocked 0
"""

ZBLOCKING["bzmpop_wrong_type_then_zset"] = """
B @send BZMPOP 0 2 k1 k2 MIN COUNT 2
@blocked 1
A SET k1 str
B @quiet 0.1
A ZADD k2 1 a 2 b 3 c
B @read
A ZRANGE k2 0 -1 WITHSCORES
A GET k1
"""

ZBLOCKING["disconnected_blocked_client"] = """
B @send BZPOPMIN z 0
@blocked 1
B @close
@blocked 0
A ZADD z 1 x
A ZRANGE z 0 -1 WITHSCORES
"""

ZBLOCKING["client_unblock_timeout"] = """
B CLIENT ID
B @send BZPOPMIN z 0
@blocked 1
A CLIENT UNBLOCK $id:B
B @read
@blocked 0
A CLIENT UNBLOCK $id:B
B @send BZPOPMAX z 0
@blocked 1
A CLIENT UNBLOCK $id:B TIMEOUT
B @read
B @send BZMPOP 0 1 z MIN COUNT 2
@blocked 1
A CLIENT UNBLOCK $id:B timeout
B @read
@blocked 0
A ZADD z 1 x
A ZRANGE z 0 -1 WITHSCORES
B PING
"""

ZBLOCKING["client_unblock_error"] = """
B CLIENT ID
B @send BZPOPMAX z 0
@blocked 1
A CLIENT UNBLOCK $id:B ERROR
B @read
@blocked 0
A CLIENT UNBLOCK $id:B ERROR
B @send BZPOPMIN none z 0
@blocked 1
A CLIENT UNBLOCK $id:B error
B @read
B @send BZMPOP 0 2 z z2 MAX COUNT 3
@blocked 1
A CLIENT UNBLOCK $id:B ERROR
B @read
@blocked 0
A ZADD z 1 x
A ZRANGE z 0 -1 WITHSCORES
B PING
"""

ZBLOCKING["client_unblock_one_of_two"] = """
A CLIENT ID
B CLIENT ID
C CLIENT ID
B @send BZPOPMIN z 0
@blocked 1
C @send BZPOPMAX z 0
@blocked 2
A CLIENT UNBLOCK $id:B
B @read
@blocked 1
A ZADD z 1 x 2 y
C @read
A ZRANGE z 0 -1 WITHSCORES
A CLIENT UNBLOCK $id:C ERROR
"""

ZBLOCKING["blocked_client_then_watch"] = """
# a pop serving a blocked client modifies the key for a watcher
C WATCH z
B @send BZPOPMIN z 0
@blocked 1
A ZADD z 1 x
B @read
C MULTI
C ZCARD z
C EXEC
"""


# Known divergences, each a strict xfail with its diagnosis: fixing the server turns
# it into an XPASS failure that asks for the marker to be removed.
KNOWN = {
    "zunionstore_overwriting_a_string_does_not_wake":
        "Kora re-checks a blocked client's key after every write to it and serves "
        "BZPOPMAX once ZUNIONSTORE leaves a sorted set there; Redis 7.0 re-checks "
        "only when a key is added (dbAdd), not overwritten (documented in "
        "kora-server/README.md)",
}


def _param(name):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else []
    return pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", [_param(n) for n in sorted(ZBLOCKING)])
def test_zset_scenario(clients, name):  # noqa: F811
    run(clients, ZBLOCKING[name], where=name)
