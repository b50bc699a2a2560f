"""The one training loop every run uses (VSR, VFI, distilled or not).

A Task (protocol below) supplies modules, batches, loss and validation; this loop supplies the
rest: AdamW with warmup + cosine schedule, mixed precision (bf16 autocast on CPUs with native bf16,
bf16/fp16 on CUDA), gradient clipping, atomic checkpoints (safetensors + JSON, no pickle), exact `--resume`
(step, optimiser, schedule, RNG: batches are a pure function of (seed, rank, step)),
continuation from weights alone (`init_from`; `--resume` of a run whose checkpoint is gone continues from its
exported model.safetensors at the step its card records, with a fresh optimiser), metrics.jsonl, periodic
validation, an optional moving average of the weights that validation and the exported model use (`ema`), a one-line error when the disk fills (`saving`), steps with a nan/inf loss skipped (a run that
keeps diverging stops with its last checkpoint, not one of nan weights), a clean stop
with a checkpoint on SIGINT/SIGTERM (at once, saving nothing, while the data still loads), and
data-parallel training when started by torchrun (gradients are averaged across processes with
all_reduce after each backward: the same arithmetic as DistributedDataParallel, without wrapping
the task's modules).

Run folder: config.json, checkpoint.safetensors + checkpoint.json, metrics.jsonl (a resumed run
appends to it after dropping the records of steps past the one it resumes at; a new one first renames an earlier one
aside, `set_aside_metrics`), all written once the first batch is in hand (a start refused for its data or device
leaves the folder as it was), and the
exported model model.safetensors + model.json (rewritten at every checkpoint, so a run in
progress already yields a loadable model).

Optional task hooks beyond the protocol: `extra_state() -> dict` / `load_extra_state(dict)`
(JSON-able task state such as "ConvLSTM frozen"). `batches(..., start=step)` begins the stream at a
step without generating the skipped batches.

Also here: `run_from_cli`, the VSR run set-up of `vsr-app train` (VFI runs: `vfi_task.train_vfi`). The run
folder's helpers and the torch-free part of the set-up are in `vsr_app.distill.runs`, the options in
`vsr_app.distill.options`.
"""
from __future__ import annotations

import atexit
import contextlib
import errno
import json
import math
import os
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Protocol

import torch
import torch.distributed as dist
from safetensors import SafetensorError
from torch import Tensor, nn

from vsr_app.distill.data import check_data, check_held_out
from vsr_app.distill.ema import WeightAverage
from vsr_app.distill.options import DISTILL_MODES, VAL_KEY, LoopConfig, cap_warmup, check_types
from vsr_app.distill.runs import (RUN_CONFIG_KEY, absolute_if_path, absolute_paths, check_new_run, check_own_folder,
                                  check_resumable, check_resume_flags, claim_run_dir, exported_step, holds_run,
                                  read_config_file, release_run_dir, resumed_config, resumed_data, resumed_teacher,
                                  resumed_val, saved_options_checked, say_unused, set_aside,
                                  set_aside_metrics, world_size)
from vsr_app.errors import STEPS_BEHIND, STEPS_HINT, VsrAppError
from vsr_app.shell import command_line
from vsr_app.files import atomic_write, left_temporaries
from vsr_app.inference import autocast_dtype
from vsr_app.models import save_model
from vsr_app.nets.ops import set_threads
from vsr_app.stop_signals import handling_stops

AVERAGE_PREFIX = "ema.model."  # the checkpoint's tensors of the model's weight average (`ema`)
# a loss that is nan or inf skips its step (the weights are kept, not poisoned); this many in a row stop the run
MAX_NONFINITE_STEPS = 10


class Task(Protocol):
    name: str

    def modules(self) -> dict[str, nn.Module]: ...
    def frozen(self) -> dict[str, nn.Module]: ...
    def batches(self, seed: int, rank: int, world: int, start: int = 0) -> Iterator[dict[str, Tensor]]: ...
    def loss(self, batch: dict[str, Tensor], step: int) -> tuple[Tensor, dict[str, float]]: ...
    def validate(self) -> dict[str, float]: ...
    def card(self) -> dict: ...
    def make_optimizer(self, params, cfg: LoopConfig) -> torch.optim.Optimizer | None: ...
    def after_step(self, step: int, terms: dict) -> None: ...


def lr_factor(step: int, cfg: LoopConfig) -> float:
    """Linear warmup, then cosine from 1 to min_lr_ratio at cfg.steps."""
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


# ---- distributed --------------------------------------------------------------------------------

def _init_distributed(device: torch.device) -> tuple[int, int]:
    if world_size() == 1:
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        atexit.register(_shutdown_distributed)
    return dist.get_rank(), dist.get_world_size()


