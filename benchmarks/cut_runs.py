"""What benchmarks/vsr_cut_state.py and vsr_flash.py share (not a benchmark itself): their clips, the input and truth
made from them with the cut marks an export finds, and an engine told of edges as an export tells it, so that both
tables are made the same way."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from vsr_app.eval_protocol import degrade_x4  # noqa: E402
from vsr_app.inference import make_upscaler  # noqa: E402
from vsr_app.models import load_model  # noqa: E402
from vsr_app.sequences import read_frames  # noqa: E402
from vsr_app.video.scenecut import cuts_at, mark_cuts  # noqa: E402


def vid4(frames: int, names: tuple[str, ...]) -> dict[str, list[np.ndarray]]:
    """The first `frames` of each of Vid4's sequences `names`, in that order."""
    return {name: read_frames(DATA / "eval" / "vid4" / name, frames) for name in names}


def scene_cuts(frames: int) -> list[np.ndarray]:
    """The first `frames` of test/scene_cuts.mp4, by PyAV's default conversion (as the tables were made)."""
    with av.open(str(DATA / "test" / "scene_cuts.mp4")) as container:
        return [f.to_ndarray(format="rgb24") for _, f in zip(range(frames), container.decode(video=0))]


def degraded(frames: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray], list[tuple[bool, bool]]]:
    """Ground truth cropped to x4, the input by `eval_protocol.degrade_x4`, and each input frame's (cut, new shot) as
    `mark_cuts` finds them on the input with `cuts_at`, as an export does."""
    pairs = [degrade_x4(f) for f in frames]
    lrs = [lr for _, lr in pairs]
    return [g for g, _ in pairs], lrs, [mark for _, mark in mark_cuts(lrs, lambda x: x, cuts_at)]


def upscaled(model: str, lrs: list[np.ndarray], told: dict[int, str]) -> list[np.ndarray]:
    """A fresh CPU engine's outputs for `lrs`, its `told[i]` ("cut" or "flash") called before frame i goes in."""
    engine = make_upscaler(load_model(model, "cpu"), "cpu")
    outs = []
    for i, lr in enumerate(lrs):
        if i in told:
            getattr(engine, told[i])()
        outs += engine.push(lr)
    return outs + engine.flush()


def run(main: Callable[[], None], doc: str) -> None:
    """`main` on two torch threads, as the tables were made; --help says what it runs."""
    argparse.ArgumentParser(description=doc.split("\n\n")[0]).parse_args()
    torch.set_num_threads(2)
    main()
