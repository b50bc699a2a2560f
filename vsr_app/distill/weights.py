"""The weights a run starts from: `init_from` (a file's tensors, all of them or those that fit; a model's name means
its file, `start_weights`; the net they are for is their card's, `start_card`), a resume's from the run's exported
weights where its checkpoint is gone, and the moving average of the weights (`ema`) with where it starts; and the
teacher's it distils from (`load_teacher`)."""
from __future__ import annotations

import contextlib
from pathlib import Path

from safetensors import SafetensorError
from torch import nn

from vsr_app.distill.checkpoint import checkpoint_average
from vsr_app.distill.ema import WeightAverage
from vsr_app.distill.options import LoopConfig
from vsr_app.distill.runs import exported_step, read_json_object
from vsr_app.errors import UnknownModel, VsrAppError
from vsr_app.words import counted


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


def start_weights(init: str) -> str:
    """init_from's weights file: a model's name (built-in, shipped or installed, as --teacher and --model take it)
    or a training run's folder means its .safetensors file, as --model takes them; an existing file or a path to a
    .safetensors file is itself. A name that is none of these is said as an unknown model, with the names there are
    (a typo read "init_from must be an existing .safetensors file: /cwd/vsr-x4-studnet")."""
    from vsr_app.models import is_model_name, resolve

    path = Path(init).expanduser()
    if not is_model_name(init) and (path.is_file() or path.suffix.lower() == ".safetensors"):
        return init  # (a run's checkpoint.safetensors too, which is no model --model takes)
    try:
        weights = resolve(init).path
    except VsrAppError as exc:
        raise VsrAppError(f"init_from: {exc}") from None
    if weights is None:
        raise VsrAppError(f"init_from '{init}' is a built-in model, which has no weights to start from")
    return str(weights)


def with_start_weights(options: dict) -> dict:
    """The options with init_from checked (`start_weights`): a run folder as its weights file, a model's name kept as
    a name, which the run stores. Stored as the file, a fine-tune of vsr-x4-student named a file inside the app's
    folder, and Browse runs' Start from was "not found" once the app had moved (an update unpacked elsewhere)."""
    from vsr_app.models import is_model_name

    init = options.get("init_from")
    if not isinstance(init, str) or not init:
        return options
    weights = start_weights(init)
    return {**options, "init_from": init if is_model_name(init) else weights}


def start_card(init: str) -> tuple[Path, dict] | None:
    """The card beside init_from's weights and the net it describes ({"arch", "config"}); None without a card. A
    run's checkpoint holds the run's net, whose card (model.json) is written with every checkpoint."""
    weights = Path(start_weights(init))
    checkpoint = weights.name == "checkpoint.safetensors"
    card_path = weights.with_name("model.json") if checkpoint else weights.with_suffix(".json")
    if not card_path.is_file():
        return None
    return card_path, card_net(card_path, f"the model card of init_from {card_path}")


def card_net(card_path: Path, what: str) -> dict:
    """The net a model card describes, {"arch", "config"}; one line where the card does not say (`what`: the card,
    in the user's words)."""
    card = read_json_object(card_path, what)
    if not isinstance(card.get("arch"), str) or not isinstance(card.get("config"), dict):
        raise VsrAppError(f"{what} does not say which net to build (it lacks \"arch\" or \"config\")")
    return {"arch": card["arch"], "config": card["config"]}


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
    if not partial:
        refuse_unfit(own, tensors, p.name, advice)
    model.load_state_dict(tensors, strict=not partial)
    return sorted(set(own) - set(tensors))


def refuse_unfit(own: dict, tensors: dict, name: str, advice: str) -> None:
    """Refuse `tensors` (of the file `name`) that do not fit the model's `own`, in one line ending in `advice`."""
    if mismatch := _mismatch(own, tensors):
        raise VsrAppError(f"{name} does not fit this model: {mismatch}; {advice}")


def _mismatch(own: dict, tensors: dict) -> str:
    """How `tensors` differ from the model's `own` ones, in a line (torch lists every key: 3 KB for another net)."""
    said = []
    for what, names in (("missing", sorted(set(own) - set(tensors))),
                        ("not in this model", sorted(set(tensors) - set(own))),
                        ("of another shape", sorted(k for k in set(own) & set(tensors)
                                                    if own[k].shape != tensors[k].shape))):
        if names:
            said.append(f"{counted(len(names), 'tensor')} {what} (such as {names[0]})")
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
