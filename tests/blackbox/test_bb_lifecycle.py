"""Process lifecycle: the banner, clean exit on SIGTERM/SIGINT (also with busy and
half-way clients connected). Each test owns its server."""

import os
import re
import signal
import socket
import tempfile
import threading
import time

import pytest
import redis

import resp
import servers
from bbutil import make_client


@pytest.fixture
def own_kora(request):
    started = []

    def start(workers):
        srv = servers.start_kora(workers)
        started.append(srv)
        return srv

    yield start
    for srv in started:  # whatever a failing test left running
        if srv.alive():
            srv.terminate(signal.SIGKILL)
        srv.cleanup_files()


@pytest.mark.parametrize("workers", [1, 4])
def test_banner_and_port(own_kora, workers):
    a, b = own_kora(workers), own_kora(workers)
    for srv in (a, b):
        first = srv.output().split("\n", 1)[0]
        assert re.fullmatch(rf"kora-cli: listening on 127\.0\.0\.1:{srv.port} with {workers} workers",
                            first), first
        assert 0 < srv.port < 65536
    assert a.port != b.port  # --port 0 really picks a free port
    assert make_client(a.port).ping() and make_client(b.port).ping()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("workers", [1, 4])
def test_signal_clean_exit(own_kora, workers, sig):
    srv = own_kora(workers)
    c = make_client(srv.port)
    c.set("k", "v")
    c.close()
    t0 = time.monotonic()
    assert srv.terminate(sig) == 0
    assert time.monotonic() - t0 < 5
    # the port is released
    with pytest.raises(OSError):
        socket.create_connection((servers.HOST, srv.port), timeout=1).close()


@pytest.mark.parametrize("workers", [1, 4])
def test_sigterm_with_clients_connected(own_kora, workers):
    srv = own_kora(workers)
    idle = [make_client(srv.port, single_connection_client=True) for _ in range(5)]
    for c in idle:
        c.ping()
    half = socket.create_connection((servers.HOST, srv.port), timeout=5)
    half.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\nabc")  # a frame that never completes
    raw = resp.RespConn(srv.port, timeout=5)
    raw.command("HELLO", "3")
    stop = threading.Event()
    outcome = {"ok": 0, "err": None}

    def busy():
        c = make_client(srv.port, single_connection_client=True, socket_timeout=5)
        try:
            while not stop.is_set():
                c.mset({f"b{i}": i for i in range(20)})
                c.mget([f"b{i}" for i in range(20)])
                outcome["ok"] += 1
            # The loop may see `stop` right after a reply, before it ever writes to
            # the closed connection: one more command must fail.
            c.ping()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            outcome["err"] = e
        finally:
            c.close()

    t = threading.Thread(target=busy, daemon=True)
    t.start()
    deadline = time.monotonic() + 5
    while outcome["ok"] < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert outcome["ok"] >= 20, "busy client made no progress"
    status = srv.terminate(signal.SIGTERM)
    stop.set()
    t.join(timeout=10)
    assert status == 0, f"exit status {status} (None = hung and killed)\n{srv.output()[-2000:]}"
    assert not t.is_alive()
    assert outcome["err"] is not None, "busy client never noticed the shutdown"
    # every connection was closed by the server
    assert raw.read_eof(timeout=2)
    half.settimeout(2)
    try:
        assert half.recv(10) == b""
    except ConnectionResetError:
        pass  # closed with a reset: also closed
    for c in idle:
        with pytest.raises((redis.ConnectionError, redis.TimeoutError)):
            c.ping()
    raw.close()
    half.close()


def _shutdown(client, *args):
    """Sends SHUTDOWN; the server closes the connection instead of replying."""
    try:
        client.execute_command("SHUTDOWN", *args)
    except redis.ConnectionError:
        return None
    raise AssertionError("SHUTDOWN replied instead of closing the connection")


@pytest.mark.parametrize("args", [(), ("NOSAVE",), ("NOW",), ("SAVE", "FORCE"), ("NOSAVE", "NOW", "FORCE")])
def test_shutdown_stops_the_server(own_kora, args):
    srv = own_kora(2)
    c = make_client(srv.port)
    c.set("k", "v")
    _shutdown(c, *args)
    srv.proc.wait(timeout=10)
    assert srv.proc.returncode == 0, srv.output()
    assert "User requested shutdown..." in srv.output()


