"""Training footage the decoder concealed damage in: its grey or smeared blocks were trained on as the truth with no
word in the log (upscale, interpolate, batch and eval said so). The frames that show it are left out, and said."""

from __future__ import annotations

import pytest

from test_concealed_damage import DAMAGED_FRAME, flipped_in_one_frame
from videogen import make_video
from vsr_app.distill.sources import load_sources
from vsr_app.errors import VsrAppError
from vsr_app.video.reader import VideoReader

NEXT_KEYFRAME = 12  # the gop of the clips below: the damage of DAMAGED_FRAME shows up to this frame
NOTE = ("the decoder concealed damage in frame 10: it and the frames after, up to the next keyframe (3 frames in all), "
        "are left out")


@pytest.fixture
def footage(tmp_path):
    folder = tmp_path / "footage"
    folder.mkdir()
    return folder


def test_the_reader_says_which_frames_show_the_damage_up_to_the_next_keyframe(tmp_path):
    """Only the frame the decoder concealed damage in is marked; the frames after it decode from it."""
    clean = make_video(tmp_path / "clean.mp4", frames=20, gop=NEXT_KEYFRAME)
    reader = VideoReader(flipped_in_one_frame(clean, tmp_path / "damaged.mp4"))
    list(reader.frames())
    assert reader.concealed == (1, DAMAGED_FRAME)
    assert reader.showing_concealed == list(range(DAMAGED_FRAME, NEXT_KEYFRAME))
    reader = VideoReader(clean)
    list(reader.frames())
    assert reader.showing_concealed == []


def test_training_leaves_out_the_frames_that_show_concealed_damage_and_says_so(tmp_path, footage):
    clean = make_video(tmp_path / "clean.mp4", frames=20, gop=NEXT_KEYFRAME)
    flipped_in_one_frame(clean, footage / "damaged.mp4")
    said = []
    sources = load_sources([str(footage)], log=said.append)
    # two sources, so that no clip spans the frames left out; their times are the frames' own
    assert [(s.name, len(s.frames)) for s in sources] == [("damaged.mp4#0", DAMAGED_FRAME),
                                                          ("damaged.mp4#1", 20 - NEXT_KEYFRAME)]
    assert sources[1].times[0] == pytest.approx(NEXT_KEYFRAME / 10)
    line = next(line for line in said if line.startswith("data: damaged.mp4: "))
    assert line.startswith(f"data: damaged.mp4: 17 frames, 51x38; {NOTE}"), said
    said.clear()
    [source] = load_sources([str(clean)], log=said.append)
    assert len(source.frames) == 20 and not any("concealed" in line for line in said), said


def test_footage_whose_every_frame_shows_concealed_damage_is_refused_in_words(tmp_path, footage):
    """Damage in the first keyframe of a clip with no other: nothing is left to train on."""
    clean = make_video(tmp_path / "clean.mp4", frames=12)
    flipped_in_one_frame(clean, footage / "damaged.mp4", frame=0, at=0.9)
    said = []
    with pytest.raises(VsrAppError, match="no frame to train on in .*footage: every frame of its videos shows "
                                          "damage the decoder concealed"):
        load_sources([str(footage)], log=said.append)
    assert ("data: damaged.mp4: no frame kept: the decoder concealed damage in frame 1: it and the frames after, up to "
            "the next keyframe (12 frames in all), are left out") in " ".join(said), said
