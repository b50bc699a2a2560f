"""Training footage the decoder concealed damage in: its grey or smeared blocks were trained on as the truth with no
word in the log (upscale, interpolate, batch and eval said so). The frames that show it, the whole group of pictures
holding each frame marked, are left out, and said; a validation clip keeps them, as eval does."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from test_concealed_damage import DAMAGED_FRAME, flipped_in_one_frame
from videogen import make_video
from vsr_app.distill.sources import _load_video, load_sources, load_validation
from vsr_app.errors import VsrAppError
from vsr_app.video.reader import VideoReader

GOP = 12  # of the clips below: keyframes at frames 0, 12, 24, ...
LEFT_OUT = "the frames that show it (up to the next keyframe, and B-frames shown just before: {} in all) are left out"


@pytest.fixture
def footage(tmp_path):
    folder = tmp_path / "footage"
    folder.mkdir()
    return folder


def with_b_frames(path: Path, open_gop: bool) -> Path:
    """36 frames of a picture panning 2 px a frame, by libx264 with 3 B-frames and a keyframe every 12: with
    `open_gop`, the B-frames shown just before keyframes 12 and 24 are decoded after them, from them."""
    picture = np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        stream.options = {"g": str(GOP), "bf": "3", "keyint_min": str(GOP), "sc_threshold": "0",
                          "x264-params": f"open-gop={int(open_gop)}"}
        for i in range(36):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.roll(picture, 2 * i, axis=1), format="rgb24")))
        container.mux(stream.encode(None))
    return path


def decoded(path: Path) -> tuple[VideoReader, list[np.ndarray]]:
    reader = VideoReader(path)
    return reader, [frame.image.astype(int) for frame in reader.frames()]


def test_the_reader_says_which_frames_show_the_damage_it_and_those_after_it_up_to_the_next_keyframe(tmp_path):
    """Only the frame the decoder concealed damage in is marked; the frames after it decode from it. The frames before
    it in its group of pictures are clean (leaving out the whole group left them out too)."""
    clean = make_video(tmp_path / "clean.mp4", frames=20, gop=GOP)
    reader = VideoReader(flipped_in_one_frame(clean, tmp_path / "damaged.mp4"))
    list(reader.frames())
    assert reader.concealed == (1, DAMAGED_FRAME)
    assert reader.showing_concealed == list(range(DAMAGED_FRAME, GOP))
    reader = VideoReader(clean)
    list(reader.frames())
    assert reader.showing_concealed == []


@pytest.mark.parametrize("open_gop, packet, showing", [
    (False, 1, range(1, 12)),  # the P-frame shown third: the B-frame shown second decodes from it (11 dB)
    (True, 11, range(11, 24)),  # keyframe 12: the B-frame shown before it decodes from it, in the group before
], ids=["B-frame before the damaged frame", "open GOP, damaged keyframe"])
def test_with_b_frames_the_frames_shown_before_the_damaged_one_that_decode_from_it_are_left_out_too(
        tmp_path, open_gop, packet, showing):
    clean = with_b_frames(tmp_path / "clean.mp4", open_gop)
    reader, frames = decoded(flipped_in_one_frame(clean, tmp_path / "damaged.mp4", frame=packet))
    _, truth = decoded(clean)
    assert reader.concealed[0] == 1 and reader.showing_concealed == list(showing)
    differ = [i for i, (a, b) in enumerate(zip(frames, truth)) if np.abs(a - b).mean() > 0.5]
    assert differ == reader.showing_concealed  # none damaged kept, none clean left out


def test_training_leaves_out_the_frames_that_show_concealed_damage_and_says_so(tmp_path, footage):
    clean = make_video(tmp_path / "clean.mp4", frames=30, gop=GOP)
    flipped_in_one_frame(clean, footage / "damaged.mp4", frame=13)
    said = []
    sources = load_sources([str(footage)], log=said.append)
    # two sources, so that no clip spans the frames left out; their times are the frames' own
    assert [(s.name, len(s.frames)) for s in sources] == [("damaged.mp4#0", 13), ("damaged.mp4#1", 30 - 2 * GOP)]
    assert sources[1].times[0] == pytest.approx(2 * GOP / 10)
    line = next(line for line in said if line.startswith("data: damaged.mp4: "))
    assert line.startswith("data: damaged.mp4: 19 frames, 51x38; the decoder concealed damage in frame 14: "
                           + LEFT_OUT.format("11 frames")), said
    said.clear()
    [source] = load_sources([str(clean)], log=said.append)
    assert len(source.frames) == 30 and not any("concealed" in line for line in said), said


def test_a_frame_cut_off_on_its_own_by_the_damage_is_left_out_not_trained_on_as_a_still(tmp_path, footage):
    """Frame 25 of 25, after the group of pictures left out: as a still it was trained on as made-up camera pans."""
    clean = make_video(tmp_path / "clean.mp4", frames=25, gop=GOP)
    flipped_in_one_frame(clean, footage / "damaged.mp4", frame=13)
    said = []
    sources = load_sources([str(footage)], log=said.append)
    assert [(s.name, len(s.frames), s.is_still) for s in sources] == [("damaged.mp4", 13, False)]
    assert "; 1 frame cut off on its own from the frames around is left out too, not trained on as a still" in (
        next(line for line in said if line.startswith("data: damaged.mp4: "))), said


def test_a_run_of_a_single_frame_over_the_memory_budget_is_left_out_not_trained_on_as_a_still(tmp_path):
    clean = make_video(tmp_path / "clean.mp4", frames=13)
    sources, note = _load_video(clean, None, keep_every=2, segment_frames=6)  # runs 0-5 and 12
    assert [(s.name, len(s.frames)) for s in sources] == [("clean.mp4#0", 6)]
    assert note == "1 frame cut off on its own from the frames around is left out too, not trained on as a still"


def test_over_the_memory_budget_the_note_counts_only_the_frames_kept_that_are_left_out(tmp_path):
    clean = make_video(tmp_path / "clean.mp4", frames=24, gop=GOP)
    damaged = flipped_in_one_frame(clean, tmp_path / "damaged.mp4", frame=13)
    sources, note = _load_video(damaged, None, keep_every=2, segment_frames=6)  # runs 0-5 and 12-17 kept
    assert [(s.name, len(s.frames)) for s in sources] == [("damaged.mp4#0", 6)]
    assert LEFT_OUT.format("5 frames") in note, note  # 13-17, not the 11 frames of 13-23 it showed in


def test_footage_whose_every_frame_shows_concealed_damage_is_refused_in_words(tmp_path, footage):
    """Damage in the first keyframe of a clip with no other: nothing is left to train on."""
    clean = make_video(tmp_path / "clean.mp4", frames=12)
    flipped_in_one_frame(clean, footage / "damaged.mp4", frame=0, at=0.9)
    said = []
    with pytest.raises(VsrAppError, match="no frame to train on in .*footage: the decoder concealed damage in its "
                                          "videos, and the frames that show it are left out"):
        load_sources([str(footage)], log=said.append)
    assert ("data: damaged.mp4: no frame kept: the decoder concealed damage in frame 1: "
            + LEFT_OUT.format("12 frames")) in " ".join(said), said


@pytest.mark.parametrize("frame, at", [(5, 0.5), (0, 0.9)], ids=["in a P-frame", "in the only keyframe"])
def test_a_validation_clip_keeps_every_frame_with_concealed_damage_and_says_so(tmp_path, frame, at):
    """Scored as it decodes, as eval scores it: split as training splits it, it was refused as several clips or
    scored on its first piece, and one whose every frame shows the damage as having 'no frame to train on'."""
    clean = make_video(tmp_path / "clean.mp4", frames=24, gop=None if frame == 0 else GOP)
    damaged = flipped_in_one_frame(clean, tmp_path / "damaged.mp4", frame=frame, at=at)
    said = []
    [source] = load_validation(str(damaged), log=said.append)
    assert len(source.frames) == 24
    assert said == [f"validation clip {damaged}: the decoder concealed damage in frame {frame + 1}: it "
                    "and the frames decoded from it are scored against their grey or smeared blocks as the truth, "
                    "as eval scores them"]


def test_both_tasks_validate_on_a_clip_with_concealed_damage(tmp_path):
    from vsr_app.distill.vfi_task import validation_clip
    from vsr_app.distill.vsr_task import _frames_for_validation

    damaged = flipped_in_one_frame(make_video(tmp_path / "clean.mp4", frames=24, gop=GOP), tmp_path / "damaged.mp4",
                                   frame=5)
    vfi_log, vsr_log = [], []
    assert len(validation_clip(str(damaged), vfi_log.append).frames) == 24  # was refused: 'is not one video or ...'
    assert len(_frames_for_validation(str(damaged), 10, 0, vsr_log.append)) == 10  # was refused: 'holds 2 videos'
    for log in (vfi_log, vsr_log):  # the run's log says so (the tasks passed it no log: the note was lost)
        assert [line for line in log if "concealed damage" in line and str(damaged) in line], log
