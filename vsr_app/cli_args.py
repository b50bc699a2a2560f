"""The command line's words as checked arguments: the parser (every command's options, their types and help), the
checks across options, and the usage errors (exit 2) for what is wrong, before any work starts.

Kept apart from the commands (cli.py) and cheap to import: `vsr-app --help` is instant and imports no torch, Qt or
PyAV, so what a check needs from a heavy module is imported when the check runs."""

from __future__ import annotations

import argparse
import difflib
import math
import os

from vsr_app import APP_NAME, __version__
from vsr_app.distill.options import DISTILL_MODES
from vsr_app.errors import VsrAppError
from vsr_app.media import BATCH_EXTENSIONS, OPEN_VIDEO_EXTS
from vsr_app.shell import app_command
from vsr_app.shipped import PREFERRED

SUBCOMMANDS = ("gui", "upscale", "interpolate", "batch", "train", "prune", "eval", "bench", "models")
APP_OPTIONS = ("-h", "--help", "--version", "--selftest", "--install-desktop-entry")  # vsr-app's own, before a command
DEVICES = ("auto", "cpu", "cuda")
CODECS = ("libx264", "libx265", "ffv1", "prores")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")  # an engine's (inference.Engine); auto: the app's own choice
MODEL_PATHS = "a .safetensors file or a training run's folder"  # what --model takes besides a name (models.resolve)


def parse_command_line(argv: list[str]) -> argparse.Namespace:
    """`argv` (the words after the program's name) as checked arguments: `args.command` names the command to run,
    None where --selftest or --install-desktop-entry runs instead. What is wrong with them exits 2 here."""
    parser = build_parser()
    argv = _with_default_command(parser, argv)
    args, extras = parser.parse_known_args(argv)
    if extras:
        _refuse_unrecognized(parser, args, extras)
    alone = [flag for flag, given in (("--selftest", args.selftest),
                                      ("--install-desktop-entry", args.install_desktop_entry)) if given]
    if alone and (args.command or len(alone) > 1):  # it runs alone: the rest would be dropped without a word
        dropped = f"the command '{args.command}'" if args.command else alone[1]
        parser.error(f"{alone[0]} runs on its own: leave out {dropped}")
    if hasattr(args, "check") and not getattr(args, "list_options", False):  # checks across arguments
        args.check(args)
    return args


