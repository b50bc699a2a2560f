"""scripts/card_speed.py writes bench runs into the cards only where they are the cards' key and a quiet machine's:
two cards' figures came from different hosts and days and read side by side as if they compared."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import card_speed  # noqa: E402


def run(fps: float, size=(180, 320), precision="bf16", threads=2, notes=()) -> dict:
    return {"input": list(size), "notes": list(notes),
            "models": {"m": {"fps_model": fps, "precision": precision, "threads": threads}}}


def test_each_models_speeds_are_gathered_over_the_runs():
    assert card_speed.speeds([run(9.9), run(8.5)]) == {"m": [9.9, 8.5]}


@pytest.mark.parametrize("bad", [run(9.9, size=(270, 480)), run(9.9, precision="fp32"), run(9.9, threads=1),
                                 run(9.9, notes=["m got 40% ...: its frames/s are a busy machine's, not to quote"])])
def test_a_run_that_is_not_the_cards_key_or_a_quiet_machines_is_refused(bad):
    with pytest.raises(SystemExit):
        card_speed.speeds([run(9.9), bad])
