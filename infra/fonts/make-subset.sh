#!/usr/bin/env bash
# Rebuilds infra/fonts/NotoSansSC-Regular-GBK.otf, the CJK font embedded (subset again,
# per document) in every PDF the system prints (shared/src/documents/font.rs).
#
# Needs:
#   apt-get install -y fonts-noto-cjk          # Debian 1:20220127+repack1-1 was used
#   pip install fonttools                      # 4.68.0 was used (provides pyftsubset)
#
# Source: /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, face 2 ("Noto Sans CJK SC",
# a CID-keyed CFF OpenType face). Licence: SIL OFL 1.1 (OFL.txt beside this script, copied
# from /usr/share/doc/fonts-noto-cjk/copyright).
#
# Character set kept:
#   - every character encodable in GBK (CP936): GB2312 plus the name characters GB2312 lacks
#     (喆堃玥珺昇祎 …), full-width forms, ¥ · — 《》「」 and the other GBK punctuation;
#   - CJK Unified Ideographs Extension A (U+3400–U+4DBF);
#   - printable ASCII, Latin-1 punctuation and symbols, General Punctuation, CJK Symbols and
#     Punctuation, Halfwidth and Fullwidth Forms, a few form symbols (✓ ①…⑳ ℃ №) where
#     Noto has them.
# Characters outside it (e.g. Extension B 𠀀, emoji) are refused before drawing by
# documents::font::missing_glyphs.
#
# Usage: infra/fonts/make-subset.sh   (from anywhere; writes next to this script)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
src="${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}"
face=2 # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK in the Debian collection
out="$here/NotoSansSC-Regular-GBK.otf"
unicodes="$(mktemp)"
trap 'rm -f "$unicodes"' EXIT

[ -f "$src" ] || { echo "missing $src: apt-get install -y fonts-noto-cjk" >&2; exit 1; }
command -v pyftsubset >/dev/null || { echo "missing pyftsubset: pip install fonttools" >&2; exit 1; }

python3 - "$unicodes" <<'PY'
import sys

cps = set()
# GBK: lead byte 0x81-0xFE, trail byte 0x40-0xFE except 0x7F.
for lead in range(0x81, 0xFF):
    for trail in range(0x40, 0xFF):
        if trail == 0x7F:
            continue
        try:
            s = bytes([lead, trail]).decode("gbk")
        except UnicodeDecodeError:
            continue
        cps.update(ord(c) for c in s)
cps.update(range(0x20, 0x7F))          # ASCII
cps.update(range(0xA0, 0x100))         # Latin-1 punctuation, ¥ · × ÷ …
cps.update(range(0x2000, 0x2070))      # General Punctuation: — ‘’ “” … ‰ ※
cps.update(range(0x2100, 0x2150))      # Letterlike: ℃ № ™
cps.update(range(0x2460, 0x24A0))      # ①…⑳ ⑴ ⒈
cps.update([0x2610, 0x2611, 0x2612, 0x2713, 0x2714, 0x2715, 0x2717])  # ☐☑☒✓✔✕✗
cps.update(range(0x3000, 0x3040))      # CJK Symbols and Punctuation: 、。《》「」【】〔〕
cps.update(range(0x3400, 0x4DC0))      # CJK Extension A
cps.update(range(0xFF01, 0xFFEF))      # Halfwidth and Fullwidth Forms
cps.discard(0xFFFD)
with open(sys.argv[1], "w") as f:
    for cp in sorted(cps):
        f.write(f"U+{cp:04X}\n")
print(f"{len(cps)} code points requested", file=sys.stderr)
PY

# Layout features are dropped: documents are laid out by our own code, glyph by glyph,
# through the cmap; vertical metrics are not used either. Hinting is dropped (print only).
pyftsubset "$src" \
  --font-number="$face" \
  --unicodes-file="$unicodes" \
  --layout-features='' \
  --no-hinting \
  --drop-tables+=vhea,vmtx,VORG,DSIG,BASE,GSUB,GPOS \
  --name-IDs='0,1,2,3,4,5,6,7,8,9,11,12,13,14' \
  --name-languages='*' \
  --notdef-outline \
  --output-file="$out"

python3 - "$out" <<'PY'
import sys
from fontTools.ttLib import TTFont
f = TTFont(sys.argv[1])
print(f"{sys.argv[1]}: {len(f.getGlyphOrder())} glyphs, "
      f"{len(f.getBestCmap())} mapped code points", file=sys.stderr)
PY
ls -l "$out"
