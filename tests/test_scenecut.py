"""Scene-cut detection: one-frame shots and flashes, motion that is no cut, and streaming verdicts (export and
Compare view) that equal the whole clip's."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from videogen import make_video
from vsr_app.gui.frame_cache import FrameCache
from vsr_app.gui.model_streams import InterpolateStream
from vsr_app.gui.source_frames import SourceFrames
from vsr_app.video.pipeline import InterpolateStage, Item
from vsr_app.video.reader import VideoReader
from vsr_app.video.scenecut import cut_at, differences, mark_cuts, thumbnail


@pytest.fixture(scope="module")
def clip_frames(scene_cuts_path):
    """The test clip's frames 0-140 (cuts before frames 30, 76 and 137), shrunk 4x."""
    frames = []
    for frame in VideoReader(scene_cuts_path).frames():
        frames.append(cv2.resize(frame.image, (320, 68), interpolation=cv2.INTER_AREA))
        if frame.index == 140:
            return frames


def cuts(images):
    return [i for i, (_, cut) in enumerate(mark_cuts(images, lambda image: image)) if cut]


def one_frame_shot(frames):
    """Four frames of the first shot, one of the second, four of the fourth."""
    return [frames[i] for i in (26, 27, 28, 29, 50, 137, 138, 139, 140)]


def test_both_cuts_of_a_one_frame_shot_and_of_a_flash_are_found(clip_frames):
    """Each of the two big differences around a single frame was the other's neighbour, so neither was a spike and
    the export blended across both cuts."""
    assert cuts(one_frame_shot(clip_frames)) == [4, 5]
    flash = clip_frames[8:16]
    flash[4] = cv2.add(flash[4], np.full_like(flash[4], 40))
    assert cuts(flash) == [4, 5]


def test_a_camera_whip_and_a_two_pair_pan_at_the_start_are_no_cuts(clip_frames):
    """A whip speeds up and slows down, so the differences rise and fall over several pairs; two big differences
    with no pair before them may be a pan (cockatoo.mp4 starts with one)."""
    picture = clip_frames[50]
    whip = [np.roll(picture, int(x), axis=1) for x in np.cumsum([0, 0, 0, 2, 6, 12, 6, 2, 0, 0, 0])]
    assert cuts(whip) == []
    assert cuts([np.roll(picture, x, axis=1) for x in (0, 30, 60, 60, 60, 60)]) == []


