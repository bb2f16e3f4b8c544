"""Test certificates for TLS, made with the openssl tool: a CA, and a server and a
client certificate it signs (valid for localhost and 127.0.0.1), as Redis's
utils/gen-test-certs.sh lays them out (ca.crt, server.{crt,key}, client.{crt,key})."""

import os
import subprocess


def make_test_certs(d, days=2):
    """Writes the certificates into directory `d`; returns {file name: path}."""
    os.makedirs(d, exist_ok=True)

    def run(*a):
        subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)

    run("req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", str(days), "-subj", "/O=Kora Test/CN=Certificate Authority")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name in ("server", "client"):
        run("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/O=Kora Test/CN={name}")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", str(days), "-extfile", "ext.cnf")
    return {n: os.path.join(d, n) for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}
