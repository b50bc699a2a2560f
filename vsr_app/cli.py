"""Command-line front end (contract in DESIGN.md): argparse, dispatch, and error reporting.

Heavy modules (torch, Qt, PyAV) are imported inside the handlers so `--help` stays instant.
Exit codes: 0 success, 1 a user-caused error (message on stderr, no traceback), 2 usage error: any option value
that is wrong by itself or with the other options (out of range, malformed, --crf for a codec without one), so
it is refused by the parser with the usage line before any work; errors that depend on the files stay 1.
Every stdout write goes through `_say`: a stdout that cannot be written (a reader gone away: `| head`; a full or
failing disk: `> log`) ends the printing, not the work. A command whose work is a file (upscale, interpolate, batch,
train, prune) exits with the work's status; one whose work is what it prints (models, eval, bench) exits 1 when that
could not be written.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import json
import math
import os
import sys

from vsr_app import APP_NAME, __version__
from vsr_app.distill.options import DISTILL_MODES
from vsr_app.errors import VsrAppError
from vsr_app.files import shown_name
from vsr_app.media import BATCH_EXTENSIONS
from vsr_app.shell import command_line
from vsr_app.shipped import PREFERRED
from vsr_app.stop_signals import handle_stops, handling_stops

SUBCOMMANDS = ("gui", "upscale", "interpolate", "batch", "train", "prune", "eval", "bench", "models")
APP_OPTIONS = ("-h", "--help", "--version", "--selftest", "--install-desktop-entry")  # vsr-app's own, before a command
DEVICES = ("auto", "cpu", "cuda")
CODECS = ("libx264", "libx265", "ffv1", "prores")


# ---- handlers -------------------------------------------------------------------------------------------

def cmd_gui(args) -> int:
    from vsr_app.gui.app import run

    return run(args.video, args.screenshot)


def cmd_upscale(args) -> int:
    return _process_file(args, upscale=args.model, self_ensemble=args.self_ensemble)


def cmd_interpolate(args) -> int:
    return _process_file(args, interpolate=args.model)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_stop(command: str | None):
    """Every command stops on SIGTERM and SIGHUP as on Ctrl+C (KeyboardInterrupt, cleanup, exit 130) from its start:
    a Stop while torch imports is a stop, not a crash. Not `gui`, which is left to the desktop app: in Qt's loop a
    handler that raises would run only when the loop next calls into Python, and raise inside a slot. The handlers
    before come back after, since scripts and tests call main in-process (and only the main thread may set one)."""
    with contextlib.nullcontext() if command == "gui" else handling_stops(_raise_interrupt):
        yield


def _process_file(args, **models) -> int:
    """Run the video pipeline with a terminal progress bar (stderr) and print the one-line summary."""
    from vsr_app.progress import TerminalProgress
    from vsr_app.video.pipeline import process_video

    bar = TerminalProgress()
    try:  # a stop (Ctrl+C, SIGTERM) is a KeyboardInterrupt, on which the pipeline removes its partial output
        summary = process_video(args.input, args.output, device=args.device, codec=args.codec, crf=args.crf,
                                preset=args.preset, overwrite=args.overwrite, progress=bar, **models)
    finally:
        bar.close()
    _say(shown_name(summary.line()))
    return 0


def cmd_batch(args) -> int:
    """Process a folder: a status line per file on stdout, the overall bar on stderr; Ctrl-C or SIGTERM stops
    cleanly."""
    import threading

    from vsr_app.batch import run_batch

    shown = _BatchLines()
    cancel = threading.Event()
    try:
        with _cancel_on_interrupt(cancel, shown.in_flight):
            report = run_batch(args.input_dir, args.output, task=args.task, model=args.model, device=args.device,
                               recursive=args.recursive, extensions=args.ext, codec=args.codec, crf=args.crf,
                               preset=args.preset, overwrite=args.overwrite, self_ensemble=args.self_ensemble,
                               report_path=args.report,
                               progress=shown.progress, on_file=shown.on_file, cancel=cancel)
    finally:
        shown.bar.close()
    _say(f"batch: {report.summary()}" + (f"; report: {args.report}" if args.report else ""))
    return report.exit_code


class _BatchLines:
    """What a batch shows as it runs: the overall bar (stderr), a line per finished file (stdout), and whether a file
    is in flight (announced by the bar, its line not printed yet), so that a stop says it removes an unfinished
    output only while there can be one."""

    def __init__(self):
        from vsr_app.progress import TerminalProgress

        self.bar = TerminalProgress(label="batch", show_stage=True)
        self.stage = self.finished = None  # the file the bar shows; the last one whose line is printed

    def progress(self, info) -> None:
        self.stage = info.stage
        self.bar(info)

    def on_file(self, index: int, count: int, result) -> None:
        self.finished = self.stage
        self.bar.close()
        _say(_file_lines(index, count, result))

    def in_flight(self) -> bool:
        return self.stage != self.finished


def _file_lines(index: int, count: int, result) -> str:
    """A batch file's status line, and under it the notes `upscale` adds to its summary (an input cut short, streams
    left out, audio re-encoded): in a long batch they set an `ok` worth a look apart from the others."""
    head = f"[{index:>{len(str(count))}}/{count}] "
    reason = f": {result.reason}" if result.reason else ""
    if result.scene_cuts:
        from vsr_app.video.pipeline import scene_cuts_text

        reason += f" ({scene_cuts_text(result.scene_cuts)})"
    return "\n".join([shown_name(f"{head}{result.status:<9} {result.input}{reason}"),
                      *(shown_name(f"{' ' * len(head)}note: {note}") for note in result.notes)])


def _say(text: str, end: str = "\n") -> bool:
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
    is told once on stderr, so that a log cut short by a full disk says why."""
    if not isinstance(exc, BrokenPipeError):
        with contextlib.suppress(OSError):  # stderr on the same full disk: nothing left to tell it on
            print(f"{APP_NAME}: stdout cannot be written ({exc.strerror or exc}); going on without it",
                  file=sys.stderr, flush=True)
    _drop_stdout()


