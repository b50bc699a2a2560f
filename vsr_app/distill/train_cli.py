"""`vsr-app train`: the options merged (a resumed run's saved config < --config file < command line), a VSR run set
up and trained by the shared loop (`vsr_app.distill.train`); VFI runs are set up by `vfi_task.train_vfi`. The run
folder's helpers and the torch-free part of the set-up are in `vsr_app.distill.runs`, the options in
`vsr_app.distill.options`."""
from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from vsr_app.distill.checkpoint import check_asked_steps, check_steps
from vsr_app.distill.sources import check_data, check_held_out
from vsr_app.distill.options import (DISTILL_MODES, VAL_KEY, LoopConfig, cap_resumed_warmup, cap_warmup,
                                    check_types, without_config_data)
from vsr_app.distill.runs import (TASK_KEY, absolute_if_path, absolute_paths, check_new_run, check_resumable,
                                  check_resume_flags, check_run_task, claimed_run_dir, config_task, holds_run,
                                  read_config_file, read_json_object, resumed_config, resumed_data, resumed_teacher,
                                  resumed_val, saved_options_checked, say_unused)
from vsr_app.distill.train import train
from vsr_app.distill.weights import refuse_unfit, start_card, with_start_weights
from vsr_app.errors import VsrAppError

VFI_COMMAND_OPTIONS = ("teacher", "distill")  # train_vfi's own arguments, taken from a --config file too


def _teacher_without_distill(task_name: str, config_file: str | None) -> str:
    """What to add or take out, in the words of where the teacher was named: the command line, or `config_file`."""
    kinds = ", ".join(mode for mode in DISTILL_MODES[task_name] if mode != "none")
    if config_file:
        return (f'{config_file} names a "teacher", which only distillation uses: set "distill" ({kinds}) in it or '
                f'on the command line (--distill), or take "teacher" out')
    return f"--teacher is used only for distillation: add --distill ({kinds}), or leave out --teacher"


def run_from_cli(task_name: str, data: list[str], out: str, teacher: str | None = None, distill: str | None = None,
                 steps: int | None = None, resume: bool = False, config: str | None = None,
                 val: list[str] | None = None, log=print) -> Path | None:
    """`vsr-app train`: merge options (a resumed run's saved config < --config file < CLI), build the task, train.
    Returns the exported model, None where a finished run was resumed and nothing trained (the loop says so).

    VSR: the merged options are saved as RUN_DIR/config.json so `--resume` needs only --out (it trains on the run's
    own data). VFI runs are set up by vsr_app.distill.vfi_task.train_vfi. `val`: validation clips (each task's
    option name for them: VAL_KEY).
    """
    file_options = without_config_data(read_config_file(config), log)
    if file_options.get(TASK_KEY) == task_name:  # a run's config.json given as --config: its task is no option
        del file_options[TASK_KEY]
    check_types(file_options, {"teacher": "", "distill": ""}, "training option")  # a name or path; a mode
    if val:
        file_options[VAL_KEY[task_name]] = list(val)
    if not resume:  # VFI's `exclude` may hold a clip of the data out; VSR has no such option
        check_held_out(file_options.get(VAL_KEY[task_name]), data,
                       file_options.get("exclude", []) if task_name == "vfi" else None)
    asked_teacher = teacher or file_options.get("teacher")  # the command line, else the --config file
    asked_distill = distill or file_options.get("distill")
    run_dir = Path(os.path.abspath(out))  # absolute: the card names the run (`--out .`), it resumes from anywhere
    if not resume and asked_teacher and (asked_distill or "none") == "none":
        raise VsrAppError(_teacher_without_distill(task_name, config if not teacher else None))
    if task_name == "vfi":
        from vsr_app.distill.vfi_task import train_vfi

        # (said by train_vfi: where it came from, or that there is nothing to resume)
        saved = resumed_config(run_dir, lambda *_: None) if resume and holds_run(run_dir) else None
        # the flags against a VFI run's or a pruning's own (a VSR run is refused by train_vfi, which names the command
        # that continues it)
        if saved is not None and config_task(saved) != "vsr":
            check_resume_flags(saved, run_dir, asked_teacher, asked_distill)
        options = {k: v for k, v in file_options.items() if k not in VFI_COMMAND_OPTIONS}
        return train_vfi(data, out, teacher=asked_teacher, distill=asked_distill or "none", steps=steps,
                         resume=resume, options=options, log=log)
    if data or not resume:
        check_data(data, None if resume else run_dir)  # before the run folder is made: a mistyped --data leaves nothing
    with claimed_run_dir(run_dir):  # before config.json is written: a second trainer on this folder stops here
        return _train_vsr(data, run_dir, teacher, distill, steps, resume, file_options, log)