def _shutdown_distributed() -> None:
    """Destroy the process group before interpreter exit and let gloo's worker threads drop their finished
    collectives while the interpreter still runs: such a drop needs the GIL, and during finalisation it aborts a
    run that succeeded ("terminate called without an active exception"; seen under gdb in
    ProcessGroupGloo::runLoop -> ~AsyncWork -> TensorImpl::decref_pyobject, cf. pytorch/pytorch#179291)."""
    if dist.is_initialized():
        dist.destroy_process_group()
        time.sleep(0.25)  # releases the GIL to those threads


def _average_grads(params: list[nn.Parameter], world: int) -> None:
    grads = [p.grad for p in params if p.grad is not None]
    if world <= 1 or not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def _average_terms(terms: dict[str, float], world: int) -> dict[str, float]:
    if world <= 1:
        return terms
    keys = sorted(terms)
    vals = torch.tensor([float(terms[k]) for k in keys], dtype=torch.float64)
    dist.all_reduce(vals)
    return {k: float(v) / world for k, v in zip(keys, vals)}


def _any_rank(flag: bool, world: int) -> bool:
    if world <= 1:
        return flag
    t = torch.tensor([1 if flag else 0])
    dist.all_reduce(t)
    return bool(t.item())


# ---- checkpoints --------------------------------------------------------------------------------

def _checkpoint_tensors(modules: dict[str, nn.Module], opt: torch.optim.Optimizer,
                        average: WeightAverage | None) -> dict[str, Tensor]:
    out = {f"module.{name}.{k}": v.detach().cpu().contiguous()
           for name, mod in modules.items() for k, v in mod.state_dict().items()}
    if average is not None:
        out.update({f"{AVERAGE_PREFIX}{k}": v.detach().cpu().contiguous() for k, v in average.state_dict().items()})
    for idx, state in opt.state_dict()["state"].items():
        for key, val in state.items():
            out[f"optim.{idx}.{key}"] = (val if torch.is_tensor(val) else torch.tensor(val)).detach().cpu().contiguous()
    out["rng.torch"] = torch.get_rng_state()
    return out


def save_checkpoint(run_dir: Path, step: int, modules, opt, extra: dict, average: WeightAverage | None = None) -> None:
    from safetensors.torch import save_file

    tensors = _checkpoint_tensors(modules, opt, average)
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.state_dict()["param_groups"]]
    meta = {"step": step, "param_groups": groups, "optim_state_ids": sorted(opt.state_dict()["state"]), **extra}
    ck = run_dir / "checkpoint.safetensors"
    # The state travels inside the tensors file too: one atomic rename commits a complete checkpoint, so a
    # crash between the two writes cannot pair tensors with another step's state.
    header = {"step": str(step), "meta": json.dumps(meta)}
    atomic_write(ck, lambda tmp: save_file(tensors, str(tmp), metadata=header))
    atomic_write(run_dir / "checkpoint.json", lambda tmp: Path(tmp).write_text(json.dumps(meta, indent=1)))


@contextlib.contextmanager
def saving(what: str, run_dir: Path, resume_hint: str):
    """A disk that fills up (or fails) while the run writes `what`: one line that says so and what is kept, instead
    of a traceback. Nothing is written at a run folder that is not this run's any more (`check_own_folder`)."""
    check_own_folder(run_dir)
    try:
        yield
    except (OSError, SafetensorError) as exc:
        raise VsrAppError(f"{_why_not_saved(exc)} while saving {what} in {run_dir}; "
                          f"{_what_is_kept(run_dir, resume_hint)}") from exc


def _what_is_kept(run_dir: Path, resume_hint: str) -> str:
    """What a failed save left to go on from: the last checkpoint, else (a run resumed without it) the exported
    weights a resume continues from, else nothing; or the run folder itself is gone (deleted or moved while the run
    went on: "no checkpoint was written yet" was said of a run that had written several)."""
    if not run_dir.is_dir():
        return "the run folder is gone (deleted or moved while the run went on), with whatever it held"
    if (run_dir / "checkpoint.safetensors").exists():
        return f"the last complete checkpoint is intact ({resume_hint} once this is fixed)"
    if holds_run(run_dir):
        return f"its exported weights (model.safetensors) are intact ({resume_hint} once this is fixed)"
    return "no checkpoint was written yet (start the run again once this is fixed)"


def _why_not_saved(exc: Exception) -> str:
    """Why a save failed, for an OSError and for safetensors' own error, which wraps the system's ("I/O error: No
    space left on device (os error 28)") and is no OSError."""
    for number, why in ((errno.ENOSPC, "no space left on the disk"),
                        (errno.EFBIG, "the file grew past the largest this system allows (a FAT32 disk's 4 GB, or a "
                                      "`ulimit -f`)")):
        if getattr(exc, "errno", None) == number or f"(os error {number})" in str(exc):
            return why
    return getattr(exc, "strerror", None) or str(exc)


