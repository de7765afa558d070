import { z } from 'zod';
import { between, dnsLabel, duration, durationSeconds, k8sLabelKey, replicaRange, resources, whenValid } from '../primitives.ts';

export const cluster = z
  .strictObject({
    /** Cluster name: the `cluster_name` span tag and the `cluster` external label. */
    name: dnsLabel().default('kubernetes-security-cluster'),
    /** Environment: the `environment` span tag. */
    environment: dnsLabel().default('production'),
    /**
     * Name of the label that tells clusters apart in a global view: the Prometheus external label
     * (`external_labels: {cluster: <name>}`) each cluster's Prometheus carries. Every recording rule and
     * alert aggregates by it and every dashboard has a variable for it. Default `cluster`, the name
     * kube-prometheus-stack, Thanos and the monitoring mixins use.
     */
    label: z
      .string()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)' })
      .refine((l) => !l.startsWith('__'), { error: 'must not start with "__" (reserved for Prometheus internal labels)' })
      .default('cluster'),
  })
  .prefault({});

export const namespaces = z
  .strictObject({
    /** Istio control plane and gateways. */
    istio: dnsLabel().default('istio-system'),
    /** kube-prometheus-stack: Prometheus, Alertmanager, Grafana. Not injected (scrapers run without a sidecar). */
    monitoring: dnsLabel().default('monitoring'),
    /**
     * The trace pipeline: OpenTelemetry Collector and Jaeger. Not the bundle's to delete: Jaeger's search-engine
     * Secrets live there. The bundle's namespace script creates it when missing; `kubectl delete -k` leaves it.
     */
    observability: dnsLabel().default('observability'),
    /**
     * More namespaces to label for sidecar injection (`istio-injection=enabled`, or `istio.io/rev=<istio.revision>`)
     * by the label script of the bundle (a namespace that does not exist is skipped). The namespaces of `services`,
     * the trace pipeline's and the demo's are always injected; none other by default (not even `default`).
     */
    injected: z.array(dnsLabel()).default([]),
    /** Namespaces labelled `istio-injection=disabled`. Unset: the monitoring namespace (Prometheus scrapes without a sidecar). */
    excluded: z.array(dnsLabel()).optional(),
  })
  .prefault({})
  .superRefine((ns, ctx) => {
    (ns.excluded ?? []).forEach((name, i) => {
      if (ns.injected.includes(name))
        ctx.addIssue({ code: 'custom', path: ['excluded', i], input: name, message: 'is also listed in namespaces.injected' });
    });
    if (ns.injected.includes(ns.monitoring)) {
      ctx.addIssue({
        code: 'custom',
        path: ['injected'],
        input: ns.monitoring,
        message: `must not contain the monitoring namespace "${ns.monitoring}" (Prometheus scrapes without a sidecar)`,
      });
    }
  })
  // The monitoring namespace, wherever it is, runs without sidecars unless the config says otherwise.
  .transform((ns) => ({ ...ns, excluded: ns.excluded ?? [ns.monitoring] }));

const gateway = (name: string) =>
  z
    .strictObject({
      /** Install this gateway (the install snippets set its `enabled`). */
      enabled: z.boolean({ error: 'must be true or false' }).default(true),
      /** Deployment name, also the `istio` pod label minus the "istio-" prefix. */
      name: dnsLabel().default(name),
      /** Autoscaler range (the install snippets add a disruption budget and anti-affinity). */
      replicas: replicaRange(2, 5),
    })
    .prefault({});

export const istio = z
  .strictObject({
    /**
     * Istio minor version of the mesh, reported by `meshobs validate` and used by the dashboard preview's
     * synthetic mesh. The bundle is the same for every supported minor (the root-certificate alert reads
     * both the 1.23+ and the older metric name).
     */
    version: z
      .string()
      .regex(/^1\.\d+$/, { error: 'is not an Istio minor version such as "1.27"' })
      .default('1.27'),
    /** Istio revision of the control plane (`istio.io/rev`); none for the default revision. */
    revision: dnsLabel().optional(),
    /**
     * mTLS mode of the PeerAuthentications on the trace pipeline's workloads (collector, Jaeger); the ports
     * Prometheus scrapes without a sidecar stay PERMISSIVE either way.
     */
    mtlsMode: z.enum(['STRICT', 'PERMISSIVE'], { error: 'must be "STRICT" or "PERMISSIVE"' }).default('STRICT'),
    /** istiod's autoscaler range (the install snippets add a disruption budget and anti-affinity). */
    istiod: z
      .strictObject({
        /** Replica range of istiod. */
        replicas: replicaRange(2, 5),
      })
      .prefault({}),
    /** Requests and limits of every istio-proxy sidecar (values.global.proxy.resources of the install snippets). */
    sidecar: z
      .strictObject({
        /** Requests and limits of the istio-proxy container. */
        resources: resources({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } }),
      })
      .prefault({}),
    /** Certificate lifetimes, set in the install snippets as istiod and proxy environment. */
    certificates: z
      .strictObject({
        /**
         * Lifetime of the workload certificates (SECRET_TTL of the proxies, DEFAULT_WORKLOAD_CERT_TTL of istiod). istiod signs at most
         * MAX_WORKLOAD_CERT_TTL (90 days by default) and refuses longer requests.
         */
        workloadTtl: duration({ min: '10m', max: '2160h' }).default('24h'),
        /** Lifetime of istiod's self-signed root certificate (CITADEL_SELF_SIGNED_CA_CERT_TTL); default 10 years. */
        caTtl: duration({ min: '1d', max: '100y' }).default('87600h'),
      })
      .prefault({})
      .superRefine((c, ctx) => {
        if (durationSeconds(c.caTtl) < durationSeconds(c.workloadTtl))
          ctx.addIssue({
            code: 'custom',
            path: ['workloadTtl'],
            input: c.workloadTtl,
            message: `is longer than caTtl (${c.caTtl}): no certificate outlives its CA`,
          });
      }, whenValid),
    /** The ingress and egress gateways of the install snippets. */
    gateways: z
      .strictObject({
        /** The ingress gateway (the demo's Gateway objects select it). */
        ingress: gateway('istio-ingressgateway'),
        /** The egress gateway. */
        egress: gateway('istio-egressgateway'),
      })
      .prefault({}),
    /**
     * Pod label key the bundle's Gateway objects select the ingress gateway by (`istio: ingressgateway`).
     * The install snippets put it on the gateway pods, valued like Istio's own `istio` label.
     */
    gatewayLabel: k8sLabelKey()
      .refine((k) => k !== 'app', { error: 'must not be "app": Istio\'s gateway charts set it to the Deployment name' })
      .default('istio'),
    /** Fraction of requests Envoy samples before the collector's tail sampling decides (0–100). */
    envoySamplingPercent: between(0, 100).default(100),
  })
  .prefault({});
