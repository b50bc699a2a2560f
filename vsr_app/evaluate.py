"""Benchmark scoring behind `vsr-app eval` (protocol in DESIGN.md's CLI contract).

A sequence is a folder of frames or a video file (its frames decoded as displayed: a compressed video is a weaker
ground truth than lossless frames, its coding artefacts counted as truth); `--data` names one, or a folder of one kind.

VSR: each sequence's frames are the ground truth; each frame is cropped (top-left) to a multiple
of 4 and its x4 MATLAB-style antialiased bicubic downscale, rounded to 8 bits, is the input. The
model runs through the same inference engine the app uses (so a model is scored as users run
it, bf16 autocast on CPUs that run it faster than fp32) and is scored on the Y channel (BT.601), no border crop.

The CLI's parser reads `EVAL_COMMANDS`, so this module imports only light modules at the top (`--help` stays
instant); numpy, OpenCV and the metrics are imported where they are used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, NamedTuple

from vsr_app import APP_NAME
from vsr_app.errors import VsrAppError
from vsr_app.media import (IMAGE_EXTS, OPEN_VIDEO_EXTS, SYSTEM_FOLDERS, first_names, frame_files, frames_among,
                           image_size, natural_order, read_image)
from vsr_app.words import counted

if TYPE_CHECKING:
    import numpy as np

    from vsr_app.models import ModelInfo

VSR_MIN_FRAMES = 1
VFI_MIN_FRAMES = 3  # two inputs and the frame between them
VSR_COPIES = 2 + 1 / 16  # frames eval vsr holds of each one of a sequence: the truth, its x4 downscale, the output


@dataclass(frozen=True)
class EvalCommand:
    """What `vsr-app eval COMMAND` scores and with what (`EVAL_COMMANDS`): one row, so a command's model kind, its
    scorer and its --frames minimum cannot drift apart."""

    kind: tuple[str, int]  # the models it scores: (their task, their scale)
    models: str  # those, in words ("x4 upscalers"), for a model it refuses
    scorer: Callable[..., dict]
    min_frames: int  # the fewest frames a sequence needs (the CLI's --frames minimum)


CSV_HEADER = ("sequence", "frame", "psnr_y", "ssim_y")  # `eval --csv`: a row per scored frame
CSV_MARK = f"# {APP_NAME} eval: "  # its first line, before `#` lines of notes and the CSV_HEADER (`csv_comment`)
CUT_COLUMN = "scene_cut"  # eval vfi's CSV has it after those: 1 where a scene cut lies across the frame predicted


class Sequence(NamedTuple):
    """A sequence's frames as read, with their names for the per-frame scores: a frame file's name, or a video
    frame's index from 0; and for a video, how its frames differ from the file's pictures (`_truth_notes`) and their
    times in seconds (eval vfi tells of frames not halfway between their neighbours)."""

    names: list[str]
    frames: list
    notes: tuple[str, ...] = ()
    times: list[float] | None = None


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


def sequence_sources(data: str | Path) -> list[Path]:
    """The sequences `data` names, as folders of frames or video files: itself where it is a video file, else those
    of its contents (`contents_sources`)."""
    root = Path(data)
    if root.is_file():
        return [root]
    if not root.is_dir():
        shared = "shared/data" in root.as_posix()  # the README's benchmark paths, beside a checkout
        raise VsrAppError(f"evaluation data not found: {root}" + (
            " (the project's data folder, beside the checkout: README.md's Command line section says what goes there "
            "and ../shared/data/MANIFEST.md where each set comes from; a folder of frames or a video of your own scores "
            "too)" if shared else ""))
    return contents_sources(folder_contents(root))


class FolderContents(NamedTuple):
    """What eval finds in a folder, from one listing of it (the Compare tab opens a folder of frames with it, and
    takes its frames from it rather than listing the folder again). Hidden files and folders are left out (macOS's
    ._000.png, .thumbnails), as training leaves them out, and so are folders a system makes (`SYSTEM_FOLDERS`)."""

    root: Path
    loose: list[Path]  # its own frames, in frame order (`frame_files`)
    videos: list[Path]
    folders: list[Path]  # its sub-folders
    seqs: list[Path]  # those of them that hold frames


def folder_contents(root: Path) -> FolderContents:
    """The folder's frames, videos and sub-folders, the folder listed once."""
    listed = [p for p in root.iterdir() if not p.name.startswith(".")]
    videos = sorted((p for p in listed if p.suffix.lower() in OPEN_VIDEO_EXTS and p.is_file()), key=natural_order)
    folders = sorted(d for d in listed if d.is_dir() and d.name not in SYSTEM_FOLDERS)
    return FolderContents(root, frames_among(listed), videos, folders, [d for d in folders if frame_files(d)])


