"""A training run's folder and its set-up from the command line, without torch (the Train tab uses these too).

- Ownership: `claim_run_dir` creates and locks the folder for one trainer (its `.lock` says which process, for a
  refusal to name), `run_begins` marks the run writing its files, `release_run_dir` lets it go (a refused start
  leaves the lock as it found it, and removes a folder it made; `remove_refused_start` also what the Train tab
  wrote for it), `claimed_run_dir` holds it for a `with` block; `holds_run` says whether it
  has a run to resume (`exported_step`: the step its exported weights continue from where its checkpoint is gone);
  `set_aside_metrics` renames an earlier run's metrics.jsonl before a new run starts its own, and `set_aside` any
  other file a new run would write over (a folder's own config.json).
- Which task a run's config.json is (`config_task`: "vsr", "vfi" or "prune"), which clips it validates on
  (`config_val_clips`), which clips a validation record in metrics.jsonl was measured on (`record_clips`; compared
  as files, not spellings: `clips_key`), and a metrics line's record (`metrics_record`).
- A pruning's run (`is_prune_config`), which no training run continues, and what it leaves (`PRUNED_NET`); the
  command that continues a run of each task (`resume_command`) and the one that starts a pruning (`prune_arguments`,
  `prune_command`).
- Set-up: the run's saved config.json (`saved_config`), a --config file (`read_config_file`), paths stored absolute
  so a run resumes from any folder, and what --resume refuses or ignores.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from vsr_app.distill.options import VAL_KEY
from vsr_app.errors import MOVED_HINT, NOT_NEW_HINT, NOT_RESUMABLE_HINT, VsrAppError
from vsr_app.filelock import LockHeld, NoLock, hold, lock_now, release_and_delete
from vsr_app.shell import app_command
from vsr_app.stop_signals import APP_PID_VARIABLE
from vsr_app.video.disk_space import folder_identity

log = logging.getLogger(__name__)

RUN_CONFIG_KEY = "run_config"  # the card's copy of config.json (`resumed_config`)
PRUNE_DEFAULTS = {"steps": 800, "lr": 0.01, "warmup": 20, "weight_decay": 0.0, "val_every": 200}
PRUNE_COMMAND = "prune vfi"  # config.json's "command" in a prune run: `train vfi --resume` refuses it
PRUNE_VAL = 'the --config option "val_videos"'  # what names a pruning's validation clips: `prune vfi` has no --val
PRUNED_NET = "pruned.safetensors"  # what a prune run leaves to start a compact interpolation student from
TASK_KEY = "task"  # config.json's: which of RUN_TASKS the run is (`config_task`)
RUN_TASKS = ("vsr", "vfi", "prune")
RESUME_COMMANDS = {"vsr": "train vsr", "vfi": "train vfi", "prune": PRUNE_COMMAND}  # what continues each task's run
TASK_RUNS = {"vsr": "a video super-resolution run", "vfi": "a frame-interpolation run"}  # a run named by its task
VALIDATED_ON = "validated_on"  # a validation record's in metrics.jsonl: the clips it was measured on
# how a resume's change of data, teacher or clips is said: before they are read, which may still refuse them
SAVED_ONCE_STARTED = "saved in {config} once the run starts"


def config_task(config: dict) -> str:
    """Which run a config.json (or the card's copy of it) holds: "vsr", "vfi" or "prune" (`prune vfi`). Its "task"
    says; a run from before runs wrote it is told by its shape: a pruning's "command", a VFI run's options nested
    under "options"."""
    task = config.get(TASK_KEY)
    if task in RUN_TASKS:
        return task
    if config.get("command") == PRUNE_COMMAND:
        return "prune"
    return "vfi" if isinstance(config.get("options"), dict) else "vsr"


def resume_command(task: str, run_dir: Path) -> str:
    """The whole command that continues a run of `task` (`config_task`'s) in `run_dir`, quoted to paste: the one a
    resume by another task's command names."""
    return app_command([*RESUME_COMMANDS[task].split(), "--out", str(run_dir), "--resume"])


def prune_arguments(teacher: str, data: list[str], out: str | Path, config: str | Path | None = None) -> list[str]:
    """`vsr-app prune vfi` arguments (after the program) that make a compact interpolation student's start net: the
    teacher and data given, the options in the `config` file where one is given (the Train tab's: its form's crop,
    batch and the like), the pruner's own defaults for the rest (its length, rate and share of parameters kept)."""
    args = ["prune", "vfi", "--teacher", teacher]
    for folder in data:
        args += ["--data", folder]
    return args + ["--out", str(out)] + (["--config", str(config)] if config else [])


def prune_command(teacher: str, data: list[str], out: str | Path, config: str | Path | None = None) -> str:
    """The same, ready to copy into a terminal (DIR where no data is given), quoted for the system's shell (cmd.exe on
    Windows, where POSIX quotes would not paste)."""
    return app_command(prune_arguments(teacher, data or ["DIR"], out, config))


def run_model(folder: Path) -> Path:
    """The weights a run's folder means as a model (--model, --teacher, init_from): what the run makes for use. A
    training run's model.safetensors; a pruning's pruned net (PRUNED_NET), not the sparse net it trains on the way
    (its model.safetensors: the teacher's size, ten times the parameters and five times slower), and refused until
    the pruning has made it. `folder` itself where it holds no model: no run's."""
    if _is_pruning(folder):
        if not (folder / PRUNED_NET).is_file():
            kept = kept_pruned_net(folder)
            earlier = f"{kept[0]} for its pruned net of step {kept[1]}, or " if kept else ""
            raise VsrAppError(f"{folder} holds a pruning that has not made its pruned net ({PRUNED_NET}) yet: continue "
                              f"it with `{resume_command('prune', folder)}`, or give {earlier}"
                              f"{folder / 'model.safetensors'} for the sparse net it trains")
        return folder / PRUNED_NET
    model = folder / "model.safetensors"
    return model if model.is_file() else folder


def kept_pruned_net(folder: Path) -> tuple[Path, int] | None:
    """The latest pruned net that a pruning being extended keeps, renamed with its step, until it makes its new one
    (`prune_run._set_aside_pruned_net`), and that step; None where it keeps none."""
    stem = Path(PRUNED_NET).stem
    kept = [(path, int(path.stem.removeprefix(f"{stem}-step")))
            for path in folder.glob(f"{stem}-step*.safetensors") if path.stem.removeprefix(f"{stem}-step").isdigit()]
    return max(kept, key=lambda found: found[1], default=None)


def _is_pruning(folder: Path) -> bool:
    """Whether `folder` holds a `prune vfi` run, by its saved options (config.json, else its card's copy); a folder
    whose options do not read is taken for no pruning."""
    try:
        return is_prune_config(resumed_config(folder, log=lambda _: None))
    except VsrAppError:
        return False


def check_run_task(run_dir: Path, saved_task: str, own_task: str) -> None:
    """Refuse to resume a run of another task (`config_task`'s) than the command's own, naming the command that
    continues it: a pruning's options and optimiser are not a training's, a VSR run's not a VFI one's."""
    if saved_task != own_task:
        what = TASK_RUNS.get(saved_task, f"a `vsr-app {RESUME_COMMANDS[saved_task]}` run")
        raise VsrAppError(f"{run_dir} holds {what}: continue it with `{resume_command(saved_task, run_dir)}`")


def is_prune_config(config: dict) -> bool:
    """Whether a run's config.json is a `prune vfi` run's, which no training run continues (its options: no
    distillation, a pruning rate and length)."""
    return config_task(config) == "prune"


def config_options(config: dict) -> dict:
    """A run config's options: a VSR run's are the config itself, a VFI run's or a pruning's nested under "options"."""
    if config_task(config) == "vsr":
        return config
    options = config.get("options")
    return options if isinstance(options, dict) else {}


def config_val_clips(config: dict) -> list[str]:
    """The validation clips a run's config names: a VSR run's "val", a VFI run's or pruning's "val_videos"."""
    clips = config_options(config).get(VAL_KEY["vsr" if config_task(config) == "vsr" else "vfi"])
    return list(clips) if isinstance(clips, list) else []


def record_clips(record: dict, untagged: list[str]) -> list[str]:
    """The clips a validation record of metrics.jsonl was measured on: its VALIDATED_ON, or `untagged` for a record
    from before records said (a resume tags those with the clips the run validated on until then,
    `checkpoint.resume_metrics`: one still untagged was measured on the clips its run's config.json names)."""
    clips = record.get(VALIDATED_ON)
    return clips if isinstance(clips, list) else untagged


def measured_on(record: dict, clips: list[str], untagged: list[str]) -> bool:
    """Whether a validation record's scores are of `clips` (`untagged`: see record_clips): a resume may change the
    clips (--val), and a score of others must not be shown as theirs."""
    return clips_key(record_clips(record, untagged)) == clips_key(clips)


def clips_key(clips: list[str]) -> tuple[str, ...]:
    """Which files `clips` are, however they are spelled: a clip reached through a link, or named relative (an older
    run's config.json: against the working folder, as the trainer resolved it, `absolute_paths`), is the same clip
    as its full path, which the Train tab passes."""
    return tuple(sorted(os.path.normcase(os.path.realpath(str(clip))) for clip in clips))


def metrics_record(line: str) -> dict | None:
    """A metrics.jsonl line's record; None for a line that is none (torn by a kill, or not a JSON object)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def is_validation(record: dict) -> bool:
    """Whether a metrics.jsonl record holds validation scores (val_psnr, ...) rather than a training step's terms."""
    return any(str(k).startswith("val_") for k in record)


def read_json_object(path: str | Path, what: str, not_object: str | None = None) -> dict:
    """The JSON object in the file `path`, else a one-line VsrAppError: "cannot read {what}: {why}"; `not_object`
    is the whole message for a file that holds another JSON value (a list, a number)."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:  # its strerror: the whole error names the path again
        raise VsrAppError(f"cannot read {what}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VsrAppError(f"cannot read {what}: {exc}") from exc
    if not isinstance(value, dict):
        raise VsrAppError(not_object or f"cannot read {what}: not a JSON object")
    return value


# ---- the run folder -----------------------------------------------------------------------------

@dataclass
class _Claim:
    """This process's hold on a run folder (`claim_run_dir`)."""

    fd: int | None  # of its locked .lock (None on a disk without locks)
    made_folder: bool  # the claim made the folder
    identity: object  # the folder's (`folder_identity`): where it is moved or replaced, no longer the one claimed
    lock_was_there: bool  # a refused start takes away a .lock it made
    lock_found: tuple[bytes, os.stat_result] | None  # its record and times then, which a refused start puts back
    count: int = 1  # claims not yet released
    started: bool = False  # the run writes its files (`run_begins`): its lock goes on naming it


_CLAIMED: dict[str, _Claim] = {}  # by the run folder's resolved path


def claim_run_dir(run_dir: Path) -> None:
    """Create the run folder and lock it for this process (until release_run_dir or exit): a second trainer started
    on the same --out before the first one's first checkpoint would rewrite its config and share its files.
    Claims nest: a command that claims the folder and then calls `train` (which claims it too) keeps it locked
    until its own release, not just until `train` returns (prune writes its plan and pruned net after training)."""
    created = not run_dir.exists()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = "a file of that name is there, and a run needs a folder" if run_dir.is_file() else exc.strerror or exc
        raise VsrAppError(f"cannot create the run folder {run_dir}: {why}") from None
    key = str(run_dir.resolve())
    if key in _CLAIMED:
        _CLAIMED[key].count += 1
        return
    if not is_first_process():  # one lock per run: rank 0 holds it
        return
    lock = run_dir / ".lock"
    existed, found = lock.exists(), None
    try:
        fd = hold(lock)
        found = _lock_as_found(fd) if existed else None
        _record_holder(fd)
    except LockHeld:
        raise _training_here(run_dir, "--out") from None
    except NoLock as exc:
        log.warning("cannot lock the run folder %s (%s): a second trainer started there would not be stopped",
                    run_dir, exc.strerror or exc)
        fd = None
    except OSError as exc:  # a read-only disk
        raise VsrAppError(f"cannot write to the run folder {run_dir}: {exc.strerror or exc}") from None
    _CLAIMED[key] = _Claim(fd, created, folder_identity(run_dir), existed, found)


def run_begins(run_dir: Path) -> None:
    """The claimed run writes its files from now on: its lock goes on naming its process once it ends. A start
    refused before this puts the lock back as it found it (`release_run_dir`)."""
    claim = _CLAIMED.get(str(Path(run_dir).resolve()))
    if claim is not None:
        claim.started = True


def _lock_as_found(fd: int) -> tuple[bytes, os.stat_result] | None:
    """The record and times of the lock `fd` before this claim writes its own; None where they cannot be read (a
    refused start then leaves its own record there)."""
    try:
        stat = os.fstat(fd)
        return os.read(fd, stat.st_size), stat
    except OSError:
        return None


def check_own_folder(run_dir: Path) -> None:
    """Refuse to write at `run_dir` once the folder there is not the one this process claimed: moved away while the
    run went on, with a new run started at its name since, the next checkpoint replaced that run's weights and card
    (and said "continue with --resume" of a folder that held no checkpoint of it)."""
    claim = _CLAIMED.get(str(Path(run_dir).resolve()))
    now = folder_identity(run_dir)
    if claim is not None and None not in (claim.identity, now) and now != claim.identity:
        raise VsrAppError(f"the run folder {run_dir} was moved or replaced while the run went on, and another folder "
                          "is at its name now: nothing more of this run is written there; its last checkpoint went "
                          "with the folder (resume it where the folder is now)")


def _record_holder(fd: int) -> None:
    """Write into the locked `.lock` which process holds it (PID and host), so that a refusal names it: "another
    training is running" left the user to find which, a trainer an app left behind among them. The record starts
    after the first byte, the one Windows locks (`filelock.lock_now`), which no other process may read there. A disk
    that takes no write (full) leaves it out: the lock is what guards the folder. "app": whether the desktop app
    started it (APP_PID_VARIABLE), so the refusal says where to stop it: the app, or the terminal it runs in."""
    record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                         "app": bool(os.environ.get(APP_PID_VARIABLE))})
    _rewrite(fd, f"\n{record}\n".encode())


