"""The Compare view on a variable frame rate, a pause and a flash: its clock, its playback, the frame rate it states
and what it says where every side repeats a frame."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QTimer

from gui_support import announced, gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from videogen import make_video
from vsr_app.gui import fmt, source_frames
from vsr_app.gui.frame_times import FrameTimes, uneven_rate
from vsr_app.gui.player import Player
from vsr_app.gui.processing import SOURCE, FrameService, Request

PAUSED = [i / 10 + 2 * (i >= 10) for i in range(20)]  # 10 fps with a 2.1 s gap before frame 10


def pan(count: int, flash: int | None = None) -> list[np.ndarray]:
    """A slow pan; frame `flash` brightened."""
    rng = np.random.default_rng(3)
    shot = cv2.resize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), (64, 48), interpolation=cv2.INTER_CUBIC)
    return [np.clip(np.roll(shot, i, axis=1).astype(np.int16) + 80 * (i == flash), 0, 255).astype(np.uint8)
            for i in range(count)]


@pytest.fixture
def paused_video(tmp_path):
    return make_video(tmp_path / "paused.mp4", images=pan(20), times=PAUSED)


def test_a_frame_not_shown_yet_is_timed_from_the_nearest_known_one_never_past_the_next():
    times = FrameTimes(fps=5.0, start=1.0)
    times.learn({0: 0.0, 1: 0.1, 6: 0.4}, None)
    assert times(1) == 0.1
    assert times(2) == pytest.approx(0.3)  # 0.1 + 1/5: not 2/5, the average rate from the start
    assert times(5) == pytest.approx(0.4)  # 0.1 + 4/5 would pass frame 6
    assert times(8) == pytest.approx(0.8)
    times.learn({}, [1.0, 1.1, 1.15, 1.2, 1.3, 1.35, 1.4])  # the packets' times, on the file's clock
    assert times(2) == pytest.approx(0.15) and times(5) == pytest.approx(0.35)
    assert times(0) == 0.0 and times(7) == pytest.approx(0.6)  # past the packets: from the last frame known


def test_frame_times_are_variable_where_uneven_beyond_the_clock_rounding():
    assert uneven_rate([0.0, 1 / 30, 2 / 30, 3.0, 3 + 1 / 30], 1 / 90000) == pytest.approx(4 / (3 + 1 / 30))
    assert uneven_rate([k / 30 for k in range(30)], 1 / 90000) is None
    assert uneven_rate([0.0, 0.001, 0.003, 0.004, 0.006], 0.001) is None  # 600 fps in whole milliseconds
    assert uneven_rate([0.0, 1.0], 0.001) is None


@pytest.mark.parametrize("times_at_open", [0, source_frames.TIMES_AT_OPEN])
def test_stepping_through_a_pause_shows_each_frames_time_at_once(window, qtbot, paused_video, monkeypatch,
                                                                  times_at_open):
    """The readout gave a frame not shown yet k / average rate (here 4.9 fps for frames 0.1 s apart), then its own
    time when it came: forward and back at every step. Now the time the worker knows, from the packets read as a short
    video opens, or else from the frames decoded around the last one shown."""
    monkeypatch.setattr(source_frames, "TIMES_AT_OPEN", times_at_open)
    open_and_wait(qtbot, window, paused_video)
    viewer = window.viewer
    clock = lambda: viewer.bar.readout.text().split(" / ")[0]  # noqa: E731
    asked, shown = [], []
    for k in range(1, 14):
        rendered = show_and_wait(qtbot, viewer, lambda: (viewer.player.step(1), asked.append(clock())),
                                 lambda r, k=k: r.position == k)
        shown.append(clock())
        assert shown[-1] == fmt.clock(rendered.time) == fmt.clock(PAUSED[k])
    assert asked == shown


@pytest.mark.parametrize("frames, times, jumps", [
    (20, PAUSED, [(1, 9), (1, 10), (1, 19), (-1, 10), (-1, 9), (-1, 0)]),  # a second by the frames' own times
    (25, None, [(1, 10), (1, 20), (1, 24), (-1, 14)]),  # 10 fps, constant: 10 frames a second, as before
])
def test_a_seconds_jump_goes_by_the_frames_times(window, qtbot, tmp_path, frames, times, jumps):
    """Shift+Right jumped round(1 s x 4.9 average fps) = 5 frames here, to 0.5 s. Now to the frame nearest a second
    on, and at least one frame: from the frame held through the pause (0.9 s), 1.9 s is nearer it than 3.0 s."""
    open_and_wait(qtbot, window, make_video(tmp_path / "clip.mp4", images=pan(frames), times=times))
    viewer = window.viewer
    for seconds, expected in jumps:
        action = viewer.actions_by_name["forward_second" if seconds > 0 else "back_second"]
        show_and_wait(qtbot, viewer, action.trigger, lambda r, k=expected: r.position == k)
        assert viewer.player.position == expected


def test_playback_holds_a_pause_and_plays_the_frames_around_it_at_their_own_pace(qapp):
    """A fixed timer at the average rate (5.6 fps here) slowed the frames 50 ms apart and cut the pause short. How
    long each frame is held is read off the player's schedule, exact on a busy machine too (where frames may come
    late); the clock checks only that the pause was really held, timed by the player's own readings as it moves on
    (a tick may come late, never early, and a late one is not added to the next: at most TIMER_SLACK is taken off)."""
    times = [0.0, 0.05, 0.1, 0.8, 0.85, 0.9]
    player = Player()
    player.set_video(len(times), len(times) / 0.9)
    player.times = times.__getitem__
    held, moved = [], []
    schedule = player._schedule

    def scheduled():
        schedule()
        held.append(player.due - player.moved_at)

    player._schedule = scheduled
    player.positionChanged.connect(lambda k: (moved.append(player.moved_at),
                                              QTimer.singleShot(0, lambda: player.frame_shown(k))))
    player.frame_shown(0)
    player.play()
    moved.insert(0, player.moved_at)
    deadline = time.monotonic() + 10
    while player.playing and time.monotonic() < deadline:
        qapp.processEvents()
    assert not player.playing and player.position == len(times) - 1 and len(moved) == len(times)
    assert held == pytest.approx([0.05, 0.05, 0.7, 0.05, 0.05, 0.0])  # each frame for its own length; the last ends
    assert np.diff(moved)[2] >= 0.69  # the pause, 0.7 s, held


def test_the_inspector_says_a_variable_frame_rate_and_a_pause(window, qtbot, paused_video, announced):
    """'4.878 fps' said nothing of frames 0.1 s apart and a 2 s pause; and an in-between at the pause was called 'a
    scene cut or pause'."""
    open_and_wait(qtbot, window, paused_video)
    viewer = window.viewer
    assert viewer.inspector.facts["Frame rate"].text() == "variable, 4.9 fps on average"
    show_and_wait(qtbot, viewer, lambda: viewer.set_task("interpolate"), lambda r: r.request.task == "interpolate")
    show_and_wait(qtbot, viewer, lambda: viewer.player.seek(9), lambda r: r.position == 9)
    assert viewer.inspector.metric_note.text() == "A pause: the source held this picture; every side repeats it."
    assert announced[-1][1].endswith("; a pause: the source held this picture; every side repeats it")


def test_the_compare_view_names_a_flash_and_a_pause_as_the_export_does(tmp_path, paused_video):
    flash = make_video(tmp_path / "flash.mp4", images=pan(20, flash=10))
    for video, kind in ((flash, "flash"), (paused_video, "pause")):
        service = FrameService(str(video))
        breaks = [service.render(Request(k, "interpolate", (SOURCE, "blend"), "cpu")).at_break for k in range(19)]
        service.close()
        assert {k: at for k, at in enumerate(breaks) if at} == ({9: kind, 10: kind} if kind == "flash" else {9: kind})
