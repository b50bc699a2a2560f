"""The Train tab: a real (tiny) `vsr-app train` process, live curve points, graceful Stop, Resume, and the
trained model showing up in the selectors."""

from __future__ import annotations

import json
import sys

import pytest
from PySide6.QtCore import QProcess, Qt

from gui_support import gui_env, window  # noqa: F401
from videogen import make_video
from vsr_app.gui.run_files import MetricsTail
from vsr_app.gui.train_panel import launcher, train_arguments
from vsr_app.models import list_models

TINY = {"net_config.channels": 4, "net_config.blocks": 1, "batch": 1, "frames": 3, "patch": 16, "log_every": 1,
        "val_every": 2}


def test_metrics_tail_reads_whole_lines_only(tmp_path):
    path = tmp_path / "metrics.jsonl"
    tail = MetricsTail(path)
    assert tail.read() == []  # no file yet
    path.write_text('{"step": 1, "loss": 0.5}\n{"step": 2, "lo')
    assert tail.read() == [{"step": 1, "loss": 0.5}]
    with open(path, "a") as fh:
        fh.write('ss": 0.4}\nnot json\n{"step": 2, "val_psnr": 30.1}\n')
    assert tail.read() == [{"step": 2, "loss": 0.4}, {"step": 2, "val_psnr": 30.1}]
    path.write_text('{"step": 1, "loss": 0.9}\n')  # a new run in the same folder: shorter file
    assert tail.read() == [{"step": 1, "loss": 0.9}]


def test_command_line_follows_the_cli_contract(monkeypatch):
    args = train_arguments("vsr", ["/d1", "/d2"], "/runs/x", "vsr-x4-teacher", "std", 500, "/runs/x/o.json", False)
    assert args == ["train", "vsr", "--data", "/d1", "--data", "/d2", "--out", "/runs/x", "--distill", "std",
                    "--teacher", "vsr-x4-teacher", "--steps", "500", "--config", "/runs/x/o.json"]
    resumed = train_arguments("vsr", ["/d"], "/r", "vsr-x4-teacher", "std", None, None, True)
    assert resumed == ["train", "vsr", "--data", "/d", "--out", "/r", "--resume"]  # the run's own teacher and loss
    assert launcher() == (sys.executable, ["-m", "vsr_app"])
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launcher() == (sys.executable, [])  # the frozen app is its own CLI


@pytest.fixture
def panel(window, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    make_video(data / "clip.mp4", frames=10, width=96, height=96)
    p = window.train
    p.data.addItem(str(data))
    p.val.setText(str(data / "clip.mp4"))
    p.name.setText("tiny-student")
    p.runs_dir.setText(str(tmp_path / "runs"))
    p.extra.setText(json.dumps({"threads": 1, "val_frames": 3}))
    for key, value in TINY.items():
        p.inputs[key].setValue(value)
    p.distill.setCurrentIndex(p.distill.findData("none"))
    window.tabs.setCurrentWidget(p)
    return p


def test_training_run_curves_stop_and_resume(panel, qtbot, window):
    panel.inputs["steps"].setValue(100_000)
    panel.start()
    assert panel.running()
    options = json.loads((panel.run_dir / "gui-options.json").read_text())
    assert options["net_config"] == {"channels": 4, "blocks": 1} and options["threads"] == 1
    plots = panel.plots
    qtbot.waitUntil(lambda: len(plots.series.get("loss", ([], []))[0]) >= 2 and "val_psnr" in plots.series,
                    timeout=180_000)
    assert "charb" in plots.curves  # every loss term gets a curve, validation its own plot
    assert plots.curves["val_psnr"] in plots.val_plot.listDataItems()
    with qtbot.waitSignal(panel.modelsChanged, timeout=180_000):
        panel.stop()  # SIGTERM: the trainer checkpoints, exits 130 (interrupted), the model is installed
    assert not panel.running()
    assert panel.process.exitStatus() == QProcess.NormalExit and panel.process.exitCode() == 130
    assert panel.status.text().startswith("Stopped") and "Resume continues" in panel.status.text()
    assert (panel.run_dir / "checkpoint.json").is_file()
    assert "tiny-student" in [m.name for m in list_models()]
    names = [window.viewer.left.itemData(i) for i in range(window.viewer.left.count())]
    assert "tiny-student" in names  # the selector shows it right away
    assert panel.compare_button.isVisible()
    panel.compare_button.click()  # no teacher in this run: compared against bicubic
    assert window.tabs.currentIndex() == 0 and window.viewer.sides == ("tiny-student", "bicubic")
    window.tabs.setCurrentWidget(panel)
    last_step = plots.series["loss"][0][-1]

    panel.start(resume=True)
    assert "--resume" in panel.process.arguments()
    qtbot.waitUntil(lambda: plots.series.get("loss", ([0], []))[0][-1] > last_step, timeout=180_000)
    assert plots.series["loss"][0][0] == 1  # the whole history is plotted again
    with qtbot.waitSignal(panel.process.finished, timeout=180_000):
        panel.stop()
    assert panel.process.exitCode() == 130


def test_stop_while_the_data_loads_is_a_stop_not_a_failure(panel, qtbot, window, tmp_path):
    """A stop before the first step (here: while a large batch cache is built) ends the trainer at once with
    nothing to save; the tab says so instead of reporting a failed run."""
    panel.extra.setText(json.dumps({"threads": 1, "val_frames": 3, "cache": str(tmp_path / "cache"),
                                    "cache_batches": 20_000}))
    panel.start()
    qtbot.waitUntil(lambda: "cache" in panel.log.toPlainText(), timeout=120_000)  # building, no step yet
    with qtbot.waitSignal(panel.process.finished, timeout=30_000):
        panel.stop()
    assert panel.process.exitCode() == 130
    assert panel.status.text().startswith("Stopped") and "nothing new to save" in panel.status.text()
    assert window.error_box is None or not window.error_box.isVisible()
    assert not (panel.run_dir / "checkpoint.json").exists()


def test_start_refuses_bad_input(panel, qtbot, window, tmp_path):
    panel.name.setText("bad name!")
    panel.start()
    assert not panel.running()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=5_000)
    assert "cannot name a model" in window.error_box.text()
    window.error_box.close()
    shipped = tmp_path / "no-shipped-models"  # (gui_env's stand-in for models/)
    shipped.mkdir(exist_ok=True)
    (shipped / "vsr-x4-student.safetensors").write_bytes(b"")
    for taken in ("vsr-x4-student", "bicubic"):  # a shipped and a built-in model's name
        panel.name.setText(taken)
        panel.start()
        assert not panel.running()
        qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=5_000)
        assert "is the name of a built-in or shipped model" in window.error_box.text()
        window.error_box.close()


