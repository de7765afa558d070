import { z } from 'zod';
import { checkConfig } from './checks.ts';
import { image } from './image.ts';
import { between, dnsHost, dnsLabel, resources, whenValid } from './primitives.ts';
import { cardinality } from './sections/cardinality.ts';
import { cluster, istio, namespaces } from './sections/mesh.ts';
import { alertmanager, alerts, grafana, prometheus } from './sections/monitoring.ts';
import { profile } from './sections/profile.ts';
import { services } from './sections/services.ts';
import { elasticsearch, jaeger, kiali } from './sections/storage.ts';
import { tracing } from './sections/tracing.ts';

export const demo = z
  .strictObject({
    /** Deploy the demo service. */
    enabled: z.boolean().default(true),
    /** Overrides the pinned image of the demo service (IMAGES in packages/kube). */
    image: image().optional(),
    /** Largest /delay/{seconds} the demo service accepts. */
    maxDelaySeconds: between(0, 600).default(30),
    /** Second tier the demo front end chains to (podinfo's backend pattern). */
    backendName: dnsLabel().default('podinfo-backend'),
    /** Hosts the ingress Gateway accepts for the demo front ends ("*" for any, as in the kind demo). */
    ingressHosts: z
      .array(z.union([z.literal('*'), dnsHost({ wildcard: true })], { error: 'is not a host name or wildcard such as "*.example.com"' }))
      .min(1)
      .default(['*']),
    /** Requests and limits of the demo service's containers. */
    resources: resources({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
  })
  .prefault({});

const sections = z.strictObject({
  /** The cluster the bundle is for: its name and environment, as spans and alerts carry them. */
  cluster,
  /** What the target cluster already has (Prometheus flavour, operators, Kubernetes version): the bundle emits only what that cluster accepts. */
  profile,
  /** Namespaces of the control plane, monitoring and trace pipeline, and the injection labels of the mesh's namespaces. */
  namespaces,
  /** The Istio mesh: version, mTLS mode, istiod and gateway sizes, sidecar resources, certificate lifetimes. */
  istio,
  /** The services of the mesh that the alerts, dashboards and SLOs are about (the default is the podinfo demo). */
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
});

/** The whole config: every section, then the checks across sections (src/checks.ts). */
export const configSchema = sections.superRefine(checkConfig, whenValid);

/** What a user writes: every field optional where a default exists. */
export type MeshobsConfigInput = z.input<typeof sections>;
/** The validated config with every default filled in. */
export type MeshobsConfig = z.output<typeof sections>;
export type ServiceConfig = MeshobsConfig['services'][number];
