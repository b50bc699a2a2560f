"""Progress meter (fps, ETA, rate limiting) and the terminal progress bar."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from gui_support import slow_model  # noqa: F401
from vsr_app.progress import ProgressInfo, ProgressMeter, TerminalProgress, format_duration


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_meter_reports_fps_and_eta_and_is_rate_limited():
    clock, seen = FakeClock(), []
    meter = ProgressMeter(100, seen.append, interval=1.0, clock=clock)
    for _ in range(20):
        clock.now += 0.5  # 2 frames per second
        meter.advance()
    assert len(seen) == 10  # one report per second, not per frame
    last = seen[-1]
    assert last.done == 19 and last.fps == pytest.approx(2.0) and last.eta == pytest.approx(81 / 2.0)
    final = meter.finish()
    assert final.done == final.total == 20 and final.eta == 0.0 and seen[-1] is final
    assert final.ended and not any(info.ended for info in seen[:-1])  # what says the end, not an ETA of 0


def test_meter_total_grows_when_the_estimate_was_short():
    clock = FakeClock()
    meter = ProgressMeter(2, None, clock=clock)
    for _ in range(3):
        clock.now += 1
        meter.advance()
    info = meter.info()
    assert info.total == 3 and info.fraction == 1.0 and info.eta is None  # the end is `finish`'s to say


def test_terminal_bar_on_a_tty_redraws_one_line():
    stream = Tty()
    bar = TerminalProgress(stream)
    bar(ProgressInfo(5, 10, 2.5, 2.0, 2.0))
    bar(ProgressInfo(10, 10, 2.5, 4.0, 0.0, ended=True))
    bar.close("done: 10 frames")
    text = stream.getvalue()
    assert text.count("\r") == 2 and "50.0%" in text and "100.0%" in text and "ETA 0:02" in text
    assert text.endswith("\ndone: 10 frames\n")


class Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("columns", [80, 60, 200])
def test_the_bar_fits_the_terminal_and_names_a_batchs_file(monkeypatch, columns):
    """In an 80-column terminal the 93-character bar wrapped; `\\r` and erase-line clear only a wrapped line's last
    row, so every redraw left a stale line on the screen (63 for one 120-frame clip). The batch's bar now names the
    file in work, cut in its middle where the terminal is narrow, and keeps the time left."""
    monkeypatch.setenv("COLUMNS", str(columns))  # the stream has no terminal of its own to ask
    stream = Tty()
    bar = TerminalProgress(stream, label="batch", show_stage=True)
    name = "holidays/2026 summer/a_long_name_of_the_first_day_on_the_beach.mp4"
    bar(ProgressInfo(66, 120, 12.3, 5.0, 4.0, name))
    drawn = stream.getvalue().split("\x1b[2K")[-1]
    assert len(drawn) < columns and drawn.endswith("ETA 0:04") and " 55.0% 66/120 frames" in drawn
    assert drawn.startswith("batch holid")
    assert (name in drawn, "#" in drawn, "elapsed" in drawn) == (columns == 200,) * 3  # the name goes last


def test_a_narrow_terminal_keeps_the_file_in_work_before_the_encoders_words(monkeypatch):
    """At 80 columns the batch's line dropped the file's name and kept "(10 more in the encoder)": which file was
    in work went unseen for a whole encode."""
    monkeypatch.setenv("COLUMNS", "80")
    stream = Tty()
    name = "[2/5] holidays/2026 summer/beach.mp4"
    TerminalProgress(stream, label="batch", show_stage=True)(ProgressInfo(144, 720, 9.1, 5.0, 64.0, name, waiting=10))
    drawn = stream.getvalue().split("\x1b[2K")[-1]
    assert drawn.startswith("batch [2/5] holid") and "beach.mp4:  20.0% 144/720 (10 encoding) " in drawn
    assert drawn.endswith("ETA 1:04") and len(drawn) < 80


@pytest.mark.parametrize("name, shown", [("夏休みの思い出の長いファイル名前ですね本当に長い.mp4",
                                          "夏休みの思い出の長い…ですね本当に長い.mp4"),
                                         ("line\nbreak.mp4", "line\\nbreak.mp4")])  # as a batch's lines show it
def test_the_bar_counts_terminal_columns_not_characters(monkeypatch, name, shown):
    """A Japanese name takes two columns a character: cut by characters, the line wrapped again (and left a stale
    line at each redraw); a newline in a name (legal on Linux) split the bar over two rows."""
    from vsr_app.progress import text_width

    monkeypatch.setenv("COLUMNS", "80")
    stream = Tty()
    TerminalProgress(stream, label="batch", show_stage=True)(ProgressInfo(66, 120, 12.3, 5.0, 4.0, name))
    drawn = stream.getvalue().split("\x1b[2K")[-1]
    assert text_width(drawn) < 80 and drawn.startswith(f"batch {shown}: ") and "\n" not in drawn


def test_a_terminal_that_says_it_has_no_columns_gets_the_usual_width(monkeypatch):
    """A pty whose size was never set (`docker run -t`) says 0 columns: the line was cut to "ETA 0:0"."""
    import os

    monkeypatch.setattr(os, "get_terminal_size", lambda *_: os.terminal_size((0, 0)))
    monkeypatch.setenv("COLUMNS", "100")
    stream = Tty()
    stream.fileno = lambda: 2
    TerminalProgress(stream)(ProgressInfo(5, 10, 2.5, 2.0, 2.0))
    assert stream.getvalue().endswith("ETA 0:02") and "[" in stream.getvalue()


def test_terminal_progress_in_a_log_prints_plain_lines_now_and_then():
    stream = io.StringIO()
    bar = TerminalProgress(stream, plain_every=5.0)
    for t in range(12):
        bar(ProgressInfo(t, 12, 1.0, float(t), 12.0 - t))
    bar(ProgressInfo(12, 12, 1.0, 12.0, 0.0, ended=True))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 4 and lines[-1].startswith("[") and "12/12" in lines[-1]  # t=0, 5, 10 and the end


@pytest.mark.parametrize("error", [BrokenPipeError(32, "Broken pipe"), OSError(28, "No space left on device")],
                         ids=["closed pipe", "full disk"])
def test_a_progress_stream_that_cannot_be_written_ends_the_bar_not_the_job(error):
    """`vsr-app upscale ... 2>&1 | head -1`, or `> log 2>&1` on a full disk: once the stream cannot be written the
    bar stays silent instead of raising."""
    class Unwritable(io.StringIO):
        writes = 0

        def write(self, text):
            Unwritable.writes += 1
            raise error

    bar = TerminalProgress(Unwritable(), plain_every=0.0)
    for t in range(3):
        bar(ProgressInfo(t, 3, 1.0, float(t), 3.0 - t))
    bar.close("done")
    assert Unwritable.writes == 1


def test_a_rate_not_known_yet_reads_as_unknown_not_as_a_stall():
    """Before a frame was done the Export dialog and the bar read "0.00 fps", as if the job had stalled."""
    from vsr_app.progress import fps_text

    assert (fps_text(0.0), fps_text(0.456), fps_text(24.04)) == ("--", "0.46", "24.0")


def test_format_duration():
    assert format_duration(None) == "--:--"
    assert format_duration(65) == "1:05"
    assert format_duration(3725) == "1:02:05"


def test_a_video_whose_header_states_no_length_gets_a_total_from_its_packets(tmp_path):
    """A browser's WebM screen recording (like raw .h264) states neither duration nor frame count: an export had no
    percentage and no time left, and a batch of such files read 100% after its first, ordinary file."""
    from videogen import make_video
    from vsr_app.batch_progress import estimate
    from vsr_app.video.pipeline import process_video

    raw = make_video(tmp_path / "screen.h264", frames=12)
    totals = []
    process_video(raw, tmp_path / "out.mp4", upscale="bicubic", device="cpu",
                  progress=lambda info: totals.append(info.total))
    assert totals and set(totals) == {12}
    assert estimate(raw, 2).frames == 24


def test_progress_shows_the_frames_the_encoder_still_holds(tmp_path, slow_model):
    """Counted as the encoder finished frames, the bar, its rate and its time left stood at nothing until x264's
    look-ahead was full: a 4K x4 upscale at 55 s a frame read "0.0% 0/6 frames (4 more in the encoder) -- fps ...
    ETA --:--" for minutes. They go by the frames made; those the encoder holds are said beside them, and the end
    counts the frames written."""
    from videogen import make_video
    from vsr_app.video.pipeline import process_video

    video = make_video(tmp_path / "in.mp4", frames=6)
    seen = []
    process_video(video, tmp_path / "out.mp4", upscale=slow_model, device="cpu", preset="medium",  # 40-frame look-ahead
                  progress=seen.append)
    held = [info for info in seen if info.done and info.waiting == info.done]  # made, none written yet
    assert len({info.done for info in held}) >= 3 and any(info.fps and info.eta for info in held)
    assert [info.fraction for info in seen] == sorted(info.fraction for info in seen)  # never back
    assert (seen[-1].done, seen[-1].total, seen[-1].waiting, seen[-1].eta) == (6, 6, 0, 0.0)
    assert " 66.7% 4/6 frames (4 still in the encoder)" in TerminalProgress().line(replace(held[0], done=4, waiting=4))


def test_the_count_rate_and_time_left_go_by_the_frames_made():
    """The encoder hands frames back only after its look-ahead: the rate and the time left come from the frames
    made, the count says how many the encoder still holds, and the end counts the frames it finished."""
    clock, seen = FakeClock(), []
    meter = ProgressMeter(6, seen.append, interval=0.0, clock=clock)
    for _ in range(4):
        clock.now += 55.0
        meter.made_one()
    info = seen[-1]
    assert (info.done, info.waiting, info.fraction) == (4, 4, pytest.approx(4 / 6))
    assert info.fps == pytest.approx(1 / 55) and info.eta == pytest.approx(2 * 55)
    meter.advance(2)
    for _ in range(2):
        clock.now += 55.0
        meter.made_one()
    # all made, the encoder's pace unknown: no time left said, and not the end's zero
    assert (seen[-1].done, seen[-1].waiting, seen[-1].fraction, seen[-1].eta) == (6, 4, 1.0, None)
    meter.advance(4)
    final = meter.finish()
    assert (final.done, final.total, final.waiting, final.eta) == (6, 6, 0, 0.0)
    assert [info.done for info in seen] == sorted(info.done for info in seen)
    # an encoder may hand a frame back before it is counted made (an intra-only codec): counted once, not twice
    meter = ProgressMeter(6, None, clock=clock)
    for _ in range(2):
        clock.now += 1.0
        meter.advance()
        meter.made_one()
    assert (meter.info().done, meter.info().waiting, meter.info().fps) == (2, 0, pytest.approx(1.0))


def test_a_batch_says_its_last_files_frames_in_the_encoder_until_its_end():
    """All its frames made, the batch read "100.0% 8/8 frames ... ETA 0:00" as its end while the last file's encoder
    still held 4 of them."""
    from pathlib import Path

    from vsr_app.batch_progress import Estimate, OverallProgress

    clock, seen = FakeClock(), []
    overall = OverallProgress([Estimate(8, 100)], seen.append, Path("."), clock=clock)
    overall.start_file("[1/1] c.mp4", Estimate(8, 100))
    for made in range(1, 9):
        clock.now += 1.0
        overall.on_progress(ProgressInfo(made, 8, 1.0, clock.now - 100, None, "", waiting=min(made, 4)))
    last = seen[-1]
    assert (last.done, last.waiting, last.eta) == (8, 4, None)
    assert "8/8 frames (4 still in the encoder)" in TerminalProgress().line(last)


@pytest.mark.parametrize("name, shown", [("[1/2] good_ref.mp4", "[1/2] good_ref.mp4"),
                                         ("[1/2] holidays/2026 summer/beach.mp4", "[1/2] holidays/202\u2026beach.mp4")])
def test_a_narrow_terminal_keeps_the_start_and_extension_of_the_batchs_file(monkeypatch, name, shown):
    """At 60 columns the name was cut to what fit beside the frame rate: "batch [1/2]\u2026f.mp4:" named no file.
    The rate goes first, then the word "frames"; the name keeps its index, 12 columns of its start and its
    extension."""
    monkeypatch.setenv("COLUMNS", "60")
    stream = Tty()
    TerminalProgress(stream, label="batch", show_stage=True)(ProgressInfo(66, 120, 12.3, 5.0, 4.0, name, waiting=10))
    drawn = stream.getvalue().split("\x1b[2K")[-1]
    assert drawn.startswith(f"batch {shown}:  55.0% 66/120") and drawn.endswith("ETA 0:04") and len(drawn) < 60


def test_a_file_that_ran_out_of_room_projects_by_the_frames_it_wrote():
    """Progress counts frames made, those the encoder still holds among them: the bytes written divided by all of
    them put the next files' outputs at two thirds of their size, and warned of a full disk too late."""
    from pathlib import Path

    from vsr_app.batch_progress import Estimate, OverallProgress

    overall = OverallProgress([Estimate(200, 1), Estimate(100, 1)], None, Path("."))
    overall.start_file("a", Estimate(200, 1))
    overall.on_progress(ProgressInfo(146, 200, 1.0, 1.0, None, waiting=46))
    overall.count_unfinished(1_000_000)  # for the 100 frames written
    assert overall.bytes_for(Estimate(100, 1)) == pytest.approx(1_000_000)
