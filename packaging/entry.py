"""Frozen app entry point: one executable that is both the desktop app and the `vsr-app` CLI.

`freeze_support()` must run first: `vsr-app bench` measures each model in a spawned process, and in a frozen
app a spawned child is this same executable, which has to become the worker instead of parsing the CLI.
"""

import multiprocessing
import os
import sys
import warnings

# PyInstaller's bootloader points LD_LIBRARY_PATH at the bundle (the loader has read it by now, at start): programs
# the app starts - the system's player or file manager, opened from the Batch tab and the Export dialog - would load
# the bundle's Qt, GLib and libstdc++ over their own, which fails on a newer system. The user's own value goes back;
# the app's own children (Train tab, bench) are this executable, whose bootloader sets it again.
if getattr(sys, "frozen", False) and sys.platform.startswith("linux"):
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original

# torch registers TorchScript overloads at import by reading their source; the bundle ships torch modules
# compiled only (packaging/cuts.py) and the app never scripts, so this warning would be noise on every run.
warnings.filterwarnings("ignore", message="Unable to retrieve source for @torch.jit._overload")

from vsr_app.cli import main  # noqa: E402

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