def _drop_stdout() -> None:
    """Send the rest of stdout to devnull (as the Python docs advise for a closed pipe), so neither a later
    print nor the flush at exit raises again."""
    if sys.stdout is None:  # no descriptor to redirect
        sys.stdout = open(os.devnull, "w")  # open until exit, as stdout is
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _cancel_on_interrupt(cancel, in_flight):
    """A first Ctrl-C, SIGTERM (`kill`, `timeout`, a scheduler) or SIGHUP (the terminal closed) sets `cancel`: the
    current file is cleaned up, the report written and the summary printed, as for any stop the user asks for. A
    second one stops at once as KeyboardInterrupt, which cleans up and reports too, but prints no summary.
    `in_flight()`: whether a file is being processed, whose unfinished output the stop removes."""
    import signal

    def first_stop(signum, frame):
        cancel.set()
        removing = ": removing the unfinished output" if in_flight() else ""
        again = "Ctrl-C again" if signum == signal.SIGINT else f"another {signal.Signals(signum).name}"
        handle_stops(_raise_interrupt)  # first: nothing said below may keep a second stop from ending it at once
        # raised here, an error would fail the file in work: stderr closed at start (`2>&-`: None) or since
        with contextlib.suppress(AttributeError, OSError, ValueError):  # ValueError: a stderr closed since
            below_the_bar = "\n" if sys.stderr.isatty() else ""  # a log has no bar line to end
            print(f"{below_the_bar}{APP_NAME}: stopping{removing} ({again} to quit at once)", file=sys.stderr)

    return handling_stops(first_stop)


def cmd_train(args) -> int:
    """Train; under torchrun only the first process speaks (each said every line: a log of doubles). Errors are
    every process's own, raised as usual."""
    from vsr_app.distill.runs import is_first_process
    from vsr_app.distill.train import run_from_cli

    say = _say if is_first_process() else (lambda text, end="\n": True)
    path = run_from_cli(args.task, args.data, args.out, teacher=args.teacher, distill=args.distill,
                        steps=args.steps, resume=args.resume, config=args.config, val=args.val, log=say)
    command = "upscale" if args.task == "vsr" else "interpolate"
    use = command_line(["vsr-app", command, "IN", "-o", "OUT", "--model", str(path)])
    say(f"model written to {path}\nuse it with: {use}")
    return 0


