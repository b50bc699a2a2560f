"""`eval --csv`: the per-frame scores as CSV under `#` lines that say what was measured, and the check, before any
scoring, that the file may be replaced. Apart from the scorers: the CLI's parser and the Compare tab use its columns
with no model to score, so only light modules are imported at the top.
"""
from __future__ import annotations

from pathlib import Path

from vsr_app import APP_NAME
from vsr_app.errors import VsrAppError
from vsr_app.media import IMAGE_EXTS, OPEN_VIDEO_EXTS
from vsr_app.words import counted

CSV_HEADER = ("sequence", "frame", "psnr_y", "ssim_y")  # `eval --csv`: a row per scored frame
CSV_MARK = f"# {APP_NAME} eval: "  # its first line, before `#` lines of notes and the CSV_HEADER (`csv_comment`)
CUT_COLUMN = "scene_cut"  # eval vfi's CSV has it after those: 1 where a scene cut lies across the frame predicted


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
        what[0] += f" on {result['data']}" + (f", at most the first {counted(limit, 'frame')} of each sequence" if limit else "")
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
