"""What the Train tab shows of a run, read from its folder in one go: its metrics, the tail of its log, its validation
clips and the model it trained. Read on a worker where the tab opens on the run its form names (a long run's
metrics and log run to megabytes), at once where Browse runs picks one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vsr_app.distill.runs import config_task, resumed_config
from vsr_app.errors import VsrAppError
from vsr_app.gui.run_files import MetricsTail, is_prune_run, run_comparison, run_val_clips
from vsr_app.gui.trainer_process import LOG_NAME
from vsr_app.models import list_models


@dataclass
class RunShown:
    tail: MetricsTail  # read to the file's end: the tab's poll goes on from there
    records: list[dict]
    log: str  # the tail of its log (`log_tail`); "" without one
    log_error: str | None  # why its log cannot be read (shown without it)
    val_clips: list[str] | None  # `run_val_clips`
    comparison: tuple[str, str, str] | None  # what Compare shows (`run_comparison`)


def read_run(run: Path) -> RunShown:
    """Everything the tab shows of `run`."""
    tail = MetricsTail(run / "metrics.jsonl")
    records = tail.read()
    log, log_error = "", None
    log_file = run / LOG_NAME
    try:
        if log_file.is_file():
            log = log_tail(log_file)
    except OSError as exc:
        log_error = f"(cannot read this run's log {log_file}: {exc.strerror or exc})"
    return RunShown(tail, records, log, log_error, run_val_clips(run), run_comparison(run, list_models()))


def has_metrics(run: Path) -> bool:
    """Whether a folder holds a training run to show: metrics.jsonl, which its first step writes."""
    return (run / "metrics.jsonl").is_file()


def reopened_run(run: Path, progress, cancel) -> tuple[str | None, RunShown] | None:
    """As a Job, the training run the form names as the tab opens (after a trainer killed with the app, the form
    still names it, Resume goes on with it, and the tab said "No run yet."): its task (`config_task`; None where its
    options cannot be read) and what the tab shows of it; None where the folder holds none, or a pruning."""
    if not has_metrics(run) or is_prune_run(run):
        return None
    try:
        task = config_task(resumed_config(run, lambda *_: None))
    except VsrAppError:
        task = None
    return task, read_run(run)


def log_tail(path: Path, size: int = 200_000) -> str:
    """The last `size` bytes of a run's log as text: read from there, not whole (a long run's log runs to megabytes),
    its first line whole (cut mid-line or mid-character it would read as garbage)."""
    with open(path, "rb") as fh:
        start = max(0, fh.seek(0, 2) - size)
        fh.seek(start)
        text = fh.read().decode("utf-8", errors="replace")
    return text if start == 0 else text.partition("\n")[2]
