"""What the Train tab offers and what it runs: the form's fields per task (with the trainer's own defaults), and
the `vsr-app train` command line a filled-in form becomes. Qt-free, so the choices can be read and tested alone."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch

from vsr_app.distill.sources import SEGMENT_FRAMES
from vsr_app.distill.degrade import DegradationMix
from vsr_app.distill.options import ASKED_WARMUP, LoopConfig, cap_warmup
from vsr_app.distill.runs import PRUNE_DEFAULTS, PRUNED_NET
from vsr_app.distill.train_cli import start_options
from vsr_app.distill.vfi_task import LEGACY_VFI_DEFAULTS, VFIConfig, check_start_exists
from vsr_app.distill.vfi_task import student_or_teacher_net as vfi_net
from vsr_app.distill.vsr_task import DEFAULTS as VSR_DEFAULTS
from vsr_app.distill.vsr_task import RECURRENT_NETS, net_settings
from vsr_app.distill.vsr_task import student_or_teacher_net as vsr_net
from vsr_app.distill.weights import start_card, start_weights
from vsr_app.errors import VsrAppError
from vsr_app.gui import fmt
from vsr_app.gui.paths import full_path
from vsr_app.gui.run_files import PRUNE_FOLDER
from vsr_app.models import count_params, is_model_name
from vsr_app.nets.vfi_teacher import VFINet

TASKS = {"vsr": ("Video super-resolution \u00d74", "upscale"), "vfi": ("Frame interpolation \u00d72", "interpolate")}
DEFAULT_NAMES = {"vsr": "my-vsr-student", "vfi": "my-vfi-student"}
# The first entry is the default: for VSR the space term, the only STD part that measured a gain (docs/RESULTS.md)
DISTILL = {"vsr": {"space": "STD: space only (best measured)", "std": "STD: space + time", "time": "STD: time only",
                   "output": "Output: the teacher's frames as a second target", "none": "None (ground truth only)"},
           "vfi": {"laplacian": "Laplacian (teacher + truth)", "none": "None (ground truth only)"}}
LOOP, VFI, STUDENT = LoopConfig(), VFIConfig(), net_settings("student", {})  # the trainer's defaults
# Per task: (option key, label, kind, default, low, high, tooltip). Keys are the trainer's --config options;
# "net_config.x" goes into the nested net_config dict. A kind is int, float, a list of values, or a dict of
# {label: value} (a choice whose value is not its label).
# Training inputs' choice that leaves "degrade" out of the options, for the trainer to take the card's of the weights
# the run starts from (`train_cli.start_degrade`): a fine-tune of vsr-x4-student went on on clean inputs by default
AS_START_FROM = "as Start from"
FIELDS = {
    "vsr": [
        ("net", "Network", ["student", "teacher"], "student", None, None,
         "student: streaming, compact; teacher: bidirectional, large"),
        ("net_config.channels", "Width (channels)", int, STUDENT["channels"], 4, 256,
         "feature channels of the network"),
        ("net_config.blocks", "Residual blocks", int, STUDENT["blocks"], 1, 60,
         "depth of the network (the shipped student: 4)"),
        ("net_config.align", "Motion alignment", {"None: previous frame and state as they are": "none",
                                                  "DIS flow: previous frame and state warped onto each frame": "dis"},
         STUDENT["align"], None, None,
         "student only: warp what the net carries onto the current frame with OpenCV's DIS optical flow; no new"
         " weights. In the project's tests it scored 0.1-0.2 dB higher on benchmark videos, sharper where things"
         " move, and ran at about 70% of the plain student's speed"),
        ("batch", "Batch (clips)", int, VSR_DEFAULTS["batch"], 1, 256, "clips per step"),
        ("frames", "Frames per clip", int, VSR_DEFAULTS["frames"], 2, SEGMENT_FRAMES,
         "length of each training clip. In the project's tests, an aligned student trained on 7-frame clips went"
         " wrong after about 30 frames of a video (up to 0.4 dB worse than restarting it); training on clean clips"
         " of 24-32 frames removed that"),
        ("burn_in", "Burn-in frames", int, VSR_DEFAULTS["burn_in"], 0, 256,
         "student only: frames run before each clip without training on them, so the trained frames start from a"
         " state carried that long, as in a video. In the project's tests, an aligned student trained on real-video"
         " inputs lost about 0.2 dB over long videos without it, and almost nothing with 32. Each step costs more:"
         " 32 frames before 7 took about 2.5x a 7-frame step's CPU time without a teacher, 1.5x with the space"
         " term's teacher, which runs on the trained frames only"),
        ("patch", "Patch size (LR pixels)", int, VSR_DEFAULTS["patch"], 8, 256,
         "low-resolution crop size; the target is 4x"),
        ("lambda_space", "\u03bb space", float, VSR_DEFAULTS["lambda_space"], 0.0, 1000.0,
         "weight of the spatial (attention) distillation"),
        ("lambda_time", "\u03bb time", float, VSR_DEFAULTS["lambda_time"], 0.0, 1000.0,
         "weight of the temporal (ConvLSTM) distillation"),
        ("lambda_output", "\u03bb output", float, VSR_DEFAULTS["lambda_output"], 0.0, 1000.0,
         "weight of the teacher's frames as a target, beside the truth (Output distillation)"),
        ("degrade", "Training inputs", {"As Start from was trained (clean for a new net)": AS_START_FROM,
                                        "Clean \u00d74 bicubic (benchmark setting)": None,
                                        "Like real video: H.264 and noise on part of the clips":
                                            DegradationMix().as_options()},
         AS_START_FROM, None, None,
         "real video: the net learns to upscale compressed, noisy footage (how the shipped vsr-x4-student was"
         " trained); clean: the benchmarks' setting (vsr-x4-student-bicubic); as Start from was trained: as its"
         " card says, so a fine-tune keeps what the model was made for"),
    ],
    "vfi": [
        ("base", "Width (base channels)", int, 32, 4, 256, "channel width of the interpolation net"),
        ("batch", "Batch", int, VFI.batch, 1, 256, "samples per step"),
        ("crop", "Crop size (pixels)", int, VFI.crop, 16, 512, "training crop size"),
        ("w_gt", "Weight: truth", float, VFI.w_gt, 0.0, 100.0, "Laplacian loss against the true middle frame"),
        ("w_teacher", "Weight: teacher", float, VFI.w_teacher, 0.0, 100.0,
         "Laplacian loss against the teacher's frame"),
    ],
}
COMMON = [
    ("steps", "Steps", int, LOOP.steps, 1, 10_000_000, "optimiser steps in total (Resume may raise it)"),
    # lr's least is the least its 6 decimals show: a smaller one rounds to 0, which the trainer refuses
    ("lr", "Learning rate", float, LOOP.lr, 1e-6, 1.0, "peak AdamW learning rate (warm-up, then cosine decay)"),
    ("log_every", "Log every", int, LOOP.log_every, 1, 100_000, "steps between curve points"),
    ("val_every", "Validate every", int, LOOP.val_every, 1, 1_000_000, "steps between validation PSNR points"),
]

# Fields whose value the trainer takes only as a multiple of this (the interpolation net works down to 1/8 scale):
# the form steps and snaps to it, so Start is not refused for a crop of 100
MULTIPLE_OF = {("vfi", "crop"): VFINet.size_multiple}

# per task, each field's default as FIELDS and COMMON give it (a net_config one: see `field_default`)
FORM_DEFAULTS = {task: {field[0]: field[3] for field in fields + COMMON} for task, fields in FIELDS.items()}
RECURRENT_ONLY = ("burn_in",)  # fields the trainer refuses for a net that carries no state (the teacher)
# Tasks whose trainer builds a net started from another (init_from) as that net's card says (a pruned teacher, a
# trained student to fine-tune); the form's fields that size a new net (CARD_SIZED, and every net_config one) then
# mean nothing. Tasks whose teacher Prune teacher makes a Start from of: PRUNING_TASKS
START_FROM_TASKS = ("vsr", "vfi")
CARD_SIZED = ("base", "net")
PRUNING_TASKS = ("vfi",)
START_FROM_EXAMPLE = {"vsr": Path("my-run", "model.safetensors"), "vfi": Path(PRUNE_FOLDER, PRUNED_NET)}
# What Prune teacher takes from the interpolation form (its fields, Validation clip and Extra options) as its --config:
# the options a pruning reads as the training run would, of the machine, the data and its crops, and the validation;
# not the optimiser's (a pruning has its own length and learning rate, `runs.PRUNE_DEFAULTS`), the net's (it prunes
# the teacher's), nor those only training reads (ema, init_from, the loss weights). It ran with the pruner's defaults
# alone, and a tester who set Crop to shorten it waited an hour
PRUNE_FORM_OPTIONS = ("crop", "batch", "log_every", "val_videos", "device", "threads", "amp", "seed", "ckpt_every_s",
                      "still_fraction", "max_stride", "scale_jitter", "still_shift", "exclude", "min_motion",
                      "motion_tries", "val_triplets", "val_crop")
# What Start from does for a task without Prune teacher (whose note spells that command)
START_NOTE = {"vsr": "Left empty, the run trains a new net as the Hyper-parameters below set it (Network, Width, "
                     "blocks, alignment). To fine-tune a trained model on your footage instead (far fewer steps "
                     "than a new net: the realistic way on a CPU), start from it: a model's name, such as "
                     "vsr-x4-student or vsr-x4-student-aligned, or its .safetensors file (a run's "
                     "model.safetensors). Its card gives the net; a smaller Learning rate (vsr-x4-student's last stage "
                     "used 0.0001) keeps more of what it learned, and Training inputs \"As Start from was trained\" "
                     "(the default: Like real video for vsr-x4-student and -aligned) keeps it fit for what it was "
                     "made for."}


def field_default(task: str, net, key: str):
    """A field's default for `net`: a net_config field the net's own (the teacher is wider and deeper than the
    student), any other the trainer's one default."""
    default = FORM_DEFAULTS[task][key]
    if not key.startswith("net_config."):
        return default
    return (net_settings(net, {}) or {}).get(key.removeprefix("net_config."), default)


