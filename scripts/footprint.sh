#!/usr/bin/env bash
# The binary a script gets: the brief (`Client::from_env()?.clear_password(id)`,
# default features: footprint/with_crate) against the same job by hand on
# ureq + ring + serde_json + httpdate (footprint/hand_written), release, fat
# LTO, one codegen unit, stripped. Prints both sizes, the difference and
# where it goes by crate (from the unstripped binaries' symbols), and fails
# when the brief is more than 150 KiB over the floor, pulls a crate the
# floor does not, or links any of the rate governor.
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
status=0
if [ $((with - hand)) -gt $((150 * 1024)) ]; then
  echo "error: the brief is more than 150 KiB over the floor" >&2
  status=1
fi
crates() {
  cargo tree -q --manifest-path "$1/Cargo.toml" -e normal --prefix none \
    | awk '{print $1}' | grep -v -e '^footprint-' -e '^hwcloud-' | sort -u
}
extra=$(comm -23 <(crates with_crate) <(crates hand_written))
echo "crates the brief pulls beyond the floor's (besides its own two): ${extra:-none}"
if [ -n "$extra" ]; then
  status=1
fi
governor=$(nm -C "$target/unstripped/release/footprint-with-crate" | grep -ci governor || true)
echo "rate-governor symbols in the brief: $governor"
if [ "$governor" -ne 0 ]; then
  status=1
fi
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
exit "$status"
