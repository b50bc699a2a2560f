"""A seek gives the frame that decoding from the start gives at its time, in every container, and the reader's notes
(sizes, interlaced frames) are of the pass that gave the frames."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pytest

from videogen import make_video, resizing_video, woven_fields
from vsr_app.video.frame_clock import REORDER_DEPTH
from vsr_app.video.reader import VideoReader

GOP = 10


def _first_frames(reader: VideoReader, start: float, count: int = 2):
    frames = reader.frames(start=start)
    try:
        return list(islice(frames, count))
    finally:
        frames.close()


@pytest.mark.parametrize("name, codec", [("h264.ts", "libx264"), ("mpeg2.ts", "mpeg2video"),
                                         ("mpeg2.mpg", "mpeg2video"), ("h264.mp4", "libx264"),
                                         ("h264.mkv", "libx264")])
def test_a_seek_gives_the_frames_decoding_from_the_start_gives_there(tmp_path, name, codec):
    """MPEG-TS seeks land between keyframes and the decoder began at the next one (up to a GOP late), and after a
    seek in an MPEG program stream the frames came half a frame late (frame k - 1 was taken for frame k): the viewer
    showed and scored other frames than an export's. From every frame's time (halfway from the one before, as the
    viewer seeks), the first two frames must be those decoding in order gives, picture and time."""
    path = make_video(tmp_path / name, frames=50, fps=25, codec=codec, gop=GOP)
    reader = VideoReader(path)
    in_order = list(reader.frames())
    assert len(in_order) == 50
    for k in range(1, 49):
        got = _first_frames(reader, (in_order[k - 1].time + in_order[k].time) / 2)
        assert [f.time for f in got] == [f.time for f in in_order[k:k + 2]], f"frame {k}"
        for seeked, ordered in zip(got, in_order[k:k + 2]):
            np.testing.assert_array_equal(seeked.image, ordered.image, err_msg=f"frame {k}")


@pytest.mark.parametrize("name", ["h264.mp4", "h264.mkv"])
def test_a_seek_in_an_indexed_file_decodes_from_its_keyframe_not_from_the_start(tmp_path, monkeypatch, name):
    """MP4 and Matroska seek straight to the keyframe before the time: the accurate seek must keep that (decoding
    from the start made a jump near the end of a long video as slow as playing up to it)."""
    path = make_video(tmp_path / name, frames=120, fps=25, codec="libx264", gop=GOP)
    reader = VideoReader(path)
    decoded = []
    decode = VideoReader._decode

    def counted(self, packets, stream):
        for frame in decode(self, packets, stream):
            decoded.append(frame.pts)
            yield frame

    monkeypatch.setattr(VideoReader, "_decode", counted)
    [frame] = _first_frames(reader, start=4.5, count=1)
    assert frame.time == pytest.approx(4.52)
    assert 0 < len(decoded) <= GOP + REORDER_DEPTH + 1


@pytest.mark.parametrize("name", ["onekey.mp4", "onekey.ts"])
def test_a_seek_reads_packets_only_up_to_its_time_not_to_the_next_keyframe(tmp_path, monkeypatch, name):
    """Held up to the keyframe after the time, a seek into a screen recording with one keyframe read the rest of the
    file into memory before its first frame (MPEG-TS: at each step back)."""
    path = make_video(tmp_path / name, frames=300, fps=25, codec="libx264", gop=300)
    read = []
    packets = VideoReader._packets

    def counted(self, container, stream):
        for packet in packets(self, container, stream):
            read.append(packet)
            yield packet

    monkeypatch.setattr(VideoReader, "_packets", counted)
    [frame] = _first_frames(VideoReader(path), start=1.0, count=1)
    assert frame.time == pytest.approx(1.0)
    assert len(read) < 80  # the 26 up to 1 s, twice in a TS (a step back), and what the decoder's delay holds


def test_the_size_change_is_of_the_latest_pass_and_numbered_from_its_first_frame(tmp_path):
    """It was kept from an earlier pass (a pass that never reached the change still said it), and a seek's pass
    numbered its frames from its own first one while the change kept another pass's number."""
    reader = VideoReader(resizing_video(tmp_path / "resize.mkv"))
    assert len(list(reader.frames())) == 6 and reader.size_change == (3, 32, 24)
    assert len(_first_frames(reader, start=0.0)) == 2 and reader.size_change is None
    later = list(reader.frames(start=0.25))
    assert [f.index for f in later] == [0, 1, 2] and reader.size_change == (0, 32, 24)


def test_interlaced_frames_counts_the_frames_a_pass_gave(tmp_path):
    """The frames decoded before a seek's time were counted (10 deinterlaced for a pass that gave 5), and so were
    those read ahead of the frames given."""
    path = make_video(tmp_path / "25i.mkv", images=woven_fields(10), fps=25, interlaced=True, gop=GOP)
    reader = VideoReader(path)
    assert len(list(reader.frames())) == 10 and reader.interlaced_frames == 10
    assert len(list(reader.frames(start=0.19))) == 5 and reader.interlaced_frames == 5
    assert len(_first_frames(reader, start=0.0)) == 2 and reader.interlaced_frames == 2
