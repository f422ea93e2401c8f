#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian/Ubuntu machine, then runs every test.
# This is the command README.md gives; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

need_rust="1.95"
if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo not found. Install Rust ${need_rust} or newer (https://rustup.rs), then rerun." >&2
  exit 1
fi

# System packages the tests use:
# - mesa-vulkan-drivers, libvulkan1: a software Vulkan (lavapipe) for headless UI snapshots;
# - fonts-nanum: a Korean font, so the Korean UI is really rendered in tests.
packages=(mesa-vulkan-drivers libvulkan1 fonts-nanum)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
. scripts/apt_install.sh
apt_install "${missing[@]}"

export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# fonts-nanum is installed above, so the Korean UI tests must find a Hangul font and draw
# Korean with it (without this they skip where no font exists).
export DDPM_LAB_REQUIRE_KOREAN_FONT=1
# Tests run optimised: burn in a debug build is ~160x slower.
cargo fmt --all -- --check
cargo test --release --all-targets "$@"
# The web page: built for wasm32, opened in headless Chromium (scripts/web_test.sh).
# DDPM_LAB_SKIP_WEB=1 skips it (the desktop tests alone).
if [ "${DDPM_LAB_SKIP_WEB:-0}" != 1 ]; then
  ./scripts/web_test.sh
fi
