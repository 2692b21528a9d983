"""The host side of a session: answers the controller's requests on stdin/stdout until the stream ends.

Shipped to the host and run there by the loader (Python 3.9 or newer, standard
library plus the shipped bundle). Operations are registered by name with
:func:`operation`; the modules in :data:`OPERATION_MODULES` register theirs when
imported, so another part of the project adds remote operations by adding a module.
"""

from __future__ import annotations

import importlib
import os
import platform
import select
from collections.abc import Callable
from typing import IO, Any

from .identity import machine_identity
from .protocol import PROTOCOL, receive, send

#: Modules whose operations every session offers.
OPERATION_MODULES = ("fgtha.remote.operations", "fgtha.remote.hostcheck_ops", "fgtha.hostcheck.remote_ops")

Handler = Callable[["Channel", dict], Any]
OPERATIONS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler(channel, args) -> JSON-ready result`` as the operation ``name``."""

    def register(handler: Handler) -> Handler:
        OPERATIONS[name] = handler
        return handler

    return register


class Channel:
    """The controller's end of the session (this process's stdin and stdout).

    ``ssh_connection`` is the session's ``SSH_CONNECTION`` (client address and
    port, then this host's address and port), so an operation can tell which
    interface carries the session. A pending change may :meth:`detach` from the
    session: the session ends and this process carries on alone.
    """

    def __init__(self, rfile: IO[bytes], wfile: IO[bytes], ssh_connection: str = "") -> None:
        self.rfile = rfile
        self.wfile = wfile
        parts = ssh_connection.split()
        self.local_address = parts[2] if len(parts) == 4 else None
        self.answered: set[Any] = set()
        self.detached = False
        self.request_id: Any = None  # the request being handled

    def reply(self, request_id: Any, result: Any) -> None:
        """Answer request ``request_id`` with ``result`` (once; later answers to it are dropped)."""
        self._answer(request_id, {"ok": True, "result": result})

    def fail(self, request_id: Any, exc: BaseException) -> None:
        """Answer request ``request_id`` with the error ``exc``."""
        error = {
            "type": type(exc).__name__,
            "message": str(exc) or type(exc).__name__,
            "field": getattr(exc, "field", None),
            "rolled_back": getattr(exc, "rolled_back", None),
        }
        self._answer(request_id, {"ok": False, "error": error})

    def _answer(self, request_id: Any, body: dict) -> None:
        if request_id in self.answered or self.detached:
            return
        self.answered.add(request_id)
        try:
            send(self.wfile, {"id": request_id, **body})
        except OSError:  # the controller is gone; what the operation did stands (or was rolled back)
            self.detached = True

    def next_request(self, timeout: float | None = None) -> dict | None:
        """The next request; None at the end of the stream or when ``timeout`` seconds pass without one."""
        if self.detached:
            return None
        if timeout is not None and not getattr(self.rfile, "peek", lambda n: b"")(1):
            ready, _, _ = select.select([self.rfile.fileno()], [], [], max(timeout, 0.0))
            if not ready:
                return None
        try:
            return receive(self.rfile)
        except (OSError, ValueError):
            return None

    def detach(self) -> None:
        """End the SSH session and carry on in a child process of its own, with no stdin or stdout."""
        child = os.fork()
        if child:
            os._exit(0)  # the session's command ends here; the child holds the lock and the pending change
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        self.detached = True


def hello(channel: Channel, args: dict) -> dict:
    """The version handshake: refuse another protocol version; say which machine and Python this is."""
    wanted = args.get("protocol")
    if wanted != PROTOCOL:
        raise ValueError(f"the host side speaks protocol {PROTOCOL}, the controller {wanted}: use matching versions")
    return {
        "protocol": PROTOCOL,
        "python": platform.python_version(),
        "identity": machine_identity(),
        "uid": os.getuid(),
    }


def serve(rfile: IO[bytes], wfile: IO[bytes], ssh_connection: str = "") -> int:
    """Answer requests until the stream ends; ``hello`` must come first. Returns the exit code."""
    for name in OPERATION_MODULES:
        importlib.import_module(name)
    channel = Channel(rfile, wfile, ssh_connection)
    greeted = False
    while True:
        request = channel.next_request()
        if request is None:
            return 0
        request_id, op, args = request.get("id"), request.get("op"), request.get("args") or {}
        channel.request_id = request_id
        try:
            if op == "hello":
                result = hello(channel, args)
                greeted = True
            elif not greeted:
                raise ValueError("the session must start with hello")
            elif op in OPERATIONS:
                result = OPERATIONS[str(op)](channel, args)
            else:
                raise ValueError(f"unknown operation {op!r}; this host offers {', '.join(sorted(OPERATIONS))}")
        except Exception as exc:  # every failure goes back to the controller as an answer
            channel.fail(request_id, exc)
        else:
            channel.reply(request_id, result)
        if channel.detached:
            return 0
