#!/usr/bin/env bash
# Installs the build and lint tools into .local/tools (ignored by git); idempotent.
#   aws-sam-cli 1.170.0, cfn-lint 1.58.0, cargo-lambda 1.9.2 (brings zig for arm64 builds).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/.local/tools"
if [ ! -x "$tools/bin/sam" ] || [ ! -x "$tools/bin/cfn-lint" ] || [ ! -x "$tools/bin/cargo-lambda" ]; then
  echo "installing sam, cfn-lint and cargo-lambda into .local/tools…"
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check 'aws-sam-cli==1.170.0' 'cfn-lint==1.58.0' 'cargo-lambda==1.9.2'
fi
