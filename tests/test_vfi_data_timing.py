"""Frame interpolation's training clips are evenly spaced in time: in a video with a dropped frame or a variable
frame rate the middle frame by index is not the temporal middle its neighbours are trained to make. Steady footage
and frame folders are sampled exactly as before, so runs begun earlier resume with the same batches. Validation's
triplets are centred only where their frames are evenly spaced in time too, and stay where they were on steady
footage, so earlier runs' scores still compare."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from conftest import VFR_TIMES
from videogen import make_video
from vsr_app.distill.data import HRClipSampler
from vsr_app.distill.sources import Source, load_sources
from vsr_app.distill.vfi_task import VFIConfig, VFITask, validation_centres, validation_clip
from vsr_app.errors import VsrAppError
from vsr_app.nets.vfi_teacher import VFINet

LEVEL_STEP = 6  # grey levels of the flat frames: frame i is 20 + 6 * i, so a crop of it says which frame it is
# 25 fps, a dropped frame, 25 fps again, then 50 fps: 7 frames in a row are evenly spaced within each stretch only
PHONE_TIMES = [0.04 * i for i in range(12)] + [0.52 + 0.04 * i for i in range(12)] + [0.98 + 0.02 * i for i in range(12)]


def flat_frames(count: int, size: int = 64) -> list[np.ndarray]:
    return [np.full((size, size, 3), 20 + LEVEL_STEP * i, np.uint8) for i in range(count)]


def frame_of(crop) -> int:
    """Which of the flat frames a crop (float, in [0, 1]) was cut from."""
    return round((float(crop.mean()) * 255 - 20) / LEVEL_STEP)


def vfi_task(data: list[str], said: list[str]) -> VFITask:
    return VFITask(VFINet(base=8, kernel=3), data, {}, cfg=VFIConfig(crop=32, batch=8), log=said.append)


def test_a_clip_across_a_dropped_frame_or_a_change_of_frame_rate_is_never_drawn(tmp_path):
    """PHONE_TIMES: the inputs and target of every sample are evenly spaced (within the 50 fps stretch too), and
    samples come from every stretch long enough for one."""
    times = PHONE_TIMES
    video = make_video(tmp_path / "phone.mkv", times=times, images=flat_frames(len(times)))
    batches = vfi_task([str(video)], []).batches(seed=0, rank=0, world=1)
    drawn = set()
    for _ in range(40):
        batch = next(batches)
        for frames, target in zip(batch["frames"], batch["target"]):
            inputs, middle = [frame_of(crop) for crop in frames], frame_of(target)
            at = [times[i] for i in inputs]
            assert np.allclose(np.diff(at), at[1] - at[0], atol=1e-3), inputs  # 1, 3, 5, 7 of the clip
            assert times[middle] == pytest.approx((at[1] + at[2]) / 2, abs=1e-3), (inputs, middle)  # and 4
            drawn.add(min(inputs))
    assert min(drawn) < 6 and any(12 <= i < 18 for i in drawn) and max(drawn) >= 23


def test_a_video_never_evenly_spaced_is_left_out_and_named(tmp_path):
    (tmp_path / "data").mkdir()
    make_video(tmp_path / "data" / "phone.mp4", times=VFR_TIMES)
    make_video(tmp_path / "data" / "camera.mp4", frames=12)
    said = []
    assert [s.name for s in vfi_task([str(tmp_path / "data")], said).sampler().seqs] == ["camera.mp4"]
    assert any("1 video(s) with no 7 frames in a row evenly spaced in time" in line and "left out: phone.mp4" in line
               for line in said)
    with pytest.raises(VsrAppError, match="every sequence is shorter than 7 frames or has no 7 evenly spaced in time"):
        vfi_task([str(tmp_path / "data" / "phone.mp4")], said).sampler()


@pytest.mark.parametrize("fps", [30000 / 1001, 120, 240])
def test_timestamps_rounded_to_milliseconds_are_evenly_spaced(tmp_path, fps):
    """Matroska rounds 29.97 fps to steps of 33, 33, 34 ms and 240 fps to 4, 4, 4, 5 ms: no clip is lost to that."""
    video = make_video(tmp_path / "steady.mkv", times=[i / fps for i in range(40)])
    (source,) = load_sources([str(video)], log=lambda *_: None)
    assert source.uneven == 0
    for stride in (1, 2, 3):
        assert np.array_equal(source.clip_starts(7, stride, even=True), source.clip_starts(7, stride))


def drawn_before(rng, n: int, frames: int, max_stride: int) -> list[int]:
    """The frames a clip of a sequence of n took before clips had to be evenly spaced in time."""
    stride = int(rng.integers(1, max_stride + 1)) if n >= frames * max_stride else 1
    span = (frames - 1) * stride + 1
    if n >= span:
        start = int(rng.integers(0, n - span + 1))
        return [start + i * stride for i in range(frames)]
    cycle = list(range(n)) + list(range(n - 2, 0, -1)) or [0]
    return [cycle[i % len(cycle)] for i in range(frames)]


@pytest.mark.parametrize("max_stride", [1, 2, 3])
def test_steady_footage_and_frame_folders_draw_the_clips_they_drew_before(tmp_path, max_stride):
    video = make_video(tmp_path / "camera.mkv", times=[i * 1001 / 30000 for i in range(20)])
    sources = [*load_sources([str(video)], log=lambda *_: None), Source("folder", flat_frames(9, 8)),
               Source("short", flat_frames(3, 8), times=np.arange(3) / 25)]
    sampler = HRClipSampler(sources, max_stride=max_stride, even_times=True)
    for k, source in enumerate(sampler.seqs):
        for frames in (3, 7, 12):
            for seed in range(30):
                now, before = np.random.default_rng(seed), np.random.default_rng(seed)
                assert sampler._indices(now, k, frames) == drawn_before(before, len(source.frames), frames, max_stride)
                assert now.random() == before.random()  # the draws after it are the same too


def scored_frames(triplets) -> list[list[int]]:
    """Which of the flat frames each validation triplet's inputs and truth are."""
    return [[frame_of(f / 255) for f in (*inputs, truth)] for inputs, truth in triplets]


