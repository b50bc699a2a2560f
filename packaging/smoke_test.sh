#!/usr/bin/env bash
# Smoke test of the packaged app: every way a user drives it, run with the bundle alone (no Python needed).
#   --selftest; the GUI rendered offscreen (--screenshot); `models` and a shipped model's card; training a tiny VSR
#   teacher, then a student distilled from it (space-time distillation), and a tiny interpolation net which is then
#   pruned, all on the bundled sample clip; upscale / interpolate with the trained nets and with FFmpeg's
#   minterpolate; `batch` with a report; `bench` (which spawns a child process of the frozen executable). Not `eval`
#   (the tests cover it, from source).
# Usage: packaging/smoke_test.sh [APP]   APP defaults to dist/vsr-app/vsr-app; any `vsr-app` command works
#        (e.g. .venv/bin/vsr-app to try the script itself from source). Exit 0 when every step passed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app="${1:-$root/dist/vsr-app/vsr-app}"
work="$(mktemp -d "${TMPDIR:-/tmp}/vsr-app-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export QT_QPA_PLATFORM=offscreen HOME="$work/home"  # headless, and no trace in the user's settings/models
mkdir -p "$HOME"
failed=0

step() {  # step NAME CHECK-COMMAND -- APP-ARGS...: run the app, then CHECK (a shell test) on its output
    local name="$1" check="$2"
    shift 3
    local log="$work/${name// /_}.log" start=$SECONDS
    if "$app" "$@" >"$log" 2>&1 && (cd "$work" && eval "$check") >>"$log" 2>&1; then
        echo "ok    $name ($(( SECONDS - start )) s)"
    else
        echo "FAIL  $name: vsr-app $*"
        tail -n 15 "$log" | sed 's/^/      /'
        failed=1
    fi
}

sample="$(dirname "$app")/_internal/resources/sample.mp4"  # the bundle's own copy
[ -f "$sample" ] || sample="$root/resources/sample.mp4"  # running from source
mkdir -p "$work/data" && cp "$sample" "$work/data/"
cat >"$work/teacher.json" <<'EOF'
{"net": "teacher", "net_config": {"channels": 8, "blocks": 1, "hr_channels": 4, "flow_channels": 8},
 "batch": 1, "frames": 3, "patch": 16, "val_every": 0, "log_every": 1, "threads": 1}
EOF
cat >"$work/student.json" <<'EOF'
{"net_config": {"channels": 8, "blocks": 1, "hr_channels": 4}, "batch": 1, "frames": 3, "patch": 16,
 "val_every": 0, "log_every": 1, "threads": 1}
EOF
cat >"$work/vfi.json" <<'EOF'
{"base": 8, "kernel": 3, "crop": 32, "batch": 1, "val_every": 0, "log_every": 1, "threads": 1}
EOF
cat >"$work/prune.json" <<'EOF'
{"crop": 32, "batch": 1, "prune_prox_steps": 3, "log_every": 1, "threads": 1, "min_width": 2}
EOF

step "version" 'grep -q "^vsr-app " version.log' -- --version
step "selftest" 'grep -q "^selftest passed" selftest.log && ! grep -i "warning" selftest.log' -- --selftest
step "models" 'grep -q "\"name\": \"bicubic\"" models.log' -- models --json
step "model card" 'grep -q "weights terms" model_card.log' -- models vsr-x4-student  # its training data's terms
step "gui screenshot" '[ "$(head -c 4 shot.png | tail -c 3)" = PNG ]' -- --screenshot "$work/shot.png"
step "train vsr teacher" '[ -s teacher/model.safetensors ] && [ -s teacher/model.json ]' -- \
    train vsr --data "$work/data" --out "$work/teacher" --steps 3 --config "$work/teacher.json"
step "train vsr student std" 'grep -q "model written" train_vsr_student_std.log && [ -s student/model.safetensors ]' -- \
    train vsr --data "$work/data" --out "$work/student" --teacher "$work/teacher/model.safetensors" \
    --distill std --steps 3 --config "$work/student.json"
step "upscale" '[ -s up.mp4 ]' -- upscale "$sample" -o "$work/up.mp4" --model "$work/student/model.safetensors" \
    --preset ultrafast
step "train vfi" '[ -s vfi/model.safetensors ]' -- \
    train vfi --data "$work/data" --out "$work/vfi" --steps 2 --config "$work/vfi.json"
step "prune vfi" '[ -s prune/pruned.safetensors ] && [ -s prune/plan.json ]' -- \
    prune vfi --teacher "$work/vfi/model.safetensors" --data "$work/data" --out "$work/prune" \
    --target-params-ratio 0.3 --steps 4 --config "$work/prune.json"
step "interpolate net" '[ -s fi.mp4 ]' -- interpolate "$sample" -o "$work/fi.mp4" --model "$work/vfi/model.safetensors" \
    --preset ultrafast
step "interpolate ffmpeg-mci" '[ -s mci.mp4 ]' -- interpolate "$sample" -o "$work/mci.mp4" --model ffmpeg-mci \
    --preset ultrafast
step "batch" '[ -s batch/sample.mp4 ] && grep -q "\"status\": \"ok\"" report.json' -- batch "$work/data" -o "$work/batch" \
    --model bicubic --preset ultrafast --report "$work/report.json"
step "bench" 'grep -q "\"fps_model\"" bench.log' -- bench --models bicubic --frames 8 --size 32x32 --json

if [ "$failed" = 0 ]; then echo "smoke test passed: $app"; else echo "smoke test FAILED: $app"; fi
exit "$failed"
