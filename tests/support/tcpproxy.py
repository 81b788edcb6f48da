"""A loopback TCP proxy the tests can cut and restore, to stage a database outage for real."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._holed = threading.Event()  # black hole: connections stay open, nothing passes
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._dead: set[tuple[socket.socket, socket.socket]] = set()  # cut, not yet closed
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            if self._holed.is_set():
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, upstream = pair
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.2):
                    if pair in self._dead:
                        return  # cut: nothing read from now on is forwarded
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    if not self._holed.is_set():
                        key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            self._close_pair(pair)

    def _close_pair(self, pair: tuple[socket.socket, socket.socket]) -> None:
        with self._lock:
            self._pairs.discard(pair)
            self._dead.discard(pair)
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def cut(self) -> None:
        self._open.clear()
        with self._lock:
            pairs = list(self._pairs)
            self._dead.update(pairs)
        for pair in pairs:
            # Shut down only: the pump thread closes the sockets. Closing them here would free
            # their descriptors while that thread still polls them, and a connection accepted
            # right after (a quick restore) could reuse the numbers and have its bytes stolen.
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self._open.set()
        self._holed.clear()

    def black_hole(self) -> None:
        """Keep every connection open and accept new ones, but forward nothing either way: a
        database that stopped answering (a hung server, a partition behind a middlebox)."""
        self._holed.set()

    def _swallow(self, client: socket.socket) -> None:
        client.settimeout(0.2)
        with contextlib.suppress(OSError):
            while not self._stop.is_set():
                try:
                    if not client.recv(65536):
                        break
                except TimeoutError:
                    continue
        with contextlib.suppress(OSError):
            client.close()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self._listener.close()
        self._thread.join(timeout=2)
