#!/usr/bin/env bash
# Each Lambda checked with only its own features of the library, as `make build` builds it.
# Functions that enable the same features of `shared` are checked in one cargo invocation:
# within one invocation cargo unifies features across the packages named, which changes
# nothing for a group whose `shared` line is identical, and each invocation re-checks
# `shared` (14 invocations took ~10 of CI's 45 minutes; the groups are 4).
set -euo pipefail
cd "$(dirname "$0")/../.."
CARGO=${CARGO:-cargo}
declare -A groups=()
for dir in functions/*/; do
    name=$(basename "$dir")
    features=$(grep -E '^shared[ .=]' "$dir/Cargo.toml" || true)
    groups["$features"]+=" -p $name"
done
for features in "${!groups[@]}"; do
    echo "clippy${groups[$features]}"
    # shellcheck disable=SC2086 # the package flags are meant to split
    $CARGO clippy --quiet ${groups[$features]} -- -D warnings
done