def load_checkpoint(run_dir: Path, modules, opt) -> dict:
    from safetensors import safe_open
    from safetensors.torch import load_file

    with _reading_checkpoint(run_dir):
        with safe_open(str(run_dir / "checkpoint.safetensors"), "pt") as fh:
            header = fh.metadata() or {}
        tensors = load_file(str(run_dir / "checkpoint.safetensors"))
    if "meta" in header:
        meta = json.loads(header["meta"])
    else:  # runs saved before the state was embedded: checkpoint.json must match
        meta = json.loads((run_dir / "checkpoint.json").read_text())
        if int(header.get("step", -1)) != meta["step"]:
            raise VsrAppError(f"{run_dir}: checkpoint.json and checkpoint.safetensors are from different steps")
    for name, mod in modules.items():
        prefix = f"module.{name}."
        try:
            mod.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[-1].strip()
            raise VsrAppError(f"{run_dir}: its checkpoint does not fit the {name} its options build ({first}); "
                              f"resume with the options the run began with") from None
    state = {}
    for idx in meta["optim_state_ids"]:
        prefix = f"optim.{idx}."
        state[idx] = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    groups = opt.state_dict()["param_groups"]
    foreign = {k for saved in meta["param_groups"] for k in saved} - {k for g in groups for k in g}
    try:  # another optimiser's state (a `prune vfi` run's OBProx-SG) would crash deep in torch, or load half
        if foreign:
            raise ValueError(f"it has {', '.join(sorted(foreign))}")
        for g, saved in zip(groups, meta["param_groups"]):
            g.update(saved)
        opt.load_state_dict({"state": state, "param_groups": groups})
    except (KeyError, ValueError) as exc:
        raise VsrAppError(f"{run_dir}: its checkpoint's optimiser state does not fit the optimiser of this command "
                          f"({exc}); resume it with the command that started it") from None
    torch.set_rng_state(tensors["rng.torch"])
    return meta


def _checkpoint_average(run_dir: Path) -> dict[str, Tensor]:
    """The weight average the run's checkpoint holds (none when the run had no `ema` then)."""
    from safetensors import safe_open

    with _reading_checkpoint(run_dir), safe_open(str(run_dir / "checkpoint.safetensors"), "pt") as fh:
        return {k[len(AVERAGE_PREFIX):]: fh.get_tensor(k) for k in fh.keys() if k.startswith(AVERAGE_PREFIX)}


def checkpoint_step(run_dir: Path) -> int:
    """The step of the run's checkpoint, from the header of its tensors file (committed with them)."""
    from safetensors import safe_open

    with _reading_checkpoint(run_dir), safe_open(str(run_dir / "checkpoint.safetensors"), "pt") as fh:
        return int((fh.metadata() or {}).get("step", 0))


@contextlib.contextmanager
def _reading_checkpoint(run_dir: Path):
    """A checkpoint.safetensors that does not read (a copy cut short, a failing disk): one line, and where the run's
    exported weights remain, how to go on from them."""
    try:
        yield
    except SafetensorError as exc:
        way_on = ("; delete it to continue from the run's exported weights (model.safetensors) alone, with a fresh "
                  "optimiser" if (run_dir / "model.safetensors").exists() else "")
        raise VsrAppError(f"cannot read {run_dir / 'checkpoint.safetensors'}: {exc}{way_on}") from None


def resume_step(run_dir: Path) -> int:
    """The step a resume continues from: its checkpoint's, or where only the exported weights are left, theirs."""
    return checkpoint_step(run_dir) if (run_dir / "checkpoint.safetensors").exists() else exported_step(run_dir)


def check_steps(run_dir: Path, steps: int) -> None:
    """A resumed run's --steps below the step it reached would end it in the past: refused before it is saved."""
    done = resume_step(run_dir)
    if steps < done:
        raise VsrAppError(f"{run_dir} is at step {done}: {STEPS_BEHIND.format(steps=steps)}; "
                          f"{STEPS_HINT.format(done=done)}")


def check_asked_steps(run_dir: Path, steps) -> None:
    """check_steps for the length a resume asks (--steps or its --config), before a new --data, --val or teacher is
    said to be saved: a refusal after that left the message standing and config.json as it was. A value that is no
    length (the wrong type, under 1) is left to the options' own check, which says so."""
    if isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1:
        check_steps(run_dir, steps)


def drop_metrics_after(run_dir: Path, step: int) -> None:
    """Remove the records of steps past `step`, where a resume continues (a killed run logged them, then lost them):
    the resumed run logs those steps again, and curves and the card's last validation must come from the steps it
    kept."""
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if _record_step(line) <= step]
    if len(kept) < len(lines):
        atomic_write(path, lambda tmp: Path(tmp).write_text("".join(kept), encoding="utf-8"))


