"""Small widget helpers shared by the tabs."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton


def path_row(edit: QLineEdit, browse: QPushButton, pick: Callable[[], None]) -> QHBoxLayout:
    """A path field stretched beside its button, which calls `pick`."""
    browse.clicked.connect(pick)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(browse)
    return row
