// istiod's own metrics (job istiod) and the Kubernetes view of the mesh: cAdvisor (kubelet),
// kube-state-metrics and scrape health.

import { istiodInternalFamilies } from './istiod-internals.ts';
import { constant, counterShape, type Family, gaugeShape, hash, histogram, type Labels, renderLabels, type Series } from './series.ts';
import type { MeshSize } from './size.ts';
import { envoyTarget, istiodTarget } from './targets.ts';
import { ISTIO_NAMESPACE, type Pod, type Topology, type Workload } from './topology.ts';
import { collectorTargets } from './tracing.ts';

const family = (name: string, type: Family['type'], help: string, series: () => Iterable<Series>): Family => ({ name, type, help, series });

const phase = (text: string, seed: number) => (hash(text, seed) % 6283) / 1000;

const XDS_TYPES = ['cds', 'eds', 'lds', 'rds'];
// istiod exposes its counters without the `_total` suffix (pilot_xds_pushes, pilot_total_xds_rejects...),
// so they are written as untyped-suffix gauges here to keep the exact names.

export function istiodFamilies(size: MeshSize, topo: Topology, endSeconds: number, spanSeconds: number): Family[] {
  const targets = () => topo.istiod.map((p) => istiodTarget(size.jobs.istiod, p));
  const proxies = topo.services.reduce((a, s) => a + s.workloads.reduce((b, w) => b + w.pods.length, 0), 0) + 2 * size.gatewayReplicas;
  const perPod = <T>(fn: (l: Labels) => Iterable<T>) =>
    function* () {
      for (const l of targets()) yield* fn(l);
    };
  const rootExpiry = endSeconds + 3650 * 86400;
  const start = endSeconds - spanSeconds;
  return [
    family(
      'pilot_xds_pushes',
      'gauge',
      'Pilot build and send errors for lds, rds, cds and eds.',
      perPod(function* (l) {
        for (const type of XDS_TYPES) {
          const ls = { ...l, type };
          yield {
            name: 'pilot_xds_pushes',
            labels: renderLabels(ls),
            value: counterShape(proxies * 0.05, phase(renderLabels(ls), size.seed)),
          };
        }
      }),
    ),
    family(
      'pilot_total_xds_rejects',
      'gauge',
      'Total number of XDS responses from pilot rejected by proxy.',
      perPod(function* (l) {
        // One old rejection: the series exists (as on a real istiod that ever saw one) but is flat.
        yield {
          name: 'pilot_total_xds_rejects',
          labels: renderLabels({ ...l, type: 'type.googleapis.com/envoy.config.cluster.v3.Cluster' }),
          value: constant(1),
        };
      }),
    ),
    family(
      'pilot_total_xds_internal_errors',
      'gauge',
      'Total number of internal XDS errors in pilot.',
      perPod(function* (l) {
        yield { name: 'pilot_total_xds_internal_errors', labels: renderLabels(l), value: constant(0) };
      }),
    ),
    family(
      'pilot_xds',
      'gauge',
      'Number of endpoints connected to this pilot using XDS.',
      perPod(function* (l) {
        yield {
          name: 'pilot_xds',
          labels: renderLabels({ ...l, version: size.istioVersion }),
          value: constant(Math.ceil(proxies / topo.istiod.length)),
        };
      }),
    ),
    family(
      'pilot_xds_push_time',
      'histogram',
      'Total time in seconds Pilot takes to push lds, rds, cds and eds.',
      perPod(function* (l) {
        for (const type of XDS_TYPES)
          yield* histogram(
            'pilot_xds_push_time',
            { ...l, type },
            {
              rate: proxies * 0.05,
              median: 0.004,
              sigma: 1,
              buckets: [0.01, 0.1, 1, 3, 5, 10, 20, 30],
              phase: phase(type + l.pod, size.seed),
            },
          );
      }),
    ),
    family(
      'pilot_proxy_convergence_time',
      'histogram',
      'Delay in seconds between config change and a proxy receiving all required configuration.',
      perPod(function* (l) {
        yield* histogram('pilot_proxy_convergence_time', l, {
          rate: 0.5,
          median: 0.05,
          sigma: 1,
          buckets: [0.1, 0.5, 1, 3, 5, 10, 20, 30],
          phase: phase(l.pod!, size.seed),
        });
      }),
    ),
    family(
      'pilot_push_triggers',
      'gauge',
      'Total number of times a push was triggered, labeled by reason.',
      perPod(function* (l) {
        for (const type of ['endpoint', 'service', 'config'])
          yield {
            name: 'pilot_push_triggers',
            labels: renderLabels({ ...l, type }),
            value: counterShape(type === 'endpoint' ? 0.2 : 0.02, phase(type + l.pod, size.seed)),
          };
      }),
    ),
    family(
      'pilot_services',
      'gauge',
      'Total services known to pilot.',
      perPod(function* (l) {
        yield { name: 'pilot_services', labels: renderLabels(l), value: constant(topo.services.length + 4) };
      }),
    ),
    family(
      'citadel_server_root_cert_expiry_timestamp',
      'gauge',
      'The unix timestamp, in seconds, when Citadel root cert will expire.',
      perPod(function* (l) {
        yield { name: 'citadel_server_root_cert_expiry_timestamp', labels: renderLabels(l), value: constant(rootExpiry) };
      }),
    ),
    family(
      'citadel_server_root_cert_expiry_seconds',
      'gauge',
      'The time remaining, in seconds, before the root cert will expire.',
      perPod(function* (l) {
        yield { name: 'citadel_server_root_cert_expiry_seconds', labels: renderLabels(l), value: (dt) => rootExpiry - (start + dt) };
      }),
    ),
    family(
      'process_resident_memory_bytes',
      'gauge',
      'Resident memory size in bytes.',
      perPod(function* (l) {
        yield {
          name: 'process_resident_memory_bytes',
          labels: renderLabels(l),
          value: gaugeShape(180e6 + proxies * 2e5, 0.1, phase(l.pod!, size.seed)),
        };
      }),
    ),
    family(
      'process_cpu_seconds',
      'counter',
      'Total user and system CPU time spent in seconds.',
      perPod(function* (l) {
        yield {
          name: 'process_cpu_seconds_total',
          labels: renderLabels(l),
          value: counterShape(0.05 + proxies * 0.0005, phase(l.pod!, size.seed)),
        };
      }),
    ),
    family(
      'go_goroutines',
      'gauge',
      'Number of goroutines that currently exist.',
      perPod(function* (l) {
        yield { name: 'go_goroutines', labels: renderLabels(l), value: gaugeShape(800 + proxies * 3, 0.05, phase(l.pod!, size.seed)) };
      }),
    ),
    family(
      'istio_build',
      'gauge',
      'Istio component build info.',
      perPod(function* (l) {
        yield { name: 'istio_build', labels: renderLabels({ ...l, component: 'pilot', tag: size.istioVersion }), value: constant(1) };
      }),
    ),
    ...istiodInternalFamilies(size, targets, proxies),
  ];
}

