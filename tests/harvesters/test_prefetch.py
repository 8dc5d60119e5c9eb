"""harvesters.prefetch.ahead: the same items in the same order, produced ahead in a thread, errors where they were."""
import threading

import pytest

from harvesters.prefetch import ahead


def test_yields_everything_in_order():
    assert list(ahead(iter(range(500)), depth=3)) == list(range(500))
    assert list(ahead(iter([]))) == []


def test_an_error_comes_after_what_was_produced_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("page 3 broke")

    got = []
    with pytest.raises(ValueError, match="page 3 broke"):
        for x in ahead(items()):
            got.append(x)
    assert got == [1, 2]


def test_the_next_item_is_produced_while_the_caller_works_on_this_one():
    started = {n: threading.Event() for n in range(3)}

    def items():
        for n in range(3):
            started[n].set()
            yield n, threading.current_thread().name

    it = ahead(items(), depth=1)
    first, thread = next(it)
    assert first == 0 and thread != threading.current_thread().name
    assert started[1].wait(5), "the second item was not produced while the first was in use"
    assert [n for n, _ in it] == [1, 2]


def test_it_runs_at_most_depth_items_ahead():
    produced = []
    gate = threading.Event()

    def items():
        for n in range(50):
            produced.append(n)
            yield n

    it = ahead(items(), depth=2)
    assert next(it) == 0
    gate.wait(0.3)  # give the thread time to run ahead as far as it may
    assert len(produced) <= 1 + 2 + 1  # the one taken, `depth` waiting, one held by the blocked thread
    assert list(it) == list(range(1, 50))


def test_closing_early_stops_the_thread_and_closes_the_source():
    closed = threading.Event()

    def items():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    it = ahead(items(), depth=1)
    assert next(it) == 0
    it.close()
    assert closed.wait(5)
    assert not [t for t in threading.enumerate() if t.name == "harvest-prefetch"]


def test_ready_says_whether_the_next_item_has_arrived():
    release = threading.Event()

    def items():
        yield 1
        release.wait(5)
        yield 2

    it = ahead(items(), depth=1)
    assert next(it) == 1
    assert not it.ready()  # the producer is held
    release.set()
    for _ in range(100):
        if it.ready():
            break
        threading.Event().wait(0.05)
    assert it.ready() and next(it) == 2


def test_closing_one_never_iterated_stops_its_thread():
    closed = threading.Event()

    def items():
        try:
            yield from range(10)
        finally:
            closed.set()

    it = ahead(items(), depth=1)
    it.close()
    assert closed.wait(5)


def test_after_an_item_it_must_hold_it_waits_to_be_asked_for_the_next():
    produced = []

    def items():
        for n in range(4):
            produced.append(n)
            yield n

    it = ahead(items(), depth=2, hold=lambda n: n == 1)
    assert next(it) == 0
    assert next(it) == 1
    threading.Event().wait(0.3)
    assert produced == [0, 1]  # nothing after the held item while it is in use
    assert list(it) == [2, 3]
