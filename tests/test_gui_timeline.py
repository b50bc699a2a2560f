"""Interpolation's ground truth timeline holds out the frames `eval vfi` predicts and scores (`vfi_predicted`), down
to the shortest videos: the timeline restated eval's choice (2k + 1, (frames - 1) // 2), so a change there would have
had the Compare tab show and score other frames than eval."""

from __future__ import annotations

import pytest

from gui_support import gui_env  # noqa: F401
from test_gui_ground_truth import write_frames
from vsr_app.errors import VsrAppError
from vsr_app.eval_plan import plan_sequences
from vsr_app.eval_protocol import VFI_MIN_FRAMES, vfi_predicted
from vsr_app.gui import timeline
from vsr_app.gui.processing import TRUTH, FrameService, Request
from vsr_app.gui.timeline import last_frame_needed, position_of, source_frame, timeline_length
from vsr_app.metrics import SSIM_WINDOW


def held_out_timeline(frames: int) -> tuple[int, list[int], list[int]]:
    """A ground truth timeline of `frames` frames: its length, the frame each position holds out, and the position
    standing for each frame."""
    length = timeline_length(frames, "interpolate", truth=True)
    return (length, [source_frame(k, "interpolate", truth=True) for k in range(length)],
            [position_of(frame, "interpolate", truth=True) for frame in range(frames)])


@pytest.mark.parametrize("frames", range(3, 13))
def test_the_positions_hold_out_the_frames_eval_vfi_predicts(frames):
    length, held_out, positions = held_out_timeline(frames)
    assert held_out == list(vfi_predicted(frames)) and length == len(held_out)
    assert [positions[frame] for frame in held_out] == list(range(length))


@pytest.mark.parametrize("frames", [1, 2])
def test_one_or_two_frames_hold_none_out_and_their_one_position_is_refused_in_evals_words(gui_env, tmp_path, frames):
    """Eval predicts none of them; the timeline keeps one position (a player needs one), whose frame has no frame
    after it to be predicted from, and rendering it is refused as eval refuses the sequence."""
    assert not vfi_predicted(frames) and timeline_length(frames, "interpolate", truth=True) == 1
    assert last_frame_needed(0, "interpolate", truth=True) >= frames
    folder = tmp_path / "short"
    write_frames(folder, frames)
    with pytest.raises(VsrAppError) as said_by_eval:
        plan_sequences(folder, None, min_frames=VFI_MIN_FRAMES, min_side=SSIM_WINDOW)
    with pytest.raises(VsrAppError) as said:
        FrameService(str(folder)).render(Request(0, "interpolate", ("blend", TRUTH), truth=True))
    assert str(said.value) == str(said_by_eval.value)


def test_the_timeline_follows_evals_choice_of_frames_to_hold_out(monkeypatch):
    monkeypatch.setattr(timeline, "vfi_predicted", lambda count: range(2, count - 1, 3))
    length, held_out, positions = held_out_timeline(12)
    assert (length, held_out) == (3, [2, 5, 8])
    assert positions[2:9] == [0, 1, 1, 1, 2, 2, 2]  # each frame's held-out frame at it or just after it
    assert held_out_timeline(3)[0] == 1  # none held out: still the one position
