#!/usr/bin/env bash
# Installs and caches the real programs meshobs is verified with. Idempotent: a second run only
# re-links cached binaries and takes seconds.
#
#   scripts/install-tools.sh            # everything (unit + e2e tiers)
#   scripts/install-tools.sh unit       # what `npm test` needs: promtool, prometheus, amtool, chromium, checkov
#   scripts/install-tools.sh e2e        # otelcol, jaeger, es-index-cleaner, es-rollover, telemetrygen, OpenSearch
#   scripts/install-tools.sh debian|python|go|java   # one source of tools
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
  apt_install prometheus prometheus-alertmanager chromium
  # The Debian packages start services on install; tests start their own on free loopback ports.
  for svc in prometheus prometheus-alertmanager prometheus-node-exporter; do
    (command -v systemctl >/dev/null && systemctl stop "$svc" >/dev/null 2>&1) || true
  done
  for tool in promtool prometheus amtool; do link "/usr/bin/$tool"; done
  # Debian names the Alertmanager server prometheus-alertmanager.
  ln -sfn /usr/bin/prometheus-alertmanager "$BIN/alertmanager"
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
    # The builder runs `go mod tidy`, which also resolves the test-only imports of the components
    # (one level deep). Some of those are contrib's internal test helper modules (for example
    # pkg/semconvtest, imported by k8sattributesprocessor's tests) that the Go module mirror does
    # not serve at all. `-e` in GOFLAGS reaches only the go commands that define it (tidy, list),
    # so tidy records everything it can and carries on; `go build` still fails loudly if a module
    # the collector really compiles is missing. Refused versions of real dependencies are swapped
    # for served ones by the `replaces:` list in the manifest.
    GOFLAGS="$GOFLAGS -e" "$BIN/builder" --config "$work/manifest.yaml" >"$work/build.log" 2>&1 \
      || { tail -50 "$work/build.log" >&2; exit 1; }
    mkdir -p "$dir"
    mv "$work/out/otelcol-meshobs" "$dir/otelcol-meshobs"
    echo "$stamp" > "$dir/manifest.sha"
    rm -rf "$work"
  fi
  link "$dir/otelcol-meshobs"
  # Keep .tools/bin/builder pointing at this version's cached builder even when nothing was rebuilt.
  if [ -x "$CACHE/builder-$OTELCOL_VERSION/builder" ]; then link "$CACHE/builder-$OTELCOL_VERSION/builder"; fi
}

# Jaeger's go.mod has a replace directive, so `go install github.com/jaegertracing/jaeger/cmd/...@v`
# refuses it. Build instead inside the downloaded module itself, as its own main module: that uses
# Jaeger's go.mod, go.sum and replace exactly as released.
# Each binary gets its own cache folder <tool>-<version>/.
install_jaeger() {
  local version="$JAEGER_V2_VERSION" tools=(jaeger es-index-cleaner es-rollover) missing=0 tool
  for tool in "${tools[@]}"; do [ -x "$CACHE/$tool-$version/$tool" ] || missing=1; done
  if [ "$missing" = 1 ]; then
    log "building jaeger, es-index-cleaner, es-rollover $version (module $JAEGER_MODULE_VERSION, first run only)"
    local mod="github.com/jaegertracing/jaeger" src out
    src="$(go mod download -json "$mod@$JAEGER_MODULE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    [ -n "$src" ] && [ -f "$src/go.mod" ] || { log "could not download $mod@$JAEGER_MODULE_VERSION"; exit 1; }
    out="$(mktemp -d)"
    # The module cache is read-only: never let -mod=mod try to rewrite Jaeger's go.mod.
    # Version stamps as Jaeger's Makefile sets them: v2 for jaeger, the v1 tag for the es-* tools.
    # The second build reuses the first one's compiled packages from the Go build cache.
    (cd "$src" && export GOWORK=off GOFLAGS="$GOFLAGS -mod=readonly" \
      && go build -o "$out/" -ldflags "-s -w -X $mod/internal/version.latestVersion=v$version" ./cmd/jaeger \
      && go build -o "$out/" -ldflags "-s -w -X $mod/internal/version.latestVersion=$JAEGER_MODULE_VERSION" \
        ./cmd/es-index-cleaner ./cmd/es-rollover)
    for tool in "${tools[@]}"; do
      rm -rf "$CACHE/$tool-$version" && mkdir -p "$CACHE/$tool-$version"
      mv "$out/$tool" "$CACHE/$tool-$version/$tool"
    done
    rm -rf "$out"
  fi
  for tool in "${tools[@]}"; do link "$CACHE/$tool-$version/$tool"; done
}

# prometheus-operator's own Alertmanager config generation (packages/alerts/tools/operator-amconfig)
# for the routing e2e tests. The operator version is the one its go.mod requires; the cache folder is
# keyed by it and a hash of the program's sources, so a change of either rebuilds it.
install_operator_amconfig() {
  local src="$ROOT/packages/alerts/tools/operator-amconfig" version hash dir
  version="$(awk '$1 == "github.com/prometheus-operator/prometheus-operator" { print $2; exit }' "$src/go.mod")"
  hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
  dir="$CACHE/operator-amconfig-$version-$hash"
  if [ ! -x "$dir/operator-amconfig" ]; then
    log "building operator-amconfig (prometheus-operator $version, first run only)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$src" && GOWORK=off go build -mod=readonly -o "$dir.tmp/operator-amconfig" .)
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  link "$dir/operator-amconfig"
}

install_go() {
  command -v go >/dev/null || { log "Go toolchain not found; it is needed to build the e2e tools"; exit 1; }
  install_otelcol
  go_tool telemetrygen "$TELEMETRYGEN_VERSION" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v$TELEMETRYGEN_VERSION"
  install_jaeger
  install_operator_amconfig
}

# checkov (security lint) from PyPI, in a venv of its own: venvs cannot be moved, so it is created
# in place in its cache folder.
install_python() {
  local dir="$CACHE/checkov-$CHECKOV_VERSION"
  if [ ! -f "$dir/.complete" ]; then
    log "installing checkov $CHECKOV_VERSION (first run only)"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION"
    touch "$dir/.complete"
  fi
  link "$dir/bin/checkov"
}

# A real single-node OpenSearch (Maven Central) for the Jaeger storage and retention tests.
install_java() {
  bash "$ROOT/packages/jaeger/scripts/install-opensearch.sh"
}

case "${1:-all}" in
  debian) install_debian ;;
  python) install_python ;;
  go) install_go ;;
  java) install_java ;;
  unit) install_debian; install_python ;;
  e2e) install_go; install_java ;;
  all) install_debian; install_python; install_go; install_java ;;
  *) echo "usage: $0 [all|unit|e2e|debian|python|go|java]" >&2; exit 2 ;;
esac
log "tools ready in .tools/bin"
