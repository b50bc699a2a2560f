"""Training options: the loop's own (`LoopConfig`), the checks every option goes through before a run starts (a
misspelt one named with those it is close to), and what each means, for `--list-options` (`option_sections`).

No torch here: the tasks, the run set-up and the Train tab read these without loading the training loop (only
`option_sections` imports the tasks, when a listing is asked for).
"""
from __future__ import annotations

import difflib
import inspect
import json
import math
from dataclasses import asdict, dataclass, fields

from vsr_app.errors import VsrAppError

VAL_KEY = {"vsr": "val", "vfi": "val_videos"}  # each task's option naming its validation clips (--val)
DISTILL_MODES = {"vsr": ("std", "space", "time", "output", "none"), "vfi": ("laplacian", "none")}  # --distill per task


@dataclass
class LoopConfig:
    """Options of the loop itself (task options live with the task)."""

    steps: int = 10000
    lr: float = 2e-4
    min_lr_ratio: float = 0.02
    warmup: int = 200
    weight_decay: float = 1e-4
    grad_clip: float = 1.0
    seed: int = 0
    amp: str = "auto"  # CHOICES["amp"]
    device: str = "auto"
    threads: int = 0  # torch (and OpenCV: data loading, DIS priors) CPU threads; 0 = leave their defaults
    log_every: int = 20
    val_every: int = 500
    ckpt_every_s: float = 300.0
    init_from: str | None = None  # .safetensors weights for modules["model"] (continue from weights alone)
    init_partial: bool = False  # init_from: take the tensors whose name and shape fit, keep the rest freshly initialised
    ema: float = 0.0  # decay of the weights' moving average that validation and the exported model use (0: none)

    @classmethod
    def split(cls, options: dict) -> tuple["LoopConfig", dict]:
        """(loop config, the remaining task options) from one flat dict; a run's record of the warm-up it was asked
        for (ASKED_WARMUP) is neither."""
        check_types(options, asdict(cls()), "training option")
        loop = cls(**{k: v for k, v in options.items() if k in LOOP_OPTIONS})
        return loop, {k: v for k, v in options.items() if k not in LOOP_OPTIONS and k != ASKED_WARMUP}


LOOP_OPTIONS = tuple(f.name for f in fields(LoopConfig))


def without_config_data(options: dict, log) -> dict:
    """A --config file's options less "data": the command's --data gives the training data (a resumed run trains on
    its own), so a "data" there (a VSR run's config.json given as --config holds one) is said to be left unused, not
    replaced without a word."""
    if "data" not in options:
        return options
    log("the --config file's data is not used: --data gives the training data")
    return {key: value for key, value in options.items() if key != "data"}


