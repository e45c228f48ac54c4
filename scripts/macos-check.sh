#!/usr/bin/env bash
# Type-checks the whole workspace (every target, every feature, clippy with
# warnings as errors) for macOS, Intel and Apple silicon, on this Linux
# machine. There is no macOS SDK here, so nothing is linked or run: ring's
# build script still compiles its C and assembly for the target, with clang
# and three stub headers standing in for the SDK's (the objects are never
# used). Needs: rustup, apt (clang).
#
#   scripts/macos-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang >/dev/null || apt-get install -y -q clang
stubs=$(mktemp -d)
trap 'rm -rf "$stubs"' EXIT
cat >"$stubs/TargetConditionals.h" <<'H'
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_SIMULATOR 0
H
echo '#define assert(x) ((void)0)' >"$stubs/assert.h"
cat >"$stubs/string.h" <<'H'
#include <stddef.h>
void *memcpy(void *, const void *, size_t);
void *memmove(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
H
for target in x86_64-apple-darwin aarch64-apple-darwin; do
  rustup target add "$target" >/dev/null
  var=${target//-/_}
  env "CC_$var=clang" "CFLAGS_$var=-ffreestanding -I$stubs" \
    cargo clippy --target "$target" --workspace --all-targets --all-features -- -D warnings
  echo "$target: clippy clean"
done
