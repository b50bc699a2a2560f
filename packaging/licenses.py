"""Licences of everything the packaged app bundles: resources/LICENSES.md (shown in the About dialog) and the
full licence texts the spec copies into the bundle (resources/licenses/<distribution>/).

Why generated: the Python packages are the runtime dependency closure of vsr-app as installed, so versions
and licence expressions come from their metadata rather than from memory; the native libraries that wheels
carry inside them (FFmpeg and its codecs in PyAV, Qt and ICU in PySide6, OpenBLAS in numpy...) have no
metadata, so they are listed from a table below, each only when its file is present in the environment.

    .venv/bin/python packaging/licenses.py        # rewrite resources/LICENSES.md
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Iterable

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cuts import EXCLUDED_MODULES  # noqa: E402

from vsr_app.cards import TRAINED  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = "vsr-app"
LICENCE_WORDS = ("LICEN", "COPYING", "NOTICE", "AUTHORS")

# (file globs under site-packages, space-separated: every library of the component; component, licence, where its
# source and licence live). Every file of the wheels' .libs folders is some component's (a test holds the table to
# the installed wheels, so a new library a wheel brings cannot go unlisted)
NATIVE = [
    ("PySide6/Qt/lib/libQt6Core.so*", "Qt 6 libraries (in PySide6)", "LGPL-3.0-only",
     "https://www.qt.io/licensing/open-source-lgpl-obligations"),
    ("PySide6/Qt/lib/libicudata.so*", "ICU (in PySide6)", "Unicode-3.0", "https://github.com/unicode-org/icu"),
    ("av.libs/libav*-* av.libs/libsw*-*", "FFmpeg libraries (in PyAV)",
     "LGPL-3.0-or-later (as configured in PyAV's wheel)", "https://ffmpeg.org/legal.html"),
    ("av.libs/libx264-*", "x264 H.264 encoder (in PyAV)",
     "GPL-2.0-or-later", "https://code.videolan.org/videolan/x264"),
    ("av.libs/libx265-*", "x265 HEVC encoder (in PyAV)",
     "GPL-2.0-or-later", "https://bitbucket.org/multicoreware/x265_git"),
    ("av.libs/libSvtAv1Enc-*", "SVT-AV1 encoder (in PyAV)",
     "BSD-3-Clause-Clear", "https://gitlab.com/AOMediaCodec/SVT-AV1"),
    ("av.libs/libdav1d-* opencv_python_headless.libs/libdav1d-*", "dav1d AV1 decoder (in PyAV, OpenCV)",
     "BSD-2-Clause", "https://code.videolan.org/videolan/dav1d"),
    ("av.libs/libvpx-* opencv_python_headless.libs/libvpx-*", "libvpx VP8/VP9 (in PyAV, OpenCV)",
     "BSD-3-Clause", "https://chromium.googlesource.com/webm/libvpx"),
    ("av.libs/libopus-*", "Opus (in PyAV)", "BSD-3-Clause", "https://opus-codec.org"),
    ("av.libs/libmp3lame-*", "LAME MP3 encoder (in PyAV)", "LGPL-2.0-or-later", "https://lame.sourceforge.io"),
    ("av.libs/libopencore-amr*-*", "OpenCORE AMR (in PyAV)",
     "Apache-2.0", "https://sourceforge.net/projects/opencore-amr"),
    ("av.libs/libwebp*-* av.libs/libsharpyuv-*", "libwebp (in PyAV)",
     "BSD-3-Clause", "https://chromium.googlesource.com/webm/libwebp"),
    ("av.libs/libgnutls-*", "GnuTLS (in PyAV)", "LGPL-2.1-or-later", "https://gnutls.org"),
    ("av.libs/libnettle-* av.libs/libhogweed-*", "Nettle (in PyAV)",
     "LGPL-3.0-or-later OR GPL-2.0-or-later", "https://www.lysator.liu.se/~nisse/nettle"),
    ("av.libs/libgmp-*", "GMP (in PyAV)", "LGPL-3.0-or-later OR GPL-2.0-or-later", "https://gmplib.org"),
    ("av.libs/libunistring-*", "libunistring (in PyAV)", "LGPL-3.0-or-later OR GPL-2.0-or-later",
     "https://www.gnu.org/software/libunistring"),
    ("av.libs/libvpl-*", "oneVPL dispatcher (in PyAV)", "MIT", "https://github.com/intel/libvpl"),
    ("av.libs/libasound-*", "ALSA library (in PyAV)", "LGPL-2.1-or-later", "https://www.alsa-project.org"),
    ("av.libs/libxcb*-* av.libs/libXau-*", "libxcb, libXau (in PyAV)", "X11 (MIT)", "https://xcb.freedesktop.org"),
    ("opencv_python_headless.libs/libav[cfu]*-* opencv_python_headless.libs/libsw*-*", "FFmpeg libraries (in OpenCV)",
     "LGPL-2.1-or-later", "https://ffmpeg.org/legal.html"),
    ("opencv_python_headless.libs/libaom-*", "libaom (in OpenCV)",
     "BSD-2-Clause", "https://aomedia.googlesource.com/aom"),
    ("opencv_python_headless.libs/libcrypto-*", "OpenSSL 1.1.1 (in OpenCV)", "OpenSSL AND SSLeay",
     "https://www.openssl.org/source/license.html"),
    ("opencv_python_headless.libs/libopenblas*", "OpenBLAS (in OpenCV)", "BSD-3-Clause", "https://www.openblas.net"),
    ("numpy.libs/libscipy_openblas*", "OpenBLAS (in numpy)", "BSD-3-Clause", "https://www.openblas.net"),
    ("numpy.libs/libgfortran-* opencv_python_headless.libs/libgfortran-*", "GNU Fortran runtime (in numpy, OpenCV)",
     "GPL-3.0-or-later WITH GCC-exception-3.1", "https://gcc.gnu.org/onlinedocs/libstdc++/manual/license.html"),
    ("numpy.libs/libquadmath-* opencv_python_headless.libs/libquadmath-*",
     "GCC quad-precision maths library (in numpy, OpenCV)", "LGPL-2.1-or-later",
     "https://gcc.gnu.org/onlinedocs/libquadmath"),
    ("av.libs/libdrm-*", "libdrm (in PyAV)", "MIT", "https://gitlab.freedesktop.org/mesa/drm"),
    ("opencv_python_headless.libs/libavif-*", "libavif (in OpenCV)", "BSD-2-Clause",
     "https://github.com/AOMediaCodec/libavif"),
    ("opencv_python_headless.libs/libpng16-*", "libpng (in OpenCV)", "Libpng",
     "http://www.libpng.org/pub/png/src/libpng-LICENSE.txt"),
    ("torch/lib/libgomp.so*", "GNU OpenMP runtime (in torch)", "GPL-3.0-or-later WITH GCC-exception-3.1",
     "https://gcc.gnu.org/onlinedocs/libgomp"),
]


def runtime_closure(root: str = APP) -> list[metadata.Distribution]:
    """The installed distributions vsr-app needs at run time: its requirements, recursively, without extras."""
    found: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return [found[k] for k in sorted(found)]


def _top_level(dist: metadata.Distribution) -> set[str]:
    names = (dist.read_text("top_level.txt") or "").split()
    if not names:
        names = [f.parts[0].removesuffix(".py") for f in dist.files or []
                 if len(f.parts) > 1 and not f.parts[0].endswith((".dist-info", ".libs")) or f.suffix == ".py"]
    return {n for n in names if n and not n.startswith(("__", "."))}


def bundled(dist: metadata.Distribution) -> bool:
    """False for distributions the spec excludes entirely (e.g. setuptools, which torch lists but never needs)."""
    tops = _top_level(dist)
    return canonicalize_name(dist.metadata["Name"]) == APP or not tops or not tops <= set(EXCLUDED_MODULES)


def licence_of(dist: metadata.Distribution) -> str:
    """SPDX expression when the metadata has one, else the short License field, else the trove classifiers."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) < 80:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return ", ".join(classifiers) or "see the licence files"


