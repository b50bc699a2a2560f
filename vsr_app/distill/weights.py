"""The weights a run starts from: `init_from` (a file's tensors, all of them or those that fit), a resume's from the
run's exported weights where its checkpoint is gone, and the moving average of the weights (`ema`) with where it
starts; and the teacher's it distils from (`load_teacher`)."""
from __future__ import annotations

import contextlib
from pathlib import Path

from safetensors import SafetensorError
from torch import nn

from vsr_app.distill.checkpoint import checkpoint_average
from vsr_app.distill.ema import WeightAverage
from vsr_app.distill.options import LoopConfig
from vsr_app.distill.runs import exported_step
from vsr_app.errors import UnknownModel, VsrAppError


def weight_average(run_dir: Path, model: nn.Module, cfg: LoopConfig, resume: bool, log) -> WeightAverage | None:
    """The moving average of the model's weights (`ema`), from the weights the run starts at, or a resumed checkpoint's.
    A run resumed from its exported weights alone starts it from those, which were the average."""
    if not cfg.ema:
        return None
    average = WeightAverage(model, cfg.ema)
    if resume and (run_dir / "checkpoint.safetensors").exists():
        saved = checkpoint_average(run_dir)
        if saved:
            average.load_state_dict(saved)
        else:
            log('the checkpoint holds no weight average (the run had no "ema" before): it starts from the weights')
    return average


def averaged(average: WeightAverage | None, model: nn.Module):
    """The weight average in the model, where the run keeps one, for validation and export."""
    return contextlib.nullcontext() if average is None else average.applied(model)


def resume_from_weights(run_dir: Path, modules: dict[str, nn.Module], log) -> int:
    """Continue a run whose checkpoint is gone from the weights it exported. The schedule and the batches go on from
    its step (both are functions of the step); the optimiser's moments and any other trained module (a distillation
    ConvLSTM) start afresh, so the run no longer repeats the uninterrupted one exactly."""
    step = exported_step(run_dir)
    init_from(modules["model"], str(run_dir / "model.safetensors"),
              advice="these are not the weights of the net the run's config.json builds (was model.safetensors "
                     "replaced?)")
    afresh = ["the optimiser state"] + [name for name in modules if name != "model"]
    log(f"resumed {run_dir} at step {step} from its exported weights alone (model.safetensors): its checkpoint is "
        f"gone, so these start afresh: {', '.join(afresh)}")
    return step


def init_from(model: nn.Module, path: str, partial: bool = False,
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


def load_teacher(name: str, task: str):
    """The teacher model (`models.LoadedModel`) for a run of `task` ("upscale", "interpolate"). A name no model has
    is said as the --teacher it came from, with the models that could teach: trained ones of the task (the list of
    every model named the built-ins too, bicubic or blend, which cannot)."""
    from vsr_app.models import list_models, load_model

    try:
        return load_model(name, "cpu")
    except UnknownModel:
        trained = [info.name for info in list_models() if info.task == task and info.path is not None]
        raise VsrAppError(f"unknown --teacher '{name}' (the installed models that can teach: "
                          f"{', '.join(trained) or 'none'})") from None
