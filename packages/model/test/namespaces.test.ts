// The namespaces of the bundle: it creates only its own (the demo's when on) and labels every other one
// with the script, never as a Namespace object `kubectl delete -k` would remove. The trace pipeline's
// namespace holds what the user created (the search engine's Secrets, often the search engine): the script
// creates it when missing, and the bundle never owns it.
import { parseConfig } from '@meshobs/config';
import { renderNamespaces, validateObjects } from '@meshobs/kube';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../src/index.ts';

const render = (raw: unknown) => renderNamespaces(resolveModel(parseConfig(raw)).namespaces);
const labelLines = (script: string) => script.split('\n').filter((l) => l.startsWith('LABELS='));

describe('namespaces', () => {
  it('the demo config owns the demo namespace only; the script creates and labels the pipeline namespace and labels the existing ones', async () => {
    const c = render({ demo: { enabled: true } });
    expect(await validateObjects(c.objects)).toEqual([]);
    const labels = Object.fromEntries(c.objects.map((o) => [o.metadata.name, o.metadata.labels?.['istio-injection']]));
    // istio-system and monitoring exist before the bundle, and the pipeline's namespace holds the user's
    // search-engine Secrets (and by elasticsearch.url's default the search engine): `kubectl delete -k`
    // must not remove any of them.
    expect(labels).toEqual({ podinfo: 'enabled' });
    expect(labelLines(c.files.find((f) => f.path === 'label-existing-namespaces.sh')!.content)).toEqual([
      `LABELS='istio-injection=disabled' label monitoring "$@"`,
      `LABELS='istio-injection=enabled' create_and_label observability "$@"`,
    ]);
  });

  it('never owns the namespace the search engine runs in, even the demo one (a listed service there is refused by the config)', () => {
    const m = (raw: unknown) => resolveModel(parseConfig(raw)).namespaces;
    const names = (l: Array<{ name: string }>) => l.map((n) => n.name);
    expect(names(m({ demo: { enabled: true }, elasticsearch: { namespace: 'podinfo' } }).owned)).toEqual([]);
    expect(names(m({ demo: { enabled: true }, namespaces: { observability: 'tracing' } }).owned)).toEqual(['podinfo']);
    expect(m({ namespaces: { observability: 'tracing' } }).existing.find((n) => n.name === 'tracing')).toMatchObject({ create: true });
  });

  it("never owns the namespaces of the mesh's services, nor the system ones; the demo off creates no podinfo", () => {
    const c = render({ services: [{ name: 'a', namespace: 'shop' }], namespaces: { observability: 'kube-system' } });
    expect(c.objects.map((o) => o.metadata.name)).toEqual([]);
    const script = c.files[0]!.content;
    expect(labelLines(script)).toContain(`LABELS='istio-injection=enabled' label shop "$@"`);
    // Nothing the config does not name: neither the demo's namespace nor `default`.
    expect(script).not.toMatch(/label (podinfo|default) /);
  });

  it('excluded follows the monitoring namespace, and a revision labels istio.io/rev instead of istio-injection', () => {
    const script = render({
      namespaces: { monitoring: 'prom', injected: ['default'] },
      istio: { revision: 'canary' },
    }).files[0]!.content;
    expect(labelLines(script)).toContain(`LABELS='istio-injection=disabled' label prom "$@"`);
    expect(script).not.toMatch(/label monitoring/);
    expect(labelLines(script)).toContain(`LABELS='istio.io/rev=canary istio-injection-' label default "$@"`);
  });

  it('places Grafana by its URL, or where the config says', () => {
    expect(resolveModel(parseConfig({ grafana: { url: 'http://grafana.grafana.svc:3000' } })).namespaces.grafana).toBe('grafana');
    expect(resolveModel(parseConfig({ grafana: { namespace: 'dash' } })).namespaces.grafana).toBe('dash');
    expect(resolveModel(parseConfig({})).namespaces.grafana).toBe('monitoring');
  });
});