def _rewrite(fd: int, data: bytes) -> None:
    """Make `data` the whole of the open file `fd`, where the disk takes the write."""
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)


def _lock_holder(lock: Path) -> dict:
    """The holder `_record_holder` wrote into `lock`; {} where none is (a lock from before locks said)."""
    try:
        with open(lock, "rb") as fh:
            fh.seek(1)
            holder = json.loads(fh.read(4096))
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) and isinstance(holder.get("pid"), int) else {}


def _training_here(run_dir: Path, other: str) -> VsrAppError:
    """The refusal of a run folder another trainer holds, naming its process and how to stop it where it is known."""
    holder = _lock_holder(run_dir / ".lock")
    pid, host = holder.get("pid"), holder.get("host")
    if not pid:
        who, what = "", "wait for it (or stop it)"
    elif host and host != socket.gethostname():  # a shared disk: its PID means nothing here
        who, what = f" (process {pid} on {host})", "wait for it (or stop it there)"
    else:
        stop = _stop_advice(holder)
        who, what = f" (process {pid})", f"wait for it, or stop it ({stop}: it saves a checkpoint and stops)"
    return VsrAppError(f"another training{who} is running in {run_dir}: {what}, or choose another {other}")


def _stop_advice(holder: dict) -> str:
    """Where the holder of a lock on this machine is stopped: in the app that started it, else in its terminal; a
    record from before records said which ("app" missing), both. No backticks around `kill`: the Train tab shows the
    refusal as it is, and its other refusals name a command in plain words (--overwrite, --resume)."""
    # Windows sends a console program no signal it can stop cleanly on
    terminal = "with Ctrl+C in its terminal" + ("" if os.name == "nt" else f", or with kill {holder['pid']}")
    started_by_app = holder.get("app")
    if started_by_app is None:
        return f"in the app that started it, or {terminal}"
    return "in the app that started it" if started_by_app else terminal


