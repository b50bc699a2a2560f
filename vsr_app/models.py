"""Registry of models: shipped and user-trained weights (safetensors + JSON card) and built-in baselines.

Loading never executes pickled code: only `.safetensors` files are accepted, and the tensors are checked
against the architecture named in the card before use.

Torch (about 2 s to import) is imported by the functions that build, load or place a net, not here: the desktop
window's modules import this one, and importing them leaves torch to the first net built.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import importlib
import json
import logging
import math
import os
import pkgutil
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from vsr_app.devices import resolve_device
from vsr_app.errors import UnknownModel, VsrAppError
from vsr_app.files import atomic_write
from vsr_app.resources import models_dir, user_models_dir

if TYPE_CHECKING:
    import torch
    from torch import nn

log = logging.getLogger(__name__)

# a config with 0 channels builds, torch warns while initialising it, and check_net_runs refuses it in words
warnings.filterwarnings("ignore", message="Initializing zero-element tensors is a no-op")

PICKLE_SUFFIXES = {".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle", ".tar"}

_ARCHS: dict[str, Callable[..., nn.Module]] = {}


@dataclass(frozen=True)
class Builtin:
    """A baseline that needs no weights; `make()` returns an nn.Module or a ready engine object."""

    name: str
    task: str
    scale: int
    make: Callable[[], Any]
    description: str


_BUILTINS: dict[str, Builtin] = {}
TASK_SCALES = {"upscale": None, "interpolate": 2}  # the scale each task allows (None: any); interpolation doubles


@dataclass
class ModelInfo:
    """What the model selector and `vsr-app models` show about a model."""

    name: str
    task: str  # "upscale" | "interpolate"
    scale: int
    params: int
    path: str | None
    card: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"name": self.name, "task": self.task, "scale": self.scale, "params": self.params,
                "path": self.path, "card": self.card}


@dataclass
class LoadedModel:
    """A model ready for an inference engine: `net` is an nn.Module in eval mode, or a built-in engine object."""

    info: ModelInfo
    net: Any
    # A short SHA-256 of the weights file's bytes as loaded (None for a built-in). Outputs record it next to the
    # name, so a batch rerun after retraining under the same name redoes the files instead of keeping the old
    # model's; taken from the bytes the net was built from, so a file replaced meanwhile cannot be credited.
    weights_digest: str | None = None
    # said in the notes of every run it makes: the app's own model runs under a name a model of the user's has too
    note: str | None = None

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def task(self) -> str:
        return self.info.task


def register_arch(name: str):
    """Decorator registering a builder `fn(**config) -> nn.Module` under the card's "arch" name."""

    def wrap(builder):
        _ARCHS[name] = builder
        return builder

    return wrap


def register_builtin(builtin: Builtin) -> None:
    _BUILTINS[builtin.name] = builtin


def _builtin_info(builtin: Builtin) -> ModelInfo:
    return ModelInfo(builtin.name, builtin.task, builtin.scale, 0, None, {"description": builtin.description})


def build_arch(arch: str, config: dict) -> nn.Module:
    """Instantiate a registered architecture from a card's arch name and config."""
    _check_arch(arch)
    try:
        return _ARCHS[arch](**config)
    except (TypeError, ValueError, RuntimeError, ZeroDivisionError) as exc:  # unknown keys; sizes torch cannot build
        raise VsrAppError(f"the config {json.dumps(config)} does not fit architecture '{arch}': {exc}") from exc


def check_net_runs(net: nn.Module, example: torch.Tensor, what: str) -> None:
    """Some configs build a net that cannot run (0 channels: torch makes the layer and fails on its first input):
    put `example` through it, so a training run refuses such a config in one line before any work starts."""
    import torch

    try:
        with torch.no_grad():
            net(example)
    except (RuntimeError, ValueError, ZeroDivisionError) as exc:
        raise VsrAppError(f"{what} does not make a net that runs: {str(exc).splitlines()[0]}") from None


def count_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@functools.cache
def _import_nets() -> None:
    """Import every module of vsr_app.nets so their @register_arch decorators run: once, as every build_arch asks
    (modules are imported once anyway, but the folder was listed each time). An architecture registered later, as
    tests register theirs, goes into the registry directly."""
    import vsr_app.nets as nets_pkg

    for mod in pkgutil.iter_modules(nets_pkg.__path__):
        importlib.import_module(f"vsr_app.nets.{mod.name}")


