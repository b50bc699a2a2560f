"""Frame-interpolation Task for the shared training loop (`vsr_app.distill.train`).

One class covers the three VFI runs, which differ only in loss and optimiser:
- teacher / plain student (`distill="none"`): Lap(net, truth);
- Laplacian distillation (`distill="laplacian"`): w_gt*Lap(student, truth) + w_teacher*Lap(student, teacher),
  0.1 and 1 by default as in ST-MFNet Mini; the teacher runs in eval mode under no_grad;
- sparsity fine-tuning before pruning (`sparsity=...`): Lap(net, truth) through OBProx-SG.

Batches are 7-frame HR clips from `HRClipSampler` (random crops, scale jitter, flips, transposition,
temporal reversal, frame-stride jitter for motion size): inputs are frames 1, 3, 5, 7 and the
target is frame 4 (1-based), so the net learns to halve a gap twice as long as the source's. A video's
clips are evenly spaced in time (`even_times`): across a dropped frame or a variable-frame-rate stretch
frame 4 is not the temporal middle of frames 3 and 5.
Validation scores Y-PSNR on fixed triplets from held-out videos (never the eval benchmarks), centred only where
their 7 frames are evenly spaced in time too.
`train_vfi` sets up a `train vfi` run; `prune_run` sets up a `prune vfi` one on this task.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from torch import nn

from vsr_app.distill.checkpoint import check_asked_steps, check_steps
from vsr_app.distill.data import HRClipSampler, batch_rng, to_frames, to_tensor
from vsr_app.distill.flowguide import flow_guide_loss, middle_flows, warmup_weight
from vsr_app.distill.laplacian import laplacian_loss
from vsr_app.distill.prune import SparsityController, initial_lambda, make_obproxsg
from vsr_app.distill.options import (DISTILL_MODES, LOOP_OPTIONS, LoopConfig, cap_resumed_warmup, cap_warmup,
                                    check_types, unknown_options)
from vsr_app.distill.runs import (PRUNE_VAL, PRUNED_NET, RESUME_COMMANDS, TASK_KEY, absolute_if_path,
                                  absolute_paths, check_new_run, check_resumable, check_run_task, claimed_run_dir,
                                  config_task, kept_pruned_net, prune_command, resumed_config, resumed_data,
                                  resumed_teacher, resumed_val, saved_options_checked, say_unused)
from vsr_app.distill.sources import (Source, check_data, check_held_out, held_out, load_sources,
                                     load_validation)
from vsr_app.distill.train import train
from vsr_app.distill.weights import card_net, load_teacher, start_card, start_weights, with_start_weights
from vsr_app.errors import VsrAppError
from vsr_app.media import first_names
from vsr_app.metrics import psnr_y
from vsr_app.models import build_arch, check_net_runs, count_params

INPUT_IDX = [0, 2, 4, 6]
TARGET_IDX = 3
CLIP_FRAMES = 7  # a sample's frames: the inputs and the target between them


@dataclass
class VFIConfig:
    """Task options (the loop's own options - lr, steps, precision - live in its config).

    The data defaults are the shipped student's recipe (configs/vfi/round_lm/student_s1.json; docs/RESULTS.md,
    sessions 4 and 5): 128-px crops, as 64-px ones give the DIS prior too little context, and large motion (strides
    up to 4, stills panning up to 12 px a frame, clips of at least 2 px mean flow), as nets trained on a few pixels of
    motion lost ~5 dB on large motion. A pruning takes them too (not configs/vfi/prune.json's 64-px data, chosen for
    the block-matching teacher pruned then), and that file's tap pruning, as the shipped student was pruned."""

    crop: int = 128
    batch: int = 4
    still_fraction: float = 0.4
    max_stride: int = 4
    scale_jitter: list[float] = field(default_factory=lambda: [0.5, 1.0])  # area-downscale range of each crop
    still_shift: float = 12.0  # stills' pseudo-clips: max camera speed, pixels per frame
    exclude: list[str] = field(default_factory=list)  # source names left out of training (held out for validation)
    # motion-biased sampling: up to `motion_tries` draws per clip, keeping the first whose mean DIS flow
    # (middle frame -> t1) is at least `min_motion` pixels (0: off)
    min_motion: float = 2.0
    motion_tries: int = 3
    # flow-guided warm-up (vsr_app.distill.flowguide): weight at step 0, decaying to 0 at `flow_steps`
    flow_weight: float = 0.0
    flow_steps: int = 0
    lap_levels: int = 5
    lap_weights: list[float] | None = None  # default 2**i per level
    w_gt: float = 0.1  # Laplacian distillation: weight of Lap(student, truth)
    w_teacher: float = 1.0  # and of Lap(student, teacher)
    val_triplets: int = 6  # per validation video
    val_crop: int = 0  # centre crop of validation frames (0: whole frames)
    # sparsity fine-tuning (pruning)
    prune_lambda: float = 0.0  # 0: start from `initial_lambda`
    prune_prox_steps: int = 600
    prune_threshold: float = 1e-4  # |w| below it is zero when the widths are planned
    target_params_ratio: float = 0.1
    min_width: int = 4
    # tap pruning after the width pruning (vsr_app.distill.taps): keep the most-used taps holding this
    # share of the softmax weight per scale, measured over `tap_batches` training batches (0: keep all); 0.9 and 16
    # as the shipped student was pruned (configs/vfi/prune.json): the teacher's 25, 25 and 9 taps became 1 each
    tap_mass: float = 0.9
    tap_batches: int = 16


