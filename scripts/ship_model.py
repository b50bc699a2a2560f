"""Copy a run's exported model into models/ under its shipped name, with measured benchmark scores in the card.

    python scripts/ship_model.py runs/vfi_teacher/model.safetensors vfi-x2-teacher \
        --eval vfi_middlebury=eval_mb.json --eval vfi_ucf101=eval_ucf.json --extra ms_per_frame_640x480=1234 \
        --stage "configs/vfi/teacher.json: 6000 steps from scratch" --description "What it is for, in a sentence"

Each --eval file is the JSON `vsr-app eval ... --json` printed; its "mean" goes under card["metrics"][NAME].
The weights are re-saved through the registry (safetensors + card, atomic), never copied blindly.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vsr_app.models import load_model, save_model
from vsr_app.resources import models_dir


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("weights")
    p.add_argument("name")
    p.add_argument("--eval", action="append", default=[], metavar="DATASET=FILE.json")
    p.add_argument("--extra", action="append", default=[], metavar="KEY=NUMBER", help="another measured number")
    p.add_argument("--description", help="what the model is for, in a sentence: the GUI's model cards show it first")
    p.add_argument("--stage", action="append", default=[], metavar="TEXT",
                   help="how an earlier stage trained these weights (config, steps, start): card training.stages")
    args = p.parse_args()
    loaded = load_model(args.weights, "cpu")
    card = dict(loaded.info.card)
    if not (args.description or card.get("description")):
        p.error("--description is needed: every shipped model says what it is for (tests/test_models.py)")
    metrics = dict(card.get("metrics", {}))
    for item in args.eval:
        dataset, path = item.split("=", 1)
        metrics[dataset] = json.loads(Path(path).read_text())["mean"]
    for item in args.extra:
        key, value = item.split("=", 1)
        metrics[key] = float(value)
    card.update(name=args.name, metrics=metrics)
    # refusing jobs that cannot fit reads it from the card (tests/test_models.py); without one of the run's own,
    # the figure measured for the net's class (and alignment): check it fits this config before shipping
    if "working_memory" not in card and hasattr(loaded.net, "working_memory"):
        card["working_memory"] = list(loaded.net.working_memory)
    if args.description:
        card["description"] = args.description
    if args.stage:
        card["training"] = {**card.get("training", {}), "stages": args.stage}
    out = save_model(loaded.net, models_dir() / f"{args.name}.safetensors", card)
    print(out)


if __name__ == "__main__":
    main()
