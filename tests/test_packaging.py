"""Packaging: what the bundle keeps and drops, the licence notice, the About dialog, and
(slow) building the bundle and running the frozen app's self-test and smoke test."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from gui_support import gui_env, window  # noqa: F401
from vsr_app import __version__
from vsr_app.models import list_models
from vsr_app.resources import resource_path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import cuts  # noqa: E402
import licenses  # noqa: E402


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/plugins/platforms/libqoffscreen.so", "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqminimal.so", "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/imageformats/libqjpeg.so", "torch/lib/libtorch_cpu.so", "torch/bin/torch_shm_manager",
    "av.libs/libavcodec-5e6b81c2.so.62.28.102", "resources/sample.mp4", "models/vsr-x4-student.safetensors",
])
def test_what_the_app_needs_is_kept(dest):
    assert cuts.drop_reason(dest) is None


@pytest.mark.parametrize("dest", [
    "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "torch/bin/test_api", "torch/test/atest",
    "torch/lib/libtorchbind_test.so", "PySide6/Qt/translations/qt_de.qm",
])
def test_test_programs_and_unused_plugins_are_dropped_with_a_reason(dest):
    assert cuts.drop_reason(dest)


NETWORKING = ("PySide6/Qt/lib/libQt6Network.so.6", "libgssapi_krb5.so.2", "libkrb5.so.3", "libk5crypto.so.3",
              "libkrb5support.so.0", "libcom_err.so.2", "libkeyutils.so.1")


APP_QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtOpenGL", "QtOpenGLWidgets", "QtSvg", "QtTest")  # -X importtime


def _linked_closure(roots: list[Path], lib: Path) -> set[str]:
    """The libraries `roots` load, directly or through each other, that are in `lib` (Qt's own), by name."""
    found: set[str] = set()
    todo = list(roots)
    while todo:
        library = todo.pop()
        dynamic = subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True, check=True).stdout
        for name in re.findall(r"\(NEEDED\).*\[(.+)\]", dynamic):
            if name not in found and (lib / name).is_file():
                found.add(name)
                todo.append(lib / name)
    return found


@pytest.mark.skipif(not shutil.which("readelf"), reason="needs readelf (binutils)")
def test_qt_networking_and_kerberos_are_dropped_and_nothing_the_app_loads_links_them():
    """libQt6Network came in with the dropped TLS and network-status plugins, and the Kerberos libraries with it
    (3.5 MB a tester found nothing links or loads). Nothing the app loads may need them: the Qt modules it imports
    (pyqtgraph imports QtTest and QtOpenGL) and the platform plugins the bundle keeps, with what they link."""
    assert all(cuts.drop_reason(dest) for dest in NETWORKING)
    site = licenses.site_packages()
    qt = site / "PySide6"
    roots = [next(qt.glob(f"{module}.*.so")) for module in APP_QT_MODULES]
    roots += [plugin for plugin in (qt / "Qt/plugins/platforms").glob("*.so")
              if cuts.drop_reason(plugin.relative_to(site).as_posix()) is None]
    loaded = _linked_closure(roots, qt / "Qt" / "lib")
    assert {"libQt6Widgets.so.6", "libQt6Test.so.6", "libQt6XcbQpa.so.6"} <= loaded
    assert not [name for name in loaded if cuts.drop_reason(f"PySide6/Qt/lib/{name}")]
    assert "libQt6Network.so.6" not in loaded


def test_excluded_modules_are_never_imported_by_the_app():
    """Import every module of vsr_app in a fresh interpreter: none of the excluded packages may load."""
    code = ("import importlib, pkgutil, sys\n"
            "before = set(sys.modules)\n"  # e.g. setuptools' _distutils_hack, loaded by a .pth file in a venv
            "import vsr_app\n"
            "for m in pkgutil.walk_packages(vsr_app.__path__, 'vsr_app.'):\n"
            "    if not m.name.endswith('__main__'):\n"
            "        importlib.import_module(m.name)\n"
            f"bad = sorted(m for m in set(sys.modules) - before if any(m == x or m.startswith(x + '.') for x in {sorted(cuts.EXCLUDED_MODULES)!r}))\n"
            "print(','.join(bad))")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""


