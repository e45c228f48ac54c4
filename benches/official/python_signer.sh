#!/usr/bin/env bash
# The official Python signer against ours, on the seed DELETE: runs the two
# alternately ROUNDS times (default 5) and prints python / ours each time.
# Needs python3 with venv; installs huaweicloudsdkcore into target/python-signer.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
venv=target/python-signer
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet huaweicloudsdkcore
fi
bench=$(cargo bench --bench signing --no-run 2>&1 | grep -o 'target/release/deps/signing-[0-9a-f]*' | head -n1)
for _ in $(seq "$rounds"); do
    python_us=$("$venv/bin/python" benches/official/python_signer.py | sed -n 's/^median_us: //p')
    # The interleaved line's average for ours; no criterion run (the filter matches nothing).
    # Printed as a Rust Duration: `526ns` or `1.02µs`.
    ours=$("$bench" --bench no-criterion-run | sed -n 's/.*(ours \([0-9.]*\)\([^0-9.s]*\)s.*/\1 \2/p')
    awk -v p="$python_us" -v o="$ours" 'BEGIN {
        split(o, part, " "); ns = part[1] * (part[2] == "n" ? 1 : 1000)
        printf "python %.2f us, ours %d ns: %.1fx\n", p, ns, p * 1000 / ns }'
done
