"""Export from the window: a file with the processed video; cancel and errors leave nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from gui_support import SlowBicubic, announced, gui_env, open_and_wait, slow_model, type_into, window  # noqa: F401
from videogen import make_video, woven_fields
from vsr_app import models
from vsr_app.errors import VsrAppError
from vsr_app.gui.codecs import CODECS
from vsr_app.gui.processing import SOURCE
from vsr_app.gui.run_files import MetricsTail
from vsr_app.gui.trainer_process import TrainerProcess
from vsr_app.nets.builtin import BicubicUpscale, Blend
from vsr_app.progress import ProgressInfo
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
    running_when_exported = []  # a close() right then asked "Cancel the export?" (a modal box: a hung test)
    dialog.exported.connect(lambda _: running_when_exported.append(dialog.running))
    with qtbot.waitSignal(dialog.exported, timeout=60_000) as blocker:
        dialog.start()
    assert blocker.args[0] == str(out) and running_when_exported == [False]
    info = probe(out)
    assert (info.width, info.height) == (256, 192)
    assert info.estimated_frames == 12
    assert dialog.progress.value() == 1000 and "wrote" in dialog.status.text()


def failing_export(*args, **kwargs):
    """process_video failing once at work, as a disk that goes away does."""
    raise VsrAppError("the disk went away")


def test_the_end_of_an_export_is_said_to_a_screen_reader(window, qtbot, small_video, tmp_path, announced,
                                                         monkeypatch):
    """It was shown in a plain label only: a screen reader user heard nothing when the export ended or failed."""
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "said.mp4")
    announced.clear()  # the picture's first frame, said as it opened
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    assert announced == [(dialog.status.text(), dialog.status.text())] and "wrote" in announced[0][1]
    monkeypatch.setattr("vsr_app.gui.export_dialog.process_video", failing_export)
    dialog.output.setText(str(tmp_path / "fails.mp4"))
    with qtbot.waitSignal(dialog.failed, timeout=30_000):
        dialog.start()
    assert len(announced) == 2 and announced[1][1].startswith("Export failed")  # the end, not each progress line


def test_a_name_chosen_without_an_extension_gets_the_codecs(window, qtbot, small_video, tmp_path, monkeypatch):
    """Browse... took "holiday" as it was, and Export then refused it for want of an extension."""
    from PySide6.QtWidgets import QFileDialog

    dialog = export_dialog(window, qtbot, small_video, tmp_path / "x.mp4")
    chosen = [str(tmp_path / "holiday"), str(tmp_path / "clip.mkv")]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (chosen.pop(0), ""))
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx264"))
    dialog._browse()
    assert dialog.output.text() == str(tmp_path / "holiday.mp4")
    dialog._browse()
    assert dialog.output.text() == str(tmp_path / "clip.mkv")  # one given is kept
    dialog.close()


def test_a_name_typed_without_an_extension_gets_the_codecs_and_a_wrong_one_is_told_the_codecs(
        window, qtbot, small_video, tmp_path):
    """Typed "x" with FFV1 was refused at Export with "use one of the extensions .m4v, .mkv, .mov, .mp4", and x.mp4
    then failed because FFV1 "cannot go in a .mp4 file". A bare name now gets the codec's container, as Browse...
    gives it, and a wrong extension is refused before any model loads, naming only those that hold the codec."""
    out = tmp_path / "out"
    out.mkdir()
    dialog = export_dialog(window, qtbot, small_video, out / "x")
    dialog.codec.setCurrentIndex(dialog.codec.findData("ffv1"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000) as blocker:
        dialog.start()
    assert blocker.args[0] == str(out / "x.mkv") and probe(out / "x.mkv").width == 256
    assert dialog.output.text() == str(out / "x.mkv")  # the name written is the one shown
    done = dialog.job
    for codec, name, extensions in (("ffv1", "y.mp4", "the extension .mkv"),
                                    ("prores", "y.avi", "one of the extensions .mkv, .mov")):
        dialog.codec.setCurrentIndex(dialog.codec.findData(codec))
        dialog.output.setText(str(out / name))
        dialog.start()
        assert dialog.job is done and not dialog.running  # refused before it started
        assert dialog.warning.text() == (f"Not started: cannot write '{out / name}': codec {CODECS[codec].label} "
                                         f"needs {extensions}")
    for folder in (str(out), str(out) + os.sep):  # a folder gets no extension: "out.mkv" or a hidden "out/.mkv"
        dialog.output.setText(folder)
        dialog.start()
        assert dialog.job is done and dialog.output.text() == folder and "is a folder" in dialog.warning.text()
    assert [p.name for p in out.iterdir()] == ["x.mkv"]
    dialog.close()


def test_a_model_removed_since_the_dialog_opened_is_said_in_its_words(window, qtbot, small_video, tmp_path,
                                                                      monkeypatch):
    """A user model deleted after the dialog opened failed the export with the command line's "unknown model 'mine'
    (upscalers: ...)"; nothing starts, and the dialog says what to do."""
    import shutil

    from vsr_app import resources

    user_models = resources.user_models_dir()
    user_models.mkdir(parents=True, exist_ok=True)
    for suffix in (".safetensors", ".json"):
        shutil.copyfile(resources.models_dir() / f"vsr-x4-student-fast{suffix}", user_models / f"mine{suffix}")
    window.viewer.refresh_models()
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "out.mp4")
    combo = dialog.steps["upscale"][1]
    combo.setCurrentIndex(combo.findData("mine"))
    (user_models / "mine.safetensors").unlink()  # its card left: a damaged install, said as resolve says it
    dialog.start()
    assert dialog.job is None and "its weights (mine.safetensors) are missing beside its card" in dialog.warning.text()
    (user_models / "mine.json").unlink()  # gone
    dialog.start()
    assert dialog.job is None and not (tmp_path / "out.mp4").exists()
    assert dialog.warning.text() == ("Not started: The model 'mine' is not installed any more: choose another, or "
                                     "Reload models (Ctrl+R) in the window and export again.")
    window.reload_action.trigger()  # as the message says: the idle dialog goes, and the next one lists what is there
    assert window.export_dialog is None
    window.export()
    assert window.export_dialog.steps["upscale"][1].findData("mine") < 0
    window.export_dialog.close()


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


