"""Time to the desktop app's first window: seconds from starting `vsr-app gui` (what a double-click runs) to (a) the
main window shown and (b) its model lists filled, the median of several starts.

Why: a double-click showed a "Starting..." splash for 3-9 s on a loaded 2-core machine before the window came; the
window is now shown before what needs torch (the model lists, the devices, the Train tab's defaults) is loaded,
which fills it a moment later. This measures both moments, so the gain can be checked and measured again.

    .venv/bin/python benchmarks/first_window.py [--runs 5] [--timeout 120] [--json]

Each start is a fresh process, headless (QT_QPA_PLATFORM=offscreen), with settings of its own in a temporary folder;
the app appends each moment to the file VSR_APP_STARTUP_MARKS names (gui/app.py `mark_startup`), and the clock starts
as the process is started. The process is stopped (SIGTERM, as logging out does) once both are there. The machine's
cores and load average are printed: on a shared machine other work's load is in the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import load_average  # noqa: E402

MOMENTS = ("window", "models")
POLL_S = 0.02


def start_once(timeout: float) -> dict[str, float | None]:
    """Start the app once and return the seconds to each of MOMENTS (None: not reached within `timeout`)."""
    with tempfile.TemporaryDirectory(prefix="first_window_") as folder:
        marks = Path(folder) / "marks.txt"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": folder,
               "VSR_APP_STARTUP_MARKS": str(marks)}
        start = time.time()
        process = subprocess.Popen([sys.executable, "-m", "vsr_app", "gui"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen: dict[str, float] = {}
        try:
            while len(seen) < len(MOMENTS) and time.time() - start < timeout and process.poll() is None:
                time.sleep(POLL_S)
                if marks.is_file():
                    seen = {moment: float(at) for moment, at in
                            (line.split() for line in marks.read_text().splitlines() if line.strip())}
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                _, errors = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                _, errors = process.communicate()
        if process.returncode not in (0, 130, -signal.SIGTERM):
            raise SystemExit(f"the app exited {process.returncode}: {errors}")
        return {moment: (round(seen[moment] - start, 2) if moment in seen else None) for moment in MOMENTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each start's moments")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    result = {"cores": os.cpu_count(), "load_average": load_average(), "runs": []}
    for _ in range(args.runs):
        result["runs"].append(start_once(args.timeout))
    result["load_average_end"] = load_average()
    result["median_s"] = {moment: statistics.median([r[moment] for r in result["runs"] if r[moment] is not None]
                                                    or [float("nan")]) for moment in MOMENTS}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"{result['cores']} cores (load average {result['load_average']} at the start, "
          f"{result['load_average_end']} at the end); {args.runs} starts of `vsr-app gui`")
    for moment in MOMENTS:
        each = ", ".join("-" if r[moment] is None else f"{r[moment]:.2f}" for r in result["runs"])
        print(f"  {moment:7s} shown after {result['median_s'][moment]:.2f} s (median; each: {each})")


if __name__ == "__main__":
    main()