def _train_vsr(data, run_dir: Path, teacher, distill, steps, resume: bool, file_options: dict, log) -> Path | None:
    from vsr_app.distill.vsr_task import DEFAULTS, OPTIONS, VSRTask, net_settings

    if resume:
        check_resumable(run_dir)  # before anything is read or written: a refused resume changes nothing
    saved = resumed_config(run_dir, log) if resume else None
    check_run_task(run_dir, config_task(saved) if saved is not None else "vsr", "vsr")
    if saved is not None:
        saved = {k: v for k, v in saved.items() if k != TASK_KEY}  # the options: the task is said apart
    if resume:
        check_asked_steps(run_dir, steps if steps is not None else file_options.get("steps"))
        check_resume_flags(saved, run_dir, teacher or file_options.get("teacher"),
                           distill or file_options.get("distill"))
        began = {"net": DEFAULTS["net"], "net_config": {}, **(saved or {})}
        asked_net = {**began, **{k: file_options[k] for k in ("net", "net_config") if k in file_options}}
        if net_settings(asked_net["net"], asked_net["net_config"]) != net_settings(began["net"], began["net_config"]):
            # the checkpoint holds that net's weights: another shape cannot load them
            raise VsrAppError(f"{run_dir} was started with net {json.dumps(began['net'])}, net_config "
                              f"{json.dumps(began['net_config'])}; --resume cannot change the network: start a new "
                              f"run with another --out")
    else:  # before config.json is written: a refused start leaves the run as it was
        check_new_run(run_dir)
    asked = absolute_paths(with_start_weights(file_options))
    if resume:
        if not all(os.path.isabs(d) for d in saved.get("data") or [""]):
            # a run from before runs stored their data absolute: --data names it once
            if not data:
                raise VsrAppError(f"{run_dir} does not name its data as a full path (an older run): resume it once "
                                  f"with --data")
            saved = {**saved, "data": [os.path.abspath(d) for d in data]}
        say_unused(saved, asked, run_dir, log, "train vsr", OPTIONS)
        with saved_options_checked(run_dir):
            _, saved_task_options = LoopConfig.split(saved)  # the loop's options are checked by the split
            check_types(saved_task_options, DEFAULTS, "VSR training option")
        options = {**saved, "data": resumed_data(saved["data"], data, run_dir, log)}  # the run continues as it began
        if saved.get("teacher"):
            options["teacher"] = resumed_teacher(saved["teacher"], teacher or file_options.get("teacher"),
                                                 "distils from", log)
        val = resumed_val(saved.get("val"), asked.get("val"), run_dir, log,
                          check=lambda clips: check_held_out(clips, options["data"]),  # as a new run's clips
                          data_moved=options["data"] != saved["data"])
        if val:
            options["val"] = val
        if "steps" in asked:
            options["steps"] = asked["steps"]
    else:
        options = {**asked, "data": [os.path.abspath(d) for d in data]}
        if teacher:
            options["teacher"] = teacher
        options["teacher"] = absolute_if_path(options.get("teacher"))
        if options["teacher"] is None:
            options.pop("teacher")
        if distill is not None:
            options["distill"] = distill
        options.setdefault("distill", "none")
    options, unlike_card = (options, None) if resume else start_options(options, log)
    if steps is not None:
        options["steps"] = steps
    if resume:
        cap_resumed_warmup(options, saved)
    else:
        cap_warmup(options)
    loop_cfg, task_opts = LoopConfig.split(options)
    if resume:
        check_steps(run_dir, loop_cfg.steps)
    torch.manual_seed(loop_cfg.seed)  # the task builds the nets: same seed, same initial weights
    task = VSRTask(task_opts, log=log)
    if unlike_card and not loop_cfg.init_partial:  # before the run starts: its weights would not load
        refuse_unfit(task.model.state_dict(), unlike_card[0], Path(loop_cfg.init_from).name, unlike_card[1])
    meta = task.describe()
    if loop_cfg.init_from:  # its steps count from those weights: its card says so (a VFI card has it in "options")
        meta["init_from"] = loop_cfg.init_from
    return train(task, loop_cfg, run_dir, resume=resume, meta=meta, log=log, run_config={TASK_KEY: "vsr", **options})