def with_extra(options: dict, extra: dict) -> dict:
    """The form's options with Extra options over them: a net_config there adds to the form's (Width, blocks,
    alignment) instead of replacing it."""
    if isinstance(extra.get("net_config"), dict) and isinstance(options.get("net_config"), dict):
        extra = {**extra, "net_config": {**options["net_config"], **extra["net_config"]}}
    return {**options, **extra}


def extra_of_run(run: dict, fields: set[str], task: str) -> dict:
    """What a `task` run was started with that the form has no field for (a seed, "ema", a net field; `fields`: what
    it has), as Extra options; a value with a field is the field's to show, so a later edit of it is not overridden.
    The warm-up is the one asked for (`asked_warmup`), not the trainer's cap of a short run's: a longer run started
    from the form gets its own; the defaults a VFI run writes down are left out too (`written_default`)."""
    extra = {key: value for key, value in run.items() if key not in ("net_config", "warmup", ASKED_WARMUP)
             and key not in fields and not written_default(task, key, value)}
    net = {key: value for key, value in (run.get("net_config") or {}).items() if f"net_config.{key}" not in fields}
    warmup = asked_warmup(run)
    if warmup is not None:
        extra["warmup"] = warmup
    return {**extra, "net_config": net} if net else extra


def asked_warmup(run: dict):
    """The warm-up a run's options asked for (None: none): as the run keeps it (ASKED_WARMUP), else, a run from before
    runs kept it, its warm-up unless that is the cap the trainer puts on a run of its length now (an extended run's
    cap, set for its first length, then shows as if asked for)."""
    if ASKED_WARMUP in run:
        return run[ASKED_WARMUP]
    uncapped = {key: value for key, value in run.items() if key != "warmup"}
    cap_warmup(uncapped)
    return None if uncapped.get("warmup") == run.get("warmup") else run.get("warmup")


