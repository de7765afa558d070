// NetworkPolicies: only the OTel collector tier reaches the Jaeger collector, only the query
// clients (UI ingress, Grafana, Kiali) reach the query role, only Prometheus scrapes. The search
// engine is not the bundle's: its pods are policed only on request (elasticsearch.networkPolicy).
import { endpointsOf, type MeshobsConfig } from '@meshobs/config';
import { type KubeObject, type NetworkPolicyRule, networkPolicy, policyPorts, sidecarRules, withComment } from '@meshobs/kube';
import { JAEGER_HEALTH as HEALTH, jaegerLayout as layoutOf, JAEGER_METRICS as METRICS } from '@meshobs/model';

export function networkPolicies(config: MeshobsConfig, grafanaNamespace: string = config.namespaces.monitoring): KubeObject[] {
  const l = layoutOf(config);
  const ns = config.namespaces;
  const toSearchEngine: NetworkPolicyRule = {
    to: [{ namespace: l.esNamespace, pods: config.elasticsearch.podSelector }],
    ports: [{ port: l.esPort }],
  };
  const scrape: NetworkPolicyRule = { from: [{ namespace: ns.monitoring }], ports: policyPorts([METRICS]) };
  // Kubelet probes come from the node, which NetworkPolicies do not filter; listed for clarity.
  const health: NetworkPolicyRule = { ports: policyPorts([HEALTH]) };
  // Both roles run in the injected observability namespace: their sidecars need istiod and are scraped
  // by the envoy-stats PodMonitor. The retention jobs' pods carry the label sidecar.istio.io/inject=false.
  const sidecar = sidecarRules(ns);
  const otelTier = { namespace: ns.observability, pods: { 'app.kubernetes.io/instance': endpointsOf(config).collector.service } };

  const collector = networkPolicy(
    { name: l.collector.name, namespace: l.namespace, labels: l.collector.labels, selector: l.collector.selector },
    {
      ingress: [{ from: [otelTier], ports: policyPorts(l.collector.ports) }, scrape, health, ...sidecar.ingress],
      egress: [...sidecar.egress, toSearchEngine],
    },
  );
  const queryClients = [
    // The ingress-nginx controller, only when the Ingress is on (jaeger.query.ingress.enabled).
    ...(config.jaeger.query.ingress.enabled ? [{ namespace: config.jaeger.query.ingress.controllerNamespace }] : []),
    { namespace: grafanaNamespace }, // Grafana's Jaeger data source
    { namespace: ns.istio }, // Kiali, and the ingress gateway serving the UI (ingress.ui)
  ];
  const query = networkPolicy(
    { name: l.query.name, namespace: l.namespace, labels: l.query.labels, selector: l.query.selector },
    {
      ingress: [{ from: queryClients, ports: policyPorts(l.query.ports) }, scrape, health, ...sidecar.ingress],
      egress: [...sidecar.egress, toSearchEngine],
    },
  );
  const jobs = networkPolicy(
    { name: l.jobs.name, namespace: l.namespace, labels: l.jobs.labels, selector: l.jobs.selector },
    { ingress: [], egress: [toSearchEngine] },
  );
  if (!config.elasticsearch.networkPolicy) return [collector, query, jobs];
  const searchEngine = withComment(
    networkPolicy(
      {
        name: `${config.jaeger.name}-search-engine`,
        namespace: l.esNamespace,
        labels: l.jobs.labels,
        selector: config.elasticsearch.podSelector,
      },
      {
        ingress: [
          { from: [{ namespace: l.namespace, pods: l.allPods }], ports: [{ port: l.esPort }] },
          // The cluster's own nodes still talk to each other over the transport port.
          { from: [{ namespace: l.esNamespace, pods: config.elasticsearch.podSelector }], ports: [{ port: l.esPort }, { port: 9300 }] },
        ],
      },
    ),
    'Only Jaeger (collector, query, retention jobs) reaches the search engine (elasticsearch.networkPolicy: true). Extend it if other clients share the cluster.',
  );
  return [collector, query, jobs, searchEngine];
}
