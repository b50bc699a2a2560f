"""Playback slower than real time says so: a slow model played a 2 s clip at 9% of real time, the status bar saying
"Ready" and nothing calling it slow motion. Driven by a fake clock and frame_shown calls, as the viewer makes them:
no timing here."""

from __future__ import annotations

import pytest
from gui_support import announced  # noqa: F401

from vsr_app.gui.frame_times import GAP
from vsr_app.gui.playback_speed import LEAST, WINDOW, PlaybackSpeed, speed_text
from vsr_app.gui.player import Player, PlayerBar

FPS = 25.0


class Clock:
    """A clock that moves only when told to."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def measure(seconds_each: list[float], held=lambda k: 1 / FPS) -> list[float | None]:
    """The speed measured after each frame of a playback that took `seconds_each` to show each next frame."""
    clock = Clock()
    speed = PlaybackSpeed(held, clock)
    speed.shown(0)
    measured = []
    for k, seconds in enumerate(seconds_each, start=1):
        clock.now += seconds
        speed.shown(k)
        measured.append(speed.measured())
    return measured


def test_the_speed_is_the_video_played_per_second_shown_once_a_second_is_measured():
    """The user's case: a frame each 0.4 s of a 25 fps video, 0.1 of real time; nothing said on the first frames."""
    measured = measure([0.4] * 10)
    assert measured[:2] == [None, None]  # 0.4 s, 0.8 s: too little to go on
    assert measured[2:] == pytest.approx([0.1] * 8)
    assert measure([1 / FPS] * 40)[-1] == pytest.approx(1.0)


def test_the_speed_follows_the_last_few_seconds():
    """A model that gets faster (its first frames were slow to load) is measured at its new pace within WINDOW."""
    slow_then_fast = [0.4] * 20 + [1 / FPS] * round((WINDOW + 0.5) * FPS)
    assert measure(slow_then_fast)[-1] == pytest.approx(1.0)


def test_a_frame_slower_than_the_window_is_still_measured_frame_to_frame():
    """A teacher on a CPU took 171 s a frame: the frame before the window is kept, so there is a speed to say."""
    assert measure([171.0, 171.0]) == pytest.approx([0.04 / 171] * 2)


def test_a_seek_in_playback_and_a_frame_shown_again_measure_right():
    """A jump starts the measure afresh (its positions were not played); the same frame again (a view changed) is not
    a step to measure."""
    clock = Clock()
    speed = PlaybackSpeed(lambda k: 1 / FPS, clock)
    for k in range(5):
        speed.shown(k)
        clock.now += 0.4
    assert speed.measured() == pytest.approx(0.1)
    speed.shown(4)  # again, 0.4 s later
    clock.now += 0.4
    speed.shown(5)
    assert speed.measured() == pytest.approx(5 / FPS / 2.4)  # five frames in 2.4 s
    speed.shown(40)
    assert speed.measured() is None
    clock.now += LEAST
    speed.shown(41)
    assert speed.measured() == pytest.approx(1 / FPS / LEAST)


def test_a_gap_counts_as_long_as_playback_holds_it(qapp):
    """An hour's gap is held GAP: measured as an hour, it would read as far faster than real time."""
    player = Player()
    player.set_video(3, FPS)
    player.times = [0.0, 3600.0, 3600.04].__getitem__
    assert measure([GAP, 0.04], player.held)[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("speed, text", [(0.098, "0.1"), (0.094, "0.09"), (0.56, "0.6"), (0.94, "0.9"),
                                         (0.0002, "0.0002")])
def test_the_speed_is_written_to_one_figure(speed, text):
    assert speed_text(speed) == text


def playing(length: int = 200) -> tuple[Player, PlayerBar, Clock]:
    player = Player()
    clock = Clock()
    player.speed.clock = clock
    bar = PlayerBar(player)
    player.set_video(length, FPS)
    player.frame_shown(0)
    player.play()
    return player, bar, clock


def show_frames(player: Player, bar: PlayerBar, clock: Clock, count: int, seconds_each: float) -> None:
    """`count` frames shown, `seconds_each` apart, as ticks and the viewer's frames make them; the bar's timer read
    after each."""
    for _ in range(count):
        clock.now += seconds_each
        player.seek(player.position + 1)  # what a tick does
        player.frame_shown(player.position)
        bar.speed_timer.timeout.emit()


def test_the_bar_says_playback_slower_than_real_time_and_why(qapp, announced):
    player, bar, clock = playing()
    assert bar.speed_timer.isActive()
    show_frames(player, bar, clock, 2, 0.4)
    assert bar.speed.isHidden()  # not on the first frames
    show_frames(player, bar, clock, 5, 0.4)
    assert not bar.speed.isHidden()
    assert bar.speed.text() == "0.1\u00d7 speed"
    assert bar.speed.toolTip().startswith("Playing at 0.1\u00d7 real time: the frames take longer to make than")
    assert [text for _, text in announced] == [  # once, as it appears: not at each update
        "Playing at 0.1\u00d7 real time: the frames take longer to make than the video shows them for, and playback "
        "waits for each one rather than skip it."]
    player.pause()
    assert bar.speed.isHidden() and not bar.speed_timer.isActive()


def test_the_bar_says_nothing_while_playback_keeps_up(qapp):
    player, bar, clock = playing()
    show_frames(player, bar, clock, 10, 0.4)
    assert not bar.speed.isHidden()
    show_frames(player, bar, clock, round((WINDOW + 0.5) * FPS), 1 / FPS)
    assert bar.speed.isHidden()


def test_play_again_measures_afresh(qapp):
    """The pause is not played time: measured across it, playing on at real time read slow motion."""
    player, bar, clock = playing()
    show_frames(player, bar, clock, 40, 1 / FPS)
    player.pause()
    clock.now += 30
    player.play()
    show_frames(player, bar, clock, 30, 1 / FPS)
    assert player.speed.measured() == pytest.approx(1.0)
    assert bar.speed.isHidden()
