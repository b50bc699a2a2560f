"""The Train tab: a real (tiny) `vsr-app train` process, live curve points, graceful Stop, Resume, and the
trained model showing up in the selectors."""

from __future__ import annotations

import errno
import html
import json
import logging
import os
import shlex
import shutil
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QPoint, QProcess, QRect, Qt
from PySide6.QtWidgets import (QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit, QListWidget, QPushButton,
                               QWidget)

from gui_support import announced, gui_env, whole_message, window  # noqa: F401
from videogen import make_video
from vsr_app.distill.train_cli import start_options
from vsr_app.distill.vfi_task import LEGACY_VFI_DEFAULTS, VFIConfig, keep_changed_defaults
from vsr_app.distill.vsr_task import DEFAULTS as VSR_DEFAULTS
from vsr_app.errors import VsrAppError
from vsr_app.gui import fmt, run_checks, run_shown, train_form_widget, train_panel
from vsr_app.gui.run_files import (MetricsTail, check_model_target, follow_moved_run, free_prune_folder,
                                   install_run_model)
from vsr_app.gui.run_plan import run_folder
from vsr_app.gui.train_curves import CLIPS_UNKNOWN, NO_CLIP, NOT_YET
from vsr_app.gui.train_form import TASKS, choice_data, default_runs_dir, form_net_config, launcher, train_arguments
from vsr_app.gui.trainer_process import LOG_NAME, TrainerProcess, failure_cause
from vsr_app.models import build_arch, count_params, list_models, save_model
from vsr_app.nets.vfi_teacher import VFINet, default_widths
from vsr_app.resources import user_models_dir

TINY = {"net_config.channels": 4, "net_config.blocks": 1, "batch": 1, "frames": 3, "patch": 16, "log_every": 1,
        "val_every": 2}


def test_metrics_tail_reads_whole_lines_only(tmp_path):
    path = tmp_path / "metrics.jsonl"
    tail = MetricsTail(path)
    assert tail.read() == []  # no file yet
    path.write_text('{"step": 1, "loss": 0.5}\n{"step": 2, "lo')
    assert tail.read() == [{"step": 1, "loss": 0.5}]
    with open(path, "a") as fh:
        fh.write('ss": 0.4}\nnot json\n{"step": null}\n{"step": "4"}\n{"step": 2, "val_psnr": 30.1}\n')
    assert tail.read() == [{"step": 2, "loss": 0.4}, {"step": 2, "val_psnr": 30.1}]
    assert not tail.rewound
    path.write_text('{"step": 1, "loss": 0.9}\n')  # a new run in the same folder: shorter file
    assert tail.read() == [{"step": 1, "loss": 0.9}] and tail.rewound


def test_command_line_follows_the_cli_contract(monkeypatch):
    args = train_arguments("vsr", ["/d1", "/d2"], "/runs/x", "vsr-x4-teacher", "std", 500, "/runs/x/o.json", False)
    assert args == ["train", "vsr", "--data", "/d1", "--data", "/d2", "--out", "/runs/x", "--distill", "std",
                    "--teacher", "vsr-x4-teacher", "--steps", "500", "--config", "/runs/x/o.json"]
    resumed = train_arguments("vsr", ["/d"], "/r", "vsr-x4-teacher", "std", None, None, True)
    assert resumed == ["train", "vsr", "--data", "/d", "--out", "/r", "--resume"]  # the run's own teacher and loss
    # a resumed run takes the form's validation clip, and its Teacher where the run's own file has moved
    moved = train_arguments("vsr", ["/d"], "/r", "/new/t.safetensors", "std", None, None, True, val=["/v.mp4"],
                            teacher_moved=True)
    assert moved == ["train", "vsr", "--data", "/d", "--out", "/r", "--teacher", "/new/t.safetensors", "--val",
                     "/v.mp4", "--resume"]
    assert launcher() == (sys.executable, ["-m", "vsr_app"])
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launcher() == (sys.executable, [])  # the frozen app is its own CLI


def test_the_alignment_field_reaches_the_student_only():
    form = {"channels": 32, "blocks": 4, "align": "dis"}
    assert form_net_config("student", form) == form
    assert form_net_config("teacher", form) == {"channels": 32, "blocks": 4}  # the teacher takes no align


def test_the_student_only_fields_are_disabled_for_the_teacher_and_left_out_of_its_run(panel):
    align, burn_in, net = panel.form.inputs["net_config.align"], panel.form.inputs["burn_in"], panel.form.inputs["net"]
    burn_in.setValue(32)
    assert align.isEnabled() and burn_in.isEnabled() and panel.form.options()["burn_in"] == 32
    net.setCurrentIndex(net.findData(choice_data("teacher")))
    assert not align.isEnabled() and not burn_in.isEnabled() and panel.form.inputs["net_config.channels"].isEnabled()
    assert "burn_in" not in panel.form.options()  # the trainer refuses a burn-in for the bidirectional teacher
    net.setCurrentIndex(net.findData(choice_data("student")))
    assert align.isEnabled() and burn_in.isEnabled()


def card_only(weights: Path, arch: str) -> Path:
    """Weights beside a card that names their net (the weights are not read until a run starts)."""
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"")
    weights.with_suffix(".json").write_text(json.dumps({"task": "upscale", "scale": 4, "arch": arch, "config": {}}))
    return weights


def test_the_greyed_fields_follow_the_net_of_start_froms_card(panel, tmp_path):
    """Started from the teacher, Burn-in stayed enabled as the form's Network said student, and the trainer refused it
    only at Start; started from a student, it is the student's whatever Network says."""
    burn_in, net, form = panel.form.inputs["burn_in"], panel.form.inputs["net"], panel.form
    burn_in.setValue(32)
    form.start_from.setText(str(card_only(tmp_path / "teacher run" / "model.safetensors", "vsr_teacher")))
    assert not burn_in.isEnabled() and "burn_in" not in form.options()
    net.setCurrentIndex(net.findData(choice_data("teacher")))
    form.start_from.setText(str(card_only(tmp_path / "student run" / "model.safetensors", "vsr_student")))
    assert burn_in.isEnabled() and form.options()["burn_in"] == 32
    form.start_from.setText(str(tmp_path / "no card" / "model.safetensors"))  # no card says: the form's Network
    assert not burn_in.isEnabled() and "burn_in" not in form.options()


def test_the_greyed_fields_and_the_options_sent_follow_the_net_the_trainer_trains(panel, tmp_path):
    """With Extra options naming a net, the greyed fields followed Start from's card while the options sent followed
    Extra options: Burn-in showed greyed and was sent. Each way, Burn-in is enabled exactly where it is sent, for the
    net the trainer's own `start_options` picks from those options (Extra options' net, else the card's, but the
    trainer's default net where Extra options give only a net_config). The card is that of the start the trainer
    takes, Extra options' init_from over Start from (null: none), which the greying once ignored: Start from empty
    and Extra options starting from the teacher, Burn-in was enabled and sent, and refused at Start."""
    form, burn_in, width = panel.form, panel.form.inputs["burn_in"], panel.form.inputs["net_config.channels"]
    burn_in.setValue(32)
    teacher = str(card_only(tmp_path / "teacher run" / "model.safetensors", "vsr_teacher"))
    student = str(card_only(tmp_path / "student run" / "model.safetensors", "vsr_student"))
    for start, extra, trains, started in (
            (teacher, {}, "teacher", True), (teacher, {"net": "student"}, "student", True),
            (teacher, {"net_config": {"blocks": 2}}, "student", True),
            (student, {"net": "teacher"}, "teacher", True), (student, {}, "student", True),
            ("", {"init_from": teacher}, "teacher", True), (teacher, {"init_from": student}, "student", True),
            (student, {"init_from": teacher}, "teacher", True), (teacher, {"init_from": None}, "student", False)):
        form.start_from.setText(start)
        form.extra.setText(json.dumps({"threads": 1, **extra}))
        options = form.options()
        assert start_options(options, lambda *_: None)[0].get("net", VSR_DEFAULTS["net"]) == trains
        assert burn_in.isEnabled() == ("burn_in" in options) == (trains == "student"), (start, extra)
        # started from a net, its card sizes it: the form's Width is greyed and not sent
        assert width.isEnabled() == ("channels" in options.get("net_config", {})) == (not started), (start, extra)


def test_extra_options_naming_a_net_by_something_not_a_name_leave_the_form_as_it_was(panel, qtbot, caplog):
    """Typed into Extra options, {"net": []} raised a TypeError (an unhashable net looked up among the nets) on each
    edit, from the greying and from the net's count; it is no net, so the form's Network's fields apply. The
    Parameters row read "cannot tell: Unexpected error (TypeError): unhashable type: 'list'", and a traceback was
    logged after each pause in typing: it says the trainer's own words now, and nothing is logged."""
    enabled = {key: widget.isEnabled() for key, widget in panel.form.inputs.items()}
    student = fmt.params(count_params(build_arch("vsr_student", {"channels": 4, "blocks": 1})))
    for net in ([], {}):
        panel.form.extra.setText(json.dumps({"threads": 1}))
        qtbot.waitUntil(lambda: panel.form.net_size.text() == student, timeout=10_000)  # the count of before
        panel.form.extra.setText(json.dumps({"net": net}))
        assert {key: widget.isEnabled() for key, widget in panel.form.inputs.items()} == enabled
        assert panel.form.options()["net"] == net  # sent as typed: the trainer refuses it in its words
        qtbot.waitUntil(lambda: panel.form.net_size.text() == "cannot tell: net must be one of student, teacher",
                        timeout=10_000)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []


def test_the_clip_length_reaches_the_32_frames_an_aligned_student_was_trained_well_on(panel):
    frames = panel.form.inputs["frames"]
    frames.setValue(32)
    assert frames.value() == 32 and frames.maximum() == 32  # Round Y's clean stage; a kept video segment's length


def exported_run(run_dir):
    """A run folder with an exported model, as the trainer leaves it (the weights are not read when installed), at
    step 1."""
    run_dir.mkdir(parents=True)
    (run_dir / "model.safetensors").write_bytes(f"weights of {run_dir}".encode())
    (run_dir / "model.json").write_text(json.dumps({"name": run_dir.name,
                                                    "training": {"run_dir": str(run_dir), "steps": 1}}))
    return run_dir


def write_checkpoint(run_dir: Path, step: int = 1) -> None:
    """A checkpoint at `step`: its header is all a start reads (Resume refuses Steps behind it)."""
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(1)}, str(run_dir / "checkpoint.safetensors"), metadata={"step": str(step)})


def test_an_installed_model_is_replaced_only_by_the_run_that_trained_it(tmp_path, monkeypatch):
    """Two runs of the same name in two runs folders: the second must not overwrite the first one's model."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    first, second = exported_run(tmp_path / "a" / "x"), exported_run(tmp_path / "b" / "x")
    installed = install_run_model(first, "x")
    assert install_run_model(first, "x") == installed  # its own run updates it (each Stop, the end)
    with pytest.raises(VsrAppError, match="already installed"):
        install_run_model(second, "x")
    assert installed.read_bytes() == (first / "model.safetensors").read_bytes()
    with pytest.raises(VsrAppError, match=r"named 'x' is already installed .*the same in any letter case"):
        install_run_model(second, "X")  # X.safetensors would hide x from `models` (and --model x)
    check_model_target(first, "x")  # a Resume of that run may go on
    from vsr_app.gui.run_checks import check_run_dir

    with pytest.raises(VsrAppError, match="named 'x' is already installed"):  # not "nothing to resume: press Start"
        check_run_dir(tmp_path / "a" / "X", "X", resume=True, task="vsr")
    with pytest.raises(VsrAppError, match="already installed"):  # a new run in its folder (the old one deleted)
        check_model_target(first, "x", new_run=True)
    installed.with_suffix(".json").write_text("{")  # a card that does not say which run: not replaced
    with pytest.raises(VsrAppError, match="already installed"):
        check_model_target(first, "x")


def test_a_run_folder_moved_keeps_the_model_it_installed(tmp_path, monkeypatch):
    """A Train-tab run moved to another folder could not be resumed there: its installed model was "trained by
    another run", and the advice (another name) led to "nothing to resume". A copy is another run."""
    from vsr_app.gui.run_checks import check_run_dir

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    old = exported_run(tmp_path / "a" / "x")
    card = json.loads((old / "model.json").read_text())
    (old / "model.json").write_text(json.dumps({**card, "created": "2026-12-06T08:00:00+00:00"}))
    installed = install_run_model(old, "x").with_suffix(".json")
    copy = tmp_path / "copy" / "x"
    shutil.copytree(old, copy)
    follow_moved_run(copy)
    with pytest.raises(VsrAppError, match="trained by another run"):
        check_model_target(copy, "x")
    moved = tmp_path / "b" / "x"
    moved.parent.mkdir()
    old.rename(moved)
    shutil.rmtree(copy)
    with pytest.raises(VsrAppError, match="trained by another run"):
        check_model_target(moved, "x")  # as it was: the card names the old place
    check_run_dir(moved, "x", resume=True, task="vsr")  # Resume there: the model follows the run
    assert json.loads(installed.read_text())["training"]["run_dir"] == str(moved.resolve())
    check_model_target(moved, "x")
    again = tmp_path / "c" / "x"  # moved once more, and a new run where it was: the model follows it again
    again.parent.mkdir()
    moved.rename(again)
    exported_run(moved)
    follow_moved_run(again)
    check_model_target(again, "x")