def test_a_codec_without_a_crf_shows_none_in_the_export_dialog(window, qtbot, small_video, tmp_path):
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "out.mkv")
    dialog.codec.setCurrentIndex(dialog.codec.findData("prores"))
    assert dialog.crf.text() == "\u2014" and not dialog.quality.isEnabled()
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx264"))
    assert dialog.crf.text() == "18"
    dialog.close()


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


def test_an_export_error_is_said_once_in_the_dialog(window, qtbot, small_video, tmp_path, monkeypatch):
    """The dialog's status line said why and a box over it said it again."""
    monkeypatch.setattr("vsr_app.gui.export_dialog.process_video", failing_export)
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "out.mp4")
    with qtbot.waitSignal(dialog.failed, timeout=30_000):
        dialog.start()
    qtbot.wait(50)
    assert dialog.status.text() == "Export failed: the disk went away" and dialog.isVisible()
    assert window.error_box is None and dialog.warning.isHidden()


def test_a_taken_name_or_the_input_is_refused_before_the_export_starts_and_said_as_a_warning(
        window, qtbot, small_video, tmp_path, announced):
    """A name typed that was taken said "Export failed: '...' already exists; tick ..." on the muted grey progress
    line: easy to miss, and nothing had failed, for nothing had started. It is refused before the export starts and
    said in the warning colour as not started, each time Export is pressed; the input video too."""
    taken = tmp_path / "taken.mp4"
    taken.write_bytes(b"kept")
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "free.mp4")
    failures = []
    dialog.failed.connect(failures.append)
    announced.clear()
    exists = f"'{taken}' already exists; tick \"Replace the file if it exists\" to replace it or choose another name"
    for name, why in ((taken, exists), (taken, exists),  # pressed again: said again
                      (small_video, f"the output '{small_video}' is the input file; choose another output name")):
        dialog.output.clear()
        qtbot.keyClicks(dialog.output, str(name))
        qtbot.keyClick(dialog.output, Qt.Key_Return)  # Enter presses Export once a name is typed
        said = f"Not started: {why}"
        assert dialog.job is None and failures == [] and dialog.status.text() == ""
        assert dialog.warning.text() == said and not dialog.warning.isHidden()
        assert dialog.warning.property("role") == "warning" and announced[-1] == (said, "Warning: " + said)
    assert len(announced) == 3 and taken.read_bytes() == b"kept" and probe(small_video).estimated_frames == 12
    dialog.output.setText(str(tmp_path / "free.mp4"))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    assert dialog.warning.isHidden() and "wrote" in dialog.status.text()


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
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2:5]) or next(answers))
    window.close()
    assert window.isVisible() and dialog.job.running  # "No": nothing happened
    window.close()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=5_000)  # its thread had already finished
    text, _, default = asked[0]
    assert "export" in text and default == QMessageBox.No and list(out_dir.iterdir()) == []


