import { defaultConfig, endpointsOf, type MeshobsConfigInput, parseConfig } from '@meshobs/config';
import { renderDashboards } from '@meshobs/dashboards';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ANONYMOUS_WARNING,
  GRAFANA_AUTH_WARNING,
  HELM_VALUES_FILE,
  installerSettings,
  KIALI_VALIDATOR,
  kialiDashboardEntry,
  kialiDashboards,
  kialiSchemaErrors,
  meshNamespaces,
  OPERATORLESS_CONFIGMAP_FILE,
  renderKiali,
  SERVER_CONFIG_KEYS,
  SERVER_DEPLOYMENT_KEYS,
} from '../src/index.ts';
import { unreadKeys } from './support/server-keys.ts';

/** The model of a raw config. */
const modelOf = (raw: MeshobsConfigInput) => resolveModel(parseConfig(raw));
const crOf = (bundle: ReturnType<typeof renderKiali>) => bundle.objects.find((o) => o.kind === 'Kiali') as KubeObject & { spec: any };

describe('renderKiali', () => {
  const config = defaultConfig();
  const bundle = renderKiali(resolveModel(config));
  const cr = crOf(bundle);

  it('emits a Kiali CR, a NetworkPolicy and its route on the UI Gateway that pass their schemas; warns only that Grafana gets no credentials', async () => {
    expect(bundle.objects.map((o) => o.kind)).toEqual(['Kiali', 'NetworkPolicy', 'VirtualService']);
    expect((bundle.objects[2] as any).spec).toEqual({
      hosts: ['kiali.example.com'],
      gateways: ['observability/meshobs-ingress'],
      http: [{ name: 'kiali', route: [{ destination: { host: 'kiali.istio-system.svc.cluster.local', port: { number: 20001 } } }] }],
    });
    expect(renderKiali(resolveModel(parseConfig({ ingress: { ui: { kiali: false } } }))).objects.map((o) => o.kind)).toEqual([
      'Kiali',
      'NetworkPolicy',
    ]);
    expect(await validateObjects(bundle.objects, [KIALI_VALIDATOR])).toEqual([]);
    expect(bundle.warnings).toEqual([GRAFANA_AUTH_WARNING]);
  });

  it('authenticates to Grafana with the token Secret when one is set, and then does not warn', () => {
    const withToken = renderKiali(resolveModel(parseConfig({ kiali: { grafanaToken: { name: 'grafana-kiali', key: 'token' } } })));
    expect(crOf(withToken).spec.external_services.grafana.auth).toEqual({ type: 'bearer', token: 'secret:grafana-kiali:token' });
    expect(withToken.warnings).toEqual([]);
  });

  it('wires Prometheus, Grafana and Jaeger from the shared endpoints', () => {
    const e = endpointsOf(config);
    const ext = cr.spec.external_services;
    expect(ext.prometheus.url).toBe(e.prometheus.url);
    expect(ext.grafana.internal_url).toBe(e.grafana.url);
    expect(ext.grafana.external_url).toBe(e.grafana.externalUrl);
    expect(ext.tracing).toMatchObject({ provider: 'jaeger', use_grpc: true, external_url: e.jaeger.externalUrl });
    expect(ext.tracing.internal_url).toBe(`http://${e.jaeger.queryGrpcAddress}`);
    expect(ext.tracing.internal_url).toMatch(/:16685$/);
  });

  it('watches istiod and both gateways, and drops a disabled gateway', () => {
    const apps = (c: any) => c.spec.external_services.istio.component_status.components.map((x: any) => x.app_label);
    expect(apps(cr)).toEqual(['istiod', 'istio-ingressgateway', 'istio-egressgateway']);
    const noEgress = crOf(renderKiali(resolveModel(parseConfig({ istio: { gateways: { egress: { enabled: false } } } }))));
    expect(apps(noEgress)).toEqual(['istiod', 'istio-ingressgateway']);
  });

  it('uses token auth by default, openid when configured, anonymous only explicitly and with a warning', () => {
    expect(cr.spec.auth).toEqual({ strategy: 'token' });
    const oidc = renderKiali(
      resolveModel(
        parseConfig({ kiali: { auth: { strategy: 'openid', openid: { issuerUri: 'https://idp.example.com', clientId: 'kiali' } } } }),
      ),
    );
    expect(crOf(oidc).spec.auth).toMatchObject({
      strategy: 'openid',
      openid: { issuer_uri: 'https://idp.example.com', client_id: 'kiali' },
    });
    expect(oidc.warnings).toEqual([GRAFANA_AUTH_WARNING]);
    const anon = renderKiali(resolveModel(parseConfig({ kiali: { auth: { strategy: 'anonymous' } } })));
    expect(crOf(anon).spec.auth).toEqual({ strategy: 'anonymous' });
    expect(anon.warnings).toEqual([ANONYMOUS_WARNING, GRAFANA_AUTH_WARNING]);
  });

  it('limits discovery to the mesh namespaces (never monitoring) without cluster-wide access', () => {
    const c = parseConfig({ services: [{ name: 'shop', namespace: 'shop' }] });
    expect(meshNamespaces(resolveModel(c))).toEqual(['istio-system', 'observability', 'shop']);
    expect(meshNamespaces(resolveModel(parseConfig({ demo: { enabled: true } })))).toEqual(['istio-system', 'observability', 'podinfo']);
    const d = crOf(renderKiali(resolveModel(c))).spec.deployment;
    expect(d.cluster_wide_access).toBe(false);
    expect(d.discovery_selectors.default[0].matchExpressions[0]).toEqual({
      key: 'kubernetes.io/metadata.name',
      operator: 'In',
      values: meshNamespaces(resolveModel(c)),
    });
  });

  it('sets replicas, resources and a hardened security context; PDB and anti-affinity only with replicas > 1', () => {
    const d = cr.spec.deployment;
    expect(d.replicas).toBe(2);
    expect(d.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } });
    expect(d.security_context).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(d.pod_disruption_budget).toEqual({ spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' } });
    expect(d.affinity.pod_anti.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(2);
    const single = crOf(renderKiali(resolveModel(parseConfig({ kiali: { replicas: 1 } })))).spec.deployment;
    expect(single.pod_disruption_budget).toBeUndefined();
    expect(single.affinity).toBeUndefined();
  });

  it('references the Grafana token Secret instead of carrying a value', () => {
    const c = parseConfig({ kiali: { grafanaToken: { name: 'grafana-kiali', key: 'token' } } });
    expect(crOf(renderKiali(resolveModel(c))).spec.external_services.grafana.auth).toEqual({
      type: 'bearer',
      token: 'secret:grafana-kiali:token',
    });
  });

  it('ships the server ConfigMap and the kiali-server Helm values outside the kustomization', async () => {
    expect(bundle.files.map((f) => f.path)).toEqual([OPERATORLESS_CONFIGMAP_FILE, HELM_VALUES_FILE]);
    const cm = parse(bundle.files[0]!.content) as KubeObject & { data: Record<string, string> };
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kiali', namespace: 'istio-system' } });
    expect(await validateObjects([cm])).toEqual([]);
  });

  describe('operatorless', () => {
    const cm = parse(bundle.files.find((f) => f.path === OPERATORLESS_CONFIGMAP_FILE)!.content) as { data: Record<string, string> };
    const serverYaml = parse(cm.data['config.yaml']!) as Record<string, any>;
    const values = parse(bundle.files.find((f) => f.path === HELM_VALUES_FILE)!.content) as Record<string, any>;
    // The settings the server ignores: the operator (and the Helm chart) read them from `deployment`.
    const installerOnly = ['replicas', 'resources', 'security_context', 'network_policy', 'pod_disruption_budget', 'affinity'];

    it('the ConfigMap carries only keys the Kiali server reads (kiali/kiali v2.29.0 config/config.go)', () => {
      expect(Object.keys(serverYaml).filter((k) => !(SERVER_CONFIG_KEYS as readonly string[]).includes(k))).toEqual([]);
      expect(Object.keys(serverYaml.deployment).filter((k) => !(SERVER_DEPLOYMENT_KEYS as readonly string[]).includes(k))).toEqual([]);
      for (const key of installerOnly) expect(serverYaml.deployment).not.toHaveProperty(key);
      expect(serverYaml).not.toHaveProperty('istio_namespace');
    });

    it('no key at any depth of the ConfigMap is one the server drops (struct tags of config/config.go)', () => {
      expect(unreadKeys(serverYaml)).toEqual([]);
      const oidc = renderKiali(
        modelOf({
          kiali: {
            grafanaToken: { name: 'g', key: 'token' },
            auth: { strategy: 'openid', openid: { issuerUri: 'https://idp.example.com', clientId: 'kiali' } },
          },
        }),
      );
      const oidcYaml = parse(
        (parse(oidc.files.find((f) => f.path === OPERATORLESS_CONFIGMAP_FILE)!.content) as { data: Record<string, string> }).data[
          'config.yaml'
        ]!,
      );
      expect(oidcYaml.auth.openid.issuer_uri).toBe('https://idp.example.com');
      expect(unreadKeys(oidcYaml)).toEqual([]);
      // the check can fail: the CR spec (what the ConfigMap used to carry) has keys only the operator reads
      expect(unreadKeys(cr.spec)).toEqual([
        'istio_namespace',
        'deployment.replicas',
        'deployment.resources',
        'deployment.security_context',
        'deployment.network_policy',
        'deployment.pod_disruption_budget',
        'deployment.affinity',
      ]);
    });

    it('the ConfigMap keeps every server setting of the CR unchanged', () => {
      const { istio_namespace: _ignored, deployment, ...rest } = cr.spec;
      expect(serverYaml).toEqual({
        ...rest,
        deployment: Object.fromEntries(Object.entries(deployment).filter(([k]) => !installerOnly.includes(k))),
      });
    });

    it('the Helm values carry the dropped settings under deployment, plus the server config', () => {
      for (const key of installerOnly) expect(values.deployment[key]).toEqual(cr.spec.deployment[key]);
      expect(values.deployment.replicas).toBe(2);
      expect(values.deployment.security_context).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
      expect(values).toEqual({ ...serverYaml, deployment: cr.spec.deployment });
      expect(installerSettings(cr.spec)).toEqual(Object.fromEntries(installerOnly.map((k) => [k, cr.spec.deployment[k]])));
    });

    it('the Helm values name the chart version and install command in their header', () => {
      const header = bundle.files
        .find((f) => f.path === HELM_VALUES_FILE)!
        .content.split('\n')
        .filter((l) => l.startsWith('#'));
      expect(header.join('\n')).toContain(
        'helm upgrade --install kiali-server kiali/kiali-server --version 2.29.0 --namespace istio-system -f kiali-server-values.yaml',
      );
    });

    it('a single replica drops the PDB and anti-affinity from the values too', () => {
      const single = renderKiali(resolveModel(parseConfig({ kiali: { replicas: 1 } })));
      const v = parse(single.files.find((f) => f.path === HELM_VALUES_FILE)!.content);
      expect(v.deployment.replicas).toBe(1);
      expect(v.deployment.pod_disruption_budget).toBeUndefined();
      expect(v.deployment.affinity).toBeUndefined();
    });
  });

  it('emits nothing when disabled', () => {
    expect(renderKiali(resolveModel(parseConfig({ kiali: { enabled: false } }))).objects).toEqual([]);
  });
});

describe('Kiali CRD schema check', () => {
  const valid = crOf(renderKiali(resolveModel(defaultConfig())));
  const mutate = (f: (spec: any) => void) => {
    const copy = structuredClone({ ...valid }) as any;
    f(copy.spec);
    return copy;
  };

  it('accepts the rendered CR', () => expect(kialiSchemaErrors(valid)).toEqual([]));

  it('rejects a field the CRD does not declare (the API server would prune it silently)', () => {
    expect(kialiSchemaErrors(mutate((s) => (s.external_services.tracing.internalURL = 'x')))).toEqual([
      '/spec/external_services/tracing: unknown field "internalURL" (the CRD would prune it)',
    ]);
  });

  it('rejects wrong types, enums and bounds', () => {
    expect(kialiSchemaErrors(mutate((s) => (s.deployment.replicas = '2')))).toEqual(['/spec/deployment/replicas: must be integer']);
    expect(kialiSchemaErrors(mutate((s) => (s.deployment.replicas = 0)))).toEqual(['/spec/deployment/replicas: must be >= 1']);
    expect(kialiSchemaErrors(mutate((s) => (s.auth.strategy = 'none')))[0]).toMatch(/^\/spec\/auth\/strategy: must be one of .*token/);
  });

  it('keeps free-form subtrees free (security_context preserves unknown fields)', () => {
    expect(kialiSchemaErrors(mutate((s) => (s.deployment.security_context.procMount = 'Default')))).toEqual([]);
  });

  it('checks the CR in validateObjects when listed, and nothing checks it otherwise', async () => {
    expect((await validateObjects([mutate(() => {})]))[0]!.error).toBe('no schema known for this API group');
    const failures = await validateObjects([mutate((s) => (s.bogus = true))], [KIALI_VALIDATOR]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.error).toContain('unknown field "bogus"');
  });
});

describe('Kiali dashboard entries', () => {
  it('list every dashboard the bundle renders, by its title', () => {
    const config = defaultConfig();
    const dashboards = renderDashboards(resolveModel(config));
    const titles = dashboards.files
      .filter((f) => f.path.endsWith('.json'))
      .map((f) => JSON.parse(f.content).title)
      .sort();
    const entries = crOf(renderKiali(resolveModel(config))).spec.external_services.grafana.dashboards;
    expect(entries).toEqual(kialiDashboards(resolveModel(config).dashboards));
    expect(entries.map((e: { name: string }) => e.name).sort()).toEqual(titles);
  });

  it('name a dashboard by title with the variables Kiali can fill', () => {
    const entry = kialiDashboardEntry({
      title: 'Podinfo metrics',
      templating: { list: [{ name: 'ds', type: 'datasource' }, { name: 'namespace' }, { name: 'service' }, { name: 'interval' }] },
    });
    expect(entry).toEqual({
      name: 'Podinfo metrics',
      variables: { datasource: 'var-ds', namespace: 'var-namespace', service: 'var-service' },
    });
    expect(kialiDashboardEntry({ title: 'Overview' })).toEqual({ name: 'Overview' });
  });
});
