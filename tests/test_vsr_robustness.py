"""benchmarks/vsr_robustness.py's arguments: a typo in --conditions (blur) or --models (vsr-x4-studnet) showed as a
traceback when its turn came, after the ones before it had run for minutes. Now refused before any work."""

from __future__ import annotations

import pytest

from script_modules import load_script


class WorkStarted(Exception):
    """Raised where the script starts reading the sequences: its arguments were taken."""


@pytest.fixture(scope="module")
def robustness():
    return load_script("benchmarks/vsr_robustness.py")


@pytest.fixture
def script(robustness, monkeypatch):
    def no_work(folder):
        raise WorkStarted(folder)

    monkeypatch.setattr(robustness, "sequence_sources", no_work)
    return robustness


@pytest.mark.parametrize("option, typed, meant, says", [
    ("--conditions", "clean,blur", "clean,noise2.5", ["'blur': unknown degradation 'blur'", "crfN", "noiseS", "+"]),
    ("--conditions", "crf23,crfx+noise5", "crf23,crf28+noise5", ["'crfx+noise5':", "crfN", "noiseS", "+"]),
    ("--models", "bicubic,vsr-x4-studnet", "bicubic,vsr-x4-student", ["unknown model 'vsr-x4-studnet'",
                                                                       "vsr-x4-student,"]),
    ("--models", "bicubic,blend", "bicubic", ["'blend' does frame interpolation", "vsr-x4-student,"]),
], ids=["condition", "crf", "model", "interpolator"])
def test_a_mistyped_condition_or_model_is_a_usage_error_before_any_work(script, capsys, option, typed, meant, says):
    """The error lists what is valid; the same list spelled right goes on to the work."""
    with pytest.raises(SystemExit) as exc:
        script.main([option, typed])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith("usage: ") and f"error: {option}: " in err
    assert all(text in err for text in says), err
    with pytest.raises(WorkStarted):
        script.main([option, meant])


def test_data_not_found_is_a_usage_error(robustness, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        robustness.main(["--data", str(tmp_path / "vid4")])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and f"error: --data: evaluation data not found: {tmp_path / 'vid4'}" in err, err


def test_help_gives_each_option_s_default_and_the_condition_syntax(script, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # argparse breaks a long default (a deep checkout's path) at a narrow width
    with pytest.raises(SystemExit) as exc:
        script.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the help lines
    assert exc.value.code == 0
    assert "(default: bicubic,vsr-x4-student)" in text and f"(default: {','.join(script.CONDITIONS)})" in text
    assert "crfN (libx264 at CRF N), noiseS (Gaussian noise of S grey levels), or parts joined by +" in text
    assert "(default: " + str(script.ROOT.parent / "shared/data/eval/vid4") in text
    assert f"{len(script.CONDITIONS)} conditions" in script.__doc__