@pytest.fixture
def panel(window, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    make_video(data / "clip.mp4", frames=10, width=96, height=96)
    held_out = make_video(tmp_path / "held out.mp4", frames=6, width=96, height=96)  # outside the data, as it must be
    p = window.train
    p.form.data.addItem(str(data))
    p.form.val.setText(str(held_out))
    p.form.name.setText("tiny-student")
    p.form.runs_dir.setText(str(tmp_path / "runs"))
    p.form.extra.setText(json.dumps({"threads": 1, "val_frames": 3}))
    for key, value in TINY.items():
        p.form.inputs[key].setValue(value)
    p.form.distill.setCurrentIndex(p.form.distill.findData("none"))
    window.tabs.setCurrentWidget(p)
    return p


def test_training_run_curves_stop_and_resume(panel, qtbot, window, announced):
    panel.form.inputs["steps"].setValue(100_000)
    panel.form.extra.setText(json.dumps({"threads": 1, "val_frames": 3, "steps": 123_456}))  # Extra options win
    panel.start()
    qtbot.waitUntil(panel.running, timeout=10_000)  # after the held-out check
    options = json.loads((panel.run_dir / "gui-options.json").read_text())
    assert options["net_config"] == {"channels": 4, "blocks": 1, "align": "none"} and options["threads"] == 1
    plots = panel.plots
    qtbot.waitUntil(lambda: len(plots.series.get("loss", ([], []))[0]) >= 2 and "val_psnr" in plots.series,
                    timeout=180_000)
    assert " / 123,456" in panel.status.text()  # the progress counts to the run's length, not the form's
    assert "charb" in plots.curves  # every loss term gets a curve, validation its own plot
    assert plots.curves["val_psnr"] in plots.val_plot.listDataItems()
    with qtbot.waitSignal(panel.modelsChanged, timeout=180_000):
        panel.stop()  # SIGTERM: the trainer checkpoints, exits 130 (interrupted), the model is installed
    assert not panel.running()
    assert panel.process.exitStatus() == QProcess.NormalExit and panel.process.exitCode() == 130
    assert panel.status.text().startswith("Stopped") and "Resume continues" in panel.status.text()
    assert announced == [(panel.status.text(), panel.status.text())]  # a screen reader hears the end, only it
    assert (panel.run_dir / "checkpoint.json").is_file()
    assert "tiny-student" in [m.name for m in list_models()]
    names = [window.viewer.left.itemData(i) for i in range(window.viewer.left.count())]
    assert "tiny-student" in names  # the selector shows it right away
    assert panel.compare_button.isVisible()
    panel.compare_button.click()  # no teacher in this run: compared against bicubic
    assert window.tabs.currentIndex() == 0 and window.viewer.sides == ("tiny-student", "bicubic")
    window.tabs.setCurrentWidget(panel)
    last_step = plots.series["loss"][0][-1]

    panel.form.extra.setText(json.dumps({"threads": 1, "val_frames": 3, "steps": 123_456, "seed": 5}))
    panel.start(resume=True)
    assert "--resume" in panel.process.arguments()
    # its curves at once, but not the last run's pace and time left as if they were this one's
    assert panel.status.text() == f"Resuming at step {last_step:,}\u2026" and plots.last_step() == last_step
    assert "changed here and not used: seed" in panel.log.toPlainText()  # the run keeps its own settings
    qtbot.waitUntil(lambda: plots.series.get("loss", ([0], []))[0][-1] > last_step, timeout=180_000)
    assert plots.series["loss"][0][0] == 1  # the whole history is plotted again
    with qtbot.waitSignal(panel.process.finished, timeout=180_000):
        panel.stop()
    assert panel.process.exitCode() == 130


def test_stop_while_the_data_loads_is_a_stop_not_a_failure(panel, qtbot, window, tmp_path):
    """A stop before the first step (here: while a large batch cache is built) ends the trainer at once with
    nothing to save; the tab says so instead of reporting a failed run."""
    panel.form.extra.setText(json.dumps({"threads": 1, "val_frames": 3, "cache": str(tmp_path / "cache"),
                                    "cache_batches": 20_000}))
    panel.start()
    qtbot.waitUntil(lambda: "cache" in panel.log.toPlainText(), timeout=120_000)  # building, no step yet
    with qtbot.waitSignal(panel.process.finished, timeout=30_000):
        panel.stop()
    assert panel.process.exitCode() == 130
    assert panel.status.text().startswith("Stopped") and "nothing new to save" in panel.status.text()
    assert window.error_box is None or not window.error_box.isVisible()
    assert not (panel.run_dir / "checkpoint.json").exists()


def refusal(panel, qtbot, window, resume: bool = False) -> str:
    """Press Start (or Resume), which must start nothing and say why: the message's text."""
    panel.start(resume)
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=5_000)
    assert not panel.running() and panel.start_button.isEnabled()
    window.error_box.close()
    return whole_message(window.error_box)


def prepare(panel, resume: bool) -> list[str]:
    """What Start does up to the trainer's process, on this thread: the trainer's arguments."""
    return panel._write_run(panel._plan(resume))


def test_start_refuses_bad_input(panel, qtbot, window, tmp_path):
    panel.form.name.setText("bad name!")
    assert "cannot name a model" in refusal(panel, qtbot, window)
    shipped = tmp_path / "no-shipped-models"  # (gui_env's stand-in for models/)
    shipped.mkdir(exist_ok=True)
    (shipped / "vsr-x4-student.safetensors").write_bytes(b"")
    # a shipped and a built-in model's name, in any case (on macOS and Windows disks the same file)
    for taken in ("vsr-x4-student", "bicubic", "VSR-X4-Student", "Bicubic"):
        panel.form.name.setText(taken)
        assert "is the name of a built-in or shipped model" in refusal(panel, qtbot, window)


@pytest.mark.parametrize("extra, message", [
    ({"steps": "abc"}, "whole number"), ({"steps": None}, "whole number"), ({"steps": 0}, "whole number"),
])
def test_start_refuses_bad_steps_before_making_the_run_folder(panel, qtbot, window, tmp_path, extra, message):
    panel.form.extra.setText(json.dumps(extra))
    assert message in refusal(panel, qtbot, window)
    assert not (tmp_path / "runs").exists()


def test_start_refuses_a_runs_folder_that_cannot_be_made(panel, qtbot, window, tmp_path):
    (tmp_path / "a-file").write_text("")
    for runs in (tmp_path / "a-file" / "runs", "/proc/no-such/runs"):
        panel.form.runs_dir.setText(str(runs))
        assert "cannot write the run folder" in refusal(panel, qtbot, window)
    panel.form.runs_dir.setText("relative/runs")  # would land wherever the app was started from
    assert "must be a full path" in refusal(panel, qtbot, window)


def test_resume_without_a_run_says_so_in_the_trainers_words(panel, qtbot, window, tmp_path):
    panel.form.runs_dir.setText(str(tmp_path / "runs"))
    message = refusal(panel, qtbot, window, resume=True)
    assert "nothing to resume" in message and "press Start to begin a new run" in message
    assert not (tmp_path / "runs").exists()


def trainer_failure(panel, qtbot, window) -> str:
    """Press Start; the trainer itself must refuse the run: the error dialog's text."""
    panel.start()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=120_000)
    assert not panel.running() and panel.process.exitCode() == 1
    window.error_box.close()
    return whole_message(window.error_box)


def test_a_run_the_trainer_refuses_leaves_nothing_and_its_message_only_its_own_lines(panel, qtbot, window, tmp_path):
    # options only the trainer checks (an unknown one, or one of the wrong kind, the tab refuses at Start: `plan_run`)
    panel.form.extra.setText(json.dumps({"threads": 1, "val_frames": 3, "val_restart": 5}))
    first = trainer_failure(panel, qtbot, window)
    assert "val_restart (5) must be below val_frames (3)" in first
    assert not (tmp_path / "runs" / "tiny-student").exists()  # the tab's options and log went with the refusal
    panel.form.extra.setText(json.dumps({"threads": 1, "val_crop": 10}))
    second = trainer_failure(panel, qtbot, window)
    assert "val_crop" in second and "val_restart" not in second and "$ " not in second
    assert "val_restart (5)" in panel.log.toPlainText()  # the log panel still has the whole session
    assert not (tmp_path / "runs" / "tiny-student").exists()


def test_an_empty_runs_folder_means_the_default_one(panel):
    panel.form.runs_dir.setText("")
    assert str(default_runs_dir()) in panel.form.runs_dir.placeholderText()
    args = prepare(panel, resume=False)
    assert args[args.index("--out") + 1] == str(default_runs_dir() / "tiny-student")
    assert (default_runs_dir() / "tiny-student" / "gui-options.json").is_file()


def test_the_suggested_model_name_follows_the_task_and_a_typed_one_stays(window):
    panel = window.train
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    panel.form.name.setText("my-vsr-student")
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    assert panel.form.name.text() == "my-vfi-student"
    panel.form.name.setText("holiday-interp")
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    assert panel.form.name.text() == "holiday-interp"


def test_a_new_run_does_not_take_the_name_of_an_installed_model(panel, qtbot, window, tmp_path):
    """Training a name again (another runs folder, or the same one after deleting the run) would overwrite the
    model at the end or at a Stop: Start refuses; the run that installed it may Resume and update it."""
    own = exported_run(tmp_path / "runs" / "tiny-student")
    installed = install_run_model(own, "tiny-student")  # a run of this runs folder installed it (at a Stop)
    panel.form.runs_dir.setText(str(tmp_path / "other-runs"))
    assert "already installed" in refusal(panel, qtbot, window)
    assert not (tmp_path / "other-runs").exists()
    panel.form.runs_dir.setText(str(tmp_path / "runs"))
    shutil.rmtree(own)  # then that run was deleted
    assert "already installed" in refusal(panel, qtbot, window)
    exported_run(own)
    write_checkpoint(own)  # the run that installed it, resumed: it may update its model
    assert "--resume" in prepare(panel, resume=True)
    installed.with_suffix(".json").write_text(json.dumps({"training": {"run_dir": str(tmp_path / "elsewhere")}}))
    assert "already installed" in refusal(panel, qtbot, window, resume=True)  # another run's model since
    weights = installed.read_bytes()
    panel.last_model = ("upscale", "tiny-student", "")
    panel._install()  # what a Stop or the end of the run does: the other run's model stays
    assert "model not installed" in panel.log.toPlainText() and installed.read_bytes() == weights


@pytest.mark.parametrize("size, first_task", [((1440, 900), "vsr"), ((1024, 700), "vfi"), ((720, 540), "vfi")])
def test_the_whole_form_shows_without_sideways_scrolling(window, qtbot, size, first_task):
    """Every control of the form fits the width of its scroll area (it scrolls only up and down), also after
    a switch from the narrower VFI form; at 720x540 too, where the drop-downs' longest choices held it 200 px wider."""
    window.resize(*size)
    panel = window.train
    panel.form.task.setCurrentIndex(panel.form.task.findData(first_task))
    window.tabs.setCurrentWidget(panel)
    qtbot.wait(50)
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    qtbot.wait(50)
    assert_form_fits(panel)