def is_number(value) -> bool:
    """A JSON number, not true or false (which Python counts as ints)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# Kept with a new run's options (config.json): the warm-up they gave before `cap_warmup` (null: none, the default).
# Once the run is extended the cap no longer follows from its length, and the Train tab showed the capped warm-up
# among Extra options as if it had been typed
ASKED_WARMUP = "asked_warmup"


def cap_warmup(options: dict) -> None:
    """A new run's warm-up takes at most a tenth of it, so a short run (a quick try of a few hundred steps) still
    reaches the learning rate asked for. Set when the run starts and its options are saved, and again by a resume that
    changes its length (`cap_resumed_warmup`). The warm-up asked for is kept beside it (ASKED_WARMUP)."""
    options[ASKED_WARMUP] = options.get("warmup")
    _cap_to_tenth(options)


def cap_resumed_warmup(options: dict, saved: dict) -> None:
    """A resume that changes the run's length (`saved`: the options it ran with) caps the warm-up as a new run of the
    new length has it capped: a --steps below the warm-up left the whole run warming up, its rate never decayed. The
    cap only lowers it: an extended run does not warm up again over steps it has passed. A resume at the run's own
    length keeps its schedule exactly."""
    if options.get("steps", LoopConfig.steps) != saved.get("steps", LoopConfig.steps):
        _cap_to_tenth(options)


def _cap_to_tenth(options: dict) -> None:
    steps = options.get("steps", LoopConfig.steps)
    warmup = options.get("warmup", LoopConfig.warmup)
    if isinstance(steps, int) and isinstance(warmup, int) and warmup > max(1, steps // 10):
        options["warmup"] = max(1, steps // 10)


# the least each number may be: below it a run crashes deep inside, or trains nothing and says it finished
LOWEST = {"steps": 1, "batch": 1, "frames": 2, "patch": 8, "crop": 16, "log_every": 1, "val_every": 0, "warmup": 1,
          "threads": 0, "workers": 0, "val_frames": 1, "val_triplets": 1, "cache_batches": 1, "ckpt_every_s": 0, "lap_levels": 1,
          "burn_in": 0, "val_restart": 0, "prune_prox_steps": 1, "prune_threshold": 0, "prune_lambda": 0,
          "tap_batches": 1, "min_width": 1, "seed": 0, "weight_decay": 0, "val_crop": 0}
POSITIVE = ("lr", "grad_clip")
HIGHEST = {"seed": 2**63 - 1}  # torch's and numpy's generators take no more
# shares and ratios: a negative min_lr_ratio gave negative learning rates, the net trained away from its targets
FRACTIONS = ("min_lr_ratio", "still_fraction")
CHOICES = {"amp": ("auto", "bf16", "fp16", "none")}  # anything else ("fp32") ran as auto


def check_types(options: dict, defaults: dict, what: str) -> None:
    """Refuse a value of the wrong kind ("batch": "2") or below its least (LOWEST, POSITIVE) with its name, before
    it fails deep inside training."""
    kinds = {bool: (bool,), int: (int,), float: (int, float), str: (str,), list: (list,), dict: (dict,)}
    for key, value in options.items():
        default = defaults.get(key)
        if default is None or value is None:
            continue
        allowed = kinds.get(type(default))
        if allowed and (not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed)):
            raise VsrAppError(f"{what} '{key}' must be {type(default).__name__} (like {json.dumps(default)}), "
                              f"not {json.dumps(value)}")
        if isinstance(value, float) and not math.isfinite(value):  # Python's json reads NaN and Infinity
            raise VsrAppError(f"{what} '{key}' must be a finite number, not {json.dumps(value)}")
        if key in HIGHEST and value > HIGHEST[key]:
            raise VsrAppError(f"{what} '{key}' must be at most {HIGHEST[key]}, not {json.dumps(value)}")
        if key in LOWEST and value < LOWEST[key] or key in POSITIVE and value <= 0:
            least = f"at least {LOWEST[key]}" if key in LOWEST else "more than 0"
            raise VsrAppError(f"{what} '{key}' must be {least}, not {json.dumps(value)}")
        if key in FRACTIONS and not 0 <= value <= 1:
            raise VsrAppError(f"{what} '{key}' must be from 0 to 1, not {json.dumps(value)}")
        if key in CHOICES and value not in CHOICES[key]:
            raise VsrAppError(f"{what} '{key}' must be one of {', '.join(CHOICES[key])}, not {json.dumps(value)}")


# ---- what each option means: `train vsr|vfi --list-options`, `prune vfi --list-options` -------------------------
# The names and defaults are read from the code that takes them (`option_sections`); only the meanings are written
# here, one line each (tests/test_train_options.py keeps them in step with the code).
MEANINGS = {
    # the loop's (LoopConfig)
    "steps": "optimiser steps in all (--steps sets it too)",
    "lr": "peak learning rate, reached after the warm-up, then cosine decay",
    "min_lr_ratio": "the cosine decay ends at lr times this",
    "warmup": "steps of linear warm-up (at most a tenth of steps)",
    "weight_decay": "weight decay (AdamW's)",
    "grad_clip": "gradients clipped to this norm",
    "seed": "seed of the initial weights and of the batches",
    "amp": "precision: auto (bf16 where the CPU runs it natively and faster), bf16, fp16 or none",
    "device": "auto (a CUDA GPU when there is one), cpu or cuda",
    "threads": "CPU threads for torch and OpenCV (0: their defaults)",
    "log_every": "a log line and a metrics.jsonl record every this many steps",
    "val_every": "validation every this many steps (0: none)",
    "ckpt_every_s": "seconds between checkpoints",
    "init_from": "start from these weights (a .safetensors file or a model name) and their card's net",
    "init_partial": "with init_from: take the tensors that fit, initialise the rest afresh",
    "ema": "decay of a moving average of the weights, validated and exported (0: none)",
    # both tasks'
    "teacher": "model name or .safetensors path to distil from (--teacher)",
    "distill": "distillation mode, as --distill (none: no teacher)",
    "batch": "clips per step",
    "still_fraction": "share of clips cut from still images, where the data has both",
    # upscaling's (vsr_task.DEFAULTS, but "data": --data's alone)
    "net": "which net to train: student or teacher",
    "net_config": "the net's own options: see net_config below",
    "frames": "frames per clip",
    "patch": "LR crop size in pixels (the HR crop is 4x)",
    "lambda_space": "weight of the space term (distill std, space)",
    "lambda_time": "weight of the time term (distill std, time)",
    "lambda_output": "weight of plain output distillation (distill output)",
    "time_input": "what the time term's ConvLSTM sees: proj or attn",
    "time_pool": "average-pool factor of the HR features before the ConvLSTM",
    "convlstm_hidden": "channels of the time term's ConvLSTM",
    "freeze_threshold": "the ConvLSTM is frozen once the time loss is below this",
    "time_norm": "divide the time loss by the teacher cell's mean square",
    "attention_center": "remove each channel's spatial mean before the attention maps",
    "flow_loss": "weight of the teacher's photometric flow loss (net teacher)",
    "val": "held-out validation clips (--val)",
    "val_frames": "frames of each validation clip scored",
    "val_restart": "also score with the state restarted every this many frames (0: no)",
    "workers": "threads that make batches ahead of the loop (0: the loop makes them)",
    "cache": "folder of a fixed set of batches (and teacher features) to train on",
    "cache_batches": "batches in that cache",
    "degrade": "degrade part of the inputs like real video (null: none; {}: the mix below)",
    "burn_in": "frames the student runs before each clip's, untrained, to carry a state in",
    # frame interpolation's (vfi_task.VFIConfig, NET_OPTIONS, RUN_OPTIONS)
    "crop": "training crop size in pixels (a multiple of 8)",
    "max_stride": "largest frame stride a clip is cut with (larger: more motion)",
    "scale_jitter": "range of each crop's area downscale",
    "still_shift": "stills' made-up camera: its fastest pan, pixels per frame",
    "exclude": "sources held out of training, by name (a video's file name, a folder's)",
    "min_motion": "keep a clip whose mean flow is at least this many pixels (0: any)",
    "motion_tries": "draws per clip to find that motion",
    "flow_weight": "flow-guided warm-up: its weight at step 0 (0: none)",
    "flow_steps": "the step at which that weight has fallen to 0",
    "lap_levels": "levels of the Laplacian-pyramid loss",
    "lap_weights": "weight of each level (null: 2**i)",
    "w_gt": "Laplacian distillation: weight of the loss to the truth",
    "w_teacher": "Laplacian distillation: weight of the loss to the teacher's frame",
    "val_triplets": "triplets scored per validation clip",
    "val_crop": "centre crop of validation frames in pixels (0: whole frames, as eval scores them)",
    "val_videos": "held-out validation clips (--val)",
    "prune_lambda": "L1 strength to start from (0: estimated)",
    "prune_prox_steps": "proximal steps before the orthant ones (a new run's: 3/4 of steps)",
    "prune_threshold": "|weight| at most this counts as zero when widths are cut",
    "target_params_ratio": "share of the teacher's parameters kept (--target-params-ratio)",
    "min_width": "fewest channels a layer keeps",
    "tap_mass": "then keep the taps holding this share of the kernels' weight (0: all)",
    "tap_batches": "training batches that measure the taps' use",
    "base": "width the layers' widths are multiples of",
    "kernel": "one kernel size for all three scales (instead of kernels)",
    "kernels": "kernel sizes at 0.5x, 1x and 2x",
    "mix": "Stage I mixes its three scales' candidates",
    "corr": "cost volumes of the two middle frames feed the decoder",
    "coarse_flow": "a 1/4-scale flow added to every tap's offsets",
    "bm_prior": "a parameter-free motion prior as every head's base offset",
    "prior": "that prior: block (block matching) or dis (OpenCV's DIS flow)",
}
NET_MEANINGS = {  # net_config's: the VSR nets' constructor arguments
    "channels": "feature channels at LR",
    "blocks": "residual blocks (the teacher: in each direction)",
    "hr_channels": "channels of the HR feature map the space and time terms match",
    "scale": "upscaling factor (training is x4)",
    "base": "the upsample the output is a residual over: bilinear or bicubic",
    "out_init": "initial scale of the output conv (below 1: starts near the upsample)",
    "align": "warp the previous frame and state onto the new one: none, dis or dis_half",
    "flow_channels": "channels of the teacher's flow net",
    "hr_convs": "3x3 convs at HR before the output conv",
}
DEGRADE_MEANINGS = {  # degrade's: DegradationMix's fields
    "compress_p": "share of clips through H.264",
    "crf": "their CRF, drawn from this range",
    "noise_p": "share of clips with noise added (before the H.264)",
    "noise_sigma": "its sigma in grey levels, drawn from this range",
}
# a pruning's validation clips: only its --config names them
PRUNE_MEANINGS = {**MEANINGS, "val_videos": "held-out validation clips (prune vfi has no --val)"}
PRUNING_ONLY = ("prune_lambda", "prune_prox_steps", "prune_threshold", "target_params_ratio", "min_width",
                "tap_mass", "tap_batches")  # frame interpolation's options that only `prune vfi` reads
DISTILLING_ONLY = ("w_gt", "w_teacher")  # and those a pruning, which distils from nothing, does not
LISTED_BY = "vsr-app {} --list-options"  # the command that lists a command's options


def option_sections(command: str) -> list[tuple[str, list[tuple[str, object, str]]]]:
    """The options of `vsr-app COMMAND` ("train vsr", "train vfi", "prune vfi") as (title, [(option, default,
    meaning)]) sections, each name and default read from the code that takes it: the loop's LoopConfig, the task's
    own, the nets' constructors. It imports the tasks (torch), so only the listing calls it."""
    sections = _vsr_sections() if command == "train vsr" else _vfi_sections(command)
    return [(title, [(name, default, meanings.get(name, "")) for name, default in defaults.items()])
            for title, defaults, meanings in sections]


