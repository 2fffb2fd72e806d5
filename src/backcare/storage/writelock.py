"""SQLite writers of one process take turns in a queue instead of sleeping in retries.

SQLite allows one writer at a time. Without a queue, a writer that finds the
database busy sleeps (1, 2, 5, 10, ... ms, SQLite's busy handler) and tries
again, and whoever happens to try at the right moment goes next: under load
most of a save's time was sleep, and an unlucky writer waited over a second.
Here each write transaction first takes its place in the process's queue for
that database file (first come, first served); the one at the front begins
(BEGIN IMMEDIATE), and its commit or rollback hands the turn straight to the
next. Between processes (the server's workers, the command line) the turn
passes through an advisory lock on a file beside the database (`flock`): a
waiting process sleeps in the kernel until it is woken, never in SQLite's busy
loop. Anything else that writes the file (the sqlite3 shell, a backup) still
meets SQLite's own lock and its busy timeout.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the processes meet at SQLite's lock only
    fcntl = None  # type: ignore[assignment]

WAIT_SECONDS = 10.0  # as SQLite's busy timeout: then "database is locked", as before


def _locked() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked (waited for other writers)")


class WriteQueue:
    """A first-come, first-served lock; release hands it to the longest waiter.

    With `lock_file`, whoever holds it also holds that file's advisory lock, so the
    processes on one database take turns too.
    """

    def __init__(self, lock_file: str | None = None) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False
        self._lock_file = lock_file
        self._fd: int | None = None

    def acquire(self, timeout: float = WAIT_SECONDS) -> None:
        with self._guard:
            if not self._held and not self._waiting:
                self._held = True
                turn = None
            else:
                turn = threading.Event()
                self._waiting.append(turn)
        if turn is not None and not turn.wait(timeout):
            with self._guard:
                if not turn.is_set():
                    self._waiting.remove(turn)
                    raise _locked()
            # handed over just as the wait ran out: it is ours
        try:
            self._lock_processes(timeout)
        except BaseException:
            self._pass_on()
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._pass_on()

    def _pass_on(self) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().set()  # stays held: the turn passes on directly
            else:
                self._held = False

    def _lock_processes(self, timeout: float) -> None:
        """The file's lock, waiting in the kernel (on a helper thread, so the wait can end in time)."""
        if self._lock_file is None or fcntl is None:
            return
        if self._fd is None:
            self._fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        got, state = threading.Event(), {"abandoned": False}
        guard = threading.Lock()

        def wait_for_it() -> None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            with guard:
                if state["abandoned"]:  # the caller gave up meanwhile: let the next process have it
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                else:
                    got.set()

        threading.Thread(target=wait_for_it, daemon=True, name="backcare-writer-turn").start()
        if got.wait(timeout):
            return
        with guard:
            if got.is_set():
                return
            state["abandoned"] = True
        raise _locked()


_queues: dict[str, WriteQueue] = {}
_queues_guard = threading.Lock()


def queue_for(path: str) -> WriteQueue:
    """The process's one queue for a database file (every engine on the file shares it); the file
    `<database>-writer` beside it carries the turn between processes."""
    with _queues_guard:
        if path not in _queues:
            _queues[path] = WriteQueue(path + "-writer")
        return _queues[path]


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its database's write queue for the length of a write transaction."""

    write_queue: WriteQueue | None = None
    _holding = False

    def begin_write(self) -> None:
        """Wait for this connection's turn, then begin the write transaction (BEGIN IMMEDIATE)."""
        if self.write_queue is not None:
            self.write_queue.acquire()
            self._holding = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._let_go()
            raise

    def _let_go(self) -> None:
        if self._holding:
            self._holding = False
            self.write_queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._let_go()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._let_go()
