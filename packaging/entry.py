"""Frozen app entry point: one executable that is both the desktop app and the `vsr-app` CLI.

`freeze_support()` must run first: `vsr-app bench` measures each model in a spawned process, and in a frozen
app a spawned child is this same executable, which has to become the worker instead of parsing the CLI.
"""

import multiprocessing
import sys

from vsr_app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