_BASELINES, _CLASSIC = "vsr_app.nets.builtin", "vsr_app.classic_interp"  # the built-ins' modules (`_made`)


def _register_default_builtins() -> None:
    register_builtin(Builtin("bicubic", "upscale", 4, lambda: _made(_BASELINES, "BicubicUpscale", 4),
                             "bicubic x4 enlargement (torch's, a = -0.75: Vid4 23.88 dB, where the published bicubic "
                             "row, MATLAB's imresize with a = -0.5, is 23.78)"))
    register_builtin(Builtin("blend", "interpolate", 2, lambda: _made(_BASELINES, "Blend"),
                             "average of the two neighbouring frames"))
    register_builtin(Builtin("opencv-flow", "interpolate", 2, lambda: _made(_CLASSIC, "OpenCVFlowInterpolator"),
                             "OpenCV DIS optical flow both ways, midpoint by backward warping"))
    register_builtin(Builtin("ffmpeg-mci", "interpolate", 2, lambda: _made(_CLASSIC, "FFmpegMCIInterpolator"),
                             "FFmpeg minterpolate (motion-compensated interpolation) through PyAV"))
    register_builtin(Builtin("repeat", "interpolate", 2, lambda: _made(_CLASSIC, "RepeatInterpolator"),
                             "the frame before, repeated: no interpolation, the floor every interpolator must clear"))


def _made(module: str, name: str, *args):
    """A built-in's engine, its module imported on use: the nets' imports torch, the classical interpolators' the
    engines, and listing the built-ins needs neither."""
    return getattr(importlib.import_module(module), name)(*args)


_register_default_builtins()


def _search_dirs() -> list[Path]:
    return [models_dir(), user_models_dir()]


def _read_card(weights: Path) -> dict:
    card_path = weights.with_suffix(".json")
    if not card_path.is_file():
        raise VsrAppError(f"model card {card_path.name} is missing next to {weights.name}")
    try:
        # NaN/Infinity (Python's json writes them; JSON has none) read as null: `models --json` stays valid JSON
        card = json.loads(card_path.read_text(encoding="utf-8"), parse_constant=lambda _: None)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VsrAppError(f"model card {card_path} is not valid JSON: {exc}") from exc
    if not isinstance(card, dict):  # e.g. a list: the checks below would fail with a TypeError
        raise VsrAppError(f"model card {card_path.name} is not a JSON object")
    missing = [k for k in ("task", "scale", "arch", "config") if k not in card]
    if missing:
        hint = ("; a training run's checkpoint is not a model: use model.safetensors beside it"
                if card_path.name == "checkpoint.json" else "")
        raise VsrAppError(f"model card {card_path.name} lacks {', '.join(missing)}{hint}")
    return card


def _info_from_file(weights: Path, name: str | None = None) -> ModelInfo:
    """`name`: the registry name (the file stem, what --model takes); by default the card's name, for a path.

    `params` is what the tensors hold, not what the card says: a card that disagrees is refused here, so
    `models` lists it as unusable with the reason loading it would give."""
    return _info_and_shapes(weights, name)[0]


