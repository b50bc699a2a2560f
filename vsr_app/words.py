"""Counting things in messages ("1 frame", "0 frames", "3 frames") by one rule: the hand-written ones disagreed, and
those that took the plural only above 1 said "0 file". No Qt: the CLI, the core and the GUI all word counts."""

from __future__ import annotations


def counted(n: int, word: str, plural: str | None = None) -> str:
    """`n` and `word`, or its `plural` where n is not 1 (by default the word with an "s": "flash" needs "flashes")."""
    return f"{n} {word if n == 1 else plural or word + 's'}"
