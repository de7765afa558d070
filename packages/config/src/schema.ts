import { z } from 'zod';
import { checkConfig } from './checks.ts';
import { image } from './image.ts';
import { between, dnsLabel, port, replicaRange, resources, whenValid } from './primitives.ts';
import { cardinality } from './sections/cardinality.ts';
import { demoJwt, demoRouting } from './sections/demo-edge.ts';
import { egress } from './sections/egress.ts';
import { ingress } from './sections/ingress.ts';
import { cluster, istio, namespaces } from './sections/mesh.ts';
import { alertmanager, alerts, grafana, prometheus } from './sections/monitoring.ts';
import { profile } from './sections/profile.ts';
import { checkVersions, services, serviceVersion } from './sections/services.ts';
import { elasticsearch, jaeger, kiali } from './sections/storage.ts';
import { tracing } from './sections/tracing.ts';

export const demo = z
  .strictObject({
    /**
     * Deploy the podinfo-compatible demo service: a front end with its versions and a backend, in a namespace
     * of its own that the bundle creates (and `kubectl delete -k` removes). Off by default: the bundle then
     * puts nothing into any namespace of the mesh's services.
     */
    enabled: z.boolean({ error: 'must be true or false' }).default(false),
    /** Namespace of the demo, created by the bundle: use one that holds nothing else. */
    namespace: dnsLabel().default('podinfo'),
    /** Name of the demo front end (Service, Deployments, destination_service_name). */
    name: dnsLabel().default('podinfo'),
    /** Port of the demo front end (podinfo's 9898). */
    port: port().default(9898),
    /** Versions of the demo front end and their traffic weights (the seeds' stable/canary split, 90/10). */
    versions: z
      .array(serviceVersion, { error: 'must be a list of versions' })
      .min(1)
      .default([
        { name: 'stable', weight: 90 },
        { name: 'canary', weight: 10 },
      ]),
    /** Replica range of each front-end version's Deployment and of the backend. */
    replicas: replicaRange(2, 5),
    /** Overrides the image of the demo service (IMAGES in packages/kube; scripts build it from apps/demo-service). */
    image: image().optional(),
    /** Largest /delay/{seconds} the demo service accepts. */
    maxDelaySeconds: between(0, 600).default(30),
    /** Second tier the demo front end chains to (podinfo's backend pattern). */
    backendName: dnsLabel().default('podinfo-backend'),
    /** Requests and limits of the demo service's containers. */
    resources: resources({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
    /**
     * JWT authentication of the demo front end: a RequestAuthentication (issuer, JWKS) and a policy refusing
     * requests through the ingress gateway that carry no valid token, except on `publicPaths`. Unset: no token asked.
     */
    jwt: demoJwt,
    /** Routing of the mesh's calls to the demo front end beyond the weighted split: mirroring, A/B by header, URI prefixes. */
    routing: demoRouting,
  })
  .prefault({})
  .superRefine((d, ctx) => checkVersions(d.versions, ctx, ['versions']))
  .superRefine((d, ctx) => {
    d.routing.uriRoutes.forEach((r, i) => {
      if (!d.versions.some((v) => v.name === r.version))
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'uriRoutes', i, 'version'],
          input: r.version,
          message: `is not one of demo.versions (${d.versions.map((v) => v.name).join(', ')})`,
        });
    });
    if (d.versions.length < 2 && (d.routing.mirrorPercent > 0 || d.routing.abHeader))
      ctx.addIssue({
        code: 'custom',
        path: ['routing', d.routing.mirrorPercent > 0 ? 'mirrorPercent' : 'abHeader'],
        input: d.routing.mirrorPercent > 0 ? d.routing.mirrorPercent : d.routing.abHeader,
        message: 'needs a canary: demo.versions has a single version',
      });
  }, whenValid);