# The options whose defaults commit 2e127e0 changed (to the shipped student's recipe above), at the defaults they had
# before it. A run's config.json held only the options given, so a run begun before the change and resumed after it
# would have trained on 128-px crops (4x the pixels a sample: memory, time left) and, a pruning, cut its taps, while
# its card claimed the old options. A new run now writes these keys (`keep_changed_defaults`), and a resumed run
# that lacks them takes them from here: no change of defaults alters a run once started.
LEGACY_VFI_DEFAULTS = {"crop": 64, "max_stride": 2, "still_fraction": 0.2, "still_shift": 3.0,
                       "scale_jitter": [0.6, 1.0], "min_motion": 0.0, "motion_tries": 1}
LEGACY_PRUNE_DEFAULTS = {**LEGACY_VFI_DEFAULTS, "tap_mass": 0.0, "tap_batches": 8}


def keep_changed_defaults(options: dict, task: str, resume: bool, log) -> None:
    """Put into a run's `options` (its config.json's) each option of the legacy table for `task` ("vfi" or "prune")
    that they lack: a new run's at today's default, a resumed run's (begun before 2e127e0) at the default it began
    with, which is said."""
    legacy = LEGACY_PRUNE_DEFAULTS if task == "prune" else LEGACY_VFI_DEFAULTS
    missing = [key for key in legacy if key not in options]
    defaults = legacy if resume else asdict(VFIConfig())
    options.update({key: copy.deepcopy(defaults[key]) for key in missing})
    if resume and missing:
        kept = ", ".join(f"{key} {json.dumps(legacy[key])}" for key in missing)
        log(f"{task}: this run began under the earlier defaults and keeps the options it started with: {kept}")


VAL_MAX_FRAMES = 300  # of a validation clip: 10 s at 30 frames/s, over which its triplets are spread


