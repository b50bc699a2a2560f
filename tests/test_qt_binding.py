"""The Qt binding itself: a known-bad release must not slip in through the constraints."""

import gc
import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    changed = Signal(object)


def test_emitting_a_signal_keeps_the_reference_counts_of_true_and_false(qapp):
    """PySide6 6.12.0 dropped one reference to True on every Signal.emit(): after some ten thousand emits (a few
    minutes of playback: a frame signal each) CPython freed True and the app aborted ("bool_dealloc")."""
    emitter, received = Emitter(), []
    emitter.changed.connect(received.append)
    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for value in [True, False, "frame"] * 100:
        emitter.changed.emit(value)
    received.clear()
    gc.collect()
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
