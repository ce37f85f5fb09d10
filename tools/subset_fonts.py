"""Makes the dashboard's web fonts: WOFF2 subsets of Noto Sans with Latin and Vietnamese only.

The kiosk draws with the full TTF files in hailong/fonts/ (pygame needs TrueType); a browser
needs only the letters the pages use, compressed. Run after changing those TTF files or the
ranges below, and commit what it writes:

    .venv/bin/python -m tools.subset_fonts [--out hub/web/static/fonts]

Needs fontTools and brotli (the `dev` extra). The output is deterministic for one fontTools
version, so re-running it without a change leaves the committed files as they are.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from hailong.resources import font_path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "hub" / "web" / "static" / "fonts"
# What Vietnamese and English pages can show: Basic Latin and Latin-1 (ASCII, «», ·, °, ×),
# Latin Extended-A (Đ đ Ĩ ĩ Ũ ũ), Ơ ơ Ư ư, the combining tones (a decomposed "ế" typed or
# pasted into a form), Latin Extended Additional (ạ ả ấ … ỹ: the precomposed Vietnamese
# letters), general punctuation (– — ‘ ’ “ ” … •), ₫, and the signs the pages print
# (← → ↑ ↓, − ≈ ≠ ≤ ≥). Google Fonts' "latin" and "vietnamese" subsets cover the same.
UNICODES = (
    *range(0x0020, 0x007F), *range(0x00A0, 0x0100), *range(0x0100, 0x0180),
    0x01A0, 0x01A1, 0x01AF, 0x01B0, 0x0131, 0x0152, 0x0153, 0x02C6, 0x02DA, 0x02DC,
    0x0300, 0x0301, 0x0303, 0x0309, 0x0323,
    *range(0x1EA0, 0x1F00), *range(0x2000, 0x2070), 0x20AB, 0x20AC,
    0x2122, 0x2190, 0x2191, 0x2192, 0x2193, 0x2212, 0x2248, 0x2260, 0x2264, 0x2265, 0xFEFF,
)
# OpenType features the pages use: kerning and ligatures, and the mark positioning that
# stacks a Vietnamese tone on a vowel's hat (mark, mkmk) when a letter comes decomposed.
FEATURES = ("kern", "liga", "clig", "calt", "ccmp", "locl", "mark", "mkmk", "tnum")
FONTS = {"NotoSans-Regular": font_path(), "NotoSans-Bold": font_path(bold=True)}


def subset(source: Path, target: Path) -> int:
    """Writes ``target`` (WOFF2) with only :data:`UNICODES`; returns its size in bytes."""
    from fontTools import subset as ft_subset

    options = ft_subset.Options()
    options.flavor = "woff2"
    options.layout_features = list(FEATURES)
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, version and the OFL notice
    options.notdef_outline = True
    options.hinting = False  # hinting helps only old Windows rasterisers, at a third of the size
    options.desubroutinize = True  # compresses better under WOFF2's Brotli
    font = ft_subset.load_font(str(source), options)
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    ft_subset.save_font(font, str(target), options)
    return target.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the .woff2 files")
    args = parser.parse_args(argv)
    for name, source in FONTS.items():
        size = subset(source, args.out / f"{name}.woff2")
        print(f"{args.out / name}.woff2: {size:,} bytes (from {source.stat().st_size:,})")
    # The SIL Open Font License travels with every copy of the fonts.
    shutil.copyfile(font_path().with_name("OFL.txt"), args.out / "OFL.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
