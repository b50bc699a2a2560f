"""Time to the first picture in the Compare tab: a video or a folder of frames opened in the app's own window, the
seconds until (a) anything of it is on screen and (b) both sides are, and which side came first.

Why: the Compare tab shows the cheaper side as soon as it is made, the slower side's half saying which model is still
at work (gui/processing.py, `FrameService.render`'s `early`); the waits quoted for that (Vid4 city, student vs
teacher, on a loaded CPU) are measured here, by one command, so they can be checked and measured again.

    .venv/bin/python benchmarks/first_picture.py PATH [PATH ...] [--sides LEFT,RIGHT] [--size 900x1400]
        [--timeout 900] [--json]

Each path is opened in a fresh `MainWindow` (headless: the script sets QT_QPA_PLATFORM=offscreen itself), with
settings of its own in a temporary folder, so the sides are the app's defaults (student vs teacher where both are
installed) unless `--sides` names them, as a user's remembered choice would. The clock starts as the window is asked
to open the path, so reading the video's header, loading the models and the first frame's work are all in it. The
window is polled every 20 ms: (a) is the first poll with a layer on the picture, (b) the viewer's `frameShown` (the
whole comparison on screen). A run past `--timeout` reports (b) as not reached. The machine's cores and load average
are printed: on a shared machine other work's load is in the seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from PySide6.QtCore import QSettings  # noqa: E402

from bench_support import load_average  # noqa: E402
from vsr_app.bench import machine_description, parse_size  # noqa: E402
from vsr_app.gui.app import application  # noqa: E402

POLL_S = 0.02


@contextlib.contextmanager
def isolated_settings(sides: tuple[str, str] | None) -> Iterator[QSettings]:
    """Settings in a temporary folder, never the user's: the app's defaults, or `sides` remembered for Upscale. Qt's
    default settings (any `QSettings()`) are kept there meanwhile, and as they were after: run in a test's process,
    the next tests' went into the deleted folder."""
    format_before, folder_before = QSettings.defaultFormat(), _ini_folder()
    with tempfile.TemporaryDirectory(prefix="first_picture_") as folder:
        QSettings.setDefaultFormat(QSettings.IniFormat)
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, folder)
        settings = QSettings(os.path.join(folder, "first_picture.ini"), QSettings.IniFormat)
        try:
            if sides is not None:
                settings.setValue("viewer/sides/upscale", list(sides))
            yield settings
        finally:
            settings.sync()  # written before its folder goes: Qt would make it again later
            QSettings.setDefaultFormat(format_before)
            QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, folder_before)


def _ini_folder() -> str:
    """The folder Qt keeps a user's .ini settings in now (`QSettings.setPath`'s, which Qt gives no getter for): an
    organisation's settings are its folder's organisation.ini."""
    return os.path.dirname(QSettings(QSettings.IniFormat, QSettings.UserScope, "organisation").fileName())


def shown_sides(viewer) -> list[str]:
    """The sides whose picture is on screen now (a side still being made has a layer without an image)."""
    layers = viewer.view.panes[0].layers
    return [side for side, layer in zip(viewer.sides, layers) if not layer.image.isNull()]


def first_picture(path: str, sides: tuple[str, str] | None, window: tuple[int, int], timeout: float) -> dict:
    """Open `path` in a fresh window of `window` (width, height) and time (a) anything shown, (b) both sides shown;
    None where not reached."""
    from vsr_app.gui.main_window import MainWindow

    app = application()
    with isolated_settings(sides) as settings:
        win = MainWindow(settings)
        win.resize(*window)
        win.show()
        viewer = win.viewer
        both = []
        viewer.frameShown.connect(lambda rendered: both.append(time.monotonic()))
        start = time.monotonic()
        win.open(path)
        anything, first = None, []
        while not both and time.monotonic() - start < timeout:
            app.processEvents()
            if anything is None and (first := shown_sides(viewer)):
                anything = time.monotonic()
            time.sleep(POLL_S)
        if both:  # (looked at after the frame's signal in the same poll: not later than it)
            anything = min(anything or both[0], both[0])
        row = {"path": path, "sides": list(viewer.sides),  # ms kept: the table rounds, an idle machine's are < 0.05 s
               "anything_s": None if anything is None else round(anything - start, 3),
               "both_s": round(both[0] - start, 3) if both else None,
               "shown_first": first or (list(viewer.sides) if both else [])}
        win.close()  # stops the viewer's work as a user's closing the window does
        win.deleteLater()
        app.processEvents()
    return row


def print_table(result: dict) -> None:
    """The rows as a Markdown table, to paste into docs/RESULTS.md with the command that made them."""
    start, end = result["load_average"], result["load_average_end"]
    print(f"{result['machine']} (load average {start} at the start, {end} at the end); window "
          f"{result['window']}, timeout {result['timeout_s']:.0f} s\n")
    print("| video | sides | (a) anything shown, s | (b) both sides shown, s | shown first |")
    print("|---|---|---:|---:|---|")
    for r in result["rows"]:
        print(f"| {Path(r['path']).name} | {' vs '.join(r['sides'])} | {_seconds(r['anything_s'])} | "
              f"{_seconds(r['both_s'])} | {' and '.join(r['shown_first']) or '-'} |")


def _seconds(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.1f}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help="videos or folders of frames, each opened in a fresh window")
    ap.add_argument("--sides", help="LEFT,RIGHT model names (or 'source'); default: the app's defaults")
    ap.add_argument("--size", default="900x1400", help="the window's height x width, as `vsr-app bench --size`")
    ap.add_argument("--timeout", type=float, default=900, help="seconds to wait for both sides, per path")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    sides = tuple(args.sides.split(",")) if args.sides else None
    if sides is not None and len(sides) != 2:
        ap.error("--sides takes two names, LEFT,RIGHT")

    height, width = parse_size(args.size)
    result = {"machine": machine_description("auto"), "load_average": load_average(), "window": f"{width}x{height}",
              "timeout_s": args.timeout,
              "rows": [first_picture(os.path.abspath(p), sides, (width, height), args.timeout) for p in args.paths],
              "load_average_end": load_average()}  # (a dict's values are made in order: after the rows)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