def licence_files(dist: metadata.Distribution) -> list[tuple[Path, str]]:
    """(file, relative folder) of the licence/notice texts a distribution installs; the folder keeps texts
    of the same name apart (numpy has a LICENSE.txt per vendored library)."""
    files = []
    for f in dist.files or []:
        if any(word in f.name.upper() for word in LICENCE_WORDS) and not f.name.endswith((".pyc", ".py")):
            path = Path(dist.locate_file(f))
            if path.is_file():
                parts = f.parts[:-1]
                if parts and parts[0].endswith(".dist-info"):
                    parts = parts[2:] if parts[1:2] == ("licenses",) else parts[1:]
                files.append((path, "/".join(parts)))
    return files


def site_packages() -> Path:
    import torch

    return Path(torch.__file__).resolve().parent.parent


def native_components() -> list[tuple[str, str, str]]:
    """(component, licence, url) for the interpreter, the PyInstaller bootloader, and the native libraries
    present in this environment."""
    sp = site_packages()
    runtime = [(f"Python {sys.version.split()[0]} interpreter and standard library", "PSF-2.0",
                "https://docs.python.org/3/license.html"),
               ("PyInstaller bootloader (the `vsr-app` executable)", "GPL-2.0-or-later WITH Bootloader-exception",
                "https://pyinstaller.org/en/stable/license.html")]
    return runtime + [(name, licence, url) for patterns, name, licence, url in NATIVE
                      if any(any(sp.glob(pattern)) for pattern in patterns.split())]