const sections = z.strictObject({
  /** The cluster the bundle is for: its name and environment, as spans and alerts carry them. */
  cluster,
  /** What the target cluster already has (Prometheus flavour, operators, Kubernetes version): the bundle emits only what that cluster accepts. */
  profile,
  /** Namespaces of the control plane, monitoring and trace pipeline, and the injection labels of the mesh's namespaces. */
  namespaces,
  /** The Istio mesh: version, mTLS mode, istiod and gateway sizes, sidecar resources, certificate lifetimes. */
  istio,
  /**
   * The mesh's own services the alerts, dashboards and SLOs name: versions, owner, per-service thresholds. Services
   * not listed are still covered by the mesh-wide alerts and dashboards. The bundle never deploys into their namespaces.
   */
  services,
  /** The Prometheus the rules and dashboards are for: its URL, release label, intervals and scrape job names. */
  prometheus,
  /** The Grafana the dashboards are for: its URLs, folder, data source and grafana-operator instance. */
  grafana,
  /** Alertmanager routing: the receivers of critical and warning alerts and how often they are notified. */
  alertmanager,
  /** Alert thresholds, `for` durations, extra labels and the optional SLO burn-rate alerts. */
  alerts,
  /** Opt-in cuts of Istio's series where they are born: only what no alert, recording rule or panel reads. */
  cardinality,
  /** Tracing: the OpenTelemetry Collector's tail sampling and shape, and Envoy's access logs. */
  tracing,
  /** Jaeger v2 on Elasticsearch or OpenSearch: sizes, the query UI's ingress and auth, index storage and retention. */
  jaeger,
  /** The Elasticsearch or OpenSearch cluster Jaeger stores spans in: URL, flavor, credential and CA Secrets, pods. */
  elasticsearch,
  /** Kiali: its URL, authentication strategy, size and Grafana token. */
  kiali,
  /** The podinfo-compatible demo service that proves trace propagation end to end. */
  demo,
  /** The mesh edge: TLS Gateways on the ingress gateway, the demo's and the UIs' routes on them, sign-in for the UIs. */
  ingress,
  /** Controlled egress: external hosts as ServiceEntries through the egress gateway, the outbound traffic policy, Sidecar resources. */
  egress,
});

/** The config as the sections validate it, before the defaults derived across sections are filled in. */
export type ConfigSections = z.output<typeof sections>;
type Sections = ConfigSections;

/** `<service>.<namespace>.svc...` of an in-cluster URL, if it is one. */
const namespaceOfUrl = (url: string | undefined) =>
  url ? /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.|$)/.exec(new URL(url).hostname)?.[1] : undefined;

/**
 * The defaults that follow other fields: the Prometheus and Grafana URLs follow the profile, the release and
 * the namespaces, and Grafana's namespace follows its URL, so a config that moves the monitoring stack moves
 * every address with it.
 */
function withDerivedDefaults(c: Sections) {
  const kps = c.profile.prometheus === 'kube-prometheus-stack';
  const grafanaNamespace = c.grafana.namespace ?? namespaceOfUrl(c.grafana.url) ?? c.namespaces.monitoring;
  const svc = (name: string, ns: string, port?: number) => `http://${name}.${ns}.svc.cluster.local${port ? `:${port}` : ''}`;
  return {
    ...c,
    prometheus: {
      ...c.prometheus,
      url:
        c.prometheus.url ??
        (kps
          ? svc(`${c.prometheus.release}-prometheus`, c.namespaces.monitoring, 9090)
          : svc('prometheus-server', c.namespaces.monitoring)),
    },
    grafana: {
      ...c.grafana,
      namespace: grafanaNamespace,
      url: c.grafana.url ?? (kps ? svc(`${c.prometheus.release}-grafana`, grafanaNamespace) : svc('grafana', grafanaNamespace)),
    },
  };
}

/** The whole config: every section, then the checks across sections (src/checks.ts), then the derived defaults. */
export const configSchema = sections.superRefine(checkConfig, whenValid).transform(withDerivedDefaults);

/** What a user writes: every field optional where a default exists. */
export type MeshobsConfigInput = z.input<typeof sections>;
/** The validated config with every default filled in. */
export type MeshobsConfig = ReturnType<typeof withDerivedDefaults>;
export type ServiceConfig = MeshobsConfig['services'][number];
