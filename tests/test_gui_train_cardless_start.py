"""Start from = weights with no card beside them (a .safetensors copied on its own): the upscaling trainer builds the
net the options say, so the form's fields size it, are sent and stay editable, and the Parameters row says so. It
read "Start from's card gives the student, Width (channels) 32, ..." with the fields greyed and not sent: the run
trained the trainer's default net, neither the form's nor a card's."""

from __future__ import annotations

import torch

from gui_support import gui_env, window  # noqa: F401 (fixtures)
from test_gui_train import TINY, panel  # noqa: F401 (panel: a fixture)
from vsr_app.distill.train_cli import start_options
from vsr_app.gui import fmt
from vsr_app.models import count_params, save_model
from vsr_app.nets.vsr_student import VSRStudent


def test_weights_without_a_card_leave_the_net_to_the_forms_fields(panel, qtbot, tmp_path):
    form = panel.form
    net_config = {"channels": TINY["net_config.channels"], "blocks": TINY["net_config.blocks"]}
    bare = save_model(VSRStudent(**net_config), tmp_path / "bare.safetensors",
                      {"task": "upscale", "scale": 4, "arch": "vsr_student", "config": net_config})
    bare.with_suffix(".json").unlink()
    form.start_from.setText(str(bare))
    size = fmt.params(count_params(VSRStudent(**net_config)))
    said = f"{size}: Start from has no card beside it, so the form's fields give the net"
    qtbot.waitUntil(lambda: form.net_size.text() == said, timeout=20_000)
    assert all(form.inputs[key].isEnabled() for key in ("net", "net_config.channels", "net_config.blocks"))
    options = form.options()
    assert options["net"] == "student" and options["net_config"]["channels"] == net_config["channels"]
    assert start_options(options, lambda *_: None)[0] == options  # no card: the trainer takes them as sent
    with torch.device("meta"):
        assert count_params(VSRStudent(**options["net_config"])) == count_params(VSRStudent(**net_config))