def check_no_training_in(run_dir: Path, other: str) -> None:
    """Refuse a folder a trainer is using now, which before its first checkpoint nothing else shows: the Train tab
    asks before it writes its options there or sets the metrics aside (from under that trainer's open file)."""
    try:
        fd = os.open(run_dir / ".lock", os.O_RDWR)
    except OSError:
        return  # no trainer has locked it (or it cannot be read: the trainer's own claim says so)
    try:
        lock_now(fd)  # taken at once and dropped by the close below: nobody holds it
    except LockHeld:
        raise _training_here(run_dir, other) from None
    except OSError:
        pass
    finally:
        os.close(fd)


def release_run_dir(run_dir: Path) -> None:
    """Undo one claim; the last one drops the lock. A start refused (no `run_begins`) leaves the lock as it found it:
    its record and times put back, or the lock gone where there was none; and a folder the claim made that holds
    nothing else goes too."""
    key = str(Path(run_dir).resolve())
    if key not in _CLAIMED:
        return
    claim = _CLAIMED[key]
    claim.count -= 1
    if claim.count:
        return
    del _CLAIMED[key]
    lock = run_dir / ".lock"
    try:
        empty = claim.made_folder and [p.name for p in run_dir.iterdir()] == [".lock"]
    except OSError:
        empty = False
    if not claim.started and claim.lock_found and claim.fd is not None:
        record, stat = claim.lock_found
        _rewrite(claim.fd, record)
        with contextlib.suppress(OSError):
            os.utime(lock, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    if not empty and (claim.started or claim.lock_was_there):
        if claim.fd is not None:
            os.close(claim.fd)  # closing the descriptor drops the lock; the lock file stays with the run
        return
    with contextlib.suppress(OSError):  # another trainer arrived meanwhile: the folder is its now
        if claim.fd is None:  # the disk took no lock
            lock.unlink()
        else:
            release_and_delete(claim.fd, lock)  # a trainer that opened it meanwhile finds it gone
        if empty:
            run_dir.rmdir()


@contextlib.contextmanager
def claimed_run_dir(run_dir: Path):
    """`claim_run_dir` for the block, released however it ends: a command that claimed inside and released outside
    its own `try` released, when it failed before its claim, one it never made (a caller's claim on the folder)."""
    claim_run_dir(run_dir)
    try:
        yield
    finally:
        release_run_dir(run_dir)


def remove_refused_start(run_dir: Path, written: set[str], made: bool) -> None:
    """After a trainer refused a new run (no usable data, a bad option), which writes nothing of its own: remove the
    files `written` for it by the one who started it (the Train tab's options and log), the trainer's lock, and the
    folder when `made` for this run, so a refused start leaves nothing. A folder holding anything else is kept
    whole, and one a trainer holds now is left to it."""
    try:
        claim_run_dir(run_dir)
    except VsrAppError:
        return
    try:
        if {p.name for p in run_dir.iterdir()} <= written | {".lock"}:
            for name in written:
                (run_dir / name).unlink(missing_ok=True)
            claim = _CLAIMED.get(str(run_dir.resolve()))
            if claim:
                claim.made_folder = claim.made_folder or made  # the release below then removes the empty folder
    except OSError:
        pass  # left as it is: the caller reports the refusal itself
    finally:
        release_run_dir(run_dir)


def check_resumable(run_dir: Path, instead: str = NOT_RESUMABLE_HINT) -> None:
    """--resume needs a run to continue; `instead` says what to do."""
    if not holds_run(run_dir):
        raise VsrAppError(f"nothing to resume in {run_dir} (no checkpoint.safetensors, nor a model.safetensors to "
                          f"continue from); {instead}")


def check_new_run(run_dir: Path, instead: str = NOT_NEW_HINT) -> None:
    """A new run must not start over a run that could be resumed; `instead` says what to do."""
    if holds_run(run_dir):
        raise VsrAppError(f"{run_dir} already holds a run; {instead}")


def holds_run(run_dir: Path) -> bool:
    """Whether `run_dir` has a run to resume: its checkpoint (the first file a checkpoint writes), or, where that is
    gone (deleted to save space), the weights the run exported, which a resume continues from. The trainer and the
    Train tab must agree, or the tab would set a real run's metrics aside and the trainer then refuse; and a new run
    there would overwrite those weights."""
    return (Path(run_dir) / "checkpoint.safetensors").exists() or (Path(run_dir) / "model.safetensors").exists()


def exported_step(run_dir: Path) -> int:
    """The step at which the run exported its model.safetensors (its card's training.steps)."""
    card = read_json_object(run_dir / "model.json", f"the card of {run_dir / 'model.safetensors'}")
    training = card.get("training")
    step = training.get("steps") if isinstance(training, dict) else None
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise VsrAppError(f"{run_dir / 'model.json'} does not say at which step its weights were saved "
                          f"(training.steps): the run cannot continue from them")
    return step


def set_aside_metrics(run_dir: Path) -> Path | None:
    """Rename the run folder's metrics.jsonl to metrics.<time of its last record>.jsonl; returns the new path,
    None when there is none. A new run starts its own file: one left by a run killed before its first checkpoint
    (an out-of-memory kill) would otherwise carry that run's steps into the new curves. Renamed, not deleted, so
    nothing is lost; a resumed run appends to its file instead."""
    return set_aside(run_dir, "metrics.jsonl")


def set_aside(run_dir: Path, name: str) -> Path | None:
    """Rename run_dir/name to <stem>.<time of its last change><suffix> (-2, -3... when taken); the new path, None
    when there is none: renamed, not deleted, so nothing is lost."""
    old = run_dir / name
    try:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(old.stat().st_mtime))
    except FileNotFoundError:
        return None
    from vsr_app.video.output_paths import first_free  # PyAV: imported on use

    stem, suffix = Path(name).stem, Path(name).suffix
    kept = first_free(run_dir, f"{stem}.{stamp}", lambda n: f"{f'-{n}' if n > 1 else ''}{suffix}")
    old.rename(kept)
    return kept


