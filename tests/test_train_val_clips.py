"""A run resumed with another validation clip (`--resume --val NEW`, the Train tab's Resume with another Validation
clip): a score is never shown against a clip it was not measured on, neither in the model card nor in the Train tab;
and a run's config.json says which task it is."""

from __future__ import annotations

import errno
import functools
import json
import threading
from pathlib import Path

import pytest

from gui_support import gui_env, window  # noqa: F401
from test_train_run_folder import TINY_VFI, TINY_VSR, data_dir, quiet  # noqa: F401 (data_dir: a fixture)
from videogen import make_video
from vsr_app.distill import checkpoint, train, train_cli, vfi_task
from vsr_app.distill.runs import config_task, config_val_clips, measured_on, resumed_val, saved_val_clips
from vsr_app.distill.train_cli import run_from_cli
from vsr_app.errors import VsrAppError
from vsr_app.gui.train_curves import TrainingCurves


def _stop_after_one_step(monkeypatch) -> None:
    """Runs started from here stop after their first step, as the Train tab's Stop stops them: before validating."""
    stop = threading.Event()
    stop.set()
    for module in (train_cli, vfi_task):
        monkeypatch.setattr(module, "train", functools.partial(module.train, cancel=stop))


def _card(run) -> dict:
    return json.loads((run / "model.json").read_text())


def _validations(run) -> list[dict]:
    records = (json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines())
    return [r for r in records if "val_psnr" in r]


def _tiny_run(task: str, data_dir, tmp_path, clip) -> Path:
    """A 2-step run of `task` validating on `clip` at its end (a run validates at its end and every 10 steps)."""
    options = tmp_path / "options.json"
    options.write_text(json.dumps({**(TINY_VSR if task == "vsr" else TINY_VFI), "val_every": 10}))
    run = tmp_path / "run"
    run_from_cli(task, [str(data_dir)], str(run), steps=2, config=str(options), val=[str(clip)], **quiet)
    return run


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_resume_with_another_clip_never_shows_the_old_clips_score_as_the_new_ones(data_dir, tmp_path, monkeypatch,
                                                                                   task):
    """The card's metrics were the last validation record, the old clip's, under a card (and a config.json) whose
    validation clip was the new one."""
    old, new = make_video(tmp_path / "old.mp4", frames=10), make_video(tmp_path / "new.mp4", frames=10)
    run = _tiny_run(task, data_dir, tmp_path, old)
    assert _card(run)["metrics"]["step"] == 2 and _card(run)["metrics"]["val_psnr"] > 0
    with monkeypatch.context() as patched:
        _stop_after_one_step(patched)
        run_from_cli(task, None, str(run), steps=4, resume=True, val=[str(new)], **quiet)
    card = _card(run)
    assert card["training"]["steps"] == 3 and config_val_clips(card["run_config"]) == [str(new)]
    assert not any(key.startswith("val_") for key in card["metrics"]), card["metrics"]  # no score of the new clip yet
    assert [(r["step"], r["validated_on"]) for r in _validations(run)] == [(2, [str(old)])]  # the old one's, named
    run_from_cli(task, None, str(run), steps=4, resume=True, **quiet)  # its end, step 4, validates on the new clip
    metrics = _card(run)["metrics"]
    assert metrics["step"] == 4 and metrics["validated_on"] == [str(new)] and metrics["val_psnr"] > 0


