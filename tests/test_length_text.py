"""Lengths of a minute or more said as h:mm:ss / m:ss: an hour's forward jump in a recording's times made the summary
say "3602.99 s of video" and the reader's note "jump once, by 3597.03 s after 2.97 s"."""

from __future__ import annotations

from vsr_app.progress import length_text
from vsr_app.video.pipeline import PipelineSummary
from vsr_app.video.time_jumps import TimeJumps

FRAME = 0.03  # seconds between frames of the steady rate (1/100 of a second is the clock's tick below)


def summary(seconds: float) -> PipelineSummary:
    return PipelineSummary(input="in.ts", output="out.mkv", models=["m"], frames_in=200, frames_out=200,
                           input_size=(64, 48), output_size=(256, 192), input_duration=seconds,
                           output_duration=seconds, seconds=12.5, scene_cuts=0)


def test_a_summary_says_an_hours_video_in_hours_and_a_short_one_in_seconds():
    assert "-> 256x192, 1:00:03 of video in 12.5 s" in summary(3602.99).line()
    assert "-> 256x192, 2.97 s of video in 12.5 s" in summary(2.97).line()


def test_an_hours_jump_in_the_frames_times_is_said_in_minutes():
    jumps = TimeJumps(0.01)
    for k in range(100):  # 0 to 2.97 s, then an hour on
        jumps.add(k * FRAME)
    for k in range(100):
        jumps.add(3600 + k * FRAME)
    assert jumps.note() == ("the frames' times jump once, by 59:57 after 2.97 s: no frames there, as where a file is "
                            "damaged or a recording paused")


def test_lengths_turn_to_minutes_at_a_minute():
    assert [length_text(s) for s in (0.5, 59.99, 59.996, 60, 119.6, 3725)] == [
        "0.50 s", "59.99 s", "1:00", "1:00", "2:00", "1:02:05"]
