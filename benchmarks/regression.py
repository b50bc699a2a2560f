"""Speed regression check (a benchmark script, not a timed test): the student against bicubic, same run.

Why a ratio: absolute frames/s move with the machine and whatever else it is doing; the ratio
student / bicubic, measured in one `vsr_app.bench` run on the same input, cancels much of that, so a
drop in it means the student or its engine got slower, not the machine. Three ratios are checked against a
baseline recorded earlier with `--update`: model-alone frames/s, whole-pipeline frames/s, and model-alone
CPU time per frame (bicubic's / the student's), the one that moves least when other work shares the CPU.
On a busy machine the frames/s ratios still swing by tens of percent: run it on a quiet one.

    .venv/bin/python benchmarks/regression.py              # compare with benchmarks/baseline.json
    .venv/bin/python benchmarks/regression.py --update     # record the current ratios as the baseline

Prints one JSON object; exits 1 when a ratio fell by more than --tolerance (default 15%; the pipeline ratio
by more than --pipeline-tolerance, default 30%: two back-to-back runs on the idle machine differed by 16% in it,
its short runs include container start-up and the encoder's drain), 2 when the
bench could not run (e.g. the model is missing), 0 otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vsr_app.bench import DEFAULT_FRAMES, BenchConfig, run_bench  # noqa: E402
from vsr_app.errors import VsrAppError  # noqa: E402
from vsr_app.files import atomic_write  # noqa: E402

BASELINE = Path(__file__).with_name("baseline.json")
RATES = ("fps_model", "fps_pipeline", "cpu_model")


def ratios(result: dict, model: str, reference: str) -> dict[str, float]:
    """Student relative to the reference; higher is better for all three."""
    m, r = result["models"][model], result["models"][reference]
    return {"fps_model": m["fps_model"] / r["fps_model"], "fps_pipeline": m["fps_pipeline"] / r["fps_pipeline"],
            "cpu_model": r["cpu_ms_model"] / m["cpu_ms_model"]}


def compare(current: dict[str, float], baseline: dict[str, float], tolerance: dict[str, float]) -> dict[str, dict]:
    """Per rate: baseline, current, relative change and whether it is a regression (a drop beyond its tolerance)."""
    out = {}
    for rate in RATES:
        change = current[rate] / baseline[rate] - 1.0
        out[rate] = {"baseline": round(baseline[rate], 4), "current": round(current[rate], 4),
                     "change": round(change, 4), "regressed": change < -tolerance[rate]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="vsr-x4-student")
    ap.add_argument("--reference", default="bicubic")
    ap.add_argument("--baseline", type=Path, default=BASELINE)
    ap.add_argument("--tolerance", type=float, default=0.15, help="allowed relative drop of a model-alone ratio")
    ap.add_argument("--pipeline-tolerance", type=float, default=0.30, help="allowed relative drop of the pipeline ratio")
    ap.add_argument("--frames", type=int, default=DEFAULT_FRAMES, help="clip length (default: the bench's)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--update", action="store_true", help="write the measured ratios as the new baseline")
    args = ap.parse_args(argv)

    try:
        result = run_bench(BenchConfig(device=args.device, frames=args.frames, models=(args.reference, args.model)))
    except VsrAppError as exc:
        print(f"regression: {exc}", file=sys.stderr)
        return 2
    name = next(n for n in result["models"] if n != args.reference)
    current = ratios(result, name, args.reference)
    record = {"model": name, "reference": args.reference, "ratios": current, "machine": result["machine"],
              "device": result["device"], "input": result["input"], "frames": result["frames"],
              "date": datetime.date.today().isoformat(), "bench": result["models"]}
    if args.update or not args.baseline.exists():
        atomic_write(args.baseline, lambda tmp: tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8"))
        print(json.dumps({"baseline_written": str(args.baseline), **record}, indent=2))
        return 0
    base = json.loads(args.baseline.read_text(encoding="utf-8"))
    tolerance = {rate: args.tolerance for rate in RATES} | {"fps_pipeline": args.pipeline_tolerance}
    checks = compare(current, base["ratios"], tolerance)
    report = {"model": name, "reference": args.reference, "checks": checks, "machine": result["machine"],
              "baseline_machine": base.get("machine"), "baseline_date": base.get("date")}
    if base.get("machine") != result["machine"]:
        report["warning"] = "baseline was recorded on another machine: ratios are only roughly comparable"
    regressed = [rate for rate, c in checks.items() if c["regressed"]]
    report["verdict"] = f"REGRESSION in {', '.join(regressed)}" if regressed else "ok"
    print(json.dumps(report, indent=2))
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
