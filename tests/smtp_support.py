"""A small SMTP server for tests: it accepts every message, keeps it, and may take its time
(so that two senders overlap). Python 3.12 dropped smtpd; this speaks just what smtplib sends."""
from __future__ import annotations

import email
import socketserver
import threading
import time
from contextlib import contextmanager


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server = self.server
        self.wfile.write(b"220 test SMTP\r\n")
        lines: list[str] | None = None
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace")
            if lines is not None:  # inside DATA
                if line in (".\r\n", ".\n"):
                    time.sleep(server.delay)
                    with server.lock:
                        server.messages.append(email.message_from_string("".join(lines)))
                    lines = None
                    self.wfile.write(b"250 kept\r\n")
                else:
                    lines.append(line[1:] if line.startswith("..") else line)
                continue
            command = line[:4].upper()
            if command == "DATA":
                lines = []
                self.wfile.write(b"354 go on\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def smtp_server(delay: float = 0.0):
    """A server on a free port of 127.0.0.1; yields it (its `.port` and its `.messages`)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.port = server.server_address[1]
    server.messages, server.lock, server.delay = [], threading.Lock(), delay
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
