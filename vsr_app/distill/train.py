"""The one training loop every run uses (VSR, VFI, distilled or not).

A Task (protocol below) supplies modules, batches, loss and validation; this loop supplies the
rest: AdamW with warmup + cosine schedule, mixed precision (bf16 autocast on CPU, bf16/fp16 on
CUDA), gradient clipping, atomic checkpoints (safetensors + JSON, no pickle), exact `--resume`
(step, optimiser, schedule, RNG: batches are a pure function of (seed, rank, step)),
continuation from weights alone (`init_from`), metrics.jsonl, periodic validation, a clean stop
with a checkpoint on SIGINT/SIGTERM (at once, saving nothing, while the data still loads), and
data-parallel training when started by torchrun (gradients are averaged across processes with
all_reduce after each backward: the same arithmetic as DistributedDataParallel, without wrapping
the task's modules).

Run folder: config.json, checkpoint.safetensors + checkpoint.json, metrics.jsonl (a resumed run
appends to it; a new one first renames an earlier one aside, `set_aside_metrics`), and the
exported model model.safetensors + model.json (rewritten at every checkpoint, so a run in
progress already yields a loadable model).

Optional task hooks beyond the protocol: `extra_state() -> dict` / `load_extra_state(dict)`
(JSON-able task state such as "ConvLSTM frozen"), and `batches(..., start=step)` to begin the
stream at a step without generating the skipped batches.
"""
from __future__ import annotations

import atexit
import errno
import inspect
import itertools
import json
import math
import os
import signal
import time
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Protocol

import cv2
import torch
import torch.distributed as dist
from torch import Tensor, nn

from vsr_app.distill.data import check_data
from vsr_app.errors import VsrAppError
from vsr_app.models import atomic_write, save_model
from vsr_app.video.writer import first_free


class Task(Protocol):
    name: str

    def modules(self) -> dict[str, nn.Module]: ...
    def frozen(self) -> dict[str, nn.Module]: ...
    def batches(self, seed: int, rank: int, world: int) -> Iterator[dict[str, Tensor]]: ...
    def loss(self, batch: dict[str, Tensor], step: int) -> tuple[Tensor, dict[str, float]]: ...
    def validate(self) -> dict[str, float]: ...
    def card(self) -> dict: ...
    def make_optimizer(self, params, cfg: "LoopConfig") -> torch.optim.Optimizer | None: ...
    def after_step(self, step: int, terms: dict) -> None: ...


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
    amp: str = "auto"  # auto | bf16 | fp16 | none
    device: str = "auto"
    threads: int = 0  # torch (and OpenCV: data loading, DIS priors) CPU threads; 0 = leave their defaults
    log_every: int = 20
    val_every: int = 500
    ckpt_every_s: float = 300.0
    init_from: str | None = None  # .safetensors weights for modules["model"] (continue from weights alone)
    init_partial: bool = False  # init_from: take the tensors whose name and shape fit, keep the rest freshly initialised

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
          "threads": 0, "val_frames": 1, "val_triplets": 1, "cache_batches": 1, "ckpt_every_s": 0, "lap_levels": 1}
POSITIVE = ("lr", "grad_clip")


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
        if key in LOWEST and value < LOWEST[key] or key in POSITIVE and value <= 0:
            least = f"at least {LOWEST[key]}" if key in LOWEST else "more than 0"
            raise VsrAppError(f"{what} '{key}' must be {least}, not {json.dumps(value)}")


def lr_factor(step: int, cfg: LoopConfig) -> float:
    """Linear warmup, then cosine from 1 to min_lr_ratio at cfg.steps."""
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


# ---- distributed --------------------------------------------------------------------------------

def _init_distributed(device: torch.device) -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
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

def _checkpoint_tensors(modules: dict[str, nn.Module], opt: torch.optim.Optimizer) -> dict[str, Tensor]:
    out = {f"module.{name}.{k}": v.detach().cpu().contiguous()
           for name, mod in modules.items() for k, v in mod.state_dict().items()}
    for idx, state in opt.state_dict()["state"].items():
        for key, val in state.items():
            out[f"optim.{idx}.{key}"] = (val if torch.is_tensor(val) else torch.tensor(val)).detach().cpu().contiguous()
    out["rng.torch"] = torch.get_rng_state()
    return out