# ---- setting a run up ---------------------------------------------------------------------------

def saved_config(run_dir: Path) -> dict | None:
    """The run's config.json (None when it has none); an unreadable one is reported, not taken for 'no run', with the
    way on where the run's card keeps a copy of it (a damaged one's parser error alone left none)."""
    path = run_dir / "config.json"
    if not path.is_file():
        return None
    try:
        return read_json_object(path, str(path))
    except VsrAppError as exc:
        if not card_keeps_options(run_dir):
            raise
        raise VsrAppError(f"{exc}: restore it, or delete it to resume with the copy its model.json keeps") from None


def card_keeps_options(run_dir: Path) -> bool:
    """Whether the run's card (model.json) reads and keeps a copy of its options, which a resume without config.json
    continues with (`resumed_config`)."""
    try:
        card = read_json_object(run_dir / "model.json", "the run's card")
    except VsrAppError:
        return False
    return isinstance(card.get(RUN_CONFIG_KEY), dict)


def saved_val_clips(run_dir: Path) -> list[str] | None:
    """The validation clips the run's saved options name (config.json, else its card's copy), full paths (an older
    run's may be relative: `full_clips`): what its validation records without a VALIDATED_ON were measured on. None
    where neither reads: not known, which the Train tab's curves do not take for "no validation clip"."""
    try:
        return full_clips(config_val_clips(resumed_config(run_dir, lambda *_: None)))
    except VsrAppError:
        return None


