"""Benchmark scoring behind `vsr-app eval` (protocol in DESIGN.md's CLI contract, its rules in `eval_protocol`).

The model runs through the same inference engine the app uses (so a model is scored as users run it, bf16 autocast
on CPUs that run it faster than fp32) and is scored on the Y channel (BT.601), no border crop. The sequences are
found and read by `sequences`, checked before any model runs by `eval_plan`, and `--csv` is written by `eval_csv`.

The CLI's parser reads `EVAL_COMMANDS`, so this module imports only light modules at the top (`--help` stays
instant); numpy, OpenCV and the metrics are imported where they are used.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

from vsr_app import APP_NAME
from vsr_app.errors import VsrAppError
from vsr_app.eval_csv import CUT_COLUMN
from vsr_app.eval_plan import (Planned, check_sequences_fit, clip_engine, frames_ahead, frames_read, plan_sequences,
                               read_planned)
from vsr_app.eval_protocol import (VFI_MIN_FRAMES, VSR_MIN_FRAMES, degrade_x4, vfi_context, vfi_offsets, vfi_predicted,
                                   vfi_scene_cuts, vsr_min_side)
from vsr_app.media import first_names
from vsr_app.words import counted

if TYPE_CHECKING:
    import numpy as np

    from vsr_app.models import ModelInfo

VSR_COPIES = 2 + 1 / 16  # frames eval vsr holds of each one of a sequence: the truth, its x4 downscale, the output


@dataclass(frozen=True)
class EvalCommand:
    """What `vsr-app eval COMMAND` scores and with what (`EVAL_COMMANDS`): one row, so a command's model kind, its
    scorer and its --frames minimum cannot drift apart."""

    kind: tuple[str, int]  # the models it scores: (their task, their scale)
    models: str  # those, in words ("x4 upscalers"), for a model it refuses
    scorer: Callable[..., dict]
    min_frames: int  # the fewest frames a sequence needs (the CLI's --frames minimum)


class Scores(NamedTuple):
    """A sequence's per-frame scores, the names of the frames scored and how many frames were read (VFI scores the
    odd ones), and for VFI whether a scene cut lies across each (`vfi_scene_cuts`); scripts that score their own way
    may give the scores alone."""

    psnrs: list[float]
    ssims: list[float]
    frames: list[str] | None = None
    read: int | None = None
    cuts: list[bool] | None = None


class Scored(NamedTuple):
    """One sequence scored, told at once: a benchmark can take minutes to score, in silence otherwise."""

    done: int  # sequences scored so far, this one included
    total: int
    name: str
    frames: int  # frames scored (VFI: the predicted ones)
    psnr_y: float
    ssim_y: float


ScoredCallback = Callable[[Scored], None]


MIDPOINT_TOLERANCE = 0.1  # of the gap between a predicted frame's neighbours: further from its middle is off


def _off_midpoint_note(times: list[float] | None, predicted: range) -> str | None:
    """How many `predicted` frames are not halfway in time between the frames either side (a variable frame rate, a
    frame missing), and where in that gap: a midpoint model is scored on them all the same. A clock kept in whole
    milliseconds (29.97 fps steps 33 and 34 ms) is not uneven; None where nothing is off or no times are known."""
    from vsr_app.video.time_jumps import MILLISECOND_ROUNDING

    if times is None:
        return None
    off = []  # each off frame's place in its gap, 0 to 1
    for i in predicted:
        span = times[i + 1] - times[i - 1]
        # (a frame exactly at the tolerance, 40% or 60% of its gap, is not off, whatever the floats' last bit says)
        if abs(times[i] - times[i - 1] - span / 2) > max(MIDPOINT_TOLERANCE * span, MILLISECOND_ROUNDING) + 1e-9:
            off.append((times[i] - times[i - 1]) / span)
    if not off:
        return None
    low, high = round(100 * min(off)), round(100 * max(off))
    where = f"{low}%" if low == high else f"{low}-{high}%"
    return (f"uneven frame times: {len(off)} of {len(predicted)} scored frames {'is' if len(off) == 1 else 'are'} "
            f"not halfway between their neighbours in time (at {where} of the gap: a variable frame rate, or frames "
            f"missing), so a midpoint model is judged on frames it was not asked for")


def _score_each(plans: list[Planned], scored: Callable[[Planned], tuple[Scores, tuple[str, ...]]],
                on_sequence: ScoredCallback | None) -> tuple[dict[str, Scores], list[str]]:
    """Each planned sequence's per-frame scores, one sequence read at a time, telling `on_sequence` their means as
    each is done; and the notes on its truth (`Sequence.notes`), each named by its sequence."""
    import numpy as np

    scores: dict[str, Scores] = {}
    notes: list[str] = []
    for plan in plans:
        scores[plan.name], said = scored(plan)
        notes += [f"{plan.name}: {note}" for note in said]
        if on_sequence is not None:
            done = scores[plan.name]
            on_sequence(Scored(len(scores), len(plans), plan.name, len(done.psnrs), float(np.mean(done.psnrs)),
                               float(np.mean(done.ssims))))
    return scores, notes


def summary(model: str, params: int, scores: dict[str, Scores | tuple[list[float], list[float]]]) -> dict:
    """The contract's JSON object from each sequence's per-frame scores (public: scripts score their own way and
    report in the same shape); each sequence also says how many frames were scored (VFI: the predicted ones) and,
    where known, how many were read and each scored frame's scores by name."""
    import numpy as np

    seqs = {}
    for name, value in scores.items():
        scored = Scores(*value)
        seq = seqs[name] = {"psnr_y": float(np.mean(scored.psnrs)), "ssim_y": float(np.mean(scored.ssims)),
                            "frames": len(scored.psnrs)}
        if scored.read is not None:
            seq["frames_read"] = scored.read
        if scored.frames is not None:
            seq["per_frame"] = [{"frame": frame, "psnr_y": float(p), "ssim_y": float(s)}
                                for frame, p, s in zip(scored.frames, scored.psnrs, scored.ssims)]
            for frame, cut in zip(seq["per_frame"], scored.cuts or ()):
                frame[CUT_COLUMN] = cut
    return {"model": model, "params": int(params), "sequences": seqs,
            "mean": {"psnr_y": float(np.mean([v["psnr_y"] for v in seqs.values()])),
                     "ssim_y": float(np.mean([v["ssim_y"] for v in seqs.values()]))}}


