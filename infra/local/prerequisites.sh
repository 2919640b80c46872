#!/usr/bin/env bash
# The machine's own tools, checked before anything is built (make dev, make test and make
# test-browser call this first). What is missing is installed from Debian's packages, one
# package per missing tool, when we are root; otherwise one line says what to run. Quick (a few
# `command -v`) when everything is there.
#   java (DynamoDB Local), node + npm (the front end, DynamoDB Local's package), pdftotext (the
#   PDF tests), chromium + Noto CJK (the browser journey), python3-venv (moto, schemathesis,
#   sam, cfn-lint), cargo (the rest).
set -euo pipefail

# The machine's Node.js may come from its own repository with npm inside; asking apt for Debian's
# npm beside it cannot be resolved ("held broken packages"), so node and npm are only installed
# when node itself is missing.
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v node >/dev/null || missing+=(nodejs npm)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v chromium >/dev/null || missing+=(chromium)
# grep reads the whole list (no -q): under pipefail an early exit would SIGPIPE fc-list and
# count as a missing font.
fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || missing+=(fonts-noto-cjk fontconfig)
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)

if ((${#missing[@]})); then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing tools; run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
command -v cargo >/dev/null || {
  echo "missing cargo; install Rust (stable ≥ 1.94) with rustup: https://rustup.rs" >&2
  exit 1
}
