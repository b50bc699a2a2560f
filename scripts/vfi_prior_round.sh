#!/usr/bin/env bash
# The DIS-prior round (docs/RESULTS.md, frame interpolation, session 4): fine-tune the shipped teacher on the
# DIS motion prior, then fine-tune the shipped (pruned) student on it twice - Laplacian KD from the new teacher
# and no KD, same data, seed, steps - then score every net on both benchmarks. One job at a time, one thread,
# every step resumable (re-running the script continues where it stopped). Usage: scripts/vfi_prior_round.sh [STEPS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
evals=runs/vfi_eval3 student_steps="${1:-600}"
source scripts/vfi_round_lib.sh
restore_models 7b24055 runs/vfi_v2  # the session-2 nets (block-matching prior)
train runs/vfi_teacher_dis 1000 configs/vfi/teacher_dis.json
train runs/vfi_student_dis_kd "$student_steps" configs/vfi/student_dis.json \
    --teacher runs/vfi_teacher_dis/model.safetensors --distill laplacian
train runs/vfi_student_dis_none "$student_steps" configs/vfi/student_dis.json --distill none
score teacher_dis runs/vfi_teacher_dis/model.safetensors
score student_dis_kd runs/vfi_student_dis_kd/model.safetensors
score student_dis_none runs/vfi_student_dis_none/model.safetensors
echo "round done"