def _vsr_sections() -> list[tuple[str, dict, dict]]:
    from vsr_app.distill.degrade import DegradationMix
    from vsr_app.distill.vsr_task import DEFAULTS, NETS

    nets = [(f'net_config, with "net": "{net}" ({arch})',
             {name: p.default for name, p in inspect.signature(cls).parameters.items()}, NET_MEANINGS)
            for net, (arch, cls) in NETS.items()]
    task = {name: default for name, default in DEFAULTS.items() if name != "data"}  # --data's: without_config_data
    return [("the training loop", asdict(LoopConfig()), MEANINGS), ("x4 upscaling", task, MEANINGS), *nets,
            ('degrade, when not null (its defaults, which {} takes)', asdict(DegradationMix()), DEGRADE_MEANINGS)]


def _vfi_sections(command: str) -> list[tuple[str, dict, dict]]:
    import torch

    from vsr_app.distill.runs import PRUNE_DEFAULTS
    from vsr_app.distill.vfi_task import (NET_OPTIONS, RUN_OPTIONS, VFIConfig, VFITask, student_or_teacher_net,
                                          train_vfi)

    loop, task = asdict(LoopConfig()), asdict(VFIConfig())
    clips = {f.name: f.default_factory() for f in fields(VFITask) if f.name in RUN_OPTIONS}
    if command == "prune vfi":
        loop = {k: v for k, v in {**loop, **PRUNE_DEFAULTS}.items() if k != "ema"}  # prune_vfi refuses "ema"
        task = {k: v for k, v in task.items() if k not in DISTILLING_ONLY}
        return [("the training loop (the pruner's defaults)", loop, PRUNE_MEANINGS),
                ("frame interpolation, pruning", {**task, **clips}, PRUNE_MEANINGS)]
    with torch.device("meta"):  # shapes only: the defaults of the net a new run builds
        config = student_or_teacher_net({})[1]["config"]
    run = {name: inspect.signature(train_vfi).parameters[name].default for name in ("teacher", "distill")}
    task = {k: v for k, v in task.items() if k not in PRUNING_ONLY}
    return [("the training loop", loop, MEANINGS), ("frame interpolation", {**run, **task, **clips}, MEANINGS),
            ("the net of a new run (with init_from, its card's: only prior may change it)",
             {name: config.get(name) for name in NET_OPTIONS}, MEANINGS)]


