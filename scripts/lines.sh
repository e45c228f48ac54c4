#!/usr/bin/env bash
# The library's non-test source lines that a build compiles: every file
# under src/ that rustc reads for `cargo build -p hwcloud-ecs` with the
# features given (default: none), counted up to its `#[cfg(test)]` unit
# tests. Usage: scripts/lines.sh [--features LIST | --all-features]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}/lines"
rm -f "$target/debug/deps"/hwcloud_ecs-*.d
touch src/lib.rs
cargo build -q -p hwcloud-ecs --lib --target-dir "$target" "$@"
deps=$(ls "$target"/debug/deps/hwcloud_ecs-*.d | head -n 1)
python3 - "$deps" <<'PY'
import sys
deps = sys.argv[1]
first = open(deps).readline()
files = sorted({f for f in first.split(":", 1)[1].split() if f.startswith("src/") and f.endswith(".rs")})
total = 0
for path in files:
    count = 0
    for line in open(path):
        if line.strip() == "#[cfg(test)]":
            break
        count += 1
    total += count
print(f"{total} non-test lines of src/ in {len(files)} files")
PY
