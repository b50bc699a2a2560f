"""The command line's words for an error, a note or a reason, turned into the GUI's: its checkboxes, lists and
buttons named where the command line names its options (--overwrite, --codec, --resume). No Qt here."""

from __future__ import annotations

import re

from vsr_app.batch import STOPPED_REASON
from vsr_app.batch_plan import INCLUDE_HINT
from vsr_app.batch_resume import EarlierOutput
from vsr_app.distill.options import LISTED_BY
from vsr_app.distill.runs import PRUNE_VAL
from vsr_app.errors import (BAD_FILE_HINT, EXCLUDE_HINT, MOVED_HINT, NOT_NEW_HINT, NOT_RESUMABLE_HINT, OVERWRITE_HINT,
                            PRUNE_RESUME_HINT, RECURSIVE_HINT, RESUME_HINT, STEPS_BEHIND, STEPS_HINT, VAL_OUTSIDE,
                            VAL_OUTSIDE_HINT)
from vsr_app.gui.codecs import CODECS
from vsr_app.sequences import ONE_KIND, ONE_KIND_HINT
from vsr_app.video.pipeline import DEINTERLACE_OFF

# a file the batch was stopped in, as the Batch tab stops one (the command line's reason lists Ctrl-C and signals)
STOPPED_BY_CANCEL = "stopped by Cancel before it ended; no output was written"

# the FFmpeg encoders (and the codec keys the command line takes) by their Codec list labels
_ENCODER_LABELS = {name: codec.label for key, codec in CODECS.items() for name in (key, codec.encoder)}
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
    if recursive_label:
        message = message.replace(INCLUDE_HINT, f"tick \"{recursive_label}\" to add them")
        message = message.replace(RECURSIVE_HINT, f"tick \"{recursive_label}\" to look in sub-folders")
    return message


def for_compare_tab(message: str) -> str:
    """An error the Compare tab shows on opening, worded for the command line: a folder of frames is refused in eval's
    words, which said to point --data at one of its kinds."""
    return message.replace(f"{ONE_KIND}; {ONE_KIND_HINT}", "the Compare tab opens one kind at a time; open one of its "
                                                            "videos or folders of frames on its own, or move the others out")


def left_as_it_is(earlier: EarlierOutput) -> str:
    """Why a batch leaves an earlier output among its inputs as it is, in the Batch tab's words: led by what is not
    done and what to do, which a cell cut in the middle must still show, and naming the app's Export, not the command
    line."""
    return f"{earlier.advice('Export in the Compare tab')}: {earlier.what()}"


# the trainer's pointer to the commands that list its options (`options.unknown_options`): the Train tab lists none,
# so they are said as the command line's, and what they list as what Extra options take
_LISTING = re.escape(LISTED_BY).replace(r"\{\}", "[a-z ]+?")
_LISTINGS = re.compile(f"((?:`{_LISTING}`(?: or )?)+) lists every option")

# the trainer's hints to run it again with --resume (distill.runs), where the Train tab has a button
RESUME_HINTS = {NOT_NEW_HINT: "press Resume to continue it, or choose another model name",
                NOT_RESUMABLE_HINT: "press Start to begin a new run"}


def _hint_pattern(template: str) -> re.Pattern:
    """The hints a template makes, whatever its field holds (a run folder, a command)."""
    return re.compile(re.sub(r"\\\{\w+\\\}", ".+?", re.escape(template)))


# the hints that name the whole command to continue a stopped run (distill.prune_run, distill.train), which the
# tab's buttons run: a pruning's first, as the training runs' template matches it too
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
    message = _LISTINGS.sub(r"\1 on the command line lists every option Extra options take", message)
    for pattern, press in _COMMAND_HINTS:
        message = pattern.sub(press, message)
    for hint, press in RESUME_HINTS.items():
        message = message.replace(hint, press)
    return message.replace(EXCLUDE_HINT, 'hold it out with "exclude" in Extra options')
