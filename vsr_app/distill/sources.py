"""Training sources: finding the videos, frame folders and stills under --data, the checks run before a run folder
is written (`check_data`, `check_held_out`), and loading them as `Source`s.

Sources under a data folder (searched recursively):
- video files (decoded once with PyAV through vsr_app.video.reader),
- folders of frames (same-size images whose neighbours look alike: one sequence),
- other images: stills, which `data.HRClipSampler` turns into pseudo-clips.
Every source is downscaled a little when loaded (`prescale`) to wash out compression noise in
the ground truth, and kept in memory as uint8.

Apart from the sampling (data.py), which needs only the loaded `Source`s: the command line and the Train tab
check the data and the validation clips with this module before any training starts.
"""
from __future__ import annotations

import contextlib
import filecmp
import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vsr_app.errors import BAD_FILE_HINT, EXCLUDE_HINT, VAL_OUTSIDE, VsrAppError
from vsr_app.media import IMAGE_EXTS, TRAINING_VIDEO_EXTS, first_names, natural_order, read_image
from vsr_app.words import counted


@dataclass
class Source:
    """One sequence of frames (a video or a frame folder) or one still (a single frame)."""

    name: str
    frames: list[np.ndarray]  # uint8 HxWx3 RGB
    uneven: int = 0  # a video's frame intervals that differ from its usual one (variable frame rate, dropped frames)
    times: np.ndarray | None = None  # a video's frame times, seconds (None: a frame folder, taken as evenly spaced)
    damaged: int = 0  # a video's packets that did not decode (skipped; the frames after one may show the damage)
    missing_s: float = 0.0  # seconds of video its header states past its last frame that decodes (a cut file)

    @property
    def is_still(self) -> bool:
        return len(self.frames) == 1

    def clip_starts(self, frames: int, stride: int, even: bool = False) -> np.ndarray:
        """The indices a clip of `frames` frames `stride` apart can start at; with `even`, only those of clips whose
        frames are evenly spaced in time, so a middle frame is the temporal middle (frame interpolation's target)."""
        starts = np.arange(max(0, len(self.frames) - (frames - 1) * stride))
        if not even or self.times is None or not len(starts):
            return starts
        times = self.times[starts[:, None] + stride * np.arange(frames)]
        interval = (times[:, -1] - times[:, 0]) / max(1, frames - 1)
        spaced = times[:, :1] + interval[:, None] * np.arange(frames)
        return starts[np.abs(times - spaced).max(1) <= _tolerance(interval)]


EVEN_TOLERANCE = 0.1  # of a frame interval: how far a frame's time may be from even spacing (capture jitter)
TIMESTAMP_ROUNDING = 1e-3  # Matroska's (and FLV's) whole milliseconds, which a video remuxed from one keeps


def _tolerance(interval):
    """How far from evenly spaced a frame's time may be: a tenth of the interval, or the millisecond timestamps are
    rounded to where that is more (240 fps in Matroska steps 4, 4, 4, 5 ms), up to a quarter of the interval. A
    dropped frame puts a frame of a 7-frame clip 0.43 of its interval off even spacing (0.23 at stride 2), an
    inserted one 0.27 (0.13); 29.97 fps in milliseconds (33, 33, 34 ms) is 0.03 off."""
    return np.maximum(EVEN_TOLERANCE * interval, np.minimum(TIMESTAMP_ROUNDING, interval / 4)) + 1e-9


def shrink(img: np.ndarray, factor: float) -> np.ndarray:
    """Area-downscale by `factor` (near 1: the image itself): the loaders' prescale, and data.py's zoom of a still
    before its camera path is cut."""
    if factor >= 0.999:
        return img
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)


def prescale_factor(h: int, w: int, target_short: int = 400, lo: float = 0.5, hi: float = 0.8) -> float:
    """Shrink every sequence (by at least 1/hi) towards a short side of `target_short` pixels:
    removes codec noise and blur from the truth and bounds memory."""
    return float(np.clip(target_short / min(h, w), lo, hi))