def prune_options(options: dict) -> dict:
    """The interpolation form's options (`TrainForm.options`) that Prune teacher sends the pruner
    (PRUNE_FORM_OPTIONS)."""
    return {key: value for key, value in options.items() if key in PRUNE_FORM_OPTIONS}


def prune_log_note(options: dict) -> str:
    """The line a pruning's log opens with: the pruner's own settings (`runs.PRUNE_DEFAULTS`) and which of the
    form's options (`TrainForm.options`: its fields and Extra options) it does not take, of those the user set: a
    field changed from its default, or an option only Extra options (or Start from) give. Extra options' steps, lr
    and val_every were dropped without a word; then every field it does not take was listed, changed or not."""
    own = ", ".join(f"{option_label(key)} ({value})" for key, value in PRUNE_DEFAULTS.items())
    unused = [option_label(key) for key, value in options.items()
              if key not in PRUNE_FORM_OPTIONS and value != FORM_DEFAULTS["vfi"].get(key, _NO_DEFAULT)
              and not (key in PRUNE_DEFAULTS and PRUNE_DEFAULTS[key] == value)]
    return f"Prune teacher keeps its own {own}" + (
        f"; not used from the form or Extra options: {', '.join(unused)}" if unused else "")


_NO_DEFAULT = object()  # an option the form has no field for: set only where Extra options (or Start from) give it
# the options a pruning names that the interpolation form has no field for, as the user reads them
OTHER_LABELS = {"warmup": "Warm-up steps", "weight_decay": "Weight decay", "init_from": "Start from"}


