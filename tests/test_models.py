"""Model registry: safe loading (no pickle), card/tensor checks, atomic save."""

import json
import os
import pickle
import stat

import pytest
import torch
from torch import nn

from vsr_app import models
from vsr_app.errors import VsrAppError
from vsr_app.files import atomic_write


@models.register_arch("test_tiny_conv")
class TinyConv(nn.Module):
    kind = "recurrent"
    scale = 1

    def __init__(self, channels: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)

    def step(self, x, state=None):
        return x, state


CARD = {"task": "upscale", "scale": 1, "arch": "test_tiny_conv", "config": {"channels": 4}}


def test_save_then_load_roundtrip(tmp_path):
    net = TinyConv(4)
    path = models.save_model(net, tmp_path / "tiny", dict(CARD))
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["params"] == sum(p.numel() for p in net.parameters())
    loaded = models.load_model(str(path))
    assert torch.equal(loaded.net.conv.weight, net.conv.weight)
    assert loaded.info.params == card["params"]
    assert not list(tmp_path.glob("*.tmp"))


def test_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = tmp_path / "evil.pth"
    evil.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(VsrAppError, match="pickle"):
        models.load_model(str(evil))
    assert not marker.exists()


def test_pickle_renamed_to_safetensors_is_refused(tmp_path):
    models.save_model(TinyConv(4), tmp_path / "m", dict(CARD))
    (tmp_path / "m.safetensors").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(VsrAppError, match="not a readable safetensors"):
        models.load_model(str(tmp_path / "m.safetensors"))


def test_truncated_safetensors_is_refused(tmp_path):
    path = models.save_model(TinyConv(4), tmp_path / "m", dict(CARD))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(VsrAppError, match="corrupt or truncated"):
        models.load_model(str(path))


def test_card_that_does_not_match_tensors_is_refused(tmp_path):
    path = models.save_model(TinyConv(4), tmp_path / "m", dict(CARD))
    card = json.loads(path.with_suffix(".json").read_text())
    card["config"]["channels"] = 8
    path.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(VsrAppError, match="does not match its card"):
        models.load_model(str(path))


@pytest.mark.parametrize("edit, message", [
    ({"config": {"channels": -3}}, "does not fit architecture"),
    ({"task": "colorize"}, "names task 'colorize'"),
    ({"scale": 0}, "gives scale 0"),
    ({"task": "interpolate", "scale": 4}, "gives scale 4"),
    ({"scale": 2}, "says x2 but the architecture enlarges x1"),
    ({"working_memory": [1, -2]}, r"gives working_memory \[1, -2\]; it must be \[bytes, bytes per input pixel\]"),
    ({"working_memory": 5}, "gives working_memory 5"),
])
def test_card_with_impossible_values_is_refused_with_the_reason(tmp_path, edit, message):
    path = models.save_model(TinyConv(4), tmp_path / "m", dict(CARD))
    card = {**json.loads(path.with_suffix(".json").read_text()), **edit}
    path.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(VsrAppError, match=message):
        models.load_model(str(path))


def test_a_card_that_is_not_a_json_object_is_refused(tmp_path):
    path = models.save_model(TinyConv(4), tmp_path / "m", dict(CARD))
    path.with_suffix(".json").write_text("[1, 2]")
    with pytest.raises(VsrAppError, match="not a JSON object"):
        models.load_model(str(path))


def test_missing_card_is_refused(tmp_path):
    path = models.save_model(TinyConv(4), tmp_path / "m", dict(CARD))
    path.with_suffix(".json").unlink()
    with pytest.raises(VsrAppError, match="card"):
        models.load_model(str(path))


def test_cuda_request_without_gpu_is_a_user_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    from vsr_app.devices import resolve_device

    with pytest.raises(VsrAppError, match="CUDA"):
        resolve_device("cuda")


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_atomic_write_gives_the_normal_file_mode(tmp_path, umask):
    """A temp file from mkstemp is 0600 and the rename kept that: reports, cards and weights were owner-only."""
    previous = os.umask(umask)
    try:
        atomic_write(tmp_path / "report.json", lambda tmp: tmp.write_text("{}"))
        path = models.save_model(TinyConv(4), tmp_path / "m", dict(CARD))
    finally:
        os.umask(previous)
    for written in (tmp_path / "report.json", path, path.with_suffix(".json")):
        assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask, written
    assert not list(tmp_path.glob(".*.tmp"))


def test_atomic_write_takes_a_name_as_long_as_the_disk_allows(tmp_path):
    """The temporary file's name is longer than the target's: a name near the limit, valid to write, failed."""
    target = tmp_path / ("r" * 245 + ".csv")
    target.write_text("plain write works")
    atomic_write(target, lambda tmp: tmp.write_text("atomic too"))
    assert target.read_text() == "atomic too" and not list(tmp_path.glob(".*.tmp"))


