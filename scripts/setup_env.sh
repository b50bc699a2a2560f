#!/usr/bin/env bash
# Create .venv and install vsr_app into it; idempotent and quick when nothing changed.
# Versions come from constraints.txt (the tested set). torch==2.13.0 is installed first (a CPU wheel lies on disk)
# so no dependency drags in a multi-GB CUDA build.
# Usage: scripts/setup_env.sh [EXTRAS]   e.g. "test" or "test,package"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-}"
venv="$root/.venv"
py="${PYTHON:-$(command -v python3.11 || command -v python3)}"

if [ ! -x "$venv/bin/python" ]; then
    echo "vsr-app: creating virtual environment in $venv" >&2
    "$py" -m venv "$venv"
fi
stamp="$venv/.vsr-app-installed-${extras:-base}"
want="$(cat "$root/pyproject.toml" "$root/constraints.txt" | sha256sum | cut -d' ' -f1)"
# done when an install of these files with at least these extras is recorded (./run after ./run-tests: no pip pass)
IFS=, read -ra needed <<< "$extras"
for done_stamp in "$venv"/.vsr-app-installed-*; do
    [ -f "$done_stamp" ] && [ "$(cat "$done_stamp")" = "$want" ] || continue
    had=",${done_stamp##*/.vsr-app-installed-},"
    missing=0
    # (${needed[@]+...}: an empty array is "unbound" to bash < 4.4 under set -u)
    for extra in ${needed[@]+"${needed[@]}"}; do [[ "$had" == *",$extra,"* ]] || missing=1; done
    [ "$missing" = 0 ] && exit 0
done
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
pinned=(-c "$root/constraints.txt")  # the tested versions
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
    echo "vsr-app: installing torch 2.13.0 (CPU)" >&2
    "${pip[@]}" install "${pinned[@]}" "torch==2.13.0"
fi
target="$root"
[ -n "$extras" ] && target="$root[$extras]"
echo "vsr-app: installing vsr-app${extras:+ [$extras]} and its dependencies" >&2
"${pip[@]}" install "${pinned[@]}" -e "$target"
echo "$want" > "$stamp"
