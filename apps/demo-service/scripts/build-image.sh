#!/usr/bin/env bash
# Builds the demo service's container image (no Docker needed) under the reference the bundle names,
# as an OCI image layout tarball that `docker load`, `ctr images import`, `kind load image-archive`
# and `skopeo copy oci-archive:...` all accept. Needs Node 24 and npm (the dependencies are installed
# from the npm registry), on Linux: the image carries this machine's Node binary and its libraries.
#
#   apps/demo-service/scripts/build-image.sh [--out FILE] [--ref REGISTRY/REPO:TAG]
#   skopeo copy oci-archive:dist/images/demo-service-0.1.0.tar docker://ghcr.io/<you>/demo-service:0.1.0
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$HERE/build-image.ts" "$@"