@pytest.fixture
def answers(monkeypatch):
    """QMessageBox.question answers from the list the test fills; what was asked (text, default) is recorded."""
    queue: list = []
    asked: list = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append((a[2], a[4])) or queue.pop(0))
    return queue, asked


@contextmanager
def held_export(window, qtbot, video, out, model):
    """A running export whose frames wait at a gate (yielded with the dialog, for the test to open). However the
    test ends, the export is cancelled and waited for: the window's teardown must not find it running."""
    gate = threading.Event()
    SlowBicubic.gate = gate
    window.viewer.refresh_models()
    dialog = export_dialog(window, qtbot, video, out)
    try:
        dialog.steps["upscale"][1].setCurrentIndex(dialog.steps["upscale"][1].findData(model))
        dialog.start()
        assert dialog.running
        yield dialog, gate
    finally:
        dialog.cancel()
        gate.set()
        qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)
        SlowBicubic.gate = None


def test_the_status_bar_says_an_export_runs_while_it_does(window, qtbot, small_video, tmp_path, slow_model):
    """It said "Ready" during an export: from the Compare tab, with the dialog closed, nothing showed that one ran
    until Quit asked."""
    with held_export(window, qtbot, small_video, tmp_path / "held.mp4", slow_model):
        qtbot.waitUntil(lambda: window.work_text.text().startswith("Exporting"), timeout=5_000)
        window.work_poll.stop()  # the once-a-second refresh would clear it too
    assert window.work_text.text() == ""  # at once when cancelled, not at the next second's refresh
    # and how it ended is said there for a while: the status bar went blank, the dialog perhaps out of sight
    assert window.statusBar().currentMessage() == "Export cancelled; no file was written"
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "done.mp4")
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        dialog.start()
    assert window.statusBar().currentMessage() == "Exported done.mp4"


def test_the_status_bar_says_an_export_cancelling_until_it_ends(window, qtbot, monkeypatch):
    """It went on saying "Exporting: 3%" after Cancel, while the frame in work finished (the teacher's, on a CPU,
    takes minutes; the export is stood in for)."""
    with monkeypatch.context() as m:  # undone before the window closes, or closing would ask to stop it
        m.setattr(window, "export_dialog", SimpleNamespace(running=True, cancelling=True))
        qtbot.waitUntil(lambda: window.work_text.text() == "Export cancelling\u2026", timeout=5_000)


def test_the_status_bar_follows_the_progress_at_once(window, qtbot, small_video, tmp_path, slow_model, monkeypatch):
    """It read every second: "Exporting: 32%" beside a dialog at 45%, "Batch running: 5%" beside a 12 % bar. (The
    batch and the training run are stood in for: their tabs' tests run real ones.)"""
    with held_export(window, qtbot, small_video, tmp_path / "held.mp4", slow_model) as (dialog, _):
        dialog.progress.setValue(450)
        assert window.work_text.text() == "Exporting: 45%"
    with monkeypatch.context() as m:  # undone before the window closes, or closing would ask to stop them
        m.setattr(window.batch, "job", SimpleNamespace(running=True, cancelling=False))
        window.batch.progress.setValue(120)
        assert window.work_text.text() == "Batch running: 12%"
        m.setattr(window.batch, "job", None)
        m.setattr(window.train, "running", lambda: True)
        m.setattr(window.train, "process", TrainerProcess(None, window.train))  # not started: as if running
        metrics = tmp_path / "metrics.jsonl"
        metrics.write_text(json.dumps({"step": 120, "loss": 0.5}) + "\n")
        window.train.tail, window.train.total_steps = MetricsTail(metrics), 1000
        window.train._poll()  # what the tab's timer does during a run
        assert window.work_text.text() == "Training: step 120 / 1,000"