def test_a_run_from_before_records_named_their_clips_keeps_its_scores_for_its_own_clip_only(data_dir, tmp_path,
                                                                                          monkeypatch):
    """A run left by an earlier version (no "task" in config.json, no clips in metrics.jsonl) stays readable: its
    records are of the clips its config.json names, which a resume writes into them before it changes the clips."""
    old, new = make_video(tmp_path / "old.mp4", frames=10), make_video(tmp_path / "new.mp4", frames=10)
    run = _tiny_run("vsr", data_dir, tmp_path, old)

    def as_an_earlier_version_left_it():
        config = json.loads((run / "config.json").read_text())
        (run / "config.json").write_text(json.dumps({k: v for k, v in config.items() if k != "task"}))
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        (run / "metrics.jsonl").write_text("".join(json.dumps({k: v for k, v in r.items() if k != "validated_on"})
                                                   + "\n" for r in records))

    as_an_earlier_version_left_it()
    with monkeypatch.context() as patched:
        _stop_after_one_step(patched)
        run_from_cli("vsr", None, str(run), steps=4, resume=True, **quiet)  # the same clip: its score stands
    assert _card(run)["metrics"]["step"] == 2 and _card(run)["metrics"]["val_psnr"] > 0
    assert json.loads((run / "config.json").read_text())["task"] == "vsr"
    as_an_earlier_version_left_it()
    with monkeypatch.context() as patched:
        _stop_after_one_step(patched)
        run_from_cli("vsr", None, str(run), steps=5, resume=True, val=[str(new)], **quiet)
    assert "val_psnr" not in _card(run)["metrics"]
    assert [(r["step"], r["validated_on"]) for r in _validations(run)] == [(2, [str(old)])]


def test_config_json_says_its_runs_task_and_a_run_from_before_is_told_by_its_shape(data_dir, tmp_path):
    assert [config_task(c) for c in ({"data": []}, {"data": [], "options": {}},
                                     {"command": "prune vfi", "data": [], "options": {}})] == ["vsr", "vfi", "prune"]
    assert config_task({"task": "vfi", "data": []}) == "vfi"  # said, not guessed from which keys it has
    for task, options in (("vsr", TINY_VSR), ("vfi", TINY_VFI)):
        (tmp_path / f"{task}.json").write_text(json.dumps(options))
        run_from_cli(task, [str(data_dir)], str(tmp_path / task), steps=1, config=str(tmp_path / f"{task}.json"),
                     **quiet)
        assert json.loads((tmp_path / task / "config.json").read_text())["task"] == task
    # a run's config.json given as --config starts a run with its options, as it did before it named its task
    run_from_cli("vsr", [str(data_dir)], str(tmp_path / "again"), steps=1, config=str(tmp_path / "vsr" / "config.json"),
                 **quiet)
    assert json.loads((tmp_path / "again" / "config.json").read_text())["net_config"] == TINY_VSR["net_config"]


def test_the_train_tab_draws_an_earlier_clips_scores_apart_named_with_their_clip(window, tmp_path):
    """Open run of a run resumed with another clip: the val_psnr curve (and the status's "val PSNR", which takes its
    last point) joined the old clip's scores and the new one's as one."""
    run = tmp_path / "runs" / "resumed"
    run.mkdir(parents=True)
    old, new = str(tmp_path / "old.mp4"), str(tmp_path / "new.mp4")
    (run / "config.json").write_text(json.dumps({"task": "vsr", "data": [str(tmp_path / "data")], "val": [new]}))
    records = [{"step": 2, "loss": 0.5}, {"step": 2, "val_psnr": 30.0, "validated_on": [old]},
               {"step": 4, "loss": 0.4}, {"step": 4, "val_psnr": 25.0, "validated_on": [new]}]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    panel = window.train
    panel.show_run(str(run))
    assert panel.plots.series["val_psnr"] == ([4], [25.0])
    assert panel.plots.series["val_psnr (old.mp4)"] == ([2], [30.0])
    assert "task" not in panel.form.options()  # config.json's task is the form's Task, not an Extra option
    assert panel.form.current_task() == "vsr"


def test_records_that_do_not_name_their_clip_are_of_the_clips_the_run_had_before_a_resume(qtbot, gui_env):
    """The Train tab's Resume with another clip reads the run's history before the trainer tags it: a record from
    before records named their clips is of the clips config.json names then, not of the clip Resume passes."""
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.set_val_clips(["/clips/new.mp4"], untagged=["/clips/old.mp4"])
    curves.add_records([{"step": 2, "val_psnr": 30.0},
                        {"step": 4, "val_psnr": 25.0, "validated_on": ["/clips/new.mp4"]}])
    assert curves.series["val_psnr"] == ([4], [25.0])
    assert curves.series["val_psnr (old.mp4)"] == ([2], [30.0])


