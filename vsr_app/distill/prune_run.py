"""`vsr-app prune vfi`: sparsity fine-tuning of an interpolation teacher (`VFITask` with OBProx-SG, through the
shared training loop), then the thinner dense net cut from it, which a compact student starts from (`train vfi`
with `init_from`). The task and the run set-up both commands share are in `vfi_task`.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from vsr_app.distill.checkpoint import check_asked_steps, check_steps, checkpoint_step, saving
from vsr_app.distill.options import ASKED_WARMUP, cap_warmup, without_config_data
from vsr_app.distill.prune import apply_threshold, extract_pruned, scaled_plan, width_plan
from vsr_app.distill.runs import (PRUNE_COMMAND, PRUNE_DEFAULTS, PRUNE_VAL, PRUNED_NET, TASK_KEY, absolute_if_path,
                                  absolute_paths, claimed_run_dir, config_options, read_json_object, resume_command,
                                  resumed_config)
from vsr_app.distill.sources import check_data, check_held_out
from vsr_app.distill.taps import choose_taps, prune_taps, tap_importance
from vsr_app.distill.train import train
from vsr_app.distill.vfi_task import VFITask, load_vfi_teacher, resume_paths, run_config, split_options
from vsr_app.errors import RESUME_HINT, VsrAppError
from vsr_app.files import atomic_write
from vsr_app.models import count_params, save_model

# what a pruning makes once its steps are done: the pruned net, its card and the width plan
_PRUNED_FILES = (PRUNED_NET, Path(PRUNED_NET).with_suffix(".json").name, "plan.json")


def prune_vfi(teacher: str | None, data: list[str] | None, out: str | Path, target_params_ratio: float = 0.1,
              options: dict | None = None, log=print, resume: bool = False) -> Path | None:
    """Sparsity fine-tuning (OBProx-SG) of `teacher`, then the thinner dense net; returns its weights path (None: a
    finished pruning resumed without a larger --steps, whose pruned net is kept as it was).

    The run folder gets the sparse net (model.*), the width plan with every group's kept channels
    (plan.json) and the pruned net (pruned.safetensors + card), ready for `train vfi --config
    {"init_from": ".../pruned.safetensors"}`. `resume` continues a stopped one from its checkpoint with its own
    teacher, data and options (`steps` in `options` may extend it), as `train` resumes.
    """
    if isinstance(target_params_ratio, bool) or not isinstance(target_params_ratio, (int, float)) \
            or not 0 < target_params_ratio < 1:
        raise VsrAppError("--target-params-ratio must be between 0 and 1 (e.g. 0.1 keeps 10% of the parameters), "
                          f"not {target_params_ratio!r}")
    options = without_config_data(options or {}, log)  # as `train` does
    if options.get("ema"):  # the sparsity step zeroes the raw weights; an average of them is not sparse
        raise VsrAppError("prune vfi does not take \"ema\": the net it prunes is the one it trains, not an average")
    run_dir = Path(os.path.abspath(out))  # absolute: the card names the run (`--out .`)
    if resume:
        merged = absolute_paths(dict(options))
    else:
        check_data(data, run_dir)  # before the run folder is made
        merged = absolute_paths({**PRUNE_DEFAULTS, **options, "target_params_ratio": target_params_ratio})
        check_held_out(merged.get("val_videos"), data, merged.get("exclude", []), PRUNE_VAL)  # as `train vfi` does
        cap_warmup(merged)  # as a new training run's
        merged[ASKED_WARMUP] = options.get("warmup")  # the user's, not PRUNE_DEFAULTS' (shown as typed otherwise)
        # OBProx-SG: proximal steps first, orthant steps after. Saved with the options, so a resume that extends the
        # run keeps the phase it was in (`_fit_proximal_phase`).
        merged.setdefault("prune_prox_steps", _proximal_steps(merged["steps"]))
    with claimed_run_dir(run_dir):  # until the pruned net is written; a refused start leaves nothing
        return _prune_vfi(teacher, data, run_dir, merged, log, resume)


def _proximal_steps(steps: int) -> int:
    """OBProx-SG's proximal steps in a pruning of `steps` that does not set them: 3/4 of it, at least one (a 1-step
    run: initial_lambda divides by them)."""
    return max(1, int(0.75 * steps))


def _fit_proximal_phase(options: dict, planned_steps, resumed_at: int, run_dir: Path, log) -> None:
    """The proximal steps of a resumed pruning (`planned_steps`: its length before this resume; a run begun before the
    options held them had 3/4 of it). A resume that changes the length makes steps that were that share 3/4 of the
    new length, as a new pruning of it has them: a shorter run kept its old ones, its proximal phase outlasted it and
    no orthant step came. A run past its proximal phase keeps it (it does not go back). Proximal steps the options
    set otherwise are kept, and said where they leave no orthant step."""
    steps = options.get("steps")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (steps, planned_steps)):
        return  # a length that is no number: the options' own check says so
    prox = options.setdefault("prune_prox_steps", _proximal_steps(planned_steps))
    if steps == planned_steps:
        return
    if prox == _proximal_steps(planned_steps):
        if resumed_at < prox:
            now = options["prune_prox_steps"] = _proximal_steps(steps)
            begin = "at once" if now <= resumed_at else f"after step {now}"
            log(f"the pruning's proximal phase spans {now} steps now, not {prox}: 3/4 of its {steps} steps, as a new "
                f"pruning of that length has it; its orthant steps begin {begin}")
    elif isinstance(prox, int) and prox >= steps:
        log(f"prune_prox_steps {prox}, which the pruning's options set, is not below its {steps} steps: every step is "
            f"a proximal one and no orthant step comes (change it in {run_dir / 'config.json'} for them; a new pruning "
            f"of {steps} steps has {_proximal_steps(steps)})")


def _set_aside_pruned_net(run_dir: Path, step: int, log) -> None:
    """A finished pruning extended by --steps: its pruned net and plan are renamed with the step they were made at,
    so a stop before the new ones are written leaves no net that the checkpoint has moved past (nor one it replaces
    unsaid)."""
    for name in _PRUNED_FILES:
        if (run_dir / name).exists():
            kept = run_dir / f"{Path(name).stem}-step{step}{Path(name).suffix}"
            os.replace(run_dir / name, kept)
            log(f"{name} of step {step} kept as {kept.name}: the extended pruning makes a new one")
    card = run_dir / f"{Path(PRUNED_NET).stem}-step{step}.json"
    if card.exists():  # its plan is the one kept beside it now, not the plan.json the extended pruning writes
        kept_card = read_json_object(card, "the kept pruned net's card")
        kept_card.setdefault("training", {})["plan"] = str(run_dir / f"plan-step{step}.json")
        atomic_write(card, lambda tmp: Path(tmp).write_text(json.dumps(kept_card, indent=2) + "\n", encoding="utf-8"))


def _prune_vfi(teacher: str | None, data: list[str] | None, run_dir: Path, options: dict, log,
               resume: bool) -> Path | None:
    cfg = run_config(run_dir, resume, {TASK_KEY: "prune", "command": PRUNE_COMMAND,
                                        "data": [os.path.abspath(d) for d in data or []],
                                        "teacher": absolute_if_path(teacher), "distill": "none", "options": options},
                      log)
    if resume:
        if not (run_dir / "checkpoint.safetensors").exists():  # OBProx-SG's phase and lambda are in it
            raise VsrAppError(f"{run_dir} has no checkpoint.safetensors to continue the pruning from: prune again "
                              f"into another --out")
        check_asked_steps(run_dir, options.get("steps"))
        resume_paths(cfg, data, teacher, options, "prunes", run_dir, log)
    resumed_at = checkpoint_step(run_dir) if resume else 0
    if resume:
        before = config_options(resumed_config(run_dir, log=lambda _: None))  # before --steps; run_config said whence
        _fit_proximal_phase(cfg["options"], before.get("steps"), resumed_at, run_dir, log)
    teacher, target_params_ratio = cfg["teacher"], cfg["options"]["target_params_ratio"]
    loop, task_cfg, rest = split_options(cfg["options"])
    if resume:
        check_steps(run_dir, loop.steps)
        if loop.steps > resumed_at:
            _set_aside_pruned_net(run_dir, resumed_at, log)
    hint = RESUME_HINT.format(command=resume_command("prune", run_dir))
    net = load_vfi_teacher(teacher)
    before = count_params(net)
    card = {"name": f"{run_dir.name}-sparse", "arch": "vfi_stmfnet",
            "config": {"widths": net.widths, **net.arch_config()}}
    task = VFITask(net, cfg["data"], card, sparsity=True, val_videos=rest.get("val_videos", []), cfg=task_cfg,
                   log=log, sparsity_resumed_at=resumed_at)
    meta = {"task": "vfi-prune", "data": cfg["data"], "teacher": teacher, "options": cfg["options"]}
    trained = train(task, loop, run_dir, resume=resume, meta=meta, log=log, run_config=cfg, resume_hint=hint)
    if trained is None and all((run_dir / name).is_file() for name in _PRUNED_FILES):
        log(f"its pruned net is kept as it was: {run_dir / PRUNED_NET}")  # made from these same steps
        return None
    try:  # the steps are all checkpointed: a stop now leaves only the cutting and saving below to do
        build = net.rebuild
        zeros = apply_threshold(net, task_cfg.prune_threshold)
        plan = width_plan(net, task_cfg.min_width)
        target = int(target_params_ratio * before)
        plan = scaled_plan(net, plan, target, build, task_cfg.min_width)
        student = extract_pruned(net, plan, build)
        taps = None
        if task_cfg.tap_mass > 0:
            importance = tap_importance(student, task.batches(loop.seed + 1, 0, 1), task_cfg.tap_batches)
            student = prune_taps(student, choose_taps(importance, task_cfg.tap_mass))
            taps = {"mass": task_cfg.tap_mass, "batches": task_cfg.tap_batches, "kept": student.n_taps,
                    "before": net.n_taps, "taps": student.arch_config().get("taps"),
                    "importance": [[round(float(v), 5) for v in imp] for imp in importance]}
            log(f"taps kept per scale (0.5x, 1x, 2x): {net.n_taps} -> {student.n_taps}")
        after = count_params(student)
        report = {"teacher": teacher, "params_before": before, "params_after": after, "zero_weights": zeros,
                  "target_params": target, "share_scale": plan.scale, "taps": taps, "groups": plan.report(net.widths)}
        with saving("the pruned net", run_dir, hint):
            atomic_write(run_dir / "plan.json",
                         lambda tmp: Path(tmp).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8"))
            path = save_model(student, run_dir / PRUNED_NET, {
                "name": f"{run_dir.name}-pruned", "task": "interpolate", "scale": 2, "arch": "vfi_mini",
                "config": {"widths": plan.widths, **student.arch_config()},
                "training": {**meta, "pruned_from": teacher, "plan": str(run_dir / "plan.json")}, "metrics": {},
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        log(f"pruned {before:,} -> {after:,} parameters ({100 * (1 - after / before):.1f}% fewer); plan in "
            f"{run_dir / 'plan.json'}")
    except KeyboardInterrupt:
        log(f"stopped while making the pruned net from the finished pruning; {hint}")
        raise
    return path
