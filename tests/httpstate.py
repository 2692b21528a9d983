"""A state service for Terraform's http backend on loopback, for tests: GET/POST/DELETE state, LOCK/UNLOCK.

One state and one lock per path, in memory; a second LOCK while locked answers 423 with the holder's lock
info, as the backend expects. Served from a thread on 127.0.0.1 and shut down on exit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Store:
    """What the service holds, by path."""

    states: dict[str, bytes] = field(default_factory=dict)
    locks: dict[str, bytes] = field(default_factory=dict)
    mutex: threading.Lock = field(default_factory=threading.Lock)


def _handler(store: Store) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _reply(self, code: int, body: bytes = b"") -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        @property
        def key(self) -> str:
            return self.path.split("?", 1)[0]

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            with store.mutex:
                state = store.states.get(self.key)
            self._reply(200, state) if state is not None else self._reply(404)

        def do_POST(self) -> None:  # noqa: N802
            body = self._body()
            with store.mutex:
                store.states[self.key] = body
            self._reply(200)

        def do_DELETE(self) -> None:  # noqa: N802
            with store.mutex:
                store.states.pop(self.key, None)
            self._reply(200)

        def do_LOCK(self) -> None:  # noqa: N802
            body = self._body()
            with store.mutex:
                held = store.locks.get(self.key)
                if held is None:
                    store.locks[self.key] = body
            self._reply(200) if held is None else self._reply(423, held)

        def do_UNLOCK(self) -> None:  # noqa: N802
            self._body()
            with store.mutex:
                store.locks.pop(self.key, None)
            self._reply(200)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

    return Handler


@contextmanager
def state_service() -> Iterator[tuple[str, Store]]:
    """Yield the service's base URL (``http://127.0.0.1:PORT``) and its store."""
    store = Store()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(store))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", store
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