def test_a_full_disk_while_a_resume_tags_the_old_scores_leaves_them_the_old_clips(tmp_path, monkeypatch):
    """A resume with another clip tags the records from before records named their clips, and saves config.json
    naming the new clip. It saved config.json first: a tagging that failed then (a full disk) left the old clip's
    scores untagged under a config.json naming the new clip, whose scores they were then read as."""
    run = tmp_path / "run"
    run.mkdir()
    old, new = str(tmp_path / "old.mp4"), str(tmp_path / "new.mp4")
    (run / "config.json").write_text(json.dumps({"task": "vsr", "val": [old]}))
    (run / "metrics.jsonl").write_text(json.dumps({"step": 2, "val_psnr": 30.0}) + "\n")

    def full_disk(path, write):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint, "atomic_write", full_disk)  # the tagging's write
    with pytest.raises(OSError):
        train._open_run_files(run, True, 2, {"task": "vsr", "val": [new]}, lambda *_: None)
    [record] = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert measured_on(record, [old], untagged=saved_val_clips(run))


def test_a_clip_is_matched_as_a_file_not_as_a_spelling(tmp_path, monkeypatch):
    """A clip reached through a link, or named relative in an older run's config.json, never matched the full path
    the Train tab passes: its scores were drawn as another clip's, and the card lost them."""
    clip = tmp_path / "clips" / "val.mp4"
    clip.parent.mkdir()
    clip.write_bytes(b"")
    (tmp_path / "linked").symlink_to(tmp_path / "clips")
    tagged = {"step": 2, "val_psnr": 30.0, "validated_on": [str(tmp_path / "linked" / "val.mp4")]}
    assert measured_on(tagged, [str(clip)], untagged=[])
    monkeypatch.chdir(tmp_path)  # the trainer's working folder, which it found the relative clip from
    run = tmp_path / "run"
    run.mkdir()
    options = {"val_videos": ["clips/val.mp4"]}
    (run / "config.json").write_text(json.dumps({"task": "vfi", "data": [], "options": options}))
    assert saved_val_clips(run) == [str(clip)]  # what its untagged records are tagged with on a resume
    assert measured_on({"step": 2, "val_psnr": 30.0}, [str(clip)], untagged=["clips/val.mp4"])
    said = []  # a resume saves it full (the next may start in another folder), and says no change of clips
    assert resumed_val(["clips/val.mp4"], None, run, said.append) == [str(clip)] and said == []


