import os
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (_HERE, os.path.join(_HERE, "..", "conftest_common")):
    _p = os.path.normpath(_p)
    if _p not in sys.path:
        sys.path.insert(0, _p)

import servers  # noqa: E402
from harness import Pair  # noqa: E402

DIFF_WORKERS = int(os.environ.get("KORA_DIFF_WORKERS", "4"))
TEST_TIME_LIMIT = 60  # seconds per test, enforced by SIGALRM


@pytest.fixture(autouse=True)
def _watchdog():
    servers.arm_watchdog(TEST_TIME_LIMIT)
    yield
    servers.disarm_watchdog()


@pytest.fixture(scope="session")
def redis_server():
    srv = servers.start_redis()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def kora_server():
    srv = servers.start_kora(DIFF_WORKERS)
    yield srv
    srv.stop()


@pytest.fixture
def pair(redis_server, kora_server):
    """Fresh connections to both servers, with every database flushed."""
    yield from _pair(redis_server, kora_server, 2)


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair_resp(request, redis_server, kora_server):
    """As `pair`, once in RESP2 and once in RESP3 (HELLO 3 on every connection)."""
    yield from _pair(redis_server, kora_server, request.param)


def _pair(redis_server, kora_server, resp):
    assert kora_server.alive(), "kora-cli died during an earlier test"
    p = Pair(redis_server.port, kora_server.port, resp=resp)
    r, k = p.command("FLUSHALL")
    assert r.raw == b"+OK\r\n" and k.raw == b"+OK\r\n", ("FLUSHALL", r, k)
    yield p
    p.close()
    assert kora_server.alive(), "kora-cli died during this test"
