"""The one training loop every run uses (VSR, VFI, distilled or not).

A Task (protocol below) supplies modules, batches, loss and validation; this loop supplies the
rest: AdamW with warmup + cosine schedule, mixed precision (bf16 autocast on CPUs with native bf16,
bf16/fp16 on CUDA), gradient clipping, atomic checkpoints (`vsr_app.distill.checkpoint`), exact `--resume`
(step, optimiser, schedule, RNG: batches are a pure function of (seed, rank, step)),
continuation from weights alone (`init_from`; `--resume` of a run whose checkpoint is gone continues from its
exported model.safetensors at the step its card records, with a fresh optimiser: `vsr_app.distill.weights`),
metrics.jsonl, periodic validation (and one at step 0 of a run that starts from weights: their own score), an
optional moving average of the weights that validation and the exported model use (`ema`), a one-line error when
the disk fills (`saving`), steps with a nan/inf loss skipped (a run that keeps diverging stops with its last
checkpoint, not one of nan weights), a clean stop with a checkpoint on SIGINT/SIGTERM (at once, saving nothing,
while the data still loads) and when the desktop app that started the trainer is gone, and data-parallel training
when started by torchrun (`vsr_app.distill.distributed`).

Run folder: config.json, checkpoint.safetensors + checkpoint.json, metrics.jsonl (each validation record names
the clips it was measured on, `validated_on`; a resumed run appends to it after dropping the records of steps past
the one it resumes at; a new one first renames an earlier one aside, `set_aside_metrics`), all written once the
first batch is in hand (a start refused for its data or device leaves the folder as it was; a finished run resumed
without a larger --steps trains nothing, says so, and writes only what the resume changed, `_save_changed_options`),
and the exported model model.safetensors + model.json (rewritten at every checkpoint, so a run in progress already
yields a loadable model). A resume that changes the run's length says where that moves the learning rate
(`schedule_change`).

A task's own state beyond its modules' weights (JSON-able, such as "ConvLSTM frozen") goes into the checkpoint
through `extra_state()` / `load_extra_state(dict)`. `batches(..., start=step)` begins the stream at a step without
generating the skipped batches.

`vsr-app train` sets runs up in `vsr_app.distill.train_cli` (VFI runs: `vfi_task.train_vfi`).
"""
from __future__ import annotations

import contextlib
import json
import math
import time
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Protocol

import torch
import torch.distributed as dist
from torch import Tensor, nn

from vsr_app.distill.checkpoint import elapsed_before, load_checkpoint, resume_metrics, save_checkpoint, saving
from vsr_app.distill.distributed import any_rank, average_grads, average_terms, init_distributed
from vsr_app.distill.options import ASKED_WARMUP, LoopConfig
from vsr_app.distill.runs import (RUN_CONFIG_KEY, VALIDATED_ON, check_new_run, check_resumable, claimed_run_dir,
                                  clips_key, config_options, config_task, config_val_clips, is_validation, measured_on,
                                  metrics_record, read_json_object, resume_command, run_begins, saved_config,
                                  saved_val_clips, set_aside, set_aside_metrics)
from vsr_app.distill.weights import averaged, init_from, resume_from_weights, start_weights, weight_average
from vsr_app.errors import RESUME_HINT, VsrAppError
from vsr_app.files import atomic_write, left_temporaries
from vsr_app.devices import autocast_dtype
from vsr_app.models import save_model
from vsr_app.nets.ops import set_threads
from vsr_app.stop_signals import handling_stops, watch_app

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
    def extra_state(self) -> dict: ...
    def load_extra_state(self, state: dict) -> None: ...


