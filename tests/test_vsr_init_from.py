"""A VSR run started from existing weights (`init_from`) trains the net those weights are for: the one their card
describes, unless the run's options name a net themselves; a model's name means its weights file, as --teacher
takes it; and the Train tab offers Start from for VSR too, so a trained student can be fine-tuned there."""

from __future__ import annotations

import json

import pytest
import torch

from gui_support import gui_env, window  # noqa: F401 (fixtures)
from test_gui_train import panel, prepare  # noqa: F401 (panel: a fixture)
from test_train_run_folder import TINY_VSR, config, data_dir, quiet, vsr  # noqa: F401 (data_dir: a fixture)
from vsr_app.distill.vfi_task import train_vfi
from vsr_app.distill.vsr_task import net_settings
from vsr_app.errors import VsrAppError
from vsr_app.gui import fmt
from vsr_app.models import count_params, save_model
from vsr_app.nets.vsr_student import VSRStudent
from vsr_app.resources import user_models_dir

ALIGNED = {"channels": 8, "blocks": 1, "hr_channels": 4, "align": "dis"}
OPTIONS = {key: value for key, value in TINY_VSR.items() if key != "net_config"}  # no net of their own


@pytest.fixture(autouse=True)
def home_in_tmp(tmp_path, monkeypatch):
    """The user models folder follows HOME: in tmp, never the user's."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def built(net_config: dict) -> dict:
    """A student's net_config as a run's card names the net: every setting, the defaults filled in."""
    return {k: v for k, v in net_settings("student", net_config).items() if k != "net"}


def student(path, net_config: dict):
    """A tiny student's weights and card at `path` (a .safetensors), as a trained model has them."""
    torch.manual_seed(0)
    return save_model(VSRStudent(**net_config), path, {"task": "upscale", "scale": 4, "arch": "vsr_student",
                                                       "config": net_config})


def test_a_run_that_names_no_net_trains_the_net_of_the_card_it_starts_from(data_dir, tmp_path):
    """Alignment adds no weights: from an aligned student the run trained a net without it, its card saying {}."""
    start = student(tmp_path / "aligned.safetensors", ALIGNED)
    said = []
    vsr(data_dir, tmp_path / "run", steps=1, config=_options_file(tmp_path, init_from=str(start)), log=said.append)
    card = json.loads((tmp_path / "run" / "model.json").read_text())
    assert card["config"] == built(ALIGNED) and card["training"]["init_from"] == str(start)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["net"] == "student" and saved["net_config"] == ALIGNED  # so --resume builds it too
    assert f"net: student, net_config {json.dumps(ALIGNED)}, from the card of init_from " \
           f"{tmp_path / 'aligned.json'}" in said


def test_a_net_the_options_name_wins_and_one_its_weights_do_not_fit_is_refused_naming_the_card(data_dir, tmp_path):
    start = student(tmp_path / "deep.safetensors", {**ALIGNED, "blocks": 2})
    said = []
    with pytest.raises(VsrAppError) as refused:  # the options' net: 1 block, where the weights have 2
        vsr(data_dir, tmp_path / "run", steps=1, config=config(tmp_path, init_from=str(start)), log=said.append)
    message = str(refused.value)
    assert message.startswith("deep.safetensors does not fit this model: ") and "not in this model" in message
    assert 'net_config {"channels": 8, "blocks": 2, "hr_channels": 4, "align": "dis"}' in message
    assert 'leave "net" and "net_config" out of the options' in message and "init_partial" in message
    assert not (tmp_path / "run" / "config.json").exists()
    assert any(line.startswith('net: student, net_config {"channels": 8, "blocks": 1, "hr_channels": 4}, as the '
                               "options say; the card of init_from ") for line in said)
    vsr(data_dir, tmp_path / "partial", steps=1, config=config(tmp_path, "p.json", init_from=str(start),
                                                                 init_partial=True))
    assert json.loads((tmp_path / "partial" / "model.json").read_text())["config"] == built(TINY_VSR["net_config"])


def test_an_upscaler_cannot_start_from_an_interpolator_that_names_no_net(data_dir, tmp_path):
    train_vfi([str(data_dir)], tmp_path / "vfi", steps=1, options={"base": 8, "crop": 32, "batch": 1, "warmup": 1,
                                                                   "val_every": 0, "threads": 1}, **quiet)
    with pytest.raises(VsrAppError, match="holds a vfi_stmfnet net, which does not upscale video"):
        vsr(data_dir, tmp_path / "run", steps=1,
            config=_options_file(tmp_path, init_from=str(tmp_path / "vfi" / "model.safetensors")))


def test_init_from_takes_a_model_name_as_teacher_does(data_dir, tmp_path):
    """"init_from must be an existing .safetensors file: .../vsr-x4-student", where --teacher took the name."""
    installed = student(user_models_dir() / "my-tiny.safetensors", ALIGNED)
    said = []
    vsr(data_dir, tmp_path / "run", steps=1, config=_options_file(tmp_path, init_from="my-tiny"), log=said.append)
    card = json.loads((tmp_path / "run" / "model.json").read_text())
    # the name, stored as typed: the file of a shipped model moves with the app (Open run then said "not found")
    assert card["training"]["init_from"] == "my-tiny" and card["config"] == built(ALIGNED)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["init_from"] == "my-tiny"
    assert f"initialised model from my-tiny ({installed})" in said
    with pytest.raises(VsrAppError, match="init_from 'bicubic' is a built-in model, which has no weights"):
        vsr(data_dir, tmp_path / "other", steps=1, config=_options_file(tmp_path, init_from="bicubic"))


