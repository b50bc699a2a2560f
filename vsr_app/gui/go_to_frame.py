"""Go to frame… (Ctrl+G): a frame number, as the player counts frames, to the timeline position that shows it. The
slider and the player's buttons stay out of the Tab chain, and a keyboard user, or one who read a frame's number in
the analysis or eval's CSV, could only step there."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from vsr_app.gui.timeline import last_frame_needed, position_of, source_frame


def frame_prompt(task: str, truth: bool, last: int) -> str:
    """What the dialog asks, and in Interpolate which position a frame's number goes to: its positions are
    in-betweens (or held-out frames), and "412" could have meant either side of frame 412."""
    asked = f"Frame (1\u2013{last}, as the player counts them; eval's CSV counts from 0)"
    if task != "interpolate":
        return f"{asked}:"
    shown = "the held-out frame at or after it" if truth else "the in-between after it (412 shows in-between 412\u00bd)"
    return f"{asked}.\nInterpolate shows {shown}:"


def ask_position(parent: QWidget, position: int, length: int, task: str, truth: bool) -> int | None:
    """The timeline position of the frame the user types, the one at `position` offered; None if cancelled. Frames
    from 1 to the last the timeline shows; past the last position (the last frame has no in-between after it), the
    last."""
    last = last_frame_needed(length - 1, task, truth) + 1
    frame, ok = QInputDialog.getInt(parent, "Go to frame", frame_prompt(task, truth, last),
                                    source_frame(position, task, truth) + 1, 1, last)
    return min(position_of(frame - 1, task, truth), length - 1) if ok else None
