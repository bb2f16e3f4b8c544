import os
import sys

import pytest

_COMMON = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conftest_common"))
if _COMMON not in sys.path:
    sys.path.insert(0, _COMMON)

import redis  # noqa: E402  (python3-redis, system interpreter)

import servers  # noqa: E402
from bbutil import make_client  # noqa: E402

WORKERS = (1, 4)
TEST_TIME_LIMIT = 30  # seconds per test, enforced by SIGALRM


@pytest.fixture(autouse=True)
def _watchdog():
    servers.arm_watchdog(TEST_TIME_LIMIT)
    yield
    servers.disarm_watchdog()


@pytest.fixture(scope="module", params=WORKERS, ids=[f"w{w}" for w in WORKERS])
def kora(request):
    """A kora-cli shared by the tests of one module, once per worker count; stopped with
    SIGTERM at the end, which must give exit status 0."""
    srv = servers.start_kora(request.param)
    yield srv
    srv.stop()


@pytest.fixture
def r(kora):
    """A redis-py client on a flushed server."""
    assert kora.alive(), "kora-cli died during an earlier test"
    client = make_client(kora.port)
    assert client.flushall() is True
    yield client
    client.close()
    assert kora.alive(), "kora-cli died during this test"

