#!/usr/bin/env bash
# Rebuilds the fonts every PDF the system prints draws with (shared/src/documents/font.rs
# embeds them; printpdf subsets them again per document, so a PDF carries only the glyphs it
# uses), and coverage.txt, the code points they can print together (the import refuses a name
# with a character outside it, so a name that is accepted always prints).
#
# The chain, tried in this order for each character:
#   1. NotoSansSC-Regular-subset.otf — "Noto Sans CJK SC" Regular (face 2 of
#      NotoSansCJK-Regular.ttc, Debian fonts-noto-cjk 1:20220127+repack1-1; SIL OFL 1.1,
#      OFL.txt): GBK, the punctuation and symbols below, and every CJK ideograph Noto SC has
#      (all of Extension A, some 2,300 of Extensions B–F, 𠮷 among them).
#   2. HanaMinA-names.ttf — HanaMinA (Debian fonts-hanazono 20170904-2.1; Hanazono Font
#      License, HANAZONO-LICENSE.txt): the ideographs 1 lacks that HanaMinA has.
#   3. HanaMinB-names.ttf — HanaMinB (same package and licence): Extensions B–F and the
#      compatibility supplement, less what 1 and 2 have.
# A Mincho (serif) glyph among Sans is the price of a rare character printing at all.
#
# Needs:
#   apt-get install -y fonts-noto-cjk fonts-hanazono
#   pip install fonttools==4.61.1               # provides pyftsubset
#
# Usage: infra/fonts/make-subset.sh   (from anywhere; writes next to this script; the output is
# byte-for-byte reproducible)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
noto="${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}"
hana_a="${HANAMIN_A:-/usr/share/fonts/truetype/hanazono/HanaMinA.ttf}"
hana_b="${HANAMIN_B:-/usr/share/fonts/truetype/hanazono/HanaMinB.ttf}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for f in "$noto" "$hana_a" "$hana_b"; do
  [ -f "$f" ] || { echo "missing $f: apt-get install -y fonts-noto-cjk fonts-hanazono" >&2; exit 1; }
done
command -v pyftsubset >/dev/null || { echo "missing pyftsubset: pip install fonttools" >&2; exit 1; }

# Which code points each font of the chain takes: a list per font, one U+XXXX a line.
python3 - "$noto" "$hana_a" "$hana_b" "$work" <<'PY'
import sys
from fontTools.ttLib import TTCollection, TTFont

noto_path, a_path, b_path, work = sys.argv[1:]
IDEOGRAPHS = [
    (0x3400, 0x4DBF),    # Extension A
    (0x4E00, 0x9FFF),    # Unified Ideographs
    (0xF900, 0xFAFF),    # Compatibility Ideographs
    (0x20000, 0x2EE5F),  # Extensions B, C, D, E, F, I
    (0x2F800, 0x2FA1F),  # Compatibility Ideographs Supplement
    (0x30000, 0x323AF),  # Extensions G, H
]

def ideograph(cp):
    return any(a <= cp <= b for a, b in IDEOGRAPHS)

noto = set(TTCollection(noto_path).fonts[2].getBestCmap())
hana_a = set(TTFont(a_path).getBestCmap())
hana_b = set(TTFont(b_path).getBestCmap())

primary = set()
# GBK: lead byte 0x81-0xFE, trail byte 0x40-0xFE except 0x7F.
for lead in range(0x81, 0xFF):
    for trail in range(0x40, 0xFF):
        if trail == 0x7F:
            continue
        try:
            s = bytes([lead, trail]).decode("gbk")
        except UnicodeDecodeError:
            continue
        primary.update(ord(c) for c in s)
primary.update(range(0x20, 0x7F))          # ASCII
primary.update(range(0xA0, 0x100))         # Latin-1 punctuation, ¥ · × ÷ …
primary.update(range(0x2000, 0x2070))      # General Punctuation: — ‘’ “” … ‰ ※
primary.update(range(0x2100, 0x2150))      # Letterlike: ℃ № ™
primary.update(range(0x2460, 0x24A0))      # ①…⑳ ⑴ ⒈
primary.update([0x2610, 0x2611, 0x2612, 0x2713, 0x2714, 0x2715, 0x2717])  # ☐☑☒✓✔✕✗
primary.update(range(0x3000, 0x3040))      # CJK Symbols and Punctuation: 、。《》「」【】〔〕
primary.update(range(0xFF01, 0xFFEF))      # Halfwidth and Fullwidth Forms
primary.update(cp for cp in noto if ideograph(cp))
primary.discard(0xFFFD)
primary &= noto

second = {cp for cp in hana_a if ideograph(cp)} - primary
third = {cp for cp in hana_b if ideograph(cp)} - primary - second

for name, cps in [("primary", primary), ("hana_a", second), ("hana_b", third)]:
    with open(f"{work}/{name}.txt", "w") as f:
        for cp in sorted(cps):
            f.write(f"U+{cp:04X}\n")
    print(f"{name}: {len(cps)} code points", file=sys.stderr)
PY

# Layout features are dropped: documents are laid out by our own code, glyph by glyph,
# through the cmap; vertical metrics are not used either. Hinting is dropped (print only).
subset() {
  pyftsubset "$1" "${@:4}" \
    --unicodes-file="$2" \
    --layout-features='' \
    --no-hinting \
    --drop-tables+=vhea,vmtx,VORG,DSIG,BASE,GSUB,GPOS,morx \
    --name-IDs='0,1,2,3,4,5,6,7,8,9,11,12,13,14' \
    --name-languages='*' \
    --notdef-outline \
    --output-file="$3"
}
subset "$noto" "$work/primary.txt" "$here/NotoSansSC-Regular-subset.otf" --font-number=2
subset "$hana_a" "$work/hana_a.txt" "$here/HanaMinA-names.ttf"
subset "$hana_b" "$work/hana_b.txt" "$here/HanaMinB-names.ttf"

# What the chain prints, as ranges: the import and the certificate read it (font.rs).
python3 - "$here" <<'PY'
import sys
from fontTools.ttLib import TTFont

here = sys.argv[1]
cps = set()
for name in ["NotoSansSC-Regular-subset.otf", "HanaMinA-names.ttf", "HanaMinB-names.ttf"]:
    font = TTFont(f"{here}/{name}")
    mapped = font.getBestCmap()
    print(f"{name}: {len(font.getGlyphOrder())} glyphs, {len(mapped)} mapped code points", file=sys.stderr)
    cps.update(mapped)
ranges = []
for cp in sorted(cps):
    if ranges and ranges[-1][1] == cp - 1:
        ranges[-1][1] = cp
    else:
        ranges.append([cp, cp])
with open(f"{here}/coverage.txt", "w") as f:
    f.write("# Code points the embedded fonts print, generated by make-subset.sh: do not edit.\n")
    for a, b in ranges:
        f.write(f"{a:04X}-{b:04X}\n" if a != b else f"{a:04X}\n")
print(f"coverage.txt: {len(cps)} code points in {len(ranges)} ranges", file=sys.stderr)
PY
ls -l "$here"/*.otf "$here"/*.ttf