def test_shutdown_refusals_keep_the_server(own_kora):
    srv = own_kora(2)
    c = make_client(srv.port)
    # The snapshot cannot be written (its directory is gone): SAVE without
    # FORCE fails and the server stays up.
    gone = tempfile.mkdtemp(prefix="kora-gone-")
    c.config_set("dir", gone)
    os.rmdir(gone)
    with pytest.raises(redis.ResponseError, match="^Errors trying to SHUTDOWN. Check logs.$"):
        c.execute_command("SHUTDOWN", "SAVE")
    with pytest.raises(redis.ResponseError, match="^No shutdown in progress.$"):
        c.execute_command("SHUTDOWN", "ABORT")
    for bad in (("ABORT", "NOW"), ("SAVE", "NOSAVE"), ("LATER",)):
        with pytest.raises(redis.ResponseError, match="^syntax error$"):
            c.execute_command("SHUTDOWN", *bad)
    assert c.ping() is True
    assert srv.alive()


def test_logfile_and_log_level(tmp_path):
    """--logfile gets Redis-format lines (pid:M date time.ms mark message): the
    startup line, DEBUG LOG at warning level, the shutdown lines; --log-level
    warning drops notice lines."""
    log = tmp_path / "kora.log"
    srv = servers.start_kora(2, extra_args=["--logfile", str(log)])
    try:
        c = make_client(srv.port)
        c.execute_command("DEBUG", "LOG", "hello from the test")
        assert c.config_get("logfile") == {"logfile": str(log)}
    finally:
        assert srv.terminate() == 0
        srv.cleanup_files()
    lines = log.read_text().splitlines()
    pattern = re.compile(r"^\d+:M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] .+$")
    assert lines and all(pattern.match(line) for line in lines), lines
    text = "\n".join(lines)
    assert "Ready to accept connections" in text
    assert "# DEBUG LOG: hello from the test" in text
    assert "ready to exit" in text
    quiet = tmp_path / "quiet.log"
    srv = servers.start_kora(1, extra_args=["--logfile", str(quiet), "--log-level", "warning"])
    try:
        make_client(srv.port).execute_command("DEBUG", "LOG", "kept")
    finally:
        srv.terminate()
        srv.cleanup_files()
    text = quiet.read_text()
    assert "Ready to accept connections" not in text and "DEBUG LOG: kept" in text


EXAMPLE_TOML = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "kora.toml")


def test_example_config_file_loads(tmp_path):
    """examples/kora.toml, documenting every key, starts a server; flags override it."""
    srv = servers.start_kora(1, extra_args=["--config", EXAMPLE_TOML, "--hz", "20"])
    try:
        c = make_client(srv.port)
        assert c.config_get("hash-max-listpack-entries") == {"hash-max-listpack-entries": "128"}
        assert c.config_get("hz") == {"hz": "20"}  # the flag wins over the file
        info = c.info("server")
        assert info["config_file"] == os.path.realpath(EXAMPLE_TOML) or info["config_file"].endswith("kora.toml")
        assert info["shards"] == 1  # --workers from the harness overrides workers = 2
    finally:
        assert srv.terminate() == 0
        srv.cleanup_files()


@pytest.mark.parametrize("text, message", [
    ("port = 6379\nprot = 7\n", "bad.toml:2: unknown key 'prot'"),
    ("port = \"x\"\n", "bad.toml:1: 'port' must be an integer"),
    ("workers = 0\n", "bad.toml:1: 'workers' must be between 1 and 1024"),
    ("[config]\nhz = -1\n", "bad.toml:2: config 'hz' argument must be between 0 and 2147483647 inclusive"),
    ("[config]\nno-such-parameter = 1\n", "bad.toml:2: unknown CONFIG parameter 'no-such-parameter'"),
    ("port = [\n", "bad.toml:1"),
])
def test_config_file_errors_name_key_and_line(tmp_path, text, message):
    import subprocess
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    r = subprocess.run([servers.KORA_CLI, "--config", str(bad)], capture_output=True, timeout=30)
    assert r.returncode == 2
    assert message in r.stderr.decode(), r.stderr


def test_flags_errors_and_config_flags():
    import subprocess
    for args, message in ((["--port", "x"], "invalid --port 'x'"), (["--nosuch", "1"], "unknown option '--nosuch'"),
                          (["--hz", "-5"], "invalid hz '-5'")):
        r = subprocess.run([servers.KORA_CLI, *args], capture_output=True, timeout=30)
        assert r.returncode == 2 and message in r.stderr.decode(), (args, r.stderr)