def test_a_long_choice_shows_whole_in_its_list_and_tooltip_and_widens_nothing(window, qtbot):
    """A run's teacher path (Open run keeps it as a choice) is no width the form must scroll for at 720x540, and a
    choice cut short shows whole in its list and in its tooltip, before what the field is for."""
    window.resize(720, 540)
    panel = window.train
    window.tabs.setCurrentWidget(panel)
    teacher = panel.form.teacher
    path = "as in the run: " + "/footage of the summer" * 8 + "/teacher.safetensors"
    teacher.addItem(path, path)
    teacher.setCurrentIndex(teacher.count() - 1)
    qtbot.wait(50)
    assert_form_fits(panel)
    assert teacher.toolTip().startswith(f"{path}\n\nThe trained model whose knowledge is distilled")
    align = panel.form.inputs["net_config.align"]
    longest = max(align.fontMetrics().horizontalAdvance(align.itemText(i)) for i in range(align.count()))
    assert align.width() < longest
    align.showPopup()
    try:
        assert align.view().width() >= longest
    finally:
        align.hidePopup()


def assert_form_fits(panel) -> None:
    """Every control of the form is inside its scroll area's width (scrolled to up or down)."""
    scroll, viewport = panel.form_scroll, panel.form_scroll.viewport()
    assert scroll.horizontalScrollBar().maximum() == 0
    controls = [w for kind in (QPushButton, QComboBox, QLineEdit, QAbstractSpinBox)
                for w in scroll.widget().findChildren(kind) if w.isVisible()]
    assert len([w for w in controls if w.toolTip().startswith("Choose")]) == 3  # clip, runs folder, Start from
    for control in controls:
        middle = control.mapTo(scroll.widget(), control.rect().center())
        scroll.ensureVisible(middle.x(), middle.y(), 0, control.height())  # scrolled to, as far as up and down go
        shown = QRect(control.mapTo(viewport, control.rect().topLeft()), control.size())
        assert viewport.rect().contains(shown), (control.text() if hasattr(control, "text") else control, shown)


def test_training_inputs_choice_reaches_the_trainer_and_comes_back_from_a_run(panel, tmp_path):
    choice = panel.form.inputs["degrade"]
    assert "degrade" not in panel.form.options()  # default: as Start from's card says, clean for a new net
    choice.setCurrentIndex(choice.findText("Clean", Qt.MatchStartsWith))
    assert panel.form.options()["degrade"] is None  # the benchmarks' clean bicubic inputs
    choice.setCurrentIndex(choice.findText("Like real video", Qt.MatchStartsWith))
    recipe = panel.form.options()["degrade"]  # the shipped student's recipe, written out in the run's config
    assert recipe == {"compress_p": 0.5, "crf": [18, 32], "noise_p": 0.3, "noise_sigma": [1.0, 6.0]}
    panel.form.remember_form()
    assert json.loads(panel.settings.value("train/vsr/degrade")) == recipe
    shipped_run = tmp_path / "shipped_run"
    shipped_run.mkdir()
    (shipped_run / "config.json").write_text(json.dumps({"degrade": dict(reversed(list(recipe.items())))}))
    choice.setCurrentIndex(0)
    panel.form.load_run(shipped_run)
    assert choice.currentText().startswith("Like real video")  # key order does not matter
    run = tmp_path / "clean_run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"net": "student", "degrade": None, "batch": 3}))
    panel.form.load_run(run)
    assert panel.form.options()["degrade"] is None and panel.form.options()["batch"] == 3
    (run / "config.json").write_text(json.dumps({"net": "teacher", "degrade": {"crf": [20, 30]}}))
    panel.form.load_run(run)
    assert panel.form.options()["net"] == "teacher" and panel.form.options()["degrade"] == {"crf": [20, 30]}
    assert choice.currentText().startswith("as in the run")
    panel.settings.setValue("train/vsr/net", "teacher")  # as saved before choices carried JSON values
    panel.form._task_changed()
    assert panel.form.options()["net"] == "teacher" and panel.form.options()["degrade"] == recipe


def test_the_stop_grace_timer_goes_with_its_process(panel, qtbot, monkeypatch):
    """Stop arms a kill for a trainer that ignores SIGTERM; when the process object is gone before that (the
    window closed), the timer must go too, not fire into a deleted object."""
    from vsr_app.gui import trainer_process

    monkeypatch.setattr(trainer_process, "STOP_GRACE_MS", 200)
    process = TrainerProcess(None, panel)
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
    process = TrainerProcess(None, panel)
    process.finished.connect(panel._finished)
    process.start(sys.executable, ["-c", "import time; time.sleep(30)"])  # default SIGTERM action: dies
    assert process.waitForStarted()
    panel.process = process
    with qtbot.waitSignal(process.finished, timeout=10_000):
        panel.stop()
    assert process.exitStatus() == QProcess.CrashExit
    assert panel.status.text().startswith("Stopped") and "nothing new to save" in panel.status.text()
    assert window.error_box is None or not window.error_box.isVisible()


def test_the_trainer_is_given_the_apps_pid_to_stop_when_the_app_dies(panel, qtbot):
    """A trainer the app left behind (a crash, kill -9) trained on for hours: it is told which process the app is
    (`stop_signals.watch_app`; test_train_app_gone.py has one stop as its app dies)."""
    from vsr_app.stop_signals import APP_PID_VARIABLE

    process = TrainerProcess(None, panel)
    with qtbot.waitSignal(process.finished, timeout=10_000):
        process.start(sys.executable, ["-c", f"import os; print(os.environ.get({APP_PID_VARIABLE!r}))"])
    assert process.output == [str(os.getpid())]


def test_start_leaves_alone_a_folder_a_trainer_is_using_before_its_first_checkpoint(panel, tmp_path):
    """A command-line trainer in its first minutes in RUNS/NAME: no checkpoint shows it yet, and Start would rename
    its open metrics.jsonl aside (its curves then lost from its card)."""
    import subprocess

    run = tmp_path / "runs" / "tiny-student"
    run.mkdir(parents=True)
    (run / "metrics.jsonl").write_text('{"step": 1, "loss": 0.5}\n')
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from pathlib import Path; "
                               "from vsr_app.distill.runs import claim_run_dir; claim_run_dir(Path(sys.argv[1])); "
                               "print('held', flush=True); sys.stdin.read()", str(run)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(VsrAppError, match=rf"another training \(process {holder.pid}\) is running in "
                                              ".*choose another model name"):
            prepare(panel, resume=False)
        assert (run / "metrics.jsonl").exists() and not (run / "gui-options.json").exists()
    finally:
        holder.communicate("", timeout=30)
    assert "--config" in prepare(panel, resume=False)  # free again once that trainer has gone


@pytest.mark.parametrize("end, said", [
    ("sys.exit(1)", "The trainer exited with an error (code 1)."),
    ("os.kill(os.getpid(), 9)", "The trainer was killed (signal 9: the system may have run out of memory, or someone "
                                "ran kill -9).")])  # was "exited with an error (code 9)"
def test_a_trainer_that_fails_after_a_checkpoint_leaves_its_model_installed(panel, qtbot, window, tmp_path, end, said):
    """An out-of-memory crash in hour five: the model its last checkpoint exported is installed, not left unreachable
    from the model menus (Resume, the only other way, would crash again)."""
    fail_after_a_checkpoint(panel, qtbot, exported_run(tmp_path / "runs" / "tiny-student"), end)
    installed = panel.log.toPlainText().split("model 'tiny-student' installed as ")[1].splitlines()[0]
    assert Path(installed).read_bytes() == (panel.run_dir / "model.safetensors").read_bytes()
    assert window.error_box.isVisible() and "last checkpoint is installed" in window.error_box.text()
    assert panel.status.text() == said
    assert ("was killed (signal 9" if "kill" in end else "The trainer exited with code 1;") in window.error_box.text()


def test_a_trainer_that_fails_between_its_checkpoint_and_the_models_export_says_no_model_is_installed(
        panel, qtbot, window, tmp_path):
    """A disk that filled after the checkpoint was written, before the model was: the box said "The model from its
    last checkpoint is installed" where the log said "model not installed: ... holds no exported model yet"."""
    run = tmp_path / "runs" / "tiny-student"
    run.mkdir(parents=True)
    fail_after_a_checkpoint(panel, qtbot, run, "sys.exit(1)")
    assert "model not installed: " in panel.log.toPlainText() and not list(user_models_dir().glob("tiny-student*"))
    said = window.error_box.text()
    assert "installed; Resume" not in said, said
    assert said.endswith("The model is not installed (the log says why), but its last checkpoint is intact: Resume "
                         "continues from it, and installs the model when it ends."), said
    assert not panel.compare_button.isVisible()


def fail_after_a_checkpoint(panel, qtbot, run_dir: Path, end: str) -> None:
    """Run a stand-in trainer of the tab's run in `run_dir` that writes its checkpoint and then ends by `end` (Python:
    an exit, a kill), to its failure."""
    panel.run_dir = run_dir
    panel.last_model = ("upscale", "tiny-student", "")
    panel.started, panel.checkpoint_at_start = time.monotonic(), None
    process = TrainerProcess(None, panel)
    process.finished.connect(panel._finished)
    checkpoint = run_dir / "checkpoint.json"
    process.start(sys.executable, ["-c", f"import os, pathlib, sys; "
                                         f"pathlib.Path({str(checkpoint)!r}).write_text('{{}}'); {end}"])
    assert process.waitForStarted()
    panel.process = process
    with qtbot.waitSignal(process.finished, timeout=10_000):
        pass


def test_a_new_run_sets_aside_the_metrics_of_a_run_killed_before_its_first_checkpoint(panel, tmp_path):
    """An out-of-memory kill leaves metrics.jsonl without a checkpoint; Start is allowed there, and its curves
    must not begin with that run's steps: the file is set aside before the tail (and the trainer) starts."""
    run = tmp_path / "runs" / "tiny-student"
    run.mkdir(parents=True)
    leftover = "".join(json.dumps({"step": s, "loss": 0.5}) + "\n" for s in (10, 20, 30))
    (run / "metrics.jsonl").write_text(leftover)
    prepare(panel, resume=False)
    [kept] = run.glob("metrics.*.jsonl")
    assert kept.read_text() == leftover and not (run / "metrics.jsonl").exists()
    assert str(kept) in panel.log.toPlainText()
    (run / "metrics.jsonl").write_text(leftover)  # a resumed run goes on with its own curves
    write_checkpoint(run)
    prepare(panel, resume=True)
    assert (run / "metrics.jsonl").read_text() == leftover and list(run.glob("metrics.*.jsonl")) == [kept]


def test_the_validation_clip_expands_home_and_must_be_a_full_path(panel, qtbot, window):
    """The trainer is another process: a relative name would be looked up wherever the app was started."""
    panel.form.val.setText("~/clip.mp4")
    assert panel.form.options()["val"] == [str(Path.home() / "clip.mp4")]
    panel.form.val.setText("clip.mp4")
    assert "the validation clip must be a full path" in refusal(panel, qtbot, window)
    assert "~ is your home folder" in panel.form.val.toolTip() and "~ is your home folder" in panel.form.runs_dir.toolTip()


def test_start_refuses_a_validation_clip_inside_the_data_before_writing_anything(panel, qtbot, window, tmp_path):
    panel.form.val.setText(str(tmp_path / "data" / "clip.mp4"))
    assert "part of the training data" in refusal(panel, qtbot, window)
    assert not (tmp_path / "runs").exists()
    (tmp_path / "data" / "hard link.mp4").hardlink_to(tmp_path / "held out.mp4")  # the same file by another name
    panel.form.val.setText(str(tmp_path / "held out.mp4"))
    assert "part of the training data" in refusal(panel, qtbot, window)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("outcome", ["passes", "refuses"])
