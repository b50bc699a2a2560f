"""Starting and continuing a pruning from the Train tab (`vsr-app prune vfi`): the prune folder made for a new one,
the arguments that go on with a stopped one, and what a prune run left for the interpolation form's Start from.
No Qt here, so these decisions are tested without a window; the panel sets the form and runs the pruner.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from vsr_app.distill.runs import PRUNED_NET, full_clips, read_json_object
from vsr_app.errors import VsrAppError
from vsr_app.gui.run_files import free_prune_folder, is_prune_run, write_options

PRUNE_RUN_SAID = "This is a pruning run (`vsr-app prune vfi`), not a training run: the form keeps its own settings. "


class PruneFolder(NamedTuple):
    """A prune folder made for a new pruning: where, the options file the pruner takes as its --config, and whether
    making it made the folder (a refused start takes away only what the tab wrote)."""
    run_dir: Path
    config: Path
    made_dir: bool


def make_prune_folder(runs: Path, sent: dict, log_name: str, note: str) -> PruneFolder:
    """Make the first free prune folder in the Runs folder `runs`, with the options `sent` as its --config and the
    tab's log `log_name` opening with `note` (what the pruner keeps of its own and leaves of the form's)."""
    try:
        run_dir = free_prune_folder(runs)
        made_dir = not run_dir.exists()
        run_dir.mkdir(parents=True, exist_ok=True)  # the tab keeps the pruner's log there
        config = write_options(run_dir, sent)
        (run_dir / log_name).write_text(note + "\n", encoding="utf-8")
    except OSError as exc:
        raise VsrAppError(f"cannot make the prune folder: {exc.strerror or exc}") from exc
    return PruneFolder(run_dir, config, made_dir)


def pruner_val_clips(sent: dict) -> list[str]:
    """The clips the pruner validates on, as it keeps them (full paths), for the curves: the options `sent` may hold
    anything Extra options can."""
    clips = sent.get("val_videos")
    return full_clips([clip for clip in clips if isinstance(clip, str)]) if isinstance(clips, list) else []


def can_continue_pruning(run: Path) -> bool:
    """Whether `run` is a pruning that stopped before its pruned net, with a checkpoint to go on from."""
    return (not (run / PRUNED_NET).is_file() and (run / "checkpoint.safetensors").is_file()
            and is_prune_run(run))


def pruning_steps(run: Path) -> int:
    """The length of the pruning in `run`, from its saved options, for its progress."""
    try:
        return int(read_json_object(run / "config.json", "the pruning's options")["options"]["steps"])
    except (KeyError, TypeError, ValueError) as exc:
        raise VsrAppError(str(exc)) from exc


def continue_pruning_arguments(run: Path, teacher: str | None, data: list[str]) -> list[str]:
    """`vsr-app prune vfi --resume` arguments that go on with the pruning in `run` (its own teacher, data and
    options); the form's `teacher` and `data` go with them, as Resume's data does: the pruner takes them only where
    the run's own have moved away, and says so."""
    args = ["prune", "vfi", "--out", str(run), "--resume"]
    if teacher:
        args += ["--teacher", teacher]
    for folder in data:
        args += ["--data", folder]
    return args


def pruning_left(run: Path) -> tuple[Path | None, str]:
    """What a prune run left: its pruned net for the interpolation form's Start from (None: none yet), and what the run
    label says of it. The rest of the form stays as it was (the run's options, no distillation and a pruning lr,
    made students that were not distilled), and Resume stays the form's (the trainer refuses a prune folder; Continue
    pruning goes on with one stopped)."""
    pruned = run / PRUNED_NET
    if pruned.is_file():
        return pruned, PRUNE_RUN_SAID + f"Its {PRUNED_NET} is now the Start from of the frame-interpolation form: " \
                                        f"Start trains a compact student from it."
    if (run / "checkpoint.safetensors").is_file():
        return None, PRUNE_RUN_SAID + f"It stopped before its {PRUNED_NET}: Continue pruning goes on from its " \
                                      f"checkpoint."
    return None, PRUNE_RUN_SAID + f"It has no {PRUNED_NET} and no checkpoint to go on from: prune again."
