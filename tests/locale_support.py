"""Qt's default locale as a tester's LC_ALL sets it, German ("," the decimal point, "." the group separator) and
English, for the number fields made under it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale

from gui_support import gui_env  # noqa: F401


@pytest.fixture(params=[QLocale.German, QLocale.English], ids=["German", "English"])
def locale(request, gui_env):
    before = QLocale()
    QLocale.setDefault(QLocale(request.param))
    yield
    QLocale.setDefault(before)