def _scored_what(result: dict, loaded, engine, model: str, data: str | Path, frames: int | None,
                 notes: tuple[str, ...] = ()) -> dict:
    """`result` with what was scored, so a smoke test on 2 frames, or a run folder that shares its model's name
    with another, cannot pass for a full benchmark of another model: the data folder (absolute), `--frames` where
    given (and `notes` on the sequences it is longer than, or cut short with later frames read as context), the
    weights file where `model` was a path, not a name the registry resolves, and the device and precision the
    engine ran in (bf16 and fp32 differ in the third decimal); and what traces it to the weights and code: the
    app's version, the weights file's hash and a clip engine's chunk and context. `notes` say which frames read
    were not scored and why, in words."""
    from vsr_app import __version__
    from vsr_app.inference import run_settings

    result["app_version"] = __version__
    if loaded.weights_digest:  # the hash batch records beside the model's name in its outputs
        result["weights_sha256"] = loaded.weights_digest
    result.update(run_settings(engine))
    if clip := clip_engine(engine):  # its chunk grid decides which frames each output sees
        result.update(clip_chunk=clip.chunk, clip_context=clip.context)
    result["data"] = str(Path(data).resolve())
    if frames is not None:
        result["frames_limit"] = frames
        if ahead := _context_note(engine, frames, result["sequences"]):
            notes = (ahead, *notes)
        shorter = [f"{name} ({counted(seq['frames_read'], 'frame')})"
                   for name, seq in result["sequences"].items() if seq["frames_read"] < frames]
        if _every(shorter, result["sequences"]):
            notes = (f"--frames {frames} is longer than every sequence: each was used whole "
                     f"({first_names(shorter)})", *notes)
        elif shorter:
            notes = (f"--frames {frames} is longer than {first_names(shorter)}: "
                     f"{'it was' if len(shorter) == 1 else 'each was'} used whole", *notes)
    if notes:
        result["notes"] = list(notes)
    path = Path(loaded.info.path).resolve() if loaded.info.path else None
    if path and Path(model).expanduser().resolve() in (path, path.parent):  # the file, or its run folder, typed
        result["model_path"] = str(path)
    return result


def _every(some: list, sequences: dict) -> bool:
    """Whether a note is about every one of several sequences, and can say so instead of naming them."""
    return len(some) == len(sequences) > 1