def save_checkpoint(run_dir: Path, step: int, modules, opt, extra: dict) -> None:
    from safetensors.torch import save_file

    tensors = _checkpoint_tensors(modules, opt)
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.state_dict()["param_groups"]]
    meta = {"step": step, "param_groups": groups, "optim_state_ids": sorted(opt.state_dict()["state"]), **extra}
    ck = run_dir / "checkpoint.safetensors"
    # The state travels inside the tensors file too: one atomic rename commits a complete checkpoint, so a
    # crash between the two writes cannot pair tensors with another step's state.
    header = {"step": str(step), "meta": json.dumps(meta)}
    atomic_write(ck, lambda tmp: save_file(tensors, str(tmp), metadata=header))
    atomic_write(run_dir / "checkpoint.json", lambda tmp: Path(tmp).write_text(json.dumps(meta, indent=1)))


def load_checkpoint(run_dir: Path, modules, opt) -> dict:
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(run_dir / "checkpoint.safetensors"), "pt") as fh:
        header = fh.metadata() or {}
    if "meta" in header:
        meta = json.loads(header["meta"])
    else:  # runs saved before the state was embedded: checkpoint.json must match
        meta = json.loads((run_dir / "checkpoint.json").read_text())
        if int(header.get("step", -1)) != meta["step"]:
            raise VsrAppError(f"{run_dir}: checkpoint.json and checkpoint.safetensors are from different steps")
    tensors = load_file(str(run_dir / "checkpoint.safetensors"))
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
    for g, saved in zip(groups, meta["param_groups"]):
        g.update(saved)
    opt.load_state_dict({"state": state, "param_groups": groups})
    torch.set_rng_state(tensors["rng.torch"])
    return meta


# ---- the loop -----------------------------------------------------------------------------------

class _StopFlag:
    """Set by SIGINT/SIGTERM (or by the caller's cancel event) so the loop checkpoints and exits.

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
    if cfg.amp == "bf16" or device.type == "cpu":
        return torch.bfloat16
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _batch_stream(task: Task, seed: int, rank: int, world: int, start: int) -> Iterator:
    if "start" in inspect.signature(task.batches).parameters:
        return task.batches(seed, rank, world, start=start)
    return itertools.islice(task.batches(seed, rank, world), start, None)


_CLAIMED: dict[str, tuple[int, bool]] = {}  # run folder -> (descriptor of its locked .lock, whether claiming made it)


def claim_run_dir(run_dir: Path) -> None:
    """Create the run folder and lock it for this process (until release_run_dir or exit): a second trainer started
    on the same --out before the first one's first checkpoint would rewrite its config and share its files."""
    created = not run_dir.exists()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VsrAppError(f"cannot create the run folder {run_dir}: {exc.strerror or exc}") from None
    key = str(run_dir.resolve())
    if key in _CLAIMED or int(os.environ.get("RANK", "0")) != 0:  # one lock per run: rank 0 holds it
        return
    fd = os.open(run_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise VsrAppError(f"another training is running in {run_dir}: wait for it (or stop it), or choose another "
                          f"--out") from None
    _CLAIMED[key] = (fd, created)


def release_run_dir(run_dir: Path) -> None:
    """Drop the lock; a folder the claim made that holds nothing else (a refused start) goes too."""
    fd, created = _CLAIMED.pop(str(Path(run_dir).resolve()), (None, False))
    if fd is None:
        return
    os.close(fd)  # closing the descriptor drops the lock
    try:
        if created and [p.name for p in run_dir.iterdir()] == [".lock"]:
            (run_dir / ".lock").unlink()
            run_dir.rmdir()
    except OSError:
        pass  # another trainer arrived meanwhile: the folder is its now


def holds_run(run_dir: Path) -> bool:
    """Whether `run_dir` has a run to resume (its weights are the first checkpoint file written): the trainer and
    the Train tab must agree, or the tab would set a real run's metrics aside and the trainer then refuse."""
    return (Path(run_dir) / "checkpoint.safetensors").exists()


def set_aside_metrics(run_dir: Path) -> Path | None:
    """Rename the run folder's metrics.jsonl to metrics.<time of its last record>.jsonl; returns the new path,
    None when there is none. A new run starts its own file: one left by a run killed before its first checkpoint
    (an out-of-memory kill) would otherwise carry that run's steps into the new curves. Renamed, not deleted, so
    nothing is lost; a resumed run appends to its file instead."""
    old = run_dir / "metrics.jsonl"
    try:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(old.stat().st_mtime))
    except FileNotFoundError:
        return None
    kept = first_free(run_dir, f"metrics.{stamp}", lambda n: f"{f'-{n}' if n > 1 else ''}.jsonl")
    old.rename(kept)
    return kept