def test_shipped_models_header_count_is_the_cards_and_the_nets_parameter_count():
    """`models` counts parameters from the safetensors header: right only while state dicts hold no buffers."""
    infos = {i.name: i for i in models.list_models() if i.path}
    archs = {arch for arch, build in models._ARCHS.items() if build.__module__.startswith("vsr_app.")}
    assert archs <= {i.card["arch"] for i in infos.values()}  # every architecture the app has is checked
    for name, info in infos.items():
        net = models.load_model(name).net
        assert info.params == info.card["params"] == models.count_params(net), name
        assert sum(v.numel() for v in net.state_dict().values()) == info.params, name


def test_every_shipped_model_says_what_it_is_for_on_its_card():
    """The GUI's model cards (inspector, About) show the description first: a user choosing a model reads it."""
    shipped = [i for i in models.list_models() if i.path]
    assert {"vsr-x4-student", "vsr-x4-teacher", "vfi-x2-student", "vfi-x2-teacher"} <= {i.name for i in shipped}
    for info in shipped:
        assert len(info.card.get("description", "")) > 40, info.name


def test_every_shipped_model_carries_its_measured_working_memory_to_its_net():
    """Refusing jobs that cannot fit counts it (video/limits.py); an architecture's own figure is for one config, and
    a pruned VFI plan would get the teacher's."""
    for info in (i for i in models.list_models() if i.path):
        assert len(info.card["working_memory"]) == 2, info.name
        assert models.load_model(info.name).net.working_memory == tuple(info.card["working_memory"]), info.name
        assert models.bare_net(info).working_memory == tuple(info.card["working_memory"]), info.name
    student = models.bare_net(models.resolve("vfi-x2-student"))
    assert student.working_memory[1] < type(student).working_memory[1]  # a plan with no figure gets the teacher's


def _shipped_cards() -> dict[str, dict]:
    cards = {p.stem: json.loads(p.read_text()) for p in models.models_dir().glob("*.json")}
    assert cards, f"no model cards in {models.models_dir()}"  # else every test over them would pass on nothing
    return cards


def test_every_shipped_cards_last_stage_is_the_run_its_training_options_came_from():
    """A card's top-level training options are its last stage's: a card missing that stage (the best student's
    listed four of its five) credited its weights to the stage before."""
    for name, card in _shipped_cards().items():
        training = card["training"]
        last = training["stages"][-1]
        assert f"{training['steps']} steps" in last and f"seed {training['seed']}" in last, name


def test_every_shipped_upscaler_card_holds_the_same_held_out_measure_and_says_how_it_was_taken():
    """The held-out figures were missing from three cards and stale (before the session-31 colour fix) on the rest;
    a card's speed figures said nothing of the host, so two hosts' figures read side by side."""
    cards = {n: c for n, c in _shipped_cards().items() if c["task"] == "upscale"}
    assert len(cards) == 6
    for name, card in cards.items():
        metrics = card["metrics"]
        assert 20 < metrics["held_out3_clean_psnr_y"] < 35 and 20 < metrics["held_out3_crf26_psnr_y"] < 35, name
        assert "session 33" in metrics["metrics_notes"] and "colour fix" in metrics["metrics_notes"], name
        if any(k.startswith("bench_fps") for k in metrics):
            assert "session" in metrics["bench_host"] and "bench_host" in metrics["metrics_notes"], name


def test_every_upscaler_cards_val_psnr_says_how_it_was_taken_and_with_which_it_compares():
    """The loop validated on 10 or 120 frames, the clip shrunk 0.8x or not, under one label: side by side two cards'
    val_psnr read 0.84 dB apart where the held-out gap was 0.44. Each says its frames and the shrink, and one taken
    otherwise than another card's says they do not compare."""
    import re

    cards = {n: c for n, c in _shipped_cards().items() if c["task"] == "upscale"}
    frames = {name: int(re.search(r"val_frames (\d+)", card["metrics"]["metrics_notes"]).group(1))
              for name, card in cards.items()}
    assert set(frames.values()) == {10, 120}
    for name, card in cards.items():
        notes = card["metrics"]["metrics_notes"]
        assert "shrunk 0.8x" in notes and "Round Z" in notes, name
        assert "not comparable" in notes.lower(), name  # every card has one taken on the other frame count


def test_no_shipped_card_lists_an_option_its_run_did_not_read():
    """The teacher (no distillation) listed the time term's settings, the space-distilled students those of the time
    term and the teacher's flow loss."""
    from vsr_app.distill.vsr_task import option_applies

    for name, card in _shipped_cards().items():
        training = card["training"]
        unread = [k for k in training if not option_applies(k, training["distill"], training.get("net"))]
        assert not unread, (name, unread)


