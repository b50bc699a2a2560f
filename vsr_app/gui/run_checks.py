"""Whether the Train tab may start a new run, or resume one, in a run folder: the trainer's own refusals, made before
it starts and worded for the tab's buttons and Task list. No Qt here, so they can be tested without a window."""

from __future__ import annotations

from pathlib import Path

from vsr_app.distill.runs import (check_new_run, check_no_training_in, check_resumable, config_task, holds_run,
                                  resumed_config)
from vsr_app.errors import NOT_NEW_HINT, NOT_RESUMABLE_HINT, VsrAppError
from vsr_app.gui.run_files import check_model_target, follow_moved_run
from vsr_app.gui.train_form import TASKS
from vsr_app.gui.wording import RESUME_HINTS


def check_run_dir(run_dir: Path, name: str, resume: bool, task: str) -> None:
    """Refuse `run_dir` for the form's run of `task` (`resume`d or new) whose model is to be called `name`."""
    check_no_training_in(run_dir, "model name")
    other = _other_task_run(run_dir, task)
    if resume:  # the name first: one in another letter case than its model's is what to say, not "press Start"
        follow_moved_run(run_dir)
        check_model_target(run_dir, name)
        check_resumable(run_dir, RESUME_HINTS[NOT_RESUMABLE_HINT])
        if other:
            raise VsrAppError(f"{run_dir} is {other}")
    else:  # "press Resume" only where Resume would continue it
        check_new_run(run_dir, f"it is {other}, or choose another model name" if other
                      else RESUME_HINTS[NOT_NEW_HINT])
        check_model_target(run_dir, name, new_run=True)


def _other_task_run(run: Path, task: str) -> str | None:
    """What the run in `run` is, where its saved options are of another task than the form's `task` ("a Video
    super-resolution ×4 run: set Task to resume it"): Resume would fail in the trainer's words, naming a command.
    None where they are of `task`, or hold no run, or cannot be read (the trainer says why)."""
    try:
        saved = config_task(resumed_config(run, lambda *_: None)) if holds_run(run) else task
    except VsrAppError:
        return None
    if saved == task:
        return None
    if saved == "prune":
        return "a pruning run (`vsr-app prune vfi`): Browse runs to it to continue it"
    return f"a {TASKS[saved][0]} run: set Task to resume it"
