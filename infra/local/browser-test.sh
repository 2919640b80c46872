#!/usr/bin/env bash
# make test-browser: a fresh dev stack (in-memory emulators on free ports) serving the built
# front end, the browser journey against it (node --test, playwright-core driving Debian's
# chromium), then everything stopped. Screenshots: target/browser/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
CARGO="${CARGO:-cargo}"
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM_PATH" ] || { echo "chromium not found at $CHROMIUM_PATH: apt-get install -y chromium" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

work="$(mktemp -d)"
# The target dir may be shared: run a private copy of the binary just built.
"$CARGO" build --quiet -p devstack
target_dir="$("$CARGO" metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
cp "$target_dir/debug/devstack" "$work/devstack"

export DEV_PORT="$(free_port)" DYNAMODB_PORT="$(free_port)" MOTO_PORT="$(free_port)"
export DEV_ADMIN_PASSWORD="Admin$(date +%s)x"
export WEB_DIST="$root/web/dist"
shots="$root/target/browser"
rm -rf "$shots" && mkdir -p "$shots"

"$work/devstack" dev >"$shots/devstack.log" 2>&1 &
stack=$!
cleanup() {
  kill -TERM "$stack" 2>/dev/null || true
  wait "$stack" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

base="http://127.0.0.1:$DEV_PORT"
for _ in $(seq 1 120); do
  curl -sf "$base/api/openapi.json" >/dev/null && break
  kill -0 "$stack" 2>/dev/null || { cat "$shots/devstack.log" >&2; exit 1; }
  sleep 0.5
done
curl -sf "$base/" | grep '<div id="app">' >/dev/null || { echo "the dev stack does not serve web/dist" >&2; exit 1; }

cd web
BASE_URL="$base" SCREENSHOT_DIR="$shots" CHROMIUM_PATH="$CHROMIUM_PATH" \
  node --test --test-concurrency=1 --test-timeout=600000 e2e/
