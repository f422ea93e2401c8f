#!/usr/bin/env bash
# The web page's test: builds dist/ (scripts/web.sh), serves it on 127.0.0.1, opens it in
# headless Chromium (Debian's chromium; WebGL on SwiftShader) and uses every tab, a DDIM
# run in the Image panel and the Korean interface (tests/web/page_test.mjs). Screenshots,
# the console and the figures land in target/web-test/.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
. scripts/apt_install.sh
apt_install "${missing[@]}"
(cd tests/web && npm ci --no-audit --no-fund --silent)

./scripts/web.sh build

out="target/web-test"
rm -rf "$out"
mkdir -p "$out"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server --bind 127.0.0.1 --directory dist "$port" >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done
node tests/web/page_test.mjs "http://127.0.0.1:$port/" "$out"
