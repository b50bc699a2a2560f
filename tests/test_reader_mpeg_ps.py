"""MPEG program streams (.mpg, .vob) as the ffmpeg command line writes them: the frame count at opening is the frames
there are, and a seek in MPEG-2 flagged interlaced gives the frame that playing on gives."""

from __future__ import annotations

from fractions import Fraction
from itertools import islice
from pathlib import Path

import av
import numpy as np
import pytest

from vsr_app.video.reader import VideoReader
from vsr_app.video.packet_times import with_counted_frames

FPS = 25
GOP = 12


def make_testsrc_mpg(path: Path, codec: str, frames: int, *, b_frames: int = 0, interlaced: bool = False,
                     bit_rate: int = 200_000) -> Path:
    """`frames` of FFmpeg's testsrc (a frame counter over colour bars) at 320x240 and 25 fps, by default at the
    command line's 200 kb/s, where a PES packet holds several frames; a keyframe every GOP frames, GOPs open;
    `interlaced` codes each frame as two fields and flags it interlaced (as DVD and broadcast MPEG-2 is)."""
    with av.open(f"testsrc=size=320x240:rate={FPS}", format="lavfi") as source, av.open(str(path), "w") as out:
        video = out.add_stream(codec, rate=FPS)
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        context = video.codec_context
        context.gop_size, context.max_b_frames, context.bit_rate = GOP, b_frames, bit_rate
        if interlaced:
            context.flags |= av.codec.context.Flags.interlaced_dct | av.codec.context.Flags.interlaced_me
        for i, frame in enumerate(islice(source.decode(video=0), frames)):
            frame = frame.reformat(format="yuv420p")
            frame.pict_type = av.video.frame.PictureType.NONE  # testsrc's frames say I: the encoder would obey
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return path


@pytest.mark.parametrize("codec, b_frames, frames", [("mpeg1video", 0, 51), ("mpeg1video", 2, 50),
                                                     ("mpeg2video", 2, 50), ("mpeg2video", 0, 25)])
def test_a_program_stream_opens_with_the_frames_it_has(tmp_path, codec, b_frames, frames):
    """FFmpeg ends a program stream one frame after the last time a PES header carries (half a frame for MPEG-1),
    and the frames packed after it in that packet went uncounted: `ffmpeg -t 2` of MPEG-1 opened one frame short,
    MPEG-2 with B-frames three, until played to the end (the timeline, progress totals and eval's count)."""
    reader = VideoReader(make_testsrc_mpg(tmp_path / "clip.mpg", codec, frames, b_frames=b_frames))
    assert reader.info.estimated_frames == frames
    assert with_counted_frames(reader.info).estimated_frames == frames
    assert reader.info.duration == pytest.approx(frames / FPS)
    assert len(list(reader.frames())) == frames


def _first_frame(reader: VideoReader, start: float):
    frames = reader.frames(start=start)
    try:
        return next(frames)
    finally:
        frames.close()


def test_a_seek_in_interlaced_mpeg2_gives_the_frame_playing_gives(tmp_path):
    """A seek's pass began idet and bwdif at its keyframe, without the frames before: a keyframe sought at its time
    differed from the one played, and a pass from 2.94 s (frame 60) never saw the frame at 2.5 s after which idet
    passes the video through, and deinterlaced every frame. From every frame's time and from halfway before it, the
    frame must be the one playing gives."""
    reader = VideoReader(make_testsrc_mpg(tmp_path / "25i.mpg", "mpeg2video", 75, b_frames=2, interlaced=True,
                                          bit_rate=1_000_000))
    played = list(reader.frames())
    assert len(played) == 75
    differing = []
    for k in range(1, len(played)):
        for start in (played[k].time, (played[k - 1].time + played[k].time) / 2):
            seeked = _first_frame(reader, start)
            if seeked.time != played[k].time or not np.array_equal(seeked.image, played[k].image):
                differing.append(k)
    assert differing == []