def test_escape_during_export_keeps_the_dialog_and_export_brings_it_back(window, qtbot, small_video, tmp_path,
                                                                       slow_model, answers):
    queue, asked = answers
    with held_export(window, qtbot, small_video, tmp_path / "esc.mp4", slow_model) as (dialog, _):
        assert not any(w.isEnabled() for w in (dialog.browse, dialog.output, dialog.overwrite, dialog.codec))
        queue.append(QMessageBox.No)
        qtbot.keyClick(dialog, Qt.Key_Escape)
        assert asked and dialog.isVisible() and dialog.running  # asked like the X; "No": nothing happened
        dialog.hide()  # however it got hidden, Export brings the running export's dialog back
        window.export()
        assert window.export_dialog is dialog and dialog.isVisible()


def test_closing_during_export_asks_then_cancels_and_closes(window, qtbot, small_video, tmp_path, slow_model,
                                                            answers):
    queue, asked = answers
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with held_export(window, qtbot, small_video, out_dir / "closed.mp4", slow_model) as (dialog, gate):
        queue.extend([QMessageBox.No, QMessageBox.Yes])
        dialog.close()
        assert dialog.isVisible() and dialog.running  # "No": the export goes on
        assert "Cancel the export" in asked[0][0] and asked[0][1] == QMessageBox.No  # No is the default
        dialog.close()
        gate.set()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
        assert not dialog.running and list(out_dir.iterdir()) == []


def test_the_step_not_compared_defaults_to_its_student(window, qtbot, small_video, monkeypatch):
    students = {"upscale": "vsr-x4-student", "interpolate": "vfi-x2-student"}
    for task, make in (("upscale", lambda: BicubicUpscale(4)), ("interpolate", Blend)):
        name = students[task]
        monkeypatch.setitem(models._BUILTINS, name, models.Builtin(name, task, 4 if task == "upscale" else 2, make,
                                                                   "stand-in student"))
    window.viewer.refresh_models()
    open_and_wait(qtbot, window, small_video)
    for task, other in (("upscale", "interpolate"), ("interpolate", "upscale")):
        window.viewer.set_task(task)
        window.export()
        steps = window.export_dialog.steps
        shown = next(side for side in window.viewer.sides if side != SOURCE)
        assert steps[task][0].isChecked() and steps[task][1].currentData() == shown  # what is being compared
        assert not steps[other][0].isChecked() and steps[other][1].currentData() == students[other]
        window.export_dialog.close()


def test_exporting_again_gets_a_free_name_and_a_taken_one_says_how_to_replace_it(window, qtbot, small_video,
                                                                                 tmp_path):
    video = tmp_path / "clip.mp4"
    shutil.copy(small_video, video)
    open_and_wait(qtbot, window, video)
    window.export()
    dialog = window.export_dialog
    assert dialog.output.text() == str(tmp_path / "clip_x4.mp4")
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    assert dialog.output.text() == str(tmp_path / "clip_x4 (2).mp4")  # the next export in this dialog
    # Enter now closes: it started a second export, "clip_x4 (2).mp4"; a name typed makes it Export again
    assert dialog.close_button.isDefault() and not dialog.start_button.isDefault()
    qtbot.keyClicks(dialog.output, "x")
    assert dialog.start_button.isDefault() and not dialog.close_button.isDefault()
    dialog.output.setText(str(tmp_path / "clip_x4 (2).mp4"))
    dialog.close()
    window.export()
    assert window.export_dialog.output.text() == str(tmp_path / "clip_x4 (2).mp4")  # and in a new one
    window.export_dialog.output.setText(str(tmp_path / "clip_x4.mp4"))
    window.export_dialog.start()
    said = window.export_dialog.warning.text()
    assert window.export_dialog.job is None and "--overwrite" not in said
    assert 'tick "Replace the file if it exists"' in said