def _without_versions(notice: str) -> str:
    return re.sub(r"^\| ([^|]+) \| [^|]+ \| ([^|]+) \|$", r"| \1 | \2 |", notice, flags=re.M)


def test_every_library_the_wheels_bundle_has_a_licence_row():
    """The notice named components by one library each: libdrm (PyAV), libavif and libpng (OpenCV) came with the
    wheels and were listed nowhere. A library a new wheel brings fails here until its row is written."""
    from fnmatch import fnmatch

    site = licenses.site_packages()
    globs = [pattern for patterns, *_ in licenses.NATIVE for pattern in patterns.split()]
    shipped = [f.relative_to(site).as_posix() for folder in site.glob("*.libs") for f in folder.iterdir()]
    assert shipped and "av.libs" in {name.split("/")[0] for name in shipped}
    assert [name for name in shipped if not any(fnmatch(name, pattern) for pattern in globs)] == []


def test_licence_notice_matches_the_installed_packages():
    """resources/LICENSES.md lists the packages and licences packaging/licenses.py finds now (rerun it after
    changing dependencies). Versions may differ where pip resolved other patch releases: the bundle carries
    a notice regenerated at build time (the spec), so only package names and licences are compared here."""
    expected = licenses.render([d for d in licenses.runtime_closure() if licenses.bundled(d)],
                               licenses.native_components())
    committed = resource_path("LICENSES.md").read_text(encoding="utf-8")
    assert _without_versions(committed) == _without_versions(expected)
    assert _without_versions(expected) != expected  # the version column really was removed
    for name in ("torch", "PySide6_Essentials", "av", "numpy", "opencv-python-headless", "safetensors"):
        assert f"| {name} |" in expected
    assert "x264" in expected and "FFmpeg" in expected and "Qt 6" in expected


def test_licence_notice_says_what_each_shipped_model_was_trained_on_and_its_terms():
    """Nothing in the bundle said under what terms the shipped weights may be used, nor that part of their training
    data was published for research use only."""
    stills = {"name": "train/images/bsd100", "source": "BSD100", "licence": "research / non-commercial",
              "use": "trained on"}
    clip = {"name": "test/carphone_pristine.mp4", "source": "carphone", "licence": "not stated",
            "use": "validation only (not trained on)"}
    card = {"name": "vsr-x4-demo", "weights_terms": "Check BSD100's terms before commercial use.",
            "training_data": [stills, clip]}
    media = licenses.render([], [], cards=[card]).split("## Media", 1)[1]
    assert "### Model weights" in media
    row = "| vsr-x4-demo | train/images/bsd100 (research / non-commercial) | test/carphone_pristine.mp4 (not stated) |"
    assert row in media
    assert "- vsr-x4-demo: Check BSD100's terms before commercial use." in media
    shipped = resource_path("LICENSES.md").read_text(encoding="utf-8")  # the committed notice, from models/*.json
    assert all(info.name in shipped.split("### Model weights", 1)[1] for info in list_models() if info.path)


def test_the_bundles_readme_says_how_to_start_it_and_where_things_are():
    """dist/vsr-app/ showed only `vsr-app` and `_internal`: build.sh now writes README.txt there from
    packaging/bundle_readme.py, whose CLI help is the parser's own."""
    import bundle_readme
    from vsr_app.cli_args import build_parser
    from vsr_app.gui.trainer_process import LOG_NAME

    text = bundle_readme.readme_text()
    for words in ("./vsr-app --help", "_internal/models/", "_internal/resources/LICENSES.md", "vsr-app.conf", LOG_NAME,
                  build_parser().format_help()):
        assert words in text, words
    assert "packaging/bundle_readme.py\" \"$app/README.txt\"" in (ROOT / "packaging" / "build.sh").read_text()


