#!/usr/bin/env python3
"""Makes the Hangul font the web page ships (a browser page has no system fonts).

A subset of NanumGothic (SIL Open Font License 1.1; Debian's fonts-nanum) holding the
2 350 Hangul syllables of KS X 1001 (the everyday set), the compatibility jamo, every
non-ASCII character the app's own source uses, and basic Latin. Under the OFL a subset is a
Modified Version and may not keep the Reserved Font Name, so the copy is renamed
"DdpmLab Hangul".

    pip install fonttools
    python3 scripts/subset_hangul_font.py   # writes assets/fonts/DdpmLabHangul.ttf
"""

import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = pathlib.Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
OUT = ROOT / "assets" / "fonts" / "DdpmLabHangul.ttf"
NAME = "DdpmLab Hangul"


def ks_x_1001_syllables():
    """The 2 350 syllables of KS X 1001, decoded from their EUC-KR rows 0xB0..0xC8."""
    out = []
    for lead in range(0xB0, 0xC9):
        for trail in range(0xA1, 0xFF):
            try:
                out.append(bytes([lead, trail]).decode("euc-kr"))
            except UnicodeDecodeError:
                pass
    return out


def main():
    if not SOURCE.is_file():
        sys.exit(f"{SOURCE} not found: apt-get install fonts-nanum")
    chars = set(ks_x_1001_syllables())
    chars.update(chr(c) for c in range(0x3131, 0x318F))  # compatibility jamo
    chars.update(chr(c) for c in range(0x20, 0x7F))
    for path in (ROOT / "src").rglob("*.rs"):
        chars.update(ch for ch in path.read_text(encoding="utf-8") if ord(ch) > 0x7F)
    font = TTFont(SOURCE)
    cmap = font.getBestCmap()
    wanted = sorted(ord(c) for c in chars if ord(c) in cmap)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = NAME
        elif record.nameID == 3:
            record.string = f"{NAME}; subset of NanumGothic"
        elif record.nameID == 6:
            record.string = NAME.replace(" ", "")
    font.save(OUT)
    print(f"{OUT.relative_to(ROOT)}: {len(wanted)} characters, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
