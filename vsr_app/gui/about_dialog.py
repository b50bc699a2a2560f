"""Help > About: the version and runtime, every model's card, and the licences of the bundled components.

Why a dialog of its own and not a message box: the models' cards (training and measured metrics) and the
licence list are long, and the licence list must be readable in the packaged app, where it is the notice
the bundled LGPL/GPL components require. Everything shown is read at open time: resources/LICENSES.md (made
by packaging/licenses.py) and the cards of the models list_models() finds. It opens while the models load and
where they could not be loaded (a broken install: when its version and runtime are needed most), saying so in place
of the cards.
"""

from __future__ import annotations

import html
import importlib
import sys
from importlib import metadata

from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTabWidget, QTextBrowser,
                               QVBoxLayout, QWidget)

from vsr_app import APP_NAME, __version__
from vsr_app.gui import colours, fmt
from vsr_app.gui.widgets import logo_label, resize_within_screen
from vsr_app.models import list_models
from vsr_app.resources import app_root, models_dir, resource_path, user_models_dir

LICENCES = "LICENSES.md"


def runtime_versions() -> list[tuple[str, str]]:
    """(component, version) of what the app runs on, for bug reports."""
    import PySide6

    frozen = "packaged app" if getattr(sys, "frozen", False) else "from source"
    return [("Python", f"{sys.version.split()[0]} ({frozen})"), ("PyTorch", _version("torch")),
            ("Qt / PySide6", f"{qVersion()} / {PySide6.__version__}"), ("PyAV", _version("av")),
            ("NumPy", _version("numpy"))]


def _version(module: str) -> str:
    """A package's version, read from its metadata where it has some (a source install): importing torch waited for
    the models' loading, which imports it on its thread; imported where not (the packaged app keeps none), and
    where that fails (a broken install), why, for the bug report."""
    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        pass
    try:
        return importlib.import_module(module).__version__
    except Exception as exc:
        return f"cannot be loaded ({type(exc).__name__}: {exc})"


def about_html() -> str:
    rows = "".join(f"<tr><td style='color:{colours.MUTED};padding-right:12px'>{html.escape(k)}</td>"
                   f"<td>{html.escape(v)}</td></tr>" for k, v in runtime_versions())
    places = [("App files", app_root()), ("Shipped models", models_dir()), ("Your trained models", user_models_dir())]
    folders = "".join(f"<tr><td style='color:{colours.MUTED};padding-right:12px'>{k}</td>"
                      f"<td>{html.escape(str(p))}</td></tr>" for k, p in places)
    return ("<p>\u00d74 video super-resolution and \u00d72 frame interpolation with compact models distilled from "
            "larger teachers (Space-Time Distillation for upscaling; a pruned ST-MFNet-style net with Laplacian "
            "distillation for interpolation).</p>"
            f"<table cellspacing=0>{rows}</table><br><table cellspacing=0>{folders}</table>"
            "<p>Sample clip: <i>Big Buck Bunny</i> \u00a9 2008 Blender Foundation, CC BY 3.0.<br>"
            "vsr-app is MIT-licensed; the components it bundles are listed under Licences.</p>")


def models_html() -> str:
    """Every model's card; built-ins show their one-line description."""
    cards = []
    for info in list_models():
        source = html.escape(info.path) if info.path else "built-in"
        cards.append(fmt.card_html(info.name, info.task, info.scale, info.params, info.card, full=True)
                     + f"<br><span style='color:{colours.MUTED}'>{source}</span>")
    return "<hr>".join(cards)


def licences_markdown() -> str:
    path = resource_path(LICENCES)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        return f"The licence list {path} could not be read ({exc.strerror or exc})."


class AboutDialog(QDialog):
    """Tabs: About (version, runtime, folders), Models (cards), Licences (resources/LICENSES.md)."""

    def __init__(self, parent=None, models_missing: str | None = None):
        """`models_missing`: why the models' cards are not listed (they are loading, or could not be loaded)."""
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        resize_within_screen(self, 720, 560, tall=(17, 20))  # 720x560 ran off a 960x540 screen (1920x1080 at scale 2)
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(logo_label(self, 64))
        title = QLabel(f"<b style='font-size:x-large'>{APP_NAME}</b><br>version {__version__}")  # the text's, scaled
        header.addWidget(title, 1)
        layout.addLayout(header)

        self.tabs = QTabWidget(self)
        self.about_text = self._browser(about_html())
        self.models_text = self._browser()
        if models_missing is None:
            self.models_text.setHtml(models_html())
        else:
            self.models_text.setPlainText(models_missing)
        self.licences_text = self._browser()
        self.licences_text.setMarkdown(licences_markdown())
        for browser, name in ((self.about_text, "About"), (self.models_text, "Models"),
                              (self.licences_text, "Licences")):
            self.tabs.addTab(browser, name)
            browser.setAccessibleName(name)  # a screen reader named the text panes nothing
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @staticmethod
    def _browser(text: str | None = None) -> QWidget:
        browser = QTextBrowser()
        browser.setOpenExternalLinks(True)
        if text is not None:
            browser.setHtml(text)
        return browser
