"""benchmarks/regression.py's judgement on figures as it measures them (nothing is timed here): a student 1.5x
slower is a regression, busy or quiet; the noise measured on the shared 2-core machine is not. Two plain runs there
said "REGRESSION in cpu_model" with nothing changed."""

from __future__ import annotations

import pytest

from script_modules import load_script

TOLERANCE = {"fps_model": 0.15, "fps_pipeline": 0.30, "cpu_model": 0.15}  # the script's defaults
# Three repeats each, as the script prints them: yardstick ms, the student's model-alone frames/s, pipeline frames/s,
# CPU ms a frame (docs/RESULTS.md, "Session 47: the regression check on a busy machine"): the baseline on a quiet
# machine, a check with other work on it (load average 5-10), one beside three memory-bound jobs.
QUIET = [(44.49, 12.61, 8.98, 75.9), (43.48, 12.23, 8.8, 77.7), (46.18, 7.5, 7.1, 77.8)]
BUSY = [(43.41, 8.75, 5.83, 79.5), (45.65, 6.42, 5.51, 80.2), (45.78, 6.88, 4.52, 78.7)]
STRESSED = [(46.32, 1.25, 0.97, 85.3), (46.04, 1.97, 1.65, 84.0), (47.66, 1.45, 1.14, 85.9)]


@pytest.fixture(scope="module")
def regression():
    return load_script("benchmarks/regression.py")


def repeats(figures):
    """The repeats as the script keeps them: the yardstick's time and the bench's entry for the student."""
    return [{"yardstick_ms": yardstick, "model": {"fps_model": fps, "fps_pipeline": pipeline, "cpu_ms_model": cpu_ms,
                                                  "threads": 1}}
            for yardstick, fps, pipeline, cpu_ms in figures]


def slowed(figures, factor=1.5):
    """The student `factor` times slower in every figure; the yardstick as it was."""
    return [(yard, fps / factor, pipeline / factor, cpu_ms * factor) for yard, fps, pipeline, cpu_ms in figures]


def judge(regression, current, baseline):
    return regression.check(repeats(current), regression.summary(repeats(baseline)), TOLERANCE)


def flags(report):
    return {rate: check["regressed"] for rate, check in report["checks"].items()}


def test_a_student_one_and_a_half_times_slower_is_a_regression_on_a_quiet_machine(regression):
    report = judge(regression, slowed(QUIET), QUIET)
    assert flags(report) == {"fps_model": True, "fps_pipeline": True, "cpu_model": True}
    assert report["verdict"] == "REGRESSION in fps_model, fps_pipeline, cpu_model" and "not_judged" not in report
    assert report["checks"]["cpu_model"]["change"] == pytest.approx(1 / 1.5 - 1, abs=1e-4)


@pytest.mark.parametrize("baseline", ["quiet", "busy"])
def test_a_student_one_and_a_half_times_slower_is_a_regression_on_a_busy_machine(regression, baseline):
    """Frames/s not judged there, CPU time is: against the quiet baseline the slowdown and the load add up, against a
    busy one the slowdown alone shows."""
    report = judge(regression, slowed(BUSY), QUIET if baseline == "quiet" else BUSY)
    assert flags(report) == {"fps_model": None, "fps_pipeline": None, "cpu_model": True}
    assert report["verdict"] == "REGRESSION in cpu_model" and "busy machine" in report["not_judged"]


@pytest.mark.parametrize("current", [BUSY, STRESSED], ids=["busy", "memory-bound jobs beside it"])
def test_the_noise_measured_on_the_shared_machine_is_not_a_regression(regression, current):
    report = judge(regression, current, QUIET)
    assert report["verdict"] == "ok" and report["checks"]["cpu_model"]["regressed"] is False
    assert report["checks"]["fps_model"]["change"] < -0.15  # what frames/s said, unjudged: a busy machine's


def test_a_disturbed_repeat_does_not_count(regression):
    """One repeat with the student alone 25% slower (beside three memory-bound jobs a prototype's timing of it went
    from 81-83 to 96-102 ms, the yardstick's from 43.5-43.8 to 46.4-51.1): taken alone it would be a regression;
    the fastest figures of three are not."""
    current = slowed(QUIET[:1], 1.25) + QUIET[1:]
    assert "cpu_model" in judge(regression, current[:1], QUIET[:1])["verdict"]
    report = judge(regression, current, QUIET)
    assert report["verdict"] == "ok" and report["checks"]["cpu_model"]["change"] == pytest.approx(-0.023, abs=0.001)


def test_frames_per_second_are_judged_only_where_the_student_had_its_thread(regression):
    """Frames/s of a model-alone timing that had 70% of its thread fell by 31% against the quiet baseline with no
    change (BUSY): not judged. With 91% of it, a drop beyond the tolerance is a regression."""
    assert regression.summary(repeats(BUSY))["thread_share"] == pytest.approx(0.70, abs=0.01)
    at_91 = [(yardstick, 910 / cpu_ms, pipeline, cpu_ms) for yardstick, _, pipeline, cpu_ms in QUIET]
    report = judge(regression, slowed(at_91, 1.2), QUIET)
    assert report["thread_share"] == 0.91 and flags(report)["fps_model"] is True