def test_every_change_of_a_slideshow_is_a_cut():
    """A new picture every frame (a photo slideshow, a time-lapse): no difference was a spike among the others, and
    every in-between blended two photos."""
    rng = np.random.default_rng(0)
    pictures = [cv2.resize(rng.integers(0, 256, (3, 4, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_CUBIC)
                for _ in range(8)]
    assert min(differences([thumbnail(p) for p in pictures])[1:]) >= 45  # unrelated pictures, as in a slideshow
    assert cuts(pictures) == list(range(1, 8))


def grey_levels(levels):
    return [np.full((16, 16, 3), level, np.uint8) for level in levels]


# A flash (+20) in a still shot, then animation on threes moving by 10 a step: the flash's far side is the first
# moving pair, past two held ones, CONTEXT pairs after its first difference (one more than a single cut needs). It is
# no cut; with the moving pair out of sight it was one.
FLASH_BEFORE_HELD_MOTION = [100] * 5 + [120] + [100] * 3 + [110] * 3 + [120] * 3 + [130] * 3


def test_streamed_verdicts_see_a_one_frame_shots_far_side():
    images = grey_levels(FLASH_BEFORE_HELD_MOTION)
    diffs = differences([thumbnail(image) for image in images])
    assert cuts(images) == [i for i in range(len(images)) if cut_at(diffs, i)] == []


class WindowRecorder:
    """A 4-frame interpolator that records the grey levels of the windows it is given and returns their mean."""

    num_inputs = 4

    def __init__(self):
        self.windows = []

    def midpoint(self, frames):
        self.windows.append([int(f[0, 0, 0]) for f in frames])
        return np.mean(frames, axis=0).astype(np.uint8)


def compare_view(video):
    """The Compare view's in-between frames of every gap, with the engine that made them."""
    engine, cache = WindowRecorder(), FrameCache(1 << 26)
    stream = InterpolateStream("recorder", "cpu", engine, SourceFrames(VideoReader(video), cache), cache)
    count = len(list(VideoReader(video).frames()))
    return [stream.frame(k, lambda _: None, lambda: False) for k in range(count - 1)], engine


def export(images):
    """The export's in-between frames of every gap, with the engine that made them."""
    engine = WindowRecorder()
    stage = InterpolateStage(engine, 0.1)
    items = [Item(i / 10, image, cut) for i, (image, cut) in enumerate(mark_cuts(images, lambda image: image))]
    out = [o for item in items for o in stage.push(item)] + stage.flush()
    return [o.image for o in out[1:-1:2]], engine


def test_compare_view_gives_a_4_frame_model_the_exports_windows_around_a_flash(tmp_path):
    video = make_video(tmp_path / "flash.mkv", images=grey_levels(FLASH_BEFORE_HELD_MOTION), codec="ffv1",
                       pix_fmt="bgr0")
    images = [f.image for f in VideoReader(video).frames()]
    assert [int(image[0, 0, 0]) for image in images] == FLASH_BEFORE_HELD_MOTION  # stored losslessly
    assert compare_view(video)[1].windows == export(images)[1].windows


def test_compare_view_repeats_the_frame_at_both_cuts_of_a_one_frame_shot(clip_frames, tmp_path):
    video = make_video(tmp_path / "shot.mkv", images=one_frame_shot(clip_frames), codec="ffv1", pix_fmt="bgr0")
    images = [f.image for f in VideoReader(video).frames()]
    view, _ = compare_view(video)
    for k in (3, 4):  # the gaps into and out of the one-frame shot
        np.testing.assert_array_equal(view[k], images[k])
    assert all(np.array_equal(a, b) for a, b in zip(view, export(images)[0], strict=True))


def test_stepping_through_the_compare_view_makes_each_thumbnail_once(clip_frames, tmp_path, monkeypatch):
    """Every step recomputed the thumbnails of all the frames around its gap (10 of them: 42 ms a step at 1080p)."""
    import vsr_app.gui.source_cuts as source_cuts

    made = []
    monkeypatch.setattr(source_cuts, "thumbnail", lambda image: made.append(1) or thumbnail(image))
    video = make_video(tmp_path / "shot.mkv", images=one_frame_shot(clip_frames), codec="ffv1", pix_fmt="bgr0")
    compare_view(video)
    assert len(made) == len(one_frame_shot(clip_frames))


def test_a_flash_is_two_cuts_but_no_new_shot():
    """A recurrent upscaler starts afresh at a new shot, not at a flash's two edges: thrown away twice for the shot
    the picture goes back to, its state cost 0.2-0.7 dB over the frames after the flash."""
    from vsr_app.video.scenecut import cuts_at

    rng = np.random.default_rng(5)
    shot = [np.clip(rng.normal(100, 3, (48, 64, 3)), 0, 255).astype(np.uint8) for _ in range(12)]
    flash = shot[:6] + [np.full_like(shot[0], 150)] + shot[6:]  # one bright frame in the shot
    other = shot[:6] + [np.full_like(shot[0], 150)] * 6  # a cut to another shot
    decided = lambda images: [(i, c, f) for i, (_, (c, f)) in enumerate(
        mark_cuts(images, lambda image: image, cuts_at)) if c]
    assert decided(flash) == [(6, True, False), (7, True, False)]
    assert decided(other) == [(6, True, True)]


def vfr_pan(clip_frames, gaps):
    """(time, picture) of a steady 100 px/s pan over a frame of the clip, at the given frame gaps (seconds)."""
    wide = np.concatenate([clip_frames[50]] * 12, axis=1)
    times = np.concatenate([[0.0], np.cumsum(gaps)])
    return [(t, wide[:, int(t * 100):int(t * 100) + 320]) for t in times]


def timed_cuts(frames):
    return [i for i, (_, cut) in enumerate(mark_cuts(frames, lambda f: f[1], time=lambda f: f[0])) if cut]


def test_a_phones_uneven_frame_gaps_in_a_pan_are_no_cuts(clip_frames):
    """A frame 1/20 s after the last differs about twice as much as one 1/60 s after: judged without the frames'
    times, this pan at a variable frame rate had 8 cuts in 3 s, and the export repeated a frame at each."""
    frames = vfr_pan(clip_frames, np.random.default_rng(3).choice([1 / 60, 1 / 30, 1 / 20], size=90))
    assert len(cuts([image for _, image in frames])) >= 4  # the uneven gaps are spikes when their times are unknown
    assert timed_cuts(frames) == []


def test_a_phones_dropped_frames_in_a_pan_are_no_cut(clip_frames):
    """A sixth of a second among 1/60 s gaps is 10 times its neighbours, past MAX_PACE, yet under PAUSE_SECONDS: the
    rate's jitter still, scaled within MAX_PACE (judged unscaled, as a pause, it was a cut)."""
    gaps = [1 / 60] * 40 + [1 / 6] + [1 / 60] * 40
    assert timed_cuts(vfr_pan(clip_frames, gaps)) == []


def test_a_cut_across_a_long_pause_or_a_short_gap_is_still_found(clip_frames):
    """A gap over MAX_PACE times its neighbour's is a pause, judged as at a constant rate: a recording paused for 2 s
    and resumed on another shot, still moving, is a cut. Below it a clear cut is found in a long gap too."""
    moving = [(i / 30, image) for i, image in enumerate(clip_frames[40:46])]
    paused = moving + [(2 + i / 30, image) for i, image in enumerate(clip_frames[100:106])]
    assert timed_cuts(paused) == [6]
    quick = moving + [(0.25 + i / 30, image) for i, image in enumerate(clip_frames[0:6])]  # 3 steps of 1/30 s: jitter
    assert timed_cuts(quick) == [6]


def test_at_a_constant_frame_rate_times_change_no_verdict(clip_frames):
    timed = [(i / 25, image) for i, image in enumerate(clip_frames)]
    assert timed_cuts(timed) == cuts(clip_frames) == [30, 76, 137]


def test_export_and_compare_view_blend_every_gap_of_a_phones_pan(clip_frames, tmp_path):
    """Both read the frames' times: a variable-rate pan is interpolated everywhere, no frame repeated as at a cut."""
    from vsr_app.video.pipeline import process_video

    frames = vfr_pan(clip_frames, np.random.default_rng(3).choice([1 / 60, 1 / 30, 1 / 20], size=30))
    video = make_video(tmp_path / "pan.mkv", images=[image for _, image in frames], times=[t for t, _ in frames],
                       codec="ffv1", pix_fmt="bgr0")
    assert process_video(video, tmp_path / "x2.mkv", interpolate="blend", device="cpu", codec="ffv1").scene_cuts == 0
    _, engine = compare_view(video)
    assert len(engine.windows) == len(frames) - 1


def test_a_held_picture_is_a_pause_a_dropped_frame_or_a_slow_steady_rate_is_not():
    from vsr_app.video.scenecut import pause_at

    screen = [None, 1 / 30, 1 / 30, 3.0, 1 / 30]  # a screen recorder: nothing written for 3 s
    assert [pause_at(screen, i) for i in range(5)] == [False, False, False, True, False]
    assert pause_at([None, 2.0, 1 / 30], 1)  # at the start: the gap after it is enough
    click = [None, 1 / 30, 1 / 30, 3.0, 2.5, 1 / 30]  # one changed frame between two holds: both hold
    assert [pause_at(click, i) for i in range(6)] == [False, False, False, True, True, False]
    assert not any(pause_at([None, 1 / 60, 0.1, 1 / 60], i) for i in range(4))  # a phone's dropped frames
    assert not any(pause_at([None, 2.0, 2.0, 2.0], i) for i in range(4))  # a time-lapse at 0.5 fps
    assert not pause_at([None, 3.0], 1) and not pause_at(None, 1)  # nothing beside it to compare; no times


def screen_recording(clip_frames):
    """(time, picture) of a screen recorder's output: a still page for 3 s written as one frame, then a scroll at
    30 fps."""
    page = clip_frames[120]
    scroll = [np.roll(page, -2 * i, axis=0) for i in range(1, 9)]  # the first change ends the pause
    return [(0.0, page), (1 / 30, page)] + [(3.0 + i / 30, image) for i, image in enumerate(scroll)]


def test_interpolation_holds_a_paused_picture_in_the_export_and_the_compare_view(clip_frames, tmp_path):
    """The in-between halfway through a 3 s pause showed the scroll starting 1.5 s before it did."""
    from vsr_app.video.pipeline import process_video

    frames = screen_recording(clip_frames)
    video = make_video(tmp_path / "screen.mkv", images=[image for _, image in frames], times=[t for t, _ in frames],
                       codec="ffv1", pix_fmt="bgr0")
    summary = process_video(video, tmp_path / "x2.mkv", interpolate="blend", device="cpu", codec="ffv1")
    assert (summary.scene_cuts, summary.flashes, summary.pauses) == (0, 0, 1)
    assert summary.line().count("pause") == 2  # counted once ("1 pause"), then said what it is ("at a pause ...")
    assert any(note.startswith("at a pause (the source held its picture") for note in summary.notes)
    out = [f.image for f in VideoReader(summary.output).frames()]
    np.testing.assert_array_equal(out[3], out[2])  # the in-between of the pause: the held page, not a blend
    assert not np.array_equal(out[5], out[4])  # the scroll is interpolated
    view, engine = compare_view(video)
    assert len(engine.windows) == len(frames) - 2  # every gap but the pause
    np.testing.assert_array_equal(view[1], out[2])


def test_a_flash_is_counted_as_one_flash_not_two_scene_cuts(clip_frames, tmp_path):
    from vsr_app.video.pipeline import process_video

    flash = list(clip_frames[8:16])
    flash[4] = cv2.add(flash[4], np.full_like(flash[4], 40))
    video = make_video(tmp_path / "flash.mkv", images=flash, codec="ffv1", pix_fmt="bgr0")
    summary = process_video(video, tmp_path / "x2.mkv", interpolate="blend", device="cpu", codec="ffv1")
    assert (summary.scene_cuts, summary.flashes, summary.pauses) == (0, 1, 0)
    assert summary.line().endswith(", 1 flash")
