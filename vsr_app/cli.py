"""Command-line front end (contract in DESIGN.md): what each command does, its dispatch, and error reporting; the
parser and the usage errors are in cli_args, what the commands print in cli_output.

Heavy modules (torch, Qt, PyAV) are imported inside the handlers so `--help` stays instant.
Exit codes: 0 success, 1 a user-caused error (message on stderr, no traceback), 2 usage error: any option value
that is wrong by itself or with the other options (out of range, malformed, --crf for a codec without one), so
it is refused by the parser with the usage line before any work; errors that depend on the files stay 1.
Every stdout write goes through `cli_output.say`, which goes on without a stdout that cannot be written. A command
whose work is a file (upscale, interpolate, batch, train, prune) exits with the work's status; one whose work is
what it prints (models, eval, bench) exits 1 when that could not be written.
"""

from __future__ import annotations

import contextlib
import errno
import sys
from pathlib import Path

from vsr_app import APP_NAME
from vsr_app.cli_args import parse_command_line
from vsr_app.cli_output import (BatchLines, bench_text, drop_stdout, eval_table, json_text, options_table,
                                printable_names, say, say_scored)
from vsr_app.errors import VsrAppError
from vsr_app.files import file_stamp, shown_name
from vsr_app.shell import app_command
from vsr_app.stop_signals import handle_stops, handling_stops


def cmd_gui(args) -> int:
    from vsr_app.gui.app import run

    return run(args.video, args.screenshot)


def cmd_upscale(args) -> int:
    return _process_file(args, upscale=args.model, interpolate=args.interpolate, self_ensemble=args.self_ensemble)


def cmd_interpolate(args) -> int:
    return _process_file(args, interpolate=args.model, upscale=args.upscale)


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
    """Run the video pipeline with a terminal progress bar (stderr) and print the one-line summary. The input is
    checked first: the pipeline imports torch (seconds) before it looks at it. A stop (Ctrl+C, SIGTERM) is a
    KeyboardInterrupt, which goes on to `main` saying what is left at the output."""
    from vsr_app.video.opening import check_video_path

    left = _LeftAtOutput(Path(args.output))
    try:
        check_video_path(Path(args.input))
        from vsr_app.progress import TerminalProgress
        from vsr_app.video.pipeline import process_video

        bar = TerminalProgress()
        try:
            summary = process_video(args.input, args.output, device=args.device, codec=args.codec, crf=args.crf,
                                    preset=args.preset, overwrite=args.overwrite,
                                    deinterlace=args.deinterlace == "auto", progress=left.watching(bar), **models)
        finally:
            bar.close()
        say(shown_name(_summary_line(summary)))
    except KeyboardInterrupt:
        raise KeyboardInterrupt(left.said()) from None
    return 0


def _summary_line(summary) -> str:
    """The pipeline's summary, and the models where there are two (interpolation runs first): the one the other step's
    option left to its default went unnamed."""
    if len(summary.models) != 2:
        return summary.line()
    return summary.line() + "; interpolated with {}, then upscaled with {}".format(*summary.models)


class _LeftAtOutput:
    """What a stopped upscale or interpolate leaves at its output, as the desktop app says "no file was written": the
    pipeline removes its unfinished file (a deletion that fails leaves it), and a file that was there (--overwrite)
    stays as it was, but a stop as the summary is printed comes after the finished file was put in place."""

    def __init__(self, output: Path):
        from vsr_app.video.output_paths import left_partials

        self.output = output
        self.was = file_stamp(output)
        self.left_before = set(left_partials(output))
        self.writing = False  # set at the first progress report: the unfinished file is open by then

    def watching(self, progress):
        def report(info) -> None:
            self.writing = True
            progress(info)

        return report

    def said(self) -> str:
        from vsr_app.video.output_paths import left_partials

        if file_stamp(self.output) not in (None, self.was):
            return f"the output was finished first: '{self.output}' is complete"
        left = sorted(set(left_partials(self.output)) - self.left_before)
        unfinished = (f" (the unfinished file could not be removed: it is left as '{left[0]}')" if left else
                      " (the unfinished file was removed)" if self.writing else "")
        kept = f"; '{self.output}' is as it was" if self.was else ""
        return f"no output written{unfinished}{kept}"


