"""The viewer's cache of decoded and processed frames. No Qt here."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import numpy as np


class FrameCache:
    """Least-recently-used images, bounded by their total size in bytes."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self.used = 0
        self.items: OrderedDict[tuple, np.ndarray] = OrderedDict()

    def get(self, key: tuple) -> np.ndarray | None:
        image = self.items.get(key)
        if image is not None:
            self.items.move_to_end(key)
        return image

    def put(self, key: tuple, image: np.ndarray) -> None:
        if key in self.items:
            self.used -= self.items.pop(key).nbytes
        self.items[key] = image
        self.used += image.nbytes
        while self.used > self.budget and len(self.items) > 1:
            self.used -= self.items.popitem(last=False)[1].nbytes

    def drop(self, unwanted: Callable[[tuple], bool]) -> None:
        for key in [key for key in self.items if unwanted(key)]:
            self.used -= self.items.pop(key).nbytes
