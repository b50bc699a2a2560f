"""Benchmark scoring behind `vsr-app eval` (protocol in DESIGN.md's CLI contract).

VSR: each sequence folder holds ground-truth frames; each frame is cropped (top-left) to a multiple
of 4 and its x4 MATLAB-style antialiased bicubic downscale, rounded to 8 bits, is the input. The
model runs through the same inference engine the app uses (so a model is scored as users run
it, bf16 autocast on CPUs that support it) and is scored on the Y channel (BT.601), no border crop.

The CLI's parser reads `SCORERS`, so this module imports only light modules at the top (`--help` stays
instant); numpy, OpenCV and the metrics are imported where they are used.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

from vsr_app.errors import VsrAppError
from vsr_app.media import IMAGE_EXTS, SYSTEM_FOLDERS, first_names, natural_order, read_image

if TYPE_CHECKING:
    import numpy as np

VSR_MIN_FRAMES = 1
VFI_MIN_FRAMES = 3  # two inputs and the frame between them


class Scored(NamedTuple):
    """One sequence scored, told at once: a benchmark can take minutes to score, in silence otherwise."""

    done: int  # sequences scored so far, this one included
    total: int
    name: str
    frames: int  # frames scored (VFI: the predicted ones)
    psnr_y: float
    ssim_y: float


ScoredCallback = Callable[[Scored], None]


def sequence_folders(data: str | Path) -> list[Path]:
    """Sub-folders of `data` holding frames (or `data` itself if it holds frames directly). Hidden files and
    folders are skipped (macOS's ._000.png, .thumbnails), as training skips them, and so are folders a system
    makes (`SYSTEM_FOLDERS`); any other sub-folder without frames is refused, as the mean would leave it out."""
    root = Path(data)
    if not root.is_dir():
        what = "is a file, not a folder of frames" if root.exists() else "not found"
        raise VsrAppError(f"evaluation data folder {what}: {root}")
    loose = _frame_files(root)
    folders = [d for d in sorted(root.iterdir())
               if d.is_dir() and not d.name.startswith(".") and d.name not in SYSTEM_FOLDERS]
    seqs = [d for d in folders if _frame_files(d)]
    if loose and seqs:  # scoring either alone would silently leave the other out
        raise VsrAppError(f"{root} holds both loose images ({first_names([p.name for p in loose])}) and folders of "
                          f"frames ({first_names([d.name for d in seqs])}): point --data at one sequence, or move the "
                          f"loose images out")
    if loose:
        return [root]
    if not seqs:
        raise VsrAppError(f"{root} holds no folders of frames ({', '.join('*' + e for e in sorted(IMAGE_EXTS))}); "
                          f"each sequence is a folder of its frames, named in order (videos are not read here)")
    frameless = [d.name for d in folders if d not in seqs]
    if frameless:  # leaving them out would change the mean without a word
        raise VsrAppError(f"{root} holds sub-folders with no frames ({first_names(frameless)}) beside folders of "
                          f"frames: put each sequence's frames in its folder as images (videos are not read here), or "
                          f"move the others out")
    return seqs


def _frame_files(folder: Path) -> list[Path]:
    """The frames of a sequence folder, in frame order (`natural_order`)."""
    frames = (p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS and not p.name.startswith("."))
    return sorted(frames, key=natural_order)


def read_frames(folder: Path, limit: int | None = None) -> list[np.ndarray]:
    return [read_image(path, "frame") for path in _frame_files(folder)[:limit]]


def read_sequences(data: str | Path, frames: int | None, min_frames: int, min_side: int) -> dict[str, list[np.ndarray]]:
    """The first `frames` frames of every sequence under `data`, each one checked before any model runs."""
    if frames is not None and frames < 1:
        raise VsrAppError("--frames must be at least 1")
    seqs = {f.name: read_frames(f, frames) for f in sequence_folders(data)}
    for name, seq in seqs.items():
        check_sequence(name, seq, min_frames, min_side)
    return seqs


def check_sequence(name: str, frames: list[np.ndarray], min_frames: int, min_side: int) -> None:
    """One readable error for a sequence that cannot be scored, instead of a net's traceback or a silent nan:
    too few frames, sizes that change (a net's state and a clip stack need one), frames with no SSIM window."""
    from vsr_app.metrics import SSIM_WINDOW

    if len(frames) < min_frames:
        raise VsrAppError(f"sequence '{name}' has {len(frames)} frame{'' if len(frames) == 1 else 's'}; scoring it "
                          f"needs at least {min_frames}")
    sizes = sorted({f"{f.shape[1]}x{f.shape[0]}" for f in frames})
    if len(sizes) > 1:
        raise VsrAppError(f"sequence '{name}' mixes frame sizes ({', '.join(sizes)})")
    if min(frames[0].shape[:2]) < min_side:
        raise VsrAppError(f"sequence '{name}' has {sizes[0]} frames, too small to score: at least "
                          f"{min_side}x{min_side} is needed (Y-SSIM's {SSIM_WINDOW}x{SSIM_WINDOW} window must fit)")


def degrade_x4(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ground truth cropped to a multiple of 4, its x4 bicubic downscale), both uint8 RGB."""
    import numpy as np

    from vsr_app.distill.data import downscale_x4, to_frames, to_tensor

    h, w = frame.shape[0] // 4 * 4, frame.shape[1] // 4 * 4
    gt = np.ascontiguousarray(frame[:h, :w])
    lr = downscale_x4(to_tensor(gt))
    return gt, to_frames(lr)


def _score(scores: dict[str, tuple[list[float], list[float]]], name: str, psnrs: list[float], ssims: list[float],
           total: int, on_sequence: ScoredCallback | None) -> None:
    """Record a sequence's per-frame scores and tell `on_sequence` (of `total` sequences) their means."""
    import numpy as np

    scores[name] = (psnrs, ssims)
    if on_sequence is not None:
        on_sequence(Scored(len(scores), total, name, len(psnrs), float(np.mean(psnrs)), float(np.mean(ssims))))


def summary(model: str, params: int, scores: dict[str, tuple[list[float], list[float]]]) -> dict:
    """The contract's JSON object from each sequence's per-frame scores (public: scripts score their own way and
    report in the same shape); each sequence also says how many frames were scored (VFI: the predicted ones)."""
    import numpy as np

    seqs = {name: {"psnr_y": float(np.mean(p)), "ssim_y": float(np.mean(s)), "frames": len(p)}
            for name, (p, s) in scores.items()}
    return {"model": model, "params": int(params), "sequences": seqs,
            "mean": {"psnr_y": float(np.mean([v["psnr_y"] for v in seqs.values()])),
                     "ssim_y": float(np.mean([v["ssim_y"] for v in seqs.values()]))}}


def _scored_what(result: dict, loaded, engine, model: str, data: str | Path, frames: int | None) -> dict:
    """`result` with what was scored, so a smoke test on 2 frames, or a run folder that shares its model's name
    with another, cannot pass for a full benchmark of another model: the data folder (absolute), `--frames` where
    given, the weights file where `model` was a path, not a name the registry resolves, and the device and
    precision the engine ran in (bf16 and fp32 differ in the fourth decimal)."""
    from vsr_app.inference import run_settings

    result.update(run_settings(engine))
    result["data"] = str(Path(data).resolve())
    if frames is not None:
        result["frames_limit"] = frames
    path = Path(loaded.info.path).resolve() if loaded.info.path else None
    if path and Path(model).expanduser().resolve() in (path, path.parent):  # the file, or its run folder, typed
        result["model_path"] = str(path)
    return result


def eval_vsr(model: str, data: str | Path, frames: int | None = None, device: str = "auto",
             engine_options: dict | None = None, on_sequence: ScoredCallback | None = None) -> dict:
    """Score an upscaling model on every sequence under `data`; returns the contract's JSON object.
    `engine_options` go to the app's engine (a benchmark's clip chunk length, say; `self_ensemble`, which the result
    then says). `on_sequence` hears of each sequence as it is scored."""
    from vsr_app.inference import make_upscaler
    from vsr_app.metrics import SSIM_WINDOW, psnr_y, ssim_y
    from vsr_app.models import load_model, report_name

    loaded = load_model(model, device)
    if loaded.task != "upscale" or loaded.info.scale != 4:
        raise VsrAppError(f"model '{loaded.name}' is not an x4 upscaler")
    min_side = -(-SSIM_WINDOW // 4) * 4  # the ground truth, cropped to a multiple of 4, still holds one SSIM window
    gts = read_sequences(data, frames, min_frames=VSR_MIN_FRAMES, min_side=min_side)
    engine = make_upscaler(loaded, device, **(engine_options or {}))
    scores: dict[str, tuple[list[float], list[float]]] = {}
    for name, seq in gts.items():
        pairs = [degrade_x4(f) for f in seq]
        outs = upscale_sequence(engine, [lr for _, lr in pairs])
        _score(scores, name, [psnr_y(o, g) for o, (g, _) in zip(outs, pairs)],
               [ssim_y(o, g) for o, (g, _) in zip(outs, pairs)], len(gts), on_sequence)
    result = _scored_what(summary(report_name(loaded.info, str(model)), loaded.info.params, scores), loaded, engine,
                          model, data, frames)
    if (engine_options or {}).get("self_ensemble"):
        result["self_ensemble"] = True
    return result


def upscale_sequence(engine, lrs: list[np.ndarray]) -> list[np.ndarray]:
    """One sequence through an upscaling engine from a fresh state: every output, in order (look-ahead flushed)."""
    engine.reset()
    outs: list[np.ndarray] = []
    for lr in lrs:
        outs += engine.push(lr)
    return outs + engine.flush()


def vfi_context(i: int, count: int, num_inputs: int) -> list[int]:
    """Input frame indices for predicting odd frame i: i-1, i+1 (2-frame models) or i-3, i-1, i+1, i+3
    (4-frame models) with indices past either end replaced by the nearest even (input) frame."""
    last_even = (count - 1) // 2 * 2
    offsets = (-1, 1) if num_inputs == 2 else (-3, -1, 1, 3)
    return [min(max(i + d, 0), last_even) for d in offsets]


def eval_vfi(model: str, data: str | Path, frames: int | None = None, device: str = "auto",
             on_sequence: ScoredCallback | None = None) -> dict:
    """Score an interpolation model: every odd frame predicted from the even frames around it (DESIGN.md);
    `on_sequence` hears of each sequence as it is scored."""
    from vsr_app.inference import make_interpolator
    from vsr_app.metrics import SSIM_WINDOW, psnr_y, ssim_y
    from vsr_app.models import load_model, report_name

    loaded = load_model(model, device)
    if loaded.task != "interpolate":
        raise VsrAppError(f"model '{loaded.name}' does not interpolate frames")
    engine = make_interpolator(loaded, device)
    seqs = read_sequences(data, frames, min_frames=VFI_MIN_FRAMES, min_side=SSIM_WINDOW)
    scores: dict[str, tuple[list[float], list[float]]] = {}
    for name, seq in seqs.items():
        psnrs, ssims = [], []
        for i in range(1, len(seq) - 1, 2):
            pred = engine.midpoint([seq[j] for j in vfi_context(i, len(seq), engine.num_inputs)])
            psnrs.append(psnr_y(pred, seq[i]))
            ssims.append(ssim_y(pred, seq[i]))
        _score(scores, name, psnrs, ssims, len(seqs), on_sequence)
    return _scored_what(summary(report_name(loaded.info, str(model)), loaded.info.params, scores), loaded, engine,
                        model, data, frames)


# `vsr-app eval TASK`: the scorer, and the fewest frames a sequence needs (the CLI's --frames minimum)
SCORERS = {"vsr": (eval_vsr, VSR_MIN_FRAMES), "vfi": (eval_vfi, VFI_MIN_FRAMES)}
