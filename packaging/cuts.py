"""What the packaged app leaves out, each with its reason; the spec applies these, the build report lists them.

Why explicit lists: PyInstaller's torch hook collects every torch submodule, every torch module a second
time as .py source, and every file in the wheel (130 MB of C++ test programs), and the PySide6 hooks collect
every Qt plugin of the modules used (embedded-Linux platforms and their back ends) plus Qt's translations.
Each cut here was kept only after the frozen app's `--selftest` and packaging/smoke_test.sh (GUI screenshot,
training with distillation, pruning, upscale, interpolate, bench) passed without it; the sizes are in
docs/RESULTS.md.

Not cut, although large, because the app needs them at run time (measured by importing on every code path):
torch._dynamo / torch._inductor / torch.onnx / sympy (the optimiser step during training imports them),
torch.testing and torch.testing._internal (`import torch` imports the first, torch.utils.checkpoint the
second), torch.distributed (the training loop imports it), the FFmpeg libraries opencv links against (cv2
cannot load without them), ICU (Qt6Core links it), QtOpenGL (pyqtgraph's curves import it).
"""

from __future__ import annotations

import os
from fnmatch import fnmatch
from importlib.util import find_spec
from pathlib import Path

# Python packages never imported by the app (Analysis `excludes`): development and test tooling, and
# torch sub-packages used only by torch's own tests and profiling tools.
EXCLUDED_MODULES = {
    "pytest": "test runner",
    "_pytest": "test runner",
    "pytestqt": "test runner plugin",
    "pluggy": "test runner plugin system",
    "iniconfig": "test runner config",
    "PyInstaller": "the packager itself",
    "setuptools": "build tool (torch lists it, for compiling extensions)",
    "_distutils_hack": "setuptools' import hook",
    "pip": "installer",
    "tkinter": "other GUI toolkit",
    "IPython": "interactive shell (optional import of pyqtgraph's console)",
    "matplotlib": "plotting library the app does not use (optional import of pyqtgraph and torch)",
    "torch.utils.tensorboard": "TensorBoard writer (training logs metrics.jsonl instead)",
    "torch.utils.benchmark": "torch micro-benchmark tools",
    "torch.utils.bottleneck": "torch profiling CLI",
    "torch.utils.hipify": "CUDA-to-ROCm source translator",
    "numpy.f2py": "Fortran wrapper generator",
    "networkx": "graph library torch._inductor uses when compiling (the app never calls torch.compile)",
    "jinja2": "template engine of torch._inductor's code generator (torch.compile only)",
    "markupsafe": "jinja2's helper",
    "PySide6.QtNetwork": "Qt networking (only qtpy's wrapper imports it; the app has no network)",
    "qtpy.tests": "qtpy's own tests",
    "numpy.distutils": "build tool",
    "readline": "GNU readline (GPL-3.0-or-later): line editing at interactive prompts, which the app has none of "
                "(pdb and cmd work without it)",
}

# Qt platform plugins kept: offscreen (--selftest, --screenshot, CI), minimal, xcb (X11 and XWayland
# desktops), wayland (native Wayland desktops). Dropped: eglfs/linuxfb/vnc/vkkhrdisplay/minimalegl, which
# serve embedded boards and remote framebuffers.
KEPT_QT_PLATFORMS = ("offscreen", "minimal", "xcb", "wayland")

