"""Recordings joined end to end (`cat a.ts b.ts`, a camcorder's clips, a DVD's cells): the second's clock starts again
and the reader continues its times after the first's. A seek takes a time on that continued timeline, as the viewer
asks for one (from the packets' times), and must give the frame that decoding from the start gives there: seeking by
the file's own times, which name two places, gave nothing in the second recording and, in a longer first one, a frame
of the second at a time of the first."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pytest

from videogen import make_video, pattern_frame
from vsr_app.video.reader import VideoReader

GOP = 10


def _joined(folder, suffix: str, codec: str, frames: int):
    """Two recordings of `frames` frames each, both starting at time 0, joined byte for byte; every picture differs."""
    parts = [make_video(folder / f"part{i}{suffix}", fps=25, codec=codec, gop=GOP,
                        images=[pattern_frame(i * frames + k, 64, 48) for k in range(frames)]) for i in (0, 1)]
    joined = folder / f"joined{suffix}"
    joined.write_bytes(b"".join(part.read_bytes() for part in parts))
    return joined


@pytest.mark.parametrize("suffix, codec", [(".ts", "libx264"), (".ts", "mpeg2video"), (".mpg", "mpeg2video")])
def test_a_seek_into_either_recording_gives_the_frames_decoding_from_the_start_gives(tmp_path, suffix, codec):
    frames = 60
    reader = VideoReader(_joined(tmp_path, suffix, codec, frames))
    in_order = list(reader.frames())
    assert len(in_order) == 2 * frames
    assert all(b.time > a.time for a, b in zip(in_order, in_order[1:]))
    for k in range(1, 2 * frames - 1, 3):
        seek = reader.frames(start=(in_order[k - 1].time + in_order[k].time) / 2)
        try:
            got = list(islice(seek, 2))
        finally:
            seek.close()
        assert [f.time for f in got] == [f.time for f in in_order[k:k + 2]], f"frame {k}"
        for seeked, ordered in zip(got, in_order[k:k + 2]):
            np.testing.assert_array_equal(seeked.image, ordered.image, err_msg=f"frame {k}")
