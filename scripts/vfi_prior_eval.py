"""Score the interpolation nets' parameter-free motion prior alone (block matching or DIS + a midpoint warp).

It is the base offset every head of the fixed teacher starts from, so this row shows how much the learned
net adds on top of it. Same protocol and JSON as `vsr-app eval vfi` (odd frames from the even frames
around them, Y-PSNR/SSIM):

    python scripts/vfi_prior_eval.py ../shared/data/eval/vfi_middlebury > runs/vfi_eval2/prior_vfi_middlebury.json
    python scripts/vfi_prior_eval.py ../shared/data/eval/vfi_middlebury --prior dis
    python scripts/vfi_prior_eval.py ../shared/data/eval/vfi_middlebury --prior dis --border 4

`--border N` replicates each frame's edges by N px before the prior runs and crops them after, as the app's
engine does around the nets (`inference.BORDER_PAD`, since session 39): the fair row beside the nets' scores. Unlike
the engine it does not also pad up to the nets' `size_multiple` (8): on frames whose size plus the border is not a
multiple of 8 (584x388 Middlebury, 960x540) the nets' prior sees a few more replicated rows or columns at the bottom
and right than this one does.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
import torch.nn.functional as F

from vsr_app.distill.data import to_frames
from vsr_app.eval_protocol import vfi_context
from vsr_app.evaluate import summary
from vsr_app.metrics import psnr_y, ssim_y
from vsr_app.nets.motion_prior import PRIORS, motion_prior
from vsr_app.nets.ops import set_threads
from vsr_app.nets.vfi_teacher import deformable_warp
from vsr_app.sequences import read_frames, sequence_sources


def prior_midpoint(a: np.ndarray, b: np.ndarray, method: str, border: int = 0) -> np.ndarray:
    """Middle frame from the prior's flow: the mean of t0 warped by -d and t1 warped by +d, worked out on the frames
    with `border` px of replicated edge, which are cropped off after."""
    t0, t1 = (F.pad(torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)[None].float() / 255, (border,) * 4,
                    mode="replicate") for x in (a, b))
    d = motion_prior(t0, t1, method)[:, :2]
    logits = torch.zeros(1, 1, *t0.shape[-2:])
    out = 0.5 * (deformable_warp(t0, -d, logits, 1) + deformable_warp(t1, d, logits, 1))
    return to_frames(out[0, :, border:out.shape[-2] - border, border:out.shape[-1] - border])


def border_px(text: str) -> int:
    """--border's value: a count of pixels (a negative one would crop the frame, not pad it)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more pixels, not {value}")
    return value


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--prior", choices=PRIORS, default="block")
    p.add_argument("--border", type=border_px, default=0,
                   help="px of replicated edge around each frame (the app's: 4); not padded further to the nets' "
                        "size multiple of 8, as the app's engine pads")
    args = p.parse_args(argv)
    set_threads(args.threads)
    scores = {}
    for folder in sequence_sources(args.data):
        seq = read_frames(folder)
        psnrs, ssims = [], []
        for i in range(1, len(seq) - 1, 2):
            j0, j1 = vfi_context(i, len(seq), 2)
            pred = prior_midpoint(seq[j0], seq[j1], args.prior, args.border)
            psnrs.append(psnr_y(pred, seq[i]))
            ssims.append(ssim_y(pred, seq[i]))
        scores[folder.name] = (psnrs, ssims)
    print(json.dumps(summary(f"{args.prior} prior", 0, scores), indent=1))


if __name__ == "__main__":
    main()