def cmd_prune(args) -> int:
    from vsr_app.distill.runs import read_config_file
    from vsr_app.distill.vfi_task import prune_vfi

    options = read_config_file(args.config)
    if args.steps:
        options["steps"] = args.steps
    path = prune_vfi(args.teacher, args.data, args.out, args.target_params_ratio or 0.1, options=options, log=_say,
                     resume=args.resume)
    _say(f"pruned model written to {path}")
    return 0


def cmd_eval(args) -> int:
    """Score a model; the result (JSON or a table) is the command's work, so a stdout it cannot reach fails it."""
    from vsr_app.evaluate import SCORERS

    scorer, _ = SCORERS[args.task]
    options = {"engine_options": {"self_ensemble": True}} if args.self_ensemble else {}
    result = scorer(args.model, args.data, frames=args.frames, device=args.device, on_sequence=_say_scored, **options)
    return 0 if _say(_json(result) if args.json else _eval_table(result)) else 1


def _eval_table(result: dict) -> str:
    """The eval result for a person, with what was scored (model file, data, frames): a 2-frame smoke test and a
    full benchmark must not read alike."""
    lines = [f"{result['model']} ({result['params']:,} parameters)"]
    if "model_path" in result:
        lines.append(f"  model file: {result['model_path']}")
    limit = result.get("frames_limit")
    first = "" if limit is None else f", the first {f'{limit} frames' if limit != 1 else 'frame'} of each sequence"
    lines.append(f"  data: {result['data']}{first}")
    if "device" in result:  # bf16 and fp32 differ in the fourth decimal: two tables must not read alike
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
    return "\n".join(lines)


def _say_scored(scored) -> None:
    """A stderr line per sequence as it is scored: a benchmark with --self-ensemble runs for minutes, and stdout
    stays the result alone."""
    frames = f"{scored.frames} frame{'' if scored.frames == 1 else 's'}"
    print(f"eval: [{scored.done}/{scored.total}] {scored.name}: {frames}, Y-PSNR {scored.psnr_y:.3f} dB, "
          f"Y-SSIM {scored.ssim_y:.4f}", file=sys.stderr, flush=True)


def cmd_bench(args) -> int:
    """Measure every model (or --models) on one input; JSON on stdout with --json, a table otherwise. A model that
    fails is shown with its error among the others' numbers, and the command then fails (exit 1)."""
    from vsr_app.bench import BenchConfig, BenchFailed, run_bench

    options = {"device": args.device, "precision": args.precision, "threads": args.threads}
    if args.size:
        options["upscale_size"] = args.size
    if args.interpolate_size:
        options["interpolate_size"] = args.interpolate_size
    if args.frames:
        options["frames"] = args.frames
    if args.budget is not None:
        options["budget_s"] = args.budget
    if args.models:
        options["models"] = args.models
    config = BenchConfig(**options)
    printed = set()

    def report(info) -> None:  # one stderr line per model, "measured" or "failed"; stdout stays clean for --json
        if info.done and info.done not in printed:
            printed.add(info.done)
            print(f"bench: {info.stage} ({info.done}/{info.total})", file=sys.stderr, flush=True)

    try:
        result = run_bench(config, progress=report)
    except BenchFailed as failed:
        _say(_bench_text(failed.result, args.json))
        raise
    return 0 if _say(_bench_text(result, args.json)) else 1


def _bench_text(result: dict, as_json: bool) -> str:
    from vsr_app.bench import format_table

    return _json(result) if as_json else format_table(result)


def cmd_models(args) -> int:
    """The usable models under the names --model takes, then one line per model file left out and why (on
    stderr with --json, so stdout stays the list the contract describes); with a NAME, that model's card."""
    from vsr_app.models import scan_models

    if args.name:
        return _model_card(args.name, args.json)
    infos, skipped = scan_models()
    notes = [f"{'note' if s.hidden else 'unusable'}: {s.path}: {' '.join(s.reason.split())}" for s in skipped]
    if args.json:
        written = _say(_json([i.as_dict() for i in infos]))
        print("\n".join(notes), file=sys.stderr, end="\n" if notes else "")
        return 0 if written else 1
    width = max([len("name")] + [len(i.name) for i in infos])
    header = f"{'name':<{width}} {'task':<12} {'scale':>5} {'params':>10}  source"
    rows = [f"{i.name:<{width}} {i.task:<12} {'x' + str(i.scale):>5} {i.params:>10,}  {i.path or 'built-in'}"
            for i in infos]
    return 0 if _say("\n".join([header, *rows, *notes])) else 1


