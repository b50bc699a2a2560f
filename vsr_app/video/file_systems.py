"""Which file system a folder is on, as Linux names it, on Linux, Windows and macOS alike.

Why it matters: a FAT32 disk (a USB stick's usual format) holds no file over 4 GB, which a long export passes hours
in (`disk_space.GrowthWatch` warns early), and on a network disk (SMB, NFS) a lock on a file may bind its writer's own
writes (`output_paths` takes none there). Each system names its types its own way; the callers ask in Linux's names.
"""

from __future__ import annotations

import ctypes
import os
import platform
import re
import sys
from pathlib import Path

MOUNTS = Path("/proc/mounts")  # Linux's mount table: each mount point and its file system's type
FAT_TYPES = {"vfat", "msdos"}  # FAT12/16/32, as Linux names them (exFAT has no 4 GB limit)
# Windows' and macOS's names (lower case) where Linux's differ: the callers' rules name Linux's types alone
LINUX_NAMES = {"fat": "vfat", "fat32": "vfat", "msdos": "vfat", "smbfs": "cifs"}
DRIVE_REMOTE = 4  # GetDriveTypeW: a network drive
MAC_NAME_LENGTH, MAC_PATH_LENGTH = 16, 1024  # macOS's MFSTYPENAMELEN and MAXPATHLEN


def file_system_type(folder: Path) -> str | None:
    """The type of the file system `folder` is on as Linux names it ("vfat", "ext4", "cifs"), where the system says
    it cheaply (Linux's mount table, Windows' volume information, macOS's statfs), else None. Windows' and macOS's
    names are put in Linux's ("FAT32" and "msdos" are "vfat", a Windows network drive or macOS's "smbfs" "cifs"), so
    that one rule (a FAT disk's 4 GB, a network disk's locks) holds on every system: off Linux it never applied, and
    there most FAT32 sticks and SMB shares are."""
    place = os.path.realpath(folder)
    if sys.platform == "win32":
        return _windows_type(place)
    if sys.platform == "darwin":
        return _mac_type(place)
    return _mounted_type(place)


def _mounted_type(place: str) -> str | None:
    """The type of the deepest mount in Linux's mount table holding `place`."""
    try:
        lines = MOUNTS.read_text(errors="replace").splitlines()
    except OSError:
        return None
    found, longest = None, -1
    for fields in (line.split() for line in lines):
        if len(fields) < 3:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[1])  # a space is written \040
        inside = place == point or place.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= longest:  # the deepest mount point holding it; of two at one place, the later
            found, longest = fields[2], len(point)
    return found


def _linux_name(name: str) -> str | None:
    return LINUX_NAMES.get(name.lower(), name.lower()) or None


def _windows_type(place: str) -> str | None:
    """The file system of the volume holding `place`: "FAT32", "exFAT", "NTFS" (GetVolumeInformationW), "cifs" for
    any network drive (a mapped letter, or a UNC path, as realpath gives a mapped drive's), whose volume information
    names the server's disk ("NTFS"), "nfs" where that says NFS (Windows' NFS client)."""
    try:
        kernel32 = _kernel32()
        root = ctypes.create_unicode_buffer(len(place) + 2)  # the volume's root: the path at most, and a backslash
        if not kernel32.GetVolumePathNameW(place, root, len(root)):
            return None
        name = ctypes.create_unicode_buffer(261)  # MAX_PATH + 1, as GetVolumeInformationW's page asks
        known = kernel32.GetVolumeInformationW(root.value, None, 0, None, None, None, name, len(name))
        kind = name.value if known else ""
        if kernel32.GetDriveTypeW(root.value) == DRIVE_REMOTE or _is_unc(root.value):
            return "nfs" if kind.upper() == "NFS" else "cifs"
        return _linux_name(kind)
    except Exception:  # any failure of the system's calls: nothing said, as before on Windows
        return None


def _is_unc(path: str) -> bool:
    r"""Whether `path` is a share's (\\server\share\, \\?\UNC\server\share\), not a device's (\\?\C:\)."""
    return path.upper().startswith("\\\\?\\UNC\\") or (path.startswith("\\\\") and path[2:3] not in ("?", "."))


def _kernel32():
    return ctypes.WinDLL("kernel32", use_last_error=True)


class MacStatfs(ctypes.Structure):
    """macOS's struct statfs with 64-bit inodes (sys/mount.h), the only one arm64 has."""
    _fields_ = [("f_bsize", ctypes.c_uint32), ("f_iosize", ctypes.c_int32), ("f_blocks", ctypes.c_uint64),
                ("f_bfree", ctypes.c_uint64), ("f_bavail", ctypes.c_uint64), ("f_files", ctypes.c_uint64),
                ("f_ffree", ctypes.c_uint64), ("f_fsid", ctypes.c_int32 * 2), ("f_owner", ctypes.c_uint32),
                ("f_type", ctypes.c_uint32), ("f_flags", ctypes.c_uint32), ("f_fssubtype", ctypes.c_uint32),
                ("f_fstypename", ctypes.c_char * MAC_NAME_LENGTH), ("f_mntonname", ctypes.c_char * MAC_PATH_LENGTH),
                ("f_mntfromname", ctypes.c_char * MAC_PATH_LENGTH), ("f_flags_ext", ctypes.c_uint32),
                ("f_reserved", ctypes.c_uint32 * 7)]


def _mac_type(place: str) -> str | None:
    """The file system holding `place` as statfs names it ("apfs", "msdos", "exfat", "smbfs", "nfs"). Its plain
    `statfs` symbol is the 64-bit-inode one on arm64 (which has no other), but on x86_64 the old layout's, kept for
    programs built before macOS 10.5: there the 64-bit one is `statfs$INODE64`, which C programs get by its header."""
    try:
        statfs = _libc()["statfs$INODE64" if platform.machine() == "x86_64" else "statfs"]
        statfs.argtypes = (ctypes.c_char_p, ctypes.POINTER(MacStatfs))
        info = MacStatfs()
        if statfs(os.fsencode(place), info) != 0:
            return None
        return _linux_name(info.f_fstypename.decode(errors="replace"))
    except Exception:  # any failure of the system's call (no such symbol): nothing said, as before on macOS
        return None


def _libc():
    return ctypes.CDLL(None, use_errno=True)
