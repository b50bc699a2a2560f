"""Frame counts a video's header does not give, from its packets: sampled where the rate is steady, counted where it
is not, up to a limit."""

from dataclasses import replace

import pytest

from videogen import make_video
from vsr_app.video import packet_times
from vsr_app.video.pipeline import process_video
from vsr_app.video.probing import VideoInfo
from vsr_app.video.reader import probe


# a screen recording's frames: stills held for seconds, a burst where something moved (a tester's screen.mkv: its
# duration x 30 fps said 244 frames, and `interpolate` began at 0/488 to end at 44)
SCREEN_TIMES = [0.0, 2.4] + [4.0 + i / 30 for i in range(15)] + [6.5, 8.0, 8.033, 8.067, 8.1]


def test_a_variable_rate_mkv_is_counted_where_duration_x_rate_says_ten_times_its_frames(tmp_path):
    from vsr_app.batch_progress import estimate

    screen = make_video(tmp_path / "screen.mkv", times=SCREEN_TIMES, frames=len(SCREEN_TIMES), fps=30)
    info = probe(screen)
    assert info.frame_count is None and info.estimated_frames > 200  # what the header allows: duration x rate
    counted = packet_times.with_counted_frames(info)
    assert counted.estimated_frames == len(SCREEN_TIMES) and counted.duration == info.duration
    assert estimate(screen, 2).frames == 2 * len(SCREEN_TIMES)  # a batch's total for `interpolate`
    totals = []
    process_video(screen, tmp_path / "out.mkv", upscale="bicubic", device="cpu",
                  progress=lambda progress: totals.append(progress.total))
    assert set(totals) == {len(SCREEN_TIMES)}


def test_a_steady_rate_mkv_keeps_duration_x_rate_without_counting_its_packets(tmp_path, monkeypatch):
    """A Matroska header counts no frames whatever the rate: a steady one is told from a sample, as counting every
    packet of a 2-hour film took seconds."""
    info = probe(make_video(tmp_path / "steady.mkv", frames=150, fps=25, codec="libx265"))  # B-frames: times reordered
    monkeypatch.setattr(packet_times, "counted_frames",
                        lambda *args: pytest.fail("counted the packets of a steady rate"))
    assert info.frame_count is None and packet_times.with_counted_frames(info) == info and info.estimated_frames == 150


def phone_video(tmp_path) -> VideoInfo:
    """Half the time at 10 fps, half at 5: 90 frames, where the header's duration x 10 fps says 119. Every frame a
    keyframe (FFV1), so each seek lands where it aims in so short a file."""
    times = [i / 10 for i in range(60)] + [6 + i / 5 for i in range(30)]
    return probe(make_video(tmp_path / "phone.mkv", times=times, frames=len(times), fps=10, codec="ffv1"))


def packets_demuxed(monkeypatch) -> list:
    """The video packets demuxed from here on, each appended as it is."""
    demuxed = []
    shown = packet_times._shown_packets
    monkeypatch.setattr(packet_times, "_shown_packets", lambda *args: (demuxed.append(p) or p for p in shown(*args)))
    return demuxed


def test_a_long_variable_rate_video_takes_its_count_from_the_sampled_rate(tmp_path, monkeypatch):
    """Past COUNT_LIMIT packets counting costs too much for a batch's or the viewer's opening: the samples' rate
    stands for the whole, nearer than the stated one."""
    info = phone_video(tmp_path)
    monkeypatch.setattr(packet_times, "COUNT_LIMIT", 50)
    assert info.estimated_frames >= 119 and 80 <= packet_times.with_counted_frames(info).estimated_frames <= 100


@pytest.mark.parametrize("rate", [None, 1.0], ids=["sampling failed", "an underestimate"])
def test_counting_stops_at_its_limit_whatever_the_sample_said(tmp_path, monkeypatch, rate):
    """The choice to count was made from the sample alone: where it failed (a seek) or came out low, every packet was
    counted, 3-6 s for a 2-hour film. Past the limit the count is the sampled rate x duration, or the stated one's."""
    info = phone_video(tmp_path)
    monkeypatch.setattr(packet_times, "COUNT_LIMIT", 50)
    monkeypatch.setattr(packet_times, "sampled_rate", lambda info: rate)
    demuxed = packets_demuxed(monkeypatch)
    assert packet_times.with_counted_frames(info).estimated_frames == round((rate or info.fps) * info.duration)
    assert len(demuxed) == 51


def test_a_video_without_a_duration_has_no_sampled_rate(tmp_path):
    """The samples are spread over the duration: without one, sampled_rate raised a TypeError."""
    assert packet_times.sampled_rate(replace(phone_video(tmp_path), duration=None)) is None
