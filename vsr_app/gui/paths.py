"""Paths typed into the app's fields: `~` is the home folder everywhere; what a relative one means depends on the
field (beside the input where there is one), and fields with nothing to be relative to want a full path."""

from __future__ import annotations

from pathlib import Path

from vsr_app.errors import VsrAppError

FULL_PATH_TIP = "A full path; ~ is your home folder"


def full_path(text: str, what: str, example: Path) -> Path:
    """`text` as a path, `~` meaning the home folder; refused unless it is a full path: a relative one would
    depend on the folder the app happened to start in (which the trainer process starts in too)."""
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise VsrAppError(f"{what} must be a full path, e.g. {example}")
    return path