def test_training_inputs_choice_reaches_the_trainer_and_comes_back_from_a_run(panel, tmp_path):
    choice = panel.inputs["degrade"]
    assert panel.options()["degrade"] is None  # default: the benchmarks' clean bicubic inputs
    choice.setCurrentIndex(choice.findText("Like real video", Qt.MatchStartsWith))
    recipe = panel.options()["degrade"]  # the shipped student's recipe, written out in the run's config
    assert recipe == {"compress_p": 0.5, "crf": [18, 32], "noise_p": 0.3, "noise_sigma": [1.0, 6.0]}
    panel._remember()
    assert json.loads(panel.settings.value("train/vsr/degrade")) == recipe
    shipped_run = tmp_path / "shipped_run"
    shipped_run.mkdir()
    (shipped_run / "config.json").write_text(json.dumps({"degrade": dict(reversed(list(recipe.items())))}))
    choice.setCurrentIndex(0)
    panel._load_form(shipped_run)
    assert choice.currentText().startswith("Like real video")  # key order does not matter
    run = tmp_path / "clean_run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"net": "student", "degrade": None, "batch": 3}))
    panel._load_form(run)
    assert panel.options()["degrade"] is None and panel.options()["batch"] == 3
    (run / "config.json").write_text(json.dumps({"net": "teacher", "degrade": {"crf": [20, 30]}}))
    panel._load_form(run)
    assert panel.options()["net"] == "teacher" and panel.options()["degrade"] == {"crf": [20, 30]}
    assert choice.currentText().startswith("as in the run")
    panel.settings.setValue("train/vsr/net", "teacher")  # as saved before choices carried JSON values
    panel._task_changed()
    assert panel.options()["net"] == "teacher" and panel.options()["degrade"] == recipe


def test_the_stop_grace_timer_goes_with_its_process(panel, qtbot, monkeypatch):
    """Stop arms a kill for a trainer that ignores SIGTERM; when the process object is gone before that (the
    window closed), the timer must go too, not fire into a deleted object."""
    from vsr_app.gui import train_panel

    monkeypatch.setattr(train_panel, "STOP_GRACE_MS", 200)
    process = QProcess(panel)
    process.start(sys.executable, ["-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                                         "time.sleep(30)"])
    assert process.waitForStarted()
    panel.process = process
    panel.stop()
    process.kill()
    process.waitForFinished(5000)
    panel.process = None
    process.deleteLater()
    qtbot.wait(600)  # past the grace time: an exception in the event loop fails the test


def test_a_stop_before_the_trainer_handles_signals_is_a_stop_not_a_failure(panel, qtbot, window, tmp_path):
    """SIGTERM in the trainer's first moments (Python starting, torch importing) kills it: a crash exit, which after
    Stop is reported as a stop with nothing saved, not as a failed run."""
    import time

    panel.run_dir = tmp_path / "early_run"
    panel.run_dir.mkdir()
    panel.started, panel.checkpoint_at_start = time.monotonic(), None
    process = QProcess(panel)
    process.finished.connect(panel._finished)
    process.start(sys.executable, ["-c", "import time; time.sleep(30)"])  # default SIGTERM action: dies
    assert process.waitForStarted()
    panel.process = process
    with qtbot.waitSignal(process.finished, timeout=10_000):
        panel.stop()
    assert process.exitStatus() == QProcess.CrashExit
    assert panel.status.text().startswith("Stopped") and "nothing new to save" in panel.status.text()
    assert window.error_box is None or not window.error_box.isVisible()