def validation_task(clip: str, triplets: int) -> VFITask:
    return VFITask(VFINet(base=8, kernel=3), [], {}, val_videos=[clip], cfg=VFIConfig(val_triplets=triplets))


def test_validation_never_scores_a_triplet_across_a_dropped_frame_or_a_change_of_frame_rate(tmp_path):
    """Spread by frame index, 12 triplets over PHONE_TIMES put 5 across the dropped frame or the change of rate."""
    video = make_video(tmp_path / "phone.mkv", times=PHONE_TIMES, images=flat_frames(len(PHONE_TIMES)))
    scored = scored_frames(validation_task(str(video), 12)._val_triplets())
    for frames in scored:
        at = [PHONE_TIMES[i] for i in frames[:4]]
        assert frames[:4] == [frames[4] + d for d in (-3, -1, 1, 3)]
        assert np.allclose(np.diff(at), at[1] - at[0], atol=1e-3), frames  # and so are the frames between them
        assert PHONE_TIMES[frames[4]] == pytest.approx((at[1] + at[2]) / 2, abs=1e-3), frames
    assert {frames[4] // 12 for frames in scored} == {0, 1, 2}  # still spread over the clip


def test_a_validation_clip_never_evenly_spaced_is_refused_up_front(tmp_path):
    video = make_video(tmp_path / "phone.mp4", times=VFR_TIMES)
    with pytest.raises(VsrAppError, match=r"^validation clip .*phone.mp4 has no 7 frames in a row evenly spaced in "
                                          r"time in its first 12 \(dropped frames, variable frame rate\)[^\n]*$"):
        validation_task(str(video), 6)


def test_a_validation_clip_keeps_the_times_of_the_frames_it_reads(tmp_path, monkeypatch):
    monkeypatch.setattr("vsr_app.distill.vfi_task.VAL_MAX_FRAMES", 9)
    video = make_video(tmp_path / "phone.mkv", times=PHONE_TIMES, images=flat_frames(len(PHONE_TIMES)))
    clip = validation_clip(str(video))
    assert len(clip.frames) == 9 and np.allclose(clip.times, PHONE_TIMES[:9], atol=1e-3)


@pytest.mark.parametrize("kind", ["video", "folder"])
def test_a_steady_validation_clip_or_frame_folder_scores_the_triplets_it_scored_before(tmp_path, kind):
    frames = flat_frames(33)
    clip = tmp_path / "clip"
    if kind == "video":
        clip = make_video(tmp_path / "steady.mkv", times=[i * 1001 / 30000 for i in range(33)], images=frames)
    else:
        clip.mkdir()
        for i, frame in enumerate(frames):
            cv2.imwrite(str(clip / f"{i:03d}.png"), frame)
    for count in (1, 6, 13):
        before = np.linspace(3, len(frames) - 4, count).astype(int)
        assert scored_frames(validation_task(str(clip), count)._val_triplets()) == [
            [c - 3, c - 1, c + 1, c + 3, c] for c in before]


@pytest.mark.parametrize("steady", [None, 1001 / 30000])
def test_steady_footage_keeps_its_validation_centres_at_any_length(steady):
    """A frame folder (no times) or a constant-rate video, of any length, for any number of triplets."""
    for n in range(7, 120):
        clip = Source("steady", [np.zeros(1)] * n, times=None if steady is None else np.arange(n) * steady)
        for count in range(1, 14):
            assert np.array_equal(validation_centres(clip, count), np.linspace(3, n - 4, count).astype(int))