def test_opening_another_video_closes_an_idle_dialog_and_a_running_one_names_its_video(
        window, qtbot, small_video, vfr_video, tmp_path, slow_model):
    idle = export_dialog(window, qtbot, small_video, tmp_path / "idle.mp4")
    closed = []
    idle.rejected.connect(lambda: closed.append(True))
    open_and_wait(qtbot, window, vfr_video)
    assert closed and window.export_dialog is None
    with held_export(window, qtbot, vfr_video, tmp_path / "running.mp4", slow_model) as (dialog, _):
        assert dialog.source_label.text() == "vfr.mp4" and "vfr.mp4" in dialog.windowTitle()
        open_and_wait(qtbot, window, small_video)
        assert window.export_dialog is dialog and dialog.isVisible() and dialog.running
    window.export()  # that export has ended, its dialog still open: Export now offers the video on screen
    assert window.export_dialog is not dialog and Path(window.export_dialog.source).name == Path(small_video).name


def test_a_busy_bar_from_an_export_of_unknown_length_is_reset_by_the_next_export(window, qtbot, small_video,
                                                                                  tmp_path, slow_model):
    with held_export(window, qtbot, small_video, tmp_path / "unknown.mp4", slow_model) as (dialog, gate):
        unknown = ProgressInfo(done=3, total=None, fps=1.0, elapsed=3.0, eta=None, stage="upscale")
        dialog.job.progressed.emit((unknown,))
        assert dialog.progress.maximum() == 0  # unknown length: a busy bar
        with qtbot.waitSignal(dialog.job.cancelled, timeout=30_000):
            dialog.cancel()
            gate.set()
        dialog.steps["upscale"][1].setCurrentIndex(dialog.steps["upscale"][1].findData("bicubic"))
        dialog.start()
        assert dialog.progress.maximum() == 1000


def test_a_long_input_name_gets_a_suggestion_shortened_to_the_disks_limit(window, qtbot, small_video, tmp_path):
    """A name of 83 three-byte characters (249 bytes) is valid for the input; with "_x4" added it is not: the
    suggestion drops whole characters instead of failing inside the Export slot (no dialog at all)."""
    video = tmp_path / ("\u3042" * 83 + ".mp4")
    shutil.copy(small_video, video)
    open_and_wait(qtbot, window, video)
    window.export()
    dialog = window.export_dialog
    assert dialog is not None and dialog.isVisible()
    interpolate = dialog.steps["interpolate"][0]

    def suggested() -> Path:
        name = Path(dialog.output.text()).name  # a str, so whole characters: a cut one would not decode
        assert len(name.encode()) <= 255 and name.startswith("\u3042" * 70)
        return Path(dialog.output.text())

    assert suggested().name.endswith("_x4.mp4") and suggested().parent == tmp_path
    interpolate.setChecked(True)
    assert suggested().name.endswith("_x4_2xfps.mp4")
    interpolate.setChecked(False)
    suggested().write_bytes(b"")  # that name is taken now
    interpolate.setChecked(True)
    interpolate.setChecked(False)
    assert suggested().name.endswith("_x4 (2).mp4")
    dialog.close()


def test_a_folder_name_longer_than_the_disk_allows_is_refused_naming_it(window, qtbot, small_video, tmp_path):
    """An output in a folder whose name is past the disk's limit raised OSError (File name too long) out of Export's
    slot, from is_dir on the path: refused before the export starts, naming the folder at fault."""
    folder = "n" * 300
    dialog = export_dialog(window, qtbot, small_video, tmp_path / folder / "x.mp4")
    dialog.start()
    assert dialog.job is None
    assert dialog.warning.text() == (f"Not started: the folder name '{folder}' is too long: 300 bytes, where the disk "
                                     "allows 255; choose a shorter name")


