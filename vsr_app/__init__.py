"""vsr_app: x4 video super-resolution and x2 frame interpolation with distilled compact models."""

import os

# Idle OpenMP threads must sleep, not spin: spinning torch threads starve the decode/encode threads that share
# the cores (measured under load: student 0.92 fps spinning vs 3.67 fps passive, docs/RESULTS.md). OpenMP reads
# this once when torch loads, so it has to be set before any torch import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
APP_NAME = "vsr-app"