def test_the_train_tab_starts_a_vsr_run_from_a_model_whose_card_sizes_the_net(tmp_path):
    from vsr_app.gui.train_form import form_fields_for, net_field_applies, start_from_option

    installed = student(user_models_dir() / "my-tiny.safetensors", ALIGNED)
    form = {"net": "student", "net_config": {"channels": 32, "blocks": 4, "align": "none"}, "batch": 2}
    started = form_fields_for("student", form, started=True)
    assert started == {"batch": 2}  # the net is the card's: no net or net_config to override it
    assert not net_field_applies("student", "net_config.align", started=True)
    from vsr_app.gui.train_form import net_size
    size = fmt.params(count_params(VSRStudent(**ALIGNED)))
    assert net_size("vsr", {**started, "init_from": "my-tiny"}).startswith(f"{size}: ")

    assert "Start from's card gives the student" in net_size("vsr", {"init_from": "my-tiny"})
    # a net named in Extra options is the net trained: the row said the card gave it
    assert "Extra options give the student" in net_size("vsr", {"init_from": "my-tiny", "net_config": {"blocks": 1}})
    assert start_from_option("vsr", "my-tiny") == "my-tiny"  # the trainer takes its weights file
    assert start_from_option("vsr", str(installed)) == str(installed)
    with pytest.raises(VsrAppError, match="Start from must be a full path, e.g. .*model.safetensors"):
        start_from_option("vsr", "model.safetensors")


def test_the_train_tabs_vsr_form_fine_tunes_the_model_start_from_names(panel, qtbot):
    """Start from was interpolation's alone: a hobbyist could not fine-tune a shipped student from the tab."""
    student(user_models_dir() / "my-tiny.safetensors", ALIGNED)
    form = panel.form
    assert form.start_from.isVisible() and "fine-tune a trained model" in form.start_note.text()
    assert not form.prune_button.isVisible() and not form.teacher.isEnabled()  # no pruning, no distillation here
    form.start_from.setText("my-tiny")
    size = fmt.params(count_params(VSRStudent(**ALIGNED)))
    qtbot.waitUntil(lambda: form.net_size.text().startswith(f"{size}: Start from's card gives"), timeout=10_000)
    # the greyed fields show the form's Width 4 and 1 block: the row says what the run trains instead
    assert "the student, Width (channels) 8, Residual blocks 1, Motion alignment dis" in form.net_size.text()
    assert not any(form.inputs[key].isEnabled() for key in ("net", "net_config.channels", "net_config.align"))
    prepare(panel, resume=False)
    options = json.loads((panel.run_dir / "gui-options.json").read_text())
    assert options["init_from"] == "my-tiny" and "net" not in options and "net_config" not in options
    assert "degrade" not in options  # Training inputs' default: the trainer takes the card's (the test below)
    mix = {"compress_p": 0.5, "crf": [18, 32], "noise_p": 0.3, "noise_sigma": [1.0, 6.0]}
    (panel.run_dir / "config.json").write_text(json.dumps(  # as the trainer writes it: the card's net and inputs
        {"task": "vsr", **options, "net": "student", "net_config": {**ALIGNED, "out_init": 1.0}, "degrade": mix}))
    form.load_run(panel.run_dir)  # Open run: the card's net_config went to Extra options, naming a net from then on
    assert "net" not in form.extra.text() and form.start_from.text() == "my-tiny"
    assert not {"net", "net_config", "degrade"} & set(form.options())


def _options_file(tmp_path, **options) -> str:
    """A --config file of the tiny run's options without a net of their own."""
    path = tmp_path / "start.json"
    path.write_text(json.dumps({**OPTIONS, **options}))
    return str(path)


def test_a_fine_tune_keeps_the_input_degradation_its_weights_were_trained_with(data_dir, tmp_path):
    """The shipped student was trained for real video's artefacts (its card's training "degrade"); a fine-tune from
    it went on on clean downscales alone, and nothing said so."""
    mix = {"compress_p": 0.5, "crf": [18, 32], "noise_p": 0.3, "noise_sigma": [1.0, 6.0]}
    start = student(tmp_path / "real.safetensors", ALIGNED)
    card = json.loads((tmp_path / "real.json").read_text())
    (tmp_path / "real.json").write_text(json.dumps({**card, "training": {"degrade": mix}}))
    said = []
    vsr(data_dir, tmp_path / "run", steps=1, config=_options_file(tmp_path, init_from=str(start)), log=said.append)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["degrade"] == mix
    assert any(line.startswith(f"degrade: {json.dumps(mix)}, as the weights of init_from were trained")
               for line in said)
    clean = _options_file(tmp_path, init_from=str(start), degrade=None)  # said in the options: theirs
    vsr(data_dir, tmp_path / "clean", steps=1, config=clean, log=quiet["log"])
    assert json.loads((tmp_path / "clean" / "config.json").read_text()).get("degrade") is None


def test_init_from_takes_a_run_folder_and_names_an_unknown_model_as_one(data_dir, tmp_path, monkeypatch):
    """A run folder (which --model and eval take) was refused as "not an existing .safetensors file", and so was a
    mistyped model name, as if it were a path in the current folder."""
    from vsr_app.distill.weights import start_weights

    vsr(data_dir, tmp_path / "run", steps=1, config=config(tmp_path))
    assert start_weights(str(tmp_path / "run")) == str(tmp_path / "run" / "model.safetensors")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(VsrAppError, match=r"^init_from: unknown model 'vsr-x4-studnet' \(upscalers: "):
        start_weights("vsr-x4-studnet")
    assert start_weights("gone.safetensors") == "gone.safetensors"  # a file's path: init_from says it is missing
