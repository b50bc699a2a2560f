"""The app's colours, as hex strings: the dark palette's and style sheet's (gui/theme), and those that custom-painted
widgets and HTML text use. No Qt here, so Qt-free modules (a model card's HTML in gui/fmt) can use them too."""

WINDOW = "#1b1d22"
BASE = "#14161a"
PANEL = "#22252b"
RAISED = "#2b2f37"
BORDER = "#363b45"
TEXT = "#e3e6eb"
MUTED = "#8b93a1"
DISABLED = "#5d636e"  # the text of a control that is locked
ACCENT = "#4c9bff"
# the accent dark enough to carry white text, as a selection and an accent button do: 4.9:1 (ACCENT gave 2.8:1)
ACCENT_STRONG = "#2d6fd0"
ACCENT_DIM = "#2d4a73"  # the accent greyed: a checked control that is locked, or a toggle that is on
FOCUS = "#9cc4ff"  # the ring of the control with keyboard focus: lighter than the accent, to show on accent buttons
SIDE_A = "#ffb347"  # left / first side of a comparison
SIDE_B = "#5ad1c4"  # right / second side
WARNING = "#ffb347"  # a running job's warning (a disk too small for its output)
PSNR_COLOUR = "#4c9bff"
SSIM_COLOUR = "#b39ddb"
CURVE_COLOURS = ("#4c9bff", "#ffb347", "#5ad1c4", "#f06292", "#b39ddb", "#aed581", "#ffd54f", "#90a4ae")
