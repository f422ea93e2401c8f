#!/usr/bin/env bash
# The web page: the same app, built for wasm32 with eframe's web runner, as static files.
#
#   scripts/web.sh            build dist/ (index.html, ddpm_lab.js, ddpm_lab_bg.wasm)
#   scripts/web.sh serve      build, then serve dist/ on http://127.0.0.1:8080 (PORT=… to change)
#
# Installs what it needs: the wasm32 target (rustup) and wasm-bindgen-cli at the version
# Cargo.lock pins (cargo install, once).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-build}"
case "$mode" in
  build | serve) ;;
  *)
    echo "usage: scripts/web.sh [build|serve]" >&2
    exit 2
    ;;
esac

# The wasm-bindgen the app links against; the CLI must be the same version.
bindgen_version="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$bindgen_version" ]; then
  echo "error: wasm-bindgen not found in Cargo.lock" >&2
  exit 1
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${bindgen_version}\$"; then
  echo "installing wasm-bindgen-cli ${bindgen_version}"
  # --locked first; where the registry lacks one of its pinned dependencies, the newest
  # compatible ones.
  cargo install wasm-bindgen-cli --version "${bindgen_version}" --locked ||
    cargo install wasm-bindgen-cli --version "${bindgen_version}"
fi

target_dir="${CARGO_TARGET_DIR:-target}"
cargo build --release --target wasm32-unknown-unknown --bin ddpm-lab

staging="$(mktemp -d dist.tmp.XXXXXX)"
trap 'rm -rf "$staging"' EXIT
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$staging" --out-name ddpm_lab \
  "$target_dir/wasm32-unknown-unknown/release/ddpm-lab.wasm"
cp assets/web/index.html "$staging/"
# Swap the finished folder in whole, so a failed build never leaves half a dist/.
rm -rf dist.old
[ -d dist ] && mv dist dist.old
mv "$staging" dist
rm -rf dist.old
trap - EXIT
wasm_bytes=$(stat -c %s dist/ddpm_lab_bg.wasm)
gzip_bytes=$(gzip -9 -c dist/ddpm_lab_bg.wasm | wc -c)
echo "dist/: ddpm_lab_bg.wasm ${wasm_bytes} bytes (${gzip_bytes} gzipped)"

if [ "$mode" = serve ]; then
  port="${PORT:-8080}"
  echo "serving dist/ on http://127.0.0.1:${port}/ (Ctrl-C stops)"
  exec python3 -m http.server --bind 127.0.0.1 --directory dist "$port"
fi
