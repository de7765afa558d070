import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator';
import { defaultConfig, parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { PROXY_STATS_MATCHER } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { istioOperator, renderIstio } from '../src/index.ts';

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe('renderIstio', () => {
  const config = defaultConfig();
  const bundle = renderIstio(resolveModel(config));

  it('emits schema-valid Telemetry, PeerAuthentication and AuthorizationPolicy objects', async () => {
    expect(await validateObjects(bundle.objects)).toEqual([]);
    // The default is two-tier: one more AuthorizationPolicy (load balancer -> samplers) than single mode.
    const single = renderIstio(resolveModel(parseConfig({ tracing: { collector: { mode: 'single' } } })));
    expect(await validateObjects(single.objects)).toEqual([]);
    expect(byKind(bundle.objects, 'AuthorizationPolicy').length).toBe(byKind(single.objects, 'AuthorizationPolicy').length + 1);
  });

  it('the IstioOperator snippet is schema-valid and carries the providers and the stats matcher', () => {
    const op = istioOperator(config);
    new IstioOperator(op as never).validate();
    const file = parse(bundle.files.find((f) => f.path === 'istio-operator.yaml')!.content);
    expect(file).toEqual(op);
    const mesh = op.spec.meshConfig;
    const otel = mesh.extensionProviders.find((p) => 'opentelemetry' in p)!;
    expect(otel.opentelemetry).toMatchObject({ service: 'otel-collector.observability.svc.cluster.local', port: 4317 });
    expect(mesh.extensionProviders.some((p) => 'zipkin' in p)).toBe(true);
    expect(mesh.defaultProviders.tracing).toEqual([otel.name]);
    // Setting defaultProviders at all drops the chart's default metrics provider: it must be named.
    expect(mesh.defaultProviders.metrics).toEqual(['prometheus']);
    expect(mesh.defaultConfig.proxyStatsMatcher.inclusionSuffixes).toEqual([...PROXY_STATS_MATCHER.inclusionSuffixes]);
    expect(mesh.defaultConfig.proxyStatsMatcher.inclusionSuffixes).toContain('upstream_rq_pending_overflow');
  });

  it('mesh tracing follows the config: sampling percentage, custom tags, error-only access logs', () => {
    const custom = parseConfig({
      istio: { envoySamplingPercent: 25 },
      cluster: { name: 'east', environment: 'staging' },
      tracing: { accessLogMinStatus: 500 },
    });
    const [telemetry] = byKind(renderIstio(resolveModel(custom)).objects, 'Telemetry') as Array<KubeObject & { spec: any }>;
    const tracing = telemetry!.spec.tracing[0];
    expect(tracing.randomSamplingPercentage).toBe(25);
    expect(tracing.customTags.environment).toEqual({ literal: { value: 'staging' } });
    expect(tracing.customTags.cluster_name).toEqual({ literal: { value: 'east' } });
    expect(tracing.customTags.request_id.header.name).toBe('x-request-id');
    expect(tracing.customTags.user_agent.header.name).toBe('user-agent');
    expect(tracing.customTags.pod_name.environment.name).toBe('POD_NAME');
    // The pod identity k8s_attributes associates by, from istio-proxy's downward-API variables, with
    // no default (an empty value sends no tag rather than a pod name no pod has).
    expect(tracing.customTags['k8s.pod.name']).toEqual({ environment: { name: 'POD_NAME' } });
    expect(tracing.customTags['k8s.namespace.name']).toEqual({ environment: { name: 'POD_NAMESPACE' } });
    expect(telemetry!.spec.accessLogging[0].filter.expression).toBe('response.code >= 500');
    expect(telemetry!.metadata.namespace).toBe('istio-system');
  });

  it('lets the collector, and only the collector, write to Jaeger', () => {
    const policies = byKind(bundle.objects, 'AuthorizationPolicy') as Array<KubeObject & { spec: any }>;
    const jaeger = policies.find((p) => p.metadata.name === 'jaeger-collector')!;
    expect(jaeger.spec.rules[0].from[0].source.principals).toEqual(['*/ns/observability/sa/otel-collector']);
    expect(jaeger.spec.rules[0].to[0].operation.ports).toEqual(['4317']);
    const collector = policies.find((p) => p.metadata.name === 'otel-collector')!;
    expect(collector.spec.rules[0].to[0].operation.ports).toEqual(['4317', '4318', '9411', '14250', '14268']);
    const pa = byKind(bundle.objects, 'PeerAuthentication').find((p) => p.metadata.name === 'otel-collector-metrics') as any;
    expect(Object.keys(pa.spec.portLevelMtls)).toEqual(['8888', '8889']);
    expect(pa.spec.mtls.mode).toBe('STRICT');
  });

  it('opens the plaintext ports to sidecar-less callers and their namespaces only, never to any mesh identity', () => {
    const policies = byKind(bundle.objects, 'AuthorizationPolicy') as Array<KubeObject & { spec: any }>;
    const plaintextPorts = new Map<string, string[]>();
    for (const pa of byKind(bundle.objects, 'PeerAuthentication') as Array<KubeObject & { spec: any }>)
      plaintextPorts.set(JSON.stringify(pa.spec.selector.matchLabels), Object.keys(pa.spec.portLevelMtls));
    // The deny-all (no selector, no rules: src/default-deny.ts) opens nothing.
    for (const p of policies.filter((p) => p.metadata.namespace === 'observability' && p.spec.selector)) {
      const open = plaintextPorts.get(JSON.stringify(p.spec.selector.matchLabels)) ?? [];
      for (const rule of p.spec.rules) {
        // Every rule names its sources: a rule without `from` would admit every workload of the mesh.
        expect(rule.from, `${p.metadata.name}: ${JSON.stringify(rule.to)}`).toBeDefined();
        const ports: string[] = rule.to[0].operation.ports;
        const plaintext = rule.from.some((f: any) => JSON.stringify(f.source) === JSON.stringify({ notPrincipals: ['*'] }));
        expect(plaintext, `${p.metadata.name} ports ${ports} are plaintext-open exactly when PERMISSIVE`).toBe(
          ports.every((x) => open.includes(x)),
        );
      }
    }
    const query = policies.find((p) => p.metadata.name === 'jaeger-query')!;
    expect(query.spec.rules[0].from[1].source.namespaces).toEqual(['monitoring', 'istio-system']); // ingress-nginx only with its Ingress
    expect(query.spec.rules[1].from[1].source.namespaces).toEqual(['monitoring']);
  });
});

describe('policy selectors match the pods they protect', () => {
  it('selects the collector and Jaeger pods the other components render', async () => {
    const { renderCollector } = await import('@meshobs/otel-collector');
    const { renderJaeger } = await import('@meshobs/jaeger');
    const config = parseConfig({ tracing: { collector: { mode: 'two-tier' } } });
    const pods = [...renderCollector(resolveModel(config)).objects, ...renderJaeger(resolveModel(config)).objects]
      .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
      .map((o) => (o as any).spec.template.metadata.labels as Record<string, string>);
    // The pipeline's workload policies (the edge objects select the ingress gateway, or are Gateways and
    // routes: edge-ingress.test.ts in the CLI; the namespace-wide deny-all and Sidecars select no pods by design).
    const policies = renderIstio(resolveModel(config)).objects.filter(
      (o) =>
        ['PeerAuthentication', 'AuthorizationPolicy'].includes(o.kind) &&
        o.metadata.namespace === config.namespaces.observability &&
        (o as any).spec.selector?.matchLabels,
    ) as Array<KubeObject & { spec: any }>;
    expect(policies.length).toBeGreaterThanOrEqual(5);
    for (const p of policies) {
      const sel = p.spec.selector.matchLabels as Record<string, string>;
      const matched = pods.filter((labels) => Object.entries(sel).every(([k, v]) => labels[k] === v));
      expect(matched.length, `${p.kind} ${p.metadata.name}`).toBeGreaterThan(0);
    }
  });
});
