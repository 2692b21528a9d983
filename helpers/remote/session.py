"""One SSH session to a host: the system ``ssh`` client runs the loader there, then requests get JSON answers.

The client is OpenSSH's own ``ssh``, so ``~/.ssh/config``, the agent, ProxyJump
and known_hosts work as the user expects; it never prompts (``BatchMode``), and
it checks host keys unless the host's reach says ``no_verify``. On the host it
needs root (or ``sudo -n``) and ``python3`` 3.9 or newer, run isolated
(``-I -S``: no user or site packages) from the bundle this side sends.
"""

from __future__ import annotations

import collections
import os
import shlex
import subprocess
import threading
from typing import Any

from ..bridge.config import BridgeError
from ..spec.reach import SshReach
from . import bundle
from .protocol import PROTOCOL, receive, send

#: Seconds ssh waits for the TCP connection; keepalives notice a dead connection after about 15 s.
CONNECT_TIMEOUT = 10
NO_PYTHON = 127


class RemoteError(BridgeError):
    """A host could not be reached, or its side failed; the message names the host."""


def ssh_command(reach: SshReach, remote: str) -> list[str]:
    """The ``ssh`` command line that runs ``remote`` (a shell command) on the host."""
    cmd = ["ssh", "-T", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={CONNECT_TIMEOUT}"]
    cmd += ["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR"]
    if reach.port:
        cmd += ["-p", str(reach.port)]
    if reach.user:
        cmd += ["-l", reach.user]
    if reach.keyfile:
        cmd += ["-i", os.path.expanduser(reach.keyfile), "-o", "IdentitiesOnly=yes"]
    if reach.no_verify:
        cmd += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    elif reach.known_hosts:
        cmd += ["-o", f"UserKnownHostsFile={os.path.expanduser(reach.known_hosts)}"]
    return [*cmd, "--", reach.host, remote]


def remote_command(sha256: str) -> str:
    """The shell command the host runs: find python3, become root (``sudo -n``) if needed, start the loader."""
    loader = shlex.quote(bundle.loader_source())
    missing = shlex.quote('{"ok": false, "error": "no python3 on the host (install the distribution\'s python3)"}')
    return (
        'if [ "$(id -u)" = 0 ]; then s=; else s="sudo -n"; fi; '
        f"command -v python3 >/dev/null 2>&1 || {{ echo {missing}; exit {NO_PYTHON}; }}; "
        f'exec $s python3 -I -S -c {loader} {sha256} "$SSH_CONNECTION"'
    )


class SshSession:
    """One ``ssh`` process to one host, speaking the protocol of :mod:`.protocol` (one request at a time).

    ``label`` names the host in every error. :meth:`open` starts it and returns
    the host's ``hello`` (protocol, Python version, identity); :meth:`close` ends it.
    """

    def __init__(self, reach: SshReach, label: str | None = None) -> None:
        self.reach = reach
        self.label = label or str(reach)
        self.hello: dict[str, Any] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._next_id = 0
        self._lock = threading.Lock()
        self._drainer: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        """True while the ssh process runs."""
        return self._proc is not None and self._proc.poll() is None

    def open(self) -> dict[str, Any]:
        """Connect, send the bundle if the host lacks it, and shake hands; the host's ``hello`` answer."""
        shipped = bundle.build()
        self._proc = subprocess.Popen(
            ssh_command(self.reach, remote_command(shipped.sha256)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C meant for Terraform does not cut the session in the middle of a change
        )
        self._drainer = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drainer.start()
        loader = self._read()
        if loader is None:
            raise self._ended("could not start the host side")
        if not loader.get("ok"):
            self.close()
            raise RemoteError(f"{self.label}: {loader.get('error', 'the host side refused to start')}")
        if loader.get("need_bundle"):
            self._write(f"{len(shipped.data)}\n".encode() + shipped.data)
        self.hello = self.call("hello", protocol=PROTOCOL)
        return self.hello

    def call(self, op: str, **args: Any) -> Any:
        """Run operation ``op`` on the host; its JSON result. Raises the host's error (BridgeError or RemoteError)."""
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            try:
                assert self._proc is not None and self._proc.stdin is not None
                send(self._proc.stdin, {"id": request_id, "op": op, "args": args})
            except (OSError, AssertionError):
                raise self._ended(f"{op}: the session is closed") from None
            answer = self._read()
        if answer is None:
            raise self._ended(f"{op}: the connection ended before the host answered")
        if answer.get("ok"):
            return answer.get("result")
        error = answer.get("error") or {}
        message = str(error.get("message", "unknown error"))
        if error.get("type") == "BridgeError":
            raise BridgeError(message, rolled_back=bool(error.get("rolled_back")), field=error.get("field"))
        raise RemoteError(f"{self.label}: {op} failed: {error.get('type', 'Error')}: {message}")

    def wait_ended(self, timeout: float = 30) -> None:
        """Wait until the host ends the session by itself (after a change that detached from it)."""
        if self._proc is not None:
            try:
                self._proc.wait(timeout)
            finally:
                self.close()

    def close(self) -> None:
        """End the session cleanly: the host side sees the end of its input and exits."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _read(self) -> dict[str, Any] | None:
        try:
            assert self._proc is not None and self._proc.stdout is not None
            return receive(self._proc.stdout)
        except (OSError, ValueError, AssertionError):
            return None

    def _write(self, data: bytes) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(data)
        self._proc.stdin.flush()

    def _drain_stderr(self) -> None:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return
        for line in proc.stderr:
            self._stderr.append(line.decode(errors="replace").rstrip())

    def _ended(self, what: str) -> RemoteError:
        """The error for a session that ended: ssh's own words (unreachable, host key, sudo) when it said any."""
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(10)
            except subprocess.TimeoutExpired:
                code = None
        self.close()
        if self._drainer is not None:
            self._drainer.join(5)
        said = "; ".join(line for line in self._stderr if line) or (
            f"ssh exited with {code}" if code else "no reason given"
        )
        hint = ""
        if "Host key verification failed" in said or "REMOTE HOST IDENTIFICATION HAS CHANGED" in said:
            hint = " (the host's key is not the one known_hosts pins; check known_hosts, or no_verify=1 to skip)"
        return RemoteError(f"{self.label}: {what}: {said}{hint}")
