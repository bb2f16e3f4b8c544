"""TLS against a real kora-cli: plain and TLS ports at once, redis-cli --tls and redis-py
ssl=True, client certificates with tls-auth-clients yes/optional/no (also through CONFIG SET),
and a garbage handshake that closes only its own connection. The certificates are made here,
into a temporary directory, with the openssl tool."""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile

import pytest
import redis

import servers
from certs import make_test_certs
from bbutil import make_client

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl tool")


def make_certs(d):
    return make_test_certs(d, days=1)


def free_port():
    with socket.socket() as s:
        s.bind((servers.HOST, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tls_srv():
    d = tempfile.mkdtemp(prefix="kora-bb-tls-")
    certs = make_certs(d)
    port = free_port()
    srv = servers.KoraServer(2, extra_args=[
        "--tls-port", str(port), "--tls-cert-file", certs["server.crt"], "--tls-key-file", certs["server.key"],
        "--tls-ca-cert-file", certs["ca.crt"]]).start()
    srv.tls_port = port
    srv.certs = certs
    yield srv
    srv.stop()
    shutil.rmtree(d, ignore_errors=True)


def tls_client(srv, cert=True, **kw):
    c = srv.certs
    extra = {"ssl_certfile": c["client.crt"], "ssl_keyfile": c["client.key"]} if cert else {}
    return redis.Redis(host=servers.HOST, port=srv.tls_port, ssl=True, ssl_ca_certs=c["ca.crt"],
                       socket_timeout=10, **extra, **kw)


def redis_cli_tls(srv, *args, cert=True):
    c = srv.certs
    argv = ["redis-cli", "-h", servers.HOST, "-p", str(srv.tls_port), "--tls", "--cacert", c["ca.crt"]]
    if cert:
        argv += ["--cert", c["client.crt"], "--key", c["client.key"]]
    return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=20)


def test_plain_and_tls_ports_at_once(tls_srv):
    plain = make_client(tls_srv.port)
    secure = tls_client(tls_srv)
    assert secure.set("shared", "from-tls") is True
    assert plain.get("shared") == b"from-tls"
    # A pipeline large enough to span many TLS records, with keys on both shards.
    p = secure.pipeline(transaction=False)
    for i in range(500):
        p.set(f"k{i}", "v" * 3000)
    assert all(p.execute())
    assert secure.mget([f"k{i}" for i in range(500)]) == [b"v" * 3000] * 500
    assert plain.config_get("tls-port") == {"tls-port": str(tls_srv.tls_port)}
    assert plain.config_get("tls-auth-clients") == {"tls-auth-clients": "yes"}
    secure.close()
    plain.close()


def test_redis_cli_tls(tls_srv):
    out = redis_cli_tls(tls_srv, "SET", "cli", "tls")
    assert out.returncode == 0 and out.stdout.strip() == "OK", out
    out = redis_cli_tls(tls_srv, "GET", "cli")
    assert out.stdout.strip() == "tls"


def test_client_certificate_required_then_optional(tls_srv):
    plain = make_client(tls_srv.port)
    with pytest.raises(redis.ConnectionError):
        tls_client(tls_srv, cert=False).ping()
    assert "PONG" not in redis_cli_tls(tls_srv, "PING", cert=False).stdout
    assert plain.config_set("tls-auth-clients", "optional") is True
    assert tls_client(tls_srv, cert=False).ping() is True
    assert tls_client(tls_srv).ping() is True
    assert plain.config_set("tls-auth-clients", "no") is True
    assert redis_cli_tls(tls_srv, "PING", cert=False).stdout.strip() == "PONG"
    with pytest.raises(redis.ResponseError, match="argument\\(s\\) must be one of the following: no, yes, optional"):
        plain.config_set("tls-auth-clients", "sometimes")
    assert plain.config_set("tls-auth-clients", "yes") is True
    with pytest.raises(redis.ConnectionError):
        tls_client(tls_srv, cert=False).ping()
    plain.close()


def test_garbage_handshake_closes_only_that_connection(tls_srv):
    good = tls_client(tls_srv)
    assert good.ping() is True
    bad = socket.create_connection((servers.HOST, tls_srv.tls_port), timeout=5)
    bad.sendall(b"*1\r\n$4\r\nPING\r\n" + os.urandom(4096))
    data = b""
    try:
        while True:
            chunk = bad.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    assert b"PONG" not in data
    bad.close()
    # Plain text on the TLS port is not served either.
    assert good.ping() is True and good.set("still", "alive") is True
    assert make_client(tls_srv.port).get("still") == b"alive"
    assert tls_srv.alive()


def test_tls_client_in_client_list(tls_srv):
    c = tls_client(tls_srv)
    c.client_setname("over-tls")
    entry = next(e for e in make_client(tls_srv.port).client_list() if e["name"] == "over-tls")
    assert entry["laddr"].endswith(f":{tls_srv.tls_port}")
    ctx = ssl.create_default_context(cafile=tls_srv.certs["ca.crt"])
    ctx.load_cert_chain(tls_srv.certs["client.crt"], tls_srv.certs["client.key"])
    with socket.create_connection((servers.HOST, tls_srv.tls_port)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"HELLO 3\r\n")
            assert s.recv(4096).startswith(b"%7\r\n")
    c.close()