DATA_BUDGET_BYTES = 4 << 30  # decoded training frames held in memory; longer footage is sampled in segments
# a kept segment holds the Train tab's longest clip (32 frames at stride 1); a burn-in asks for longer ones
SEGMENT_FRAMES = 32


def open_video(path: Path):
    """The reader the loaders size and decode training videos with: a `VideoReader` (PyAV). The one place to put
    another decoder with its `info` (height, width, estimated_frames) and `frames()` (each with `time` and `image`):
    scripts/device_round.py points it at OpenCV on a machine without PyAV; prescaling and frame times stay the
    loaders' own."""
    from vsr_app.video.reader import VideoReader

    return VideoReader(path)


def _video_bytes(path: Path) -> int:
    """Memory the decoded, prescaled frames of a video will take (from its header: nothing is decoded)."""
    with open_video(path) as reader:
        info = reader.info
    return prescaled_bytes(info.height, info.width, info.estimated_frames or 0)


def prescaled_bytes(height: int, width: int, frames: int) -> int:
    """Memory `frames` decoded frames of height x width take once prescaled."""
    factor = prescale_factor(height, width)
    return round(height * factor) * round(width * factor) * 3 * frames


def _video_bytes_or_zero(path: Path) -> int:
    try:
        return _video_bytes(path)
    except VsrAppError:
        return 0  # unreadable: loading it reports that, with what to do