def train(task: Task, cfg: LoopConfig, run_dir: str | Path, resume: bool = False, meta: dict | None = None,
          log: Callable[[str], None] = print, progress: Callable[[int, int], None] | None = None, cancel=None) -> Path:
    """Run (or continue) a training run in run_dir; returns the exported model path.

    `meta` is saved into the exported model's card under "training" (data, teacher, distillation...).
    """
    run_dir = Path(run_dir)
    claim_run_dir(run_dir)
    try:
        return _train(task, cfg, run_dir, resume, meta, log, progress, cancel)
    finally:
        release_run_dir(run_dir)


def _train(task: Task, cfg: LoopConfig, run_dir: Path, resume: bool, meta: dict | None, log, progress, cancel) -> Path:
    from vsr_app.models import resolve_device

    device = resolve_device(cfg.device)
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
        cv2.setNumThreads(cfg.threads)
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

    start = 0
    has_ckpt = holds_run(run_dir)
    if resume:
        if not has_ckpt:
            raise VsrAppError(f"nothing to resume in {run_dir} (no checkpoint.safetensors)")
        for stale in run_dir.glob(".*.tmp"):  # half-written files of a killed run
            stale.unlink(missing_ok=True)
        saved = load_checkpoint(run_dir, modules, opt)
        start = saved["step"]
        if hasattr(task, "load_extra_state"):
            task.load_extra_state(saved.get("task", {}))
        log(f"resumed {run_dir} at step {start}")
        if start >= cfg.steps:
            log(f"the run is already at step {start} of {cfg.steps}: nothing to train (a larger --steps continues it)")
    elif has_ckpt:
        raise VsrAppError(f"{run_dir} already holds a run; pass --resume to continue it or choose another --out")
    elif cfg.init_from:
        fresh = _init_from(modules["model"], cfg.init_from, cfg.init_partial)
        log(f"initialised model from {cfg.init_from}" + (f" (fresh: {', '.join(fresh)})" if fresh else ""))
    if world > 1:
        for mod in modules.values():
            for tensor in mod.state_dict().values():
                dist.broadcast(tensor, 0)

    amp = _amp_dtype(cfg, device)
    scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 and device.type == "cuda" else None
    if rank == 0 and not resume and (kept := set_aside_metrics(run_dir)):
        log(f"the metrics of an earlier run that left no checkpoint are kept as {kept.name}")
    metrics = open(run_dir / "metrics.jsonl", "a", encoding="utf-8") if rank == 0 else None
    t0, last_ckpt, seen = time.time(), time.time(), 0
    sums: dict[str, float] = {}
    step = start

    def checkpoint():
        if rank != 0:
            return
        extra = {"task": task.extra_state() if hasattr(task, "extra_state") else {}, "config": asdict(cfg)}
        try:
            save_checkpoint(run_dir, step, modules, opt, extra)
            export(run_dir, task, modules["model"], cfg, step, meta)
        except OSError as exc:
            why = "no space left on the disk" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise VsrAppError(f"{why} while saving the checkpoint in {run_dir}; the last complete checkpoint is "
                              "intact (continue with --resume once this is fixed)") from exc

    def write(rec: dict):
        if metrics is not None:
            metrics.write(json.dumps(rec) + "\n")
            metrics.flush()

    stop = _StopFlag(cancel)
    old_handlers = {}
    try:
        if rank == 0 or world > 1:
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    old_handlers[sig] = signal.signal(sig, stop)
                except ValueError:  # not the main thread (e.g. GUI worker): rely on `cancel`
                    pass
        stream = _batch_stream(task, cfg.seed, rank, world, start)
        tick = time.time()
        while step < cfg.steps:
            batch = {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v for k, v in next(stream).items()}
            stop.training = True
            factor = lr_factor(step, cfg)
            for g in opt.param_groups:
                g["lr"] = g["initial_lr"] * factor
            with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                loss, terms = task.loss(batch, step)
            opt.zero_grad(set_to_none=True)
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
            step += 1
            terms = _average_terms({"loss": float(loss.detach()), **terms}, world)
            task.after_step(step, terms)
            for k, v in {**terms, "grad_norm": gnorm}.items():
                sums[k] = sums.get(k, 0.0) + v
            seen += 1
            if progress is not None:
                progress(step, cfg.steps)
            if step % cfg.log_every == 0 or step == cfg.steps:
                now = time.time()
                rec = {"step": step, "lr": opt.param_groups[0]["lr"], **{k: v / seen for k, v in sums.items()},
                       "s_per_step": (now - tick) / seen, "elapsed_s": now - t0}
                write(rec)
                log(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()))
                sums, seen, tick = {}, 0, now
            if rank == 0 and cfg.val_every and (step % cfg.val_every == 0 or step == cfg.steps):
                val = _validate(task, modules, device, amp)
                if val:
                    write({"step": step, **val})
                    log(f"validation at step {step}: {val}")
            if _any_rank(stop.is_set(), world):
                break
            if rank == 0 and time.time() - last_ckpt > cfg.ckpt_every_s:
                checkpoint()
                last_ckpt = time.time()
        checkpoint()
        if step < cfg.steps:
            log(f"stopped at step {step} of {cfg.steps}: checkpoint written; continue with --resume")
            if stop.hit:  # a signal, as opposed to the caller's cancel event: the process reports the interruption
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        if not stop.training:
            log(f"stopped before step {start + 1}: nothing new to save" + (" (the checkpoint is unchanged)"
                                                                               if start else ""))
        raise
    finally:
        if metrics is not None:
            metrics.close()
        for sig, h in old_handlers.items():
            signal.signal(sig, h)
    return run_dir / "model.safetensors"