def test_the_saved_clips_of_a_run_whose_options_cannot_be_read_are_not_known_rather_than_none(tmp_path):
    """saved_val_clips said [] (no clip) where the run's options could not be read, so the Train tab read them a
    second time to tell the two apart; it says None there, [] only for options that name no clip."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.json").write_text(json.dumps({"task": "upscale"}))  # a card from before it kept their copy
    assert saved_val_clips(run) is None
    (run / "config.json").write_text('{"task": "vsr", "val": ["/clips/held out.mp4"]')  # cut short
    assert saved_val_clips(run) is None
    (run / "config.json").write_text(json.dumps({"task": "vsr", "val": ["/clips/held out.mp4"]}))
    assert saved_val_clips(run) == ["/clips/held out.mp4"]
    (run / "config.json").write_text(json.dumps({"task": "vsr"}))
    assert saved_val_clips(run) == []


def test_the_train_tab_names_other_clips_of_the_same_name_with_their_folder(qtbot, gui_env, tmp_path):
    """Two shoots' clip.mp4 were one curve, "val_psnr (clip.mp4)"; and the run's own clip reached through a link was
    drawn as another clip."""
    now = tmp_path / "now" / "new.mp4"
    now.parent.mkdir()
    now.write_bytes(b"")
    (tmp_path / "linked").symlink_to(tmp_path / "now")
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.set_val_clips([str(now)])
    curves.add_records([{"step": 2, "val_psnr": 30.0, "validated_on": ["/shoot1/clip.mp4"]},
                        {"step": 4, "val_psnr": 31.0, "validated_on": ["/shoot2/clip.mp4"]},
                        {"step": 6, "val_psnr": 32.0, "validated_on": ["/shoot1/clip.mp4"]},
                        {"step": 8, "val_psnr": 33.0, "validated_on": [str(tmp_path / "linked" / "new.mp4")]},
                        {"step": 10, "val_psnr": 34.0, "validated_on": ["/shoot3/new.mp4"]}])
    assert curves.series["val_psnr"] == ([8], [33.0])
    assert curves.series["val_psnr (clip.mp4)"] == ([2, 6], [30.0, 32.0])
    assert curves.series["val_psnr (shoot2/clip.mp4)"] == ([4], [31.0])
    assert curves.series["val_psnr (shoot3/new.mp4)"] == ([10], [34.0])  # not to be taken for the run's new.mp4


def _files_written(run) -> dict[str, int]:
    """Which file each of the run's checkpoint and model is (a rewrite, atomic, makes another)."""
    return {name: (run / name).stat().st_ino for name in ("checkpoint.safetensors", "model.safetensors", "model.json")}


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_finished_run_resumed_with_another_clip_keeps_it_in_config_json_as_in_its_card(data_dir, tmp_path, task):
    """`--resume --val NEW` on a run at its --steps trains nothing: the new clip was said to be saved in config.json,
    but only the card named it, and the next resume validated on the old clip."""
    old, new = make_video(tmp_path / "old.mp4", frames=10), make_video(tmp_path / "new.mp4", frames=10)
    run = _tiny_run(task, data_dir, tmp_path, old)
    written = _files_written(run)
    said = []
    run_from_cli(task, None, str(run), resume=True, val=[str(new)], log=said.append)
    config = json.loads((run / "config.json").read_text())
    assert config_val_clips(config) == [str(new)] == config_val_clips(_card(run)["run_config"])
    assert not any(key.startswith("val_") for key in _card(run)["metrics"])  # the old clip's score is not the new's
    assert [(r["step"], r["validated_on"]) for r in _validations(run)] == [(2, [str(old)])]
    assert _files_written(run)["checkpoint.safetensors"] == written["checkpoint.safetensors"]  # nothing trained
    assert f"the run's options are saved in {run / 'config.json'} and its model's card" in said
    run_from_cli(task, None, str(run), steps=3, resume=True, **quiet)  # the next resume validates on the new clip
    assert _card(run)["metrics"]["validated_on"] == [str(new)]


def test_a_finished_run_from_before_records_named_their_clips_resumed_with_another_clip_shows_no_old_score(
        data_dir, tmp_path):
    """Its untagged records were taken for the new clip's: the card named the new clip with the old one's score."""
    old, new = make_video(tmp_path / "old.mp4", frames=10), make_video(tmp_path / "new.mp4", frames=10)
    run = _tiny_run("vsr", data_dir, tmp_path, old)
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    (run / "metrics.jsonl").write_text("".join(json.dumps({k: v for k, v in r.items() if k != "validated_on"}) + "\n"
                                               for r in records))
    run_from_cli("vsr", None, str(run), resume=True, val=[str(new)], **quiet)
    assert "val_psnr" not in _card(run)["metrics"]
    assert [(r["step"], r["validated_on"]) for r in _validations(run)] == [(2, [str(old)])]


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_finished_run_resumed_with_its_moved_data_keeps_the_new_place(data_dir, tmp_path, task):
    """The new place was said to be saved, but config.json kept the old one: the next resume found no data. (A new
    place with nothing to train on is refused: a run that trains nothing does not read it.)"""
    import shutil

    shutil.copytree(data_dir, tmp_path / "footage")
    run = _tiny_run(task, tmp_path / "footage", tmp_path, make_video(tmp_path / "clip.mp4", frames=10))
    (tmp_path / "footage").rename(tmp_path / "moved")
    (tmp_path / "empty").mkdir()
    with pytest.raises(VsrAppError, match="no videos or images found in"):
        run_from_cli(task, [str(tmp_path / "empty")], str(run), resume=True, **quiet)
    run_from_cli(task, [str(tmp_path / "moved")], str(run), resume=True, **quiet)
    assert json.loads((run / "config.json").read_text())["data"] == [str(tmp_path / "moved")]
    run_from_cli(task, None, str(run), steps=3, resume=True, **quiet)  # it finds its data
    assert _card(run)["training"]["steps"] == 3