def eval_vsr(model: str, data: str | Path, frames: int | None = None, device: str = "auto",
             engine_options: dict | None = None, on_sequence: ScoredCallback | None = None,
             deinterlace: bool = True) -> dict:
    """Score an upscaling model on every sequence under `data`; returns the contract's JSON object.
    `engine_options` go to the app's engine (a benchmark's clip chunk length, say; `self_ensemble`, which the result
    then says). `on_sequence` hears of each sequence as it is scored. `deinterlace` is `read_sequence`'s."""
    from vsr_app.inference import make_upscaler
    from vsr_app.metrics import psnr_y, ssim_y
    from vsr_app.models import load_model, report_name

    loaded = load_model(model, device)
    _check_model_fits(loaded.info, "vsr")
    min_side = vsr_min_side()
    engine = make_upscaler(loaded, device, **(engine_options or {}))
    read = frames_read(engine, frames)
    plans = plan_sequences(data, read, min_frames=VSR_MIN_FRAMES, min_side=min_side)
    plans = check_sequences_fit(plans, VSR_COPIES, engine, VSR_MIN_FRAMES, scale=4)

    def scored(plan: Planned) -> tuple[Scores, tuple[str, ...]]:  # its frames are freed when it returns
        seq = read_planned(plan, read, VSR_MIN_FRAMES, min_side, prepare=degrade_x4, deinterlace=deinterlace)
        outs = upscale_sequence(engine, [lr for _, lr in seq.frames], frames)
        return Scores([psnr_y(o, g) for o, (g, _) in zip(outs, seq.frames)],
                      [ssim_y(o, g) for o, (g, _) in zip(outs, seq.frames)], seq.names[:frames],
                      len(seq.frames)), seq.notes

    scores, notes = _score_each(plans, scored, on_sequence)
    result = _scored_what(summary(report_name(loaded.info, str(model)), loaded.info.params, scores), loaded, engine,
                          model, data, frames, tuple(notes))
    if (engine_options or {}).get("self_ensemble"):
        result["self_ensemble"] = True
    return result


def upscale_sequence(engine, lrs: list[np.ndarray], wanted: int | None = None) -> list[np.ndarray]:
    """One sequence through an upscaling engine from a fresh state: every output, in order (look-ahead flushed), or
    the first `wanted` as soon as the engine gives them, as a run on more frames gives them (the frames after them
    are a clip engine's context: flushed, they would be run again as a chunk of their own)."""
    engine.reset()
    outs: list[np.ndarray] = []
    for lr in lrs:
        outs += engine.push(lr)
        if wanted is not None and len(outs) >= wanted:
            return outs[:wanted]
    return (outs + engine.flush())[:wanted]


def _context_note(engine, frames: int, sequences: dict[str, dict]) -> str | None:
    """Where --frames cut a sequence short and the model looks ahead, say that the frames read after the scored ones
    were its context alone (without them Vid4 city's frame 005 lost 0.29 dB to the teacher's missing future, and the
    mean of its first five 0.11 dB; a 4-frame interpolator's last frames were fed a repeated frame for i+3); None
    where nothing was read past the scored frames."""
    cut = [name for name, seq in sequences.items() if seq["frames_read"] > frames]
    if not cut:
        return None
    which = "each sequence" if _every(cut, sequences) else first_names(cut)
    ahead = frames_ahead(engine, frames)
    return (f"--frames {frames} cut {which} short, and the model looks at later frames too ({_how_it_looks(engine)}): "
            f"up to {counted(ahead, 'frame')} after the first {frames} were read as its context, not scored, "
            f"so the scores are those of a run on the whole sequence")


def _how_it_looks(engine) -> str:
    """Which later frames a model that looks ahead (`frames_ahead`) is fed, in words."""
    clip = clip_engine(engine)
    if clip is None:
        return f"fed frames {', '.join(f'i{d:+d}' for d in vfi_offsets(engine.num_inputs))} to predict frame i"
    return f"a bidirectional net run in chunks of {clip.chunk} frames with {clip.context} of context either side"


def _scene_cut_note(scores: Scores) -> str | None:
    """How many scored frames lie across a scene cut, which, and the sequence's mean without them; None for none."""
    import numpy as np

    across = [name for name, cut in zip(scores.frames, scores.cuts) if cut]
    if not across:
        return None
    kept = [p for p, cut in zip(scores.psnrs, scores.cuts) if not cut]
    without = f"Y-PSNR {np.mean(kept):.3f} dB without them" if kept else "no frame is left without them"
    lie = "lies" if len(across) == 1 else "lie"
    return (f"{len(across)} of {len(scores.psnrs)} scored frames ({first_names(across)}) {lie} across a scene cut: the "
            f"frames fed either side are of two shots, and no interpolator can tell which the frame is of; {without}")


