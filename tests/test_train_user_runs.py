"""Training runs as a user meets them on their own disk and footage: a run whose checkpoint was deleted continues
from its exported weights (and is not overwritten by a new run), a disk that fills while the run saves is a one-line
error, and footage that training leaves out is named."""

from __future__ import annotations

import errno
import io
import json
from pathlib import Path

import numpy as np
import pytest
from safetensors import SafetensorError
from safetensors.torch import load_file

from test_train_run_folder import config, data_dir, vsr  # noqa: F401 (data_dir: a fixture)
from videogen import make_video, write_pan_frames
from vsr_app.distill import train as train_mod
from vsr_app.distill.sources import check_data, load_sources
from vsr_app.errors import VsrAppError


def test_a_run_whose_checkpoint_is_gone_continues_from_its_exported_weights(data_dir, tmp_path):
    run = tmp_path / "run"
    vsr(data_dir, run, config=config(tmp_path), steps=2)
    exported = load_file(str(run / "model.safetensors"))
    for name in ("checkpoint.safetensors", "checkpoint.json"):  # deleted to save space: the weights remain
        (run / name).unlink()
    with pytest.raises(VsrAppError, match="already holds a run; pass --resume"):  # a new run would overwrite them
        vsr(data_dir, run, config=config(tmp_path), steps=3)
    assert all(np.array_equal(v, load_file(str(run / "model.safetensors"))[k]) for k, v in exported.items())
    with pytest.raises(VsrAppError, match="is at step 2: --steps 1"):
        vsr(data_dir, run, steps=1, resume=True)
    said = []
    vsr(data_dir, run, steps=2, resume=True, log=said.append)  # at its length: the weights as they were
    assert any("at step 2 from its exported weights alone" in line and "optimiser state" in line for line in said)
    assert all(np.array_equal(v, load_file(str(run / "model.safetensors"))[k]) for k, v in exported.items())
    said.clear()
    # longer: the rate moves as after a checkpoint's resume (by 2 steps: a run 1 step longer ends at the floor it
    # left off at, and the rate does not move)
    vsr(data_dir, run, steps=4, resume=True, log=said.append)
    assert any(line.startswith("the learning-rate schedule spans 4 steps now, not 2: ") for line in said)
    assert json.loads((run / "model.json").read_text())["training"]["steps"] == 4
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4] and (run / "checkpoint.safetensors").is_file()


def test_a_vfi_run_resumed_longer_from_its_weights_alone_says_where_the_learning_rate_goes(data_dir, tmp_path):
    """A VFI run's options sit under "options" in its card's copy of config.json: the line was never said for one."""
    from test_train_run_folder import TINY_VFI
    from vsr_app.distill.vfi_task import train_vfi

    run, said = tmp_path / "run", []
    train_vfi([str(data_dir)], run, options={**TINY_VFI, "steps": 2}, log=lambda *_: None)
    for name in ("checkpoint.safetensors", "checkpoint.json"):
        (run / name).unlink()
    train_vfi([str(data_dir)], run, steps=4, resume=True, log=said.append)  # (3 would end at the floor it left)
    assert any(line.startswith("the learning-rate schedule spans 4 steps now, not 2: ") for line in said), said