def unknown_options(unknown, known, what: str, commands: tuple[str, ...], inner=None) -> VsrAppError:
    """The error for options nothing reads (a misspelling): each with the known ones it is close to, or the option it
    goes inside (`inner`: {key: the option whose object takes it}, as {"scale": "net_config"}), and the command that
    lists them all."""
    named = _with_near(unknown, known, inner)
    listed = " or ".join(f"`{LISTED_BY.format(command)}`" for command in commands)
    return VsrAppError(f"unknown {what}: {named}; {listed} lists every option")


def check_net_options(net_config: dict, takes, what: str, arch: str) -> None:
    """Refuse a net_config key the net's constructor does not take, naming the ones it does, before anything is built
    or read (it was a TypeError from the constructor: "got an unexpected keyword argument")."""
    unknown = set(net_config) - set(takes)
    if unknown:
        verb = "is not an option" if len(unknown) == 1 else "are not options"
        raise VsrAppError(f"{what}: {_with_near(unknown, takes)} {verb} of {arch}, which takes {', '.join(takes)}")


def _with_near(unknown, known, inner=None) -> str:
    """"bach (did you mean 'batch'?), scale is a net_config option: {"net_config": {"scale": ...}}, foo": the unknown
    names, sorted, each with the names it is close to, or the `inner` option it is (a net_config key given at the
    top: "scale" was offered as 'cache', a misspelling of a top-level option) or may be."""
    inner = inner or {}
    named = []
    for key in sorted(unknown):
        if key in inner:
            named.append(f"{key} is {_inside(key, inner[key], ':')}")
            continue
        near = [repr(name) for name in difflib.get_close_matches(key, list(known), n=2)]
        inside = [] if near else difflib.get_close_matches(key, list(inner), n=1)
        if near:
            key += f" (did you mean {' or '.join(near)}?)"
        elif inside:
            key += f" ({_inside(inside[0], inner[inside[0]], '?')})"
        named.append(key)
    return ", ".join(named)


def _inside(key: str, outer: str, mark: str) -> str:
    """'a net_config option: {"net_config": {"scale": ...}}' (`mark` ':' or, for a close match, '?'): where `key`
    goes, inside the option `outer`."""
    return f'a {outer} option{mark} {{"{outer}": {{"{key}": ...}}}}'
