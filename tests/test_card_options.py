"""What a VSR run's card records and shows of its options: only those its distillation mode and net read, and how its
validation PSNR was taken (two shipped cards' val_psnr, taken on 10 and on 120 frames, read as a 0.84 dB gap)."""
import numpy as np
import pytest
import torch

from videogen import write_pan_frames
from vsr_app.cards import card_sections, card_text
from vsr_app.distill.vsr_task import VSRTask
from vsr_app.models import save_model
from vsr_app.nets.vsr_teacher import VSRTeacher

TINY = {"channels": 8, "blocks": 1, "hr_channels": 4}
TIME_TERM = ("lambda_time", "time_input", "time_pool", "time_norm", "convlstm_hidden", "freeze_threshold")


@pytest.fixture(scope="module")
def frames_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("vsr_data")
    write_pan_frames(root / "pan", 10, np.random.default_rng(0))
    return root


@pytest.fixture(scope="module")
def tiny_teacher(tmp_path_factory):
    config = {**TINY, "flow_channels": 8}
    path = tmp_path_factory.mktemp("teacher") / "t.safetensors"
    save_model(VSRTeacher(**config), path, {"task": "upscale", "scale": 4, "arch": "vsr_teacher", "config": config})
    return str(path)


def _described(frames_dir, **extra) -> dict:
    torch.manual_seed(0)
    opts = {"data": [str(frames_dir)], "net_config": TINY, "batch": 2, "frames": 3, "patch": 8, **extra}
    return VSRTask(opts, log=lambda *_: None).describe()


def test_the_card_says_how_validation_read_the_clip(frames_dir, small_video):
    """Validation once read the clip shrunk 0.8x and later at its own resolution, under one val_psnr: the card must
    say which, beside the frames and the crop it scored."""
    described = _described(frames_dir, val=[str(small_video)], val_frames=4, val_crop=64)
    assert described["val_prescaled"] is False
    assert (described["val_frames"], described["val_crop"]) == (4, 64)
    assert "val_prescaled" not in _described(frames_dir)  # no validation, nothing to say of it


def test_the_card_leaves_out_the_options_the_run_did_not_read(frames_dir, tiny_teacher):
    """A teacher trained without distillation listed the time term's settings, a space-distilled student those of
    the time term and the teacher's flow loss: as if they had counted."""
    scratch = _described(frames_dir)
    assert not {*TIME_TERM, "lambda_space", "lambda_output", "attention_center", "flow_loss"} & set(scratch)
    space = _described(frames_dir, distill="space", teacher=tiny_teacher)
    assert {"lambda_space", "attention_center"} <= set(space) and not {*TIME_TERM, "lambda_output"} & set(space)
    assert set(TIME_TERM) <= set(_described(frames_dir, distill="std", teacher=tiny_teacher))
    teacher = _described(frames_dir, net="teacher", net_config={**TINY, "flow_channels": 8})
    assert "flow_loss" in teacher and not {"burn_in", "lambda_space", *TIME_TERM} & set(teacher)


CARD = {"task": "upscale", "scale": 4, "arch": "vsr_teacher", "config": {"channels": 8},
        "training": {"net": "teacher", "distill": "none", "lambda_space": 0.01, "lambda_time": 0.03,
                     "time_input": "proj", "time_pool": 2, "flow_loss": 0.1, "steps": 10}}


def test_a_card_shows_only_the_options_its_distillation_mode_reads():
    """Cards written before the writer left them out still listed them: `models NAME` and the app's card views
    (both from `card_sections`) leave them out, and show them for a mode that reads them."""
    for distill, shown in [("none", {"flow_loss"}),
                           ("std", {"flow_loss", "lambda_space", "lambda_time", "time_input", "time_pool"})]:
        card = {**CARD, "training": {**CARD["training"], "distill": distill}}
        training = dict(card_sections(card))["training"]
        assert set(training) - {"net", "distill", "steps"} == shown, distill
        text = card_text("t", "upscale", 4, 0, None, card)
        assert ("lambda_time" in text) == ("lambda_time" in shown) and "flow_loss" in text, distill
