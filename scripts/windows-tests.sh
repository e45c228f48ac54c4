#!/usr/bin/env bash
# Builds the workspace for Windows (x86_64-pc-windows-gnu, with mingw-w64)
# and runs its tests under Wine, on this Linux machine. Debian's Wine 8
# lacks `bcryptprimitives.dll`, whose `ProcessPrng` the Rust standard
# library calls for randomness; a stub over `RtlGenRandom` is built into the
# Wine prefix first. Needs: rustup, apt (gcc-mingw-w64-x86-64, wine64).
#
#   scripts/windows-tests.sh [cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add x86_64-pc-windows-gnu >/dev/null
command -v x86_64-w64-mingw32-gcc >/dev/null || apt-get install -y -q gcc-mingw-w64-x86-64
[ -x /usr/lib/wine/wine64 ] || apt-get install -y -q --no-install-recommends wine64
export WINEDEBUG=-all
wine=/usr/lib/wine/wine64
prefix="${WINEPREFIX:-$HOME/.wine}"
if [ ! -f "$prefix/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  "$wine" cmd /c exit >/dev/null 2>&1 || true   # creates the prefix
  stub=$(mktemp -d)
  cat >"$stub/stub.c" <<'C'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
C
  x86_64-w64-mingw32-gcc -shared -O2 -o "$stub/bcryptprimitives.dll" "$stub/stub.c" -ladvapi32 -Wl,--kill-at
  cp "$stub/bcryptprimitives.dll" "$prefix/drive_c/windows/system32/"
fi
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine"
cargo test --target x86_64-pc-windows-gnu --workspace --all-features "$@"
