"""README.txt at the top of the packaged app's folder (dist/vsr-app/), written by build.sh once the bundle is built.

Why: unpacked, the bundle shows only `vsr-app` and `_internal`, and its user has no checkout and no README.md. The
text is made here at build time from what it describes (the version, the CLI's own --help, the file the Train tab
logs to), so it cannot drift from them; README.md stays the guide to the source.

    .venv/bin/python packaging/bundle_readme.py dist/vsr-app/README.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

from vsr_app import APP_NAME, __version__
from vsr_app.cli_args import build_parser
from vsr_app.gui.trainer_process import LOG_NAME

NAME = "README.txt"


def readme_text() -> str:
    """The bundle's README: how to start it, where its models, licences, settings and logs are, and the CLI's help."""
    app = f"./{APP_NAME}"
    return f"""{APP_NAME} {__version__}: x4 video super-resolution and x2 frame interpolation, as a desktop app and
on the command line.
Runs from this folder as it is: nothing to install. Keep `{APP_NAME}` and `_internal` together.

Starting it
  {app}                   opens the desktop app
  {app} VIDEO             opens the desktop app on that video
  {app} --help            the command-line tools (listed below); `{app} COMMAND --help` for one's options
  {app} --selftest        checks that models, video I/O and Qt work on this machine
  {app} --install-desktop-entry   adds the app to the desktop's menu and its Open with lists

Where things are
  _internal/models/                  the shipped models: NAME.safetensors, with its card NAME.json (what it does,
                                     how it was trained, on which data under which licence; also in the app's
                                     Help > About > Models)
  _internal/resources/LICENSES.md    the licences of vsr-app (MIT), of every component bundled, and of the data
                                     the models were trained on; the full texts are in _internal/resources/licenses/
  ~/.local/share/vsr-app/models/     the models you train ($XDG_DATA_HOME/vsr-app/models where that is set)
  ~/.config/vsr-app/vsr-app.conf     the app's settings ($XDG_CONFIG_HOME/vsr-app/vsr-app.conf where that is set);
                                     delete it, with the app closed, to start again from the defaults
  ~/.cache/vsr-app/cpu_precision.json   whether this CPU runs the models faster in bf16 or fp32, as measured the
                                     first time ($XDG_CACHE_HOME/vsr-app where that is set); delete it to measure again
  Logs                               the command-line tools write theirs to the terminal; a training run started
                                     from the Train tab keeps its log as {LOG_NAME} in its run folder

The command line ({app} --help)
{build_parser().format_help()}"""


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path("dist") / APP_NAME / NAME
    target.write_text(readme_text(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
