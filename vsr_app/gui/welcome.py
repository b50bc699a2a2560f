"""What the Compare tab shows before a video is open: open, try the bundled sample, or pick a recent file."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from vsr_app.gui import fmt
from vsr_app.gui.widgets import logo_label
from vsr_app.progress import cut_middle, text_width
from vsr_app.resources import resource_path

RECENT_COLUMNS = 48  # characters of a recent file's name shown


def distinct_cuts(labels: list[str], columns: int) -> list[str]:
    """Each label cut in its middle to `columns`, or to as few more (up to twice as many) as tell the cut ones apart:
    five long names that differ in their middle ("... part 2 of the summer ...") all read alike. Counted in
    terminal columns, as `cut_middle` cuts (a Japanese character takes two)."""
    most = min(2 * columns, max((text_width(label) for label in labels), default=0))
    while True:
        cuts = [cut_middle(label, columns) for label in labels]
        if len(set(cuts)) == len(set(labels)) or columns >= most:
            return cuts
        columns += 4


def shown_labels(labels: list[str]) -> list[str]:
    """Recent files' labels as this page's buttons and the Open recent menu show them: cut as `distinct_cuts` cuts
    (a 240-character name made a menu item 1,584 px wide), "&" doubled (Qt takes one for an accelerator: "R&D
    review.mp4" read "RD review.mp4")."""
    return [cut.replace("&", "&&") for cut in distinct_cuts(labels, RECENT_COLUMNS)]


class WelcomePage(QScrollArea):
    """In a scroll area: hidden behind an open video, the page still set the window's least height, past a 720-px
    screen's with five recent files at a 20 pt font."""

    openRequested = Signal()
    sampleRequested = Signal()
    recentRequested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setFocusPolicy(Qt.NoFocus)  # its buttons are the Tab stops
        page = QWidget()
        column = QVBoxLayout(page)
        column.addStretch(2)
        icon = logo_label(self, 112)
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
        # the recent files as buttons drawn as links: in a rich-text label's links, a screen reader found plain text
        # ("Recent tiny.mp4 carphone.mp4") whose focus never moved as Tab went from link to link
        self.recent = QWidget()
        self.recent_rows = QVBoxLayout(self.recent)
        self.recent_rows.setContentsMargins(0, 0, 0, 0)
        self.recent_rows.setSpacing(0)
        heading = QLabel("Recent")
        heading.setProperty("role", "muted")
        heading.setAlignment(Qt.AlignCenter)
        self.recent_rows.addWidget(heading)
        self.recent.hide()
        column.addWidget(self.recent)
        column.addStretch(3)
        self.setWidget(page)

    def recent_buttons(self) -> list[QPushButton]:
        return self.recent.findChildren(QPushButton)

    def set_recent(self, paths: list[str]) -> None:
        # a long name is cut in its middle (the whole path shows on hover): a page hidden behind an open video still
        # sets the window's least width, which a 90-character name took past 1,280 px at a 20 pt font
        for button in self.recent_buttons():
            button.deleteLater()
            button.setParent(None)
        previous = self.sample_button  # new buttons join the Tab chain at the window's end: put them after it
        labels = fmt.file_labels(paths[:5])
        for path, label, shown in zip(paths[:5], labels, shown_labels(labels)):
            button = QPushButton(shown)
            button.setProperty("link", True)
            button.setAutoDefault(True)  # Enter opens it, as the window's other buttons (main_window)
            button.setToolTip(path)
            button.setAccessibleName(f"Open {label}")
            button.setAccessibleDescription(path)
            button.clicked.connect(lambda _=False, p=path: self.recentRequested.emit(p))
            self.recent_rows.addWidget(button, 0, Qt.AlignHCenter)
            QWidget.setTabOrder(previous, button)
            previous = button
        self.recent.setVisible(bool(paths))  # no empty stop for Tab
