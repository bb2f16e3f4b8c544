"""Start and stop kora-cli and a reference redis-server for the black-box suites.

Everything here is bounded: every wait has a deadline, every process is stopped
(SIGTERM, then SIGKILL) by a finalizer and, as a last resort, at interpreter exit.
Only 127.0.0.1 is used.
"""

import atexit
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

KORA_CLI = os.environ.get("KORA_CLI", "/work/main/build/dev/kora-cli/kora-cli")
REDIS_SERVER = os.environ.get("KORA_REDIS_SERVER", "/usr/bin/redis-server")
HOST = "127.0.0.1"

START_TIMEOUT = 20.0  # seconds to see the banner / answer PING (Debug builds are slow)
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and giving up
BINARY_WAIT = 90.0  # the binary may be being rebuilt: wait for it to reappear

_BANNER = re.compile(rb"^kora-cli: listening on 127\.0\.0\.1:(\d+) with (\d+) workers$")

_live = set()  # every process started here and not yet reaped


def _kill_leftovers():
    for proc in list(_live):
        if proc.poll() is None:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        _live.discard(proc)


atexit.register(_kill_leftovers)


def _die_with_parent():
    """In the child before exec: get SIGKILL if the test process dies (even by SIGKILL)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class ServerError(RuntimeError):
    pass


def free_port():
    """A loopback port that was free a moment ago (for redis-server, which needs a number)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def ping(port, timeout=1.0):
    """True if a PING on a fresh connection gets +PONG (or -NOAUTH) within `timeout`."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            data = b""
            deadline = time.monotonic() + timeout
            while not data.endswith(b"\r\n") and time.monotonic() < deadline:
                chunk = s.recv(64)
                if not chunk:
                    break
                data += chunk
            # A server that requires AUTH (--password) answers too: it is up.
            return data == b"+PONG\r\n" or data.startswith(b"-NOAUTH")
    except OSError:
        return False


def wait_for_ping(proc, port, timeout=START_TIMEOUT, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"server exited with {proc.returncode} before answering PING"
                              + (f"; log:\n{_tail(log)}" if log else ""))
        if ping(port):
            return
        time.sleep(0.02)
    raise ServerError(f"server on port {port} did not answer PING within {timeout}s")


def _tail(path, n=4000):
    try:
        with open(path, "rb") as f:
            return f.read()[-n:].decode("utf-8", "replace")
    except OSError:
        return "<no log>"


class _Server:
    name = "server"

    def __init__(self):
        self.proc = None
        self.port = None
        self.tmpdir = tempfile.mkdtemp(prefix=f"kora-bb-{self.name}-")
        self.log = os.path.join(self.tmpdir, "stdout.log")

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _spawn(self, argv):
        out = open(self.log, "wb")
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.tmpdir,
                                    start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            out.close()
        _live.add(proc)
        self.proc = proc
        return proc

    def terminate(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Send `sig`, wait for exit; SIGKILL on timeout. Returns the exit status
        (None if the process had to be killed)."""
        if self.proc is None:
            return None
        proc = self.proc
        status = None
        if proc.poll() is None:
            try:
                proc.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                status = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
                status = None
        else:
            status = proc.returncode
        _live.discard(proc)
        return status

    def cleanup_files(self):
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def output(self):
        return _tail(self.log, 1 << 20)


class KoraServer(_Server):
    name = "kora"

    def __init__(self, workers=1, binary=None, extra_args=()):
        super().__init__()
        self.workers = workers
        self.binary = binary or KORA_CLI
        self.extra_args = list(extra_args)

    def start(self):
        deadline = time.monotonic() + BINARY_WAIT
        while not os.access(self.binary, os.X_OK):  # being rebuilt right now?
            if time.monotonic() > deadline:
                raise ServerError(f"{self.binary} missing or not executable")
            time.sleep(1)
        proc = self._spawn([self.binary, "--port", "0", "--workers", str(self.workers),
                            "--bind", HOST, *self.extra_args])
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with open(self.log, "rb") as f:
                first = f.readline()
            if first.endswith(b"\n"):
                m = _BANNER.match(first.rstrip(b"\n"))
                if not m:
                    self.terminate(signal.SIGKILL)
                    raise ServerError(f"unexpected first stdout line: {first!r}")
                if int(m.group(2)) != self.workers:
                    self.terminate(signal.SIGKILL)
                    raise ServerError(f"banner says {m.group(2)} workers, asked {self.workers}")
                self.port = int(m.group(1))
                break
            if proc.poll() is not None:
                raise ServerError(f"kora-cli exited with {proc.returncode}: {self.output()}")
            if time.monotonic() > deadline:
                self.terminate(signal.SIGKILL)
                raise ServerError("kora-cli printed no banner within %.0fs" % START_TIMEOUT)
            time.sleep(0.01)
        try:
            wait_for_ping(proc, self.port, log=self.log)
        except ServerError:
            self.terminate(signal.SIGKILL)
            raise
        return self

    def stop(self):
        """SIGTERM and assert a clean exit (status 0)."""
        status = self.terminate()
        assert status == 0, (f"kora-cli (pid {self.proc.pid}) exited with {status} after SIGTERM "
                             f"(None = hung, killed); output:\n{self.output()[-4000:]}")
        self.cleanup_files()


class RedisServer(_Server):
    name = "redis"

    def start(self, attempts=5):
        last = None
        for _ in range(attempts):
            port = free_port()
            proc = self._spawn([REDIS_SERVER, "--port", str(port), "--bind", HOST,
                                "--save", "", "--appendonly", "no", "--daemonize", "no",
                                "--enable-debug-command", "yes",
                                "--dir", self.tmpdir])
            try:
                wait_for_ping(proc, port, log=self.log)
                self.port = port
                return self
            except ServerError as e:  # most likely lost the port race; try another
                last = e
                self.terminate(signal.SIGKILL)
        raise ServerError(f"redis-server did not start: {last}")

    def stop(self):
        self.terminate()
        self.cleanup_files()


def start_kora(workers=1, **kw):
    return KoraServer(workers, **kw).start()


def start_redis():
    return RedisServer().start()


# --- per-test watchdog -----------------------------------------------------
# pytest-timeout is not installed; a SIGALRM in the main thread turns a hung test
# into a failure instead of a hung CI job.

class TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise TestTimeout("test exceeded its time limit (hung server?)")


def arm_watchdog(seconds):
    if seconds:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)


def disarm_watchdog():
    signal.setitimer(signal.ITIMER_REAL, 0)