SYSTEM_FOLDERS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/")


@dataclass(frozen=True)
class SystemLibrary:
    """A library PyInstaller copied from the build machine's system (not from a wheel), with the distribution
    package it came from and that package's copyright file (None where no package manager says)."""

    name: str
    package: str
    licence: str
    copyright: Path | None


def system_libraries(sources: Iterable[str]) -> list[SystemLibrary]:
    """The system libraries among the bundled files `sources`: Python and the wheels' libraries link them (OpenSSL,
    GLib, X11...), and PyInstaller copies them in. Their packages come from dpkg on Debian-like machines."""
    found = sorted({src for src in map(str, sources) if src.startswith(SYSTEM_FOLDERS) and "-packages/" not in src})
    return [_system_library(src) for src in found]


def _system_library(src: str) -> SystemLibrary:
    package = _dpkg_package(src)
    copyright = Path(f"/usr/share/doc/{package}/copyright") if package else None
    if copyright is None or not copyright.is_file():
        return SystemLibrary(Path(src).name, package or "unknown", "see the build machine's package", None)
    return SystemLibrary(Path(src).name, package, _main_licence(copyright), copyright)


def _dpkg_package(src: str) -> str | None:
    """The Debian package that installed `src` (dpkg may know it under /usr/lib or /lib: merged /usr)."""
    bare = src.removeprefix("/usr")
    for path in dict.fromkeys((src, bare, "/usr" + bare)):  # the path as bundled first
        try:
            result = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        if result.returncode == 0 and result.stdout:
            return result.stdout.split(":", 1)[0].strip()
    return None


def _main_licence(copyright: Path) -> str:
    """The licence of a machine-readable Debian copyright file's files, where it names one (the packaging's own
    `debian/*` aside); "several" where parts differ: util-linux's `Files: *` is GPL-2+, while the libraries it ships
    are LGPL-2.1+ (libblkid, libmount) and BSD-3-clause (libuuid), which only the file says part by part."""
    licences = set()
    for paragraph in copyright.read_text(encoding="utf-8", errors="replace").split("\n\n"):
        fields = dict(line.split(":", 1) for line in paragraph.splitlines() if ":" in line and not line[0].isspace())
        files, licence = fields.get("Files", "").split(), fields.get("License", "").strip()
        if files and licence and not all(f.startswith("debian/") for f in files):
            licences.add(licence)
    if len(licences) == 1:
        return licences.pop()
    return "several, by part: see its copyright file" if licences else "see its copyright file"


def system_licence_datas(libraries: list[SystemLibrary]) -> list[tuple[str, str, str]]:
    """The spec's DATA entries for each package's copyright file, under resources/licenses/system/<package>/."""
    packages = {lib.package: lib.copyright for lib in libraries if lib.copyright is not None}
    return [(f"resources/licenses/system/{package}/copyright", str(path), "DATA")
            for package, path in sorted(packages.items())]


def _system_section(libraries: list[SystemLibrary]) -> str:
    if not libraries:
        return ""
    rows = "\n".join(f"| {lib.name} | {lib.package} | {lib.licence} |" for lib in libraries)
    return f"""
## Libraries copied from the build machine's system

Python and the libraries above link these; PyInstaller copied them from the machine that built this bundle. Each
package's copyright file (with the full terms) is in the bundle under `_internal/resources/licenses/system/<package>/`.

| library | package | licence |
|---|---|---|
{rows}
"""


def shipped_cards() -> list[dict]:
    """The cards of the models the bundle ships (models/*.json, which the spec bundles)."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "models").glob("*.json"))]


def _sources(card: dict, trained: bool) -> str:
    return "; ".join(f"{source['name']} ({source['licence']})" for source in card.get("training_data", [])
                     if (source.get("use") == TRAINED) == trained) or "not recorded"


def _names_by(cards: list[dict], key) -> dict:
    """The cards' model names grouped by `key(card)`: the shipped models share their data, one row for them all."""
    grouped: dict = {}
    for card in cards:
        grouped.setdefault(key(card), []).append(card["name"])
    return grouped