def full_clips(clips: list) -> list:
    """Saved clips as full paths: an older run's config.json may name them relative, as the trainer found them from
    its working folder, which `absolute_paths` resolves a new run's against."""
    return [os.path.abspath(clip) if isinstance(clip, str) else clip for clip in clips]


def resumed_config(run_dir: Path, log) -> dict:
    """The options a --resume continues with: config.json, else (lost: a run copied with its weights alone) the copy
    the run's card keeps. Neither: refused, as defaults would make another run under the run's name without a word
    (no distillation, another batch, crop and schedule, and a card rewritten to match)."""
    saved = saved_config(run_dir)
    if saved is not None:
        return saved
    card_path = run_dir / "model.json"
    card = read_json_object(card_path, f"the card of {run_dir / 'model.safetensors'}") if card_path.is_file() else {}
    kept = card.get(RUN_CONFIG_KEY)
    if isinstance(kept, dict):
        log(f"{run_dir} has no config.json: the run continues with the options its card (model.json) keeps")
        return kept
    raise VsrAppError(f"{run_dir} has no config.json, the options the run began with, and its card does not keep them "
                      f"(an earlier version's): copy config.json back to resume it, or start a new run from its "
                      f"weights (\"init_from\": \"{run_dir / 'model.safetensors'}\" in --config)")


