#!/usr/bin/env bash
# Installs and caches the real programs meshobs is verified with. Idempotent: a second run only
# re-links cached binaries and takes seconds.
#
#   scripts/install-tools.sh            # everything (Debian tools + Go-built tools)
#   scripts/install-tools.sh debian     # promtool, prometheus, amtool only (what `npm test` needs)
#   scripts/install-tools.sh go         # otelcol, jaeger, es-index-cleaner, telemetrygen (e2e tier)
#
# Binaries are cached outside the repo in ${MESHOBS_CACHE:-~/.cache/meshobs}/<tool>-<version>/ and
# linked into .tools/bin/ (gitignored), which tests and scripts put first on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../tools/versions.env
source "$ROOT/tools/versions.env"
CACHE="${MESHOBS_CACHE:-$HOME/.cache/meshobs}"
BIN="$ROOT/.tools/bin"
mkdir -p "$CACHE" "$BIN"
export GOFLAGS="${GOFLAGS:-} -trimpath"
export CGO_ENABLED=0

log() { printf '[install-tools] %s\n' "$*" >&2; }

link() { ln -sfn "$1" "$BIN/$(basename "$1")"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_debian() {
  apt_install prometheus prometheus-alertmanager
  # The Debian packages start services on install; tests start their own on free loopback ports.
  for svc in prometheus prometheus-alertmanager prometheus-node-exporter; do
    (command -v systemctl >/dev/null && systemctl stop "$svc" >/dev/null 2>&1) || true
  done
  for tool in promtool prometheus amtool alertmanager; do
    [ -x "/usr/bin/$tool" ] && link "/usr/bin/$tool"
  done
  log "promtool: $(promtool --version 2>&1 | head -1)"
}

# go_tool NAME VERSION MODULE@VERSION -> builds once into $CACHE/NAME-VERSION/NAME
go_tool() {
  local name="$1" version="$2" pkg="$3" dir="$CACHE/$1-$2"
  if [ ! -x "$dir/$name" ]; then
    log "building $name $version (first run only)"
    mkdir -p "$dir.tmp"
    GOBIN="$dir.tmp" go install "$pkg"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  link "$dir/$name"
}

install_otelcol() {
  local dir="$CACHE/otelcol-$OTELCOL_VERSION"
  local stamp; stamp="$(sha256sum "$ROOT/tools/otelcol-builder.yaml" | cut -c1-12)"
  if [ ! -x "$dir/otelcol-meshobs" ] || [ "$(cat "$dir/manifest.sha" 2>/dev/null)" != "$stamp" ]; then
    go_tool builder "$OTELCOL_VERSION" "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
    log "building otelcol-meshobs $OTELCOL_VERSION with the Collector Builder (first run only)"
    local work; work="$(mktemp -d)"
    sed "/^dist:/a\\  output_path: $work/out" "$ROOT/tools/otelcol-builder.yaml" > "$work/manifest.yaml"
    "$BIN/builder" --config "$work/manifest.yaml" >"$work/build.log" 2>&1 || { tail -50 "$work/build.log" >&2; exit 1; }
    mkdir -p "$dir"
    mv "$work/out/otelcol-meshobs" "$dir/otelcol-meshobs"
    echo "$stamp" > "$dir/manifest.sha"
    rm -rf "$work"
  fi
  link "$dir/otelcol-meshobs"
}

install_go() {
  command -v go >/dev/null || { log "Go toolchain not found; it is needed to build the e2e tools"; exit 1; }
  install_otelcol
  go_tool telemetrygen "$TELEMETRYGEN_VERSION" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v$TELEMETRYGEN_VERSION"
  go_tool jaeger "$JAEGER_V2_VERSION" "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION"
  go_tool es-index-cleaner "$JAEGER_V2_VERSION" \
    "github.com/jaegertracing/jaeger/cmd/es-index-cleaner@$JAEGER_MODULE_VERSION"
  go_tool es-rollover "$JAEGER_V2_VERSION" "github.com/jaegertracing/jaeger/cmd/es-rollover@$JAEGER_MODULE_VERSION"
}

case "${1:-all}" in
  debian) install_debian ;;
  go) install_go ;;
  all) install_debian; install_go ;;
  *) echo "usage: $0 [all|debian|go]" >&2; exit 2 ;;
esac
log "tools ready in .tools/bin"