def test_every_cards_speed_figures_name_the_cpu_and_the_date_they_came_from():
    """Two cards' frames/s came from an Intel and an AMD host; the notes named neither."""
    import re

    for name, card in _shipped_cards().items():
        metrics = card["metrics"]
        speed = [k for k in metrics if k.startswith("ms_per_frame")] + ["bench_fps_*"] * any(
            k.startswith("bench_fps") for k in metrics)
        for key in speed:  # the sentence of the notes that says how they were taken
            said = metrics["metrics_notes"].split(f"{key}: ", 1)[1].split(". ")[0]
            assert re.search(r"Intel Xeon|AMD EPYC|does not name its CPU", said), (name, said)
            assert re.search(r"2026-\d\d-\d\d", said), (name, said)


def test_no_card_compares_two_figures_without_saying_which_is_which():
    """"Vid4 24.91 vs 24.95 (+0.04 dB)" did not say which was the distilled student's."""
    import re

    for name, card in _shipped_cards().items():
        assert not re.search(r"\d vs \d", json.dumps(card)), name


FIGURE = r"\**([0-9.]+)\**"  # a table's figure, in bold where it is its column's best


@pytest.mark.parametrize("doc, start, end, cells, figures", [
    ("docs/RESULTS.md", "**At a glance", "Targets:", rf"[^|]*\| {FIGURE} / {FIGURE} \| {FIGURE} / {FIGURE} \|",
     lambda m: (round(m["vid4_x4"]["psnr_y"], 3), round(m["vid4_x4"]["ssim_y"], 4),
                round(m["held_out3_clean_psnr_y"], 3), round(m["held_out3_crf26_psnr_y"], 3))),
    ("README.md", "### Which upscaler", "### Which interpolator", rf"[^|]*\| {FIGURE} \| {FIGURE} / {FIGURE} \|",
     lambda m: (round(m["vid4_x4"]["psnr_y"], 2), round(m["held_out3_clean_psnr_y"], 2),
                round(m["held_out3_crf26_psnr_y"], 2))),
], ids=["RESULTS", "README"])
def test_every_upscaler_cards_figures_are_the_at_a_glance_tables(doc, start, end, cells, figures):
    """Two cards were measured again after the exact YUV->RGB conversion and four kept the figures from before it, so
    cards read side by side mixed two decoders; the at-a-glance tables (docs/RESULTS.md's to the table's decimals,
    README's to two) give each card's Vid4 and held-out figures."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / doc).read_text(encoding="utf-8")
    table = text[text.index(start):text.index(end)]
    for name, card in _shipped_cards().items():
        if card["task"] != "upscale":
            continue
        row = re.search(rf"^\| `{re.escape(name)}`[^|]*\|{cells}", table, re.M)
        assert row, name
        assert tuple(float(cell) for cell in row.groups()) == figures(card["metrics"]), name


@pytest.mark.parametrize("local", ["folder", "file"])
def test_a_local_file_or_folder_named_like_a_model_does_not_replace_it(tmp_path, monkeypatch, local):
    """`train vsr --out vsr-x4-student` in the current folder must not change what `--model vsr-x4-student` means."""
    monkeypatch.chdir(tmp_path)
    if local == "folder":
        (tmp_path / "vsr-x4-student").mkdir()
    else:
        (tmp_path / "vsr-x4-student").write_bytes(b"not a model")
    info = models.resolve("vsr-x4-student")
    assert info.path is not None and os.path.dirname(info.path) == str(models.models_dir())
    models.save_model(TinyConv(), tmp_path / "mine" / "model.safetensors", CARD)
    assert os.path.abspath(models.resolve("mine").path) == str(tmp_path / "mine" / "model.safetensors")  # a run still works
    with pytest.raises(VsrAppError, match="model file not found|only .safetensors"):
        models.resolve("./vsr-x4-student")  # the local one, asked for as a path


def test_a_shipped_card_without_its_weights_is_said_to_be_missing_not_unknown(tmp_path, monkeypatch):
    """A bundle whose default model's weights were lost said "unknown model 'vsr-x4-student'", a name the user never
    typed, hiding the cause (which `models` and the self-test give)."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    card = json.loads((models.models_dir() / "vsr-x4-student.json").read_text())
    (shipped / "vsr-x4-student.json").write_text(json.dumps(card))
    monkeypatch.setattr(models, "models_dir", lambda: shipped)
    monkeypatch.setattr(models, "user_models_dir", lambda: tmp_path / "none")
    with pytest.raises(VsrAppError, match=r"^model 'vsr-x4-student' cannot be used: its weights "
                                          r"\(vsr-x4-student\.safetensors\) are missing beside its card in .*shipped; "
                                          r"install the app \(or the model\) again$"):
        models.resolve("vsr-x4-student")
    with pytest.raises(VsrAppError, match="^unknown model 'nothing-like-it'"):
        models.resolve("nothing-like-it")
