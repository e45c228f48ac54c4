#!/usr/bin/env bash
# The workspace against the dependency versions its manifests allow at
# both ends, in scratch copies (the repository's lock file is left alone):
#   newest   every dependency at its newest compatible release (`cargo
#            update`): clippy with warnings as errors and the whole suite,
#            so that a deprecation or a break in a new release is seen the
#            day it is published;
#   minimal  every direct dependency at the lowest version its requirement
#            allows (nightly's `-Z direct-minimal-versions`), built with
#            every target and feature, so that each lower bound is true.
# Needs: cargo, the nightly toolchain (for the minimal resolution only).
#
#   scripts/fresh-deps.sh [newest|minimal|both]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-both}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
copy() {
  rm -rf "$scratch/ws"
  mkdir -p "$scratch/ws"
  git ls-files -z | xargs -0 cp --parents -t "$scratch/ws"
}
target="${CARGO_TARGET_DIR:-$PWD/target}/fresh-deps"
if [ "$which" = newest ] || [ "$which" = both ]; then
  echo "-- newest compatible versions"
  copy
  (
    cd "$scratch/ws"
    cargo update -q
    cargo tree -q -e normal --workspace --all-features --prefix none --depth 1 | sort -u | head -n 40
    cargo clippy -q --workspace --all-targets --all-features --target-dir "$target/newest" -- -D warnings
    cargo test -q --workspace --all-features --target-dir "$target/newest"
  )
fi
if [ "$which" = minimal ] || [ "$which" = both ]; then
  echo "-- the lowest versions the manifests allow"
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  copy
  (
    cd "$scratch/ws"
    cargo +nightly generate-lockfile -q -Z direct-minimal-versions
    cargo check -q --workspace --all-targets --all-features --target-dir "$target/minimal"
  )
fi
