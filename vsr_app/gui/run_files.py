"""Reading and publishing a training run's files, for the training panel. No Qt here.

- `MetricsTail` follows RUN/metrics.jsonl while the trainer appends to it: only whole lines are parsed
  (the trainer may be mid-write), and a file replaced or shrunk (a resume dropping the steps a killed run lost, a
  new run in the same folder) is read again from its start, which `rewound` tells the caller.
- `install_run_model` copies the run's exported model into the user's model folder under a chosen name,
  which is how a freshly trained model shows up in the model selectors. It never replaces a model another
  run trained (`check_model_target`); `run_comparison` finds the model a run installed, for Compare.
- `is_prune_run` tells a `vsr-app prune vfi` folder from a training run's, which Browse runs must not load as one;
  `free_prune_folder` is where the tab's Prune puts a new one.
- `write_options` writes the options the tab sends a trainer or the pruner (OPTIONS_NAME); `run_val_clips` reads
  back the clips a run validates on, for its curves.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
from pathlib import Path

from vsr_app.distill.options import is_number
from vsr_app.distill.runs import is_prune_config, read_json_object, saved_val_clips
from vsr_app.errors import VsrAppError
from vsr_app.files import atomic_write, shown_name
from vsr_app.models import ModelInfo, installed_model_file, is_reserved_model_name
from vsr_app.resources import user_models_dir

PRUNE_FOLDER = "prune-vfi"  # where the Train tab prunes, in the Runs folder
OPTIONS_NAME = "gui-options.json"  # the options the tab sent the trainer or pruner (--config), in the run folder
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class MetricsTail:
    """New records of a JSON-lines file since the last call to `read()`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.offset = 0
        self.partial = b""
        self.identity: tuple[int, int] | None = None  # (device, inode) of the file read so far
        self.rewound = False  # the last read() began the file again: the records read before are not in it now
        self.error: str | None = None  # why the last read() could not read the file there (a missing one is none)

    def read(self) -> list[dict]:
        """The new records; none where the file is not there yet (a new run's first step writes it) or cannot be read,
        which `error` then says: an unreadable run read as one with no steps."""
        self.rewound, self.error = False, None
        try:
            with open(self.path, "rb") as fh:
                chunk = self._new_bytes(fh)
        except FileNotFoundError:
            return []
        except OSError as exc:
            self.error = exc.strerror or str(exc)
            return []
        return self._records(chunk)

    def _new_bytes(self, fh) -> bytes:
        """What was added since the last read; all of it where the file was replaced (the trainer rewrites it by a
        rename: reading on at the old offset would start mid-line in another file) or shrunk."""
        st = os.fstat(fh.fileno())
        identity = (st.st_dev, st.st_ino)
        if self.offset and (st.st_size < self.offset or identity != self.identity):
            self.offset, self.partial, self.rewound = 0, b"", True
        self.identity = identity
        fh.seek(self.offset)
        chunk = fh.read(st.st_size - self.offset)
        self.offset += len(chunk)
        return chunk

    def _records(self, chunk: bytes) -> list[dict]:
        lines = (self.partial + chunk).split(b"\n")
        self.partial = lines.pop()
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue  # a damaged line must not stop the curves
            if isinstance(record, dict) and is_number(record.get("step")):  # a null or "4" step stopped the plot
                records.append(record)
        return records


def is_prune_run(run_dir: str | Path) -> bool:
    """Whether the folder holds a `vsr-app prune vfi` run, which Browse runs must not load as a training run."""
    try:
        config = read_json_object(Path(run_dir) / "config.json", "the run's options")
    except VsrAppError:
        return False
    return is_prune_config(config)


def free_prune_folder(runs: Path) -> Path:
    """RUNS/prune-vfi, else prune-vfi-2, -3, ...: the first that holds nothing, as a new pruning must not land on
    an earlier one (a student may still start from its net, or Continue pruning go on with it)."""
    for n in itertools.count(1):
        folder = runs / (PRUNE_FOLDER if n == 1 else f"{PRUNE_FOLDER}-{n}")
        try:
            if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
                return folder
        except OSError as exc:
            if not os.path.lexists(folder):  # not the folder but the way to it (a Runs folder not ours, too long)
                raise VsrAppError(f"cannot use the Runs folder {shown_name(str(runs))}: {exc.strerror or exc}") from exc
            # a folder there that cannot be read: not free


def run_val_clips(run: Path) -> list[str] | None:
    """The clips the run's saved options validate on (`saved_val_clips`), None where it keeps options that cannot be
    read (a damaged config.json, a card without their copy): the curves said "this run has no validation clip" of a
    run that may well have one. [] where it keeps none (a new run's folder)."""
    clips = saved_val_clips(run)
    if clips is None and not any((run / name).exists() for name in ("config.json", "model.json")):
        return []
    return clips


def write_options(run_dir: Path, options: dict) -> Path:
    """Write the options the tab sends the trainer or the pruner as its --config (OPTIONS_NAME), whole or not at all:
    Resume reads a training run's again."""
    path, text = run_dir / OPTIONS_NAME, json.dumps(options, indent=2) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def check_model_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise VsrAppError(f"'{name}' cannot name a model: use letters, digits, '.', '_' or '-' (up to 64)")
    if is_reserved_model_name(name):  # the trained model would be installed, then hidden behind that one
        raise VsrAppError(f"'{name}' is the name of a built-in or shipped model: choose another name")
    return name


