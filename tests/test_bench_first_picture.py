"""benchmarks/first_picture.py times what it says: a pair of cheap sides is shown whole at once, and beside a slow
model the side at hand (the source) is timed first, the wait for both reported as not reached within the timeout."""

from __future__ import annotations

import json
import os
import runpy
import threading
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QSettings

from gui_support import SlowBicubic, gui_env  # noqa: F401
from test_gui_first_picture import BigSlowBicubic
from vsr_app import models

SLOW = "test-slow"


def _bench() -> SimpleNamespace:
    """The script's functions (benchmarks/ is not a package)."""
    script = Path(__file__).resolve().parent.parent / "benchmarks/first_picture.py"
    return SimpleNamespace(**runpy.run_path(str(script)))


def test_cheap_sides_are_shown_together(gui_env, small_video, capsys):
    bench = _bench()
    settings_before = QSettings().fileName()
    bench.main([str(small_video), "--sides", "bicubic,source", "--size", "600x800", "--json"])  # HxW
    assert QSettings().fileName() == settings_before  # the next tests' settings are not in its deleted folder
    result = json.loads(capsys.readouterr().out)
    [row] = result["rows"]
    assert row["path"] == str(small_video) and row["sides"] == ["bicubic", "source"]
    assert None not in (row["anything_s"], row["both_s"]) and 0 < row["anything_s"] <= row["both_s"]
    assert row["shown_first"] in (["source"], ["bicubic", "source"])  # the source at hand, or both by the first look
    assert result["window"] == "800x600" and len(result["load_average"]) == 3
    bench.print_table(result)
    table = capsys.readouterr().out
    assert f"| small.mp4 | bicubic vs source | {row['anything_s']:.1f} | {row['both_s']:.1f} |" in table


def test_the_side_at_hand_is_timed_first_and_a_slow_side_past_the_timeout_is_not_reached(gui_env, small_video,
                                                                                         capsys, monkeypatch):
    """The slow model has weights: beside a model without any, as quick as a bicubic, no side is shown early."""
    monkeypatch.setitem(models._BUILTINS, SLOW, models.Builtin(SLOW, "upscale", 4, lambda: BigSlowBicubic(4), "slow"))
    gate = threading.Event()  # the slow side's frames wait here until after the timeout
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    from vsr_app.gui.main_window import MainWindow

    closing = MainWindow.close  # the window's closing waits for the frame in work: let it through then (a timer
    monkeypatch.setattr(MainWindow, "close", lambda self: (gate.set(), closing(self))[1])  # raced a slow start)
    opener = threading.Timer(120, gate.set)  # (should the benchmark fail before closing its window)
    opener.start()
    try:
        bench = _bench()
        bench.main([str(small_video), "--sides", f"{SLOW},source", "--timeout", "4", "--json"])
    finally:
        gate.set()
        opener.cancel()
    [row] = json.loads(capsys.readouterr().out)["rows"]
    assert row["sides"] == [SLOW, "source"] and row["shown_first"] == ["source"]
    assert row["anything_s"] is not None and row["both_s"] is None  # the source reached within the timeout
    bench.print_table({"machine": "m", "load_average": [0, 0, 0], "load_average_end": [0, 0, 0], "window": "1x1",
                       "timeout_s": 4, "rows": [row]})
    assert f"| {row['anything_s']:.1f} | not reached | source |" in capsys.readouterr().out


def test_qts_default_settings_are_as_they_were_after_it(gui_env):
    """Its settings are Qt's defaults while it runs, never the user's; run in the tests' process, it left them in its
    deleted folder (and in Qt's .ini format) for the tests after it."""
    bench = _bench()
    format_before = QSettings.defaultFormat()
    QSettings.setDefaultFormat(QSettings.NativeFormat)  # not the benchmark's: its return is seen
    try:
        before = QSettings().fileName(), QSettings(QSettings.IniFormat, QSettings.UserScope, "o", "a").fileName()
        with bench.isolated_settings(("bicubic", "source")) as settings:
            folder = os.path.dirname(settings.fileName())
            assert QSettings().fileName().startswith(folder + os.sep)
        assert QSettings.defaultFormat() == QSettings.NativeFormat
        assert (QSettings().fileName(),
                QSettings(QSettings.IniFormat, QSettings.UserScope, "o", "a").fileName()) == before
        assert not os.path.exists(folder)
    finally:
        QSettings.setDefaultFormat(format_before)
