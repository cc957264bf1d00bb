#!/usr/bin/env bash
# What a user pays to depend on okta-client: builds a fresh scratch crate that depends on it by
# path, in a fresh target directory (so the workspace's own profile settings do not apply), and
# prints the number of crates compiled and the wall time.
#
#   scripts/user-build.sh                      # default features
#   scripts/user-build.sh --no-default user    # default-features = false, features = ["user"]
#   CLIENT=/path/to/generated scripts/user-build.sh …   # another checkout's okta-client
#   IDNA=unicode-rs scripts/user-build.sh …    # as an application that pins idna_adapter ~1.1
#                                              # (url's IDNA through unicode-rs instead of ICU4X)
#
# Dependencies must already be downloaded (`cargo fetch` in the workspace); the build is offline
# (except that IDNA=unicode-rs fetches the pinned adapter's crates first).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
client="${CLIENT:-$here/generated}"
default=true
features=()
for a in "$@"; do
  if [ "$a" = "--no-default" ]; then default=false; else features+=("\"$a\""); fi
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
feature_list=$(IFS=,; echo "${features[*]:-}")
cat > "$work/Cargo.toml" <<TOML
[package]
name = "okta-user"
version = "0.1.0"
edition = "2021"

[dependencies]
okta-client = { path = "$client", default-features = $default, features = [$feature_list] }

[workspace]
TOML
echo 'fn main() { let _ = okta_client::Client::builder("https://example.okta.com"); }' > "$work/src/main.rs"
# The workspace's lock file pins the same versions users of this checkout get.
cp "$(dirname "$client")/Cargo.lock" "$work/Cargo.lock" 2>/dev/null || true
if [ "${IDNA:-}" = "unicode-rs" ]; then
  cargo update -q --manifest-path "$work/Cargo.toml" -p idna_adapter --precise 1.1.0
fi
start=$(date +%s.%N)
offline=--offline
# The pinned adapter's crates may not be downloaded yet.
[ "${IDNA:-}" = "unicode-rs" ] && cargo fetch -q --manifest-path "$work/Cargo.toml" && offline=
if ! CARGO_TARGET_DIR="$work/target" cargo build $offline --manifest-path "$work/Cargo.toml" 2> "$work/log"; then
  cat "$work/log" >&2
  exit 1
fi
end=$(date +%s.%N)
crates=$(grep -c '^ *Compiling ' "$work/log" || true)
printf 'features: default=%s [%s]%s  crates compiled: %s  wall: %.1f s\n' "$default" "$feature_list" "${IDNA:+ idna=$IDNA}" "$crates" "$(echo "$end - $start" | bc)"
