#!/usr/bin/env bash
# Regenerates shared/src/platform/common_passwords.txt: the passwords of 8 characters or more
# from the "passwords" frequency list of zxcvbn (PyPI, MIT licence; the list is drawn from
# leaked-password corpora), lower-cased, one a line, most common first. The password rule
# refuses any of them, and any of them with digits or symbols appended.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'zxcvbn==4.5.0'
"$venv/bin/python" - "$root/shared/src/platform/common_passwords.txt" <<'PY'
import sys
from zxcvbn.frequency_lists import FREQUENCY_LISTS
seen, lines = set(), []
for word in FREQUENCY_LISTS["passwords"]:
    word = word.strip().lower()
    if len(word) >= 8 and word.isascii() and word.isprintable() and word not in seen:
        seen.add(word)
        lines.append(word)
with open(sys.argv[1], "w") as out:
    out.write("\n".join(lines) + "\n")
print(f"{len(lines)} passwords written")
PY
