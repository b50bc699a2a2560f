"""Is an existing output a finished result of its input? Answered from the two files themselves.

Why: a batch that was interrupted (Ctrl-C, kill -9, power loss) must be resumable by running it again,
and "the output exists" proves little - a file from an older run, another tool, or a damaged copy can sit
at the same name. So both files are demuxed (packets only, fast even for long videos) and compared on
what a complete output must have: the picture size, one video frame per input frame (two when the frame
rate was doubled) and the same time span on the clock. Only when the counts disagree is the input
decoded, to tell a damaged input (whose output is as complete as it can be) from an unfinished output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from vsr_app.errors import VsrAppError
from vsr_app.video.packet_times import PacketSpan, packet_span, source_end
from vsr_app.video.probing import VideoInfo
from vsr_app.video.reader import VideoReader, probe


@dataclass(frozen=True)
class OutputRead:
    """What `output_mismatch` read of an existing output (its header and first frame, its packets): a rerun that
    skips the output fills the facts its report lacks from it rather than read the file again."""

    info: VideoInfo
    span: PacketSpan


def output_mismatch(src: str | os.PathLike, dst: str | os.PathLike, scale: int = 1, factor: int = 1,
                    read: list[OutputRead] | None = None) -> str | None:
    """None when `dst` looks like the complete result of processing `src` (enlarged `scale` times, frame rate
    multiplied by `factor`); otherwise a short reason, for the batch report. What it read of `dst` is appended to
    `read`, where given.

    Slack: one input frame in count and 1.5 input frame intervals in time, for a damaged last packet of the
    input that never decoded and for encoders' rounding of the last frame's duration. The size may be one
    pixel larger (odd sizes are padded to even for 4:2:0 encoding).
    """
    if not os.path.exists(dst):
        return "no output yet"
    try:
        out_info = probe(dst)
        out_span = packet_span(dst)
    except VsrAppError as exc:
        return f"the existing output cannot be read ({exc})"
    if read is not None:
        read.append(OutputRead(out_info, out_span))
    src_info = probe(src)
    want_w, want_h = src_info.width * scale, src_info.height * scale
    if not (0 <= out_info.width - want_w <= 1 and 0 <= out_info.height - want_h <= 1):
        return f"the existing output is {out_info.width}x{out_info.height}, expected {want_w}x{want_h}"
    src_span = packet_span(src)
    if src_span.start is None or not 0 <= src_span.frames * factor - out_span.frames <= factor:
        # a damaged or truncated input: count what actually decodes; one without timestamps: time it as
        # the pipeline did, on the reader's clock
        src_span = decoded_span(src)
    want_frames = src_span.frames * factor
    if not 0 <= want_frames - out_span.frames <= factor:
        return f"the existing output has {out_span.frames} frames, expected {want_frames}"
    interval = src_span.duration / src_span.frames if src_span.frames else 1.0 / src_info.fps
    if abs(out_span.duration - src_span.duration) > 1.5 * interval:
        return f"the existing output lasts {out_span.duration:.2f} s, the input {src_span.duration:.2f} s"
    return None


def decoded_span(path: str | os.PathLike) -> PacketSpan:
    """Like `packet_span`, but counting only frames that decode (slow: used when packets and output disagree), and
    timed as the pipeline times its output: to `source_end`, else one interval past the last frame."""
    reader = VideoReader(path)
    count, first, last, previous = 0, None, None, None
    for frame in reader.frames():
        count += 1
        first = frame.time if first is None else first
        previous, last = last, frame.time
    end = source_end(path, reader.info, last, previous) if last is not None else None
    if end is None:
        end = (last or 0.0) + ((last - previous) if previous is not None else 1.0 / reader.info.fps)
    return PacketSpan(count, first or 0.0, end)