def _elapsed_before(run_dir: Path) -> float:
    """The elapsed_s of the run's last metrics record (0 without one): where a resumed run's own time goes on."""
    try:
        lines = (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return 0.0
    for line in reversed(lines):
        try:
            elapsed = json.loads(line).get("elapsed_s")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(elapsed, (int, float)):
            return float(elapsed)
    return 0.0


def _record_step(line: str) -> float:
    """A metrics record's step; a record torn by the kill counts as past every checkpoint."""
    try:
        return json.loads(line).get("step", 0)
    except json.JSONDecodeError:
        return math.inf


# ---- the loop -----------------------------------------------------------------------------------

class _StopFlag:
    """Set by SIGINT/SIGTERM/SIGHUP (or by the caller's cancel event) so the loop checkpoints and exits.

    Before the first batch arrives there is nothing new to checkpoint, and loading the data or building a batch
    cache can take many minutes (the cache keeps what it has built): a signal then stops at once, by raising
    KeyboardInterrupt, instead of after the loading and one step."""

    def __init__(self, cancel=None):
        self.hit = False
        self.cancel = cancel
        self.training = False  # set once the first batch is in hand

    def __call__(self, *_):
        self.hit = True
        if not self.training:
            raise KeyboardInterrupt

    def is_set(self) -> bool:
        return self.hit or (self.cancel is not None and self.cancel.is_set())


def _amp_dtype(cfg: LoopConfig, device: torch.device):
    if cfg.amp == "none":
        return None
    if cfg.amp == "fp16":
        return torch.float16
    if cfg.amp == "bf16":
        return torch.bfloat16
    # auto: what the device runs fast. A CPU without native bf16 (most AVX2 desktops) emulates it: a student
    # step took 90 s there instead of 1.7 s in fp32 (docs/RESULTS.md, Performance, "Session 15")
    return autocast_dtype(device)


def train(task: Task, cfg: LoopConfig, run_dir: str | Path, resume: bool = False, meta: dict | None = None,
          log: Callable[[str], None] = print, progress: Callable[[int, int], None] | None = None, cancel=None,
          run_config: dict | None = None, resume_hint: str = "continue with --resume") -> Path:
    """Run (or continue) a training run in run_dir; returns the exported model path.

    `meta` is saved into the exported model's card under "training" (data, teacher, distillation...).
    `run_config`, the command's options, is saved as config.json once the first batch is in hand. `resume_hint`:
    what to do after a stop, for the command that runs the loop.
    `progress(step, steps)` and `cancel` (an event: once set, the loop checkpoints and returns) are a test hook, to
    stop a run at a chosen step: the CLI and the Train tab (which runs the CLI in a process) stop it by a signal.
    """
    run_dir = Path(run_dir)
    claim_run_dir(run_dir)
    try:
        return _train(task, cfg, run_dir, resume, meta, log, progress, cancel, run_config, resume_hint)
    finally:
        release_run_dir(run_dir)


def _restore(run_dir: Path, task: Task, modules: dict, opt, cfg: LoopConfig, resume: bool, log) -> int:
    """The step the run starts at, its weights (and optimiser and task state) set: a resumed run's from its
    checkpoint, or its exported weights where that is gone; a new run's from `init_from`, if any."""
    if resume:
        check_resumable(run_dir)
    else:
        check_new_run(run_dir)
    for stale in left_temporaries(run_dir):  # half-written files of a killed run (a new run there clears them too)
        stale.unlink(missing_ok=True)
    if not resume:
        if cfg.init_from:
            fresh = _init_from(modules["model"], cfg.init_from, cfg.init_partial)
            log(f"initialised model from {cfg.init_from}" + (f" (fresh: {', '.join(fresh)})" if fresh else ""))
        return 0
    if (run_dir / "checkpoint.safetensors").exists():
        saved = load_checkpoint(run_dir, modules, opt)
        start = saved["step"]
        if hasattr(task, "load_extra_state"):
            task.load_extra_state(saved.get("task", {}))
        log(f"resumed {run_dir} at step {start}")
    else:
        start = _resume_from_weights(run_dir, modules, log)
    if start >= cfg.steps:
        log(f"the run is already at step {start} of {cfg.steps}: nothing to train (a larger --steps continues it)")
    return start


def _train(task: Task, cfg: LoopConfig, run_dir: Path, resume: bool, meta: dict | None, log, progress, cancel,
           run_config: dict | None, resume_hint: str) -> Path:
    from vsr_app.models import resolve_device

    device = resolve_device(cfg.device, cpu_hint='set "device": "cpu" in the --config options')
    if cfg.threads > 0:
        set_threads(cfg.threads)
    rank, world = _init_distributed(device)
    torch.manual_seed(cfg.seed)

    modules = task.modules()
    for mod in modules.values():
        mod.to(device).train()
    for mod in task.frozen().values():
        mod.to(device).eval().requires_grad_(False)
    params = [p for m in modules.values() for p in m.parameters()]
    opt = task.make_optimizer(params, cfg) or torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    for g in opt.param_groups:
        g.setdefault("initial_lr", g["lr"])

    start = _restore(run_dir, task, modules, opt, cfg, resume, log)
    if world > 1:
        for mod in modules.values():
            for tensor in mod.state_dict().values():
                dist.broadcast(tensor, 0)
    average = _weight_average(run_dir, modules["model"], cfg, resume, log)

    amp = _amp_dtype(cfg, device)
    scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 and device.type == "cuda" else None
    metrics = None  # opened with the first batch in hand
    t0, last_ckpt, seen, nonfinite = time.time(), time.time(), 0, 0
    sums: dict[str, float] = {}
    step = start

    def checkpoint():
        if rank != 0:
            return
        extra = {"task": task.extra_state() if hasattr(task, "extra_state") else {}, "config": asdict(cfg)}
        with saving("the checkpoint", run_dir, resume_hint):
            save_checkpoint(run_dir, step, modules, opt, extra, average)
            with _averaged(average, modules["model"]):
                export(run_dir, task, modules["model"], cfg, step, meta, run_config)

    def write(rec: dict):
        if metrics is not None:
            with saving("metrics.jsonl", run_dir, resume_hint):
                metrics.write(json.dumps(rec) + "\n")
                metrics.flush()

    def report():
        """Record and log the steps since the last report, averaged, with the pace and time left."""
        nonlocal sums, seen, tick, paused
        now = time.time()
        rec = {"step": step, "lr": opt.param_groups[0]["lr"], **{k: v / seen for k, v in sums.items()},
               "s_per_step": (now - tick - paused) / seen, "elapsed_s": now - t0}
        write(rec)
        log(_log_line(rec, cfg.steps))
        sums, seen, tick, paused = {}, 0, now, 0.0

    stop = _StopFlag(cancel)
    with handling_stops(stop):  # in every process: torchrun passes a signal on to each
        try:
            stream = task.batches(cfg.seed, rank, world, start=start)
            # s_per_step is the steps' own time: loading the data (a batch cache can take minutes), validations and
            # checkpoints are left out, so the Train tab's time left does not jump after each
            tick, paused = time.time(), 0.0
            while step < cfg.steps:
                batch = {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v
                         for k, v in next(stream).items()}
                if not stop.training:
                    if rank == 0:  # the data loaded: the run's files are written from here on
                        with saving("the run's options and metrics", run_dir, resume_hint):
                            metrics = _open_run_files(run_dir, resume, start, run_config, log)
                        if resume:  # the run's time goes on from its last record: it restarted from 0
                            t0 -= _elapsed_before(run_dir)
                    tick = time.time()
                stop.training = True
                factor = lr_factor(step, cfg)
                for g in opt.param_groups:
                    g["lr"] = g["initial_lr"] * factor
                with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                    loss, terms = task.loss(batch, step)
                opt.zero_grad(set_to_none=True)
                # (fp16's GradScaler skips such steps itself, lowering its scale)
                if scaler is None and _any_rank(not math.isfinite(float(loss.detach())), world):
                    step, nonfinite = step + 1, nonfinite + 1  # the batch is used up: a resume meets the next one
                    log(f"step {step}: the loss is {float(loss.detach())}; the step is skipped, the weights are "
                        "unchanged")
                    if nonfinite == MAX_NONFINITE_STEPS:
                        raise _diverged(nonfinite, step, run_dir / "model.safetensors")
                    continue
                nonfinite = 0
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.unscale_(opt)
                else:
                    loss.backward()
                _average_grads(params, world)
                trainable = [p for p in params if p.grad is not None]
                gnorm = float(torch.nn.utils.clip_grad_norm_(trainable, cfg.grad_clip)) if trainable else 0.0
                if scaler is not None:
                    scaler.step(opt)
                    scaler.update()
                else:
                    opt.step()
                if average is not None:
                    average.update(modules["model"])
                step += 1
                terms = _average_terms({"loss": float(loss.detach()), **terms}, world)
                task.after_step(step, terms)
                for k, v in {**terms, "grad_norm": gnorm}.items():
                    sums[k] = sums.get(k, 0.0) + v
                seen += 1
                if progress is not None:
                    progress(step, cfg.steps)
                # the run's first step too: its loss, pace and time left show at once, not log_every steps later
                if step % cfg.log_every == 0 or step in (start + 1, cfg.steps):
                    report()
                if rank == 0 and cfg.val_every and (step % cfg.val_every == 0 or step == cfg.steps):
                    began = time.time()
                    with _averaged(average, modules["model"]):
                        val = _validate(task, modules, device, amp)
                    if val:
                        write({"step": step, **val})
                        log(f"validation at step {step}: {_val_line(val)}")
                    paused += time.time() - began
                if _any_rank(stop.is_set(), world):
                    break
                if rank == 0 and time.time() - last_ckpt > cfg.ckpt_every_s:
                    began = time.time()
                    checkpoint()
                    last_ckpt = time.time()
                    paused += last_ckpt - began
            if seen:  # stopped between reports: its steps' metrics are kept too, at the step the checkpoint holds
                report()
            checkpoint()
            if step < cfg.steps:
                log(f"stopped at step {step} of {cfg.steps}: checkpoint written; {resume_hint}")
                if stop.hit:  # a signal, as opposed to the caller's cancel event: the process reports the interruption
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            if not stop.training:
                log(f"stopped before step {start + 1}: nothing new to save" + (" (the checkpoint is unchanged)"
                                                                                   if start else ""))
            raise
        finally:
            if metrics is not None:
                with contextlib.suppress(OSError):  # each record was flushed: a close fails only after a failed write,
                    metrics.close()  # which said so
    return run_dir / "model.safetensors"


def _log_line(rec: dict, steps: int) -> str:
    """A metrics record as the log shows it, with the steps in all and the time left at the latest pace (eta) that a
    person watching the log wants; metrics.jsonl keeps its fields, which the Train tab reads."""
    from vsr_app.progress import format_duration

    shown = {**rec, "step": f"{rec['step']}/{steps}", "eta": format_duration(rec["s_per_step"] * (steps - rec["step"]))}
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items())


