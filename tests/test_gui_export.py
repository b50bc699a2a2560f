"""Export from the window: a file with the processed video; cancel and errors leave nothing behind."""

from __future__ import annotations

from gui_support import gui_env, open_and_wait, slow_model, window  # noqa: F401
from vsr_app.video.reader import probe


def export_dialog(window, qtbot, video, out):
    open_and_wait(qtbot, window, video)
    window.export()
    dialog = window.export_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.output.setText(str(out))
    return dialog


def test_export_writes_the_processed_video(window, qtbot, small_video, tmp_path):
    out = tmp_path / "out" / "upscaled.mp4"
    dialog = export_dialog(window, qtbot, small_video, out)
    assert dialog.options()["upscale"] == "bicubic" and "interpolate" not in dialog.options()
    with qtbot.waitSignal(dialog.exported, timeout=60_000) as blocker:
        dialog.start()
    assert blocker.args[0] == str(out)
    info = probe(out)
    assert (info.width, info.height) == (256, 192)
    assert info.estimated_frames == 12
    assert dialog.progress.value() == 1000 and "wrote" in dialog.status.text()


def test_export_upscale_and_interpolate(window, qtbot, small_video, tmp_path):
    out = tmp_path / "both.mkv"
    dialog = export_dialog(window, qtbot, small_video, out)
    dialog.steps["interpolate"][0].setChecked(True)
    dialog.codec.setCurrentIndex(dialog.codec.findData("ffv1"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    info = probe(out)
    assert (info.width, info.height) == (256, 192)
    assert info.estimated_frames == 24  # frame rate doubled


def test_cancel_leaves_no_file(window, qtbot, small_video, tmp_path, slow_model):
    window.viewer.refresh_models()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog = export_dialog(window, qtbot, small_video, out_dir / "cancelled.mp4")
    _, upscale_model = dialog.steps["upscale"]
    upscale_model.setCurrentIndex(upscale_model.findData(slow_model))  # 12 frames x 0.12 s: time to cancel
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0 or "frame" in dialog.status.text(), timeout=30_000)
    with qtbot.waitSignal(dialog.job.cancelled, timeout=30_000):
        dialog.cancel()
    assert list(out_dir.iterdir()) == []  # neither the output nor a temporary file
    assert "no file was written" in dialog.status.text()
    assert dialog.start_button.isVisible() and dialog.close_button.isEnabled()


def test_export_error_shows_a_dialog(window, qtbot, small_video):
    dialog = export_dialog(window, qtbot, small_video, small_video)  # onto its own input
    with qtbot.waitSignal(dialog.failed, timeout=30_000):
        dialog.start()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=5_000)
    assert "input" in window.error_box.text()
    assert probe(small_video).estimated_frames == 12  # untouched


def test_quitting_during_export_asks_then_cancels(window, qtbot, small_video, tmp_path, slow_model, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window.viewer.refresh_models()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog = export_dialog(window, qtbot, small_video, out_dir / "quit.mp4")
    dialog.steps["upscale"][1].setCurrentIndex(dialog.steps["upscale"][1].findData(slow_model))
    dialog.start()
    qtbot.waitUntil(lambda: "frame" in dialog.status.text(), timeout=30_000)
    answers = iter([QMessageBox.No, QMessageBox.Yes])
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or next(answers))
    window.close()
    assert window.isVisible() and dialog.job.running  # "No": nothing happened
    window.close()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=5_000)  # its thread had already finished
    assert "export" in asked[0] and list(out_dir.iterdir()) == []