# Files dropped from the bundle, by destination path inside it (fnmatch patterns), with the reason.
DROPPED_FILES = {
    "torch/bin/*": "torch's C++ test programs and protoc (torch_shm_manager is kept, see below)",
    "torch/test/*": "torch's C++ unit-test programs",
    "torch/lib/libjitbackend_test.so": "torch test library",
    "torch/lib/libtorchbind_test.so": "torch test library",
    "torch/lib/libbackend_with_compiler.so": "torch test library",
    "torch/lib/libaoti_custom_ops.so": "torch test library",
    "PySide6/Qt/plugins/egldeviceintegrations/*": "eglfs (embedded) back ends",
    "PySide6/Qt/plugins/generic/*": "evdev/tslib input for embedded platforms",
    "PySide6/Qt/plugins/networkinformation/*": "network status (no QtNetwork)",
    "PySide6/Qt/plugins/tls/*": "TLS back ends (no QtNetwork)",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so": "GTK3 look: the app draws its own Fusion theme, and the plugin "
                                                      "would mix the desktop's GTK with the bundle's GLib/cairo",
    "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so*": "used only by the dropped eglfs platform",
    "PySide6/Qt/lib/libQt6EglFsKmsSupport.so*": "used only by the dropped eglfs platform",
    # Qt's networking library came in for the dropped TLS and network-status plugins (the QtNetwork module is
    # excluded above), and with it the Kerberos libraries that it alone links: 3.5 MB nothing loads
    "PySide6/Qt/lib/libQt6Network.so*": "Qt networking: used only by the dropped TLS and network-status plugins",
    **{f"{library}.so*": "Kerberos, linked only by the dropped libQt6Network"
       for library in ("libgssapi_krb5", "libkrb5", "libk5crypto", "libkrb5support", "libcom_err", "libkeyutils")},
    "PySide6/Qt/translations/*": "Qt's own UI translations: the app installs no translator (English only)",
    # what only the dropped GTK3 theme plugin linked
    "libatk-1.0.so*": "used only by the dropped GTK3 theme plugin",
    "libcairo-gobject.so*": "used only by the dropped GTK3 theme plugin",
    "libgdk_pixbuf-2.0.so*": "used only by the dropped GTK3 theme plugin",
    "libpangocairo-1.0.so*": "used only by the dropped GTK3 theme plugin",
    # part of the C library, as libc and libm are (PyInstaller leaves those out): every x86-64 glibc since 2.22 has
    # it, and the build machine's copy calls that glibc's private symbols (_rtld_global_ro), which another glibc
    # need not have (libx265 links it)
    "libmvec.so*": "glibc's vector maths library: the desktop's own glibc has it",
}
KEPT_FILES = ("torch/bin/torch_shm_manager",)  # shares tensors between DataLoader worker processes

# Libraries shipped without their symbol tables (`strip`: debug info and .symtab; the dynamic symbols the
# loader uses stay). Only these: the wheels' auditwheel-repaired libraries (numpy.libs, av.libs, opencv)
# are already stripped and break when stripped again ("ELF load command address/offset not page-aligned").
STRIPPED = {
    "torch/lib/libtorch_cpu.so": "-89 MB",
    "torch/lib/libtorch_python.so": "-9 MB",
    "torch/lib/libc10.so": "-0.3 MB",
    "libpython3.11.so.1.0": "-17 MB (the build machine's interpreter carries debug info)",
}


def _platform_plugin(dest: str) -> str | None:
    """'PySide6/Qt/plugins/platforms/libqxcb.so' -> 'xcb'."""
    head, _, name = dest.rpartition("/")
    if not head.endswith("plugins/platforms"):
        return None
    return name.split(".")[0].removeprefix("lib").removeprefix("q")


def drop_reason(dest: str) -> str | None:
    """Why the file at `dest` (path inside the bundle) is left out, or None to keep it."""
    dest = dest.replace("\\", "/")
    if dest in KEPT_FILES:
        return None
    platform = _platform_plugin(dest)
    if platform is not None:
        return None if platform in KEPT_QT_PLATFORMS else f"Qt platform '{platform}' (embedded/remote displays)"
    for pattern, reason in DROPPED_FILES.items():
        if fnmatch(dest, pattern):
            return reason
    return None


def without_dangling_links(*tocs: list[tuple[str, str, str]]) -> list[list[tuple[str, str, str]]]:
    """The TOC lists without the SYMLINK entries whose target (relative to the link's folder) is in none of them:
    PyInstaller links some libraries at the bundle root too (among the datas), and a link to a dropped library was
    left pointing at nothing (`cp -rL` of the bundle failed on it)."""
    names = {dest for toc in tocs for dest, _, kind in toc if kind != "SYMLINK"}
    return [[(dest, src, kind) for dest, src, kind in toc
             if kind != "SYMLINK" or os.path.normpath(os.path.join(os.path.dirname(dest), src)) in names]
            for toc in tocs]


def torch_modules_reading_their_source() -> list[str]:
    """torch modules that parse their own source when imported: the config modules that
    torch.utils._config_module.install_config_module builds (torch._dynamo.config, torch.distributed.config...).

    PyInstaller's torch hook ships every torch module twice, compiled and as .py source (-49 MB if not); only
    these need the source, found by scanning the installed torch so a new torch version's config modules are
    covered too.
    """
    root = Path(find_spec("torch").origin).parent
    return sorted(".".join(path.relative_to(root.parent).with_suffix("").parts) for path in root.rglob("*.py")
                  if "install_config_module(" in path.read_text(encoding="utf-8", errors="ignore"))