def _val_line(val: dict[str, float]) -> str:
    """A validation's scores as the log shows them, like the step lines: `val_psnr=34.21 dB`."""
    return " ".join(f"{k}={v:.2f} dB" if "psnr" in k else f"{k}={v:.4g}" for k, v in val.items())


def _weight_average(run_dir: Path, model: nn.Module, cfg: LoopConfig, resume: bool, log) -> WeightAverage | None:
    """The moving average of the model's weights (`ema`), from the weights the run starts at, or a resumed checkpoint's.
    A run resumed from its exported weights alone starts it from those, which were the average."""
    if not cfg.ema:
        return None
    average = WeightAverage(model, cfg.ema)
    if resume and (run_dir / "checkpoint.safetensors").exists():
        saved = _checkpoint_average(run_dir)
        if saved:
            average.load_state_dict(saved)
        else:
            log('the checkpoint holds no weight average (the run had no "ema" before): it starts from the weights')
    return average


def _averaged(average: WeightAverage | None, model: nn.Module):
    """The weight average in the model, where the run keeps one, for validation and export."""
    return contextlib.nullcontext() if average is None else average.applied(model)


def _resume_from_weights(run_dir: Path, modules: dict[str, nn.Module], log) -> int:
    """Continue a run whose checkpoint is gone from the weights it exported. The schedule and the batches go on from
    its step (both are functions of the step); the optimiser's moments and any other trained module (a distillation
    ConvLSTM) start afresh, so the run no longer repeats the uninterrupted one exactly."""
    step = exported_step(run_dir)
    _init_from(modules["model"], str(run_dir / "model.safetensors"),
               advice="these are not the weights of the net the run's config.json builds (was model.safetensors "
                      "replaced?)")
    afresh = ["the optimiser state"] + [name for name in modules if name != "model"]
    log(f"resumed {run_dir} at step {step} from its exported weights alone (model.safetensors): its checkpoint is "
        f"gone, so these start afresh: {', '.join(afresh)}")
    return step