def _model_list(text: str) -> tuple[str, ...]:
    """--models A,B; one that names none (',') is a usage error, not 'every model'."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"names no model: {text!r}")
    return names


def _check_eval_options(parser: argparse.ArgumentParser, args) -> None:
    """--frames against the task's minimum, and --self-ensemble only for vsr: usage errors (exit 2) like any other
    option out of range, checked after parsing because the options may come before or after the task."""
    from vsr_app.evaluate import EVAL_COMMANDS

    minimum = EVAL_COMMANDS[args.task].min_frames
    if args.self_ensemble and args.task != "vsr":
        parser.error("argument --self-ensemble: only for eval vsr")
    if args.frames is not None and args.frames < minimum:
        parser.error(f"argument --frames: must be at least {minimum} for eval {args.task}, not {args.frames}")
    if args.csv == "-":  # it made a file named "-"; stdout holds the result (the table or --json)
        parser.error("argument --csv: '-' is not standard output here: eval writes the CSV to a file and prints its "
                     "result on stdout; give a file name such as scores.csv (./- for a file named '-')")


EVAL_TASKS = {"vsr": "x4 upscaling", "vfi": "frame interpolation"}
EVAL_PROTOCOLS = {  # DESIGN.md's, for `eval TASK --help`
    "vsr": "each ground-truth frame is cropped (top-left) to a multiple of 4, and its x4 bicubic downscale "
           "(antialiased, MATLAB-like) is the model's input; each output frame is scored against the frame.",
    "vfi": "each odd frame is predicted from the even frames around it (i-1 and i+1; a 4-frame model also gets i-3 and "
           "i+3, the nearest frame repeated past either end) and scored against it; the last frame of a sequence with "
           "an even number of frames has none after it and is not scored.",
}
EVAL_SCORES = "Scores: PSNR and SSIM on the Y channel (BT.601), no border crop, each sequence's mean and their mean."


EVAL_LOOKS_AHEAD = {  # the later frames `eval TASK --frames N` reads as a model's context (`eval_plan.frames_ahead`)
    "vsr": "an upscaler that looks at later frames (a clip model, the teacher) also reads the few after them that its "
           "last chunk takes as context",
    "vfi": "a 4-frame model (vfi-x2-teacher, vfi-x2-student) also reads the one or two after them that it is fed as "
           "i+3 of the last frames i it predicts",
    None: "a model that looks at later frames (vsr: a clip model; vfi: a 4-frame one) also reads the few after them "
          "that it takes as context",
}


def _eval_frames_help(minimum: str, task: str | None = None) -> str:
    return (f"use only the first N frames of each sequence, at least {minimum} (only those of a video are decoded; "
            f"a shorter sequence is used whole); {EVAL_LOOKS_AHEAD[task]}, unscored, so its scores are those of a run "
            f"on the whole sequence")


def _eval_csv_help(task: str | None) -> str:
    """The columns `eval TASK --csv` writes: vfi's CSV has a scene-cut column that vsr's has not (None: both tasks)."""
    from vsr_app.eval_csv import CSV_HEADER, CUT_COLUMN

    cut = f"{CUT_COLUMN}: 1 where a scene cut lies between the frames fed either side"
    columns = ", ".join(CSV_HEADER) + {"vsr": "", "vfi": f", {cut}"}.get(task, f"; for vfi also {cut}")
    return (f"also write a row per scored frame ({columns}; a video's frames are numbered from 0), under '#' lines saying "
            f"what was scored (pandas: read_csv(FILE, comment='#')), to FILE (not '-': "
            f"stdout holds the result); it replaces an earlier eval CSV or an empty file, never another file")


def _add_task(parser: argparse.ArgumentParser, tasks: tuple[str, ...], help: str) -> None:
    """The command's task word, named in a "required" error as its usage shows it ({vsr,vfi}): "required: task"
    named a word the usage never shows."""
    parser.add_argument("task", choices=tasks, metavar="{" + ",".join(tasks) + "}", help=help)


class _EvalHelp(argparse.Action):
    """`eval vsr --help`, `eval vfi --help`: the task's own protocol and options; `eval --help`: both tasks'. The
    task is parsed before an option after it, so the help knows it."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from vsr_app.evaluate import EVAL_COMMANDS

        task = getattr(namespace, "task", None)
        if task in EVAL_PROTOCOLS:  # this parser is used for nothing else: the help exits
            parser.prog += f" {task}"
            parser.description = f"Score a model at {EVAL_TASKS[task]}: {EVAL_PROTOCOLS[task]} {EVAL_SCORES}"
            for action in parser._actions:
                if action.dest == "task" or (action.dest == "self_ensemble" and task != "vsr"):
                    action.help = argparse.SUPPRESS
                elif action.dest == "frames":
                    action.help = _eval_frames_help(str(EVAL_COMMANDS[task].min_frames), task)
                elif action.dest == "csv":
                    action.help = _eval_csv_help(task)
        parser.print_help()
        parser.exit()


class _ListOptions(argparse.Action):
    """`train vsr|vfi --list-options`, `prune vfi --list-options`: like --help it needs none of the command's other
    options (--out, --data), so it lifts their requirement; `cli.main` then lists the --config options (every one, with
    its default and meaning, read from the code that takes it) instead of running the command."""

    def __init__(self, option_strings, dest, default=False, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, True)
        for action in parser._actions:  # this parser parses this command line alone
            if action.option_strings:
                action.required = False


def _add_config_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--config", type=_not_empty, metavar="FILE",
                   help=f"JSON file of {what} options (--list-options lists them)")
    p.add_argument("--list-options", action=_ListOptions,
                   help="list every --config option with its default and meaning, and exit")


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
        check_encoder_settings(args.codec, args.crf, args.preset)
        if one_file:  # refused, not completed: a script looks for the file it named
            check_output_name(Path(args.output), args.codec)
    except VsrAppError as exc:
        parser.error(str(exc))


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
                   help=f"model name, {MODEL_PATHS} (default {default_model})")
    _add_device_option(p)