def _model_card(name: str, as_json: bool) -> int:
    """One model's card, as text or JSON: what it is for, how it was trained and what it measured, without opening
    the app's About box or the card file."""
    from vsr_app.cards import card_text
    from vsr_app.models import resolve

    info = resolve(name)
    text = _json(info.as_dict()) if as_json else card_text(info.name, info.task, info.scale, info.params, info.path,
                                                            info.card)
    return 0 if _say(text) else 1


def _json(value) -> str:
    """`--json` output: strict JSON, so a NaN or infinity fails here instead of printing what parsers reject."""
    return json.dumps(value, indent=2, allow_nan=False)


# ---- parser ---------------------------------------------------------------------------------------------

def _model_list(text: str) -> tuple[str, ...]:
    """--models A,B; one that names none (',') is a usage error, not 'every model'."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"names no model: {text!r}")
    return names


def _check_eval_options(parser: argparse.ArgumentParser, args) -> None:
    """--frames against the task's minimum, and --self-ensemble only for vsr: usage errors (exit 2) like any other
    option out of range, checked after parsing because the options may come before or after the task."""
    from vsr_app.evaluate import SCORERS

    _, minimum = SCORERS[args.task]
    if args.self_ensemble and args.task != "vsr":
        parser.error("argument --self-ensemble: only for eval vsr")
    if args.frames is not None and args.frames < minimum:
        parser.error(f"argument --frames: must be at least {minimum} for eval {args.task}, not {args.frames}")


def _check_train_flags(parser: argparse.ArgumentParser, args) -> None:
    """Train flags that cannot go together are a usage error (exit 2), as DESIGN.md's contract says; checked
    after parsing because the task may come after them. (A --config file's teacher/distill are checked later.)"""
    if args.distill and args.distill not in DISTILL_MODES[args.task]:
        parser.error(f"argument --distill: {args.distill} is not for train {args.task} "
                     f"(choose {', '.join(DISTILL_MODES[args.task])})")
    if args.distill not in (None, "none") and not (args.teacher or args.config or args.resume):
        parser.error(f"--distill {args.distill} needs --teacher NAME|PATH")
    if args.teacher and args.distill == "none":
        parser.error("--teacher is used only for distillation: leave out --teacher or --distill none")
    if args.teacher and args.distill is None and not (args.config or args.resume):  # either may name the distill
        kinds = ", ".join(mode for mode in DISTILL_MODES[args.task] if mode != "none")
        parser.error(f"--teacher is used only for distillation: add --distill ({kinds}), or leave out --teacher")
    if not args.data and not args.resume:
        parser.error("the following arguments are required: --data (only --resume may leave it out)")


def _check_prune_flags(parser: argparse.ArgumentParser, args) -> None:
    """A new pruning needs its teacher and data; a resumed one goes on with its own share kept (and its own teacher
    and data, which --teacher and --data may name the new place of, where moved)."""
    if args.resume:
        if args.target_params_ratio is not None:
            parser.error("--target-params-ratio is the run's own on --resume: leave it out")
    else:
        missing = [flag for flag, value in (("--teacher", args.teacher), ("--data", args.data)) if not value]
        if missing:
            parser.error(f"the following arguments are required: {', '.join(missing)} (only --resume may leave "
                         f"them out)")


def _check_output_options(parser: argparse.ArgumentParser, args, one_file: bool) -> None:
    """--crf and --preset against --codec (ffv1 takes neither, x264's CRF stops at 51), the extension of -o where it
    names one file and --codec against that container (batch picks a container that fits), and --self-ensemble
    against the task: usage errors (exit 2), checked after parsing because the options may come in any order."""
    from pathlib import Path

    from vsr_app.video.encoding import check_encoder_settings
    from vsr_app.video.output_paths import check_output_name

    if getattr(args, "self_ensemble", False) and getattr(args, "task", "upscale") != "upscale":
        parser.error("argument --self-ensemble: only for upscaling")
    try:
        spec = check_encoder_settings(args.codec, args.crf, args.preset)
        if one_file:
            check_output_name(Path(args.output))
    except VsrAppError as exc:
        parser.error(str(exc))
    suffix = os.path.splitext(args.output)[1].lower()
    if one_file and suffix not in spec.containers:
        parser.error(f"argument --codec: {args.codec} cannot go in a {suffix} file; use an output ending in "
                     f"{' or '.join(sorted(spec.containers))}")


def _not_empty(text: str) -> str:
    """An argparse type for a path or a model's name: an empty one (a script's unset variable) is a usage error; it was
    taken for the current folder ("'.' is a folder", a batch or a training run over whatever was there, a run written
    into it), or a batch ran its default model without a word."""
    if not text:
        raise argparse.ArgumentTypeError("empty (a script's variable not set?)")
    return text


def _at_least(minimum: int):
    """An argparse type: an int of at least `minimum`, so a count out of range is a usage error (exit 2)."""

    def count(text: str) -> int:  # argparse names it on a non-number: "invalid count value: 'x'"
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return count


def _between(low: float, high: float = math.inf):
    """An argparse type: a number strictly between `low` and `high` (NaN is neither), else a usage error."""

    def number(text: str) -> float:  # argparse names it on a non-number: "invalid number value: 'x'"
        value = float(text)
        if not low < value < high:
            bounds = f"more than {low:g}" + (f" and less than {high:g}" if high < math.inf else " and finite")
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {text}")
        return value

    return number


def _parsed_by(module: str, function: str):
    """An argparse type from one of the app's own parsers (imported on use, so `--help` stays instant): the
    VsrAppError it raises for a malformed value becomes a usage error (exit 2)."""
    import importlib

    def value(text: str):
        try:
            return getattr(importlib.import_module(module), function)(text)
        except VsrAppError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return value


def _add_model_options(p: argparse.ArgumentParser, default_model: str) -> None:
    p.add_argument("--model", type=_not_empty, default=default_model,
                   help=f"model name or .safetensors path (default {default_model})")
    _add_device_option(p)


def _add_self_ensemble_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--self-ensemble", action="store_true",
                   help="upscale every flip and transpose of each frame and average them: slightly better, 8x slower")


