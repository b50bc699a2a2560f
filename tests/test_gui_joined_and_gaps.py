"""Recordings joined end to end (`cat a.ts b.ts`, times starting again) and recordings whose times jump an hour ahead,
as the Compare tab and the command line's progress show them: a header states one part's duration, and a long join's
parts each keep the stated rate, so nothing counted the second part; an hour's jump read "0.0 fps on average", and
playback waited the hour."""

from __future__ import annotations

import pytest

from gui_support import gui_env, open_and_wait, show_and_wait, window  # noqa: F401
from videogen import make_video
from vsr_app.gui import source_frames
from vsr_app.gui.frame_times import GAP, long_gaps, uneven_rate
from vsr_app.gui.inspector import joined_text, rate_text
from vsr_app.gui.player import Player, PlayerBar
from vsr_app.gui.processing import SOURCE, FrameService, Request
from vsr_app.video import packet_times
from vsr_app.video.opening import cannot_read
from vsr_app.video.pipeline import process_video
from vsr_app.video.reader import probe

FPS = 25
HOUR_JUMP = [k / FPS for k in range(50)] + [3600 + k / FPS for k in range(50)]  # 2 s, then 2 s an hour later


def joined(folder, frames: int, parts: int = 2, audio: str | None = None):
    """`parts` MPEG-TS recordings of `frames` frames each, every one starting at time 0, joined byte for byte."""
    recordings = [make_video(folder / f"part{i}.ts", frames=frames, fps=FPS, width=32, height=24, gop=25, audio=audio)
                  for i in range(parts)]
    path = folder / "joined.ts"
    path.write_bytes(b"".join(p.read_bytes() for p in recordings))
    return path


@pytest.fixture
def long_join(tmp_path):
    """2 x 400 frames: long enough that every sampled run of packets keeps to one part, at the stated rate."""
    return joined(tmp_path, 400)


def test_a_long_join_is_counted_though_its_sampled_rate_is_the_stated_one(long_join):
    info = probe(long_join)
    assert info.duration == pytest.approx(16) and packet_times.sampled_rate(info) == pytest.approx(FPS)  # one part's
    assert packet_times.with_counted_frames(info).estimated_frames == 800


def test_the_command_lines_progress_counts_both_parts_of_a_long_join(long_join, tmp_path):
    """It read "100.0% 1107/1107 ... ETA 0:00" through the whole second half."""
    totals = []
    process_video(long_join, tmp_path / "out.mkv", upscale="bicubic", device="cpu",
                  progress=lambda progress: totals.append(progress.total))
    assert set(totals) == {800}


def test_the_timeline_opens_at_the_packets_count_where_duration_x_rate_is_short(tmp_path):
    """A Matroska file states no count: frames steadily 9% faster than the stated rate opened at 92 of 100 (within the
    slack the sampled rate is given), their packets' times already read."""
    times = [0.092 * i for i in range(100)]
    path = make_video(tmp_path / "fast.mkv", frames=100, width=32, height=24, fps=10, times=times)
    service = FrameService(str(path))
    try:
        assert service.info.estimated_frames == 92 and service.positions("upscale") == 100
    finally:
        service.close()


def test_a_long_joins_second_part_is_reached_once_a_seek_has_read_the_packets(long_join, monkeypatch):
    """Past the packets counted at open (50,000, a 2 x 1 h broadcast) and those timed at open (5,000), the length is one
    part's; a seek read every packet's time, yet the timeline stopped at the end of part 1 until the user went to the
    very end. Here with both limits lowered."""
    monkeypatch.setattr(packet_times, "COUNT_LIMIT", 300)
    monkeypatch.setattr(source_frames, "TIMES_AT_OPEN", 300)
    service = FrameService(str(long_join))
    try:
        assert service.positions("upscale") == 400 and service.source.packet_times_read is None
        rendered = service.render(Request(300, "upscale", (SOURCE, SOURCE)))  # a seek: the packets' times are read
        assert rendered.length == service.positions("upscale") == 800 and rendered.frames == 800
        assert rendered.duration == pytest.approx(32.0) and rendered.restarts == pytest.approx((16.0,))
    finally:
        service.close()


