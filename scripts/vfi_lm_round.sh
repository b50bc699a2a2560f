#!/usr/bin/env bash
# The large-motion round (docs/RESULTS.md, frame interpolation, session 5): fine-tune the shipped teacher with 40%
# of clips from stills moving up to 12 px per frame, then train the pruned session-2 student on the same mix with
# Laplacian KD from that teacher and without KD, two seeds each (same data, steps, seeds), and score every net.
# Two lanes of one thread each; every step resumable (re-running the script continues where it stopped).
# Usage: scripts/vfi_lm_round.sh [STUDENT_STEPS] [TEACHER_STEPS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
evals=runs/vfi_eval_lm student_steps="${1:-1200}" teacher_steps="${2:-1000}"
source scripts/vfi_round_lib.sh
restore_models 7b24055 runs/vfi_v2   # the students start from the session-2 pruned net
restore_models 952ada7 runs/vfi_dis  # the teacher from the session-4 (DIS prior) one
teacher=runs/vfi_lm_teacher
kd() {  # SEED
    until [ -f "$teacher/done" ]; do [ -f "$teacher.failed" ] && return 1; sleep 30; done
    train "runs/vfi_lm_kd_s$1" "$student_steps" "configs/vfi/round_lm/student_s$1.json" \
        --teacher "$teacher/model.safetensors" --distill laplacian
}
lane_a() {
    rm -f "$teacher.failed"
    train "$teacher" "$teacher_steps" configs/vfi/round_lm/teacher.json || { touch "$teacher.failed"; return 1; }
    kd 0
}
lane_b() {
    for seed in 0 1; do train "runs/vfi_lm_none_s$seed" "$student_steps" "configs/vfi/round_lm/student_s$seed.json" --distill none; done
    kd 1
}
lane_a & lane_b & wait
score lm_teacher "$teacher/model.safetensors" &
score lm_kd_s0 runs/vfi_lm_kd_s0/model.safetensors & wait
score lm_kd_s1 runs/vfi_lm_kd_s1/model.safetensors &
score lm_none_s0 runs/vfi_lm_none_s0/model.safetensors & wait
score lm_none_s1 runs/vfi_lm_none_s1/model.safetensors
echo "round done"
