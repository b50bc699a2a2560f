"""Frozen app entry point: one executable that is both the desktop app and the `vsr-app` CLI.

`freeze_support()` must run first: `vsr-app bench` measures each model in a spawned process, and in a frozen
app a spawned child is this same executable, which has to become the worker instead of parsing the CLI.
"""

import multiprocessing
import sys
import warnings

from vsr_app.resources import give_back_library_path

give_back_library_path()  # before anything can start another program

# torch registers TorchScript overloads at import by reading their source; the bundle ships torch modules
# compiled only (packaging/cuts.py) and the app never scripts, so this warning would be noise on every run.
warnings.filterwarnings("ignore", message="Unable to retrieve source for @torch.jit._overload")

from vsr_app.cli import main  # noqa: E402

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
