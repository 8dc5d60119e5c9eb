"""Run a generator a step ahead in a background thread, so waiting on the source overlaps the caller's work."""
from __future__ import annotations

import queue
import threading
from typing import Iterator, TypeVar

T = TypeVar("T")
_ITEM, _END, _ERROR = "item", "end", "error"


def ahead(items: Iterator[T], depth: int = 1, name: str = "harvest-prefetch") -> Iterator[T]:
    """Yield what `items` yields, in order, while a thread produces up to `depth` more. An exception raised by
    `items` is raised here, after everything produced before it. Closing this generator (or the caller stopping on
    an error) stops the thread after its current step; `items` is then closed in that thread."""
    box: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(message) -> bool:
        while not stop.is_set():
            try:
                box.put(message, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((_ITEM, item)):
                    return
            put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put((_ERROR, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    try:
        while True:
            kind, value = box.get()
            if kind == _ITEM:
                yield value
            elif kind == _END:
                return
            else:
                raise value
    finally:
        stop.set()
        worker.join(timeout=1)  # at the end it is exiting; after an early stop it may still be inside a request