def test_a_run_copied_with_its_weights_alone_resumes_with_its_own_options(data_dir, tmp_path):
    """Only model.safetensors + model.json copied to another machine: the run resumed with the defaults (no
    distillation, another batch, crop and schedule) and its card was rewritten to match, without a word."""
    import shutil

    run, copy = tmp_path / "run", tmp_path / "copy"
    vsr(data_dir, run, config=config(tmp_path, lr=3e-4), steps=2, teacher="vsr-x4-teacher", distill="space")
    copy.mkdir()
    for name in ("model.safetensors", "model.json"):
        shutil.copy(run / name, copy / name)
    said = []
    vsr(data_dir, copy, steps=3, resume=True, log=said.append)
    assert any("has no config.json: the run continues with the options its card" in line for line in said)
    began, now = (json.loads((folder / "config.json").read_text()) for folder in (run, copy))
    assert {**began, "steps": 3} == now and now["distill"] == "space" and now["lr"] == 3e-4
    training = json.loads((copy / "model.json").read_text())["training"]
    assert (training["distill"], training["teacher"], training["steps"]) == ("space", "vsr-x4-teacher", 3)
    card = json.loads((copy / "model.json").read_text())
    del card["run_config"]  # a card from before it kept the options: refused, not resumed with defaults
    (copy / "model.json").write_text(json.dumps(card))
    (copy / "config.json").unlink()
    (copy / "checkpoint.safetensors").unlink()
    with pytest.raises(VsrAppError, match=r"has no config.json, the options the run began with, and its card does "
                                          r"not keep them .*copy config.json back"):
        vsr(data_dir, copy, steps=4, resume=True)


def test_exported_weights_without_the_step_they_were_saved_at_are_one_line(data_dir, tmp_path):
    run = tmp_path / "run"
    vsr(data_dir, run, config=config(tmp_path), steps=1)
    (run / "checkpoint.safetensors").unlink()
    (run / "model.json").write_text(json.dumps({"name": "run"}))
    with pytest.raises(VsrAppError, match="does not say at which step"):
        vsr(data_dir, run, steps=2, resume=True)


@pytest.mark.parametrize("raw, said", [
    ("No space left on device (os error 28)", "no space left on the disk"),
    ("File too large (os error 27)", "the file grew past the largest this system allows")])  # was safetensors' text
def test_a_disk_that_fills_while_the_model_is_exported_is_one_line(data_dir, tmp_path, monkeypatch, raw, said):
    """safetensors reports a full disk (or a file over the size limit) with its own exception, which is no OSError."""
    import safetensors.torch

    real_save = safetensors.torch.save_file

    def save_file(tensors, path, metadata=None):
        if Path(path).name.startswith(".model."):  # the checkpoint fitted, the exported model did not
            raise SafetensorError(f"Error while serializing: I/O error: {raw}")
        real_save(tensors, path, metadata=metadata)

    monkeypatch.setattr(safetensors.torch, "save_file", save_file)
    with pytest.raises(VsrAppError, match=f"{said}.* while saving the checkpoint"):
        vsr(data_dir, tmp_path / "run", config=config(tmp_path), steps=1)
    assert (tmp_path / "run" / "checkpoint.safetensors").is_file()


class FullDiskFile(io.StringIO):
    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where, what", [("_open_run_files", "the run's options and metrics"),
                                         ("metrics", "metrics.jsonl")])
def test_a_disk_that_fills_while_the_run_starts_or_logs_is_one_line(data_dir, tmp_path, monkeypatch, where, what):
    if where == "metrics":
        monkeypatch.setattr(train_mod, "_open_run_files", lambda *args: FullDiskFile())
    else:
        monkeypatch.setattr(train_mod, "atomic_write", no_space)  # config.json, the run's first file
    with pytest.raises(VsrAppError, match=f"no space left on the disk while saving {what} in .*; no checkpoint was "
                                          f"written yet"):
        vsr(data_dir, tmp_path / "run", config=config(tmp_path), steps=2)


def test_footage_training_does_not_read_is_named_not_silently_left_out(tmp_path):
    """A RealMedia file or a note next to the clips: the user is told what was left out, and a folder of only such
    files is not said to hold nothing."""
    only = tmp_path / "recordings"
    only.mkdir()
    (only / "rec.rm").write_bytes(b"\0")
    with pytest.raises(VsrAppError, match=r"no videos or images found in .*; found only 1 file that is not a "
                                          r"video or image training reads \(rec\.rm; it reads mp4 .* mts "):
        check_data([str(only)])
    mixed = tmp_path / "mixed"
    write_pan_frames(mixed / "pan", 3, np.random.default_rng(0))
    for name in ("b.rmvb", "a.rm", "notes.txt"):
        (mixed / name).write_bytes(b"\0")
    said = []
    load_sources([str(mixed)], log=said.append)
    assert "data: skipped 3 files that are not a video or image training reads (a.rm, b.rmvb, notes.txt;" in said[0]


