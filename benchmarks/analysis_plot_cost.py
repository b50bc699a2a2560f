"""GUI-thread time the "Analyse all frames" plot takes to take in a long video's points.

Feeds `--points` PSNR/SSIM points into the Compare tab's `AnalysisPlot` one at a time, `--pace-ms` apart (an
analysis delivers 3-20 points a second here), letting Qt process events after each, and reports the time the GUI
thread was busy with them and the slowest point. `--module` loads another version of the plot's file, e.g. an older one for comparison:

    git show 2c93642:vsr_app/gui/analysis_plot.py > /tmp/old_plot.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/analysis_plot_cost.py --module /tmp/old_plot.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/analysis_plot_cost.py
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=3000)
    parser.add_argument("--pace-ms", type=float, default=0.0, help="idle time between points")
    parser.add_argument("--module", default=str(ROOT / "vsr_app/gui/analysis_plot.py"))
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    spec = importlib.util.spec_from_file_location("plot_under_test", args.module)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plot = module.AnalysisPlot()
    plot.resize(1200, 300)
    plot.show()
    app.processEvents()
    busy, slowest = 0.0, 0.0
    for k in range(args.points):
        time.sleep(args.pace_ms / 1000)
        start = time.perf_counter()
        plot.add_point(k, args.points, 30.0 + k % 7, 0.9)
        app.processEvents()
        spent = time.perf_counter() - start
        busy, slowest = busy + spent, max(slowest, spent)
    start = time.perf_counter()
    plot.finished()
    app.processEvents()
    busy += time.perf_counter() - start
    print(f"{args.module}: {args.points} points {args.pace_ms:g} ms apart, GUI thread busy {busy:.1f} s, "
          f"slowest point {slowest * 1000:.0f} ms")


if __name__ == "__main__":
    main()