def _info_and_shapes(weights: Path, name: str | None = None) -> tuple[ModelInfo, dict[str, tuple[int, ...]]]:
    """`_info_from_file`, and the tensor shapes of the header it read (`scan_models` checks them against the card's
    net without reading the header again)."""
    card = _read_card(weights)
    try:
        task, scale, declared = card["task"], int(card["scale"]), card.get("params")
        declared = None if declared is None else int(declared)
    except (TypeError, ValueError) as exc:
        raise VsrAppError(f"model card {weights.with_suffix('.json').name} has a bad scale or params: {exc}") from exc
    card_name = weights.with_suffix(".json").name
    if not isinstance(task, str) or task not in TASK_SCALES:
        raise VsrAppError(f"model card {card_name} names task '{task}'; the app knows {' and '.join(TASK_SCALES)}")
    if scale < 1 or TASK_SCALES[task] not in (None, scale):
        raise VsrAppError(f"model card {card_name} gives scale {scale} for task '{task}'")
    memory = card.get("working_memory")
    if memory is not None and not (isinstance(memory, list) and len(memory) == 2
                                   and all(type(v) is int and v >= 0 for v in memory)):
        raise VsrAppError(f"model card {card_name} gives working_memory {memory!r}; it must be [bytes, bytes per "
                          "input pixel]")
    shapes = _tensor_shapes(weights)
    params = sum(math.prod(shape) for shape in shapes.values())
    if declared is not None and declared != params:
        raise VsrAppError(f"{weights.name}: card declares {declared} parameters but the tensors hold {params}")
    card_label = card.get("name", weights.stem)
    if not isinstance(card_label, str):  # a hand-edited card: the path is the only name to trust
        card_label = str(weights)
    info = ModelInfo(name=name or card_label, task=task, scale=scale, params=params, path=str(weights), card=card)
    return info, shapes


@dataclass(frozen=True)
class SkippedFile:
    """A file in a model folder that is not offered, and why (`vsr-app models` lists these; selectors skip them)."""

    path: str
    reason: str
    hidden: bool = False  # usable, but a built-in or shipped model of the same name comes first


@contextlib.contextmanager
def _reading_safetensors(weights: Path):
    """Turns the errors of reading a weights file (unreadable, corrupt, truncated) into one readable message."""
    from safetensors import SafetensorError

    try:
        yield
    except (SafetensorError, OSError, ValueError) as exc:
        raise VsrAppError(f"{weights.name} is not a readable safetensors file (corrupt or truncated): {exc}") from exc


def _tensor_shapes(weights: Path) -> dict[str, tuple[int, ...]]:
    """The shape of each tensor the file holds, by name, from the safetensors header only (cheap): a truncated or
    foreign file fails here, not when chosen. Their sizes add up to the net's parameters: the load check wants the
    state dict's exact keys, and no registered architecture keeps buffers in it."""
    from safetensors import safe_open

    with _reading_safetensors(weights), safe_open(str(weights), framework="pt") as fh:
        return {key: tuple(fh.get_slice(key).get_shape()) for key in fh.keys()}


def scan_models() -> tuple[list[ModelInfo], list[SkippedFile]]:
    """Every usable model (built-ins, then shipped, then user models; the name is what --model takes: a
    built-in's name or the file stem) and every model file left out, with the reason.

    A name belongs to the first place that has it, as in `resolve`: a user file named like a built-in or shipped
    model is hidden (so a documented name always means the documented model); broken files (no card, a card
    that does not parse or names an unknown architecture, unreadable weights or weights that do not fit the net its
    card builds, pickle files) are unusable, with the reason loading them would give (from the header: no weights
    are read).
    """
    infos = [_builtin_info(b) for b in _BUILTINS.values()]
    # by casefolded name: on macOS and Windows disks a name differing only in case opens the same file
    owner = {i.name.casefold(): ("built-in", i.name) for i in infos}
    skipped: list[SkippedFile] = []
    for folder, where in zip(_search_dirs(), ("shipped", "user")):
        if not folder.is_dir():
            continue
        for path in _by_model_name(folder):
            suffix = path.suffix.lower()
            if path.name.startswith(".") or not path.is_file():
                continue  # atomic_write's temp files, folders
            if suffix in PICKLE_SUFFIXES:
                skipped.append(SkippedFile(str(path), "pickle-based weights are refused (loading them can run "
                                                      "code); convert them to .safetensors"))
            elif suffix == ".json" and not path.with_suffix(".safetensors").is_file():
                skipped.append(SkippedFile(str(path), f"a model card without weights: {path.stem}.safetensors "
                                                      "is missing"))
            elif suffix == ".safetensors" and path.suffix != ".safetensors":
                skipped.append(SkippedFile(str(path), f"rename it to {path.stem}.safetensors (lower case): "
                                                      f"--model {path.stem} looks for that name"))
            elif suffix == ".safetensors":
                if path.stem.casefold() in owner:
                    place, name = owner[path.stem.casefold()]
                    skipped.append(SkippedFile(str(path), f"hidden by the {place} model '{name}', "
                                                          "which comes first; rename the file (with its .json) "
                                                          "to use it, or pass its path to --model", hidden=True))
                    continue
                owner[path.stem.casefold()] = (where, path.stem)
                checked = _checked_model_file(path)
                if isinstance(checked, str):
                    skipped.append(SkippedFile(str(path), checked))
                else:
                    infos.append(checked)
    return infos, skipped