def test_save_as_expands_home_and_puts_a_bare_name_beside_the_video(window, qtbot, small_video, tmp_path,
                                                                    monkeypatch):
    """Neither a folder literally named "~" nor a file in whatever folder the app started in; the status says
    the full path that was written."""
    video = tmp_path / "videos" / "clip.mp4"
    video.parent.mkdir()
    shutil.copy(small_video, video)
    monkeypatch.chdir(tmp_path)
    home = Path.home()  # gui_env's, inside tmp_path
    home.mkdir(exist_ok=True)
    for text, written in (("~/x.mp4", home / "x.mp4"), ("sub/rel.mp4", video.parent / "sub" / "rel.mp4")):
        dialog = export_dialog(window, qtbot, video, text)
        with qtbot.waitSignal(dialog.exported, timeout=60_000) as blocker:
            dialog.start()
        assert blocker.args[0] == str(written) and written.is_file()
        assert dialog.status.text().startswith(f"wrote {written}:")
        dialog.close()
    assert not (tmp_path / "~").exists() and not (tmp_path / "sub").exists()
    assert "home folder" in dialog.output.toolTip() and "beside the video" in dialog.output.toolTip()


def test_a_summary_with_notes_gets_the_room_to_be_read(window, qtbot, tmp_path):
    """The notes of an export (audio re-encoded, subtitles converted) wrap the summary onto several lines; the dialog
    did not grow for them: they squeezed the form and, a few notes more, were cut off."""
    video = make_video(tmp_path / "clip.mkv", frames=6, audio="pcm_s16le", subtitles=True)
    dialog = export_dialog(window, qtbot, video, tmp_path / "clip_x4.mp4")
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    assert "re-encoded to aac" in dialog.status.text() and "subtitle #2 subrip converted" in dialog.status.text()
    assert dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width())


def test_self_ensemble_goes_with_the_upscale_step_only(window, qtbot, small_video, tmp_path):
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "out.mp4")
    upscale, interpolate = dialog.steps["upscale"][0], dialog.steps["interpolate"][0]
    dialog.self_ensemble.setChecked(True)
    assert dialog.self_ensemble.isEnabled() and dialog.options()["self_ensemble"] is True
    upscale.setChecked(False)
    interpolate.setChecked(True)
    assert not dialog.self_ensemble.isEnabled() and "self_ensemble" not in dialog.options()


def test_deinterlacing_can_be_turned_off_and_stays_off(window, qtbot, tmp_path):
    """Progressive video flagged interlaced by mistake: unticked, its frames go through as decoded, the summary says
    so, and the next export starts unticked."""
    video = make_video(tmp_path / "25i.mkv", images=woven_fields(6), fps=25, interlaced=True)
    dialog = export_dialog(window, qtbot, video, tmp_path / "out.mp4")
    assert dialog.deinterlace.isChecked() and dialog.options()["deinterlace"] is True
    dialog.deinterlace.setChecked(False)
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
        assert not dialog.deinterlace.isEnabled()  # not while it runs
    said = dialog.status.text()
    assert "6 frames flagged interlaced were not deinterlaced" in said and "bwdif" not in said
    assert '("Deinterlace interlaced frames" unticked)' in said and "--deinterlace" not in said  # the GUI's words
    assert window.settings.value("export/deinterlace") in (False, "false")


# The desktop app with a slow model; once a video opens, it exports it and says "exporting" at every frame.
EXPORTING_APP = """
import sys, time
from pathlib import Path
from vsr_app import models
from vsr_app.gui import app, main_window
from vsr_app.nets.builtin import BicubicUpscale

class Slow(BicubicUpscale):
    def step(self, lr, state=None):
        time.sleep(0.3)
        return super().step(lr, state)

video, out, no_models = sys.argv[1:]
models.models_dir = lambda: Path(no_models)
models._BUILTINS["test-slow"] = models.Builtin("test-slow", "upscale", 4, lambda: Slow(4), "slow")
opened = main_window.MainWindow._video_opened

def export(window, path):
    opened(window, path)
    window.export()
    dialog = window.export_dialog
    dialog.output.setText(out)
    dialog.steps["upscale"][1].setCurrentIndex(dialog.steps["upscale"][1].findData("test-slow"))
    dialog.start()
    dialog.job.progressed.connect(lambda _: print("exporting", flush=True))

main_window.MainWindow._video_opened = export
sys.exit(app.run(video))
"""


