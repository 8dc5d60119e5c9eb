"""Run a generator a step ahead in a background thread, so waiting on the source overlaps the caller's work."""
from __future__ import annotations

import queue
import threading
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")
_ITEM, _END, _ERROR = "item", "end", "error"


class _Asked:
    """How many items the consumer has asked for; the producer can wait for the next request."""

    def __init__(self):
        self.count = 0
        self.cond = threading.Condition()

    def ask(self) -> None:
        with self.cond:
            self.count += 1
            self.cond.notify_all()

    def wait_for(self, n: int, stop: threading.Event) -> None:
        with self.cond:
            while self.count < n and not stop.is_set():
                self.cond.wait(0.05)


class Ahead(Generic[T]):
    """Iterate over what `items` yields, in order, while a thread produces up to `depth` more. An exception raised
    by `items` is raised here, after everything produced before it. After an item for which `hold(item)` is true
    (a large page, say), the thread produces nothing more until the caller asks for the next item, so at most that
    one is in memory. Closing it (or dropping it early) stops the thread after its current step; `items` is then
    closed in that thread."""

    def __init__(self, items: Iterator[T], depth: int = 1, hold: Callable[[T], bool] | None = None,
                 name: str = "harvest-prefetch"):
        self._box: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        asked = _Asked()
        worker = threading.Thread(target=_produce, args=(items, self._box, self._stop, asked, hold), name=name,
                                  daemon=True)
        worker.start()
        self._out = _consume(self._box, self._stop, worker, asked)  # the thread holds no reference to self

    def __iter__(self) -> Ahead[T]:
        return self

    def __next__(self) -> T:
        return next(self._out)

    def ready(self) -> bool:
        """Whether the next step (an item, the end or an error) has already arrived, so next() will not wait."""
        return not self._box.empty()

    def close(self) -> None:
        self._stop.set()  # for an Ahead never iterated, whose _consume has not started
        self._out.close()

    def __del__(self):
        self._stop.set()


def ahead(items: Iterator[T], depth: int = 1, hold: Callable[[T], bool] | None = None,
          name: str = "harvest-prefetch") -> Ahead[T]:
    return Ahead(items, depth, hold, name)


def _put(box: queue.Queue, stop: threading.Event, message) -> bool:
    while not stop.is_set():
        try:
            box.put(message, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


def _produce(items: Iterator, box: queue.Queue, stop: threading.Event, asked: _Asked, hold) -> None:
    try:
        for n, item in enumerate(items, 1):
            if not _put(box, stop, (_ITEM, item)):
                return
            if hold is not None and hold(item):
                asked.wait_for(n + 1, stop)  # until the caller is done with this item and asks for the next
            if stop.is_set():
                return
        _put(box, stop, (_END, None))
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
        _put(box, stop, (_ERROR, exc))
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def _consume(box: queue.Queue, stop: threading.Event, worker: threading.Thread, asked: _Asked) -> Iterator:
    try:
        while True:
            asked.ask()
            kind, value = box.get()
            if kind == _ITEM:
                yield value
            elif kind == _END:
                return
            else:
                raise value
    finally:  # also when closed or collected early
        stop.set()
        worker.join(timeout=1)  # at the end it is exiting; after an early stop it may still be inside a request