def _diverged(steps: int, step: int, model: Path) -> VsrAppError:
    """Why the run stopped, and what to try: before its first checkpoint there is no model to start again from (the
    message named one that was not there)."""
    said = f"the loss was not finite for {steps} steps in a row (to step {step}): the run diverged and stopped"
    if not model.is_file():
        return VsrAppError(f"{said} before its first checkpoint, so nothing was kept; start again with a smaller "
                           "\"lr\" (the learning rate)")
    return VsrAppError(f"{said}, its last checkpoint kept; try a lower learning rate (a new run with \"init_from\": "
                       f"\"{model}\" and a smaller \"lr\")")


def _open_run_files(run_dir: Path, resume: bool, start: int, run_config: dict | None, log):
    """Save the run's config and open its metrics.jsonl for appending (a resumed run's trimmed to the step it
    resumes at, a new run's earlier one set aside)."""
    if not resume:  # a new run replaces no file it writes: an earlier run's, or a folder's own config.json
        for name in ("config.json", "model.json"):
            if kept := set_aside(run_dir, name):
                log(f"the {name} that was in the run folder is kept as {kept.name}")
    if run_config is not None:
        atomic_write(run_dir / "config.json", lambda tmp: Path(tmp).write_text(json.dumps(run_config, indent=1)))
    if resume:
        drop_metrics_after(run_dir, start)
    elif kept := set_aside_metrics(run_dir):
        log(f"the metrics of an earlier run that left no checkpoint are kept as {kept.name}")
    return open(run_dir / "metrics.jsonl", "a", encoding="utf-8")


def _validate(task: Task, modules, device, amp) -> dict[str, float]:
    for m in modules.values():
        m.eval()
    try:
        with torch.no_grad(), torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            return task.validate()
    finally:
        for m in modules.values():
            m.train()


