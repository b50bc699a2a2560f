"""The viewer's timeline: its positions, the source frame each stands for in each task and mode, and their
names. No Qt here."""

from __future__ import annotations

import sys
from bisect import bisect_left

from vsr_app.eval_protocol import vfi_predicted


def timeline_length(frames: int, task: str, truth: bool = False) -> int:
    """How many positions a timeline of `frames` frames has: frames, or gaps between frames for interpolation, or in
    its ground truth mode the frames held out (those `eval vfi` predicts and scores); at least one, which of a single
    frame, or of two in ground truth mode (eval holds none out of them), shows why there is nothing to see."""
    if task != "interpolate":
        return frames
    return max(1, len(vfi_predicted(frames)) if truth else frames - 1)


def source_frame(position: int, task: str, truth: bool = False) -> int:
    """The source frame a timeline position stands for: the frame itself (Upscale), the frame before the gap
    (Interpolate), or in interpolation's ground truth mode the frame held out, the position-th eval vfi predicts."""
    return _held_out()[position] if truth and task == "interpolate" else position


def position_of(frame: int, task: str, truth: bool = False) -> int:
    """The position that stands for source frame `frame` (`source_frame`'s inverse), or in interpolation's ground
    truth mode for the held-out frame at it or just after it: of in-between k's frames, k and k + 1, the one held
    out (the held-out frame at or before k, taken before, was not one of them for an even k)."""
    return bisect_left(_held_out(), frame) if truth and task == "interpolate" else frame


def last_frame_needed(position: int, task: str, truth: bool = False) -> int:
    """The last source frame `position` needs: its own (Upscale), or the one after its gap or held-out frame."""
    return source_frame(position, task, truth) + (task == "interpolate")


def timeline_x(position: int, task: str, truth: bool = False) -> float:
    """Where a position sits on the timeline, in frames from 1 as the player counts them: an in-between halfway."""
    return source_frame(position, task, truth) + (1.5 if task == "interpolate" and not truth else 1)


def timeline_name(x: float) -> str:
    """A point of the timeline (`timeline_x`) in words, as the player, the analysis and its progress all say it:
    'frame 3', or 'in-between 2½' halfway between frames 2 and 3 (the analysis said 'frame 9.5')."""
    return f"{'frame' if x == int(x) else 'in-between'} {timeline_number(x)}"


def timeline_number(x: float) -> str:
    """A point of the timeline as a number the way the player writes it: '3', or '2½' for an in-between."""
    whole = int(x)
    return str(whole) if x == whole else f"{whole}\u00bd"


def _held_out() -> range:
    """Every frame eval vfi holds out and predicts, in order, of a video as long as can be: which it holds out of a
    shorter one does not depend on its length past them."""
    return vfi_predicted(sys.maxsize)
