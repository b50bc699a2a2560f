"""Self-ensemble upscaling (`--self-ensemble`): every flip and transpose of a frame, turned back and averaged."""

import json

import cv2
import numpy as np
import pytest
from torch import nn

from tiny_nets import TinyRecurrent
from videogen import make_video
from vsr_app import inference, models
from vsr_app.batch import run_batch
from vsr_app.cli import main
from vsr_app.errors import VsrAppError
from vsr_app.video.encoding import read_made_by
from vsr_app.video.pipeline import process_video


def _loaded(net):
    return models.LoadedModel(models.ModelInfo("tiny", "upscale", net.scale, 0, None), net)


class CornerClip(nn.Module):
    """A clip net that is not orientation-blind: each output frame is the x2 nearest enlargement of its input plus
    the mean of its context frames' top-left pixel, so only the identity orientation sees the true top-left."""

    kind = "clip"
    scale = 2

    def forward(self, clip):
        corner = clip[:, :, :, :1, :1].mean(1, keepdim=True)
        out = nn.functional.interpolate(clip.flatten(0, 1), scale_factor=2, mode="nearest").unflatten(0, clip.shape[:2])
        return (out + corner).clamp(0, 1)


@pytest.fixture
def frames():
    rng = np.random.default_rng(4)
    return [rng.integers(0, 256, (13, 18, 3), dtype=np.uint8) for _ in range(5)]


def _run(engine, frames):
    return [o for f in frames for o in engine.push(f)] + engine.flush()


def test_the_eight_orientations_are_distinct_and_each_turns_back():
    frame = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    oriented = [inference._orient(frame, *o) for o in inference.DIHEDRAL]
    assert len({o.tobytes() + bytes(o.shape) for o in oriented}) == 8
    for o, turned in zip(inference.DIHEDRAL, oriented):
        np.testing.assert_array_equal(inference._unorient(turned, *o), frame)


@pytest.mark.parametrize("make_net", [lambda: TinyRecurrent(scale=2), CornerClip], ids=["recurrent", "clip"])
def test_the_ensemble_is_the_mean_of_its_orientations_own_streams(frames, make_net):
    """Each orientation keeps its own state (recurrent) or chunk buffer (clip); the output is their mean, turned
    back, for every frame, in order."""
    net = make_net()
    ensemble = inference.make_upscaler(_loaded(net), "cpu", self_ensemble=True, precision="fp32")
    got = _run(ensemble, frames)
    streams = []
    for o in inference.DIHEDRAL:
        single = inference.make_upscaler(_loaded(net), "cpu", precision="fp32")
        streams.append([inference._unorient(out, *o).astype(np.float32)
                        for out in _run(single, [np.ascontiguousarray(inference._orient(f, *o)) for f in frames])])
    assert len(got) == len(frames) and got[0].shape == (26, 36, 3)
    for i, frame in enumerate(got):
        np.testing.assert_array_equal(frame, np.rint(np.mean([s[i] for s in streams], 0)).astype(np.uint8))
    plain = _run(inference.make_upscaler(_loaded(net), "cpu", precision="fp32"), frames)
    assert any((a != b).any() for a, b in zip(got, plain))  # these nets see orientation: the average is new


def test_an_orientation_blind_upscaler_is_unchanged_by_it(frames):
    bicubic = models.load_model("bicubic")
    plain = _run(inference.make_upscaler(bicubic, "cpu"), frames)
    ensembled = _run(inference.make_upscaler(bicubic, "cpu", self_ensemble=True), frames)
    assert len(plain) == len(ensembled) == len(frames)
    for a, b in zip(plain, ensembled):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_reset_forgets_every_orientations_state(frames):
    """At a scene cut or between eval sequences: after reset the ensemble is a fresh one."""
    loaded = _loaded(TinyRecurrent(scale=2))
    used = inference.make_upscaler(loaded, "cpu", self_ensemble=True, precision="fp32")
    _run(used, frames[:3])
    used.reset()
    fresh = inference.make_upscaler(loaded, "cpu", self_ensemble=True, precision="fp32")
    for a, b in zip(_run(used, frames[3:]), _run(fresh, frames[3:]), strict=True):
        np.testing.assert_array_equal(a, b)


def test_every_orientation_runs_a_flash_apart(frames):
    """A flash's edges are told to each of the teacher's 8 clip engines: no output but the flash's own draws on it."""
    def run(video):
        engine = inference.make_upscaler(_loaded(CornerClip()), "cpu", self_ensemble=True, precision="fp32")
        out = []
        for i, frame in enumerate(video):
            if i in (2, 3):  # the edges of a flash at frame 2
                engine.flash()
            out += engine.push(frame)
        return out + engine.flush()

    told, other = run(frames), run([*frames[:2], 255 - frames[2], *frames[3:]])
    assert [np.array_equal(a, b) for a, b in zip(told, other, strict=True)] == [True, True, False, True, True]


def test_a_self_ensembled_job_counts_more_memory_than_one_run():
    """The eight streams' kept state and the allocator's cache: 2.1-2.4x one run measured (docs/ARCHITECTURE.md)."""
    student = models.load_model("vsr-x4-student")
    one = inference.make_upscaler(student, "cpu").working_bytes(640, 360)
    assert inference.make_upscaler(student, "cpu", self_ensemble=True).working_bytes(640, 360) == 5 * one // 2


def test_an_upscaled_video_records_the_setting_so_a_batch_without_it_does_not_skip_it(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "a.mp4", frames=3, width=32, height=24)
    assert main(["upscale", str(src / "a.mp4"), "-o", str(tmp_path / "one.mp4"), "--model", "bicubic",
                 "--self-ensemble"]) == 0
    assert read_made_by(tmp_path / "one.mp4")["models"] == ["bicubic+self-ensemble"]
    first = run_batch(src, out, model="bicubic", self_ensemble=True)
    assert [f.status for f in first.files] == ["ok"]
    assert read_made_by(out / "a.mp4")["models"] == ["bicubic+self-ensemble"]
    assert [f.status for f in run_batch(src, out, model="bicubic", self_ensemble=True).files] == ["skipped"]
    assert [f.status for f in run_batch(src, out, model="bicubic").files] == ["exists"]
    with pytest.raises(VsrAppError, match="self-ensemble is for upscaling"):
        run_batch(src, tmp_path / "vfi", task="interpolate", model="blend", self_ensemble=True)
    with pytest.raises(ValueError, match="self_ensemble applies to the upscale model"):
        process_video(src / "a.mp4", tmp_path / "vfi.mp4", interpolate="blend", self_ensemble=True)
    with pytest.raises(SystemExit) as usage:
        main(["batch", str(src), "-o", str(tmp_path / "vfi"), "--task", "interpolate", "--self-ensemble"])
    assert usage.value.code == 2
    assert not (tmp_path / "vfi").exists() and not (tmp_path / "vfi.mp4").exists()


def test_eval_says_when_it_self_ensembled(tmp_path, capsys):
    seq = tmp_path / "vid" / "s"
    seq.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(2):
        cv2.imwrite(str(seq / f"{i}.png"), rng.integers(0, 256, (48, 56, 3), dtype=np.uint8))
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(tmp_path / "vid"), "--self-ensemble",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["self_ensemble"] is True
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(tmp_path / "vid"), "--json"]) == 0
    assert "self_ensemble" not in json.loads(capsys.readouterr().out)
    with pytest.raises(SystemExit) as usage:
        main(["eval", "vfi", "--model", "blend", "--data", str(tmp_path / "vid"), "--self-ensemble"])
    assert usage.value.code == 2
