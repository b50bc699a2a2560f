# Shared by the frame-interpolation round scripts: resumable one-thread training and idempotent, atomic scoring.
# Source it from a script that has cd'd to the repository root and set `evals` (the folder for score JSONs).
app=(.venv/bin/vsr-app) data=../shared/data/train
export OMP_NUM_THREADS=1
train() {  # OUT STEPS CONFIG [--teacher T --distill D]
    local out="$1" steps="$2" config="$3"; shift 3
    [ -f "$out/done" ] && return 0  # written when the run reached STEPS (an interrupted run exports a model too)
    local resume=(); [ -f "$out/checkpoint.json" ] && resume=(--resume)
    "${app[@]}" train vfi --data "$data" --out "$out" --steps "$steps" --config "$config" "${resume[@]}" "$@" \
        >> "$out.log" 2>&1 && touch "$out/done"
}
eval_once() {  # OUT MODEL DATA: `vsr-app eval vfi --json` into OUT, written atomically; skipped when OUT exists
    mkdir -p "$(dirname "$1")"
    [ -s "$1" ] || { "${app[@]}" eval vfi --model "$2" --data "$3" --json > "$1.tmp" && mv "$1.tmp" "$1"; }
}
score() {  # NAME MODEL: both benchmarks, into $evals
    for set in vfi_middlebury vfi_ucf101; do eval_once "$evals/${1}_$set.json" "$2" "../shared/data/eval/$set"; done
}
restore_models() {  # COMMIT DIR: the shipped VFI nets as of COMMIT (rounds start from them after newer ones ship)
    for net in teacher student; do
        [ -f "$2/$net.safetensors" ] && continue
        mkdir -p "$2"
        for ext in safetensors json; do git show "$1:models/vfi-x2-$net.$ext" > "$2/$net.$ext"; done
    done
}