def _add_other_step_option(p: argparse.ArgumentParser, option: str, task: str, does: str, also: str = "") -> None:
    """`upscale --interpolate [MODEL]`, `interpolate --upscale [MODEL]`: both steps in one job, as the desktop app's
    Export runs them; two commands in a row encoded an in-between file whose artefacts the upscale then enlarged."""
    default = PREFERRED[task].student

    def model(text: str) -> str:
        """A video after the bare option (`upscale --interpolate in.mp4 -o out.mp4`) was taken for its MODEL, and the
        error then said only that IN was missing."""
        if os.path.splitext(_not_empty(text))[1].lower() in OPEN_VIDEO_EXTS:
            raise argparse.ArgumentTypeError(f"'{text}' is a video, not a model: put {option} after IN, or name its "
                                             f"model ({option} {default})")
        return text

    p.add_argument(option, nargs="?", const=default, type=model, metavar="MODEL",
                   help=f"{does} in the same job, with MODEL: a model name or {MODEL_PATHS} (default {default}). "
                        "Interpolation runs first, on the small frames (far cheaper than on the x4 ones), and no "
                        f"in-between file is encoded, so its artefacts are not upscaled as with two commands{also}")


def _add_self_ensemble_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--self-ensemble", action="store_true",
                   help="upscale every flip and transpose of each frame and average them: slightly better, 8x slower")


def _add_deinterlace_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--deinterlace", choices=("auto", "off"), default="auto",
                   help="frames flagged interlaced: auto deinterlaces them (bwdif) where their pictures look "
                        "interlaced (idet); off leaves them as decoded (fields woven), for progressive video flagged "
                        "interlaced by mistake, which deinterlacing softens (default auto)")


def _add_device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=DEVICES, default="auto",
                   help="where to run the models: auto (a CUDA GPU when there is one), cpu or cuda (default auto)")


def _add_in_out(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=_not_empty, metavar="IN", help="the video to process (any format FFmpeg reads)")
    p.add_argument("-o", "--output", type=_not_empty, metavar="OUT", required=True,
                   help="the video to write; its extension picks the container: .mp4, .m4v, .mov or .mkv (ffv1: .mkv "
                        "only; prores: .mov or .mkv)")


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


def _add_run_folder_options(p: argparse.ArgumentParser, data: str, out: str) -> None:
    """--data and --out of a command that trains in a run folder (train, prune), each with the command's own help:
    the same options (a list of --data folders, a required --out), which the checks and the commands read alike."""
    p.add_argument("--data", action="append", type=_not_empty, metavar="DIR", help=data)
    p.add_argument("--out", required=True, type=_not_empty, metavar="RUN_DIR", help=out)


def _add_run_length_options(p: argparse.ArgumentParser, steps: str, resume: str) -> None:
    """--steps and --resume of a command that trains in a run folder (train, prune), each with the command's own
    help: the same options, which the checks and the commands read alike."""
    p.add_argument("--steps", type=_at_least(1), metavar="N", help=steps)
    p.add_argument("--resume", action="store_true", help=resume)


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

    for add_command in (_add_gui_parser, _add_upscale_parser, _add_interpolate_parser, _add_batch_parser,
                        _add_train_parser, _add_prune_parser, _add_eval_parser, _add_bench_parser, _add_models_parser):
        add_command(sub)
    parser.set_defaults(commands=sub.choices)  # each command's parser, for errors in its own words
    return parser


def _add_gui_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("gui", help="open the desktop app (default)")
    p.add_argument("video", nargs="?", help="video to open")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="render the comparison view on the first frame, save it (PNG, or .jpg/.webp by its name) "
                        "and exit")


def _add_upscale_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("upscale", help="upscale a video x4")
    _add_in_out(p)
    _add_model_options(p, PREFERRED["upscale"].student)
    _add_other_step_option(p, "--interpolate", "interpolate", "also double the frame rate")
    _add_self_ensemble_option(p)
    _add_deinterlace_option(p)
    _add_output_options(p)


def _add_interpolate_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("interpolate", help="double a video's frame rate")
    _add_in_out(p)
    _add_model_options(p, PREFERRED["interpolate"].student)
    _add_other_step_option(p, "--upscale", "upscale", "also upscale x4",
                           also=" (`upscale IN -o OUT --interpolate` does the same, and takes --self-ensemble)")
    _add_deinterlace_option(p)
    _add_output_options(p)


