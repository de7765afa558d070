// The one pinned list of container images the bundle runs. Every renderer takes its image from here
// (unless the config overrides it), and a test checks that every image in a built bundle is listed.
// Each entry says where its tag was confirmed to exist upstream.
import { imageVersion } from '@meshobs/config';

export interface PinnedImage {
  /** Full reference, `repository:tag`. */
  ref: string;
  /** Where the tag was confirmed: upstream repository, path and version. */
  confirmedAt: string;
}

export const IMAGES = {
  otelCollector: {
    ref: 'otel/opentelemetry-collector-contrib:0.161.0',
    confirmedAt:
      'open-telemetry/opentelemetry-collector-releases distributions/otelcol-contrib/.goreleaser.yaml (dockers.image_templates ' +
      '"otel/opentelemetry-collector-contrib:{{ .Version }}" on every release tag); the v0.161.0 components are the ones ' +
      'tools/otelcol-builder.yaml builds and the tests run',
  },
  jaeger: {
    ref: 'jaegertracing/jaeger:2.13.0',
    confirmedAt:
      'jaegertracing/jaeger v2.13.0 .github/workflows/ci-release.yml: "Build, test, and publish v2 image" runs ' +
      'scripts/build/build-all-in-one-image.sh v2 with BRANCH=$(make echo-v2) = v2.13.0, repo jaegertracing/jaeger',
  },
  // v2.13.0 published the tool images under the v1 tag only: ci-release.yml exports BRANCH=$(make echo-v1)
  // (v1.76.0, the same commit 63b27e18) before scripts/build/build-upload-docker-images.sh, which pushes
  // jaeger-es-index-cleaner and jaeger-es-rollover tagged by scripts/utils/compute-tags.sh from BRANCH.
  // One version for everything starts at v2.14.0 (ci-release.yml: BRANCH=$(make echo-version)).
  jaegerEsIndexCleaner: {
    ref: 'jaegertracing/jaeger-es-index-cleaner:1.76.0',
    confirmedAt:
      'jaegertracing/jaeger v2.13.0 (= v1.76.0) .github/workflows/ci-release.yml "Export BRANCH variable" (make echo-v1) + ' +
      'scripts/build/build-upload-docker-images.sh (-c jaeger-es-index-cleaner) + scripts/utils/compute-tags.sh',
  },
  jaegerEsRollover: {
    ref: 'jaegertracing/jaeger-es-rollover:1.76.0',
    confirmedAt:
      'jaegertracing/jaeger v2.13.0 (= v1.76.0) .github/workflows/ci-release.yml "Export BRANCH variable" (make echo-v1) + ' +
      'scripts/build/build-upload-docker-images.sh (-c jaeger-es-rollover) + scripts/utils/compute-tags.sh',
  },
  demoService: {
    ref: 'ghcr.io/meshobs/demo-service:0.1.0',
    confirmedAt: 'this repository: apps/demo-service/Dockerfile, tagged with the version of apps/demo-service/package.json',
  },
} as const satisfies Record<string, PinnedImage>;

export type ImageName = keyof typeof IMAGES;

/** The image a renderer puts in the bundle: the config's override, else the pinned one. */
export const imageOf = (name: ImageName, override?: string): string => override ?? IMAGES[name].ref;

/**
 * The tag of an image reference (without a leading "v"), for the app.kubernetes.io/version label:
 * parsed with the config's image reference grammar, the one parser of image references.
 */
export const imageTag = (ref: string): string | undefined => imageVersion(ref);
