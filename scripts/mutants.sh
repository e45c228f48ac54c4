#!/usr/bin/env bash
# Runs cargo-mutants over one area of the library with the tests that cover
# it (each package's integration tests are one binary, `--test it`).
# CI does not run this (too slow for two cores); run it after changing an
# area, as CONTRIBUTING.md says.
#
#   scripts/mutants.sh AREA [cargo-mutants options]   AREA: signer | signer-speed | retry | refresh |
#                                      listing | governor | governor-fake | account |
#                                      transport | transport-core | cli | basics | basics-full | config |
#                                      metadata | list
set -euo pipefail
cd "$(dirname "$0")/.."
area="${1:-list}"
shift || true
extra=("$@") # more cargo-mutants options, e.g. `--iterate` or `-o DIR`
run() { cargo mutants --all-features -j 1 --profile mutants "${extra[@]}" "$@"; }
case "$area" in
  signer)
    run --package hwcloud-sign --file sign/src/canonical.rs --file sign/src/lib.rs --file sign/src/verify.rs \
      --file sign/src/encoding.rs --file sign/src/headers.rs --file sign/src/output.rs \
      --file sign/src/http_request.rs \
      --file sign/src/diagnose.rs -- --lib --test it ;;
  signer-speed)
    run --package hwcloud-sign --file sign/src/key.rs --file sign/src/canonical.rs --file sign/src/lib.rs \
      --file sign/src/encoding.rs --file sign/src/headers.rs \
      --file sign/src/date.rs \
      --re 'is_plain_path|name_list|join_lowercase|write_headers|trim_value|push_hex|hex_digits|SigningKey|write_canonical_request|push_string_to_sign|in sign$|from_system_time' \
      -- --lib --test it ;;
  retry)
    run --file src/client/retry.rs --file src/clock.rs -- --lib --test it ;;
  refresh)
    run --file src/client/refresh.rs --file src/client/credentials.rs --file src/client/discover.rs -- --lib --test it ;;
  listing)
    run --file src/listing.rs -- --lib --test it ;;
  governor)
    # Unit tests first (seconds a mutant); the integration tests only for
    # what they miss: `scripts/mutants.sh governor-fake`.
    run --file src/client/governor.rs --file src/bulk/scheduler.rs --file src/bulk/wave.rs -- --lib ;;
  governor-fake)
    run --file src/client/governor.rs --file src/bulk/scheduler.rs --file src/bulk/wave.rs -- --lib --test it ;;
  account)
    run --file src/bulk/mod.rs --file src/bulk/scheduler.rs --file src/client/account.rs --file src/config/regions_file.rs \
      --file src/config/regions.rs -- --lib --test it ;;
  transport)
    run --file src/transport/env_proxy.rs --file src/transport/shown.rs -- --lib --test it ;;
  transport-core)
    run --file src/transport/exchange.rs --file src/transport/options.rs --file src/transport/response.rs \
      --file src/transport/mod.rs --file src/transport/plain.rs --file src/transport/roots.rs -- --lib --test it --test huge_body ;;
  cli)
    run --package hwcloud-ecs-cli --file cli/src/report.rs --file cli/src/args.rs --file cli/src/spec.rs \
      -- --bins --test it ;;
  basics)
    run --file src/ids.rs --file src/bounds.rs --file src/endpoint.rs --file src/error_body.rs \
      --file src/request.rs --file src/password.rs --file src/lifecycle.rs -- --lib ;;
  basics-full)
    # What the unit tests miss, with the integration tests that cover the
    # password path (about 40 s a mutant): after `basics`, with `--iterate`.
    run --file src/ids.rs --file src/bounds.rs --file src/endpoint.rs --file src/error_body.rs \
      --file src/request.rs --file src/password.rs --file src/lifecycle.rs \
      -- --lib --test it ;;
  config)
    run --file src/config/chain.rs --file src/config/profile.rs --file src/config/env.rs \
      --file src/config/origin.rs --file src/config/discovery.rs --file src/config/iam.rs \
      -- --lib --test it ;;
  metadata)
    # The metadata tests wait out real refresh windows (about 30 s a mutant).
    run --file src/config/metadata.rs -- --lib --test it ;;
  list)
    sed -n 's/^  \([a-z-]*\))$/\1/p' "$0" ;;
  *)
    echo "unknown area $area; one of:" >&2
    sed -n 's/^  \([a-z-]*\))$/\1/p' "$0" >&2
    exit 2 ;;
esac
