// Istio install settings of the config (istio.istiod, istio.sidecar, istio.certificates, istio.gateways,
// istio.gatewayLabel), in the value keys of Istio's own charts, checked at istio/istio commit eed52ebb66ad
// (the ISTIO_MODULE_VERSION of tools/versions.env):
// - istiod chart, manifests/charts/istio-control/istio-discovery/values.yaml: autoscaleEnabled/autoscaleMin/
//   autoscaleMax (templates/autoscale.yaml), affinity, env (added to the discovery container), pdb
//   (templates/poddisruptionbudget.yaml, rendered only when autoscaleMin > 1), global.proxy.resources
//   (the istio-proxy container of every injected sidecar, files/injection-template.yaml),
//   global.defaultPodDisruptionBudget.enabled.
// - gateway chart, manifests/charts/gateway/values.yaml: name, revision, labels, autoscaling.{enabled,
//   minReplicas,maxReplicas}, podDisruptionBudget (only rendered when minReplicas > 1), affinity,
//   podAnnotations (templates/deployment.yaml, on the pod template).
// - IstioOperator (operator/pkg/apis/types.go): spec.values.pilot/global are the same istiod chart values;
//   gateways are components.{ingress,egress}Gateways[] with name, label and k8s.{hpaSpec,
//   podDisruptionBudget,affinity,podAnnotations} (operator/pkg/render/manifest.go turns hpaSpec into autoscaleMin/Max).
// Certificate lifetimes are environment variables:
// - SECRET_TTL (pilot/cmd/pilot-agent/options/options.go, default 24h): the lifetime the proxy's agent
//   requests. Set through meshConfig.defaultConfig.proxyMetadata, which the injector turns into env of
//   every istio-proxy container (providers.ts).
// - DEFAULT_WORKLOAD_CERT_TTL (pilot/pkg/bootstrap/istio_ca.go, default 24h): what istiod signs when a CSR
//   names no lifetime; MAX_WORKLOAD_CERT_TTL (default 90 days, security/pkg/cmd/constants.go) is left at
//   its default, the schema's upper bound for istio.certificates.workloadTtl.
// - CITADEL_SELF_SIGNED_CA_CERT_TTL (same file, default 10 years): the self-signed root CA's lifetime.
import type { MeshobsConfig } from '@meshobs/config';
import { durationSeconds } from '@meshobs/config';
import { PDB_SPEC, podAntiAffinity } from '@meshobs/kube';
import { type GatewayInstall, gatewayInstalls } from '@meshobs/model';
import { INGRESS_GATEWAY_PROXY_STATS_MATCHER } from '@meshobs/signals';

/** A duration in Go's time.ParseDuration spelling (no "d" or "y"): 90 days -> "2160h". */
export function goDuration(prometheusDuration: string): string {
  let ms = Math.round(durationSeconds(prometheusDuration) * 1000);
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(ms / size);
    if (n) [out, ms] = [`${out}${n}${unit}`, ms - n * size];
  }
  return out || '0s';
}

/** The istiod container environment carrying the CA settings. */
export function istiodEnv(config: MeshobsConfig): Record<string, string> {
  const c = config.istio.certificates;
  return {
    CITADEL_SELF_SIGNED_CA_CERT_TTL: goDuration(c.caTtl),
    DEFAULT_WORKLOAD_CERT_TTL: goDuration(c.workloadTtl),
  };
}

/** Environment of every proxy (sidecars and gateways), set by meshConfig.defaultConfig.proxyMetadata. */
export function proxyMetadata(config: MeshobsConfig): Record<string, string> {
  return { SECRET_TTL: goDuration(config.istio.certificates.workloadTtl) };
}

const ISTIOD_SELECTOR = { app: 'istiod' };

/**
 * Whether a replica range becomes an autoscaler: only where metrics-server serves the CPU metrics the
 * charts' HPAs read (`profile.metricsServer`, see autoscaler() in @meshobs/kube), and the range is a range.
 * Otherwise the Deployment is fixed at the minimum: `replicaCount` with autoscaling off (istiod chart
 * templates/deployment.yaml sets `replicas` only `if not .Values.autoscaleEnabled`; the gateway chart
 * only `if not .Values.autoscaling.enabled`).
 */
const scales = (config: MeshobsConfig, r: { min: number; max: number }) => config.profile.metricsServer && r.min < r.max;

/** The values of the istiod chart meshobs sets, besides meshConfig. */
export function istiodValues(config: MeshobsConfig) {
  const r = config.istio.istiod.replicas;
  return {
    ...(scales(config, r)
      ? { autoscaleEnabled: true, autoscaleMin: r.min, autoscaleMax: r.max }
      : { autoscaleEnabled: false, replicaCount: r.min }),
    affinity: podAntiAffinity(ISTIOD_SELECTOR),
    env: istiodEnv(config),
  };
}