def option_label(key: str) -> str:
    """An interpolation option as the form names it: its field's label, else its own label (OTHER_LABELS), else its
    key (an Extra option's)."""
    return next((field[1] for field in FIELDS["vfi"] + COMMON if field[0] == key), OTHER_LABELS.get(key, key))


def written_default(task: str, key: str, value) -> bool:
    """Whether a run's option is one a new VFI run writes into its config.json at today's default (those of
    `vfi_task.LEGACY_VFI_DEFAULTS`, so a later change of defaults cannot alter it), not one it was started with: six
    of them filled a new run's Extra options. An older run's earlier defaults differ from today's, and show."""
    return task == "vfi" and key in LEGACY_VFI_DEFAULTS and value == getattr(VFI, key)


def form_fields_for(net: str, options: dict, started: bool = False) -> dict:
    """The form's options without the fields the chosen net does not take (see `net_field_applies`): started from
    another net, no net_config at all, so the trainer takes the net of its card."""
    kept = {key: value for key, value in options.items()
            if key != "net_config" and net_field_applies(net, key, started)}
    net_config = form_net_config(net, options.get("net_config", {}), started)
    return {**kept, "net_config": net_config} if net_config else kept


def form_net_config(net: str, net_config: dict, started: bool = False) -> dict:
    """The form's net_config entries the chosen net takes: the teacher has no alignment option, so that field
    is the student's alone (Extra options, merged after, can still send it anything). An unknown net gets them
    all, for the trainer to refuse by name."""
    return {key: value for key, value in net_config.items()
            if net_field_applies(net, f"net_config.{key}", started)}


# the distillation modes whose loss weighs in each weight field (`vsr_task`'s use_space/use_time/use_output, vfi's
# Laplacian to the teacher): with another the field changes nothing
DISTILL_WEIGHTS = {"lambda_space": ("std", "space"), "lambda_time": ("std", "time"), "lambda_output": ("output",),
                   "w_teacher": ("laplacian",)}


