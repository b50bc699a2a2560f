"""Output timing: a last frame keeps its own length (variable frame rate), and no two frames share a timestamp."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from conftest import VFR_TIMES
from videogen import make_video, pattern_frame
from vsr_app.errors import VsrAppError
from vsr_app.video.limits import check_timestamps_fit
from vsr_app.video.pipeline import process_video
from vsr_app.video.packet_times import packet_span
from vsr_app.video.reader import VideoReader, probe
from vsr_app.video.verify import output_mismatch
from vsr_app.video.writer import VideoWriter

TB = Fraction(1, 1000)
SLIDES = [0.0, 0.5, 1.0, 1.5, 2.0]  # the last slide stays up until SLIDESHOW_END
SLIDESHOW_END = 10.0


def make_slideshow(path, times=SLIDES, end=SLIDESHOW_END):
    """Frames shown at `times`, the last one until `end`: its packet says so, as a slideshow maker writes it."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=2)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = stream.codec_context.time_base = TB
        stream.options = {"preset": "ultrafast"}  # no reordered frames: the last packet is the last frame's
        packets = []
        for i, t in enumerate(times):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 64, 48), format="rgb24")
            frame.pts = round(t / TB)
            packets += stream.encode(frame)
        packets += stream.encode(None)
        packets[-1].duration = round((end - times[-1]) / TB)
        container.mux(packets)
    return path


def durations(path) -> tuple[float, float, float]:
    """(the file's duration, its video stream's, the end of its last video packet), in seconds, as ffprobe reads
    them; the file's counts from 0, the others from the first frame."""
    with av.open(str(path)) as container:
        whole = container.duration / av.time_base
    span = packet_span(path)
    return whole, probe(path).duration, span.end - span.start


def panning(i: int) -> np.ndarray:
    """Detailed motion, so x264 reorders frames (B-frames): the last packet written is not the last frame's."""
    texture = np.random.default_rng(5).integers(0, 256, (48, 300, 3), dtype=np.uint8)
    return np.ascontiguousarray(texture[:, i:i + 64])


def last_packet_is_reordered(path) -> bool:
    with av.open(str(path)) as container:
        times = [packet.pts for packet in container.demux(video=0) if packet.size]
    return times[-1] != max(times)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
@pytest.mark.parametrize("task", [{"upscale": "bicubic"}, {"interpolate": "blend"}])
def test_a_slideshows_last_slide_keeps_its_length(tmp_path, suffix, task):
    src = make_slideshow(tmp_path / f"slides{suffix}")
    assert durations(src) == pytest.approx((SLIDESHOW_END,) * 3)
    summary = process_video(src, tmp_path / f"out{suffix}", device="cpu", **task)
    whole, stream, packets = durations(summary.output)
    assert whole == stream == packets == pytest.approx(SLIDESHOW_END, abs=1e-3)
    assert summary.output_duration == pytest.approx(SLIDESHOW_END, abs=1e-3)
    # a batch run again skips it: an MP4's reordered last packet ran past its end (13.75 s), so it was redone
    scale, factor = (4, 1) if "upscale" in task else (1, 2)
    assert output_mismatch(src, summary.output, scale, factor) is None
    assert not any("output lasts" in note for note in summary.notes)
    times = [f.time for f in VideoReader(summary.output).frames()]
    if "interpolate" in task:  # the last slide's copy comes halfway through it
        assert times[-2:] == pytest.approx([SLIDES[-1], (SLIDES[-1] + SLIDESHOW_END) / 2], abs=1e-3)
    else:
        assert times == pytest.approx(SLIDES, abs=1e-3)


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv"])
def test_a_mostly_still_recording_ends_where_its_source_does(tmp_path, suffix):
    """A screen recording writes a frame only on a change: its average rate, the encoder's, is 2.4 fps here, and
    the muxer gave every packet 1/2.4 s, so the frames of its last second ran the track 0.28 s past its end (a
    61 s recording upscaled lasted 62.84 s) while the summary and the batch report said 61."""
    src = make_video(tmp_path / "screen.mp4", frames=16, times=[0.0] + [6.0 + k / 30 for k in range(15)])
    assert probe(src).frame_rate < 3
    summary = process_video(src, tmp_path / f"out{suffix}", upscale="bicubic", device="cpu")
    whole, stream, _ = durations(summary.output)
    assert whole == stream == pytest.approx(probe(src).duration, abs=1e-3)
    assert summary.output_duration == pytest.approx(stream, abs=1e-3)


TIMES = [0.0, 0.5, 1.0] + [1.0 + 0.04 * i for i in range(1, 30)]  # slow at first: x264's dts lag that far behind


@pytest.mark.parametrize("codec, suffix", [("libx264", ".mp4"), ("libx265", ".mov"), ("libx264", ".mkv"),
                                           ("ffv1", ".mkv"), ("prores", ".mov")])