@pytest.mark.parametrize("name", ["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_app_as_quit_does_without_asking(small_video, tmp_path, name):
    """SIGTERM killed the app mid-export, leaving the hidden partial file, and Ctrl+C did nothing. Now both close the
    window as Quit does, without its question (nobody is there to answer): the export is cancelled, exit 130."""
    out_dir, home = tmp_path / "out", tmp_path / "home"
    out_dir.mkdir()
    (tmp_path / "no-models").mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "QT_QPA_PLATFORM": "offscreen",
           "OMP_NUM_THREADS": "1"}
    app = subprocess.Popen([sys.executable, "-c", EXPORTING_APP, str(small_video), str(out_dir / "out.mp4"),
                            str(tmp_path / "no-models")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    watchdog = threading.Timer(120, app.kill)  # a hung app fails the test instead of hanging the suite
    watchdog.start()
    try:
        started = app.stdout.readline() == "exporting\n"
        if started:
            app.send_signal(getattr(signal, name))
        _, errors = app.communicate()
    finally:
        watchdog.cancel()
        app.kill()
    assert started, errors
    assert app.returncode == 130, errors
    assert list(out_dir.iterdir()) == []


def test_export_offers_a_shown_student_before_the_teacher_whichever_side_it_is_on(window, qtbot, small_video,
                                                                                 slow_model, monkeypatch):
    """After S (swap sides) the teacher was on the left, and Export took it: about ten times slower than the
    student beside it. The teacher, and the baseline, go only when nothing else is shown."""
    teacher = models.Builtin("vsr-x4-teacher", "upscale", 4, lambda: BicubicUpscale(4), "stand-in teacher")
    monkeypatch.setitem(models._BUILTINS, "vsr-x4-teacher", teacher)
    open_and_wait(qtbot, window, small_video)
    window.viewer.refresh_models()
    window.viewer.set_sides("vsr-x4-teacher", slow_model)
    assert window._export_picks()["upscale"] == slow_model
    window.viewer.set_sides("bicubic", "vsr-x4-teacher")
    assert window._export_picks()["upscale"] == "vsr-x4-teacher"
    window.viewer.set_sides(SOURCE, "bicubic")
    assert window._export_picks()["upscale"] == "bicubic"


def test_the_suggested_container_is_the_one_the_batch_tab_writes(window, qtbot, tmp_path):
    """A broadcast .ts (its AC-3 and DVB subtitles) was suggested as .mp4, which drops or re-encodes them, while the
    Batch tab wrote it as .mkv (the rule both use: test_batch's containers test)."""
    video = make_video(tmp_path / "capture.ts", frames=4)
    open_and_wait(qtbot, window, video)
    window.export()
    dialog = window.export_dialog
    for codec in ("libx264", "prores"):
        dialog.codec.setCurrentIndex(dialog.codec.findData(codec))
        assert dialog.output.text().endswith("capture_x4.mkv") and "(.mkv)" in dialog.codec.currentText(), codec
    dialog.reject()


def test_a_crf_typed_for_one_codec_survives_a_look_at_another(window, qtbot, small_video):
    """CRF 28 for H.264, a look at H.265, back: the dialog showed H.264's saved 18."""
    open_and_wait(qtbot, window, small_video)
    window.export()
    dialog = window.export_dialog
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx264"))
    dialog.crf.setValue(28)
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx265"))
    assert dialog.crf.value() == 20
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx264"))
    assert dialog.crf.value() == 28
    dialog.reject()


def test_enter_or_space_pressed_again_after_export_does_not_cancel_it(window, qtbot, small_video, tmp_path,
                                                                      slow_model):
    """The focus went from the hidden Export button to Cancel export, so a second Enter or Space ended the export at
    once, without the question Esc and the title bar's X ask."""
    window.viewer.refresh_models()  # the dialog made here is the one held_export runs: it must list the slow model
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "out.mp4")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.output.setFocus()
    with held_export(window, qtbot, small_video, tmp_path / "out.mp4", slow_model) as (dialog, _):
        for key in (Qt.Key_Return, Qt.Key_Space, Qt.Key_Enter):
            qtbot.keyClick(dialog.focusWidget() or dialog, key)
        assert dialog.running and not dialog.job.cancel_event.is_set()


def test_a_disk_too_small_for_the_output_is_warned_of_while_the_export_runs(window, qtbot, small_video, tmp_path,
                                                                            announced):
    """video.disk_space's warning, under the bar in the warning colour, said once to a screen reader; gone at the
    end (the result says how it went)."""
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "big.mp4")
    announced.clear()
    warning = "at this rate the output needs about 3.0 GB more, and the disk of /x has 1.0 GB free"
    dialog._progressed((ProgressInfo(30, 100, 2.5, 12.0, 28.0, stage="bicubic"),))
    assert dialog.warning.isHidden()
    dialog._progressed((ProgressInfo(40, 100, 2.5, 16.0, 24.0, stage="bicubic", warning=warning),))
    lower = warning.replace("3.0", "2.5")
    dialog._progressed((ProgressInfo(50, 100, 2.5, 20.0, 20.0, stage="bicubic", warning=lower),))
    assert not dialog.warning.isHidden() and "2.5 GB more" in dialog.warning.text()
    assert dialog.warning.property("role") == "warning"
    assert announced == [(warning, "Warning: " + warning)]
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    assert dialog.warning.isHidden()


def test_a_crf_typed_and_exported_without_ending_the_edit_exports_as_typed_and_a_fraction_starts_nothing(
        window, qtbot, small_video, tmp_path, monkeypatch):
    """The CRF's text is read where its edit ends (keyboard tracking off): Export pressed with the focus left in the
    field (a programmatic click, as a key that leaves it there) exported, and saved, the CRF held before "20" was
    typed. Export takes the text first, and a text the field refuses starts nothing."""
    crfs = []
    monkeypatch.setattr("vsr_app.gui.export_dialog.process_video",
                        lambda *args, **kwargs: crfs.append(kwargs["crf"]) or failing_export())
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "out.mp4")
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx264"))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    type_into(qtbot, dialog.crf, "2.5")
    dialog.start_button.click()
    assert dialog.job is None and crfs == [] and dialog.crf.value() == 18 and dialog.crf.hasFocus()
    assert dialog.warning.text() == f"Not started: CRF: \u201c2.5\u201d not taken, 18 kept: {dialog.crf.objection('2.5')}"
    type_into(qtbot, dialog.crf, "20")
    with qtbot.waitSignal(dialog.failed, timeout=30_000):
        dialog.start_button.click()
    assert crfs == [20] and dialog.settings.value("export/crf/libx264") == 20


