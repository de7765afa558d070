// Every config field reaches the bundle: for each leaf of the schema, a config that sets it to another
// valid value must build a different bundle than the same config without it. A field that validates but
// renders nothing fails here; the few that legitimately change no file are listed with the reason.

import { configSchema, type MeshobsConfigInput, parseConfig } from '@meshobs/config';
import { assembleBundle } from '@meshobs/kube';
import { describe, expect, it } from 'vitest';
import { renderComponents } from '../src/render.ts';
import { candidates, getPath, type Leaf, leavesOf, setPath } from './schema-leaves.ts';

/** Configs some fields only take effect in (the longest matching path prefix wins). */
const CONTEXTS: Record<string, MeshobsConfigInput> = {
  services: { services: [{ name: 'reviews', namespace: 'bookinfo' }] },
  'services.0.owner': {
    services: [{ name: 'reviews', namespace: 'bookinfo' }],
    alertmanager: { teams: { books: { type: 'slack', secret: { name: 'am-books' } } } },
  },
  'alertmanager.teams': {
    services: [{ name: 'reviews', namespace: 'bookinfo', owner: 'books' }],
    alertmanager: { teams: { books: { type: 'slack', secret: { name: 'am-books' } } } },
  },
  'alerts.slo': { services: [{ name: 'reviews', namespace: 'bookinfo' }] },
  'services.0.slo': { services: [{ name: 'reviews', namespace: 'bookinfo' }] },
  'services.0.versions': {
    services: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        versions: [
          { name: 'v1', weight: 50 },
          { name: 'v2', weight: 50 },
        ],
      },
    ],
  },
  'prometheus.credentials': { prometheus: { credentials: { type: 'basic', secretName: 'prometheus-credentials' } } },
  'prometheus.credentials.tokenKey': { prometheus: { credentials: { type: 'bearer', secretName: 'prometheus-credentials' } } },
  demo: { demo: { enabled: true } },
  'demo.versions': {
    demo: {
      enabled: true,
      versions: [
        { name: 'stable', weight: 90 },
        { name: 'canary', weight: 10 },
      ],
    },
  },
  'demo.enabled': {},
  'ingress.hosts.demo': { demo: { enabled: true } },
  'ingress.tls.certManager': { ingress: { tls: { certManager: { issuer: 'letsencrypt' } } } },
  'profile.operators.certManager': { ingress: { tls: { certManager: { issuer: 'letsencrypt' } } } },
  'jaeger.query.ingress': { jaeger: { query: { ingress: { enabled: true, host: 'jaeger.example.com' } } } },
  'jaeger.query.ingress.enabled': {},
  'jaeger.query.ingress.auth': {
    jaeger: {
      query: {
        ingress: { enabled: true, host: 'jaeger.example.com', auth: { type: 'oauth2-proxy', url: 'https://auth.example.com/oauth2/auth' } },
      },
    },
  },
  'jaeger.query.ingress.auth.type': { jaeger: { query: { ingress: { enabled: true, host: 'jaeger.example.com' } } } },
  'kiali.auth.openid': { kiali: { auth: { strategy: 'openid', openid: { issuerUri: 'https://issuer.example.com', clientId: 'kiali' } } } },
  'jaeger.maintenance.lookbackSchedule': { jaeger: { storage: { rollover: true } } },
  'jaeger.maintenance.rolloverSchedule': { jaeger: { storage: { rollover: true } } },
  'jaeger.maintenance.rolloverImage': { jaeger: { storage: { rollover: true } } },
  'kiali.grafanaToken': { kiali: { grafanaToken: { name: 'grafana-token', key: 'token' } } },
  'tracing.collector.samplerReplicas': { tracing: { collector: { mode: 'two-tier' } } },
  // Without metrics-server a replica range is fixed at its minimum: the maximum is the autoscaler's.
  'istio.istiod.replicas': { profile: { metricsServer: true } },
  'istio.gateways.ingress.replicas': { profile: { metricsServer: true } },
  'istio.gateways.egress.replicas': { profile: { metricsServer: true } },
  'jaeger.collector.replicas': { profile: { metricsServer: true } },
  'demo.jwt': { demo: { enabled: true, jwt: { issuer: 'https://sso.example.com', jwksUri: 'https://sso.example.com/jwks.json' } } },
  'demo.routing.abHeader': { demo: { enabled: true, routing: { abHeader: { name: 'x-user-group', value: 'beta' } } } },
  'demo.routing.uriRoutes': { demo: { enabled: true, routing: { uriRoutes: [{ prefix: '/api', version: 'canary' }] } } },
  egress: { egress: { hosts: [{ name: 'github', host: 'api.github.com' }] } },
  'egress.hosts.0.addresses': { egress: { hosts: [{ name: 'github', host: 'api.github.com', addresses: ['192.0.2.1'] }] } },
  // Sidecar resources go only into the namespaces the bundle owns: the demo's.
  'egress.sidecars': { demo: { enabled: true } },
  // Kiali reads both reporters' series of every metric it charts: with it, this setting drops nothing.
  'cardinality.dropUnreadReporterSeries': { kiali: { enabled: false } },
};

