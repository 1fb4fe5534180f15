"""A two-stage worker pipeline with bounded concurrency per stage.

Each stage is a fixed set of worker loops on a ThreadPoolExecutor, fed by a queue. Work flows
stage 1 → stage 2 → the caller, who sees each item as soon as it is done (for progress
lines). Stages get their own workers because they talk to different services (GitHub,
DockerHub) whose politeness limits are separate: while one module waits for Docker Hub the
next is already reading GitHub. With one worker per stage everything runs serially in the
calling thread (one request at a time), which is what ``HARVEST_CONCURRENCY=1`` promises.

Worker threads use the database (HTTP cache, publishing), so each loop closes its own
connections when it ends; a failing handler marks its item instead of killing the worker, and
a dropped database connection is replaced (the item is tried once more).
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

T = TypeVar("T")
DATABASE_RETRY_DELAY = 1.0
_STOP = object()


class Pipeline(Generic[T]):
    def __init__(
        self,
        *,
        first: Callable[[T], None],
        second: Callable[[T], None],
        on_error: Callable[[T, BaseException], None],
        workers: tuple[int, int],
        names: tuple[str, str] = ("stage-1", "stage-2"),
    ) -> None:
        self.first, self.second, self.on_error = first, second, on_error
        self.workers = (max(1, workers[0]), max(1, workers[1]))
        self.names = names

    def run(self, items: Iterable[T]) -> Iterator[T]:
        """Yield each item once both stages have handled it, in completion order."""
        items = list(items)
        if self.workers == (1, 1):
            yield from self._run_serially(items)
            return
        inbox: queue.Queue = queue.Queue()
        middle: queue.Queue = queue.Queue()
        done: queue.Queue = queue.Queue()
        for item in items:
            inbox.put(item)
        for _ in range(self.workers[0]):
            inbox.put(_STOP)
        with (
            ThreadPoolExecutor(self.workers[0], thread_name_prefix=self.names[0]) as first_pool,
            ThreadPoolExecutor(self.workers[1], thread_name_prefix=self.names[1]) as second_pool,
        ):
            for _ in range(self.workers[0]):
                first_pool.submit(self._loop, inbox, self.first, middle)
            for _ in range(self.workers[1]):
                second_pool.submit(self._loop, middle, self.second, done)
            try:
                for _ in range(len(items)):
                    yield done.get()
            finally:
                for _ in range(self.workers[1]):
                    middle.put(_STOP)

    def _run_serially(self, items: list[T]) -> Iterator[T]:
        """One worker per stage means one request at a time: no overlap between stages."""
        for item in items:
            for handle in (self.first, self.second):
                try:
                    _with_one_database_retry(handle, item)
                except Exception as exc:  # Ctrl-C still stops a serial run
                    logger.exception("harvest step failed on %r", item)
                    _reset_broken_connections()
                    self.on_error(item, exc)
            yield item

    def _loop(self, inbox: queue.Queue, handle: Callable[[T], None], outbox: queue.Queue) -> None:
        try:
            while True:
                item = inbox.get()
                if item is _STOP:
                    return
                try:
                    _with_one_database_retry(handle, item)
                except BaseException as exc:  # a bug must not hang the run: report, go on
                    logger.exception("harvest worker failed on %r", item)
                    _reset_broken_connections()
                    try:
                        self.on_error(item, exc)
                    except Exception:
                        logger.exception("could not record the failure of %r", item)
                finally:
                    outbox.put(item)
        finally:
            connections.close_all()


def _with_one_database_retry(handle: Callable[[T], None], item: T) -> None:
    """A dropped database connection fails the item once; it gets one more go on a fresh
    connection a moment later (handlers start from a clean item and write in transactions)."""
    try:
        handle(item)
    except DatabaseError:
        logger.warning("database error on %r; retrying once on a new connection", item)
        _reset_broken_connections()
        time.sleep(DATABASE_RETRY_DELAY)
        handle(item)


def _reset_broken_connections() -> None:
    """After an error, a connection the database dropped is closed so the next item in this
    thread reconnects instead of failing on the dead one."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close_if_unusable_or_obsolete()
        except Exception:  # noqa: S110 - close() forgets the connection even when it raises
            pass
