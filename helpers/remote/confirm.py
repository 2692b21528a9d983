"""Commit-confirmed on the host: a change stands only once the controller confirms it, else it rolls back.

Shipped to the host. A change that leaves the SSH session's own path alone is
confirmed on the same session (an ended session before that rolls it back). A
change to the interface that carries the session (``migrate_addresses`` moving
its address) must be confirmed over a *fresh* connection: the session ends, this
process carries on alone holding the host lock, and waits on a socket under
:data:`PENDING_DIR` for the token; when the timeout passes first it rolls back.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from typing import Any

from .server import Channel

#: Where a change waiting for a fresh connection's confirmation listens (one socket per change, root only).
PENDING_DIR = "/run/fgtha"


class NotConfirmed(Exception):
    """The controller did not confirm the change in time; the change is rolled back."""


def socket_path(token: str) -> str:
    """The socket that the change with this token waits on."""
    return os.path.join(PENDING_DIR, f"confirm-{token}.sock")


def await_confirmation(channel: Channel, request_id: Any, result: dict, *, fresh: bool, timeout: float) -> None:
    """Answer ``request_id`` with ``result`` and a pending token, then return once confirmed or raise NotConfirmed."""
    token = secrets.token_hex(16)
    pending = {"token": token, "confirm": "fresh" if fresh else "session", "timeout": timeout}
    if not fresh:
        channel.reply(request_id, {**result, "pending": pending})
        _confirmed_on_session(channel, token, timeout)
        return
    os.makedirs(PENDING_DIR, mode=0o700, exist_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(socket_path(token))
        os.chmod(socket_path(token), 0o600)
        listener.listen(4)
        channel.reply(request_id, {**result, "pending": pending})
        channel.detach()
        _confirmed_on_socket(listener, token, timeout)
    finally:
        listener.close()
        try:
            os.unlink(socket_path(token))
        except OSError:
            pass


def _confirmed_on_session(channel: Channel, token: str, timeout: float) -> None:
    request = channel.next_request(timeout)
    if request is None:
        raise NotConfirmed(f"the controller did not confirm the change within {timeout:g} s (the session ended)")
    args = request.get("args") or {}
    if request.get("op") != "bridge.confirm" or args.get("token") != token:
        error = NotConfirmed(f"expected the confirmation of the pending change, got {request.get('op')!r}")
        channel.fail(request.get("id"), error)
        raise error
    channel.reply(request.get("id"), {"committed": True})


def _confirmed_on_socket(listener: socket.socket, token: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NotConfirmed(
                f"the controller did not confirm the change over a fresh connection within {timeout:g} s"
            )
        listener.settimeout(remaining)
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        with conn:
            conn.settimeout(5)
            try:
                got = conn.makefile("rb").readline().strip().decode()
            except OSError:
                continue
            if got == token:
                conn.sendall(b"committed\n")
                return
            conn.sendall(b"wrong token\n")


def confirm(token: str) -> dict:
    """Confirm the change waiting under ``token`` (called on a fresh session)."""
    path = socket_path(token)
    if not token or not os.path.exists(path):
        raise NotConfirmed(
            "no change is waiting for confirmation under this token: its timeout passed and it rolled back"
        )
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(path)
        conn.sendall(token.encode() + b"\n")
        answer = conn.makefile("rb").readline().strip()
    if answer != b"committed":
        raise NotConfirmed(f"the pending change refused the confirmation: {answer.decode() or 'no answer'}")
    return {"committed": True}
