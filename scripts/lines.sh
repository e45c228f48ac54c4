#!/usr/bin/env bash
# The library's non-test source lines that a build compiles: the files
# under src/ that rustc reads for `cargo build -p hwcloud-ecs` with the
# features given, each up to its `#[cfg(test)]` unit tests, less the items
# (with their doc comments) behind a `#[cfg(...)]` on features that are off.
# Usage: scripts/lines.sh [FEATURE,...]   (default: no feature; "all" for all)
set -euo pipefail
cd "$(dirname "$0")/.."
features="${1:-}"
target="${CARGO_TARGET_DIR:-$PWD/target}/lines"
rm -f "$target/debug/deps"/hwcloud_ecs-*.d
touch src/lib.rs
if [ "$features" = all ]; then
  cargo build -q -p hwcloud-ecs --lib --target-dir "$target" --all-features
else
  cargo build -q -p hwcloud-ecs --lib --target-dir "$target" --features "$features"
fi
deps=$(ls "$target"/debug/deps/hwcloud_ecs-*.d | head -n 1)
python3 - "$deps" "$features" <<'PY'
import re, sys, tomllib
deps, asked = sys.argv[1], sys.argv[2]
table = tomllib.load(open("Cargo.toml", "rb"))["features"]
on = set()
todo = list(table) if asked == "all" else [f for f in asked.split(",") if f]
while todo:
    f = todo.pop()
    if f in table and f not in on:
        on.add(f)
        todo += [g for g in table[f] if not g.startswith("dep:")]

def holds(expr):
    """Evaluates a cfg predicate over features (test is off)."""
    expr = expr.strip()
    m = re.fullmatch(r'feature\s*=\s*"([^"]+)"', expr)
    if m:
        return m.group(1) in on
    if expr in ("test", "doctest"):
        return False
    m = re.fullmatch(r'(all|any|not)\((.*)\)', expr, re.S)
    if not m:
        return True  # target_os and the like: counted
    parts, depth, cur = [], 0, ""
    for c in m.group(2):
        if c == "," and depth == 0:
            parts.append(cur); cur = ""; continue
        depth += c == "("; depth -= c == ")"; cur += c
    if cur.strip():
        parts.append(cur)
    values = [holds(p) for p in parts]
    return {"all": all, "any": any, "not": lambda v: not v[0]}[m.group(1)](values)

def count(path):
    lines = []
    for line in open(path):
        if line.strip() == "#[cfg(test)]":
            break
        lines.append(line)
    kept, i, docs = 0, 0, 0
    while i < len(lines):
        text = lines[i].strip()
        m = re.fullmatch(r'#\[cfg\((.*)\)\]', text)
        if m and not holds(m.group(1)):
            kept -= docs  # the doc comment of a dropped item goes with it
            j = i + 1
            while j < len(lines) and lines[j].strip().startswith(("#[", "///")):
                j += 1
            depth, k = 0, j
            while k < len(lines):
                depth += lines[k].count("{") + lines[k].count("(") + lines[k].count("[")
                depth -= lines[k].count("}") + lines[k].count(")") + lines[k].count("]")
                if depth <= 0 and lines[k].rstrip().endswith((";", "}", ",", "};", "),")):
                    break
                k += 1
            i, docs = k + 1, 0
            continue
        docs = docs + 1 if text.startswith("///") else 0
        kept += 1
        i += 1
    return kept

first = open(deps).readline()
files = sorted({f for f in first.split(":", 1)[1].split() if f.startswith("src/") and f.endswith(".rs")})
total = sum(count(f) for f in files)
print(f"{total} non-test lines of src/ compiled with features [{','.join(sorted(on))}] in {len(files)} files")
PY
