"""What the Compare tab shows before a video is open: open, try the bundled sample, or pick a recent file."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from vsr_app.gui import fmt, theme
from vsr_app.progress import cut_middle
from vsr_app.resources import resource_path

RECENT_COLUMNS = 48  # characters of a recent file's name shown


class WelcomePage(QWidget):
    openRequested = Signal()
    sampleRequested = Signal()
    recentRequested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.addStretch(2)
        icon = QLabel()
        pixmap = QPixmap(str(resource_path("icon-256.png")))
        if not pixmap.isNull():
            dpr = self.devicePixelRatioF()
            pixmap = pixmap.scaled(int(112 * dpr), int(112 * dpr), Qt.KeepAspectRatio, Qt.SmoothTransformation)
            pixmap.setDevicePixelRatio(dpr)
            icon.setPixmap(pixmap)
        icon.setAlignment(Qt.AlignCenter)
        column.addWidget(icon)
        title = QLabel("Compare, enhance, export")
        title.setProperty("role", "title")
        title.setAlignment(Qt.AlignCenter)
        column.addWidget(title)
        subtitle = QLabel("\u00d74 video super-resolution and \u00d72 frame interpolation with compact distilled "
                          "models.\nSee the student next to its teacher, frame by frame.")
        subtitle.setProperty("role", "muted")
        subtitle.setAlignment(Qt.AlignCenter)
        subtitle.setWordWrap(True)  # unwrapped, at a large font it held the window wider than a 1280-px screen
        column.addWidget(subtitle)
        column.addSpacing(18)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        open_button = self.open_button = QPushButton("Open a video\u2026")
        open_button.setProperty("accent", True)
        open_button.clicked.connect(self.openRequested)
        self.sample_button = QPushButton("Try the sample clip")
        self.sample_button.clicked.connect(self.sampleRequested)
        self.sample_button.setVisible(resource_path("sample.mp4").is_file())
        for b in (open_button, self.sample_button):
            b.setMinimumWidth(180)
            b.setMinimumHeight(34)
            buttons.addWidget(b)
        buttons.addStretch(1)
        column.addLayout(buttons)
        hint = QLabel("or drop a video file anywhere in this window")
        hint.setProperty("role", "muted")
        hint.setAlignment(Qt.AlignCenter)
        column.addSpacing(6)
        column.addWidget(hint)
        column.addSpacing(18)
        self.recent = QLabel()
        self.recent.setAlignment(Qt.AlignCenter)
        self.recent.setTextFormat(Qt.RichText)
        self.recent.setTextInteractionFlags(Qt.TextBrowserInteraction)  # Tab reaches each link, Enter opens it
        self.recent.linkActivated.connect(self.recentRequested)
        self.recent.linkHovered.connect(self.recent.setToolTip)  # the whole path of a name cut short
        column.addWidget(self.recent)
        column.addStretch(3)

    def set_recent(self, paths: list[str]) -> None:
        # a long name is cut in its middle (the whole path shows on hover): a page hidden behind an open video still
        # sets the window's least width, which a 90-character name took past 1,280 px at a 20 pt font
        links = [f"<a href='{html.escape(p, quote=True)}' style='color:{theme.ACCENT}; text-decoration:none'>"
                 f"{html.escape(cut_middle(label, RECENT_COLUMNS))}</a>"
                 for p, label in zip(paths[:5], fmt.file_labels(paths[:5]))]
        recent = f"<span style='color:{theme.MUTED}'>Recent</span><br>"
        self.recent.setText(recent + "<br>".join(links) if links else "")