def test_a_window_closed_during_the_held_out_check_starts_nothing(panel, qtbot, window, monkeypatch, outcome):
    def slow_check(val, data, exclude=None):
        time.sleep(0.5)
        if outcome == "refuses":
            raise VsrAppError("stand-in refusal")

    monkeypatch.setattr(train_panel, "check_held_out", slow_check)
    panel.start()
    window.close()  # waits for the check's thread; its outcome arrives after
    qtbot.wait(200)
    assert panel.process is None and not (panel.form.runs_folder() / "tiny-student").exists()
    assert window.error_box is None or not window.error_box.isVisible()


def test_the_held_out_check_takes_the_vfi_exclude_as_the_command_line_does(panel, qtbot, window, monkeypatch):
    """A VFI validation clip inside the data is fine when "exclude" holds it out (the project's VFI configs do so);
    VSR has no such option."""
    asked = []

    def check(val, data, exclude=None):
        asked.append(exclude)
        raise VsrAppError("stand-in refusal")

    monkeypatch.setattr(train_panel, "check_held_out", check)
    assert "stand-in refusal" in refusal(panel, qtbot, window)
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    panel.form.distill.setCurrentIndex(panel.form.distill.findData("none"))  # no VFI teacher in the test's models
    panel.form.extra.setText(json.dumps({"threads": 1, "exclude": ["held out.mp4"]}))
    assert "stand-in refusal" in refusal(panel, qtbot, window)
    assert asked == [None, ["held out.mp4"]]


def test_an_unexpected_error_after_the_check_is_reported_and_unlocks_the_form(panel, qtbot, window, monkeypatch):
    calls = []

    def target_unreadable_the_second_time(*args, **kwargs):  # at Start it was fine; the drive failed meanwhile
        calls.append(args)
        if len(calls) > 1:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(run_checks, "check_model_target", target_unreadable_the_second_time)
    assert "Input/output error" in refusal(panel, qtbot, window)
    assert len(calls) == 2 and "Checking" not in panel.status.text()


def test_the_held_out_check_walks_the_data_off_the_gui_thread(panel, qtbot, window, monkeypatch):
    """A data set of hundreds of thousands of frames takes seconds to walk: the window must keep painting, and
    the form stays locked until the trainer starts."""
    checked_on = []

    def slow_check(val, data, exclude=None):
        checked_on.append(threading.current_thread())
        time.sleep(0.5)
        raise VsrAppError("stand-in refusal")

    monkeypatch.setattr(train_panel, "check_held_out", slow_check)
    panel.start()
    assert not panel.start_button.isEnabled() and not panel.resume_button.isEnabled()
    assert not panel.stop_button.isEnabled() and not panel.form.val.isEnabled() and "Checking" in panel.status.text()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=5_000)
    assert "stand-in refusal" in window.error_box.text()
    assert panel.start_button.isEnabled() and panel.form.val.isEnabled() and not panel.running()
    assert "Checking" not in panel.status.text()  # what it said before the start
    assert checked_on and checked_on[0] is not threading.main_thread()
    assert not (panel.form.runs_folder() / "tiny-student").exists()


def metrics_lines(steps, loss: float = 1.0) -> str:
    return "".join(json.dumps({"step": s, "loss": loss / s}) + "\n" for s in steps)


def replace_file(path: Path, text: str) -> None:
    """What the trainer's atomic_write does: a new file renamed over the old one."""
    tmp = path.with_name(".metrics.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def test_the_curves_show_each_step_once_when_a_resume_rewrites_the_metrics(window, tmp_path):
    """A resume after a hard kill rewrites metrics.jsonl without the steps lost since the checkpoint and then logs
    them again; the tab tails the file all along. Its curves must not repeat steps or read into the middle of a
    line of the new file."""
    panel, metrics = window.train, tmp_path / "metrics.jsonl"
    metrics.write_text(metrics_lines(range(1, 7)))  # the killed run got to step 6; its checkpoint is at step 2
    panel.tail = MetricsTail(metrics)
    panel._poll()
    replace_file(metrics, metrics_lines([1, 2]))  # the resume drops steps 3-6 (polled before it logs again)
    panel._poll()
    assert panel.plots.series["loss"][0] == [1, 2]
    with open(metrics, "a") as fh:
        fh.write(metrics_lines([3, 4], loss=2.0))
    panel._poll()
    assert panel.plots.series["loss"] == ([1, 2, 3, 4], [1.0, 0.5, 2 / 3, 0.5])
    replace_file(metrics, metrics_lines([1, 2]) + metrics_lines(range(3, 12), loss=3.0))  # polled after it logs
    panel._poll()
    assert panel.plots.series["loss"] == ([1, 2, *range(3, 12)], [1.0, 0.5] + [3 / s for s in range(3, 12)])


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_under_the_run_still_ends_the_run_in_the_tab(panel, qtbot, window, tmp_path, monkeypatch):
    """The tab keeps the trainer's output in RUN/gui-log.txt. On a full disk (where the trainer fails, saying so)
    that write fails too: the tab must still show the trainer's message and unlock the form."""
    from vsr_app.gui import trainer_process

    monkeypatch.setattr(trainer_process, "open", no_space, raising=False)
    panel.run_dir = tmp_path / "run"
    panel.run_dir.mkdir()
    panel.started, panel.checkpoint_at_start, panel.new_run_made_dir = time.monotonic(), None, None
    process = TrainerProcess(panel.run_dir / LOG_NAME, panel)
    panel._attach(process)  # the trainer's last lines are read when it ends
    panel._set_running(True)
    said = ("vsr-app: error: no space left on the disk while saving the checkpoint in RUN; the last complete "
            "checkpoint is intact (continue with `vsr-app train vsr --out RUN --resume` once this is fixed)")
    with qtbot.waitSignal(process.finished, timeout=10_000):
        process.start(sys.executable, ["-c", f"print({said!r}); exit(1)"])
    assert window.error_box is not None and "no space left on the disk" in window.error_box.text()
    assert "intact (press Resume once this is fixed)" in window.error_box.text()  # the tab's button, not the option
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert panel.log.toPlainText().count("cannot keep this log") == 1


def test_a_model_that_cannot_be_installed_is_said_in_the_log(panel, tmp_path, monkeypatch):
    from vsr_app.gui import run_files

    monkeypatch.setattr(run_files.shutil, "copyfile", no_space)  # the user's model folder is on a full disk
    panel.run_dir, panel.last_model = exported_run(tmp_path / "runs" / "tiny-student"), ("upscale", "tiny-student", "")
    panel._install()
    assert "model not installed: cannot copy the model" in panel.log.toPlainText()
    assert "No space left on device" in panel.log.toPlainText()


def test_the_form_offers_no_learning_rate_the_trainer_refuses(panel):
    panel.form.inputs["lr"].setValue(0)
    assert panel.form.options()["lr"] > 0


def test_a_run_whose_checkpoint_is_gone_is_resumed_not_overwritten(panel, qtbot, window, tmp_path):
    """Only the run's exported weights are left (its checkpoint deleted to save space): Resume continues from them
    (the trainer says so); Start would train from scratch over them, and is refused."""
    exported_run(tmp_path / "runs" / "tiny-student")
    message = refusal(panel, qtbot, window)
    assert "already holds a run" in message and "press Resume" in message
    assert "--resume" in prepare(panel, resume=True)
    panel.form.data.clear()  # a resumed run trains on its own data, as `train --resume` without --data does
    args = prepare(panel, resume=True)
    assert "--resume" in args and "--data" not in args


def test_resume_with_another_validation_clip_does_not_call_the_clip_unused(panel, tmp_path):
    """Resume passes the form's Validation clip (--val), which the trainer takes: only the edits it does not pass are
    said to be unused (the log said "changed here and not used: val" of a clip the run then validated on)."""
    run = exported_run(tmp_path / "runs" / "tiny-student")
    began = {**panel.form.options(), "val": [str(tmp_path / "old clip.mp4")], "seed": 1, "steps": 7}
    (run / "gui-options.json").write_text(json.dumps(began))
    args = prepare(panel, resume=True)
    assert args[args.index("--val") + 1] == panel.form.options()["val"][0]
    [said] = [line for line in panel.log.toPlainText().splitlines() if "changed here and not used" in line]
    assert said.endswith("changed here and not used: seed")


def test_a_run_opened_with_a_file_as_its_data_starts_with_it(panel, tmp_path):
    """A command-line run may train on a file (--data clip.mp4); Open run lists it, and Start takes it as the trainer
    does instead of calling it a folder that was not found."""
    clip = tmp_path / "data" / "clip.mp4"
    panel.form.data.clear()
    panel.form.data.addItem(str(clip))
    args = prepare(panel, resume=False)
    assert args[args.index("--data") + 1] == str(clip)


def test_a_command_line_run_in_a_folder_no_model_could_be_named_is_resumed_in_place(panel, qtbot, window, tmp_path):
    """`vsr-app train --out "runs/my run (1)"`: Open run names its model 'my-run-1', and Resume (not Start, which
    would overwrite it) continues that folder rather than a new runs/my-run-1."""
    run = exported_run(tmp_path / "runs" / "my run (1)")
    (run / "metrics.jsonl").write_text(json.dumps({"step": 1, "loss": 0.5}) + "\n")
    panel.show_run(str(run))
    assert panel.form.name.text() == "my-run-1"
    assert "already holds a run" in refusal(panel, qtbot, window)
    args = prepare(panel, resume=True)
    assert args[args.index("--out") + 1] == str(run) and "--resume" in args
    assert not (tmp_path / "runs" / "my-run-1").exists()
    panel.form.name.setText("another-name")  # a name typed after opening means that run folder, as before
    assert "nothing to resume in" in refusal(panel, qtbot, window, resume=True)


def test_open_run_keeps_a_folder_name_that_can_name_a_model_and_renames_a_shipped_one(panel, tmp_path):
    """A 64-character name (the most a model name takes) stays as it is; a run folder called like a shipped model
    gets '-run', as installing under that name would hide the model behind the shipped one."""
    shipped = tmp_path / "no-shipped-models"  # (gui_env's stand-in for models/)
    shipped.mkdir(exist_ok=True)
    (shipped / "vsr-x4-student.safetensors").write_bytes(b"")
    for folder, name in (("r" * 64, "r" * 64), ("vsr-x4-student", "vsr-x4-student-run"), ("a " * 40, "a-" * 29 + "a")):
        run = exported_run(tmp_path / "runs" / folder)
        (run / "metrics.jsonl").write_text(json.dumps({"step": 1, "loss": 0.5}) + "\n")
        panel.show_run(str(run))
        assert panel.form.name.text() == name


def test_the_distillation_menu_offers_every_mode_the_trainer_takes():
    from vsr_app.distill.options import DISTILL_MODES
    from vsr_app.gui.train_form import DISTILL

    assert {task: set(labels) for task, labels in DISTILL.items()} == {t: set(m) for t, m in DISTILL_MODES.items()}


def test_the_teacher_gets_its_own_size_and_each_net_keeps_its_own(panel):
    """Width and Residual blocks are per net: the teacher starts at its own defaults, not the student's."""
    from vsr_app.distill.vsr_task import net_settings

    net, width = panel.form.inputs["net"], panel.form.inputs["net_config.channels"]
    teacher = net_settings("teacher", {})
    net.setCurrentIndex(net.findData(choice_data("teacher")))
    assert panel.form.options()["net_config"] == {"channels": teacher["channels"], "blocks": teacher["blocks"]}
    width.setValue(48)
    net.setCurrentIndex(net.findData(choice_data("student")))
    assert panel.form.options()["net_config"] == {"channels": 4, "blocks": 1, "align": "none"}  # the fixture's student
    net.setCurrentIndex(net.findData(choice_data("teacher")))
    assert width.value() == 48
    panel.form.remember_form()
    panel.settings.remove("train/vsr/teacher")
    panel.form._task_changed()  # the next session, the teacher chosen and never sized: its own defaults
    assert panel.form.options()["net_config"]["channels"] == teacher["channels"]


def test_a_net_config_in_extra_options_adds_to_the_forms(panel):
    panel.form.extra.setText(json.dumps({"net_config": {"out_init": 1.0, "blocks": 2}}))
    assert panel.form.options()["net_config"] == {"channels": 4, "blocks": 2, "align": "none", "out_init": 1.0}


def test_open_run_shows_the_trainers_defaults_for_what_the_run_does_not_list(panel, tmp_path):
    from vsr_app.distill.options import LoopConfig
    from vsr_app.distill.vsr_task import DEFAULTS, net_settings

    run = tmp_path / "cli_run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"net": "teacher", "net_config": {}, "distill": "space",
                                                 "teacher": str(tmp_path / "teacher.safetensors")}))
    panel.form.load_run(run)
    options = panel.form.options()
    assert options["net_config"] == {key: net_settings("teacher", {})[key] for key in ("channels", "blocks")}
    assert options["batch"] == DEFAULTS["batch"] and options["steps"] == LoopConfig().steps  # not the fixture's
    assert panel.form.teacher.currentData() == str(tmp_path / "teacher.safetensors")
    assert panel.form.teacher.currentText().startswith("as in the run")


