"""benchmarks/memory_flat.py stands apart from the tests: it put tests/ on its path to measure a stream's length with
the tests' own helper, so a benchmark broke with a change to a test file (or ran without one, in a copy of the
benchmarks alone)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_memory_flat_loads_without_the_test_folder():
    probe = "import runpy, sys; runpy.run_path('benchmarks/memory_flat.py'); print('videogen' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"  # tests/videogen.py not imported
