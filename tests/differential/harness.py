r"""Differential harness: send the same commands to redis-server and kora-cli over raw
sockets and require byte-identical replies.

A scenario is a list of lines (from cases/*.txt or a Python list). Each line is one of:

    # comment / blank line          ignored
    CMD arg arg ...                 a command, shlex-split (POSIX rules: "" is an empty
                                    argument, a backslash outside quotes escapes the next
                                    character, so write glob escapes as 'h\*llo');
                                    reply bytes must match exactly
    @MOD [@MOD ...] CMD arg ...     a command with reply modifiers:
        @ttl    integer replies compared by sign class only (-2, -1, >=0)
        @sort   array or set elements sorted (by raw bytes) before comparing (KEYS);
                a map's (RESP3) field-value pairs sorted
        @type   only the reply type byte is compared (INFO, COMMAND COUNT, CLIENT ID...)
        @hello  HELLO reply compared with the value of "id" masked
        @esc    each argument is Python-escape-decoded first ("a\\x00b" -> a NUL b)
        @idle   times that depend on the clock masked, anywhere in the reply: the
                integer after a "seen-time" or "idle" field name (XINFO), and the
                third element of [id, consumer, idle, count] (XPENDING's entries),
                and a current unix-ms time as the second of [id, time, count]
    @raw  <python bytes literal>    send these exact bytes, compare one reply
    @rawn N <python bytes literal>  send these exact bytes, compare N replies
    @send <python bytes literal>    send these exact bytes, read nothing
    @closed                         both servers must have closed the connection; reconnects
    @reconnect                      open fresh connections to both servers
    @sleep SECONDS                  sleep (keep it tiny)
    @quiet SECONDS                  neither server may send anything for SECONDS

Every case file starts on fresh connections with all databases flushed, in db 0, and
runs twice: in RESP2, and in RESP3 (each connection says HELLO 3 first, and again after
@closed / @reconnect), so every reply is also compared in its RESP3 form.
A file named bug_*.txt reproduces an open kora divergence: give it a diagnosis in BUGS
(test_diff_cases.py) and it runs as a strict xfail.
"""

import ast
import codecs
import os
import shlex
import time

from resp import ConnectionClosed, RespConn

MODIFIERS = {"@ttl", "@sort", "@type", "@hello", "@esc", "@idle"}


class Divergence(AssertionError):
    pass


def _sign_class(reply):
    if reply.kind == ":":
        v = reply.value
        return b":%d" % (v if v < 0 else 1)
    return reply.raw


def _mask_idle(reply):
    """reply.raw with its clock-dependent integers masked (see @idle)."""
    if reply.kind not in "*%~" or not reply.value:
        return reply.raw
    items = list(reply.value)
    header = reply.raw[: reply.raw.index(b"\r\n") + 2]
    pending_shape = len(items) == 4 and [e.kind for e in items] == ["$", "$", ":", ":"]
    consumer_pel_shape = len(items) == 3 and [e.kind for e in items] == ["$", ":", ":"]
    out = []
    for i, e in enumerate(items):
        after_name = i > 0 and items[i - 1].kind == "$" and items[i - 1].value in (b"seen-time", b"idle")
        clock = consumer_pel_shape and i == 1 and e.value > 10**12  # a unix-ms time of now
        if e.kind == ":" and (after_name or (pending_shape and i == 2) or clock):
            out.append(b":<time>\r\n")
        else:
            out.append(_mask_idle(e))
    return header + b"".join(out)


def normalize(reply, mods):
    if "@idle" in mods:
        return _mask_idle(reply)
    if "@type" in mods:
        return reply.kind.encode()
    if "@ttl" in mods:
        return _sign_class(reply)
    if "@sort" in mods and reply.kind in "*~" and reply.value is not None:
        header = reply.raw[: reply.raw.index(b"\r\n") + 2]
        return header + b"".join(sorted(e.raw for e in reply.value))
    if "@sort" in mods and reply.kind == "%" and reply.value is not None:
        header = reply.raw[: reply.raw.index(b"\r\n") + 2]
        items = list(reply.value)
        pairs = [items[i].raw + items[i + 1].raw for i in range(0, len(items), 2)]
        return header + b"".join(sorted(pairs))
    if "@hello" in mods and reply.kind in "*%" and reply.value:
        items = list(reply.value)
        out = []
        for i, e in enumerate(items):
            if i % 2 == 1 and items[i - 1].value == b"id":
                out.append(b":<id>\r\n")
            else:
                out.append(e.raw)
        header = reply.raw[: reply.raw.index(b"\r\n") + 2]
        return header + b"".join(out)
    return reply.raw


def parse_command(text):
    tokens = shlex.split(text, posix=True)
    mods = set()
    while tokens and tokens[0] in MODIFIERS:
        mods.add(tokens.pop(0))
    if "@esc" in mods:
        tokens = [codecs.escape_decode(t.encode("utf-8"))[0] for t in tokens]
    return mods, tokens


def _literal(text):
    value = ast.literal_eval(text.strip())
    if isinstance(value, str):
        value = value.encode("latin-1")
    assert isinstance(value, bytes), f"not a bytes literal: {text!r}"
    return value


