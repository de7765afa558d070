import { z } from 'zod';

/**
 * What the target cluster already runs. The bundle emits only what that cluster can accept: a
 * custom resource whose operator the profile lacks goes to an opt-in overlay, never into the base
 * kustomization. The default is the cluster meshobs promises: kube-prometheus-stack and Istio
 * installed by Helm or istioctl, no other operator.
 */
export const profile = z
  .strictObject({
    /**
     * "kube-prometheus-stack": prometheus-operator CRDs are present (ServiceMonitor, PodMonitor,
     * PrometheusRule, AlertmanagerConfig). "plain": Prometheus without the operator, which loads
     * the bundle's scrape-configs.yml, rules.yml and alertmanager.yml files instead.
     */
    prometheus: z
      .enum(['kube-prometheus-stack', 'plain'], { error: 'must be "kube-prometheus-stack" or "plain"' })
      .default('kube-prometheus-stack'),
    /** Optional operators the cluster runs; each one's custom resources join the base when true. */
    operators: z
      .strictObject({
        /** grafana-operator: GrafanaDashboard resources (the Grafana sidecar ConfigMaps are always emitted). */
        grafana: z.boolean({ error: 'must be true or false' }).default(false),
        /** kiali-operator: the Kiali resource (without it, Kiali comes from the kiali-server chart). */
        kiali: z.boolean({ error: 'must be true or false' }).default(false),
        /** OpenTelemetry operator: the OpenTelemetryCollector resource. */
        opentelemetry: z.boolean({ error: 'must be true or false' }).default(false),
        /** cert-manager: the Certificate of ingress.tls.certManager (the ingress TLS Secret it issues). */
        certManager: z.boolean({ error: 'must be true or false' }).default(false),
      })
      .prefault({}),
    /**
     * Whether the cluster runs metrics-server (the `metrics.k8s.io` API). HorizontalPodAutoscalers on
     * CPU and memory need it; kube-prometheus-stack does not install it. Without it every workload runs
     * at the minimum of its replica range and no HPA is rendered (one that could never scale would only
     * pretend to); with it, each range becomes an HPA.
     */
    metricsServer: z.boolean({ error: 'must be true or false' }).default(false),
    /** Kubernetes minor version of the cluster (native sidecars from 1.33). */
    kubernetesVersion: z
      .string()
      .regex(/^1\.\d+$/, { error: 'is not a Kubernetes minor version such as "1.33"' })
      .default('1.33'),
  })
  .prefault({});