def lr_factor(step: int, cfg: LoopConfig) -> float:
    """Linear warmup, then cosine from 1 to min_lr_ratio at the run's last step (index cfg.steps - 1, logged as
    step cfg.steps: the floor fell one step past the end, a 3-step run's last step at half the peak)."""
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    progress = min(1.0, (step + 1 - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def schedule_change(start: int, planned: dict, cfg: LoopConfig) -> str | None:
    """What a resume that changes the run's length (`planned`: the loop's options before, their "steps" and
    "warmup"; cfg now) does to the learning rate, in a line: the cosine spans the whole length, so a longer run puts
    the step it resumes at earlier in the decay and the rate jumps up (a finished run's from its floor towards half its
    peak), a shorter one drops it, and its warm-up is capped as a new run's (`options.cap_resumed_warmup`). None where
    the schedule does not move at this step (the same length, or an extended run still in its warm-up) or nothing is
    left to train."""
    steps, warmup = planned.get("steps"), planned.get("warmup", LoopConfig.warmup)
    if not isinstance(steps, int) or not isinstance(warmup, int) or not 0 < start < cfg.steps:
        return None
    before = replace(cfg, steps=steps, warmup=warmup)
    if lr_factor(start, before) == lr_factor(start, cfg) and warmup == cfg.warmup:
        return None
    ended, now, peak = cfg.lr * lr_factor(start - 1, before), cfg.lr * lr_factor(start, cfg), cfg.lr
    spans = f"spans {cfg.steps} steps now, not {steps}"
    if warmup != cfg.warmup:
        spans += f", {_warm_up_now(cfg.warmup, warmup)}"
    rises = f"then rises to {peak:.3g} at step {cfg.warmup} and" if start < cfg.warmup else "then"
    return (f"the learning-rate schedule {spans}: the rate goes from {ended:.3g} at step {start}, where the run left "
            f"off, to {now:.3g} at step {start + 1}, {rises} decays to {cfg.lr * cfg.min_lr_ratio:.3g} at step "
            f"{cfg.steps}")


def _capped_warm_up(cfg: LoopConfig, run_config: dict | None) -> str | None:
    """What a new run says where its options asked for a longer warm-up than the tenth of the run it is capped to
    (`options.cap_warmup`), in the words of a resume that caps it (`schedule_change`); None where none was asked."""
    asked = config_options(run_config or {}).get(ASKED_WARMUP)
    if not isinstance(asked, int) or asked <= cfg.warmup:
        return None
    return (f"the learning-rate schedule spans {cfg.steps} steps, {_warm_up_now(cfg.warmup, asked)}: a warm-up takes "
            "at most a tenth of the run")


def _warm_up_now(warmup: int, before: int) -> str:
    return f"its warm-up {warmup} steps, not {before}"


class _StopFlag:
    """Set by SIGINT/SIGTERM/SIGHUP, by the end of the desktop app that started the trainer (`app_gone`:
    `stop_signals.watch_app`), or by the caller's cancel event, so the loop checkpoints and exits.

    Before the first batch arrives there is nothing new to checkpoint, and loading the data or building a batch
    cache can take many minutes (the cache keeps what it has built): a signal then stops at once, by raising
    KeyboardInterrupt, instead of after the loading and one step."""

    def __init__(self, cancel=None):
        self.hit = False
        self.cancel = cancel
        self.first_batch_in = False
        self.app_gone = lambda: False

    def __call__(self, *_):
        self.hit = True
        self.app_gone()  # Linux's SIGTERM as the app went: its output goes to devnull, not to the app's gone pipes
        if not self.first_batch_in:
            raise KeyboardInterrupt

    def is_set(self) -> bool:
        if self.app_gone():  # a stop as by a signal: the process exits as interrupted, after its checkpoint
            self.hit = True
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
          run_config: dict | None = None, resume_hint: str | None = None) -> Path | None:
    """Run (or continue) a training run in run_dir; returns the exported model path, or None where nothing was
    trained (a finished run resumed without a larger --steps: no model was written, so none is to be announced).

    `meta` is saved into the exported model's card under "training" (data, teacher, distillation...).
    `run_config`, the command's options, is saved as config.json once the first batch is in hand. `resume_hint`:
    what to do after a stop; by default the whole command that continues a run of its task (`runs.resume_command`).
    `progress(step, steps)` and `cancel` (an event: once set, the loop checkpoints and returns) are a test hook, to
    stop a run at a chosen step: the CLI and the Train tab (which runs the CLI in a process) stop it by a signal.
    """
    run_dir = Path(run_dir)
    resume_hint = resume_hint or RESUME_HINT.format(command=resume_command(config_task(run_config or {}), run_dir))
    with claimed_run_dir(run_dir):
        return _train(task, cfg, run_dir, resume, meta, log, progress, cancel, run_config, resume_hint)


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
            weights = start_weights(cfg.init_from)  # a model's name: its file
            fresh = init_from(modules["model"], weights, cfg.init_partial)
            named = f"{cfg.init_from} ({weights})" if weights != cfg.init_from else weights
            log(f"initialised model from {named}" + (f" (fresh: {', '.join(fresh)})" if fresh else ""))
        return 0
    if (run_dir / "checkpoint.safetensors").exists():
        saved = load_checkpoint(run_dir, modules, opt)
        start = saved["step"]
        task.load_extra_state(saved.get("task", {}))
        log(f"resumed {run_dir} at step {start}")
        planned = saved.get("config", {})
    else:
        start = resume_from_weights(run_dir, modules, log)
        planned = config_options(_card_options(run_dir) or {})  # the schedule its weights were trained with
    if moved := schedule_change(start, planned, cfg):
        log(moved)
    if start >= cfg.steps:
        log(f"nothing to train: the run is at step {start} of {cfg.steps}; give --steps above {start} to train on")
    return start


def _train(task: Task, cfg: LoopConfig, run_dir: Path, resume: bool, meta: dict | None, log, progress, cancel,
           run_config: dict | None, resume_hint: str) -> Path | None:
    from vsr_app.devices import resolve_device

    device = resolve_device(cfg.device, cpu_hint='set "device": "cpu" in the --config options')
    if cfg.threads > 0:
        set_threads(cfg.threads)
    rank, world, device = init_distributed(device)
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
    if not resume and (capped := _capped_warm_up(cfg, run_config)):
        log(capped)
    if world > 1:
        for mod in modules.values():
            for tensor in mod.state_dict().values():
                dist.broadcast(tensor, 0)
    average = weight_average(run_dir, modules["model"], cfg, resume, log)
    if start >= cfg.steps:  # a finished run resumed without a larger --steps
        if rank == 0:
            with saving("the run's options", run_dir, resume_hint), averaged(average, modules["model"]):
                _save_changed_options(run_dir, task, modules["model"], cfg, start, meta, run_config, log)
        return None

    amp = _amp_dtype(cfg, device)
    scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 and device.type == "cuda" else None
    metrics = None  # opened with the first batch in hand
    t0, last_ckpt, seen, nonfinite = time.time(), time.time(), 0, 0
    sums: dict[str, float] = {}
    step = start

    def checkpoint():
        if rank != 0:
            return
        extra = {"task": task.extra_state(), "config": asdict(cfg)}
        with saving("the checkpoint", run_dir, resume_hint):
            save_checkpoint(run_dir, step, modules, opt, extra, average)
            with averaged(average, modules["model"]):
                export(run_dir, task, modules["model"], cfg, step, meta, run_config)

    def write(rec: dict):
        if metrics is not None:
            with saving("metrics.jsonl", run_dir, resume_hint):
                metrics.write(json.dumps(rec) + "\n")
                metrics.flush()

    def validation() -> float:
        """Validate the weights of now (their moving average, with ema) and record it at this step; the seconds it
        took, which the pace leaves out."""
        began = time.time()
        with averaged(average, modules["model"]):
            val = _validate(task, modules, device, amp)
        if val:  # named with its clips: a resume may change them (--val)
            record = {"step": step, **val, **_clips_of(run_config)}
            write(record)
            log(f"validation at step {step}: {_val_line(val)}")
            if step == cfg.steps and (worse := _worse_than_start(run_dir, record)):
                log(worse)
        return time.time() - began

    def report():
        """Record and log the steps since the last report, averaged, with the pace and time left."""
        nonlocal sums, seen, tick, paused
        now = time.time()
        rec = {"step": step, "lr": opt.param_groups[0]["lr"], **{k: v / seen for k, v in sums.items()},
               "s_per_step": (now - tick - paused) / seen, "elapsed_s": now - t0}
        write(rec)
        log(_log_line(rec, cfg.steps))
        sums, seen, tick, paused = {}, 0, now, 0.0

    def begin_run():
        """The first batch is in hand, so the data loaded: the run's files are written from here on, a resumed run's
        time goes on from its last record, and a run that starts from weights first scores them."""
        nonlocal metrics, t0, tick
        if rank == 0:
            run_begins(run_dir)
            with saving("the run's options and metrics", run_dir, resume_hint):
                metrics = _open_run_files(run_dir, resume, start, run_config, log)
            if resume:  # the run's time goes on from its last record: it restarted from 0
                t0 -= elapsed_before(run_dir)
            elif cfg.init_from and cfg.val_every:  # the weights' own score, where training starts from:
                validation()  # a fine-tune that lost 2 dB in 20 steps showed no start to compare with
        tick = time.time()
        stop.first_batch_in = True

    stop = _StopFlag(cancel)
    with handling_stops(stop):  # in every process: torchrun passes a signal on to each
        try:
            stop.app_gone = watch_app()
            stream = task.batches(cfg.seed, rank, world, start=start)
            # s_per_step is the steps' own time: loading the data (a batch cache can take minutes), validations and
            # checkpoints are left out, so the Train tab's time left does not jump after each
            tick, paused = time.time(), 0.0
            while step < cfg.steps:
                batch = _on_device(next(stream), device)
                if not stop.first_batch_in:
                    begin_run()
                factor = lr_factor(step, cfg)
                for g in opt.param_groups:
                    g["lr"] = g["initial_lr"] * factor
                with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                    loss, terms = task.loss(batch, step)
                gnorm = _optimiser_step(loss, params, opt, scaler, cfg.grad_clip, world)
                if gnorm is None:  # a nan/inf loss
                    step, nonfinite = step + 1, nonfinite + 1  # the batch is used up: a resume meets the next one
                    log(f"step {step}: the loss is {float(loss.detach())}; the step is skipped, the weights are "
                        "unchanged")
                    if nonfinite == MAX_NONFINITE_STEPS:
                        raise _diverged(nonfinite, step, run_dir / "model.safetensors")
                    continue
                nonfinite = 0
                if average is not None:
                    average.update(modules["model"])
                step += 1
                terms = average_terms({"loss": float(loss.detach()), **terms}, world)
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
                    paused += validation()
                if any_rank(stop.is_set(), world):
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
            if not stop.first_batch_in:
                log(f"stopped before step {start + 1}: nothing new to save" + (" (the checkpoint is unchanged)"
                                                                                   if start else ""))
            raise
        finally:
            if metrics is not None:
                with contextlib.suppress(OSError):  # each record was flushed: a close fails only after a failed write,
                    metrics.close()  # which said so
    return run_dir / "model.safetensors"


def _on_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}


