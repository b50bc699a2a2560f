#!/usr/bin/env bash
# STD ablation (docs/RESULTS.md, VSR): every student gets the same batches (one cache of teacher features), seed,
# steps and schedule; only the distillation terms differ. Runs one job at a time (one thread each), then scores
# every student on Vid4. Usage: scripts/vsr_ablation.sh TEACHER.safetensors [OUT_PREFIX [CONFIG_DIR]]
# CONFIG_DIR (default configs/vsr/round_d) holds student.json and, optionally, the extra rows' configs.
# ROWS="std space" trains only those rows (e.g. two instances on two cores; start the second after the first has
# built the cache, whose progress its std row logs) and skips scoring: run once more without ROWS to score.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
teacher="$1" prefix="${2:-runs/d}" cfg="${3:-configs/vsr/round_d}"
app=(.venv/bin/vsr-app)
train() {  # NAME CONFIG [--teacher T --distill D]
    local name="$1" config="$2"; shift 2
    [ -f "$config" ] || return 0  # a row this round does not have
    [ -n "${ROWS:-}" ] && [[ " $ROWS " != *" $name "* ]] && return 0
    [ -f "${prefix}_$name/done" ] && return 0  # (model.safetensors is rewritten at every checkpoint: not a mark)
    local resume=(); [ -f "${prefix}_$name/checkpoint.json" ] && resume=(--resume)
    "${app[@]}" train vsr --data ../shared/data/train --out "${prefix}_$name" --config "$config" "${resume[@]}" "$@" \
        >> "${prefix}_$name.log" 2>&1
    local rc=$?
    [ "$rc" -eq 130 ] && { echo "stopped during $name: run the script again to resume it"; exit 130; }
    [ "$rc" -eq 0 ] || { echo "train $name failed (see ${prefix}_$name.log)"; return 1; }
    touch "${prefix}_$name/done"
}
score() {  # NAME MODEL
    local out="${prefix}_evals/$1.json"
    mkdir -p "${prefix}_evals"
    [ -s "$out" ] && return 0
    "${app[@]}" eval vsr --model "$2" --data ../shared/data/eval/vid4 --json > "$out.tmp" && mv "$out.tmp" "$out"
}
std=(--teacher "$teacher" --distill)
train std "$cfg/student.json" "${std[@]}" std          # first: builds the shared cache with the teacher's features
train scratch "$cfg/student.json"
train space "$cfg/student.json" "${std[@]}" space
train time "$cfg/student.json" "${std[@]}" time
train std_attn "$cfg/student_attn.json" "${std[@]}" std
train std_lam_lo "$cfg/student_lam_lo.json" "${std[@]}" std
train std_lam_hi "$cfg/student_lam_hi.json" "${std[@]}" std
train space_hi "$cfg/student_space_hi.json" "${std[@]}" space
train scratch_s1 "$cfg/student_seed1.json"                  # another init: the spread between seeds
train ship_none "$cfg/ship.json"                            # fine-tunes of the shipped student (init_from)
train ship_space "$cfg/ship.json" "${std[@]}" space
[ -n "${ROWS:-}" ] && exit 0
score teacher "$teacher"
for name in scratch space time std std_attn std_lam_lo std_lam_hi space_hi scratch_s1 ship_none ship_space; do
    [ -f "${prefix}_$name/done" ] && score "$name" "${prefix}_$name/model.safetensors"
done
echo "ablation done"