interface MeshPod {
  pod: Pod;
  workload: Workload;
}

function* meshPods(topo: Topology): Iterable<MeshPod> {
  for (const s of topo.services) for (const w of s.workloads) for (const pod of w.pods) yield { pod, workload: w };
  for (const w of [topo.gateways.ingress, topo.gateways.egress]) for (const pod of w.pods) yield { pod, workload: w };
}

export function kubernetesFamilies(size: MeshSize, topo: Topology): Family[] {
  const limit = size.sidecarMemoryLimitBytes;
  const cadvisor = (p: MeshPod, container: string): Labels => ({
    job: size.jobs.cadvisor,
    namespace: p.pod.namespace,
    pod: p.pod.name,
    container,
    image: container === 'istio-proxy' ? `docker.io/istio/proxyv2:${size.istioVersion}` : `docker.io/istio/pilot:${size.istioVersion}`,
    instance: 'node-1',
  });
  const ksm = (namespace: string, pod: string, container: string, resource: string, unit: string): Labels => ({
    job: size.jobs.kubeStateMetrics,
    namespace,
    pod,
    container,
    node: 'node-1',
    resource,
    unit,
  });
  const istiodPods = (): MeshPod[] =>
    topo.istiod.map((pod) => ({
      pod,
      workload: { name: 'istiod', namespace: ISTIO_NAMESPACE, app: 'istiod', version: '', weight: 1, pods: [] },
    }));
  const deployments = [
    { name: 'istiod', replicas: size.istiodReplicas },
    { name: topo.gateways.ingress.name, replicas: size.gatewayReplicas },
    { name: topo.gateways.egress.name, replicas: size.gatewayReplicas },
  ];
  return [
    family('container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes.', function* () {
      for (const p of meshPods(topo))
        yield {
          name: 'container_memory_working_set_bytes',
          labels: renderLabels(cadvisor(p, 'istio-proxy')),
          value: gaugeShape(limit * (0.08 + (hash(p.pod.name) % 20) / 100), 0.15, phase(p.pod.name, size.seed)),
        };
      for (const p of istiodPods())
        yield {
          name: 'container_memory_working_set_bytes',
          labels: renderLabels(cadvisor(p, 'discovery')),
          value: gaugeShape(250e6, 0.1, phase(p.pod.name, size.seed)),
        };
    }),
    family('container_cpu_usage_seconds', 'counter', 'Cumulative CPU time consumed in seconds.', function* () {
      for (const p of meshPods(topo))
        yield {
          name: 'container_cpu_usage_seconds_total',
          labels: renderLabels(cadvisor(p, 'istio-proxy')),
          value: counterShape(0.02 + (hash(p.pod.name) % 10) / 100, phase(p.pod.name, size.seed)),
        };
      for (const p of istiodPods())
        yield {
          name: 'container_cpu_usage_seconds_total',
          labels: renderLabels(cadvisor(p, 'discovery')),
          value: counterShape(0.1, phase(p.pod.name, size.seed)),
        };
    }),
    family('kube_pod_container_resource_limits', 'gauge', 'The number of requested limit resource by a container.', function* () {
      for (const p of meshPods(topo)) {
        yield {
          name: 'kube_pod_container_resource_limits',
          labels: renderLabels(ksm(p.pod.namespace, p.pod.name, 'istio-proxy', 'memory', 'byte')),
          value: constant(limit),
        };
        yield {
          name: 'kube_pod_container_resource_limits',
          labels: renderLabels(ksm(p.pod.namespace, p.pod.name, 'istio-proxy', 'cpu', 'core')),
          value: constant(2),
        };
      }
    }),
    family('kube_pod_container_resource_requests', 'gauge', 'The number of requested request resource by a container.', function* () {
      for (const p of meshPods(topo)) {
        yield {
          name: 'kube_pod_container_resource_requests',
          labels: renderLabels(ksm(p.pod.namespace, p.pod.name, 'istio-proxy', 'memory', 'byte')),
          value: constant(128 * 1024 * 1024),
        };
        yield {
          name: 'kube_pod_container_resource_requests',
          labels: renderLabels(ksm(p.pod.namespace, p.pod.name, 'istio-proxy', 'cpu', 'core')),
          value: constant(0.1),
        };
      }
    }),
    family('kube_deployment_spec_replicas', 'gauge', 'Number of desired pods for a deployment.', function* () {
      for (const d of deployments)
        yield {
          name: 'kube_deployment_spec_replicas',
          labels: renderLabels({ job: size.jobs.kubeStateMetrics, namespace: ISTIO_NAMESPACE, deployment: d.name }),
          value: constant(d.replicas),
        };
    }),
    family('kube_deployment_status_replicas_available', 'gauge', 'The number of available replicas per deployment.', function* () {
      for (const d of deployments)
        yield {
          name: 'kube_deployment_status_replicas_available',
          labels: renderLabels({ job: size.jobs.kubeStateMetrics, namespace: ISTIO_NAMESPACE, deployment: d.name }),
          value: constant(d.replicas),
        };
    }),
    family('up', 'gauge', 'Whether the last scrape of the target succeeded.', function* () {
      for (const p of meshPods(topo))
        yield { name: 'up', labels: renderLabels(envoyTarget(size.jobs.envoy, p.pod, p.workload)), value: constant(1) };
      for (const pod of topo.istiod) yield { name: 'up', labels: renderLabels(istiodTarget(size.jobs.istiod, pod)), value: constant(1) };
      for (const l of collectorTargets(size)) yield { name: 'up', labels: renderLabels(l), value: constant(1) };
    }),
  ];
}