@contextlib.contextmanager
def saved_options_checked(run_dir: Path):
    """Around the checks of a resumed run's own options (before the command line's are merged in): one refused there
    was saved before a check refused such values, so say where to change it."""
    try:
        yield
    except VsrAppError as exc:
        raise VsrAppError(f"{exc} (in {run_dir / 'config.json'}, the run's options: change it there to resume)") \
            from None


def world_size() -> int:
    """How many processes train together: torchrun's WORLD_SIZE; 1 without it (or with one that is not a number,
    left in a shell)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE") or 1))
    except ValueError:
        return 1


def is_first_process() -> bool:
    """Whether this is torchrun's first process, or the only one: the one that holds the run's lock and speaks. A
    RANK set without a WORLD_SIZE above 1 (left in a shell) is no torchrun."""
    try:
        return world_size() == 1 or int(os.environ.get("RANK") or 0) == 0
    except ValueError:
        return True


def same_model(a: str | None, b: str | None) -> bool:
    """A model name, or the same file spelled another way (relative to here, or absolute)."""
    return a is not None and b is not None and (a == b or os.path.abspath(a) == os.path.abspath(b))


def absolute_if_path(name: str | None) -> str | None:
    """A teacher given as a path (a weights file, or a training run's folder, which `--teacher` takes too) is stored
    absolute, so the run can be resumed from any folder; a model's name stays a name (a bare name means the model,
    even where a folder of that name is here)."""
    from vsr_app.models import is_model_name

    if not name or is_model_name(name):
        return name
    path = Path(name).expanduser()
    return os.path.abspath(path) if path.is_file() or (path / "model.safetensors").is_file() else name


def absolute_paths(options: dict) -> dict:
    """The options with every file they name absolute, so the run resumes from any folder (and the Train tab)."""
    options = dict(options)
    if isinstance(options.get("init_from"), str):  # a model's name stays a name, as a teacher's does
        options["init_from"] = absolute_if_path(options["init_from"])
    if isinstance(options.get("cache"), str):
        options["cache"] = os.path.abspath(options["cache"])
    for key in ("val", "val_videos"):
        if isinstance(options.get(key), list):
            options[key] = full_clips(options[key])
    return options


def say_unused(saved_options: dict, asked: dict, run_dir: Path, log, command: str, known) -> None:
    """A resumed run continues with its own options (all but `steps`): say which asked ones it does not use, rather
    than drop them silently, and apart from them those that are no options of `command` (`known`: the ones it takes),
    which a new run refuses as misspelt (another task's --config). `teacher`, `distill` and the net were checked
    before (refused if changed)."""
    handled = ("steps", "teacher", "distill", "net", "net_config", *VAL_KEY.values())  # (resumed_val: the clips)
    unused = sorted(k for k, v in asked.items() if k not in handled and v != saved_options.get(k))
    ignored, foreign = [k for k in unused if k in known], [k for k in unused if k not in known]
    said = [f"ignoring {', '.join(ignored)}"] if ignored else []
    said += [f"not options of {command}: {', '.join(foreign)}"] if foreign else []
    if said:
        log(f"--resume continues with the run's own options ({run_dir / 'config.json'}); {'; '.join(said)}")


def resumed_data(saved_data: list[str], data: list[str] | None, run_dir: Path, log,
                 check=lambda data: None) -> list[str]:
    """The data a resumed run trains on: its own (another --data is said to be ignored); where its own is gone (the
    folder moved), --data names the new place, which the run then keeps. `check` refuses a new place with nothing
    to train on before the change is said (a finished run resumed saves it without reading it)."""
    missing = [d for d in saved_data if not os.path.exists(d)]
    if not missing:
        if data and sorted(map(os.path.abspath, data)) != sorted(saved_data):
            log(f"--resume trains on the run's own data: {', '.join(saved_data)}")
        return saved_data
    if not data:
        raise VsrAppError(f"training data not found: {', '.join(missing)}; {MOVED_HINT.format(flag='--data')}")
    moved = [os.path.abspath(d) for d in data]
    check(moved)
    saved_in = SAVED_ONCE_STARTED.format(config=run_dir / "config.json")
    log(f"the run's data {', '.join(missing)} is gone: it trains on {', '.join(moved)} from now on ({saved_in})")
    return moved


def resumed_val(saved_val: list[str] | None, val: list[str] | None, run_dir: Path, log,
                check=lambda clips: None, data_moved: bool = False, pruning: bool = False) -> list[str]:
    """The validation clips a resumed run scores from now on: --val's where given (they only score the run, so they
    may change; a clip moved with the footage left the run unresumable, --val ignored), else its own, which must
    still be there. `check` refuses clips not held out of the data: new ones before the change is said, and the
    run's own where its data moved (they may lie inside the data's new place). A `pruning` has no --val: its clips
    are config.json's "val_videos", which the user edits."""
    saved_val = full_clips(saved_val or [])  # saved again full: the run resumes from any folder
    clips = full_clips(val) if val else saved_val
    missing = [p for p in clips if not os.path.exists(p)]
    if missing:  # (a new one: before its change is said)
        moved = (f'if it has moved, write its new location in "val_videos" in {run_dir / "config.json"}' if pruning
                 else MOVED_HINT.format(flag="--val"))
        raise VsrAppError(f"validation clip not found: {', '.join(missing)}" + ("" if val else f"; {moved}"))
    if clips != saved_val or data_moved:
        check(clips)
    if clips != saved_val:
        was = f"it validated on {', '.join(saved_val)}; " if saved_val else ""
        log(f"the run validates on {', '.join(clips)} from now on "
            f"({was}{SAVED_ONCE_STARTED.format(config=run_dir / 'config.json')})")
    return clips