def test_a_finished_run_resumed_with_nothing_changed_writes_nothing(data_dir, tmp_path):
    """It rewrote the checkpoint and the model, and re-dated the card."""
    run = _tiny_run("vsr", data_dir, tmp_path, make_video(tmp_path / "clip.mp4", frames=10))
    before, config = _files_written(run), (run / "config.json").read_bytes()
    run_from_cli("vsr", None, str(run), resume=True, **quiet)
    run_from_cli("vsr", None, str(run), steps=2, resume=True, **quiet)
    assert _files_written(run) == before and (run / "config.json").read_bytes() == config
    (run / "config.json").unlink()  # lost: the run resumes with the options its card keeps, and saves them again
    run_from_cli("vsr", None, str(run), resume=True, **quiet)
    assert _files_written(run) == before and json.loads((run / "config.json").read_text()) == json.loads(config)


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_finished_run_resumed_says_nothing_was_trained_and_no_model_written(data_dir, tmp_path, capsys, task):
    """`train --resume` at the run's own length trained nothing, then printed "model written to RUN/model.safetensors"
    and how to use it, as if it had trained and written a model."""
    from vsr_app.cli import main

    run = _tiny_run(task, data_dir, tmp_path, make_video(tmp_path / "clip.mp4", frames=10))
    before = _files_written(run)
    assert main(["train", task, "--out", str(run), "--resume"]) == 0
    said = capsys.readouterr().out
    assert "nothing to train: the run is at step 2 of 2; give --steps above 2 to train on" in said.splitlines()
    assert "written to" not in said and "use it with" not in said, said
    assert _files_written(run) == before


@pytest.mark.parametrize("task", ["vsr", "vfi"])
def test_a_new_clip_that_is_not_there_is_refused_before_it_is_said_to_be_used(data_dir, tmp_path, task):
    """"the run validates on ... from now on; saved in config.json", then "validation clip not found"."""
    run = _tiny_run(task, data_dir, tmp_path, make_video(tmp_path / "clip.mp4", frames=10))
    said = []
    with pytest.raises(VsrAppError, match="^validation clip not found: .*nothing.mp4$"):
        run_from_cli(task, None, str(run), steps=3, resume=True, val=[str(tmp_path / "nothing.mp4")], log=said.append)
    assert not any("from now on" in line for line in said), said


def test_a_pruning_s_moved_validation_clip_is_pointed_to_its_config_not_to_a_flag_it_lacks(tmp_path):
    """A stopped pruning whose clip had moved was told to "resume with --val", which prune vfi does not take."""
    from vsr_app.distill.runs import resumed_val

    gone = str(tmp_path / "gone.mp4")
    moved = r'; if it has moved, write its new location in "val_videos" in .*config\.json$'
    with pytest.raises(VsrAppError, match=moved):
        resumed_val([gone], None, tmp_path, print, pruning=True)
    with pytest.raises(VsrAppError, match=r"; if it has moved, resume with --val naming its new location$"):
        resumed_val([gone], None, tmp_path, print)
