#!/usr/bin/env bash
# The DIS-prior round (docs/RESULTS.md, frame interpolation, session 4): fine-tune the shipped teacher on the
# DIS motion prior, then fine-tune the shipped (pruned) student on it twice - Laplacian KD from the new teacher
# and no KD, same data, seed, steps - then score every net on both benchmarks. One job at a time, one thread,
# every step resumable (re-running the script continues where it stopped). Usage: scripts/vfi_prior_round.sh [STEPS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
app=(.venv/bin/vsr-app) data=../shared/data/train evals=runs/vfi_eval3 student_steps="${1:-600}"
export OMP_NUM_THREADS=1
train() {  # OUT STEPS CONFIG [--teacher T --distill D]
    local out="$1" steps="$2" config="$3"; shift 3
    [ -f "$out/done" ] && return 0  # written when the run reached STEPS (an interrupted run exports a model too)
    local resume=(); [ -f "$out/checkpoint.json" ] && resume=(--resume)
    "${app[@]}" train vfi --data "$data" --out "$out" --steps "$steps" --config "$config" "${resume[@]}" "$@" \
        >> "$out.log" 2>&1 && touch "$out/done"
}
score() {  # NAME MODEL
    mkdir -p "$evals"
    for set in vfi_middlebury vfi_ucf101; do
        local out="$evals/${1}_$set.json"
        [ -s "$out" ] || { "${app[@]}" eval vfi --model "$2" --data "../shared/data/eval/$set" --json > "$out.tmp" \
            && mv "$out.tmp" "$out"; }
    done
}
# the session-2 models (block-matching prior) both runs start from, as shipped before this round replaced them
for net in teacher student; do
    [ -f "runs/vfi_v2/$net.safetensors" ] && continue
    mkdir -p runs/vfi_v2
    for ext in safetensors json; do git show "7b24055:models/vfi-x2-$net.$ext" > "runs/vfi_v2/$net.$ext"; done
done
train runs/vfi_teacher_dis 1000 configs/vfi/teacher_dis.json
train runs/vfi_student_dis_kd "$student_steps" configs/vfi/student_dis.json \
    --teacher runs/vfi_teacher_dis/model.safetensors --distill laplacian
train runs/vfi_student_dis_none "$student_steps" configs/vfi/student_dis.json --distill none
score teacher_dis runs/vfi_teacher_dis/model.safetensors
score student_dis_kd runs/vfi_student_dis_kd/model.safetensors
score student_dis_none runs/vfi_student_dis_none/model.safetensors
echo "round done"