def resumed_teacher(saved: str, given: str | None, verb: str, log) -> str:
    """The teacher a resumed run `verb` (distils from, prunes): its own; where that file is gone (moved), --teacher
    names its new place, which the run then keeps (a pruning's weights come from the checkpoint, which must fit)."""
    if not _gone(saved):  # a model name, or a file still there
        if given and not same_model(given, saved):
            log(f"--resume {verb} the run's own teacher: {saved}")
        return saved
    if not given:
        raise VsrAppError(f"the run's teacher {saved} is gone; {MOVED_HINT.format(flag='--teacher')}")
    log(f"the run's teacher {saved} is gone: it {verb} {given} from now on "
        f"({SAVED_ONCE_STARTED.format(config='config.json')})")
    return absolute_if_path(given)


def saved_teacher_gone(run_dir: Path) -> bool:
    """Whether the run's own teacher is a file no longer there (moved): the Train tab's Resume then passes its
    Teacher, as --teacher names the new place on the command line."""
    saved = saved_config(run_dir) or {}
    return _gone(saved.get("teacher"))


def _gone(path: str | None) -> bool:
    """A teacher named by a path that no longer holds it (a model name is never gone)."""
    return bool(path) and os.path.isabs(path) and not os.path.exists(path)


def check_resume_flags(saved: dict | None, run_dir: Path, teacher: str | None, distill: str | None) -> None:
    """--resume continues a run as it began: a --teacher or --distill other than the run's is refused, not ignored
    (but for a teacher whose file is gone: --teacher names its new place, `resumed_teacher`)."""
    if saved is None:
        return  # the loop reports that there is nothing to resume
    for flag, given, began in (("--distill", distill, saved.get("distill") or "none"),
                               ("--teacher", teacher, saved.get("teacher"))):
        if given is not None and not same_model(given, began) and not (flag == "--teacher" and _gone(began)):
            raise VsrAppError(f"{run_dir} was started with {flag} {began or '(none)'}; --resume continues a run as "
                              f"it began: leave out {flag}, or start a new run with another --out")


def read_config_file(config: str | None) -> dict:
    """A --config file's options (a JSON object)."""
    if not config:
        return {}
    return read_json_object(config, f"config {config}", not_object=f'config {config} must be a JSON object of '
                            f'options, like {{"steps": 2000, "lr": 0.0002}}')