def contents_sources(contents: FolderContents) -> list[Path]:
    """The sequences eval scores in a folder: the folder itself where it holds frames, else its sub-folders of frames
    or its videos. One kind: either alone would leave the other out; and any other sub-folder, without frames, is
    refused, as the mean would leave it out."""
    root, loose, videos, folders, seqs = contents
    kinds = [f"{kind} ({first_names([p.name for p in paths])})"
             for kind, paths in (("loose images", loose), ("videos", videos), ("folders of frames", seqs)) if paths]
    if len(kinds) > 1:  # scoring one kind alone would silently leave the others out
        raise VsrAppError(f"{root} holds {'both ' * (len(kinds) == 2)}{', '.join(kinds[:-1])} and {kinds[-1]}: "
                          f"eval scores one kind at a time; point --data at one of them, or move the others out")
    if loose:
        return [root]
    if not seqs and not videos:
        raise VsrAppError(f"{root} holds no videos and no folders of frames "
                          f"({', '.join('*' + e for e in sorted(IMAGE_EXTS))}): each sequence is a video, or a folder "
                          f"of its frames named in order")
    frameless = [d.name for d in folders if d not in seqs]
    if frameless:  # leaving them out would change the mean without a word
        beside = "videos (sub-folders are not searched for more)" if videos else "folders of frames"
        raise VsrAppError(f"{root} holds sub-folders with no frames ({first_names(frameless)}) beside {beside}: "
                          f"move them out, or put each sequence's frames in its own folder")
    stems = [p.stem for p in videos]
    shared = sorted({p.name for p in videos if stems.count(p.stem) > 1})
    if shared:  # one would replace the other's scores
        raise VsrAppError(f"{root} holds videos that share a name ({first_names(shared)}): a sequence is named by its "
                          f"file's name without the extension; rename one")
    return videos or seqs


def sequence_name(source: Path) -> str:
    """A sequence's name: its folder's, or its video file's without the extension."""
    return source.name if source.is_dir() else source.stem


def read_frames(source: Path, limit: int | None = None) -> list[np.ndarray]:
    """The first `limit` frames of a folder of frames or of a video file (benchmarks and scripts read them so)."""
    return read_sequence(source, limit).frames


def read_sequence(source: Path, limit: int | None = None, prepare: Callable | None = None,
                  deinterlace: bool = True) -> Sequence:
    """The first `limit` frames of a folder of frames or of a video file, with their names; `prepare` turns each
    frame into what is kept of it as it is read (eval vsr keeps the truth and its downscale, not the frame as well).
    `deinterlace` False leaves a video's frames flagged interlaced as decoded (`--deinterlace off`)."""
    prepare = prepare or (lambda frame: frame)
    if source.is_dir():
        files = frame_files(source)[:limit]
        return Sequence([p.name for p in files], [prepare(read_image(path, "frame")) for path in files])
    return _decoded_sequence(source, limit, prepare, deinterlace)


def _decoded_sequence(path: Path, limit: int | None, prepare: Callable, deinterlace: bool) -> Sequence:
    """A video's first `limit` frames, RGB as displayed; only those are decoded, so --frames keeps a long video out
    of memory. Its notes say how the frames differ from the file's pictures (`_truth_notes`)."""
    import contextlib
    import itertools

    from vsr_app.video.reader import VideoReader

    reader = VideoReader(path, deinterlace=deinterlace)
    kept, times = [], []
    with contextlib.closing(reader.frames()) as frames:  # closing it closes the file
        for frame in itertools.islice(frames, limit):
            kept.append(prepare(frame.image))
            times.append(frame.time)
    return Sequence([str(i) for i in range(len(kept))], kept, _truth_notes(reader, len(kept)), times)