def test_licence_texts_are_bundled_for_every_package_that_installs_them():
    datas = licenses.bundle_datas()
    folders = {dest.split("/")[2] for _, dest in datas}
    assert {"torch", "av", "numpy", "pyqtgraph", "gnu"} <= folders
    assert all(Path(src).is_file() for src, _ in datas)
    gnu = {Path(src).name for src, dest in datas if dest.endswith("/gnu")}
    assert gnu == {"GPL-2.txt", "GPL-3.txt", "LGPL-2.1.txt", "LGPL-3.txt"}
    assert (str(ROOT / "LICENSE"), "resources/licenses/vsr-app") in datas  # the app's own MIT text


def test_a_link_to_a_dropped_library_goes_with_it():
    """PyInstaller's root-level links to PySide6's eglfs libraries stayed when the libraries were cut, pointing at
    nothing; links to kept files, at the root or beside their target, stay."""
    binaries = [("PySide6/Qt/lib/libQt6Core.so.6", "/site/libQt6Core.so.6", "BINARY"),
                ("PySide6/Qt/lib/libQt6Gui.so", "libQt6Gui.so.6", "SYMLINK"),
                ("PySide6/Qt/lib/libQt6Gui.so.6", "/site/libQt6Gui.so.6", "BINARY")]
    datas = [("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
             ("libQt6EglFSDeviceIntegration.so.6", "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", "SYMLINK"),
             ("resources/sample.mp4", "/repo/resources/sample.mp4", "DATA")]
    kept_binaries, kept_datas = cuts.without_dangling_links(binaries, datas)
    assert kept_binaries == binaries
    assert kept_datas == [datas[0], datas[2]]


@pytest.mark.parametrize("users", ["/opt/lib", None])
def test_programs_the_packaged_app_starts_get_the_users_library_path(monkeypatch, users):
    """The bootloader's LD_LIBRARY_PATH (the bundle) reached the system's player and file manager, which then loaded
    the bundle's Qt and GLib over their own."""
    from vsr_app.resources import give_back_library_path

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("LD_LIBRARY_PATH", "/bundle/_internal" + (f":{users}" if users else ""))
    if users:
        monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", users)
    else:
        monkeypatch.delenv("LD_LIBRARY_PATH_ORIG", raising=False)
    give_back_library_path()
    assert os.environ.get("LD_LIBRARY_PATH") == users and "LD_LIBRARY_PATH_ORIG" not in os.environ

def test_programs_the_packaged_app_starts_get_no_bundle_qt_paths(monkeypatch):
    """PySide6's hook's QT_PLUGIN_PATH and QML2_IMPORT_PATH, and OpenCV's LD_LIBRARY_PATH set again at its import,
    reached the system's player and file manager: a system Qt loaded the bundle's plugins."""
    from vsr_app import resources

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(resources, "_users_library_path", [])
    monkeypatch.setenv("LD_LIBRARY_PATH", "/bundle/_internal:/opt/lib")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/opt/lib")
    resources.give_back_library_path()
    monkeypatch.setenv("LD_LIBRARY_PATH", "/bundle/_internal/cv2/../../lib64")  # as cv2's import sets it
    for name in resources.BUNDLE_QT_VARIABLES:
        monkeypatch.setenv(name, f"/bundle/_internal/PySide6/Qt/{name}")
    resources.give_back_qt_environment()
    assert os.environ["LD_LIBRARY_PATH"] == "/opt/lib"
    assert not any(name in os.environ for name in resources.BUNDLE_QT_VARIABLES)


@pytest.mark.skipif(not Path("/usr/share/doc/zlib1g/copyright").is_file(), reason="needs a Debian-like system")
def test_system_libraries_the_bundle_copies_are_named_with_their_package_and_licence():
    """PyInstaller copied 77 libraries from the build machine (OpenSSL, GLib, X11...), which the notice left out."""
    zlib = next(p for p in ("/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
                            "/lib/aarch64-linux-gnu/libz.so.1") if Path(p).is_file())
    libraries = licenses.system_libraries([zlib, str(ROOT / ".venv/lib/python3.11/site-packages/torch/lib/libc10.so")])
    assert libraries == [licenses.SystemLibrary("libz.so.1", "zlib1g", "Zlib", Path("/usr/share/doc/zlib1g/copyright"))]
    assert licenses.system_licence_datas(libraries) == [
        ("resources/licenses/system/zlib1g/copyright", "/usr/share/doc/zlib1g/copyright", "DATA")]
    notice = licenses.render([], [], libraries)
    assert "## Libraries copied from the build machine's system" in notice and "| libz.so.1 | zlib1g | Zlib |" in notice
    assert "build machine" not in licenses.render([], [])  # a notice made from source lists none


def test_a_package_whose_parts_differ_in_licence_is_not_given_its_main_one(tmp_path):
    """util-linux's `Files: *` is GPL-2+, but libuuid is BSD-3-clause and libblkid LGPL-2.1+: the notice called them
    GPL-2+. One licence for all its files (the packaging's own debian/* aside) is named."""
    parts = ("Files: *\nLicense: GPL-2+\n\nFiles: libuuid/*\nLicense: BSD-3-clause\n\n"
             "Files: debian/*\nLicense: GPL-2+\n")
    (tmp_path / "parts").write_text("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
                                    + parts)
    (tmp_path / "one").write_text("Files: *\nLicense: Zlib\n\nFiles: debian/*\nLicense: GPL-2+\n")
    (tmp_path / "free-form").write_text("This package was debianized by someone.\nCopyright: 1999 someone\n")
    assert licenses._main_licence(tmp_path / "parts") == "several, by part: see its copyright file"
    assert licenses._main_licence(tmp_path / "one") == "Zlib"
    assert licenses._main_licence(tmp_path / "free-form") == "see its copyright file"

def test_about_dialog_shows_version_model_cards_and_licences(window, qtbot):  # noqa: F811
    window.about_action.trigger()
    dialog = window.about_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert any(f"version {__version__}" in label.text() for label in dialog.findChildren(QLabel))
    about = dialog.about_text.toPlainText()
    assert "PyTorch" in about and "PyAV" in about and "Big Buck Bunny" in about
    models = dialog.models_text.toPlainText()
    assert all(info.name in models for info in list_models())
    licences = dialog.licences_text.toPlainText()
    assert "PySide6_Essentials" in licences and "GPL-2.0-or-later" in licences and "Model weights" in licences
    assert window.isEnabled()  # non-blocking: the main window stays usable
    dialog.close()


def test_the_bundle_keeps_the_metadata_about_reads_versions_from():
    """The bundle had no package metadata: About imported torch for its version, waiting for the models' loading."""
    from vsr_app.gui.about_dialog import VERSIONED_PACKAGES

    spec = ast.parse((ROOT / "packaging" / "vsr-app.spec").read_text(encoding="utf-8"))
    listed = [ast.literal_eval(node.value) for node in spec.body if isinstance(node, ast.Assign)
              and [getattr(target, "id", None) for target in node.targets] == ["VERSIONED_PACKAGES"]]
    assert listed == [tuple(package for _, package in VERSIONED_PACKAGES)]
    assert "for package in VERSIONED_PACKAGES for entry in copy_metadata(package)" in ast.unparse(spec)


# .venv/bin/python of a stand-in checkout: records its arguments; as PyInstaller, makes an app whose selftest passes
FAKE_PYTHON = """#!/usr/bin/env bash
echo "$*" >> "$(dirname "$0")/calls"
while [ $# -gt 1 ]; do
    if [ "$1" = --distpath ]; then
        mkdir -p "$2/vsr-app" && printf '#!/bin/sh\\necho selftest passed\\n' > "$2/vsr-app/vsr-app"
        chmod +x "$2/vsr-app/vsr-app"
    fi
    shift
done
"""


def test_build_sh_builds_under_the_folder_out_names_else_in_the_checkout(tmp_path):
    """The slow test's build replaced the bundle the user had built in dist/ (and two builds could not run side by
    side): `--out DIR` builds under DIR. build.sh runs on a stand-in checkout whose python fakes PyInstaller."""
    checkout = tmp_path / "checkout"
    (checkout / "packaging").mkdir(parents=True)
    build = Path(shutil.copy(ROOT / "packaging" / "build.sh", checkout / "packaging"))
    for stub, text in (("scripts/setup_env.sh", "#!/bin/sh\n"), (".venv/bin/python", FAKE_PYTHON)):
        (checkout / stub).parent.mkdir(parents=True, exist_ok=True)
        (checkout / stub).write_text(text)
        (checkout / stub).chmod(0o755)

    def pyinstaller_folders(*args: str) -> tuple[str, str]:
        run = subprocess.run([str(build), *args], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        assert ("selftest passed" in run.stdout) != ("--skip-selftest" in args)
        calls = (checkout / ".venv" / "bin" / "calls").read_text().splitlines()
        words = [call for call in calls if call.startswith("-m PyInstaller ")][-1].split()
        return words[words.index("--distpath") + 1], words[words.index("--workpath") + 1]

    elsewhere = tmp_path / "elsewhere"
    assert pyinstaller_folders("--out", str(elsewhere)) == (f"{elsewhere}/dist", f"{elsewhere}/build/pyinstaller")
    assert (elsewhere / "dist" / "vsr-app" / "vsr-app").is_file() and not (checkout / "dist").exists()
    assert pyinstaller_folders("--skip-selftest", "--no-cuts", "--out", str(elsewhere)) == (
        f"{elsewhere}/dist/no-cuts", f"{elsewhere}/build/pyinstaller-no-cuts")
    assert pyinstaller_folders() == (f"{checkout}/dist", f"{checkout}/build/pyinstaller")
    for forgotten in (["--out"], ["--out", "--skip-selftest"]):  # the next option is no folder to build in
        refused = subprocess.run([str(build), *forgotten], capture_output=True, text=True, timeout=60)
        assert (refused.returncode, refused.stderr) == (2, "build.sh: --out needs a folder (see --help)\n")


@pytest.mark.slow
def test_frozen_app_builds_and_passes_selftest_and_smoke_test(tmp_path):
    """packaging/build.sh (which ends with the bundle's --selftest), then packaging/smoke_test.sh; built under
    tmp_path, leaving the checkout's dist/vsr-app (the user's own build) alone."""
    started = time.monotonic()
    build = subprocess.run([str(ROOT / "packaging" / "build.sh"), "--out", str(tmp_path)], capture_output=True,
                           text=True, timeout=3600)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "selftest passed" in build.stdout
    app = tmp_path / "dist" / "vsr-app" / "vsr-app"
    assert (app.parent / "_internal" / "resources" / "sample.mp4").is_file()
    assert (app.parent / "_internal" / "resources" / "LICENSES.md").is_file()
    bundle = list(app.parent.rglob("*"))
    assert not [p for p in bundle if "readline" in p.name]  # GNU readline (GPL-3.0+): in with lib-dynload, unused
    assert not [p for p in bundle if p.is_symlink() and not p.exists()]  # links to cut libraries went with them
    assert not [p for p in bundle if p.name.startswith(("libQt6Network", "libkrb5", "libgssapi_krb5"))]
    assert "_internal/models/" in (app.parent / "README.txt").read_text(encoding="utf-8")
    notice = (app.parent / "_internal" / "resources" / "LICENSES.md").read_text(encoding="utf-8")
    copied = [p for p in bundle if p.parent.name == "_internal" and p.name.startswith("libssl")]
    assert not copied or "| libssl.so.3 |" in notice  # the system libraries PyInstaller copied are named
    smoke = subprocess.run([str(ROOT / "packaging" / "smoke_test.sh"), str(app)], capture_output=True, text=True,
                           timeout=3600)
    assert smoke.returncode == 0, smoke.stdout[-4000:] + smoke.stderr[-2000:]
    print(f"build + selftest + smoke test: {time.monotonic() - started:.0f} s")
