"""A run's checkpoint files and the bookkeeping of where a run resumes.

The checkpoint is checkpoint.safetensors + checkpoint.json (no pickle): the modules' weights, the weight average
(`ema`), the optimiser's state and the RNG, with the step and the optimiser's groups in the tensors file's header too,
so one atomic rename commits a complete checkpoint. Also here: a one-line error when the disk fills (`saving`) or a
checkpoint does not read, the step a resume continues from (its checkpoint's, or its exported weights'), the checks
of a resumed run's --steps against it, and the trimming of metrics.jsonl to that step (`resume_metrics`). The loop
that writes them is `vsr_app.distill.train`.
"""
from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

import torch
from safetensors import SafetensorError
from torch import Tensor, nn

from vsr_app.disk_full import why_not_written
from vsr_app.distill.ema import WeightAverage
from vsr_app.distill.options import is_number
from vsr_app.distill.runs import (VALIDATED_ON, check_own_folder, exported_step, holds_run, is_validation,
                                  metrics_record, read_json_object)
from vsr_app.errors import STEPS_BEHIND, STEPS_HINT, VsrAppError
from vsr_app.files import atomic_write

AVERAGE_PREFIX = "ema.model."  # the checkpoint's tensors of the model's weight average (`ema`)


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
        raise VsrAppError(f"{why_not_written(exc)} while saving {what} in {run_dir}; "
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
        meta = read_json_object(run_dir / "checkpoint.json", str(run_dir / "checkpoint.json"))
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


def checkpoint_average(run_dir: Path) -> dict[str, Tensor]:
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
    exported weights remain, how to go on from them. One that cannot be opened (no read permission) too, with the
    reason a plain open gives: safetensors calls every such failure FileNotFoundError, of a file that exists."""
    path = run_dir / "checkpoint.safetensors"
    try:
        yield
    except (SafetensorError, OSError) as exc:
        reason = (_open_failure(path) or exc.strerror or exc) if isinstance(exc, OSError) else exc
        way_on = ("; delete it to continue from the run's exported weights (model.safetensors) alone, with a fresh "
                  "optimiser" if (run_dir / "model.safetensors").exists() else "")
        raise VsrAppError(f"cannot read {path}: {reason}{way_on}") from None


def _open_failure(path: Path) -> str | None:
    """Why a plain open of `path` fails (None: it opens)."""
    try:
        with open(path, "rb"):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


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


def resume_metrics(run_dir: Path, step: int, validated_on: list[str]) -> None:
    """Ready metrics.jsonl for a run resumed at `step`. The records of later steps go (a killed run logged them,
    then lost them): the resumed run logs those steps again, and curves and the card's last validation must come
    from the steps it kept. Validation records from before records named their clips get `validated_on`, the clips
    the run validated on until this resume, which may change them (--val): their scores are not the new clips'."""
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [_tagged(line, validated_on) for line in lines if _record_step(line) <= step]
    if kept != lines:
        atomic_write(path, lambda tmp: Path(tmp).write_text("".join(kept), encoding="utf-8"))


def _tagged(line: str, clips: list[str]) -> str:
    """A metrics line; a validation record that does not name its clips given `clips` (none known: as it is)."""
    record = metrics_record(line)
    if not clips or record is None or not is_validation(record) or VALIDATED_ON in record:
        return line
    return json.dumps({**record, VALIDATED_ON: clips}) + "\n"


def elapsed_before(run_dir: Path) -> float:
    """The elapsed_s of the run's last metrics record (0 without one): where a resumed run's own time goes on."""
    try:
        lines = (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return 0.0
    return elapsed_until([record for record in map(metrics_record, lines) if record is not None])


def elapsed_until(records: list[dict], step: float = math.inf) -> float:
    """The run's training time at `step` (none: its end): the elapsed_s of its last record up to it (0 without one).
    The Train tab reads it at a resume's checkpoint before the trainer drops the records past it (`resume_metrics`),
    so a record with no number for its step counts as past it there too."""
    return next((float(record["elapsed_s"]) for record in reversed(records)
                 if _step_of(record) <= step and is_number(record.get("elapsed_s"))), 0.0)


def _record_step(line: str) -> float:
    """A metrics record's step; a record torn by the kill (or one that is no record, or has no number for its step)
    counts as past every checkpoint."""
    record = metrics_record(line)
    return math.inf if record is None else _step_of(record)


def _step_of(record: dict) -> float:
    step = record.get("step", 0)
    return step if is_number(step) else math.inf
