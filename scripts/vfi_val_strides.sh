#!/usr/bin/env bash
# Held-out validation at three motion sizes: the two validation videos of the VFI runs (never trained on), whole
# frames, subsampled by 1, 2 and 3 (3-5, 6-10 and 9-15 px of motion between the input frames), each scored with
# `vsr-app eval vfi` into runs/vfi_eval_lm/NAME_val_strideS.json. Models are picked on the mean over the strides
# (the training runs' own validation sees only stride 1, on centre crops).
# Usage: scripts/vfi_val_strides.sh NAME=MODEL [NAME=MODEL ...]   (MODEL: a path or a registered name)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
evals=runs/vfi_eval_lm threads="${OMP_NUM_THREADS:-1}"
source scripts/vfi_round_lib.sh
export OMP_NUM_THREADS="$threads"  # the library pins one thread for training; scoring may use more
for stride in 1 2 3; do
    for video in bedroom baseball; do
        dir="runs/val_stride$stride/$video"
        [ -d "$dir" ] && continue
        mkdir -p "$dir"
        i=0
        for f in $(ls "../shared/data/train/frames/$video" | awk -v s="$stride" '(NR - 1) % s == 0'); do
            ln -s "$(realpath "../shared/data/train/frames/$video/$f")" "$dir/$(printf %03d $i).png"
            i=$((i + 1))
        done
    done
done
for pair in "$@"; do
    name="${pair%%=*}" model="${pair#*=}"
    for stride in 1 2 3; do eval_once "$evals/${name}_val_stride$stride.json" "$model" "runs/val_stride$stride"; done
    .venv/bin/python - "$evals" "$name" <<'PY'
import json, sys
evals, name = sys.argv[1:]
scores = [json.load(open(f"{evals}/{name}_val_stride{s}.json"))["mean"]["psnr_y"] for s in (1, 2, 3)]
print(f"{name}: " + " / ".join(f"{x:.2f}" for x in scores) + f"  mean {sum(scores) / 3:.2f}")
PY
done