def cmd_batch(args) -> int:
    """Process a folder: a status line per file on stdout, the overall bar on stderr; Ctrl-C or SIGTERM stops
    cleanly."""
    import threading

    from vsr_app.batch import run_batch

    shown = BatchLines()
    cancel = threading.Event()
    try:
        with _cancel_on_interrupt(cancel, shown.in_flight):
            report = run_batch(args.input_dir, args.output, task=args.task, model=args.model, device=args.device,
                               recursive=args.recursive, extensions=args.ext, codec=args.codec, crf=args.crf,
                               preset=args.preset, overwrite=args.overwrite, self_ensemble=args.self_ensemble,
                               deinterlace=args.deinterlace == "auto", report_path=args.report,
                               progress=shown.progress, on_file=shown.on_file, cancel=cancel)
    finally:
        shown.bar.close()
    say(f"batch: {report.summary()}" + (f"; report: {args.report}" if args.report else "")
        + (f"; {'without --overwrite, ' if args.overwrite else ''}the same command again does the rest (what is done "
           "is skipped)" if report.cancelled else ""))
    return report.exit_code


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
    from vsr_app.distill.train_cli import run_from_cli

    log = say if is_first_process() else (lambda text, end="\n": True)
    path = run_from_cli(args.task, args.data, args.out, teacher=args.teacher, distill=args.distill,
                        steps=args.steps, resume=args.resume, config=args.config, val=args.val, log=log)
    if path is None:  # a finished run resumed: the trainer said there was nothing to train, and wrote no model
        return 0
    command = "upscale" if args.task == "vsr" else "interpolate"
    use = app_command([command, "IN", "-o", "OUT", "--model", str(path)])
    log(f"model written to {path}\nuse it with: {use}")
    return 0


def cmd_prune(args) -> int:
    from vsr_app.distill.runs import read_config_file
    from vsr_app.distill.prune_run import prune_vfi

    options = read_config_file(args.config)
    if args.steps:
        options["steps"] = args.steps
    ratio = options.pop("target_params_ratio", 0.1) if not args.resume else 0.1  # a resume keeps the run's own
    path = prune_vfi(args.teacher, args.data, args.out, args.target_params_ratio or ratio, options=options, log=say,
                     resume=args.resume)
    if path is not None:  # None: a finished pruning resumed, its pruned net kept (the pruner said so)
        say(f"pruned model written to {path}")
    return 0


def cmd_list_options(args) -> int:
    """`train vsr|vfi --list-options`, `prune vfi --list-options`: the --config options, in place of the command."""
    return 0 if say(options_table(f"{args.command} {args.task}")) else 1


def cmd_eval(args) -> int:
    """Score a model; the result (JSON or a table) is the command's work, so a stdout it cannot reach fails it.
    A --csv file is checked before the scoring and written after the result is printed: a disk that fails then
    loses no score."""
    from pathlib import Path

    from vsr_app.eval_csv import check_csv_path, write_csv
    from vsr_app.evaluate import EVAL_COMMANDS

    csv_path = Path(args.csv) if args.csv else None
    if csv_path:
        check_csv_path(csv_path)
    scorer = EVAL_COMMANDS[args.task].scorer
    engine_options = {"precision": args.precision, **({"self_ensemble": True} if args.self_ensemble else {})}
    result = scorer(args.model, args.data, frames=args.frames, device=args.device, on_sequence=say_scored,
                    deinterlace=args.deinterlace == "auto", engine_options=engine_options)
    printed = say(json_text(result) if args.json else eval_table(result))
    if csv_path:
        write_csv(result, csv_path)
        print(shown_name(f"eval: per-frame scores written to {csv_path}"), file=sys.stderr, flush=True)
    return 0 if printed else 1


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
        say(bench_text(failed.result, args.json))
        raise
    return 0 if say(bench_text(result, args.json)) else 1