def test_the_frames_row_follows_the_count_with_the_duration(window, qtbot, tmp_path):
    """The Duration row took the frames' own times, the Frames row kept the header's estimate: 92 frames on a timeline
    of 100 (a file cut in half read "frame 28 / 28", Duration 00:02.80, Frames 60)."""
    times = [0.092 * i for i in range(100)]
    open_and_wait(qtbot, window, make_video(tmp_path / "fast.mkv", frames=100, width=32, height=24, fps=10,
                                            times=times))
    facts = window.viewer.inspector.facts
    assert window.viewer.player.length == 100 and (facts["Frames"].text(), facts["Duration"].text()) == \
        ("100", "00:09.21")


def test_the_rate_and_gaps_are_found_where_the_packets_do_not_read_a_second_time(tmp_path, monkeypatch):
    """Where the clock's restarts are looked for (a second demux) and that fails, the rate and the gaps were left
    unknown without a word: the packets' times had been taken as read."""
    def unreadable(info):
        raise cannot_read(info.path, OSError("damaged"))

    monkeypatch.setattr(source_frames, "clock_restarts", unreadable)
    service = FrameService(str(make_video(tmp_path / "hour.mkv", frames=len(HOUR_JUMP), fps=FPS, times=HOUR_JUMP)))
    try:
        assert service.source.gaps.count == 1 and service.source.restarts == ()
    finally:
        service.close()


def test_a_join_opens_at_its_whole_length_and_says_where_its_clock_restarts(window, qtbot, long_join):
    viewer = window.viewer
    open_and_wait(qtbot, window, long_join)
    assert viewer.player.length == 800 and viewer.bar.slider.maximum() == 799  # the slider reaches the second part
    assert viewer.bar.readout.text().startswith("00:00.00 / 00:32.00")
    facts = viewer.inspector.facts
    assert (facts["Frames"].text(), facts["Duration"].text()) == ("800", "00:32.00")
    assert facts["Joined"].text() == "2 recordings (times restart at 00:16.00)" and facts["Joined"].isVisible()


def test_a_short_join_shows_its_whole_duration(window, qtbot, tmp_path):
    """Sampled runs across the join counted its 150 frames, but the readout said "00:05.96 / 00:03.00", its total
    changed only with the frame count."""
    viewer = window.viewer
    open_and_wait(qtbot, window, joined(tmp_path, 50, parts=3))
    show_and_wait(qtbot, viewer, viewer.player.end, lambda r: r.position == 149)
    assert viewer.bar.readout.text().startswith("00:05.96 / 00:06.00")
    assert viewer.inspector.facts["Duration"].text() == "00:06.00"
    assert viewer.inspector.facts["Joined"].text() == "3 recordings (times restart at 00:02.00, 00:04.00)"


def test_a_video_not_joined_has_no_joined_row(window, qtbot, tmp_path):
    open_and_wait(qtbot, window, make_video(tmp_path / "one.ts", frames=30, fps=FPS))
    assert not window.viewer.inspector.video_form.isRowVisible(window.viewer.inspector.facts["Joined"])


def test_many_joins_list_the_first_restarts():
    assert joined_text((3.0, 6.0, 9.0, 12.0, 15.0)) == ("6 recordings (times restart at 00:03.00, 00:06.00, 00:09.00 "
                                                         "and 2 more)")


def test_an_hours_jump_is_a_gap_not_a_rate():
    """Its average said "variable, 0.0 fps on average"."""
    start = 0.5
    times = [start + t for t in HOUR_JUMP]
    assert uneven_rate(times, 1 / 1000) is None  # steady but for the gap
    gaps = long_gaps(times, start)
    assert (gaps.count, gaps.fps) == (1, pytest.approx(FPS))
    assert gaps.at == pytest.approx(2.0) and gaps.longest == pytest.approx(3598.0)
    assert rate_text(0.03, None, gaps) == "25 fps, with a gap of 59 min 58 s at 00:02.00"  # (a clock's read as a time)
    twice = long_gaps(HOUR_JUMP + [7300 + k / FPS for k in range(3)], 0.0)
    assert rate_text(FPS, None, twice) == "25 fps, with 2 gaps, the longest 1 h 01 min at 1:00:02.00"
    assert long_gaps([k / FPS for k in range(50)], 0.0) is None


