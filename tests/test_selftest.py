"""`vsr-app --selftest` from source: every shipped model is run, a broken piece fails with its reason.

The shipped models/ folder is replaced by a temporary one holding tiny nets, so the test is fast and does
not depend on which trained models have landed; tests/test_packaging.py runs the real thing frozen.
"""

from __future__ import annotations

import sys

import pytest
import torch

import vsr_app.models
import vsr_app.selftest
from vsr_app.cli import main
from vsr_app.models import build_arch, save_model
from vsr_app.nets.vfi_teacher import VFINet


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A models folder with a tiny VSR student and a tiny interpolation net, used as the shipped models."""
    folder = tmp_path / "models"
    torch.manual_seed(0)
    save_model(build_arch("vsr_student", {"channels": 8, "blocks": 1, "hr_channels": 4}),
               folder / "vsr-x4-student.safetensors",
               {"name": "vsr-x4-student", "task": "upscale", "scale": 4, "arch": "vsr_student",
                "config": {"channels": 8, "blocks": 1, "hr_channels": 4}})
    save_model(VFINet(base=8, kernel=3), folder / "vfi-x2-student.safetensors",
               {"name": "vfi-x2-student", "task": "interpolate", "scale": 2, "arch": "vfi_stmfnet",
                "config": {"base": 8, "kernel": 3}})
    for module in (vsr_app.models, vsr_app.selftest):
        monkeypatch.setattr(module, "models_dir", lambda: folder)
    return folder


def _by_name(report):
    return {c.name: c for c in report.checks}


def test_runs_every_shipped_model_and_writes_a_video_that_reads_back(shipped, tmp_path):
    seen = []
    report = vsr_app.selftest.run_selftest(workdir=tmp_path / "out", progress=seen.append)
    checks = _by_name(report)
    assert report.ok, report.lines()
    assert [c.name for c in seen] == [c.name for c in report.checks]  # progress saw every check as it ended
    assert {"model vsr-x4-student", "model vfi-x2-student", "built-in bicubic", "built-in blend"} <= set(checks)
    assert "2 in" in checks["shipped models"].detail
    assert checks["deinterlacing filters"].detail.startswith("idet and bwdif run")
    assert "4 frames 160x96 -> 640x384" in checks["model vsr-x4-student"].detail
    assert "4 inputs -> midpoint" in checks["model vfi-x2-student"].detail
    # the written video comes from the trained (shipped) upscaler, not from bicubic
    assert "(vsr-x4-student)" in checks["write + read back video"].detail
    assert (tmp_path / "out" / "selftest.mp4").stat().st_size > 0
    assert "platforms:" in checks["Qt offscreen"].detail and "offscreen" in checks["Qt offscreen"].detail
    assert report.lines()[-1].startswith("selftest passed: ")


def test_without_trained_models_the_built_ins_carry_the_test(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "models"
    for module in (vsr_app.models, vsr_app.selftest):
        monkeypatch.setattr(module, "models_dir", lambda: empty)
    assert main(["--selftest"]) == 0  # a top-level option: no subcommand, no GUI
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ok   runtime") and lines[-1].startswith("selftest passed")
    checks = {line[5:33].strip(): line for line in lines[:-1]}
    assert "none in" in checks["shipped models"]
    assert "(bicubic)" in checks["write + read back video"]


def test_a_corrupt_model_fails_the_run_with_its_name_and_reason(shipped, tmp_path, capsys):
    (shipped / "vsr-x4-teacher.safetensors").write_bytes(b"not a safetensors file")
    (shipped / "vsr-x4-teacher.json").write_text(
        '{"name": "vsr-x4-teacher", "task": "upscale", "scale": 4, "arch": "vsr_student", "config": {}}')
    assert main(["--selftest"]) == 1
    out, err = capsys.readouterr()
    assert "FAIL model vsr-x4-teacher" in out
    assert "selftest FAILED: 1 of" in err and "corrupt or truncated" in err
    assert "ok   model vsr-x4-student" in out  # the other checks still ran


def test_garbage_weights_are_caught_by_the_sanity_bound(shipped, tmp_path):
    net = build_arch("vsr_student", {"channels": 8, "blocks": 1, "hr_channels": 4})
    with torch.no_grad():
        net.head.out_conv.bias.fill_(5.0)  # a constant offset: every output pixel saturates
    save_model(net, shipped / "vsr-x4-student.safetensors",
               {"name": "vsr-x4-student", "task": "upscale", "scale": 4, "arch": "vsr_student",
                "config": {"channels": 8, "blocks": 1, "hr_channels": 4}})
    report = vsr_app.selftest.run_selftest(workdir=tmp_path)
    failed = {c.name: c.detail for c in report.failures}
    assert set(failed) == {"model vsr-x4-student"}
    assert "does not resemble its input" in failed["model vsr-x4-student"]


def test_missing_sample_clip_is_named(tmp_path, monkeypatch, shipped):
    monkeypatch.setattr(vsr_app.selftest, "resource_path", lambda *parts: tmp_path.joinpath("nowhere", *parts))
    report = vsr_app.selftest.run_selftest(workdir=tmp_path)
    failed = {c.name: c.detail for c in report.failures}
    assert "sample.mp4" in failed["resources"] and "icon.png" in failed["resources"]
    assert "decode sample clip" in failed
    assert not any(name.startswith("model ") for name in _by_name(report))  # nothing to feed them


def test_a_long_check_name_keeps_a_gap_before_its_detail():
    check = vsr_app.selftest.Check("model vsr-x4-student-aligned-longer", True, "103,567 params", 0.1)
    line = vsr_app.selftest.report_line(check)
    assert "model vsr-x4-student-aligned-longer  103,567 params" in line


def test_a_card_without_its_weights_fails_the_shipped_models_check(shipped, tmp_path):
    (shipped / "vsr-x4-teacher.json").write_text("{}")  # its .safetensors left out of a build
    checks = _by_name(vsr_app.selftest.run_selftest(workdir=tmp_path / "out"))
    assert not checks["shipped models"].ok and "vsr-x4-teacher.json" in checks["shipped models"].detail


def test_the_packaged_app_fails_without_the_models_it_reaches_for(shipped, tmp_path, monkeypatch):
    """A bundle built without vsr-x4-teacher passed its self-test and failed when a user compared models."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    checks = _by_name(vsr_app.selftest.run_selftest(workdir=tmp_path / "out"))
    assert not checks["shipped models"].ok
    assert "vsr-x4-teacher" in checks["shipped models"].detail and "vfi-x2-teacher" in checks["shipped models"].detail
