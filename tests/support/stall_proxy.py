"""A TCP proxy on loopback that can be told to blackhole, as a network path that drops packets.

Between a client (the hub) and a server (PostgreSQL). Told to ``blackhole``, it stops
accepting, reading and forwarding: what either side sends waits unread in the kernel's buffers
and new connections wait in the listen backlog, so the client gets neither an answer nor a
refusal, only silence. ``restore`` resumes all of it, in order, as a network path coming back.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

# How often the proxy's threads look up from a quiet socket to see whether it closed: the
# proxy's own loop, nothing a test waits on.
POLL = 0.2


class StallingProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self.listener = socket.create_server((host, 0))
        self.port: int = self.listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.connections = 0
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def blackhole(self) -> None:
        self._flowing.clear()

    def restore(self) -> None:
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self._flowing.set()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in [self.listener, *sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    def _wait_readable(self, sock: socket.socket) -> bool:
        """True once ``sock`` has something to read while traffic flows; False once closed."""
        while not self._closed:
            self._flowing.wait()
            try:
                ready, _, _ = select.select([sock], [], [], POLL)
            except (OSError, ValueError):
                return False
            if ready and self._flowing.is_set() and not self._closed:
                return True
        return False

    def _accept(self) -> None:
        while self._wait_readable(self.listener):
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                continue
            with self._lock:
                self._sockets += [client, upstream]
                self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), name="proxy-pump",
                                 daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while self._wait_readable(source):
            try:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