def start_options(options: dict, log) -> tuple[dict, tuple[dict, str] | None]:
    """A new VSR run's options as the card of the weights it starts from completes them (`start_degrade`,
    `start_net`, which say what they take); the card is found once, for both."""
    card = start_card(options["init_from"]) if options.get("init_from") else None
    if card is None:
        return options, None
    return start_net(start_degrade(options, card[0], log), card, log)


def start_degrade(options: dict, card_path: Path, log) -> dict:
    """A new run's options with the input degradation the weights it starts from were trained with (their card's
    training "degrade", `card_path`), unless the options say one (null: clean inputs): a fine-tune of the shipped
    student, trained for real video's artefacts, went on on clean downscales alone, without a word."""
    if "degrade" in options:
        return options
    training = read_json_object(card_path, f"the model card of init_from {card_path}").get("training")
    degrade = training.get("degrade") if isinstance(training, dict) else None
    if not isinstance(degrade, dict):
        return options
    log(f"degrade: {json.dumps(degrade)}, as the weights of init_from were trained (their card {card_path}); "
        "\"degrade\": null in the options trains on clean inputs")
    return {**options, "degrade": degrade}


def start_net(options: dict, card: tuple[Path, dict], log) -> tuple[dict, tuple[dict, str] | None]:
    """A new VSR run's options with the net it trains: the one init_from's `card` describes (`weights.start_card`:
    its path and net), unless the options name a net themselves (a net_config, or another net), as `train vfi`
    builds the net of that card (motion alignment adds no weights, so a card's "align" was lost without a word where
    the options said no net). Where the options' net differs from the card's: the card's net's tensors (shapes only)
    and advice naming it, for weights that do not fit (`weights.refuse_unfit`). `log` says which net the run trains
    and where it came from."""
    from vsr_app.distill.vsr_task import DEFAULTS, NETS, build_net, net_settings

    card_path, described = card
    card_net = next((net for net, (arch, _) in NETS.items() if arch == described["arch"]), None)
    named = "net" in options or "net_config" in options
    if card_net is None:  # another task's net: refused here, or where its tensors do not load (init_from's message)
        if not named:
            raise VsrAppError(f"init_from {options['init_from']} holds a {described['arch']} net, which does not "
                              "upscale video: start from an upscaling model (vsr-x4-student, another vsr- model or "
                              "a vsr run's model)")
        return options, None
    card_config = json.dumps(described["config"])
    if "net_config" not in options and options.get("net", card_net) == card_net:
        log(f"net: {card_net}, net_config {card_config}, from the card of init_from {card_path}")
        return {**options, "net": card_net, "net_config": described["config"]}, None
    net, net_config = options.get("net", DEFAULTS["net"]), options.get("net_config", {})
    said = f"net: {net}, net_config {json.dumps(net_config)}, as the options say"
    if net_settings(net, net_config) == net_settings(card_net, described["config"]):
        log(f"{said}, the net of the card of init_from {card_path}")
        return options, None
    log(f"{said}; the card of init_from {card_path} is for net {card_net}, net_config {card_config}")
    with torch.device("meta"):  # shapes only
        tensors = build_net(card_net, described["config"]).state_dict()
    return options, (tensors, f"they are for the net of their card (net {card_net}, net_config {card_config}): "
                              f"leave \"net\" and \"net_config\" out of the options to train that one, or set "
                              "init_partial to take the tensors that fit")
