"""The VSR training task for the generic loop: teacher training, student training, and STD.

Options (flat dict, from `--config` JSON and the CLI):
  data: [dirs]            training folders (never an evaluation set)
  net: "student"|"teacher" which net to train; net_config: kwargs for it
  batch, frames, patch    clips per step, frames per clip, LR crop size (HR = 4x)
  burn_in                 frames the student runs before each clip's `frames`, without gradients (student only):
                          the trained frames then start from a state carried that long, as in a long video, where
                          the app carries it from the first frame. After the real-video stage, nets trained on 7
                          or 32-frame clips from a zero state had a state that went wrong after ~30 frames on still
                          fine stripes (docs/RESULTS.md, Rounds Y and Z), which no clip that short shows the loss.
                          The teacher's features come from the trained frames alone, as without a burn-in.
  distill: "none"|"std"|"space"|"time"|"output"; teacher: model name or .safetensors path
  lambda_space, lambda_time  STD weights
  lambda_output           weight of plain output distillation ("output": Charbonnier to the teacher's frames
                          beside the one to the truth), the baseline STD is measured against
  attention_center        remove each feature channel's spatial mean before the attention maps
  time_input: "proj"|"attn"  what the shared ConvLSTM sees (see below)
  time_pool               average-pool factor of the HR features before the ConvLSTM (CPU cost)
  convlstm_hidden, freeze_threshold  ConvLSTM size; it is frozen once the time loss < threshold
  flow_loss               weight of the teacher's photometric flow loss (teacher only)
  val: [videos or frame folders]; val_frames  held-out clips for validation PSNR
  val_restart             with val_frames well above it, a second validation PSNR, `val_psnr_restarted`, with the
                          state restarted every `val_restart` frames (0: none). A recurrent net's `val_psnr` below
                          it is a carried state that goes wrong over long streams, which a short clip cannot show
                          (`benchmarks/vsr_long_stream.py` measures the same on whole clips)
  val_crop                side of the centre crop, in pixels of the clip's frames, that validation scores (0: whole
                          frames, as `eval vsr` scores them); each validation record says it, beside
                          `val_psnr_bicubic`: the built-in bicubic's score on the same frames, the line to beat
  degrade                 {compress_p, crf, noise_p, noise_sigma}: degrade part of the training inputs like
                          real video (`degrade.DegradationMix`; null = clean bicubic only). A teacher then sees
                          the clean input: it was trained on clean inputs, and its hints should say where the
                          true detail is, not where the artefacts are. Validation adds `val_psnr_crf26` (the
                          validation clips through libx264 at CRF 26).
  workers                 threads that make batches ahead of the loop (0: the loop makes each one itself); a
                          GPU outruns the clip sampling on one core. The batches are the same either way.
  cache, cache_batches    a fixed set of `cache_batches` batches stored in folder `cache`, with
                          the teacher's HR features when a teacher is given: built once (resumably),
                          then every run pointed at it trains on exactly those batches (an epoch
                          = cache_batches steps) without running the teacher again. This is what
                          makes the CPU ablation affordable: the teacher forward pass costs several
                          student steps. Build it with a distilling run first; runs without a
                          teacher read only the LR/HR pairs.

ConvLSTM input when teacher and student HR features have different channel counts:
- "proj": teacher features go in as they are; the student's go through a learned 1x1 projection
  (a training-only module, dropped at export, so the student's inference cost is unchanged);
- "attn": both nets' spatial attention maps (1 channel each, scaled to unit mean square) go in.
"""
from __future__ import annotations

import functools
import inspect
import itertools
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vsr_app.distill import data as D
from vsr_app.distill.degrade import DegradationMix, h264_round_trip
from vsr_app.distill.losses import attention_map, charbonnier, space_loss, time_loss
from vsr_app.distill.options import (DISTILL_MODES, LOOP_OPTIONS, check_net_options, check_types,
                                     unknown_options)
