#!/usr/bin/env bash
# Vendor the workspace's browser libraries from the npm registry into the package
# (handoff/web/static/vendor): the bank is offline, pages load nothing from a CDN.
# An upgrade is one edit of the versions below and one run of this script.
set -euo pipefail
HTMX=2.0.11      # 0BSD
ECHARTS=6.1.0    # Apache-2.0
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/handoff/web/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "htmx.org@$HTMX" "echarts@$ECHARTS" >/dev/null
mkdir htmx echarts
tar -xzf "htmx.org-$HTMX.tgz" -C htmx
tar -xzf "echarts-$ECHARTS.tgz" -C echarts
mkdir -p "$dest"
cp htmx/package/dist/htmx.min.js "$dest/htmx.min.js"
cp htmx/package/LICENSE "$dest/htmx.LICENSE.txt"
cp echarts/package/dist/echarts.min.js "$dest/echarts.min.js"
cp echarts/package/LICENSE "$dest/echarts.LICENSE.txt"
cp echarts/package/NOTICE "$dest/echarts.NOTICE.txt"
cat > "$dest/VENDOR.md" <<MD
# Vendored browser libraries (tools/vendor_web_assets.sh)

| file | npm package | version | licence |
| --- | --- | --- | --- |
| htmx.min.js | htmx.org | $HTMX | 0BSD (htmx.LICENSE.txt) |
| echarts.min.js | echarts | $ECHARTS | Apache-2.0 (echarts.LICENSE.txt, echarts.NOTICE.txt) |
MD
echo "vendored htmx $HTMX and echarts $ECHARTS into $dest"