def _add_batch_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("batch", help="process every video in a folder")
    p.add_argument("input_dir", type=_not_empty, metavar="IN_DIR", help="the folder of videos to process")
    p.add_argument("-o", "--output", type=_not_empty, metavar="OUT_DIR", required=True,
                   help="the folder the outputs go to (made if need be), each named after its input")
    p.add_argument("--task", choices=("upscale", "interpolate"), default="upscale", help="(default upscale)")
    p.add_argument("--model", type=_not_empty, default=None,
                   help=f"model name, {MODEL_PATHS} (default: the task's student)")
    _add_device_option(p)
    _add_self_ensemble_option(p)
    _add_deinterlace_option(p)
    p.add_argument("--recursive", action="store_true",
                   help="also look in sub-folders (and folders linked there, each once)")
    p.add_argument("--ext", type=_parsed_by("vsr_app.batch_plan", "parse_extensions"),
                   default=",".join(BATCH_EXTENSIONS),
                   help=f"comma-separated extensions to pick up (default {', '.join(BATCH_EXTENSIONS)})")
    p.add_argument("--report", type=_not_empty, metavar="FILE.json",
                   help="write a JSON report of every file (it replaces an earlier report; never an input, an output "
                        "or another video, another file only with --overwrite)")
    _add_output_options(p, one_file=False)


def _add_train_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train a model (with distillation)",
                       description="Train a compact student on your own footage: vsr, the x4 upscaler; vfi, the x2 "
                                   "frame interpolator. Distilled from a teacher with --teacher and --distill.",
                       epilog="Examples: vsr-app train vsr --data footage/ --out runs/mine --teacher vsr-x4-teacher "
                              "--distill space --steps 20000. A compact vfi student is pruned from the teacher "
                              "first, then trained from the pruned net: vsr-app prune vfi --teacher vfi-x2-teacher "
                              "--data footage/ --out runs/pruned; vsr-app train vfi --data footage/ --out runs/vfi "
                              "--teacher vfi-x2-teacher --distill laplacian --config start.json, with {\"init_from\": "
                              "\"runs/pruned/pruned.safetensors\"} in start.json (without init_from, train vfi "
                              "trains a new net of the teacher's size). Stop with Ctrl-C and continue with "
                              "--out RUN_DIR --resume. To fine-tune a shipped student instead of starting afresh, "
                              "give \"init_from\" in --config (--list-options).")
    _add_task(p, ("vsr", "vfi"), "vsr: x4 super-resolution; vfi: x2 frame interpolation")
    _add_run_folder_options(
        p, data="folder of videos / frame folders / images (repeatable; --resume uses the run's own)",
        out="the run's folder (outside --data): its options, checkpoint, metrics.jsonl and the trained model "
            "(model.safetensors + model.json), which --model takes as it is")
    p.add_argument("--teacher", type=_not_empty, metavar="NAME|PATH",
                   help="the model to distil from: a name `vsr-app models` lists (vsr-x4-teacher, vfi-x2-teacher) "
                        "or a .safetensors file")
    p.add_argument("--distill", choices=tuple(dict.fromkeys(m for modes in DISTILL_MODES.values() for m in modes)),
                   help="distillation from --teacher: std, space or time (vsr; output: the teacher's frames as a "
                        "second target, the baseline), laplacian (vfi); default none")
    _add_run_length_options(
        p, steps="optimiser steps in all (default: the --config file's, else 10000)",
        resume="continue the run in RUN_DIR with its own data and options (--steps may extend it); without its "
               "checkpoint, from its model.safetensors with a fresh optimiser")
    p.add_argument("--val", action="append", type=_not_empty, metavar="CLIP",
                   help="held-out video or frame folder (not in --data, unless a vfi --config's \"exclude\" holds it "
                        "out) scored "
                        "every val_every steps: val_psnr in metrics.jsonl and the model card (repeatable)")
    _add_config_options(p, "training")
    p.set_defaults(check=lambda args: _check_train_flags(p, args))