def _load_video(path: Path, max_frames: int | None, keep_every: int = 1, prescale: bool = True,
                segment_frames: int = SEGMENT_FRAMES, keep_concealed: bool = False) -> tuple[list[Source], str | None]:
    """The video as one source; with keep_every > 1 only every keep_every-th run of `segment_frames` frames is kept,
    and the frames that show damage the decoder concealed are left out (`_concealed_note` says why) unless
    `keep_concealed` (a validation clip, scored as it decodes, as eval scores it), each run of frames kept its own
    source, so no training clip spans a gap: `clip.mp4#k`, k the segment's number over the memory budget (the runs of
    a segment split by damage share it), else the run's. A run of a single frame cut off from the rest is left out
    too: as a still it was trained on as made-up camera pans (the sampler plays a run of 2 frames or more forward and
    back). The second value is what the log says of the frames left out or kept, None where there is nothing to
    say."""
    kept: list[tuple[int, np.ndarray]] = []  # (frame index, prescaled image)
    factor = None
    times = []
    whole = True  # read to its end, not cut off at max_frames
    with open_video(path) as reader:
        for index, frame in enumerate(reader.frames()):
            times.append(frame.time)
            if (index // segment_frames) % keep_every:
                continue
            img = frame.image
            if factor is None:
                factor = prescale_factor(*img.shape[:2]) if prescale else 1.0
            kept.append((index, shrink(img, factor)))
            if max_frames and index + 1 >= max_frames:
                whole = False
                break
        damaged = getattr(reader, "decode_errors", 0)  # (a stand-in decoder may not count them)
        showing_concealed = set() if keep_concealed else set(getattr(reader, "showing_concealed", ()))
        concealed = reader.concealed_where(first_frame=1) if hasattr(reader, "concealed_where") else None
    times = np.array(times)
    uneven = _uneven(times)
    missing = _missing_end(reader.info, times) if whole else 0.0
    runs = _runs([(index, image) for index, image in kept if index not in showing_concealed])
    alone = 0
    if len(times) > 1:  # (a video of one frame is a still)
        alone = sum(len(frames) == 1 for _, frames in runs)
        runs = [run for run in runs if len(run[1]) > 1]
    notes = []
    if concealed:
        left_out = sum(index in showing_concealed for index, _ in kept)
        notes.append(_concealed_note(concealed, left_out, keep_concealed))
    if alone:
        notes.append(f"{counted(alone, 'frame')} cut off on {'its' if alone == 1 else 'their'} own from the frames "
                     f"around {'is' if alone == 1 else 'are'} left out too, not trained on as a still")
    note = "; ".join(notes) or None

    def source(name: str, first: int, frames: list[np.ndarray]) -> Source:
        return Source(name, frames, uneven, times[first:first + len(frames)], damaged, missing)

    if keep_every == 1 and len(runs) == 1:
        return [source(path.name, *runs[0])], note
    return [source(f"{path.name}#{first // segment_frames if keep_every > 1 else k}", first, frames)
            for k, (first, frames) in enumerate(runs)], note


def _runs(kept: list[tuple[int, np.ndarray]]) -> list[tuple[int, list[np.ndarray]]]:
    """The (frame index, image) pairs in runs of consecutive frames: (its first frame's index, its images) each."""
    runs: list[tuple[int, list[np.ndarray]]] = []
    for index, image in kept:
        if not runs or runs[-1][0] + len(runs[-1][1]) != index:
            runs.append((index, []))
        runs[-1][1].append(image)
    return runs


def _concealed_note(concealed: tuple[str, str], left_out: int, kept: bool) -> str:
    """What the log says of the frames the decoder concealed damage in (`concealed`: the reader's `concealed_where`,
    numbered from 1 as the pipeline's note is) and of those that show it: the `left_out` frames of what would have
    been kept (the memory budget's runs skipped the others), or, where `kept` (a validation clip), that they are
    scored as they decode.

    Training leaves them out, unlike eval, which keeps them with a note (its score is of the file as it is): the damage
    is the truth here, and a training clip over it teaches the model to draw grey or smeared blocks. Only the frame
    damaged is marked, yet the frames decoded from it show the damage too: those after it up to the next keyframe and
    the B-frames shown just before it (`video/concealed_groups.py`), which costs a keyframe interval of footage at
    most for each."""
    where, them = concealed
    if kept:
        return (f"the decoder concealed damage in {where}: {them} and the frames decoded from {them} are scored "
                "against their grey or smeared blocks as the truth, as eval scores them")
    if not left_out:
        return f"the decoder concealed damage in {where}, in none of the frames kept"
    return (f"the decoder concealed damage in {where}: the frames that show it (up to the next keyframe, and B-frames "
            f"shown just before: {counted(left_out, 'frame')} in all) are left out, so that the model does not learn "
            "to draw its grey or smeared blocks")


def _missing_end(info, times: np.ndarray) -> float:
    """Seconds of video the header states past the end of the last frame that decodes, where more than 1.5 frame
    intervals: a file cut short (a Matroska file copied halfway keeps the header of the whole) decodes to its cut
    with no error. 0 where the header says no duration (nor a stand-in decoder's `info`)."""
    duration = getattr(info, "duration", None)
    if not duration or not len(times):
        return 0.0
    interval = float(np.median(np.diff(times))) if len(times) > 1 else 1 / info.fps
    missing = info.start_time + duration - (float(times[-1]) + interval)
    return missing if missing > 1.5 * interval else 0.0


def _uneven(times: np.ndarray) -> int:
    """How many frame intervals differ from the usual one by more than `_tolerance` (a phone's variable frame rate,
    dropped frames): the log counts them, as frame interpolation samples only clips evenly spaced in time."""
    gaps = np.diff(times)
    usual = float(np.median(gaps)) if len(gaps) >= 2 else 0.0
    return int((np.abs(gaps - usual) > _tolerance(usual)).sum()) if usual > 0 else 0


def _looks_like_sequence(images: list[np.ndarray]) -> bool:
    """Frames of one shot: same size, and neighbouring thumbnails differ little."""
    if len(images) < 2 or len({im.shape for im in images}) != 1:
        return False
    thumbs = [cv2.resize(im, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32) for im in images[:8]]
    diffs = [np.abs(a - b).mean() for a, b in zip(thumbs, thumbs[1:])]
    return float(np.median(diffs)) < 20.0


def _each_file_once(files_by_root: dict[Path, list[Path]], log) -> dict[Path, list[Path]]:
    """Each file under the first root that holds it: a folder and a file in it (or two overlapping folders) given as
    --data loaded that footage twice, so it was sampled twice as often and took twice the memory, without a word."""
    seen: set = set()
    again: list[Path] = []
    kept = {}
    for root, files in files_by_root.items():
        kept[root] = []
        for f in files:
            identity = _file_identity(f) or f  # one stat a file: data sets run to hundreds of thousands of frames
            (again if identity in seen else kept[root]).append(f)
            seen.add(identity)
    if again:
        log(f"data: {first_names([f.name for f in again])} given more than once (overlapping --data): each is "
            f"read once")
    return kept


def _roots(roots) -> list[Path]:
    return [Path(r) for r in ([roots] if isinstance(roots, (str, os.PathLike)) else roots)]


def media_files(root: Path, others: list[Path] | None = None) -> list[Path]:
    """The videos and images under `root` (or `root` itself), in `natural_order` (a folder's frames numbered without
    zero padding stay in order); `others` gets the other files, which training does not read. Hidden files are
    skipped, as `batch` does: a folder copied from a Mac drive holds '._clip.mp4' sidecars."""
    if not root.exists():
        raise VsrAppError(f"training data not found: {root}")
    if root.is_file():
        if _is_media(root.name):
            return [root]
        if others is not None:
            others.append(root)
        return []
    found: list[Path] = []
    real = os.path.realpath(root)
    _find_media(root, real, found, others, {real})
    return sorted(found, key=natural_order)


def _is_media(name: str) -> bool:
    suffix = os.path.splitext(name)[1].lower()
    return suffix in TRAINING_VIDEO_EXTS or suffix in IMAGE_EXTS


def _find_media(folder: Path, real: str, found: list[Path], others: list[Path] | None, seen: set[str]) -> None:
    """Depth first through `folder` (`real`: where it really is), not into hidden folders; into linked ones, each
    real folder once (`seen`), as `batch` does: footage linked in was left out, and a link back up the tree must not
    loop. scandir's entries know their type without a stat for all but links, and only a link's real path is looked
    up: a Vimeo-90K sized set is 600,000 frames in 90,000 folders."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return  # unreadable: skipped, as rglob does
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            where = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real, entry.name)
            if where not in seen:
                seen.add(where)
                _find_media(Path(entry.path), where, found, others, seen)
        elif _is_media(entry.name):
            if entry.is_file():
                found.append(Path(entry.path))
        elif others is not None and entry.is_file():
            others.append(Path(entry.path))


def _not_read(others: list[Path]) -> str:
    """The files a --data folder holds that training does not read (a RealMedia .rm, a note), named: they are left
    out, and the user should know rather than wonder why the footage did not count."""
    names = first_names([p.name for p in sorted(others)])
    kinds = " ".join(ext.lstrip(".") for ext in (*TRAINING_VIDEO_EXTS, *IMAGE_EXTS))
    are = "is" if len(others) == 1 else "are"
    return f"{counted(len(others), 'file')} that {are} not a video or image training reads ({names}; it reads {kinds})"


def check_run_outside_data(run_dir: Path, roots, choose: str = "an --out") -> None:
    """Refuse a run folder inside a data folder: its checkpoints and models were written among the footage, and a
    later run on that folder read past them, file by file. `choose`: what the user changes (the Train tab's Runs
    folder)."""
    for root in _roots(roots):
        if root.is_dir() and Path(os.path.realpath(run_dir)).is_relative_to(os.path.realpath(root)):
            raise VsrAppError(f"the run folder {run_dir} is inside the training data {root}: its checkpoints and "
                              f"models would be written among the footage; choose {choose} outside it")


def check_data(roots, run_dir: Path | None = None) -> None:
    """Fail before a run folder is written when --data holds nothing to train on, or a video whose header does not
    read (decoding comes later), or when the run folder would be inside a data folder (`check_run_outside_data`)."""
    if run_dir is not None:
        check_run_outside_data(run_dir, roots)
    others: list[Path] = []
    files_by_root = {root: media_files(root, others) for root in _roots(roots)}
    if not any(files_by_root.values()):
        raise VsrAppError(f"no videos or images found in {', '.join(map(str, roots))}"
                          + (f"; found only {_not_read(others)}" if others else ""))
    for root, files in files_by_root.items():
        for f in files:
            if f.suffix.lower() in TRAINING_VIDEO_EXTS:
                with _blaming_the_folder(f, root):
                    _video_bytes(f)


def load_validation(path: str, max_frames: int | None = None, prescale: bool = True, log=lambda _: None
                    ) -> list[Source]:
    """A validation clip's sources; its errors name it as the validation clip, not as training data. Its frames that
    show damage the decoder concealed are kept, as eval keeps them, and `log` (the run's) is told: left out, as
    training leaves them out, they split the clip, which was then refused as several or scored on its first piece."""
    if not Path(path).exists():
        raise VsrAppError(f"validation clip not found: {path}")
    try:
        return load_sources([path], max_frames_per_video=max_frames, log=lambda *_: None, prescale=prescale,
                            keep_concealed=lambda note: log(f"validation clip {path}: {note}"))
    except VsrAppError as exc:
        raise VsrAppError(f"validation clip: {exc}") from None


def held_out(name: str, exclude) -> bool:
    """Whether a source is in `exclude` (frame interpolation's held-out names): by its name, a still by its folder's,
    and a video kept in runs (`clip.mp4#3`, over the memory budget) by its file's, as the user names it."""
    name = re.sub(r"#\d+$", "", name)
    return name in exclude or name.split("/")[0] in exclude


def _source_name(f: Path) -> str:
    """The name `held_out` matches for a training file: a video's own, an image's folder (its sequence or stills)."""
    return f.name if f.suffix.lower() in TRAINING_VIDEO_EXTS else f.parent.name


def check_held_out(val: list | None, data: list[str] | None, exclude: list | None = None,
                   option: str = "--val") -> None:
    """A validation clip that is part of the training data (itself, through a link, inside a --data folder, or a
    folder around one) would be trained on and then score itself: refused, unless `exclude` leaves each of its files
    out of training (frame interpolation's option; None: the task has none), the error saying to give `option` (what
    named the clips: a pruning has no --val) another clip. A clip that does not exist is the validation's to
    report."""
    outside = VAL_OUTSIDE.format(option=option)
    if not isinstance(val, list) or not val or not data:
        return  # none, or of the wrong type: check_types reports that
    roots = [Path(os.path.abspath(root)) for root in _roots(data)]
    clips = [clip for clip in val if isinstance(clip, str)]
    names = {name for name in exclude if isinstance(name, str)} if isinstance(exclude, list) else set()

    def refuse_unless_excluded(clip: str, f: Path, copy: bool = False):
        if not held_out(_source_name(f), names):
            data = ', '.join(map(str, roots))
            said = f"is part of the training data ({data})"
            if copy:
                said = (f"holds copies of training frames ({data}), such as {f}" if Path(clip).is_dir()
                        else f"is a copy of {f}, part of the training data ({data})")
            raise VsrAppError(f"validation clip {clip} {said}: it would be trained on; {outside}"
                              + (f" or {EXCLUDE_HINT}" if exclude is not None else ""))

    real_roots = [root.resolve() for root in roots]
    for clip in clips:
        path = Path(clip).resolve()
        if path.exists() and (path in real_roots or any(root in path.parents for root in real_roots)):
            for f in media_files(path):
                refuse_unless_excluded(clip, f)
        inside = [root for root in real_roots if path in root.parents]
        if inside:  # the other way round: a --val folder around --data scored the footage trained on
            raise VsrAppError(f"validation folder {clip} holds the training data ({', '.join(map(str, inside))}): "
                              f"it would score footage it was trained on; {outside}")
    # a training file that is the clip under another name (a link, a hard link): one stat per file, not a resolve
    # (a syscall per path component), as data sets run to hundreds of thousands of frames
    by_identity = {identity: clip for clip in clips if (identity := _file_identity(clip))}
    copies = _Copies(clips)
    for root in roots:
        for f in media_files(root):
            try:
                st = os.stat(f)
            except OSError:
                continue
            if clip := by_identity.get((st.st_dev, st.st_ino) if st.st_ino else None):
                refuse_unless_excluded(clip, f)
            elif not held_out(_source_name(f), names):
                copies.look(f, st.st_size)
    if found := copies.found():
        refuse_unless_excluded(*found, copy=True)


class _Copies:
    """The clips' files found byte for byte among the training files (a tester's `cp` of a training video scored
    46 dB, a `cp -r` of a sequence was taken too): by size first, then three 64 KiB samples (start, middle, end),
    each file sampled once, then the whole bytes. A folder clip counts as a copy only where most of its frames are
    training frames (one black frame in both is no copy); an uncompressed frame of the same size whose first and last
    MiB matched (letterboxed film) was taken for one by a two-ends sample."""

    SAMPLE = 64 << 10

    def __init__(self, clips: list[str]):
        self.by_size: dict[int, list[tuple[str, Path]]] = {}
        self.frames: dict[str, int] = {}
        self.matched: dict[str, dict[Path, Path]] = {}  # clip -> its file -> the training file it is
        for clip in clips:
            files = media_files(Path(clip)) if os.path.exists(clip) else []
            self.frames[clip] = len(files)
            for file in files:
                self.by_size.setdefault(os.path.getsize(file), []).append((clip, file))
        self.samples: dict[Path, bytes | None] = {}

    def look(self, f: Path, size: int) -> None:
        for clip, file in self.by_size.get(size, []):
            if file in self.matched.get(clip, {}):
                continue
            sample = self._sample(f)
            if sample is not None and sample == self._sample(file) and _same_bytes(file, f):
                self.matched.setdefault(clip, {})[file] = f

    def found(self) -> tuple[str, Path] | None:
        """(a clip, a training file it is) where most of a clip's files are training files; None where none is."""
        return next(((clip, next(iter(files.values()))) for clip, files in self.matched.items()
                     if 2 * len(files) > self.frames[clip]), None)

    def _sample(self, path: Path) -> bytes | None:
        if path not in self.samples:
            try:
                with open(path, "rb") as fh:
                    size = fh.seek(0, 2)
                    parts = []
                    for at in (0, max(0, size // 2 - self.SAMPLE // 2), max(0, size - self.SAMPLE)):
                        fh.seek(at)
                        parts.append(fh.read(self.SAMPLE))
                self.samples[path] = hashlib.sha256(b"".join(parts)).digest()
            except OSError:
                self.samples[path] = None
        return self.samples[path]


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _file_identity(path) -> tuple[int, int] | None:
    """(device, inode) of the file a path leads to; None when it cannot be read, or on a file system that reports
    no inodes (0: some network and FUSE mounts), where every file would look the same."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st.st_ino else None


@contextlib.contextmanager
def _blaming_the_folder(f: Path, root: Path):
    """An unusable file found in a --data folder (not given itself): its error, and what to do about it."""
    try:
        yield
    except VsrAppError as exc:
        if f == root:
            raise
        raise VsrAppError(f"{exc}; {BAD_FILE_HINT}") from exc


def _video_summary(loaded: list[Source], note: str | None) -> str:
    """What the log says of a loaded video: its frames and size (WxH, as everywhere in the app), that a single frame is
    trained on as a still, the frames left out (`note`: `_load_video`'s), and its uneven frame intervals, which matter
    only to frame interpolation (this runs for both tasks)."""
    if not loaded:  # every frame it gave was left out
        return f"no frame kept: {note}"
    frames = sum(len(s.frames) for s in loaded)
    height, width = loaded[0].frames[0].shape[:2]
    summary = f"1 frame, {width}x{height}, used as a still" if frames == 1 else f"{frames} frames, {width}x{height}"
    if note:
        summary += f"; {note}"
    uneven, damaged, missing = loaded[0].uneven, loaded[0].damaged, loaded[0].missing_s
    if missing:
        summary += (f"; it stops {missing:.2f} s before the end its header states (a cut or damaged file): only the "
                    "frames that decode are trained on")
    if damaged:  # not to be taken for a variable frame rate: its garbled frames are trained on as the truth
        summary += (f"; {counted(damaged, 'damaged packet')} skipped: the frames after "
                    f"{'them' if damaged > 1 else 'it'} may show the damage, and are trained on as they decode")
    if uneven:
        summary += (f"; {counted(uneven, 'uneven frame interval')} (variable frame rate, dropped "
                    "frames), which matters only to frame interpolation: it samples frames evenly spaced in time")
    return summary


def load_sources(roots, max_frames_per_video: int | None = None, log=print, prescale: bool = True,
                 segment_frames: int = SEGMENT_FRAMES, keep_concealed=None) -> list[Source]:
    """Every video, frame folder and still under the given folders (or files); `prescale=False` keeps sequences at
    their own resolution; footage over the memory budget is kept in runs of `segment_frames` (the longest clip).
    Frames that show damage the decoder concealed are left out, unless `keep_concealed` is given (a validation
    clip's), which is told of them instead."""
    sources: list[Source] = []
    others: list[Path] = []
    files_by_root = _each_file_once({root: media_files(root, others) for root in _roots(roots)}, log)
    if others:
        log(f"data: skipped {_not_read(others)}")
    keep_every = 1
    if max_frames_per_video is None:  # all of every video: bound the memory it takes
        videos = [f for files in files_by_root.values() for f in files if f.suffix.lower() in TRAINING_VIDEO_EXTS]
        total = sum(_video_bytes_or_zero(f) for f in videos)
        keep_every = max(1, math.ceil(total / DATA_BUDGET_BYTES))
        if keep_every > 1:
            log(f"data: the videos' frames would take {total / 2**30:.1f} GiB; {DATA_BUDGET_BYTES / 2**30:.0f} GiB are "
                f"kept in memory, so one run of {segment_frames} frames in every {keep_every} is used")
    for root, files in files_by_root.items():
        by_dir: dict[Path, list[Path]] = {}
        for f in files:
            ext = f.suffix.lower()
            if ext in TRAINING_VIDEO_EXTS:
                with _blaming_the_folder(f, root):
                    loaded, note = _load_video(f, max_frames_per_video, keep_every, prescale, segment_frames,
                                               keep_concealed is not None)
                sources.extend(loaded)
                log(f"data: {f.name}: {_video_summary(loaded, note)}")
                if note and keep_concealed is not None:
                    keep_concealed(note if f == root else f"{f.name}: {note}")
            elif ext in IMAGE_EXTS:
                by_dir.setdefault(f.parent, []).append(f)
        for folder, paths in by_dir.items():
            images = []
            for p in paths:
                with _blaming_the_folder(p, root):
                    images.append(read_image(p))
            if _looks_like_sequence(images):
                factor = prescale_factor(*images[0].shape[:2]) if prescale else 1.0
                sources.append(Source(folder.name, [shrink(im, factor) for im in images]))
                log(f"data: {folder.name}/: sequence of {len(images)} frames")
            else:
                sources.extend(Source(f"{folder.name}/{p.name}", [im]) for p, im in zip(paths, images))
                sizes = {im.shape[:2] for im in images}
                why = (f": its images come in {len(sizes)} sizes, so they are not one shot's frames"
                       if len(sizes) > 1 else "")
                log(f"data: {folder.name}/: {counted(len(images), 'still')}{why}")
    if not sources:
        where = ', '.join(map(str, roots))
        if any(files_by_root.values()):  # the frames of the videos found were left out (`_load_video`)
            raise VsrAppError(f"no frame to train on in {where}: the decoder concealed damage in its videos, and the "
                              "frames that show it are left out (see the log)")
        raise VsrAppError(f"no videos or images found in {where}")
    if prescale and not all(s.is_still for s in sources):  # else a 96x64 video logged as 77x51 read as a misreading
        log("data: videos and frame sequences are shrunk (to 50-80 %, towards a short side of 400 px) before they "
            "are cropped, which takes codec noise and blur out of the targets: the sizes above are the shrunk ones")
    return sources