export function globalValues(config: MeshobsConfig) {
  return {
    // The chart's PodDisruptionBudget for istiod and the gateways (on by default; stated so a merged install keeps it).
    defaultPodDisruptionBudget: { enabled: true },
    proxy: { resources: config.istio.sidecar.resources },
  };
}

const revisionOf = (config: MeshobsConfig) => (config.istio.revision ? { revision: config.istio.revision } : {});

/** Helm values of the istiod chart: `helm upgrade istiod istio/istiod -f helm-values.yaml`. */
export function istiodHelmValues(config: MeshobsConfig, meshConfig: object) {
  return {
    ...revisionOf(config),
    ...istiodValues(config),
    pdb: { ...PDB_SPEC },
    global: globalValues(config),
    meshConfig,
  };
}

/**
 * Pod annotations of a gateway: the ingress gateway's `proxy.istio.io/config` turns on the listener TLS stats
 * of EdgeTlsHandshakeFailures (packages/signals edge-tls.ts) there only, with the mesh default's suffixes
 * repeated (the annotation's proxyStatsMatcher replaces the mesh default's). pilot-agent reads the pod's
 * annotations from the downward-API file the gateway injection template mounts (istio/istio
 * manifests/charts/istio-control/istio-discovery/files/gateway-injection-template.yaml `istio-podinfo`;
 * pilot/cmd/pilot-agent/config/config.go ConstructProxyConfig) and renders the stats matcher into the
 * bootstrap (pkg/bootstrap/config.go getStatsOptions). The gateway chart merges `podAnnotations` with its
 * defaults (Helm coalesces maps), the IstioOperator patches them onto the pod template
 * (operator/pkg/render/postprocess.go "podAnnotations").
 */
export function gatewayPodAnnotations(g: Pick<GatewayInstall, 'kind'>): Record<string, string> | undefined {
  if (g.kind !== 'ingress') return undefined;
  return { 'proxy.istio.io/config': JSON.stringify({ proxyStatsMatcher: INGRESS_GATEWAY_PROXY_STATS_MATCHER }) };
}

/** Helm values of the gateway chart for one enabled gateway: `helm install <name> istio/gateway -f ...`. */
export function gatewayHelmValues(config: MeshobsConfig, g: GatewayInstall) {
  return {
    name: g.name,
    ...revisionOf(config),
    labels: g.labels,
    ...(scales(config, g.replicas)
      ? { autoscaling: { enabled: true, minReplicas: g.replicas.min, maxReplicas: g.replicas.max } }
      : { autoscaling: { enabled: false }, replicaCount: g.replicas.min }),
    // The chart renders it only when the (minimum) replica count is above 1; an empty object turns it off.
    podDisruptionBudget: g.replicas.min > 1 ? { ...PDB_SPEC } : {},
    affinity: podAntiAffinity(g.selector),
    ...withAnnotations(g),
  };
}

const withAnnotations = (g: GatewayInstall) => {
  const podAnnotations = gatewayPodAnnotations(g);
  return podAnnotations ? { podAnnotations } : {};
};

/** The IstioOperator `spec.components` gateway entry of one gateway. */
function operatorGateway(config: MeshobsConfig, g: GatewayInstall) {
  if (!g.enabled) return { name: g.name, enabled: false };
  return {
    name: g.name,
    enabled: true,
    label: g.labels,
    k8s: {
      // operator/pkg/render/manifest.go (applyComponentValuesToHelmValues) turns hpaSpec into
      // autoscaleMin/Max and replicaCount into the chart's replicaCount.
      ...(scales(config, g.replicas)
        ? { hpaSpec: { minReplicas: g.replicas.min, maxReplicas: g.replicas.max } }
        : { replicaCount: g.replicas.min }),
      podDisruptionBudget: { ...PDB_SPEC },
      affinity: podAntiAffinity(g.selector),
      ...withAnnotations(g),
    },
  };
}

/** The IstioOperator spec fields besides meshConfig. */
export function operatorInstall(config: MeshobsConfig) {
  const gws = gatewayInstalls(config);
  return {
    components: {
      pilot: { k8s: { podDisruptionBudget: { ...PDB_SPEC } } },
      ingressGateways: gws.filter((g) => g.kind === 'ingress').map((g) => operatorGateway(config, g)),
      egressGateways: gws.filter((g) => g.kind === 'egress').map((g) => operatorGateway(config, g)),
    },
    values: {
      global: globalValues(config),
      pilot: istiodValues(config),
      // Every gateway of a kind shares one values root (the component's ToHelmValuesTreeRoot,
      // gateways.istio-ingressgateway / gateways.istio-egressgateway, operator/pkg/component/component.go),
      // whose autoscaleEnabled defaults to true in manifests/charts/gateways/*/values.yaml.
      ...(gws.some((g) => g.enabled && !scales(config, g.replicas))
        ? {
            gateways: Object.fromEntries(
              gws
                .filter((g) => g.enabled && !scales(config, g.replicas))
                .map((g) => [`istio-${g.kind}gateway`, { autoscaleEnabled: false }]),
            ),
          }
        : {}),
    },
  };
}
