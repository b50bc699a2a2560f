"""The file system a folder is on, on Windows and macOS too, named as Linux names it: off Linux the FAT32 4 GB warning
and the network-disk rules never applied, and there most FAT32 sticks and SMB shares are. The systems' calls are
faked here (their results as the Win32 and Apple documentation gives them), so that these branches run on Linux."""

from __future__ import annotations

import ctypes
import os
import sys

import av  # noqa: F401  (imported before sys.platform is faked: its import looks at the platform)
import pytest

from vsr_app.video import disk_space, file_systems
from vsr_app.video.disk_space import FEWEST_FRAMES, GrowthWatch
from vsr_app.video.file_systems import MacStatfs, file_system_type
from vsr_app.video.output_paths import remove_left_partials

FIXED, REMOTE = 3, 4  # GetDriveTypeW's DRIVE_FIXED and DRIVE_REMOTE


class FakeKernel32:
    """GetVolumePathNameW, GetVolumeInformationW and GetDriveTypeW of a volume at `root` formatted `name` (None: the
    volume information cannot be read, as of a share whose server is gone)."""

    def __init__(self, root: str | None, name: str | None, drive_type: int = FIXED):
        self.root, self.name, self.drive_type = root, name, drive_type
        self.asked: list[str] = []

    def GetVolumePathNameW(self, path, root, size):  # noqa: N802 (the Win32 names)
        self.asked.append(path)
        if self.root is None or size <= len(self.root):
            return 0
        root.value = self.root
        return 1

    def GetVolumeInformationW(self, root, label, label_size, serial, longest, flags, name, name_size):  # noqa: N802
        assert root == self.root and name_size >= 261  # MAX_PATH + 1, as the documentation asks
        if self.name is None:
            return 0
        name.value = self.name
        return 1

    def GetDriveTypeW(self, root):  # noqa: N802
        return self.drive_type


@pytest.fixture
def on_windows(monkeypatch):
    """sys.platform says Windows; `kernel32(...)` sets the volume its calls describe."""
    monkeypatch.setattr(sys, "platform", "win32")

    def kernel32(root, name, drive_type=FIXED):
        fake = FakeKernel32(root, name, drive_type)
        monkeypatch.setattr(file_systems, "_kernel32", lambda: fake)
        return fake

    return kernel32


@pytest.mark.parametrize("name, drive_type, linux_name", [
    ("FAT32", 2, "vfat"), ("FAT", 2, "vfat"), ("exFAT", 2, "exfat"), ("NTFS", FIXED, "ntfs"), ("ReFS", FIXED, "refs"),
    ("NTFS", REMOTE, "cifs"), ("NFS", REMOTE, "nfs"), (None, REMOTE, "cifs")])
def test_a_windows_volume_is_named_as_linux_names_it(tmp_path, on_windows, name, drive_type, linux_name):
    fake = on_windows("E:\\", name, drive_type)
    assert file_system_type(tmp_path) == linux_name
    assert fake.asked == [os.path.realpath(tmp_path)]


@pytest.mark.parametrize("root", ["\\\\server\\share\\", "\\\\?\\UNC\\server\\share\\"])
def test_a_share_by_its_unc_path_is_a_network_disk(tmp_path, on_windows, root):
    """realpath gives a mapped drive's folder by its share's path, which GetDriveTypeW may not call remote."""
    on_windows(root, "NTFS", drive_type=1)  # DRIVE_NO_ROOT_DIR
    assert file_system_type(tmp_path) == "cifs"


def test_a_device_path_is_no_share(tmp_path, on_windows):
    on_windows("\\\\?\\Volume{0b1c}\\", "NTFS")
    assert file_system_type(tmp_path) == "ntfs"


def test_windows_says_nothing_where_its_calls_fail(tmp_path, on_windows, monkeypatch):
    on_windows(None, "NTFS")  # GetVolumePathNameW fails
    assert file_system_type(tmp_path) is None
    on_windows("C:\\", None)  # a local volume whose information cannot be read
    assert file_system_type(tmp_path) is None
    monkeypatch.setattr(file_systems, "_kernel32", lambda: ctypes.WinDLL("kernel32"))  # none here: AttributeError
    assert file_system_type(tmp_path) is None