def _by_model_name(folder: Path) -> list[Path]:
    """The folder's files in the order `models` lists them: by model name (the stem), so the default vsr-x4-student
    comes before its variants (by file name vsr-x4-student-aligned.safetensors came first: '-' sorts before '.')."""
    return sorted(folder.iterdir(), key=lambda path: (path.stem, path.name))


def _checked_model_file(weights: Path) -> ModelInfo | str:
    """The file's model as `models` lists it, or why it is unusable. Remembered for as long as what the check reads
    is unchanged (the card, the weights' header and size): the GUI's model selectors rescan on every reload and
    task switch, and building each net from its card to compare shapes costs 2-20 ms a model."""
    inputs = _check_inputs(weights)
    outcome = _remembered_check(*inputs) if inputs else _check_model_file(weights)
    return outcome if isinstance(outcome, str) else replace(outcome, card=copy.deepcopy(outcome.card))


@functools.lru_cache(maxsize=256)
def _remembered_check(path: str, *inputs) -> ModelInfo | str:
    """`_check_model_file`, once per `inputs` (the cache key: what it reads)."""
    return _check_model_file(Path(path))


def _check_model_file(weights: Path) -> ModelInfo | str:
    try:
        info, shapes = _info_and_shapes(weights, name=weights.stem)
        _check_fits_card(weights, info.card, bare_net(info), shapes)
    except VsrAppError as exc:
        return str(exc)
    return info


HEADER_LIMIT = 1 << 20  # a model's safetensors header is a few KB; a longer one is not remembered


def _check_inputs(weights: Path) -> tuple | None:
    """What checking a model file reads: its path, size, safetensors header and card (None, checked afresh, when
    one cannot be read or the header is implausibly long, as in a foreign file)."""
    try:
        with open(weights, "rb") as fh:
            prefix = fh.read(8)
            length = int.from_bytes(prefix, "little")
            if len(prefix) < 8 or length > HEADER_LIMIT:
                return None
            header = fh.read(length)
            size = os.fstat(fh.fileno()).st_size
        card = weights.with_suffix(".json").read_bytes()
    except OSError:
        return None
    return str(weights), size, prefix + header, card


def _check_arch(arch: str) -> None:
    _import_nets()
    if not isinstance(arch, str) or arch not in _ARCHS:
        raise VsrAppError(f"unknown model architecture '{arch}' (known: {', '.join(sorted(_ARCHS)) or 'none'})")


def is_reserved_model_name(name: str) -> bool:
    """Whether a user model cannot take `name`: a built-in's or a shipped model's, which come first when resolving,
    in any letter case (on macOS and Windows disks VSR-X4-Student.safetensors is the shipped
    vsr-x4-student.safetensors, so a user model of that name would run the shipped weights)."""
    owner = _name_owner(name)
    return isinstance(owner, str) or (owner is not None and owner.parent == models_dir())


def is_model_name(name: str) -> bool:
    """Whether `name` means a built-in, shipped or installed model: what `resolve` takes it for before any path.
    Raises, as `resolve` does, for a model's name in another letter case."""
    return name in _BUILTINS or _registry_file(name) is not None


def bare_net(info: ModelInfo):
    """The model's net built from its card without the weights (cheap: what it is, not what it learned); a
    built-in as it is."""
    return _net_from_card(info.card) if info.path else _BUILTINS[info.name].make()


def _net_from_card(card: dict) -> nn.Module:
    """The card's architecture and config, with the card's measured working memory where it has one (the
    architecture's figure is for its shipped config: refusing jobs that cannot fit counts it, video/limits.py)."""
    net = build_arch(card["arch"], card["config"])
    if "working_memory" in card:  # checked by _info_and_shapes
        net.working_memory = tuple(card["working_memory"])
    return net