def _optimiser_step(loss: Tensor, params: list[Tensor], opt: torch.optim.Optimizer, scaler, grad_clip: float,
                    world: int) -> float | None:
    """Backpropagate `loss` and step: the gradients averaged across ranks, clipped to `grad_clip`, scaled where fp16
    needs it. The gradient norm before clipping, or None where the loss is nan or inf on any rank: the step is
    skipped, the weights kept (fp16's GradScaler skips such steps itself, lowering its scale)."""
    opt.zero_grad(set_to_none=True)
    if scaler is None and any_rank(not math.isfinite(float(loss.detach())), world):
        return None
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
    else:
        loss.backward()
    average_grads(params, world)
    trainable = [p for p in params if p.grad is not None]
    gnorm = float(torch.nn.utils.clip_grad_norm_(trainable, grad_clip)) if trainable else 0.0
    if scaler is not None:
        scaler.step(opt)
        scaler.update()
    else:
        opt.step()
    return gnorm


def _log_line(rec: dict, steps: int) -> str:
    """A metrics record as the log shows it, with the steps in all and the time left at the latest pace (eta) that a
    person watching the log wants; metrics.jsonl keeps its fields, which the Train tab reads."""
    from vsr_app.progress import format_duration

    shown = {**rec, "step": f"{rec['step']}/{steps}", "eta": format_duration(rec["s_per_step"] * (steps - rec["step"]))}
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items())