def run_field_applies(key: str, distill: str | None, validates: bool) -> bool:
    """Whether the form field `key` means anything for a run of distillation mode `distill` that does (`validates`)
    or does not have a validation clip: a loss weight only for the modes that weigh it, "Validate every" only with a
    clip (with "space only", λ time and λ output were left to edit, as if they counted)."""
    if key == "val_every":
        return validates
    return key not in DISTILL_WEIGHTS or distill is None or distill in DISTILL_WEIGHTS[key]


def net_field_applies(net: str, key: str, started: bool = False) -> bool:
    """Whether the form field `key` means anything for `net`: a "net_config.x" field only if the net takes x (the
    teacher has no alignment option), a RECURRENT_ONLY one only for a net that carries a state, a CARD_SIZED or
    net_config one only for a net not `started` from another (init_from), every other field always. An unknown net
    takes them all."""
    takes = net_settings(net, {})
    if started and (key in CARD_SIZED or key.startswith("net_config.")):
        return False
    if key in RECURRENT_ONLY:
        return takes is None or net in RECURRENT_NETS
    return not key.startswith("net_config.") or takes is None or key.removeprefix("net_config.") in takes


def trained_net(task: str, start_from: str, extra: dict, form_net) -> str | None:
    """The VSR net a run trains, in the trainer's order (`train_cli.start_net`), so its fields are the ones that
    apply: Extra options' net; else, where Start from's card says one, that net, but the trainer's default net where
    Extra options give a net_config (the trainer builds the card's net only for options that name none); else the
    form's Network. Started from the teacher, the form's Network (student) left Burn-in on, and the trainer refused
    it only at Start; with Extra options naming a net, the fields followed the card while the options sent did not.
    The card is that of the start the trainer takes (`run_start`), not always Start from's."""
    if "net" in extra:
        return extra["net"]
    start = run_start(start_from, extra)
    card = start_card_net(task, start) if isinstance(start, str) and start else None
    if card is None:
        return form_net
    return VSR_DEFAULTS["net"] if "net_config" in extra else card


def run_start(start_from: str, extra: dict):
    """What the run starts from (the trainer's init_from): Extra options' init_from, which overrides Start from's as
    the trainer merges them (an explicit null: none), else Start from. Following Start from alone, the greyed
    fields and the options sent were those of a net the trainer does not train."""
    return extra.get("init_from", start_from)


def start_card_net(task: str, start_from: str) -> str | None:
    """The VSR net the card of the weights the run starts from (`run_start`: a model's, a run's) says; None where no
    card says (a name being typed)."""
    try:
        return start_options({"init_from": start_from_option(task, start_from)}, lambda *_: None)[0].get("net")
    except VsrAppError:
        return None


def card_sizes_net(task: str, start_from: str) -> bool:
    """Whether the card of the weights a run starts from gives its net, so the form's fields that size one mean
    nothing: an interpolation run's always (its trainer refuses weights without a card), an upscaling run's where a
    card is beside them (without one its trainer builds the net the options say: the form's). A start that cannot be
    found yet (a name being typed) is taken as carded, as it is most often; Start refuses one that is none."""
    if task != "vsr":
        return True
    try:
        return start_card(start_from_option(task, start_from)) is not None
    except VsrAppError:
        return True


def net_size(task: str, options: dict) -> str:
    """The Parameters row: the count and, for a run that starts from another net, which net its card gives, as the
    greyed fields still show the form's own Width and blocks (a fine-tune of vsr-x4-student showed Width 4 where it
    trains 32); weights without a card are said to leave the net to the form (the row credited a card that was not
    there)."""
    net, settings = _net_on_meta(task, options)
    size = fmt.params(count_params(net))
    if not options.get("init_from"):
        return size
    if not card_sizes_net(task, options["init_from"]):
        return f"{size}: Start from has no card beside it, so the form's fields give the net"
    shown = [f"{label} {settings[key.removeprefix('net_config.')]}" for key, label, *_ in FIELDS[task]
             if settings and key.startswith("net_config.") and net_field_applies(settings["net"], key)]
    given = f"the {settings['net']}, " + ", ".join(shown) if settings else "its net"
    source = "Extra options give" if "net" in options or "net_config" in options else "Start from's card gives"
    return f"{size}: {source} {given} (the greyed fields are not used)"