def test_the_file_ends_where_the_writer_is_told_the_last_frame_does(tmp_path, codec, suffix):
    out = tmp_path / f"out{suffix}"
    with VideoWriter(out, width=64, height=48, frame_rate=25, codec=codec) as writer:
        for i, t in enumerate(TIMES):
            writer.write(panning(i), t)
        result = writer.close(end=TIMES[-1] + 7.5)
    if codec == "libx264":
        assert last_packet_is_reordered(out)
    whole, stream, packets = durations(out)
    assert result.duration == pytest.approx(TIMES[-1] + 7.5)
    assert whole == stream == pytest.approx(result.duration, abs=1e-3)
    if suffix == ".mkv":
        assert packets == pytest.approx(result.duration, abs=1e-3)


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_without_an_end_the_last_frame_lasts_as_long_as_the_one_before(tmp_path, suffix):
    times = [0.0, 0.1, 0.2, 0.3, 0.5, 0.9]  # 10 frames a second nominally, the last interval 0.4 s
    with VideoWriter(tmp_path / f"out{suffix}", width=64, height=48, frame_rate=10) as writer:
        for i, t in enumerate(times):
            writer.write(panning(i), t)
    whole, stream, _ = durations(writer.result.path)
    assert writer.result.duration == pytest.approx(1.3)
    assert whole == stream == pytest.approx(1.3, abs=1e-3)


def test_an_end_before_the_last_frame_is_refused_and_nothing_is_left(tmp_path):
    writer = VideoWriter(tmp_path / "out.mp4", width=64, height=48, frame_rate=10)
    writer.write(panning(0), 0.0)
    writer.write(panning(1), 0.1)
    with pytest.raises(ValueError, match="does not come after the last frame"):
        writer.close(end=0.1)
    assert list(tmp_path.iterdir()) == []


class GroupedEncoder:
    """A video stream whose encoder gives its packets three frames at a time, in decode order: the third frame's (the
    reference the two before it are predicted from) first, as B-frame encoders on FFmpeg's send/receive API do (nvenc,
    svt-av1). FFV1's packets, each a keyframe, held back, reordered and given decode times before their own."""

    def __init__(self, stream):
        self.stream, self.held = stream, []
        stream.codec_context.gop_size = 1  # each decodes alone, in any order

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def encode(self, frame):
        self.held += self.stream.encode(frame)
        if len(self.held) < 3:
            return []
        group, self.held = [self.held[2], *self.held[:2]], []
        step = group[2].pts - group[1].pts
        for k, packet in enumerate(group):
            packet.dts = group[1].pts - (2 - k) * step
        return group


def test_an_encoder_giving_several_packets_at_once_is_written(tmp_path):
    """The reference frame's packet came before the next frame was written, so its duration was not known yet:
    a bare KeyError out of write()."""
    times = [i / 30 for i in range(9)]
    writer = VideoWriter(tmp_path / "out.mkv", width=64, height=48, frame_rate=30, codec="ffv1")
    writer.stream = GroupedEncoder(writer.stream)
    for i, t in enumerate(times):
        writer.write(panning(i), t)
    writer.stream = writer.stream.stream  # all given: the flush at close() reads the stream itself
    result = writer.close()
    assert result.frames == len(times) and result.duration == pytest.approx(9 / 30)
    assert [f.time for f in VideoReader(result.path).frames()] == pytest.approx(times, abs=1e-3)


@pytest.fixture(scope="module")
def fast_clip(tmp_path_factory):
    """600 frames a second (a high-speed camera): doubled, 1200, frames 0.83 ms apart."""
    return make_video(tmp_path_factory.mktemp("fast") / "fast.mp4", frames=12, fps=600)


def test_more_frames_a_second_than_matroskas_millisecond_clock_holds_are_refused_up_front(fast_clip, tmp_path):
    # FFmpeg wrote such files without a word, two frames on one millisecond (measured: every sixth pair at 1200 fps)
    with pytest.raises(VsrAppError, match=r"1200 frames a second.*whole milliseconds.*write \.mp4 or \.mov instead"):
        process_video(fast_clip, tmp_path / "x2.mkv", interpolate="blend", device="cpu")
    assert list(tmp_path.iterdir()) == []
    out = process_video(fast_clip, tmp_path / "x2.mp4", interpolate="blend", device="cpu").output
    times = [f.time for f in VideoReader(out).frames()]
    assert np.diff(times) == pytest.approx([1 / 1200] * 23, abs=1e-6)