def test_form_edits_stay_with_their_task(panel):
    """A task change keeps the outgoing task's form for when it comes back (not only what the last Start saved)."""
    panel.form.inputs["batch"].setValue(5)
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    panel.form.inputs["crop"].setValue(64)
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    assert panel.form.inputs["batch"].value() == 5 and panel.form.inputs["net_config.channels"].value() == 4
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    assert panel.form.inputs["crop"].value() == 64


def test_the_interpolation_crop_takes_only_sizes_the_trainer_takes(panel, qtbot):
    """A typed crop of 100 was handed to the trainer, which refused the Start (the net works down to 1/8 scale):
    the field rounds it to the nearest multiple of 8 when editing ends, and its arrows step by 8. A 100 the form
    saved before is rounded as it is shown."""
    panel.settings.setValue("train/vfi/crop", 100)
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    crop = panel.form.inputs["crop"]
    assert crop.value() == 104
    crop.setValue(64)
    crop.setFocus()
    crop.lineEdit().selectAll()
    qtbot.keyClicks(crop, "100")
    qtbot.keyClick(crop, Qt.Key_Return)
    assert crop.value() == 104 and panel.form.options()["crop"] == 104
    crop.stepBy(1)
    assert crop.value() == 112
    crop.setValue(20)
    crop.stepBy(-1)
    assert crop.value() == 16  # snapped to 24 first, then a step down, not 12 (below the field's least)

def test_a_start_by_keyboard_leaves_the_focus_on_stop_and_a_stop_on_resume(panel, qtbot, window, monkeypatch):
    """Start pressed with Space was disabled and its focus went on to the curves' unnamed Smoothing box, five Tabs
    from Stop (and stayed there after Stop)."""
    window.activateWindow()
    qtbot.waitActive(window)
    panel.start_button.setFocus()
    qtbot.waitUntil(panel.start_button.hasFocus)
    panel._set_running(True)
    assert panel.stop_button.hasFocus()
    panel._park_focus(panel.stop_button)  # a start's validation clip being checked: nothing to stop yet
    panel._set_running(True)  # the trainer launched
    assert panel.stop_button.hasFocus()
    panel.process = TrainerProcess(None, panel)  # not started: Stop's SIGTERM goes nowhere
    with monkeypatch.context() as m:
        m.setattr(panel, "running", lambda: True)
        panel.stop()  # Stop is disabled until the trainer has written its checkpoint and exited
        assert not panel.plots.smoothing.hasFocus() and panel.log.hasFocus()  # not the curves' Smoothing box
    panel._set_running(False)  # it exited
    assert panel.resume_button.hasFocus()
    panel.form.inputs["steps"].setFocus()  # Alt+S from a field: the form locks, and its field lost the focus to none
    qtbot.waitUntil(panel.form.inputs["steps"].hasFocus)
    panel._set_running(True)
    assert panel.stop_button.hasFocus()


def test_extra_options_are_each_tasks_own(panel):
    """Extra options of one task would be refused by the other's trainer; those saved before they were per task
    start both tasks."""
    vsr_extra = panel.form.extra.text()
    panel.settings.setValue("train/extra", '{"seed": 2}')
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    assert panel.form.extra.text() == '{"seed": 2}'
    panel.form.extra.setText('{"seed": 3}')
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    assert panel.form.extra.text() == vsr_extra
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    assert panel.form.extra.text() == '{"seed": 3}'


def test_the_train_form_is_kept_when_the_window_closes_without_a_run(window, qtbot):
    from PySide6.QtCore import QSettings

    from vsr_app.gui.main_window import MainWindow

    window.train.form.inputs["batch"].setValue(17)
    window.close()
    again = MainWindow(QSettings())
    qtbot.addWidget(again)
    assert again.train.form.inputs["batch"].value() == 17


@pytest.mark.parametrize("size", [(1440, 900), (1024, 700)])
def test_the_run_buttons_stay_in_sight_wherever_the_form_is_scrolled(window, qtbot, size):
    """In the default window the run buttons were the form's last row, below its fold (Start at y=1235 in an 827-px
    scroll area): Stop out of sight during a run. They sit below the scrolling form now."""
    window.resize(*size)
    panel = window.train
    window.tabs.setCurrentWidget(panel)
    qtbot.wait(50)
    panel._set_running(True)  # as during a run
    bar = panel.form_scroll.verticalScrollBar()
    assert bar.maximum() > 0  # the form is longer than its side of the tab
    for position in (0, bar.maximum()):
        bar.setValue(position)
        for button in (panel.start_button, panel.resume_button, panel.stop_button, panel.open_run_button):
            shown = QRect(button.mapTo(panel, QPoint(0, 0)), button.size())
            assert not button.visibleRegion().isEmpty() and panel.rect().contains(shown), (button.text(), shown)
    assert panel.stop_button.isEnabled()


def test_a_run_locks_every_control_of_the_form(panel):
    """Add folder, Remove and the path pickers stayed usable during a run: a folder added then is not the run's data,
    yet the form showed it as such."""
    form = panel.form_scroll.widget()
    controls = [w for kind in (QPushButton, QLineEdit, QComboBox, QAbstractSpinBox, QListWidget)
                for w in form.findChildren(kind)]
    panel._set_running(True)
    assert [c for c in controls if c.isEnabled()] == []
    panel._set_running(False)
    pickers = [b for b in form.findChildren(QPushButton) if b.text().replace("&", "") in ("Add folder\u2026", "Remove")
               or b.toolTip().startswith("Choose")]
    assert len(pickers) == 5 and all(b.isEnabled() for b in pickers)  # with the clip's, runs folder's, Start from's


def installed_run(runs: Path, name: str, distill: str, teacher: str | None) -> Path:
    """A finished run whose model the tab installed: a real (tiny) student, which the viewer can load, and the options
    it began with (config.json, which Browse runs loads)."""
    run = runs / name
    save_model(build_arch("vsr_student", {"channels": 4, "blocks": 1}), run / "model.safetensors", {
        "task": "upscale", "scale": 4, "arch": "vsr_student", "config": {"channels": 4, "blocks": 1},
        "training": {"run_dir": str(run), "distill": distill, "teacher": teacher}})
    (run / "metrics.jsonl").write_text(metrics_lines([1, 2]))
    (run / "config.json").write_text(json.dumps({"task": "vsr", "distill": distill, "teacher": teacher}))
    install_run_model(run, name)
    return run


def test_compare_after_open_run_shows_the_opened_runs_model(panel, qtbot, window, tmp_path):
    """Train runA, then runB, then Open run on runA: Compare still showed runB. It shows the opened run's model
    against that run's own teacher (the baseline when it has none or it is not installed), and is hidden for a run
    whose model is not installed."""
    runs = tmp_path / "runs"
    run_a = installed_run(runs, "runA", "space", "teacher-of-a")
    installed_run(runs, "runB", "space", "vsr-x4-teacher")
    run_c = installed_run(runs, "runC", "none", "vsr-x4-teacher")
    panel.modelsChanged.emit()  # as each run's end did
    panel.last_model = ("upscale", "runB", "vsr-x4-teacher")  # runB just ended
    panel.compare_button.show()
    panel.show_run(str(run_a))
    assert panel.compare_button.isVisible() and panel.last_model == ("upscale", "runA", "teacher-of-a")
    panel.compare_button.click()
    assert window.tabs.currentIndex() == 0 and window.viewer.sides == ("runA", "bicubic")  # no teacher-of-a here
    window.tabs.setCurrentWidget(panel)
    panel.show_run(str(run_c))
    assert panel.last_model == ("upscale", "runC", "")  # trained without a teacher: against the baseline
    cli_run = exported_run(runs / "cli-run")  # a command-line run: its model not installed
    (cli_run / "metrics.jsonl").write_text(metrics_lines([1]))
    panel.show_run(str(cli_run))
    assert not panel.compare_button.isVisible() and panel.last_model is None


