#!/usr/bin/env bash
# Static `hwcloud-ecs` binaries for a bastion host: x86_64 and aarch64
# (Kunpeng) Linux on musl, no shared library needed. Each is built with the
# release profile, then runs `demo` (the aarch64 one under qemu-user); the
# binaries land in target/static/. Needs: rustup, apt (musl-tools,
# gcc-aarch64-linux-gnu, qemu-user).
#
#   scripts/static-cli.sh [x86_64|aarch64|both]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-both}"
missing=()
command -v musl-gcc >/dev/null || missing+=(musl-tools)
command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
mkdir -p "$target_dir/static"
build() {
  local target=$1
  rustup target add "$target" >/dev/null
  cargo build -q --release -p hwcloud-ecs-cli --target "$target" --target-dir "$target_dir"
  cp "$target_dir/$target/release/hwcloud-ecs" "$target_dir/static/hwcloud-ecs-$target"
  echo "$target: $(stat -c %s "$target_dir/static/hwcloud-ecs-$target") bytes"
  file "$target_dir/static/hwcloud-ecs-$target" 2>/dev/null | sed 's/^[^:]*: /  /' || true
}
if [ "$which" = x86_64 ] || [ "$which" = both ]; then
  export CC_x86_64_unknown_linux_musl=musl-gcc
  build x86_64-unknown-linux-musl
  "$target_dir/static/hwcloud-ecs-x86_64-unknown-linux-musl" demo
fi
if [ "$which" = aarch64 ] || [ "$which" = both ]; then
  # ring's C is compiled with Debian's aarch64 compiler; the binary is
  # linked with Rust's own musl start files and libc (self-contained).
  export CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C link-self-contained=yes"
  build aarch64-unknown-linux-musl
  qemu-aarch64 "$target_dir/static/hwcloud-ecs-aarch64-unknown-linux-musl" demo
fi
