"""The one exception type for errors a user can cause (bad file, no space, wrong model).

The CLI prints its message without a traceback and exits 1; the GUI shows it in a dialog.
"""

# How an error about an existing output says what to do; the GUI words it for its checkbox (gui/wording.for_gui).
OVERWRITE_HINT = "pass --overwrite to replace it"
# How a batch that found no videos points to sub-folders; the GUI names its checkbox instead.
RECURSIVE_HINT = "add --recursive to look in sub-folders"
# How training's errors name its options; the Train tab names its fields instead (gui/wording.for_train_tab).
VAL_OUTSIDE = "give {option} a clip outside --data"  # {option}: what names the clips (pruning has no --val)
VAL_OUTSIDE_HINT = VAL_OUTSIDE.format(option="--val")
EXCLUDE_HINT = 'hold it out with the "exclude" option'
STEPS_BEHIND = "--steps {steps} would end it before that"
MOVED_HINT = "if it has moved, resume with {flag} naming its new location"
STEPS_HINT = "give --steps above {done} to extend it, or leave --steps out"
BAD_FILE_HINT = "remove it from the training folder, or give --data the files to use"
# a run's whole command ({command}: runs.resume_command's, quoted for the shell); the Train tab has a Resume
# button
RESUME_HINT = "continue with `{command}`"
# the same hint of a pruning ({program}: the app's command, {run}: its folder), which the Train tab reads as its
# Continue pruning button
PRUNE_RESUME_HINT = RESUME_HINT.format(command="{program} prune vfi --out {run} --resume")
NOT_RESUMABLE_HINT = "start a new run without --resume"
NOT_NEW_HINT = "pass --resume to continue it or choose another --out"


class VsrAppError(Exception):
    """An error with a message a person understands; raised for user-caused problems only."""


class Cancelled(VsrAppError):
    """The user asked a long operation to stop; partial outputs have been removed."""

    def __init__(self, message: str = "cancelled by the user"):
        super().__init__(message)


class UnknownModel(VsrAppError):
    """A model name nothing installed answers to (one removed since a list was shown, a typo)."""


class NoVideoStream(VsrAppError):
    """A file FFmpeg opened with no video stream (cover art aside): a song saved as .mp4, or a damaged video whose
    track FFmpeg took for data. `streams` names what each stream is ("audio", "cover picture", "data"), so a batch
    tells the one from the other by the error, without opening the file again."""

    def __init__(self, message: str, streams: tuple[str, ...] = ()):
        super().__init__(message)
        self.streams = streams
