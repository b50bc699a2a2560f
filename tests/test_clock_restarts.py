"""Where a joined recording's clock starts again (the Joined row, the steps its rate and gaps leave out): each later
part's first keyframe on the continued timeline. It was found by demuxing the whole video again once its joins were
known, a third read of a 7.6 GB broadcast recording; it is read from each part's first byte to its first keyframe."""

from __future__ import annotations

import av
import pytest

from test_joins_deterministic import _flv
from test_joins_sampled import _Counted, _large, _packets_demuxed
from videogen import make_video
from vsr_app.video import joins, restarts
from vsr_app.video.reader import VideoReader, probe

FPS = 25
FRAMES = (100, 75, 125)  # of each part, a keyframe every 10
FLV_HEADER = 13  # bytes of a later part's FLV header, dropped where an RTMP dump goes on across a reconnect
FORMATS = [(".ts", "libx264", "aac"), (".ts", "mpeg2video", "mp2"), (".mpg", "mpeg2video", "mp2"),
           (".flv", "libx264", "aac")]


def _joined(folder, suffix: str, codec: str, audio: str | None):
    """Three recordings each from time 0 (`FRAMES`), joined byte for byte."""
    if suffix == ".flv":
        parts = [_flv(folder / f"part{i}.flv", sum(FRAMES[:i]), frames) for i, frames in enumerate(FRAMES)]
    else:
        parts = [make_video(folder / f"part{i}{suffix}", frames=frames, fps=FPS, codec=codec, gop=10, audio=audio)
                 for i, frames in enumerate(FRAMES)]
    path = folder / f"joined{suffix}"
    skip = FLV_HEADER if suffix == ".flv" else 0
    path.write_bytes(b"".join(part.read_bytes()[skip if i else 0:] for i, part in enumerate(parts)))
    return path


def _later_parts_frames(path) -> list[float]:
    """Seconds from the start at which the reader's frames of each part after the first begin."""
    times, start = [frame.time for frame in VideoReader(path).frames()], probe(path).start_time
    assert len(times) == sum(FRAMES)
    return [times[sum(FRAMES[:i])] - start for i in range(1, len(FRAMES))]


def _packets(path) -> int:
    """The packets of every stream in the file."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.demux())


def _read_through(path) -> tuple[float, ...]:
    """The restarts as the whole video demuxed again finds them, by the joins found (sampled in a "large" file)."""
    info = probe(path)
    return tuple(t - info.start_time for t in restarts._read_through(info, joins.file_joins(path, sampled=True)))


@pytest.mark.parametrize("suffix, codec, audio", FORMATS)
@pytest.mark.parametrize("sampled", [False, True], ids=["joins-read-through", "joins-sampled"])
def test_the_restarts_are_read_from_each_parts_start_as_the_whole_video_gives_them(tmp_path, monkeypatch, suffix,
                                                                                   codec, audio, sampled):
    """The same restarts as a read of the whole video, each a later part's first frame, from a few packets at each
    part's start."""
    path = _joined(tmp_path, suffix, codec, audio)
    info, every = probe(path), _packets(path)
    if sampled:  # as a file over 1 GB (EAGER_BYTES) has its joins found
        _large(monkeypatch)
    assert len(joins.file_joins(path, sampled=sampled).starts) == len(FRAMES) - 1
    whole = _read_through(path)
    assert whole == pytest.approx(_later_parts_frames(path))
    demuxed = _packets_demuxed(monkeypatch)
    assert restarts.clock_restarts(info) == whole
    assert demuxed[0] < every / 10, (demuxed[0], every)


class _NoByteSeek(_Counted):
    """An open container whose byte seeks fail, as in a format FFmpeg cannot seek by bytes."""

    def seek(self, offset, **options):
        if options.get("unsupported_byte_offset"):
            raise av.FFmpegError(38, "Function not implemented")
        return self._container.seek(offset, **options)


@pytest.mark.parametrize("suffix, codec, audio, opened", [(".ogv", "libvpx", None, _Counted),
                                                         (".ts", "libx264", "aac", _NoByteSeek)],
                         ids=["ogg-chain", "no-byte-seek"])
def test_where_the_video_cannot_be_read_from_a_byte_position_it_is_read_through(tmp_path, monkeypatch, suffix, codec,
                                                                                 audio, opened):
    """The restarts of the whole video read again: in a format FFmpeg cannot seek by bytes, and in chained Ogg, whose
    demuxer gives up ("patches welcome") on a later chain's start read from a seek there. (A chain's restart is a frame
    before its first picture, as before: its VP8 header packet is flagged a keyframe and timed a frame early.)"""
    path = _joined(tmp_path, suffix, codec, audio)
    info, every, whole = probe(path), _packets(path), _read_through(path)
    assert whole == pytest.approx(_later_parts_frames(path), abs=1.01 / FPS)
    counted, open_file = [0], av.open
    monkeypatch.setattr(av, "open", lambda *a, **k: opened(open_file(*a, **k), counted))
    assert restarts.clock_restarts(info) == whole
    assert counted[0] >= every
