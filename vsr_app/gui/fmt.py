"""How numbers and names read in the app: durations, ETAs, parameter counts, quality scores, card values, files."""

from __future__ import annotations

import html
import re
from pathlib import Path

from vsr_app.batch import STOPPED_REASON
from vsr_app.batch_resume import EarlierOutput
from vsr_app.cards import card_sections, card_value
from vsr_app.distill.runs import PRUNE_VAL
from vsr_app.errors import (BAD_FILE_HINT, EXCLUDE_HINT, MOVED_HINT, NOT_NEW_HINT, NOT_RESUMABLE_HINT, OVERWRITE_HINT,
                            PRUNE_RESUME_HINT, RECURSIVE_HINT, RESUME_HINT, STEPS_BEHIND, STEPS_HINT, VAL_OUTSIDE,
                            VAL_OUTSIDE_HINT)
from vsr_app.files import shown_name
from vsr_app.gui import theme
from vsr_app.gui.codecs import CODECS
from vsr_app.progress import ProgressInfo, fps_text
from vsr_app.video.encoding import CODECS as WRITER_CODECS
from vsr_app.video.pipeline import DEINTERLACE_OFF

# a file the batch was stopped in, as the Batch tab stops one (the command line's reason lists Ctrl-C and signals)
STOPPED_BY_CANCEL = "stopped by Cancel before it ended; no output was written"


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
    """'LEAD: frame 14 / 360 (10 more in the encoder)   \u00b7   4.8 fps   \u00b7   1 min 12 s left', each figure kept
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


# the FFmpeg encoders (and the codec keys the command line takes) by their Codec list labels
_ENCODER_LABELS = {name: codec.label for key, codec in CODECS.items() for name in (key, WRITER_CODECS[key].encoder)}
_ENCODER_NAMES = re.compile(r"\b(but|codec) (" + "|".join(map(re.escape, _ENCODER_LABELS)) + r") (?=cannot|needs)")


def for_gui(message: str, replace_label: str, recursive_label: str = "", deinterlace_label: str = "") -> str:
    """An error, a summary or a note worded for the command line, with the checkboxes named `replace_label` where it
    says --overwrite, `recursive_label` where it says --recursive and `deinterlace_label` (unticked) where it says
    --deinterlace off, the Codec list's choice where it says --codec NAME, and Cancel where a file's reason says how
    a batch is stopped."""
    message = message.replace(STOPPED_REASON, STOPPED_BY_CANCEL)
    if deinterlace_label:
        message = message.replace(DEINTERLACE_OFF, f"\"{deinterlace_label}\" unticked")
    message = re.sub(r"--codec (\w+)( \([^)]*\))?",
                     lambda m: f"Codec \"{CODECS[m[1]].label}\"" if m[1] in CODECS else m[0], message)
    # an encoder named as FFmpeg does ("but libx265 needs at least 64 pixels a side"), in those phrasings only: a path
    # or a file name (prores.mov) holds such words too
    message = _ENCODER_NAMES.sub(lambda m: f"{m[1]} {_ENCODER_LABELS[m[2]]} ", message)
    message = message.replace(OVERWRITE_HINT, f"tick \"{replace_label}\" to replace it")
    return message.replace(RECURSIVE_HINT, f"tick \"{recursive_label}\" to look in sub-folders") if recursive_label \
        else message


def left_as_it_is(earlier: EarlierOutput) -> str:
    """Why a batch leaves an earlier output among its inputs as it is, in the Batch tab's words: led by what is not
    done and what to do, which a cell cut in the middle must still show, and naming the app's Export, not the command
    line."""
    return f"{earlier.advice('Export in the Compare tab')}: {earlier.what()}"


# the trainer's hints to run it again with --resume (distill.runs), where the Train tab has a button
RESUME_HINTS = {NOT_NEW_HINT: "press Resume to continue it, or choose another model name",
                NOT_RESUMABLE_HINT: "press Start to begin a new run"}


def _hint_pattern(template: str) -> re.Pattern:
    """The hints a template makes, whatever its field holds (a run folder, a command)."""
    return re.compile(re.sub(r"\\\{\w+\\\}", ".+?", re.escape(template)))


# the hints that name the whole command to continue a stopped run (distill.vfi_task, distill.train), which the tab's
# buttons run: a pruning's first, as the training runs' template matches it too
_COMMAND_HINTS = ((_hint_pattern(PRUNE_RESUME_HINT), "press Continue pruning"),
                  (_hint_pattern(RESUME_HINT), "press Resume"))


def for_train_tab(message: str) -> str:
    """A training error worded for the command line, with the Train tab's fields named where it names options and
    its buttons where it says to run the command again with --resume (a full disk's "continue with `vsr-app train
    vsr --out RUN --resume` once this is fixed")."""
    for flag, place in (("--data", "add its new place to the Data list"), ("--teacher", "choose it as Teacher"),
                        ("--val", "choose its new place as Validation clip")):
        message = message.replace(MOVED_HINT.format(flag=flag), f"if it has moved, {place}")
    behind = re.escape(STEPS_BEHIND).replace(r"\{steps\}", r"(\d+)")
    message = re.sub(behind, STEPS_BEHIND.replace("--steps {steps}", r"Steps \1"), message)
    steps = re.escape(STEPS_HINT).replace(r"\{done\}", r"(\d+)")
    message = re.sub(steps, r'set Steps (or "steps" in Extra options, which wins) above \1 to extend it', message)
    for outside in (VAL_OUTSIDE_HINT, VAL_OUTSIDE.format(option=PRUNE_VAL)):  # a training run's, a pruning's
        message = message.replace(outside, "choose a Validation clip outside the Data folders")
    message = message.replace(BAD_FILE_HINT, "remove it from the training folder, or put the files to use in the "
                                             "Data list")
    for pattern, press in _COMMAND_HINTS:
        message = pattern.sub(press, message)
    for hint, press in RESUME_HINTS.items():
        message = message.replace(hint, press)
    return message.replace(EXCLUDE_HINT, 'hold it out with "exclude" in Extra options')


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
    rows = [f"<b>{html.escape(name)}</b><br><span style='color:{theme.MUTED}'>{what}{size}</span>"]
    if card.get("description"):
        rows.append(html.escape(str(card["description"])))
    for title, entries in card_sections(card):
        cells = "".join(_card_row(key, card_value(value), full) for key, value in entries.items())
        rows.append(f"<i>{html.escape(title)}</i><table cellspacing=0>{cells}</table>")
    if card.get("created"):
        rows.append(f"<span style='color:{theme.MUTED}'>created {html.escape(str(card['created']))}</span>")
    return "<br>".join(rows)


def _card_row(key: str, value: str, full: bool) -> str:
    """A card entry's table row(s): the value beside its key, or under it the table's width where it is long."""
    cut = value if full else _shortened(value)
    shown = html.escape(cut) + (f" <span style='color:{theme.MUTED}'>({IN_FULL})</span>" if cut != value else "")
    label = f"color:{theme.MUTED};padding-right:8px"
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
