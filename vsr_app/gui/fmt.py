"""How numbers and names read in the app: durations, ETAs, parameter counts, quality scores, card values, files.
No Qt here (the command line's words turned into the GUI's are gui/wording's)."""

from __future__ import annotations

import html
from pathlib import Path

from vsr_app.cards import card_sections, card_value
from vsr_app.files import shown_name
from vsr_app.gui.colours import MUTED
from vsr_app.progress import ProgressInfo, fps_text


def file_labels(paths: list[str]) -> list[str]:
    """Each file's name, with its folder where another of the list has the same name (two clip.mp4 of different
    shoots looked alike in Open recent)."""
    names = [Path(p).name for p in paths]
    return [f"{name} \u2014 {_home_relative(Path(p).parent)}" if names.count(name) > 1 else name
            for name, p in zip(names, paths)]


def _home_relative(folder: Path) -> str:
    try:
        return str(Path("~") / folder.relative_to(Path.home()))
    except ValueError:
        return str(folder)


def clock(seconds: float) -> str:
    """'01:02.48' (or '1:02:03.00' past an hour): a timestamp precise enough to tell frames apart."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 1:
        return f"{int(hours)}:{int(minutes):02d}:{secs:05.2f}"
    return f"{int(minutes):02d}:{secs:05.2f}"


def duration(seconds: float) -> str:
    """'42 s', '3 min 05 s', '1 h 12 min': for ETAs, where a person wants the order of magnitude; '< 1 s' under half
    a second (a tiny file's time read '0 s', as if nothing was done)."""
    if seconds < 0.5:
        return "< 1 s"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def eta(done: int, total: int | None, elapsed: float) -> float | None:
    """Seconds left at the average rate so far; None until there is a rate to go by."""
    if not total or done <= 0 or elapsed <= 0 or done >= total:
        return None
    return elapsed / done * (total - done)


def eta_suffix(seconds: float | None) -> str:
    """'   \u00b7   3 min 05 s left', to end a progress line, its spaces but the separator's non-breaking (a wrapped
    line ended in "3 min 05" and began with "s left"); empty while the time left is unknown."""
    return f"   \u00b7   {unbroken(duration(seconds))}\u00a0left" if seconds else ""


def progress_line(lead: str, info: ProgressInfo, of: str = "") -> str:
    """'LEAD: frame 14 / 360 (10 still in the encoder)   \u00b7   4.8 fps   \u00b7   1 min 12 s left', each figure kept
    on one line with its unit; `of` says what the frames are counted of, where not of the file `lead` names."""
    total = f" / {info.total}" if info.total else ""
    count = unbroken(f"frame {info.done}{total}") + of + info.waiting_note
    lead = f"{shown_name(lead)}: " if lead else ""  # a newline in a file's name split the status line
    return f"{lead}{count}   \u00b7   {unbroken(fps_text(info.fps) + ' fps')}{eta_suffix(info.eta)}"


def unbroken(text: str) -> str:
    """`text` with non-breaking spaces: a figure and its unit stay on one line where a label wraps."""
    return text.replace(" ", "\u00a0")


def params(count: int) -> str:
    """'117 K', '1.6 M' parameters."""
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} M"
    if count >= 1_000:
        return f"{count / 1e3:.0f} K"
    return str(count)


def psnr(value: float | None) -> str:
    if value is None:
        return "\u2014"
    return f"{value:.2f}"  # metrics.psnr_y caps identical frames at 100 dB, so never infinite


def ssim(value: float | None) -> str:
    return "\u2014" if value is None else f"{value:.4f}"


# a card's values longer than this go under their key, the card's width: beside it, in the Compare panel's 230 px,
# they wrapped two or three words a line
WIDE_VALUE = 40
# and longer than this, the Compare panel shows their start (the About box, the whole): "stages" and "metrics_notes"
# of thousands of characters held the card 6,000 px tall
SHORT_VALUE = 200
IN_FULL = "in full: Help > About > Models"


def card_html(name: str, task: str, scale: int, param_count: int, card: dict, full: bool = False) -> str:
    """A model card as compact HTML: what it does, its size, how it was trained and what it measured. Not `full`, a
    value over SHORT_VALUE characters is cut short, saying where it is whole."""
    what = f"{'upscale' if task == 'upscale' else 'interpolate'} \u00d7{scale}"
    size = f" \u00b7 {params(param_count)} parameters" if param_count else ""
    rows = [f"<b>{html.escape(name)}</b><br><span style='color:{MUTED}'>{what}{size}</span>"]
    if card.get("description"):
        rows.append(html.escape(str(card["description"])))
    for title, entries in card_sections(card):
        cells = "".join(_card_row(key, card_value(value), full) for key, value in entries.items())
        rows.append(f"<i>{html.escape(title)}</i><table cellspacing=0>{cells}</table>")
    if card.get("created"):
        rows.append(f"<span style='color:{MUTED}'>created {html.escape(str(card['created']))}</span>")
    return "<br>".join(rows)


def _card_row(key: str, value: str, full: bool) -> str:
    """A card entry's table row(s): the value beside its key, or under it the table's width where it is long."""
    cut = value if full else _shortened(value)
    shown = html.escape(cut) + (f" <span style='color:{MUTED}'>({IN_FULL})</span>" if cut != value else "")
    label = f"color:{MUTED};padding-right:8px"
    if len(value) <= WIDE_VALUE:
        return f"<tr><td style='{label}'>{html.escape(key)}</td><td>{shown}</td></tr>"
    return (f"<tr><td colspan=2 style='{label}'>{html.escape(key)}</td></tr>"
            f"<tr><td colspan=2 style='padding-left:8px'>{shown}</td></tr>")


def _shortened(value: str) -> str:
    """`value`'s first SHORT_VALUE characters or so, cut at a space where there is one, and an ellipsis."""
    if len(value) <= SHORT_VALUE:
        return value
    start = value[:SHORT_VALUE]
    return (start.rsplit(" ", 1)[0] if " " in start else start) + "\u2026"