def _add_prune_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("prune", help="prune a trained interpolation teacher into a compact net")
    _add_task(p, ("vfi",), "vfi, the x2 frame interpolator (the only one pruned)")
    p.add_argument("--teacher", type=_not_empty, metavar="NAME|PATH",
                   help="the interpolation net to prune: a model's name (vfi-x2-teacher) or a .safetensors file "
                        "(a `train vfi` run's model.safetensors); --resume uses the run's own, or this where that "
                        "file has moved")
    _add_run_folder_options(
        p, data="folder of videos / frame folders / images to fine-tune on while pruning (repeatable; --resume uses "
                "the run's own, or this where that has moved)",
        out="the pruning's folder (outside --data): its options, checkpoint, metrics.jsonl, plan.json and the "
            "pruned net, pruned.safetensors, which `train vfi` starts from as \"init_from\"")
    p.add_argument("--target-params-ratio", type=_between(0, 1), metavar="R",
                   help="share of the teacher's parameters to keep, between 0 and 1 (default: the --config file's "
                        "target_params_ratio, else 0.1)")
    _add_run_length_options(
        p, steps="sparsity fine-tuning steps (default: the --config file's, else 800)",
        resume="continue the stopped pruning in RUN_DIR from its checkpoint with its own teacher, data and options "
               "(--steps may extend it)")
    _add_config_options(p, "pruning/training")
    p.set_defaults(check=lambda args: _check_prune_flags(p, args))


def _add_eval_parser(subparsers: argparse._SubParsersAction) -> None:
    from vsr_app.evaluate import EVAL_COMMANDS  # a light import: the scorers import their heavy modules when run

    p = subparsers.add_parser("eval", help="score a model on a benchmark folder or your own videos (Y-PSNR/SSIM)",
                       add_help=False, description=f"Score a model at {' or '.join(EVAL_TASKS.values())}. "
                       f"{EVAL_SCORES} `eval vsr --help` and `eval vfi --help` say each protocol.")
    p.add_argument("-h", "--help", action=_EvalHelp, help="show this help message and exit")
    _add_task(p, tuple(EVAL_COMMANDS), "; ".join(f"{t}: {what}" for t, what in EVAL_TASKS.items()))
    p.add_argument("--model", type=_not_empty, required=True, metavar="NAME|PATH",
                   help=f"model name (`{APP_NAME} models` lists them), {MODEL_PATHS}")
    p.add_argument("--data", required=True, type=_not_empty, metavar="DIR|VIDEO",
                   help="a folder of sequence folders (each one's frames, read in number order: f2 before f10), a "
                        "folder of frames (one sequence), a video file (one sequence, named by its file name without "
                        "the extension) or a folder of videos (each one a sequence). A video's frames, as decoded, are "
                        "the ground truth: compressed video is a weaker one than lossless frames (PNG), its coding "
                        "artefacts counted as truth")
    p.add_argument("--frames", type=int, metavar="N",  # its minimum is the task's (_check_eval_options)
                   help=_eval_frames_help(", ".join(f"{command.min_frames} for {task}"
                                                 for task, command in EVAL_COMMANDS.items())))
    _add_device_option(p)
    _add_self_ensemble_option(p)
    _add_deinterlace_option(p)
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="precision the model runs in: auto as the app runs it (bf16 where the CPU has it natively "
                        "and runs it faster; bf16 or fp16 on CUDA), fp32 to score without reduced precision (they "
                        "differ in the third decimal; the cards were scored in bf16); fp16 is for CUDA (a CPU runs it "
                        "several times slower); the result says which ran (default auto)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object, each sequence's scored frames in it (per_frame)")
    p.add_argument("--csv", type=_not_empty, metavar="FILE", help=_eval_csv_help(None))
    p.set_defaults(check=lambda args: _check_eval_options(p, args))


def _add_bench_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench", help="measure speed and memory of every model")
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
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="precision of the model-alone timing, fps_model (default auto, the app's own choice; "
                        "fps_pipeline always runs auto; each is reported with the precision it ran in)")
    p.add_argument("--threads", type=_at_least(1), metavar="N", help="torch threads (default: one per core)")


def _add_models_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("models", help="list available models, or show one model's card")
    p.add_argument("name", nargs="?", metavar="NAME|PATH", help="show this model's card: what it is for, how it was "
                   "trained, what it measured")
    p.add_argument("--json", action="store_true", help="print a JSON list (notes about left-out files go to stderr); "
                   "with NAME, the model's JSON object")


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
                     f"{app_command(moved)}")
    if os.path.exists(options[0]):
        parser.error(f"to open the file '{options[0]}', write {app_command(['--', options[0]])}")
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