from vsr_app.distill.resize import downscale_x4
from vsr_app.distill.runs import read_json_object
from vsr_app.distill.sources import SEGMENT_FRAMES, load_sources, load_validation
from vsr_app.errors import VsrAppError
from vsr_app.files import atomic_write
from vsr_app.devices import autocast, autocast_dtype
from vsr_app.models import check_net_runs
from vsr_app.nets.convlstm import ConvLSTM
from vsr_app.nets.vsr_student import VSRStudent
from vsr_app.nets.ops import flow_warp
from vsr_app.nets.vsr_teacher import VSRTeacher

DEFAULTS = {
    "data": [], "net": "student", "net_config": {}, "batch": 8, "frames": 7, "patch": 32,
    # λ and the normalised time loss: the setting every measured ablation round used (docs/RESULTS.md, VSR)
    "distill": "none", "teacher": None, "lambda_space": 0.01, "lambda_time": 0.03, "lambda_output": 0.5,
    "time_input": "proj", "time_pool": 2, "convlstm_hidden": 8, "freeze_threshold": 1e-8,
    "flow_loss": 0.1, "val": [], "val_frames": 10, "still_fraction": 0.3,
    "workers": 0, "cache": None, "cache_batches": 500, "time_norm": True, "attention_center": False, "degrade": None,
    "burn_in": 0, "val_restart": 0, "val_crop": 384,  # a CIF clip whole, an HD one in bounded time (ARCHITECTURE)
}
OPTIONS = (*DEFAULTS, *LOOP_OPTIONS)  # every option `train vsr` takes
VAL_CRF = 26
VAL_CROP_MIN = 64  # HR pixels: the 16 input pixels a side `check_net_runs` proves the net runs on
NETS = {"student": ("vsr_student", VSRStudent), "teacher": ("vsr_teacher", VSRTeacher)}
RECURRENT_NETS = ("student",)  # nets that carry a state from frame to frame (what burn_in needs)
# The distillation modes each term runs in (`use_space`, `use_time`, `use_output`), and the options each term reads:
# in another mode they change nothing, and a card that listed them (time-term settings on a teacher trained with no
# distillation) read as if they had counted
SPACE_MODES, TIME_MODES, OUTPUT_MODES = ("std", "space"), ("std", "time"), ("output",)
DISTILL_OPTIONS = {"lambda_space": SPACE_MODES, "attention_center": (*SPACE_MODES, "time"),  # time: its "attn" input
                   "lambda_output": OUTPUT_MODES,
                   **dict.fromkeys(("lambda_time", "time_input", "time_pool", "time_norm", "convlstm_hidden",
                                    "freeze_threshold"), TIME_MODES)}
NET_ONLY_OPTIONS = {"flow_loss": ("teacher",), "burn_in": RECURRENT_NETS}  # options only these nets read
# Validation reads its clips at their own resolution, as `eval vsr` reads a benchmark, not shrunk as training data
# is (0.8x for carphone): until Round Z it was shrunk, and those runs' val_psnr are not comparable with later ones'
VAL_PRESCALE = False


def option_applies(key: str, distill, net) -> bool:
    """Whether a VSR training option means anything for a run of distillation mode `distill` training `net` (an
    unknown mode or net: every option does): what a card records and shows of a run."""
    modes, nets = DISTILL_OPTIONS.get(key), NET_ONLY_OPTIONS.get(key)
    return ((modes is None or not isinstance(distill, str) or distill in modes)
            and (nets is None or not isinstance(net, str) or net in nets))


def known_net(net) -> bool:
    """Whether `net` names one of NETS: options can give anything JSON holds, and a list or a dict looked up there
    raised a TypeError (unhashable) where a net name was expected ({"net": []} in the Train tab's Extra options)."""
    return isinstance(net, str) and net in NETS


def check_net(net) -> None:
    """Refuse a net that is not one of NETS, in one line (the trainer's, and the Train tab's parameter count's)."""
    if not known_net(net):
        raise VsrAppError(f"net must be one of {', '.join(NETS)}")


