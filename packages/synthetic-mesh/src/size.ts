/** Istio's default boundaries (ms) of istio_request_duration_milliseconds (stats filter defaults). */
export const ISTIO_DURATION_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];
/** Istio's default boundaries (bytes) of istio_request_bytes / istio_response_bytes. */
export const ISTIO_SIZE_BUCKETS_BYTES = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];
/** The spanmetrics connector's default histogram boundaries (ms). */
export const SPANMETRICS_BUCKETS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];

/** How big a mesh to generate. Every field has a default; the series count grows with each one. */
export interface MeshSize {
  /** Application namespaces (istio-system and the collector's namespace come on top). */
  namespaces: number;
  servicesPerNamespace: number;
  /** Pods per service version (each runs an istio-proxy sidecar). */
  podsPerVersion: number;
  /** `version` labels and their traffic share; the first is the stable subset. */
  versions: { name: string; weight: number }[];
  /**
   * Source workloads calling each service: the ingress gateway first, then other mesh services,
   * and (from 3 on) one plaintext caller outside the mesh, so mTLS coverage is below 100 %.
   */
  sourcesPerService: number;
  responseCodes: number[];
  durationBucketsMs: number[];
  /** Also emit istio_request_bytes / istio_response_bytes histograms (Istio does by default). */
  sizeHistograms: boolean;
  istiodReplicas: number;
  gatewayReplicas: number;
  /** Data span and scrape interval, in seconds. */
  spanSeconds: number;
  intervalSeconds: number;
  /** Last sample time (Unix seconds); defaults to the start of the current minute. */
  endSeconds?: number;
  /** Requests per second one service receives, spread over versions, sources, codes and pods. */
  requestsPerService: number;
  /** Seed for every pseudo-random choice: same size and seed, same bytes. */
  seed: number;
  /** Scrape job names, as the bundle's scrape config sets them (spec defaults). */
  jobs: { istiod: string; envoy: string; kubeStateMetrics: string; cadvisor: string; collector: string };
  /** Sidecar memory limit (bytes) reported by kube-state-metrics; working sets stay well below it. */
  sidecarMemoryLimitBytes: number;
  istioVersion: string;
  /**
   * Istio's cluster ID, the source_cluster/destination_cluster of every request (every flow stays in
   * its cluster). "Kubernetes" is Istio's default when values.global.multiCluster.clusterName is unset.
   */
  istioCluster: string;
}

export const DEFAULT_SIZE: MeshSize = {
  namespaces: 2,
  servicesPerNamespace: 2,
  podsPerVersion: 1,
  versions: [
    { name: 'stable', weight: 0.9 },
    { name: 'canary', weight: 0.1 },
  ],
  sourcesPerService: 3,
  responseCodes: [200, 404, 503],
  durationBucketsMs: ISTIO_DURATION_BUCKETS_MS,
  sizeHistograms: false,
  istiodReplicas: 2,
  gatewayReplicas: 2,
  spanSeconds: 30 * 60,
  intervalSeconds: 15,
  requestsPerService: 50,
  seed: 1,
  jobs: {
    istiod: 'istiod',
    envoy: 'envoy-stats',
    kubeStateMetrics: 'kube-state-metrics',
    cadvisor: 'kubelet',
    collector: 'otel-collector',
  },
  sidecarMemoryLimitBytes: 1024 * 1024 * 1024,
  istioVersion: '1.27.1',
  istioCluster: 'Kubernetes',
};

/** Approximate active-series presets for benchmarks (see estimateSeries for the exact count). */
export const PRESETS: Record<string, Partial<MeshSize>> = {
  small: {},
  '10k': { namespaces: 2, servicesPerNamespace: 3, podsPerVersion: 1, sourcesPerService: 3, sizeHistograms: true },
  '100k': { namespaces: 4, servicesPerNamespace: 6, podsPerVersion: 2, sourcesPerService: 4, sizeHistograms: true },
  '1m': {
    namespaces: 10,
    servicesPerNamespace: 10,
    podsPerVersion: 3,
    sourcesPerService: 5,
    sizeHistograms: true,
    responseCodes: [200, 201, 404, 503],
  },
};

export function meshSize(overrides: Partial<MeshSize> = {}): MeshSize {
  const size = { ...DEFAULT_SIZE, ...overrides };
  const positive = [
    'namespaces',
    'servicesPerNamespace',
    'podsPerVersion',
    'sourcesPerService',
    'istiodReplicas',
    'gatewayReplicas',
  ] as const;
  for (const k of positive)
    if (!Number.isInteger(size[k]) || size[k] < 1) throw new Error(`${k} must be a whole number >= 1, got ${size[k]}`);
  if (!size.versions.length) throw new Error('versions must not be empty');
  if (!size.responseCodes.length) throw new Error('responseCodes must not be empty');
  if (!(size.intervalSeconds > 0)) throw new Error('intervalSeconds must be > 0');
  if (size.spanSeconds < size.intervalSeconds) throw new Error('spanSeconds must cover at least one interval');
  return size;
}