def test_an_image_that_does_not_read_in_a_folder_says_what_to_do(tmp_path):
    write_pan_frames(tmp_path / "pan", 3, np.random.default_rng(0))
    (tmp_path / "pan" / "broken.png").write_text("not an image")
    with pytest.raises(VsrAppError, match=r"cannot read image .*broken\.png.*; remove it from the training folder"):
        load_sources([str(tmp_path)], log=lambda *_: None)


def test_a_disk_that_fills_before_the_pruned_net_is_written_is_one_line(data_dir, tmp_path, monkeypatch):
    import torch

    from vsr_app.distill import prune_run
    from vsr_app.models import save_model
    from vsr_app.nets.vfi_teacher import VFINet

    torch.manual_seed(0)
    teacher = save_model(VFINet(base=8, kernel=3), tmp_path / "teacher.safetensors", {
        "name": "tiny-teacher", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet",
        "config": {"base": 8, "kernel": 3}})

    def full_disk(net, path, card):
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    monkeypatch.setattr(prune_run, "save_model", full_disk)
    with pytest.raises(VsrAppError, match="no space left on the disk while saving the pruned net in .*prune vfi "
                                          "--out .* --resume") as raised:
        prune_run.prune_vfi(str(teacher), [str(data_dir)], tmp_path / "run", 0.3, log=lambda *_: None,
                            options={"crop": 32, "batch": 1, "steps": 2, "log_every": 1, "threads": 1,
                                     "min_width": 2, "val_every": 0})
    # the Train tab's Prune teacher runs it: there the user presses Continue pruning (not Resume, a training run's)
    from vsr_app.gui import wording

    assert wording.for_train_tab(str(raised.value)).endswith("the last complete checkpoint is intact (press Continue "
                                                             "pruning once this is fixed)")


def test_frame_interpolation_leaves_out_sequences_too_short_for_a_sample(tmp_path):
    """Played back and forth, a 2-frame video gives four copies of one frame as inputs and the other as the frame
    between them: it is left out and named; footage with nothing longer is refused."""
    from vsr_app.distill.vfi_task import VFITask
    from vsr_app.nets.vfi_teacher import VFINet

    for folder in ("short", "long"):
        (tmp_path / folder).mkdir()
    make_video(tmp_path / "short" / "two.mp4", frames=2, width=64, height=64)
    make_video(tmp_path / "long" / "eight.mp4", frames=8, width=64, height=64)
    said = []
    task = VFITask(VFINet(base=8, kernel=3), [str(tmp_path / "short"), str(tmp_path / "long")], {}, log=said.append)
    assert [s.name for s in task.sampler().seqs] == ["eight.mp4"]
    assert any("1 sequence(s) shorter than the 7 frames" in line and "two.mp4" in line for line in said)
    with pytest.raises(VsrAppError, match="every sequence is shorter than 7 frames"):
        VFITask(VFINet(base=8, kernel=3), [str(tmp_path / "short")], {}, log=said.append).sampler()


def test_a_damaged_checkpoint_is_one_line_that_says_how_to_go_on(data_dir, tmp_path):
    """A copy of the run cut short: the checkpoint does not read, the exported weights do."""
    run = tmp_path / "run"
    vsr(data_dir, run, config=config(tmp_path), steps=2)
    checkpoint = run / "checkpoint.safetensors"
    checkpoint.write_bytes(checkpoint.read_bytes()[:1000])
    with pytest.raises(VsrAppError, match="cannot read .*checkpoint.safetensors: .*; delete it to continue from the "
                                          "run's exported weights"):
        vsr(data_dir, run, steps=3, resume=True)
    checkpoint.unlink()
    vsr(data_dir, run, steps=3, resume=True)
    (run / "model.safetensors").write_bytes(b"\0" * 100)
    (run / "checkpoint.safetensors").unlink()
    with pytest.raises(VsrAppError, match="cannot read .*model.safetensors"):
        vsr(data_dir, run, steps=4, resume=True)


