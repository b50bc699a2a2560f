"""Pack the training data for a GPU machine (scripts/device_round.py): only 64 MiB travel with the repository.

Videos go as they are (OpenCV decodes them there); PNG frames and stills as lossless WebP, checked to decode to
the same pixels. The validation clip goes beside them, outside the training folder.

    python scripts/device_pack.py ../shared/data .devdata

List `/.devdata/` in .git/info/exclude (so it travels only when named) and name `.devdata` in the device call's
`carry`. The folder is made afresh each time.
"""
import shutil
import sys
from pathlib import Path

import cv2


def pack(data: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    for f in sorted(p for p in (data / "train").rglob("*") if p.is_file()):
        dest = out / "train" / f.relative_to(data / "train")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if f.suffix.lower() != ".png":
            shutil.copy2(f, dest)
            continue
        img = cv2.imread(str(f), cv2.IMREAD_UNCHANGED)
        ok, buf = cv2.imencode(".webp", img, [cv2.IMWRITE_WEBP_QUALITY, 101])  # above 100: lossless
        if not ok or not (cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) == img).all():
            raise SystemExit(f"{f}: lossless WebP did not give the same pixels back")
        dest.with_suffix(".webp").write_bytes(buf.tobytes())
    (out / "val").mkdir(parents=True, exist_ok=True)
    shutil.copy2(data / "test" / "carphone_pristine.mp4", out / "val")


if __name__ == "__main__":
    pack(Path(sys.argv[1]), Path(sys.argv[2]))
