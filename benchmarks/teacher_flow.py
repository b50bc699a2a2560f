"""How much does the VSR teacher's alignment matter? Vid4 with its learned flow, with no motion, and with OpenCV's DIS.

Why: the teacher warps the features it carries onto each frame with a flow from its own small net, trained
end-to-end from scratch (there is no pretrained flow net offline). In BasicVSR alignment is worth about a dB; if
ours were weak, a better flow would be a cheap step towards the teacher's target. Scored exactly as `eval vsr`
scores, one JSON line per flow:
- learned: the net as shipped;
- zero: no motion compensation at all (every carried feature stays where it was);
- dis: OpenCV's DIS optical flow (preset medium) on the LR frames in place of the learned one, weights unchanged.

    .venv/bin/python benchmarks/teacher_flow.py
    .venv/bin/python benchmarks/teacher_flow.py --model runs/p_teacher/model.safetensors --flows learned,dis
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import eval_parser, print_eval  # noqa: E402
from vsr_app.nets.motion_prior import dis_flow  # noqa: E402
from vsr_app.nets.vsr_teacher import VSRTeacher  # noqa: E402


def zero_flows(_net: VSRTeacher, clip: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    n, t, _, h, w = clip.shape
    zero = clip.new_zeros(n, t - 1, 2, h, w)
    return zero, zero


def dis_flows(_net: VSRTeacher, clip: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(t -> t+1, t+1 -> t) as `VSRTeacher.flows` returns them, from DIS on the 8-bit LR frames."""
    frames = clip.float().clamp(0, 1).mul(255).round().byte().permute(0, 1, 3, 4, 2).cpu().numpy()
    pairs = [[(dis_flow(seq[i], seq[i + 1]), dis_flow(seq[i + 1], seq[i])) for i in range(len(seq) - 1)]
             for seq in frames]
    to_next = np.array([[a for a, _ in seq] for seq in pairs]).transpose(0, 1, 4, 2, 3)
    to_prev = np.array([[b for _, b in seq] for seq in pairs]).transpose(0, 1, 4, 2, 3)
    return torch.from_numpy(to_next).to(clip), torch.from_numpy(to_prev).to(clip)


FLOWS = {"learned": VSRTeacher.flows, "zero": zero_flows, "dis": dis_flows}


def main() -> None:
    parser = eval_parser(__doc__)
    parser.add_argument("--flows", default="learned,zero,dis", help=f"comma-separated, of {', '.join(FLOWS)}")
    args = parser.parse_args()
    for name in args.flows.split(","):
        VSRTeacher.flows = FLOWS[name]  # the engine loads its own net: swap the method every instance uses
        print_eval({"flow": name}, args.model, args.data, device="cpu")


if __name__ == "__main__":
    main()
