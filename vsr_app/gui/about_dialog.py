"""Help > About: the version and runtime, every model's card, and the licences of the bundled components.

Why a dialog of its own and not a message box: the models' cards (training and measured metrics) and the
licence list are long, and the licence list must be readable in the packaged app, where it is the notice
the bundled LGPL/GPL components require. What is shown is read when it is shown: resources/LICENSES.md (made
by packaging/licenses.py) once, the versions and the cards of the models list_models() finds each time (cheap: the
cards are JSON, their nets checked once by `models`). It opens while the models load and where they could not be
loaded (a broken install: when its version and runtime are needed most), saying so in place of the cards.
"""

from __future__ import annotations

import html
import sys
from importlib import metadata
from typing import Callable

from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTabWidget, QTextBrowser,
                               QVBoxLayout, QWidget)

from vsr_app import APP_NAME, __version__
from vsr_app.gui import colours, fmt
from vsr_app.gui.widgets import logo_label, resize_within_screen
from vsr_app.models import list_models
from vsr_app.resources import app_root, models_dir, resource_path, user_models_dir

LICENCES = "LICENSES.md"
# the packages About gives the version of, as (the name shown, the distribution's name, its module's too): read from
# their metadata, which packaging/vsr-app.spec bundles
VERSIONED_PACKAGES = (("PyTorch", "torch"), ("PyAV", "av"), ("NumPy", "numpy"))
NOT_LOADED = "not loaded"  # said of one without metadata, not imported (yet)


def runtime_versions() -> list[tuple[str, str]]:
    """(component, version) of what the app runs on, for bug reports."""
    import PySide6

    frozen = "packaged app" if getattr(sys, "frozen", False) else "from source"
    return [("Python", f"{sys.version.split()[0]} ({frozen})"),
            ("Qt / PySide6", f"{qVersion()} / {PySide6.__version__}"),
            *((name, _version(package)) for name, package in VERSIONED_PACKAGES)]


def _version(package: str) -> str:
    """A package's version, from its metadata; where it has none (a bundle built without it), its module's, if
    imported already. Never imported here: importing torch waited for the models' loading, which imports it on its
    thread, and a broken one's failure is said in the Models tab."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        version = getattr(sys.modules.get(package), "__version__", None)
        return NOT_LOADED if version is None else str(version)


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

    def __init__(self, parent=None, models_missing: Callable[[], str | None] = lambda: None):
        """`models_missing`: why the models' cards cannot be listed now (they are loading, or could not be loaded),
        None where they can."""
        super().__init__(parent)
        self.models_missing = models_missing
        self.setWindowTitle(f"About {APP_NAME}")
        resize_within_screen(self, 720, 560, tall=(17, 20))  # 720x560 ran off a 960x540 screen (1920x1080 at scale 2)
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(logo_label(self, 64))
        title = QLabel(f"<b style='font-size:x-large'>{APP_NAME}</b><br>version {__version__}")  # the text's, scaled
        header.addWidget(title, 1)
        layout.addLayout(header)

        self.tabs = QTabWidget(self)
        self.about_text = self._browser()
        self.models_text = self._browser()
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

    def showEvent(self, event) -> None:
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        """The versions and the cards as they are now: a package loaded since has its version, a model trained since
        its card."""
        self.about_text.setHtml(about_html())
        missing = self.models_missing()
        if missing is None:
            self.models_text.setHtml(models_html())
        else:
            self.models_text.setPlainText(missing)

    @staticmethod
    def _browser() -> QWidget:
        browser = QTextBrowser()
        browser.setOpenExternalLinks(True)
        return browser
