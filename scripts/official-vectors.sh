#!/usr/bin/env bash
# The official Huawei Cloud Python SDK signer against the vector files:
# installs huaweicloudsdkcore into target/python-signer (once) and signs
# every vector of sign/tests/data/*.json with it. Pass --write to store the
# official outputs (after adding a vector's `input` by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/python-signer
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet huaweicloudsdkcore
fi
for file in sign/tests/data/client-wire.json sign/tests/data/sdk-hmac-sha256.json; do
  echo "== $file"
  "$venv/bin/python" scripts/official_vectors.py "$file" "$@"
done
