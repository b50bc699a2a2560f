"""The Batch tab: queue listed up front, per-file status as the batch runs, a report, and cancel."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

from gui_support import SlowBicubic, gui_env, slow_model, window  # noqa: F401


def folders(tmp_path, small_video, copies: int):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    for i in range(copies):
        shutil.copy(small_video, in_dir / f"clip{i}.mp4")
    return in_dir, out_dir


def setup_panel(window, in_dir, out_dir, model: str):
    panel = window.batch
    window.tabs.setCurrentWidget(panel)
    panel.refresh_models()
    panel.in_dir.setText(str(in_dir))
    panel.out_dir.setText(str(out_dir))
    panel.model.setCurrentIndex(panel.model.findData(model))
    panel.scan()
    return panel


def test_batch_processes_queue_with_status_and_report(window, qtbot, small_video, tmp_path):
    in_dir, out_dir = folders(tmp_path, small_video, 2)
    (in_dir / "broken.mp4").write_bytes(b"not a video")
    panel = setup_panel(window, in_dir, out_dir, "bicubic")
    assert [panel.table.item(r, 0).text() for r in range(3)] == ["broken.mp4", "clip0.mp4", "clip1.mp4"]
    assert {panel.table.item(r, 1).text() for r in range(3)} == {"queued"}
    panel.start()
    with qtbot.waitSignal(panel.job.finished, timeout=120_000):
        pass
    statuses = [panel.table.item(r, 1).text() for r in range(3)]
    assert statuses == ["failed", "ok", "ok"]
    assert "not a video" in panel.table.item(0, 3).text()
    assert (out_dir / "clip0.mp4").is_file() and (out_dir / "clip1.mp4").is_file()
    report = json.loads((out_dir / "vsr-app-report.json").read_text())
    assert report["counts"]["ok"] == 2 and report["counts"]["failed"] == 1
    assert panel.status.text().startswith("Done: 2 ok") and panel.progress.value() == 1000
    assert panel.report_button.isVisible()


def test_batch_cancel(window, qtbot, small_video, tmp_path, slow_model, monkeypatch):
    # frames wait at the gate until the cancel has been asked for, so the first file cannot finish first
    gate = threading.Event()
    monkeypatch.setattr(SlowBicubic, "gate", gate)
    in_dir, out_dir = folders(tmp_path, small_video, 3)
    panel = setup_panel(window, in_dir, out_dir, slow_model)
    panel.start()
    qtbot.waitUntil(lambda: panel.table.item(0, 1).text() == "processing", timeout=60_000)
    panel.cancel()
    gate.set()
    with qtbot.waitSignal(panel.job.finished, timeout=60_000):
        pass
    assert [panel.table.item(r, 1).text() for r in range(3)] == ["cancelled"] * 3
    assert panel.status.text().startswith("Cancelled")
    assert not any(p.suffix == ".mp4" for p in out_dir.rglob("*"))  # no output, not even a partial one
    assert panel.start_button.isVisible()


def test_a_file_in_the_way_is_kept_and_shown_with_how_to_replace_it(window, qtbot, small_video, tmp_path):
    in_dir, out_dir = folders(tmp_path, small_video, 1)
    out_dir.mkdir()
    (out_dir / "clip0.mp4").write_text("my notes")
    panel = setup_panel(window, in_dir, out_dir, "bicubic")
    panel.start()
    with qtbot.waitSignal(panel.job.finished, timeout=120_000):
        pass
    assert panel.table.item(0, 1).text() == "exists"
    assert panel.table.item(0, 3).text() == ("kept an existing file that is not a readable video; "
                                             f"tick \"{panel.overwrite.text()}\" to replace it or choose another "
                                             "output folder")
    assert (out_dir / "clip0.mp4").read_text() == "my notes"
    assert panel.status.text().startswith("Done: 0 ok, 0 skipped, 0 failed, 1 existing file kept")

    panel.overwrite.setChecked(True)
    panel.start()
    with qtbot.waitSignal(panel.job.finished, timeout=120_000):
        pass
    assert panel.table.item(0, 1).text() == "ok" and (out_dir / "clip0.mp4").stat().st_size > 1000


def test_an_output_folder_inside_the_input_folder_is_not_listed_as_input(window, qtbot, small_video, tmp_path):
    """The table listed the previous run's outputs as inputs and put each result on the row at its position."""
    in_dir = tmp_path / "in"
    (in_dir / "zz").mkdir(parents=True)
    shutil.copy(small_video, in_dir / "a.mp4")
    shutil.copy(small_video, in_dir / "zz" / "x.mp4")
    out_dir = in_dir / "enh"
    panel = setup_panel(window, in_dir, out_dir, "bicubic")
    panel.recursive.setChecked(True)
    for expected in ("ok", "skipped"):  # the second run finds the first run's outputs in the output folder
        panel.start()
        with qtbot.waitSignal(panel.job.finished, timeout=120_000):
            pass
        rows = {panel.table.item(r, 0).text(): panel.table.item(r, 1).text() for r in range(panel.table.rowCount())}
        assert rows == {"a.mp4": expected, "zz/x.mp4": expected}
        assert panel.status.text().startswith("Done: " + ("2 ok" if expected == "ok" else "0 ok, 2 skipped"))


def test_folders_expand_home_and_a_relative_output_folder_is_inside_the_input_folder(window, qtbot, small_video,
                                                                                       tmp_path, monkeypatch):
    """Neither a folder literally named "~" nor output in whatever folder the app started in; the table shows the
    full output paths. A relative input folder is refused: there is nothing it could be relative to."""
    in_dir, _ = folders(tmp_path, small_video, 1)
    monkeypatch.chdir(tmp_path)
    for text, out_dir in (("~/bout", Path.home() / "bout"), ("enh", in_dir / "enh")):
        panel = setup_panel(window, in_dir, text, "bicubic")
        assert panel.table.item(0, 3).text() == str(out_dir / "clip0.mp4")
        panel.start()
        with qtbot.waitSignal(panel.job.finished, timeout=120_000):
            pass
        assert panel.table.item(0, 1).text() == "ok" and (out_dir / "clip0.mp4").is_file()
        assert panel.report_path == str(out_dir / "vsr-app-report.json")
    assert not (tmp_path / "~").exists() and not (tmp_path / "enh").exists()
    assert "inside the input folder" in panel.out_dir.toolTip()

    last_job = panel.job
    panel = setup_panel(window, "in", "out", "bicubic")
    assert "must be a full path" in panel.status.text() and panel.table.rowCount() == 0
    with qtbot.waitSignal(panel.errorRaised, timeout=5_000) as blocker:
        panel.start()
    assert "must be a full path" in blocker.args[1] and panel.job is last_job  # nothing started


def test_an_input_folder_without_videos_points_to_the_sub_folders_checkbox(window, qtbot, small_video, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    (in_dir / "sub").mkdir(parents=True)
    shutil.copy(small_video, in_dir / "sub" / "clip.mp4")
    panel = setup_panel(window, in_dir, out_dir, "bicubic")
    with qtbot.waitSignal(panel.errorRaised, timeout=30_000) as blocker:
        panel.start()
    title, message = blocker.args
    assert message.startswith(f"no videos found in '{in_dir}'")
    assert message.endswith(f"tick \"{panel.recursive.text()}\" to look in sub-folders)") and "--" not in message