def _validate(task: Task, modules, device, amp) -> dict[str, float]:
    for m in modules.values():
        m.eval()
    try:
        with torch.no_grad(), torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            return task.validate()
    finally:
        for m in modules.values():
            m.train()


def _init_from(model: nn.Module, path: str, partial: bool = False) -> list[str]:
    """Load `path` into model; with `partial`, only the tensors whose name and shape fit (e.g. a teacher whose
    head changed). Returns the names left freshly initialised."""
    from safetensors.torch import load_file

    p = Path(path)
    if p.suffix.lower() != ".safetensors" or not p.is_file():
        raise VsrAppError(f"init_from must be an existing .safetensors file: {path}")
    tensors = load_file(str(p))
    if any(k.startswith("module.model.") for k in tensors):  # a run checkpoint
        tensors = {k[len("module.model."):]: v for k, v in tensors.items() if k.startswith("module.model.")}
    own = model.state_dict()
    if partial:
        tensors = {k: v for k, v in tensors.items() if k in own and own[k].shape == v.shape}
        if not tensors:
            raise VsrAppError(f"{p.name} shares no tensor with this model")
    try:
        model.load_state_dict(tensors, strict=not partial)
    except RuntimeError as exc:
        raise VsrAppError(f"{p.name} does not fit this model: {exc}") from exc
    return sorted(set(own) - set(tensors))