def validation_clip(path: str, log=lambda _: None) -> Source:
    """The first VAL_MAX_FRAMES frames of a validation clip (and their times), refused in one line unless it is one
    sequence of at least 7 frames with 7 in a row evenly spaced in time. Only a few triplets are scored: a long clip
    decoded whole took gigabytes beside the training data (and, past the memory budget, was split into runs and
    refused as not one sequence). `log` (the run's) hears of frames that show damage the decoder concealed."""
    sources = load_validation(path, max_frames=VAL_MAX_FRAMES, log=log)
    if len(sources) > 1:
        raise VsrAppError(f"validation clip {path} is not one video or frame sequence (its images do not follow "
                          f"each other)")
    clip = sources[0]
    if len(clip.frames) < CLIP_FRAMES:  # a triplet takes frames c-3 .. c+3
        raise VsrAppError(f"validation clip {path} has {len(clip.frames)} frame(s); it needs at least {CLIP_FRAMES}")
    if not len(_even_centres(clip)):
        raise VsrAppError(f"validation clip {path} has no {CLIP_FRAMES} frames in a row evenly spaced in time in its "
                          f"first {len(clip.frames)} (dropped frames, variable frame rate); give a steadier clip")
    return clip


def _even_centres(clip: Source) -> np.ndarray:
    """The frames a triplet can be centred on: those whose 7 frames are evenly spaced in time, as in training, so the
    truth is the temporal middle of its inputs."""
    return clip.clip_starts(CLIP_FRAMES, 1, even=True) + TARGET_IDX


