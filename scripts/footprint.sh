#!/usr/bin/env bash
# The binary a script gets: the same one-password script built with the
# crate (footprint/with_crate) and by hand on ureq + ring + serde_json +
# httpdate (footprint/hand_written), release, fat LTO, one codegen unit,
# stripped; prints both sizes, the difference, and where it goes by crate
# (from the unstripped binaries' symbols).
set -euo pipefail
cd "$(dirname "$0")/../footprint"
target="${CARGO_TARGET_DIR:-$PWD/target}"
for package in with_crate hand_written; do
  cargo build --release -q --manifest-path "$package/Cargo.toml" --target-dir "$target"
  CARGO_PROFILE_RELEASE_STRIP=none cargo build --release -q --manifest-path "$package/Cargo.toml" \
    --target-dir "$target/unstripped"
done
with=$(stat -c %s "$target/release/footprint-with-crate")
hand=$(stat -c %s "$target/release/footprint-hand-written")
echo "stripped: with the crate $with bytes, by hand $hand bytes, difference $(( (with - hand) / 1024 )) KiB"
python3 - "$target/unstripped/release/footprint-with-crate" "$target/unstripped/release/footprint-hand-written" <<'PY'
import collections, re, subprocess, sys
def by_crate(path):
    out = subprocess.run(["nm", "-S", "--size-sort", "-C", path], capture_output=True, text=True).stdout
    sizes = collections.Counter()
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) < 4:
            continue
        size, name = int(parts[1], 16), parts[3]
        name = re.sub(r"^<(.*?) as .*$", r"\1", name).lstrip("<&*")
        crate = re.split(r"::|\[|<| ", name)[0] or "?"
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", crate) or "::" not in name:
            crate = "(C, assembly, unnamed)"
        sizes[crate] += size
    return sizes
with_crate, by_hand = by_crate(sys.argv[1]), by_crate(sys.argv[2])
rows = sorted(set(with_crate) | set(by_hand), key=lambda c: by_hand[c] - with_crate[c])
print(f"{'crate':32} {'with':>9} {'by hand':>9} {'more':>9}  (symbol bytes)")
for crate in rows[:15]:
    print(f"{crate:32} {with_crate[crate]:9} {by_hand[crate]:9} {with_crate[crate] - by_hand[crate]:9}")
PY
