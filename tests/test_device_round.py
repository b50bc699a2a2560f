"""scripts/device_round.py's usage: `--help` printed the docstring as an error (exit 1), so a wrapper took asking
for help for a failed round."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "device_round.py"
USAGE = "python scripts/device_round.py round OUT_DIR SECONDS"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_the_usage_and_succeeds(flag):
    done = run(flag)
    assert done.returncode == 0 and USAGE in done.stdout and done.stderr == ""


@pytest.mark.parametrize("args", [[], ["bogus"], ["check"]], ids=["nothing", "unknown verb", "check without OUT"])
def test_a_wrong_usage_fails_with_the_usage(args):
    done = run(*args)
    assert done.returncode != 0 and USAGE in done.stderr and "Traceback" not in done.stderr