def _truth_notes(reader, read: int) -> tuple[str, ...]:
    """What the reader did to a video's `read` frames that makes them another ground truth than the file's pictures,
    in words: a score is against the frames as decoded, so whoever reads it must know."""
    notes = []
    if reader.info.codec == "gif":
        notes.append("a GIF: its 256 colours and their dither are counted as the truth, a weak one")
    if count := reader.interlaced_frames:  # (of the frames the pass gave: `read`, or fewer)
        notes.append(f"interlaced: {count} of its {read} frames were deinterlaced (bwdif) before scoring, so the "
                     f"truth is the deinterlacer's picture")
    if count := reader.decode_errors:
        notes.append(f"damaged: {counted(count, 'packet')} did not decode and their frames are missing, so "
                     f"the frames either side of them are scored as neighbours")
    if size_changed := reader.size_change_note(first_frame=0):  # as per_frame names them
        notes.append(size_changed)
    if reader.info.hdr:  # the reader's picture, not the file's signal (`video/tonemap.py`)
        notes.append(f"{reader.info.hdr.label()}: the truth is its tone map to SDR BT.709, the picture the app shows "
                     "and processes")
    elif reader.info.wide_gamut:
        notes.append("wide-gamut colours: the truth is their conversion to BT.709, the picture the app shows and "
                     "processes")
    return tuple(notes)


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
    reading a video whose length is estimated, or not known, checks as it goes (`_read_planned`). `min_frames`: the
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