def _add_device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=DEVICES, default="auto",
                   help="where to run the models: auto (a CUDA GPU when there is one), cpu or cuda (default auto)")


def _add_output_options(p: argparse.ArgumentParser, one_file: bool = True) -> None:
    p.add_argument("--codec", choices=CODECS, default="libx264", help="video encoder (default libx264)")
    p.add_argument("--crf", type=int, default=None,
                   help="quality for libx264/libx265, 0-51, lower is better (default 18 for libx264, 20 for libx265)")
    p.add_argument("--preset", default=None,
                   help="libx264/libx265 speed preset: ultrafast superfast veryfast faster fast medium slow slower "
                        "veryslow placebo (default: veryfast for x264, medium for x265)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace OUT if it exists (never the input)" if one_file else
                   "replace any file at an output's planned name (never an input), and a --report file that is not "
                   "a batch report (never a video)")
    p.set_defaults(check=lambda args: _check_output_options(p, args, one_file))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=APP_NAME,
        description="Video enhancement: x4 super-resolution and x2 frame interpolation with compact distilled models."
                    " With no subcommand the desktop app opens.",
        epilog="Exit status: 0 done; 1 an error (said on stderr, one line); 2 a usage error; 130 stopped (Ctrl-C, "
               "SIGTERM, SIGHUP: a second one stops at once). `COMMAND --help` for each command's options.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="add the app to the desktop's menu and its Open with lists (a .desktop file and icon "
                             "under ~/.local/share or $XDG_DATA_HOME), for the program run now: the packaged app, "
                             "or this checkout")
    parser.add_argument("--selftest", action="store_true",
                        help="check headless that models, video I/O and Qt work (used on the packaged app), then exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the desktop app (default)")
    p.add_argument("video", nargs="?", help="video to open")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="render the comparison view on the first frame, save it (PNG, or .jpg/.webp by its name) "
                        "and exit")
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("upscale", help="upscale a video x4")
    p.add_argument("input", type=_not_empty, metavar="IN")
    p.add_argument("-o", "--output", type=_not_empty, metavar="OUT", required=True)
    _add_model_options(p, PREFERRED["upscale"].student)
    _add_self_ensemble_option(p)
    _add_output_options(p)
    p.set_defaults(func=cmd_upscale)

    p = sub.add_parser("interpolate", help="double a video's frame rate")
    p.add_argument("input", type=_not_empty, metavar="IN")
    p.add_argument("-o", "--output", type=_not_empty, metavar="OUT", required=True)
    _add_model_options(p, PREFERRED["interpolate"].student)
    _add_output_options(p)
    p.set_defaults(func=cmd_interpolate)

    p = sub.add_parser("batch", help="process every video in a folder")
    p.add_argument("input_dir", type=_not_empty, metavar="IN_DIR")
    p.add_argument("-o", "--output", type=_not_empty, metavar="OUT_DIR", required=True)
    p.add_argument("--task", choices=("upscale", "interpolate"), default="upscale", help="(default upscale)")
    p.add_argument("--model", type=_not_empty, default=None, help="model name or path (default: the task's student)")
    _add_device_option(p)
    _add_self_ensemble_option(p)
    p.add_argument("--recursive", action="store_true",
                   help="also look in sub-folders (and folders linked there, each once)")
    p.add_argument("--ext", type=_parsed_by("vsr_app.batch_plan", "parse_extensions"),
                   default=",".join(BATCH_EXTENSIONS),
                   help=f"comma-separated extensions to pick up (default {', '.join(BATCH_EXTENSIONS)})")
    p.add_argument("--report", type=_not_empty, metavar="FILE.json",
                   help="write a JSON report of every file (it replaces an earlier report; never an input, an output "
                        "or another video, another file only with --overwrite)")
    _add_output_options(p, one_file=False)
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("train", help="train a model (with distillation)")
    p.add_argument("task", choices=("vsr", "vfi"))
    p.add_argument("--data", action="append", type=_not_empty, metavar="DIR",
                   help="folder of videos / frame folders / images (repeatable; --resume uses the run's own)")
    p.add_argument("--out", required=True, type=_not_empty, metavar="RUN_DIR")
    p.add_argument("--teacher", type=_not_empty, metavar="NAME|PATH")
    p.add_argument("--distill", choices=tuple(dict.fromkeys(m for modes in DISTILL_MODES.values() for m in modes)),
                   help="distillation from --teacher: std, space or time (vsr; output: the teacher's frames as a "
                        "second target, the baseline), laplacian (vfi); default none")
    p.add_argument("--steps", type=_at_least(1), metavar="N",
                   help="optimiser steps in all (default: the --config file's, else 10000)")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR with its own data and options "
                   "(--steps may extend it); without its checkpoint, from its model.safetensors with a fresh optimiser")
    p.add_argument("--val", action="append", type=_not_empty, metavar="CLIP",
                   help="held-out video (not in --data, unless a vfi --config's \"exclude\" holds it out) scored "
                        "every val_every steps: val_psnr in metrics.jsonl and the model card (repeatable)")
    p.add_argument("--config", type=_not_empty, metavar="FILE", help="JSON file of training options")
    p.set_defaults(func=cmd_train, check=lambda args, train_parser=p: _check_train_flags(train_parser, args))

    p = sub.add_parser("prune", help="prune a trained interpolation teacher into a compact net")
    p.add_argument("task", choices=("vfi",))
    p.add_argument("--teacher", type=_not_empty, metavar="NAME|PATH")
    p.add_argument("--data", action="append", type=_not_empty, metavar="DIR")
    p.add_argument("--out", required=True, type=_not_empty, metavar="RUN_DIR")
    p.add_argument("--target-params-ratio", type=_between(0, 1), metavar="R",
                   help="share of the teacher's parameters to keep, between 0 and 1 (default 0.1)")
    p.add_argument("--steps", type=_at_least(1), metavar="N", help="sparsity fine-tuning steps (default 800)")
    p.add_argument("--resume", action="store_true", help="continue the stopped pruning in RUN_DIR from its checkpoint "
                   "with its own teacher, data and options (--steps may extend it)")
    p.add_argument("--config", type=_not_empty, metavar="FILE", help="JSON file of pruning/training options")
    p.set_defaults(func=cmd_prune, check=lambda args, prune_parser=p: _check_prune_flags(prune_parser, args))

    from vsr_app.evaluate import SCORERS  # a light import: the scorers import their heavy modules when run

    p = sub.add_parser("eval", help="score a model on a benchmark folder (Y-PSNR/SSIM)")
    p.add_argument("task", choices=tuple(SCORERS), help="vsr: x4 upscaling; vfi: frame interpolation")
    p.add_argument("--model", type=_not_empty, required=True, metavar="NAME|PATH")
    p.add_argument("--data", required=True, type=_not_empty, metavar="DIR")
    p.add_argument("--frames", type=int, metavar="N",  # its minimum is the task's (_check_eval_options)
                   help="use only the first N frames of each sequence (at least "
                        f"{', '.join(f'{n} for {task}' for task, (_, n) in SCORERS.items())})")
    _add_device_option(p)
    _add_self_ensemble_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_eval, check=lambda args, eval_parser=p: _check_eval_options(eval_parser, args))

    p = sub.add_parser("bench", help="measure speed and memory of every model")
    _add_device_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--size", type=_parsed_by("vsr_app.bench", "parse_size"), metavar="HxW",
                   help="upscaling input size, height x width, even (default 180x320)")
    p.add_argument("--interpolate-size", type=_parsed_by("vsr_app.bench", "parse_size"), metavar="HxW",
                   help="frame-interpolation input size, height x width, even (default 360x640)")
    p.add_argument("--frames", type=_at_least(8), metavar="N",
                   help="length of the input clip (default 96, at least 8; some models need more)")
    p.add_argument("--budget", type=_between(0), metavar="S", help="seconds per measurement before a slow model "
                   "stops early (default 15)")
    p.add_argument("--models", type=_model_list, metavar="A,B", help="comma-separated model names or paths "
                   "(default: all); each result is under the model's name, or under the path as given where two files "
                   "share a name")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto",
                   help="precision of the model-alone timing (the pipeline runs the app's default, auto)")
    p.add_argument("--threads", type=_at_least(1), metavar="N", help="torch threads (default: one per core)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("models", help="list available models, or show one model's card")
    p.add_argument("name", nargs="?", metavar="NAME|PATH", help="show this model's card: what it is for, how it was "
                   "trained, what it measured")
    p.add_argument("--json", action="store_true", help="print a JSON list (notes about left-out files go to stderr); "
                   "with NAME, the model's JSON object")
    p.set_defaults(func=cmd_models)
    parser.set_defaults(commands=sub.choices)  # each command's parser, for errors in its own words
    return parser


def _with_default_command(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`vsr-app` and `vsr-app VIDEO` mean `vsr-app gui ...`; a word that is no file (`analyse`, `list-models`) is an
    unknown command, not a video for the desktop app to fail on (or a usage error about the video's options)."""
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in APP_OPTIONS):
        return argv
    if argv and _is_command_word(argv[0]) and not os.path.exists(argv[0]):
        near = difflib.get_close_matches(argv[0], SUBCOMMANDS, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        parser.error(f"unknown command '{argv[0]}'{hint}; the commands are: {', '.join(SUBCOMMANDS)}")
    _check_gui_options(parser, argv)
    return ["gui", *argv]


def _check_gui_options(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """`vsr-app VIDEO -o OUT` (or `-o OUT VIDEO`) left out the command: a usage error that says so, where argparse
    said only "unrecognized arguments" about the desktop app's, or took OUT for the video to open. Where the command
    comes after its options (`--model x upscale IN`), the error shows them moved after it."""
    _, unknown = parser.parse_known_args(["gui", *argv])
    options = [word for word in unknown if word.startswith("-") and word != "-"]
    if not options:
        return
    option = options[0].split("=", 1)[0]
    if option in APP_OPTIONS:
        parser.error(f"{option} goes first: {APP_NAME} {option}")
    command = next((word for word in argv if word in SUBCOMMANDS), None)
    if command:
        moved = [command, *argv[:argv.index(command)], *argv[argv.index(command) + 1:]]
        parser.error(f"{option} comes before the command '{command}': put a command's options after it: "
                     f"{command_line([APP_NAME, *moved])}")
    if os.path.exists(options[0]):
        parser.error(f"to open the file '{options[0]}', write {command_line([APP_NAME, '--', options[0]])}")
    parser.error(f"{option} is not an option of the desktop app (which a video alone opens); to "
                 f"process a video, name the command: {APP_NAME} upscale IN -o OUT (or interpolate)")


def _refuse_unrecognized(parser: argparse.ArgumentParser, args, extras: list[str]) -> None:
    """Arguments no option takes, refused with the command's own usage (the app's was shown) and what they may have
    meant: an option of other commands, or more inputs than the command takes (`batch DIR/*.mp4`: one folder)."""
    own = args.commands.get(args.command, parser)
    said = f"unrecognized arguments: {' '.join(extras)}"
    option = next((word.split("=", 1)[0] for word in extras if word.startswith("-") and word != "-"), None)
    if option and args.command:
        others = [name for name, command in args.commands.items()
                  if name != args.command and option in command._option_string_actions]
        if others:
            listed = " and ".join(filter(None, [", ".join(others[:-1]), others[-1]]))
            said += f" ({option} is an option of {listed}, not of {args.command})"
    elif args.command == "batch":
        said += " (batch takes one input folder: name the folder the videos are in)"
    elif args.command in ("upscale", "interpolate"):
        said += f" ({args.command} takes one input video; batch processes a folder of them)"
    own.error(said)


def _is_command_word(text: str) -> bool:
    """What a user types as a command: a bare word, not an option nor a path (those have a dot or a folder)."""
    return bool(text) and not text.startswith("-") and "." not in text and os.path.basename(text) == text


def _printable_names() -> None:
    """A file name that is not valid UTF-8 (Latin-1 from an old USB drive) prints with its odd bytes escaped: a
    strict UTF-8 terminal otherwise raised in the middle of a batch, and the files after it were never processed."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _install_desktop_entry() -> int:
    from vsr_app.desktop_entry import install, program

    try:
        written = install()
    except OSError as exc:
        where = f" at {exc.filename}" if exc.filename else ""
        raise VsrAppError(f"cannot write the desktop entry{where}: {exc.strerror or exc}") from exc
    return 0 if _say("\n".join([f"wrote {path}" for path in written] + [f"the menu entry starts {program()}"])) else 1


def main(argv: list[str] | None = None) -> int:
    _printable_names()
    parser = build_parser()
    argv = _with_default_command(parser, list(sys.argv[1:] if argv is None else argv))
    args, extras = parser.parse_known_args(argv)
    if extras:
        _refuse_unrecognized(parser, args, extras)
    alone = [flag for flag, given in (("--selftest", args.selftest),
                                      ("--install-desktop-entry", args.install_desktop_entry)) if given]
    if alone and (args.command or len(alone) > 1):  # it runs alone: the rest would be dropped without a word
        dropped = f"the command '{args.command}'" if args.command else alone[1]
        parser.error(f"{alone[0]} runs on its own: leave out {dropped}")
    if hasattr(args, "check"):  # checks that need more than one argument
        args.check(args)
    try:
        with _signals_stop(args.command):
            if args.selftest:
                from vsr_app.selftest import main as selftest

                code = selftest()
            elif args.install_desktop_entry:
                code = _install_desktop_entry()
            else:
                code = int(args.func(args) or 0)
        _say("", end="")  # flush what others wrote (the selftest) here, not at exit, so that a stdout gone is handled
        return code
    except VsrAppError as exc:
        print(f"{APP_NAME}: error: {shown_name(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{APP_NAME}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # a print outside `_say` (the selftest's lines) into `| head -1`
        _drop_stdout()
        return 1


def gui_main() -> int:
    """Entry point of the windowed launcher (no console on Windows)."""
    return main(["gui", *sys.argv[1:]])
