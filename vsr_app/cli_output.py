"""What the commands print, and the one way they print it: every stdout write goes through `say`, so that a stdout
that cannot be written (a reader gone away: `| head`; a full or failing disk: `> log`) ends the printing, not the
work. Also the texts a command's work is (a batch's file lines, the eval table, --json).

Kept apart from the commands (cli.py), which decide what to do and when. Nothing heavy at the top: cli.py imports
it and `vsr-app --help` must stay instant, so a text that needs a heavy module (the bench table) imports it when made."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys

from vsr_app import APP_NAME
from vsr_app.files import shown_name
from vsr_app.progress import TerminalProgress
from vsr_app.words import counted


def say(text: str, end: str = "\n") -> bool:
    """Print to stdout, the one path every stdout write takes; returns whether it was written. Once stdout cannot be
    written (EPIPE from `| head`, ENOSPC from a full disk, EIO) the command goes on without it: a batch finishes the
    folder and its report, an upscale whose file is written still succeeds."""
    try:
        if sys.stdout is None:  # started with stdout closed (`>&-`): print would drop the text without a word
            raise OSError(errno.EBADF, "it is closed")
        print(text, end=end, flush=True)
    except OSError as exc:
        _stdout_gone(exc)
        return False
    return True


def _stdout_gone(exc: OSError) -> None:
    """Stop printing to stdout. A reader gone away (`| head`) has what it wanted, so that is quiet; any other cause
    is told once on stderr, so that a log cut short by a full disk says why. Worded for every command: a batch goes
    on without its stdout, but `models` and `eval`, whose output is the result, have nothing to go on with."""
    if not isinstance(exc, BrokenPipeError):
        with contextlib.suppress(OSError):  # stderr on the same full disk: nothing left to tell it on
            print(f"{APP_NAME}: stdout cannot be written ({exc.strerror or exc}); nothing more is printed to it",
                  file=sys.stderr, flush=True)
    drop_stdout()


def drop_stdout() -> None:
    """Send the rest of stdout to devnull (as the Python docs advise for a closed pipe), so neither a later
    print nor the flush at exit raises again."""
    if sys.stdout is None:  # no descriptor to redirect
        sys.stdout = open(os.devnull, "w")  # open until exit, as stdout is
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def printable_names() -> None:
    """A file name that is not valid UTF-8 (Latin-1 from an old USB drive) prints with its odd bytes escaped: a
    strict UTF-8 terminal otherwise raised in the middle of a batch, and the files after it were never processed."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def json_text(value) -> str:
    """`--json` output: strict JSON, so a NaN or infinity fails here instead of printing what parsers reject."""
    return json.dumps(value, indent=2, allow_nan=False)


class BatchLines:
    """What a batch shows as it runs: the overall bar (stderr), a line per finished file (stdout), and whether a file
    is in flight (announced by the bar, its line not printed yet), so that a stop says it removes an unfinished
    output only while there can be one."""

    def __init__(self):
        self.bar = BatchBar()
        self.stage = self.finished = None  # the file the bar shows; the last one whose line is printed

    def progress(self, info) -> None:
        self.stage = info.stage
        self.bar(info)

    def on_file(self, index: int, count: int, result) -> None:
        self.finished = self.stage
        self.bar.close()
        say(_file_lines(index, count, result))

    def in_flight(self) -> bool:
        return self.stage != self.finished


BATCH_WORD = "batch "  # before the figures of the batch's bar: they are the whole batch's, not its file's


class BatchBar(TerminalProgress):
    """The batch's bar: the file in work, then the word "batch" and the whole batch's figures ("[9/11] clip.mp4: batch
    [####----] 61.4% 35/57 frames  1.2 fps  ETA 0:43"). Led by the word, "batch [9/11] clip.mp4: 61.4% ... ETA
    0:43", they read as the file's. Its line is the usual progress line, narrowed by the word's columns, with the word
    put in after the file's name (the figures hold no ": ")."""

    def __init__(self):
        super().__init__(show_stage=True)

    def line(self, info, columns=None):
        text = super().line(info, None if columns is None else columns - len(BATCH_WORD))
        if info.ended and not info.done:  # "batch 100.0% nothing to do: ...": no file named, nothing made
            return BATCH_WORD + text
        file, colon, figures = text.rpartition(": ")
        return f"{file}{colon}{BATCH_WORD}{figures}"


