"""benchmarks/seek_warmup.py and benchmarks/self_ensemble_memory.py measure what they say: a seek's frame against
eval's from the same frames, and each setting's peak in a process of its own beside the engine's estimate."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from vsr_app.eval_protocol import degrade_x4
from vsr_app.inference import make_upscaler
from vsr_app.models import load_model

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _seek_bench() -> SimpleNamespace:
    """The script's functions (benchmarks/ is not a package)."""
    return SimpleNamespace(**runpy.run_path(str(BENCHMARKS / "seek_warmup.py")))


def _frames(count: int) -> list[np.ndarray]:
    base = cv2.resize(np.random.default_rng(0).integers(0, 256, (12, 14, 3), dtype=np.uint8), (56, 48),
                      interpolation=cv2.INTER_CUBIC)
    return [np.roll(base, 2 * i, axis=1) for i in range(count)]


def test_a_frame_with_all_its_history_is_evals_and_one_after_a_seek_is_not():
    engine = make_upscaler(load_model("vsr-x4-student", "cpu"), "cpu")
    diff = _seek_bench().seek_minus_eval(engine, [degrade_x4(f) for f in _frames(6)], warmup=2, stride=1)
    assert len(diff) == 4 and diff[0] == 0  # frame 2 restarted 2 frames before it: from frame 0, as eval runs
    assert np.all(diff[1:] != 0)  # frames 3-5 lost what the state carried from before k - 2


def test_a_clip_model_is_refused(tmp_path, capsys):
    (tmp_path / "seq").mkdir()
    for i, frame in enumerate(_frames(3)):
        cv2.imwrite(str(tmp_path / "seq" / f"{i:03d}.png"), frame)
    with pytest.raises(SystemExit):
        _seek_bench().main(["--models", "vsr-x4-teacher", "--data", str(tmp_path)])
    assert "not a recurrent upscaler" in capsys.readouterr().err


def test_the_memory_bench_gives_each_setting_its_peak_and_estimate():
    out = subprocess.run([sys.executable, str(BENCHMARKS / "self_ensemble_memory.py"), "--models", "vsr-x4-student",
                          "--sizes", "180x320", "--frames", "2"], capture_output=True, text=True, check=True).stdout
    rows = re.findall(r"^vsr-x4-student 320x180 (plain|self-ensemble) fp32: peak above start (\d+) MB; "
                      r"working_bytes (\d+) MB$", out, re.MULTILINE)
    assert [mode for mode, _, _ in rows] == ["plain", "self-ensemble"]
    assert all(int(peak) > 10 for _, peak, _ in rows)  # at least the output frames (1280x720, fp32: 11 MB)
    assert [int(estimate) for _, _, estimate in rows] == [140, 350]  # the card's 2,549 B per pixel; 2.5x that