def model_name_for(folder_name: str) -> str:
    """A model name for a run folder named as a model cannot be (a command-line run's 'run 2 (copy)' -> 'run-2-copy';
    a shipped model's name gets '-run')."""
    if NAME_PATTERN.match(folder_name) and not is_reserved_model_name(folder_name):
        return folder_name
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder_name).strip("-._")[:60].rstrip("-._") or "run"
    return f"{name}-run" if is_reserved_model_name(name) else name


def check_model_target(run_dir: str | Path, name: str, new_run: bool = False) -> None:
    """Refuse a name under which a user model is installed, unless this (not a new) run installed it: installing
    replaces the file, and a model is hours of training. Asked when a run starts and again when it installs (a
    model of that name may have come meanwhile). The run that installed it goes on updating it (Stop, Resume)."""
    # in any letter case: the later of two such names is hidden by the first (`models`), so the old model would go
    target = installed_model_file(name)
    if target is not None and target.stem != name:
        ours = not new_run and _trained_by(target, Path(run_dir))
        raise VsrAppError(f"a model named '{target.stem}' is already installed ({target}), and names are the same in "
                          f"any letter case: " + (f"this run installed it, so keep the name '{target.stem}'" if ours
                                                  else "choose another name"))
    if target is not None and (new_run or not _trained_by(target, Path(run_dir))):
        raise VsrAppError(f"a model named '{name}' is already installed ({target}), trained by another run: "
                          "choose another name (or delete that model first to replace it)")


def _trained_by(weights: Path, run_dir: Path) -> bool:
    """Whether the installed model's card names `run_dir` as its run."""
    try:
        card = read_json_object(weights.with_suffix(".json"), "the model card")
    except VsrAppError:
        return False  # no readable card: not known to be this run's
    return trained_in(card, run_dir)


def trained_in(card: dict, run_dir: str | Path) -> bool:
    """Whether a model card names `run_dir` as the run that trained it (the trainer writes training.run_dir)."""
    try:
        return Path(card["training"]["run_dir"]).resolve() == Path(run_dir).resolve()
    except (KeyError, TypeError):
        return False


def follow_moved_run(run_dir: str | Path) -> None:
    """A run folder moved or renamed keeps the models it installed: a user model that is this run's export (the same
    card "created") and names a folder that no longer holds that export is made to name the run's place now. Before,
    the Train tab refused to resume the run ("trained by another run") and hid its Compare. A copy of a run folder
    follows nothing, as the folder it was copied from still holds the export; a run moved twice, or whose old
    folder holds a new run now, follows."""
    run = Path(run_dir).resolve()
    created = _export_created(run)
    if created is None:
        return  # no export yet: nothing of it can be installed
    for card_path in sorted(user_models_dir().glob("*.json")):
        try:
            card = read_json_object(card_path, "the model card")
            was = Path(card["training"]["run_dir"]).resolve()
        except (VsrAppError, KeyError, TypeError):
            continue
        if card.get("created") != created or was == run or _export_created(was) == created:
            continue
        card["training"]["run_dir"] = str(run)
        with contextlib.suppress(OSError):  # a models folder not writable: refused as before, no worse
            atomic_write(card_path, lambda tmp: Path(tmp).write_text(json.dumps(card, indent=2) + "\n",
                                                                      encoding="utf-8"))


def _export_created(run_dir: Path) -> str | None:
    """When the model a run folder holds was exported (its card's "created"); None without one."""
    try:
        created = read_json_object(run_dir / "model.json", "the run's model card").get("created")
    except VsrAppError:
        return None
    return created if isinstance(created, str) else None


def run_comparison(run_dir: str | Path, models: list[ModelInfo]) -> tuple[str, str, str] | None:
    """What Compare shows for a run: the model of `models` (the usable ones) that it trained, against the teacher it
    was distilled from ("" without one: the task's baseline). None when no usable model comes from that run."""
    model = next((m for m in models if trained_in(m.card, run_dir)), None)
    if model is None:
        return None
    training = model.card["training"]
    teacher = training.get("teacher") if training.get("distill", "none") != "none" else None
    return model.task, model.name, teacher if isinstance(teacher, str) else ""


def install_run_model(run_dir: str | Path, name: str) -> Path:
    """Copy RUN/model.safetensors (+ card, renamed to `name`) into the user model folder; returns the weights."""
    check_model_name(name)
    check_model_target(run_dir, name)
    weights = Path(run_dir) / "model.safetensors"
    card_path = weights.with_suffix(".json")
    if not weights.is_file() or not card_path.is_file():
        raise VsrAppError(f"{run_dir} holds no exported model yet (model.safetensors + model.json)")
    card = read_json_object(card_path, "the run's model card")
    card["name"] = name
    target = user_models_dir() / f"{name}.safetensors"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, lambda tmp: shutil.copyfile(weights, tmp))
        atomic_write(target.with_suffix(".json"),
                     lambda tmp: Path(tmp).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8"))
    except OSError as exc:  # a full disk, a model folder that cannot be written: the run's own model stays usable
        raise VsrAppError(f"cannot copy the model to {target}: {exc.strerror or exc}; the run's model is "
                          f"{weights}") from exc
    return target