def _weights_section(cards: list[dict]) -> str:
    """The Media section's table of the shipped weights: what each was trained on under which licence, and what that
    means for using them (the cards' `training_data` and `weights_terms`, written by scripts/ship_model.py)."""
    by_data = _names_by(cards, lambda card: (_sources(card, True), _sources(card, False)))
    rows = "\n".join(f"| {', '.join(names)} | {trained} | {validated} |"
                     for (trained, validated), names in by_data.items())
    by_terms = _names_by(cards, lambda card: card.get("weights_terms") or "not recorded in its card")
    terms = "\n".join(f"- {', '.join(names)}: {text}" for text, names in by_terms.items())
    return f"""
### Model weights

Each model's card (`_internal/models/NAME.json`, and the About dialog's Models tab) lists its training data with
where it was published; the licence is that of the data as published.

| models | trained on (licence) | validation only, not trained on (licence) |
|---|---|---|
{rows}

Terms:
{terms}
"""


def render(dists: list[metadata.Distribution], native: list[tuple[str, str, str]],
           system: list[SystemLibrary] = (), cards: list[dict] | None = None) -> str:
    """The notice; `cards`: the shipped models' cards (default: models/*.json)."""
    rows = "\n".join(f"| {d.metadata['Name']} | {d.version} | {licence_of(d)} |" for d in dists)
    native_rows = "\n".join(f"| {name} | {licence} | <{url}> |" for name, licence, url in native)
    return f"""# Licences of vsr-app and the components it bundles

vsr-app itself is MIT-licensed (`LICENSE`; in the bundle `_internal/resources/licenses/vsr-app/LICENSE`). The
packaged app (the `vsr-app` folder `packaging/build.sh` makes) also carries the components below; the licence
texts that the Python packages install are in the bundle under `_internal/resources/licenses/<package>/`, and the
GNU GPL/LGPL texts (for the packages that install none, such as PySide6 and shiboken6, LGPL-3.0) under
`_internal/resources/licenses/gnu/`.
This file is generated by `packaging/licenses.py` from the installed packages' metadata.

## Python packages

| package | version | licence |
|---|---|---|
{rows}

## Runtime and native libraries inside those packages

| component | licence | source / terms |
|---|---|---|
{native_rows}

Notes:
- Qt (LGPL-3.0) and FFmpeg are shipped as separate shared libraries (`_internal/PySide6/Qt/lib/`,
  `_internal/av.libs/`), so they can be replaced by a user's own builds, as the LGPL requires.
- PyAV's wheel includes the GPL-2.0-or-later encoders x264 (used for H.264 output, the default) and x265
  (HEVC output). Redistributing the packaged app therefore falls under the GPL-2.0-or-later for those
  libraries: their source is available at the addresses above, and whoever passes the bundle on must, as the GPL's
  section 3 asks, also give its receivers the source of the versions bundled or a written offer to supply it (the
  versions are those of PyAV's wheel, `av` above; vsr-app's own source, MIT, is its repository).
{_system_section(list(system))}
## Media

| file | licence |
|---|---|
| `resources/sample.mp4` | *Big Buck Bunny* (c) copyright 2008 Blender Foundation, www.bigbuckbunny.org, [CC BY 3.0](https://creativecommons.org/licenses/by/3.0/) |
| `resources/icon*.png`, `resources/icon.ico` | vsr-app's own (MIT) |
{_weights_section(shipped_cards() if cards is None else cards)}"""


def bundle_datas() -> list[tuple[str, str]]:
    """(source, destination folder) pairs the spec adds: vsr-app's own LICENSE, every bundled distribution's licence
    texts, and the GNU licences (packaging/licence-texts/) that Qt, FFmpeg, x264... are under but do not install as
    files."""
    datas = [(str(p), "resources/licenses/gnu") for p in sorted((ROOT / "packaging" / "licence-texts").glob("*.txt"))]
    datas.append((str(ROOT / "LICENSE"), f"resources/licenses/{APP}"))
    for dist in runtime_closure():
        if not bundled(dist):
            continue
        name = canonicalize_name(dist.metadata["Name"])
        for path, folder in licence_files(dist):
            datas.append((str(path), f"resources/licenses/{name}/{folder}".rstrip("/")))
    return datas


def write_notice(target: Path, system: list[SystemLibrary] = ()) -> Path:
    """Write the notice for the packages installed now (and the `system` libraries a build bundles): the spec
    bundles such a fresh copy, so the bundle names the versions it really carries even where pip resolved other
    patch releases than resources/LICENSES.md."""
    dists = [d for d in runtime_closure() if bundled(d)]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(dists, native_components(), system), encoding="utf-8")
    print(f"wrote {target}: {len(dists)} packages, {len(native_components())} native components, "
          f"{len(system)} system libraries")
    return target


def main() -> int:
    write_notice(ROOT / "resources" / "LICENSES.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