def _worse_than_start(run_dir: Path, val: dict) -> str | None:
    """A line where a run that started from weights ends below their own score at step 0 on the same clips (`val`:
    the last validation's record), or None: every fine-tune of a tester's lost ground (27.97 -> 27.60 dB) and the run
    ended as if it had gone well."""
    final = val.get("val_psnr")
    try:
        lines = (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    start = next((rec for rec in map(metrics_record, lines) if rec and rec.get("step") == 0 and "val_psnr" in rec),
                 None)
    same_clips = clips_key(start.get(VALIDATED_ON) or []) == clips_key(val.get(VALIDATED_ON) or []) if start else False
    if final is None or not same_clips or final >= start["val_psnr"]:
        return None
    return (f"the run ends at val_psnr {final:.2f} dB, below {start['val_psnr']:.2f} dB, the score of the weights it "
            "started from (step 0): it made them worse on its validation clips; a smaller \"lr\" or fewer steps "
            "keeps more of what they had learned")


def _val_line(val: dict[str, float]) -> str:
    """A validation's scores as the log shows them, like the step lines: `val_psnr=34.21 dB`."""
    return " ".join(f"{k}={v:.2f} dB" if "psnr" in k else f"{k}={v:.4g}" for k, v in val.items())


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
    _save_options(run_dir, resume, start, run_config, log)
    if not resume and (kept := set_aside_metrics(run_dir)):
        log(f"the metrics of an earlier run that left no checkpoint are kept as {kept.name}")
    return open(run_dir / "metrics.jsonl", "a", encoding="utf-8")


def _save_options(run_dir: Path, resume: bool, start: int, run_config: dict | None, log) -> None:
    """Save the run's config.json: a new run's after setting aside a folder's earlier one, a resumed run's after
    tagging its validation records with the clips they were measured on, which a resume may change."""
    if not resume:  # a new run replaces no file it writes: an earlier run's, or a folder's own config.json
        for name in ("config.json", "model.json"):
            if kept := set_aside(run_dir, name):
                log(f"the {name} that was in the run folder is kept as {kept.name}")
    if resume:  # before config.json names the clips of now: were the tagging to fail (a full disk) after it, the
        # untagged records would be read as the new clips' scores
        resume_metrics(run_dir, start, saved_val_clips(run_dir))
    if run_config is not None:
        atomic_write(run_dir / "config.json", lambda tmp: Path(tmp).write_text(json.dumps(run_config, indent=1)))


def _save_changed_options(run_dir: Path, task: Task, model: nn.Module, cfg: LoopConfig, step: int,
                          meta: dict | None, run_config: dict | None, log) -> None:
    """A finished run resumed without a larger --steps trains nothing, but the options the resume changed (--val, the
    new place of moved data or teacher) are kept as a resume that trains keeps them: config.json, after tagging the
    old validation records, and the card, which must agree with it (it showed the new clips while config.json, and so
    the next resume, kept the old ones). Only what differs is written: never the checkpoint, nor the card (and its
    date) where it keeps these options already."""
    if run_config is None:
        return
    kept, written = json.loads(json.dumps(run_config)), []  # (as the files hold it)
    if kept != saved_config(run_dir):
        _save_options(run_dir, True, step, run_config, log)
        written.append(str(run_dir / "config.json"))
    if kept != _card_options(run_dir):
        export(run_dir, task, model, cfg, step, meta, run_config)
        written.append("its model's card")
    if written:
        log(f"the run's options are saved in {' and '.join(written)}")


def _card_options(run_dir: Path) -> dict | None:
    """The copy of config.json the run's card keeps; None where there is no card, or none that reads (it is then
    written anew)."""
    try:
        return read_json_object(run_dir / "model.json", "the run's card").get(RUN_CONFIG_KEY)
    except VsrAppError:
        return None


def _clips_of(run_config: dict | None) -> dict:
    """What a validation record says of the clips it was measured on: the clips the run's options name (nothing for
    a run without saved options)."""
    return {} if run_config is None else {VALIDATED_ON: config_val_clips(run_config)}


def _last_validation(run_dir: Path, run_config: dict | None) -> dict:
    """The run's last validation record on the clips its options name now ({} when none is yet: a resume with
    another --val stopped before validating). Records from before records named their clips were tagged by the
    resume that could change them (`resume_metrics`): one still untagged is of these clips. A line that holds no
    record (torn by a kill) is skipped."""
    clips = config_val_clips(run_config) if run_config is not None else None
    last = {}
    path = run_dir / "metrics.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        record = metrics_record(line)
        if record is None or not is_validation(record):
            continue
        if clips is None or measured_on(record, clips, untagged=clips):
            last = record
    return last


def _validate(task: Task, modules, device, amp) -> dict[str, float]:
    for m in modules.values():
        m.eval()
    try:
        with torch.no_grad(), torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            return task.validate()
    finally:
        for m in modules.values():
            m.train()


def export(run_dir: Path, task: Task, model: nn.Module, cfg: LoopConfig, step: int, meta: dict | None,
           run_config: dict | None = None) -> Path:
    """Write the run's model (safetensors + card) with what it was trained on and its last validation on the clips
    it validates on now; the card keeps `run_config` (config.json's options) too, from which a run copied with its
    weights alone resumes."""
    val = _last_validation(run_dir, run_config)
    card = {"name": run_dir.name, **task.card(), "description": _description(run_config, step),
            "training": {**(meta or {}), "steps": step, "seed": cfg.seed, "lr": cfg.lr, "run_dir": str(run_dir),
                         **({"ema": cfg.ema} if cfg.ema else {})},  # the weights are then the average
            "metrics": {k: v for k, v in val.items()},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **({RUN_CONFIG_KEY: run_config} if run_config is not None else {})}
    return save_model(model, run_dir / "model.safetensors", card)


def _description(run_config: dict | None, step: int) -> str:
    """The card's one line, the tooltip of the model in the app's lists (an own model had none): what it was
    trained from and on, and for how long."""
    config = run_config or {}
    teacher = f" from {Path(str(config['teacher'])).name}" if config.get("teacher") else ""
    data = config.get("data") if isinstance(config.get("data"), list) else []
    folders = f" on {', '.join(Path(str(folder)).name for folder in data)}" if data else ""
    return f"trained with vsr-app{teacher}{folders}, {step} steps"
