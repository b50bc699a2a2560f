"""A frame-interpolation researcher's findings: `train vfi`'s defaults were the recipe that failed (64-px crops, a few
pixels of motion), a distillation without init_from trained a teacher-sized net without a word while `--help` promised
a compact student, and a default `prune vfi` kept every tap, where the shipped student was pruned to one per scale."""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict
from pathlib import Path

import pytest

from videogen import make_video
from vsr_app.cli import main
from vsr_app.distill.vfi_task import VFIConfig, train_vfi
from vsr_app.gui.train_form import FORM_DEFAULTS

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "vfi"
# what the shipped student's last stage trained on (docs/RESULTS.md, sessions 4 and 5: crop size and motion)
DATA_RECIPE = ("crop", "max_stride", "still_fraction", "still_shift", "scale_jitter", "min_motion", "motion_tries")
TINY = {"base": 8, "batch": 1, "threads": 1, "val_every": 0, "log_every": 1}


def recipe(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text())


def test_a_new_run_takes_the_shipped_students_data_recipe_on_the_command_line_and_in_the_train_tab():
    shipped = recipe("round_lm/student_s1.json")
    defaults = asdict(VFIConfig())
    assert {key: defaults[key] for key in DATA_RECIPE} == {key: shipped[key] for key in DATA_RECIPE}
    assert FORM_DEFAULTS["vfi"]["crop"] == shipped["crop"] == 128  # the Train tab's Crop size


def test_a_default_pruning_is_the_shipped_students():
    pruned = recipe("prune.json")
    defaults = asdict(VFIConfig())
    assert {key: defaults[key] for key in ("tap_mass", "tap_batches")} == {"tap_mass": 0.9, "tap_batches": 16}
    assert (defaults["tap_mass"], defaults["tap_batches"]) == (pruned["tap_mass"], pruned["tap_batches"])


@pytest.fixture
def small_clips(tmp_path):
    """A user's 320x240 clip (256x192 once shrunk for training), and a clip smaller than the 128-px crop (96x80)."""
    for name, width, height in (("usual", 320, 240), ("tiny", 96, 80)):
        (tmp_path / name).mkdir()
        make_video(tmp_path / name / "clip.mp4", frames=10, width=width, height=height)
    return tmp_path / "usual", tmp_path / "tiny"


def test_320x240_footage_trains_on_128_px_crops_and_smaller_footage_is_enlarged_and_said(tmp_path, small_clips):
    usual, tiny = small_clips
    for data, smaller in ((usual, False), (tiny, True)):
        said = []
        model = train_vfi([str(data)], tmp_path / f"run-{data.name}", steps=1, options=TINY, log=said.append)
        assert model.is_file() and "data: clip.mp4: 10 frames" in "\n".join(said)
        small = [line for line in said if "smaller than the 128x128 training crop" in line]
        assert len(small) == smaller and all(line.endswith('a smaller "crop" (the Train tab\'s Crop size) avoids it')
                                             for line in small), said  # VFI's option: its log named VSR's "patch"


def test_distilling_without_init_from_says_it_trains_a_teacher_sized_net_and_how_to_make_a_compact_one(
        tmp_path, small_clips):
    data = str(small_clips[0])
    options = {**TINY, "crop": 32}
    teacher = str(train_vfi([data], tmp_path / "teacher", steps=1, options=options, log=lambda *_: None))
    said = []
    train_vfi([data], tmp_path / "student", teacher=teacher, distill="laplacian", steps=1, options=options,
              log=said.append)
    note = next(line for line in said if "without init_from" in line)
    assert "a new net of the teacher's design" in note and "not a compact student" in note
    assert f"vsr-app prune vfi --teacher {shlex.quote(teacher)} --data {shlex.quote(data)} --out PRUNE_RUN" in note
    assert '{"init_from": "PRUNE_RUN/pruned.safetensors"} in --config' in note
    said.clear()
    train_vfi([data], tmp_path / "started", teacher=teacher, distill="laplacian", steps=1,
              options={**options, "init_from": teacher}, log=said.append)
    assert not any("without init_from" in line for line in said)  # it trains the net it starts from


def test_train_help_shows_the_prune_then_train_path(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "vsr-app prune vfi --teacher vfi-x2-teacher --data footage/ --out runs/pruned" in text
    assert ('--distill laplacian --config start.json, with {"init_from": "runs/pruned/pruned.safetensors"} in '
            'start.json') in text


def _train_spied(monkeypatch, data, out, said: list, **kwargs) -> VFIConfig:
    """`train_vfi` as the command runs it; the task options the run trained with."""
    from vsr_app.distill import vfi_task

    seen = {}

    def spy(task, *args, **kw):
        seen["cfg"] = task.cfg
        return real(task, *args, **kw)

    real = vfi_task.train
    with monkeypatch.context() as spied:  # undone alone: monkeypatch.undo() undid conftest's patches too
        spied.setattr(vfi_task, "train", spy)
        train_vfi([str(data)], out, log=said.append, **kwargs)
    return seen["cfg"]


def _options(run: Path) -> dict:
    return json.loads((run / "config.json").read_text())["options"]


def test_a_run_begun_before_the_defaults_changed_resumes_on_the_options_it_began_with(tmp_path, small_clips,
                                                                                     monkeypatch):
    """A `train vfi` run begun before the recipe became the default, resumed after, trained on 128-px crops (4x the
    pixels a sample) and large motion: its config.json held only the options given, and today's defaults filled in."""
    run = tmp_path / "old"
    train_vfi([str(small_clips[0])], run, steps=1, options=TINY, log=lambda *_: None)
    config = json.loads((run / "config.json").read_text())
    for key in DATA_RECIPE:  # as a run of then wrote it
        del config["options"][key]
    (run / "config.json").write_text(json.dumps(config))
    said = []
    cfg = _train_spied(monkeypatch, small_clips[0], run, said, steps=2, resume=True)
    then = {"crop": 64, "max_stride": 2, "still_fraction": 0.2, "still_shift": 3.0, "scale_jitter": [0.6, 1.0],
            "min_motion": 0.0, "motion_tries": 1}
    assert {key: getattr(cfg, key) for key in DATA_RECIPE} == then
    assert ("vfi: this run began under the earlier defaults and keeps the options it started with: crop 64, "
            "max_stride 2, still_fraction 0.2, still_shift 3.0, scale_jitter [0.6, 1.0], min_motion 0.0, "
            "motion_tries 1") in said
    card = json.loads((run / "model.json").read_text())["training"]["options"]
    assert {key: _options(run)[key] for key in DATA_RECIPE} == {key: card[key] for key in DATA_RECIPE} == then


def test_a_new_run_writes_the_defaults_it_takes_and_resumes_on_them_unchanged(tmp_path, small_clips, monkeypatch):
    """Only the options given were saved, so any later change of a default would change a run on its resume."""
    run = tmp_path / "new"
    said = []
    cfg = _train_spied(monkeypatch, small_clips[0], run, said, steps=1, options={**TINY, "min_motion": 1.0})
    today = {key: getattr(VFIConfig(), key) for key in DATA_RECIPE}
    assert {key: _options(run)[key] for key in DATA_RECIPE} == {**today, "min_motion": 1.0}  # one given, kept
    assert {key: getattr(cfg, key) for key in DATA_RECIPE} == {**today, "min_motion": 1.0}
    saved = _options(run)
    resumed = _train_spied(monkeypatch, small_clips[0], run, said, steps=2, resume=True)
    assert resumed == cfg and _options(run) == {**saved, "steps": 2}
    assert not any("earlier defaults" in line for line in said)
