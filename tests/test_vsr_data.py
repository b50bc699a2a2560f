"""Training data: source detection, HR clip sampling (shapes, determinism, motion), VSR batches."""
import cv2
import numpy as np
import pytest

from videogen import write_pan_frames
from vsr_app.distill.data import HRClipSampler, batch_rng, vsr_batch
from vsr_app.distill.sources import load_sources
from vsr_app.errors import VsrAppError


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    rng = np.random.default_rng(0)
    write_pan_frames(root / "shot", 9, rng, texture=(10, 14), size=(200, 150), width=160, step=3)
    (root / "photos").mkdir()
    for i in range(3):
        cv2.imwrite(str(root / "photos" / f"p{i}.jpg"), rng.integers(0, 256, (120 + 10 * i, 140, 3), dtype=np.uint8))
    return root


def test_frame_folder_is_a_sequence_and_unrelated_images_are_stills(data_dir):
    sources = load_sources([data_dir], log=lambda *_: None)
    seqs = [s for s in sources if not s.is_still]
    assert len(seqs) == 1 and len(seqs[0].frames) == 9
    assert sum(s.is_still for s in sources) == 3
    assert seqs[0].frames[0].shape[0] < 150  # pre-shrunk to wash out compression noise


def test_stills_are_counted_and_a_folder_of_mixed_sizes_says_why_it_is_not_a_sequence(data_dir, tmp_path):
    """A frame folder with one frame of another size was read as unrelated stills without a word of why."""
    said = []
    load_sources([data_dir], log=said.append)
    assert "data: photos/: 3 stills: its images come in 3 sizes, so they are not one shot's frames" in said
    (tmp_path / "one").mkdir()
    cv2.imwrite(str(tmp_path / "one" / "a.png"), np.zeros((32, 32, 3), np.uint8))
    said.clear()
    load_sources([tmp_path / "one"], log=said.append)
    assert said == ["data: one/: 1 still"]


def test_sampler_shapes_and_determinism(data_dir):
    sampler = HRClipSampler(load_sources([data_dir], log=lambda *_: None))
    a = sampler.sample(np.random.default_rng(7), 5, 48)
    b = sampler.sample(np.random.default_rng(7), 5, 48)
    assert a.shape == (5, 48, 48, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)


def test_sources_smaller_than_the_crop_are_named(data_dir):
    """Their crops are enlarged into blurred targets: a run on 12x13 frames trained without a word."""
    sampler = HRClipSampler(load_sources([data_dir], log=lambda *_: None))
    said = []
    sampler.say_small(64, said.append, '"crop"')
    assert said == []
    sampler.say_small(125, said.append, '"crop"')
    assert len(said) == 1
    assert said[0].startswith("data: 2 source(s) smaller than the 125x125 training crop (shot, photos/p0.jpg)")
    assert said[0].endswith('a smaller "crop" avoids it')  # the caller's option: a VFI run's log named VSR's


def test_still_pseudo_clips_move(data_dir):
    stills = [s for s in load_sources([data_dir], log=lambda *_: None) if s.is_still]
    sampler = HRClipSampler(stills, max_shift=3.0)
    clips = [sampler.sample(np.random.default_rng(i), 4, 32).astype(np.float32) for i in range(6)]
    assert any(np.abs(c[0] - c[3]).mean() > 1 for c in clips)


def test_long_still_pseudo_clips_move_too(data_dir):
    """A path too long for the image is slowed to fit, not dropped: 60 frames at up to 3 px a frame (plus
    acceleration) cross far more than these 120-140 px images hold."""
    stills = [s for s in load_sources([data_dir], log=lambda *_: None) if s.is_still]
    sampler = HRClipSampler(stills, max_shift=3.0)
    for seed in range(6):
        clip = sampler.sample(np.random.default_rng(seed), 60, 32).astype(np.float32)
        assert np.abs(clip[0] - clip[-1]).mean() > 1, seed


def test_vsr_batch_is_a_x4_pair(data_dir):
    sampler = HRClipSampler(load_sources([data_dir], log=lambda *_: None))
    batch = vsr_batch(sampler, batch_rng(0, 0, 0), 2, 3, 8)
    assert batch["hr"].shape == (2, 3, 3, 32, 32) and batch["lr"].shape == (2, 3, 3, 8, 8)
    assert 0 <= float(batch["lr"].min()) and float(batch["lr"].max()) <= 1
    assert np.allclose((batch["lr"] * 255).numpy(), (batch["lr"] * 255).round().numpy(), atol=1e-3)


def test_missing_data_is_a_user_error(tmp_path):
    with pytest.raises(VsrAppError):
        load_sources([tmp_path / "missing"])
    with pytest.raises(VsrAppError):
        load_sources([tmp_path])


def test_a_sequence_numbered_without_zero_padding_is_trained_on_in_number_order(tmp_path):
    """f10.png sorted before f2.png, so a clip of those frames jumped back and forth in time."""
    folder = tmp_path / "seq"
    folder.mkdir()
    for i in range(1, 13):
        cv2.imwrite(str(folder / f"f{i}.png"), np.full((64, 64, 3), 10 * i, np.uint8))
    (source,) = load_sources([tmp_path], log=lambda _: None)
    assert [int(frame[0, 0, 0]) for frame in source.frames] == [10 * i for i in range(1, 13)]


def test_training_footage_whose_frames_are_unevenly_spaced_is_named(tmp_path):
    """Frame interpolation learns each middle frame as its neighbours' midpoint: in a variable-frame-rate video it
    is not, and the log says so (a steady one is not named)."""
    from conftest import VFR_TIMES
    from videogen import make_video

    uneven = make_video(tmp_path / "phone.mp4", times=VFR_TIMES)
    steady = make_video(tmp_path / "camera.mp4", frames=12)
    lines = []
    sources = load_sources([str(uneven), str(steady)], log=lines.append)
    assert [bool(s.uneven) for s in sources] == [True, False]
    phone = next(line for line in lines if "phone" in line)
    assert f"; {sources[0].uneven} uneven frame intervals (variable frame rate, dropped frames), which matters only " \
           "to frame interpolation: it samples frames evenly spaced in time" in phone
    assert "uneven" not in next(line for line in lines if "camera.mp4" in line)


def test_a_loaded_videos_size_reads_wxh_and_a_single_frame_says_it_is_used_as_a_still(tmp_path):
    """The log said "1 frames (38, 51)": a Python tuple in H,W order, and nothing of the frame being trained on as a
    still (the app writes sizes WxH everywhere else)."""
    from videogen import make_video

    lines = []
    one = make_video(tmp_path / "one.mp4", frames=1, width=64, height=48)
    six = make_video(tmp_path / "six.mp4", frames=6, width=64, height=48)
    sources = load_sources([str(one), str(six)], log=lines.append, prescale=False)
    assert [s.is_still for s in sources] == [True, False]
    assert lines == ["data: one.mp4: 1 frame, 64x48, used as a still", "data: six.mp4: 6 frames, 64x48"]
    lines.clear()  # shrunk, as training loads them: a 64x48 video logged as 51x38 read as a misreading, so it says so
    load_sources([str(six)], log=lines.append)
    assert lines[0] == "data: six.mp4: 6 frames, 51x38" and lines[1].startswith(
        "data: videos and frame sequences are shrunk (to 50-80 %, towards a short side of 400 px) before they are "
        "cropped")