class FakeLibc:
    """macOS's libc with a statfs that fills the struct as for a disk formatted `name` (None: the call fails)."""

    def __init__(self, name: bytes | None):
        self.name = name
        self.symbols: list[str] = []

    def __getitem__(self, symbol):
        self.symbols.append(symbol)

        def statfs(path, info):
            assert isinstance(path, bytes) and isinstance(info, MacStatfs)
            if self.name is None:
                return -1
            info.f_fstypename = self.name
            return 0

        return statfs


@pytest.fixture
def on_mac(monkeypatch):
    """sys.platform says macOS on `machine`; `libc(name)` sets what statfs says."""
    monkeypatch.setattr(sys, "platform", "darwin")

    def libc(name, machine="arm64"):
        fake = FakeLibc(name)
        monkeypatch.setattr(file_systems, "_libc", lambda: fake)
        monkeypatch.setattr(file_systems.platform, "machine", lambda: machine)
        return fake

    return libc


@pytest.mark.parametrize("name, linux_name", [(b"msdos", "vfat"), (b"exfat", "exfat"), (b"smbfs", "cifs"),
                                              (b"nfs", "nfs"), (b"apfs", "apfs"), (b"hfs", "hfs")])
def test_a_mac_disk_is_named_as_linux_names_it(tmp_path, on_mac, name, linux_name):
    on_mac(name)
    assert file_system_type(tmp_path) == linux_name


def test_the_64_bit_inode_statfs_is_asked_for_on_each_mac(tmp_path, on_mac):
    """Its struct (this one) is plain `statfs` on arm64, which has no `statfs$INODE64`; on x86_64 plain `statfs` is
    the old layout's (its name at another offset), and the 64-bit one is `statfs$INODE64`."""
    assert ctypes.sizeof(MacStatfs) == 2168 and MacStatfs.f_fstypename.offset == 72  # sys/mount.h's layout
    for machine, symbol in (("arm64", "statfs"), ("x86_64", "statfs$INODE64")):
        libc = on_mac(b"apfs", machine)
        assert file_system_type(tmp_path) == "apfs" and libc.symbols == [symbol]


def test_macos_says_nothing_where_its_call_fails(tmp_path, on_mac, monkeypatch):
    on_mac(None)
    assert file_system_type(tmp_path) is None

    def no_symbol(symbol):
        raise AttributeError(f"dlsym(RTLD_DEFAULT, {symbol}): symbol not found")

    monkeypatch.setattr(file_systems, "_libc", lambda: type("Lib", (), {"__getitem__": lambda self, s: no_symbol(s)})())
    assert file_system_type(tmp_path) is None


def test_a_windows_fat32_stick_gets_the_4_gb_warning(tmp_path, on_windows, monkeypatch):
    monkeypatch.setattr(disk_space.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 10**13})())
    on_windows("E:\\", "FAT32", drive_type=2)
    made = {"bytes": 0}
    clock = iter(range(0, 1000, 3))
    watch = GrowthWatch(lambda: made["bytes"], total=100 + FEWEST_FRAMES, folder=tmp_path, clock=lambda: next(clock))
    assert watch.look(0) == ""
    made["bytes"] = FEWEST_FRAMES * 50 * 2**20  # 50 MB a frame: about 6 GB in all
    assert "is FAT32, which holds at most 4 GB in one file" in watch.look(FEWEST_FRAMES)


@pytest.mark.parametrize("drive_type, left", [(REMOTE, 1), (FIXED, 0)])
def test_on_a_windows_share_no_other_output_s_file_is_cleared(tmp_path, on_windows, drive_type, left):
    """Another host's live write cannot be told from a killed one on a share: none is cleared there (a local disk's
    are: the same leftover goes)."""
    on_windows("Z:\\", "NTFS", drive_type)
    (tmp_path / ".night.partial-0badc0de.mp4").write_bytes(b"x" * 1024)  # no pid: an old version's, long dead
    remove_left_partials(tmp_path)
    assert len(list(tmp_path.iterdir())) == left
