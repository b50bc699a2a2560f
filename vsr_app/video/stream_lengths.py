"""How long each kind of stream in a file lasts, by its packets: whether an output's audio still lasts as long as its
video (no loss, no drift). In the app, not the tests' helpers, so that a benchmark (memory_flat.py) measures it the
same way without importing the test folder."""

from __future__ import annotations

import os

import av


def stream_durations(path: str | os.PathLike) -> dict[str, float]:
    """Seconds covered by the packets of each stream type (first pts to last pts + duration)."""
    spans: dict[str, list[float]] = {}
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is None or packet.size == 0:
                continue
            tb = packet.time_base
            start = float(packet.pts * tb)
            end = start + float((packet.duration or 0) * tb)
            lo, hi = spans.get(packet.stream.type, (start, end))
            spans[packet.stream.type] = [min(lo, start), max(hi, end)]
    return {kind: hi - lo for kind, (lo, hi) in spans.items()}
