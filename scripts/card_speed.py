"""Write the model-alone speed of `vsr-app bench --json` runs into the shipped upscalers' cards, every card from the
same runs: cards whose figures came from different days and hosts read side by side as if they compared (the aligned
student's card showed it faster than -fast's).

    .venv/bin/vsr-app bench --json --models A,B,... > run1.json     # two or more runs, on a quiet machine
    .venv/bin/python scripts/card_speed.py --host "WHO, WHEN" run1.json run2.json

Each named model's card gets bench_fps_model_320x180_bf16_2cpu_min/_max over the runs and bench_host; its
metrics_notes' bench_fps_* sentence is replaced. Refused: runs of another size, precision or thread count, and runs
that `bench` itself marked as a busy machine's (its "not to quote" note).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vsr_app.files import atomic_write  # noqa: E402
from vsr_app.resources import models_dir  # noqa: E402

KEY = "bench_fps_model_320x180_bf16_2cpu"
NOTE = re.compile(r"bench_fps_\*: .*$", re.S)  # the notes' last sentence group, about speed


def speeds(runs: list[dict]) -> dict[str, list[float]]:
    """Each model's model-alone frames/s over `runs`, checked to be the card key's conditions and a quiet machine's."""
    found: dict[str, list[float]] = {}
    for run in runs:
        if run["input"] != [180, 320]:
            raise SystemExit(f"a run of {run['input']}, not 180x320: not the card's key")
        for note in run.get("notes", []):
            if "not to quote" in note:
                raise SystemExit(f"a busy machine's run: {note}")
        for name, result in run["models"].items():
            if result["precision"] != "bf16" or result["threads"] != 2:
                raise SystemExit(f"{name}: {result['precision']}, {result['threads']} threads: not the card's key")
            found.setdefault(name, []).append(result["fps_model"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--host", required=True, help="the machine and the runs' time, as the cards say it")
    args = parser.parse_args()
    found = speeds([json.loads(path.read_text()) for path in args.runs])
    names = ", ".join(sorted(found))
    for name, fps in found.items():
        path = models_dir() / f"{name}.json"
        text = path.read_text()
        card = json.loads(text)
        second = text.splitlines()[1]
        indent = len(second) - len(second.lstrip())  # as the card was written
        metrics = card["metrics"]
        metrics[f"{KEY}_min"], metrics[f"{KEY}_max"] = min(fps), max(fps)
        metrics["bench_host"] = args.host
        sentence = (f"bench_fps_*: vsr-app bench, model alone, 320x180 -> 1280x720, bf16, 2 threads, on the host "
                    f"bench_host names ({args.host}), the least and most of {len(args.runs)} runs that timed {names} "
                    f"side by side: these cards' figures compare with each other. Speed moves with the host and its "
                    f"load: compare models only side by side on one host (docs/RESULTS.md, Session 33).")
        notes = metrics.get("metrics_notes", "")
        metrics["metrics_notes"] = NOTE.sub(sentence, notes) if NOTE.search(notes) else f"{notes} {sentence}".strip()
        atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(card, indent=indent) + "\n"))
        print(f"{name}: {min(fps)}-{max(fps)} frames/s")


if __name__ == "__main__":
    main()