def list_models() -> list[ModelInfo]:
    """The usable models, for the model selectors and messages (`scan_models` also says what is left out)."""
    return scan_models()[0]


def resolve(name_or_path: str) -> ModelInfo:
    """Find a model by registry name or by a path to a .safetensors file (or a run's folder: `runs.run_model`).

    A bare name that the registry has is the registry's model even when the current folder holds a file or
    folder of that name (a run trained with `--out vsr-x4-student`): a documented name always means the
    documented model; `./NAME` reaches the local one. A model's name in another letter case is refused
    (VsrAppError), as on macOS and Windows disks it opens that model's file.
    """
    if name_or_path in _BUILTINS:
        return _builtin_info(_BUILTINS[name_or_path])
    registered = _registry_file(name_or_path)
    if registered:
        return _info_from_file(registered, name=name_or_path)
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise VsrAppError(f"{path.name}: pickle-based weight files are refused because loading them can run "
                          "arbitrary code; convert the weights to .safetensors")
    if path.is_dir():  # a run's folder: the model it makes (a pruning's pruned net)
        from vsr_app.distill.runs import run_model  # torch-free; a run's options say which run it is

        path = run_model(path)
    if path.suffix.lower() == ".safetensors" or path.exists():
        if not path.is_file():
            raise VsrAppError(f"model file not found: {path}")
        if path.suffix.lower() != ".safetensors":
            raise VsrAppError(f"{path.name}: only .safetensors model files are accepted")
        return _info_from_file(path)
    for folder in _search_dirs():  # its card without its weights: a damaged install, not a name never heard of
        card = folder / f"{name_or_path}.json"
        if card.is_file() and "/" not in name_or_path:
            raise VsrAppError(f"model '{name_or_path}' cannot be used: its weights ({name_or_path}.safetensors) are "
                              f"missing beside its card in {folder}; install the app (or the model) again")
    raise UnknownModel(f"unknown model '{name_or_path}' ({known_by_task()})")


def known_by_task() -> str:
    """'upscalers: a, b; interpolators: c': a user who mistyped an upscaler's name looks among the upscalers."""
    infos = list_models()
    return "; ".join(f"{label}: {', '.join(i.name for i in infos if i.task == task)}"
                     for task, label in (("upscale", "upscalers"), ("interpolate", "interpolators")))


def _name_owner(name: str) -> str | Path | None:
    """What owns a bare name in any letter case: a built-in's name, else the first shipped or user weights file."""
    if Path(name).name != name:
        return None
    owner = next((b for b in _BUILTINS if b.casefold() == name.casefold()), None)
    for folder in _search_dirs():
        owner = owner or _weights_named(folder, name)
    return owner


def _weights_named(folder: Path, name: str) -> Path | None:
    """The first (sorted) weights file in `folder` named `name` in any letter case: the one `scan_models` lists."""
    if not folder.is_dir():
        return None
    return next((p for p in _by_model_name(folder) if p.suffix == ".safetensors" and not p.name.startswith(".")
                 and p.stem.casefold() == name.casefold() and p.is_file()), None)


def installed_model_file(name: str) -> Path | None:
    """The user's installed model that `name` means in any letter case (what installing under it would hide or
    replace), or None."""
    return _weights_named(user_models_dir(), name)


def _registry_file(name: str) -> Path | None:
    """The shipped or installed weights file a bare model name means, or None. A name belongs to the first place
    that has it in any letter case, as `scan_models` lists them (built-ins, then shipped files, then the user's in
    sorted order): on macOS and Windows disks VSR-X4-Student.safetensors opens vsr-x4-student.safetensors, and a
    file `models` calls hidden must not be what the name runs. A name owned in another spelling is refused."""
    owner = _name_owner(name)
    spelled = owner if isinstance(owner, str) else owner.stem if owner is not None else name
    if spelled != name:
        where = "a built-in model" if isinstance(owner, str) else str(owner)
        raise VsrAppError(f"'{name}' is the model '{spelled}' ({where}) in another letter case, and names are the "
                          f"same in any case: use '{spelled}', or pass the path of another file of that name")
    return None if isinstance(owner, str) else owner