def pruned_net(folder: Path) -> tuple[Path, int]:
    """A net as `prune vfi` leaves it (a vfi_mini width plan, its card beside it), and its parameter count."""
    widths = {group: max(2, width // 4) for group, width in default_widths(32).items()}
    net = build_arch("vfi_mini", {"widths": widths})
    path = save_model(net, folder / "pruned.safetensors", {
        "task": "interpolate", "scale": 2, "arch": "vfi_mini", "config": {"widths": widths, **net.arch_config()}})
    return path, count_params(net)


def test_the_form_says_the_size_of_the_net_it_trains_and_vfi_can_start_from_a_pruned_one(panel, qtbot, tmp_path,
                                                                                          monkeypatch):
    """The interpolation defaults trained a teacher-sized net (2.8 M, ~20x the shipped student) and nothing said so.
    The form counts the parameters (on a worker: it builds the net as the trainer does) and offers the README's
    route to a compact student: start from a pruned net, whose card gives the architecture."""
    counted_on = []
    count = train_form_widget.net_size
    monkeypatch.setattr(train_form_widget, "net_size",
                        lambda task, options: counted_on.append(threading.current_thread()) or count(task, options))
    student = count_params(build_arch("vsr_student", {"channels": 4, "blocks": 1}))
    qtbot.waitUntil(lambda: panel.form.net_size.text() == fmt.params(student), timeout=10_000)
    assert panel.form.start_from.isVisible() and not panel.form.prune_button.isVisible()  # VSR prunes nothing
    panel.form.inputs["net_config.channels"].setValue(8)
    wider = count_params(build_arch("vsr_student", {"channels": 8, "blocks": 1}))
    qtbot.waitUntil(lambda: panel.form.net_size.text() == fmt.params(wider), timeout=10_000)
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    qtbot.waitUntil(lambda: panel.form.net_size.text() == "2.8 M", timeout=10_000)  # the teacher's 2,824,471
    assert panel.form.start_from.isVisible() and "prune vfi" in panel.form.start_note.text()
    pruned, small = pruned_net(tmp_path / "prune run")
    panel.form.start_from.setText(str(pruned))
    sized = f"{fmt.params(small)}: Start from's card gives its net (the greyed fields are not used)"
    qtbot.waitUntil(lambda: panel.form.net_size.text() == sized, timeout=10_000)
    assert not panel.form.inputs["base"].isEnabled()  # the pruned net's card sizes it
    panel.form.distill.setCurrentIndex(panel.form.distill.findData("none"))  # no VFI teacher in the test's models
    prepare(panel, resume=False)
    options = json.loads((panel.run_dir / "gui-options.json").read_text())
    assert options["init_from"] == str(pruned) and "base" not in options
    panel.form.start_from.setText("pruned.safetensors")
    qtbot.waitUntil(lambda: "Start from must be a full path" in panel.form.net_size.text(), timeout=10_000)
    panel.form.start_from.clear()
    qtbot.waitUntil(lambda: panel.form.net_size.text() == "2.8 M", timeout=10_000)
    assert panel.form.inputs["base"].isEnabled()
    assert counted_on and threading.main_thread() not in counted_on
    (panel.run_dir / "config.json").write_text(json.dumps({"options": {"init_from": str(pruned)}}))
    panel.form.load_run(panel.run_dir)  # Open run of such a run shows where it started
    assert panel.form.start_from.text() == str(pruned)
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    assert panel.form.start_from.text() == str(pruned)  # kept per task, as Extra options are


def feed_log(panel, lines: list[str]) -> None:
    """What a trainer's output does to the tab: these lines, as its process gives them out."""
    process = TrainerProcess(None, panel)
    panel._attach(process)
    try:
        process.lines.emit(lines)
    finally:
        panel.process = None


def test_the_log_follows_the_trainer_unless_scrolled_up(panel, window):
    """After a run the log showed its first lines (scroll bar 1 / 301): Qt follows new lines only in a visible log
    at its end, so output that came while another tab was shown left it behind for good."""
    bar = panel.log.verticalScrollBar()
    feed_log(panel, [f"step={i}/300" for i in range(5)])
    window.tabs.setCurrentIndex(0)  # the user looks at the Compare tab during the run
    feed_log(panel, [f"step={i}/300 loss=0.5" for i in range(5, 300)])
    window.tabs.setCurrentWidget(panel)
    assert 0 < bar.value() == bar.maximum()
    bar.triggerAction(QAbstractSlider.SliderPageStepSub)  # scrolled up to read: the view stays there
    held = bar.value()
    feed_log(panel, ["step=300/300", "model written"])
    assert bar.value() == held < bar.maximum()
    bar.triggerAction(QAbstractSlider.SliderToMaximum)  # back at the end: it follows again
    feed_log(panel, ["model 'tiny-student' installed"])
    assert bar.value() == bar.maximum()


def test_the_train_tab_fits_an_800_px_window_and_its_form_comes_back_whole_when_it_grows(window, qtbot):
    """The window could not shrink below 821 px with the Train tab shown (an unwrapped progress heading held it), and
    a form squeezed once stayed cut sideways when the window grew back (to a width that holds it beside the curves;
    an 800-px one leaves the curves their room, and the form scrolls: tests/test_gui_train_layout.py)."""
    panel = window.train
    window.tabs.setCurrentWidget(panel)
    panel.status.setText("Step 12,345 / 100,000   \u00b7   0.42 s/step   \u00b7   9 h 3 min left   \u00b7   "
                         "val PSNR 31.25 dB")  # as during a run, its Compare button shown after a Stop
    panel.compare_button.show()
    assert panel.minimumSizeHint().width() <= 760  # an 800-px window holds it, with its frame
    panel.outer.setSizes([200, 2000])  # as a window too narrow for the form leaves it
    window.resize(1024, 600)
    qtbot.wait(50)
    assert_form_fits(panel)


def ended_trainer(panel, qtbot, code: str, stopping: bool = False) -> None:
    """A stand-in trainer (`python -c CODE`), run as the tab runs one, to its end (`stopping`: as after a Stop)."""
    process = TrainerProcess(panel.run_dir / LOG_NAME, panel)
    panel._attach(process)
    process.stopping, panel.started = stopping, time.monotonic()
    with qtbot.waitSignal(process.finished, timeout=10_000):
        process.start(sys.executable, ["-c", code])


def test_a_failed_run_says_its_cause_in_one_line_and_where_its_log_is(panel, qtbot, window, tmp_path):
    """The box held the traceback's last six lines, from a bare ^^^ line on, and did not say where the rest was."""
    panel.run_dir = tmp_path / "runs" / "tiny-student"
    panel.run_dir.mkdir(parents=True)
    ended_trainer(panel, qtbot, "print('step=1/60 loss=0.5', flush=True)\nfrom os import _check_resume_flags")
    text = whole_message(window.error_box)
    assert text.splitlines()[0].startswith("ImportError: cannot import name '_check_resume_flags'")
    assert "Traceback" not in text and "File " not in text and "step=1" not in text
    assert "code 1" in text and str(panel.run_dir / LOG_NAME) in text
    assert "Traceback" in panel.log.toPlainText()  # the whole output is there


def test_a_failure_cause_is_the_cli_error_or_the_last_exception():
    assert failure_cause(["data: x", "vsr-app: error: unknown options: a", "done"]) == \
        "unknown options: a"  # the CLI's "vsr-app: error: " is terminal wording
    chained = ["Traceback (most recent call last):", "KeyError: 'a'", "", "During handling of the above exception, "
               "another exception occurred:", "  File \"x.py\", line 1", "    f()", "    ^^^", "RuntimeError: b"]
    assert failure_cause(chained) == "RuntimeError: b"
    assert failure_cause(["step=3/60"]) == "it gave no reason; its last line: step=3/60"


def test_stop_pressed_as_the_run_ends_reports_it_finished(panel, qtbot, window, tmp_path):
    """Stop clicked while the last steps were written said "Stopped; Resume continues from here" for a run that had
    finished (exit 0, step 60 of 60), and Resume then trained nothing."""
    panel.run_dir = tmp_path / "runs" / "tiny-student"
    panel.run_dir.mkdir(parents=True)
    panel.last_model = ("upscale", "tiny-student", "")
    metrics = panel.run_dir / "metrics.jsonl"
    for last, said in ((60, "Finished"), (30, "Stopped")):  # 0 short of the steps: a stop (a resume's own length)
        metrics.write_text(metrics_lines(range(1, last + 1)))
        panel.plots.reset()
        panel.tail, panel.total_steps = MetricsTail(metrics), 60
        ended_trainer(panel, qtbot, "pass", stopping=True)
        assert panel.status.text().startswith(said), panel.status.text()
    assert window.error_box is None


def test_a_resume_that_trains_nothing_says_so_not_finished(panel, qtbot, window, tmp_path):
    """Resume of a finished run at its own Steps: the trainer trains nothing and writes no checkpoint, and the tab
    said "Finished after 3 s." as if it had trained."""
    from safetensors.torch import save_file

    panel.run_dir = exported_run(tmp_path / "runs" / "tiny-student")
    save_file({"w": torch.zeros(1)}, str(panel.run_dir / "checkpoint.safetensors"), metadata={"step": "60"})
    checkpoint = panel.run_dir / "checkpoint.json"
    checkpoint.write_text("{}")
    panel.last_model, panel.total_steps = ("upscale", "tiny-student", ""), 60
    panel.checkpoint_at_start = panel._checkpoint_stamp()
    ended_trainer(panel, qtbot, "print('nothing to train: the run is at step 60 of 60')")
    assert panel.status.text() == ('Nothing to train: the run is at step 60 of 60; set Steps (or "steps" in Extra '
                                   'options, which wins) above 60 to train on.')
    assert window.error_box is None
    ended_trainer(panel, qtbot, f"open({str(checkpoint)!r}, 'w').write('{{}}')")  # a run that trained: checkpointed
    assert panel.status.text().startswith("Finished after")


def test_a_checkpoint_rewritten_within_a_tick_of_the_disks_clock_counts_as_saved(panel, qtbot, tmp_path):
    """Only the checkpoint's time was compared: on a disk whose clock ticks coarsely (FAT's 2 s) one written soon
    after the last kept its time, and a stopped run that had saved was said to have had nothing to save."""
    panel.run_dir = exported_run(tmp_path / "runs" / "tiny-student")
    checkpoint = panel.run_dir / "checkpoint.json"
    checkpoint.write_text("{}")
    panel.last_model, panel.total_steps = ("upscale", "tiny-student", ""), 60
    panel.checkpoint_at_start = panel._checkpoint_stamp()
    tick = checkpoint.stat().st_mtime_ns
    ended_trainer(panel, qtbot, f"import os; open({str(checkpoint)!r}, 'w').write('{{\"step\": 1}}'); "
                                f"os.utime({str(checkpoint)!r}, ns=({tick}, {tick}))", stopping=True)
    assert panel.status.text().endswith("; Resume continues from here."), panel.status.text()


def test_a_task_switch_keeps_the_shown_run_labelled_with_its_task(panel, tmp_path):
    """After a VSR run, Task set to interpolation still showed that run's curves, heading and Compare beside the VFI
    form as if they were its own. They stay (a look at the other form must not lose a finished run), labelled."""
    run = installed_run(tmp_path / "runs", "runA", "none", None)
    panel.show_run(str(run))
    label = panel.run_label
    assert label.isVisible() and "runA" in label.text() and "super-resolution" in label.text()
    assert "not the task" not in label.text()
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    assert "runA" in label.text() and "super-resolution" in label.text() and "not the task" in label.text()
    assert panel.compare_button.isVisible() and panel.last_model[1] == "runA"
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    assert "not the task" not in label.text()


def prune_run(folder: Path, finished: bool = True) -> Path:
    """A folder as `vsr-app prune vfi --steps 3` leaves it: its config (the command, no distillation, a pruning lr),
    curves and, once it ended, its pruned net."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({
        "command": "prune vfi", "data": [str(folder)], "teacher": "vfi-x2-teacher", "distill": "none",
        "options": {"steps": 3, "lr": 0.01, "val_every": 200, "target_params_ratio": 0.1}}))
    (folder / "metrics.jsonl").write_text(metrics_lines(range(1, 4)))
    if finished:
        pruned_net(folder)
    return folder


def test_open_run_on_a_prune_run_offers_its_pruned_net_and_leaves_the_form_alone(panel, tmp_path, window):
    """Open run on a prune folder overwrote the form with its options (Distillation None, lr 0.01, 3 steps, no
    Start from nor validation clip) and made it the form's run, which Resume then could not continue; the next run
    trained undistilled. Its curves are shown, its pruned net offered as the interpolation form's Start from."""
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    panel.form.distill.setCurrentIndex(panel.form.distill.findData("laplacian"))
    panel.form.inputs["lr"].setValue(0.0005)
    panel.form.inputs["steps"].setValue(500)
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    form = (panel.form.name.text(), panel.form.runs_dir.text(), panel.form.val.text(), panel.form.data.item(0).text())
    run = prune_run(tmp_path / "prune run")
    panel.show_run(str(run))
    assert panel.plots.last_step() == 3 and panel.status.text().startswith("Pruning run prune run")
    assert panel.form.current_task() == "vfi" and panel.form.start_from.text() == str(run / "pruned.safetensors")
    assert panel.form.distill.currentData() == "laplacian" and panel.form.inputs["lr"].value() == 0.0005
    assert panel.form.inputs["steps"].value() == 500
    assert (panel.form.name.text(), panel.form.runs_dir.text(), panel.form.val.text(), panel.form.data.item(0).text()) == form
    assert panel.form.data.count() == 1  # Resume continues the form's run, never the prune folder:
    assert run_folder(panel.form.runs_folder(), panel.form.name.text(), panel.opened_run) != run
    label = panel.run_label.text()
    assert "pruning run" in label and "form keeps its own settings" in label and "Start from" in label
    assert not panel.form.continue_prune_button.isVisible()  # it ended
    stopped = prune_run(tmp_path / "stopped prune", finished=False)
    panel.show_run(str(stopped))
    assert "no pruned.safetensors and no checkpoint" in panel.run_label.text()
    assert not panel.form.continue_prune_button.isVisible()  # nothing to go on from
    (stopped / "checkpoint.safetensors").write_bytes(b"")
    panel.form.task.setCurrentIndex(panel.form.task.findData("vsr"))
    panel.show_run(str(stopped))
    assert "stopped before its pruned.safetensors" in panel.run_label.text()
    assert panel.form.current_task() == "vfi" and panel.form.continue_prune_button.isVisible()  # on screen, not in a VSR form
    (stopped / "checkpoint.safetensors").unlink()
    panel.continue_pruning()  # gone since it was shown: said, and the button goes
    assert "nothing left to continue" in window.error_box.text() and not panel.form.continue_prune_button.isVisible()
    assert not panel.running()
    assert panel.form.start_from.text() == str(run / "pruned.safetensors")  # not a net that is not there


def test_the_prune_step_is_spelled_with_the_forms_data_ready_to_copy(panel, tmp_path):
    """The note said `--data DIR --out PRUNE_RUN`: placeholders to type over, though the form has the data."""
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    spaced = tmp_path / "my clips"
    panel.form.data.addItem(str(spaced))
    out = tmp_path / "runs" / "prune-vfi"
    command = shlex.join(["vsr-app", "prune", "vfi", "--teacher", "vfi-x2-teacher", "--data",
                          panel.form.data.item(0).text(), "--data", str(spaced), "--out", str(out)])
    note = panel.form.start_note.text()
    assert html.escape(command) in note and "'" in command
    assert 'the "Prune teacher" button runs' in note and "sets Start from to the pruned.safetensors it makes" in note
    panel.form.data.clear()
    assert "--data DIR" in panel.form.start_note.text()  # no data yet: where it goes
    prune_run(out)  # an earlier pruning: the next goes beside it, never over it
    panel.form.data.addItem(str(spaced))  # (the note follows the form, and the tab's runs)
    assert html.escape(str(tmp_path / "runs" / "prune-vfi-2")) in panel.form.start_note.text()


def test_free_prune_folder_skips_folders_that_hold_anything(tmp_path):
    assert free_prune_folder(tmp_path) == tmp_path / "prune-vfi"
    (tmp_path / "prune-vfi").mkdir()
    assert free_prune_folder(tmp_path) == tmp_path / "prune-vfi"  # empty: nothing to lose
    (tmp_path / "prune-vfi" / "gui-log.txt").write_text("x")
    (tmp_path / "prune-vfi-2").write_text("a file, not a folder")
    assert free_prune_folder(tmp_path) == tmp_path / "prune-vfi-3"


def test_a_runs_folder_that_cannot_be_used_is_said_not_a_frozen_tab(pruning, qtbot, window, tmp_path):
    """A Runs folder whose prune folders could not be looked at (a name too long, a folder not the user's) froze the
    tab: the free prune folder was sought for ever, on the window's thread, on every key typed."""
    too_long = tmp_path / ("x" * 300)
    with pytest.raises(VsrAppError, match="cannot use the Runs folder .*File name too long"):
        free_prune_folder(too_long)
    pruning.form.runs_dir.setText(str(too_long))  # the note falls back to the default Runs folder's
    assert html.escape(str(default_runs_dir() / "prune-vfi")) in pruning.form.start_note.text()
    pruning.prune()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=5_000)
    assert "cannot use the Runs folder" in whole_message(window.error_box) and not pruning.running()


def tiny_vfi_teacher() -> str:
    """A trained-looking interpolation teacher in the user's models folder (where the pruner's process finds it
    too), small enough to prune in seconds."""
    torch.manual_seed(0)
    save_model(VFINet(base=8, kernel=3), user_models_dir() / "tiny-vfi-teacher.safetensors", {
        "name": "tiny-vfi-teacher", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet",
        "config": {"base": 8, "kernel": 3}})
    return "tiny-vfi-teacher"


@pytest.fixture
def pruning(panel, tmp_path, monkeypatch):
    """The interpolation form with a tiny teacher, and Prune made short (the tab runs the pruner's defaults)."""
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    teacher = tiny_vfi_teacher()
    panel.form.refresh_models()
    panel.form.teacher.setCurrentIndex(panel.form.teacher.findData(teacher))
    config = tmp_path / "short prune.json"
    config.write_text(json.dumps({"crop": 32, "batch": 1, "log_every": 1, "threads": 1, "min_width": 2}))
    full = train_panel.prune_arguments
    monkeypatch.setattr(train_panel, "prune_arguments",
                        lambda *a: full(*a) + ["--steps", "4", "--config", str(config)])
    return panel


def test_prune_teacher_runs_the_pruner_and_its_net_becomes_start_from(pruning, qtbot, window, tmp_path):
    """The packaged app has no `vsr-app` to paste the prune command into: the tab runs it, followed like a
    training run, and starts the compact student from its net."""
    panel = pruning
    assert panel.form.prune_button.isVisible() and panel.form.prune_button.isEnabled()
    panel.prune()
    assert not panel.form.prune_button.isEnabled()  # the form is locked, as for a training run, from the clip's check
    qtbot.waitUntil(panel.running, timeout=10_000)  # after the held-out check, as for Start
    assert panel.process.arguments()[2:6] == ["prune", "vfi", "--teacher", "tiny-vfi-teacher"]
    qtbot.waitUntil(lambda: not panel.running(), timeout=120_000)
    run = tmp_path / "runs" / "prune-vfi"
    assert panel.status.text().startswith("Pruned after"), panel.log.toPlainText()
    assert panel.form.start_from.text() == str(run / "pruned.safetensors") and (run / "pruned.safetensors").is_file()
    assert "now the Start from" in panel.run_label.text() and panel.plots.last_step() == 4
    assert "pruned " in (run / LOG_NAME).read_text()  # its output kept, as a training run's
    assert panel.last_model is None and not panel.compare_button.isVisible()  # nothing installed
    assert window.error_box is None or not window.error_box.isVisible()
    assert "prune-vfi-2" in panel.form.start_note.text()  # the next pruning goes beside this one


def test_a_stopped_pruning_is_continued_and_a_refused_one_leaves_nothing(pruning, qtbot, window, tmp_path,
                                                                         monkeypatch):
    panel = pruning
    full = train_panel.prune_arguments
    monkeypatch.setattr(train_panel, "prune_arguments", lambda *a: full(*a)[:-4] + ["--steps", "100000"] +
                        full(*a)[-2:])
    panel.prune()
    qtbot.waitUntil(lambda: panel.plots.last_step() >= 1, timeout=120_000)
    assert not panel.form.continue_prune_button.isVisible()
    work = window._work()  # what the status bar and a quit's question say of it
    assert work[0][0] == "pruning" and work[0][1].startswith("Pruning: step") and "checkpoint" in work[0][2]
    with qtbot.waitSignal(panel.process.finished, timeout=60_000):
        panel.stop()
    assert "Continue pruning goes on" in panel.status.text() and panel.form.start_from.text() == ""
    assert "stopped before its pruned.safetensors" in panel.run_label.text()  # not "becomes Start from when it ends"
    assert panel.form.continue_prune_button.isVisible() and panel.form.prune_button.isVisible()
    assert "prune-vfi-2" in panel.form.start_note.text()  # Prune teacher would start another beside it
    assert window.error_box is None or not window.error_box.isVisible()

    run = panel.run_dir
    config = json.loads((run / "config.json").read_text())
    config["options"]["steps"] = panel.plots.last_step() + 2  # (a short one: the test's run was made endless)
    (run / "config.json").write_text(json.dumps(config))
    moved = tmp_path / "data moved"  # the run's data, moved since: the form names its new place, as for Resume,
    (tmp_path / "data").rename(moved)
    panel.form.data.addItem(str(moved))  # added beside the old entry, which is left out

    panel.continue_pruning()
    assert panel.process.arguments()[2:] == ["prune", "vfi", "--out", str(run), "--resume",
                                             "--teacher", "tiny-vfi-teacher", "--data", str(moved)]
    qtbot.waitUntil(lambda: not panel.running(), timeout=120_000)
    assert panel.status.text().startswith("Pruned after"), panel.log.toPlainText()
    assert panel.form.start_from.text() == str(run / "pruned.safetensors") and not panel.form.continue_prune_button.isVisible()
    assert f"resumed {run} at step" in panel.log.toPlainText()
    assert f"it trains on {moved} from now on" in panel.log.toPlainText()
    assert "own teacher" not in panel.log.toPlainText()  # the form's is the run's: nothing to say of it

    panel.form.data.takeItem(0)  # the old entry: a new pruning refuses data not found
    monkeypatch.setattr(train_panel, "prune_arguments", lambda *a: full(*a) + ["--target-params-ratio", "2"])
    panel.prune()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=60_000)
    assert "less than 1, not 2" in window.error_box.text() and "pruner exited with code 2" in window.error_box.text()
    assert not (tmp_path / "runs" / "prune-vfi-2").exists()  # a refused start leaves nothing
    assert "prune-vfi-2" in panel.form.start_note.text() and not panel.run_label.isVisible()  # free again, nothing shown