def _init_from(model: nn.Module, path: str, partial: bool = False,
               advice: str = "give init_from the weights of a net of this kind and size, or set init_partial to take "
                             "the tensors that fit") -> list[str]:
    """Load `path` into model; with `partial`, only the tensors whose name and shape fit (e.g. a teacher whose
    head changed). Returns the names left freshly initialised. `advice` ends the one-line error of weights that do
    not fit: what the caller's user can do about it."""
    from safetensors.torch import load_file

    p = Path(path)
    if p.suffix.lower() != ".safetensors" or not p.is_file():
        raise VsrAppError(f"init_from must be an existing .safetensors file: {path}")
    try:
        tensors = load_file(str(p))
    except SafetensorError as exc:
        raise VsrAppError(f"cannot read {p}: {exc}") from None
    if any(k.startswith("module.model.") for k in tensors):  # a run checkpoint
        tensors = {k[len("module.model."):]: v for k, v in tensors.items() if k.startswith("module.model.")}
    own = model.state_dict()
    if partial:
        tensors = {k: v for k, v in tensors.items() if k in own and own[k].shape == v.shape}
        if not tensors:
            raise VsrAppError(f"{p.name} shares no tensor with this model")
    if not partial and (mismatch := _mismatch(own, tensors)):
        raise VsrAppError(f"{p.name} does not fit this model: {mismatch}; {advice}")
    model.load_state_dict(tensors, strict=not partial)
    return sorted(set(own) - set(tensors))


def _mismatch(own: dict, tensors: dict) -> str:
    """How `tensors` differ from the model's `own` ones, in a line (torch lists every key: 3 KB for another net)."""
    said = []
    for what, names in (("missing", sorted(set(own) - set(tensors))),
                        ("not in this model", sorted(set(tensors) - set(own))),
                        ("of another shape", sorted(k for k in set(own) & set(tensors)
                                                    if own[k].shape != tensors[k].shape))):
        if names:
            said.append(f"{len(names)} tensor{'s' if len(names) > 1 else ''} {what} (such as {names[0]})")
    return ", ".join(said)


def export(run_dir: Path, task: Task, model: nn.Module, cfg: LoopConfig, step: int, meta: dict | None,
           run_config: dict | None = None) -> Path:
    """Write the run's model (safetensors + card) with what it was trained on and its last validation; the card
    keeps `run_config` (config.json's options) too, from which a run copied with its weights alone resumes."""
    val = {}
    mpath = run_dir / "metrics.jsonl"
    if mpath.exists():
        for line in mpath.read_text().splitlines():
            rec = json.loads(line)
            if any(k.startswith("val_") for k in rec):
                val = rec
    card = {"name": run_dir.name, **task.card(),
            "training": {**(meta or {}), "steps": step, "seed": cfg.seed, "lr": cfg.lr, "run_dir": str(run_dir),
                         **({"ema": cfg.ema} if cfg.ema else {})},  # the weights are then the average
            "metrics": {k: v for k, v in val.items()},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **({RUN_CONFIG_KEY: run_config} if run_config is not None else {})}
    return save_model(model, run_dir / "model.safetensors", card)


# ---- command-line entry ------------------------------------------------------------------------

def _teacher_without_distill(task_name: str, config_file: str | None) -> str:
    """What to add or take out, in the words of where the teacher was named: the command line, or `config_file`."""
    kinds = ", ".join(mode for mode in DISTILL_MODES[task_name] if mode != "none")
    if config_file:
        return (f'{config_file} names a "teacher", which only distillation uses: set "distill" ({kinds}) in it or '
                f'on the command line (--distill), or take "teacher" out')
    return f"--teacher is used only for distillation: add --distill ({kinds}), or leave out --teacher"


def run_from_cli(task_name: str, data: list[str], out: str, teacher: str | None = None, distill: str | None = None,
                 steps: int | None = None, resume: bool = False, config: str | None = None,
                 val: list[str] | None = None, log=print) -> Path:
    """`vsr-app train`: merge options (a resumed run's saved config < --config file < CLI), build the task, train.

    VSR: the merged options are saved as RUN_DIR/config.json so `--resume` needs only --out (it trains on the run's
    own data). VFI runs are set up by vsr_app.distill.vfi_task.train_vfi. `val`: validation clips (each task's
    option name for them: VAL_KEY).
    """
    file_options = read_config_file(config)
    check_types(file_options, {"teacher": "", "distill": ""}, "training option")  # a name or path; a mode
    if val:
        file_options[VAL_KEY[task_name]] = list(val)
    if not resume:  # VFI's `exclude` may hold a clip of the data out; VSR has no such option
        check_held_out(file_options.get(VAL_KEY[task_name]), data,
                       file_options.get("exclude", []) if task_name == "vfi" else None)
    asked_teacher = teacher or file_options.get("teacher")  # the command line, else the --config file
    asked_distill = distill or file_options.get("distill")
    run_dir = Path(os.path.abspath(out))  # absolute: the card names the run (`--out .`), it resumes from anywhere
    if not resume and asked_teacher and (asked_distill or "none") == "none":
        raise VsrAppError(_teacher_without_distill(task_name, config if not teacher else None))
    if task_name == "vfi":
        from vsr_app.distill.vfi_task import train_vfi

        # (said by train_vfi: where it came from, or that there is nothing to resume)
        saved = resumed_config(run_dir, lambda *_: None) if resume and holds_run(run_dir) else None
        if saved is not None and "options" in saved:  # a VSR run: train_vfi names the right command
            check_resume_flags(saved, run_dir, asked_teacher, asked_distill)
        options = {k: v for k, v in file_options.items() if k not in ("teacher", "distill")}  # train_vfi's arguments
        return train_vfi(data, out, teacher=asked_teacher, distill=asked_distill or "none", steps=steps,
                         resume=resume, options=options, log=log)
    if data or not resume:
        check_data(data)  # before the run folder is made: a mistyped --data leaves nothing behind
    claim_run_dir(run_dir)  # before config.json is written: a second trainer on this folder stops here
    try:
        return _train_vsr(data, run_dir, teacher, distill, steps, resume, file_options, log)
    finally:
        release_run_dir(run_dir)