def check_crops(cfg: VFIConfig, multiple: int) -> None:
    """Refuse crops the net cannot take (it works down to 1/`multiple` scale): an odd 'crop' crashed in the first
    step with a torch traceback, a 'val_crop' below `multiple` after the first step's validation."""
    if cfg.crop % multiple:
        fits = max(multiple, cfg.crop // multiple * multiple)
        raise VsrAppError(f"option 'crop' must be a multiple of {multiple} (the net works down to 1/{multiple} "
                          f"scale), not {cfg.crop}: use {fits} or {fits + multiple}")
    if 0 < cfg.val_crop < multiple:
        raise VsrAppError(f"option 'val_crop' must be 0 (whole frames) or at least {multiple}, not {cfg.val_crop}")


def validation_centres(clip: Source, count: int) -> np.ndarray:
    """`count` triplet centres spread over the clip, each moved to the nearest evenly spaced one (earlier on a tie):
    where a clip is evenly spaced throughout they are where they always were, so earlier runs' scores still compare."""
    spread = np.linspace(TARGET_IDX, len(clip.frames) - 1 - TARGET_IDX, count).astype(int)
    even = _even_centres(clip)
    return even[np.abs(even[:, None] - spread).argmin(0)]


@dataclass
class VFITask:
    """Task protocol implementation for x2 frame interpolation (see module docstring)."""

    net: nn.Module
    data: list[str]
    card_info: dict
    teacher: nn.Module | None = None
    distill: str = "none"
    sparsity: bool = False
    val_videos: list[str] = field(default_factory=list)
    cfg: VFIConfig = field(default_factory=VFIConfig)
    log: object = print
    name: str = "vfi"
    # a resumed pruning's checkpoint step: OBProx-SG's steps taken where its checkpoint predates saving them
    sparsity_resumed_at: int = 0

    def __post_init__(self):
        if self.distill not in DISTILL_MODES["vfi"]:
            raise VsrAppError(f"frame interpolation distills with 'laplacian' or 'none', not '{self.distill}'")
        if self.distill == "laplacian" and self.teacher is None:
            raise VsrAppError("Laplacian distillation needs a teacher")
        self._sampler: HRClipSampler | None = None
        self._val: list[tuple[np.ndarray, np.ndarray]] | None = None
        self.controller: SparsityController | None = None
        self._val_triplets()  # now: a bad validation clip must stop the run before training, not at its first check

    # -- what the loop trains and keeps fixed ----------------------------------------------------
    def modules(self) -> dict[str, nn.Module]:
        return {"model": self.net}

    def frozen(self) -> dict[str, nn.Module]:
        return {"teacher": self.teacher} if self.distill == "laplacian" else {}

    # -- data --------------------------------------------------------------------------------------
    def sampler(self) -> HRClipSampler:
        if self._sampler is None:
            sources = load_sources(self.data, log=self.log)
            exclude = set(self.cfg.exclude)
            kept = [s for s in sources if not held_out(s.name, exclude)]
            if exclude:
                self.log(f"data: {len(sources) - len(kept)} source(s) held out of training: {sorted(exclude)}")
            kept = _with_clips(kept, self.log)
            self._sampler = HRClipSampler(kept, still_fraction=self.cfg.still_fraction,
                                          scale_jitter=tuple(self.cfg.scale_jitter), max_shift=self.cfg.still_shift,
                                          max_stride=self.cfg.max_stride, even_times=True)
            self._sampler.say_small(self.cfg.crop, self.log, "\"crop\" (the Train tab's Crop size)")
        return self._sampler

    def _clip(self, sampler: HRClipSampler, rng, want_flow: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """One 7-frame clip (motion-biased when configured) and, when wanted, its middle-frame flows."""
        tries = max(1, self.cfg.motion_tries) if self.cfg.min_motion > 0 else 1
        for _ in range(tries):
            clip = sampler.sample(rng, CLIP_FRAMES, self.cfg.crop)
            flow = middle_flows(clip, TARGET_IDX, INPUT_IDX[1], INPUT_IDX[2]) if want_flow or tries > 1 else None
            if tries == 1 or float(np.abs(flow[1]).max(0).mean()) >= self.cfg.min_motion:
                break
        return clip, flow

    def batches(self, seed: int, rank: int, world: int, start: int = 0) -> Iterator[dict[str, torch.Tensor]]:
        """Endless; batch k is a pure function of (seed, rank, k), so resumed runs see the same data."""
        sampler = self.sampler()
        step = start
        while True:
            rng = batch_rng(seed, rank, step)
            want_flow = warmup_weight(step, self.cfg.flow_weight, self.cfg.flow_steps) > 0
            items = [self._clip(sampler, rng, want_flow) for _ in range(self.cfg.batch)]
            clips = to_tensor(np.stack([c for c, _ in items]))
            batch = {"frames": clips[:, INPUT_IDX], "target": clips[:, TARGET_IDX]}
            if want_flow:
                batch["flow"] = torch.from_numpy(np.stack([f for _, f in items]))
            yield batch
            step += 1

    # -- objective ---------------------------------------------------------------------------------
    def _lap(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return laplacian_loss(a, b, self.cfg.lap_levels, self.cfg.lap_weights)

    def loss(self, batch, step: int) -> tuple[torch.Tensor, dict[str, float]]:
        flow_w = warmup_weight(step, self.cfg.flow_weight, self.cfg.flow_steps) if "flow" in batch else 0.0
        if flow_w > 0:
            out, aux = self.net(batch["frames"], return_aux=True)
        else:
            out = self.net(batch["frames"])
        lap_gt = self._lap(out, batch["target"])
        if self.distill == "none":
            total, terms = lap_gt, {"lap_gt": float(lap_gt.detach())}
        else:
            self.teacher.eval()
            with torch.no_grad():
                teacher_out = self.teacher(batch["frames"])
            lap_t = self._lap(out, teacher_out)
            total = self.cfg.w_gt * lap_gt + self.cfg.w_teacher * lap_t
            terms = {"lap_gt": float(lap_gt.detach()), "lap_teacher": float(lap_t.detach())}
        if self.cfg.flow_weight > 0:
            terms["flow_w"] = flow_w
        if flow_w > 0:
            flow_l = flow_guide_loss(aux["displacement"], batch["flow"])
            total = total + flow_w * flow_l
            terms["flow_l1"] = float(flow_l.detach())
        return total, terms

    def make_optimizer(self, params, cfg) -> torch.optim.Optimizer | None:
        """OBProx-SG (with its lambda controller) for sparsity runs; the loop's default otherwise."""
        if not self.sparsity:
            return None
        lam = self.cfg.prune_lambda or initial_lambda(self.net, cfg.lr, self.cfg.prune_prox_steps,
                                                      self.cfg.target_params_ratio ** 0.5)  # params ~ width^2
        opt = make_obproxsg(self.net, lr=cfg.lr, lambda_=lam, prox_steps=self.cfg.prune_prox_steps)
        target = int(self.cfg.target_params_ratio * count_params(self.net))
        self.controller = SparsityController(self.net, opt, target, self.net.rebuild,
                                             min_width=self.cfg.min_width)
        return opt

    def extra_state(self) -> dict:
        """OBProx-SG's steps taken (its phase: a step whose loss was not finite took none) and the last planned size,
        which are not among its tensors: a resumed pruning goes on where it stopped."""
        if self.controller is None:
            return {}
        return {"sparsity_steps_done": self.controller.opt.steps_done, "planned_params": self.controller.planned}

    def load_extra_state(self, state: dict) -> None:
        if self.controller is not None:
            self.controller.opt.steps_done = int(state.get("sparsity_steps_done", self.sparsity_resumed_at))
            self.controller.planned = int(state.get("planned_params", self.controller.planned))

    def after_step(self, step: int, terms: dict) -> None:
        if self.controller is not None:
            self.controller.update(step)
            terms["planned_params"] = float(self.controller.planned)
            terms["lambda"] = float(self.controller.opt.param_groups[0]["lambda_"])

    # -- validation and export ---------------------------------------------------------------------
    def _val_triplets(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Fixed (4 input frames, truth) pairs spread over each validation video where its frames are evenly spaced in
        time (`validation_centres`), cropped to a multiple of the net's `size_multiple` (8: its encoder works down
        to 1/8 scale)."""
        if self._val is None:
            self._val = []
            for path in self.val_videos:
                clip = validation_clip(path, self.log)
                frames = clip.frames
                m = self.net.size_multiple
                if self.cfg.val_crop:
                    h, w = frames[0].shape[:2]
                    ch, cw = min(h, self.cfg.val_crop), min(w, self.cfg.val_crop)
                    y, x = (h - ch) // 2, (w - cw) // 2
                    frames = [f[y:y + ch, x:x + cw] for f in frames]
                frames = [f[: f.shape[0] // m * m, : f.shape[1] // m * m] for f in frames]
                for c in validation_centres(clip, self.cfg.val_triplets):
                    self._val.append((np.stack([frames[c + d] for d in (-3, -1, 1, 3)]), frames[c]))
        return self._val

    def validate(self) -> dict[str, float]:
        """Y-PSNR of the net and of a blend on the fixed triplets; the loop puts the net in eval mode under no_grad."""
        triplets = self._val_triplets()
        if not triplets:
            return {}
        device = next(self.net.parameters()).device
        scores, blend = [], []
        for inputs, truth in triplets:
            pred = to_frames(self.net(to_tensor(inputs)[None].to(device))[0])
            scores.append(psnr_y(pred, truth))
            blend.append(psnr_y(((inputs[1].astype(np.uint16) + inputs[2] + 1) // 2).astype(np.uint8), truth))
        return {"val_psnr": float(np.mean(scores)), "val_psnr_blend": float(np.mean(blend))}

    def card(self) -> dict:
        return {**self.card_info, "task": "interpolate", "scale": 2}


# ---- runs: what `vsr-app train vfi` and `vsr-app prune vfi` do --------------------------------------

NET_OPTIONS = ("base", "kernel", "kernels", "mix", "corr", "coarse_flow", "bm_prior", "prior")
RUN_OPTIONS = ("val_videos",)
OPTIONS = (*LOOP_OPTIONS, *VFIConfig.__dataclass_fields__, *NET_OPTIONS, *RUN_OPTIONS)  # what train and prune vfi take


def split_options(options: dict) -> tuple[LoopConfig, VFIConfig, dict]:
    loop, rest = LoopConfig.split(options)
    task_names = set(VFIConfig.__dataclass_fields__)
    unknown = set(rest) - set(OPTIONS)
    if unknown:
        raise unknown_options(unknown, OPTIONS, "training options for frame interpolation", ("train vfi", "prune vfi"))
    check_types(rest, asdict(VFIConfig()), "frame-interpolation training option")
    return loop, VFIConfig(**{k: v for k, v in rest.items() if k in task_names}), rest


def run_config(run_dir: Path, resume: bool, fresh: dict, log) -> dict:
    """The run's settings, in a run folder the caller has claimed (`claimed_run_dir`): read back on --resume
    (`resumed_config`: so the run continues as it began), else `fresh` once the folder is known to be free. The loop
    saves them once its first batch is in hand, so a start refused on the way (a bad validation clip, a teacher that
    cannot teach, unreadable data) leaves nothing behind. Either way they hold the options whose defaults have
    changed (`keep_changed_defaults`)."""
    if resume:
        check_resumable(run_dir)
        saved = resumed_config(run_dir, log)
        check_run_task(run_dir, config_task(saved), fresh[TASK_KEY])
        with saved_options_checked(run_dir):
            split_options(saved["options"])
        if fresh["options"].get("steps"):  # extends a finished run, or shortens one (its warm-up capped to fit)
            asked = {**saved["options"], "steps": fresh["options"]["steps"]}
            cap_resumed_warmup(asked, saved["options"])
            saved["options"] = asked
        cfg = {TASK_KEY: fresh[TASK_KEY], **saved}  # an older run's config.json, saved again, says its task too
    else:
        check_new_run(run_dir)
        cfg = fresh
    keep_changed_defaults(cfg["options"], fresh[TASK_KEY], resume, log)
    return cfg


def _with_clips(sources: list, log) -> list:
    """The sources a sample can be cut from. A sequence shorter than a sample would be played back and forth, so the
    target would not lie between its inputs (a 2-frame video gives four copies of one frame, the other as the
    target); a video with no run of 7 frames evenly spaced in time (dropped frames or a variable frame rate
    throughout) has no sample whose target is its inputs' temporal middle. Both are left out, and named. Stills
    move along a made-up camera path: any will do."""
    kept, none = [], []
    for s in sources:
        (kept if s.is_still or len(s.clip_starts(CLIP_FRAMES, 1, even=True)) else none).append(s)
    short = [s.name for s in none if len(s.frames) < CLIP_FRAMES]
    if short:
        log(f"data: {len(short)} sequence(s) shorter than the {CLIP_FRAMES} frames an interpolation sample spans, "
            f"left out: {first_names(short)}")
    uneven = [s.name for s in none if len(s.frames) >= CLIP_FRAMES]
    if uneven:
        log(f"data: {len(uneven)} video(s) with no {CLIP_FRAMES} frames in a row evenly spaced in time (dropped "
            f"frames, variable frame rate), left out: {first_names(uneven)}")
    if not kept:
        raise VsrAppError(f"nothing to train frame interpolation on: every sequence is shorter than {CLIP_FRAMES} "
                          f"frames or has no {CLIP_FRAMES} evenly spaced in time, and there are no still images")
    return kept


def student_or_teacher_net(options: dict, resumed: Path | None = None) -> tuple[nn.Module, dict]:
    """The net a run trains: a resumed run's own (its card: the `init_from` it began from may be gone since), else
    the architecture of `init_from`'s card when given (a pruned student), else a teacher."""
    own = resumed / "model.json" if resumed else None
    if own and own.is_file():  # written with every checkpoint
        return _net_of_card(card_net(own, f"the card of {resumed / 'model.safetensors'}"), options)
    init = options.get("init_from")
    if init:
        check_start_exists(start_weights(init))
        card = start_card(init)
        if card is None:
            raise VsrAppError(f"{init}: no model card beside it, cannot tell which net to build")
        net, arch = _net_of_card(card[1], options)
        if not hasattr(net, "num_inputs"):  # an upscaler's weights, picked as "Start from": no traceback later
            raise VsrAppError(f"init_from {init} holds a {arch['arch']} net, which does not interpolate frames: start "
                              "from a frame interpolation model (a pruned net, vfi-x2-student or a vfi run's model)")
        return net, arch
    # explicit in the card; new nets default to per-scale kernels 5, 5, 3, the Stage-I mix and the DIS prior
    kernels = options.get("kernels") or ([options["kernel"]] * 3 if "kernel" in options else [5, 5, 3])
    config = {"base": options.get("base", 32), "kernels": list(kernels), "mix": bool(options.get("mix", True)),
              "corr": bool(options.get("corr", True)), "coarse_flow": bool(options.get("coarse_flow", True)),
              "bm_prior": bool(options.get("bm_prior", True)), "prior": options.get("prior", "dis")}
    return build_arch("vfi_stmfnet", config), {"arch": "vfi_stmfnet", "config": config}


def check_start_exists(path: str, what: str = "init_from") -> None:
    """Refuse a start net that is not there, saying why where it can: a pruning run being extended has renamed its
    pruned net with the step it was made at, until the new one is written."""
    if Path(path).is_file():
        return
    kept = kept_pruned_net(Path(path).parent)
    while_extended = (f": the pruning run there is being extended, and its pruned net of step {kept[1]} is "
                      f"{kept[0].name} until the new one is written" if Path(path).name == PRUNED_NET and kept else "")
    raise VsrAppError(f"{what} not found: {path}{while_extended}")


def _net_of_card(described: dict, options: dict) -> tuple[nn.Module, dict]:
    """The net a model card describes (`weights.card_net`); the options may switch its `prior`."""
    config = {**described["config"], **({"prior": options["prior"]} if "prior" in options else {})}  # may switch
    return build_arch(described["arch"], config), {"arch": described["arch"], "config": config}


def load_vfi_teacher(teacher: str) -> nn.Module:
    loaded = load_teacher(teacher, "interpolate")
    if loaded.task != "interpolate" or getattr(loaded.net, "num_inputs", 0) != 4:
        raise VsrAppError(f"'{teacher}' is not a 4-frame interpolation net: only such a net can be a teacher")
    return loaded.net


def train_vfi(data: list[str], out: str | Path, teacher: str | None = None, distill: str = "none",
              steps: int | None = None, resume: bool = False, options: dict | None = None, log=print) -> Path | None:
    """Train (or resume) a VFI teacher or student in `out`; returns the exported model path (None: a finished run
    resumed, nothing trained)."""
    if distill not in DISTILL_MODES["vfi"]:
        raise VsrAppError(f"frame interpolation distills with --distill laplacian (or none), not '{distill}'")
    run_dir = Path(os.path.abspath(out))  # absolute: the card names the run (`--out .`), it resumes from anywhere
    if not resume:
        check_data(data, run_dir)  # before the run folder is made
    with claimed_run_dir(run_dir):  # before config.json is written: a second trainer on this folder stops here
        return _train_vfi(data, run_dir, teacher, distill, steps, resume, options, log)


def _train_vfi(data, run_dir: Path, teacher, distill, steps, resume, options, log) -> Path | None:
    fresh_options = dict(options or {})
    if steps:
        fresh_options["steps"] = steps
    if not resume:
        cap_warmup(fresh_options)
    fresh_options = absolute_paths(with_start_weights(fresh_options))  # like the data: resumable from any folder
    cfg = run_config(run_dir, resume, {TASK_KEY: "vfi", "data": [os.path.abspath(d) for d in data or []],
                                        "teacher": absolute_if_path(teacher), "distill": distill,
                                        "name": run_dir.name, "options": fresh_options}, log)
    if resume:
        check_asked_steps(run_dir, fresh_options.get("steps"))
        resume_paths(cfg, data, teacher, fresh_options, "distils from", run_dir, log)
    loop, task_cfg, rest = split_options(cfg["options"])
    if resume:
        check_steps(run_dir, loop.steps)
    if distill == "laplacian" and not cfg["teacher"]:
        raise VsrAppError("--distill laplacian needs --teacher NAME|PATH")
    torch.manual_seed(loop.seed)  # before the net is built: same seed, same initial weights (as VSR runs)
    net, arch = student_or_teacher_net(cfg["options"], run_dir if resume else None)
    multiple = int(getattr(net, "size_multiple", 8))
    check_crops(task_cfg, multiple)
    size = 8 * multiple
    check_net_runs(net, torch.zeros(1, net.num_inputs, 3, size, size), f"the {arch['arch']} config "
                   f"{json.dumps(arch['config'])}")
    teacher_net = load_vfi_teacher(cfg["teacher"]) if cfg["distill"] == "laplacian" else None
    card = {"name": cfg.get("name") or run_dir.name, **arch}
    task = VFITask(net, cfg["data"], card, teacher=teacher_net, distill=cfg["distill"],
                   val_videos=rest.get("val_videos", []), cfg=task_cfg, log=log)
    meta = {"task": "vfi", "data": cfg["data"], "teacher": cfg["teacher"], "distill": cfg["distill"],
            "options": cfg["options"]}
    if not resume and teacher_net is not None and not loop.init_from:
        log(teacher_sized_note(cfg["teacher"], cfg["data"], count_params(net)))
    if resume:
        loop.init_from = None  # the checkpoint holds the weights
    log(f"vfi: training {count_params(net):,}-parameter net ({arch['arch']}), distill={cfg['distill']}")
    return train(task, loop, run_dir, resume=resume, meta=meta, log=log, run_config=cfg)


def teacher_sized_note(teacher: str, data: list[str], params: int) -> str:
    """What a distillation run without init_from trains: a new net of the teacher's design, not the compact student
    `train --help` opens with, which is made by pruning the teacher first (the Train tab's Start from note says so
    too)."""
    pruned = f"PRUNE_RUN/{PRUNED_NET}"
    return (f"vfi: without init_from this trains a new net of the teacher's design ({params:,} parameters; at the "
            f"default base 32, the teacher's size), not a compact student. For a compact student like vfi-x2-student, "
            f"prune the teacher first: {prune_command(teacher, data, 'PRUNE_RUN')}, then train with "
            f"{{\"init_from\": \"{pruned}\"}} in --config")


def resume_paths(cfg: dict, data, teacher: str | None, asked: dict, verb: str, run_dir: Path, log) -> None:
    """A resumed run's data, teacher and validation clips in `cfg`: its own, or where one is gone (moved), the new
    place given (--data, --teacher, --val), which the run then keeps. `verb`: what the run does with its teacher."""
    say_unused(cfg["options"], asked, run_dir, log, RESUME_COMMANDS[cfg[TASK_KEY]], OPTIONS)
    saved_data, saved_val = cfg["data"], cfg["options"].get("val_videos") or []
    cfg["data"] = resumed_data(cfg["data"], data, run_dir, log, check=check_data)
    if cfg["teacher"]:
        cfg["teacher"] = resumed_teacher(cfg["teacher"], teacher, verb, log)
    exclude = cfg["options"].get("exclude", [])  # checked as a new run's clips are
    option = PRUNE_VAL if cfg[TASK_KEY] == "prune" else "--val"
    val = resumed_val(saved_val, asked.get("val_videos"), run_dir, log,
                      check=lambda clips: check_held_out(clips, cfg["data"], exclude, option),
                      data_moved=cfg["data"] != saved_data, pruning=cfg[TASK_KEY] == "prune")
    if val:
        cfg["options"]["val_videos"] = val
