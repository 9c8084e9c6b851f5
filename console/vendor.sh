#!/usr/bin/env bash
# Vendors the console's npm packages (pinned in package.json and package-lock.json) into
# app/vendor with their licences. Nothing is built: the files are copied as published.
#   bash console/vendor.sh          refresh app/vendor
#   bash console/vendor.sh --check  fail if app/vendor differs from the pinned packages
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund --silent
staged=$(mktemp -d)
trap 'rm -rf "$staged"' EXIT
# htm's standalone build bundles Preact and its hooks: one ES module, no bare imports, so no
# import map (an inline script the CSP would have to allow) is needed.
cp node_modules/htm/preact/standalone.module.js "$staged/preact-htm.js"
cp node_modules/htm/LICENSE "$staged/LICENSE.htm.txt"
cp node_modules/preact/LICENSE "$staged/LICENSE.preact.txt"
# dagre's ES module build includes graphlib.
cp node_modules/@dagrejs/dagre/dist/dagre.esm.js "$staged/dagre.js"
cp node_modules/@dagrejs/dagre/LICENSE "$staged/LICENSE.dagre.txt"
cp node_modules/@dagrejs/graphlib/LICENSE "$staged/LICENSE.graphlib.txt"
if [ "${1:-}" = "--check" ]; then
    diff -r "$staged" app/vendor
    echo "app/vendor matches the pinned npm packages"
else
    rm -rf app/vendor
    cp -r "$staged" app/vendor
    chmod 755 app/vendor
    echo "vendored into $(pwd)/app/vendor"
fi
