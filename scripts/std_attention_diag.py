"""Why the STD space term hurts here: how the teacher's and students' HR attention maps relate to image detail.

Usage: python scripts/std_attention_diag.py [--cache DIR] TEACHER STUDENT [STUDENT ...]   (names or .safetensors)
Reads 4 batches of an ablation cache (default runs/vsr_cache_d, built by scripts/vsr_ablation.sh) and prints, averaged
over their 28 frames: the correlation over pixels of each net's attention map with the detail energy
(ground truth minus its area-down/bicubic-up copy, squared), the students' map correlation with the teacher's,
and each net's share of HR feature energy that is a per-channel constant (mean^2 / mean square).
"""
import argparse
import json

import numpy as np
import torch
import torch.nn.functional as F

from vsr_app.distill.losses import attention_map
from vsr_app.models import load_model

BATCHES = [5, 77, 150, 333]


def corr(a, b):
    a, b = a.flatten(1), b.flatten(1)
    a, b = a - a.mean(1, keepdim=True), b - b.mean(1, keepdim=True)
    return float(((a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + 1e-12)).mean())


def dc_share(feat):
    f = feat.flatten(0, 1)
    return [round(float(f[:, c].mean() ** 2 / f[:, c].pow(2).mean()), 2) for c in range(f.shape[1])]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cache", default="runs/vsr_cache_d")
    p.add_argument("teacher")
    p.add_argument("students", nargs="+")
    args = p.parse_args()
    torch.set_num_threads(1)
    shapes = json.load(open(f"{args.cache}/meta.json"))["shapes"]  # written by the cache (vsr_task.BatchCache)

    def read(kind):
        arr = np.memmap(f"{args.cache}/{kind}.bin", np.uint8, "r", shape=tuple(shapes[kind]))
        return torch.from_numpy(np.array(arr[BATCHES])).float() / 255

    lr, gt = read("lr"), read("hr")
    lr, gt = lr.flatten(0, 1), gt.flatten(0, 1)
    flat = gt.flatten(0, 1)
    detail = (flat - F.interpolate(F.interpolate(flat, scale_factor=0.25, mode="area"), scale_factor=4,
                                   mode="bicubic")).pow(2).sum(1)
    with torch.no_grad():
        _, t_feat = load_model(args.teacher, "cpu").net.eval()(lr, return_features=True)
        t_att = attention_map(t_feat.flatten(0, 1))
        t_att_c = attention_map(t_feat.flatten(0, 1), center=True)
        print(f"teacher: corr(map, detail) {corr(t_att, detail):.3f}, centred map {corr(t_att_c, detail):.3f}; "
              f"constant share per channel {dc_share(t_feat)}")
        for name in args.students:
            _, s_feat = load_model(name, "cpu").net.eval()(lr, return_features=True)
            s_att = attention_map(s_feat.flatten(0, 1))
            print(f"{name}: corr(map, detail) {corr(s_att, detail):.3f}, corr(map, teacher map) {corr(s_att, t_att):.3f}; "
                  f"constant share per channel {dc_share(s_feat)}")


if __name__ == "__main__":
    main()