def report_name(info: ModelInfo, as_given: str) -> str:
    """The name `eval` and `bench` report a model's scores under: its own, or `as_given` (the path typed) where its
    card's name means another model here (a training run saved as vsr-x4-student.safetensors), so its numbers
    cannot pass for the built-in, shipped or installed model's."""
    if info.path is None:
        return info.name
    owner = _name_owner(info.name)
    if isinstance(owner, str) or (owner is not None and owner.resolve() != Path(info.path).resolve()):
        return as_given
    return info.name


def load_model(name_or_path: str, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model for inference, checking its tensors against the architecture its card names."""
    from torch import nn

    info = resolve(name_or_path)
    note = _hides_yours(name_or_path, info)
    if note:  # at once, before a long job: the runs' notes repeat it where no terminal shows this (the GUI)
        log.warning("note: %s", note)
    digest = None
    if info.path is None:
        net = _BUILTINS[info.name].make()
    else:
        net, digest = _load_weights(Path(info.path), info.card)
        info.params = count_params(net)
    if isinstance(net, nn.Module):
        net = net.to(resolve_device(device)).eval()
    return LoadedModel(info, net, digest, note)


def _load_weights(path: Path, card: dict) -> tuple[nn.Module, str]:
    """The net with the file's weights, and a short SHA-256 of the bytes they came from."""
    from safetensors.torch import load

    net = _net_from_card(card)
    with _reading_safetensors(path):
        data = path.read_bytes()
        tensors = load(data)
    _check_fits_card(path, card, net, {key: tuple(t.shape) for key, t in tensors.items()})
    net.load_state_dict(tensors)
    return net, hashlib.sha256(data).hexdigest()[:16]


def _check_fits_card(path: Path, card: dict, net: nn.Module, shapes: dict[str, tuple[int, ...]]) -> None:
    """Refuse weights (tensor `shapes` by name) that `net`, built from the card, cannot take, and a card whose scale
    is not the net's. Shared by loading and by `scan_models`, which passes the header's shapes, so a file `models`
    lists is one that loads."""
    expected = {key: tuple(t.shape) for key, t in net.state_dict().items()}
    missing = sorted(set(expected) - set(shapes))
    unexpected = sorted(set(shapes) - set(expected))
    wrong = [k for k in expected if k in shapes and shapes[k] != expected[k]]
    if missing or unexpected or wrong:
        detail = "; ".join(filter(None, [
            f"missing {len(missing)} tensors (e.g. {missing[0]})" if missing else "",
            f"{len(unexpected)} unexpected (e.g. {unexpected[0]})" if unexpected else "",
            f"{len(wrong)} with wrong shapes (e.g. {wrong[0]}: {shapes[wrong[0]]} vs {expected[wrong[0]]})"
            if wrong else "",
        ]))
        raise VsrAppError(f"{path.name} does not match its card (arch '{card['arch']}'): {detail}")
    scale = int(card["scale"])  # checked by _info_and_shapes
    if getattr(net, "scale", scale) != scale:  # the card's scale sizes memory checks and labels
        raise VsrAppError(f"{path.name}: its card says x{scale} but the architecture enlarges x{net.scale}")


def save_model(net: nn.Module, path: str | Path, card: dict) -> Path:
    """Write weights (.safetensors) and card (.json) atomically; the card gets the measured parameter count."""
    from safetensors.torch import save_file

    path = Path(path).with_suffix(".safetensors")
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in net.state_dict().items()}
    card = {**card, "name": card.get("name", path.stem), "params": count_params(net)}
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp)))
    atomic_write(path.with_suffix(".json"),
                 lambda tmp: Path(tmp).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8"))
    return path


def _hides_yours(name: str, info: ModelInfo) -> str | None:
    """What to say where a built-in or shipped model runs under a name a model of the user's has too: a name free
    when the user installed it may be the app's own after an update, and the other model ran without a word
    (`models` alone said so)."""
    if info.path is not None and Path(info.path).parent != models_dir():
        return None  # the user's own, or a path
    yours = installed_model_file(name)
    if yours is None:
        return None
    return (f"'{name}' is the app's own model now; yours of that name ({yours}) is not used: rename it, or give its "
            "path as the model")


