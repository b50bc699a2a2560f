"""Every sequence eval scores, checked before any model runs, and how much of each is read: a sequence that cannot
be scored, or whose frames would not fit in memory, is refused in words before minutes of scoring (a run killed for
memory says nothing), and a model that looks ahead is fed the later frames it needs, unscored.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, NamedTuple

from vsr_app.errors import VsrAppError
from vsr_app.eval_protocol import check_sequence, vfi_offsets, vfi_predicted
from vsr_app.media import frame_files, image_size
from vsr_app.sequences import Sequence, read_sequence, sequence_name, sequence_sources


class Planned(NamedTuple):
    """A sequence as checked before any model runs: its frame size, how many of its frames will be read (None: a
    video whose header does not say) and the memory they may fill (`check_sequences_fit`; None: not known)."""

    source: Path
    name: str
    width: int
    height: int
    frames: int | None
    room: MemoryRoom | None = None


class MemoryRoom(NamedTuple):
    """The memory scoring a sequence may fill: the `available` bytes, less the engine's `engine_bytes`, at `per_frame`
    bytes a frame held; `ahead`: the most frames read past --frames as a model's context (`frames_ahead`)."""

    available: int
    engine_bytes: int
    per_frame: float
    ahead: int = 0

    def frames(self) -> int:
        """How many frames fit."""
        return int((self.available - self.engine_bytes) // self.per_frame)

    def check(self, plan: Planned, count: int, at_least: bool = False) -> None:
        """Refuse `count` of `plan`'s frames (`at_least`: of more, how many not known) where they do not fit, saying
        how many --frames lets through."""
        from vsr_app.video.limits import check_memory

        fit = self.frames() - self.ahead  # (a --frames that fits only without its context would be refused too)
        fewer = f"--frames {fit} scores the first {fit} of each sequence" if fit > 0 else "score a smaller one"
        advice = f"eval holds a whole sequence's frames to score it: {fewer}, or close other programs"
        frames = f"{'at least ' * at_least}{count} frames of {plan.width}x{plan.height}"
        check_memory(math.ceil(count * self.per_frame) + self.engine_bytes, self.available,
                     f"scoring sequence '{plan.name}' ({frames})", advice)


def plan_sequences(data: str | Path, frames: int | None, min_frames: int, min_side: int) -> list[Planned]:
    """Every sequence under `data`, each one checked before any model runs, none of them held in memory: a video by
    its header (`probe`), its frames counted from its packets where the header does not say how many
    (`with_counted_frames`: duration x frame rate can be ten times a screen recording's frames, which were refused for
    memory they fit in), a folder of frames by each frame's size and damage (`image_size`: a PNG or a JPEG is not
    decoded for it, so damage inside a JPEG's compressed image data is found only as that frame is read to be scored,
    after models ran on the sequences before it; a damaged header or a file cut short is refused here). A folder of
    ten 1-minute 1080p videos read whole took ~110 GB; the scorers now read one sequence at a time."""
    from vsr_app.video.reader import probe
    from vsr_app.video.packet_times import with_counted_frames

    if frames is not None and frames < 1:
        raise VsrAppError("--frames must be at least 1")
    plans = []
    for source in sequence_sources(data):
        name = sequence_name(source)
        if source.is_dir():
            files = frame_files(source)[:frames]
            sizes = {image_size(path, "frame") for path in files}
            check_sequence(name, len(files), sizes, min_frames, min_side)
            plans.append(Planned(source, name, *min(sizes), len(files)))
        else:
            info = with_counted_frames(probe(source))
            count = info.estimated_frames
            count = min(count, frames) if count and frames else count or frames
            check_sequence(name, count, {(info.width, info.height)}, min_frames, min_side)
            plans.append(Planned(source, name, info.width, info.height, count))
    return plans


def check_sequences_fit(plans: list[Planned], copies: float, engine, min_frames: int, scale: int = 1) -> list[Planned]:
    """Refuse, before any model runs, a sequence whose frames would not fit in memory: each is scored whole, `copies`
    of each frame held at once (VSR: the truth, its x4 downscale and the output), with the `engine`'s own
    temporaries (on `scale`-times-smaller input) on top; --frames fits it. Returns the plans with that room, which
    reading a video whose length is estimated, or not known, checks as it goes (`read_planned`). `min_frames`: the
    task's fewest, past which a model reads the most ahead (a clip's chunk less one, 2 for frame 1's i+3 of 3)."""
    from vsr_app.video.limits import available_memory

    available = available_memory()
    if available is None:
        return plans
    fitted = []
    for plan in plans:
        room = MemoryRoom(available, engine.working_bytes(plan.width // scale, plan.height // scale),
                          plan.width * plan.height * 3 * copies, frames_ahead(engine, min_frames))
        if plan.frames is not None:
            room.check(plan, plan.frames)
        fitted.append(plan._replace(room=room))
    return fitted


def read_planned(plan: Planned, limit: int | None, min_frames: int, min_side: int,
                 prepare: Callable | None = None, deinterlace: bool = True) -> Sequence:
    """A planned sequence read (`read_sequence`), its length checked again: a video's header may have said more, and
    an estimate fewer. No more frames are read than fit in its room, and one more, which refuses it as the check
    before any model ran would have: a raw stream's frames filled memory until the kernel killed eval, without a
    word."""
    if plan.room is not None:
        most = max(plan.room.frames(), 0) + 1
        limit = most if limit is None else min(limit, most)
    seq = read_sequence(plan.source, limit, prepare, deinterlace)
    if plan.room is not None and len(seq.frames) > plan.room.frames():
        plan.room.check(plan, len(seq.frames), at_least=True)
    check_sequence(plan.name, len(seq.frames), {(plan.width, plan.height)}, min_frames, min_side)
    return seq


def clip_engine(engine):
    """The clip engine `engine` is or runs (a self-ensemble's members are alike), None for one that looks only back:
    a clip engine's bidirectional net makes each frame from frames after it too."""
    from vsr_app.inference import ClipUpscaler, SelfEnsembleUpscaler

    member = engine.members[0][1] if isinstance(engine, SelfEnsembleUpscaler) else engine
    return member if isinstance(member, ClipUpscaler) else None


def frames_ahead(engine, count: int) -> int:
    """How many frames after the first `count` the engine is fed before it gives their outputs as a run on the whole
    sequence does: a clip engine's to the end of the chunk that holds the last of them, and that chunk's context
    after it; a 4-frame interpolator's i+3 of the last frame i eval vfi predicts among them (`vfi_context`); none
    for an engine that looks only back, or a 2-frame interpolator."""
    from vsr_app.inference import Interpolator

    if isinstance(engine, Interpolator):
        predicted = vfi_predicted(count)
        return max(predicted[-1] + max(vfi_offsets(engine.num_inputs)) + 1 - count, 0) if predicted else 0
    clip = clip_engine(engine)
    return 0 if clip is None else -(-count // clip.chunk) * clip.chunk + clip.context - count


def frames_read(engine, frames: int | None) -> int | None:
    """The frames eval reads of each sequence for --frames `frames` (None: all): those and, for a model that looks
    ahead, the later frames it is fed for them (`frames_ahead`), unscored, so they score as in a whole run."""
    return frames + frames_ahead(engine, frames) if frames else frames
