#!/usr/bin/env bash
# Cross-builds the workspace for aarch64 Linux (Kunpeng) and runs the whole
# suite under qemu-user, the binaries the CLI tests spawn included (qemu is
# registered with binfmt_misc when it is not). Needs: rustup, apt (Debian's
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user, qemu-user-binfmt,
# binfmt-support), root for the binfmt_misc registration.
#
#   scripts/aarch64-tests.sh [cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add aarch64-unknown-linux-gnu >/dev/null
missing=()
command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user qemu-user-binfmt binfmt-support)
command -v update-binfmts >/dev/null || missing+=(binfmt-support)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Spawned aarch64 binaries run through binfmt_misc.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  update-binfmts --enable qemu-aarch64
fi
sysroot=/usr/aarch64-linux-gnu
export QEMU_LD_PREFIX="$sysroot"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
cargo test --workspace --all-features --target aarch64-unknown-linux-gnu \
  --target-dir "${CARGO_TARGET_DIR:-target}/aarch64" "$@"