def build_net(net: str, net_config: dict) -> nn.Module:
    """The net `net` ("student", "teacher") with `net_config`, a key it does not take or a value it refuses said in
    one line (the trainer's and the Train tab's parameter count's)."""
    arch, cls = NETS[net]
    if not isinstance(net_config, dict):
        raise VsrAppError(f"net_config must be a JSON object (like {{\"channels\": 32}}), not {json.dumps(net_config)}")
    check_net_options(net_config, tuple(inspect.signature(cls).parameters), f"net_config for the {net}", arch)
    try:
        return cls(**net_config)
    except (TypeError, ValueError) as exc:  # a value the net refuses
        raise VsrAppError(f"net_config for the {net}: {exc}") from None


def student_or_teacher_net(options: dict) -> nn.Module:
    """The VSR net the options train, refused in one line as the trainer refuses it: an unknown net, a net_config it
    does not take, or a scale other than x4 (the degradation, validation and evaluation are x4). The trainer's and
    the Train tab's parameter count's, so the count is not shown for a net the trainer refuses."""
    net = options.get("net", DEFAULTS["net"])
    check_net(net)
    model = build_net(net, options.get("net_config", {}))
    if model.scale != 4:
        raise VsrAppError(f"VSR training is x4: net_config 'scale' must be 4, not {model.scale}")
    return model


