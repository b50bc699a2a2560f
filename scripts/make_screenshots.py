"""Regenerate docs/screenshots/: the main window in each comparison mode, interpolation, analysis, batch, training.

Runs headless (Qt offscreen) on the bundled sample clip, with whatever models are installed (student vs
teacher when present). Usage from the project root:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_screenshots.py [--video V] [--run RUN_DIR]

--run points the Train tab at an existing training run folder so its curves are shown.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QPointF, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from vsr_app.gui.app import application  # noqa: E402
from vsr_app.resources import resource_path  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (1600, 960)


def wait(signal, accept=lambda *a: True, timeout_s: float = 600.0) -> bool:
    """Run the event loop until `signal` fires with arguments `accept` likes (False on timeout)."""
    loop = QEventLoop()
    hit = []

    def slot(*args):
        if accept(*args):
            hit.append(args)
            loop.quit()

    signal.connect(slot)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(slot)
    return bool(hit)


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    QApplication.processEvents()


def save(window, name: str) -> None:
    settle()
    path = OUT / name
    window.grab().save(str(path))
    print("wrote", path.relative_to(ROOT))


def show_frame(viewer, position: int) -> None:
    if viewer.on_screen is not None and viewer.on_screen[0].position == position:
        return
    viewer.player.seek(position)
    wait(viewer.frameShown, lambda r: r.position == position)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default=str(resource_path("sample.mp4")))
    parser.add_argument("--run", help="training run folder to show in the Train tab")
    parser.add_argument("--frame", type=int, default=24, help="frame shown in the comparison shots")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    app = application()
    settings_dir = tempfile.mkdtemp(prefix="vsr-shots-")  # fresh settings: the shots show the defaults
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, settings_dir)
    from vsr_app.gui.main_window import MainWindow

    window = MainWindow(QSettings())
    window.resize(*SIZE)
    window.show()
    save(window, "welcome.png")

    viewer = window.viewer
    window.open(args.video)
    wait(viewer.frameShown, lambda r: r.position == 0)
    show_frame(viewer, args.frame)
    viewer.set_mode("split")
    save(window, "compare-split.png")

    pane = viewer.view.panes[0]
    viewer.set_mode("side")
    settle()
    viewer.view.state.set_zoom(3.0, QPointF(pane.width() * 0.45, pane.height() * 0.55), pane.viewport())
    save(window, "compare-side-by-side-zoom.png")

    viewer.set_mode("diff")
    viewer.view.fit()
    save(window, "compare-difference.png")

    window.export()
    settle()
    dialog = window.export_dialog
    dialog.grab().save(str(OUT / "export.png"))
    print("wrote", (OUT / "export.png").relative_to(ROOT))
    dialog.close()

    viewer.set_mode("split")
    viewer.set_task("interpolate")
    wait(viewer.frameShown, lambda r: r.request.task == "interpolate")
    if viewer.sides[0] == "source":
        names = [m.name for m in viewer.models_for("interpolate")]
        if "ffmpeg-mci" in names:
            viewer.set_sides("blend", "ffmpeg-mci")
            wait(viewer.frameShown, lambda r: r.request.sides == ("blend", "ffmpeg-mci"))
    viewer.start_analysis()
    wait(viewer.analysis_job.finished, timeout_s=1800)
    save(window, "interpolate-analysis.png")
    viewer.set_task("upscale")
    viewer.analysis.hide()

    with tempfile.TemporaryDirectory() as tmp:
        in_dir, out_dir = Path(tmp, "in"), Path(tmp, "out")
        in_dir.mkdir()
        for name in ("clip-a.mp4", "clip-b.mp4"):
            (in_dir / name).write_bytes(Path(args.video).read_bytes())
        (in_dir / "notes.mp4").write_text("not a video")
        batch = window.batch
        batch.in_dir.setText(str(in_dir))
        batch.out_dir.setText(str(out_dir))
        batch.model.setCurrentIndex(max(0, batch.model.findData("bicubic")))
        window.tabs.setCurrentWidget(batch)
        batch.start()
        wait(batch.batchFinished, timeout_s=600)  # the folder is listed first, then the batch runs
        save(window, "batch.png")

    if args.run:
        window.tabs.setCurrentWidget(window.train)
        window.train.show_run(args.run)
        save(window, "train.png")
    window.close()


if __name__ == "__main__":
    main()