def cmd_models(args) -> int:
    """The usable models under the names --model takes, then one line per model file left out and why (on
    stderr with --json, so stdout stays the list the contract describes); with a NAME, that model's card."""
    from vsr_app.models import scan_models

    if args.name:
        return _model_card(args.name, args.json)
    infos, skipped = scan_models()
    notes = [f"{'note' if s.hidden else 'unusable'}: {s.path}: {' '.join(s.reason.split())}" for s in skipped]
    if args.json:
        written = say(json_text([i.as_dict() for i in infos]))
        print("\n".join(notes), file=sys.stderr, end="\n" if notes else "")
        return 0 if written else 1
    width = max([len("name")] + [len(i.name) for i in infos])
    header = f"{'name':<{width}} {'task':<12} {'scale':>5} {'params':>10}  source"
    rows = [f"{i.name:<{width}} {i.task:<12} {'x' + str(i.scale):>5} {i.params:>10,}  {i.path or 'built-in'}"
            for i in infos]
    return 0 if say("\n".join([header, *rows, *notes])) else 1


def _model_card(name: str, as_json: bool) -> int:
    """One model's card, as text or JSON: what it is for, how it was trained and what it measured, without opening
    the app's About box or the card file."""
    from vsr_app.cards import card_text
    from vsr_app.models import resolve

    info = resolve(name)
    text = json_text(info.as_dict()) if as_json else card_text(info.name, info.task, info.scale, info.params,
                                                                info.path, info.card)
    return 0 if say(text) else 1


def _install_desktop_entry() -> int:
    from vsr_app.desktop_entry import install, program

    try:
        written = install()
    except OSError as exc:
        where = f" at {exc.filename}" if exc.filename else ""
        raise VsrAppError(f"cannot write the desktop entry{where}: {exc.strerror or exc}") from exc
    return 0 if say("\n".join([f"wrote {path}" for path in written] + [f"the menu entry starts {program()}"])) else 1


def _handler(command: str):
    """The function that runs `command`, looked up at each call (a caller may have replaced one of them here)."""
    return {"gui": cmd_gui, "upscale": cmd_upscale, "interpolate": cmd_interpolate, "batch": cmd_batch,
            "train": cmd_train, "prune": cmd_prune, "eval": cmd_eval, "bench": cmd_bench, "models": cmd_models}[command]


def main(argv: list[str] | None = None) -> int:
    try:  # from the start: a Ctrl+C while the arguments are read gave a traceback (the stop handlers come next)
        printable_names()
        args = parse_command_line(list(sys.argv[1:] if argv is None else argv))
        with _signals_stop(args.command):
            if args.selftest:
                from vsr_app.selftest import main as selftest

                code = selftest()
            elif args.install_desktop_entry:
                code = _install_desktop_entry()
            elif getattr(args, "list_options", False):
                code = cmd_list_options(args)
            else:
                code = int(_handler(args.command)(args) or 0)
        say("", end="")  # flush what others wrote (the selftest) here, not at exit, so that a stdout gone is handled
        return code
    except VsrAppError as exc:
        print(f"{APP_NAME}: error: {shown_name(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:  # its words, where there are any: what a stopped command left (`_process_file`)
        print(shown_name(": ".join([f"{APP_NAME}: interrupted", *map(str, stop.args)])), file=sys.stderr)
        return 130
    except BrokenPipeError:  # a print outside `say` (the selftest's lines) into `| head -1`
        drop_stdout()
        return 1
    except OSError as exc:  # a name the user gave past the disk's limit, wherever it is first used (eval's --csv,
        if exc.errno != errno.ENAMETOOLONG:  # batch's output folder), as the output's own check says it; any other
            raise  # is no user's slip to word here
        print(f"{APP_NAME}: error: the name '{shown_name(str(exc.filename))}' is longer than the disk allows; "
              "choose a shorter name", file=sys.stderr)
        return 1


def gui_main() -> int:
    """Entry point of the windowed launcher (no console on Windows)."""
    return main(["gui", *sys.argv[1:]])