def _net_on_meta(task: str, options: dict) -> tuple[torch.nn.Module, dict | None]:
    """The net a run with these options trains, built as its trainer builds it but on the meta device: shapes
    without weights, so even a very wide net costs no memory and milliseconds (still a worker's job: it is model
    code, and the first build there takes about a second); with a VSR net's settings (`net_settings`)."""
    check_start_from(options)
    with torch.device("meta"):
        if task == "vfi":
            return vfi_net(options)[0], None
        started = start_options(options, lambda *_: None)[0]
        name = started.get("net", VSR_DEFAULTS["net"])
        return vsr_net(started), net_settings(name, started.get("net_config", {}))


def start_from_option(task: str, text: str) -> str:
    """Start from's text as the trainer's init_from: a model's name as it is (the trainer takes its weights file, as
    --teacher takes a model), and a bare word, which can only mean one (a typo is then said as an unknown model,
    with the names there are, not as "must be a full path"), else a full path."""
    if is_model_name(text) or not (Path(text).suffix or "/" in text or os.sep in text or text.startswith("~")):
        return text
    return str(full_path(text, "Start from", default_runs_dir() / START_FROM_EXAMPLE[task]))


def check_start_from(options: dict) -> None:
    """Refuse a Start from (init_from) that is not there, saying so: the card loader's "no model card beside it" sent
    the user looking for a card beside a file that was gone."""
    path = options.get("init_from")
    if path:
        check_start_exists(start_weights(path), "Start from")


def choice_data(value) -> str:
    """A choice's value as the combo box stores it: JSON text (None and dicts survive Qt and QSettings), keys
    sorted so a run's config matches the choice whatever order it lists them in."""
    return json.dumps(value, sort_keys=True)


def launcher() -> tuple[str, list[str]]:
    """Program and leading arguments that run the CLI: the frozen app is its own CLI."""
    if getattr(sys, "frozen", False):
        return sys.executable, []
    return sys.executable, ["-m", "vsr_app"]


def train_arguments(task: str, data: list[str], run_dir: str, teacher: str | None, distill: str,
                    steps: int | None, config: str | None, resume: bool, val: list[str] = (),
                    teacher_moved: bool = False) -> list[str]:
    """`vsr-app train ...` arguments (after the program) as DESIGN.md's CLI contract spells them. A resumed run
    continues with its own teacher and distillation (the CLI refuses others), so those are left out then, but for the
    teacher where the run's own file has moved (`teacher_moved`); it takes the form's validation clips (`val`: a new
    run's are in its `config`)."""
    args = ["train", task]
    for folder in data:
        args += ["--data", folder]
    args += ["--out", run_dir]
    if not resume:
        args += ["--distill", distill] + (["--teacher", teacher] if teacher else [])
    elif teacher_moved and teacher:
        args += ["--teacher", teacher]
    for clip in val if resume else ():
        args += ["--val", clip]
    if steps is not None:
        args += ["--steps", str(steps)]
    if config:
        args += ["--config", config]
    if resume:
        args.append("--resume")
    return args


def default_runs_dir() -> Path:
    """Where runs go when the Runs folder is left empty (and the field's first value): in the user's home, where
    the logs and checkpoints are easy to find."""
    return Path.home() / "vsr-app-runs"


def run_steps(options: dict) -> int:
    """The run's length: the form's Steps, or "steps" in Extra options, which can hold anything JSON can."""
    steps = options["steps"]
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise VsrAppError(f'"steps" must be a whole number, at least 1 (not {json.dumps(steps)})')
    return steps