def test_a_matroska_header_overstating_the_frame_rate_is_not_refused_when_the_frames_are_far_enough_apart(tmp_path):
    """A track whose default duration says 600 fps over frames 40 ms apart: the header's rate, doubled, was refused,
    though the frames' own times (which are written) have 20 ms between them doubled."""
    source = make_video(tmp_path / "stated600.mkv", frames=10, fps=600, times=[0.04 * i for i in range(10)])
    assert VideoReader(source).info.frame_rate == 600
    out = process_video(source, tmp_path / "x2.mkv", interpolate="blend", device="cpu").output
    gaps = np.diff([f.time for f in VideoReader(out).frames()])
    assert gaps[:-1] == pytest.approx([0.02] * 18, abs=1e-6) and gaps[-1] > 0  # the last: half the header's interval


def test_matroskas_clock_limit_names_what_works_for_each_codec():
    check_timestamps_fit(1000, ".mkv", "libx264")  # frames 1 ms apart: each has its own millisecond
    check_timestamps_fit(Fraction(5000), ".mov", "prores")
    with pytest.raises(VsrAppError, match=r"write \.mov instead"):
        check_timestamps_fit(1001, ".MKV", "prores")
    with pytest.raises(VsrAppError, match="ffv1 goes only in .mkv: use --codec prores with a .mov output"):
        check_timestamps_fit(2000, ".mkv", "ffv1")


def test_a_cut_mp4s_hidden_frames_are_not_counted_as_lost(tmp_path):
    """A stream-copy cut keeps frames before the cut, hidden by its edit list; its header counts them, so every run
    noted 'the file header promised 17 frames but 12 could be decoded', and a batch rerun decoded the whole input
    to check the output's frame count."""
    from test_audio_carry import cut_mp4

    src = cut_mp4(tmp_path / "cut.mp4")
    assert probe(src).frame_count == 12  # the header's 17, less the 5 its edit list hides (a phone's "Trim" too)
    seen = []
    process_video(src, tmp_path / "counted.mp4", upscale="bicubic", device="cpu", progress=seen.append)
    assert {info.total for info in seen} == {12}  # the progress total from the start, not 0/17 ending at 12/12
    summary = process_video(src, tmp_path / "out.mp4", upscale="bicubic", device="cpu")
    assert summary.frames_in == 12
    assert not any("promised" in note for note in summary.notes)
    assert packet_span(src).frames == 12 and packet_span(src).start == 0.0


@pytest.mark.parametrize("edits, shown", [([(3.0, 2.0)], 30), ([(2.7, 2.3)], 27), ([(3.0, 0.0)], 30),
                                          ([(2.0, 1.5)], 20), ([(1.0, 0.0), (2.0, 3.0)], 30)],
                         ids=["start at a keyframe", "start mid-GOP", "end", "both ends", "middle"])
def test_a_trimmed_mp4_counts_the_frames_it_shows(tmp_path, edits, shown):
    """Its header counts all 50 frames; FFmpeg leaves some hidden ones out of its index and marks the others: the
    header's count less the marked ones said 50, 47 or 39 of 30, 27 or 30 frames shown."""
    from videogen import with_edit_list
    from vsr_app.video.reader import VideoReader

    trimmed = with_edit_list(tmp_path / "trimmed.mp4", edits)
    frames = VideoReader(trimmed).frames()
    assert probe(trimmed).frame_count == sum(1 for _ in frames) == shown


ONE_REPEAT = sorted([i / 10 for i in range(20)] + [0.5])  # one frame with its predecessor's time
STUCK = [i / 10 for i in range(5)] + [0.5] * 7 + [0.6 + i / 10 for i in range(10)]  # the clock stuck for 6 frames


@pytest.mark.parametrize("times, note", [
    (ONE_REPEAT, "1 frame had no time of its own (or repeated the one before): it was placed between its neighbours"),
    (STUCK, "6 frames had no time of their own (or repeated the one before): with no later time near, they were "
            "placed a frame apart, moving the later frames on by up to 0.60 s: the picture runs that far behind the "
            "sound"),
    (VFR_TIMES, None),
], ids=["one repeat", "a stuck clock", "variable rate"])
def test_frames_without_a_time_of_their_own_are_said_and_how_far_they_moved_the_rest(tmp_path, times, note):
    """The reader gives a frame with a missing or repeated time one of its own (`FrameClock`); past a few in a row it
    moves every later frame on, and the output's picture ran behind its sound without a word. The note says how many
    and how far: as far as the output's frames are from their own times."""
    src = make_video(tmp_path / "in.mkv", frames=len(times), times=times, audio="aac")
    summary = process_video(src, tmp_path / "out.mkv", upscale="bicubic", device="cpu")
    assert [n for n in summary.notes if "time of" in n] == ([note] if note else [])
    shown = [frame.time for frame in VideoReader(summary.output).frames()]
    lags = [at - own for at, own, before in zip(shown, times, [None] + times) if own != before]  # frames' own times
    assert max(lags) == pytest.approx(0.6 if times is STUCK else 0.0, abs=2e-3)