def test_a_crf_refused_at_export_is_said_once_to_a_screen_reader(window, qtbot, small_video, tmp_path, announced):
    """The CRF field says its refusal as Export (or Enter in it) takes its text; the warning shows it as not started
    without saying it again: a screen reader heard the refusal, then "Not started:" and the same refusal. Pressed
    again, nothing else says it: the warning does. A refusal of Export's own is said as before."""
    dialog = export_dialog(window, qtbot, small_video, tmp_path / "out.mp4")
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx264"))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    refusal = f"\u201c2.5\u201d not taken, 18 kept: {dialog.crf.objection('2.5')}"
    warning = f"Not started: CRF: {refusal}"
    for press in (dialog.start_button.click, lambda: qtbot.keyClick(dialog.crf, Qt.Key_Return)):
        type_into(qtbot, dialog.crf, "2.5")
        announced.clear()
        press()
        assert dialog.job is None and dialog.warning.text() == warning and not dialog.warning.isHidden()
        assert [text for _, text in announced] == [refusal]
        announced.clear()
        QApplication.processEvents()  # a later press comes in a later turn of the event loop
        press()  # the field shows 18 again, and says nothing
        assert dialog.job is None and announced == [(warning, "Warning: " + warning)]
    type_into(qtbot, dialog.crf, "20")
    dialog.output.clear()
    announced.clear()
    dialog.start_button.click()
    said = "Not started: Choose where to save the video."
    assert dialog.job is None and announced == [(said, "Warning: " + said)]
