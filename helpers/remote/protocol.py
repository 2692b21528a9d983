"""The wire protocol between the controller and the host side: JSON lines, one request, one answer.

Shipped to the host: Python 3.9 syntax, standard library only.

A request is ``{"id": N, "op": NAME, "args": {...}}``; its answer is
``{"id": N, "ok": true, "result": ...}`` or ``{"id": N, "ok": false, "error":
{"type": ..., "message": ..., "field": ..., "rolled_back": ...}}``. The first
request of a session is ``hello`` with the controller's ``protocol``; the host
refuses a version it does not speak.
"""

from __future__ import annotations

import json
from typing import IO, Any

#: The protocol version both sides speak; bump it on any incompatible change.
PROTOCOL = 1
#: The oldest Python the host side runs on.
MIN_PYTHON = (3, 9)


def send(stream: IO[bytes], message: dict[str, Any]) -> None:
    """Write one message as a JSON line and flush it."""
    stream.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
    stream.flush()


def receive(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next message, or None at the end of the stream."""
    line = stream.readline()
    if not line:
        return None
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a protocol message must be a JSON object")
    return message