def test_prune_teacher_needs_a_teacher_and_the_data(panel, qtbot, window, tmp_path):
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    panel.form.distill.setCurrentIndex(panel.form.distill.findData("none"))
    assert panel.form.teacher.isEnabled()  # still the one Prune prunes
    assert panel.form.teacher.currentData() is None  # no interpolation model in this test's models folder
    panel.prune()
    assert "needs a trained interpolation teacher" in window.error_box.text() and not panel.running()
    tiny_vfi_teacher()
    panel.form.refresh_models()
    panel.form.data.clear()
    panel.form.data.addItem(str(tmp_path / "gone"))
    panel.prune()
    assert "training data not found" in window.error_box.text() and not (tmp_path / "runs").exists()


def test_a_start_from_that_is_not_there_is_refused_as_not_found(panel, qtbot, window, tmp_path):
    """A deleted pruned.safetensors read "no model card beside it" in Parameters, and Start launched the trainer to
    fail with the same words."""
    panel.form.task.setCurrentIndex(panel.form.task.findData("vfi"))
    panel.form.distill.setCurrentIndex(panel.form.distill.findData("none"))
    gone = tmp_path / "gone prune" / "pruned.safetensors"
    panel.form.start_from.setText(str(gone))
    qtbot.waitUntil(lambda: panel.form.net_size.text() == f"cannot tell: Start from not found: {gone}", timeout=10_000)
    assert f"Start from not found: {gone}" in refusal(panel, qtbot, window)
    assert not (tmp_path / "runs").exists()


def test_tab_goes_through_the_hyper_parameters_before_the_run_buttons(panel):
    """The Hyper-parameters, made anew per task, came last in the focus chain: Tab reached Start, Resume and the
    curves before the fields above them."""
    for task in ("vfi", "vsr"):
        panel.form.task.setCurrentIndex(panel.form.task.findData(task))
        wanted = [panel.form.val, *panel.form.inputs.values(), panel.form.name, panel.start_button]
        order, widget = [], panel.form.val
        while len(order) < len(wanted):
            if widget in wanted and widget not in order:
                order.append(widget)
            widget = widget.nextInFocusChain()
        assert order == wanted, task


def test_the_validation_plot_is_whole_in_an_800_px_window(window, qtbot):
    """At 800 px the curves' side was about 225 px, less than two plots side by side need: the Validation PSNR plot
    was cut at the right edge. The curves keep the width the two need now (the form scrolls), side by side in a window
    this short (tests/test_gui_train_layout.py)."""
    panel = window.train
    window.tabs.setCurrentWidget(panel)
    plots = panel.plots
    # a prune run's terms (their legend in three columns was wider than the plot), no validation yet (its note too)
    plots.add_records([{"step": 1, "loss": 1.0, "lap_gt": 0.5, "planned_params": 3e5, "lambda": 0.1}])
    for width in (800, 1400, 800):  # back from wide: a layout widened once must narrow again
        window.resize(width, 600)
        qtbot.wait(50)
        loss, val = (plot.mapRectToScene(plot.boundingRect()) for plot in (plots.loss_plot, plots.val_plot))
        legends = [legend.mapRectToScene(legend.boundingRect()) for legend in plots.legends.values()]
        assert max(rect.right() for rect in (loss, val, *legends)) <= plots.graphs.width()
        assert val.left() > loss.right()


def test_open_run_shows_what_the_form_has_no_field_for_as_extra_options(panel, tmp_path):
    """Open run kept the form's Extra options from before (an earlier {"lr": 1e30} stayed): a Start to train another
    like the run opened diverged, or lost its seed, "ema" and validation frames. A value with a field stays the
    field's, so an edit after the Open is what runs; the trainer's own cap on a short run's warm-up is not kept."""
    run = tmp_path / "gui_run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({
        "net": "student", "net_config": {"channels": 8, "blocks": 2, "align": "none", "hr_channels": 8}, "batch": 3,
        "lr": 0.0005, "seed": 7, "ema": 0.99, "val_frames": 3, "distill": "none", "teacher": None, "steps": 300,
        "warmup": 30, "data": [str(tmp_path)]}))
    panel.form.extra.setText('{"lr": 1e30}')
    panel.form.load_run(run)
    assert json.loads(panel.form.extra.text()) == {"seed": 7, "ema": 0.99, "val_frames": 3,
                                              "net_config": {"hr_channels": 8}}
    options = panel.form.options()
    assert options["net_config"] == {"channels": 8, "blocks": 2, "align": "none", "hr_channels": 8}
    assert (options["batch"], options["lr"], options["seed"], options["ema"]) == (3, 0.0005, 7, 0.99)
    panel.form.inputs["lr"].setValue(0.001)
    assert panel.form.options()["lr"] == 0.001  # the edit, not the run's value
    (run / "config.json").write_text(json.dumps({"net": "student", "batch": 3, "steps": 300, "warmup": 5}))
    panel.form.load_run(run)
    assert json.loads(panel.form.extra.text()) == {"warmup": 5}  # asked for: not the cap (30 of 300 steps)
    (run / "config.json").write_text(json.dumps({"net": "student", "batch": 3}))  # a CLI run with no extras
    panel.form.load_run(run)
    assert panel.form.extra.text() == ""


