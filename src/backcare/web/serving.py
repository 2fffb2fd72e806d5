"""Running the app under uvicorn with one or several worker processes.

Several workers each listen on their own socket bound to the same port with
SO_REUSEPORT, so the kernel spreads connections evenly between them (with one
shared socket, whichever worker wakes first takes a whole burst of keep-alive
connections). The supervisor restarts a worker that dies and stops them all on
SIGINT or SIGTERM. All state is in the database or Redis, so any worker can
serve any request. A worker stops when its supervisor is gone, however it went
(even kill -9): the kernel tells it (Linux's parent-death signal), and a
watchdog checks every second elsewhere. A server does not start on a port
another server already answers on.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time

import uvicorn


def tcp_socket(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A listening socket marked as TCP.

    uvicorn creates its shared socket as socket(family), protocol 0, and asyncio
    sets TCP_NODELAY only on sockets it recognises as TCP: without the protocol
    every keep-alive answer waits ~40 ms for a delayed ACK (Nagle's algorithm).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class PortInUse(OSError):
    pass


def refuse_if_served(host: str, port: int) -> None:
    """PortInUse when something already answers on the port (another server, or workers left behind)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        if probe.connect_ex((host if host not in ("0.0.0.0", "::") else "127.0.0.1", port)) == 0:
            raise PortInUse(f"something already answers on {host}:{port} (another backcare server?); stop it first")


def _config(app: str, factory: bool, host: str, port: int, ssl_certfile: str | None, ssl_keyfile: str | None) -> uvicorn.Config:
    # The app reads forwarded headers itself, from trusted proxies only; uvicorn's own
    # handling would believe any local peer.
    return uvicorn.Config(app, factory=factory, host=host, port=port, log_level="warning", proxy_headers=False,
                          server_header=False, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, timeout_graceful_shutdown=10)


def _exit_with(supervisor: int) -> None:
    """Stop this worker (SIGTERM: uvicorn finishes what it is answering) when the supervisor is gone."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the watchdog below does it
    if os.getppid() != supervisor:  # it died before we asked
        os._exit(0)

    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watchdog", daemon=True).start()


def _worker(settings: tuple, sock: socket.socket, supervisor: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when to stop
    _exit_with(supervisor)
    uvicorn.Server(_config(*settings)).run(sockets=[sock])


def serve(host: str, port: int, workers: int, ssl_certfile: str | None = None, ssl_keyfile: str | None = None,
          app: str = "backcare.web.app:create_app", factory: bool = True) -> None:
    settings = (app, factory, host, port, ssl_certfile, ssl_keyfile)
    refuse_if_served(host, port)
    if workers == 1:
        uvicorn.Server(_config(*settings)).run(sockets=[tcp_socket(host, port)])
        return
    context = multiprocessing.get_context("spawn")
    sockets = [tcp_socket(host, port, reuse_port=True) for _ in range(workers)]
    processes = [None] * workers
    stop = threading.Event()

    def start(i: int) -> None:
        processes[i] = context.Process(target=_worker, args=(settings, sockets[i], os.getpid()), daemon=False)
        processes[i].start()

    def shutdown(*_args) -> None:
        stop.set()

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    for i in range(workers):
        start(i)
    while not stop.wait(0.5):
        for i, process in enumerate(processes):
            if not process.is_alive():
                start(i)  # a worker died: replace it on the same socket
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=15)