def _read_planned(plan: Planned, limit: int | None, min_frames: int, min_side: int,
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


def check_sequence(name: str, count: int | None, sizes: set[tuple[int, int]], min_frames: int, min_side: int) -> None:
    """One readable error for a sequence that cannot be scored, instead of a net's traceback or a silent nan:
    too few frames (`count`, None: not known yet), sizes (width, height) that change (a net's state and a clip stack
    need one), frames with no SSIM window."""
    from vsr_app.metrics import SSIM_WINDOW

    if count is not None and count < min_frames:
        raise VsrAppError(f"sequence '{name}' has {counted(count, 'frame')}; scoring it "
                          f"needs at least {min_frames}")
    shown = [f"{w}x{h}" for w, h in sorted(sizes)]
    if len(shown) > 1:
        raise VsrAppError(f"sequence '{name}' mixes frame sizes ({', '.join(shown)})")
    if shown and min(next(iter(sizes))) < min_side:
        raise VsrAppError(f"sequence '{name}' has {shown[0]} frames, too small to score: at least "
                          f"{min_side}x{min_side} is needed (Y-SSIM's {SSIM_WINDOW}x{SSIM_WINDOW} window must fit)")


def vsr_min_side() -> int:
    """The least side of a frame eval vsr scores: its ground truth, cropped to a multiple of 4, still holds one
    Y-SSIM window (the Compare tab's ground truth mode refuses a smaller one in the same words)."""
    from vsr_app.metrics import SSIM_WINDOW

    return -(-SSIM_WINDOW // 4) * 4


def truth_size(width: int, height: int) -> tuple[int, int]:
    """The (width, height) eval vsr scores a frame of `width` x `height` at: cropped to a multiple of 4, which its x4
    downscale needs."""
    return width // 4 * 4, height // 4 * 4


def degrade_x4(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ground truth cropped to a multiple of 4, its x4 bicubic downscale), both uint8 RGB."""
    import numpy as np

    from vsr_app.distill.data import to_frames, to_tensor
    from vsr_app.distill.resize import downscale_x4

    w, h = truth_size(frame.shape[1], frame.shape[0])
    gt = np.ascontiguousarray(frame[:h, :w])
    lr = downscale_x4(to_tensor(gt))
    return gt, to_frames(lr)


def _score_each(plans: list[Planned], scored: Callable[[Planned], tuple[Scores, tuple[str, ...]]],
                on_sequence: ScoredCallback | None) -> tuple[dict[str, Scores], list[str]]:
    """Each planned sequence's per-frame scores, one sequence read at a time, telling `on_sequence` their means as
    each is done; and the notes on its truth (`_truth_notes`), each named by its sequence."""
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


def check_csv_path(path: Path) -> None:
    """Refuse a --csv file that would destroy another, before any scoring, as `batch --report` does: an earlier eval
    CSV or an empty file is replaced (a rerun needs no flag), a video or an image never (the data itself, perhaps),
    nor any other file (eval has no --overwrite); a folder, or a place that cannot be written, is refused too."""
    from vsr_app.video.output_paths import check_writable

    if path.is_dir():
        raise VsrAppError(f"--csv '{path}' is a folder; give a file name such as scores.csv")
    if path.exists() and path.suffix.lower() in (*OPEN_VIDEO_EXTS, *IMAGE_EXTS):
        raise VsrAppError(f"--csv '{path}' would replace a video or an image; give a file name such as scores.csv")
    if path.exists() and not _is_eval_csv(path):
        raise VsrAppError(f"--csv '{path}' would replace a file that is not an eval CSV; choose another name, or "
                          f"remove it")
    check_writable(path.parent, "the --csv file's folder")


def _is_eval_csv(path: Path) -> bool:
    """Whether `path` begins as `write_csv` begins a file (`CSV_MARK`; an earlier version's began with its columns),
    reading no further (it may be a large file), or is empty (`mktemp` makes the file a script then names)."""
    headers = [",".join(columns).encode() for columns in (CSV_HEADER, (*CSV_HEADER, CUT_COLUMN))]
    try:
        with open(path, "rb") as f:
            start = f.read(len(headers[-1]) + 2)
    except OSError:
        return False
    return not start or start.startswith(CSV_MARK.encode()) or start.split(b"\n")[0].rstrip(b"\r") in headers


def csv_comment(result: dict) -> list[str]:
    """The `#` lines above an eval CSV's columns, as the Compare tab's CSV has them (pandas reads past them with
    `read_csv(path, comment="#")`): what was scored, by which weights and code, how, and the result's notes, so a
    CSV away from its JSON still says what it measured. A script's `summary` result has only the model's name."""
    hashed = f", weights sha256 {result['weights_sha256']}" if "weights_sha256" in result else ""
    what = [f"{result['model']} ({result['params']:,} parameters{hashed})"]
    if "data" in result:
        limit = result.get("frames_limit")
        what[0] += f" on {result['data']}" + (f", at most the first {limit} frames of each sequence" if limit else "")
    if "device" in result:
        what.append(f"ran on {result['device']}, {result['precision']}"
                    + ", self-ensembled" * bool(result.get("self_ensemble"))
                    + (f", clip chunks of {result['clip_chunk']} frames with {result['clip_context']} of context"
                       if "clip_chunk" in result else ""))
    if "app_version" in result:
        what.append(f"{APP_NAME} {result['app_version']}")
    lines = [CSV_MARK + "; ".join([*what, "PSNR (dB) and SSIM of luma (Y, BT.601)", *_frame_column(result)]),
             *(f"# note: {note}" for note in result.get("notes", []))]
    return [" ".join(line.splitlines()) for line in lines]  # a line break in a name would end the comment


def _frame_column(result: dict) -> list[str]:
    """What the frame column holds, said only for what was scored (`Sequence.names`): "a video's frames count from 0"
    headed a folder of PNGs' CSV too, whose frames are named 001.png. None said for a script's names of its own."""
    names = [str(frame["frame"]) for seq in result["sequences"].values() for frame in seq.get("per_frame", ())]
    held = [words for words, holds in (("a video frame's index, from 0", str.isdigit),
                                       ("a frame file's name", lambda name: Path(name).suffix.lower() in IMAGE_EXTS))
            if any(map(holds, names))]
    return [f"frame: {' or '.join(held)}"] if held else []


def write_csv(result: dict, path: Path) -> None:
    """`result`'s per-frame scores as CSV under `csv_comment`'s lines, a row per scored frame (`CSV_HEADER`, and eval
    vfi's `CUT_COLUMN`, 0 or 1), written atomically."""
    import csv
    import io

    from vsr_app.files import atomic_write

    text = io.StringIO()
    rows = csv.writer(text, lineterminator="\n")
    cuts = any(CUT_COLUMN in f for seq in result["sequences"].values() for f in seq["per_frame"])
    text.writelines(f"{line}\n" for line in csv_comment(result))
    rows.writerow((*CSV_HEADER, *[CUT_COLUMN] * cuts))
    for name, seq in result["sequences"].items():
        rows.writerows([name, f["frame"], f["psnr_y"], f["ssim_y"], *([int(f[CUT_COLUMN])] if cuts else [])]
                       for f in seq["per_frame"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: tmp.write_text(text.getvalue(), encoding="utf-8", errors="backslashreplace"))
    except OSError as exc:
        raise VsrAppError(f"cannot write --csv '{path}': {exc.strerror or exc}") from exc


def _scored_what(result: dict, loaded, engine, model: str, data: str | Path, frames: int | None,
                 notes: tuple[str, ...] = ()) -> dict:
    """`result` with what was scored, so a smoke test on 2 frames, or a run folder that shares its model's name
    with another, cannot pass for a full benchmark of another model: the data folder (absolute), `--frames` where
    given (and `notes` on the sequences it is longer than, or cut short with later frames read as context), the
    weights file where `model` was a path, not a name the registry resolves, and the device and precision the
    engine ran in (bf16 and fp32 differ in the fourth decimal); and what traces it to the weights and code: the
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
        seq = _read_planned(plan, read, VSR_MIN_FRAMES, min_side, prepare=degrade_x4, deinterlace=deinterlace)
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


def vfi_context(i: int, count: int, num_inputs: int) -> list[int]:
    """Input frame indices for predicting odd frame i of `count`: i-1, i+1 (2-frame models) or i-3, i-1, i+1, i+3
    (4-frame models) with indices past either end replaced by the nearest even (input) frame."""
    last_even = (count - 1) // 2 * 2
    return [min(max(i + d, 0), last_even) for d in vfi_offsets(num_inputs)]


def vfi_offsets(num_inputs: int) -> tuple[int, ...]:
    """Where the frames a `num_inputs`-frame model is fed lie, from the odd frame it predicts (`vfi_context`)."""
    return (-1, 1) if num_inputs == 2 else (-3, -1, 1, 3)


def vfi_predicted(count: int) -> range:
    """The frames eval vfi predicts and scores of `count`: the odd ones with a frame after them."""
    return range(1, count - 1, 2)


def vfi_scene_cuts(frames: Iterable[tuple[np.ndarray, float | None]]) -> Iterator[bool]:
    """For each frame eval vfi predicts (1, 3, 5, ...), whether a scene cut (or a flash's edge) lies between the two
    frames either side of it, found by `scenecut.cut_at` among the frames the models are fed, the even ones, as an
    export of them would find it. `frames`: every frame of the sequence in order, (image, time in seconds or None).
    Such a frame belongs to one shot or the other, which no interpolator can know: on real video these frames are
    among any model's worst, so eval and the Compare tab mark them (the models are still fed across them, as eval
    feeds them). Only the fed frames' thumbnails wait for their verdicts, CONTEXT fed frames on: whole frames waiting
    held ~125 MB at 4K, beside the Compare tab's 64 MB analysis cache."""
    import itertools

    from vsr_app.video.scenecut import judge_frames, thumbnail

    fed = itertools.islice(frames, 0, None, 2)
    for index, cut in enumerate(judge_frames((thumbnail(image), time) for image, time in fed)):
        if index:  # (the first frame fed has none before it)
            yield cut


def _scene_cut_note(scores: Scores) -> str | None:
    """How many scored frames lie across a scene cut, which, and the sequence's mean without them; None for none."""
    import numpy as np

    across = [name for name, cut in zip(scores.frames, scores.cuts) if cut]
    if not across:
        return None
    kept = [p for p, cut in zip(scores.psnrs, scores.cuts) if not cut]
    without = f"Y-PSNR {np.mean(kept):.3f} dB without them" if kept else "no frame is left without them"
    return (f"{len(across)} of {len(scores.psnrs)} scored frames ({first_names(across)}) lie across a scene cut: the "
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
        seq = _read_planned(plan, read, VFI_MIN_FRAMES, SSIM_WINDOW, deinterlace=deinterlace)
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
