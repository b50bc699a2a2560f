"""Training options: the loop's own (`LoopConfig`) and the checks every option goes through before a run starts.

No torch here: the tasks, the run set-up and the Train tab read these without loading the training loop.
"""
from __future__ import annotations

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
        """(loop config, the remaining task options) from one flat dict."""
        names = {f.name for f in fields(cls)}
        check_types(options, asdict(cls()), "training option")
        loop = cls(**{k: v for k, v in options.items() if k in names})
        return loop, {k: v for k, v in options.items() if k not in names}


def cap_warmup(options: dict) -> None:
    """A new run's warm-up takes at most a tenth of it, so a short run (a quick try of a few hundred steps) still
    reaches the learning rate asked for. Set once, when the run starts and its options are saved: a resumed or
    extended run keeps its schedule."""
    steps = options.get("steps", LoopConfig.steps)
    warmup = options.get("warmup", LoopConfig.warmup)
    if isinstance(steps, int) and isinstance(warmup, int) and warmup > max(1, steps // 10):
        options["warmup"] = max(1, steps // 10)


# the least each number may be: below it a run crashes deep inside, or trains nothing and says it finished
LOWEST = {"steps": 1, "batch": 1, "frames": 2, "patch": 8, "crop": 16, "log_every": 1, "val_every": 0, "warmup": 1,
          "threads": 0, "workers": 0, "val_frames": 1, "val_triplets": 1, "cache_batches": 1, "ckpt_every_s": 0, "lap_levels": 1,
          "burn_in": 0, "val_restart": 0, "prune_prox_steps": 1, "prune_threshold": 0, "prune_lambda": 0,
          "tap_batches": 1, "min_width": 1, "seed": 0, "weight_decay": 0}
POSITIVE = ("lr", "grad_clip")
HIGHEST = {"seed": 2**63 - 1}  # torch's and numpy's generators take no more
# shares and ratios: a negative min_lr_ratio gave negative learning rates, the net trained away from its targets
FRACTIONS = ("min_lr_ratio", "still_fraction")
CHOICES = {"amp": ("auto", "bf16", "fp16", "none")}  # anything else ("fp32") ran as auto: bf16 where the CPU has it


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