def export(run_dir: Path, task: Task, model: nn.Module, cfg: LoopConfig, step: int, meta: dict | None) -> Path:
    """Write the run's model (safetensors + card) with what it was trained on and its last validation."""
    val = {}
    mpath = run_dir / "metrics.jsonl"
    if mpath.exists():
        for line in mpath.read_text().splitlines():
            rec = json.loads(line)
            if any(k.startswith("val_") for k in rec):
                val = rec
    card = {"name": run_dir.name, **task.card(),
            "training": {**(meta or {}), "steps": step, "seed": cfg.seed, "lr": cfg.lr, "run_dir": str(run_dir)},
            "metrics": {k: v for k, v in val.items()},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    return save_model(model, run_dir / "model.safetensors", card)


# ---- command-line entry ------------------------------------------------------------------------

def saved_config(run_dir: Path) -> dict | None:
    """The run's config.json (None when it has none); an unreadable one is reported, not taken for 'no run'."""
    path = run_dir / "config.json"
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VsrAppError(f"cannot read {path}: {exc}") from exc
    if not isinstance(saved, dict):
        raise VsrAppError(f"cannot read {path}: not a JSON object")
    return saved


def same_model(a: str | None, b: str | None) -> bool:
    """A model name, or the same file spelled another way (relative to here, or absolute)."""
    return a is not None and b is not None and (a == b or os.path.abspath(a) == os.path.abspath(b))


def absolute_if_file(name: str | None) -> str | None:
    """A teacher given as a path is stored absolute (the run can be resumed from any folder); a name stays a name."""
    return os.path.abspath(name) if name and Path(name).is_file() else name


def absolute_paths(options: dict) -> dict:
    """The options with every file they name absolute, so the run resumes from any folder (and the Train tab)."""
    options = dict(options)
    for key in ("init_from", "cache"):
        if isinstance(options.get(key), str):
            options[key] = os.path.abspath(options[key])
    for key in ("val", "val_videos"):
        if isinstance(options.get(key), list):
            options[key] = [os.path.abspath(v) if isinstance(v, str) else v for v in options[key]]
    return options


def say_unused(saved_options: dict, asked: dict, saved_data: list[str], data: list[str] | None, run_dir: Path,
               log) -> None:
    """A resumed run continues with its own options and data (all but `steps`): say which asked ones it does not
    use, rather than drop them silently. `teacher`, `distill` and the net were checked before (refused if changed)."""
    unused = sorted(k for k, v in asked.items() if k not in ("steps", "teacher", "distill", "net", "net_config")
                    and v != saved_options.get(k))
    if unused:
        log(f"--resume continues with the run's own options ({run_dir / 'config.json'}); ignoring {', '.join(unused)}")
    if data and sorted(map(os.path.abspath, data)) != sorted(saved_data):
        log(f"--resume trains on the run's own data: {', '.join(saved_data)}")


def _check_resume_flags(saved: dict | None, run_dir: Path, teacher: str | None, distill: str | None) -> None:
    """--resume continues a run as it began: a --teacher or --distill other than the run's is refused, not ignored."""
    if saved is None:
        return  # the loop reports that there is nothing to resume
    for flag, given, began in (("--distill", distill, saved.get("distill") or "none"),
                               ("--teacher", teacher, saved.get("teacher"))):
        if given is not None and not same_model(given, began):
            raise VsrAppError(f"{run_dir} was started with {flag} {began or '(none)'}; --resume continues a run as "
                              f"it began: leave out {flag}, or start a new run with another --out")


def read_config_file(config: str | None) -> dict:
    """A --config file's options (a JSON object)."""
    if not config:
        return {}
    try:
        options = json.loads(Path(config).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VsrAppError(f"cannot read config {config}: {exc}") from exc
    if not isinstance(options, dict):
        raise VsrAppError(f'config {config} must be a JSON object of options, like {{"steps": 2000, "lr": 0.0002}}')
    return options


def run_from_cli(task_name: str, data: list[str], out: str, teacher: str | None = None, distill: str | None = None,
                 steps: int | None = None, resume: bool = False, config: str | None = None,
                 val: list[str] | None = None, log=print) -> Path:
    """`vsr-app train`: merge options (a resumed run's saved config < --config file < CLI), build the task, train.

    VSR: the merged options are saved as RUN_DIR/config.json so `--resume` needs only --data and --out.
    VFI runs are set up by vsr_app.distill.vfi_task.train_vfi. `val`: validation clips (the tasks' option names
    differ: "val" for VSR, "val_videos" for VFI).
    """
    file_options = read_config_file(config)
    if val:
        file_options["val" if task_name == "vsr" else "val_videos"] = list(val)
    asked_teacher = teacher or file_options.get("teacher")  # the command line, else the --config file
    asked_distill = distill or file_options.get("distill")
    run_dir = Path(os.path.abspath(out))  # absolute: the card names the run (`--out .`), it resumes from anywhere
    if not resume and asked_teacher and (asked_distill or "none") == "none":
        kinds = "std, space or time" if task_name == "vsr" else "laplacian"
        raise VsrAppError(f"--teacher is used only for distillation: add --distill ({kinds}), or leave out --teacher")
    if task_name == "vfi":
        from vsr_app.distill.vfi_task import train_vfi

        saved = saved_config(run_dir) if resume else None
        if saved is not None and "options" in saved:  # a VSR run: train_vfi names the right command
            _check_resume_flags(saved, run_dir, asked_teacher, asked_distill)
        return train_vfi(data, out, teacher=teacher, distill=distill or "none", steps=steps, resume=resume,
                         options=file_options, log=log)
    if data or not resume:
        check_data(data)  # before the run folder is made: a mistyped --data leaves nothing behind
    claim_run_dir(run_dir)  # before config.json is written: a second trainer on this folder stops here
    try:
        return _train_vsr(data, run_dir, teacher, distill, steps, resume, file_options, log)
    finally:
        release_run_dir(run_dir)


def _train_vsr(data, run_dir: Path, teacher, distill, steps, resume: bool, file_options: dict, log) -> Path:
    from vsr_app.distill.vsr_task import DEFAULTS, VSRTask, net_settings

    saved = saved_config(run_dir) if resume else None
    if saved is not None and "options" in saved:
        raise VsrAppError(f"{run_dir} holds a frame-interpolation run: continue it with `vsr-app train vfi`")
    if resume:
        _check_resume_flags(saved, run_dir, teacher or file_options.get("teacher"),
                            distill or file_options.get("distill"))
        began = {"net": DEFAULTS["net"], "net_config": {}, **(saved or {})}
        asked = {**began, **{k: file_options[k] for k in ("net", "net_config") if k in file_options}}
        if net_settings(asked["net"], asked["net_config"]) != net_settings(began["net"], began["net_config"]):
            # the checkpoint holds that net's weights: another shape cannot load them
            raise VsrAppError(f"{run_dir} was started with net {json.dumps(began['net'])}, net_config "
                              f"{json.dumps(began['net_config'])}; --resume cannot change the network: start a new "
                              f"run with another --out")
    elif holds_run(run_dir):  # before config.json is written: a refused start leaves the run as it was
        raise VsrAppError(f"{run_dir} already holds a run; pass --resume to continue it or choose another --out")
    asked = absolute_paths(file_options)
    if saved is not None and all(os.path.isabs(d) for d in saved.get("data") or [""]):
        say_unused(saved, asked, saved["data"], data, run_dir, log)
        options = dict(saved)  # the run continues as it began
        if "steps" in asked:
            options["steps"] = asked["steps"]
    else:  # a new run; or one from before runs stored their data absolute: it takes --data, stored absolute now
        if resume and not holds_run(run_dir):
            raise VsrAppError(f"nothing to resume in {run_dir} (no checkpoint.safetensors)")
        if resume and not data:
            raise VsrAppError(f"{run_dir} does not name its data absolute (an older run): resume it once with --data")
        options = {**(saved or {}), **asked, "data": [os.path.abspath(d) for d in data]}
        if teacher:
            options["teacher"] = teacher
        options["teacher"] = absolute_if_file(options.get("teacher"))
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
    torch.manual_seed(loop_cfg.seed)  # the task builds the nets: same seed, same initial weights
    task = VSRTask(task_opts, log=log)
    if int(os.environ.get("RANK", "0")) == 0:
        atomic_write(run_dir / "config.json", lambda tmp: Path(tmp).write_text(json.dumps(options, indent=1)))
    meta = task.describe() if hasattr(task, "describe") else {}
    return train(task, loop_cfg, run_dir, resume=resume, meta=meta, log=log)
