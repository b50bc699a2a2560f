"""Planning and writing a Train tab run from the form's values: the quick checks a start makes before anything is
written, the check of a new run's net, which is model work for a worker thread, then the run folder and the trainer's
arguments. Qt-free, so a start's refusals and what it writes are tested without a window; the panel reads the form and
says what these return or refuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

from vsr_app.distill.checkpoint import check_steps
from vsr_app.distill.options import VAL_KEY, LoopConfig, without_config_data
from vsr_app.distill.runs import full_clips, read_json_object, saved_teacher_gone, set_aside_metrics
from vsr_app.distill.sources import check_run_outside_data
from vsr_app.distill.train_cli import VFI_COMMAND_OPTIONS
from vsr_app.distill.vfi_task import split_options
from vsr_app.distill.vsr_task import check_options as check_vsr_options
from vsr_app.errors import VsrAppError
from vsr_app.gui.run_checks import check_run_dir
from vsr_app.gui.run_files import OPTIONS_NAME, check_model_name, model_name_for, write_options
from vsr_app.gui.train_form import check_start_from, net_size, run_steps, train_arguments


class RunForm(NamedTuple):
    """The Train form's values a start is planned from, as the panel reads them (data and options already read by
    the form's own rules)."""
    task: str
    name: str  # the model name as typed, not yet checked
    data: list[str]
    distill: str
    teacher: str | None  # the Teacher box's model, whether the distillation uses one or not
    options: dict
    runs: Path  # the Runs folder


class RunPlan(NamedTuple):
    """A start the form's checks passed: what to write and run."""
    task: str
    name: str
    data: list[str]
    distill: str
    teacher: str | None
    options: dict
    steps: int
    run_dir: Path
    resume: bool


class WrittenRun(NamedTuple):
    """A run folder written for the trainer: its arguments, and whether writing it made the folder (None: a resume),
    so a start the trainer refuses takes away only what the tab wrote."""
    arguments: list[str]
    made_dir: bool | None


def plan_run(form: RunForm, resume: bool, opened_run: Path | None) -> RunPlan:
    """Every check of the form that is quick; nothing is written. `opened_run`: the folder Browse runs showed. A new
    run's net is checked after (`check_new_run_net`)."""
    name = check_model_name(form.name)
    teacher = form.teacher if form.distill != "none" else None
    if form.distill != "none" and not teacher:
        raise VsrAppError("distillation needs a trained teacher; train one first or pick 'None'")
    steps = run_steps(form.options)
    if not resume:  # a resumed run goes on from its checkpoint with the options it began with, not from these
        check_new_run_options(form.task, form.options)
    run_dir = run_folder(form.runs, name, opened_run)
    if not resume:  # the trainer refuses it too, but after the tab made the folder, among the footage
        check_run_outside_data(run_dir, form.data, "a Runs folder")
    check_run_dir(run_dir, name, resume, form.task)
    if resume:  # refused here, before the tab shows a start: the trainer's refusal read as a failed run
        check_steps(run_dir, steps)
    return RunPlan(form.task, name, form.data, form.distill, teacher, form.options, steps, run_dir, resume)


def check_new_run_options(task: str, options: dict) -> None:
    """Refuse what the trainer refuses of a new run's options before it trains, with its own words: an option it does
    not know (`split_options`, `vsr_task.check_options`), a value of the wrong kind, a Start from that is not there.
    The net they make is checked apart, on a worker (`check_new_run_net`)."""
    if task == "vfi":
        split_options({key: value for key, value in without_config_data(options, lambda *_: None).items()
                       if key not in VFI_COMMAND_OPTIONS})
    else:
        check_vsr_options(LoopConfig.split(options)[1])
    check_start_from(options)


def check_new_run_net(plan: RunPlan) -> None:
    """Refuse a new run's net that the trainer cannot build (net_config "scale": 2), built as it builds it but on the
    meta device (`net_size`: no memory). The Parameters row said so, yet Start was taken, and the trainer's refusal
    came two seconds later as a run that exited with code 1. Model work, for a worker thread: the first build in a
    process took 2.7 s, the window frozen. A resume goes on with the net it began with: nothing to check."""
    if not plan.resume:
        net_size(plan.task, plan.options)


def run_folder(runs: Path, name: str, opened_run: Path | None) -> Path:
    """RUNS/NAME, or the folder Browse runs showed (`opened_run`) under that name: a command-line run's folder may be
    named in a way a model cannot be ('run 2'), and Resume must continue that run, not start one in RUNS/run-2."""
    if opened_run is not None and opened_run.parent == runs and model_name_for(opened_run.name) == name:
        return opened_run
    return runs / name


def write_run(plan: RunPlan, say: Callable[[str], None]) -> WrittenRun:
    """Write the run folder (checked again: the held-out check took a while) and return the trainer's arguments; a
    refused start leaves nothing on disk. `say`: a line for the tab's log."""
    run_dir = plan.run_dir
    check_run_dir(run_dir, plan.name, plan.resume, plan.task)
    if plan.resume:
        unused = unused_changes(run_dir, plan.options, plan.task)
        if unused:
            say(f"Resume continues the run with the settings it began with; changed here and not used: "
                f"{', '.join(unused)}")
    config = None
    try:
        made_dir = None if plan.resume else not run_dir.exists()
        run_dir.mkdir(parents=True, exist_ok=True)
        if not plan.resume:
            config = write_options(run_dir, plan.options)
            # a new run: set old curves aside here too, not only in the trainer, which the tail may outrun
            kept = set_aside_metrics(run_dir)
            if kept:
                say(f"The metrics of an earlier run that left no checkpoint are kept as {kept}")
    except OSError as exc:
        raise VsrAppError(f"cannot write the run folder {run_dir}: {exc.strerror or exc}") from exc
    arguments = train_arguments(plan.task, plan.data, str(run_dir), plan.teacher, plan.distill, plan.steps,
                                str(config) if config else None, plan.resume,
                                val=plan.options.get(VAL_KEY[plan.task]) or [],
                                teacher_moved=plan.resume and saved_teacher_gone(run_dir))
    return WrittenRun(arguments, made_dir)


def unused_changes(run_dir: Path, options: dict, task: str) -> list[str]:
    """The options of the form a resumed run will not use, sorted: it keeps the settings it began with (the trainer's
    rule), and the tab says so rather than let the edits look applied. Resume passes the Steps and the Validation
    clip (`train_arguments`: --steps, --val), which the trainer takes. Nothing for a run started from the command line:
    its own config.json is what it continues with."""
    try:
        began = read_json_object(run_dir / OPTIONS_NAME, "the options the Train tab started the run with")
    except VsrAppError:
        return []
    taken = {"steps", VAL_KEY[task]}
    return sorted(k for k in set(options) | set(began) if k not in taken and began.get(k) != options.get(k))


def trainer_val_clips(plan: RunPlan) -> list[str] | None:
    """The clips the trainer validates on, as it keeps them (full paths), for the curves; None: a resume that names
    none keeps those its saved options name (a new run's none are none, not an old config.json's)."""
    val = full_clips(plan.options.get(VAL_KEY[plan.task]) or [])
    return val or (None if plan.resume else [])
