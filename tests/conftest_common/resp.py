"""A tiny RESP2/RESP3 encoder and a reader that returns the raw bytes of exactly one reply."""

import socket
import time

from servers import HOST


def encode(*args):
    """Encode one command as a RESP multibulk. Arguments may be str, bytes or int."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode("utf-8", "surrogateescape")
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ConnectionClosed(Exception):
    pass


class Reply:
    """One decoded reply: `raw` (its exact bytes), `kind` (first byte as str) and
    `value` (int, bytes, None, or a list of Reply for aggregates)."""

    __slots__ = ("raw", "kind", "value")

    def __init__(self, raw, kind, value):
        self.raw, self.kind, self.value = raw, kind, value

    def __repr__(self):
        return f"Reply({self.raw!r})"


_AGGREGATES = {"*": 1, "~": 1, ">": 1, "%": 2, "|": 2}


class RespConn:
    """A raw RESP connection with a bounded-time reader."""

    def __init__(self, port, timeout=10.0, host=HOST):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.sock.sendall(encode(*args))

    def command(self, *args):
        self.send_command(*args)
        return self.read_reply()

    # -- reading ---------------------------------------------------------
    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed("peer closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ValueError("bulk not terminated by CRLF")
        self.pos += n + 2
        return data

    def read_reply(self):
        """Read exactly one reply; return it as a Reply (raw bytes + decoded value)."""
        if self.pos:  # compact between replies only, so offsets stay valid within one
            del self.buf[:self.pos]
            self.pos = 0
        value, kind = self._parse()
        return Reply(bytes(self.buf[:self.pos]), kind, value)

    def _parse(self):
        line = self._line()
        if not line:
            raise ValueError("empty reply line")
        kind, rest = chr(line[0]), line[1:]
        if kind in "+-(":
            return rest, kind
        if kind == ":":
            return int(rest), kind
        if kind == ",":
            return rest, kind
        if kind == "#":
            return rest == b"t", kind
        if kind == "_":
            return None, kind
        if kind in "$!=":
            n = int(rest)
            if n < 0:
                return None, kind
            return self._exact(n), kind
        if kind in _AGGREGATES:
            n = int(rest)
            if n < 0:
                return None, kind
            items = []
            for _ in range(n * _AGGREGATES[kind]):
                s = self.pos
                v, k = self._parse()
                items.append(Reply(bytes(self.buf[s:self.pos]), k, v))
            return items, kind
        raise ValueError(f"unknown reply type byte {line[:20]!r}")

    def peek(self, seconds):
        """Whatever arrives within `seconds` (b"" if nothing; b"<EOF>" if closed)."""
        deadline = time.monotonic() + seconds
        got = bytes(self.buf[self.pos:])
        self.sock.settimeout(0.05)
        try:
            while time.monotonic() < deadline:
                try:
                    chunk = self.sock.recv(4096)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    return got + b"<EOF>"
                if not chunk:
                    return got + b"<EOF>"
                self.buf += chunk
                got += chunk
            return got
        finally:
            self.sock.settimeout(self.timeout)

    def read_eof(self, timeout=5.0):
        """True if the peer closes the connection (with nothing more to read) within `timeout`."""
        if self.pos < len(self.buf):
            return False
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.2)
        try:
            while time.monotonic() < deadline:
                try:
                    chunk = self.sock.recv(4096)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    return True
                if not chunk:
                    return True
                self.buf += chunk
                return False
            return False
        finally:
            self.sock.settimeout(self.timeout)