def test_a_variable_rate_with_a_gap_is_averaged_without_it():
    times = [0.0, 0.1, 0.3, 0.4, 0.6] + [100.0, 100.1]
    gaps = long_gaps(times, 0.0)
    assert uneven_rate(times, 0.001) == pytest.approx(5 / 0.7)
    assert rate_text(1.0, uneven_rate(times, 0.001), gaps).startswith("variable, 7.1 fps on average, with a gap of ")


def test_the_inspector_says_the_rate_and_the_gap_of_an_hours_jump(window, qtbot, tmp_path):
    open_and_wait(qtbot, window, make_video(tmp_path / "hour.mkv", frames=len(HOUR_JUMP), fps=FPS, times=HOUR_JUMP))
    viewer = window.viewer
    assert viewer.inspector.facts["Frame rate"].text() == "25 fps, with a gap of 59 min 58 s at 00:02.00"
    assert viewer.inspector.facts["Duration"].text() == "1:00:02.00"


def steady_with_pauses(*pauses: float) -> list[float]:
    """Runs of 30 frames at 30 fps, each after the run before by a pause (seconds from its last frame)."""
    times = [k / 30 for k in range(30)]
    for pause in pauses:
        times += [times[-1] + pause + k / 30 for k in range(30)]
    return times


def played(times: list[float]) -> tuple[list[float], list[str]]:
    """How long playback holds each frame of `times` (but the last), and the readout at each."""
    player = Player()
    player.set_video(len(times), FPS)
    player.times = times.__getitem__
    bar = PlayerBar(player)
    held, readouts = [], []
    for k in range(len(times) - 1):  # (play at the last frame starts again from the first)
        player.seek(k)
        readouts.append(bar.readout.text())
        player.frame_shown(k)
        player.play()
        held.append(player.due - player.moved_at)
        player.pause()
    return held, readouts


def test_playback_holds_a_gap_no_longer_than_gap(qapp):
    """It would have held the frame before an hour's jump for the hour."""
    held, readouts = played([0.0, 0.04, 3600.0, 3600.04])
    assert held == pytest.approx([0.04, GAP, 0.04])
    assert readouts[2].endswith("frame 3 / 4   \u00b7   after a gap of 1 h 00 min")  # (what it skips said, not
    # only the clock's jump)


def test_a_pause_under_gap_is_a_variable_rate_held_whole_and_a_step_over_it_a_gap(qapp):
    """GAP was 3 s: a 2.9 s pause read "variable, 12.2 fps on average", 3.1 s "30 fps, with a gap of 00:03.07", a screen
    recording's idle stretches "with 47 gaps", and its 10 s still played for 3 s. A gap is a step of GAP (10 s, FFmpeg's
    discontinuity threshold in MPEG-TS) or more; a pause under it is held as mpv and ffplay hold it."""
    under, over = steady_with_pauses(9.9), steady_with_pauses(10.1)
    assert rate_text(30.0, uneven_rate(under, 0.001), long_gaps(under, 0.0)) == "variable, 5.0 fps on average"
    assert rate_text(30.0, uneven_rate(over, 0.001), long_gaps(over, 0.0)) == "30 fps, with a gap of 10 s at 00:01.00"
    held, readouts = played(steady_with_pauses(9.9, 10.1))
    assert held[29] == pytest.approx(9.9) and held[59] == pytest.approx(GAP)
    assert [k for k, text in enumerate(readouts) if "after a gap" in text] == [60]
    assert readouts[60].endswith("frame 61 / 90   \u00b7   after a gap of 10 s")


def test_a_joins_held_picture_is_neither_a_variable_rate_nor_a_gap(tmp_path):
    """Each part's sound runs on past its pictures (AAC's last frame): the picture holds at the join while it ends
    (`joins`), a step of 67 ms among 40 ms ones, which read "variable, 24.9 fps on average"."""
    service = FrameService(str(joined(tmp_path, 30, audio="aac")))
    try:
        rendered = service.render(Request(0, "upscale", (SOURCE, SOURCE)))
        (restart,) = rendered.restarts
        assert 1.2 < restart < 1.3 and rendered.duration == pytest.approx(restart + 1.2)
        assert (rendered.variable_fps, rendered.gaps) == (None, None)
    finally:
        service.close()