def test_a_damaged_training_video_is_said_to_be_damaged_not_of_variable_frame_rate(tmp_path):
    """Its garbled frames become the truth the model learns; the log said only "uneven frame intervals (variable
    frame rate, dropped frames)"."""
    import badfiles

    folder = tmp_path / "footage"
    folder.mkdir()
    src = make_video(folder / "damaged.mov", frames=20, width=32, height=24, codec="mjpeg", pix_fmt="yuvj420p")
    spans = badfiles._packet_spans(src, "video")
    badfiles._scramble(src, spans[8:10], seed=5)
    said = []
    load_sources([str(folder)], log=said.append)
    assert any("damaged.mov: 18 frames" in line and "2 damaged packets skipped" in line for line in said), said


def test_footage_given_twice_in_the_data_is_read_once_and_said(tmp_path):
    """--data FOLDER --data FOLDER/clip.mp4 loaded the clip twice: sampled twice as often, twice the memory."""
    folder = tmp_path / "footage"
    folder.mkdir()
    clip = make_video(folder / "clip.mp4", frames=6)
    said = []
    sources = load_sources([str(folder), str(clip), str(folder)], log=said.append)
    assert [s.name for s in sources] == ["clip.mp4"]
    assert "data: clip.mp4 given more than once (overlapping --data): each is read once" in said


def test_footage_in_a_linked_folder_is_read_each_folder_once(tmp_path):
    """A folder of clips linked into the data was left out, as batch reads it; a link back up the tree must not loop
    and two links to one folder must not read it twice."""
    footage = tmp_path / "footage"
    (footage / "own").mkdir(parents=True)
    make_video(footage / "own" / "a.mp4", frames=6)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    make_video(elsewhere / "b.mp4", frames=6)
    (footage / "linked").symlink_to(elsewhere, target_is_directory=True)
    (footage / "linked again").symlink_to(elsewhere, target_is_directory=True)
    (footage / "own" / "up").symlink_to(footage, target_is_directory=True)
    sources = load_sources([str(footage)], log=lambda *_: None)
    assert sorted(s.name for s in sources) == ["a.mp4", "b.mp4"]


def test_a_training_video_cut_short_is_said_to_be_cut(tmp_path):
    """A Matroska file cut off half-way decodes to its cut without an error: it trained on its first frames with no
    note that the rest was missing (a garbled one says "damaged packets skipped")."""
    import badfiles

    folder = tmp_path / "footage"
    folder.mkdir()
    badfiles.truncated_readable(folder / "cut.mkv")
    make_video(folder / "whole.mkv", frames=30)
    said = []
    load_sources([str(folder)], log=said.append)
    cut = next(line for line in said if line.startswith("data: cut.mkv: "))
    assert "s before the end its header states (a cut or damaged file)" in cut, said
    assert not any(line.startswith("data: whole.mkv: ") and "header states" in line for line in said), said


def test_a_validation_clip_shorter_than_val_frames_is_said_and_the_card_names_the_frames_scored(data_dir, tmp_path):
    """A 3-frame clip with val_frames 10 was scored on its 3 frames without a word, under a card saying 10."""
    clip = make_video(tmp_path / "short.mp4", frames=3)
    said = []
    vsr(data_dir, tmp_path / "run", config=config(tmp_path, val_frames=10), steps=1, val=[str(clip)],
        log=said.append)
    assert said.count(f"validation clip {clip} has 3 frames, fewer than val_frames (10): it is scored on those 3") == 1
    training = json.loads((tmp_path / "run" / "model.json").read_text())["training"]
    assert training["val_frames"] == 10 and training["val_frames_scored"] == [3]
