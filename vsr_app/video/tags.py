"""The source's tags as an output gets them (container tags, QuickTime keys, a track's title and language), and the
check of the finished output for the tags and track flags its muxer dropped without a word (`SilentDrops`).

Apart from carried.py, which carries the streams' packets: these only map names and values, and the writer uses them
before any stream is carried (whether QuickTime keys are written sets the muxer's options) and after the last one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import av

from vsr_app.video.encoding import CONTAINER_FORMATS

# Container tags that describe the source file, not its content: the mov/mp4 file type and the muxer that wrote it.
NOT_CARRIED_TAGS = frozenset({"major_brand", "minor_version", "compatible_brands", "encoder"})
# Where iPhones keep the place a video was shot: a QuickTime key the mov/mp4 muxers do not write ('location' they do).
APPLE_LOCATION = "com.apple.quicktime.location.ISO6709"
REVERSE_DNS = re.compile(r"[a-z]{2,}\.[a-z0-9-]+\.[a-z0-9]", re.IGNORECASE)  # com.android.version, com.apple.x.y
QUICKTIME_KEY = "com.apple.quicktime."  # the prefix of the metadata keys QuickTime and iPhones write
# Standard tags QuickTime reads, in a file that holds keys, from its own keys only (use_metadata_tags writes 'title'
# as a key of that name, which it does not know)
QUICKTIME_NAMES = ("title", "artist", "comment", "description", "copyright", "keywords")


def keeps_quicktime_keys(source: Path) -> bool:
    """Whether the source holds QuickTime metadata keys, named in reverse-DNS form (an iPhone's make, model, software,
    local creation date and place as `com.apple.quicktime.*`; an Android phone's maker, model, OS version and capture
    rate as `com.android.*`): the mov/mp4 muxers write those only as such keys (movflags use_metadata_tags, which puts
    every tag there, as such a source has them), and without it dropped them without a word. A tag with one dot
    (`source.url`) is no such key: it would move every standard tag (title, artist, a .mov's place) into keys."""
    try:
        with av.open(str(source)) as container:
            return any(REVERSE_DNS.match(key) for key in container.metadata)
    except (av.FFmpegError, OSError):
        return False


def container_tags(metadata, kind: str) -> dict[str, str]:
    """The source's container tags as a `kind` output gets them: keys in lower case (Matroska reads them back in
    upper case, the mov/mp4 muxers look them up in any case) but a phone's place in Apple's spelling, by which Apple
    reads it as a key, and also under `location`; a Matroska file's recording date as the date .mp4/.mov hold."""
    tags = {key.lower(): value for key, value in metadata.items() if key.lower() not in NOT_CARRIED_TAGS}
    if kind != CONTAINER_FORMATS[".mkv"] and "date_recorded" in tags and "date" not in tags:
        tags["date"] = tags.pop("date_recorded")
    if APPLE_LOCATION.lower() in tags:
        tags[APPLE_LOCATION] = tags.pop(APPLE_LOCATION.lower())
        tags.setdefault("location", tags[APPLE_LOCATION])
    return tags


def quicktime_names(metadata) -> dict[str, str]:
    """The standard tags among `metadata` again under QuickTime's own key names, for a .mov/.mp4 written with keys
    (`keeps_quicktime_keys`): there QuickTime, Finder and Photos read a title or comment from those keys only. They
    replace the source's own: the comment holds this output's record now."""
    return {f"{QUICKTIME_KEY}{name}": metadata[name] for name in QUICKTIME_NAMES if name in metadata}


# ISO 639-2 languages with two codes, given in the form FFmpeg's mov muxer (QuickTime's table) keeps: the other one it
# drops without a word, and Matroska files (and their rips) use the bibliographic `fre`, `ger`, `cze`, ... alike
# (measured with FFmpeg 8: writing each code of each pair to a .mov and reading it back)
MOV_LANGUAGE = {"sqi": "alb", "hye": "arm", "eus": "baq", "mya": "bur", "zho": "chi", "cze": "ces", "nld": "dut",
                "fre": "fra", "kat": "geo", "deu": "ger", "ell": "gre", "isl": "ice", "mkd": "mac", "msa": "may",
                "fas": "per", "rum": "ron", "slo": "slk", "bod": "tib", "cym": "wel"}
# The flags of a track a user tells tracks apart by; each container drops some without a word (.mov all but
# 'default'), which the finished output is checked for (`SilentDrops.notes`)
TRACK_FLAGS = ("default", "dub", "original", "comment", "lyrics", "karaoke", "forced", "hearing_impaired",
               "visual_impaired", "clean_effects", "captions", "descriptions")
# FFmpeg reads an .mp4 track of kind "caption" as hearing_impaired + captions, "description" as visual_impaired +
# descriptions: Matroska keeps the first of each pair, which is what such a track is known by there
KEPT_AS = {"captions": "hearing_impaired", "descriptions": "visual_impaired"}


def stream_tags(stream, kind: str) -> dict[str, str]:
    """A carried stream's tags for a `kind` output; the mov/mp4 demuxers read a track's title as 'name' and every
    muxer writes 'title'; a language goes into .mov in the form it keeps."""
    tags = dict(stream.metadata)
    if "name" in tags and "title" not in tags:
        tags["title"] = tags.pop("name")
    if kind == "mov" and tags.get("language") in MOV_LANGUAGE:
        tags["language"] = MOV_LANGUAGE[tags["language"]]
    return tags


class SilentDrops:
    """What the source gave the output that its muxer may drop without a word, checked in the finished file: the
    container's tags (the mp4/mov muxers write only the keys they have an atom for: a Matroska file's
    DATE_RECORDED, a .mov's description) and each track's flags (a .mov keeps only 'default'); and the 'default'
    flag the mp4/mov muxers add where the source gave none (a rip's tracks all unmarked, to be picked by language),
    where it changes what plays: a subtitle track so marked is shown unasked, and of several audio tracks the marked
    one plays. A lone audio track plays anyway (a camcorder's .mts, .avi or .mpg, whose containers mark none)."""

    def __init__(self, kind: str, suffixes: Iterable[str]):
        self.kind, self.suffixes = kind, suffixes
        self.tags: list[str] = []
        self.flags: dict[int, tuple[str, list[str]]] = {}  # output stream index -> (its label, the source's flags)
        self.default_matters: set[int] = set()  # output stream indices whose added default flag is noted

    def add_track(self, out, stream, label: str) -> None:
        self.flags[out.index] = (label, [f for f in TRACK_FLAGS if av.stream.Disposition[f] in stream.disposition])
        if stream.type == "subtitle" or len(stream.container.streams.audio) > 1:
            self.default_matters.add(out.index)

    def notes(self, path: Path) -> list[str]:
        """Notes naming what of it the finished output at `path` does not hold, and a default flag it holds unasked."""
        with av.open(str(path)) as container:
            kept = {key.lower() for key in container.metadata}
            held = {stream.index: stream.disposition for stream in container.streams}
        notes = []
        tags = [tag for tag in self.tags if tag.lower() not in kept]
        if tags:
            them = "them" if len(tags) > 1 else "it"
            notes.append(f"tag{'s' if len(tags) > 1 else ''} {', '.join(tags)} not kept: the {self.kind} container "
                         f"cannot hold {them}{f'; use .mkv to keep {them}' if '.mkv' in self.suffixes else ''}")
        for index, (label, flags) in self.flags.items():
            has = held.get(index, av.stream.Disposition(0))
            gone = [flag for flag in flags if av.stream.Disposition[KEPT_AS.get(flag, flag)] not in has]
            if gone:
                them = "them" if len(gone) > 1 else "it"
                notes.append(f"{label}: its {' and '.join(gone)} flag{'s' if len(gone) > 1 else ''} not kept (the "
                             f"{self.kind} container cannot hold {them})")
            if index in self.default_matters and av.stream.Disposition.default in has and "default" not in flags:
                notes.append(f"{label}: marked default in the output, not in the source (the {self.kind} container "
                             "marks the first track of each kind default when none is)")
        return notes