def test_open_run_leaves_the_defaults_a_vfi_run_wrote_down_out_of_extra_options(panel, tmp_path):
    """A new VFI run writes six options at today's defaults into its config.json (`keep_changed_defaults`), so no
    later change of defaults alters it, and Open run showed all six as Extra options. A run begun under the earlier
    defaults keeps those, which differ from today's and show."""
    run = tmp_path / "vfi_run"
    run.mkdir()
    earlier = {key: value for key, value in LEGACY_VFI_DEFAULTS.items() if key != "crop"}  # Crop size is a field
    for begun_earlier in (False, True):
        options = {"base": 8, "batch": 1, "threads": 1, "steps": 300}
        keep_changed_defaults(options, "vfi", begun_earlier, lambda *_: None)  # as the trainer writes them
        (run / "config.json").write_text(json.dumps({"task": "vfi", "data": [str(tmp_path)], "teacher": None,
                                                     "distill": "none", "options": options}))
        panel.form.load_run(run)
        assert json.loads(panel.form.extra.text()) == ({"threads": 1, **earlier} if begun_earlier else {"threads": 1})
        trained = {**asdict(VFIConfig()), **panel.form.options()}  # a Start from the form trains on the run's options
        assert {key: trained[key] for key in options} == options


def test_a_resume_after_a_hard_kill_is_said_at_its_checkpoints_step(panel, tmp_path):
    """The status said "Resuming at step 60" from the metrics, which a kill left past the checkpoint (step 35) the
    trainer goes on from, dropping the steps after it."""
    import torch
    from safetensors.torch import save_file

    panel.run_dir = tmp_path / "killed"
    panel.run_dir.mkdir()
    save_file({"w": torch.zeros(1)}, str(panel.run_dir / "checkpoint.safetensors"), metadata={"step": "35"})
    assert panel._starting_text([{"step": 60}]) == "Resuming at step 35\u2026"
    assert panel._starting_text([]) == "Starting\u2026"
    (panel.run_dir / "checkpoint.safetensors").write_bytes(b"cut short")  # the trainer will say what is wrong
    assert panel._starting_text([{"step": 60}]) == "Resuming\u2026"


def test_a_run_without_a_validation_clip_says_so_not_none_recorded_yet(panel, tmp_path):
    """The validation plot of a run with no clip said "none recorded yet" for ever: such a run never validates."""
    for clips, said in (([], NO_CLIP), ([str(tmp_path / "held out.mp4")], NOT_YET)):
        run = tmp_path / f"run with {len(clips)} clips"
        run.mkdir()
        (run / "config.json").write_text(json.dumps({"task": "vsr", "val": clips}))  # a VSR run's options, flat
        (run / "metrics.jsonl").write_text(json.dumps({"step": 1, "loss": 0.1}) + "\n")
        panel.show_run(str(run))
        assert panel.plots.val_note.isVisible() and panel.plots.val_note.textItem.toPlainText() == said


def test_a_run_whose_options_cannot_be_read_is_not_said_to_have_no_validation_clip(panel, tmp_path, monkeypatch,
                                                                                    qtbot):
    """A config.json that cannot be read was taken for a run with no validation clip, which it may well have; a new
    run started over it without a clip has none, whatever the old file held."""
    run = tmp_path / "runs" / "tiny-student"  # the form's run: a kill before the first checkpoint left its files
    run.mkdir(parents=True)
    (run / "config.json").write_text('{"task": "vsr", "val": ["/clips/held out.mp4"]')  # cut short
    (run / "metrics.jsonl").write_text(json.dumps({"step": 1, "loss": 0.1}) + "\n")
    panel.show_run(str(run))
    assert panel.plots.val_note.isVisible() and panel.plots.val_note.textItem.toPlainText() == CLIPS_UNKNOWN
    failing = (sys.executable, ["-c", "raise SystemExit(1)"])  # a trainer that fails at once: the note is set before
    monkeypatch.setattr(train_panel, "launcher", lambda: failing)
    panel.form.val.setText("")
    panel.start()
    qtbot.waitUntil(lambda: panel.process is not None, timeout=30_000)  # once its net is checked
    assert panel.plots.val_note.textItem.toPlainText() == NO_CLIP
    qtbot.waitUntil(lambda: not panel.running(), timeout=10_000)


def test_the_forms_tooltips_say_what_was_measured_without_naming_a_file(panel):
    """They cited "docs/RESULTS.md, Round Z", which the packaged app's user does not have."""
    for task in TASKS:
        panel.form.task.setCurrentIndex(panel.form.task.findData(task))
        tips = [w.toolTip() for w in panel.form.findChildren(QWidget) if w.toolTip()]
        assert [tip for tip in tips if ".md" in tip or "Round " in tip] == []
        if task == "vsr":
            assert all("dB" in panel.form.inputs[key].toolTip() for key in ("net_config.align", "frames", "burn_in"))


def test_a_long_runs_log_is_shown_from_its_tail_read_alone(tmp_path):
    """Opening a run read its whole log on the GUI thread to show its last 200,000 characters."""
    from vsr_app.gui.run_shown import log_tail

    log = tmp_path / "gui-log.txt"
    lines = [f"step {i}: loss 0.{i:05d} \u00b7 val" for i in range(20_000)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tail = log_tail(log, size=1000)
    assert tail.endswith(lines[-1] + "\n") and tail.splitlines()[0] in lines  # from a whole line on
    assert len(tail.encode()) <= 1000
    assert log_tail(log, size=10**9) == log.read_text(encoding="utf-8")


def test_a_runs_folder_inside_the_training_data_is_refused_before_any_folder_is_made(panel, qtbot, window, tmp_path):
    """The trainer refused it, but only after the tab had made the run's folder among the footage, in the CLI's
    words ("--out")."""
    panel.form.runs_dir.setText(str(tmp_path / "data" / "runs"))
    said = refusal(panel, qtbot, window)
    assert "is inside the training data" in said and "choose a Runs folder outside it" in said
    assert not (tmp_path / "data" / "runs").exists()


def test_a_mistyped_model_name_in_start_from_is_said_as_an_unknown_model(panel, qtbot, window):
    """"vsr-x4-studnet" was refused as "Start from must be a full path", as if it were a file name."""
    panel.form.start_from.setText("vsr-x4-studnet")
    said = refusal(panel, qtbot, window)
    assert "unknown model 'vsr-x4-studnet'" in said and "full path" not in said


def test_a_run_whose_options_cannot_be_read_is_not_shown_with_the_last_runs_task_and_length(panel, tmp_path):
    """Browse runs passed over a damaged config.json in silence: the run was labelled with the task, and counted to
    the Steps, of the run shown before."""
    vfi = tmp_path / "runs" / "vfi-run"
    vfi.mkdir(parents=True)
    (vfi / "config.json").write_text(json.dumps({"task": "vfi", "data": [str(tmp_path)], "teacher": None,
                                                 "distill": "none", "options": {"steps": 777}}))
    (vfi / "metrics.jsonl").write_text(metrics_lines([1, 2]))
    panel.show_run(str(vfi))
    assert (panel.shown_task, panel.total_steps) == ("vfi", 777)
    damaged = tmp_path / "runs" / "damaged"
    damaged.mkdir()
    (damaged / "config.json").write_text('{"task": "vsr", "steps": 90')  # cut short
    (damaged / "metrics.jsonl").write_text(metrics_lines([1, 2, 3]))
    panel.show_run(str(damaged))
    assert panel.shown_task is None and panel.total_steps == 0
    label = panel.run_label.text()
    assert panel.run_label.isVisible() and label.startswith("Run damaged. Its options could not be read")
    assert str(damaged / "config.json") in label and "interpolation" not in label
    assert panel.status.text() == "Run damaged: 3 steps recorded"
    assert panel.opened_run == damaged  # Resume goes to it, and the trainer says what is wrong with it


def test_a_run_whose_log_cannot_be_read_is_shown_without_it(panel, tmp_path, monkeypatch):
    """An unreadable log raised out of Browse runs after the run was taken: its name over the curves of the run
    shown before."""
    first = installed_run(tmp_path / "runs", "runA", "none", None)
    panel.show_run(str(first))
    run = tmp_path / "runs" / "unreadable"
    run.mkdir()
    (run / "metrics.jsonl").write_text(metrics_lines(range(1, 6)))
    (run / LOG_NAME).write_text("step 1\n")

    def unreadable(path, size=0):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(run_shown, "log_tail", unreadable)
    panel.show_run(str(run))
    assert panel.plots.last_step() == 5 and panel.status.text() == "Run unreadable: 5 steps recorded"
    assert panel.log.toPlainText() == f"(cannot read this run's log {run / LOG_NAME}: Permission denied)"


def test_a_resume_that_trains_nothing_from_a_checkpoint_that_does_not_read_says_so(panel, qtbot, window, tmp_path):
    """Its step was read unguarded where the run ended: the error went up through the Qt slot, the end unsaid."""
    panel.run_dir = exported_run(tmp_path / "runs" / "tiny-student")
    (panel.run_dir / "checkpoint.safetensors").write_bytes(b"cut short")
    panel.last_model, panel.total_steps = ("upscale", "tiny-student", ""), 60
    panel.checkpoint_at_start = panel._checkpoint_stamp()
    ended_trainer(panel, qtbot, "pass")
    assert panel.status.text() == "Ended without a new checkpoint, and the run's own cannot be read: see the log."


def test_a_trainer_that_cannot_start_leaves_nothing_of_its_new_run(panel, qtbot, window, tmp_path, monkeypatch):
    """The run's folder and the options written for it stayed, as a refused start's do not."""
    monkeypatch.setattr(train_panel, "launcher", lambda: (str(tmp_path / "no such program"), []))
    panel.start()
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=30_000)
    assert "failed to start" in whole_message(window.error_box)
    assert not panel.running() and panel.status.text() == "The trainer could not start."
    assert not (tmp_path / "runs" / "tiny-student").exists()


def test_a_trainer_process_that_ended_goes_when_the_next_starts(panel, qtbot, tmp_path):
    """Each start's process, parented to the tab with all its output, stayed until the window closed."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    panel.run_dir = exported_run(tmp_path / "runs" / "tiny-student")
    panel.last_model = ("upscale", "tiny-student", "")
    for _ in range(3):
        ended_trainer(panel, qtbot, "print('step 1')")
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    assert panel.findChildren(TrainerProcess) == [panel.process]


def test_a_task_change_updates_what_follows_from_the_form_once(gui_env, qtbot, monkeypatch):
    """One change of Task set the prune note three times, and greyed the fields and recounted the net more than
    once, each field set doing it again. The drop-downs it fills say their choice in their tooltip."""
    from collections import Counter

    from PySide6.QtCore import QSettings

    calls = Counter()

    def counted(method):
        def call(self, *args):
            calls[method.__name__] += 1
            return method(self)
        return call

    for name in ("show_prune_command", "_net_changed", "_recount"):
        monkeypatch.setattr(train_form_widget.TrainForm, name, counted(getattr(train_form_widget.TrainForm, name)))
    form = train_form_widget.TrainForm(QSettings())
    qtbot.addWidget(form)
    for task in ("vfi", "vsr"):
        calls.clear()
        form.task.setCurrentIndex(form.task.findData(task))
        assert calls == {"show_prune_command": 1, "_net_changed": 1, "_recount": 1}, task
        assert form.distill.toolTip() == form.distill.currentText()
        assert form.teacher.toolTip().startswith(form.teacher.currentText() + "\n\n")