def check_options(options: dict) -> None:
    """Refuse a task option nothing reads (a misspelling, a net's or a degradation's option given at the top) or a
    value of the wrong kind, before anything is built: the trainer's check, and the Train tab's at Start (refused by
    the trainer, it read there as a run that failed two seconds in). The loop's options are split off before."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        inner = {**{key: "net_config" for _, cls in NETS.values() for key in inspect.signature(cls).parameters},
                 **dict.fromkeys(DegradationMix.__dataclass_fields__, "degrade")}
        raise unknown_options(unknown, OPTIONS, "VSR training options", ("train vsr",), inner)
    check_types(options, DEFAULTS, "VSR training option")


def net_settings(net, net_config) -> dict | None:
    """Every constructor argument of the net, the defaults filled in (None for an unknown net): two configs that
    build the same net compare equal."""
    if not known_net(net) or not isinstance(net_config, dict):
        return None
    params = inspect.signature(NETS[net][1]).parameters
    return {"net": net, **{k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty},
            **net_config}


def _frames_for_validation(path: str, count: int, crop: int, log=lambda _: None) -> np.ndarray:
    """First `count` frames of a held-out video or frame folder, their centre `crop` px (`_crop_for_validation`). At
    the clip's own resolution, as evaluation reads a benchmark: the 0.8x prescale of the training data hid a carried
    state going wrong on carphone's fine stripes, which whole-resolution validation shows (docs/RESULTS.md, Round Z).
    `log` (the run's) hears of frames that show damage the decoder concealed, which are scored as eval scores them."""
    sources = load_validation(path, count, prescale=VAL_PRESCALE, log=log)
    seqs = [s for s in sources if not s.is_still]
    if not seqs:
        what = "a single frame" if len(sources) == 1 else "no video or frame sequence"
        raise VsrAppError(f"validation data {path} holds {what}; validation needs a video or frame sequence of 2 "
                          f"frames or more")
    if len(sources) > 1:  # only the first was scored, and the card named the folder as if all of it had been
        raise VsrAppError(f"validation data {path} holds {len(sources)} videos, sequences or stills; give one video "
                          "or frame sequence (each validation clip its own --val)")
    return _crop_for_validation(np.stack(seqs[0].frames[:count]), crop)


def _crop_for_validation(frames: np.ndarray, crop: int) -> np.ndarray:
    """The centre `crop` x `crop` px of the frames (0: whole frames), each side a multiple of 4 for the x4 downscale.
    The centre, not the top left the crop once took: a corner is often sky, a letterbox or a logo, and scored 1.3 dB
    above the whole clip on one. A side the crop spans whole is cut from its start, as `eval vsr` cuts it, so a crop
    as large as the frames scores what eval scores."""
    def kept(length: int) -> slice:
        size = (min(crop, length) if crop else length) // 4 * 4
        start = (length - size) // 2 if 0 < crop < length else 0
        return slice(start, start + size)

    return frames[:, kept(frames.shape[1]), kept(frames.shape[2])]


class VSRTask:
    name = "vsr"

    def __init__(self, options: dict, log=print):
        check_options(options)
        self.opt = {**DEFAULTS, **options}
        o = self.opt
        self.model = student_or_teacher_net(o)
        self.arch = NETS[o["net"]][0]
        if o["distill"] not in DISTILL_MODES["vsr"]:
            raise VsrAppError(f"VSR distillation must be one of {', '.join(DISTILL_MODES['vsr'])} (got {o['distill']})")
        if o["distill"] != "none" and not o["teacher"]:
            raise VsrAppError("distillation needs a teacher: pass --teacher NAME|PATH")
        if o["burn_in"] and o["net"] not in RECURRENT_NETS:
            raise VsrAppError("burn_in carries the recurrent student's state; the teacher sees whole clips both ways")
        if o["val_restart"] and o["val_restart"] >= o["val_frames"]:
            raise VsrAppError(f"val_restart ({o['val_restart']}) must be below val_frames ({o['val_frames']}): the "
                              f"restarted validation would be the plain one")
        if 0 < o["val_crop"] < VAL_CROP_MIN:
            raise VsrAppError(f"option 'val_crop' must be 0 (whole frames) or at least {VAL_CROP_MIN}, not "
                              f"{o['val_crop']}")
        if o["burn_in"] and o["cache"]:
            raise VsrAppError("burn_in does not work with a batch cache: its batches hold `frames` frames only")
        if o["cache"] and o["degrade"] is not None and o["distill"] == "output":
            raise VsrAppError("distill output with degrade does not work with a batch cache: the teacher's frames "
                              "are made from the clean inputs, which the cache does not keep")
        try:
            self.degrade = DegradationMix.from_options(o["degrade"])
        except (TypeError, ValueError) as exc:
            raise VsrAppError(f"degrade: {exc}") from None
        check_net_runs(self.model, torch.zeros(1, 2, 3, 16, 16), f"net_config {json.dumps(o['net_config'])}")
        self._frozen: dict[str, nn.Module] = {}
        self._modules: dict[str, nn.Module] = {"model": self.model}
        self.convlstm_frozen = False
        self.use_space = o["distill"] in SPACE_MODES
        self.use_time = o["distill"] in TIME_MODES
        self.use_output = o["distill"] in OUTPUT_MODES
        if o["distill"] != "none":
            from vsr_app.distill.weights import load_teacher

            teacher = load_teacher(o["teacher"], "upscale").net
            if getattr(teacher, "scale", None) != self.model.scale or not hasattr(teacher, "head"):
                raise VsrAppError(f"{o['teacher']} is not a x{self.model.scale} VSR net with HR features")
            self._frozen["teacher"] = teacher
        if self.use_time:
            t_ch, s_ch = self._frozen["teacher"].hr_channels, self.model.hr_channels
            if o["time_input"] == "proj":
                lstm_in = t_ch
                if s_ch != t_ch:
                    self._modules["proj"] = nn.Conv2d(s_ch, t_ch, 1)
            elif o["time_input"] == "attn":
                lstm_in = 1
            else:
                raise VsrAppError("time_input must be proj or attn")
            self._modules["convlstm"] = ConvLSTM(lstm_in, o["convlstm_hidden"])
        self.log = log
        self._sampler = None
        self._val = [(Path(p).stem, _frames_for_validation(p, o["val_frames"], o["val_crop"], log)) for p in o["val"]]
        self._bicubic: float | None = None  # val_psnr_bicubic: the frames do not change, nor does its score
        for path, (_, frames) in zip(o["val"], self._val):
            if len(frames) < o["val_frames"]:  # the card says val_frames: its scores are of fewer
                log(f"validation clip {path} has {len(frames)} frames, fewer than val_frames ({o['val_frames']}): it "
                    f"is scored on those {len(frames)}")
            if o["val_restart"] and o["val_restart"] >= len(frames):
                raise VsrAppError(f"val_restart ({o['val_restart']}) must be below the {len(frames)} frames of "
                                  f"validation clip {path}: the restarted validation would be the plain one")

    # -- protocol --------------------------------------------------------------------------------
    def modules(self):
        return self._modules

    def frozen(self):
        return self._frozen

    def make_optimizer(self, params, cfg):
        return None

    def sampler(self) -> D.HRClipSampler:
        if self._sampler is None:
            if not self.opt["data"]:
                raise VsrAppError("no training data: pass --data DIR")
            clip = self.opt["burn_in"] + self.opt["frames"]
            sources = load_sources(self.opt["data"], log=self.log, segment_frames=max(SEGMENT_FRAMES, clip))
            self._sampler = D.HRClipSampler(sources, still_fraction=self.opt["still_fraction"])
            self._sampler.say_small(self.opt["patch"] * 4, self.log, "\"patch\" (in low-resolution pixels, a "
                                                                     "quarter of the crop; the Train tab's Patch size)")
            self._sampler.say_short(clip, self.log, "\"frames\" or \"burn_in\" (the Train tab's Frames per clip or "
                                                    "Burn-in frames)")
        return self._sampler

    def batches(self, seed: int, rank: int, world: int, start: int = 0):
        o = self.opt
        if o["cache"]:
            cache = BatchCache(Path(o["cache"]), self, seed, build=rank == 0)
            step = start
            while True:
                yield cache.get((step * world + rank) % cache.count)
                step += 1
        make = functools.partial(D.vsr_batch_at, self.sampler(), seed, rank, o["batch"], o["burn_in"] + o["frames"],
                                 o["patch"], self.degrade)
        yield from D.prefetched(make, start, o["workers"]) if o["workers"] else map(make, itertools.count(start))

    def teacher_features(self, lr):
        with torch.no_grad():
            return self._frozen["teacher"](lr, return_features=True)[1]

    def teacher_output(self, t_feat, lr):
        """The teacher's frames from its HR features (cached or not) and the LR clip: the rest of its forward pass,
        [N,T,C,H,W] -> [N,T,3,H,W]."""
        head = self._frozen["teacher"].head
        with torch.no_grad():
            frames = head.frames(t_feat.flatten(0, 1).to(head.out_conv.weight.dtype), lr.flatten(0, 1).float())
            return frames.view(*t_feat.shape[:2], *frames.shape[1:])  # fp32, as the base is

    def _burn_in(self, batch):
        """The student run over each clip's first `burn_in` frames without gradients: (the rest of the batch, the
        state it leaves)."""
        k, state = self.opt["burn_in"], None
        with torch.no_grad():
            for t in range(k):
                _, state = self.model.step(batch["lr"][:, t], state)
        # weights cast by autocast under no_grad are cached without a graph: torch before 2.10 (pytorch#112583, fixed
        # by pytorch#165068) would hand those to the trained frames, and the weights would get no gradient
        torch.clear_autocast_cache()
        return {key: v[:, k:] for key, v in batch.items()}, state

    def loss(self, batch, step):
        o = self.opt
        model = self.model
        if o["burn_in"]:
            batch, state = self._burn_in(batch)
            model = functools.partial(self.model, state=state)
        lr, hr = batch["lr"], batch["hr"]
        need_feats = self.use_space or self.use_time
        need_teacher = need_feats or self.use_output
        flows = None
        if o["net"] == "teacher" and o["flow_loss"] > 0:  # its features too where distilled (they were not: a crash)
            out, *more = model(lr, return_features=need_feats, return_flows=True)
            s_feat, flows = more if need_feats else (None, more[0])
        elif need_feats:
            out, s_feat = model(lr, return_features=True)
        else:
            out = model(lr)
        total = rec = charbonnier(out, hr)
        terms = {"charb": float(rec.detach())}
        if flows is not None:
            fl = self._flow_loss(lr, flows)
            total = total + o["flow_loss"] * fl
            terms["flow"] = float(fl.detach())
        if need_teacher:
            lr_clean = batch.get("lr_clean", lr)
            t_feat = batch["t_feat"] if "t_feat" in batch else self.teacher_features(lr_clean)
        if self.use_output:
            out_kd = charbonnier(out, self.teacher_output(t_feat, lr_clean))
            total = total + o["lambda_output"] * out_kd
            terms["output"] = float(out_kd.detach())
        if need_feats:
            if self.use_space:
                sp = space_loss(s_feat, t_feat, center=o["attention_center"])
                total = total + o["lambda_space"] * sp
                terms["space"] = float(sp.detach())
            if self.use_time:
                s_cell, t_cell = self._cells(s_feat, t_feat)
                tl = time_loss(s_cell, t_cell, normalise=o["time_norm"])
                total = total + o["lambda_time"] * tl
                terms["time"] = float(tl.detach())
                terms["time_cell_ms"] = float(t_cell.detach().float().pow(2).mean())  # collapse watch
        return total, terms

    def _flow_loss(self, lr, flows):
        """Photometric loss: each neighbour warped by the predicted flow should look like the frame."""
        to_next, to_prev = flows
        cur, nxt = lr[:, :-1].flatten(0, 1), lr[:, 1:].flatten(0, 1)
        return 0.5 * (charbonnier(flow_warp(nxt, to_next.flatten(0, 1)), cur)
                      + charbonnier(flow_warp(cur, to_prev.flatten(0, 1)), nxt))

    def _lstm_input(self, feats, student: bool):
        n, t = feats.shape[:2]
        x = feats.flatten(0, 1)
        if self.opt["time_input"] == "attn":
            h, w = x.shape[-2:]
            x = (attention_map(x, center=self.opt["attention_center"]) * (h * w) ** 0.5).view(-1, 1, h, w)
        elif student and "proj" in self._modules:
            x = self._modules["proj"](x)
        if self.opt["time_pool"] > 1:
            x = F.avg_pool2d(x, self.opt["time_pool"])
        return x.view(n, t, *x.shape[1:])

    def _cells(self, s_feat, t_feat):
        lstm = self._modules["convlstm"]
        return lstm(self._lstm_input(s_feat, True)), lstm(self._lstm_input(t_feat.detach(), False))

    def after_step(self, step, terms):
        if self.use_time and not self.convlstm_frozen and terms.get("time", 1.0) < self.opt["freeze_threshold"]:
            self._freeze_convlstm()
            self.log(f"step {step}: time loss {terms['time']:.3g} < {self.opt['freeze_threshold']:g}: ConvLSTM frozen")

    def _freeze_convlstm(self):
        self.convlstm_frozen = True
        self._modules["convlstm"].requires_grad_(False)
        for p in self._modules["convlstm"].parameters():
            p.grad = None

    def extra_state(self):
        return {"convlstm_frozen": self.convlstm_frozen}

    def load_extra_state(self, state):
        if state.get("convlstm_frozen") and self.use_time:
            self._freeze_convlstm()

    def validate(self):
        from vsr_app.metrics import psnr_y

        if not self._val:
            return {}
        scores: dict[str, list[float]] = {}
        device = next(self.model.parameters()).device  # the loop has moved the net (CUDA); clips are read on CPU
        for _, gt in self._val:
            lr = downscale_x4(D.to_tensor(gt)[None])
            inputs = {"val_psnr": lr}
            if self.degrade is not None:
                clean = list(D.to_frames(lr[0]))
                inputs[f"val_psnr_crf{VAL_CRF}"] = D.to_tensor(np.stack(h264_round_trip(clean, VAL_CRF)))[None]
            if self.opt["val_restart"]:
                inputs["val_psnr_restarted"] = lr
            for key, x in inputs.items():
                x = x.to(device)
                if key == "val_psnr_restarted":
                    out = torch.cat([self.model(part) for part in x.split(self.opt["val_restart"], 1)], 1)
                else:
                    out = self.model(x)
                pred = D.to_frames(out[0])
                # each clip's mean, then their mean, as `eval vsr` scores a folder of sequences (over all frames at
                # once, two clips of 20 and 12 frames read 26.40 where eval said 25.91)
                scores.setdefault(key, []).append(float(np.mean([psnr_y(p, g) for p, g in zip(pred, gt)])))
        # what the scores were measured on, and the score to beat there: a student below bicubic looked like it
        # improved while 33.44 became 33.46 on its own auto-scaled curve
        return {**{k: float(np.mean(v)) for k, v in scores.items()}, "val_psnr_bicubic": self._bicubic_score(),
                "val_crop": self.opt["val_crop"]}

    def _bicubic_score(self) -> float:
        """The built-in bicubic's Y-PSNR on the validation frames, read and run as `eval vsr` does (its x4 downscale,
        its engine), so it equals `eval vsr --model bicubic` there; measured once, as neither side changes."""
        if self._bicubic is None:
            from vsr_app.eval_protocol import degrade_x4
            from vsr_app.evaluate import upscale_sequence
            from vsr_app.inference import make_upscaler
            from vsr_app.metrics import psnr_y
            from vsr_app.models import load_model

            engine = make_upscaler(load_model("bicubic", "cpu"), "cpu")
            scores = []
            for _, gt in self._val:
                outs = upscale_sequence(engine, [degrade_x4(frame)[1] for frame in gt])
                scores.append(float(np.mean([psnr_y(out, truth) for out, truth in zip(outs, gt)])))  # as `validate`
            self._bicubic = float(np.mean(scores))
        return self._bicubic

    def card(self):
        """The net as built: every constructor argument, the defaults filled in (a run's options list only what was
        given, and a card of `{}` said nothing of the architecture it holds)."""
        config = {k: v for k, v in net_settings(self.opt["net"], self.opt["net_config"]).items() if k != "net"}
        return {"task": "upscale", "scale": self.model.scale, "arch": self.arch, "config": config}

    def describe(self) -> dict:
        """What the exported card records about the training setup: the options that applied to the run
        (`option_applies`), the degradation mix as it was used (`{}`, the defaults, read as no degradation and was not
        shown), and how the validation PSNR was taken: how many frames, of what crop, whether the clip was shrunk
        (two cards' val_psnr taken differently read as a 0.84 dB gap where the held-out gap was 0.44)."""
        o = self.opt
        keys = ("data", "net", "batch", "frames", "patch", "distill", "teacher", "lambda_space", "lambda_time",
                "lambda_output", "time_input", "time_pool", "time_norm", "attention_center", "convlstm_hidden",
                "freeze_threshold", "flow_loss", "val", "val_restart", "cache", "cache_batches", "burn_in")
        described = {k: o[k] for k in keys if option_applies(k, o["distill"], o["net"])}
        described["degrade"] = None if self.degrade is None else asdict(self.degrade)
        if o["val"]:
            described["val_frames"] = o["val_frames"]
            described["val_crop"] = o["val_crop"]
            described["val_prescaled"] = VAL_PRESCALE
            scored = [len(frames) for _, frames in self._val]
            if min(scored) < o["val_frames"]:  # a clip shorter than val_frames: the frames each was scored on
                described["val_frames_scored"] = scored
        return described


class BatchCache:
    """A fixed set of training batches on disk (uint8 LR/HR, bf16 teacher features): see `cache` above."""

    def __init__(self, folder: Path, task: VSRTask, seed: int, build: bool):
        o = task.opt
        self.folder = folder
        self.count = o["cache_batches"]
        b, t, p = o["batch"], o["frames"], o["patch"]
        teacher = task.frozen().get("teacher")
        self.spec = {"count": self.count, "batch": b, "frames": t, "patch": p, "seed": seed,
                     "data": o["data"], "teacher": o["teacher"] if teacher is not None else None}
        if o["degrade"] is not None:  # (only then: caches built before the option existed keep their spec)
            self.spec["degrade"] = o["degrade"]
        self.shapes = {"lr": (self.count, b, t, 3, p, p), "hr": (self.count, b, t, 3, 4 * p, 4 * p)}
        if teacher is not None:
            self.shapes["feat"] = (self.count, b, t, teacher.hr_channels, 4 * p, 4 * p)
        meta_path = folder / "meta.json"
        while True:
            meta = read_json_object(meta_path, f"the batch cache's {meta_path} (delete {folder} to build it afresh)") \
                if meta_path.exists() else None
            if meta is not None and meta["done"] >= self.count:
                break
            if not build:  # another rank builds it
                time.sleep(5)
                continue
            self._build(task, seed, meta)
        if meta["spec"]["batch"] != b or meta["spec"]["patch"] != p or meta["spec"]["frames"] != t:
            raise VsrAppError(f"cache {folder} holds other batch shapes than this run asks for")
        if teacher is not None and meta["spec"]["teacher"] is None:
            raise VsrAppError(f"cache {folder} was built without teacher features; build it with a distilling run")
        self.arrays = {k: np.memmap(folder / f"{k}.bin", dtype=np.int16 if k == "feat" else np.uint8, mode="r",
                                    shape=tuple(meta["shapes"][k])) for k in meta["shapes"]}

    def _build(self, task: VSRTask, seed: int, meta: dict | None):
        self.folder.mkdir(parents=True, exist_ok=True)
        done = 0
        if meta is not None:
            if meta["spec"] != self.spec:
                raise VsrAppError(f"cache {self.folder} was built with other options: {meta['spec']}")
            done = meta["done"]
        arrays = {k: np.memmap(self.folder / f"{k}.bin", dtype=np.int16 if k == "feat" else np.uint8,
                               mode="r+" if done else "w+", shape=shape) for k, shape in self.shapes.items()}
        o, sampler = task.opt, task.sampler()
        if "feat" in arrays:  # the teacher's device: train() moved it to the run's
            device = next(task.frozen()["teacher"].parameters()).device
        for i in range(done, self.count):
            batch = D.vsr_batch(sampler, D.batch_rng(seed, 0, i), o["batch"], o["frames"], o["patch"], task.degrade)
            arrays["lr"][i] = (batch["lr"] * 255).round().byte().numpy()
            arrays["hr"][i] = (batch["hr"] * 255).round().byte().numpy()
            if "feat" in arrays:
                with autocast(device, autocast_dtype(device)):  # bf16 only where native and faster (cpu_precision)
                    feat = task.teacher_features(batch.get("lr_clean", batch["lr"]).to(device))
                arrays["feat"][i] = feat.to(torch.bfloat16).cpu().view(torch.int16).numpy()
            if (i + 1) % 25 == 0 or i + 1 == self.count:
                for a in arrays.values():
                    a.flush()
                meta = {"spec": self.spec, "shapes": self.shapes, "done": i + 1}
                atomic_write(self.folder / "meta.json", lambda tmp: Path(tmp).write_text(json.dumps(meta)))
                task.log(f"cache {self.folder}: {i + 1}/{self.count} batches")

    def get(self, idx: int) -> dict[str, torch.Tensor]:
        out = {"lr": torch.from_numpy(np.array(self.arrays["lr"][idx])).float() / 255,
               "hr": torch.from_numpy(np.array(self.arrays["hr"][idx])).float() / 255}
        if "feat" in self.arrays:
            out["t_feat"] = torch.from_numpy(np.array(self.arrays["feat"][idx])).view(torch.bfloat16)
        return out
