#!/usr/bin/env bash
# How long a client crate takes to build by itself once its dependencies are built, and a
# user's crate after its `main.rs` is touched, for several crates side by side (BENCHMARKS §2):
#
#   scripts/crate-build-time.sh ROUNDS LABEL=CRATE_DIR[@PKG,...] [LABEL=CRATE_DIR ...]
#   scripts/crate-build-time.sh 5 now=generated before=/tmp/before/generated prog=/tmp/prog \
#     progrt=/tmp/prog@progenitor-client
#
# `@PKG,...` also cleans those packages each round (progenitor's runtime crate, which
# okta-client has inside). MAIN_RS=file gives the user crates that `main.rs` instead of one
# that only names `client::Client` (the dependency is called `client`); `scripts/user-main.rs`
# sends eight operations of okta-client.
#
# Each CRATE_DIR is a library crate (okta-client's `generated/`, another checkout's, or the
# crate `cargo progenitor` writes). Each gets a scratch user crate depending on it by path, in
# its own target directory under $WORK (default /tmp/crate-build-time), built once in full
# first (timed: the cold build). Then, ROUNDS times and taking the crates in turn (so that a change in machine load
# falls on all of them alike): `cargo clean -p <crate>` and `cargo build` (the crate alone),
# then `touch src/main.rs` and `cargo build` (the user's crate alone). Prints every time and
# the medians. The dev profile is cargo's default: the workspace's profile overrides do not
# apply outside it.
set -euo pipefail
rounds="$1"
shift
work="${WORK:-/tmp/crate-build-time}"
mkdir -p "$work"
secs() { # command... → wall seconds
  local start end
  start=$(date +%s.%N)
  "$@" > "$work/last.log" 2>&1 || { cat "$work/last.log" >&2; return 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

labels=()
for spec in "$@"; do
  label="${spec%%=*}"
  target="${spec#*=}"
  extra=""
  if [[ "$target" == *@* ]]; then extra="${target#*@}"; target="${target%%@*}"; fi
  dir="$(cd "$target" && pwd)"
  name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -n 1)
  user="$work/$label"
  mkdir -p "$user/src"
  cat > "$user/Cargo.toml" <<TOML
[package]
name = "user-of-$label"
version = "0.1.0"
edition = "2021"

[dependencies]
client = { package = "$name", path = "$dir" }

[workspace]
TOML
  if [ -n "${MAIN_RS:-}" ]; then
    cp "$MAIN_RS" "$user/src/main.rs"
  else
    echo 'fn main() { println!("{}", std::any::type_name::<client::Client>()); }' > "$user/src/main.rs"
  fi
  # A checkout's lock file pins the versions its own workspace builds with.
  if [ -f "$(dirname "$dir")/Cargo.lock" ]; then cp "$(dirname "$dir")/Cargo.lock" "$user/Cargo.lock"; fi
  cargo fetch -q --manifest-path "$user/Cargo.toml" # downloads are not build time
  if [ -n "${REUSE:-}" ] && [ -d "$user/target" ]; then
    # REUSE=1: keep an earlier run's target directory (no cold figure).
    CARGO_TARGET_DIR="$user/target" secs cargo build --manifest-path "$user/Cargo.toml" > /dev/null
  else
    rm -rf "$user/target"
    cold=$(CARGO_TARGET_DIR="$user/target" secs cargo build --manifest-path "$user/Cargo.toml")
    printf '%-10s %s at %s: cold build (every dependency) %.1f s\n' "$label" "$name" "$dir" "$cold"
  fi
  echo "$name${extra:+,$extra}" > "$user/.crate"
  labels+=("$label")
done

for label in "${labels[@]}"; do : > "$work/$label.alone"; : > "$work/$label.main"; done
for round in $(seq "$rounds"); do
  for label in "${labels[@]}"; do
    user="$work/$label"
    export CARGO_TARGET_DIR="$user/target"
    for pkg in $(tr , ' ' < "$user/.crate"); do
      cargo clean -q -p "$pkg" --manifest-path "$user/Cargo.toml"
    done
    alone=$(secs cargo build --manifest-path "$user/Cargo.toml")
    touch "$user/src/main.rs"
    main=$(secs cargo build --manifest-path "$user/Cargo.toml")
    echo "$alone" >> "$work/$label.alone"
    echo "$main" >> "$work/$label.main"
    printf 'round %s  %-10s crate alone %6.2f s   main.rs touched %5.2f s\n' "$round" "$label" "$alone" "$main"
  done
done
for label in "${labels[@]}"; do
  printf 'median    %-10s crate alone %6.2f s   main.rs touched %5.2f s\n' "$label" \
    "$(median < "$work/$label.alone")" "$(median < "$work/$label.main")"
done