class Pair:
    """One connection to each server."""

    def __init__(self, redis_port, kora_port, timeout=10.0, resp=2):
        self.ports = {"redis": redis_port, "kora": kora_port}
        self.timeout = timeout
        self.resp = resp
        self.conns = {}
        self.reconnect()

    def reconnect(self):
        self.close()
        self.conns = {name: RespConn(port, timeout=self.timeout) for name, port in self.ports.items()}
        if self.resp == 3:
            for name, conn in self.conns.items():
                reply = conn.command("HELLO", "3")
                assert reply.kind == "%", f"{name}: HELLO 3 replied {reply.raw[:100]!r}"

    def close(self):
        for c in self.conns.values():
            c.close()
        self.conns = {}

    def _read(self, name):
        try:
            return self.conns[name].read_reply()
        except ConnectionClosed:
            return None

    def exchange_raw(self, data, nreplies):
        """Send `data` to both; return [(redis_reply, kora_reply)] * nreplies (None = closed)."""
        for c in self.conns.values():
            try:
                c.send(data)
            except OSError:
                pass
        return [(self._read("redis"), self._read("kora")) for _ in range(nreplies)]

    def command(self, *args):
        from resp import encode
        return self.exchange_raw(encode(*args), 1)[0]


def _show(reply, norm=None):
    if reply is None:
        return "<connection closed>"
    text = repr(reply.raw if len(reply.raw) < 600 else reply.raw[:600] + b"...")
    if norm is not None and norm != reply.raw:
        text += f"  (normalized {norm!r})"
    return text


def run_scenario(pair, lines, where="scenario"):
    """Run a scenario; raise Divergence naming the first line whose replies differ."""
    for lineno, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        loc = f"{where}:{lineno}: {text}"
        if text.startswith("@raw ") or text.startswith("@rawn ") or text.startswith("@send "):
            head, rest = text.split(None, 1)
            n = 1
            if head == "@rawn":
                count, rest = rest.split(None, 1)
                n = int(count)
            elif head == "@send":
                n = 0
            results = pair.exchange_raw(_literal(rest), n)
            mods = set()
        elif text == "@closed":
            for name, conn in pair.conns.items():
                if not conn.read_eof(timeout=5.0):
                    raise Divergence(f"{loc}: {name} did not close the connection")
            pair.reconnect()
            continue
        elif text == "@reconnect":
            pair.reconnect()
            continue
        elif text.startswith("@quiet "):
            secs = float(text.split()[1])
            for name, conn in pair.conns.items():
                extra = conn.peek(secs)
                if extra:
                    raise Divergence(f"{loc}: {name} sent {extra[:200]!r}")
            continue
        elif text.startswith("@sleep "):
            time.sleep(float(text.split()[1]))
            continue
        else:
            mods, args = parse_command(text)
            assert args, f"{loc}: empty command"
            results = [pair.command(*args)]
        for i, (r, k) in enumerate(results):
            nr = normalize(r, mods) if r is not None else None
            nk = normalize(k, mods) if k is not None else None
            if nr != nk:
                idx = f" (reply {i + 1} of {len(results)})" if len(results) > 1 else ""
                raise Divergence(f"{loc}{idx}\n  redis: {_show(r, nr)}\n  kora:  {_show(k, nk)}")


def load_case_file(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


class RandomRunner:
    """The common part of the seeded random differential tests (test_random_*.py):
    the pair of servers, the seed, the commands sent so far, and the report of the
    first divergence with the commands before it. `seed` is an int (the report
    says how to rerun it) or a label."""

    def __init__(self, pair, seed):
        self.pair = pair
        self.seed = seed
        self.redis = pair.conns["redis"]
        self.kora = pair.conns["kora"]
        self.history = []

    def fail(self, why, r=None, k=None):
        recent = "\n    ".join(self.history[-15:])
        detail = ""
        if r is not None or k is not None:
            detail = (f"\n  redis: {r.raw[:300] if r is not None else None!r}"
                      f"\n  kora:  {k.raw[:300] if k is not None else None!r}")
        where = (f"seed {self.seed} (rerun with KORA_DIFF_SEED={self.seed})" if isinstance(self.seed, int)
                 else self.seed)
        raise Divergence(
            f"{where}: first divergence at command "
            f"#{len(self.history) - 1}: {self.history[-1]}: {why}{detail}\n  last commands:\n    {recent}")

    def both(self, argv):
        """Sends argv to both servers; their replies (a closed connection is a divergence)."""
        r, k = self.pair.command(*argv)
        if r is None or k is None:
            self.fail("connection closed", r, k)
        return r, k


def env_seeds(default):
    """The seeds of a seeded random test: env KORA_DIFF_SEED (comma-separated) or `default`."""
    return [int(x) for x in os.environ.get("KORA_DIFF_SEED", default).split(",") if x.strip()]


def fmt_argv(argv):
    """A command line as a divergence report prints it: arguments that are empty or
    hold spaces, NULs or line ends (and bytes arguments) shown as Python literals."""
    def text(a):
        if isinstance(a, bytes):
            return repr(a)
        return repr(a) if (not a or any(c in a for c in " \x00\r\n")) else a
    return " ".join(text(a) for a in argv)