def _file_lines(index: int, count: int, result) -> str:
    """A batch file's status line, and under it the notes `upscale` adds to its summary (an input cut short, streams
    left out, audio re-encoded): in a long batch they set an `ok` worth a look apart from the others."""
    head = f"[{index:>{len(str(count))}}/{count}] "
    reason = f": {result.reason}" if result.reason else ""
    from vsr_app.video.pipeline import breaks_text

    if repeats := breaks_text(result.scene_cuts, result.flashes, result.pauses):
        reason += f" ({repeats})"
    return "\n".join([shown_name(f"{head}{result.status:<9} {result.input}{reason}"),
                      *(shown_name(f"{' ' * len(head)}note: {note}") for note in result.shown_notes)])


def eval_table(result: dict) -> str:
    """The eval result for a person, with what was scored (model file, data, frames): a 2-frame smoke test and a
    full benchmark must not read alike."""
    lines = [f"{result['model']} ({result['params']:,} parameters)"]
    if "model_path" in result:
        lines.append(f"  model file: {result['model_path']}")
    limit = result.get("frames_limit")
    first = "" if limit is None else f", the first {f'{limit} frames' if limit != 1 else 'frame'} of each sequence"
    if limit is not None and any(seq["frames_read"] < limit for seq in result["sequences"].values()):
        first = f", at most{first[1:]} (the notes say which were shorter)"
    lines.append(f"  data: {result['data']}{first}")
    if "device" in result:  # bf16 and fp32 differ in the third decimal: two tables must not read alike
        lines.append(f"  ran on: {result['device']}, {result['precision']}")
    if result.get("self_ensemble"):
        lines.append("  self-ensemble: each frame's 8 flips and transposes, averaged")
    total = sum(sc["frames"] for sc in result["sequences"].values())
    # the mean of the sequences' means (DESIGN.md's "mean"), not of all frames: said so, as a long one weighs the same
    rows = {shown_name(name): sc for name, sc in result["sequences"].items()}  # an odd byte shifted its columns
    rows["mean of sequences"] = {**result["mean"], "frames": total}
    width = max(16, *map(len, rows))  # a long sequence name shifted its row
    for name, sc in rows.items():
        frames = "frame " if sc["frames"] == 1 else "frames"  # (the columns stay in line)
        lines.append(f"  {name:<{width}} {sc['frames']:>5} {frames} scored   Y-PSNR {sc['psnr_y']:7.3f} dB   "
                     f"Y-SSIM {sc['ssim_y']:.4f}")
    lines += [shown_name(f"  note: {note}") for note in result.get("notes", [])]  # frames read but not scored
    return "\n".join(lines)


def say_scored(scored) -> None:
    """A stderr line per sequence as it is scored: a benchmark with --self-ensemble runs for minutes, and stdout
    stays the result alone."""
    print(f"eval: [{scored.done}/{scored.total}] {scored.name}: {counted(scored.frames, 'frame')}, "
          f"Y-PSNR {scored.psnr_y:.3f} dB, Y-SSIM {scored.ssim_y:.4f}", file=sys.stderr, flush=True)


def bench_text(result: dict, as_json: bool) -> str:
    from vsr_app.bench import format_table

    return json_text(result) if as_json else format_table(result)


CONFIG_EXAMPLES = {"train vsr": {"batch": 4, "net_config": {"channels": 16}},
                   "train vfi": {"crop": 96, "init_from": "PRUNE_RUN/pruned.safetensors"},
                   "prune vfi": {"crop": 96, "tap_mass": 0.8}}


def options_table(command: str) -> str:
    """`vsr-app COMMAND --list-options`: every --config option of "train vsr", "train vfi" or "prune vfi" with its
    default (as JSON, as the file writes it) and meaning, in sections (the loop's, the task's, the net's)."""
    from vsr_app.distill.options import option_sections

    sections = option_sections(command)
    rows = [row for _, section in sections for row in section]
    name_width = max(len("option"), *(len(name) for name, _, _ in rows))
    default_width = max(len("default"), *(len(json.dumps(default)) for _, default, _ in rows))
    lines = [f"vsr-app {command} --config FILE.json takes a JSON object: {json.dumps(CONFIG_EXAMPLES[command])}",
             "An option the command line sets too (--steps ...) takes the command line's; a resumed run keeps its own."]
    for title, section in sections:
        lines += ["", f"{title}:", f"  {'option':<{name_width}}  {'default':<{default_width}}  meaning"]
        lines += [f"  {name:<{name_width}}  {json.dumps(default):<{default_width}}  {meaning}"
                  for name, default, meaning in section]
    return "\n".join(lines)