def _train_vsr(data, run_dir: Path, teacher, distill, steps, resume: bool, file_options: dict, log) -> Path:
    from vsr_app.distill.vsr_task import DEFAULTS, VSRTask, net_settings

    if resume:
        check_resumable(run_dir)  # before anything is read or written: a refused resume changes nothing
    saved = resumed_config(run_dir, log) if resume else None
    if saved is not None and "options" in saved:
        raise VsrAppError(f"{run_dir} holds a frame-interpolation run: continue it with "
                          f"`{command_line(['vsr-app', 'train', 'vfi', '--out', str(run_dir), '--resume'])}`")
    if resume:
        check_asked_steps(run_dir, steps if steps is not None else file_options.get("steps"))
        check_resume_flags(saved, run_dir, teacher or file_options.get("teacher"),
                           distill or file_options.get("distill"))
        began = {"net": DEFAULTS["net"], "net_config": {}, **(saved or {})}
        asked = {**began, **{k: file_options[k] for k in ("net", "net_config") if k in file_options}}
        if net_settings(asked["net"], asked["net_config"]) != net_settings(began["net"], began["net_config"]):
            # the checkpoint holds that net's weights: another shape cannot load them
            raise VsrAppError(f"{run_dir} was started with net {json.dumps(began['net'])}, net_config "
                              f"{json.dumps(began['net_config'])}; --resume cannot change the network: start a new "
                              f"run with another --out")
    else:  # before config.json is written: a refused start leaves the run as it was
        check_new_run(run_dir)
    asked = absolute_paths(file_options)
    if resume:
        if not all(os.path.isabs(d) for d in saved.get("data") or [""]):
            # a run from before runs stored their data absolute: --data names it once
            if not data:
                raise VsrAppError(f"{run_dir} does not name its data as a full path (an older run): resume it once "
                                  f"with --data")
            saved = {**saved, "data": [os.path.abspath(d) for d in data]}
        say_unused(saved, asked, run_dir, log)
        with saved_options_checked(run_dir):
            _, saved_task_options = LoopConfig.split(saved)  # the loop's options are checked by the split
            check_types(saved_task_options, DEFAULTS, "VSR training option")
        options = {**saved, "data": resumed_data(saved["data"], data, run_dir, log)}  # the run continues as it began
        if saved.get("teacher"):
            options["teacher"] = resumed_teacher(saved["teacher"], teacher or file_options.get("teacher"),
                                                 "distils from", log)
        val = resumed_val(saved.get("val"), asked.get("val"), run_dir, log,
                          check=lambda clips: check_held_out(clips, options["data"]),  # as a new run's clips
                          data_moved=options["data"] != saved["data"])
        if val:
            options["val"] = val
        if "steps" in asked:
            options["steps"] = asked["steps"]
    else:
        options = {**asked, "data": [os.path.abspath(d) for d in data]}
        if teacher:
            options["teacher"] = teacher
        options["teacher"] = absolute_if_path(options.get("teacher"))
        if options["teacher"] is None:
            options.pop("teacher")
        if distill is not None:
            options["distill"] = distill
        options.setdefault("distill", "none")
    if steps is not None:
        options["steps"] = steps
    if not resume:
        cap_warmup(options)
    loop_cfg, task_opts = LoopConfig.split(options)
    if resume:
        check_steps(run_dir, loop_cfg.steps)
    torch.manual_seed(loop_cfg.seed)  # the task builds the nets: same seed, same initial weights
    task = VSRTask(task_opts, log=log)
    meta = task.describe()
    if loop_cfg.init_from:  # its steps count from those weights: its card says so (a VFI card has it in "options")
        meta["init_from"] = loop_cfg.init_from
    return train(task, loop_cfg, run_dir, resume=resume, meta=meta, log=log, run_config=options)
