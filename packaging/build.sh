#!/usr/bin/env bash
# Build the one-folder desktop app dist/vsr-app/ (PyInstaller, CPU torch, PySide6, PyAV, models, resources, and a
# README.txt at its top from packaging/bundle_readme.py)
# and check it with `dist/vsr-app/vsr-app --selftest`. Prints the build time and the bundle size.
#
# Usage: packaging/build.sh [--out DIR] [--no-cuts] [--skip-selftest]
#   --out DIR        build under DIR instead of the checkout: DIR/dist/vsr-app, PyInstaller's work files in DIR/build
#                    (a test's or CI's build then leaves the user's dist/vsr-app alone, and builds into different
#                    folders can run side by side)
#   --no-cuts        leave in everything PyInstaller's hooks collect (to measure what packaging/cuts.py saves);
#                    builds into dist/no-cuts/vsr-app instead of dist/vsr-app
#   --skip-selftest  only build
# Environment: NICE (default 10) lowers the build's CPU priority; the build takes minutes on a busy machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root"
cuts=1
selftest=1
while [ $# -gt 0 ]; do
    case "$1" in
        --out) case "${2:-}" in  # an option after --out is a folder forgotten, not a folder named "--no-cuts"
                   ""|-*) echo "build.sh: --out needs a folder (see --help)" >&2; exit 2 ;;
               esac
               out="$2"; shift ;;
        --no-cuts) cuts=0 ;;
        --skip-selftest) selftest=0 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

"$root/scripts/setup_env.sh" package
if [ "$cuts" = 1 ]; then
    dist="$out/dist" work="$out/build/pyinstaller"
else
    dist="$out/dist/no-cuts" work="$out/build/pyinstaller-no-cuts"
fi

start=$(date +%s)
VSR_APP_CUTS=$cuts nice -n "${NICE:-10}" "$root/.venv/bin/python" -m PyInstaller --noconfirm --clean \
    --log-level WARN --distpath "$dist" --workpath "$work" "$root/packaging/vsr-app.spec"
seconds=$(( $(date +%s) - start ))
app="$dist/vsr-app"
# the folder's top shows only `vsr-app` and `_internal`: a README there says how to start it and where things are
"$root/.venv/bin/python" "$root/packaging/bundle_readme.py" "$app/README.txt"
size=$(du -sm "$app" | cut -f1)
echo "build.sh: built $app in ${seconds} s: ${size} MiB, $(find "$app" -type f | wc -l) files"

# The desktop plugins' system libraries this machine lacks are not in the bundle: a desktop without them cannot open
# the window (--selftest says "xcb (does not load here...)", easily missed in a build log)
internal="$app/_internal"
missing=$(for plugin in "$internal"/PySide6/Qt/plugins/platforms/libq{xcb,wayland}.so; do
    # `if`, not `&&`: under pipefail a plugin the bundle lacks ended the script here (exit 1, no selftest)
    if [ -f "$plugin" ]; then LD_LIBRARY_PATH="$internal:$internal/PySide6/Qt/lib" ldd "$plugin" 2>/dev/null; fi
done | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')
if [ -n "$missing" ]; then
    # Debian's names: libxcb-icccm.so.4 -> libxcb-icccm4, libX11.so.6 -> libx11-6 (a dash after a final digit)
    packages=$(echo "$missing" | tr 'A-Z' 'a-z' | sed -E 's/([0-9])\.so\.([0-9]+)/\1-\2/g; s/\.so\.([0-9]+)/\1/g')
    echo "build.sh: WARNING: this machine lacks ${missing}which the bundle's X11/Wayland plugins load, so the bundle" \
         "lacks them too and needs them on the desktop that runs it; to bundle them, build where they are installed" \
         "(Debian/Ubuntu: sudo apt install ${packages% })" >&2
fi

if [ "$selftest" = 1 ]; then
    QT_QPA_PLATFORM=offscreen "$app/vsr-app" --selftest
fi