const BOOKS_TEAM = { books: { type: 'slack' as const, secret: { name: 'am-books' } } };

/**
 * Fields no single-value candidate can change validly (weights must still add up to 100, a team is an
 * object, an owner must name a team): the changed config, against the leaf's context.
 */
const EDITS: Record<string, MeshobsConfigInput> = {
  'services.0.versions.0.weight': {
    services: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        versions: [
          { name: 'v1', weight: 80 },
          { name: 'v2', weight: 20 },
        ],
      },
    ],
  },
  'services.0.owner': { ...CONTEXTS['services.0.owner'], services: [{ name: 'reviews', namespace: 'bookinfo', owner: 'books' }] },
  'alertmanager.teams': {
    ...CONTEXTS['alertmanager.teams'],
    alertmanager: { teams: { ...BOOKS_TEAM, shop: { type: 'pagerduty', secret: { name: 'am-shop' } } } },
  },
  'demo.routing.uriRoutes.0.version': { demo: { enabled: true, routing: { uriRoutes: [{ prefix: '/api', version: 'stable' }] } } },
  'demo.versions.0.weight': {
    demo: {
      enabled: true,
      versions: [
        { name: 'stable', weight: 80 },
        { name: 'canary', weight: 20 },
      ],
    },
  },
};

/** Fields that change no file of the bundle, and why that is right. */
const UNRENDERED: Record<string, string> = {
  'profile.kubernetesVersion':
    'describes the target cluster for the profile line of `meshobs validate`; the bundle is the same on every supported Kubernetes version',
  'istio.version':
    'describes the target mesh for the profile line of `meshobs validate` and the synthetic mesh of the dashboard preview; the bundle is the same for ' +
    'every supported minor (the root-cert alert reads both citadel_server_root_cert_expiry_seconds and the older ..._timestamp)',
  'prometheus.evaluationInterval':
    'describes the Prometheus the bundle runs on (its global evaluation_interval); read only by the check that alerts.window is not shorter',
};

const key = (path: Leaf['path']) => path.join('.');

function contextOf(path: Leaf['path']): MeshobsConfigInput {
  const k = key(path);
  const match = Object.keys(CONTEXTS)
    .filter((p) => k === p || k.startsWith(`${p}.`))
    .sort((a, b) => b.length - a.length)[0];
  return match ? CONTEXTS[match]! : {};
}

const tryParse = (raw: unknown) => {
  try {
    return parseConfig(raw);
  } catch {
    return undefined;
  }
};

/** The first candidate that validates and changes the parsed leaf. */
function mutate(leaf: Leaf, base: MeshobsConfigInput) {
  const before = JSON.stringify(getPath(parseConfig(base), leaf.path));
  for (const value of candidates(leaf, getPath(parseConfig(base), leaf.path))) {
    const raw = setPath(base, leaf.path, value) as MeshobsConfigInput;
    const parsed = tryParse(raw);
    if (parsed && JSON.stringify(getPath(parsed, leaf.path)) !== before) return { value, parsed };
  }
  return undefined;
}

const bundleOf = (config: ReturnType<typeof parseConfig>) => [...assembleBundle(renderComponents(config))];
const same = (a: Array<[string, string]>, b: Array<[string, string]>) =>
  a.length === b.length && a.every(([p, t], i) => b[i]![0] === p && b[i]![1] === t);

describe('every config field is rendered', () => {
  const leaves = leavesOf(configSchema);

  it('walks the whole schema', () => {
    expect(leaves.length).toBeGreaterThan(150);
    expect(leaves.map((l) => key(l.path))).toEqual(
      expect.arrayContaining(['istio.sidecar.resources.limits.memory', 'services.0.versions.0.name', 'ingress.hosts.demo']),
    );
  });

  it('changes the bundle when any one field changes (or is listed, with the reason, as changing nothing)', () => {
    const defaults = new Map<string, Array<[string, string]>>();
    const unrendered: string[] = [];
    const noCandidate: string[] = [];
    const stale: string[] = [];
    for (const leaf of leaves) {
      const k = key(leaf.path);
      const base = contextOf(leaf.path);
      const m = k in EDITS ? { value: EDITS[k], parsed: parseConfig(EDITS[k]) } : mutate(leaf, base);
      if (!m) {
        noCandidate.push(k);
        continue;
      }
      const baseKey = JSON.stringify(base);
      if (!defaults.has(baseKey)) defaults.set(baseKey, bundleOf(parseConfig(base)));
      const changed = !same(defaults.get(baseKey)!, bundleOf(m.parsed));
      if (!changed && !(k in UNRENDERED)) unrendered.push(`${k} = ${JSON.stringify(m.value)}`);
      if (changed && k in UNRENDERED) stale.push(k);
    }
    expect(noCandidate, 'leaves without a valid non-default candidate value: add one to schema-leaves.ts or a context here').toEqual([]);
    expect(unrendered, 'fields no renderer reads: render them or delete them from the schema').toEqual([]);
    expect(stale, 'listed as unrendered but they change the bundle: remove them from UNRENDERED').toEqual([]);
  }, 300_000);
});