def eval_vfi(model: str, data: str | Path, frames: int | None = None, device: str = "auto",
             engine_options: dict | None = None, on_sequence: ScoredCallback | None = None,
             deinterlace: bool = True) -> dict:
    """Score an interpolation model: every odd frame predicted from the even frames around it (DESIGN.md);
    `engine_options` go to the app's engine (`precision`), `on_sequence` hears of each sequence as it is scored.
    `deinterlace` is `read_sequence`'s."""
    from vsr_app.inference import make_interpolator
    from vsr_app.metrics import SSIM_WINDOW, psnr_y, ssim_y
    from vsr_app.models import load_model, report_name

    loaded = load_model(model, device)
    _check_model_fits(loaded.info, "vfi")
    engine = make_interpolator(loaded, device, **(engine_options or {}))
    read = frames_read(engine, frames)
    plans = plan_sequences(data, read, min_frames=VFI_MIN_FRAMES, min_side=SSIM_WINDOW)
    plans = check_sequences_fit(plans, 1, engine, VFI_MIN_FRAMES)

    def scored(plan: Planned) -> tuple[Scores, tuple[str, ...]]:  # its frames are freed when it returns
        seq = read_planned(plan, read, VFI_MIN_FRAMES, SSIM_WINDOW, deinterlace=deinterlace)
        used = len(seq.frames[:frames])  # the frames after them are context alone (`frames_read`)
        psnrs, ssims, predicted = [], [], vfi_predicted(used)
        for i in predicted:
            pred = engine.midpoint([seq.frames[j] for j in vfi_context(i, len(seq.frames), engine.num_inputs)])
            psnrs.append(psnr_y(pred, seq.frames[i]))
            ssims.append(ssim_y(pred, seq.frames[i]))
        cuts = list(vfi_scene_cuts(zip(seq.frames[:used], (seq.times or [None] * used)[:used])))
        scores = Scores(psnrs, ssims, [seq.names[i] for i in predicted], len(seq.frames), cuts)
        said = (_off_midpoint_note(seq.times, predicted), _scene_cut_note(scores))
        return scores, seq.notes + tuple(note for note in said if note)

    scores, notes = _score_each(plans, scored, on_sequence)
    unscored = [name for name, seq in scores.items() if min(seq.read, frames or seq.read) % 2 == 0]  # its last: odd
    which = "each sequence's last frame" if _every(unscored, scores) else f"the last frame of {first_names(unscored)}"
    past = frames and any(scores[name].read > frames for name in unscored)  # context read after the first `frames`
    if unscored:
        notes.insert(0, f"not scored: {which} (an even number of frames read"
                        f"{f', or an even --frames {frames}, the context read after it unscored' if past else ''}): "
                        f"an odd frame is predicted from the frames on either side, and it has none after it")
    return _scored_what(summary(report_name(loaded.info, str(model)), loaded.info.params, scores), loaded, engine,
                        model, data, frames, tuple(notes))


def _check_model_fits(info: ModelInfo, command: str) -> None:
    """Refuse a model that `eval COMMAND` does not score, saying which eval does and the models each task has: a
    user who gave eval vfi an upscaler was told only what the model is not, and looked for the right name alone."""
    from vsr_app.models import known_by_task

    fits = [each for each, known in EVAL_COMMANDS.items() if known.kind == (info.task, info.scale)]
    if command in fits:
        return
    what = "interpolates frames" if info.task == "interpolate" else f"upscales x{info.scale}"
    use = f": `{APP_NAME} eval {fits[0]}` scores it" if fits else ", which no eval scores"
    raise VsrAppError(f"model '{info.name}' {what}{use}; eval {command} scores {EVAL_COMMANDS[command].models} "
                      f"({known_by_task()})")


# `vsr-app eval COMMAND`, by COMMAND (the CLI's choices)
EVAL_COMMANDS = {"vsr": EvalCommand(("upscale", 4), "x4 upscalers", eval_vsr, VSR_MIN_FRAMES),
                 "vfi": EvalCommand(("interpolate", 2), "interpolators", eval_vfi, VFI_MIN_FRAMES)}
