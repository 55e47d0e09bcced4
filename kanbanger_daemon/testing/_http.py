"""The socket side of the fake GitHub: a threading HTTP/1.1 server on 127.0.0.1.

Stopping it closes keep-alive connections and joins every thread it started, so tests can
assert that nothing leaks.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ._gateway import Reply

Handle = Callable[[str, str, dict[str, str], bytes], Reply | None]


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # request threads are joined by server_close()
    block_on_close = True
    request_queue_size = 128  # chaos tests open many connections at once (default: 5)

    def __init__(self, address: tuple[str, int], handle: Handle) -> None:
        super().__init__(address, _Handler)
        self.handle_request_bytes = handle
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hang up (timeouts, resets): expected here, so not printed to stderr."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects from GitHub
    server_version = "GitHub.com"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle + delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.open_connections.discard(self.connection)
        with contextlib.suppress(OSError):  # the connection was reset on purpose
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: tests read fake.requests_log instead

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.handle_request_bytes(self.command, self.path.split("?")[0],
                                                 headers, raw)
        if reply is None:
            self._reset()
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(reply.body)))
        self.end_headers()
        try:
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. after a slow reply)

    def _reset(self) -> None:
        """Close the socket with RST and no reply, as a dropped connection looks to a client."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    do_POST = _serve
    do_GET = _serve


class HttpServer:
    """Serves `handle` in a background thread until stop()."""

    def __init__(self, handle: Handle, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), handle)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-github-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        with self._server.connections_lock:
            for connection in list(self._server.open_connections):
                # Wakes handler threads blocked on an idle keep-alive connection.
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()  # joins the request threads
